"""Nothing clipped at 80x24: every screen shows all it has, scrolling where it must (Pilot)."""

import pytest
from textual.geometry import Region

from smtp_tui import accounts, demo
from smtp_tui.app import SmtpApp
from smtp_tui.reports import schedules
from smtp_tui.reports.schedules import ScheduleInput
from smtp_tui.screens.fitting_log import FittingLog
from smtp_tui.screens.proof_history import TranscriptScreen
from tests.conftest import account_input
from tests.mailservers import free_port
from tests.test_report import settle
from tests.test_test_email import wait_done


@pytest.fixture
def app(context):
    return SmtpApp(context)


def words_on_screen(log: FittingLog) -> str:
    """The log's words as the screen shows them, the line ends joined, cut at its right edge."""
    width = log.scrollable_content_region.width
    return " ".join(" ".join(strip.text[:width].split()) for strip in log.lines)


async def test_the_transcripts_at_80x24_keep_every_word_of_a_long_hint(app):
    # Nothing listens there: refused at once, with a hint longer than the box is wide.
    port = free_port()
    accounts.save(account_input(1, host="127.0.0.1", port=port, secure=False, timeout=5))
    hint = (
        f"Nothing listens on port {port} there: check the port (25, 465 or 587) and that the "
        "mail service runs."
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"admin@example.com", "ctrl+o")
        await wait_done(pilot)
        log = app.screen.query_one("#transcript", FittingLog)
        assert log.scrollable_content_region.width < 78
        assert hint in words_on_screen(log)
        await pilot.press("escape", "h")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen)
        assert hint in words_on_screen(app.screen.query_one("#transcript", FittingLog))


async def test_the_actions_menu_at_80x24_reaches_its_last_item_in_sight(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("full_stop")
        await settle(pilot)
        menu = app.screen
        options = menu.query_one("OptionList")
        dialog = menu.query_one(".dialog")
        # The whole dialog, its border too, is on the screen.
        assert menu.region.contains_region(dialog.region)
        last = options.option_count - 1
        for _ in range(last):
            await pilot.press("down")
            await pilot.pause()
            # The highlighted item is always in sight, within the dialog.
            top = options.scroll_offset.y
            assert top <= options.highlighted < top + options.content_region.height
            assert dialog.content_region.contains_region(options.region)
        assert options.highlighted == last
        await pilot.press("enter")
        await settle(pilot)
        assert not app.is_running  # the last item, Quit, ran


def widget_text(widget) -> str:
    """What `widget` shows now, line by line."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip.text for strip in strips)


async def test_help_at_80x24_wraps_descriptions_and_cuts_none(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        table = app.screen.query_one("#help-keys")
        # Nothing beyond the right edge: no description runs out of sight.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        for row in range(table.row_count):
            table.move_cursor(row=row, animate=False)
            await pilot.pause()
            words = " ".join(widget_text(table).split())
            assert " ".join(str(table.get_row_at(row)[1]).split()) in words
        assert "(name suffixed)" in " ".join(
            str(table.get_row_at(row)[1]) for row in range(table.row_count)
        )


def long_schedule(paused: bool) -> None:
    schedules.save(
        ScheduleInput(
            frequency="weekly",
            weekday=0,
            timezone="Europe/Berlin",
            recipients="security-team@example.com, audit-office@corp.example.com",
            format="xlsx",
            paused=paused,
        )
    )


async def test_a_paused_schedule_reads_paused_at_80_columns(app):
    long_schedule(paused=True)
    long_schedule(paused=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        header, paused, active = widget_text(app.screen.query_one("#records")).splitlines()[:3]
        assert header.split()[-1] == "State"
        assert paused.split()[-1] == "paused" and active.split()[-1] == "active"
        # What had to be cut says so.
        assert "security-te…" in paused


async def test_the_connectors_header_is_whole_at_80_columns(context, app):
    demo.fill(context.vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("N")
        await settle(pilot)
        header = widget_text(app.screen.query_one("#records")).splitlines()[0]
        assert header.split() == ["Name", "Type", "Proxy", "Proxy", "credential"]
