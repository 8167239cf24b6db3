"""The test e-mail window: send through the account (or only check the connection), watch the
SMTP dialogue as it happens, and read a clear verdict."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Self

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from smtp_tui import glyphs, proofs, styles
from smtp_tui.errors import DATABASE_ERRORS, ServiceError, ValidationFailed
from smtp_tui.mail.compose import TEST_BODY, TEST_SUBJECT
from smtp_tui.mail.transcript import MARKS, Line
from smtp_tui.screens.fitting_log import FittingLog
from smtp_tui.screens.literal import literal, literal_text, show_verdict
from smtp_tui.screens.widgets import FormRow, TextEditor, TextInput
from smtp_tui.validation import AccountInput

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.worker import Worker

    from smtp_tui.app import SmtpApp


class TranscriptLog(FittingLog):
    """The dialogue, each line looking as its kind: the component class transcript-log--<kind>,
    styled in modals.tcss with the theme's variables; wrapped to its box, every word kept."""

    COMPONENT_CLASSES = {f"transcript-log--{kind}" for kind in MARKS}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(wrap=True, markup=False, highlight=False, id=id)
        self.shown: list[Line] = []

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._restyle)

    def add(self, line: Line) -> None:
        self.shown.append(line)
        style = self.get_component_rich_style(f"transcript-log--{line.kind}", partial=True)
        self.write_fitting(literal_text(line, style=style))

    def clear(self) -> Self:
        self.shown = []
        return super().clear()

    def _restyle(self, _theme: object) -> None:
        # A written line keeps the style it was written with: a new theme's colours rewrite it.
        lines = self.shown
        self.clear()
        for line in lines:
            self.add(line)


class ProofScreen(ModalScreen[bool]):
    """Dismisses with True when at least one attempt was made (the report then refreshes)."""

    # Textual's `app` property, typed as this application (an annotation, for the type checker)
    app: SmtpApp

    CSS_PATH = styles.SCREENS

    __test__ = False

    BINDINGS = [
        Binding("ctrl+s", "send", "Send", tooltip="Send the test e-mail"),
        Binding(
            "ctrl+o",
            "check",
            "Check only",
            tooltip="Check the connection, login, sender and recipient; "
            "stop before DATA (no message sent)",
        ),
        Binding(
            "escape",
            "cancel",
            "Cancel/close",
            tooltip="Stop the attempt at once, or close the window",
        ),
    ]

    def __init__(self, data: AccountInput, *, code: int | None, saved=None, name: str = ""):
        super().__init__(classes="modal-dialog")
        self.data, self.code, self.saved = data, code, saved
        self.title_text = f"Test e-mail · {name or data.name}" + (
            "" if code else " (not saved yet)"
        )
        self.attempted = False
        self._worker: Worker[None] | None = None
        self._proving: proofs.Proving | None = None
        self._ticking: Timer | None = None
        self._timeout = 0.0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form tall test-email"):
            yield Label(literal(self.title_text), classes="title")
            yield Static(id="test-warnings", classes="warning-line")
            yield FormRow(
                "Recipient",
                TextInput(id="f-recipient", placeholder="you@example.com", compact=True),
                field="recipient",
                required=True,
            )
            yield FormRow(
                "Subject", TextInput(TEST_SUBJECT, id="f-subject", compact=True), field="subject"
            )
            yield FormRow(
                "Body",
                TextEditor(TEST_BODY, id="f-body", soft_wrap=True, compact=True),
                field="body",
            )
            yield FormRow(
                "Secret for this test",
                Input(
                    password=True,
                    select_on_focus=False,
                    id="f-secret",
                    compact=True,
                    placeholder="the settings changed: type the secret",
                ),
                field="secret",
            )
            yield TranscriptLog(id="transcript")
            yield Static(id="waiting")
            yield Static(id="verdict")
            with Horizontal(classes="buttons"):
                yield Button("Send (ctrl+s)", variant="primary", id="send", compact=True)
                yield Button("Check only (ctrl+o)", id="check", compact=True)
                yield Button("Close (esc)", id="close", compact=True)

    def on_mount(self) -> None:
        for row in self.query(FormRow):
            row.show_error(None)
        self.query_one("#verdict").display = False
        self.query_one("#waiting").display = False
        self.query_one("#row-secret").display = proofs.needs_typed_secret(self.data, self.saved)
        warnings = []
        sign = glyphs.current().warning
        if not self.data.secure:
            warnings.append(
                f"{sign} No secure connection: the dialogue and any password travel in clear."
            )
        if self.data.secure and self.data.ignore_cert_errors:
            warnings.append(
                f"{sign} Certificate errors are ignored: the server's identity is not checked."
            )
        self.query_one("#test-warnings", Static).update("\n".join(warnings))
        self.query_one("#test-warnings").display = bool(warnings)
        self.query_one("#f-recipient", Input).focus()

    # Running an attempt ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.is_running

    def action_send(self) -> None:
        self._start(check_only=False)

    def action_check(self) -> None:
        self._start(check_only=True)

    def _start(self, *, check_only: bool) -> None:
        if self.running:
            self.notify("A test is already running; escape stops it.", severity="warning")
            return
        for row in self.query(FormRow):
            row.show_error(None)
        try:
            attempt = proofs.prepare(
                self.data,
                self.app.context.vault,
                to=self.query_one("#f-recipient", Input).value,
                subject=self.query_one("#f-subject", Input).value,
                body=self.query_one("#f-body", TextArea).text,
                check_only=check_only,
                account_code=self.code,
                saved=self.saved,
                typed_secret=self.query_one("#f-secret", Input).value or None,
            )
        except ValidationFailed as failure:
            self._show_refusal(failure.errors)
            return
        except (ServiceError, *DATABASE_ERRORS) as exc:
            self._verdict(False, str(exc))
            return
        self.query_one(TranscriptLog).clear()
        self.query_one("#verdict").display = False
        self._proving, self._timeout = None, attempt.server.timeout
        self._set_running(True)
        self._worker = self._run(attempt)

    def _show_refusal(self, errors: dict[str, str]) -> None:
        # The window's own fields (recipient, subject, body): each error under its field.
        mine = set()
        for row in self.query(FormRow):
            mine.add(row.field)
            if row.field in errors:
                row.show_error(errors[row.field])
        if "recipient" in errors:
            self.query_one("#f-recipient", Input).focus()
        if set(errors) - mine:
            self._verdict(
                False,
                "The account's settings are not valid: "
                + " ".join(msg for field, msg in errors.items() if field not in mine),
            )

    @work(exclusive=True, group="test-email")
    async def _run(self, attempt: proofs.Attempt) -> None:
        self.attempted = True
        proving = self._proving = proofs.Proving(attempt)
        try:
            outcome = await proving.run(on_line=self._line)
        except asyncio.CancelledError:
            stopped = proving.elapsed
            self._line(Line("error", "Cancelled: the connection was closed.", stopped))
            self._verdict(
                False,
                f"Cancelled after {stopped:.1f} s: the test was stopped before it finished.",
                note=proving.note,
            )
            self._set_running(False)
            raise
        self._verdict(
            outcome.ok,
            outcome.verdict,
            outcome.failure.hint if outcome.failure else "",
            note=proving.note,
        )
        self._set_running(False)

    def _line(self, line: Line) -> None:
        self.query_one(TranscriptLog).add(line)

    def _verdict(self, ok: bool, text: str, hint: str = "", note: str | None = None) -> None:
        show_verdict(self.query_one("#verdict", Static), ok, text, hint, note)

    def _set_running(self, running: bool) -> None:
        # A server that does not answer shows nothing for up to its timeout: a line counts the
        # seconds meanwhile (one line, once a second).
        if self._ticking is not None:
            self._ticking.stop()
            self._ticking = None
        waiting = self.query_one("#waiting", Static)
        waiting.display = running
        if running:
            self._tick()
            self._ticking = self.set_interval(1.0, self._tick)
        self.query_one("#send", Button).disabled = running
        self.query_one("#check", Button).disabled = running
        self.query_one("#close", Button).label = "Stop (esc)" if running else "Close (esc)"

    def _tick(self) -> None:
        elapsed = self._proving.elapsed if self._proving is not None else 0.0
        self.query_one("#waiting", Static).update(
            f"Running… {round(elapsed)} s (a step gives up after {self._timeout:g} s; esc stops)"
        )

    def action_cancel(self) -> None:
        if self._worker is not None and self._worker.is_running:
            self._worker.cancel()
        else:
            self.dismiss(self.attempted)

    @on(Button.Pressed, "#send")
    def _send_pressed(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#check")
    def _check_pressed(self) -> None:
        self.action_check()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_cancel()
