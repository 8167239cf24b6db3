"""Column widths for the tables (one rule, used by every table) and cut values that say so.

The rule, `fit`: each column has a width it is comfortable at, a least width below which it is
unreadable, and a share of any room left over. When every column is comfortable, the room left
over is shared out; when not, the widest columns give way first, none below its least; when
even that does not fit, every column keeps its comfortable width and the table scrolls
sideways. So a wider terminal never makes a column narrower.

A value wider than its column ends in `…`: a silent cut looks like a whole value
(`password-rotation-01@example.c`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.text import Text
from textual.events import Resize

from smtp_tui.screens.tables import QuietTable

# A column whose values are this narrow or narrower (a date and time to the second, a state)
# is never cut; a wider one may be cut down to CUT_TO (or its header), which still tells
# values apart.
NEVER_CUT = 19
CUT_TO = 10


@dataclass(frozen=True)
class Width:
    comfortable: int
    least: int | None = None  # None: the comfortable width, never cut
    share: int = 0  # of the room left when every column is comfortable

    @property
    def floor(self) -> int:
        return self.comfortable if self.least is None else min(self.least, self.comfortable)


def fit(room: int, columns: Mapping[str, Width]) -> dict[str, int]:
    """The width of each column of a table with `room` cells for its columns' text."""
    comfortable = {key: width.comfortable for key, width in columns.items()}
    left = room - sum(comfortable.values())
    if left >= 0:
        shares = sum(width.share for width in columns.values())
        if shares:
            for key, width in columns.items():
                comfortable[key] += left * width.share // shares
        return comfortable
    if sum(width.floor for width in columns.values()) > room:
        return comfortable
    # The widest give way first: the largest cap on widths (never below a column's least)
    # that fits.
    cap = max(comfortable.values())
    while cap > 0:
        capped = {key: max(w.floor, min(w.comfortable, cap)) for key, w in columns.items()}
        if sum(capped.values()) <= room:
            return capped
        cap -= 1
    return comfortable


def cut(cell: Text) -> Text:
    """`cell`, ending in `…` when its column is narrower than it."""
    cell.no_wrap = True
    cell.overflow = "ellipsis"
    return cell


def natural_width(header: str, values: Iterable[Text]) -> Width:
    """A column as wide as its widest value; a wider one than NEVER_CUT may be cut."""
    widest = max((value.cell_len for value in values), default=0)
    comfortable = max(len(header), widest)
    if comfortable <= NEVER_CUT:
        return Width(comfortable)
    return Width(comfortable, least=max(len(header), CUT_TO))


class FittedTable(QuietTable):
    """A table of rows given whole (`show`), its columns fitted to its width on every resize:
    the list screens of credentials, connectors and schedules, an account's test e-mails."""

    def __init__(self, headers: tuple[str, ...], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.headers = headers
        self.cells: list[tuple[str | None, list[Text]]] = []
        self._laid_out_for = 0

    def show(self, rows: list[tuple[str | None, list[Text]]]) -> None:
        """Replace the rows: (key, cells) each."""
        self.cells = rows
        self._lay_out()

    def on_resize(self, event: Resize) -> None:
        if self.size.width != self._laid_out_for:
            self._lay_out()

    def _lay_out(self) -> None:
        self._laid_out_for = self.size.width
        columns = {
            str(index): natural_width(header, (cells[index] for _, cells in self.cells))
            for index, header in enumerate(self.headers)
        }
        # 2: the scroll bar's column, whether or not there is one yet.
        padding = 2 * self.cell_padding * len(self.headers) + 2
        widths = fit(self._laid_out_for - padding, columns)
        row = self.cursor_row
        self.clear(columns=True)
        for index, header in enumerate(self.headers):
            self.add_column(cut(Text(header)), key=str(index), width=widths[str(index)])
        for key, cells in self.cells:
            self.add_row(*(cut(cell) for cell in cells), key=key)
        if self.cells:
            self.move_cursor(row=min(row, len(self.cells) - 1), animate=False)
