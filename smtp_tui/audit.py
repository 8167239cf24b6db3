"""The audit trail: every change, test, export, print and scheduled run, with who, when and
from where. Services call `record` inside the transaction of the change it describes, so a
change and its audit row are kept or lost together. Secrets appear only as "secret changed"."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from smtp_tui.choices import AUDIT_ACTIONS
from smtp_tui.escaping import printable, shortened
from smtp_tui.paging import page_count
from smtp_tui.store.config import current_user
from smtp_tui.store.models import AuditEvent, utc_now

PAGE_SIZE = 30
ACTIONS = AUDIT_ACTIONS
SECRET_CHANGED = "secret changed"


# The length of the audit's name columns (varchar(255) on PostgreSQL).
NAME_COLUMN = AuditEvent.object_name.max_length


def ssh_client() -> str:
    """The address the SSH session comes from (SSH_CLIENT / SSH_CONNECTION), or ''."""
    for variable in ("SSH_CLIENT", "SSH_CONNECTION"):
        value = os.environ.get(variable, "").split()
        if value:
            return value[0]
    return ""


def diff(
    old: dict[str, Any], new: dict[str, Any], secret_fields: tuple[str, ...] = ()
) -> dict[str, list]:
    """{field: [old, new]} for every field that changed; secrets as 'secret changed'."""
    changes = {}
    for field in sorted(set(old) | set(new)):
        before, after = _blank_is_none(old.get(field)), _blank_is_none(new.get(field))
        if before != after:
            changes[field] = (
                [SECRET_CHANGED, SECRET_CHANGED] if field in secret_fields else [before, after]
            )
    return changes


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def record(
    action: str,
    object_type: str,
    object_id: Any = "",
    name: str = "",
    *,
    changes: dict[str, list] | None = None,
    summary: str = "",
    actor: str | None = None,
) -> AuditEvent:
    """Add one audit row (inside the caller's transaction, when it has one). The name and
    summary are kept as they are shown: a file name with bytes that are not UTF-8 (which no
    database takes) or a control character is kept escaped."""
    plain = {field: [_plain(v) for v in values] for field, values in (changes or {}).items()}
    # Escaped, a name can outgrow its column (PostgreSQL's varchar(255) refuses it, and the
    # change with it): cut with an ellipsis; the changes keep the whole name.
    return AuditEvent.create(
        at=utc_now(),
        user=shortened(actor or current_user(), NAME_COLUMN),
        client=shortened(ssh_client(), NAME_COLUMN),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_name=shortened(printable(name), NAME_COLUMN),
        changes=json.dumps(plain, ensure_ascii=False, sort_keys=True),
        summary=printable(summary),
    )


@dataclass(frozen=True)
class AuditFilters:
    account: str = ""  # an account's code, or part of a name
    user: str = ""
    action: str = ""  # one of ACTIONS, or '' for all
    since: date | None = None
    until: date | None = None  # inclusive

    def is_empty(self) -> bool:
        return self == AuditFilters()


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditEvent]
    number: int
    pages: int
    total: int

    def describe(self) -> str:
        return (
            f"Page {self.number} of {self.pages} · "
            f"{self.total} event{'s' if self.total != 1 else ''}"
        )


def _query(filters: AuditFilters):
    query = AuditEvent.select()
    if filters.account.strip():
        text = filters.account.strip()
        # Digits: a code.
        if text.isdigit():
            query = query.where(
                (AuditEvent.object_type == "account") & (AuditEvent.object_id == text)
            )
        else:
            query = query.where(AuditEvent.object_name.contains(text))
    if filters.user.strip():
        query = query.where(AuditEvent.user.contains(filters.user.strip()))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since:
        query = query.where(AuditEvent.at >= datetime.combine(filters.since, datetime.min.time()))
    # Until the last day there is: no bound.
    if filters.until and filters.until < date.max:
        query = query.where(
            AuditEvent.at < datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
        )
    return query


def search(
    filters: AuditFilters = AuditFilters(), page: int = 1, page_size: int = PAGE_SIZE
) -> AuditPage:
    """Newest first, 30 a page."""
    query = _query(filters)
    total = query.count()
    pages = page_count(total, page_size)
    number = min(max(1, page), pages)
    rows = list(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).paginate(number, page_size)
    )
    return AuditPage(rows, number, pages, total)


def iterate(filters: AuditFilters = AuditFilters()):
    return _query(filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).iterator()


def to_record(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(timespec="seconds") + "Z",
        "user": event.user,
        "client": event.client,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_name": event.object_name,
        "changes": json.loads(event.changes),
        "summary": event.summary,
    }


def describe_changes(event: AuditEvent) -> str:
    """`port: 25 → 587; footer: False → True` for people."""
    changes = json.loads(event.changes)
    return "; ".join(
        SECRET_CHANGED
        if old == new == SECRET_CHANGED
        else f"{field}: {_shown(old)} → {_shown(new)}"
        for field, (old, new) in changes.items()
    )


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def parse_day(text: str, label: str) -> date | None:
    """A YYYY-MM-DD filter; None when empty. Raises ValueError with a message."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{label} must be a date such as 2026-11-28.") from None
