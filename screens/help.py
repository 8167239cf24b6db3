"""Every key of the screen underneath, with what it does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label

from smtp_tui import styles
from smtp_tui.screens.keys import key_actions
from smtp_tui.screens.tables import QuietTable

APP_KEYS = (("ctrl+p", "Command palette: every action by name"), ("ctrl+q", "Quit smtp-tui"))


class KeysTable(QuietTable):
    """Keys and what they do; a description wraps to the width there is, none is cut."""

    def __init__(self, keys: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.keys = keys
        self._laid_out_for = 0

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._laid_out_for:
            self._laid_out_for = width
            self._lay_out(width)

    def _lay_out(self, width: int) -> None:
        row = self.cursor_row
        keys_width = max(len(keys) for keys, _ in self.keys)
        # What the keys leave, less each column's padding on both sides.
        does_width = max(20, width - keys_width - 4 * self.cell_padding)
        self.clear(columns=True)
        self.add_column("Key", key="key", width=keys_width)
        self.add_column("Does", key="does", width=does_width)
        for keys, does in self.keys:
            # height None: as many lines as the description takes at that width.
            self.add_row(Text(keys, style="bold"), Text(does), height=None)
        self.move_cursor(row=row, animate=False)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = styles.SCREENS

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close help")]

    def __init__(self, screen: Screen, title: str):
        super().__init__(classes="modal-dialog")
        self.described, self.title_text = screen, title

    def compose(self) -> ComposeResult:
        keys = [(item.keys, item.tooltip) for item in key_actions(self.described)]
        with Vertical(classes="dialog help"):
            yield Label(f"Keys of the {self.title_text}", classes="title")
            yield KeysTable([*keys, *APP_KEYS], id="help-keys")
            yield Label("escape closes this help", classes="hint")

    def on_mount(self) -> None:
        self.query_one(KeysTable).focus()
