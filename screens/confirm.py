"""A small yes/no question, answered with y/n, enter/escape or the mouse."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from smtp_tui import styles
from smtp_tui.screens.literal import literal


class ConfirmModal(ModalScreen[bool]):
    CSS_PATH = styles.SCREENS

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No"):
        super().__init__(classes="modal-dialog")
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Label(literal(self.question, lines=True), classes="question")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button(f"{self.no} (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        # The safe answer is the default.
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class NoticeModal(ModalScreen[None]):
    """Something the user must read before going on (a delete that cannot be done, and why):
    stays until dismissed, where a notification fades."""

    CSS_PATH = styles.SCREENS

    BINDINGS = [Binding("enter,escape", "close", "Close")]

    def __init__(self, message: str, *, title: str = ""):
        super().__init__(classes="modal-dialog")
        self.message, self.title_text = message, title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            if self.title_text:
                yield Label(literal(self.title_text), classes="title")
            # literal(): the message names records.
            yield Label(literal(self.message, lines=True), classes="question")
            with Horizontal(classes="buttons"):
                yield Button("Close (enter)", variant="primary", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
