"""Nothing clipped at 80x24: every screen shows all it has, scrolling where it must (Pilot)."""

import re

import pytest
from textual.geometry import Region

from smtp_tui import accounts, demo
from smtp_tui.accounts import Sort
from smtp_tui.app import SmtpApp
from smtp_tui.reports import schedules
from smtp_tui.reports.schedules import ScheduleInput
from smtp_tui.screens.fitting_log import FittingLog
from smtp_tui.screens.proof_history import TranscriptScreen
from smtp_tui.screens.report_table import ReportTable, column_widths
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
        assert header.split() == ["Name", "Type", "Address", "Credential", "Host", "key"]


async def test_a_cut_value_in_the_report_ends_in_an_ellipsis(context, app):
    demo.fill(context.vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        first = widget_text(table).splitlines()[1]
        name, email = accounts.get(1).name, accounts.get(1).email
        assert len(name) > 30 and len(email) > 30
        assert f"{name[:29]}…" in first and f"{email[:29]}…" in first


async def test_names_and_e_mails_are_no_narrower_at_200_columns_than_at_80(context):
    demo.fill(context.vault)
    widths = {}
    for size in ((80, 24), (200, 50)):
        app = SmtpApp(context)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            table = app.screen.query_one(ReportTable)
            widths[size[0]] = {key.value: column.width for key, column in table.columns.items()}
            if size[0] == 200:
                # There, every column is in sight: nothing to scroll sideways to.
                assert table.virtual_size.width <= table.size.width
    for column in ("name", "email"):
        assert widths[200][column] >= widths[80][column] >= 30


def test_a_wider_table_never_makes_names_and_e_mails_narrower():
    for sort in (Sort(), Sort("name", descending=True), Sort("email")):
        previous = column_widths(60, sort)
        for total in range(61, 320):
            widths = column_widths(total, sort)
            assert widths["name"] >= previous["name"] and widths["email"] >= previous["email"]
            previous = widths
        assert widths["name"] > column_widths(80, sort)["name"]


async def test_the_pager_names_the_sort_and_the_sorted_column_is_in_sight(context, app):
    demo.fill(context.vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        # Code, Name, E-mail, Reply-to, Return-path, Confirmation e-mail, then Status.
        await pilot.press(*"oooooo", "O")
        await settle(pilot)
        assert str(app.screen.query_one("#page-status").render()) == (
            "Page 1 of 3 · 75 accounts · sorted by Status ▼"
        )
        assert "Status ▼" in widget_text(table).splitlines()[0]
        await pilot.press("O")
        await settle(pilot)
        assert str(app.screen.query_one("#page-status").render()).endswith("sorted by Status ▲")
        await pilot.press(*"oooooo")
        await settle(pilot)
        # Back to the code: the default, said by the arrow in sight.
        assert str(app.screen.query_one("#page-status").render()) == "Page 1 of 3 · 75 accounts"
        assert widget_text(table).splitlines()[0].split()[:2] == ["Code", "▲"]


async def test_history_at_80x24_cuts_no_date(context, app):
    port = free_port()
    accounts.save(account_input(1, host="127.0.0.1", port=port, secure=False, timeout=5))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"admin@example.com", "ctrl+o")
        await wait_done(pilot)
        await pilot.press("escape", "h")
        await settle(pilot)
        lines = widget_text(app.screen.query_one("#history")).splitlines()
        assert lines[0].split()[:3] == ["When", "(UTC)", "Who"]
        assert re.match(r" \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  ", lines[1])
