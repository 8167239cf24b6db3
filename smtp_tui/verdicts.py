"""An account's last test as people read it: relative on the screen (`✓ 2m ago`), absolute in
what is kept or sent on (`2026-11-29 14:03 UTC ✓`), since an export read next week or a
scheduled report read tomorrow has no "now" to count from."""

from __future__ import annotations

from datetime import datetime, timedelta

from smtp_tui.glyphs import UNICODE, Glyphs, current
from smtp_tui.store.models import utc_now

# The longest of mail.diagnosis.STEPS (a test checks it; importing that module here would load
# the SMTP client at start-up).
LONGEST_STEP = "STARTTLS"
# A server certificate expiring sooner than this is warned about: the Last test column's mark,
# the test history, `smtp-tui check` (issue 19).
CERTIFICATE_WARNING_DAYS = 21


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


def expiry_warning(expires: datetime | None, now: datetime) -> bool:
    """Whether a certificate expiring at `expires` (UTC, naive) deserves the warning mark:
    under CERTIFICATE_WARNING_DAYS days left, or expired. The one rule for the mark."""
    if expires is None:
        return False
    return expires - now.replace(tzinfo=None) < timedelta(days=CERTIFICATE_WARNING_DAYS)


def _expiry_mark(expires: datetime | None, now: datetime, symbols: Glyphs) -> str:
    return f" {symbols.warning}" if expiry_warning(expires, now) else ""


def certificate_mark(expires: datetime | None, now: datetime | None = None) -> str:
    """` ⚠` (glyphs.current()) after an outcome whose certificate expires soon, else ""."""
    return _expiry_mark(expires, now or utc_now(), current())


def certificate_note(expires: datetime | None, now: datetime | None = None) -> str:
    """`cert. expires 2026-12-10`, with the warning mark (glyphs.current()) when it is soon,
    for the test history (short: it leads the summary, which a narrow table cuts); "" when no
    certificate was seen."""
    if expires is None:
        return ""
    mark = _expiry_mark(expires, now or utc_now(), current())
    return f"cert. expires {expires:%Y-%m-%d}{mark}"


def label(
    outcome: str | None,
    at: datetime | None,
    now: datetime | None = None,
    expires: datetime | None = None,
) -> str:
    """`✓ 2m ago`, `✗ AUTH 1h ago`, or `never`, for the report's Last test column (in the
    terminal's symbols, glyphs.current()); `✓ ⚠ 2m ago` when the certificate the account's
    server showed (`expires`) expires soon (expiry_warning)."""
    if not outcome or at is None:
        return "never"
    now = now or utc_now()
    seconds = max(0, int((now - at).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            age = f"{seconds // size}{unit} ago"
            break
    else:
        age = "just now"
    symbols = current()
    return f"{verdict(outcome, symbols)}{_expiry_mark(expires, now, symbols)} {age}"


def stamp(outcome: str | None, at: datetime | None, expires: datetime | None = None) -> str:
    """`2026-11-29 14:03 UTC ✓`, `… ✗ AUTH`, or `never`, for exports and scheduled reports
    (files, in Unicode whatever the terminal); `… ✓ ⚠ certificate expires 2026-12-10` when
    the server's certificate expires soon (expiry_warning)."""
    if not outcome or at is None:
        return "never"
    text = f"{at:%Y-%m-%d %H:%M} UTC {verdict(outcome, UNICODE)}"
    if expiry_warning(expires, utc_now()):
        text += f" {UNICODE.warning} certificate expires {expires:%Y-%m-%d}"
    return text


def longest_label() -> int:
    """The width of the longest `label` (a failure at the longest step, days ago)."""
    return max(len(f"{current().failed} {LONGEST_STEP} 99d ago"), len("– cancelled 99d ago"))
