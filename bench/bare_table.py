"""The bare Textual app bench/terminal.py compares smtp-tui with: a Header, a DataTable of 30
rows at a time and a Footer, all as Textual makes them, and `]` that replaces the rows with the
next 30 (the plain DataTable way: clear, then add them). Its cells are shaped like the report's.

    python -m bench.bare_table
"""

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

COLUMNS = (
    "Code",
    "Name",
    "E-mail",
    "Reply-to",
    "Return-path",
    "Confirmation e-mail",
    "Status",
    "Default",
    "Secure",
    "Force",
    "Read conf.",
    "Footer",
    "Last test",
    "Actions",
    "",
)
PAGE = 30


def row(n: int) -> tuple[str, ...]:
    yes = ("Yes", "no")
    return (
        str(n),
        f"Password rotation - Frankfurt {n:06d}",
        f"password-rotation-{n}@example.com",
        "pam-team@example.com",
        "bounces@example.com" if n % 2 else "",
        "",
        "Active" if n % 7 else "Inactive",
        yes[n != 1],
        "TLS" if n % 3 else "no",
        yes[n % 2],
        yes[n % 3 == 0],
        yes[n % 5 == 0],
        "never",
        "Edit",
        "Test",
    )


class BareTable(App):
    BINDINGS = [Binding("right_square_bracket", "next_page", "Next page")]

    def __init__(self) -> None:
        super().__init__()
        self.page = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.action_next_page()

    def action_next_page(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        first = self.page * PAGE + 1
        table.add_rows(row(n) for n in range(first, first + PAGE))
        self.page += 1


if __name__ == "__main__":
    BareTable().run()
