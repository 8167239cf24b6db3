"""Print: the whole filtered report as a paginated plain-text document.

Plain text, not PDF: `lp`/`lpr` print it as it is, the preview is the document itself, it
reads over SSH and needs no font or PDF library on a locked-down appliance.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from smtp_tui import accounts, audit, files
from smtp_tui.accounts import Filters, Sort
from smtp_tui.reports.columns import COLUMNS, FIELDS

# A landscape page at 10 characters per inch, or wide fan-fold paper.
PAGE_WIDTH = 132
PAGE_LINES = 60
FORM_FEED = "\f"
# (column key, width) of the printed table; the yes/no columns are abbreviated, see LEGEND.
PRINTED = (
    ("code", 5),
    ("name", 20),
    ("email", 24),
    ("reply_to", 16),
    ("return_path", 16),
    ("confirmation_email", 16),
    ("status", 8),
    ("default", 3),
    ("secure", 4),
    ("force_config", 3),
    ("read_confirmation", 3),
    ("footer", 3),
)
SHORT_HEADERS = {
    "confirmation_email": "Confirmation",
    "default": "Def",
    "secure": "Sec",
    "force_config": "Frc",
    "read_confirmation": "RC",
    "footer": "Ftr",
}
LEGEND = (
    "Def = default account · Sec = secure connection · Frc = forced configuration · "
    "RC = read confirmation · Ftr = footer"
)
TITLE = "SMTP Configuration"


@dataclass(frozen=True)
class Document:
    pages: list[list[str]]

    @property
    def text(self) -> str:
        return (FORM_FEED + "\n").join("\n".join(page) + "\n" for page in self.pages)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _row(cells: list[str]) -> str:
    return " ".join(
        _fit(cell, width).ljust(width) for cell, (_, width) in zip(cells, PRINTED, strict=True)
    ).rstrip()


def _lines(filters: Filters, sort: Sort) -> Iterator[list[str]]:
    by_key = {c.key: c for c in COLUMNS}
    for account in accounts.iterate_rows(filters, sort, FIELDS):
        yield [by_key[key].text(account) for key, _ in PRINTED]


def render(
    filters: Filters = Filters(), sort: Sort = Sort(), now: datetime | None = None
) -> Document:
    """The document: on every page the title, filters, date, column headers and 'Page N of M'."""
    now = now or datetime.now().astimezone()
    header = _row(
        [
            SHORT_HEADERS.get(key, next(c.header for c in COLUMNS if c.key == key))
            for key, _ in PRINTED
        ]
    )
    rule = "-" * min(PAGE_WIDTH, len(header))
    head = [
        TITLE,
        f"Filters: {filters.describe() or 'none'} · "
        f"sorted by {sort.column}{' descending' if sort.descending else ''}",
        f"Printed {now:%Y-%m-%d %H:%M %Z}".rstrip(),
        LEGEND,
        "",
        header,
        rule,
    ]
    # Two lines for the footer.
    room = PAGE_LINES - len(head) - 2
    bodies: list[list[str]] = [[]]
    count = 0
    for cells in _lines(filters, sort):
        if len(bodies[-1]) == room:
            bodies.append([])
        bodies[-1].append(_row(cells))
        count += 1
    if not count:
        bodies[-1].append("No account matches these filters.")
    pages = []
    for number, body in enumerate(bodies, start=1):
        footer = f"Page {number} of {len(bodies)}"
        total = f"{count} account{'s' if count != 1 else ''}"
        pages.append(head + body + ["", f"{total}{footer.rjust(PAGE_WIDTH - len(total))}"])
    return Document(pages)


def printer_command() -> list[str] | None:
    """How to reach the system printer, when there is one."""
    if shutil.which("lp"):
        return ["lp", "-o", "landscape", "-t", TITLE]
    if shutil.which("lpr"):
        return ["lpr", "-T", TITLE]
    return None


def send_to_printer(document: Document) -> str:
    """Queue the document; returns what the spooler said. Raises OSError or CalledProcessError."""
    command = printer_command()
    if command is None:
        raise FileNotFoundError("No printer command (lp or lpr) on this system.")
    result = subprocess.run(
        command, input=document.text, text=True, capture_output=True, timeout=30, check=True
    )
    _record_print(document, f"the printer ({command[0]})")
    return result.stdout.strip() or "Sent to the printer."


def save(document: Document, path: Path) -> Path:
    """Write the document to the file the user named, the safe way (`files.write_to`)."""
    with files.write_to(path) as target:
        target.write(document.text.encode("utf-8"))
    _record_print(document, files.describe(path))
    return path


def _record_print(document: Document, where: str) -> None:
    audit.record(
        "print",
        "report",
        "",
        TITLE,
        summary=f"{len(document.pages)} page"
        f"{'s' if len(document.pages) != 1 else ''} to {where}; {document.pages[0][1]}",
    )


def default_file_name(now: datetime | None = None) -> str:
    return f"smtp-accounts-{(now or datetime.now()):%Y-%m-%d-%H%M}.txt"
