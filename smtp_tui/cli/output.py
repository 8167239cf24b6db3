"""How the commands print: tables for people, JSON for scripts, errors one per line on stderr.

Whatever comes from data, a peer or the command line itself is printed through these, which
escape what a terminal would run (smtp_tui.escaping) and cut long values: a stored name or a
mistyped argument can neither drive the terminal nor flood it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from smtp_tui.escaping import printable, printable_json, shortened

if TYPE_CHECKING:
    from smtp_tui.errors import ValidationFailed

# Characters of a table cell: a name is at most 100, an address 254.
CELL_MAX = 200
# Characters of a one-line message, cut in the middle to keep what to do.
MESSAGE_MAX = 600


def table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, cell_max: int = CELL_MAX
) -> None:
    rows = [
        [printable(shortened("" if cell is None else str(cell), cell_max)) for cell in row]
        for row in rows
    ]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:{w}}}" for w in widths)
    print(line.format(*headers).rstrip())
    print(line.format(*("-" * w for w in widths)).rstrip())
    for row in rows:
        print(line.format(*row).rstrip())


def as_json(value: Any) -> None:
    print(printable_json(value))


def one_line(message: str) -> str:
    """A message as printed: escaped, cut to MESSAGE_MAX characters."""
    return printable(shortened(message, MESSAGE_MAX, middle=True))


def say(message: str, *, multi_line: bool = False, file=None) -> None:
    """Print a message that holds data (a name, a reply, a stored text) on stdout, or `file`.
    One line is escaped and cut; a text of several lines keeps its newlines and tabs, whole."""
    print(
        printable(message, keep="\n\t") if multi_line else one_line(message), file=file, flush=True
    )


def error(message: str) -> None:
    say(f"smtp-tui: {message}", file=sys.stderr)


def refused(failure: ValidationFailed, *, with_fields: bool = False) -> None:
    """One line per bad field (with where it is, for imports)."""
    for field, message in failure.errors.items():
        error(f"{field}: {message}" if with_fields else message)


def yes_no(value: bool) -> str:
    return "yes" if value else "no"
