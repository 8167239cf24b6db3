"""The SSH connector's commands (issue 18), run as the installed `smtp-tui` would be, against
the real asyncssh bastion of tests/ssh_servers.py; and its secrets, found nowhere."""

import json
import os
import pty
import select
import sys
import time

import pytest

from smtp_tui import accounts, connectors, credentials, proofs
from smtp_tui.mail.compose import TEST_BODY, TEST_SUBJECT
from tests.conftest import account_input
from tests.mailservers import PASSWORD, USER, free_port
from tests.ssh_servers import KEY_PASSPHRASE, SMTP_NAME, SSH_PASSWORD, SSH_USER
from tests.test_cli_commands import Cli
from tests.test_cli_test import smtp_tui
from tests.test_oauth_secrets import (
    export_bytes,
    forms,
    key_lines,
    secret_places,
    wal_bytes,
)


@pytest.fixture
def cli(tmp_path, ssh_route):
    # Made after ssh_route (and its trust of the test CA), whose environment it copies.
    return Cli(tmp_path)


def add_key(cli, bastion, name="jumpkey", passphrase=KEY_PASSPHRASE, text=None):
    text = text if text is not None else bastion.private_key_text(passphrase or None)
    piped = text + (passphrase + "\n" if passphrase else "")
    return cli("credentials", "add", name, "--username", SSH_USER, "--ssh-key", input=piped)


def add_jump(cli, bastion, *check, credential="jumpkey", url=None):
    url = url or f"ssh://{SSH_USER}@127.0.0.1:{bastion.port}"
    return cli("connectors", "add", "jump", "--url", url, "--credential", credential, *check)


def test_an_ssh_key_credential_from_stdin_with_its_passphrase(cli, ssh_route):
    added = add_key(cli, ssh_route)
    assert added.returncode == 0, added.stderr
    assert added.stdout == (
        "Added credential 'jumpkey' (SSH key, with its passphrase, stored encrypted).\n"
    )
    [record] = json.loads(cli("credentials", "list", "--json").stdout)
    assert (record["kind"], record["kind_label"], record["username"]) == (
        "ssh-key", "SSH key", SSH_USER
    )  # fmt: skip
    listing = cli("credentials", "list").stdout
    assert "jumpkey  SSH key" in listing and "none yet" not in listing
    unprotected = add_key(cli, ssh_route, "plain", passphrase="")
    assert unprotected.stdout == "Added credential 'plain' (SSH key, stored encrypted).\n"

    wrong = add_key(cli, ssh_route, "wrong", text=ssh_route.private_key_text() + "nope\n")
    assert wrong.returncode == 1
    assert wrong.stderr == (
        "smtp-tui: The passphrase does not open this key. Check it and try again.\n"
    )
    public = ssh_route.user_key.export_public_key().decode()
    refused = add_key(cli, ssh_route, "pub", passphrase="", text=public)
    assert refused.returncode == 1 and "That is a public key (the .pub file)" in refused.stderr
    for extra in (["--oauth2", "device-code"], ["--client-id", "x"]):
        usage = cli("credentials", "add", "x", "--username", "u", "--ssh-key", *extra, input="")
        assert usage.returncode == 2, extra
    for output in cli.outputs:
        assert KEY_PASSPHRASE not in output
        assert not set(key_lines(ssh_route.private_key_text())) & set(output.splitlines())


def test_the_key_pasted_at_a_masked_prompt(tmp_path, bastion):
    """On a terminal: the key pasted unseen up to its END line, then the passphrase."""
    env = {
        **os.environ,
        "SMTP_TUI_DB": str(tmp_path / "t.db"),
        "SMTP_TUI_KEY_FILE": str(tmp_path / "k"),
    }
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(
            sys.executable,
            [sys.executable, "-m", "smtp_tui", "credentials", "add", "k", "--username",
             SSH_USER, "--ssh-key"],
            env,
        )  # fmt: skip
    seen = b""

    def read_until(words: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while words not in seen and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break

    read_until(b"-----END line:")
    for line in bastion.private_key_text().splitlines():
        os.write(fd, line.encode() + b"\n")
    read_until(b"Enter if none): ")
    os.write(fd, KEY_PASSPHRASE.encode() + b"\n")
    read_until(b"stored encrypted")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert b"Added credential 'k' (SSH key, with its passphrase, stored encrypted)." in seen
    assert KEY_PASSPHRASE.encode() not in seen
    assert not any(line.encode() in seen for line in key_lines(bastion.private_key_text()))


def test_connectors_add_an_ssh_bastion_and_its_usage_errors(cli, ssh_route, tmp_path):
    assert add_key(cli, ssh_route).returncode == 0
    fingerprint = ssh_route.fingerprint
    where = f"{SSH_USER}@127.0.0.1:{ssh_route.port}"
    neither = add_jump(cli, ssh_route)
    assert neither.returncode == 2
    assert "give --known-hosts FILE or --host-key SHA256:FINGERPRINT" in neither.stderr
    (tmp_path / "known_hosts").write_text(ssh_route.known_hosts_line())
    both = add_jump(
        cli, ssh_route, "--known-hosts", str(tmp_path / "known_hosts"), "--host-key", fingerprint
    )
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    proxy = cli("connectors", "add", "p", "--url", "socks5://proxy:1080", "--host-key", fingerprint)
    assert proxy.returncode == 2
    assert proxy.stderr == "smtp-tui: --known-hosts and --host-key go with an ssh:// URL only.\n"
    bad = add_jump(cli, ssh_route, "--host-key", "MD5:16:27:ac")
    assert bad.returncode == 1 and bad.stderr.startswith("smtp-tui: Host key must be a fingerprint")
    missing = add_jump(cli, ssh_route, "--known-hosts", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "is not a readable file" in missing.stderr
    no_user = add_jump(cli, ssh_route, "--host-key", fingerprint, url="ssh://127.0.0.1")
    assert no_user.returncode == 1 and "ssh://USER@HOST[:PORT]" in no_user.stderr
    no_login = cli("connectors", "add", "j2", "--url", "ssh://u@h", "--host-key", fingerprint)
    assert no_login.returncode == 1 and "a password or an SSH key" in no_login.stderr

    added = add_jump(cli, ssh_route, "--host-key", fingerprint)
    assert added.returncode == 0, added.stderr
    assert added.stdout == (
        f"Added network connector 'jump' (SSH {where}, host key: pinned {fingerprint}).\n"
    )
    listing = cli("connectors", "list").stdout.splitlines()
    assert listing[0].split() == ["Name", "Type", "Address", "Credential", "Host", "key"]
    assert listing[2].split() == ["jump", "SSH", where, "jumpkey", "pinned", fingerprint]
    [record] = json.loads(cli("connectors", "list", "--json").stdout)
    assert record == {
        "name": "jump", "kind": "ssh", "kind_label": "SSH", "host": "127.0.0.1",
        "port": ssh_route.port, "username": SSH_USER, "credential": "jumpkey",
        "known_hosts": "", "host_key": fingerprint, "host_key_check": f"pinned {fingerprint}",
    }  # fmt: skip


def test_host_key_shows_the_presented_key_and_pins_it(cli, ssh_route, tmp_path):
    assert add_key(cli, ssh_route).returncode == 0
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    assert add_jump(cli, ssh_route, "--known-hosts", str(known_hosts)).returncode == 0
    shown = cli("connectors", "host-key", "jump")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == (
        f"The bastion 127.0.0.1:{ssh_route.port} presents this host key:\n"
        "  Key type:    ssh-ed25519\n"
        f"  Fingerprint: {ssh_route.fingerprint}\n"
        f"It is not in {known_hosts}.\n"
        "To trust it once its administrator confirms it: "
        "smtp-tui connectors host-key jump --pin\n"
    )
    assert ssh_route.state.logins == []
    pinned = cli("connectors", "host-key", "jump", "--pin")
    assert pinned.returncode == 0
    assert pinned.stdout.endswith(
        f"Pinned {ssh_route.fingerprint} for 'jump': the bastion's host key is checked "
        "against it from now on.\n"
    )
    [record] = json.loads(cli("connectors", "list", "--json").stdout)
    assert (record["host_key"], record["known_hosts"]) == (ssh_route.fingerprint, "")
    again = cli("connectors", "host-key", "jump", "--pin")
    assert "It matches the pinned fingerprint.\nAlready pinned: nothing changed.\n" in again.stdout
    [event] = json.loads(cli("audit", "--json").stdout)[:1]
    assert ssh_route.fingerprint in json.dumps(event)

    cli("connectors", "add", "dmz", "--url", "socks5://proxy.example.com:1080")
    proxy = cli("connectors", "host-key", "dmz")
    assert proxy.returncode == 1 and "is a proxy, not an SSH bastion" in proxy.stderr
    assert cli("connectors", "host-key", "nothing").returncode == 2
    closed_port = free_port()
    url = f"ssh://{SSH_USER}@127.0.0.1:{closed_port}"
    cli(
        "connectors",
        "add",
        "gone",
        "--url",
        url,
        "--credential",
        "jumpkey",
        "--host-key",
        ssh_route.fingerprint,
    )
    gone = cli("connectors", "host-key", "gone", "--timeout", "3")
    assert gone.returncode == 1
    assert gone.stderr.splitlines() == [
        f"smtp-tui: The SSH bastion 127.0.0.1:{closed_port} refused the connection.",
        f"smtp-tui: Hint: Nothing listens on port {closed_port} there: check the connector's "
        "port (SSH is usually 22) and that sshd runs.",
    ]


async def test_no_ssh_secret_is_anywhere(context, tmp_path, ssh_route, internal_smtp):
    """After sends by password and by key (one refused, the password echoed back by nobody),
    the bastion's password, the key and its passphrase are only encrypted in their columns."""
    vault = context.vault
    key_text = ssh_route.private_key_text()
    by_key = credentials.save(
        vault, name="jumpkey", username=SSH_USER, secret=key_text, kind="ssh-key",
        passphrase=KEY_PASSPHRASE,
    )  # fmt: skip
    by_password = credentials.save(vault, name="jumppw", username=SSH_USER, secret=SSH_PASSWORD)
    wrong = credentials.save(
        vault, name="wrongpw", username=SSH_USER, secret="Wr0ng-" + SSH_PASSWORD
    )
    relay = credentials.save(vault, name="relay", username=USER, secret=PASSWORD)
    for number, credential in enumerate((by_key, by_password, wrong), start=1):
        jump = connectors.save(
            name=f"jump{number}", kind="ssh", host="127.0.0.1", port=ssh_route.port,
            username=SSH_USER, credential_id=credential.id, host_key=ssh_route.fingerprint,
        )  # fmt: skip
        accounts.save(
            account_input(
                number, host=SMTP_NAME, port=587, secure=True, secure_type="TLS",
                authentication=True, credential_id=relay.id, use_connector=True,
                connector_id=jump.id, timeout=5,
            )
        )  # fmt: skip
    for code in (1, 2, 3):
        attempt = proofs.prepare_saved(
            code, vault, to="admin@example.com", subject=TEST_SUBJECT, body=TEST_BODY
        )
        outcome = await proofs.Proving(attempt).run()
        assert outcome.ok == (code != 3), outcome.transcript.text()
    wal, exports = wal_bytes(context), export_bytes(tmp_path)
    outputs = [
        smtp_tui(context, *command)
        for command in (
            ["credentials", "list", "--json"],
            ["connectors", "list"],
            ["connectors", "list", "--json"],
            ["accounts", "show", "1", "--json"],
            ["accounts", "export", "--format", "json"],
            ["audit", "--json"],
            ["connectors", "host-key", "jump1"],
            ["test", "1", "--to", "admin@example.com"],
            ["test", "3", "--to", "admin@example.com"],
        )
    ]
    assert outputs[-2].returncode == 0 and outputs[-1].returncode == 1
    places = secret_places(context, wal, exports, outputs)
    # The places hold what may be shown (so a leak would be found there too).
    assert ssh_route.fingerprint.encode() in places["transcripts"]
    assert b"refused the login of jump" in places["commands"]
    secrets = [SSH_PASSWORD, "Wr0ng-" + SSH_PASSWORD, KEY_PASSPHRASE, *key_lines(key_text)]
    for secret in secrets:
        for form in forms(secret):
            leaks = [place for place, data in places.items() if form in data]
            assert not leaks, f"{secret[:12]}... found in {leaks}"
