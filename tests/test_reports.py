"""Download, print and schedules, on a real SQLite file; scheduled sends to a real aiosmtpd."""

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import openpyxl
import pytest

from smtp_tui import accounts, credentials
from smtp_tui.accounts import Filters, Sort
from smtp_tui.cli import build_parser, run_command
from smtp_tui.reports import printing, schedules
from smtp_tui.reports.export import export, export_to_file, neutralise
from smtp_tui.reports.schedules import ScheduleInput, next_run
from smtp_tui.store.models import ReportSchedule, ScheduleRun, utc_now
from smtp_tui.validation import AccountInput
from tests.conftest import account_input, impatient, write_lock_held
from tests.mailservers import PASSWORD, USER, Handler, free_port, start_server

SECRET = "Never-Export-Me-77"
DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturn"]
NAMED = DANGEROUS[:4]  # names are trimmed, so no account name starts with a tab or CR


@pytest.fixture
def report(context, seventy_five):
    credential = credentials.save(context.vault, name="relay", username="svc", secret=SECRET)
    for number, name in enumerate(NAMED, start=1):
        accounts.save(
            account_input(100 + number, name=name, authentication=True, credential_id=credential.id)
        )
    return context


def test_neutralise():
    assert [neutralise(t) for t in DANGEROUS] == ["'" + t for t in DANGEROUS]
    assert neutralise("Alerts") == "Alerts" and neutralise("") == ""


def test_csv_has_every_filtered_row_sorted_and_neutralised(report):
    buffer = io.BytesIO()
    count = export("csv", buffer, Filters(status="active"), Sort("name", descending=True))
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8"), newline="")))
    expected = [
        a.name for a in accounts.iterate(Filters(status="active"), Sort("name", descending=True))
    ]
    assert (
        count == len(expected) == len(rows) - 1 == 64
    )  # 60 active of 75 + 4 dangerous, beyond one page
    assert rows[0][:3] == ["Code", "Name", "E-mail"]
    names = [r[1] for r in rows[1:]]
    assert [n.lstrip("'") for n in names] == expected
    assert all(not n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)
    assert b"\r\n" in buffer.getvalue() and SECRET.encode() not in buffer.getvalue()


def test_json_rows_are_typed_and_complete(report):
    buffer = io.BytesIO()
    export("json", buffer, Filters(name="relay"))
    records = json.loads(buffer.getvalue())
    assert len(records) == accounts.search(Filters(name="relay")).total == 38
    assert set(records[0]) == {
        "code",
        "name",
        "email",
        "reply_to",
        "return_path",
        "confirmation_email",
        "status",
        "default",
        "secure",
        "force_config",
        "read_confirmation",
        "footer",
        "last_test",
    }
    assert records[0]["default"] is True and records[0]["secure"] == "tls"
    assert SECRET.encode() not in buffer.getvalue()


def test_xlsx_cells_are_text_never_formulas(report, tmp_path):
    path = tmp_path / "report.xlsx"
    count = export_to_file("xlsx", path, Filters(), Sort("code"))
    sheet = openpyxl.load_workbook(path).active
    assert sheet.max_row == count + 1 == 80
    assert [c.value for c in sheet[1]][:2] == ["Code", "Name"]
    dangerous = {sheet.cell(row, 2).value: sheet.cell(row, 2).data_type for row in range(77, 81)}
    assert set(dangerous) == set(NAMED) and set(dangerous.values()) == {"s"}
    assert not list(tmp_path.glob("*.partial"))
    assert SECRET.encode() not in path.read_bytes()


def test_an_unwritable_target_leaves_nothing_behind(report, tmp_path):
    target = tmp_path / "missing-dir" / "r.csv"
    with pytest.raises(OSError):
        export_to_file("csv", target)
    assert not target.exists()


def test_print_document_paginates_with_a_header_on_every_page(report):
    document = printing.render(Filters(), Sort(), now=datetime(2026, 11, 28, 9, 30))
    assert len(document.pages) == 2  # 79 accounts, 51 a page
    for number, page in enumerate(document.pages, start=1):
        assert page[0] == "SMTP Configuration"
        assert page[1] == "Filters: none · sorted by code"
        assert page[2].startswith("Printed 2026-11-28 09:30")
        assert page[5].startswith("Code  Name")
        assert page[-1].endswith(f"Page {number} of 2") and page[-1].startswith("79 accounts")
        assert len(page) <= printing.PAGE_LINES
        assert all(len(line) <= printing.PAGE_WIDTH for line in page)
    assert document.text.count(printing.FORM_FEED) == 1
    filtered = printing.render(Filters(status="inactive"), Sort("name", True))
    assert filtered.pages[0][1] == "Filters: Inactive · sorted by name descending"
    assert len(filtered.pages) == 1 and "Page 1 of 1" in filtered.pages[0][-1]


def daily(time_of_day="07:00", zone="Europe/Berlin", **kw):
    return ScheduleInput(
        frequency="daily", time_of_day=time_of_day, timezone=zone, recipients="a@example.com", **kw
    )


@pytest.mark.parametrize(
    "rule,after,expected",
    [
        (
            daily(),
            datetime(2026, 1, 10, 5, 0),
            datetime(2026, 1, 10, 6, 0),
        ),  # 07:00 CET = 06:00 UTC
        (daily(), datetime(2026, 1, 10, 6, 0), datetime(2026, 1, 11, 6, 0)),  # strictly after
        (daily(), datetime(2026, 7, 10, 6, 0), datetime(2026, 7, 11, 5, 0)),  # summer: CEST
        (
            daily("02:30"),
            datetime(2026, 3, 28, 12, 0),
            datetime(2026, 3, 29, 1, 30),
        ),  # skipped by DST: 03:30 CEST
        (
            daily("02:30"),
            datetime(2026, 10, 24, 12, 0),
            datetime(2026, 10, 25, 0, 30),
        ),  # repeated: the first
        (
            ScheduleInput(frequency="weekly", weekday=0, time_of_day="08:00", timezone="UTC"),
            datetime(2026, 11, 28, 12, 0),
            datetime(2026, 11, 30, 8, 0),
        ),  # Saturday -> Monday
        (
            ScheduleInput(
                frequency="monthly", day_of_month=31, time_of_day="08:00", timezone="UTC"
            ),
            datetime(2026, 1, 31, 9, 0),
            datetime(2026, 2, 28, 8, 0),
        ),  # the last day of February
        (
            ScheduleInput(
                frequency="monthly", day_of_month=31, time_of_day="08:00", timezone="UTC"
            ),
            datetime(2028, 2, 1, 0, 0),
            datetime(2028, 2, 29, 8, 0),
        ),  # leap year
        (
            ScheduleInput(
                frequency="monthly",
                day_of_month=15,
                time_of_day="23:30",
                timezone="America/New_York",
            ),
            datetime(2026, 12, 16, 0, 0),
            datetime(2026, 12, 16, 4, 30),
        ),  # still the 15th in New York
    ],
)
def test_next_run(rule, after, expected):
    assert next_run(rule, after) == expected


def test_schedule_validation(db):
    with pytest.raises(Exception) as failure:
        schedules.save(
            ScheduleInput(
                frequency="monthly",
                day_of_month="32",
                time_of_day="25:00",
                timezone="Mars/Olympus",
                recipients="a@example.com, nope",
                format="pdf",
            )
        )
    assert failure.value.errors == {
        "day_of_month": "The day of the month must be 1 to 31 (31: the last day of every month).",
        "time_of_day": "Time must be HH:MM in 24-hour time, such as 07:30.",
        "timezone": "Unknown time zone 'Mars/Olympus': use a name such as Europe/Berlin or UTC.",
        "recipients": (
            "Recipient 'nope' is not a valid e-mail address: An email address must have an @-sign."
        ),
        "format": "Choose CSV, JSON or XLSX.",
    }


def sending_setup(context, port):
    credential = credentials.save(context.vault, name="relay", username=USER, secret=PASSWORD)
    accounts.save(
        account_input(
            1,
            host="localhost",
            port=port,
            secure=True,
            secure_type="TLS",
            authentication=True,
            credential_id=credential.id,
            timeout=5,
        )
    )
    for n in range(2, 41):
        accounts.save(account_input(n, active=n % 4 != 0))
    return schedules.save(
        ScheduleInput(
            frequency="daily",
            time_of_day="07:00",
            timezone="UTC",
            recipients="ops@example.com, audit@example.com",
            format="csv",
            filters=Filters(status="inactive"),
        ),
        now=datetime(2026, 11, 27, 12, 0),
    )


def test_run_due_sends_the_report_as_an_attachment(context, starttls_server):
    schedule = sending_setup(context, starttls_server.port)
    assert schedule.next_run_at == datetime(2026, 11, 28, 7, 0)
    assert schedules.run_due(context.vault, now=datetime(2026, 11, 28, 6, 59)) == []  # not due yet
    [result] = schedules.run_due(context.vault, now=datetime(2026, 11, 28, 7, 1))
    assert result.sent, result.summary
    [received] = starttls_server.handler.received
    assert received.rcpt_tos == ["ops@example.com", "audit@example.com"]
    attachment = next(p for p in received.message.walk() if p.get_filename())
    assert attachment.get_filename() == "smtp-accounts-2026-11-28.csv"
    rows = list(csv.reader(io.StringIO(attachment.get_payload(decode=True).decode())))
    assert len(rows) == 1 + 10 and all(r[6] == "Inactive" for r in rows[1:])
    fresh = schedules.get(schedule.id)
    assert (fresh.last_outcome, fresh.next_run_at, fresh.claimed_by) == (
        "sent",
        datetime(2026, 11, 29, 7, 0),
        None,
    )
    assert ScheduleRun.get().outcome == "sent"
    assert (
        schedules.run_due(context.vault, now=datetime(2026, 11, 28, 7, 5)) == []
    )  # once per due time


def test_a_failed_send_is_recorded_and_retried_next_run(context, starttls_server):
    schedule = sending_setup(context, starttls_server.port)
    account = accounts.get(1)
    accounts.save(
        replace(AccountInput.from_account(account), port=free_port()), code=1
    )  # the server is away
    [failed] = schedules.run_due(context.vault, now=datetime(2026, 11, 28, 7, 1))
    assert not failed.sent and "refused the connection" in failed.summary
    assert schedules.get(schedule.id).next_run_at == datetime(2026, 11, 28, 7, 0)  # still due
    accounts.save(
        replace(AccountInput.from_account(account), port=starttls_server.port), code=1
    )  # it is back
    [retried] = schedules.run_due(context.vault, now=datetime(2026, 11, 28, 7, 10))
    assert retried.sent
    assert [r.outcome for r in ScheduleRun.select().order_by(ScheduleRun.id)] == ["failed", "sent"]


def test_two_concurrent_runs_never_send_the_same_report_twice(context, starttls_server):
    sending_setup(context, starttls_server.port)
    ReportSchedule.update(next_run_at=datetime(2020, 1, 1)).execute()  # due now
    env = {
        **os.environ,
        "SMTP_TUI_DB": context.config.database,
        "SMTP_TUI_KEY_FILE": str(context.config.key_file),
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "smtp_tui", "schedules", "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert len(starttls_server.handler.received) == 1
    assert ScheduleRun.select().count() == 1
    assert sum("sent" in out for out, _ in outputs) == 1


@dataclass
class HeldHandler(Handler):
    """Holds the first message at DATA until released: a send that is still going."""

    in_data: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    held: bool = False

    async def handle_DATA(self, server, session, envelope):
        if not self.held:
            self.held = True
            self.in_data.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def held_server(certificates, trust_test_ca):
    server = start_server(
        tls_context=certificates.server_context(), require_starttls=True, handler=HeldHandler()
    )
    yield server
    server.handler.release.set()
    server.controller.stop()


def run_in_thread(context, **kwargs) -> tuple[threading.Thread, list]:
    """run_due in a thread of its own (its own database connection), as a second cron job runs."""
    results = []

    def work():
        try:
            results.extend(schedules.run_due(context.vault, **kwargs))
        finally:
            context.database.close()

    thread = threading.Thread(target=work)
    thread.start()
    return thread, results


def test_a_run_started_long_ago_holds_its_claim_from_the_moment_it_claims(context, held_server):
    schedule = sending_setup(context, held_server.port)
    long_ago = utc_now() - timedelta(
        hours=2
    )  # a run that has been busy with other reports since then
    ReportSchedule.update(next_run_at=long_ago - timedelta(minutes=1)).execute()
    thread, first = run_in_thread(context, now=long_ago)
    try:
        assert held_server.handler.in_data.wait(20), "the first run never reached DATA"
        assert schedules.run_due(context.vault) == []  # a run of now: the claim is live, not taken
        assert schedules.run_due(context.vault, now=long_ago) == []  # nor by another run as old
        assert schedules.get(schedule.id).claimed_until > utc_now() + timedelta(
            minutes=10
        )  # from the claim
    finally:
        held_server.handler.release.set()
        thread.join(30)
    assert [r.sent for r in first] == [True], first
    assert len(held_server.handler.received) == 1 and ScheduleRun.select().count() == 1


def test_the_whole_send_is_bounded_by_a_deadline_shorter_than_the_lease(
    context, held_server, monkeypatch
):
    assert schedules.LEASE >= schedules.SEND_DEADLINE + timedelta(minutes=5)
    monkeypatch.setattr(
        schedules, "SEND_DEADLINE", timedelta(minutes=0.02)
    )  # 1.2 s; each step may take 5 s
    schedule = sending_setup(context, held_server.port)
    ReportSchedule.update(next_run_at=datetime(2020, 1, 1)).execute()
    [result] = schedules.run_due(context.vault)
    assert not result.sent and result.summary.startswith(
        "Stopped: the send did not finish within 0.02 minutes"
    )
    assert held_server.handler.in_data.is_set() and held_server.handler.received == []
    fresh = schedules.get(schedule.id)
    assert (fresh.next_run_at, fresh.claimed_by, fresh.last_outcome) == (
        datetime(2020, 1, 1),
        None,
        "failed",
    )


@pytest.mark.sqlite_only
def test_a_sent_report_the_database_cannot_record_is_printed_with_a_note(
    context, held_server, capsys
):
    schedule = sending_setup(context, held_server.port)
    ReportSchedule.update(next_run_at=datetime(2020, 1, 1)).execute()
    finished = threading.Event()

    def lock_during_the_send():  # a long import starts while the report is on its way
        held_server.handler.in_data.wait(20)
        with write_lock_held(context):
            held_server.handler.release.set()
            finished.wait(20)

    locker = threading.Thread(target=lock_during_the_send)
    locker.start()
    impatient(context)
    try:
        code = run_command(build_parser().parse_args(["schedules", "run"]), context)
    finally:
        finished.set()
        locker.join(20)
    printed = capsys.readouterr()
    assert code == 1, printed  # sent, but it will be sent again: cron should hear of it
    assert printed.out.startswith(f"schedule {schedule.id}: sent · Delivered to the server"), (
        printed.out
    )
    assert printed.err.startswith(
        "smtp-tui: Not recorded: the database did not take this run (database is locked). "
        "The schedule stays due and held by this run until "
    ), printed.err
    assert len(held_server.handler.received) == 1 and ScheduleRun.select().count() == 0
    assert (
        schedules.get(schedule.id).claimed_by is not None
    )  # no other run sends it before the lease ends


def test_paused_schedules_are_not_sent_and_resume_from_now(context, starttls_server):
    schedule = sending_setup(context, starttls_server.port)
    schedules.set_paused(schedule.id, True, now=datetime(2026, 11, 27, 12, 0))
    assert schedules.run_due(context.vault, now=datetime(2026, 11, 30, 8, 0)) == []
    resumed = schedules.set_paused(schedule.id, False, now=datetime(2026, 11, 30, 8, 0))
    assert resumed.next_run_at == datetime(2026, 12, 1, 7, 0)  # nothing missed is sent
