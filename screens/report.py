"""The report screen (placeholder until the report issue lands)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from smtp_tui import accounts


class ReportScreen(Screen):
    BINDINGS = [Binding("q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"SMTP accounts: {accounts.count()}", id="summary")
        yield Footer()
