"""`smtp-tui credentials add --oauth2 ...`, `credentials authorize`, `credentials list` and
`smtp-tui test` with OAuth2 logins, run as subprocesses against the real token endpoint and
XOAUTH2 server."""

import json
import signal
import subprocess
import sys

import pytest

from smtp_tui import accounts
from tests.conftest import account_input
from tests.oauth_servers import (
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOX,
    client_key_pair,
    service_account_json,
)
from tests.test_cli_commands import Cli


@pytest.fixture
def oauth_cli(tmp_path, token_endpoint):
    """The CLI, with SSL_CERT_FILE (set by the endpoint's fixture) in its environment."""
    return Cli(tmp_path)


def add(cli, name, *options, input=None):
    return cli("credentials", "add", name, "--username", MAILBOX, *options, input=input)


def listed(cli) -> dict[str, dict]:
    result = cli("credentials", "list", "--json")
    assert result.returncode == 0, result.stderr
    return {record["name"]: record for record in json.loads(result.stdout)}


def test_add_each_kind_and_list_them_without_a_secret(oauth_cli, tmp_path):
    cli = oauth_cli
    pem = tmp_path / "client.pem"
    pem.write_text(client_key_pair().pem)
    key = service_account_json()
    results = [
        add(cli, "m365-app", "--oauth2", "client-credentials", "--provider", "microsoft365",
            "--tenant", "contoso.onmicrosoft.com", "--client-id", CLIENT_ID,
            input=CLIENT_SECRET + "\n"),
        add(cli, "m365-cert", "--oauth2", "client-credentials", "--token-url",
            "https://login.example.com/t/oauth2/v2.0/token", "--client-id", CLIENT_ID,
            "--scope", "https://outlook.office365.com/.default", "--client-certificate", str(pem)),
        add(cli, "gmail-user", "--oauth2", "device-code", "--provider", "google", "--client-id",
            "app.apps.googleusercontent.com"),
        add(cli, "gmail-robot", "--oauth2", "google-service-account", input=key),
        cli("credentials", "add", "relay", "--username", "svc", input="pw-1\n"),
    ]  # fmt: skip
    for result in results:
        assert result.returncode == 0, result.stderr
    assert "credentials authorize gmail-user" in results[2].stdout
    records = listed(cli)
    app = records["m365-app"]
    assert (app["kind"], app["username"], app["client_id"], app["client_auth"]) == (
        "oauth2-client-credentials", MAILBOX, CLIENT_ID, "secret",
    )  # fmt: skip
    assert app["token_url"] == (
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    )
    assert app["scope"] == "https://outlook.office365.com/.default"
    assert records["m365-cert"]["client_auth"] == "certificate"
    user = records["gmail-user"]
    assert (user["signed_in"], user["needs_sign_in"], user["token_expires"]) == (False, True, None)
    assert user["device_url"] == "https://oauth2.googleapis.com/device/code"
    assert records["gmail-robot"]["client_id"].endswith(".iam.gserviceaccount.com")
    assert records["relay"]["kind"] == "password"
    table = cli("credentials", "list")
    assert "needs sign-in" in table.stdout and "OAuth2 client credentials" in table.stdout
    for output in cli.outputs:
        for secret in (CLIENT_SECRET, "PRIVATE KEY", "pw-1", client_key_pair().private_key[40:80]):
            assert secret not in output


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (("--tenant", "contoso"), "--tenant only go with --oauth2"),
        (("--oauth2", "device-code", "--provider", "google", "--client-id", "c",
          "--client-certificate", "x.pem"), "--client-certificate goes with"),
        (("--oauth2", "client-credentials", "--provider", "yahoo"), "invalid choice"),
        (("--oauth2", "password"), "invalid choice"),
    ],
)  # fmt: skip
def test_options_that_do_not_fit_are_usage_errors(oauth_cli, options, words):
    result = add(oauth_cli, "x", *options, input="s\n")
    assert result.returncode == 2 and words in result.stderr


def test_refusals_name_the_field(oauth_cli, tmp_path):
    missing = add(oauth_cli, "x", "--oauth2", "client-credentials", "--client-id", CLIENT_ID,
                  input=CLIENT_SECRET + "\n")  # fmt: skip
    assert missing.returncode == 1 and "Token URL is required" in missing.stderr
    no_file = add(oauth_cli, "x", "--oauth2", "client-credentials", "--provider",
                  "microsoft365", "--tenant", "t", "--client-id", CLIENT_ID,
                  "--client-certificate", str(tmp_path / "nope.pem"))  # fmt: skip
    assert no_file.returncode == 1 and "No such file" in no_file.stderr
    bad_key = add(oauth_cli, "x", "--oauth2", "google-service-account", input="{}")
    assert bad_key.returncode == 1 and "not a service account key" in bad_key.stderr


def device_code(cli, endpoint, name="m365-user"):
    result = add(cli, name, "--oauth2", "device-code", "--token-url", endpoint.token_url,
                 "--device-url", endpoint.device_url, "--client-id", CLIENT_ID,
                 "--scope", "https://outlook.office.com/SMTP.Send offline_access")  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_authorize_prints_the_url_and_code_waits_then_signs_in(oauth_cli, token_endpoint):
    device_code(oauth_cli, token_endpoint)
    token_endpoint.pending_polls = 3
    result = oauth_cli("credentials", "authorize", "m365-user")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{token_endpoint.url}/devicelogin" in result.stdout
    (device,) = [f for p, f in token_endpoint.requests if p == "/devicecode"]
    assert "and enter the code: " in result.stdout and "Signed in" in result.stdout
    record = listed(oauth_cli)["m365-user"]
    assert record["signed_in"] and record["signed_in_at"] and record["token_expires"]
    (refresh_token,) = token_endpoint.refresh_tokens
    assert all(refresh_token not in output for output in oauth_cli.outputs)


@pytest.mark.parametrize(("knob", "words"), [("deny", "declined"), ("expire", "expired")])
def test_authorize_exits_1_when_declined_or_expired(oauth_cli, token_endpoint, knob, words):
    device_code(oauth_cli, token_endpoint)
    setattr(token_endpoint, knob, True)
    token_endpoint.pending_polls = 1 if knob == "deny" else 10_000
    result = oauth_cli("credentials", "authorize", "m365-user")
    assert result.returncode == 1 and words in result.stderr
    assert "smtp-tui credentials authorize m365-user" in result.stderr
    assert listed(oauth_cli)["m365-user"]["signed_in"] is False


def test_authorize_refuses_a_login_without_a_person(oauth_cli, token_endpoint):
    add(oauth_cli, "app", "--oauth2", "client-credentials", "--token-url",
        token_endpoint.token_url, "--client-id", CLIENT_ID, "--scope", "s",
        input=CLIENT_SECRET + "\n")  # fmt: skip
    result = oauth_cli("credentials", "authorize", "app")
    assert result.returncode == 1 and "without a person" in result.stderr
    assert oauth_cli("credentials", "authorize", "nobody").returncode == 2


def test_ctrl_c_stops_authorize_with_one_line(oauth_cli, token_endpoint):
    device_code(oauth_cli, token_endpoint)
    token_endpoint.pending_polls = 10_000
    process = subprocess.Popen(
        [sys.executable, "-m", "smtp_tui", "credentials", "authorize", "m365-user"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=oauth_cli.env,
    )
    for line in process.stdout:
        if line.startswith("Waiting"):
            break
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    assert stderr.strip().splitlines() == ["smtp-tui: Sign-in cancelled: nothing was stored."]


def test_smtp_tui_test_fetches_the_token_and_sends(context, xoauth2_server, tmp_path):
    endpoint = xoauth2_server.handler.endpoint
    cli = Cli(tmp_path)
    cli.env |= {"SMTP_TUI_DB": context.config.database,
                "SMTP_TUI_KEY_FILE": str(context.config.key_file)}  # fmt: skip
    added = add(cli, "m365-app", "--oauth2", "client-credentials", "--token-url",
                endpoint.token_url, "--client-id", CLIENT_ID, "--scope",
                "https://outlook.office365.com/.default", input=CLIENT_SECRET + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    from smtp_tui import credentials

    accounts.save(
        account_input(1, name="Alerts", host="localhost", port=xoauth2_server.port, secure=True,
                      secure_type="TLS", authentication=True, timeout=5,
                      credential_id=credentials.find("m365-app").id)
    )  # fmt: skip
    sent = cli("test", "Alerts", "--to", "admin@example.com")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "Fetching an OAuth2 token" in sent.stdout and "AUTH XOAUTH2 ********" in sent.stdout
    assert len(xoauth2_server.handler.received) == 1
    endpoint.error_reply = (401, {"error": "invalid_client",
                                  "error_description": "AADSTS7000222: The provided client "
                                  "secret keys are expired."})  # fmt: skip
    endpoint.expires_in = 0
    from smtp_tui.store.models import Credential

    Credential.update(access_token="").execute()
    failed = cli("test", "Alerts", "--to", "admin@example.com")
    assert failed.returncode == 1
    assert "AADSTS7000222" in failed.stdout + failed.stderr
    assert "create a new one" in failed.stdout + failed.stderr
    assert len(xoauth2_server.handler.received) == 1
    (_, token), = xoauth2_server.handler.logins  # fmt: skip
    for output in cli.outputs:
        assert CLIENT_SECRET not in output and token not in output
