"""The DataTable every list screen uses: one that draws nothing when the mouse only moves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from textual import events
from textual.geometry import Region, Size
from textual.widgets import DataTable


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
