"""`smtp-tui presets` and `--preset NAME` on `accounts add|edit`, run as the installed command
(subprocesses on a real SQLite file, the `cli` fixture of tests/test_cli_commands.py)."""

import json

from smtp_tui import presets
from tests.test_cli_commands import SECRET

KNOWN = (
    "Known presets: microsoft365, google, ses:REGION, sendgrid, mailgun, postmark, brevo, "
    "mailjet, zoho, fastmail."
)


def shown(cli, account="1") -> dict:
    result = cli("accounts", "show", account, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def server_of(record: dict) -> tuple:
    return record["host"], record["port"], record["secure"]


def add(cli, *extra, name="Relay"):
    return cli("accounts", "add", "--name", name, "--email", "alerts@example.com", *extra)


def test_presets_lists_the_table_for_people(cli):
    result = cli("presets")
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "Name",
        "Provider",
        "Host",
        "Port",
        "Secure",
        "User",
        "name",
        "Note",
    ]
    assert [line.split()[0] for line in lines[2:]] == presets.names()
    sendgrid = next(line for line in lines if line.startswith("sendgrid "))
    assert sendgrid.split()[1:6] == ["SendGrid", "smtp.sendgrid.net", "587", "TLS", "apikey"]
    fastmail = next(line for line in lines if line.startswith("fastmail "))
    assert fastmail.split()[1:5] == ["Fastmail", "smtp.fastmail.com", "465", "SSL"]
    assert "email-smtp.REGION.amazonaws.com" in result.stdout


def test_presets_json_for_scripts(cli):
    result = cli("presets", "--json")
    assert result.returncode == 0 and result.stderr == ""
    records = json.loads(result.stdout)
    assert [r["name"] for r in records] == presets.names()
    assert records[3] == {
        "name": "sendgrid",
        "label": "SendGrid",
        "host": "smtp.sendgrid.net",
        "port": 587,
        "secure": "tls",
        "username": "apikey",
        "note": "The user name is apikey; the secret is an API key.",
    }
    assert {r["secure"] for r in records} == {"tls", "ssl"}
    assert all(set(r) == set(records[0]) for r in records)


def test_add_with_a_preset_fills_the_server_and_given_flags_win(cli):
    assert add(cli, "--preset", "fastmail").returncode == 0
    assert server_of(shown(cli)) == ("smtp.fastmail.com", 465, "ssl")

    overridden = add(cli, "--preset", "ses:EU-West-1", "--port", "2587", name="SES relay")
    assert overridden.returncode == 0, overridden.stderr
    assert server_of(shown(cli, "SES relay")) == ("email-smtp.eu-west-1.amazonaws.com", 2587, "tls")

    secure = add(cli, "--preset", "google", "--secure", "ssl", "--port", "465", name="Gmail")
    assert secure.returncode == 0
    assert server_of(shown(cli, "Gmail")) == ("smtp.gmail.com", 465, "ssl")

    host = add(cli, "--host", "relay.example.com", "--preset", "sendgrid", name="Own relay")
    assert host.returncode == 0
    assert server_of(shown(cli, "Own relay")) == ("relay.example.com", 587, "tls")


def test_add_needs_the_server_from_flags_or_a_preset(cli):
    missing = add(cli, "--host", "smtp.example.com")
    assert missing.returncode == 2
    assert missing.stderr == (
        "smtp-tui: accounts add needs --port, or --preset NAME for a provider's server "
        "(smtp-tui presets lists them).\n"
    )
    assert "--host and --port" in add(cli).stderr
    assert json.loads(cli("accounts", "list", "--json").stdout) == []


def test_an_unknown_preset_is_a_usage_error_naming_the_known_ones(cli):
    unknown = add(cli, "--preset", "outlook")
    assert unknown.returncode == 2
    assert unknown.stderr.endswith(
        f"error: argument --preset: There is no preset 'outlook'. {KNOWN}\n"
    )
    no_region = add(cli, "--preset", "ses")
    assert no_region.returncode == 2
    assert "The preset ses needs a region: ses:REGION, e.g. ses:eu-west-1." in no_region.stderr
    bad_region = add(cli, "--preset", "ses:eu.evil.example")
    assert bad_region.returncode == 2 and "letters, digits and single dashes" in bad_region.stderr
    # What was typed comes back escaped: it cannot drive the terminal.
    hostile = add(cli, "--preset", "\x1b]0;owned\x07")
    assert hostile.returncode == 2 and "\x1b" not in hostile.stderr
    assert "There is no preset '\\x1b]0;owned\\x07'" in hostile.stderr
    assert json.loads(cli("accounts", "list", "--json").stdout) == []


def test_edit_with_a_preset_changes_only_the_server(cli):
    assert add(cli, "--host", "mail.example.com", "--port", "25", "--timeout", "12").returncode == 0
    before = shown(cli)
    edited = cli("accounts", "edit", "1", "--preset", "microsoft365")
    assert edited.returncode == 0 and edited.stdout == "Saved 'Relay' (code 1).\n"
    after = shown(cli)
    assert server_of(after) == ("smtp.office365.com", 587, "tls")
    assert {k: v for k, v in after.items() if k not in ("host", "port", "secure")} == {
        k: v for k, v in before.items() if k not in ("host", "port", "secure")
    }
    assert cli("accounts", "edit", "1", "--preset", "zoho", "--secure", "none").returncode == 0
    assert server_of(shown(cli)) == ("smtp.zoho.com", 587, "none")
    unknown = cli("accounts", "edit", "1", "--preset", "nope")
    assert unknown.returncode == 2 and KNOWN in unknown.stderr
    assert server_of(shown(cli)) == ("smtp.zoho.com", 587, "none")


def test_a_credential_whose_user_name_the_provider_refuses_is_saved_with_a_warning(cli):
    assert cli("credentials", "add", "bob", "--username", "bob", input=SECRET).returncode == 0
    assert cli("credentials", "add", "grid", "--username", "apikey", input=SECRET).returncode == 0
    warned = add(cli, "--preset", "sendgrid", "--credential", "bob")
    assert warned.returncode == 0 and warned.stdout == "Added 'Relay' (code 1).\n"
    assert warned.stderr == (
        "smtp-tui: warning: SendGrid logs in with the user name 'apikey'. "
        "This credential's user name is 'bob'.\n"
    )
    fine = cli("accounts", "edit", "1", "--credential", "grid")
    assert fine.returncode == 0 and fine.stderr == ""
    assert shown(cli)["credential"] == "grid"
