"""Realistic databases of N accounts, built fast (bulk inserts, the demo's kinds of values)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import TypeVar

from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.store.models import SmtpAccount, utc_now
from smtp_tui.validation import fold_name

PURPOSES = (
    "Alerts",
    "Password rotation",
    "Access requests",
    "Session recording",
    "Audit reports",
    "Break-glass",
    "Approvals",
    "Certificate expiry",
    "Backup status",
    "Discovery",
)
SITES = ("HQ", "São Paulo DC", "Frankfurt", "Dallas", "Singapore", "Lab", "DR site", "Toronto")
P = TypeVar("P", Path, str)
DOMAINS = ("example.com", "example.org", "example.net", "corp.example.com", "ops.example.org")


def build(path: P, size: int, key_file: Path) -> P:
    """An SQLite database of `size` accounts at `path`, or a PostgreSQL one at a URL (reused
    when it already has accounts, after migrating it, so no start-up measured later pays for
    a migration)."""
    context = AppContext.open(Config(database=str(path), key_file=key_file))
    if SmtpAccount.select().exists():
        context.database.close()
        return path
    rng = random.Random(size)
    now = utc_now()
    rows = []
    for n in range(1, size + 1):
        domain = rng.choice(DOMAINS)
        purpose = PURPOSES[n % len(PURPOSES)]
        secure = rng.random() > 0.3
        name = f"{purpose} - {SITES[n % len(SITES)]} {n:06d}"
        rows.append(
            {
                "name": name,
                "name_folded": fold_name(name),
                "active": rng.random() > 0.15,
                "email": f"{purpose.lower().replace(' ', '-')}-{n}@{domain}",
                "reply_to": f"pam-team@{domain}" if rng.random() > 0.4 else "",
                "return_path": f"bounces@{domain}" if rng.random() > 0.5 else "",
                "confirmation_email": f"read-receipts@{domain}" if rng.random() > 0.7 else "",
                "is_default": n == 1,
                "read_confirmation": rng.random() > 0.7,
                "force_config": rng.random() > 0.6,
                "footer": rng.random() > 0.5,
                "host": f"smtp{n % 50}.{domain}",
                "port": 587 if secure else 25,
                "secure": secure,
                "secure_type": "TLS" if secure else None,
                "created_at": now,
                "updated_at": now,
                "updated_by": "bench",
            }
        )
    with context.database.atomic():
        for start in range(0, len(rows), 5000):
            SmtpAccount.insert_many(rows[start : start + 5000]).execute()
    context.database.close()
    return path


def write_results(lines: list[str], marker: str) -> None:
    """Put `lines` in results.md between the markers `<!-- MARKER -->` and `<!-- /MARKER -->`,
    replacing what was there (added at the end if missing), so a bench can write its
    figures again without touching the notes around them."""
    results = Path(__file__).with_name("results.md")
    start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    text = results.read_text()
    block = "\n".join([start, *lines, end])
    if start in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    results.write_text(text)
