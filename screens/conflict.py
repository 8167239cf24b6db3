"""Someone saved the account while it was open here: reload theirs, overwrite, or keep editing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from smtp_tui import styles
from smtp_tui.errors import StaleEdit
from smtp_tui.screens.literal import literal


class StaleEditModal(ModalScreen[str]):
    """Dismisses with "reload", "overwrite" or "keep"."""

    CSS_PATH = styles.SCREENS

    BINDINGS = [
        Binding("r", "choose('reload')", "Reload theirs"),
        Binding("o", "choose('overwrite')", "Overwrite"),
        Binding("escape,k", "choose('keep')", "Keep editing"),
    ]

    def __init__(self, conflict: StaleEdit):
        super().__init__(classes="modal-dialog")
        self.conflict = conflict

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Label("Changed by someone else", classes="title")
            yield Label(literal(self.conflict, lines=True), classes="question")
            with Horizontal(classes="buttons"):
                yield Button("Reload theirs (r)", id="reload")
                yield Button("Overwrite (o)", variant="error", id="overwrite")
                yield Button("Keep editing (k)", variant="primary", id="keep")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
