"""Snapshot tests of the screens (pytest-textual-snapshot). Update with --snapshot-update."""

import pytest
from textual.widgets import Input

from smtp_tui import demo
from smtp_tui.app import SmtpApp


@pytest.fixture
def demo_app(context):
    demo.fill(context.vault)
    return SmtpApp(context)


async def _settled(pilot, *keys):
    """The screen after `keys`, once it stopped changing: workers done, the screen's style
    sheet applied (a modal loads its own on first use) and every input's cursor frozen on."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    if keys:
        await pilot.press(*keys)
        await pilot.app.workers.wait_for_complete()
        await pilot.wait_for_scheduled_animations()
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_report(snap_compare, demo_app, size):
    assert snap_compare(demo_app, terminal_size=size, run_before=_settled)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_report_with_search_panel(snap_compare, demo_app, size):
    async def open_search(pilot):
        await _settled(pilot, "slash")
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=size, run_before=open_search)


def test_empty_report(snap_compare, context):
    assert snap_compare(SmtpApp(context), terminal_size=(80, 24), run_before=_settled)


def test_delete_confirmation(snap_compare, demo_app):
    assert snap_compare(
        demo_app, terminal_size=(80, 24), run_before=lambda pilot: _settled(pilot, "down", "delete")
    )


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_account_form_empty(snap_compare, demo_app, size):
    assert snap_compare(demo_app, terminal_size=size, run_before=lambda pilot: _settled(pilot, "n"))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_account_form_with_errors(snap_compare, demo_app, size):
    async def errors(pilot):
        await _settled(pilot, "n")
        pilot.app.screen.query_one("#f-secure").value = True
        pilot.app.screen.query_one("#f-email", Input).value = "not-an-address"
        await _settled(pilot, "ctrl+s")

    assert snap_compare(demo_app, terminal_size=size, run_before=errors)


def test_account_form_with_a_preset_at_80x24(snap_compare, demo_app):
    """SendGrid chosen in the picker: the server filled in and in sight, and the user-name hint
    under the credential (once the notice of what was filled, which covers it, has gone)."""

    async def sendgrid(pilot):
        await _settled(pilot, "n", "ctrl+r", "down", "down", "down", "enter")
        pilot.app.clear_notifications()
        await _settled(pilot)

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=sendgrid)


@pytest.mark.parametrize("key", ["d", "p", "s", "S", "t", "question_mark", "full_stop"])
def test_output_and_modal_screens_at_80x24(snap_compare, demo_app, key, monkeypatch):
    monkeypatch.setattr(
        "smtp_tui.screens.download.default_file_name", lambda fmt, today=None: f"report.{fmt}"
    )
    monkeypatch.setattr("smtp_tui.reports.schedules.local_timezone", lambda: "Europe/Berlin")
    monkeypatch.setattr("smtp_tui.reports.printing.datetime", _FrozenDatetime)
    assert snap_compare(
        demo_app, terminal_size=(80, 24), run_before=lambda pilot: _settled(pilot, key)
    )


class _FrozenDatetime:
    """The print preview's 'Printed ...' line, frozen."""

    @staticmethod
    def now(tz=None):
        from datetime import datetime, timezone

        return datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)


# Nothing clipped at 80x24 (issue 16): the lists, and the transcripts with a long hint.

LONG_DIALOGUE = (
    ("info", "Connecting to 127.0.0.1:2525 (no TLS, timeout 20 s)"),
    ("warning", "No secure connection: the dialogue, any login and the message travel in clear."),
    ("error", "connect: 127.0.0.1:2525 refused the connection."),
    (
        "error",
        "Hint: Nothing listens on port 2525 there: check the port (25, 465 or 587) and that "
        "the mail service runs.",
    ),
)


def test_connectors_at_80x24(snap_compare, demo_app):
    assert snap_compare(
        demo_app, terminal_size=(80, 24), run_before=lambda pilot: _settled(pilot, "N")
    )


def test_schedules_with_a_paused_one_at_80x24(snap_compare, demo_app, monkeypatch):
    from datetime import datetime, timezone

    from smtp_tui.reports import schedules

    monkeypatch.setattr("smtp_tui.reports.schedules.local_timezone", lambda: "Europe/Berlin")
    now = datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)
    for paused, recipients in (
        (True, "security-team@example.com, audit@example.com"),
        (False, "ops@example.com"),
    ):
        schedules.save(
            schedules.ScheduleInput(
                frequency="weekly", weekday=0, recipients=recipients, paused=paused
            ),
            now=now,
        )
    assert snap_compare(
        demo_app, terminal_size=(80, 24), run_before=lambda pilot: _settled(pilot, "S")
    )


def test_the_test_window_with_a_long_transcript_at_80x24(snap_compare, demo_app):
    from smtp_tui.mail.transcript import Line

    async def dialogue(pilot):
        await _settled(pilot, "t")
        for number, (kind, text) in enumerate(LONG_DIALOGUE):
            pilot.app.screen._line(Line(kind, text, number / 1000))
        await _settled(pilot)

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=dialogue)


def test_a_transcript_of_history_at_80x24(snap_compare, demo_app):
    from smtp_tui.mail.transcript import Line
    from smtp_tui.screens.proof_history import TranscriptScreen

    async def transcript(pilot):
        await _settled(pilot)
        lines = [str(Line(kind, text, n / 1000)) for n, (kind, text) in enumerate(LONG_DIALOGUE)]
        pilot.app.push_screen(TranscriptScreen("Test of 2026-11-28 09:30:00 UTC", "\n".join(lines)))
        await _settled(pilot)

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=transcript)
