"""What the TUI sends to the terminal: nothing for a mouse that only moves, a page flip drawn
once and only where it changed, the scroll bar's column kept, and the mouse left alone with
--no-mouse. The bytes themselves are measured by bench/terminal.py."""

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time

import pytest
from textual import events
from textual.scrollbar import ScrollBarRender
from textual.widgets import DataTable

from smtp_tui.app import SmtpApp
from smtp_tui.screens.report_table import ReportTable
from smtp_tui.screens.scroll_bars import CompactScrollBarRender
from tests.test_report import settle, shown

MOUSE_ON = (b"\x1b[?1000h", b"\x1b[?1003h", b"\x1b[?1006h")


@pytest.fixture
def app(context, seventy_five):
    return SmtpApp(context)


def count_refreshes(table: DataTable) -> list[tuple]:
    """Every refresh the table asks for from now on (its own and DataTable's, with what)."""
    calls: list[tuple] = []
    refresh = table.refresh

    def counted(*regions, **options):
        calls.append((regions, options))
        return refresh(*regions, **options)

    table.refresh = counted  # type: ignore[method-assign]
    return calls


async def move_over(pilot, table: DataTable) -> None:
    """The pointer across the table's body, a new row and column at each step."""
    for step in range(6):
        await pilot.hover(table, offset=(4 + 9 * step, 2 + step))
    await pilot.pause()


async def test_a_mouse_moving_over_the_report_repaints_nothing(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        await pilot.hover(table, offset=(2, 1))
        await pilot.pause()
        refreshes = count_refreshes(table)
        await move_over(pilot, table)
        assert refreshes == []
        # The keys still move the cursor, and draw the two rows it leaves and reaches.
        await pilot.press("down")
        await pilot.pause()
        assert table.highlighted_code == 2
        assert [regions[0].height for regions, _ in refreshes] == [1, 1]


async def test_a_mouse_moving_over_the_help_table_repaints_nothing(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        table = app.screen.query_one("#help-keys", DataTable)
        await pilot.hover(table, offset=(2, 1))
        await pilot.pause()
        refreshes = count_refreshes(table)
        await move_over(pilot, table)
        assert refreshes == []


async def test_clicks_the_wheel_and_header_clicks_work_at_80x24(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        await pilot.click(ReportTable, offset=(10, 3))  # the first click highlights row 3...
        assert table.highlighted_code == 3
        await pilot.click(ReportTable, offset=(10, 3))  # ...the second one edits it
        await pilot.pause()
        assert type(app.screen).__name__ == "AccountForm" and app.screen.code == 3
        await pilot.press("escape")
        await settle(pilot)
        # Pilot has no wheel of its own: the events its clicks are made of.
        await pilot._post_mouse_events([events.MouseScrollDown], ReportTable, offset=(10, 5))
        await pilot.pause()
        assert table.scroll_y > 0
        # The Name header, two cells into it.
        await pilot.click(
            ReportTable, offset=(table.ordered_columns[0].get_render_width(table) + 2, 0)
        )
        await settle(pilot)
        assert app.screen.sort.column == "name"
        assert "Name ▲" in str(table.ordered_columns[1].label)


async def test_a_page_flip_is_one_draw_of_the_rows_and_the_pager(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        draws: list = []
        display = app._display

        def counted(screen, update):
            if update is not None:
                draws.append(update)
            return display(screen, update)

        app._display = counted  # type: ignore[method-assign]
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert shown(app)[1][0] == 31
        assert len(draws) == 1
        lines = {y for y, _, _ in draws[0].spans}
        region = table.region
        header, pager = region.y, app.screen.query_one("#pager").region.y
        # The rows and the pager line; not the table's header, nor anything above it.
        assert set(range(header + 1, header + 1 + 17)) <= lines
        assert pager in lines and min(lines) == header + 1
        # Nor the scroll bar's column: the rows are drawn up to it.
        scroll_bar = table.scrollable_content_region.right
        assert all(right <= scroll_bar for y, _, right in draws[0].spans if y != pager)


async def test_the_scroll_bar_column_is_kept_on_a_short_page(app):
    # At 80x24 the 30 rows of page 1 need a scroll bar; the 15 of page 3 fit without one.
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        assert table.show_vertical_scrollbar
        width = table.scrollable_content_region.width
        columns = [c.get_render_width(table) for c in table.ordered_columns]
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        assert len(shown(app)[1]) == 15 and not table.show_vertical_scrollbar
        assert table.scrollable_content_region.width == width
        assert [c.get_render_width(table) for c in table.ordered_columns] == columns
        await pilot.press("left_curly_bracket")
        await settle(pilot)
        assert len(shown(app)[1]) == 30 and table.show_vertical_scrollbar
        assert table.scrollable_content_region.width == width


def startup_bytes(context, tmp_path, *options: str, environment=None) -> bytes:
    """What `smtp-tui` writes to its terminal (a pty, 80x24) until its first page is drawn."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "SMTP_TUI_MOUSE"}
    child = subprocess.Popen(
        [sys.executable, "-m", "smtp_tui", "--db", context.config.database, *options],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env={**env, "TERM": "xterm-256color", **(environment or {})},
        start_new_session=True,
    )
    os.close(secondary)
    written = b""
    try:
        deadline = time.monotonic() + 30
        while b"Page 1 of" not in written and time.monotonic() < deadline:
            if select.select([primary], [], [], 0.5)[0]:
                try:
                    written += os.read(primary, 65536)
                except OSError:
                    # EIO: the app ended (it says why in what it wrote).
                    break
        os.write(primary, b"\x11")  # ctrl+q
        child.wait(timeout=30)
    finally:
        child.kill()
        os.close(primary)
    assert b"Page 1 of" in written
    return written


@pytest.fixture
def keyed(context, tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_TUI_KEY_FILE", str(tmp_path / "keys" / "secret.key"))
    return context


def test_the_mouse_is_asked_for_by_default_and_left_alone_with_no_mouse(keyed, tmp_path):
    written = startup_bytes(keyed, tmp_path)
    assert all(sequence in written for sequence in MOUSE_ON)
    for options, environment in [
        (["--no-mouse"], None),
        ([], {"SMTP_TUI_MOUSE": "0"}),
    ]:
        written = startup_bytes(keyed, tmp_path, *options, environment=environment)
        assert not any(sequence in written for sequence in MOUSE_ON)


def test_help_names_no_mouse_and_its_variable():
    help_text = subprocess.run(
        [sys.executable, "-m", "smtp_tui", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--no-mouse" in help_text and "SMTP_TUI_MOUSE=0" in help_text


def test_a_horizontal_scroll_bar_is_drawn_in_runs_of_one_style():
    bar = dict(size=80, virtual_size=231, window_size=78, position=40, vertical=False)
    textual, compact = ScrollBarRender.render_bar(**bar), CompactScrollBarRender.render_bar(**bar)
    assert "".join(s.text for s in compact.segments) == "".join(s.text for s in textual.segments)
    # Textual's: a segment a cell. Here: the runs before, in and after the thumb, and its
    # two part-cell ends.
    assert len(textual.segments) == 81 and len(compact.segments) <= 6
    # Each part of the bar keeps its click action (page left, grab, page right).
    actions = [s.style.meta["@mouse.down"] for s in compact.segments if s.style]
    assert list(dict.fromkeys(actions)) == ["scroll_up", "grab", "scroll_down"]


async def test_a_layout_of_the_screen_leaves_the_table_scroll_bars_alone(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        assert table.show_vertical_scrollbar and table.show_horizontal_scrollbar
        bars = [
            count_refreshes(table.vertical_scrollbar),
            count_refreshes(table.horizontal_scrollbar),
        ]
        app.screen.refresh(layout=True)
        await pilot.pause()
        assert bars == [[], []]
        # A short page hides the vertical bar, and the next full one brings it back.
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        assert not table.show_vertical_scrollbar
        await pilot.press("left_curly_bracket")
        await settle(pilot)
        assert table.show_vertical_scrollbar and table.vertical_scrollbar.window_virtual_size == 31


async def test_switching_terminal_windows_redraws_nothing(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        refreshes = count_refreshes(table)
        # The focus reports a terminal sends when its window is left, then come back to.
        for event in (events.AppBlur(), events.AppFocus()):
            app.post_message(event)
            await pilot.pause()
        assert refreshes == [] and app.focused is table
        await pilot.press("down")
        assert table.highlighted_code == 2
