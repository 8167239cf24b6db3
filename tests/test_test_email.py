"""The test e-mail window, driven with Pilot against a real aiosmtpd."""

import pytest
from textual.widgets import Input, RichLog

from smtp_tui import accounts, credentials
from smtp_tui.app import SmtpApp
from smtp_tui.screens.account_form import AccountForm
from smtp_tui.screens.proof import ProofScreen
from smtp_tui.screens.proof_history import ProofHistoryScreen, TranscriptScreen
from smtp_tui.screens.report import ReportScreen
from smtp_tui.screens.report_table import ReportTable
from tests.conftest import account_input, impatient, write_lock_held
from tests.mailservers import PASSWORD, USER
from tests.test_report import settle


@pytest.fixture
def app(context):
    return SmtpApp(context)


def tls_account(vault, port, **overrides):
    credential = credentials.save(vault, name="relay", username=USER, secret=PASSWORD)
    values = (
        dict(
            host="localhost",
            port=port,
            secure=True,
            secure_type="TLS",
            authentication=True,
            credential_id=credential.id,
            timeout=5,
        )
        | overrides
    )
    return accounts.save(account_input(1, **values))


def transcript_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen.query_one("#transcript", RichLog).lines)


async def wait_done(pilot):
    """Until the verdict shows (at most 10 s)."""
    screen = pilot.app.screen
    for _ in range(200):
        await pilot.pause(0.05)
        if screen.query_one("#verdict").display and not screen.running:
            break
    await pilot.pause()


async def test_send_streams_the_dialogue_and_shows_the_verdict(app, context, starttls_server):
    account = tls_account(context.vault, starttls_server.port)
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        assert isinstance(app.screen, ProofScreen)
        assert app.screen.query_one("#f-subject", Input).value == "SMTP test e-mail"
        await pilot.press(*"admin@example.com")
        await pilot.press("ctrl+s")
        await wait_done(pilot)
        text = transcript_text(app)
        assert " -> STARTTLS" in text and "<-  235" in text and PASSWORD not in text
        verdict = str(app.screen.query_one("#verdict").render())
        assert "✓ Delivered to the server" in verdict
        assert PASSWORD not in app.export_screenshot()
        assert len(starttls_server.handler.received) == 1
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        cell = app.screen.query_one(ReportTable).get_cell(str(account.code), "last_test")
        assert str(cell).startswith("✓")


async def test_a_failure_shows_step_and_hint(app, context, starttls_server):
    tls_account(context.vault, starttls_server.port, secure_type="SSL")
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"admin@example.com", "ctrl+o")
        await wait_done(pilot)
        verdict = str(app.screen.query_one("#verdict").render())
        assert "✗ Failed at TLS" in verdict and "expects TLS (STARTTLS), not SSL" in verdict
        await pilot.press("escape")
        await settle(pilot)
        cell = app.screen.query_one(ReportTable).get_cell("1", "last_test")
        assert str(cell).startswith("✗ TLS")


async def test_a_bad_recipient_is_shown_under_its_field(app, context, starttls_server):
    tls_account(context.vault, starttls_server.port)
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"nobody", "ctrl+s")
        await pilot.pause()
        error = str(app.screen.query_one("#error-recipient").render())
        assert error.startswith("✗ Recipient is not a valid e-mail address")
        assert not app.screen.running


async def test_escape_stops_a_hanging_attempt_at_once(app, context, silent_server):
    accounts.save(
        account_input(1, host="127.0.0.1", port=silent_server.port, secure=False, timeout=30)
    )
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"admin@example.com", "ctrl+s")
        await pilot.pause(0.3)
        assert app.screen.running
        waiting = app.screen.query_one("#waiting")
        assert str(waiting.render()).startswith("Running… 0 s (a step gives up after 30 s")
        # the server says nothing: the seconds count meanwhile
        await pilot.pause(1.0)
        assert str(waiting.render()).startswith("Running… 1 s")
        await pilot.press("escape")
        await wait_done(pilot)
        assert isinstance(app.screen, ProofScreen) and not app.screen.running
        assert not waiting.display
        # when it was stopped, not 0.000s
        assert "Cancelled after 1." in str(app.screen.query_one("#verdict").render())
        last = transcript_text(app).splitlines()[-1]
        assert "Cancelled" in last and float(last.split("s ")[0]) >= 1.0
        assert accounts.get(1).last_test_outcome == "cancelled"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)


async def test_history_lists_the_runs_and_their_transcripts(app, context, starttls_server):
    tls_account(context.vault, starttls_server.port)
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"admin@example.com", "ctrl+o")
        await wait_done(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("h")
        assert isinstance(app.screen, ProofHistoryScreen)
        assert app.screen.query_one("#history").row_count == 1
        await pilot.press("enter")
        assert isinstance(app.screen, TranscriptScreen)
        assert PASSWORD not in app.export_screenshot()


async def test_the_form_tests_edited_settings_and_asks_for_the_secret_when_the_host_changed(
    app, context, starttls_server
):
    tls_account(context.vault, starttls_server.port, host="127.0.0.1")
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        assert isinstance(app.screen, AccountForm)
        app.screen.query_one("#f-host", Input).value = "localhost"  # edited, not saved
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, ProofScreen)
        assert app.screen.query_one(
            "#row-secret"
        ).display  # the stored secret is not sent elsewhere
        await pilot.press(*"admin@example.com", "ctrl+s")
        await pilot.pause()
        assert "stored secret of 'relay' is not sent" in str(
            app.screen.query_one("#verdict").render()
        )
        app.screen.query_one("#f-secret", Input).value = PASSWORD
        await pilot.press("ctrl+s")
        await wait_done(pilot)
        assert "✓ Delivered" in str(app.screen.query_one("#verdict").render())
        assert accounts.get(1).host == "127.0.0.1"  # testing saved nothing


@pytest.mark.sqlite_only
async def test_a_delivered_test_the_database_cannot_record_shows_its_verdict_and_a_note(
    app, context, starttls_server
):
    tls_account(context.vault, starttls_server.port)
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"admin@example.com")
        impatient(context)
        with write_lock_held(context):  # a long import holds the database
            await pilot.press("ctrl+s")
            await wait_done(pilot)
        verdict = str(app.screen.query_one("#verdict").render())
        assert verdict.startswith(
            "✓ Delivered to the server: it accepted the message.\n⚠ Not recorded: the "
            "database did not take this test (database is locked)"
        ), verdict
        assert (
            len(starttls_server.handler.received) == 1 and accounts.get(1).last_test_outcome is None
        )
