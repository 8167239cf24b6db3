"""Download: choose CSV, JSON or XLSX and a path; the whole filtered report is written there."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, ProgressBar, RadioSet
from textual.worker import get_current_worker

from smtp_tui import files
from smtp_tui.accounts import Filters, Sort
from smtp_tui.errors import DATABASE_ERRORS
from smtp_tui.reports.export import FORMATS, default_file_name, export_to_file
from smtp_tui.screens.confirm import ConfirmModal
from smtp_tui.screens.forms import RecordForm
from smtp_tui.screens.literal import literal, notify
from smtp_tui.screens.widgets import Choice, FormRow, TextInput

if TYPE_CHECKING:
    from smtp_tui.app import SmtpApp


class DownloadModal(RecordForm):
    """Dismisses with the number of rows written (through the RecordForm contract), or None."""

    # Textual's `app` property, typed as this application (an annotation, for the type checker)
    app: SmtpApp

    title_text = "Download the report"

    def __init__(self, filters: Filters, sort: Sort):
        super().__init__()
        self.filters, self.sort = filters, sort
        self.path_typed = False

    def body(self) -> ComposeResult:
        yield Label(
            literal(
                f"Every page of the report"
                f"{' · ' + self.filters.describe() if not self.filters.is_empty() else ''}"
                f" · sorted by {self.sort.column}"
            ),
            classes="hint",
        )
        yield FormRow(
            "Format",
            Choice([(f, f.upper()) for f in FORMATS], "csv", id="f-format"),
            field="format",
        )
        yield FormRow(
            "Save as",
            TextInput(
                default_file_name("csv"),
                id="f-path",
                compact=True,
                tooltip="Relative to the current directory",
            ),
            field="path",
            required=True,
        )
        with Horizontal(id="progress-row"):
            yield ProgressBar(id="progress", show_eta=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#progress-row").display = False

    @on(RadioSet.Changed, "#f-format")
    def _format_changed(self) -> None:
        # Follow the format with the suggested name.
        if not self.path_typed:
            fmt = self.query_one("#f-format", Choice).value
            with self.prevent(Input.Changed):
                self.query_one("#f-path", Input).value = default_file_name(fmt)

    @on(Input.Changed, "#f-path")
    def _path_typed(self, event: Input.Changed) -> None:
        if event.input.has_focus:
            self.path_typed = True

    def snapshot(self) -> tuple[str, str]:
        return self.query_one("#f-format", Choice).value, self.query_one("#f-path", Input).value

    def action_save(self) -> None:
        """Ask before overwriting, then write in the background with a progress bar."""
        fmt, text = self.snapshot()
        if not text.strip():
            self.show_errors({"path": "Say where to save the report."})
            return
        path = Path(text.strip()).expanduser().absolute()
        try:
            where = files.target(path)
        except OSError as exc:
            self.show_errors({"path": files.message(path, exc)})
            return
        # A device or a FIFO is written into, nothing is replaced.
        if where.how == files.REPLACE:
            question = (
                f"{path} is a link to {where.path}, which exists. Replace that file?"
                if where.is_link
                else f"{path} exists. Replace it?"
            )

            def answered(replace: bool | None) -> None:
                if replace:
                    self._write(fmt, path)

            self.app.push_screen(ConfirmModal(question, yes="Replace", no="Keep it"), answered)
            return
        self._write(fmt, path)

    @work(thread=True, exclusive=True, group="download")
    def _write(self, fmt: str, path: Path) -> None:
        worker = get_current_worker()
        self.app.call_from_thread(self._started)
        try:
            with self.app.context.database.connection_context():
                count = export_to_file(fmt, path, self.filters, self.sort, progress=self._progress)
        except OSError as exc:
            self.app.call_from_thread(self.show_errors, {"path": files.message(path, exc)})
            return
        except DATABASE_ERRORS as exc:
            self.app.call_from_thread(
                notify, self, f"Cannot read the database: {exc}", severity="error"
            )
            return
        finally:
            self.app.call_from_thread(self._finished)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._done, count, path)

    def _progress(self, done: int, total: int) -> None:
        self.app.call_from_thread(
            self.query_one(ProgressBar).update, total=max(total, 1), progress=done
        )

    def _started(self) -> None:
        self.query_one("#progress-row").display = True
        self.query_one("#save", Button).disabled = True

    def _finished(self) -> None:
        self.query_one("#save", Button).disabled = False

    def _done(self, count: int, path: Path) -> None:
        notify(
            self,
            f"Saved {count} account{'s' if count != 1 else ''} to {path}.",
            title="Downloaded",
            timeout=8,
        )
        self.dismiss(count)
