"""A list screen for registered things (credentials, connectors): add, edit, delete."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from smtp_tui import styles
from smtp_tui.errors import DATABASE_ERRORS
from smtp_tui.screens.confirm import ConfirmModal
from smtp_tui.screens.feedback import FAILED, attempt
from smtp_tui.screens.help import HelpScreen
from smtp_tui.screens.literal import literal_text, notify
from smtp_tui.screens.tables import QuietTable


class RecordListScreen(Screen):
    """Subclasses say what the records are: their columns, how to list, edit and delete one."""

    CSS_PATH = styles.SCREENS

    TITLE = ""
    NOUN = "record"
    COLUMNS: tuple[str, ...] = ()
    BINDINGS = [
        Binding("n,plus", "new", "New"),
        Binding("e", "edit", "Edit", tooltip="Edit the highlighted one (also enter)"),
        Binding("delete", "delete", "Delete", tooltip="Delete the highlighted one, after asking"),
        Binding("escape,q", "close", "Back", tooltip="Back to the report"),
        Binding("question_mark", "help", "Help", tooltip="Every key of this screen"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(id="records-hint")
        yield QuietTable(cursor_type="row", zebra_stripes=True, id="records")
        yield Static(id="records-empty")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*self.COLUMNS)
        self.reload()
        table.focus()

    # What subclasses provide.
    def records(self) -> list:
        raise NotImplementedError

    def cells(self, record) -> list[str]:
        raise NotImplementedError

    def form(self, record=None) -> ModalScreen:
        raise NotImplementedError

    def delete_record(self, record_id: int) -> None:
        raise NotImplementedError

    def label(self, record) -> str:
        """How questions and messages name the record."""
        return f"'{record.name}'"

    def reload(self, keep_id: int | None = None) -> None:
        table = self.query_one(DataTable)
        keep_id = keep_id if keep_id is not None else self.highlighted_id
        table.clear()
        try:
            records = self.records()
        except DATABASE_ERRORS as exc:
            notify(self, f"Cannot read the database: {exc}", severity="error")
            records = []
        for record in records:
            table.add_row(*(literal_text(c) for c in self.cells(record)), key=str(record.id))
        empty = self.query_one("#records-empty", Static)
        empty.display = not records
        empty.update(f"No {self.NOUN}s registered yet. Press n to add one.")
        ids = [str(r.id) for r in records]
        if keep_id is not None and str(keep_id) in ids:
            table.move_cursor(row=ids.index(str(keep_id)))

    @property
    def highlighted_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        # every row's key is its record's id (None only for a row added without one)
        return int(key) if key is not None else None

    def _chosen(self):
        record_id = self.highlighted_id
        if record_id is None:
            self.notify(
                f"There is no {self.NOUN} here yet; press n to add one.", severity="warning"
            )
            return None
        return next((r for r in self.records() if r.id == record_id), None)

    def action_new(self) -> None:
        self.app.push_screen(self.form(), self._saved)

    def action_edit(self) -> None:
        record = self._chosen()
        if record is not None:
            self.app.push_screen(self.form(record), self._saved)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_edit()

    def _saved(self, record_id: int | None) -> None:
        if record_id is not None:
            self.reload(keep_id=record_id)

    def action_delete(self) -> None:
        record = self._chosen()
        if record is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            if attempt(self, "Not deleted", lambda: self.delete_record(record.id)) is FAILED:
                return
            notify(self, f"Deleted {self.NOUN} {self.label(record)}.")
            self.reload()

        self.app.push_screen(
            ConfirmModal(f"Delete the {self.NOUN} {self.label(record)}?", yes="Delete", no="Keep"),
            answered,
        )

    def action_close(self) -> None:
        self.dismiss()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self, self.TITLE))
