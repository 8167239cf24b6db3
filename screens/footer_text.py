"""The footer text appended to each message of the accounts whose Footer is Yes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, TextArea

from smtp_tui import settings
from smtp_tui.screens.forms import RecordForm
from smtp_tui.screens.widgets import TextEditor


class FooterTextForm(RecordForm):
    title_text = "Footer text (one for all accounts)"

    def body(self) -> ComposeResult:
        yield Label(
            "Appended to every message sent through an account whose Footer is Yes.", classes="hint"
        )
        yield TextEditor(settings.get(settings.FOOTER), id="f-footer-text", soft_wrap=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(TextArea).focus()

    def snapshot(self) -> object:
        return self.query_one(TextArea).text

    def submit(self) -> int:
        settings.put(settings.FOOTER, self.query_one(TextArea).text)
        self.notify("Saved the footer text.")
        return 0
