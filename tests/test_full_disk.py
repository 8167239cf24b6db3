"""A full disk under the database: the message says so, and nothing is half-written."""

import json
import sqlite3
from contextlib import closing

import pytest

from tests.test_cli_commands import Cli

pytestmark = pytest.mark.sqlite_only  # about SQLite files on a file system that fills up


def test_a_write_on_a_full_disk_says_the_disk_is_full_and_saves_nothing(tmp_path, full_disk):
    cli = Cli(full_disk.path)
    assert cli("accounts", "list").returncode == 0  # created and migrated while there is room
    records = [
        {
            "name": f"Account {n} {'x' * 80}",
            "email": f"a{n}@example.com",
            "host": "smtp.example.com",
            "port": 25,
        }
        for n in range(100)
    ]
    (tmp_path / "many.json").write_text(json.dumps(records))
    full_disk.fill(leave_kib=64)  # room to open the database, not to write 100 accounts
    result = cli("accounts", "import", str(tmp_path / "many.json"))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "smtp-tui: The database refused: the disk holding the database is full, so nothing "
        "was saved. Free some space and try again.\n"
    )
    full_disk.empty()
    assert json.loads(cli("accounts", "list", "--json").stdout) == []
    with closing(sqlite3.connect(cli.env["SMTP_TUI_DB"])) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_creating_the_database_on_a_full_disk_says_the_disk_is_full(full_disk):
    cli = Cli(full_disk.path)
    full_disk.fill(leave_kib=64)  # room to start, not to make every table
    result = cli("accounts", "list")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"smtp-tui: Cannot open database {cli.env['SMTP_TUI_DB']}: the disk holding it is full. "
        "Free some space and try again.\n"
    )
    full_disk.empty()
    assert cli("accounts", "list").returncode == 0  # the migrations that were cut short run again
