from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

# The symbols the tests expect (✓, ⚠, ▐●▌), whatever terminal runs them: tests of the ASCII
# fallback set their own environment (test_glyphs.py).
os.environ["SMTP_TUI_GLYPHS"] = "unicode"

from smtp_tui import accounts
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.store.database import connect
from smtp_tui.validation import AccountInput

# Modules whose fixtures other test modules share: registered here, not imported by each user.
pytest_plugins = [
    "tests.mailservers",
    "tests.oauth_servers",
    "tests.full_disk",
    "tests.test_cli_commands",
    "tests.test_hostile_servers",
    "tests.ssh_servers",
]


def account_input(number: int = 1, **overrides) -> AccountInput:
    """A valid account, different for each number, with `overrides` applied."""
    values = dict(
        name=f"Account {number:03d}",
        email=f"sender{number}@example.com",
        host="smtp.example.com",
        port=587,
        secure=True,
        secure_type="TLS",
    )
    values.update(overrides)
    return AccountInput(**values)


def fill(count: int) -> None:
    """`count` accounts: every 5th inactive, every 3rd with a reply-to, names reverse the codes."""
    for n in range(1, count + 1):
        accounts.save(
            account_input(
                n,
                name=f"{'Relay' if n % 2 else 'Alerts'} {76 - n:03d}",
                active=n % 5 != 0,
                reply_to=f"replies{n}@example.org" if n % 3 == 0 else "",
                return_path=f"bounce{n}@example.net" if n % 4 == 0 else "",
                confirmation_email=f"receipts{n}@example.com" if n % 7 == 0 else "",
            ),
            actor="tester@host",
        )


# set by scripts/dev.py for the second pass
SERVER_URL = os.environ.get("SMTP_TUI_TEST_PG")
ON_POSTGRES = bool(SERVER_URL)
# set in each pytest-xdist worker (gw0, gw1, ...)
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
# a directory of lock files the workers share, made by the process that starts them
LOCKS = "SMTP_TUI_TEST_LOCKS"


def worker_database(url: str, worker: str) -> str:
    """The URL of `worker`'s own database on the server of `url`: <database>_<worker>."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{parts.path.strip('/') or 'postgres'}_{worker}"))


# Under pytest-xdist each worker empties its own database, never the one another is using.
POSTGRES_URL = worker_database(SERVER_URL, WORKER) if ON_POSTGRES and WORKER else SERVER_URL


def on_the_server(*statements: str) -> None:
    """Statements run outside a transaction (CREATE DATABASE needs that) on the test server."""
    import psycopg2

    connection = psycopg2.connect(SERVER_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    connection.close()


def drop_worker_database() -> str:
    """Drops this worker's database, if there is one; returns its name."""
    name = urlsplit(POSTGRES_URL).path.strip("/")
    # WITH (FORCE): connections a test left open, or a killed run, do not keep it
    on_the_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return name


def pytest_sessionstart(session):
    if WORKER and ON_POSTGRES:
        on_the_server(f'CREATE DATABASE "{drop_worker_database()}"')


def pytest_sessionfinish(session):
    # not at unconfigure: once its session is over, a worker may be stopped at any moment
    if WORKER and ON_POSTGRES:
        drop_worker_database()


def pytest_configure(config):
    if not WORKER and config.getoption("numprocesses", None):
        os.environ[LOCKS] = tempfile.mkdtemp(prefix="smtp-tui-test-locks-")


def pytest_unconfigure(config):
    if not WORKER and os.environ.get(LOCKS):
        shutil.rmtree(os.environ.pop(LOCKS), ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="about SQLite files; this pass runs on PostgreSQL")
    for item in items:
        if ON_POSTGRES and "sqlite_only" in item.keywords:
            item.add_marker(skip)
    if WORKER:
        # On pytest-xdist, serial tests first: no worker is yet in a long test they would wait for.
        # Then the long ones: a worker left alone with one at the end would keep the run waiting.
        items.sort(key=lambda item: [not item.get_closest_marker(m) for m in ("serial", "long")])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Under pytest-xdist, a test marked serial runs while no other test does: every test holds
    a shared lock for as long as it runs, a serial one the same lock alone. A gate taken before
    the lock keeps a serial test from waiting forever while the others take turns with theirs."""
    locks = os.environ.get(LOCKS) if WORKER else None
    if not locks:
        return (yield)
    # here, not at the top: Windows has no fcntl, and a run without workers needs no lock
    import fcntl

    alone = item.get_closest_marker("serial") is not None
    with open(Path(locks, "gate"), "a") as gate, open(Path(locks, "running"), "a") as running:
        fcntl.flock(gate, fcntl.LOCK_EX)
        fcntl.flock(running, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        fcntl.flock(gate, fcntl.LOCK_UN)
        return (yield)


def empty_postgres() -> str:
    """The test server's database, emptied: every test starts from nothing."""
    db = connect(POSTGRES_URL)
    db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
    db.execute_sql("CREATE SCHEMA public")
    db.close()
    return POSTGRES_URL


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A real SQLite file in a fresh directory, or on the PostgreSQL pass an empty database."""
    return empty_postgres() if ON_POSTGRES else str(tmp_path / "smtp.db")


@pytest.fixture
def context(database_url: str, tmp_path: Path):
    """The database (opened and migrated) and a key file in a fresh directory."""
    ctx = AppContext.open(Config(database=database_url, key_file=tmp_path / "keys" / "secret.key"))
    yield ctx
    ctx.database.close()


def stored_bytes(context) -> bytes:
    """Everything the database holds, as bytes.

    The SQLite files, or every PostgreSQL row as JSON.
    """
    if not ON_POSTGRES:
        context.database.close()  # checkpoint the WAL
        data = b"".join(
            p.read_bytes() for p in Path(context.config.database).parent.glob("smtp.db*")
        )
        context.database.connect()
        return data
    tables = context.database.get_tables()
    rows = [
        context.database.execute_sql(f'SELECT row_to_json(t)::text FROM "{table}" t').fetchall()
        for table in tables
    ]
    return "\n".join(r[0] for table in rows for r in table).encode()


def impatient(context, wait_ms: int = 50) -> None:
    """This thread's connection waits `wait_ms` for another's write lock instead of busy_timeout's
    5 s: the same refusal ("database is locked"), sooner."""
    context.database.execute_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")


@contextmanager
def write_lock_held(context):
    """Another connection holds SQLite's write lock until the block ends, as a long import would."""
    holder = sqlite3.connect(context.config.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.fixture
def db(context):
    return context.database


@pytest.fixture
def vault(context):
    return context.vault


@pytest.fixture
def seventy_five(db):
    fill(75)
