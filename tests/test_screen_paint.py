"""What the report draws, and how often: the first frame, page flips, the footer (issue 17).

The speed itself is shown by bench/screen.py; these tests hold the behaviour its shortcuts
must keep: the same cells as Textual's own drawing, each drawn once, the right rows."""

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.widgets import DataTable, Footer
from textual.widgets._data_table import DuplicateKey
from textual.widgets._footer import FooterKey

from smtp_tui import accounts
from smtp_tui.app import SmtpApp
from smtp_tui.screens import tables
from smtp_tui.screens.report_table import ReportTable
from tests.conftest import account_input, fill

SIZE = (120, 40)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def app(context, db):
    fill(75)
    return SmtpApp(context)


@pytest.fixture
def drawn(monkeypatch) -> Counter:
    """How many times each body row's line was drawn (QuietTable._draw_row, called on a miss
    of the table's cache of lines), by row key."""
    counts: Counter = Counter()
    draw_row = tables.QuietTable._draw_row

    def noted_row(self, row_key, *arguments):
        counts[row_key] += 1
        return draw_row(self, row_key, *arguments)

    monkeypatch.setattr(tables.QuietTable, "_draw_row", noted_row)
    return counts


def characters(lines: list[list[Segment]]) -> list[tuple[str, object]]:
    """Each character of rendered lines with its style: how the terminal shows it."""
    return [(ch, seg.style) for line in lines for seg in line for ch in seg.text]


def row_text(table: DataTable, code: int) -> str:
    index = table.get_row_index(str(code))
    return table.render_line(index + table.header_height - int(table.scroll_y)).text


LONG_NAMES = {
    2: "A relay name far longer than any column of the report",
    5: "Größere Relais-Gruppe für die Zentrale in München-Nord",
    6: "中文名称很长的账户名字用来测试宽字符的截断情况",
}


@asynccontextmanager
async def report_at(context, width: int) -> AsyncIterator[ReportTable]:
    """The report of 40 accounts at `width` x 40, its cursor on the fourth row; some names
    and addresses too long for their columns, in ASCII, accented and wide characters."""
    fill(40)
    for code, name in LONG_NAMES.items():
        email = f"a-very-long-mailbox-name-for-relay-{code}@notifications.example.com"
        long = account_input(code, name=name, email=email)
        accounts.save(long, code=code, actor="tester@host")
    app = SmtpApp(context)
    async with app.run_test(size=(width, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        table.move_cursor(row=3)
        await settle(pilot)
        yield table


@pytest.mark.parametrize("width", [80, 120, 200])
async def test_cells_are_drawn_exactly_as_datatable_draws_them(context, db, width):
    async with report_at(context, width) as table:
        checked = 0
        for row_index in range(table.row_count):
            row_style = table._get_row_style(row_index, table.rich_style)
            for column_index, column in enumerate(table.ordered_columns):
                for cursor in (False, True):
                    arguments = (row_index, column_index, row_style, column.get_render_width(table))
                    table._cell_render_cache.clear()
                    fast = tables.QuietTable._render_cell(table, *arguments, cursor=cursor)
                    table._cell_render_cache.clear()
                    plain = DataTable._render_cell(table, *arguments, cursor=cursor)
                    assert characters(fast) == characters(plain), (row_index, column_index)
                    checked += 1
        assert checked == 30 * 15 * 2


@pytest.mark.parametrize("width", [80, 200])
async def test_rows_are_drawn_exactly_as_datatable_draws_them(context, db, width):
    """The lines of the table's rows (QuietTable._render_line), scrolled sideways or not,
    with the cursor on the row or not, character by character, style included."""
    async with report_at(context, width) as table:
        base_style = table.rich_style
        checked = 0
        for x1 in (0, 17):
            x2 = x1 + table.size.width
            for y in range(table.header_height, table.header_height + table.row_count):
                for row in (3, 4):
                    table.cursor_coordinate = table.cursor_coordinate._replace(row=row)
                    table._clear_caches()
                    fast = tables.QuietTable._render_line(table, y, x1, x2, base_style)
                    table._clear_caches()
                    plain = DataTable._render_line(table, y, x1, x2, base_style)
                    assert characters([list(fast)]) == characters([list(plain)]), (x1, y, row)
                    checked += 1
        assert checked == 2 * 30 * 2


async def test_the_first_frame_has_the_thirtieth_row_and_draws_each_row_once(app, drawn):
    first_frames: list[list[str]] = []
    render_lines = ReportTable.render_lines

    def noted(self, crop):
        strips = render_lines(self, crop)
        if not first_frames:
            first_frames.append([strip.text for strip in strips])
        return strips

    ReportTable.render_lines = noted  # type: ignore[method-assign]
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            # What the table gets after its first frame in a real terminal (not headless): a
            # Resize to the size it has.
            table = app.screen.query_one(ReportTable)
            table.post_message(events.Resize(table.size, table.virtual_size, table.container_size))
            await settle(pilot)
            table.refresh()  # as the screen's layout after it does
            await settle(pilot)
            await pilot.pause(0.4)
            thirtieth = table.get_row("30")[1].plain
    finally:
        ReportTable.render_lines = render_lines  # type: ignore[method-assign]
    assert any(thirtieth[:20] in line for line in first_frames[0])
    assert len(drawn) == 30
    # The Resize after the first layout, the count and the collection after it: no redraw.
    assert set(drawn.values()) == {1}


async def test_a_page_flip_shows_exactly_the_next_page_and_keeps_the_columns(app, drawn):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        header = table.render_line(0).text
        for key, codes in (("]", range(31, 61)), ("]", range(61, 76)), ("[", range(31, 61))):
            drawn.clear()
            await pilot.press({"]": "right_square_bracket", "[": "left_square_bracket"}[key])
            await settle(pilot)
            assert [int(key.value) for key in table.rows] == list(codes)
            assert [column.get_render_width(table) for column in table.ordered_columns] == widths
            assert table.render_line(0).text == header
            assert row_text(table, codes[0]).split()[0] == str(codes[0])
            assert row_text(table, codes[-1]).split()[0] == str(codes[-1])
            # Each new row drawn once.
            assert len(drawn) == len(codes) and set(drawn.values()) == {1}


async def test_the_footer_is_built_once_and_follows_the_keys_when_they_change(app, monkeypatch):
    rebuilt: list[Footer] = []
    recompose = Footer.recompose

    async def noted(self):
        rebuilt.append(self)
        return await recompose(self)

    monkeypatch.setattr(Footer, "recompose", noted)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(Footer)
        keys = list(footer.query(FooterKey))
        assert "Search" in {key.description for key in keys}
        await pilot.press("down", "right_square_bracket")
        await settle(pilot)
        # The focus moved to the table at start-up, the cursor and the page since: the same
        # keys, the same widgets.
        assert rebuilt == [] and list(footer.query(FooterKey)) == keys
        await pilot.press("slash")  # the search panel's field takes the focus: other keys
        await settle(pilot)
        assert rebuilt and list(footer.query(FooterKey)) != keys


def backgrounds(table: ReportTable, code: int) -> set:
    index = table.get_row_index(str(code))
    strip = table.render_line(index + table.header_height - int(table.scroll_y))
    return {segment.style.bgcolor for segment in strip if segment.style}


async def test_a_cursor_move_redraws_the_rows_it_leaves_and_reaches_and_a_repaint_none(app, drawn):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        cursor = table.get_component_rich_style("datatable--cursor").bgcolor
        assert cursor in backgrounds(table, 1) and cursor not in backgrounds(table, 2)
        # The row left and the row reached, each once; row 2 without the cursor was drawn at
        # start-up: its line is kept.
        for new_lines in ({"1": 1, "2": 1}, {"3": 1}):
            drawn.clear()
            await pilot.press("down")
            await settle(pilot)
            assert {key.value: n for key, n in drawn.items()} == new_lines
        assert cursor not in backgrounds(table, 1) and cursor in backgrounds(table, 3)
        # The whole table repainted (a layout of the screen): every line kept.
        drawn.clear()
        table.refresh()
        await settle(pilot)
        assert drawn == Counter()


async def test_a_saved_change_and_a_new_theme_are_drawn(app, drawn):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        before = backgrounds(table, 2)
        accounts.save(account_input(2, name="Renamed 002"), code=2, actor="tester@host")
        drawn.clear()
        await pilot.press("r")
        await settle(pilot)
        assert "Renamed 002" in row_text(table, 2)
        assert {key.value for key in drawn} == {str(code) for code in range(1, 31)}
        drawn.clear()
        app.theme = "textual-light"
        await settle(pilot)
        assert len(drawn) == 30 and backgrounds(table, 2) != before


async def test_rows_added_at_once_are_the_rows_add_row_adds(context, db):
    """QuietTable.add_plain_rows (a page's rows at once) leaves the table as add_row does."""
    rows = [(str(n), [Text(f"cell {n}"), Text(str(n))]) for n in range(1, 6)]
    rows.append(("6", [Text("short row")]))
    app = SmtpApp(context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tables_made = []
        for add in ("one by one", "at once"):
            table = tables.QuietTable()
            await app.screen.mount(table)
            table.add_columns("A", "B")
            if add == "one by one":
                for key, cells in rows:
                    table.add_row(*cells, key=key)
            else:
                table.add_plain_rows(rows)
            await settle(pilot)
            tables_made.append(table)
        one_by_one, at_once = tables_made
        for key, _ in rows:
            assert at_once.get_row(key) == one_by_one.get_row(key)
            assert at_once.rows[key].height == 1 and at_once.rows[key] == one_by_one.rows[key]
        assert at_once._row_locations._forward == one_by_one._row_locations._forward
        assert at_once.cursor_coordinate == one_by_one.cursor_coordinate
        assert at_once.virtual_size == one_by_one.virtual_size
        with pytest.raises(DuplicateKey):
            at_once.add_plain_rows([("3", [Text("again")])])
        with pytest.raises(ValueError):
            at_once.add_plain_rows([("7", [Text("a"), Text("b"), Text("c")])])
