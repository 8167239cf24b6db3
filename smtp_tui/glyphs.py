"""The few symbols the screens and the command line draw, in Unicode or in ASCII.

The Linux console (TERM=linux) has no font for ✓, ⚠ or 🔎, and a terminal in a non-UTF-8 locale
(LANG=C over SSH, a serial line) shows them as garbage: there the symbols fall back to ASCII.
This module is the one place that decides; SMTP_TUI_GLYPHS=ascii or unicode overrides it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import NamedTuple


class Glyphs(NamedTuple):
    """A terminal's symbols (a NamedTuple, not a dataclass: dataclasses imports inspect and
    ast, which `smtp-tui --help` would wait for)."""

    ok: str  # a test passed
    failed: str  # a test failed; an error under a field
    warning: str
    search: str  # the command palette's search icon
    app: str  # the header's icon
    default: str  # the default account in the report
    radio_left: str
    radio_on: str  # inside a chosen radio button
    radio_right: str
    spinner: str  # the frames of a wait, one after the other


UNICODE = Glyphs(
    ok="✓",
    failed="✗",
    warning="⚠",
    search="🔎",
    app="⭘",
    default="★",
    radio_left="▐",
    radio_on="●",
    radio_right="▌",
    spinner="⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏",
)
ASCII = Glyphs(
    ok="OK",
    failed="X",
    warning="!",
    search=">",
    app="*",
    default="*",
    radio_left="(",
    radio_on="o",
    radio_right=")",
    spinner="|/-\\",
)

# Terminals whose fonts stop at Latin-1 and box drawing (the Linux console, serial VTs).
_NARROW_TERMINALS = ("linux", "vt100", "vt102", "vt220")


def _utf8(name: str | None) -> bool:
    return (name or "").lower().replace("-", "").replace("_", "") in ("utf8", "utf8mb4")


def unicode_terminal(environ: Mapping[str, str] | None = None, encoding: str | None = None) -> bool:
    """Whether the terminal of `environ` (os.environ) can show the Unicode symbols; `encoding`
    is the output's (sys.stdout's by default)."""
    env = os.environ if environ is None else environ
    chosen = env.get("SMTP_TUI_GLYPHS", "").lower()
    if chosen in ("ascii", "unicode"):
        return chosen == "unicode"
    term = env.get("TERM", "")
    if term.split("-")[0] in _NARROW_TERMINALS:
        return False
    # The locale the terminal was opened with: the first of these that is set decides (POSIX).
    # Python runs in UTF-8 even under LANG=C (PEP 538, 540), so its encoding alone cannot tell.
    locale = next((env[name] for name in ("LC_ALL", "LC_CTYPE", "LANG") if env.get(name)), "")
    if locale:
        charset = locale.split(".", 1)[1].split("@")[0] if "." in locale else ""
        if not _utf8(charset):
            return False
    if encoding is None:
        encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    return _utf8(encoding)


def glyphs(environ: Mapping[str, str] | None = None, encoding: str | None = None) -> Glyphs:
    """The symbols this terminal shows (see unicode_terminal)."""
    return UNICODE if unicode_terminal(environ, encoding) else ASCII


_current: Glyphs | None = None


def decide(environ: Mapping[str, str] | None = None, encoding: str | None = None) -> Glyphs:
    """Decide the symbols for this run (the command line and the app call it as they start;
    the terminal does not change under a running program)."""
    global _current
    _current = glyphs(environ, encoding)
    return _current


def current() -> Glyphs:
    """The symbols decided for this run (decided now if nothing did yet)."""
    return _current if _current is not None else decide()
