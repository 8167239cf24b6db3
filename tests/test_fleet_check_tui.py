"""`T` on the report: the fleet check of every account of the filter, driven with Pilot against
real servers (aiosmtpd with trustme certificates, and one that accepts and never greets)."""

from __future__ import annotations

import re
import ssl
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Label, ProgressBar

from smtp_tui import accounts, credentials
from smtp_tui.app import SmtpApp
from smtp_tui.screens.confirm import ConfirmModal, NoticeModal
from smtp_tui.screens.fleet_check import FleetCheckScreen
from smtp_tui.screens.help import HelpScreen
from smtp_tui.screens.keys import key_actions
from smtp_tui.screens.report import ReportScreen
from smtp_tui.screens.report_table import ReportTable
from smtp_tui.screens.tables import QuietTable
from smtp_tui.store.models import SmtpAccount, TestRun
from tests.conftest import account_input
from tests.mailservers import PASSWORD, USER, start_server
from tests.test_report import settle, type_into
from tests.test_snapshots import _settled

# The time the certificates below are issued from, to the second (a certificate's notAfter is).
NOW = datetime.now(UTC).replace(microsecond=0)


def logins(vault):
    """The right login, and a wrong one."""
    return (
        credentials.save(vault, name="right", username=USER, secret=PASSWORD),
        credentials.save(vault, name="wrong", username=USER, secret="not-it"),
    )


def save(number: int, name: str, port: int, credential, *, timeout=5):
    """An account of `port` on loopback: STARTTLS, logging in with `credential`."""
    data = account_input(
        number,
        name=name,
        host="localhost",
        port=port,
        secure=True,
        secure_type="TLS",
        authentication=True,
        credential_id=credential.id,
        timeout=timeout,
    )
    return accounts.save(data)


def tls_server(certificates, days: int):
    """An aiosmtpd that requires STARTTLS, its certificate (from the trusted test CA) expiring
    `days` days after NOW."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    issued = certificates.ca.issue_cert("localhost", "127.0.0.1", not_after=NOW + timedelta(days))
    issued.configure_cert(context)
    return start_server(tls_context=context, require_starttls=True)


@pytest.fixture
def healthy(certificates, trust_test_ca):
    server = tls_server(certificates, 400)
    yield server
    server.controller.stop()


@pytest.fixture
def expiring(certificates, trust_test_ca):
    server = tls_server(certificates, 10)
    yield server
    server.controller.stop()


def cells(screen: FleetCheckScreen) -> dict[str, list[str]]:
    """Each row of the results, by account name: its cells as shown."""
    table = screen.query_one(QuietTable)
    rows = (table.get_row_at(index) for index in range(table.row_count))
    return {str(row[0]): [str(cell) for cell in row[1:]] for row in rows}


def summary(screen: FleetCheckScreen) -> str:
    return str(screen.query_one("#fleet-summary", Label).render())


async def until(pilot, done, seconds: float = 10.0) -> None:
    """Pause until `done()` (at most `seconds`)."""
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    screen = pilot.app.screen
    seen = cells(screen) if isinstance(screen, FleetCheckScreen) else screen
    raise AssertionError(f"the screen did not get there in time: {seen}")


def runs(code: int) -> list[TestRun]:
    return list(TestRun.select().where(TestRun.account == code))


async def test_T_checks_the_filtered_accounts_live_and_the_report_shows_the_last_test(
    context, healthy, expiring, silent_server
):
    right, wrong_login = logins(context.vault)
    good = save(1, "Fleet relay", healthy.port, right)
    soon = save(2, "Fleet expiring", expiring.port, right)
    wrong = save(3, "Fleet wrong password", healthy.port, wrong_login)
    hanging = save(4, "Fleet hanging", silent_server.port, right, timeout=3)
    elsewhere = save(5, "Elsewhere", healthy.port, right)
    app = SmtpApp(context)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        await type_into(pilot, "#filter-name", "fleet")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("T")
        screen = app.screen
        assert isinstance(screen, FleetCheckScreen)
        progress = screen.query_one(ProgressBar)
        # The rows fill in as the checks end, while the server that never greets keeps its
        # row waiting (for its 3 s).
        await until(pilot, lambda: progress.progress >= 1)
        assert screen.state == "running" and progress.total == 4
        filled = [name for name, row in cells(screen).items() if row[0] != "waiting"]
        assert 1 <= len(filled) == progress.progress < 4 and "Fleet hanging" not in filled
        count = str(screen.query_one("#fleet-count").render())
        assert count == f"{progress.progress:g} of 4"
        await until(pilot, lambda: screen.state == "done")
        assert progress.progress == 4
        assert re.fullmatch(r"2 passed, 2 failed in \d+\.\d s · escape closes", summary(screen))
        shown = cells(screen)
        assert list(shown) == [
            "Fleet relay",
            "Fleet expiring",
            "Fleet wrong password",
            "Fleet hanging",
        ]
        assert shown["Fleet relay"][0] == "✓ passed"
        # Whole days left, counted down from the certificates' issue a moment ago.
        assert shown["Fleet relay"][4] == "1.3" and shown["Fleet relay"][5] in ("399 d", "400 d")
        assert shown["Fleet expiring"][0] == "✓ passed"
        assert shown["Fleet expiring"][5] in ("⚠ 9 d", "⚠ 10 d")
        assert shown["Fleet wrong password"][:2] == ["✗ failed", "AUTH"]
        assert "535" in shown["Fleet wrong password"][2]
        assert shown["Fleet hanging"][0] == "✗ failed" and shown["Fleet hanging"][5] == "–"
        assert re.fullmatch(r"\d+\.\d s", shown["Fleet hanging"][3])
        # No message went anywhere; the account outside the filter was left alone.
        assert healthy.handler.received == [] and expiring.handler.received == []
        assert runs(elsewhere.code) == []
        assert SmtpAccount.get_by_id(elsewhere.code).last_test_outcome is None
        for account in (good, soon, wrong, hanging):
            assert [run.mode for run in runs(account.code)] == ["fleet"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        table = app.screen.query_one(ReportTable)
        assert str(table.get_cell(str(good.code), "last_test")).startswith("✓")
        assert str(table.get_cell(str(wrong.code), "last_test")).startswith("✗ AUTH")


async def test_escape_stops_a_hanging_check_at_once_and_keeps_nothing_of_it(
    context, healthy, silent_server
):
    right, _ = logins(context.vault)
    # A name that would be markup, shown as it is.
    good = save(1, "Relay [/b] [@click=app.quit]", healthy.port, right)
    # Long timeouts: only the escape can end these checks within the test.
    stuck = [save(n, f"Stuck {n}", silent_server.port, right, timeout=120) for n in (2, 3)]
    app = SmtpApp(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        screen = app.screen
        assert isinstance(screen, FleetCheckScreen)
        await until(pilot, lambda: len(screen.results) == 1)
        # The screen answers keys while the checks run: the cursor moves, the help opens.
        table = screen.query_one(QuietTable)
        await pilot.press("down")
        assert table.cursor_row == 1
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is screen and screen.state == "running"
        await pilot.press("escape")
        await until(pilot, lambda: screen.state == "cancelled", seconds=3)
        assert summary(screen) == "Cancelled after 1 of 3: 1 passed, 0 failed · escape closes"
        shown = cells(screen)
        assert shown["Relay [/b] [@click=app.quit]"][0] == "✓ passed"
        assert shown["Stuck 2"][0] == shown["Stuck 3"][0] == "– stopped"
        assert screen.query_one(ProgressBar).progress == 1
        # enter: the whole reply of the highlighted row, which the table cuts.
        await pilot.press("up", "enter")
        assert isinstance(app.screen, NoticeModal)
        notice = str(app.screen.query_one(".question", Label).render())
        assert notice.startswith("passed in ") and notice.endswith(
            "Connection checked: the server accepted the login (no message sent)."
        )
        await pilot.press("escape")
        assert app.screen is screen
        await settle(pilot)
        assert [run.outcome for run in runs(good.code)] == ["checked"]
        for account in stuck:
            assert runs(account.code) == []
            assert SmtpAccount.get_by_id(account.code).last_test_outcome is None
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)


async def test_many_accounts_are_checked_only_once_confirmed(context, silent_server):
    right, _ = logins(context.vault)
    for number in range(1, 23):
        save(number, f"Relay {number:02d}", silent_server.port, right, timeout=1)
    app = SmtpApp(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        # Not in the report's footer (no room at 80 columns): in its help, actions and palette.
        [check_all] = [k for k in key_actions(app.screen) if k.action == "fleet_check"]
        assert (check_all.keys, check_all.description) == ("T", "Check all")
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        question = str(app.screen.query_one(".question", Label).render())
        assert question == "Check 22 accounts? No message is sent."
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        assert TestRun.select().count() == 0


async def test_with_no_account_there_is_nothing_to_check(context):
    app = SmtpApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        screen = app.screen
        await until(pilot, lambda: screen.state == "failed")
        assert summary(screen) == "No SMTP account yet: nothing to check. · escape closes"
        assert not screen.query_one("#fleet-progress-row").display
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)


def test_a_finished_check_at_80x24(
    snap_compare, context, healthy, expiring, silent_server, monkeypatch
):
    """Masked: every duration shows as 0.5 s, now is when the certificates were issued (so
    their days left are 400 and 10), and the silent server's port (free, so another each run)
    is 2525 in the replies."""
    from smtp_tui.screens import fleet_check

    monkeypatch.setattr(fleet_check, "took", lambda seconds: "0.5 s")
    one_line = fleet_check.one_line
    monkeypatch.setattr(
        fleet_check,
        "one_line",
        lambda text: one_line(text).replace(f":{silent_server.port}", ":2525"),
    )
    monkeypatch.setattr(fleet_check, "utc_now", lambda: NOW.replace(tzinfo=None))
    right, wrong = logins(context.vault)
    save(1, "Backup relay", healthy.port, right)
    save(2, "Alerts [ops] - certificate renewal due", expiring.port, right)
    save(3, "Password rotated", healthy.port, wrong)
    save(4, "Never greets", silent_server.port, right, timeout=1)

    async def finished(pilot):
        await _settled(pilot, "T")
        screen = pilot.app.screen
        await until(pilot, lambda: screen.state == "done")
        await _settled(pilot)

    assert snap_compare(SmtpApp(context), terminal_size=(80, 24), run_before=finished)
