"""The SMTP server settings window, credentials and connectors, driven with Pilot."""

import threading

import pytest
from textual.widgets import Input, Label, Select

from smtp_tui import accounts, connectors, credentials, settings
from smtp_tui.app import SmtpApp
from smtp_tui.screens.account_form import AccountForm
from smtp_tui.screens.confirm import ConfirmModal, NoticeModal
from smtp_tui.screens.conflict import StaleEditModal
from smtp_tui.screens.connectors import ConnectorsScreen
from smtp_tui.screens.credentials import CredentialForm, CredentialsScreen
from smtp_tui.screens.report import ReportScreen
from smtp_tui.screens.report_table import ReportTable
from smtp_tui.screens.widgets import FormRow
from smtp_tui.store.models import SmtpAccount
from smtp_tui.validation import AccountInput
from tests.conftest import account_input, stored_bytes
from tests.test_report import settle

SECRET = "s3cr3t-Typed-In-The-Form"


@pytest.fixture
def app(context, seventy_five):
    return SmtpApp(context)


@pytest.fixture
def registered(context):
    credential = credentials.save(
        context.vault, name="relay-login", username="svc-relay", secret="pw-1"
    )
    connector = connectors.save(
        name="dmz-socks", kind="socks5", host="proxy.example.com", port=1080
    )
    return credential, connector


def form_of(app) -> AccountForm:
    assert isinstance(app.screen, AccountForm)
    return app.screen


def set_field(app, field: str, value) -> None:
    widget = app.screen.query_one(f"#f-{field}")
    widget.value = value


def error_of(app, field: str) -> str:
    row = app.screen.query_one(f"#row-{field}", FormRow)
    # the message, without the ✗ that marks it (test_an_error_is_marked_and_bold)
    return row.error or "" if row.has_class("-invalid") else ""


def notice_text(app) -> str:
    assert isinstance(app.screen, NoticeModal)
    return str(app.screen.query_one(".question", Label).render())


async def type_text(pilot, field: str, text: str):
    pilot.app.screen.query_one(f"#f-{field}").focus()
    await pilot.press(*text)


async def test_create_an_account_with_every_field(app, registered):
    credential, connector = registered
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        form = form_of(app)
        await type_text(pilot, "name", "Vault alerts")
        await type_text(pilot, "email", "vault@example.com")
        await type_text(pilot, "reply_to", "team@example.com")
        await type_text(pilot, "return_path", "bounces@example.com")
        await type_text(pilot, "confirmation_email", "receipts@example.com")
        await type_text(pilot, "host", "smtp.example.com")
        for field in (
            "read_confirmation",
            "force_config",
            "footer",
            "secure",
            "authentication",
            "ignore_cert_errors",
            "use_connector",
            "is_default",
        ):
            set_field(app, field, True)
        set_field(app, "active", False)
        await pilot.pause()
        set_field(app, "secure_type", "SSL")
        await pilot.pause()
        assert form.query_one("#f-port", Input).value == "465"  # suggested for SSL
        set_field(app, "connector", connector.id)
        set_field(app, "credential", credential.id)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        saved = accounts.find("Vault alerts")
        assert AccountInput.from_account(saved) == AccountInput(
            name="Vault alerts",
            active=False,
            email="vault@example.com",
            reply_to="team@example.com",
            return_path="bounces@example.com",
            confirmation_email="receipts@example.com",
            is_default=True,
            read_confirmation=True,
            force_config=True,
            footer=True,
            host="smtp.example.com",
            port=465,
            secure=True,
            secure_type="SSL",
            authentication=True,
            ignore_cert_errors=True,
            use_connector=True,
            connector_id=connector.id,
            credential_id=credential.id,
        )
        assert SmtpAccount.select().where(SmtpAccount.is_default).count() == 1
        table = app.screen.query_one(ReportTable)
        assert table.highlighted_code == saved.code  # shown, on its page, highlighted
        assert app.screen.page.number == 3


async def test_edit_keeps_the_row_highlighted(app):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "e")
        form = form_of(app)
        assert form.query_one("#f-name", Input).value == "Relay 073"
        set_field(app, "port", "2525")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert accounts.get(3).port == 2525 and accounts.get(3).version == 2
        assert app.screen.query_one(ReportTable).highlighted_code == 3


async def test_enter_opens_the_edit_window(app):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        assert form_of(app).code == 1


async def test_dependent_fields(app, registered):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        form = form_of(app)
        for switch, row in (
            ("secure", "secure_type"),
            ("use_connector", "connector"),
            ("authentication", "credential"),
        ):
            assert form.query_one(f"#row-{row}").disabled
            set_field(app, switch, True)
            await pilot.pause()
            assert not form.query_one(f"#row-{row}").disabled
            set_field(app, switch, False)
            await pilot.pause()
            assert form.query_one(f"#row-{row}").disabled


async def test_port_suggestion_and_mismatch_warning(app):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        form = form_of(app)
        port = form.query_one("#f-port", Input)
        assert port.value == "25"
        set_field(app, "secure", True)
        set_field(app, "secure_type", "TLS")
        await pilot.pause()
        assert port.value == "587"
        set_field(app, "secure_type", "SSL")
        await pilot.pause()
        assert port.value == "465"
        set_field(app, "secure", False)
        await pilot.pause()
        assert port.value == "25"
        set_field(app, "secure", True)
        await pilot.pause()
        port.focus()  # the cursor at the end, nothing selected: ctrl+u empties it
        await pilot.pause()
        await pilot.press("ctrl+u", *"587")  # the user types a port: no more suggestions
        await pilot.pause()
        assert port.value == "587"
        row = form.query_one("#row-port", FormRow)
        assert row.has_class("-warning")
        assert "Port 587 usually expects TLS (STARTTLS), not SSL" in str(
            row.query_one(".form-error").render()
        )
        set_field(app, "secure_type", "TLS")
        await pilot.pause()
        assert port.value == "587" and not row.has_class("-warning")


async def test_errors_show_as_you_leave_a_field_and_all_at_once_on_save(app):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await type_text(pilot, "email", "not-an-address")
        await pilot.press("tab")
        await pilot.pause()
        assert (
            error_of(app, "email")
            == "E-mail is not a valid e-mail address: An email address must have an @-sign."
        )
        assert error_of(app, "host") == ""  # not visited yet: no error yet
        set_field(app, "secure", True)
        set_field(app, "authentication", True)
        set_field(app, "use_connector", True)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AccountForm)  # nothing saved
        assert error_of(app, "name") == "Name is required."
        assert error_of(app, "host") == "Host is required."
        assert error_of(app, "secure_type") == "Choose SSL or TLS for the secure connection."
        assert error_of(app, "credential") == "Choose the credential to authenticate with."
        assert (
            error_of(app, "connector")
            == "Choose the network connector to reach the server through."
        )
        assert app.focused.id == "f-name"  # the first bad field
        await type_text(pilot, "name", "Relay 075")  # taken by account 1
        await type_text(pilot, "email", "")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (
            error_of(app, "name")
            == "An account named 'Relay 075' already exists (code 1). Choose another name."
        )
        assert accounts.count() == 75


async def test_cancel_without_changes_closes_and_with_changes_asks(app):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("e", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        await pilot.press("e")
        await type_text(pilot, "host", "x")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # keep editing: nothing lost
        await pilot.pause()
        assert form_of(app).query_one("#f-host", Input).value.endswith("x")
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        assert accounts.get(1).host == "smtp.example.com"


def save_elsewhere(code: int, **changes):
    """Another administrator saves the account, on another connection (its own thread)."""

    def other():
        current = accounts.get(code)
        accounts.save(
            account_input(code, name=current.name, is_default=current.is_default, **changes),
            code=code,
            expected_version=current.version,
            actor="bob@pam-2",
        )

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()


@pytest.mark.parametrize("choice", ["o", "r", "k"])
async def test_a_stale_save_offers_reload_or_overwrite(app, choice):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("down", "e")  # code 2
        set_field(app, "port", "2626")
        save_elsewhere(2, port=2525)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, StaleEditModal)
        assert "'Alerts 074' was changed by bob@pam-2 at " in str(
            app.screen.query_one(".question").render()
        )
        await pilot.press(choice)
        await settle(pilot)
        if choice == "o":
            assert isinstance(app.screen, ReportScreen)
            assert accounts.get(2).port == 2626 and accounts.get(2).version == 3
        elif choice == "r":
            assert form_of(app).query_one("#f-port", Input).value == "2525"
            assert accounts.get(2).port == 2525
        else:
            assert form_of(app).query_one("#f-port", Input).value == "2626"  # the typing is kept
            assert accounts.get(2).port == 2525


async def test_clone_copies_into_a_new_account(app):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("c")  # account 1, the default
        form = form_of(app)
        assert form.query_one("#f-name", Input).value == "Relay 075 (copy)"
        assert form.query_one("#f-is_default").value is False
        assert form.code is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        clone = accounts.find("Relay 075 (copy)")
        assert clone.code == 76 and clone.email == accounts.get(1).email and not clone.is_default


async def test_register_a_credential_without_leaving_the_form(app, context):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        set_field(app, "authentication", True)
        await pilot.pause()
        app.screen.query_one("#new-credential").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CredentialForm)
        await type_text(pilot, "name", "o365")
        await type_text(pilot, "username", "notifier@example.com")
        await type_text(pilot, "secret", SECRET)
        await pilot.press("ctrl+s")
        await pilot.pause()
        select = form_of(app).query_one("#f-credential", Select)
        assert select.value == credentials.find("o365").id


async def test_credentials_screen_add_edit_delete_and_the_secret_never_shows(
    app, context, tmp_path
):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        assert isinstance(app.screen, CredentialsScreen)
        await pilot.press("n")
        await type_text(pilot, "name", "relay")
        await type_text(pilot, "username", "svc")
        await type_text(pilot, "secret", SECRET)
        assert SECRET not in app.export_screenshot()  # typed masked
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CredentialsScreen)
        assert SECRET not in app.export_screenshot()
        credential = credentials.find("relay")
        assert credentials.reveal(context.vault, credential) == SECRET
        await pilot.press("e")  # edit: the secret is kept unless replaced
        assert app.screen.query_one("#row-secret").disabled
        await type_text(pilot, "username", "")
        await pilot.press("end", "2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert credentials.find("relay").username == "svc2"
        assert credentials.reveal(context.vault, credentials.find("relay")) == SECRET
        accounts.save(
            account_input(
                1,
                name="Relay 075",
                is_default=True,
                authentication=True,
                credential_id=credential.id,
            ),
            code=1,
        )
        await pilot.press("delete")
        await pilot.pause()
        # said in a dialog that stays, before any "Delete?", not in a toast that fades
        assert notice_text(app) == "'relay' is used by Relay 075; change those first."
        assert not any("is used by" in n.message for n in app._notifications)
        await pilot.press("enter")
        assert isinstance(app.screen, CredentialsScreen)
        assert credentials.all_credentials()
    assert SECRET.encode() not in stored_bytes(context)


async def test_connectors_screen_add_and_refuse_deleting_one_in_use(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("N")
        assert isinstance(app.screen, ConnectorsScreen)
        await pilot.press("n")
        await type_text(pilot, "name", "corp-http")
        set_field(app, "kind", "http")
        await type_text(pilot, "host", "bad host")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert error_of(app, "host").startswith("Host must be a host name")
        app.screen.query_one("#f-host", Input).value = "10.0.0.8"
        app.screen.query_one("#f-port", Input).value = ""
        await type_text(pilot, "port", "70000")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert error_of(app, "port") == "Port must be a whole number from 1 to 65535."
        app.screen.query_one("#f-port", Input).value = "3128"
        await pilot.press("ctrl+s")
        await pilot.pause()
        connector = connectors.find("corp-http")
        assert (connector.kind, connector.host, connector.port) == ("http", "10.0.0.8", 3128)
        accounts.save(
            account_input(
                1, name="Relay 075", is_default=True, use_connector=True, connector_id=connector.id
            ),
            code=1,
        )
        await pilot.press("delete")
        await pilot.pause()
        assert notice_text(app).startswith("'corp-http' is used by Relay 075;")
        await pilot.press("escape")
        assert connectors.all_connectors()
        await pilot.press("escape")
        assert isinstance(app.screen, ReportScreen)


async def test_footer_text_is_editable(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await pilot.press(*"Sent by the PAM appliance")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert settings.get(settings.FOOTER) == "Sent by the PAM appliance"


async def test_the_footer_form_refuses_control_characters_as_the_command_line_does(app):
    settings.put(settings.FOOTER, "Regards,\n\tOps")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        form = app.screen
        form.query_one("#f-footer-text").text = "x\x1b]0;PWNED\x07\x1b[2J"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # still open, the text kept for fixing
        assert [n.message for n in app._notifications] == [
            "Footer must not contain control characters other than tabs and line breaks."
        ]
        assert settings.get(settings.FOOTER) == "Regards,\n\tOps"
