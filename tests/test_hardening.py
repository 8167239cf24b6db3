"""Nothing is lost under concurrency, crashes and broken files; figures are printed (-s) for
docs/reliability.md."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from smtp_tui import accounts
from smtp_tui.store.database import connect
from smtp_tui.store.models import AuditEvent, SmtpAccount
from tests.conftest import ON_POSTGRES, account_input

ROOT = Path(__file__).resolve().parent.parent


def worker(module: str, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", f"tests.workers.{module}", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# its figures, for docs/reliability.md, are of these processes alone
@pytest.mark.serial
def test_two_processes_saving_the_same_accounts_lose_nothing(context, tmp_path):
    accounts.save(account_input(1))
    accounts.save(account_input(2))
    stop = tmp_path / "stop"
    monitor = worker("count_defaults", context.config.database, stop)
    savers = [
        worker("save_loop", context.config.database, context.config.key_file, n, 500)
        for n in (1, 2)
    ]
    results = []
    for saver in savers:
        out, err = saver.communicate(timeout=600)
        assert saver.returncode == 0, err
        results.append(json.loads(out))
    stop.touch()
    seen, err = monitor.communicate(timeout=60)
    assert monitor.returncode == 0, err
    defaults_seen = {int(k): v for k, v in json.loads(seen).items()}

    applied = [port for r in results for port in r["applied"]]
    refused = sum(r["conflicts"] + r["busy"] for r in results)
    assert len(applied) + refused == 1000  # every save applied or refused, none vanished
    versions = sum(a.version - 1 for a in SmtpAccount.select())
    assert versions == len(applied)  # every applied save counted once
    edited_ports = sorted(
        json.loads(e.changes)["port"][1]
        for e in AuditEvent.select().where(
            (AuditEvent.action == "edit") & AuditEvent.user.startswith("worker-")
        )
    )
    assert edited_ports == sorted(applied)  # and each one is in the audit trail
    assert set(defaults_seen) == {1}  # exactly one default at every moment sampled
    assert SmtpAccount.select().where(SmtpAccount.is_default).count() == 1
    print(
        f"\nconcurrency: {len(applied)} saves applied, {refused} refused as conflicts "
        f"({sum(r['busy'] for r in results)} busy), "
        f"{sum(defaults_seen.values())} samples all with one default"
    )


def test_a_process_killed_mid_saves_keeps_every_acknowledged_save(context):
    child = worker("create_loop", context.config.database, context.config.key_file, 1000)
    acknowledged = []
    for line in child.stdout:
        acknowledged.append(int(line.split()[1]))
        if len(acknowledged) == 300:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    if not ON_POSTGRES:
        raw = connect(context.config.database)
        assert raw.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        raw.close()
    kept = {a.code for a in SmtpAccount.select(SmtpAccount.code)}
    assert set(acknowledged) <= kept
    assert AuditEvent.select().where(AuditEvent.action == "create").count() == len(
        kept
    )  # no half-written save
    print(
        f"\ncrash: killed after {len(acknowledged)} acknowledged saves; "
        f"{len(kept)} accounts kept, all intact"
    )


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "smtp_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "command",
    [
        ["accounts", "list"],
        [
            "accounts",
            "add",
            "--name",
            "x",
            "--email",
            "x@example.com",
            "--host",
            "smtp.example.com",
            "--port",
            "25",
        ],
    ],
)
def test_a_read_only_database_gives_a_clear_message(tmp_path, command):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "smtp.db"
    assert run_cli("--db", str(path), "accounts", "list").returncode == 0  # created and migrated
    frozen = [path, folder]  # immutable: not even root may write there (ext4's i attribute)
    if subprocess.run(["chattr", "+i", *map(str, frozen)], capture_output=True).returncode != 0:
        pytest.skip("this file system cannot make files immutable")
    try:
        result = run_cli("--db", str(path), "--key-file", str(tmp_path / "key"), *command)
    finally:
        subprocess.run(["chattr", "-i", *map(str, frozen)], check=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("smtp-tui: ") and len(result.stderr.splitlines()) == 1


def test_an_unreachable_postgresql_gives_a_clear_message():
    result = run_cli("--db", "postgresql://smtp:secret-pw@127.0.0.1:1/smtp", "accounts", "list")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "smtp-tui: Cannot open database postgresql://smtp:***@127.0.0.1:1/smtp"
    )
    assert "secret-pw" not in result.stderr


@pytest.mark.sqlite_only
def test_a_corrupt_database_gives_a_clear_message(tmp_path):
    (tmp_path / "bad.db").write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    result = run_cli("--db", str(tmp_path / "bad.db"), "accounts", "list")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("smtp-tui: Cannot open database")
