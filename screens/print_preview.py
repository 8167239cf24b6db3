"""Print: the print-ready document, previewed; then to the printer, or saved to a file."""

from __future__ import annotations

import subprocess
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea

from smtp_tui import files, styles
from smtp_tui.accounts import Filters, Sort
from smtp_tui.reports import printing
from smtp_tui.screens.literal import literal, notify, shown


class PrintPreviewScreen(ModalScreen[None]):
    CSS_PATH = styles.SCREENS

    BINDINGS = [
        Binding(
            "p", "print_document", "Print", priority=True, tooltip="Send to the system printer"
        ),
        Binding(
            "s,ctrl+s",
            "save_document",
            "Save",
            priority=True,
            tooltip="Save the document as a text file",
        ),
        Binding("escape", "dismiss", "Close"),
    ]

    def __init__(self, filters: Filters, sort: Sort, directory: Path | None = None):
        super().__init__(classes="modal-dialog")
        self.document = printing.render(filters, sort)
        self.directory = directory or Path.cwd()

    def compose(self) -> ComposeResult:
        pages = len(self.document.pages)
        with Vertical(classes="dialog form tall print-preview"):
            yield Label(
                f"Print preview · {pages} page{'s' if pages != 1 else ''} of "
                f"{printing.PAGE_WIDTH} columns",
                classes="title",
            )
            text = self.document.text.replace(printing.FORM_FEED, "─" * 40 + " page break")
            yield TextArea(shown(text, lines=True), read_only=True, soft_wrap=False, id="document")
            yield Label(id="print-status", classes="hint")
            with Horizontal(classes="buttons"):
                printer = printing.printer_command()
                yield Button(
                    "Print (p)",
                    variant="primary",
                    id="print",
                    compact=True,
                    disabled=printer is None,
                )
                yield Button("Save to file (s)", id="save-file", compact=True)
                yield Button("Close (esc)", id="close", compact=True)

    def on_mount(self) -> None:
        printer = printing.printer_command()
        self.query_one("#print-status", Label).update(
            literal(
                f"Printer: {' '.join(printer)}"
                if printer
                else "No printer on this system (no lp or lpr): save it to a file instead."
            )
        )
        self.query_one(TextArea).focus()

    def action_print_document(self) -> None:
        try:
            said = printing.send_to_printer(self.document)
        except (OSError, subprocess.SubprocessError) as exc:
            path = self._save()
            # Otherwise _save said why it could not save either.
            if path is not None:
                notify(
                    self,
                    f"Could not print ({exc}); saved to {path} instead.",
                    severity="warning",
                    timeout=10,
                )
            return
        # The spooler's words.
        notify(self, said, title="Printing")

    def action_save_document(self) -> None:
        path = self._save()
        if path is not None:
            notify(self, f"Saved the document to {path}.", title="Saved", timeout=10)

    def _save(self) -> Path | None:
        path = self.directory / printing.default_file_name()
        try:
            printing.save(self.document, path)
        except OSError as exc:
            notify(self, files.message(path, exc), severity="error")
            return None
        self.query_one("#print-status", Label).update(literal(f"Saved to {path}"))
        return path

    @on(Button.Pressed, "#print")
    def _print_pressed(self) -> None:
        self.action_print_document()

    @on(Button.Pressed, "#save-file")
    def _save_pressed(self) -> None:
        self.action_save_document()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.dismiss()
