"""The report screen: top bar, search panel, the 30-per-page table of accounts and its pager."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, Static
from textual.worker import get_current_worker

from smtp_tui import accounts, glyphs
from smtp_tui.accounts import SORTABLE, Filters, Page, Sort
from smtp_tui.errors import DATABASE_ERRORS, ServiceError
from smtp_tui.screens import search_messages
from smtp_tui.screens.feedback import FAILED, attempt
from smtp_tui.screens.key_footer import KeyFooter
from smtp_tui.screens.links import ActionLink
from smtp_tui.screens.literal import literal, notify
from smtp_tui.screens.report_table import ReportTable, describe_sort
from smtp_tui.validation import AccountInput

if TYPE_CHECKING:
    from smtp_tui.app import SmtpApp
    from smtp_tui.screens.search_panel import SearchPanel

# The other screens are imported by the actions that open them: the report paints sooner.

PAST_THE_END = 2**31  # a page number search() clamps to the last page

# The top bar, in the order of the web console: (action, label).
TOP_BAR = (
    ("toggle_search", "Search /"),
    ("refresh", "Refresh r"),
    ("actions_menu", "Actions ."),
    ("new_account", "New +"),
    ("print_report", "Print p"),
    ("download", "Download d"),
    ("schedule", "Schedule s"),
)


class ReportScreen(Screen):
    """SMTP Configuration: every account, found fast, 30 a page."""

    # Textual's `app` property, typed as this application (an annotation, for the type checker)
    app: SmtpApp

    TITLE = "SMTP Configuration"
    BINDINGS = [
        Binding("slash", "toggle_search", "Search", tooltip="Show or hide the search panel"),
        Binding(
            "r,f5",
            "refresh",
            "Refresh",
            show=False,
            tooltip="Reload the report, keeping filters, sort and page",
        ),
        Binding(
            "full_stop",
            "actions_menu",
            "Actions",
            show=False,
            tooltip="Every action of the report, by key",
        ),
        Binding("plus,n", "new_account", "New", tooltip="Add an SMTP account"),
        Binding("e", "edit_account", "Edit", tooltip="Edit the highlighted account (also enter)"),
        Binding(
            "t",
            "test_account",
            "Test",
            tooltip="Send a test e-mail through the highlighted account",
        ),
        Binding(
            "delete",
            "delete_account",
            "Delete",
            tooltip="Delete the highlighted account, after asking",
        ),
        Binding(
            "h",
            "test_history",
            "Test history",
            show=False,
            tooltip="Every test e-mail of the highlighted account, with its transcript",
        ),
        Binding(
            "c",
            "clone_account",
            "Clone",
            show=False,
            tooltip="Copy the highlighted account into a new one (name suffixed)",
        ),
        Binding(
            "left_square_bracket", "previous_page", "Prev", tooltip="Previous screen of 30 accounts"
        ),
        Binding("right_square_bracket", "next_page", "Next", tooltip="Next screen of 30 accounts"),
        Binding(
            "left_curly_bracket", "first_page", "First page", show=False, tooltip="First screen"
        ),
        Binding("right_curly_bracket", "last_page", "Last page", show=False, tooltip="Last screen"),
        Binding(
            "o",
            "cycle_sort",
            "Sort column",
            show=False,
            tooltip="Sort by the next column (or click a column header)",
        ),
        Binding("O", "reverse_sort", "Reverse sort", show=False, tooltip="Flip the sort direction"),
        Binding(
            "ctrl+l",
            "clear_filters",
            "Clear filters",
            show=False,
            tooltip="Clear every search filter",
        ),
        Binding(
            "p", "print_report", "Print", show=False, tooltip="Print the whole filtered report"
        ),
        Binding(
            "d",
            "download",
            "Download",
            show=False,
            tooltip="Save the whole filtered report as CSV, JSON or XLSX",
        ),
        Binding(
            "s",
            "schedule",
            "Schedule",
            show=False,
            tooltip="E-mail the report, with the filters in use, on a schedule",
        ),
        Binding(
            "S",
            "schedules",
            "Schedules",
            show=False,
            tooltip="Report schedules: next and last runs; edit, pause, delete",
        ),
        Binding(
            "C",
            "credentials",
            "Credentials",
            show=False,
            tooltip="Credentials: add, edit, delete the logins accounts use",
        ),
        Binding(
            "N",
            "connectors",
            "Connectors",
            show=False,
            tooltip="Network connectors: add, edit, delete the proxies accounts go through",
        ),
        Binding(
            "F",
            "footer_text",
            "Footer text",
            show=False,
            tooltip="Edit the footer text appended by accounts whose Footer is Yes",
        ),
        Binding("A", "audit", "Audit trail", show=False, tooltip="Who changed what, and when"),
        Binding(
            "T",
            "fleet_check",
            "Check all",
            show=False,
            tooltip="Check every account of the filter: connect, secure, log in (no message sent)",
        ),
        Binding("question_mark", "help", "Help", tooltip="Every key of this screen"),
        Binding("q", "app.quit", "Quit", tooltip="Quit smtp-tui"),
    ]

    show_search: reactive[bool] = reactive(False)

    def __init__(self):
        super().__init__()
        self.filters = Filters()
        self.sort = Sort()
        self.page: Page | None = None
        self._page_filters: Filters | None = None  # the filters self.page was read with
        self.requested_page = 1

    def compose(self) -> ComposeResult:
        yield Header(icon=glyphs.current().app)
        with Horizontal(id="topbar"):
            for action, label in TOP_BAR:
                yield ActionLink(label, action, id=f"bar-{action}", tooltip=self.tooltip_of(action))
        # The search panel is mounted on first use (`/`): two dozen widgets fewer to start.
        yield ReportTable(id="report")
        with Vertical(id="message"):
            yield Static(id="message-text")
            yield ActionLink("Retry (r)", "refresh", id="retry")
        with Horizontal(id="pager"):
            yield ActionLink("◀ Prev [", "previous_page", id="previous-page")
            yield Label(id="page-status")
            yield ActionLink("Next ] ▶", "next_page", id="next-page")
        yield KeyFooter(compact=True)

    def tooltip_of(self, action: str) -> str | None:
        return next(
            (b.tooltip for b in self.BINDINGS if isinstance(b, Binding) and b.action == action),
            None,
        )

    def on_mount(self) -> None:
        self.query_one(ReportTable).focus()
        self.query_one(ReportTable).show_sort(self.sort)
        # The first page is read before the first paint, so the report opens with its rows
        # (one short LIMIT query on a database opened, and migrated, a moment ago). The count
        # follows the first frame, in the worker, as every later read does.
        try:
            page = accounts.search(self.filters, self.sort, self.requested_page, count=False)
        except DATABASE_ERRORS as exc:
            self._show_error(exc)
        else:
            self._show_result(self.filters, page, None)
            if page.total is None:
                self.call_after_refresh(
                    self._load,
                    self.filters,
                    self.sort,
                    page.number,
                    keep_code=None,
                    known_total=None,
                    shown=page,
                )

    # Loading -------------------------------------------------------------------------------

    def load(self, *, page: int | None = None, keep_code: int | None = None) -> None:
        """Ask for a page of the report in the background.

        The screen never waits on the database.
        """
        if page is not None:
            self.requested_page = page
        if keep_code is None:
            keep_code = self.query_one(ReportTable).highlighted_code
        same_filters = self._page_filters == self.filters
        known_total = self.page.total if self.page is not None and same_filters else None
        self._load(self.filters, self.sort, self.requested_page, keep_code, known_total)

    @work(thread=True, exclusive=True, group="report")
    def _load(
        self,
        filters: Filters,
        sort: Sort,
        page: int,
        keep_code: int | None,
        known_total: int | None,
        shown: Page | None = None,
    ) -> None:
        """The page first, counted with the total known for these filters (or, for a first
        page, not counted yet); then the count, which with substring filters on many accounts
        takes longer than the page, and the page again if the count changed it. `shown` is
        a first page on the screen already, not counted yet: only the count is left."""
        worker = get_current_worker()

        def show(result: Page, keep: int | None) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_result, filters, result, keep)

        try:
            with self.app.context.database.connection_context():
                result = shown or accounts.search(
                    filters, sort, page, total=known_total, count=False
                )
                if shown is None:
                    show(result, keep_code)
                if worker.is_cancelled or (known_total is None and result.total is not None):
                    # Counted already.
                    return
                total = accounts.count(filters)
                if result.total is None and result.number == 1:
                    show(result.counted(total), None)
                elif total != result.total:
                    # Accounts were added or removed meanwhile.
                    show(accounts.search(filters, sort, page, total=total), None)
        except DATABASE_ERRORS as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_error, exc)

    def _show_result(self, filters: Filters, page: Page, keep_code: int | None) -> None:
        self._page_filters = filters
        # The page again, counted: the cursor stays on its account.
        if keep_code is None:
            keep_code = self.query_one(ReportTable).highlighted_code
        self._show_page(page, keep_code)

    def _show_page(self, page: Page, keep_code: int | None) -> None:
        # A page just counted keeps its rows.
        if self.page is None or page.rows is not self.page.rows:
            self.query_one(ReportTable).show_accounts(page.rows, keep_code, self.sort)
            self.app.collect_garbage_soon()
        self.page = page
        self.requested_page = page.number
        status = page.describe()
        # The sorted column may be out of sight (scrolled sideways): the line says the sort.
        if self.sort != Sort():
            status += f" · {describe_sort(self.sort)}"
        if not self.filters.is_empty():
            status += f" · {self.filters.describe()}"
        # literal(): the status quotes the filters. Its size is fixed (report.tcss): a layout
        # would redraw the whole screen once more after the new rows (bench/results.md).
        self.query_one("#page-status", Label).update(literal(status), layout=False)
        self.query_one("#previous-page", ActionLink).disabled = page.number <= 1
        self.query_one("#next-page", ActionLink).disabled = (
            page.pages is not None and page.number >= page.pages
        )
        if page.rows:
            self._show_message(None)
        elif self.filters.is_empty():
            self._show_message(
                "No SMTP accounts yet.\n\n"
                "Press n (or click New +) to add the first account the appliance sends its mail "
                "through. To look around first, start smtp-tui --demo to load sample accounts."
            )
        else:
            self._show_message(
                f"No account matches the filters: {self.filters.describe()}.\n\n"
                "Change them, or press ctrl+l to clear them all."
            )

    def _show_error(self, error: Exception) -> None:
        self.page = None
        self.query_one("#page-status", Label).update("The report could not be loaded")
        self._show_message(
            f"Cannot read the database: {error}\n\nPress r (or Retry) to try again.", retry=True
        )

    def _show_message(self, text: str | None, *, retry: bool = False) -> None:
        message = self.query_one("#message")
        message.display = text is not None
        self.query_one(ReportTable).display = text is None
        if text is not None:
            self.query_one("#message-text", Static).update(literal(text, lines=True))
        self.query_one("#retry", ActionLink).display = retry

    # The search panel --------------------------------------------------------------------

    def _search_panel(self) -> SearchPanel | None:
        panels = self.query("#search")
        return cast("SearchPanel", panels.first()) if panels else None

    async def watch_show_search(self, shown: bool) -> None:
        panel = self._search_panel()
        if panel is None:
            if not shown:
                return
            from smtp_tui.screens.search_panel import SearchPanel

            panel = SearchPanel(id="search")
            await self.mount(panel, before=self.query_one(ReportTable))
            # A second `/` may have come while it was mounting.
            shown = self.show_search
        panel.display = shown
        if shown:
            panel.focus_first()
        else:
            self.query_one(ReportTable).focus()

    def action_toggle_search(self) -> None:
        self.show_search = not self.show_search

    @on(search_messages.Closed)
    def _search_closed(self) -> None:
        self.show_search = False

    @on(search_messages.FiltersChanged)
    def _filters_changed(self, event: search_messages.FiltersChanged) -> None:
        if event.filters != self.filters:
            self.filters = event.filters
            self.load(page=1)

    def action_clear_filters(self) -> None:
        panel = self._search_panel()
        # Without the panel, no filter was ever set.
        if panel is not None:
            panel.clear()

    # Paging and sorting ------------------------------------------------------------------

    def _go_to(self, number: int) -> None:
        pages = self.page.pages if self.page else 1
        # pages is None while being counted.
        number = max(1, number) if pages is None else min(max(1, number), pages)
        if self.page is None or number != self.page.number:
            self.load(page=number)

    def action_next_page(self) -> None:
        self._go_to(self.requested_page + 1)

    def action_previous_page(self) -> None:
        self._go_to(self.requested_page - 1)

    def action_first_page(self) -> None:
        self._go_to(1)

    def action_last_page(self) -> None:
        pages = self.page.pages if self.page else 1
        # A page past the end shows the last.
        self._go_to(PAST_THE_END if pages is None else pages)

    def _sort_by(self, sort: Sort) -> None:
        # The header shows it with the rows sorted so (one repaint, not two).
        self.sort = sort
        self.load(page=1)

    def action_cycle_sort(self) -> None:
        following = SORTABLE[(SORTABLE.index(self.sort.column) + 1) % len(SORTABLE)]
        self._sort_by(Sort(following))

    def action_reverse_sort(self) -> None:
        self._sort_by(Sort(self.sort.column, not self.sort.descending))

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        column = event.column_key.value
        if column in SORTABLE:
            same = column == self.sort.column
            self._sort_by(Sort(column, descending=same and not self.sort.descending))

    # Row actions --------------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        if self.query_one(ReportTable).clicked_column == "test":
            self.action_test_account()
        else:
            self.action_edit_account()

    def _highlighted(self):
        """The highlighted account, fresh from the database, or None with a word to the user."""
        code = (
            self.query_one(ReportTable).highlighted_code if self.page and self.page.rows else None
        )
        if code is None:
            self.notify("There is no account here to act on.", severity="warning")
            return None
        try:
            return accounts.get(code)
        except ServiceError as exc:
            notify(self, exc, severity="warning")
            self.load()
        except DATABASE_ERRORS as exc:
            self._show_error(exc)
        return None

    def _open_form(self, form) -> None:
        self.app.push_screen(form, self._account_saved)

    def _account_saved(self, code: int | None) -> None:
        """Show the saved account highlighted, on whichever page it now is."""
        if code is None:
            return
        try:
            page = accounts.page_of(code, self.filters, self.sort)
        except DATABASE_ERRORS as exc:
            self._show_error(exc)
            return
        if page is None:
            self.notify("The saved account is hidden by the filters in use.", severity="warning")
        self.load(page=page, keep_code=code)

    def action_new_account(self) -> None:
        from smtp_tui.screens.account_form import AccountForm

        self._open_form(AccountForm())

    def action_edit_account(self) -> None:
        from smtp_tui.screens.account_form import AccountForm

        account = self._highlighted()
        if account is not None:
            self._open_form(AccountForm(account))

    def action_clone_account(self) -> None:
        from smtp_tui.screens.account_form import AccountForm

        account = self._highlighted()
        if account is not None:
            self._open_form(
                AccountForm(
                    template=accounts.clone_input(account),
                    title=f"New SMTP account · clone of '{account.name}'",
                )
            )

    def action_credentials(self) -> None:
        from smtp_tui.screens.credentials import CredentialsScreen

        self.app.push_screen(CredentialsScreen(), lambda _: self.load())

    def action_connectors(self) -> None:
        from smtp_tui.screens.connectors import ConnectorsScreen

        self.app.push_screen(ConnectorsScreen(), lambda _: self.load())

    def action_footer_text(self) -> None:
        from smtp_tui.screens.footer_text import FooterTextForm

        self.app.push_screen(FooterTextForm())

    def action_test_account(self) -> None:
        from smtp_tui.screens.proof import ProofScreen

        account = self._highlighted()
        if account is not None:
            screen = ProofScreen(
                AccountInput.from_account(account), code=account.code, saved=account
            )
            self.app.push_screen(screen, lambda _: self.load(keep_code=account.code))

    def action_test_history(self) -> None:
        from smtp_tui.screens.proof_history import ProofHistoryScreen

        account = self._highlighted()
        if account is not None:
            self.app.push_screen(ProofHistoryScreen(account.code, account.name))

    def action_delete_account(self) -> None:
        from smtp_tui.screens.confirm import ConfirmModal

        account = self._highlighted()
        if account is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            deleting = lambda: accounts.delete(account.code, expected_version=account.version)  # noqa: E731
            if attempt(self, "Not deleted", deleting) is FAILED:
                return
            notify(self, f"Deleted '{account.name}' (code {account.code}).")
            self.load()

        question = (
            f"Delete the SMTP account '{account.name}' (code {account.code})?\n"
            "This cannot be undone."
        )
        self.app.push_screen(ConfirmModal(question, yes="Delete", no="Keep"), answered)

    # The top bar and the rest -------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load()

    def action_actions_menu(self) -> None:
        from smtp_tui.screens.actions_menu import ActionsMenu

        def chosen(action: str | None) -> None:
            if action:
                self.call_later(self.run_action, action)

        self.app.push_screen(ActionsMenu(self, leave_out=("actions_menu",)), chosen)

    def action_help(self) -> None:
        from smtp_tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self, "SMTP Configuration report"))

    def action_print_report(self) -> None:
        from smtp_tui.screens.print_preview import PrintPreviewScreen

        self.app.push_screen(PrintPreviewScreen(self.filters, self.sort))

    def action_download(self) -> None:
        from smtp_tui.screens.download import DownloadModal

        self.app.push_screen(DownloadModal(self.filters, self.sort))

    def action_schedule(self) -> None:
        from smtp_tui.screens.schedules import ScheduleForm

        self.app.push_screen(ScheduleForm(filters=self.filters, sort=self.sort))

    def action_audit(self) -> None:
        from smtp_tui.screens.audit import AuditScreen

        self.app.push_screen(AuditScreen(), lambda _: self.load())

    def action_fleet_check(self) -> None:
        from smtp_tui.screens.fleet_check import FleetCheckScreen

        self.app.push_screen(FleetCheckScreen(self.filters, self.sort), lambda _: self.load())

    def action_schedules(self) -> None:
        from smtp_tui.screens.schedules import SchedulesScreen

        self.app.push_screen(SchedulesScreen())
