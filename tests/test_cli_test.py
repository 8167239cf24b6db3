"""`smtp-tui test` run as a subprocess against a real aiosmtpd."""

import os
import subprocess
import sys

import pytest

from smtp_tui import accounts, credentials
from smtp_tui.cli import build_parser, run_command
from smtp_tui.store.models import TestRun
from tests.conftest import account_input, impatient, write_lock_held
from tests.mailservers import PASSWORD, USER


def smtp_tui(context, *args):
    env = {
        **os.environ,
        "SMTP_TUI_DB": context.config.database,
        "SMTP_TUI_KEY_FILE": str(context.config.key_file),
    }
    return subprocess.run(
        [sys.executable, "-m", "smtp_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def make(context, port, **overrides):
    credential = credentials.save(context.vault, name="relay", username=USER, secret=PASSWORD)
    values = (
        dict(
            name="Alerts HQ",
            host="localhost",
            port=port,
            secure=True,
            secure_type="TLS",
            authentication=True,
            credential_id=credential.id,
            timeout=5,
        )
        | overrides
    )
    return accounts.save(account_input(1, **values))


def test_a_delivered_test_prints_the_dialogue_and_exits_0(context, starttls_server):
    make(context, starttls_server.port)
    result = smtp_tui(context, "test", "alerts hq", "--to", "admin@example.com")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " -> STARTTLS" in result.stdout and "✓ Delivered to the server" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    assert len(starttls_server.handler.received) == 1
    assert TestRun.select().count() == 1


def test_check_only_by_code_with_db_after_the_command(context, starttls_server):
    account = make(context, starttls_server.port)
    env_free = subprocess.run(
        [
            sys.executable,
            "-m",
            "smtp_tui",
            "test",
            str(account.code),
            "--to",
            "admin@example.com",
            "--check-only",
            "--db",
            context.config.database,
            "--key-file",
            str(context.config.key_file),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SMTP_TUI_DB": "/nonexistent/x.db"},
    )
    assert env_free.returncode == 0, env_free.stderr
    assert "✓ Connection checked" in env_free.stdout
    assert starttls_server.handler.received == []


def test_a_failed_test_exits_1_with_the_hint(context, starttls_server):
    make(context, starttls_server.port, secure_type="SSL")
    result = smtp_tui(context, "test", "Alerts HQ", "--to", "admin@example.com", "--timeout", "3")
    assert result.returncode == 1
    assert "✗ Failed at TLS" in result.stdout and "Hint: Port" in result.stdout


def test_usage_errors_exit_2(context, starttls_server):
    make(context, starttls_server.port)
    assert smtp_tui(context, "test", "nope", "--to", "admin@example.com").returncode == 2
    bad = smtp_tui(context, "test", "Alerts HQ", "--to", "not-an-address")
    assert bad.returncode == 2 and "Recipient is not a valid e-mail address" in bad.stderr
    assert smtp_tui(context, "test", "Alerts HQ").returncode == 2  # --to is required
    assert (
        smtp_tui(context, "test", "Alerts HQ", "--to", "a@example.com", "--timeout", "0").returncode
        == 2
    )


@pytest.mark.sqlite_only
def test_a_delivered_test_the_database_cannot_record_still_prints_its_verdict(
    context, starttls_server, capsys
):
    make(context, starttls_server.port)
    args = build_parser().parse_args(["test", "Alerts HQ", "--to", "admin@example.com"])
    impatient(context)
    with write_lock_held(context):  # a long import holds the database
        code = run_command(args, context)
    printed = capsys.readouterr()
    assert code == 0, printed  # the exit code says what the server did: it took the message
    assert "✓ Delivered to the server: it accepted the message." in printed.out
    assert printed.err.startswith(
        "smtp-tui: Not recorded: the database did not take this test (database is "
        "locked); it is missing from the test history"
    ), printed.err
    assert len(starttls_server.handler.received) == 1
    assert TestRun.select().count() == 0 and accounts.get(1).last_test_outcome is None
