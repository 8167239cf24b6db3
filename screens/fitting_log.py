"""A RichLog whose lines wrap to the box it is in, and wrap again when the box changes width.

RichLog renders a write at `min_width` (78 by default) even in a narrower box, so at 80x24 a
transcript in a 74-column box lost the words past its right edge ("Name or service not known"
lost "Name"). Here a write is as wide as the box, never wider, and what was written is kept
so that a resize rewraps it: no word is ever cut off.
"""

from __future__ import annotations

from typing import Self

from rich.console import RenderableType
from textual.events import Resize
from textual.widgets import RichLog


class FittingLog(RichLog):
    DEFAULT_CSS = """
    FittingLog {
        /* The scroll bar's column is kept from the start: a line wrapped before the log
           needed a scroll bar is not cut when one appears. */
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(min_width=1, **kwargs)
        self.written: list[RenderableType] = []
        self._wrapped_for = 0

    def write_fitting(self, content: RenderableType) -> None:
        """Write `content` wrapped to the box, and keep it to rewrap on a resize."""
        self.written.append(content)
        self.write(content)

    def clear(self) -> Self:
        self.written = []
        return super().clear()

    def on_resize(self, event: Resize) -> None:
        width = self.scrollable_content_region.width
        if self._wrapped_for and width != self._wrapped_for and self.written:
            written = self.written
            super().clear()
            self.written = written
            for content in written:
                self.write(content)
        self._wrapped_for = width
