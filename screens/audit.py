"""The audit trail: who changed what, when and from where; filtered, 30 a page."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Select

from smtp_tui import audit, glyphs, styles
from smtp_tui.errors import DATABASE_ERRORS
from smtp_tui.screens.help import HelpScreen
from smtp_tui.screens.literal import literal, literal_text
from smtp_tui.screens.tables import QuietTable
from smtp_tui.screens.widgets import TextInput


class AuditScreen(Screen):
    CSS_PATH = styles.SCREENS

    TITLE = "Audit trail"
    BINDINGS = [
        Binding("left_square_bracket", "previous_page", "Prev", tooltip="Previous 30 events"),
        Binding("right_square_bracket", "next_page", "Next", tooltip="Next 30 events"),
        Binding("escape", "close", "Back", tooltip="Back to the report"),
        Binding("question_mark", "help", "Help", tooltip="Every key of this screen"),
    ]

    def __init__(self):
        super().__init__()
        self.page_number = 1
        self.page: audit.AuditPage | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon=glyphs.current().app)
        with Horizontal(id="audit-filters"):
            yield TextInput(placeholder="account", id="audit-account", compact=True)
            yield TextInput(placeholder="user", id="audit-user", compact=True)
            yield Select(
                [(a, a) for a in audit.ACTIONS],
                prompt="any action",
                id="audit-action",
                compact=True,
            )
            yield TextInput(
                placeholder="since",
                id="audit-since",
                compact=True,
                max_length=10,
                tooltip="YYYY-MM-DD",
            )
            yield TextInput(
                placeholder="until",
                id="audit-until",
                compact=True,
                max_length=10,
                tooltip="YYYY-MM-DD, inclusive",
            )
        yield QuietTable(cursor_type="row", zebra_stripes=True, id="audit-events")
        yield Label(id="audit-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(
            "When (UTC)", "User", "From", "Action", "What", "Changes"
        )
        self.load()
        self.query_one(DataTable).focus()

    def filters(self) -> audit.AuditFilters:
        return audit.AuditFilters(
            account=self.query_one("#audit-account", Input).value,
            user=self.query_one("#audit-user", Input).value,
            action=self.query_one("#audit-action", Select).selection or "",
            since=audit.parse_day(self.query_one("#audit-since", Input).value, "Since"),
            until=audit.parse_day(self.query_one("#audit-until", Input).value, "Until"),
        )

    def load(self) -> None:
        status = self.query_one("#audit-status", Label)
        try:
            self.page = audit.search(self.filters(), self.page_number)
        except ValueError as exc:
            # A date typed wrong: said where the user looks.
            status.update(literal(exc))
            return
        except DATABASE_ERRORS as exc:
            status.update(
                literal(
                    f"Cannot read the database: {exc}. Change a filter or press escape.", lines=True
                )
            )
            return
        self.page_number = self.page.number
        table = self.query_one(DataTable)
        table.clear()
        for event in self.page.rows:
            table.add_row(
                f"{event.at:%Y-%m-%d %H:%M:%S}",
                literal_text(event.user),
                literal_text(event.client),
                literal_text(event.action),
                literal_text(f"{event.object_type} {event.object_name}".strip()),
                literal_text(audit.describe_changes(event) or event.summary),
            )
        status.update(self.page.describe())

    @on(Input.Changed)
    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.page_number = 1
        self.load()

    def action_next_page(self) -> None:
        if self.page and self.page_number < self.page.pages:
            self.page_number += 1
            self.load()

    def action_previous_page(self) -> None:
        if self.page_number > 1:
            self.page_number -= 1
            self.load()

    def action_close(self) -> None:
        self.dismiss()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self, self.TITLE))
