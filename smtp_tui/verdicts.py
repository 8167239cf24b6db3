"""An account's last test as people read it: relative on the screen (`✓ 2m ago`), absolute in
what is kept or sent on (`2026-11-29 14:03 UTC ✓`), since an export read next week or a
scheduled report read tomorrow has no "now" to count from."""

from __future__ import annotations

from datetime import datetime

from smtp_tui.glyphs import UNICODE, Glyphs, current
from smtp_tui.store.models import utc_now

# The longest of mail.diagnosis.STEPS (a test checks it; importing that module here would load
# the SMTP client at start-up).
LONGEST_STEP = "STARTTLS"


def passed(outcome: str | None) -> bool:
    """Whether a test's outcome (delivered, checked, failed STEP, cancelled) proved the account."""
    return outcome in ("delivered", "checked")


def verdict(outcome: str, symbols: Glyphs) -> str:
    """`✓`, `✗ AUTH` or `– cancelled` for a kept outcome."""
    if passed(outcome):
        return symbols.ok
    if outcome == "cancelled":
        return "– cancelled"
    return f"{symbols.failed} {outcome.removeprefix('failed ')}"


def label(outcome: str | None, at: datetime | None, now: datetime | None = None) -> str:
    """`✓ 2m ago`, `✗ AUTH 1h ago`, or `never`, for the report's Last test column (in the
    terminal's symbols, glyphs.current())."""
    if not outcome or at is None:
        return "never"
    seconds = max(0, int(((now or utc_now()) - at).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            age = f"{seconds // size}{unit} ago"
            break
    else:
        age = "just now"
    return f"{verdict(outcome, current())} {age}"


def stamp(outcome: str | None, at: datetime | None) -> str:
    """`2026-11-29 14:03 UTC ✓`, `… ✗ AUTH`, or `never`, for exports and scheduled reports
    (files, in Unicode whatever the terminal)."""
    if not outcome or at is None:
        return "never"
    return f"{at:%Y-%m-%d %H:%M} UTC {verdict(outcome, UNICODE)}"


def longest_label() -> int:
    """The width of the longest `label` (a failure at the longest step, days ago)."""
    return max(len(f"{current().failed} {LONGEST_STEP} 99d ago"), len("– cancelled 99d ago"))
