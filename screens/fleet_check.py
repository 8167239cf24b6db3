"""The fleet check (`T` on the report): every account of the report's filter checked at once,
several at a time (connect, secure, log in, QUIT: no message is sent), each row filling in as
its check ends, stopped with escape. The checks are run and recorded by smtp_tui.checks; this
screen only lists the accounts (in a worker) and shows what comes back."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, ProgressBar

from smtp_tui import accounts, checks, glyphs, styles
from smtp_tui.accounts import Filters, Sort
from smtp_tui.errors import DATABASE_ERRORS, ServiceError
from smtp_tui.screens.column_fit import Width, cut, fit
from smtp_tui.screens.literal import literal, literal_text
from smtp_tui.screens.tables import QuietTable

if TYPE_CHECKING:
    from textual.worker import Worker

    from smtp_tui.app import SmtpApp

# Above this many accounts the check asks first: it opens that many connections to servers
# that may count logins.
CONFIRM_ABOVE = 20

# The verdict column's words (with the terminal's symbol): never a colour alone.
PASSED, FAILED, WAITING, STOPPED = "passed", "failed", "waiting", "– stopped"


class Column(NamedTuple):
    key: str
    header: str
    width: Width


# The values' widths: a verdict "✗ failed" or "– stopped", the longest step (STARTTLS), "12.3 s",
# a TLS version "1.3" or "none", a certificate's days "⚠ 10 d". Names and replies share the rest,
# the replies most: at 80 columns each still shows 15 characters.
COLUMNS = (
    Column("account", "Account", Width(20, least=10, share=1)),
    Column("verdict", "Result", Width(9)),
    Column("step", "Step", Width(8)),
    Column("reply", "Reply", Width(30, least=10, share=3)),
    Column("took", "Took", Width(6)),
    Column("tls", "TLS", Width(4)),
    Column("expires", "Cert", Width(7)),
)


def took(seconds: float) -> str:
    """A duration as the screen shows it: `8.4 s`."""
    return f"{seconds:.1f} s"


def utc_now() -> datetime:
    """Now, for the certificates' days left (checks.days_left and expiry_warning take it with
    or without its zone)."""
    return datetime.now(UTC)


def one_line(text: str) -> str:
    """A reply of several lines (a multi-line SMTP answer) on one line, for a table cell."""
    return " ".join(line.strip("\r") for line in text.split("\n") if line.strip("\r"))


class FleetCheckScreen(Screen[bool]):
    """Dismisses with True when any account was checked (the report then refreshes)."""

    # Textual's `app` property, typed as this application (an annotation, for the type checker)
    app: SmtpApp

    CSS_PATH = styles.SCREENS
    TITLE = "Fleet check"
    # A verdict's look (component classes, styled in modals.tcss with the theme's colours).
    COMPONENT_CLASSES = {"fleet-check--passed", "fleet-check--failed", "fleet-check--warning"}

    BINDINGS = [
        Binding("escape", "cancel", "Stop/close", tooltip="Stop the checks at once, or go back"),
        Binding("enter", "show_reply", "Reply", tooltip="The whole reply of the highlighted row"),
        Binding("question_mark", "help", "Help", tooltip="Every key of this screen"),
    ]

    def __init__(self, filters: Filters, sort: Sort):
        super().__init__()
        self.filters, self.sort = filters, sort
        self.names: dict[int, str] = {}  # code -> name, in the report's order
        self.results: dict[int, checks.CheckResult] = {}
        self.state = "listing"  # listing, asking, running, done, cancelled, failed
        self.started = self.finished = 0.0
        self._worker: Worker[None] | None = None
        self._laid_out_for = 0

    def compose(self) -> ComposeResult:
        yield Header(icon=glyphs.current().app)
        yield Label(id="fleet-scope")
        with Horizontal(id="fleet-progress-row"):
            yield ProgressBar(id="fleet-progress", show_eta=False)
            yield Label(id="fleet-count")
        yield Label("Listing the accounts…", id="fleet-summary")
        yield QuietTable(cursor_type="row", zebra_stripes=True, id="fleet-results")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        scope = self.filters.describe() if not self.filters.is_empty() else "every account"
        self.query_one("#fleet-scope", Label).update(
            literal(f"Connect, secure, log in and QUIT; no message is sent. Filter: {scope}")
        )
        self.query_one("#fleet-progress-row").display = False
        self.query_one(QuietTable).focus()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._lay_out())
        self._list(self.filters, self.sort)

    # Listing, asking, running ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="fleet-list")
    def _list(self, filters: Filters, sort: Sort) -> None:
        try:
            with self.app.context.database.connection_context():
                rows = [
                    (row.code, row.name)
                    for row in accounts.iterate_rows(filters, sort, fields=("code", "name"))
                ]
        except DATABASE_ERRORS as exc:
            self.app.call_from_thread(self._stop_with, f"Cannot read the database: {exc}")
            return
        self.app.call_from_thread(self._listed, rows)

    def _listed(self, rows: list[tuple[int, str]]) -> None:
        if self._gone():
            return
        self.names = dict(rows)
        self._lay_out()
        if not rows:
            nothing = "No SMTP account yet" if self.filters.is_empty() else "No account matches"
            self._stop_with(f"{nothing}: nothing to check.")
        elif len(rows) > CONFIRM_ABOVE:
            from smtp_tui.screens.confirm import ConfirmModal

            self.state = "asking"
            self._summary(f"{len(rows)} accounts to check, once confirmed", failed=False)
            question = f"Check {len(rows)} accounts? No message is sent."
            self.app.push_screen(ConfirmModal(question, yes="Check", no="Cancel"), self._answered)
        else:
            self._start()

    def _answered(self, yes: bool | None) -> None:
        if yes:
            self._start()
        else:
            self.dismiss(False)

    def _start(self) -> None:
        self.state = "running"
        progress = self.query_one(ProgressBar)
        progress.update(total=len(self.names), progress=0)
        self.query_one("#fleet-progress-row").display = True
        self._show_count()
        total = len(self.names)
        at_once = min(total, checks.DEFAULT_CONCURRENCY)
        what = f"{total} accounts, {at_once} at a time" if total > 1 else "1 account"
        self._summary(f"Checking {what} · escape stops", failed=False)
        self.started = time.monotonic()
        self._worker = self._run(list(self.names))

    @work(exclusive=True, group="fleet-check")
    async def _run(self, codes: list[int]) -> None:
        try:
            await checks.run(codes, self.app.context.vault, on_result=self._result)
        except asyncio.CancelledError:
            self._finish("cancelled")
            raise
        except (ServiceError, *DATABASE_ERRORS) as exc:
            self._finish("failed", f"The check stopped: {exc}")
            return
        self._finish("done")

    def _result(self, result: checks.CheckResult) -> None:
        if self.state != "running" or result.code not in self.names or self._gone():
            return
        self.results[result.code] = result
        self.query_one(ProgressBar).advance(1)
        self._show_count()
        table = self.query_one(QuietTable)
        for column, cell in zip(COLUMNS, self._cells(result.code), strict=True):
            table.update_cell(str(result.code), column.key, cut(cell))

    def _finish(self, state: str, error: str = "") -> None:
        self.state = state
        if self._gone():
            return
        self.finished = time.monotonic()
        self._lay_out()  # the rows never reached say "stopped"
        passed = sum(1 for r in self.results.values() if r.ok)
        failed = len(self.results) - passed
        if state == "done":
            summary = f"{passed} passed, {failed} failed in {took(self.finished - self.started)}"
        elif state == "cancelled":
            summary = (
                f"Cancelled after {len(self.results)} of {len(self.names)}: "
                f"{passed} passed, {failed} failed"
            )
        else:
            summary = error
        self._summary(f"{summary} · escape closes", failed=bool(failed) or state != "done")

    def _gone(self) -> bool:
        """Whether the screen was closed: the app quit (ctrl+q) during the run or the listing
        removes the widgets before their workers end."""
        return not self.is_attached or not self.query(QuietTable)

    def _stop_with(self, text: str) -> None:
        if self._gone():
            return
        self.state = "failed"
        self._summary(f"{text} · escape closes", failed=False)

    def _summary(self, text: str, *, failed: bool) -> None:
        label = self.query_one("#fleet-summary", Label)
        label.update(literal(text))
        label.set_class(failed, "-failed")

    def _show_count(self) -> None:
        done, total = len(self.results), len(self.names)
        self.query_one("#fleet-count", Label).update(f"{done} of {total}")

    # The table ---------------------------------------------------------------------------------

    def _cells(self, code: int) -> list[Text]:
        """One row: the account's name, then its result, or what became of its check."""
        symbols = glyphs.current()
        name = literal_text(self.names[code])
        result = self.results.get(code)
        if result is None:
            waiting = WAITING if self.state in ("listing", "asking", "running") else STOPPED
            return [name, Text(waiting), *(Text("") for _ in COLUMNS[2:])]
        look = "passed" if result.ok else "failed"
        style = self.get_component_rich_style(f"fleet-check--{look}", partial=True)
        verdict = f"{symbols.ok} {PASSED}" if result.ok else f"{symbols.failed} {FAILED}"
        version = (result.tls_version or "").removeprefix("TLSv")
        tls = version or ("none" if result.ok else "–")
        return [
            name,
            Text(verdict, style=style),
            literal_text(result.step or ""),
            literal_text(one_line(result.reply or "")),
            Text(took(result.seconds)),
            literal_text(tls),
            self._expiry(result.certificate_expires),
        ]

    def _expiry(self, expires: datetime | None) -> Text:
        if expires is None:
            return Text("–")
        now = utc_now()
        days = f"{checks.days_left(expires, now)} d"
        if checks.expiry_warning(expires, now):
            style = self.get_component_rich_style("fleet-check--warning", partial=True)
            return Text(f"{glyphs.current().warning} {days}", style=style)
        return Text(days)

    def on_resize(self, event: Resize) -> None:
        if self.query_one(QuietTable).size.width != self._laid_out_for:
            self._lay_out()

    def _lay_out(self) -> None:
        """Every row again, the columns fitted to the table's width (a resize, a new theme, the
        list of accounts, the end of the run)."""
        table = self.query_one(QuietTable)
        self._laid_out_for = table.size.width
        # 2: the scroll bar's column, whether or not there is one yet.
        room = self._laid_out_for - 2 * table.cell_padding * len(COLUMNS) - 2
        widths = fit(room, {column.key: column.width for column in COLUMNS})
        row = table.cursor_row
        table.clear(columns=True)
        for column in COLUMNS:
            table.add_column(cut(Text(column.header)), key=column.key, width=widths[column.key])
        for code in self.names:
            table.add_row(*(cut(cell) for cell in self._cells(code)), key=str(code))
        if self.names:
            table.move_cursor(row=min(row, len(self.names) - 1), animate=False)

    # Keys --------------------------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self._worker is not None and self._worker.is_running:
            self._worker.cancel()
        elif self.state != "asking":
            self.dismiss(bool(self.results) or self.state == "cancelled")

    def action_show_reply(self) -> None:
        from smtp_tui.screens.confirm import NoticeModal

        table = self.query_one(QuietTable)
        if not self.names:
            return
        code = list(self.names)[table.cursor_row]
        result = self.results.get(code)
        if result is None:
            text = "Not checked yet." if self.state == "running" else "Not checked."
        else:
            verdict = PASSED if result.ok else f"{FAILED} at {result.step}"
            text = f"{verdict} in {took(result.seconds)}\n\n{result.reply}"
        self.app.push_screen(NoticeModal(text, title=f"{self.names[code]} (code {code})"))

    @on(DataTable.RowSelected)
    def _row_chosen(self) -> None:
        self.action_show_reply()

    def action_help(self) -> None:
        from smtp_tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self, self.TITLE))
