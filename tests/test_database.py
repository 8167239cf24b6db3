import sqlite3
import stat
from pathlib import Path

import peewee
import pytest

from smtp_tui import accounts, audit
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.store.database import (
    DatabaseUnavailable,
    connect,
    describe,
    latest_schema_version,
    migrator,
    open_database,
    schema_version,
    within_steps,
)
from smtp_tui.store.models import SmtpAccount
from tests.conftest import ON_POSTGRES, POSTGRES_URL, account_input


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.sqlite_only
def test_default_database_is_private_in_the_users_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SMTP_TUI_DB", raising=False)
    config = Config.resolve()
    assert config.database == str(tmp_path / "xdg" / "smtp-tui" / "smtp-tui.db")
    db = open_database(config.database)
    db.close()
    data_dir = tmp_path / "xdg" / "smtp-tui"
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "smtp-tui.db") == 0o600


def test_options_win_over_environment_over_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_TUI_DB", "/from/env.db")
    monkeypatch.setenv("SMTP_TUI_KEY_FILE", "/from/env.key")
    assert Config.resolve() == Config(
        "/from/env.db", type(Config.resolve().key_file)("/from/env.key")
    )
    assert Config.resolve(database="/opt.db", key_file="/opt.key").database == "/opt.db"


@pytest.mark.sqlite_only
def test_sqlite_opens_with_wal_and_foreign_keys(db):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


@pytest.mark.sqlite_only
def test_a_budget_spent_anywhere_in_a_statement_gives_up_quietly(db, seventy_five):
    """within_steps: a statement stopped by its budget is given up (None), even when it is
    stopped inside a statement SQLite runs for it (FTS5's table is built on its first use in
    a connection, from its own tables: "vtable constructor failed"); other errors still rise."""
    db.close()
    db.connect()  # a fresh connection: the trigram index's table is not built in it yet
    first_use = "SELECT rowid FROM account_text WHERE name LIKE '%relay%'"
    assert within_steps(lambda: db.execute_sql(first_use).fetchall(), 1) is None
    assert len(within_steps(lambda: db.execute_sql(first_use).fetchall(), 10**9)) == 38
    with pytest.raises(peewee.OperationalError):
        within_steps(lambda: db.execute_sql("SELECT nothing FROM nowhere"), 10**9)


@pytest.mark.sqlite_only
def test_a_sqlite_url_and_a_plain_path_are_the_same_thing(tmp_path):
    path = tmp_path / "a.db"
    open_database(f"sqlite:///{path}").close()
    assert schema_version(open_database(str(path))) == latest_schema_version() >= 2


def test_an_old_schema_is_migrated_without_losing_rows(database_url, tmp_path):
    old = connect(database_url)
    migrator(old).up(target="0001_initial")
    assert schema_version(old) == 1
    old.execute_sql(
        "INSERT INTO smtp_account (name, active, email, reply_to, return_path, confirmation_email, "
        "is_default, read_confirmation, force_config, footer, host, port, secure, authentication, "
        "ignore_cert_errors, use_connector, created_at, updated_at, updated_by, version) VALUES "
        "('Legacy relay', TRUE, 'legacy@example.com', '', '', '', TRUE, FALSE, FALSE, TRUE, "
        "'relay.example.com', 25, FALSE, FALSE, FALSE, FALSE, "
        "'2025-01-02 03:04:05', '2025-01-02 03:04:05', 'old@pam', 3)"
    )
    old.close()

    context = AppContext.open(Config(database=database_url, key_file=tmp_path / "k"))
    assert schema_version(context.database) == latest_schema_version()
    legacy = accounts.find("Legacy relay")
    assert (legacy.email, legacy.is_default, legacy.footer, legacy.version) == (
        "legacy@example.com",
        True,
        True,
        3,
    )
    assert legacy.last_test_at is None and legacy.last_test_outcome is None
    SmtpAccount.update(last_test_outcome="delivered").execute()  # the new column is usable
    context.database.close()
    assert schema_version(open_database(database_url)) == latest_schema_version()  # idempotent


def test_unknown_schemes_and_unreachable_servers_give_a_clear_error(tmp_path):
    with pytest.raises(DatabaseUnavailable, match='Unrecognized or unsupported scheme: "oracle"'):
        open_database("oracle://db.example.com/pam")
    (tmp_path / "a-file").write_text("")
    with pytest.raises(DatabaseUnavailable, match="Cannot create the database file .*a-file/x.db"):
        open_database(str(tmp_path / "a-file" / "x.db"))
    (tmp_path / "garbage.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseUnavailable, match="Cannot open database .*file is not a database"):
        open_database(str(tmp_path / "garbage.db"))


def test_passwords_in_urls_are_hidden_in_messages():
    assert (
        describe("postgresql://pam:hunter2@db.example.com/smtp")
        == "postgresql://pam:***@db.example.com/smtp"
    )
    assert describe("/var/lib/smtp.db") == "/var/lib/smtp.db"


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://pam:p@ss@db.example.com/smtp", "postgresql://pam:***@db.example.com/smtp"),
        (
            "postgresql://pam:p%40ss:w%2Fx@db.example.com:5433/smtp",
            "postgresql://pam:***@db.example.com:5433/smtp",
        ),
        (
            "postgresql://pam:a:b/c?d#e@db.example.com/smtp",
            "postgresql://pam:***@db.example.com/smtp",
        ),
        (
            "postgresql://pam@db.example.com/smtp?sslmode=require&password=Hunt3r2",
            "postgresql://pam@db.example.com/smtp?sslmode=require&password=***",
        ),
        (
            "postgresql://db.example.com/smtp?PASSWORD=Hunt3r2&user=pam",
            "postgresql://db.example.com/smtp?PASSWORD=***&user=pam",
        ),
        ("postgresql://pam:@db.example.com/smtp", "postgresql://pam:***@db.example.com/smtp"),
        (
            "postgresql://db.example.com/smtp?application_name=a@b",
            "postgresql://db.example.com/smtp?application_name=a@b",
        ),
    ],
)
def test_every_form_of_a_password_is_hidden(url, shown):
    assert describe(url) == shown


@pytest.mark.parametrize(
    "url",
    [
        # / # ? in a password not written %2F %23 %3F: not a URL
        "postgresql://smtp:Zq/xy@127.0.0.1:1/smtp",
        "postgresql://smtp:Zq#xy@127.0.0.1:1/smtp",
        "postgresql://smtp:Zq?xy@127.0.0.1:1/smtp",
        "postgresql://smtp:Zqxy-secret@127.0.0.1:99999/smtp",
        "postgresql://smtp@127.0.0.1:1/smtp?password=Zqxy-secret",
        "postgresql://smtp:Zqxy%40secret@127.0.0.1:1/smtp",
    ],
)
def test_no_message_about_a_url_shows_its_password_and_each_is_one_line(url):
    with pytest.raises(DatabaseUnavailable) as refusal:
        open_database(url)
    message = str(refusal.value)
    assert (
        "Zq" not in message
        and "secret" not in message
        and "\n" not in message
        and "\t" not in message
    ), message
    assert message.startswith("Cannot ")


def test_a_url_that_does_not_parse_says_how_to_write_one():
    with pytest.raises(DatabaseUnavailable) as refusal:
        open_database("postgresql://smtp:Zq/xy@127.0.0.1:1/smtp")
    assert str(refusal.value) == (
        "Cannot use database postgresql://smtp:***@127.0.0.1:1/smtp: it is not a valid URL. Write "
        "postgresql://USER:PASSWORD@HOST:PORT/DATABASE, "
        "with @ : / ? # % in the user name or password "
        "written %40 %3A %2F %3F %23 %25, and a port from 1 to 65535."
    )


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", ":memory:", "sqlite:///:memory:"])
def test_a_database_in_memory_is_refused(url):
    with pytest.raises(DatabaseUnavailable) as refusal:
        open_database(url)
    assert "would be lost when smtp-tui ends" in str(refusal.value)


def test_a_database_in_memory_is_refused_on_the_command_line(tmp_path):
    from tests.test_cli import smtp_tui_cmd

    result = smtp_tui_cmd("--db", "sqlite://", "accounts", "list", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "smtp-tui: Cannot use database sqlite://: it names no file, and a database in "
        "memory would be lost when smtp-tui ends. Give a file: --db PATH or sqlite:///PATH.\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not ON_POSTGRES, reason="needs the PostgreSQL server of the second pass")
# it changes the server's pg_hba.conf and reloads it
@pytest.mark.serial
def test_a_wrong_password_for_the_real_postgresql_is_one_line_without_it():
    """The test server trusts every login: one role is made to need its password, for this test."""
    import psycopg2  # noqa: F401 (the driver of the second pass)

    admin = connect(POSTGRES_URL)
    hba = admin.execute_sql("SHOW hba_file").fetchone()[0]
    rules = Path(hba).read_text()
    admin.execute_sql("DROP ROLE IF EXISTS pw_probe")
    admin.execute_sql("CREATE ROLE pw_probe LOGIN PASSWORD 'the-right-one'")
    Path(hba).write_text("host all pw_probe 127.0.0.1/32 scram-sha-256\n" + rules)
    admin.execute_sql("SELECT pg_reload_conf()")
    wrong = POSTGRES_URL.replace("postgresql://postgres@", "postgresql://pw_probe:Wr0ng%40Secret@")
    try:
        for _ in range(200):  # the server reloads its rules when it gets to it
            try:
                open_database(wrong).close()
            except DatabaseUnavailable as refusal:
                message = str(refusal)
                break
        else:
            pytest.fail("the server never asked for the password")
    finally:
        Path(hba).write_text(rules)
        admin.execute_sql("SELECT pg_reload_conf()")
        admin.execute_sql("DROP ROLE IF EXISTS pw_probe")
        admin.close()
    assert message.startswith("Cannot open database postgresql://pw_probe:***@127.0.0.1:")
    assert 'password authentication failed for user "pw_probe"' in message
    assert "Wr0ng" not in message and "Secret" not in message and "\n" not in message


@pytest.mark.sqlite_only
def test_the_file_written_is_really_sqlite(context, tmp_path):
    accounts.save(account_input(1))
    raw = sqlite3.connect(tmp_path / "smtp.db")
    assert raw.execute("SELECT name FROM smtp_account").fetchall() == [("Account 001",)]


def test_a_deleted_accounts_code_is_never_given_again(db):
    codes = [accounts.save(account_input(n)).code for n in (1, 2, 3)]
    accounts.delete(codes[-1])
    assert accounts.save(account_input(4)).code > codes[-1]


def sqlite_schema(db, table: str) -> list[tuple[str, str]]:
    return db.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "ORDER BY name",
        (table,),
    ).fetchall()


def everything(db) -> dict[str, list[tuple]]:
    # The credential's columns before migration 0009 added the OAuth2 ones.
    columns = {"credential": "id, name, username, secret, created_at, updated_at"}
    return {
        table: db.execute_sql(
            f'SELECT {columns.get(table, "*")} FROM "{table}" ORDER BY 1'
        ).fetchall()
        for table in ("smtp_account", "test_run", "report_schedule", "audit_event", "credential")
    }


@pytest.mark.sqlite_only
def test_codes_become_autoincrement_keeping_every_row_index_trigger_and_reference(tmp_path):
    """Migration 0008 rebuilds smtp_account on a database made by the schema before it."""
    from smtp_tui import proofs  # noqa: F401 (the services that made the rows)
    from smtp_tui.store.models import (
        Credential,
        ReportSchedule,
        TestRun,
        database_proxy,
        utc_now,
    )
    from smtp_tui.store.vault import Vault

    url = str(tmp_path / "old.db")
    old = connect(url)
    migrator(old).up(target="0007_text_search")
    database_proxy.initialize(old)
    # A credential as that schema stored it (the service writes the newest schema's columns).
    old.execute_sql(
        "INSERT INTO credential (name, username, secret, created_at, updated_at) "
        "VALUES ('relay', 'svc', ?, '2024-01-01', '2024-01-01')",
        (Vault(tmp_path / "key").encrypt("pw"),),
    )
    relay = Credential.select(Credential.id).where(Credential.name == "relay").get()
    # Accounts as that schema stored them (the service writes the newest schema's columns).
    for n in range(1, 8):
        old.execute_sql(
            "INSERT INTO smtp_account (name, active, email, reply_to, return_path, "
            "confirmation_email, is_default, read_confirmation, force_config, footer, host, "
            "port, secure, secure_type, authentication, ignore_cert_errors, use_connector, "
            "credential_id, created_at, updated_at, updated_by, version, timeout) VALUES "
            "(?, 1, ?, '', '', '', ?, 0, 0, 0, 'smtp.example.com', 587, 1, 'TLS', 1, 0, 0, ?, "
            "?, ?, 'old@host', 1, 30)",
            (
                f"Relay {n:02d} west",
                f"sender{n}@example.com",
                n == 2,
                relay.id,
                utc_now(),
                utc_now(),
            ),
        )
    for code in (2, 5):
        TestRun.create(account=code, outcome="delivered", summary=f"run of {code}")
    ReportSchedule.create(
        frequency="daily",
        time_of_day="07:00",
        timezone="UTC",
        recipients="ops@example.com",
        format="csv",
        account=5,
        next_run_at=utc_now(),
    )
    # The newest code, deleted as the service did: the old schema would give 7 again.
    audit.record("delete", "account", 7, "Relay 07 west", actor="old@host")
    SmtpAccount.delete().where(SmtpAccount.code == 7).execute()
    before, indexes = everything(old), sqlite_schema(old, "smtp_account")
    assert (
        "AUTOINCREMENT"
        not in old.execute_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'smtp_account'"
        ).fetchone()[0]
    )
    old.close()

    # Compared right after 0008 and 0009: later migrations add columns and indexes.
    db = connect(url)
    migrator(db).up(target="0009_credential_kinds")
    assert (
        "AUTOINCREMENT"
        in db.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'smtp_account'").fetchone()[0]
    )
    assert everything(db) == before and sqlite_schema(db, "smtp_account") == indexes
    db.close()
    db = open_database(url)
    assert schema_version(db) == latest_schema_version()
    assert db.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    db.execute_sql(
        "INSERT INTO account_text(account_text) VALUES ('integrity-check')"
    )  # the trigram index agrees
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert accounts.save(account_input(8, name="Relay 08 west")).code == 8
    assert [a.code for a in accounts.search(accounts.Filters(name="08 WEST")).rows] == [8]
    with pytest.raises(peewee.IntegrityError):  # the references are still enforced...
        TestRun.create(account=99, outcome="delivered")
    accounts.delete(5)  # ...and followed: its test run goes, the schedule stays without it
    assert [r.account_id for r in TestRun.select()] == [
        2
    ] and ReportSchedule.get().account_id is None
    accounts.delete(8)
    assert accounts.save(account_input(10)).code == 9
    db.close()


@pytest.mark.sqlite_only
def test_a_database_file_others_can_read_is_used_with_a_warning(tmp_path):
    from tests.test_cli import smtp_tui_cmd

    path = tmp_path / "smtp.db"
    env = {"SMTP_TUI_DB": str(path), "SMTP_TUI_KEY_FILE": str(tmp_path / "key")}
    assert smtp_tui_cmd("accounts", "list", env=env).stderr == ""  # made 0600: nothing to say
    path.chmod(0o644)
    result = smtp_tui_cmd("accounts", "list", "--json", env=env)
    assert (result.returncode, result.stdout) == (0, "[]\n")
    assert result.stderr == (
        f"smtp-tui: warning: other users can read the database file {path} (mode 0644): "
        f"its accounts, addresses and servers, though no secret. Run: chmod 600 {path}\n"
    )
    assert mode(path) == 0o644  # told, not changed


@pytest.mark.sqlite_only
async def test_the_tui_shows_the_warning_too(tmp_path):
    from smtp_tui.app import SmtpApp
    from tests.test_report import settle

    path = tmp_path / "smtp.db"
    open_database(str(path)).close()
    path.chmod(0o640)
    app = SmtpApp(AppContext.open(Config(database=str(path), key_file=tmp_path / "key")))
    async with app.run_test() as pilot:
        await settle(pilot)
        assert [n.message for n in app._notifications] == [
            f"other users can read the database file {path} (mode 0640): "
            "its accounts, addresses and servers, "
            f"though no secret. Run: chmod 600 {path}"
        ]
