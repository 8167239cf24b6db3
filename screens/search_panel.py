"""The search panel of the report: seven filters, applied as the user types."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.timer import Timer
from textual.widgets import Button, Input, Label, RadioSet

from smtp_tui.accounts import TEXT_FILTERS, Filters, Status
from smtp_tui.screens import search_messages
from smtp_tui.screens.widgets import Choice, TextInput

DEBOUNCE_SECONDS = 0.25
STATUS_CHOICES: tuple[tuple[Status, str], ...] = (
    ("active", "Active"),
    ("inactive", "Inactive"),
    ("any", "Any"),
)


class SearchPanel(Grid):
    """Filters for the report. Posts `FiltersChanged` a moment after the user stops typing."""

    BINDINGS = [Binding("escape", "close", "Hide search", tooltip="Hide the search panel")]

    FiltersChanged = search_messages.FiltersChanged
    Closed = search_messages.Closed

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._debounce: Timer | None = None
        self.border_title = "Search"

    def compose(self) -> ComposeResult:
        yield Label("Code", classes="filter-label")
        yield TextInput(
            placeholder="number", restrict=r"[0-9]*", max_length=9, id="filter-code", compact=True
        )
        for field, label in TEXT_FILTERS.items():
            yield Label(label, classes="filter-label")
            yield TextInput(placeholder="contains…", id=f"filter-{field}", compact=True)
        yield Label("Status", classes="filter-label")
        with Horizontal(id="status-row"):
            yield Choice(list(STATUS_CHOICES), "any", id="filter-status")
            yield Button("Clear ctrl+l", id="clear-filters", compact=True)

    @property
    def filters(self) -> Filters:
        code = self.query_one("#filter-code", Input).value
        return Filters(
            code=int(code) if code else None,
            status=self.query_one(Choice).value or "any",
            **{f: self.query_one(f"#filter-{f}", Input).value for f in TEXT_FILTERS},
        )

    def focus_first(self) -> None:
        self.query_one("#filter-name", Input).focus()

    def clear(self) -> None:
        """Empty every filter; the report follows through the usual FiltersChanged."""
        for field in ("code", *TEXT_FILTERS):
            self.query_one(f"#filter-{field}", Input).value = ""
        self.query_one(Choice).value = "any"
        self._changed()

    def _changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._post_filters)

    def _post_filters(self) -> None:
        self.post_message(self.FiltersChanged(self.filters))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter applies at once, without waiting for the debounce.
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._post_filters()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self._changed()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.clear()

    def action_close(self) -> None:
        self.post_message(self.Closed())
