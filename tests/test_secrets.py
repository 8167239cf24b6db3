"""After a run of every feature, the credential's secret is nowhere but in its encrypted column."""

import base64
import os
import subprocess
import sys

from smtp_tui import accounts, connectors, credentials, proofs, settings
from smtp_tui.accounts import Filters
from smtp_tui.app import SmtpApp
from smtp_tui.mail.compose import TEST_BODY, TEST_SUBJECT
from smtp_tui.mail.transport import deliver
from smtp_tui.reports import printing, schedules
from smtp_tui.reports.export import export_to_file
from smtp_tui.reports.schedules import ScheduleInput
from smtp_tui.store.models import AuditEvent, TestRun
from tests.conftest import account_input, stored_bytes
from tests.mailservers import PASSWORD, USER
from tests.test_report import settle
from tests.test_test_email import wait_done

PROXY_SECRET = "proxy-Pa55"


def forms_of(secret: str) -> list[bytes]:
    """The secret as it could leak: plain, and base64 inside an AUTH PLAIN or LOGIN exchange."""
    plain = secret.encode()
    return [plain, base64.b64encode(plain), base64.b64encode(b"\0" + USER.encode() + b"\0" + plain)]


async def test_the_secret_is_nowhere_after_every_feature(
    context, tmp_path, starttls_server, socks5_proxy, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    vault = context.vault
    relay = credentials.save(vault, name="relay", username=USER, secret=PASSWORD)
    proxy_login = credentials.save(
        vault, name="proxy-login", username="proxyuser", secret=PROXY_SECRET
    )
    dmz = connectors.save(
        name="dmz",
        kind="socks5",
        host="127.0.0.1",
        port=socks5_proxy.port,
        credential_id=proxy_login.id,
    )
    accounts.save(
        account_input(
            1,
            name="Alerts",
            host="localhost",
            port=starttls_server.port,
            secure=True,
            secure_type="TLS",
            authentication=True,
            credential_id=relay.id,
            use_connector=True,
            connector_id=dmz.id,
            timeout=5,
        )
    )
    settings.put(settings.FOOTER, "Footer")
    screens = []

    app = SmtpApp(context)  # the TUI: report, test window, history, credentials, audit
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screens.append(app.export_screenshot())
        await pilot.press("t", *"admin@example.com", "ctrl+s")
        await wait_done(pilot)
        screens.append(app.export_screenshot())
        assert "Delivered" in str(app.screen.query_one("#verdict").render())
        await pilot.press("escape")
        await settle(pilot)
        for key in ("h", "C", "N", "A", "e"):
            await pilot.press(key)
            await pilot.pause()
            screens.append(app.export_screenshot())
            await pilot.press("escape")
            await settle(pilot)

    attempt = proofs.prepare_saved(
        1, vault, to="admin@example.com", subject=TEST_SUBJECT, body=TEST_BODY
    )
    outcome = await deliver(attempt.server, attempt.envelope)
    proofs.record(attempt, outcome)
    files = [
        export_to_file(fmt, tmp_path / f"report.{fmt}", Filters()) and tmp_path / f"report.{fmt}"
        for fmt in ("csv", "json", "xlsx")
    ]
    files.append(printing.save(printing.render(), tmp_path / "report.txt"))
    schedules.save(ScheduleInput(recipients="ops@example.com", timezone="UTC"))
    env = {
        **os.environ,
        "SMTP_TUI_DB": context.config.database,
        "SMTP_TUI_KEY_FILE": str(context.config.key_file),
    }
    outputs = [
        subprocess.run(
            [sys.executable, "-m", "smtp_tui", *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        for command in (
            ["accounts", "list"],
            ["accounts", "show", "1", "--json"],
            ["accounts", "export"],
            ["credentials", "list", "--json"],
            ["connectors", "list"],
            ["audit", "--json"],
            ["schedules", "list"],
            ["test", "1", "--to", "admin@example.com"],
        )
    ]
    assert outputs[-1].returncode == 0, outputs[-1].stdout

    places = {
        "database": stored_bytes(context),
        "transcripts": "\n".join(r.transcript + r.summary for r in TestRun.select()).encode(),
        "audit": "\n".join(e.changes + e.summary for e in AuditEvent.select()).encode(),
        "screens": "\n".join(screens).encode(),
        "commands": "\n".join(o.stdout + o.stderr for o in outputs).encode(),
        **{f.name: f.read_bytes() for f in files},
    }
    assert TestRun.select().count() == 3 and len(starttls_server.handler.received) == 3
    for secret in (PASSWORD, PROXY_SECRET):
        for form in forms_of(secret):
            leaks = [place for place, data in places.items() if form in data]
            assert not leaks, f"{form!r} found in {leaks}"
