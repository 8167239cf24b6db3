"""Account names are unique in any case, by the unique index on the folded name (migration
0010): at any size, through the service and the command, raced, and on an old database."""

import json

import pytest

from smtp_tui import accounts
from smtp_tui.errors import ValidationFailed
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.store.database import connect, latest_schema_version, migrator, schema_version
from smtp_tui.store.models import AuditEvent, SmtpAccount, utc_now
from smtp_tui.validation import fold_name
from tests.conftest import account_input
from tests.test_cli_commands import Cli, add_basic

SIZE = 20_000


def bulk(count: int) -> None:
    """`count` accounts named 'Bulk 000001', ... inserted at once (no service, no audit)."""
    now = utc_now()
    rows = [
        {
            "name": f"Bulk {n:06d}",
            "name_folded": fold_name(f"Bulk {n:06d}"),
            "email": f"bulk{n}@example.com",
            "host": "smtp.example.com",
            "is_default": n == 1,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(1, count + 1)
    ]
    with SmtpAccount._meta.database.atomic():
        for start in range(0, count, 2000):
            SmtpAccount.insert_many(rows[start : start + 2000]).execute()


def test_a_name_differing_only_in_case_is_refused_at_size(db):
    bulk(SIZE)
    with pytest.raises(ValidationFailed) as failure:
        accounts.save(account_input(1, name="BULK 017017"))
    assert failure.value.errors == {
        "name": "An account named 'BULK 017017' already exists (code 17017). Choose another name."
    }
    with pytest.raises(ValidationFailed) as failure:
        accounts.save(account_input(1, name="bulk 000005"), code=9)
    assert "(code 5)" in failure.value.errors["name"]
    # Its own name in another case is no clash; the folded name follows it.
    renamed = accounts.save(account_input(1, name="BULK 000009"), code=9)
    assert (renamed.name, renamed.name_folded) == ("BULK 000009", "bulk 000009")
    assert accounts.find("bUlK 000009").code == 9
    assert accounts.count() == SIZE


def test_non_ascii_letters_fold_too(db):
    accounts.save(account_input(1, name="École relay"))
    with pytest.raises(ValidationFailed):
        accounts.save(account_input(2, name="éCOLE RELAY"))
    assert accounts.find("ÉCOLE RELAY").name == "École relay"


def test_a_clash_raced_past_the_check_is_refused_by_the_index(db, monkeypatch):
    """Two processes both find the name free; the index refuses the second, with the same
    message and nothing saved."""
    accounts.save(account_input(1, name="Alerts"))
    monkeypatch.setattr(accounts, "_database_errors", lambda data, code, already: {})
    with pytest.raises(ValidationFailed) as failure:
        accounts.save(account_input(2, name="ALERTS"))
    assert failure.value.errors == {
        "name": "An account named 'ALERTS' already exists. Choose another name."
    }
    other = accounts.save(account_input(3, name="Other"))
    with pytest.raises(ValidationFailed):
        accounts.save(account_input(3, name="alerts"), code=other.code)
    assert sorted(a.name for a in SmtpAccount.select()) == ["Alerts", "Other"]


@pytest.mark.sqlite_only
def test_the_command_refuses_a_name_differing_only_in_case_at_size(tmp_path):
    cli = Cli(tmp_path)
    add_basic(cli, "Alerts HQ")
    context = AppContext.open(Config(database=cli.env["SMTP_TUI_DB"], key_file=tmp_path / "key"))
    SmtpAccount.delete().execute()
    bulk(SIZE)
    context.database.close()
    add = ("--email", "a@example.com", "--host", "h.example.com", "--port", "25")
    clash = cli("accounts", "add", "--name", "BULK 012345", *add)
    assert clash.returncode == 1
    # Codes go on after the deleted first account's (AUTOINCREMENT): Bulk n has code n + 1.
    assert clash.stderr == (
        "smtp-tui: An account named 'BULK 012345' already exists (code 12346). "
        "Choose another name.\n"
    )
    edit = cli("accounts", "edit", "8", "--name", "bulk 000008")
    assert edit.returncode == 1 and "already exists (code 9)" in edit.stderr
    assert cli("accounts", "edit", "8", "--name", "BULK 000007").returncode == 0
    assert cli("accounts", "add", "--name", "Bulk new", *add).returncode == 0


OLD_ROW = (
    "INSERT INTO smtp_account (name, active, email, reply_to, return_path, confirmation_email, "
    "is_default, read_confirmation, force_config, footer, host, port, secure, authentication, "
    "ignore_cert_errors, use_connector, created_at, updated_at, updated_by, version, timeout) "
    "VALUES "
    "({p}, TRUE, 'old@example.com', '', '', '', {default}, FALSE, FALSE, FALSE, "
    "'relay.example.com', 25, FALSE, FALSE, FALSE, FALSE, "
    "'2025-01-02 03:04:05', '2025-01-02 03:04:05', 'old@pam', 1, 30)"
)


def test_the_migration_folds_old_names_and_renames_later_clashes(database_url, tmp_path):
    old = connect(database_url)
    migrator(old).up(target="0009_credential_kinds")
    assert schema_version(old) == 9
    names = ["Relay", "RELAY", "Relay (2)", "relay", "École", "éCOLE", "Plain"]
    for n, name in enumerate(names):
        old.execute_sql(OLD_ROW.format(p=old.param, default="TRUE" if n == 0 else "FALSE"), (name,))
    old.close()

    context = AppContext.open(Config(database=database_url, key_file=tmp_path / "k"))
    assert schema_version(context.database) == latest_schema_version()
    stored = [
        (a.code, a.name, a.name_folded) for a in SmtpAccount.select().order_by(SmtpAccount.code)
    ]
    assert stored == [
        (1, "Relay", "relay"),
        (2, "RELAY (3)", "relay (3)"),
        (3, "Relay (2)", "relay (2)"),
        (4, "relay (4)", "relay (4)"),
        (5, "École", "école"),
        (6, "éCOLE (2)", "école (2)"),
        (7, "Plain", "plain"),
    ]
    renames = {
        e.object_id: json.loads(e.changes)["name"]
        for e in AuditEvent.select().where(AuditEvent.action == "edit")
    }
    assert renames == {
        "2": ["RELAY", "RELAY (3)"],
        "4": ["relay", "relay (4)"],
        "6": ["éCOLE", "éCOLE (2)"],
    }
    with pytest.raises(ValidationFailed):
        accounts.save(account_input(9, name="PLAIN"))
    assert accounts.find("relay (4)").code == 4
    context.database.close()
