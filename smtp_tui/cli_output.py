"""How the commands print: tables for people, JSON for scripts, errors one per line on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from smtp_tui.errors import ValidationFailed


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    rows = [["" if cell is None else str(cell) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:{w}}}" for w in widths)
    print(line.format(*headers).rstrip())
    print(line.format(*("-" * w for w in widths)).rstrip())
    for row in rows:
        print(line.format(*row).rstrip())


def as_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def error(message: str) -> None:
    print(f"smtp-tui: {message}", file=sys.stderr)


def refused(failure: ValidationFailed, *, with_fields: bool = False) -> None:
    """One line per bad field (with where it is, for imports)."""
    for field, message in failure.errors.items():
        error(f"{field}: {message}" if with_fields else message)


def yes_no(value: bool) -> str:
    return "yes" if value else "no"
