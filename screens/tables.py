"""The DataTable every list screen uses: one that draws nothing when the mouse only moves."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.widgets import DataTable
from textual.widgets._data_table import RowKey

SegmentLines = list[list[Segment]]


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

    def __init__(self, *args, **kwargs):
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
        return super().render_lines(crop)

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
        content = width - 2 * self.cell_padding
        if (
            not isinstance(cell, Text)
            or self.rows[row_key].height != 1
            or content < 1
            or "\n" in cell.plain
            or cell.justify in ("center", "full")
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
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
        style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        lines = [
            one_line(
                cell,
                content,
                self.cell_padding,
                style + component_style,
                post_style,
                self.app.console,
            )
        ]
        self._cell_render_cache[key] = lines
        return lines

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        # Stops DataTable's handler, which runs after this one (handlers run along the MRO)
        # and would move the hover highlight.
        event.prevent_default()

    def _set_hover_cursor(self, active: bool) -> None:
        # DataTable calls this at every key and click to show or hide the highlight under the
        # pointer, repainting that row each time; it is never shown here.
        self._show_hover_cursor = False

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
