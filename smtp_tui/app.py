"""The Textual application: its styles, its screens and its command palette."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

import styles
from screens.commands import ScreenActions
from screens.report import ReportScreen
from smtp_tui import __version__
from smtp_tui.context import AppContext


class SmtpApp(App):
    TITLE = "smtp-tui"
    SUB_TITLE = f"smtp-tui {__version__}"
    CSS_PATH = styles.REPORT  # the other screens bring their own (styles.SCREENS)
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True)]

    def __init__(self, context: AppContext):
        super().__init__()
        self.context = context

    def on_mount(self) -> None:
        self.push_screen(ReportScreen())
