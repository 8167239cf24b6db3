"""The frame every record form shares: rows with their errors, ctrl+s to save, escape to cancel."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioSet, Select

from smtp_tui import styles
from smtp_tui.errors import DATABASE_ERRORS, ServiceError, ValidationFailed
from smtp_tui.screens.confirm import ConfirmModal
from smtp_tui.screens.literal import literal, notify
from smtp_tui.screens.widgets import FormRow


class RecordForm(ModalScreen[int | None]):
    """Dismisses with the saved record's id (an account's code), or None when cancelled.

    Subclasses yield their rows from `body`, read the form in `snapshot`, and save in `submit`,
    which raises the services' errors; this class shows them where they belong.
    """

    CSS_PATH = styles.SCREENS

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Validate and save"),
        Binding(
            "escape",
            "cancel",
            "Cancel",
            tooltip="Close without saving (asks first if you changed something)",
        ),
    ]
    title_text = ""
    TALL = False  # a long form takes the whole height and scrolls

    def __init__(self):
        super().__init__(classes="modal-dialog")
        self._initial: object = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form tall" if self.TALL else "dialog form"):
            # literal(): titles name records.
            yield Label(literal(self.title_text), classes="title")
            with VerticalScroll(id="form-body"):
                yield from self.body()
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield from self.extra_buttons()
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def body(self) -> ComposeResult:
        raise NotImplementedError

    def extra_buttons(self) -> ComposeResult:
        """Buttons beside Save, for forms that offer more (the account form's Test)."""
        yield from ()

    def snapshot(self) -> object:
        """The form's current values, compared with the first ones to tell a change."""
        raise NotImplementedError

    def submit(self) -> int:
        """Save through the service; return the id to dismiss with."""
        raise NotImplementedError

    def field_errors(self) -> dict[str, str] | None:
        """Every field's error as a save would say it, without saving; None for a form that
        cannot tell before it saves."""
        return None

    @on(Input.Changed)
    @on(Select.Changed)
    @on(RadioSet.Changed)
    def _control_changed(self) -> None:
        self.recheck(set())

    def recheck(self, fields: set[str]) -> None:
        """The errors shown, and those of `fields`, as they are now: an error goes as soon as
        its field is right, however it got right (typed, chosen, or filled by `New…`)."""
        rows = {row.field: row for row in self.query(FormRow)}
        checked = fields | {field for field, row in rows.items() if row.has_class("-invalid")}
        if not checked:
            return
        errors = self.field_errors()
        if errors is None:
            return
        for field in checked & rows.keys():
            rows[field].show_error(errors.get(field))

    def handle_refusal(self, refusal: ServiceError) -> bool:
        """A hook for refusals a form resolves itself (a stale edit); True when handled."""
        return False

    def on_mount(self) -> None:
        for row in self.query(FormRow):
            row.show_error(None)
        self._initial = self.snapshot()
        first = self.query("#form-body Input, #form-body RadioSet, #form-body TextArea")
        if first:
            first.first().focus()

    @property
    def changed(self) -> bool:
        return self.snapshot() != self._initial

    def show_errors(self, errors: dict[str, str]) -> None:
        """Every error under its field; focus goes to the first bad field."""
        rows = list(self.query(FormRow))
        for row in rows:
            row.show_error(errors.get(row.field))
        first = next((row for row in rows if row.field in errors), None)
        if first is not None:
            control = first.query("Input, RadioSet, Select").first()
            control.focus()
            self.query_one("#form-body").scroll_to_widget(first, animate=False)
        unplaced = [msg for field, msg in errors.items() if field not in {r.field for r in rows}]
        if unplaced:
            notify(self, " ".join(unplaced), title="Not saved", severity="error", timeout=10)

    def action_save(self) -> None:
        try:
            record_id = self.submit()
        except ValidationFailed as failure:
            self.show_errors(failure.errors)
        except ServiceError as refusal:
            if not self.handle_refusal(refusal):
                notify(self, refusal, title="Not saved", severity="error", timeout=10)
        except DATABASE_ERRORS as exc:
            notify(
                self,
                f"Cannot write to the database: {exc}",
                title="Not saved",
                severity="error",
                timeout=10,
            )
        else:
            self.after_save(record_id)

    def after_save(self, record_id: int) -> None:
        """What follows a save: closing, unless a form has something to offer first."""
        self.dismiss(record_id)

    def action_cancel(self) -> None:
        if not self.changed:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmModal("Discard your changes?", yes="Discard", no="Keep editing"), answered
        )

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
