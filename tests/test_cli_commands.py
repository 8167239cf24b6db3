"""Every script command, run as the installed `smtp-tui` would be.

Each is a subprocess on a real SQLite file.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

SECRET = "Pr0xy&Relay-Secret-42"


class Cli:
    def __init__(self, tmp_path, name="smtp.db"):
        self.env = {
            **os.environ,
            "SMTP_TUI_DB": str(tmp_path / name),
            "SMTP_TUI_KEY_FILE": str(tmp_path / "key"),
        }
        self.outputs = []
        self.tmp_path = tmp_path

    def __call__(self, *args, input=None, **run_options):
        command = shutil.which("smtp-tui") or sys.executable
        argv = (
            [command, *args]
            if command != sys.executable
            else [sys.executable, "-m", "smtp_tui", *args]
        )
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=self.env,
            input=input,
            timeout=60,
            **run_options,
        )
        self.outputs.append(result.stdout + result.stderr)
        return result


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path)


def add_basic(cli, name="Alerts HQ", *extra):
    result = cli(
        "accounts",
        "add",
        "--name",
        name,
        "--email",
        "alerts@example.com",
        "--host",
        "smtp.example.com",
        "--port",
        "587",
        "--secure",
        "tls",
        *extra,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_add_list_show_edit_delete(cli):
    assert add_basic(cli).stdout == "Added 'Alerts HQ' (code 1).\n"
    add_basic(cli, "Backup relay", "--inactive", "--reply-to", "team@example.com")
    listing = cli("accounts", "list")
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[0].split() == [
        "Code",
        "Name",
        "E-mail",
        "Status",
        "Default",
        "Secure",
        "Server",
        "Last",
        "test",
    ]
    assert "2 accounts" in listing.stdout
    inactive = json.loads(cli("accounts", "list", "--json", "--status", "inactive").stdout)
    assert [a["name"] for a in inactive] == ["Backup relay"]
    assert (
        json.loads(cli("accounts", "list", "--json", "--reply-to", "TEAM").stdout)[0]["code"] == 2
    )
    shown = json.loads(cli("accounts", "show", "backup relay", "--json").stdout)
    assert (shown["active"], shown["secure"], shown["default"]) == (False, "tls", False)
    assert (
        cli(
            "accounts",
            "edit",
            "2",
            "--active",
            "--default",
            "--secure",
            "ssl",
            "--port",
            "465",
            "--footer",
        ).returncode
        == 0
    )
    edited = json.loads(cli("accounts", "show", "2", "--json").stdout)
    assert (
        edited["active"],
        edited["default"],
        edited["secure"],
        edited["port"],
        edited["footer"],
    ) == (True, True, "ssl", 465, True)
    assert json.loads(cli("accounts", "show", "1", "--json").stdout)["default"] is False
    assert cli("accounts", "edit", "2", "--no-footer", "--reply-to", "").returncode == 0
    edited = json.loads(cli("accounts", "show", "2", "--json").stdout)
    assert (edited["footer"], edited["reply_to"]) == (False, "")
    deleted = cli("accounts", "delete", "Alerts HQ", "--yes")
    assert deleted.returncode == 0 and deleted.stdout == "Deleted 'Alerts HQ' (code 1).\n"
    assert json.loads(cli("accounts", "list", "--json").stdout)[0]["name"] == "Backup relay"


def test_refused_input_is_one_line_per_field_and_exit_1(cli):
    result = cli(
        "accounts",
        "add",
        "--name",
        "x",
        "--email",
        "bad",
        "--host",
        "a b",
        "--port",
        "0",
        "--secure",
        "tls",
        "--timeout",
        "999",
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "smtp-tui: E-mail is not a valid e-mail address: An email address must have an @-sign.",
        "smtp-tui: Host must be a host name (mail.example.com), an IPv4 or an IPv6 address.",
        "smtp-tui: Port must be a whole number from 1 to 65535.",
        "smtp-tui: Timeout must be a whole number of seconds from 1 to 300.",
    ]
    assert json.loads(cli("accounts", "list", "--json").stdout) == []
    add_basic(cli)
    clash = cli(
        "accounts",
        "add",
        "--name",
        "ALERTS hq",
        "--email",
        "a@example.com",
        "--host",
        "h.example.com",
        "--port",
        "25",
    )
    assert clash.returncode == 1 and "already exists (code 1)" in clash.stderr
    missing = cli("accounts", "edit", "1", "--credential", "nope")
    assert (
        missing.returncode == 1
        and missing.stderr == "smtp-tui: There is no credential named 'nope'.\n"
    )
    default = cli("accounts", "edit", "1", "--no-default")
    assert default.returncode == 1 and "make another account the default" in default.stderr


def test_usage_errors_exit_2(cli):
    assert cli("accounts", "add", "--name", "x").returncode == 2  # required options missing
    assert cli("accounts", "show", "nope").returncode == 2
    assert cli("accounts", "list", "--code", "x").returncode == 2
    assert cli("accounts", "frobnicate").returncode == 2
    add_basic(cli)
    no_tty = cli("accounts", "delete", "1")
    assert no_tty.returncode == 2 and "without --yes" in no_tty.stderr


def test_credentials_take_the_secret_from_stdin_never_argv(cli, tmp_path):
    added = cli("credentials", "add", "relay", "--username", "svc", input=SECRET + "\n")
    assert added.returncode == 0
    [relay] = json.loads(cli("credentials", "list", "--json").stdout)
    assert (relay["name"], relay["username"], relay["kind"]) == ("relay", "svc", "password")
    assert relay["token_url"] == relay["client_id"] == "" and relay["signed_in"] is False
    assert (
        cli(
            "connectors",
            "add",
            "dmz",
            "--url",
            "socks5://proxy.example.com:1080",
            "--credential",
            "relay",
        ).returncode
        == 0
    )
    assert json.loads(cli("connectors", "list", "--json").stdout) == [
        {
            "name": "dmz",
            "kind": "socks5",
            "kind_label": "SOCKS5",
            "host": "proxy.example.com",
            "port": 1080,
            "username": "",
            "credential": "relay",
            "known_hosts": "",
            "host_key": "",
            "host_key_check": "",
        }
    ]
    add_basic(cli, "Alerts HQ", "--credential", "relay", "--connector", "dmz")
    shown = json.loads(cli("accounts", "show", "Alerts HQ", "--json").stdout)
    assert (shown["credential"], shown["connector"]) == ("relay", "dmz")
    refused = cli("credentials", "delete", "relay")
    assert (
        refused.returncode == 1 and "'relay' is used by Alerts HQ, connector dmz" in refused.stderr
    )
    refused = cli("connectors", "delete", "dmz")
    assert refused.returncode == 1 and "'dmz' is used by Alerts HQ" in refused.stderr
    assert cli("accounts", "export").returncode == 0
    cli("credentials", "list")
    cli("connectors", "list")
    for output in cli.outputs:
        assert SECRET not in output
    for path in tmp_path.glob("smtp.db*"):
        assert SECRET.encode() not in path.read_bytes()


def test_connector_urls_are_checked(cli):
    for url in (
        "ftp://proxy.example.com:21",
        "socks5://proxy.example.com",
        "http://user:pw@proxy:8080",
        "socks5://bad host:1080",
    ):
        result = cli("connectors", "add", "p", "--url", url)
        assert result.returncode == 1, url
    assert cli("connectors", "add", "web", "--url", "http://10.0.0.8:3128").returncode == 0
    assert (
        cli("connectors", "add", "web", "--url", "http://10.0.0.9:3128").returncode == 1
    )  # name taken


def test_footer_setting(cli):
    assert cli("settings", "footer").stdout == "\n"
    assert cli("settings", "footer", "Sent by the PAM appliance").returncode == 0
    assert cli("settings", "footer").stdout == "Sent by the PAM appliance\n"


def test_export_then_import_into_an_empty_database_gives_the_same_accounts(cli, tmp_path):
    cli("credentials", "add", "relay", "--username", "svc", input=SECRET + "\n")
    add_basic(
        cli,
        "Alerts HQ",
        "--credential",
        "relay",
        "--reply-to",
        "team@example.com",
        "--read-confirmation",
    )
    add_basic(cli, "Backup relay", "--inactive", "--default", "--ignore-cert-errors")
    exported = cli("accounts", "export")
    (tmp_path / "accounts.json").write_text(exported.stdout)
    other = Cli(tmp_path, "other.db")
    other.env["SMTP_TUI_KEY_FILE"] = str(tmp_path / "other.key")
    refused = other("accounts", "import", str(tmp_path / "accounts.json"))
    assert refused.returncode == 1  # the credential is not there yet: nothing imported
    assert (
        "record 1 (Alerts HQ): credential: There is no credential named 'relay'." in refused.stderr
    )
    assert json.loads(other("accounts", "list", "--json").stdout) == []
    other("credentials", "add", "relay", "--username", "svc", input="another secret\n")
    assert (
        other("accounts", "import", str(tmp_path / "accounts.json")).stdout
        == "Imported 2 accounts.\n"
    )

    def strip(records):
        return [{k: v for k, v in r.items() if k not in ("code", "last_test_at")} for r in records]

    assert strip(json.loads(other("accounts", "export").stdout)) == strip(
        json.loads(exported.stdout)
    )


def test_import_reports_every_bad_record_and_writes_nothing(cli, tmp_path):
    records = [
        {"name": "Good", "email": "good@example.com", "host": "smtp.example.com", "port": 25},
        {"name": "Bad", "email": "nope", "host": "smtp.example.com", "port": 99999},
        {"name": "good", "email": "x@example.com", "host": "smtp.example.com", "port": 25},
    ]
    (tmp_path / "in.json").write_text(json.dumps(records))
    result = cli("accounts", "import", str(tmp_path / "in.json"))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert (
        "smtp-tui: record 2 (Bad): email: E-mail is not a valid e-mail address: "
        "An email address must have an @-sign."
    ) in lines
    assert "smtp-tui: record 2 (Bad): port: Port must be a whole number from 1 to 65535." in lines
    assert "smtp-tui: record 3 (good): name: The name 'good' is also used by record 1." in lines
    assert lines[-1] == "smtp-tui: Nothing was imported."
    assert json.loads(cli("accounts", "list", "--json").stdout) == []
    (tmp_path / "broken.json").write_text("{not json")
    assert cli("accounts", "import", str(tmp_path / "broken.json")).returncode == 1
    assert cli("accounts", "import", str(tmp_path / "missing.json")).returncode == 2
