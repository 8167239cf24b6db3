"""An account's test e-mails, newest first; enter shows one's transcript."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from smtp_tui import proofs, styles, verdicts
from smtp_tui.errors import DATABASE_ERRORS
from smtp_tui.screens.column_fit import FittedTable
from smtp_tui.screens.fitting_log import FittingLog
from smtp_tui.screens.literal import literal, literal_text, notify

if TYPE_CHECKING:
    from smtp_tui.store.models import TestRun


HEADERS = ("When (UTC)", "Who", "Mode", "Outcome", "Recipient", "Took", "Summary")


class TranscriptScreen(ModalScreen[None]):
    CSS_PATH = styles.SCREENS

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, title: str, transcript: str):
        super().__init__(classes="modal-dialog")
        self.title_text, self.transcript = title, transcript

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form tall"):
            yield Label(literal(self.title_text), classes="title")
            yield FittingLog(id="transcript", wrap=True, markup=False)
            yield Label("escape closes", classes="hint")

    def on_mount(self) -> None:
        log = self.query_one(FittingLog)
        log.write_fitting(
            literal_text(
                self.transcript
                or "(no transcript: the attempt was cancelled before the server answered)",
                lines=True,
            )
        )
        log.focus()


class ProofHistoryScreen(ModalScreen[None]):
    CSS_PATH = styles.SCREENS
    # An outcome's look: proof-history--passed or --failed, styled in modals.tcss.
    COMPONENT_CLASSES = {"proof-history--passed", "proof-history--failed"}
    __test__ = False

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("enter", "show", "Transcript", show=False),
    ]

    def __init__(self, code: int, name: str):
        super().__init__(classes="modal-dialog")
        self.code, self.name_text = code, name
        self.runs: list[TestRun] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form tall"):
            yield Label(
                literal(f"Test e-mails of '{self.name_text}' (code {self.code})"), classes="title"
            )
            yield FittedTable(HEADERS, id="history")
            yield Label("enter shows the transcript · escape closes", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one(FittedTable)
        try:
            self.runs = proofs.history(self.code)
        except DATABASE_ERRORS as exc:
            notify(self, f"Cannot read the database: {exc}", severity="error")
        self._fill(table)
        table.focus()
        self.app.theme_changed_signal.subscribe(self, self._restyle)

    def _fill(self, table: FittedTable) -> None:
        rows: list[tuple[str | None, list[Text]]] = []
        for run in self.runs:
            outcome = run.outcome + (f" at {run.step}" if run.step else "")
            # The mark stays in sight at 80 columns; the summary, often cut there, has the date.
            outcome += verdicts.certificate_mark(run.certificate_expires_at)
            look = "passed" if verdicts.passed(run.outcome) else "failed"
            style = self.get_component_rich_style(f"proof-history--{look}", partial=True)
            cells = [
                Text(f"{run.started_at:%Y-%m-%d %H:%M:%S}"),
                literal_text(run.started_by),
                literal_text(proofs.MODE_LABELS.get(run.mode, run.mode)),
                literal_text(outcome, style=style),
                literal_text(run.recipient),
                Text(f"{run.duration_ms / 1000:.1f} s"),
                literal_text(
                    " · ".join(
                        part
                        for part in (
                            verdicts.certificate_note(run.certificate_expires_at),
                            run.summary,
                        )
                        if part
                    )
                ),
            ]
            rows.append((str(run.id), cells))
        table.show(rows)
        if not self.runs:
            self.query_one(".hint", Label).update(
                "No test e-mail yet: press t on the report to send one. · escape closes"
            )

    def _restyle(self, _theme: object) -> None:
        # A cell keeps the style it was added with: the new theme's colours need new cells.
        self._fill(self.query_one(FittedTable))

    def on_data_table_row_selected(self) -> None:
        self.action_show()

    def action_show(self) -> None:
        table = self.query_one(FittedTable)
        if not self.runs:
            return
        run = self.runs[table.cursor_row]
        self.app.push_screen(
            TranscriptScreen(
                f"Test of {run.started_at:%Y-%m-%d %H:%M:%S} UTC · {run.outcome}", run.transcript
            )
        )
