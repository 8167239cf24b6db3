"""The report's table: one row per account, Yes/No cells that scan well, Edit and Test cells."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.geometry import Region

from smtp_tui import glyphs, verdicts
from smtp_tui.accounts import Sort
from smtp_tui.screens.column_fit import Width, cut, fit
from smtp_tui.screens.literal import literal_text
from smtp_tui.screens.tables import QuietTable

if TYPE_CHECKING:
    from smtp_tui.store.models import SmtpAccount

# (column key, header label); keys of data columns are the account's field names.
COLUMNS = (
    ("code", "Code"),
    ("name", "Name"),
    ("email", "E-mail"),
    ("reply_to", "Reply-to"),
    ("return_path", "Return-path"),
    ("confirmation_email", "Confirmation e-mail"),
    ("active", "Status"),
    ("is_default", "Default"),
    ("secure", "Secure"),
    ("force_config", "Force"),
    ("read_confirmation", "Read conf."),
    ("footer", "Footer"),
    ("last_test", "Last test"),
    ("edit", "Actions"),
    ("test", ""),
)
# Text columns: comfortable (the width they keep when the table scrolls sideways), least (name
# and e-mail never narrower than that; the others give way first) and share of any room left.
FLEXIBLE = {
    "name": Width(30, least=30, share=3),
    "email": Width(30, least=30, share=3),
    "reply_to": Width(22, least=10, share=2),
    "return_path": Width(22, least=10, share=2),
    "confirmation_email": Width(22, least=10, share=2),
}
CELL_PADDING = 1


def column_widths(total: int, sort: Sort, code_digits: int = 4) -> dict[str, int]:
    """Column widths for a table `total` cells wide whose longest code has `code_digits`.

    The yes/no columns are as wide as their headers (or values); the text columns take the
    rest, by the rule every table follows (column_fit.fit): at 80 columns they keep
    comfortable widths and the table scrolls sideways, and a wider table never makes them
    narrower.
    """
    widths = {key: max(len(label), 4) for key, label in COLUMNS if key not in FLEXIBLE}
    # A code is never cut.
    widths["code"] = max(widths["code"], code_digits)
    widths["active"] = len("Inactive")
    widths["last_test"] = verdicts.longest_label()
    columns = {key: Width(width) for key, width in widths.items()} | FLEXIBLE
    # Room for the arrow.
    columns[sort.column] = _widened(columns[sort.column], 2)
    room = total - 2 * CELL_PADDING * len(COLUMNS) - 2  # 2: the scroll bar
    return fit(room, columns)


def _widened(width: Width, by: int) -> Width:
    least = None if width.least is None else width.least + by
    return Width(width.comfortable + by, least=least, share=width.share)


def sort_arrow(sort: Sort) -> str:
    return "▼" if sort.descending else "▲"


def describe_sort(sort: Sort) -> str:
    """What the pager line says of the sort: 'sorted by Status ▼'."""
    label = dict(COLUMNS)[sort.column]
    return f"sorted by {label} {sort_arrow(sort)}"


def _longest_code(rows: list[SmtpAccount]) -> int:
    """The number of digits of the longest code among `rows`."""
    return max((len(str(account.code)) for account in rows), default=0)


# How a cell looks, by what it says: each look is a component class of ReportTable (named
# report-table--<look>), styled in report.tcss with the theme's variables.
LOOKS = ("yes", "no", "inactive", "passed", "failed", "untested", "unchecked", "action")
Looks = Mapping[str, Style]


def yes_no(value: bool, looks: Looks) -> Text:
    return Text("Yes", style=looks["yes"]) if value else Text("no", style=looks["no"])


def secure_cell(account: SmtpAccount, looks: Looks) -> Text:
    """SSL/TLS when secure, with a warning sign when certificate errors are ignored."""
    if not account.secure:
        return Text("no", style=looks["no"])
    cell = Text(account.secure_type or "Yes", style=looks["yes"])
    if account.ignore_cert_errors:
        cell.append(f" {glyphs.current().warning}", style=looks["unchecked"])
    return cell


def last_test_cell(account: SmtpAccount, looks: Looks) -> Text:
    outcome = account.last_test_outcome
    label = verdicts.label(outcome, account.last_test_at, expires=account.certificate_expires_at)
    look = "untested" if label == "never" or outcome == "cancelled" else "failed"
    look = "passed" if verdicts.passed(outcome) else look
    return Text(label, style=looks[look])


def row_cells(account: SmtpAccount, looks: Looks) -> list[Text]:
    return [
        Text(str(account.code), justify="right"),
        literal_text(account.name),
        literal_text(account.email),
        literal_text(account.reply_to),
        literal_text(account.return_path),
        literal_text(account.confirmation_email),
        Text("Active") if account.active else Text("Inactive", style=looks["inactive"]),
        Text(f"{glyphs.current().default} Yes", style=looks["yes"])
        if account.is_default
        else Text("no", style=looks["no"]),
        secure_cell(account, looks),
        yes_no(account.force_config, looks),
        yes_no(account.read_confirmation, looks),
        yes_no(account.footer, looks),
        last_test_cell(account, looks),
        Text("Edit", style=looks["action"]),
        Text("Test", style=looks["action"]),
    ]


class ReportTable(QuietTable):
    """A DataTable that remembers which column a click landed on (for Edit and Test)."""

    COMPONENT_CLASSES = {f"report-table--{look}" for look in LOOKS}

    def __init__(self, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=CELL_PADDING, **kwargs)
        self.clicked_column: str | None = None
        self._accounts: list[SmtpAccount] = []
        self._sort = Sort()
        self._laid_out_for = 0
        self._code_digits = 4

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._restyle)

    def _restyle(self, _theme: object) -> None:
        # A cell keeps the style it was added with: the new theme's colours need new cells.
        if self._accounts:
            self.show_accounts(self._accounts, self.highlighted_code)

    def on_resize(self) -> None:
        if self.size.width != self._laid_out_for:
            self._lay_out()

    def _lay_out(self) -> None:
        """(Re)build the columns for the current width and sort, keeping rows and cursor.

        Before its first layout the table has no size yet: it takes the screen's width, which
        is what it gets, so the first frame is painted with its columns and rows, once."""
        self._laid_out_for = self.size.width or self.app.size.width
        self._code_digits = max(4, _longest_code(self._accounts))
        widths = column_widths(self._laid_out_for, self._sort, self._code_digits)
        row = self.cursor_row
        self.clear(columns=True)
        for key, label in COLUMNS:
            self.add_column(self._label(key, label), key=key, width=widths[key])
        self._fill(self._accounts)
        if self._accounts:
            self.move_cursor(row=min(row, len(self._accounts) - 1), animate=False)
        # A new layout starts at the left edge; the sorted column may be beyond the right one.
        self.call_after_refresh(self._show_sorted_column)

    def _show_sorted_column(self) -> None:
        """Scroll sideways, if need be, to have the sorted column in sight."""
        columns = self.ordered_columns
        index = next((i for i, c in enumerate(columns) if c.key.value == self._sort.column), 0)
        x = sum(column.get_render_width(self) for column in columns[:index])
        width = columns[index].get_render_width(self)
        self.scroll_to_region(
            Region(x, int(self.scroll_y), width, 1), animate=False, force=True, immediate=True
        )

    def _label(self, key: str, label: str) -> Text:
        if key != self._sort.column:
            return cut(Text(label))
        return cut(Text(f"{label} {sort_arrow(self._sort)}"))

    def _fill(self, rows: list[SmtpAccount]) -> None:
        self._accounts = rows
        looks = {
            look: self.get_component_rich_style(f"report-table--{look}", partial=True)
            for look in LOOKS
        }
        self.add_plain_rows(
            (str(account.code), [cut(cell) for cell in row_cells(account, looks)])
            for account in rows
        )

    async def _on_click(self, event) -> None:
        # Textual runs DataTable._on_click after this one (handlers run along the MRO).
        meta = event.style.meta
        column = meta.get("column", -1)
        row = meta.get("row", -1)
        columns = self.ordered_columns
        self.clicked_column = (
            columns[column].key.value if row >= 0 and 0 <= column < len(columns) else None
        )

    def action_select_cursor(self) -> None:
        # Enter edits, wherever the mouse was last.
        self.clicked_column = None
        super().action_select_cursor()

    def show_sort(self, sort: Sort) -> None:
        """Mark the sorted column's header with an arrow."""
        self._sort = sort
        self._lay_out()

    def show_accounts(
        self, rows: list[SmtpAccount], keep_code: int | None, sort: Sort | None = None
    ) -> None:
        """Replace the rows, keeping the cursor on `keep_code` (or the same position); with
        a new `sort`, the header arrows too, in the same frame."""
        position = self.cursor_row
        if (sort is not None and sort != self._sort) or _longest_code(rows) > self._code_digits:
            self._sort = sort or self._sort
            self._accounts = rows
            self._lay_out()
        else:
            with self.rows_only():
                self.clear(columns=False)
                self._fill(rows)
        if not rows:
            return
        codes = [str(a.code) for a in rows]
        if keep_code is not None and str(keep_code) in codes:
            position = codes.index(str(keep_code))
        self.move_cursor(row=min(position, len(rows) - 1))

    @property
    def highlighted_code(self) -> int | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        # every row's key is its account's code (None only for a row added without one)
        return int(key) if key is not None else None
