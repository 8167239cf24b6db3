"""Property tests: bad input never crashes anything, always gets a message, never half-writes.

Thousands of generated values (control characters, CR/LF header injection, very long text,
unicode and IDN addresses, numbers as strings, wrong JSON types, binary garbage) go through the
validators, the account service, the import, the CLI (in-process) and the settings window. Each
test opens its own SQLite file in a temporary directory and runs a nested @given function against
it, so no fixture is shared between examples. Product bugs they found are kept at the end as
regression tests.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.widgets import Input

from smtp_tui import account_records, accounts, credentials, validation
from smtp_tui.app import SmtpApp
from smtp_tui.cli import main
from smtp_tui.errors import ValidationFailed
from smtp_tui.screens.account_form import AccountForm
from smtp_tui.screens.report import ReportScreen
from smtp_tui.screens.widgets import FormRow
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.store.models import SmtpAccount, database_proxy
from smtp_tui.validation import AccountInput, FieldError
from tests.test_report import settle

pytestmark = pytest.mark.sqlite_only  # about SQLite files; skipped on the PostgreSQL pass
FIELD_NAMES = {f.name for f in fields(AccountInput)} | {"credential", "connector"}
TEXT_FIELDS = ("name", "email", "reply_to", "return_path", "confirmation_email", "host")
ADDRESS_FIELDS = ("email", "reply_to", "return_path", "confirmation_email")
CREDENTIAL = "relay-login"  # registered in every database, so records and options may name it


def examples(count: int) -> settings:
    return settings(max_examples=count, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def no_catalogues(monkeypatch):
    # As in tests/test_cli_fuzz.py: argparse asks gettext for each message as it builds the
    # parser, and gettext looks on disk for catalogues there are none of; LANGUAGE=C knows at once.
    monkeypatch.setenv("LANGUAGE", "C")


# Shared strategies -----------------------------------------------------------------------

CONTROL = st.sampled_from(
    ["\r", "\n", "\r\n", "\x00", "\t", "\x0b", "\x0c", "\x1b", "\x7f", "\x01", "\x1f", "\x85"]
)
ADDRESSES = st.sampled_from(
    [
        "ops@example.com",
        "Ops@Example.COM",
        "用户@例子.广告",
        "josé@münchen.example",
        "a.b+tag@sub.example.org",
        "x@xn--mnchen-3ya.example",
        "  padded@example.net  ",
    ]
)
HOSTS = st.sampled_from(
    [
        "smtp.example.com",
        "10.1.2.3",
        "2001:db8::25",
        "[2001:db8::1]",
        "localhost",
        "münchen.example",
        "例子.广告",
        "mail.example.com.",
    ]
)
NAMES = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
    str.strip
)
HOSTILE = st.one_of(
    st.just(""),
    st.text(max_size=30),
    st.lists(CONTROL, max_size=5).map("".join),
    st.one_of(st.integers(), st.integers(1, 65535), st.floats(allow_nan=True)).map(
        str
    ),  # numbers as text
    st.builds(
        "{}{}{}".format, ADDRESSES | HOSTS | st.text(max_size=10), CONTROL, st.text(max_size=10)
    ),
    ADDRESSES.map(lambda a: a.strip() + "\r\nBcc: x@example.com"),
    HOSTS.map(lambda h: h + "\nRCPT TO:<x@x.com>"),
    st.builds(
        lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(60, 2000)
    ),  # very long
    st.sampled_from(
        [
            "a@b",
            "@example.com",
            "a@",
            "a b@example.com",
            '"a b"@example.com',
            "a@[1.2.3.4]",
            "10.0.0.300",
            "-bad.example.com",
            "a_b.example.com",
            "a..b",
            "xn--",
            ".",
            "[::1",
            "²",
            "¹2",
            "①",
            "٣",
        ]
    ),
)
WRONG_TYPES = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers()),
)
PORTS = st.one_of(
    st.integers(1, 65535), st.integers(1, 65535).map(str), st.sampled_from([25, 465, 587, " 587 "])
)
BAD_PORTS = st.one_of(st.integers(), st.none(), HOSTILE)
TIMEOUTS = st.one_of(st.integers(1, 300), st.integers(1, 300).map(str))


@st.composite
def account_inputs(draw, *, max_bad: int = 4) -> AccountInput:
    """A valid account with 0..max_bad of its fields replaced by hostile values."""
    values = dict(
        name=draw(NAMES),
        email=draw(ADDRESSES),
        host=draw(HOSTS),
        port=draw(PORTS),
        timeout=draw(TIMEOUTS),
        **{f: draw(st.sampled_from(["", "  "]) | ADDRESSES) for f in ADDRESS_FIELDS[1:]},
        **{
            f: draw(st.booleans())
            for f in (
                "active",
                "is_default",
                "read_confirmation",
                "force_config",
                "footer",
                "secure",
                "ignore_cert_errors",
            )
        },
        secure_type=draw(st.sampled_from([None, "SSL", "TLS", " tls ", "ssl"])),
    )
    values["secure"] = values["secure_type"] is not None and values["secure"]
    bad = draw(
        st.sets(
            st.sampled_from(TEXT_FIELDS + ("port", "timeout", "secure_type", "ids")),
            max_size=max_bad,
        )
    )
    values |= {f: draw(HOSTILE) for f in sorted(bad - {"port", "timeout", "ids"})}
    values |= {f: draw(BAD_PORTS) for f in sorted(bad & {"port", "timeout"})}
    if "ids" in bad:  # switches on without (or with unknown) references
        values.update(
            secure=draw(st.booleans()),
            authentication=draw(st.booleans()),
            use_connector=draw(st.booleans()),
            credential_id=draw(st.none() | st.integers(-3, 9)),
            connector_id=draw(st.none() | st.integers(-3, 9)),
        )
    return AccountInput(**values)


@st.composite
def records(draw, *, clean: bool = False):
    """An import record; unless clean, with hostile values, wrong types, missing or unknown keys."""
    data = draw(account_inputs(max_bad=0 if clean else 2))
    record = {f: getattr(data, f) for f in TEXT_FIELDS + ("port", "timeout", "active", "footer")}
    if clean:  # numbers as JSON numbers, as export writes them (text is refused)
        record |= {f: int(str(record[f]).strip()) for f in ("port", "timeout")}
    record["secure"] = draw(st.sampled_from(["none", "ssl", "TLS", None]) if clean else HOSTILE)
    record["default"] = draw(st.sampled_from([False, False, False, True]))
    record["credential"] = draw(
        st.sampled_from([None, "", CREDENTIAL, CREDENTIAL.upper(), "missing"][: 5 - clean])
    )
    if not clean:
        keys = draw(st.sets(st.sampled_from([*record, "connector", "x"]), max_size=2))
        record |= {key: draw(WRONG_TYPES) for key in sorted(keys)}  # sorted: replayable
        record.pop(draw(st.sampled_from([*TEXT_FIELDS, "none"])), None)
    return record


RECORD_LISTS = st.one_of(
    st.lists(records(clean=True), max_size=4),
    st.lists(
        st.one_of(records(clean=True), records(), WRONG_TYPES, st.text(max_size=5)), max_size=4
    ),
)


# Shared checks ---------------------------------------------------------------------------


@contextmanager
def database():
    """A fresh SQLite file and key file, opened and migrated, with one credential registered."""
    with tempfile.TemporaryDirectory() as tmp:
        context = AppContext.open(
            Config(database=str(Path(tmp) / "smtp.db"), key_file=Path(tmp) / "secret.key")
        )
        credentials.save(context.vault, name=CREDENTIAL, username="svc", secret="pw")
        try:
            yield context, Path(tmp)
        finally:
            database_proxy.obj.close()
            context.database.close()


def stored() -> tuple[list[tuple], dict[str, int]]:
    """Every account row and the row count of every table (the audit trail too); checks on the way
    that exactly one account is the default whenever there is any."""
    db = database_proxy.obj
    rows = list(SmtpAccount.select().order_by(SmtpAccount.code).tuples())
    assert SmtpAccount.select().where(SmtpAccount.is_default).count() == min(1, len(rows))
    return rows, {
        t: db.execute_sql(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in db.get_tables()
    }


def assert_messages(errors: dict[str, str]) -> None:
    assert errors
    for field, message in errors.items():  # e.g. 'Port must be a whole number from 1 to 65535.'
        assert isinstance(message, str) and message.strip() and message.endswith("."), (
            field,
            message,
        )


def assert_clean(account) -> None:
    """What was saved (or would be): one-line text values, a port and a timeout in range."""
    for field in TEXT_FIELDS:
        value = getattr(account, field)
        assert isinstance(value, str) and "\r" not in value and "\n" not in value, (field, value)
    assert type(account.port) is int and 1 <= account.port <= 65535
    assert type(account.timeout) is int and 1 <= account.timeout <= 300


def report(name: str, outcomes: Counter, *expected: str) -> None:
    """Print how the examples ended (visible with -s); each expected way must have happened."""
    print(f"\n{name}: {dict(outcomes)}")
    assert all(outcomes[outcome] for outcome in expected), (name, dict(outcomes))


# 1. The validators ------------------------------------------------------------------------


@examples(500)
@given(account_inputs(max_bad=8))
def test_validate_account_never_raises_and_explains_every_error(data):
    cleaned, errors = validation.validate_account(data)
    assert set(errors) <= FIELD_NAMES
    if errors:
        return assert_messages(errors)
    assert_clean(cleaned)
    for field in ADDRESS_FIELDS:
        assert validation.email_address(getattr(cleaned, field), "E-mail") == getattr(
            cleaned, field
        )  # idempotent
    assert validation.validate_account(cleaned) == (cleaned, {})


SINGLE_FIELD = {
    "email_address": lambda v: validation.email_address(v, "E-mail", required=True),
    "host": validation.host,
    "port": validation.port,
    "timeout_seconds": validation.timeout_seconds,
    "account_code": validation.account_code,
    "connector_url": validation.connector_url,
}
URLS = st.builds(
    "{}://{}:{}".format,
    st.sampled_from(["socks5", "http", "HTTP", "ftp", ""]),
    HOSTS | HOSTILE,
    PORTS | BAD_PORTS,
)


@pytest.mark.parametrize("name", SINGLE_FIELD)
@examples(300)
@given(value=st.one_of(HOSTILE, ADDRESSES, HOSTS, URLS))
def test_single_field_validators_return_a_value_or_a_field_error(name, value):
    try:
        SINGLE_FIELD[name](value)
    except FieldError as exc:
        assert str(exc).strip() and str(exc).endswith(".")


# 2. and 3. The account service and the import ----------------------------------------------


def save_one(value, rows):
    data, edit = value  # edit: None to create, else which existing account to change
    code = rows[edit % len(rows)][0] if rows and edit is not None else None
    outcome = "created" if code is None else "edited"
    return [accounts.save(data, code=code, actor="prop@test")], int(code is None), outcome


def import_all(batch, rows):
    return account_records.import_records(batch), len(batch), f"imported {min(len(batch), 2)}+"


SERVICES = {  # what is generated, how it is saved, how many examples, the outcomes that must occur
    "save": (
        st.tuples(account_inputs(), st.none() | st.integers(0, 99)),
        save_one,
        400,
        ("created", "edited"),
    ),
    "import_records": (RECORD_LISTS | WRONG_TYPES, import_all, 200, ("imported 2+",)),
}


@pytest.mark.parametrize("name", SERVICES)
def test_the_service_saves_everything_or_nothing(name):
    strategy, act, count, expected = SERVICES[name]
    outcomes = Counter()
    with database():

        @examples(count)
        @given(strategy)
        def check(value):
            before = stored()
            try:
                saved, grows, outcome = act(value, before[0])
            except ValidationFailed as failure:
                outcomes["refused"] += 1
                assert name == "import_records" or set(failure.errors) <= FIELD_NAMES
                assert_messages(failure.errors)
                assert stored() == before
            else:
                outcomes[outcome] += 1
                assert len(stored()[0]) == len(before[0]) + grows
                for account in saved:
                    assert_clean(accounts.get(account.code))

        check()
    report(name, outcomes, "refused", *expected)


# 4. The command line, in-process ------------------------------------------------------------


def run_cli(tmp: Path, capsys, *argv: str) -> tuple[int, str, str]:
    """`smtp-tui --db ... ARGV` in this process: the exit code (argparse's too), stdout, stderr."""
    database_proxy.obj.close()  # main() opens a fresh Database on the same file
    capsys.readouterr()
    try:
        code = main(["--db", str(tmp / "smtp.db"), "--key-file", str(tmp / "secret.key"), *argv])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    return code, *capsys.readouterr()


def run_checked(tmp: Path, capsys, outcomes: Counter, argv: list[str], grows) -> str | None:
    """Run a command: 0 adds grows() accounts (its stdout is returned).

    Exits 1 and 2 say why, and write nothing.
    """
    before = stored()
    code, out, err = run_cli(tmp, capsys, *argv)
    outcomes[f"exit {code}"] += 1
    if code == 0:
        assert len(stored()[0]) == len(before[0]) + grows()
    else:
        assert code in (1, 2) and err.strip() and "Traceback" not in err, (code, err)
        assert code == 2 or any(line.startswith("smtp-tui: ") for line in err.splitlines()), err
        assert stored() == before
    return out if code == 0 else None


OPTIONS = {f"--{f.replace('_', '-')}": ADDRESSES | HOSTILE for f in ADDRESS_FIELDS[1:]} | {
    "--timeout": TIMEOUTS | BAD_PORTS,
    "--secure": st.sampled_from(["ssl", "tls", "none", "none", "SSL", ""]),
    "--credential": st.sampled_from([CREDENTIAL, "missing"]) | HOSTILE,
    "--connector": HOSTILE,
}
FLAGS = st.sets(
    st.sampled_from(
        ["--inactive", "--default", "--footer", "--force-config", "--ignore-cert-errors"]
    )
)


def test_cli_add_exits_0_1_or_2_with_a_message(capsys):
    outcomes = Counter()
    with database() as (_, tmp):

        @examples(150)
        @given(
            data=account_inputs(max_bad=3),
            options=st.fixed_dictionaries({}, optional=OPTIONS),
            flags=FLAGS,
        )
        def check(data, options, flags):
            argv = [
                f"--name={data.name}",
                f"--email={data.email}",
                f"--host={data.host}",
                f"--port={data.port}",
            ]
            argv += [f"{option}={value}" for option, value in options.items()] + sorted(flags)
            out = run_checked(tmp, capsys, outcomes, ["accounts", "add", *argv], lambda: 1)
            if out is not None:
                account = accounts.get(
                    int(re.fullmatch(r"Added '.*' \(code (\d+)\)\.\n", out, re.DOTALL)[1])
                )
                assert account.name == data.name.strip()
                assert_clean(account)

        check()
    report("cli add", outcomes, "exit 0", "exit 1", "exit 2")


FILE_CONTENTS = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),  # garbage, often not UTF-8
    RECORD_LISTS.map(lambda batch: json.dumps(batch, ensure_ascii=False)).flatmap(
        lambda text: st.sampled_from(
            [
                text.encode(),
                text.encode("latin-1", "replace"),
                text.encode("utf-16"),
                b"\xef\xbb\xbf" + text.encode(),
                text.encode()[:-1],
            ]
        )
    ),  # UTF-8, Latin-1, UTF-16, with a byte-order mark, cut short
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=10,
    ).map(lambda value: json.dumps(value).encode()),
)


def test_cli_import_exits_0_1_or_2_and_imports_all_or_nothing(capsys):
    outcomes = Counter()
    with database() as (_, tmp):

        @examples(150)
        @given(FILE_CONTENTS)
        def check(content):
            (tmp / "accounts.json").write_bytes(content)
            out = run_checked(
                tmp,
                capsys,
                outcomes,
                ["accounts", "import", str(tmp / "accounts.json")],
                lambda: len(json.loads(content)),
            )
            assert out is None or out.startswith("Imported ")

        check()
    report("cli import", outcomes, "exit 0", "exit 1")


# 5. The settings window --------------------------------------------------------------------


async def save_in_form(pilot, data: AccountInput, outcomes: Counter) -> None:
    """Open (or keep) the new-account form, set its text inputs to `data`, press ctrl+s."""
    app = pilot.app
    if not isinstance(app.screen, AccountForm):
        await pilot.press("n")
    before = stored()
    for field in TEXT_FIELDS + ("port", "timeout"):
        app.screen.query_one(f"#f-{field}", Input).value = str(getattr(data, field))
    await pilot.pause()
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert app.is_running and app.return_code is None
    if isinstance(app.screen, ReportScreen):  # the form closed: the account was saved
        outcomes["saved"] += 1
        newest = SmtpAccount.select().order_by(SmtpAccount.code.desc()).first()
        assert newest.name == data.name.strip() and len(stored()[0]) == len(before[0]) + 1
        assert_clean(newest)
    else:
        outcomes["refused"] += 1
        assert isinstance(app.screen, AccountForm)
        invalid = [row for row in app.screen.query(FormRow) if row.has_class("-invalid")]
        assert invalid and all(
            str(row.query_one(".form-error").render()).strip() for row in invalid
        )
        assert stored() == before


@pytest.mark.long
async def test_the_form_saves_or_shows_an_error():
    """One app session for all examples, as opening the app is slow.

    Hypothesis runs in a thread and hands each example to the app's event loop; each types into
    the open form, or opens a new one.
    """
    outcomes = Counter()
    with database() as (context, _):
        async with SmtpApp(context).run_test(size=(100, 50)) as pilot:
            await settle(pilot)
            loop = asyncio.get_running_loop()

            @examples(12)
            @given(account_inputs(max_bad=3))
            @example(
                AccountInput(
                    name="Saved from the form", email="ops@example.com", host="smtp.example.com"
                )
            )
            @example(
                AccountInput(
                    name="x\r\nBcc: a@example.com",
                    email="a@example.com\r\nBcc: b@example.com",
                    host="mail\n.example.com",
                    port="\x00",
                    timeout="9" * 3000,
                )
            )
            def check(data):
                asyncio.run_coroutine_threadsafe(save_in_form(pilot, data, outcomes), loop).result()

            await asyncio.to_thread(check)
    report("form", outcomes, "saved", "refused")


# Product bugs the properties found, fixed, and kept as regression tests ----------------------


def test_bug_a_name_with_a_lone_surrogate_crashes_the_save(capsys):
    with database() as (
        _,
        tmp,
    ):  # argv holds a byte that is not UTF-8 as a lone surrogate: b"\xff" -> "\udcff"
        code, _, err = run_cli(
            tmp,
            capsys,
            "accounts",
            "add",
            "--name=Relay \udcff",
            "--email=a@example.com",
            "--host=h.example",
            "--port=25",
        )
        assert code == 1 and err.startswith("smtp-tui: ")


@pytest.mark.parametrize(
    "content", [b"[" + b"9" * 5000 + b"]", b"[" * 100_000], ids=["5000-digits", "deep"]
)
def test_bug_cli_import_of_some_invalid_json_raises(content, capsys):
    with database() as (_, tmp):
        (tmp / "accounts.json").write_bytes(content)
        code, _, err = run_cli(tmp, capsys, "accounts", "import", str(tmp / "accounts.json"))
        assert code == 1 and err.startswith("smtp-tui: ")


def test_bug_an_added_account_is_not_found_by_its_exact_non_ascii_name(capsys):
    with database() as (_, tmp):
        assert (
            run_cli(
                tmp,
                capsys,
                "accounts",
                "add",
                "--name=École",
                "--email=a@example.com",
                "--host=h.example",
                "--port=25",
            )[0]
            == 0
        )
        assert run_cli(tmp, capsys, "accounts", "show", "École")[0] == 0
