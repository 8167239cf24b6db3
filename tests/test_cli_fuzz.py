"""The command line under fuzz: every command the parser knows, its arguments and its stdin.

Values are random text, bytes that are not UTF-8, control, escape and bidi characters, huge
and negative numbers, impossible dates and very long strings, mixed with good values so that
runs get past the first check. Every run must end with exit 0, 1 or 2, no traceback, nothing
on stdout or stderr that a terminal would run (escape sequences, C0/C1 controls, bytes that
are not UTF-8, bidi controls), at most a few lines of stderr, a sound database, and nothing
written when a command refused.

Most runs call `smtp_tui.cli.main` in this process, with stdout, stderr and stdin as Python
sets them up for a real process (bytes, UTF-8, surrogateescape), and argv decoded the way
Python decodes it (os.fsdecode); a few run `python -m smtp_tui` with argv as raw bytes. The
figures (runs, tracebacks) are printed: `pytest -s tests/test_cli_fuzz.py`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import subprocess
import sys
import traceback
import unicodedata
from collections import Counter, defaultdict
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peewee import fn

from smtp_tui import accounts, connectors, credentials
from smtp_tui.cli import build_parser, main
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.store.models import SmtpAccount, database_proxy
from tests.conftest import account_input
from tests.mailservers import start_server

pytestmark = pytest.mark.sqlite_only  # runs the CLI on an SQLite file it inspects directly

IN_PROCESS_RUNS = 1000
SUBPROCESS_RUNS = 12
STDERR_MAX = 16_000  # bytes: a few lines, even when a value is megabytes long
SEED = "Seed relay"  # the account `test` sends through, to a real SMTP server on loopback
WRITING_WHEN_FAILED = {
    ("test",),
    ("schedules", "run"),
}  # a failed test or send is recorded, by design


def leaf_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(words, parser) of every command that runs something, as the real parser defines them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for word, sub in action.choices.items():
                yield from leaf_commands(sub, (*path, word))
    if parser.get_default("run") is not None:
        yield path, parser


COMMANDS = sorted(leaf_commands(build_parser()), key=lambda command: command[0])

# Hostile values --------------------------------------------------------------------------------

CONTROLS = [chr(c) for c in (*range(1, 0x20), 0x7F, *range(0x80, 0xA0))]
FORMATS = [
    "\u2028",
    "\u2029",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u200b",
    "\ufeff",
    "\u00ad",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
]
ESCAPES = [
    "\x1b[2J",
    "\x1b]0;PWNED\x07",
    "\x1b[31m",
    "\x9b2J",
    "\x9d0;PWNED\x9c",
    "\x1bP+q\x1b\\",
    "\r\nBcc: x@example.com",
]
SPECIAL = st.lists(st.sampled_from(CONTROLS + FORMATS + ESCAPES), min_size=1, max_size=6).map(
    "".join
)
NUMBERS = st.one_of(
    st.integers(),
    st.integers(-(2**80), 2**80),
    st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, 10**22, 99999999999999999999999, -1, 0]),
).map(str) | st.sampled_from(["9" * 5000, "-" + "9" * 40, "1e9", "0x10", "١٢", "²"])
DATES = st.sampled_from(
    [
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "99999-01-01",
        "20261128",
        "2026-W01-1",
        "9999-12-31T23:59:59",
        "0000-00-00",
    ]
)
ARGV_BYTES = st.binary(min_size=1, max_size=30).map(lambda b: os.fsdecode(b.replace(b"\0", b"")))
LONG = st.builds(
    lambda unit, count: unit * count,
    st.sampled_from(["x", "é", "\x1b[2J", "\u202e", "a\n", "\udcff"]),
    st.integers(200, 20_000),
)
GOOD = {
    "account": [SEED, "1", "2", "fuzz relay"],
    "name": ["Fuzz relay", "seed-login", "seed-proxy", "Fuzz 2"],
    "email": ["ops@example.com"],
    "reply_to": ["replies@example.com", ""],
    "return_path": ["bounce@example.com"],
    "confirmation_email": ["receipts@example.com"],
    "host": ["127.0.0.1", "localhost"],
    "port": ["25", "2525"],
    "username": ["svc"],
    "url": ["socks5://127.0.0.1:1", "http://127.0.0.1:1"],
    "credential": ["seed-login"],
    "connector": ["seed-proxy"],
    "timeout": ["1", "2"],
    "code": ["1", "2"],
    "to": ["rcpt@example.com"],
    "subject": ["Fuzz"],
    "body": ["Line one\n\tLine two"],
    "text": ["Regards,\n\tOps"],
    "limit": ["3"],
    "since": ["2020-01-01"],
    "until": ["2099-12-31"],
    "user": ["root"],
    "sort": ["name", "code"],
    "preset": ["sendgrid", "ses:eu-west-1", "FASTMAIL"],
}
ANY_GOOD = st.sampled_from(sorted({value for values in GOOD.values() for value in values}))
MIXED = st.builds(
    lambda good, bad, rest: good + bad + rest, ANY_GOOD, SPECIAL | ARGV_BYTES, st.text(max_size=5)
)
HOSTILE = st.one_of(st.text(max_size=30), SPECIAL, NUMBERS, DATES, ARGV_BYTES, LONG, MIXED)
JSON_VALUES = (
    HOSTILE
    | st.characters(categories=["Cs"])
    | st.none()
    | st.booleans()
    | st.integers()
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)
RECORD = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["Imported"]) | JSON_VALUES,
        "email": st.just("ops@example.com") | JSON_VALUES,
        "host": st.just("127.0.0.1") | JSON_VALUES,
    },
    optional={
        key: JSON_VALUES
        for key in (
            "port",
            "secure",
            "credential",
            "connector",
            "active",
            "timeout",
            "reply_to",
            "ignore_cert_errors",
            "default",
        )
    },
)
IMPORT_FILES = st.one_of(
    st.binary(max_size=100),
    st.lists(RECORD, max_size=3).map(
        lambda records: json.dumps(records).encode()
    ),  # "\ud800" escapes included
    st.lists(RECORD, max_size=2).map(
        lambda records: json.dumps(records, ensure_ascii=False).encode("utf-8", "surrogatepass")
    ),  # lone surrogates as raw bytes: not UTF-8
)
STDIN = st.one_of(
    st.just(b""),
    st.just(b"s3cret\n"),
    st.binary(max_size=40),
    HOSTILE.map(lambda text: text.encode("utf-8", "surrogateescape") + b"\n"),
)


def no_nul(text: str) -> str:
    return text.replace("\0", "")  # argv cannot hold NUL: exec() ends each argument there


def values_for(action: argparse.Action, draw):
    """A good value (a valid choice, or one of GOOD) three times in four, else a hostile one: most
    runs get past the first check, and each hostile value meets good ones deeper in."""
    good = list(action.choices or ()) + GOOD.get(action.dest, [])
    if good and draw(st.integers(0, 3)):
        return draw(st.sampled_from(good))
    return no_nul(draw(HOSTILE))


@st.composite
def invocations(draw):
    """(argv after --db/--key-file, stdin bytes, import file bytes, the command's words)."""
    kind = draw(st.sampled_from(["command"] * 30 + ["tui", "help"]))
    if kind == "tui":  # no command: the TUI, which needs a terminal this run does not have
        return draw(st.sampled_from([[], ["--demo"]])), b"", b"", ()
    words, parser = draw(st.sampled_from(COMMANDS))
    argv = list(words)
    if kind == "help":
        return [*argv, draw(st.sampled_from(["-h", "--help", "--version"]))], b"", b"", words
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue  # --db and --key-file are given once, before the command
        if action.dest == "file":  # accounts import FILE: the file holds the hostile bytes
            argv.append(draw(st.sampled_from(["{import}"] * 4 + ["{missing}", "{directory}"])))
            continue
        if action.dest == "output":
            if draw(st.booleans()):
                argv += [
                    "--output",
                    "{out}/" + draw(HOSTILE.map(no_nul).filter(lambda n: "/" not in n)),
                ]
            continue
        if not action.option_strings:  # a positional: given, or left out for argparse to refuse
            if draw(st.integers(0, 19)):
                argv.append(values_for(action, draw))
            continue
        option = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:  # a flag
            if draw(st.integers(0, 2)) == 0:
                argv.append(option)
        elif (action.required and draw(st.integers(0, 19))) or draw(st.integers(0, 2)) == 0:
            value = values_for(action, draw)
            argv += [f"{option}={value}"] if draw(st.booleans()) else [option, value]
    return argv, draw(STDIN), draw(IMPORT_FILES), words


# Running and checking --------------------------------------------------------------------------


class Fuzz:
    """A database with a credential, a connector and an account sending to a real SMTP server,
    and the tally of runs and problems (kind -> the shortest examples)."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.db, self.key = tmp / "fuzz.db", tmp / "secret.key"
        (tmp / "out").mkdir()
        (tmp / "directory.json").mkdir()
        self.server = start_server(auth=False)
        self.context = AppContext.open(Config(database=str(self.db), key_file=self.key))
        credentials.save(self.context.vault, name="seed-login", username="svc", secret="pw")
        connectors.save(name="seed-proxy", kind="socks5", host="127.0.0.1", port=1)
        self.seed_account()
        self.runs, self.commands = Counter(), Counter()
        self.problems: dict[str, list[str]] = defaultdict(list)

    def close(self) -> None:
        self.server.controller.stop()
        database_proxy.obj.close()

    def seed_account(self) -> None:
        """`test SEED` always reaches the loopback server, whatever earlier runs did to it."""
        seed = SmtpAccount.get_or_none(fn.LOWER(SmtpAccount.name) == SEED.lower())
        data = account_input(
            name=SEED,
            host="127.0.0.1",
            port=self.server.port,
            secure=False,
            secure_type=None,
            timeout=2,
            is_default=bool(seed and seed.is_default),
        )  # a default stays one
        accounts.save(
            data, code=seed and seed.code, expected_version=seed and seed.version, actor="fuzz@test"
        )

    def argv(self, argv: list[str], content: bytes) -> list[str]:
        (self.tmp / "import.json").write_bytes(content)
        places = {
            "{import}": self.tmp / "import.json",
            "{missing}": self.tmp / "missing.json",
            "{directory}": self.tmp / "directory.json",
            "{out}": self.tmp / "out",
        }
        resolved = []
        for arg in argv:
            for mark, path in places.items():
                arg = arg.replace(mark, str(path))
            resolved.append(arg)
        return ["--db", str(self.db), "--key-file", str(self.key), *resolved]

    def counts(self) -> dict[str, int]:
        with sqlite3.connect(self.db) as db:
            tables = [
                t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}

    def integrity(self) -> str:
        with sqlite3.connect(self.db) as db:
            return db.execute("PRAGMA integrity_check").fetchone()[0]

    def check(
        self,
        argv: list[str],
        stdin: bytes,
        words: tuple,
        code,
        out: bytes,
        err: bytes,
        crash: tuple[str, str] | None,
        before: dict[str, int],
    ) -> None:
        self.runs["runs"] += 1
        self.runs[f"exit {code}"] += 1
        self.commands[f"{' '.join(words) or '(TUI)'}: exit {code}"] += 1
        problems = []  # (kind, detail)
        if crash is not None:
            problems.append(crash)
        elif b"Traceback" in err or b"Exception ignored" in err:
            problems.append(
                ("traceback on stderr", err.decode(errors="replace").strip().splitlines()[-1][:200])
            )
        elif code not in (0, 1, 2):
            problems.append((f"exit {code!r}", ""))
        # An XLSX export to a redirected stdout is a file's bytes, meant for `> report.xlsx`.
        xlsx_file = code == 0 and out.startswith(b"PK\x03\x04")  # a zip: no text command writes one
        for stream, data in (("stdout", b"" if xlsx_file else out), ("stderr", err)):
            bad = sorted(
                {c for c in data.decode("utf-8", "surrogateescape") if runs_in_a_terminal(c)}
            )
            if bad:
                problems.append(
                    (f"{stream} holds what a terminal would run", ascii("".join(bad[:5])))
                )
        if len(err) > STDERR_MAX:
            problems.append(("stderr is too long", f"{len(err)} bytes"))
        if (integrity := self.integrity()) != "ok":
            problems.append(("integrity_check failed", integrity))
        if code not in (0, None) and words not in WRITING_WHEN_FAILED and "--demo" not in argv:
            if self.counts() != before:
                problems.append((f"exit {code} but the database changed", ""))
        for kind, detail in problems:
            self.runs["problems"] += 1
            self.runs["tracebacks"] += kind.startswith(("Traceback", "traceback"))
            self.problems[kind].append(f"{detail} {shown(argv)} stdin={shown(stdin)}".strip())

    def report(self, name: str) -> None:
        exits = ", ".join(
            f"{key}: {count}" for key, count in sorted(self.runs.items()) if key.startswith("exit")
        )
        print(
            f"\n{name}: {self.runs['runs']} runs ({exits}), {self.runs['tracebacks']} tracebacks, "
            f"{self.runs['problems']} problems in all\n"
            f"  by command: {dict(sorted(self.commands.items()))}"
        )
        for problem, examples in self.problems.items():
            print(f"  {problem}  ({len(examples)}x), e.g. {min(examples, key=len)}")
        assert not self.problems, f"{len(self.problems)} kinds of problem: {list(self.problems)}"


def runs_in_a_terminal(character: str) -> bool:
    """What must never reach a terminal raw: controls but tab and line ends, bytes that are not
    UTF-8 (surrogateescape), line and paragraph separators, bidi controls."""
    category = unicodedata.category(character)
    return (
        (category == "Cc" and character not in "\t\n\r")
        or category in ("Cs", "Zl", "Zp")
        or "\u202a" <= character <= "\u202e"
        or "\u2066" <= character <= "\u2069"
    )


def shown(value) -> str:
    text = ascii(value)
    return text if len(text) < 300 else text[:150] + "…" + text[-150:]


def run_in_process(
    argv: list[str], stdin: bytes
) -> tuple[object, bytes, bytes, tuple[str, str] | None]:
    """main(argv) with the standard streams a real process would have (C.UTF-8: surrogateescape)."""
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="surrogateescape")
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace")
    saved_stdin, saved_hook, unraisable = sys.stdin, sys.unraisablehook, []
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8", errors="surrogateescape")
    sys.unraisablehook = unraisable.append
    crash = None
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            code = main(argv)
    except SystemExit as exc:  # argparse: usage errors, --help, --version
        code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:  # noqa: BLE001 - a traceback is what this test looks for
        code = None
        frame = next(
            (
                f
                for f in reversed(traceback.extract_tb(exc.__traceback__))
                if "/smtp_tui/" in f.filename
            ),
            traceback.extract_tb(exc.__traceback__)[-1],
        )
        crash = (
            f"Traceback: {type(exc).__name__} in {Path(frame.filename).name}:{frame.name}",
            str(exc)[:120],
        )
    finally:
        sys.stdin, sys.unraisablehook = saved_stdin, saved_hook
        database_proxy.obj.close()  # the next main() opens its own
        stdout.flush()
        stderr.flush()
    if unraisable and crash is None:
        crash = (
            f"Traceback: exception ignored: {unraisable[0].exc_type.__name__}",
            str(unraisable[0].exc_value),
        )
    return code, out.getvalue(), err.getvalue(), crash


FUZZ_SETTINGS = dict(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)


def run_as_a_process(argv: list[str], stdin: bytes) -> tuple[int, bytes, bytes, None]:
    """`python -m smtp_tui` with argv as raw bytes (os.fsencode gives back the bytes not UTF-8)."""
    result = subprocess.run(
        [sys.executable, "-m", "smtp_tui", *map(os.fsencode, argv)],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    return result.returncode, result.stdout, result.stderr, None  # a traceback shows on stderr


def fuzz(tmp_path: Path, name: str, examples: int, execute) -> None:
    """`examples` generated invocations, each run by `execute(argv, stdin)` and checked; then the
    tally is printed, and every problem found listed (all of them: not only the first)."""
    state = Fuzz(tmp_path)
    try:

        @settings(max_examples=examples, **FUZZ_SETTINGS)
        @given(invocations())
        def run(invocation):
            argv, stdin, content, words = invocation
            if words == ("test",):
                state.seed_account()
            argv = state.argv(argv, content)
            before = state.counts()
            state.check(argv, stdin, words, *execute(argv, stdin), before)

        run()
    finally:
        state.close()
    state.report(name)


@pytest.mark.long
def test_every_command_survives_hostile_arguments_and_stdin(tmp_path, monkeypatch):
    # argparse asks gettext for each of its messages as it builds the parser, and gettext looks
    # for catalogues of the locale's language (C.UTF-8) on disk each time: a third of each run.
    # There are none; with LANGUAGE=C it knows at once, and every message is the same.
    monkeypatch.setenv("LANGUAGE", "C")
    fuzz(tmp_path, "fuzz, in-process", IN_PROCESS_RUNS, run_in_process)


def test_every_command_survives_hostile_bytes_as_a_real_process(tmp_path):
    fuzz(tmp_path, "fuzz, subprocess", SUBPROCESS_RUNS, run_as_a_process)
