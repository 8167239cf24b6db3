"""Open the configured database, set it up, and migrate its schema forward.

A plain path means SQLite; otherwise a URL that playhouse.db_url understands
(`sqlite:///path`, `postgresql://user:pw@host/db`, `mysql://...`).
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar
from urllib.parse import unquote, urlsplit

import peewee

from smtp_tui.errors import DatabaseUnavailable
from smtp_tui.store.models import database_proxy

if TYPE_CHECKING:
    from playhouse.migrations import Runner

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIGRATION_TABLE = "schema_migration"  # playhouse.migrations' default
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
}


# libpq takes ?password= too.
PASSWORD_PARAMETER = re.compile(r"(?i)(\bpassword=)([^&#]*)")
NOT_A_URL = (
    "it is not a valid URL. Write postgresql://USER:PASSWORD@HOST:PORT/DATABASE, with @ : / ? # % "
    "in the user name or password written %40 %3A %2F %3F %23 %25, and a port from 1 to 65535."
)


def _password_part(url: str) -> tuple[str, str, str] | None:
    """`url` as (what comes before its password, the password, what comes after), or None when it
    has no user:password part. Split at the last @: a password may hold one, written plainly."""
    if "://" not in url:
        return None
    scheme, rest = url.split("://", 1)
    credentials, at, location = rest.rpartition("@")
    if not at or ":" not in credentials:
        return None
    user, _, password = credentials.partition(":")
    return f"{scheme}://{user}:", password, f"@{location}"


def describe(url: str) -> str:
    """The URL with any password hidden, for messages."""
    if "://" not in url:
        return url
    parts = _password_part(url)
    if parts:
        url = f"{parts[0]}***{parts[2]}"
    return PASSWORD_PARAMETER.sub(r"\1***", url)


def _passwords(url: str) -> set[str]:
    """The password of `url` in every form a message could repeat it: as written and decoded."""
    parts = _password_part(url)
    written = [m.group(2) for m in PASSWORD_PARAMETER.finditer(url)] + ([parts[1]] if parts else [])
    return {form for password in written for form in (password, unquote(password)) if form}


def _driver_text(error: BaseException, url: str) -> str:
    """What a driver said, on one line, without the password of `url` should it repeat it."""
    text = " ".join(str(error).split()).rstrip(".")
    for password in sorted(_passwords(url), key=len, reverse=True):
        text = text.replace(password, "***")
    return text


def _create_private_file(path: Path) -> None:
    """Create a missing SQLite file 0600 (and missing parents 0700) before SQLite does."""
    if path.exists():
        return
    missing = [p for p in reversed(path.parents) if not p.exists()]
    for parent in missing:
        parent.mkdir(mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _sqlite_path(url: str, given: str) -> str:
    """The file of an sqlite:/// URL, created private when missing. A database in memory is
    refused: it would silently take every change with it when smtp-tui ends."""
    parts = urlsplit(url)
    path = parts.path[1:]
    # sqlite://name/x.db: the name would be dropped without a word.
    if parts.netloc:
        raise DatabaseUnavailable(
            f"Cannot use database {given}: an SQLite URL has three slashes before a "
            "relative path (sqlite:///data/x.db) and four before an absolute one."
        )
    if path in ("", ":memory:"):
        raise DatabaseUnavailable(
            f"Cannot use database {given}: it names no file, "
            "and a database in memory would be lost when smtp-tui ends. "
            "Give a file: --db PATH or sqlite:///PATH."
        )
    file = Path(path).expanduser()
    _create_private_file(file)
    return str(file)


def connect(url: str) -> peewee.Database:
    """Build the peewee Database for `url` without touching the schema."""
    given = describe(url)
    if "://" not in url:
        url = f"sqlite:///{url}"
    try:
        scheme = urlsplit(url).scheme
        if scheme == "sqlite":
            # Built directly: playhouse.db_url imports every driver (psycopg2 too), which would
            # slow every start-up on the default database.
            return peewee.SqliteDatabase(_sqlite_path(url, given), pragmas=SQLITE_PRAGMAS)
        from playhouse import db_url

        # sqlite+pool and the like.
        if scheme.startswith("sqlite"):
            return db_url.connect(url, database=_sqlite_path(url, given), pragmas=SQLITE_PRAGMAS)
        return db_url.connect(url, unquote_password=True, unquote_user=True)
    except RuntimeError as exc:
        # An unknown scheme.
        raise DatabaseUnavailable(
            f"Cannot use database {given}: {_driver_text(exc, url)}."
        ) from None
    except ValueError:
        # urllib's words would quote the part it stumbled on: a password's, maybe.
        raise DatabaseUnavailable(f"Cannot use database {given}: {NOT_A_URL}") from None
    except OSError as exc:
        raise DatabaseUnavailable(
            f"Cannot create the database file {given}: {exc.strerror}"
        ) from None


def _up_to_date(db: peewee.Database) -> bool:
    """Every shipped migration is applied: checked with one query, so an ordinary start-up
    need not load the migration runner."""
    shipped = {path.stem for path in MIGRATIONS_DIR.glob("[0-9]*.py")}
    if not db.table_exists(MIGRATION_TABLE):
        return False
    applied = {name for (name,) in db.execute_sql(f"SELECT name FROM {MIGRATION_TABLE}")}
    return shipped <= applied


def migrator(db: peewee.Database) -> Runner:
    # Imported here: it brings argparse and the schema migrator, not needed to read.
    from playhouse.migrations import Runner

    return Runner(db, str(MIGRATIONS_DIR), table_name=MIGRATION_TABLE)


def schema_version(db: peewee.Database) -> int:
    """The number of the newest migration applied to `db` (0 for an empty database)."""
    return max((m.idx for m in migrator(db).status() if m.applied), default=0)


def latest_schema_version() -> int:
    """The number of the newest migration this version of smtp-tui ships."""
    from playhouse.migrations import Migration

    return max(m.idx for m in Migration.load_directory(str(MIGRATIONS_DIR)))


def open_database(url: str) -> peewee.Database:
    """Open `url`, migrate it to the newest schema, and make it the models' database."""
    db = connect(url)
    try:
        db.connect(reuse_if_open=True)
        if not _up_to_date(db):
            migrator(db).up()
    except peewee.DatabaseError as exc:
        db.close()
        error = _hidden_by_rollback(exc)
        hint = ""
        if isinstance(db, peewee.SqliteDatabase) and (
            "unable to open" in str(error) or "readonly" in str(error)
        ):
            hint = (
                " The file and its directory must be writable by you: SQLite keeps its journal "
                "(-wal and -shm files) beside the database."
            )
        said = _driver_text(error, url)
        if is_disk_full(error):
            said, hint = "the disk holding it is full", " Free some space and try again."
        raise DatabaseUnavailable(f"Cannot open database {describe(url)}: {said}.{hint}") from None
    except peewee.ImproperlyConfigured as exc:
        raise DatabaseUnavailable(
            f"Cannot open database {describe(url)}: {_driver_text(exc, url)}."
        ) from None
    database_proxy.initialize(db)
    return db


def exposure_warning(db: peewee.Database) -> str | None:
    """A warning when other users can read the SQLite file of `db`, else None. Told, not refused as
    a key file that others can read is: the file holds no secret, and a group may be meant to."""
    if not isinstance(db, peewee.SqliteDatabase):
        return None
    try:
        mode = stat.S_IMODE(os.stat(db.database).st_mode)
    except OSError:
        return None
    if not mode & 0o044:
        return None
    return (
        f"other users can read the database file {db.database} (mode {mode:04o}): its accounts, "
        f"addresses and servers, though no secret. Run: chmod 600 {db.database}"
    )


def on_sqlite() -> bool:
    """The models' database is SQLite (the rule behind every SQLite-only step of the queries)."""
    return isinstance(database_proxy.obj, peewee.SqliteDatabase)


def write_transaction():
    """A transaction for a change. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so a
    read-then-write change never fails half-way because another process wrote meanwhile; it
    waits (busy_timeout) instead. A full disk is told as such (DatabaseUnavailable)."""
    if on_sqlite():
        return _Transaction(database_proxy.obj.atomic(lock_type="IMMEDIATE"))
    return _Transaction(database_proxy.atomic())


# SQLite's SQLITE_FULL; PostgreSQL's.
DISK_FULL = ("database or disk is full", "No space left on device")
ROLLBACK_FAILED = ("no transaction is active", "no such savepoint")


def is_disk_full(error: BaseException) -> bool:
    """The database could not write because its disk is full."""
    return isinstance(error, peewee.DatabaseError) and any(
        words in str(error) for words in DISK_FULL
    )


def _hidden_by_rollback(error: BaseException) -> BaseException:
    """The error that a failed ROLLBACK hides. SQLite ends the transaction itself when the disk is
    full, so peewee's ROLLBACK then fails ('cannot rollback - no transaction is active') and that
    is what would be told."""
    if error.__context__ is not None and any(words in str(error) for words in ROLLBACK_FAILED):
        return _hidden_by_rollback(error.__context__)
    return error


class _Transaction:
    """peewee's atomic(), telling the error that ended the transaction rather than a failed
    ROLLBACK after it, and a full disk in words."""

    def __init__(self, atomic):
        self._atomic = atomic

    def __enter__(self):
        return self._atomic.__enter__()

    def __exit__(self, exc_type, exc, traceback) -> Literal[False]:
        error = exc
        try:
            self._atomic.__exit__(exc_type, exc, traceback)
        except peewee.PeeweeException as failure:
            # The COMMIT, or the ROLLBACK after an error.
            error = _hidden_by_rollback(failure)
        if error is not None and is_disk_full(error):
            raise DatabaseUnavailable(
                "the disk holding the database is full, so nothing was saved. "
                "Free some space and try again."
            ) from None
        if error is not exc:
            raise error
        return False


def not_by_index(column):
    """`column` for an ORDER BY that SQLite must not satisfy by walking the column's index (its
    planner cannot tell how many rows a LIKE keeps, so it walks the index even when few rows
    match). PostgreSQL plans from statistics and takes the column as it is."""
    if on_sqlite():
        # A unary `+`: SQLite's documented hint.
        return peewee.NodeList((peewee.SQL("+"), column), glue="")
    return column


STEP_PERIOD = 500


def within_steps(work: Callable[[], T], steps: int) -> T | None:
    """`work()` if SQLite gets through it within `steps` steps of its virtual machine, else
    None (the statement is interrupted: reads only). None at once on other databases, which
    cannot be asked. For a query whose cost cannot be known beforehand: try the way that is
    instant when it works, and give up on it early when it is not."""
    if not on_sqlite():
        return None
    connection = database_proxy.obj.connection()
    stopped = False
    # SQLite calls the handler each time a statement's step count passes a multiple of the
    # period, counted over every run of that prepared statement: sqlite3 caches and reuses it,
    # so with the budget as the period, a query run again for the next page was stopped a few
    # steps in once its earlier runs had added up to the budget (bench/results.md, issue 17).
    # A finer period, counted here: the budget is spent by this work only, give or take one.
    period = min(steps, STEP_PERIOD)
    calls = 0

    # 1 stops.
    def stop() -> int:
        nonlocal stopped, calls
        calls += 1
        stopped = calls > steps // period
        return int(stopped)

    connection.set_progress_handler(stop, period)
    try:
        return work()
    except (peewee.OperationalError, sqlite3.OperationalError):
        # sqlite3's own error too: peewee does not wrap fetching.
        # "interrupted", or what a statement run inside the stopped one says of it (the
        # constructor of FTS5's virtual table reads its own tables: "vtable constructor failed").
        if not stopped:
            raise
        return None
    finally:
        connection.set_progress_handler(None, 0)


CONTENTION = ("database is locked", "deadlock detected", "could not serialize", "lock timeout")


def is_contention(error: Exception) -> bool:
    """Another writer got in the way (locked, deadlock).

    Nothing was written; trying again is right.
    """
    return isinstance(error, peewee.OperationalError) and any(
        w in str(error).lower() for w in CONTENTION
    )


def streamed(query):
    """The query's rows as the driver reads them: SQLite steps through them as they are asked
    for; on PostgreSQL a server-side (named) cursor fetches them a batch at a time, where a
    plain cursor would hold every row in memory before the first. WITH HOLD, as the drivers
    require outside a transaction (peewee's connections are in autocommit mode)."""
    database = database_proxy.obj
    if not isinstance(database, peewee.PostgresqlDatabase):
        yield from database.execute(query)
        return
    sql, params = query.sql()
    cursor = database.connection().cursor(name=f"smtp_tui_{uuid.uuid4().hex}", withhold=True)
    try:
        cursor.itersize = 2000
        cursor.execute(sql, params)
        yield from cursor
    finally:
        cursor.close()
