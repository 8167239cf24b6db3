"""Scroll bars drawn in as few pieces as they look: cheap on a slow terminal link."""

from __future__ import annotations

from rich.segment import Segment, Segments
from textual.scrollbar import ScrollBarRender


class CompactScrollBarRender(ScrollBarRender):
    """Textual's scroll bar, its horizontal bar in runs of one style.

    Textual draws a horizontal bar one cell at a time, each with its full colours: 2.7 KiB
    on the wire for the 80 cells of the report's bar, repainted with every layout of the
    screen (bench/results.md). The same cells, merged where their looks (and their click
    actions) are the same, take a few hundred bytes. A vertical bar is one cell per line
    already.
    """

    @classmethod
    def render_bar(cls, *args, **kwargs) -> Segments:
        bar = super().render_bar(*args, **kwargs)
        if bar.new_lines:
            return bar
        return Segments(Segment.simplify(bar.segments), new_lines=False)
