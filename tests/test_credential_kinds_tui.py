"""The credential form's kinds (password, OAuth2 client credentials, device code, Google service
account) and the device-code sign-in window, driven with Pilot against the real token endpoint."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from textual.widgets import DataTable, Input, Select

from smtp_tui import credentials
from smtp_tui.app import SmtpApp
from smtp_tui.screens.confirm import ConfirmModal
from smtp_tui.screens.credentials import CredentialForm, CredentialsScreen
from smtp_tui.screens.sign_in import SignInModal
from smtp_tui.screens.widgets import FormRow
from tests.conftest import stored_bytes
from tests.oauth_servers import (
    CLIENT_ID,
    MAILBOX,
    SERVICE_ACCOUNT,
    client_key_pair,
    service_account_json,
    service_account_key_pair,
)
from tests.test_report import settle

CLIENT_SECRET = "Cl1ent-S3cret~Typed-In-The-Form"
TENANT = "contoso.onmicrosoft.com"


@pytest.fixture
def app(context):
    return SmtpApp(context)


@pytest.fixture
def client_pem(tmp_path):
    """A PEM file with the application's private key and its certificate."""
    path = tmp_path / "app.pem"
    path.write_text(client_key_pair().pem)
    return path, client_key_pair().private_key


@pytest.fixture
def google_key(tmp_path):
    """A Google service account's JSON key file."""
    path = tmp_path / "key.json"
    path.write_text(service_account_json())
    return path, service_account_key_pair().private_key


# Driving the form -----------------------------------------------------------------------------


async def open_new_form(pilot, kind: str = "password") -> CredentialForm:
    await settle(pilot)
    await pilot.press("C")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CredentialsScreen)
    await pilot.press("n")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, CredentialForm)
    await choose(pilot, "kind", kind)
    return form


async def choose(pilot, field: str, value) -> None:
    pilot.app.screen.query_one(f"#f-{field}").value = value
    await pilot.pause()


async def type_into(pilot, field: str, text: str) -> None:
    """The field focused and its text replaced, as a paste would (key by key is slow)."""
    widget = pilot.app.screen.query_one(f"#f-{field}", Input)
    widget.focus()
    widget.value = text
    await pilot.pause()


async def key_in(pilot, field: str, text: str) -> None:
    """Typed key by key, as a person types a secret."""
    pilot.app.screen.query_one(f"#f-{field}", Input).focus()
    await pilot.press(*text)


def shown_rows(form) -> list[str]:
    return [row.field for row in form.query(FormRow) if row.display]


def error_of(form, field: str) -> str:
    row = form.query_one(f"#row-{field}", FormRow)
    # the message, without the ✗ that marks it (test_an_error_is_marked_and_bold)
    return row.error or "" if row.has_class("-invalid") else ""


def label_of(form, field: str) -> str:
    return str(form.query_one(f"#row-{field} .form-label").render())


async def save(pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


# Each kind shows its own fields and saves them ----------------------------------------------


async def test_password_kind_shows_a_user_name_and_a_secret(app, context):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_new_form(pilot)
        assert shown_rows(form) == ["name", "kind", "username", "secret"]
        assert label_of(form, "username") == "User name *"
        await type_into(pilot, "name", "relay")
        await type_into(pilot, "username", "svc-relay")
        await type_into(pilot, "secret", "pw-1")
        await save(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        saved = credentials.find("relay")
        assert credentials.describe(saved)["kind"] == "password"
        assert credentials.reveal(context.vault, saved) == "pw-1"


async def test_client_credentials_with_a_secret_and_a_provider(app, context):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_new_form(pilot, "oauth2-client-credentials")
        # no provider: the token URL is given, no tenant
        assert (
            shown_rows(form)
            == "name kind username provider token_url client_id scope client_auth secret".split()
        )
        assert label_of(form, "username") == "Mailbox *"
        assert label_of(form, "secret") == "Client secret *"
        await choose(pilot, "provider", "microsoft365")
        assert "tenant" in shown_rows(form) and "token_url" not in shown_rows(form)
        await type_into(pilot, "name", "o365 app")
        await type_into(pilot, "username", "alerts@contoso.com")
        await type_into(pilot, "tenant", TENANT)
        await type_into(pilot, "client_id", "11111111-2222-3333-4444-555555555555")
        await key_in(pilot, "secret", CLIENT_SECRET)
        assert CLIENT_SECRET not in app.export_screenshot()  # typed masked
        await save(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        described = credentials.describe(credentials.find("o365 app"))
        assert described["kind"] == "oauth2-client-credentials"
        assert described["provider"] == "microsoft365" and described["tenant"] == TENANT
        assert described["client_auth"] == "secret"
        assert described["token_url"] == (
            f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
        )
        assert CLIENT_SECRET.encode() not in stored_bytes(context)  # encrypted
        assert CLIENT_SECRET not in app.export_screenshot()
        row = app.screen.query_one(DataTable).get_row_at(0)
        assert [cell.plain for cell in row] == [
            "o365 app",
            "OAuth2 client credentials",
            "•••••• (encrypted)",
            "alerts@contoso.com",
        ]


async def test_client_credentials_with_a_certificate_read_from_its_file(app, context, client_pem):
    path, pem = client_pem
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_new_form(pilot, "oauth2-client-credentials")
        await choose(pilot, "client_auth", "certificate")
        assert "secret" not in shown_rows(form) and "client_certificate" in shown_rows(form)
        await type_into(pilot, "name", "o365 cert")
        await type_into(pilot, "username", "alerts@contoso.com")
        await type_into(pilot, "token_url", "https://login.example.com/token")
        await type_into(pilot, "client_id", "app-1")
        await type_into(pilot, "scope", "https://outlook.office365.com/.default")
        await type_into(pilot, "client_certificate", str(path))
        await save(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        described = credentials.describe(credentials.find("o365 cert"))
        assert described["client_auth"] == "certificate"
        assert described["token_url"] == "https://login.example.com/token"
        assert pem.splitlines()[3].encode() not in stored_bytes(context)
        assert "certificate" in app.screen.query_one(DataTable).get_row_at(0)[2].plain


async def test_device_code_asks_no_secret_and_offers_to_sign_in(app, context):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_new_form(pilot, "oauth2-device-code")
        assert (
            shown_rows(form)
            == "name kind username provider token_url device_url client_id scope".split()
        )
        await choose(pilot, "provider", "google")
        assert "device_url" not in shown_rows(form) and "tenant" not in shown_rows(form)
        await type_into(pilot, "name", "gmail alerts")
        await type_into(pilot, "username", "alerts@example.com")
        await type_into(pilot, "client_id", "123-abc.apps.googleusercontent.com")
        await save(pilot)
        assert isinstance(app.screen, ConfirmModal)  # sign in now?
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        saved = credentials.find("gmail alerts")
        described = credentials.describe(saved)
        assert described["kind"] == "oauth2-device-code" and not described["signed_in"]
        assert described["device_url"] == "https://oauth2.googleapis.com/device/code"
        assert credentials.needs_sign_in(saved)
        row = app.screen.query_one(DataTable).get_row_at(0)
        assert row[2].plain == "not signed in"


async def test_google_service_account_reads_its_json_key(app, context, google_key):
    path, pem = google_key
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_new_form(pilot, "google-service-account")
        assert shown_rows(form) == ["name", "kind", "username", "key_file"]
        await type_into(pilot, "name", "workspace")
        await type_into(pilot, "username", "alerts@example.com")
        await type_into(pilot, "key_file", str(path))
        await save(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        described = credentials.describe(credentials.find("workspace"))
        assert described["kind"] == "google-service-account"
        assert described["client_id"] == SERVICE_ACCOUNT
        assert pem.splitlines()[3].encode() not in stored_bytes(context)


# Errors under their fields, gone when the field is right ------------------------------------


async def test_errors_show_under_their_field_and_go_when_it_is_right(app, tmp_path):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_new_form(pilot, "oauth2-client-credentials")
        await choose(pilot, "client_auth", "certificate")
        await type_into(pilot, "name", "o365 cert")
        await type_into(pilot, "username", "not a mailbox")
        await type_into(pilot, "token_url", "http://login.example.com/token")
        await type_into(pilot, "client_certificate", str(tmp_path / "missing.pem"))
        await save(pilot)
        assert app.screen is form  # not saved
        assert "https://" in error_of(form, "token_url")
        assert "missing.pem" in error_of(form, "client_certificate")
        assert error_of(form, "client_id")
        assert error_of(form, "username")
        assert form.focused is not None and form.focused.id == "f-username"
        await type_into(pilot, "token_url", "https://login.example.com/token")
        assert error_of(form, "token_url") == ""  # right now: gone, while the others stay
        assert error_of(form, "client_id")
        await type_into(pilot, "client_id", "app-1")
        assert error_of(form, "client_id") == ""
        await choose(pilot, "provider", "microsoft365")
        await save(pilot)
        assert error_of(form, "tenant")
        await type_into(pilot, "tenant", TENANT)
        assert error_of(form, "tenant") == ""
        assert credentials.all_credentials() == []


async def test_editing_keeps_the_stored_secret_unless_replaced(app, context):
    saved = credentials.save(
        context.vault,
        name="o365 app",
        username="alerts@contoso.com",
        secret=CLIENT_SECRET,
        kind="oauth2-client-credentials",
        provider="microsoft365",
        tenant=TENANT,
        client_id="app-1",
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CredentialForm)
        assert form.query_one("#f-kind", Select).value == "oauth2-client-credentials"
        assert form.query_one("#f-tenant", Input).value == TENANT
        assert form.query_one("#f-scope", Input).value == ""  # the provider's, as stored
        assert form.query_one("#row-secret").disabled  # kept unless replaced
        await type_into(pilot, "client_id", "app-2")
        await save(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        edited = credentials.get(saved.id)
        assert edited.client_id == "app-2"
        assert credentials.reveal(context.vault, edited) == CLIENT_SECRET
        await pilot.press("e")
        await settle(pilot)
        await choose(pilot, "replace", True)
        assert not app.screen.query_one("#row-secret").disabled
        await type_into(pilot, "secret", "n3w-s3cret")
        await save(pilot)
        assert credentials.reveal(context.vault, credentials.get(saved.id)) == "n3w-s3cret"


# Fitting at 80x24 ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (80, 16)])
async def test_the_highlighted_field_is_always_visible(app, context, size):
    credentials.save(context.vault, name="relay", username="svc", secret="pw")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("C", "e")
        await settle(pilot)
        form = app.screen
        await choose(pilot, "kind", "oauth2-client-credentials")
        await choose(pilot, "provider", "microsoft365")
        await choose(pilot, "client_auth", "certificate")
        await type_into(pilot, "username", "not a mailbox")
        await type_into(pilot, "name", "")
        await save(pilot)  # errors under most rows: the body grows past a small screen
        body = form.query_one("#form-body")
        if size[1] < 24:
            assert body.max_scroll_y > 0
        seen = []
        for _ in range(12):
            focused = form.focused
            assert focused is not None
            seen.append(focused.id)
            if body in focused.ancestors:
                assert body.region.contains_region(focused.region), focused.id
            assert app.screen.region.contains_region(focused.region), focused.id
            await pilot.press("tab")
            await pilot.pause()
        assert {"f-name", "f-client_certificate", "save", "cancel"} <= set(seen)


# Signing in with a device code ----------------------------------------------------------------


def device_credential(context, endpoint, name: str = "mailbox sign-in"):
    return credentials.save(
        context.vault,
        name=name,
        username=MAILBOX,
        secret=None,
        kind="oauth2-device-code",
        token_url=endpoint.token_url,
        device_url=endpoint.device_url,
        client_id=CLIENT_ID,
        scope="https://outlook.office.com/SMTP.Send offline_access",
    )


async def open_sign_in(pilot) -> SignInModal:
    await settle(pilot)
    await pilot.press("C")
    await settle(pilot)
    await pilot.press("i")
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, SignInModal)
    return modal


def text_of(modal, selector: str) -> str:
    return str(modal.query_one(selector).render())


async def test_sign_in_shows_the_code_waits_while_pending_then_keeps_the_sign_in(
    app, context, token_endpoint
):
    credential = device_credential(context, token_endpoint)
    token_endpoint.pending_polls = 2
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_sign_in(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text_of(modal, "#sign-in-url") == f"{token_endpoint.url}/devicelogin"
        assert modal.sign_in is not None
        assert text_of(modal, "#sign-in-code") == modal.sign_in.user_code
        assert len(modal.sign_in.user_code) == 8  # the endpoint's code, as it gave it
        assert modal.polls == 2  # "authorization_pending" twice, then the tokens
        assert text_of(modal, "#sign-in-verdict").startswith("✓ Signed in")
        assert modal.query_one("#sign-in-verdict").has_class("-ok")
        assert credentials.describe(credentials.get(credential.id))["signed_in"]
        screen = app.export_screenshot()
        for token in token_endpoint.issued:
            assert token not in screen
            assert token.encode() not in stored_bytes(context)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        assert app.screen.query_one(DataTable).get_row_at(0)[2].plain == "signed in"


@pytest.mark.parametrize("knob", ["deny", "expire"])
async def test_sign_in_denied_or_expired_says_so_and_keeps_nothing(
    app, context, token_endpoint, knob
):
    credential = device_credential(context, token_endpoint)
    setattr(token_endpoint, knob, True)
    token_endpoint.pending_polls = 1000 if knob == "expire" else 0
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_sign_in(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        verdict = text_of(modal, "#sign-in-verdict")
        assert verdict.startswith("✗ ")
        assert ("access_denied" if knob == "deny" else "expired") in verdict
        assert modal.query_one("#sign-in-verdict").has_class("-failed")
        assert not modal.query_one("#sign-in-countdown").display
        assert str(modal.query_one("#sign-in-close").label) == "Close (esc)"
        assert not credentials.describe(credentials.get(credential.id))["signed_in"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one(DataTable).get_row_at(0)[2].plain == "not signed in"


async def test_escape_stops_the_sign_in_and_stores_nothing(app, context, token_endpoint):
    credential = device_credential(context, token_endpoint)
    token_endpoint.pending_polls = 10**6
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_sign_in(pilot)
        while modal.polls < 2:  # the code is shown and the provider asked
            await pilot.pause(0.05)
        assert "Waiting for the sign-in… The code expires in 1" in text_of(
            modal, "#sign-in-countdown"
        )
        worker = modal._worker
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        assert worker is not None and worker.is_cancelled
        polls = modal.polls
        await pilot.pause(0.3)
        assert modal.polls == polls  # nobody asks any more
        assert not credentials.describe(credentials.get(credential.id))["signed_in"]
        assert token_endpoint.issued == {}


async def test_a_new_device_code_credential_offers_to_sign_in_now(app, context, token_endpoint):
    async with app.run_test(size=(80, 24)) as pilot:
        await open_new_form(pilot, "oauth2-device-code")
        await type_into(pilot, "name", "mailbox sign-in")
        await type_into(pilot, "username", MAILBOX)
        await type_into(pilot, "token_url", token_endpoint.token_url)
        await type_into(pilot, "device_url", token_endpoint.device_url)
        await type_into(pilot, "client_id", CLIENT_ID)
        await type_into(pilot, "scope", "https://outlook.office.com/SMTP.Send offline_access")
        await save(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, SignInModal)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert credentials.describe(credentials.find("mailbox sign-in"))["signed_in"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        assert app.screen.query_one(DataTable).get_row_at(0)[2].plain == "signed in"


async def test_only_a_device_code_credential_signs_in(app, context):
    credentials.save(context.vault, name="relay", username="svc", secret="pw")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("C", "i")
        await settle(pilot)
        assert isinstance(app.screen, CredentialsScreen)
        (note,) = app._notifications
        assert "'relay' does not sign in" in note.message


# Snapshots at 80x24 ---------------------------------------------------------------------------


async def _settled(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize(
    "kind", ["oauth2-client-credentials", "oauth2-device-code", "google-service-account"]
)
def test_credential_form_snapshot(snap_compare, app, kind):
    async def new_form(pilot):
        await open_new_form(pilot, kind)
        if kind != "google-service-account":
            await choose(pilot, "provider", "microsoft365")
        await type_into(pilot, "name", "alerts")
        await _settled(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=new_form)


def test_sign_in_modal_snapshot(snap_compare, app, context, token_endpoint):
    device_credential(context, token_endpoint)
    token_endpoint.pending_polls = 10**6
    token_endpoint.interval = 60  # asked once, then not again while the picture is taken

    async def signing_in(pilot):
        modal = await open_sign_in(pilot)
        while modal.sign_in is None:
            await pilot.pause(0.05)
        # The endpoint's address has a port of the moment, and the code is random: the ones
        # Microsoft shows, and a frozen clock.
        shown = dataclasses.replace(
            modal.sign_in,
            verification_uri="https://microsoft.com/devicelogin",
            user_code="F7K2QX9PL",
        )
        modal.clock = lambda: shown.expires_at - timedelta(minutes=14, seconds=32)
        modal.show_code(shown)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=signing_in)
