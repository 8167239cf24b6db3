"""The SMTP dialogue as it happens, swaks style, with every secret masked before it is kept."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# A hostile server's reply must never drive the terminal.
from smtp_tui.escaping import printable
from smtp_tui.mail.masking import MASK, Masker

MARKS = {
    "client": " -> ",
    "server": "<-  ",
    "info": "=== ",
    "warning": "!!! ",
    "error": "*** ",
    "ok": "+++ ",
}


@dataclass(frozen=True)
class Line:
    kind: str  # client, server, info, warning, error, ok
    text: str
    elapsed: float  # seconds since the attempt started

    def __str__(self) -> str:
        return f"{self.elapsed:7.3f}s {MARKS[self.kind]}{self.text}"


class Transcript:
    """Collects lines, masks the secrets of the send in every one, passes each on as it comes."""

    def __init__(self, on_line: Callable[[Line], None] | None = None, masker: Masker | None = None):
        self.lines: list[Line] = []
        self.on_line = on_line
        self.mask = masker or Masker()
        self.started = time.monotonic()
        self.mask_next_client_line = False  # after a 334, the client answers a challenge

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def add(self, kind: str, text: str) -> None:
        for part in self.mask(text).splitlines() or [""]:
            line = Line(kind, printable(part), self.elapsed)
            self.lines.append(line)
            if self.on_line is not None:
                self.on_line(line)

    def client(self, command: bytes | str) -> None:
        text = command.decode("utf-8", "replace") if isinstance(command, bytes) else command
        words = text.split(" ")
        if self.mask_next_client_line:
            text = MASK
        elif words[0].upper() == "AUTH" and len(words) > 2:
            text = f"{words[0]} {words[1]} {MASK}"
        self.add("client", text)

    def server(self, code: int, message: str) -> None:
        lines = message.splitlines() or [""]
        for number, part in enumerate(lines):
            separator = "-" if number < len(lines) - 1 else " "
            self.add("server", f"{code}{separator}{part}")
        self.mask_next_client_line = code == 334

    def info(self, text: str) -> None:
        self.add("info", text)

    def warning(self, text: str) -> None:
        self.add("warning", text)

    def text(self) -> str:
        return "\n".join(str(line) for line in self.lines)
