"""Hostile input on the command line (issue 14): numbers past what the database holds, dates
at the end of the calendar, bytes that are not UTF-8, control, escape and bidi characters,
megabyte values, and no terminal at all. Each is one clear line, exit 1 or 2, nothing written,
and nothing that reaches the terminal raw."""

import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.test_cli_commands import Cli, add_basic

pytestmark = pytest.mark.sqlite_only  # reads and plants rows in the SQLite file directly

HUGE = "99999999999999999999999"


def run_bytes(cli: Cli, *args: bytes | str, input: bytes = b"") -> subprocess.CompletedProcess:
    """`smtp-tui ARGS` with argv as raw bytes (what a shell passes), output as bytes."""
    argv = [
        sys.executable,
        "-m",
        "smtp_tui",
        *(a if isinstance(a, bytes) else a.encode() for a in args),
    ]
    return subprocess.run(argv, capture_output=True, input=input, env=cli.env, timeout=60)


def rows(cli: Cli) -> dict[str, int]:
    """The row count of every table: a refusal must leave them as they were."""
    with sqlite3.connect(cli.env["SMTP_TUI_DB"]) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def refused_in_one_line(result, code: int, line: str) -> None:
    stderr = result.stderr if isinstance(result.stderr, str) else result.stderr.decode()
    assert (result.returncode, stderr) == (code, f"smtp-tui: {line}\n")


def test_numbers_past_what_the_database_holds_are_one_line_and_exit_2(cli):
    add_basic(cli)
    refused_in_one_line(
        cli("accounts", "show", HUGE), 2, f"There is no account named or numbered '{HUGE}'."
    )
    refused_in_one_line(
        cli("accounts", "delete", HUGE, "--yes"),
        2,
        f"There is no account named or numbered '{HUGE}'.",
    )
    refused_in_one_line(
        cli("accounts", "list", "--code", HUGE),
        2,
        "Code must be a number from 0 to 9223372036854775807.",
    )
    refused_in_one_line(
        cli("export", "--code", "9" * 5000),
        2,
        "Code must be a number from 0 to 9223372036854775807.",
    )
    refused_in_one_line(
        cli("audit", "--limit", "-5"), 2, "--limit must be a whole number of events, 1 or more."
    )
    everything = cli("audit", "--limit", HUGE, "--json")  # as many as there are
    assert everything.returncode == 0 and len(json.loads(everything.stdout)) == 1


def test_the_last_day_of_the_calendar_is_a_date_like_any_other(cli):
    add_basic(cli)
    until = cli("audit", "--until", "9999-12-31", "--json")
    assert until.returncode == 0 and [e["action"] for e in json.loads(until.stdout)] == ["create"]
    since = cli("audit", "--since", "9999-12-31", "--json")
    assert since.returncode == 0 and json.loads(since.stdout) == []


def test_bytes_that_are_not_utf8_are_refused_naming_the_field(cli, tmp_path):
    add_basic(cli)
    before = rows(cli)
    for args, code, line in [
        (
            (
                "accounts",
                "add",
                "--name",
                b"Relay \xff",
                "--email",
                "a@example.com",
                "--host",
                "h.example.com",
                "--port",
                "25",
            ),
            1,
            "Name is not valid text: it holds bytes that are not UTF-8.",
        ),
        (
            ("accounts", "list", "--name", b"\xff\xfe"),
            2,
            "--name is not valid text: it holds bytes that are not UTF-8.",
        ),
        (
            ("audit", "--user", b"r\xc3"),
            2,
            "--user is not valid text: it holds bytes that are not UTF-8.",
        ),
        (
            ("settings", "footer", b"Regards \xff"),
            1,
            "Footer is not valid text: it holds bytes that are not UTF-8.",
        ),
        (
            ("test", "Alerts HQ", "--to", "ops@example.com", "--body", b"\xffhello"),
            2,
            "Body is not valid text: it holds bytes that are not UTF-8.",
        ),
        (("accounts", "show", b"\xff"), 2, "There is no account named or numbered '\\xff'."),
        (("credentials", "delete", b"\xc0\xaf"), 2, "There is no credential named '\\xc0\\xaf'."),
    ]:
        result = run_bytes(cli, *args)
        refused_in_one_line(result, code, line)
        assert result.stdout == b""
    refused_in_one_line(
        run_bytes(cli, "credentials", "add", "relay", "--username", "svc", input=b"\xff\xfe\n"),
        1,
        "Secret is not valid text: it holds bytes that are not UTF-8, or NUL.",
    )
    (tmp_path / "import.json").write_text(  # "\ud800" escapes: valid JSON, not text
        '[{"name": "Imported", "email": "a@example.com", "host": "h.example.com", '
        '"credential": "\\ud800"},'
        ' {"name": "\\udcff", "email": "b@example.com", "host": "h.example.com"}]'
    )
    result = cli("accounts", "import", str(tmp_path / "import.json"))
    assert result.returncode == 1 and result.stderr.splitlines() == [
        "smtp-tui: record 1 (Imported): credential: There is no credential named '\\ud800'. "
        "Add it first: smtp-tui credentials add NAME --username USER.",
        "smtp-tui: record 2 (\\xff): name: "
        "Name is not valid text: it holds bytes that are not UTF-8.",
        "smtp-tui: Nothing was imported.",
    ]
    assert rows(cli) == before


def test_a_file_name_that_is_not_utf8_is_written_and_audited_escaped(cli, tmp_path):
    """Found by the fuzz pass: the file was written, then its audit row raised (no database
    takes a lone surrogate) and the export ended in a traceback."""
    add_basic(cli)
    target = os.fsencode(tmp_path) + b"/report-\xff.csv"
    result = run_bytes(cli, "export", "--output", target)
    assert (
        result.returncode == 0
        and result.stderr == b"Wrote 1 account to " + target.replace(b"\xff", b"\\xff") + b".\n"
    )
    assert open(target, "rb").read().startswith(b"Code,Name")
    assert json.loads(cli("audit", "--json").stdout)[0]["summary"].startswith(
        f"CSV of 1 account to {tmp_path}/report-\\xff.csv"
    )


@pytest.mark.parametrize("character", ["\r\n", "\x0b", "\u2028"], ids=["CRLF", "VT", "LS"])
def test_a_line_break_in_the_subject_is_refused_before_anything_is_composed(cli, character):
    add_basic(cli)
    before = rows(cli)
    result = cli(
        "test",
        "Alerts HQ",
        "--to",
        "ops@example.com",
        "--subject",
        f"Hi{character}Bcc: x@example.com",
    )
    refused_in_one_line(result, 2, "Subject must be on one line (no line breaks).")
    assert result.stdout == "" and rows(cli) == before  # nothing sent, nothing recorded


def test_the_footer_refuses_escape_sequences_and_keeps_tabs_and_newlines(cli):
    assert cli("settings", "footer", "Regards,\n\tOps").returncode == 0
    result = cli("settings", "footer", "x\x1b]0;PWNED\x07\x1b[2J")
    refused_in_one_line(
        result, 1, "Footer must not contain control characters other than tabs and line breaks."
    )
    assert cli("settings", "footer").stdout == "Regards,\n\tOps\n"


PLANTED = (
    "Relay\x1b]0;PWNED\x07\x1b[2J\u202e\x9b31m"  # as an older version or a peer may have stored it
)


def test_what_the_database_holds_is_escaped_in_tables_messages_and_json(cli):
    add_basic(cli)
    with sqlite3.connect(cli.env["SMTP_TUI_DB"]) as db:  # written behind the services' back
        db.execute("UPDATE smtp_account SET name = ?, host = ?", (PLANTED, "h\x1b[31m.example.com"))
        db.execute("INSERT INTO setting (key, value) VALUES ('footer', ?)", ("Bye\x1b[2J\n\tOps",))
        db.execute("UPDATE audit_event SET summary = ?, object_name = ?", (PLANTED, PLANTED))
    raw = ("\x1b", "\x07", "\x9b", "\u202e")
    escaped = "Relay\\x1b]0;PWNED\\x07\\x1b[2J\\u202e\\x9b31m"
    for args in [("accounts", "list"), ("accounts", "show", "1"), ("audit",)]:
        result = cli(*args)
        assert result.returncode == 0 and escaped in result.stdout, result.stderr
        assert not any(c in result.stdout for c in raw)
    assert cli("settings", "footer").stdout == "Bye\\x1b[2J\n\tOps\n"  # its newline and tab kept
    for args, first in [
        (("accounts", "export"), "name"),
        (("accounts", "list", "--json"), "name"),
        (("audit", "--json"), "object_name"),
    ]:
        result = cli(*args)
        assert not any(c in result.stdout for c in raw)
        assert (
            json.loads(result.stdout)[0][first] == PLANTED
        )  # escaped as JSON does, the value unchanged
    deleted = cli("accounts", "delete", "1", "--yes")
    assert deleted.stdout == f"Deleted '{escaped}' (code 1).\n"


def test_an_import_error_escapes_the_name_and_cuts_it(cli, tmp_path):
    name = "\x1b[2J" + "x" * 1_000_000
    (tmp_path / "big.json").write_text(
        json.dumps([{"name": name, "email": "a@example.com", "host": "h.example.com"}])
    )
    result = cli("accounts", "import", str(tmp_path / "big.json"))
    assert result.returncode == 1 and "\x1b" not in result.stderr
    first, last = result.stderr.splitlines()
    assert first.startswith("smtp-tui: record 1 (\\x1b[2Jxxx") and first.endswith(
        "name: Name must not contain control characters."
    )
    assert len(first) <= 700 and last == "smtp-tui: Nothing was imported."


def test_an_argument_echoed_in_a_usage_error_is_escaped_and_cut(cli):
    result = cli("accounts", "list", "--status", "\x1b[2J" + "y" * 100_000)
    assert result.returncode == 2 and "\x1b" not in result.stderr and len(result.stderr) < 2000
    assert "invalid choice: '\\x1b[2Jyyy" in result.stderr and result.stderr.endswith("'any')\n")


def no_terminal_run(cli: Cli, stdin, stdout) -> tuple[int, bytes]:
    """The TUI opened with these standard streams; the timeout only keeps the old spin from
    hanging the suite (it never exited): nothing here depends on how fast the answer comes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "smtp_tui"],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=cli.env,
    )
    try:
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    return process.returncode, err


def test_without_a_terminal_the_tui_says_it_needs_one_and_exits_2(cli):
    message = (
        b"smtp-tui: The TUI needs a terminal (with ssh, use ssh -t); "
        b"every command works without one: smtp-tui --help\n"
    )
    primary, secondary = pty.openpty()
    try:
        for stdin, stdout in [
            (subprocess.DEVNULL, subprocess.PIPE),  # smtp-tui </dev/null | cat
            (secondary, subprocess.PIPE),  # smtp-tui | cat
            (subprocess.DEVNULL, secondary),
        ]:  # ssh host smtp-tui, stdout kept
            assert no_terminal_run(cli, stdin, stdout) == (2, message)
    finally:
        os.close(primary)
        os.close(secondary)
    assert not os.path.exists(cli.env["SMTP_TUI_DB"])  # refused before touching anything


def test_ctrl_c_at_a_prompt_is_one_line_and_nothing_written(cli):
    add_basic(cli)
    before = rows(cli)
    # The secret is read from stdin, which never comes: the command waits there for ctrl+c.
    child = subprocess.Popen(
        [sys.executable, "-m", "smtp_tui", "credentials", "add", "relay", "--username", "u"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli.env,
    )
    wait_until_it_reads_stdin(child.pid)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert (child.returncode, out, err) == (1, b"", b"smtp-tui: Interrupted.\n")
    assert rows(cli) == before


def wait_until_it_reads_stdin(pid: int) -> None:
    """Until the process sleeps in read(2) on its standard input (its fd 0)."""
    for _ in range(6000):
        fields = open(f"/proc/{pid}/syscall").read().split()
        if fields[:2] in (["0", "0x0"], ["63", "0x0"]):  # read(0, ...): x86-64, arm64 numbering
            return
        time.sleep(0.01)
    raise AssertionError("the command never waited for its standard input")
