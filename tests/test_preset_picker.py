"""The account form's preset picker (screens/presets.py) and the user-name hint under the
credential, driven with Pilot at 80x24."""

import pytest
from textual.widgets import Input, OptionList, Select

from smtp_tui import accounts, credentials, presets
from smtp_tui.app import SmtpApp
from smtp_tui.screens.account_form import AccountForm
from smtp_tui.screens.presets import PresetPicker
from smtp_tui.screens.widgets import FormRow
from tests.conftest import account_input
from tests.test_report import settle

SIZE = (80, 24)


@pytest.fixture
def app(context, seventy_five):
    return SmtpApp(context)


def server(form: AccountForm) -> tuple:
    data = form.read_input()
    return data.host, data.port, data.secure, data.secure_type


def hint(form: AccountForm) -> str:
    return str(form.query_one("#credential-hint").render()).strip()


async def new_form(pilot) -> AccountForm:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, AccountForm)
    return pilot.app.screen


async def pick(pilot, name: str, *, key: str = "ctrl+r") -> PresetPicker:
    """Open the picker and highlight `name` (the table's order) with the arrow keys."""
    await pilot.press(key)
    await settle(pilot)
    picker = pilot.app.screen
    assert isinstance(picker, PresetPicker)
    assert picker.query_one(OptionList).highlighted == 0
    await pilot.press(*["down"] * presets.names().index(name))
    await pilot.pause()
    return picker


async def test_a_preset_fills_host_port_and_security_and_only_those(app):
    async with app.run_test(size=SIZE) as pilot:
        form = await new_form(pilot)
        form.query_one("#f-name", Input).value = "Alerts"
        form.query_one("#f-timeout", Input).value = "12"
        picker = await pick(pilot, "fastmail")
        assert str(picker.query_one("#preset-note").render()).startswith("SSL (TLS from the first")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form
        assert server(form) == ("smtp.fastmail.com", "465", True, "SSL")
        assert (form.read_input().name, form.read_input().timeout) == ("Alerts", "12")
        # The rows that follow the switches follow the filled values, no port warning.
        assert not form.query_one("#row-secure_type").disabled
        assert not form.query_one("#row-port", FormRow).has_class("-warning")
        # And the filled server is in sight.
        body = form.query_one("#form-body")
        for row in ("#row-host", "#row-secure_type", "#row-credential"):
            assert body.region.contains_region(form.query_one(row).region)

        # Another preset replaces the server; the Preset… button opens the same picker.
        form.query_one("#preset").focus()
        await pick(pilot, "google", key="enter")
        await pilot.press("enter")
        await settle(pilot)
        assert server(form) == ("smtp.gmail.com", "587", True, "TLS")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form.query_one("#row-email", FormRow).has_class("-invalid")  # no e-mail yet
        form.query_one("#f-email", Input).value = "alerts@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = accounts.find("Alerts")
        assert (saved.host, saved.port, saved.secure, saved.secure_type, saved.timeout) == (
            "smtp.gmail.com",
            587,
            True,
            "TLS",
            12,
        )


async def test_ses_asks_for_a_region_and_refuses_a_bad_one(app):
    async with app.run_test(size=SIZE) as pilot:
        form = await new_form(pilot)
        before = server(form)
        picker = await pick(pilot, "ses:REGION")
        region_row = picker.query_one("#preset-region")
        assert not region_row.display
        await pilot.press("enter")
        await pilot.pause()
        assert region_row.display and picker.focused is picker.query_one("#region", Input)
        await pilot.press(*"eu.evil", "enter")
        await pilot.pause()
        assert app.screen is picker
        error = picker.query_one("#region-error")
        assert error.display and "letters, digits and single dashes" in str(error.render())
        region = picker.query_one("#region", Input)
        region.value = ""
        await pilot.press(*"EU-West-1", "enter")
        await settle(pilot)
        assert app.screen is form
        assert server(form) == ("email-smtp.eu-west-1.amazonaws.com", "587", True, "TLS")

        # Escape leaves the form as it was.
        await pick(pilot, "sendgrid")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is form and server(form)[0] == "email-smtp.eu-west-1.amazonaws.com"
        assert before != server(form)


async def test_the_fixed_user_name_shows_under_the_credential(app, context):
    matching = credentials.save(context.vault, name="grid", username="apikey", secret="k-1")
    other = credentials.save(context.vault, name="bob", username="bob", secret="k-2")
    accounts.save(
        account_input(
            80,
            name="Grid relay",
            host="smtp.sendgrid.net",
            authentication=True,
            credential_id=other.id,
        )
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = AccountForm(accounts.find("Grid relay"))
        app.push_screen(form)
        await settle(pilot)
        # Editing an account saved on SendGrid's server: the hint is there from the start.
        assert hint(form) == (
            "SendGrid logs in with the user name 'apikey'. This credential's user name is 'bob'."
        )
        assert form.query_one("#credential-hint").has_class("-warning")
        form.query_one("#f-credential", Select).value = matching.id
        await settle(pilot)
        assert hint(form) == "SendGrid logs in with the user name 'apikey'."
        assert not form.query_one("#credential-hint").has_class("-warning")
        # Another server: no hint.
        await pick(pilot, "postmark")
        await pilot.press("enter")
        await settle(pilot)
        assert hint(form) == ""
        form.query_one("#f-host", Input).value = "SMTP.SENDGRID.NET"
        await settle(pilot)
        assert hint(form) == "SendGrid logs in with the user name 'apikey'."
