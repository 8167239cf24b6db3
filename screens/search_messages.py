"""What the report's search panel tells the report, apart from the panel's widgets: the report
handles these without importing the panel (its inputs, radio buttons and text areas), which
it mounts on first use: a shorter start-up ("On screen", bench/results.md)."""

from __future__ import annotations

from textual.message import Message

from smtp_tui.accounts import Filters


# The namespace keeps the handler names of the panel's own nested classes they were
# (on_search_panel_filters_changed, on_search_panel_closed).
class FiltersChanged(Message, namespace="search_panel"):
    """The filters, a moment after the user stopped typing."""

    def __init__(self, filters: Filters):
        super().__init__()
        self.filters = filters


class Closed(Message, namespace="search_panel"):
    """The user dismissed the panel (escape)."""
