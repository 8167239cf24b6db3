import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtp_tui import validation
from smtp_tui.validation import AccountInput, FieldError, validate_account
from tests.conftest import account_input


def errors_of(**overrides) -> dict[str, str]:
    return validate_account(account_input(**overrides))[1]


def test_a_complete_account_has_no_errors_and_is_cleaned():
    cleaned, errors = validate_account(account_input(name="  Alerts  ", email="Ops@Example.COM"))
    assert errors == {}
    assert cleaned.name == "Alerts"
    assert cleaned.email == "Ops@example.com"  # the domain is normalised, the local part kept


def test_every_error_is_reported_at_once_keyed_by_field():
    errors = validate_account(
        AccountInput(
            name="",
            email="",
            host="",
            port="",
            secure=True,
            authentication=True,
            use_connector=True,
        )
    )[1]
    assert errors == {
        "name": "Name is required.",
        "email": "E-mail is required.",
        "host": "Host is required.",
        "port": "Port is required.",
        "secure_type": "Choose SSL or TLS for the secure connection.",
        "credential": "Choose the credential to authenticate with.",
        "connector": "Choose the network connector to reach the server through.",
    }


@pytest.mark.parametrize(
    "field,label",
    [
        ("email", "E-mail"),
        ("reply_to", "Reply-to"),
        ("return_path", "Return-path"),
        ("confirmation_email", "Confirmation e-mail"),
    ],
)
def test_addresses_must_be_valid(field, label):
    assert errors_of(**{field: "not-an-address"})[field] == (
        f"{label} is not a valid e-mail address: An email address must have an @-sign."
    )


@pytest.mark.parametrize("field", ["reply_to", "return_path", "confirmation_email"])
def test_optional_addresses_may_be_empty(field):
    assert field not in errors_of(**{field: "  "})


@pytest.mark.parametrize(
    "field,label",
    [
        ("name", "Name"),
        ("email", "E-mail"),
        ("reply_to", "Reply-to"),
        ("host", "Host"),
    ],
)
def test_line_breaks_are_refused_in_every_header_value(field, label):
    value = "ops@example.com\r\nBcc: victim@example.com" if field != "host" else "a.example.com\nb"
    assert errors_of(**{field: value})[field] == f"{label} must be on one line (no line breaks)."


@pytest.mark.parametrize(
    "host",
    [
        "mail.example.com",
        "10.1.2.3",
        "2001:db8::25",
        "[2001:db8::1]",
        "localhost",
        "münchen.example",
    ],
)
def test_hosts_accepted(host):
    assert "host" not in errors_of(host=host)


@pytest.mark.parametrize(
    "host",
    [
        "exa mple.com",
        "-bad.example.com",
        "10.0.0.300",
        "a_b.example.com",
        "a" * 64 + ".example.com",
    ],
)
def test_hosts_refused(host):
    assert errors_of(host=host)["host"] == (
        "Host must be a host name (mail.example.com), an IPv4 or an IPv6 address."
    )


@pytest.mark.parametrize("port", ["0", "65536", "-1", "abc", "25.5"])
def test_ports_out_of_range_or_not_numbers_are_refused(port):
    assert errors_of(port=port)["port"] == "Port must be a whole number from 1 to 65535."


@given(st.integers(min_value=1, max_value=65535))
def test_every_port_in_range_is_accepted(number):
    assert validation.port(str(number)) == number


def test_name_length_is_bounded():
    assert errors_of(name="x" * 101)["name"] == "Name is too long (at most 100 characters)."


def test_dependent_fields_are_cleared_when_their_switch_is_off():
    cleaned, errors = validate_account(
        account_input(secure=False, secure_type="SSL", credential_id=3, connector_id=4)
    )
    assert errors == {}
    assert (cleaned.secure_type, cleaned.credential_id, cleaned.connector_id) == (None, None, None)


def test_secure_type_is_matched_in_any_case():
    assert validate_account(account_input(secure_type="ssl"))[0].secure_type == "SSL"


def test_account_code_filter():
    assert validation.account_code(" 12 ") == 12
    assert validation.account_code("") is None
    with pytest.raises(FieldError, match="Code must be a number"):
        validation.account_code("12a")


@pytest.mark.parametrize(
    "secure,secure_type,port",
    [
        (False, None, 25),
        (True, "SSL", 465),
        (True, "TLS", 587),
        (False, "SSL", 25),
        (True, None, 25),
    ],
)
def test_suggested_port(secure, secure_type, port):
    assert validation.suggested_port(secure, secure_type) == port


@pytest.mark.parametrize(
    "secure,secure_type,port,expected",
    [
        (True, "SSL", "587", "Port 587 usually expects TLS (STARTTLS), not SSL"),
        (True, "TLS", 465, "Port 465 usually expects SSL"),
        (False, None, "587", "Port 587 usually expects a secure connection"),
        (True, "SSL", "465", None),
        (True, "TLS", "587", None),
        (False, None, "25", None),
        (True, "TLS", "2525", None),
        (True, "SSL", "abc", None),
    ],
)
def test_port_warning(secure, secure_type, port, expected):
    warning = validation.port_warning(secure, secure_type, port)
    assert (warning is None) if expected is None else warning.startswith(expected)


# One rule for text (issue 14) ---------------------------------------------------------------

ONE_LINE = "must be on one line (no line breaks)."


def test_the_line_breaks_refused_are_every_one_python_splits_lines_on():
    splitters = {c for c in map(chr, range(0x10000)) if len(f"a{c}b".splitlines()) == 2}
    assert validation.LINE_BREAKS == splitters  # \n \r \x0b \x0c \x1c \x1d \x1e \x85 \u2028 \u2029


@pytest.mark.parametrize("character", sorted(validation.LINE_BREAKS), ids=ascii)
def test_every_line_break_is_refused_in_names_and_addresses(character):
    errors = errors_of(name=f"Relay{character}HQ", email=f"ops{character}x@example.com")
    assert (errors["name"], errors["email"]) == (f"Name {ONE_LINE}", f"E-mail {ONE_LINE}")


@pytest.mark.parametrize("character", sorted(validation.BIDI_CONTROLS), ids=ascii)
def test_bidi_controls_are_refused_in_names(character):
    assert errors_of(name=f"Relay{character}gnp.exe")["name"] == (
        "Name must not contain bidi controls (such as U+202E), which reorder the text shown."
    )


@pytest.mark.parametrize(
    "value,message",
    [
        ("Relay\x1b[2J", "Name must not contain control characters."),
        ("Relay\tHQ", "Name must not contain control characters."),
        ("Relay\x9b31m", "Name must not contain control characters."),
        ("Relay\x7f", "Name must not contain control characters."),
        (
            "Relay \udcff",
            "Name is not valid text: it holds bytes that are not UTF-8.",
        ),  # b"\xff" in argv
        ("Relay\ud800\n", "Name is not valid text: it holds bytes that are not UTF-8."),
    ],
)
def test_control_characters_and_bytes_that_are_not_text_are_refused(value, message):
    assert errors_of(name=value)["name"] == message


@pytest.mark.parametrize("value", ["Relais Zürich", "Relay\u00a0HQ", "中继 一", "Relay (copy)"])
def test_printable_text_and_spaces_of_any_width_are_names(value):
    assert "name" not in errors_of(name=value)


def test_text_of_several_lines_keeps_tabs_and_newlines_and_refuses_other_controls():
    assert (
        validation.multi_line_text("Regards,\r\n\tOps\n", "Body", max_length=100)
        == "Regards,\n\tOps\n"
    )
    for value in ("x\x1b]0;PWNED\x07", "a\rb", "a\x0cb", "a\u2028b", "a\x85b"):
        with pytest.raises(
            FieldError,
            match="^Body must not contain control characters other than tabs and line breaks.$",
        ):
            validation.multi_line_text(value, "Body", max_length=100)
    with pytest.raises(FieldError, match="^Body is too long"):
        validation.multi_line_text("x" * 101, "Body", max_length=100)


@pytest.mark.parametrize(
    "character", ["\r\n", "\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"], ids=ascii
)
def test_a_test_subject_is_one_line_and_its_body_may_have_many(character):
    cleaned, errors = validation.validate_test_message(
        "ops@example.com", f"Hi{character}Bcc: x@example.com", "Line one\nLine two"
    )
    assert errors == {"subject": f"Subject {ONE_LINE}"}
    assert validation.validate_test_message("ops@example.com", "Hi", "a\n\tb") == (
        {"recipient": "ops@example.com", "subject": "Hi", "body": "a\n\tb"},
        {},
    )


def test_codes_past_what_a_database_holds_are_refused():
    assert validation.account_code(str(validation.CODE_MAX)) == 2**63 - 1
    for value in (str(2**63), "9" * 5000, "0" * 30 + "1" + "0" * 19):
        with pytest.raises(
            FieldError, match="^Code must be a number from 0 to 9223372036854775807.$"
        ):
            validation.account_code(value)
    assert validation.account_code("0" * 30 + "7") == 7


def test_the_footer_service_refuses_control_characters_and_stores_nothing(context):
    from smtp_tui import settings
    from smtp_tui.errors import ValidationFailed

    settings.put(settings.FOOTER, "Regards,\n\tOps")
    with pytest.raises(ValidationFailed) as refused:
        settings.put(settings.FOOTER, "x\x1b]0;PWNED\x07\x1b[2J")
    assert refused.value.errors == {
        "footer": "Footer must not contain control characters other than tabs and line breaks."
    }
    assert settings.get(settings.FOOTER) == "Regards,\n\tOps"
