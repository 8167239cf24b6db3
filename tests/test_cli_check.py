"""`smtp-tui check`: exit codes, the table, --json, and the Prometheus textfile parsed back with
prometheus_client's own parser, against real servers (see tests/test_checks.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from smtp_tui import glyphs
from smtp_tui.cli import build_parser, run_command
from smtp_tui.store.models import SmtpAccount, TestRun
from tests.mailservers import SilentServer
from tests.test_checks import HUNG
from tests.test_sending import make_account

METRICS = (
    "smtp_tui_account_up",
    "smtp_tui_account_check_seconds",
    "smtp_tui_certificate_expiry_timestamp_seconds",
    "smtp_tui_check_timestamp_seconds",
)


def check(context, capsys, *args):
    code = run_command(build_parser().parse_args(["check", *args]), context)
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def samples(path) -> dict[str, dict[tuple[str, str] | None, float]]:
    """Each gauge's values by (account, code) label pair, read back with the client's parser."""
    found: dict[str, dict] = {}
    for family in text_string_to_metric_families(path.read_text(encoding="utf-8")):
        assert family.type == "gauge" and family.documentation
        for sample in family.samples:
            key = (sample.labels["account"], sample.labels["code"]) if sample.labels else None
            found.setdefault(sample.name, {})[key] = sample.value
    return found


def test_five_accounts_json_and_prometheus_agree(context, capsys, fleet, tmp_path):
    prom = tmp_path / "smtp_tui.prom"
    before = time.time()
    code, out, err = check(
        context, capsys, "--all", "--json", "--prometheus", str(prom), "--timeout", "1"
    )
    assert code == 1, err
    records = json.loads(out)
    assert [r["code"] for r in records] == fleet
    assert [(r["account"], r["ok"], r["step"]) for r in records] == [
        ("healthy", True, ""),
        ("refused", False, "connect"),
        ("hanging", False, HUNG),
        ("wrong", False, "AUTH"),
        ("oauth", True, ""),
    ]
    assert set(records[0]) == {
        "account", "code", "ok", "step", "reply", "seconds", "tls_version", "certificate_expires",
    }  # fmt: skip
    text = prom.read_text()
    for metric in METRICS:
        assert f"# HELP {metric} " in text and f"# TYPE {metric} gauge" in text
    metrics = samples(prom)
    assert set(metrics) == set(METRICS)
    by_label = {(r["account"], str(r["code"])): r for r in records}
    assert metrics["smtp_tui_account_up"] == {k: float(r["ok"]) for k, r in by_label.items()}
    assert metrics["smtp_tui_account_check_seconds"] == {
        k: r["seconds"] for k, r in by_label.items()
    }
    assert metrics["smtp_tui_certificate_expiry_timestamp_seconds"] == {
        k: datetime.fromisoformat(r["certificate_expires"]).timestamp()
        for k, r in by_label.items()
        if r["certificate_expires"]
    }
    # The certificate is seen by every check that got past STARTTLS, the failed login's too.
    assert {a for a, _ in metrics["smtp_tui_certificate_expiry_timestamp_seconds"]} == {
        "healthy",
        "wrong",
        "oauth",
    }
    [stamp] = metrics["smtp_tui_check_timestamp_seconds"].values()
    assert before <= stamp <= time.time()
    assert TestRun.select().count() == 5


def test_all_passed_is_exit_0_with_a_table(context, capsys, starttls_server, short_lived_server):
    make_account(context.vault, starttls_server.port, name="Alerts HQ")
    make_account(context.vault, short_lived_server.port, name="Soon", email="s@example.com")
    code, out, err = check(context, capsys, "alerts hq", "Soon", "--timeout", "2")
    assert code == 0, out + err
    header, rule, *rows, total = out.splitlines()
    assert header.split() == [
        "Account",
        "Verdict",
        "Step",
        "Reply",
        "Time",
        "TLS",
        "Cert",
        "expires",
    ]
    symbols = glyphs.current()
    assert rows[0].startswith("Alerts HQ") and f"{symbols.ok} passed" in rows[0]
    assert "TLSv1." in rows[0] and symbols.warning not in rows[0]
    assert rows[1].startswith("Soon") and rows[1].endswith(f"{symbols.warning} 9 d")
    assert total == "2 passed, 0 failed."


def test_to_runs_mail_and_rcpt_without_data(context, capsys, starttls_server):
    make_account(context.vault, starttls_server.port, name="Alerts HQ")
    code, out, err = check(context, capsys, "Alerts HQ", "--to", "ops@example.com", "--json")
    assert code == 0, err
    assert [c.split()[0] for c in starttls_server.handler.commands] == ["MAIL", "RCPT"]
    assert starttls_server.handler.received == []
    [run] = TestRun.select()
    assert (run.mode, run.recipient) == ("fleet", "ops@example.com")


@pytest.mark.parametrize(
    "args, said",
    [
        ((), "Name the accounts to check, or give --all"),
        (("Alerts HQ", "--all"), "not both"),
        (("--all", "--concurrency", "0"), "--concurrency must be"),
        (("--all", "--concurrency", "four"), "--concurrency must be"),
        (("--all", "--timeout", "-1"), "--timeout must be"),
        (("--all", "--timeout", "nan"), "--timeout must be"),
        (("--all", "--timeout", "soon"), "--timeout must be"),
        (("--all", "--to", "not an address"), "--to is not a valid e-mail address"),
        (("Alerts HQ", "Nobody"), "There is no account named or numbered 'Nobody'."),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(context, capsys, args, said):
    make_account(context.vault, 25, name="Alerts HQ")
    code, out, err = check(context, capsys, *args)
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and said in err
    assert TestRun.select().count() == 0


def test_labels_are_escaped_by_the_exposition_format(context, capsys, tmp_path):
    # No server listens on the port: each check fails at once, which is all the labels need.
    names = ['a"b\\c', "Zürich ✉ relay"]
    for number, name in enumerate(names):
        make_account(context.vault, 9, name=name, email=f"x{number}@example.com")
    prom = tmp_path / "out.prom"
    code, _, err = check(context, capsys, *names, "--prometheus", str(prom), "--timeout", "1")
    assert code == 1, err
    assert 'account="a\\"b\\\\c"' in prom.read_text(encoding="utf-8")
    up = samples(prom)["smtp_tui_account_up"]
    codes = {a.name: str(a.code) for a in SmtpAccount.select()}
    assert up == {(name, codes[name]): 0.0 for name in names}


def test_ctrl_c_is_one_line_exit_130_and_nothing_written(context, tmp_path):
    servers = [SilentServer() for _ in range(2)]
    prom = tmp_path / "kept.prom"
    prom.write_text("# the previous run's file\n")
    try:
        for number, server in enumerate(servers):
            make_account(
                context.vault, server.port, name=f"hang {number}", email=f"h{number}@e.com"
            )
        env = {
            **os.environ,
            "SMTP_TUI_DB": context.config.database,
            "SMTP_TUI_KEY_FILE": str(context.config.key_file),
        }
        there = {p.name for p in tmp_path.iterdir()}
        process = subprocess.Popen(
            [sys.executable, "-m", "smtp_tui", "check", "--all", "--prometheus", str(prom)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        # Both checks are waiting on their silent server (default timeout: 5 s each step).
        deadline = time.monotonic() + 20
        while sum(len(s.held) for s in servers) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        for server in servers:
            server.close()
    assert process.returncode == 130, err
    assert out == "" and err.strip().splitlines() == [
        "smtp-tui: Interrupted: the unfinished checks were stopped and nothing was written."
    ]
    assert prom.read_text() == "# the previous run's file\n"
    # No temporary file left beside it.
    assert {p.name for p in tmp_path.iterdir()} == there
    assert TestRun.select().count() == 0
