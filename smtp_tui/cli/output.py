"""How the commands print: tables for people, JSON for scripts, errors one per line on stderr.

Whatever comes from data, a peer or the command line itself is printed through these, which
escape what a terminal would run (smtp_tui.escaping) and cut long values: a stored name or a
mistyped argument can neither drive the terminal nor flood it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from smtp_tui.escaping import printable, printable_json, printable_json_text, shortened

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


# Records written at a time by as_json_array.
JSON_BATCH = 1000
# json.dumps(..., ensure_ascii=False, separators=...) without building an encoder each time.
_FLAT_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",\n  ", ": "))


def as_json_array(records: Iterable[dict[str, Any]], *, flat: bool = False) -> int:
    """Print the records as a JSON array as they come, each escaped as it is made: the same
    text as `as_json(list(records))`, in flat memory however many there are. Returns how many.

    A flat record (scalar values) is written by json's C encoder with the separators of the
    indented layout (`json.dumps(..., indent=2)` runs the pure-Python encoder, several times
    slower); any other by printable_json itself. `flat`: every record is, unchecked."""
    out = sys.stdout
    batch: list[str] = []
    count = 0
    for count, record in enumerate(records, start=1):
        if not flat and any(isinstance(v, (dict, list, tuple)) for v in record.values()):
            text = printable_json(record)
        else:
            text = printable_json_text(_FLAT_ENCODER.encode(record))
            # '{"code": 1,\n  ...}' -> the indented layout's '{\n  "code": 1,\n  ...\n}'.
            text = "{\n  " + text[1:-1] + "\n}" if len(text) > 2 else text
        batch.append(("[\n  " if count == 1 else ",\n  ") + text.replace("\n", "\n  "))
        if len(batch) == JSON_BATCH:
            out.write("".join(batch))
            batch.clear()
    batch.append("\n]\n" if count else "[]\n")
    out.write("".join(batch))
    out.flush()
    return count


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
