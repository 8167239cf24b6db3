"""Every key of the screen underneath, with what it does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label

from smtp_tui import styles
from smtp_tui.screens.keys import key_actions
from smtp_tui.screens.tables import QuietTable

APP_KEYS = (("ctrl+p", "Command palette: every action by name"), ("ctrl+q", "Quit smtp-tui"))


class HelpScreen(ModalScreen[None]):
    CSS_PATH = styles.SCREENS

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close help")]

    def __init__(self, screen: Screen, title: str):
        super().__init__(classes="modal-dialog")
        self.described, self.title_text = screen, title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Label(f"Keys of the {self.title_text}", classes="title")
            yield QuietTable(cursor_type="row", zebra_stripes=True, id="help-keys")
            yield Label("escape closes this help", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Does")
        for item in key_actions(self.described):
            table.add_row(Text(item.keys, style="bold"), Text(item.tooltip))
        for keys, does in APP_KEYS:
            table.add_row(Text(keys, style="bold"), Text(does))
        table.focus()
