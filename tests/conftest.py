from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest

from smtp_tui import accounts
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.store.database import connect
from smtp_tui.validation import AccountInput

# Modules whose fixtures other test modules share: registered here, not imported by each user.
pytest_plugins = [
    "tests.mailservers",
    "tests.full_disk",
    "tests.test_cli_commands",
    "tests.test_hostile_servers",
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


POSTGRES_URL = os.environ.get("SMTP_TUI_TEST_PG")  # set by scripts/dev.py for the second pass
ON_POSTGRES = bool(POSTGRES_URL)


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="about SQLite files; this pass runs on PostgreSQL")
    for item in items:
        if ON_POSTGRES and "sqlite_only" in item.keywords:
            item.add_marker(skip)


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
