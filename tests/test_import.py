"""Importing accounts from JSON: each field must have the JSON type `accounts export` writes."""

import json

import pytest

from smtp_tui import account_records, accounts
from smtp_tui.errors import ValidationFailed
from tests.test_cli_commands import Cli

GOOD = {"name": "Relay", "email": "relay@example.com", "host": "smtp.example.com", "port": 587}


def refusal(record: dict) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failure:
        account_records.import_records([record])
    return failure.value.errors


@pytest.mark.parametrize(
    "flag",
    ["ignore_cert_errors", "active", "footer", "force_config", "read_confirmation", "default"],
)
def test_a_flag_that_is_not_a_json_boolean_is_refused_naming_the_record_and_field(db, flag):
    for value in ("false", "0", "no", "", "true", 0, 1, None, [], {}):
        errors = refusal({**GOOD, flag: value})
        assert list(errors) == [f"record 1 (Relay): {flag}"], value
        assert errors[f"record 1 (Relay): {flag}"].startswith(
            f"{flag} must be true or false, without quotes, not "
        )
    assert accounts.count() == 0


def test_json_booleans_are_taken_as_they_are(db):
    (saved,) = account_records.import_records(
        [{**GOOD, "ignore_cert_errors": False, "active": False, "footer": True, "default": True}]
    )
    assert (saved.ignore_cert_errors, saved.active, saved.footer, saved.is_default) == (
        False,
        False,
        True,
        True,
    )


@pytest.mark.parametrize(
    "field", ["name", "email", "host", "reply_to", "secure", "credential", "connector"]
)
def test_a_text_that_is_not_a_json_string_is_refused(db, field):
    label = (
        "record 1 (Relay)" if field != "name" else "record 1"
    )  # a name that is no text is not shown
    for value in ({"a": 1}, ["x"], 12, True, 1.5):
        errors = refusal({**GOOD, field: value})
        assert list(errors) == [f"{label}: {field}"], value
        assert errors[f"{label}: {field}"].startswith(f"{field} must be a string, not ")
    assert accounts.count() == 0


def test_null_is_an_empty_text(db):
    (saved,) = account_records.import_records(
        [{**GOOD, "reply_to": None, "secure": None, "credential": None}]
    )
    assert (saved.reply_to, saved.secure, saved.credential_id) == ("", False, None)
    assert refusal({**GOOD, "name": None}) == {"record 1: name": "Name is required."}


@pytest.mark.parametrize("field", ["port", "timeout"])
def test_a_number_that_is_not_a_json_whole_number_is_refused(db, field):
    for value in ("587", " 30 ", "٥٨٧", True, 25.0, 25.5, None, [25]):
        errors = refusal({**GOOD, field: value})
        assert list(errors) == [f"record 1 (Relay): {field}"], value
        assert errors[f"record 1 (Relay): {field}"].startswith(
            f"{field} must be a whole number, without quotes, not "
        )


def test_every_type_error_of_a_record_is_told_at_once_in_words_without_its_value(db):
    errors = refusal({**GOOD, "port": "x\x1b[2J", "active": "false", "host": {"a": 1}})
    assert errors == {
        "record 1 (Relay): active": "active must be true or false, without quotes, not a string.",
        "record 1 (Relay): host": "host must be a string, not an object.",
        "record 1 (Relay): port": "port must be a whole number, without quotes, not a string.",
    }


def test_an_import_file_may_start_with_a_utf8_byte_order_mark(tmp_path):
    cli = Cli(tmp_path)
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps([GOOD]).encode())
    result = cli("accounts", "import", str(tmp_path / "bom.json"))
    assert (result.returncode, result.stdout, result.stderr) == (0, "Imported 1 account.\n", "")
