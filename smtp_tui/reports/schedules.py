"""Report schedules: when each is due, and `run_due`, which e-mails the due reports.

`run_due` is safe under cron: a run claims a due schedule with one conditional UPDATE, so
two runs at once never send the same report. The claim's lease runs from the moment of the
claim and outlasts the send, which a total deadline stops; a failed send is recorded and the
schedule stays due, so the next run retries it.
"""

from __future__ import annotations

import asyncio
import calendar
import io
import json
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal import get_localzone_name

from smtp_tui import accounts, audit, proofs, validation
from smtp_tui.accounts import Filters, Sort
from smtp_tui.errors import DATABASE_ERRORS, NotFound, ValidationFailed
from smtp_tui.mail.compose import compose
from smtp_tui.mail.transport import deliver
from smtp_tui.reports.export import FORMATS, export
from smtp_tui.store.config import current_user
from smtp_tui.store.database import write_transaction
from smtp_tui.store.models import ReportSchedule, ScheduleRun, SmtpAccount, utc_now
from smtp_tui.store.vault import Vault
from smtp_tui.validation import AccountInput, FieldError

FREQUENCIES = ("daily", "weekly", "monthly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# For a claimed schedule's report and its send, whatever each step's timeout.
SEND_DEADLINE = timedelta(minutes=10)
# How long a claim holds, from the moment it is made: the deadline, plus a margin to record the run.
# Longer than the deadline, so no other run can take a schedule while its report may still be sent.
LEASE = SEND_DEADLINE + timedelta(minutes=5)
MIME = {
    "csv": ("text", "csv"),
    "json": ("application", "json"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def local_timezone() -> str:
    try:
        return get_localzone_name() or "UTC"
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return "UTC"


@dataclass(frozen=True)
class ScheduleInput:
    frequency: str = "daily"
    weekday: int | None = None
    day_of_month: int | str | None = None
    time_of_day: str = "07:00"
    timezone: str = field(default_factory=lambda: local_timezone())
    recipients: str = ""
    format: str = "csv"
    filters: Filters = Filters()
    sort: Sort = Sort()
    account_id: int | None = None
    paused: bool = False

    @classmethod
    def from_schedule(cls, schedule: ReportSchedule) -> ScheduleInput:
        return cls(
            schedule.frequency,
            schedule.weekday,
            schedule.day_of_month,
            schedule.time_of_day,
            schedule.timezone,
            schedule.recipients,
            schedule.format,
            Filters(**json.loads(schedule.filters)),
            Sort(schedule.sort_column, schedule.sort_descending),
            schedule.account_id,
            schedule.paused,
        )


def _time_of_day(text: str) -> time:
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        raise FieldError("Time must be HH:MM in 24-hour time, such as 07:30.") from None


def validate(data: ScheduleInput) -> tuple[ScheduleInput, dict[str, str]]:
    """Check every field at once; returns the cleaned input and the errors by field."""
    errors: dict[str, str] = {}
    # each field's value, of that field's type
    cleaned: dict[str, Any] = {}
    if data.frequency not in FREQUENCIES:
        errors["frequency"] = "Choose daily, weekly or monthly."
    if data.frequency == "weekly" and data.weekday not in range(7):
        errors["weekday"] = "Choose the day of the week."
    if data.frequency == "monthly":
        try:
            day = int(str(data.day_of_month).strip())
            if not 1 <= day <= 31:
                raise ValueError
            cleaned["day_of_month"] = day
        except ValueError:
            errors["day_of_month"] = (
                "The day of the month must be 1 to 31 (31: the last day of every month)."
            )
    try:
        cleaned["time_of_day"] = _time_of_day(data.time_of_day).strftime("%H:%M")
    except FieldError as exc:
        errors["time_of_day"] = str(exc)
    try:
        ZoneInfo(data.timezone.strip())
        cleaned["timezone"] = data.timezone.strip()
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = (
            f"Unknown time zone '{data.timezone}': use a name such as Europe/Berlin or UTC."
        )
    addresses = [a.strip() for a in data.recipients.replace(";", ",").split(",") if a.strip()]
    if not addresses:
        errors["recipients"] = "Add at least one recipient."
    else:
        try:
            cleaned["recipients"] = ", ".join(
                validation.email_address(a, f"Recipient '{a}'") for a in addresses
            )
        except FieldError as exc:
            errors["recipients"] = str(exc)
    if data.format not in FORMATS:
        errors["format"] = "Choose CSV, JSON or XLSX."
    if (
        data.account_id is not None
        and not SmtpAccount.select().where(SmtpAccount.code == data.account_id).exists()
    ):
        errors["account"] = "That account no longer exists."
    if data.frequency != "weekly":
        cleaned["weekday"] = None
    if data.frequency != "monthly":
        cleaned["day_of_month"] = None
    return replace(data, **{k: v for k, v in cleaned.items() if k not in errors}), errors


def next_run(data: ScheduleInput, after: datetime) -> datetime:
    """The first run strictly after `after` (UTC, naive), as UTC naive.

    Times are wall-clock times of the schedule's zone: a time skipped by a DST change runs
    at the first moment after the gap, a repeated time runs at its first occurrence.
    """
    zone = ZoneInfo(data.timezone)
    after_utc = after.replace(tzinfo=UTC)
    start = after_utc.astimezone(zone).date()
    at = _time_of_day(data.time_of_day)
    for offset in range(0, 400):
        day = start + timedelta(days=offset)
        if data.frequency == "weekly" and day.weekday() != data.weekday:
            continue
        if data.frequency == "monthly":
            last = calendar.monthrange(day.year, day.month)[1]
            if day.day != min(int(str(data.day_of_month)), last):
                continue
        candidate = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if candidate > after_utc:
            return candidate.replace(tzinfo=None)
    # Unreachable for a valid schedule.
    raise ValueError("no run within a year")


def describe(schedule: ReportSchedule | ScheduleInput) -> str:
    """`Daily at 07:00 (Europe/Berlin)`, `Weekly on Monday at ...`, `Monthly on day 31 at ...`."""
    when = {
        "daily": "Daily",
        "weekly": f"Weekly on {WEEKDAYS[schedule.weekday or 0]}",
        "monthly": f"Monthly on day {schedule.day_of_month}",
    }[schedule.frequency]
    return f"{when} at {schedule.time_of_day} ({schedule.timezone})"


def all_schedules() -> list[ReportSchedule]:
    return list(ReportSchedule.select().order_by(ReportSchedule.next_run_at, ReportSchedule.id))


def get(schedule_id: int) -> ReportSchedule:
    schedule = ReportSchedule.get_or_none(ReportSchedule.id == schedule_id)
    if schedule is None:
        raise NotFound(f"There is no schedule {schedule_id}; it may have been deleted.")
    return schedule


def save(
    data: ScheduleInput,
    *,
    schedule_id: int | None = None,
    now: datetime | None = None,
    actor: str | None = None,
) -> ReportSchedule:
    cleaned, errors = validate(data)
    if errors:
        raise ValidationFailed(errors)
    now = now or utc_now()
    values = {
        "frequency": cleaned.frequency,
        "weekday": cleaned.weekday,
        "day_of_month": cleaned.day_of_month,
        "time_of_day": cleaned.time_of_day,
        "timezone": cleaned.timezone,
        "recipients": cleaned.recipients,
        "format": cleaned.format,
        "filters": json.dumps(asdict(cleaned.filters)),
        "sort_column": cleaned.sort.column,
        "sort_descending": cleaned.sort.descending,
        "account": cleaned.account_id,
        "paused": cleaned.paused,
        "next_run_at": next_run(cleaned, now),
        "updated_at": now,
    }
    with write_transaction():
        before = _audit_view(get(schedule_id)) if schedule_id is not None else {}
        if schedule_id is None:
            saved = ReportSchedule.create(
                **values, created_by=actor or current_user(), created_at=now
            )
        else:
            ReportSchedule.update(**values).where(ReportSchedule.id == schedule_id).execute()
            saved = get(schedule_id)
        changes = audit.diff(before, _audit_view(saved))
        if changes:
            audit.record(
                "create" if schedule_id is None else "edit",
                "schedule",
                saved.id,
                describe(saved),
                changes=changes,
                actor=actor,
            )
        return saved


def _audit_view(schedule: ReportSchedule) -> dict[str, object]:
    return {
        "when": describe(schedule),
        "recipients": schedule.recipients,
        "format": schedule.format,
        "filters": schedule.filters,
        "account": schedule.account_id,
        "paused": schedule.paused,
    }


def set_paused(schedule_id: int, paused: bool, now: datetime | None = None) -> ReportSchedule:
    """Pause, or resume from now on (a resumed schedule does not send what it missed)."""
    data = replace(ScheduleInput.from_schedule(get(schedule_id)), paused=paused)
    return save(data, schedule_id=schedule_id, now=now)


def delete(schedule_id: int) -> None:
    with write_transaction():
        schedule = get(schedule_id)
        audit.record(
            "delete",
            "schedule",
            schedule_id,
            describe(schedule),
            changes=audit.diff(_audit_view(schedule), {}),
        )
        schedule.delete_instance()


def runs(schedule_id: int, limit: int = 50) -> list[ScheduleRun]:
    return list(
        ScheduleRun.select()
        .where(ScheduleRun.schedule == schedule_id)
        .order_by(ScheduleRun.started_at.desc())
        .limit(limit)
    )


@dataclass(frozen=True)
class RunResult:
    schedule_id: int
    sent: bool
    summary: str
    note: str = ""  # when the run could not be recorded


def _claim(schedule_id: int, now: datetime, token: str) -> datetime | None:
    """Take the schedule if it is due at `now` and nobody holds it.

    Returns the moment of the claim, or None. The lease runs from the moment of the claim, not
    from `now` (when the run started: a run that has been sending other reports for a while
    would hand out leases already expired).
    """
    claimed_at = utc_now()
    claimed = (
        ReportSchedule.update(claimed_until=claimed_at + LEASE, claimed_by=token)
        .where(
            (ReportSchedule.id == schedule_id)
            & (ReportSchedule.next_run_at <= now)
            & (ReportSchedule.paused == False)  # noqa: E712 (SQL, not Python)
            & (ReportSchedule.claimed_until.is_null() | (ReportSchedule.claimed_until < claimed_at))
        )
        .execute()
    )
    return claimed_at if claimed == 1 else None


def _sending_account(schedule: ReportSchedule) -> SmtpAccount:
    if schedule.account_id is not None:
        return accounts.get(schedule.account_id)
    default = SmtpAccount.get_or_none(SmtpAccount.is_default)
    if default is None:
        raise NotFound("There is no default account to send the report through.")
    return default


def _send(
    schedule: ReportSchedule, vault: Vault, now: datetime, deadline: datetime
) -> tuple[bool, int, str]:
    account = _sending_account(schedule)
    data = ScheduleInput.from_schedule(schedule)
    attachment = io.BytesIO()
    rows = export(schedule.format, attachment, data.filters, data.sort)
    recipients = [a.strip() for a in schedule.recipients.split(",")]
    envelope = compose(
        validation.validate_account(AccountInput.from_account(account))[0],
        to=recipients,
        subject=f"SMTP Configuration report · {now:%Y-%m-%d}",
        body=(
            f"The SMTP Configuration report ({rows} account{'s' if rows != 1 else ''}), "
            f"as scheduled: {describe(schedule)}.\nFilters: {data.filters.describe() or 'none'}."
        ),
    )
    maintype, subtype = MIME[schedule.format]
    envelope.message.add_attachment(
        attachment.getvalue(),
        maintype=maintype,
        subtype=subtype,
        filename=f"smtp-accounts-{now:%Y-%m-%d}.{schedule.format}",
    )
    server = proofs.server_settings(AccountInput.from_account(account), vault, saved=account)
    try:
        outcome = asyncio.run(
            asyncio.wait_for(deliver(server, envelope), (deadline - utc_now()).total_seconds())
        )
    except TimeoutError:
        return (
            False,
            rows,
            (
                f"Stopped: the send did not finish within {SEND_DEADLINE.total_seconds() / 60:g} "
                "minutes of the claim, so that no other run sends this report while it may still "
                "go. It stays due; the next run tries again."
            ),
        )
    return (
        outcome.ok,
        rows,
        outcome.verdict + (f" Hint: {outcome.failure.hint}" if outcome.failure else ""),
    )


def _record(
    schedule: ReportSchedule,
    token: str,
    sent: bool,
    rows: int,
    summary: str,
    started: datetime,
    now: datetime,
    actor: str | None,
) -> None:
    """Keep the run, release the claim and, when sent, move the schedule to its next run."""
    with write_transaction():
        ScheduleRun.create(
            schedule=schedule.id,
            started_at=started,
            finished_at=utc_now(),
            outcome="sent" if sent else "failed",
            rows=rows,
            summary=summary,
            run_by=token,
        )
        values = {
            "claimed_until": None,
            "claimed_by": None,
            "last_run_at": now,
            "last_outcome": "sent" if sent else "failed",
        }
        if sent:
            values["next_run_at"] = next_run(ScheduleInput.from_schedule(schedule), now)
        ReportSchedule.update(**values).where(
            (ReportSchedule.id == schedule.id) & (ReportSchedule.claimed_by == token)
        ).execute()
        audit.record(
            "schedule run",
            "schedule",
            schedule.id,
            describe(schedule),
            actor=actor,
            summary=f"{'Sent' if sent else 'Failed'} to {schedule.recipients}: {summary}",
        )


def run_due(
    vault: Vault, *, now: datetime | None = None, actor: str | None = None
) -> list[RunResult]:
    """Send every due, unpaused report once; record each run."""
    now = now or utc_now()
    token = f"{actor or current_user()}/{uuid.uuid4()}"
    due = [
        s.id
        for s in ReportSchedule.select(ReportSchedule.id).where(
            # Peewee builds SQL from `== False`, which `not paused` would not: E712 does not apply.
            (ReportSchedule.next_run_at <= now) & (ReportSchedule.paused == False)  # noqa: E712
        )
    ]
    results = []
    for schedule_id in due:
        claimed_at = _claim(schedule_id, now, token)
        if claimed_at is None:
            # Another run has it.
            continue
        schedule = get(schedule_id)
        started = utc_now()
        try:
            sent, rows, summary = _send(schedule, vault, now, claimed_at + SEND_DEADLINE)
        except Exception as exc:  # noqa: BLE001 - recorded, and retried on the next run
            sent, rows, summary = False, 0, f"{type(exc).__name__}: {exc}"
        try:
            _record(schedule, token, sent, rows, summary, started, now, actor)
        except DATABASE_ERRORS as exc:
            # Sent or not, the run is over: say what happened, and stop.
            again = "sends the report again" if sent else "tries again"
            results.append(
                RunResult(
                    schedule_id,
                    sent,
                    summary,
                    note=(
                        f"Not recorded: the database did not take this run ({exc}). "
                        "The schedule stays due and held by this run until "
                        f"{claimed_at + LEASE:%Y-%m-%d %H:%M} UTC; "
                        f"the first run after that {again}."
                    ),
                )
            )
            # The next claim would wait for the same database: the other reports stay due.
            break
        results.append(RunResult(schedule_id, sent, summary))
    return results
