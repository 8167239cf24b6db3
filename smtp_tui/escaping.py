"""Text from data or from peers, made safe to print on a terminal: every character a terminal
would act on, or that is not text, shown as an escape (`\\x1b`, `\\u202e`), and long values cut.

One rule for the command line's output and the SMTP transcript alike: a stored name, a
server's reply or a value typed on the command line must never drive the terminal.
"""

from __future__ import annotations

import unicodedata
from typing import Any

ELLIPSIS = "…"


def _shows_as_itself(character: str) -> bool:
    """Printable, or a space of another width: no control, format, separator or lone surrogate."""
    return character.isprintable() or unicodedata.category(character) == "Zs"


def _escape(character: str) -> str:
    number = ord(character)
    # A byte that is not UTF-8, as Python decodes argv and stdin.
    if 0xDC80 <= number <= 0xDCFF:
        return f"\\x{number - 0xDC00:02x}"
    if number <= 0xFF:
        return f"\\x{number:02x}"
    return f"\\u{number:04x}" if number <= 0xFFFF else f"\\U{number:08x}"


def printable(text: str, *, keep: str = "") -> str:
    """`text` with every character that is not printable (controls and escape sequences, bidi
    controls, line separators, bytes that are not UTF-8) shown as a Python-style escape; the
    characters of `keep` (e.g. newline and tab for a text of several lines) stay as they are."""
    # Nearly every text: no character to look at one by one.
    if text.isprintable():
        return text
    return "".join(c if c in keep or _shows_as_itself(c) else _escape(c) for c in text)


def shortened(text: str, limit: int, *, middle: bool = False) -> str:
    """`text` cut to at most `limit` characters with an ellipsis: at the end, or in the middle,
    which keeps a message's start and its end (where it says what to do)."""
    if len(text) <= limit:
        return text
    if not middle:
        return text[: limit - 1] + ELLIPSIS
    head = (limit - 1) // 2
    return text[:head] + ELLIPSIS + text[len(text) - (limit - 1 - head) :]


def printable_json(value: Any, *, indent: int | None = 2) -> str:
    """`value` as JSON that reads the same when parsed, with every character `printable` would
    escape written as a JSON escape (\\u001b, \\u202e; a pair beyond U+FFFF): a value from data
    can hold anything, and a terminal shows JSON output too."""
    import json  # here: `smtp-tui --help` imports this module, and prints no JSON

    # The lines of the layout: its newlines and spaces stay as they are.
    lines = json.dumps(value, indent=indent, ensure_ascii=False).split("\n")
    return "\n".join(
        line
        if line.isprintable()
        else "".join(c if _shows_as_itself(c) else json.dumps(c)[1:-1] for c in line)
        for line in lines
    )
