"""Download: the whole filtered, sorted report as CSV (RFC 4180, UTF-8), JSON or XLSX.

Rows stream from the database one at a time (`accounts.iterate`), so memory stays flat
however many accounts there are; XLSX uses xlsxwriter's constant-memory mode.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import BinaryIO

from smtp_tui import accounts, audit, files
from smtp_tui.accounts import Filters, Sort
from smtp_tui.choices import EXPORT_FORMATS, EXPORT_TEXT_FORMATS
from smtp_tui.reports.columns import COLUMNS, FIELDS

FORMATS = EXPORT_FORMATS
TEXT_FORMATS = EXPORT_TEXT_FORMATS
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Progress = Callable[[int, int], None]  # (rows written, rows in all)


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula, made inert with a leading apostrophe (OWASP)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def default_file_name(fmt: str, today: date | None = None) -> str:
    return f"smtp-accounts-{(today or date.today()).isoformat()}.{fmt}"


def export(
    fmt: str,
    target: BinaryIO,
    filters: Filters = Filters(),
    sort: Sort = Sort(),
    progress: Progress | None = None,
) -> int:
    """Write the report in `fmt` to the binary stream `target`; returns the number of rows."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    total = accounts.count(filters)
    rows = accounts.iterate_rows(filters, sort, FIELDS)
    writer = {"csv": _csv, "json": _json, "xlsx": _xlsx}[fmt]
    return writer(rows, target, total, progress or (lambda done, total: None))


def export_to_file(
    fmt: str,
    path: Path | str,
    filters: Filters = Filters(),
    sort: Sort = Sort(),
    progress: Progress | None = None,
) -> int:
    """Write to the file the user named (`-` for stdout) the safe way (`files.write_to`): a
    failure never leaves half a report, nor replaces a device, a link or a file's mode."""
    with files.write_to(path) as target:
        count = export(fmt, target, filters, sort, progress)
    record_export(fmt, count, filters, files.describe(path))
    return count


def record_export(fmt: str, count: int, filters: Filters, where: str) -> None:
    """The audit row of a download: what, how many, which filters, where to."""
    audit.record(
        "export",
        "report",
        "",
        "SMTP Configuration",
        summary=f"{fmt.upper()} of {count} account{'s' if count != 1 else ''} to {where}; "
        f"filters: {filters.describe() or 'none'}",
    )


def _csv(rows, target: BinaryIO, total: int, progress: Progress) -> int:
    # Rows gather in a string buffer written out every 1000 rows, not through a TextIOWrapper
    # on `target`: one left behind by a failure closes the caller's stream when collected.
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")  # RFC 4180
    writer.writerow([c.header for c in COLUMNS])
    texts = [c.text for c in COLUMNS]
    # Only these can start like a formula.
    free = [i for i, c in enumerate(COLUMNS) if c.free_text]
    count = 0
    for count, account in enumerate(rows, start=1):
        cells = [text_of(account) for text_of in texts]
        for i in free:
            cells[i] = neutralise(cells[i])
        writer.writerow(cells)
        if count % 1000 == 0:
            _drain(text, target)
            progress(count, total)
    _drain(text, target)
    progress(count, total)
    return count


def _drain(text: io.StringIO, target: BinaryIO) -> None:
    target.write(text.getvalue().encode("utf-8"))
    text.seek(0)
    text.truncate()


def _json(rows, target: BinaryIO, total: int, progress: Progress) -> int:
    target.write(b"[")
    count = 0
    for count, account in enumerate(rows, start=1):
        record = {c.key: c.value(account) for c in COLUMNS}
        target.write(
            (b"\n  " if count == 1 else b",\n  ") + json.dumps(record, ensure_ascii=False).encode()
        )
        if count % 1000 == 0:
            progress(count, total)
    target.write(b"\n]\n" if count else b"]\n")
    progress(count, total)
    return count


def _xlsx(rows, target: BinaryIO, total: int, progress: Progress) -> int:
    # Imported here, not above: its import time (bench/results.md) is for the XLSX download
    # alone, not for every start.
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    zip_target = _ZipTarget(target)
    # xlsxwriter assembles the parts in temporary files, and leaves them behind when it fails:
    # a directory of our own is removed whatever happens.
    with tempfile.TemporaryDirectory(prefix="smtp-tui-xlsx-") as scratch:
        try:
            return _workbook(
                xlsxwriter.Workbook(
                    zip_target,
                    {
                        "constant_memory": True,
                        "in_memory": False,
                        "tmpdir": scratch,
                        "strings_to_formulas": False,
                        "strings_to_numbers": False,
                    },
                ),
                rows,
                total,
                progress,
            )
        except BaseException as exc:
            zip_target.abandon()
            cause = exc.args[0] if isinstance(exc, FileCreateError) and exc.args else exc
            # The scratch files failed, not the target.
            if isinstance(cause, OSError) and not zip_target.failed:
                raise OSError(
                    cause.errno,
                    f"{cause.strerror} in {os.path.dirname(scratch)}, "
                    "where the XLSX file is assembled",
                ) from None
            if cause is not exc:
                raise cause from None
            raise


def _workbook(workbook, rows, total: int, progress: Progress) -> int:
    sheet = workbook.add_worksheet("SMTP accounts")
    bold = workbook.add_format({"bold": True})
    for column, c in enumerate(COLUMNS):
        sheet.write_string(0, column, c.header, bold)
    count = 0
    for count, account in enumerate(rows, start=1):
        for column, c in enumerate(COLUMNS):
            if c.key == "code":
                sheet.write_number(count, column, account.code)
            else:
                # Always a string cell, never a formula, whatever it starts with.
                sheet.write_string(count, column, c.text(account))
        if count % 1000 == 0:
            progress(count, total)
    sheet.freeze_panes(1, 0)
    workbook.close()
    progress(count, total)
    return count


class _ZipTarget:
    """The target as xlsxwriter's ZipFile sees it.

    When writing the workbook fails (a full disk), xlsxwriter leaves its ZipFile open; once
    collected, long after the target was closed and thrown away, the ZipFile tries to finish
    the archive and Python prints "Exception ignored ... seek of closed file". An abandoned
    target takes those last calls and does nothing with them.
    """

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._abandoned = False
        self._position = 0  # once abandoned: where the ZipFile believes it is, for its sums
        self.failed = False  # a write to the target itself failed (not one of the scratch files)

    def abandon(self) -> None:
        self._abandoned = True

    def write(self, data) -> int:
        if self._abandoned:
            self._position += len(data)
            return len(data)
        return self._call(self._stream.write, data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if self._abandoned:
            self._position = offset + (self._position if whence == os.SEEK_CUR else 0)
            return self._position
        # A seek flushes: a full disk shows here too.
        return self._call(self._stream.seek, offset, whence)

    def tell(self) -> int:
        return self._position if self._abandoned else self._call(self._stream.tell)

    def flush(self) -> None:
        if not self._abandoned:
            self._call(self._stream.flush)

    def _call(self, method, *args):
        try:
            return method(*args)
        except OSError as exc:
            # A pipe cannot tell: ZipFile then streams.
            self.failed = exc.errno != errno.ESPIPE
            raise
