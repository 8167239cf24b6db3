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
    errors = validate_account(AccountInput(name="", email="", host="", port="", secure=True,
                                           authentication=True, use_connector=True))[1]
    assert errors == {
        "name": "Name is required.",
        "email": "E-mail is required.",
        "host": "Host is required.",
        "port": "Port is required.",
        "secure_type": "Choose SSL or TLS for the secure connection.",
        "credential": "Choose the credential to authenticate with.",
        "connector": "Choose the network connector to reach the server through.",
    }


@pytest.mark.parametrize("field,label", [
    ("email", "E-mail"), ("reply_to", "Reply-to"), ("return_path", "Return-path"),
    ("confirmation_email", "Confirmation e-mail"),
])
def test_addresses_must_be_valid(field, label):
    assert errors_of(**{field: "not-an-address"})[field] == (
        f"{label} is not a valid e-mail address: An email address must have an @-sign.")


@pytest.mark.parametrize("field", ["reply_to", "return_path", "confirmation_email"])
def test_optional_addresses_may_be_empty(field):
    assert field not in errors_of(**{field: "  "})


@pytest.mark.parametrize("field,label", [
    ("name", "Name"), ("email", "E-mail"), ("reply_to", "Reply-to"), ("host", "Host"),
])
def test_line_breaks_are_refused_in_every_header_value(field, label):
    value = "ops@example.com\r\nBcc: victim@example.com" if field != "host" else "a.example.com\nb"
    assert errors_of(**{field: value})[field] == f"{label} must be on one line (no line breaks)."


@pytest.mark.parametrize("host", ["mail.example.com", "10.1.2.3", "2001:db8::25", "[2001:db8::1]",
                                  "localhost", "münchen.example"])
def test_hosts_accepted(host):
    assert "host" not in errors_of(host=host)


@pytest.mark.parametrize("host", ["exa mple.com", "-bad.example.com", "10.0.0.300", "a_b.example.com",
                                  "a" * 64 + ".example.com"])
def test_hosts_refused(host):
    assert errors_of(host=host)["host"] == (
        "Host must be a host name (mail.example.com), an IPv4 or an IPv6 address.")


@pytest.mark.parametrize("port", ["0", "65536", "-1", "abc", "25.5"])
def test_ports_out_of_range_or_not_numbers_are_refused(port):
    assert errors_of(port=port)["port"] == "Port must be a whole number from 1 to 65535."


@given(st.integers(min_value=1, max_value=65535))
def test_every_port_in_range_is_accepted(number):
    assert validation.port(str(number)) == number


def test_name_length_is_bounded():
    assert errors_of(name="x" * 101)["name"] == "Name is too long (at most 100 characters)."


def test_dependent_fields_are_cleared_when_their_switch_is_off():
    cleaned, errors = validate_account(account_input(secure=False, secure_type="SSL", credential_id=3,
                                                     connector_id=4))
    assert errors == {}
    assert (cleaned.secure_type, cleaned.credential_id, cleaned.connector_id) == (None, None, None)


def test_secure_type_is_matched_in_any_case():
    assert validate_account(account_input(secure_type="ssl"))[0].secure_type == "SSL"


def test_account_code_filter():
    assert validation.account_code(" 12 ") == 12
    assert validation.account_code("") is None
    with pytest.raises(FieldError, match="Code must be a number"):
        validation.account_code("12a")


@pytest.mark.parametrize("secure,secure_type,port", [(False, None, 25), (True, "SSL", 465), (True, "TLS", 587),
                                                     (False, "SSL", 25), (True, None, 25)])
def test_suggested_port(secure, secure_type, port):
    assert validation.suggested_port(secure, secure_type) == port


@pytest.mark.parametrize("secure,secure_type,port,expected", [
    (True, "SSL", "587", "Port 587 usually expects TLS (STARTTLS), not SSL"),
    (True, "TLS", 465, "Port 465 usually expects SSL"),
    (False, None, "587", "Port 587 usually expects a secure connection"),
    (True, "SSL", "465", None), (True, "TLS", "587", None), (False, None, "25", None),
    (True, "TLS", "2525", None), (True, "SSL", "abc", None),
])
def test_port_warning(secure, secure_type, port, expected):
    warning = validation.port_warning(secure, secure_type, port)
    assert (warning is None) if expected is None else warning.startswith(expected)
