"""`accounts list --json`, `accounts export` and `export --format json` stream their JSON array:
the same text as the whole list dumped at once, in flat memory (bench/json_output.py)."""

import json
import random
from datetime import datetime

from smtp_tui import account_records, accounts
from smtp_tui.accounts import Filters
from smtp_tui.cli.output import as_json_array
from smtp_tui.escaping import printable_json
from smtp_tui.store.models import Credential, NetworkConnector, SmtpAccount, utc_now
from smtp_tui.validation import fold_name
from tests.test_cli_commands import add_basic

HOSTILE = (
    "Relay\x1b]0;PWNED\x07\x1b[2J\u202e\x9b31m",
    'quote " and back\\slash',
    "line\nbreak\tand tab\r",
    "sep\u2028ara\u2029tors\x85",
    "non-BMP 😀 𝔘 and zero\u200bwidth",
    "São Paulo — «ünïcödé» 東京",
    "\x01soh\x7fdel",
    "   spaces   ",
    "",
)


def varied_accounts(count: int) -> None:
    """`count` accounts of every kind of value, hostile texts included, stored behind the
    services' back as an older version or a peer may have stored them."""
    rng = random.Random(count)
    credential = Credential.create(name="Login \x1b[31m😀", username="u", secret="x")
    connector = NetworkConnector.create(name='Proxy "west"\u202e', host="p", port=1080)
    now = utc_now()
    rows = []
    for n in range(1, count + 1):
        text = HOSTILE[n % len(HOSTILE)]
        secure = rng.random() > 0.3
        rows.append(
            {
                "name": f"{text} {n}",
                "name_folded": fold_name(f"{text} {n}"),
                "active": rng.random() > 0.2,
                "email": f"a{n}@example.com" if n % 3 else f"{text}@x",
                "reply_to": text if n % 4 == 0 else "",
                "return_path": f"b{n}@example.net" if n % 5 == 0 else "",
                "confirmation_email": text if n % 7 == 0 else "",
                "is_default": n == 1,
                "read_confirmation": n % 2 == 0,
                "force_config": n % 3 == 0,
                "footer": n % 5 == 0,
                "ignore_cert_errors": n % 11 == 0,
                "host": f"smtp{n % 9}.example.com" if n % 13 else text or "h",
                "port": rng.choice((25, 465, 587, 2525)),
                "secure": secure,
                "secure_type": rng.choice(("SSL", "TLS")) if secure else None,
                "credential": credential.id if n % 6 == 0 else None,
                "authentication": n % 6 == 0,
                "connector": connector.id if n % 8 == 0 else None,
                "use_connector": n % 8 == 0,
                "timeout": rng.choice((5, 30, 120)),
                "last_test_at": datetime(2026, 1 + n % 12, 1 + n % 28, n % 24, n % 60, n % 60)
                if n % 3
                else None,
                "last_test_outcome": rng.choice(("delivered", "failed AUTH", text))
                if n % 3
                else None,
                "created_at": now,
                "updated_at": now,
            }
        )
    SmtpAccount.insert_many(rows).execute()


def old_output(filters: Filters = Filters()) -> str:
    """What `accounts list --json` printed before it streamed: the whole list at once."""
    return printable_json([account_records.to_record(a) for a in accounts.iterate(filters)]) + "\n"


def test_the_streamed_array_is_the_old_text_byte_for_byte(db, capsys):
    varied_accounts(300)
    for filters in (Filters(), Filters(name="😀"), Filters(status="inactive"), Filters(code=7)):
        count = as_json_array(account_records.records(filters))
        streamed = capsys.readouterr().out
        assert streamed == old_output(filters)
        assert count == len(json.loads(streamed)) > 0
    assert "\x1b" not in streamed and "\u202e" not in streamed


def test_an_empty_report_is_an_empty_array(db, capsys):
    assert as_json_array(account_records.records()) == 0
    assert capsys.readouterr().out == "[]\n" == old_output()
    varied_accounts(5)
    as_json_array(account_records.records(Filters(name="nothing matches")))
    assert capsys.readouterr().out == "[]\n"


def test_more_than_one_batch(db, capsys, monkeypatch):
    monkeypatch.setattr("smtp_tui.cli.output.JSON_BATCH", 7)
    varied_accounts(50)
    as_json_array(account_records.records())
    assert capsys.readouterr().out == old_output()


def test_a_record_that_is_not_flat_is_written_as_printable_json_writes_it(capsys):
    records = [{"a": [1, {"b": "\x1b"}], "c": {}}, {"d": 1}, {}]
    as_json_array(records)
    assert capsys.readouterr().out == printable_json(records) + "\n"


def test_the_commands_stream_json_that_parses_equal_to_the_accounts(cli):
    for name in ("Alerts HQ", 'Relay "DC"', "Backups"):
        add_basic(cli, name)
    cli("accounts", "edit", "Backups", "--inactive")
    for command in (("accounts", "list", "--json"), ("accounts", "export")):
        result = cli(*command)
        assert result.returncode == 0, result.stderr
        listed = json.loads(result.stdout)
        assert [r["name"] for r in listed] == ["Alerts HQ", 'Relay "DC"', "Backups"]
    shown = json.loads(cli("accounts", "show", "Backups", "--json").stdout)
    assert listed[2] == shown
    # Filters still apply.
    active = json.loads(cli("accounts", "list", "--json", "--status", "active").stdout)
    assert [r["name"] for r in active] == ["Alerts HQ", 'Relay "DC"']
    assert json.loads(cli("accounts", "list", "--json", "--name", "relay").stdout) == [listed[1]]
    exported = json.loads(cli("export", "--format", "json", "--name", "a").stdout)
    assert [r["name"] for r in exported] == ["Alerts HQ", 'Relay "DC"', "Backups"]
    assert cli("accounts", "list", "--json", "--name", "zzz").stdout == "[]\n"
    assert cli("export", "--format", "json", "--name", "zzz").stdout == "[]\n"


def test_an_empty_database_gives_an_empty_array(cli):
    for command in (("accounts", "list", "--json"), ("accounts", "export")):
        assert cli(*command).stdout == "[]\n"
    assert json.loads(cli("export", "--format", "json").stdout) == []
