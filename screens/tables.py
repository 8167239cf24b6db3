"""The DataTable every list screen uses: one that draws nothing when the mouse only moves."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import zip_longest

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._segment_tools import line_crop
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import DuplicateKey, Row, RowKey

SegmentLines = list[list[Segment]]
# A cell's place (row, column, cursor on it or not): its style, without and with the post
# style, the style of its text by the Text's own style, and the post style.
Place = tuple[Style, Style, dict, Style]
# Text styles kept by look (style, the Text's own, post style) before starting again.
STYLES_KEPT = 4096
# Lines of rows kept (a few screens' worth) before starting again.
STRIPS_KEPT = 1000


class QuietTable(DataTable):
    """A DataTable that repaints nothing when the pointer only moves over it.

    Textual asks the terminal for every mouse movement (any-motion tracking). On a DataTable
    each cell the pointer crossed repainted the rows under it (the hover highlight) and, as
    every cell carries click metadata that Textual takes for a link, the whole table (the
    hovered link's underline): 8 KiB per movement at 80x24, 46 KiB at 200x50, which fills a
    slow SSH link (bench/results.md, "Over the wire"). The keyboard cursor shows where one
    is; clicks, the wheel and header clicks work as before.
    """

    # DataTable's __init__ already refreshes.
    _rows_only = False
    _sized_for: tuple = ()
    _drawn_at: Size | None = None
    _frame_style: Style | None = None

    def __init__(self, *args, **kwargs):
        # Styles by place (row, column, cursor) and by look, the same on every page.
        self._place_styles: dict = {}
        self._places: dict = {}
        self._row_styles: dict = {}
        # Each body row's line, drawn (QuietTable._render_line).
        self._row_strips: dict = {}
        super().__init__(*args, **kwargs)
        self.auto_links = False

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Textual's layout hands a ScrollView its viewport as `virtual_size`, which never
        # equals a table's own, so every layout of the screen (a tooltip hidden, a label
        # resized) redrew both scroll bars: 1 KiB at 80x24. Only a change of the table's
        # size or of its own virtual size changes them.
        sized_for = (size, container_size, self.virtual_size)
        if sized_for == self._sized_for:
            # What Widget._scroll_update sets after the layout's arrangement, which counts a
            # reserved but empty gutter as content: a bar repaints only if its value changed.
            width, height = self.container_size
            if self.show_vertical_scrollbar:
                self.vertical_scrollbar.window_size = height - self.scrollbar_size_horizontal
            if self.show_horizontal_scrollbar:
                self.horizontal_scrollbar.window_size = width - self.scrollbar_size_vertical
            return False
        self._sized_for = sized_for
        return super()._size_updated(size, virtual_size, container_size, layout)

    def render_lines(self, crop: Region) -> list:
        self._drawn_at = self.size
        # DataTable works out the table's style (a walk up the DOM) for each line it draws.
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        if self._frame_style is None or self.fixed_rows:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        if y >= (self.header_height if self.show_header else 0):
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + self.size.width, self._frame_style)

    def _on_resize(self, event: events.Resize) -> None:
        # DataTable forgets every drawn cell at each Resize, even one of the size they were
        # drawn at: the one after the first layout had the whole table drawn twice at
        # start-up, the second time in the way of the first frame (bench/results.md).
        if event.size == self._drawn_at:
            event.prevent_default()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # DataTable measures every cell of every new row (Rich's measure, word by word) to
        # size its columns; a column of a given width, and a row one line high, need none of
        # it: only the virtual size is left to compute.
        if not any(column.auto_width for column in self.columns.values()) and not any(
            row.auto_height or row.label is not None for row in self.rows.values()
        ):
            new_rows = ()
        super()._update_dimensions(new_rows)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """A body cell of one line, drawn straight from its Text (the same cells as
        DataTable's, which puts every cell through Rich's console: padding, styling, wrapping
        and cropping, most of the time a page flip took; bench/results.md)."""
        if row_index < 0 or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        # DataTable's own key into its cache of cells.
        key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(key)
        if cached is not None:
            return cached
        cell = self._data[row_key][column_key]
        padding = self.cell_padding
        content = width - 2 * padding
        if (
            not isinstance(cell, Text)
            or self.rows[row_key].height != 1
            or content < 1
            or "\n" in cell.plain
            or cell.justify in ("center", "full")
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._body_cell_styles(cursor, hover)
        # The styles of a cell depend on its place, not on its text: kept across pages.
        places = self._row_places(base_style, component_style, post_style, row_index)
        place = places[column_index] or self._place(places, column_index, post_style)
        lines = [
            plain_line(cell, content, padding, place)
            or one_line(cell, content, padding, place[0], post_style, self.app.console)
        ]
        self._cell_render_cache[key] = lines
        return lines

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """A body row's line (the Line API), kept as long as its data, the table's layout and
        whether the cursor is on it stay: a cursor move draws the two rows it changes, a
        page the rows it brings, and a repaint of the whole table nothing new."""
        if self.fixed_columns or self.fixed_rows or self._labelled_row_exists:
            return super()._render_line(y, x1, x2, base_style)
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return Strip.blank(self.size.width, base_style)
        row_index = self._row_locations.get(row_key)
        if row_key is self._header_row_key or row_index is None or self.cursor_type != "row":
            return super()._render_line(y, x1, x2, base_style)
        width = self.size.width
        cursor = row_index == self.cursor_coordinate.row
        hover = row_index == self.hover_coordinate.row
        key = (
            row_key,
            row_index,
            line_no,
            x1,
            x2,
            width,
            cursor,
            hover,
            base_style,
            self.show_cursor,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        strip = self._row_strips.get(key)
        if strip is None:
            row = self._draw_row(row_key, row_index, line_no, base_style, cursor, hover, x1, x2)
            strip = Strip(row).adjust_cell_length(width, base_style)
            if len(self._row_strips) > STRIPS_KEPT:
                self._row_strips.clear()
            strip = self._row_strips[key] = strip.simplify()
        return strip

    def _draw_row(
        self,
        row_key: RowKey,
        row_index: int,
        line_no: int,
        base_style: Style,
        cursor: bool,
        hover: bool,
        x1: int,
        x2: int,
    ) -> list[Segment]:
        """The segments of a body row's line from `x1` on, as DataTable's _render_line draws
        them before cutting them to the table's width, with what is the same for every cell
        of the row worked out once, and no cell drawn that is out of sight (left of `x1`,
        right of `x2`)."""
        parity = (row_index % 2, self._pseudo_class_state, base_style)
        row_style = self._row_styles.get(parity)
        if row_style is None:
            row_style = self._row_styles[parity] = self._get_row_style(row_index, base_style)
        component_style, post_style = self._body_cell_styles(cursor, hover)
        places = self._row_places(row_style, component_style, post_style, row_index)
        padding = self.cell_padding
        cells = self._data[row_key]
        one_high = self.rows[row_key].height == 1
        segments: list[Segment] = []
        at = 0
        for index, column in enumerate(self.ordered_columns):
            width = 2 * padding + (column.content_width if column.auto_width else column.width)
            start, at = at, at + width
            if at <= x1 or start >= x2:
                continue
            cell = cells.get(column.key)
            if (
                not one_high
                or not isinstance(cell, Text)
                or width <= 2 * padding
                or "\n" in cell.plain
                or cell.justify in ("center", "full")
            ):
                line = self._render_cell(row_index, index, row_style, width, cursor, hover)[line_no]
            else:
                place = places[index] or self._place(places, index, post_style)
                content = width - 2 * padding
                line = plain_line(cell, content, padding, place) or one_line(
                    cell, content, padding, place[0], post_style, self.app.console
                )
            segments.extend(line if start >= x1 else line_crop(line, x1 - start, width, width))
        # The fill to the table's right edge, as DataTable draws it.
        fill = max(0, self.size.width - at)
        if fill and at + fill > x1:
            extend_style, _ = self._get_styles_to_render_cell(
                False, False, False, hover, cursor, self.show_cursor, False, False, False
            )
            fill_place = (row_style, extend_style, row_index)
            fill_style = self._place_styles.get(fill_place)
            if fill_style is None:
                fill_style = row_style + extend_style
                meta = {"row": row_index, "column": 0, "out_of_bounds": True}
                fill_style = self._place_styles[fill_place] = fill_style + Style.from_meta(meta)
            segments.append(Segment(" " * (at + fill - max(at, x1)), fill_style))
        return segments

    def _row_places(
        self, row_style: Style, component_style: Style, post_style: Style, row_index: int
    ) -> list:
        """The styles of each cell of a row's place (its index, its look, the cursor on it or
        not), drawn or not yet (None), the same on every page."""
        key = (row_style, component_style, post_style, row_index, len(self.columns))
        places = self._places.get(key)
        if places is None:
            if len(self._places) > STYLES_KEPT:
                self._places.clear()
            places = self._places[key] = [None] * len(self.columns)
            places.append((row_style, component_style, row_index))
        return places

    @staticmethod
    def _place(places: list, index: int, post_style: Style) -> Place:
        """The styles of the cell at `index` of a row's place."""
        row_style, component_style, row_index = places[-1]
        style = row_style + Style.from_meta({"row": row_index, "column": index})
        style += component_style
        place: Place = (style, style + post_style, {}, post_style)
        places[index] = place
        return place

    def _body_cell_styles(self, cursor: bool, hover: bool) -> tuple[Style, Style]:
        """DataTable's component and post styles of a body cell (its own cache)."""
        return self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._row_strips.clear()

    def notify_style_update(self) -> None:
        # A new theme or focus: other styles for the same places.
        self._place_styles.clear()
        self._places.clear()
        self._row_styles.clear()
        self._row_strips.clear()
        super().notify_style_update()

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        # Stops DataTable's handler, which runs after this one (handlers run along the MRO)
        # and would move the hover highlight.
        event.prevent_default()

    def _set_hover_cursor(self, active: bool) -> None:
        # DataTable calls this at every key and click to show or hide the highlight under the
        # pointer, repainting that row each time; it is never shown here.
        self._show_hover_cursor = False

    def add_plain_rows(self, rows: Iterable[tuple[str, Sequence[object]]]) -> None:
        """DataTable.add_row(*cells, key=key) for each (key, cells), rows one line high without
        labels, with what add_row does for the whole table (the cursor kept in the table,
        the update count, the call for an idle) done once, not once a row."""
        columns = [column.key for column in self.ordered_columns]
        was_empty = not self.rows
        added = 0
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            self._row_locations[row_key] = len(self.rows)
            self._data[row_key] = dict(zip_longest(columns, cells))
            self.rows[row_key] = Row(row_key, 1)
            self._new_rows.add(row_key)
            added += 1
        if not added:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    @contextmanager
    def rows_only(self) -> Iterator[None]:
        """Within: a repaint of the whole table repaints its rows, not its header and scroll
        bars, which replacing the rows leaves as they are (unless the table scrolled
        sideways meanwhile). DataTable.clear() repaints everything: at 80x24 the horizontal
        scroll bar alone is 2.7 KiB on the wire, one styled segment per cell."""
        scroll_x = self.scroll_x
        self._rows_only = True
        try:
            yield
        finally:
            self._rows_only = False
        if self.scroll_x != scroll_x:
            self.refresh()

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ):
        if self._rows_only and repaint and not (layout or recompose):
            header = self.header_height if self.show_header else 0
            width, height = self.scrollable_content_region.size
            rows = Region(0, header, width, max(0, height - header))
            # DataTable's own row refreshes span the table's virtual width, scroll bar and all.
            regions = tuple(region.intersection(rows) for region in regions) or (rows,)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


def plain_line(cell: Text, width: int, padding: int, place: Place) -> list[Segment] | None:
    """one_line() for the usual cell, a Text of one style (cut if need be, when it is plain
    ASCII): the same segments, made without copying the Text; None for any other cell."""
    look = cell.style
    if cell.spans or (look and not isinstance(look, Style)):
        return None
    justify = cell.justify or "default"
    plain = cell.plain
    if not plain.isprintable():
        return None
    # ASCII: one cell a character.
    simple = plain.isascii()
    if justify == "right":
        plain = plain.rstrip()
    length = len(plain) if simple else cell_len(plain)
    if length > width:
        overflow = cell.overflow or "fold"
        if not simple or overflow == "ignore":
            return None
        # Text.truncate's cut.
        plain = plain[: width - 1] + "…" if overflow == "ellipsis" else plain[:width]
        length = width
    style, blank, looks, post_style = place
    text_style = looks.get(look)
    if text_style is None:
        # Rich's Text draws its own style around its spans' when it draws a whole Text.
        text_style = looks[look] = (style + look if look else style) + post_style
    fill = 0
    if justify == "right":
        plain = " " * (width - length) + plain
    elif justify == "left":
        plain += " " * (width - length)
    else:
        fill = width - length
    edge = " " * padding
    segments = [Segment(edge, blank), Segment(plain, text_style)]
    if fill:
        segments.append(Segment(" " * fill, blank))
    segments.append(Segment(edge, blank))
    return segments


def one_line(
    cell: Text, width: int, padding: int, style: Style, post_style: Style, console: Console
) -> list[Segment]:
    """`cell` on one line `width` cells wide, between `padding` spaces each side, as Rich draws
    it through Styled(Padding(cell, (0, padding)), style, post_style) with no wrapping."""
    line = cell.copy()
    justify = cell.justify or "default"
    if justify == "right":
        line.rstrip()
        line.truncate(width, overflow=cell.overflow or "fold")
        line.pad_left(width - line.cell_len)
    else:
        line.truncate(width, overflow=cell.overflow or "fold", pad=justify == "left")
    blank = style + post_style
    # Rich's Text draws its own style around its spans' when it draws a whole Text.
    text_style = style + console.get_style(cell.style) if cell.style else style
    segments = [Segment(" " * padding, blank)]
    for text, segment_style, _ in line.render(console):
        segments.append(Segment(text, text_style + (segment_style or Style()) + post_style))
    if line.cell_len < width:
        segments.append(Segment(" " * (width - line.cell_len), blank))
    segments.append(Segment(" " * padding, blank))
    return segments
