"""The account presets (smtp_tui/presets.py): the table, finding a name, SES regions, filling an
account, and the user-name hint."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from smtp_tui import presets, validation
from smtp_tui.presets import Preset, PresetError
from smtp_tui.store.models import SECURE_TYPES
from tests.conftest import account_input

SERVERS = {
    "microsoft365": ("smtp.office365.com", 587, "TLS", None),
    "google": ("smtp.gmail.com", 587, "TLS", None),
    "ses:REGION": ("email-smtp.REGION.amazonaws.com", 587, "TLS", None),
    "sendgrid": ("smtp.sendgrid.net", 587, "TLS", "apikey"),
    "mailgun": ("smtp.mailgun.org", 587, "TLS", None),
    "postmark": ("smtp.postmarkapp.com", 587, "TLS", None),
    "brevo": ("smtp-relay.brevo.com", 587, "TLS", None),
    "mailjet": ("in-v3.mailjet.com", 587, "TLS", None),
    "zoho": ("smtp.zoho.com", 587, "TLS", None),
    "fastmail": ("smtp.fastmail.com", 465, "SSL", None),
}
KNOWN = ", ".join(SERVERS)


def test_the_table_holds_the_issues_servers_in_its_order():
    assert {p.name: (p.host, p.port, p.secure_type, p.username) for p in presets.PRESETS} == (
        SERVERS
    )
    assert presets.names() == list(SERVERS)


@pytest.mark.parametrize("preset", presets.PRESETS, ids=lambda p: p.name)
def test_every_preset_is_a_valid_server_with_a_label_and_a_one_line_note(preset: Preset):
    host = preset.host.replace(presets.REGION, "eu-west-1")
    assert validation.host(host) == host
    assert validation.port(preset.port) == preset.port
    assert preset.secure_type in SECURE_TYPES
    # The port a person would expect for that security: no mismatch warning in the form.
    assert validation.port_warning(True, preset.secure_type, preset.port) is None
    assert preset.label and preset.note and "\n" not in preset.note and len(preset.note) < 80


@pytest.mark.parametrize(
    ("typed", "name", "host"),
    [
        ("sendgrid", "sendgrid", "smtp.sendgrid.net"),
        ("  FastMail ", "fastmail", "smtp.fastmail.com"),
        ("ses:eu-west-1", "ses:eu-west-1", "email-smtp.eu-west-1.amazonaws.com"),
        ("SES:US-GOV-WEST-1", "ses:us-gov-west-1", "email-smtp.us-gov-west-1.amazonaws.com"),
    ],
)
def test_find_takes_any_case_and_fills_the_region(typed, name, host):
    preset = presets.find(typed)
    assert (preset.name, preset.host) == (name, host)
    assert presets.REGION not in preset.host


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("outlook", f"There is no preset 'outlook'. Known presets: {KNOWN}."),
        ("", f"There is no preset ''. Known presets: {KNOWN}."),
        ("sendgrid:eu", f"There is no preset 'sendgrid:eu'. Known presets: {KNOWN}."),
        ("ses", "The preset ses needs a region: ses:REGION, e.g. ses:eu-west-1."),
        ("ses:", "The region is missing, e.g. eu-west-1."),
        ("ses:eu_west_1", "A region holds letters, digits and single dashes"),
        ("ses:eu--west", "A region holds letters, digits and single dashes"),
        ("ses:-eu", "A region holds letters, digits and single dashes"),
        ("ses:eu.evil.example", "A region holds letters, digits and single dashes"),
        ("ses:" + "a" * 41, "A region holds letters, digits and single dashes"),
    ],
)
def test_a_name_that_names_nothing_says_what_would(typed, message):
    with pytest.raises(PresetError) as raised:
        presets.find(typed)
    assert str(raised.value).startswith(message)
    # A field error like every other: the CLI and the forms show it as they show those.
    assert isinstance(raised.value, validation.FieldError)


REGIONS = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)


@given(REGIONS)
@example("eu-west-1")
def test_any_region_of_letters_digits_and_dashes_makes_a_valid_ses_host(region):
    preset = presets.find(f"ses:{region.upper()}")
    assert preset.host == f"email-smtp.{region}.amazonaws.com"
    assert validation.host(preset.host) == preset.host
    # And the host leads back to the same preset (the form's hint for an account saved earlier).
    assert presets.for_host(preset.host) == preset


@given(st.text(max_size=30))
@example("eu west")
@example("eu-west-1\n")
@example("eu\u202e1")
@example("ёu-west-1")
@example("\u212a")  # the Kelvin sign, whose lower case is an ASCII k
def test_a_region_with_anything_else_is_refused(text):
    if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", text.strip().lower()) and text.strip().isascii():
        assert presets.find(f"ses:{text}").host.count(".") == 3
        return
    with pytest.raises(PresetError):
        presets.find(f"ses:{text}")


@given(st.text(alphabet=string.ascii_letters + string.digits + ":-_ ", max_size=20))
def test_an_unknown_name_is_refused_naming_every_known_one(text):
    base = text.strip().lower().partition(":")[0]
    if base in {name.partition(":")[0] for name in SERVERS}:
        return
    with pytest.raises(PresetError, match=re.escape(f"Known presets: {KNOWN}.")):
        presets.find(text)


def test_apply_fills_the_server_and_keeps_everything_else():
    before = account_input(
        7, host="mail.example.com", port=25, secure=False, secure_type=None, timeout=12
    )
    after = presets.apply(before, presets.find("fastmail"))
    assert (after.host, after.port, after.secure, after.secure_type) == (
        "smtp.fastmail.com",
        465,
        True,
        "SSL",
    )
    assert (after.name, after.email, after.timeout) == (before.name, before.email, 12)
    assert validation.validate_account(after)[1] == {}


def test_apply_refuses_ses_without_its_region():
    table_entry = next(p for p in presets.PRESETS if p.parameterised)
    with pytest.raises(PresetError, match="Choose the region of Amazon SES first."):
        presets.apply(account_input(), table_entry)


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("smtp.sendgrid.net", "sendgrid"),
        ("SMTP.SendGrid.NET.", "sendgrid"),
        ("email-smtp.ap-south-1.amazonaws.com", "ses:ap-south-1"),
        ("email-smtp..amazonaws.com", None),
        ("email-smtp.amazonaws.com", None),
        ("smtp.example.com", None),
        ("", None),
        (None, None),
    ],
)
def test_for_host_finds_the_preset_of_a_saved_server(host, name):
    found = presets.for_host(host)
    assert (found.name if found else None) == name


def test_the_user_name_hint_names_the_fixed_user_name_and_a_credential_that_differs():
    sendgrid = presets.find("sendgrid")
    assert presets.user_name_hint(sendgrid) == "SendGrid logs in with the user name 'apikey'."
    assert presets.user_name_hint(sendgrid, "apikey") == (
        "SendGrid logs in with the user name 'apikey'."
    )
    assert presets.user_name_hint(sendgrid, "bob") == (
        "SendGrid logs in with the user name 'apikey'. This credential's user name is 'bob'."
    )
    assert presets.user_name_hint(presets.find("google"), "bob") is None
    assert presets.user_name_hint(None) is None


def test_the_user_name_warning_only_when_the_credential_differs():
    assert presets.user_name_warning("smtp.sendgrid.net", "apikey") is None
    assert presets.user_name_warning("smtp.sendgrid.net", "bob") == (
        "SendGrid logs in with the user name 'apikey'. This credential's user name is 'bob'."
    )
    assert presets.user_name_warning("smtp.gmail.com", "bob") is None
    assert presets.user_name_warning("smtp.example.com", "bob") is None


def test_describe_is_a_record_with_security_as_accounts_write_it():
    assert presets.describe(presets.find("fastmail")) == {
        "name": "fastmail",
        "label": "Fastmail",
        "host": "smtp.fastmail.com",
        "port": 465,
        "secure": "ssl",
        "username": None,
        "note": "SSL (TLS from the first byte) on 465; log in with an app password.",
    }
