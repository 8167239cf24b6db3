"""SSH connectors (issue 18): test e-mails through a real asyncssh bastion to a real aiosmtpd
with STARTTLS and trustme certificates, the host key always verified."""

import asyncio

import asyncssh
import pytest

from smtp_tui import accounts, connectors, credentials, proofs, validation
from smtp_tui.errors import Refused, ValidationFailed
from smtp_tui.mail.compose import TEST_BODY, TEST_SUBJECT
from smtp_tui.mail.ssh import Bastion
from smtp_tui.mail.transport import deliver
from smtp_tui.store.models import AuditEvent, NetworkConnector
from tests.conftest import account_input
from tests.mailservers import PASSWORD, USER, free_port
from tests.ssh_servers import (
    KEY_PASSPHRASE,
    PROHIBITED,
    SMTP_NAME,
    SSH_PASSWORD,
    SSH_USER,
)

TO = "admin@example.com"


def ssh_password(vault, password=SSH_PASSWORD):
    return credentials.save(vault, name="bastion login", username=SSH_USER, secret=password)


def ssh_key(vault, text, passphrase=KEY_PASSPHRASE):
    return credentials.save(
        vault,
        name="bastion key",
        username=SSH_USER,
        secret=text,
        kind="ssh-key",
        passphrase=passphrase,
    )


def bastion_connector(bastion, credential, *, port=None, **check):
    check = check or {"host_key": bastion.fingerprint}
    return connectors.save(
        name="jump",
        kind="ssh",
        host="127.0.0.1",
        port=port or bastion.port,
        username=SSH_USER,
        credential_id=credential.id,
        **check,
    )


def account_through(vault, connector, *, host=SMTP_NAME, port=587):
    relay = credentials.save(vault, name="relay", username=USER, secret=PASSWORD)
    return accounts.save(
        account_input(
            1,
            host=host,
            port=port,
            secure=True,
            secure_type="TLS",
            authentication=True,
            credential_id=relay.id,
            use_connector=True,
            connector_id=connector.id,
            timeout=5,
        )
    )


async def send(vault, code):
    attempt = proofs.prepare_saved(code, vault, to=TO, subject=TEST_SUBJECT, body=TEST_BODY)
    outcome = await proofs.Proving(attempt).run()
    return outcome, outcome.transcript.text()


async def closed(state):
    """The bastion has seen the end of every SSH connection (the test closes what it opens)."""
    for _ in range(100):
        if state.open_connections == 0:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_delivery_through_the_bastion_with_a_password_and_a_pinned_key(
    vault, ssh_route, internal_smtp
):
    connector = bastion_connector(ssh_route, ssh_password(vault))
    code = account_through(vault, connector).code
    outcome, text = await send(vault, code)
    assert outcome.ok, text
    [received] = internal_smtp[SMTP_NAME].handler.received
    assert received.rcpt_tos == [TO] and received.message["Subject"] == TEST_SUBJECT
    # STARTTLS end to end with the SMTP server, its certificate checked for SMTP_NAME.
    assert internal_smtp[SMTP_NAME].handler.commands[0].endswith("tls=True")
    state = ssh_route.state
    assert state.channel_opens == [(SMTP_NAME, 587)] and state.connections == 1
    assert state.logins[0] == (SSH_USER, "password")
    assert (
        f"=== SSH {SSH_USER}@127.0.0.1:{ssh_route.port}, host key {ssh_route.fingerprint} "
        "verified\n" in text
    )
    assert "=== Host key ssh-ed25519 matches the pinned fingerprint; logged in as jump (" in text
    assert f"direct-tcpip channel to {SMTP_NAME}:587" in text
    assert "The bastion opened the channel in" in text
    assert text.index("The bastion opened the channel") < text.index("=== TLS is up: TLSv1.")
    assert await closed(state)


async def test_delivery_with_a_key_and_its_passphrase_checked_by_a_known_hosts_file(
    vault, ssh_route, internal_smtp, tmp_path
):
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(ssh_route.known_hosts_line())
    key = ssh_key(vault, ssh_route.private_key_text())
    connector = bastion_connector(ssh_route, key, known_hosts=str(known_hosts))
    outcome, text = await send(vault, account_through(vault, connector).code)
    assert outcome.ok, text
    assert len(internal_smtp[SMTP_NAME].handler.received) == 1
    assert ssh_route.state.logins[0] == (SSH_USER, "publickey")
    assert f"ssh-ed25519 found in {known_hosts}; logged in as {SSH_USER} (publickey) in " in text
    assert await closed(ssh_route.state)


async def test_a_pem_key_without_passphrase_logs_in_too(vault, ssh_route, internal_smtp):
    key = ssh_key(vault, ssh_route.private_key_text(None, "pkcs8-pem"), passphrase="")
    outcome, text = await send(
        vault, account_through(vault, bastion_connector(ssh_route, key)).code
    )
    assert outcome.ok, text


async def test_an_unknown_host_key_is_refused_with_its_fingerprint_and_nothing_goes_through(
    vault, ssh_route, internal_smtp, tmp_path
):
    known_hosts = tmp_path / "known_hosts"
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    known_hosts.write_text(f"elsewhere.example {other}")
    connector = bastion_connector(ssh_route, ssh_password(vault), known_hosts=str(known_hosts))
    outcome, text = await send(vault, account_through(vault, connector).code)
    assert outcome.failure.step == "ssh"
    assert outcome.failure.summary == (
        f"The SSH bastion {SSH_USER}@127.0.0.1:{ssh_route.port} presented host key "
        f"{ssh_route.fingerprint} (ssh-ed25519), which is not in {known_hosts}. "
        "Nothing was sent: no login, no channel."
    )
    assert "connectors host-key 'jump' --pin" in outcome.failure.hint
    state = ssh_route.state
    assert state.channel_opens == [] and state.logins == []
    assert internal_smtp[SMTP_NAME].handler.received == []
    assert await closed(state)


@pytest.mark.parametrize("check", ["pinned", "known_hosts"])
async def test_a_changed_host_key_is_refused_with_both_fingerprints(
    vault, ssh_route, internal_smtp, tmp_path, check
):
    old = asyncssh.generate_private_key("ssh-ed25519")
    old_fingerprint = old.get_fingerprint("sha256")
    if check == "pinned":
        options = {"host_key": old_fingerprint}
    else:
        (tmp_path / "known_hosts").write_text(ssh_route.known_hosts_line(old))
        options = {"known_hosts": str(tmp_path / "known_hosts")}
    connector = bastion_connector(ssh_route, ssh_password(vault), **options)
    outcome, text = await send(vault, account_through(vault, connector).code)
    failure = outcome.failure
    assert failure.step == "ssh"
    assert f"presented host key {ssh_route.fingerprint} (ssh-ed25519), but expected " in (
        failure.summary
    )
    assert f"expected {old_fingerprint}" in failure.summary
    assert "the host key has changed" in failure.summary
    assert "intercepting" in failure.hint
    assert ssh_route.state.channel_opens == [] and ssh_route.state.logins == []
    assert internal_smtp[SMTP_NAME].handler.received == []
    assert f"*** ssh: {failure.summary}" in text


async def test_a_wrong_password_is_refused_at_step_ssh_naming_the_methods(vault, ssh_route):
    connector = bastion_connector(ssh_route, ssh_password(vault, "not-the-password"))
    outcome, text = await send(vault, account_through(vault, connector).code)
    assert outcome.failure.step == "ssh"
    assert outcome.failure.summary == (
        f"The SSH bastion {SSH_USER}@127.0.0.1:{ssh_route.port} refused the login of "
        f"{SSH_USER} by keyboard-interactive and password "
        "(it offers: publickey, keyboard-interactive, password)."
    )
    assert "password" in outcome.failure.hint
    assert ssh_route.state.channel_opens == []
    assert "not-the-password" not in text


async def test_a_key_the_bastion_does_not_know_is_refused_naming_the_methods(vault, ssh_route):
    stranger = asyncssh.generate_private_key("ssh-ed25519").export_private_key().decode()
    connector = bastion_connector(ssh_route, ssh_key(vault, stranger, passphrase=""))
    outcome, _ = await send(vault, account_through(vault, connector).code)
    assert outcome.failure.step == "ssh"
    assert f"refused the login of {SSH_USER} by publickey (it offers: publickey" in (
        outcome.failure.summary
    )
    assert "authorized_keys" in outcome.failure.hint


async def test_a_password_to_a_bastion_that_takes_only_keys(vault, ssh_route):
    ssh_route.state.methods = ("publickey",)
    connector = bastion_connector(ssh_route, ssh_password(vault))
    outcome, _ = await send(vault, account_through(vault, connector).code)
    assert outcome.failure.summary.endswith(
        f"refused the login of {SSH_USER} by nothing (the credential gives no method it "
        "offers) (it offers: publickey)."
    )
    assert (
        outcome.failure.hint == "The bastion takes no passwords: log in with an SSH key credential."
    )


async def test_a_bastion_that_refuses_forwarding_is_diagnosed(vault, ssh_route, internal_smtp):
    ssh_route.state.forwarding = False
    connector = bastion_connector(ssh_route, ssh_password(vault))
    outcome, _ = await send(vault, account_through(vault, connector).code)
    assert outcome.failure.step == "ssh"
    assert outcome.failure.summary == (
        f"The SSH bastion {SSH_USER}@127.0.0.1:{ssh_route.port} refused to open a channel to "
        f"{SMTP_NAME}:587: {PROHIBITED}."
    )
    assert "AllowTcpForwarding no" in outcome.failure.hint
    assert ssh_route.state.channel_opens == [(SMTP_NAME, 587)]
    assert internal_smtp[SMTP_NAME].handler.received == []
    assert await closed(ssh_route.state)


async def test_an_smtp_server_the_bastion_cannot_reach(vault, ssh_route):
    connector = bastion_connector(ssh_route, ssh_password(vault))
    closed_port = free_port()
    outcome, _ = await send(
        vault, account_through(vault, connector, host="127.0.0.1", port=closed_port).code
    )
    assert outcome.failure.step == "ssh"
    assert outcome.failure.summary.startswith(
        f"The SSH bastion {SSH_USER}@127.0.0.1:{ssh_route.port} could not reach "
        f"127.0.0.1:{closed_port}: "
    )
    assert "unreachable from the bastion" in outcome.failure.hint


async def test_tls_is_verified_against_the_smtp_servers_name_not_the_bastions(
    vault, ssh_route, internal_smtp
):
    """The server behind 'wrong-cert.internal.example' shows a certificate for the bastion's
    name: refused, though the channel itself came through the bastion."""
    connector = bastion_connector(ssh_route, ssh_password(vault))
    outcome, _ = await send(
        vault, account_through(vault, connector, host="wrong-cert.internal.example").code
    )
    assert outcome.failure.step == "STARTTLS"
    assert outcome.failure.summary.startswith("Certificate not trusted:")
    assert "'wrong-cert.internal.example'" in outcome.failure.hint
    assert internal_smtp["bastion.example"].handler.received == []


async def test_an_unreachable_bastion(vault, ssh_route):
    connector = bastion_connector(ssh_route, ssh_password(vault), port=free_port())
    outcome, _ = await send(vault, account_through(vault, connector).code)
    assert outcome.failure.step == "ssh"
    assert outcome.failure.summary.endswith("refused the connection.")
    assert "sshd runs" in outcome.failure.hint


async def test_one_bastion_connection_serves_several_sends_then_closes(
    vault, ssh_route, internal_smtp
):
    connector = bastion_connector(ssh_route, ssh_password(vault))
    code = account_through(vault, connector).code
    attempt = proofs.prepare_saved(code, vault, to=TO, subject=TEST_SUBJECT, body=TEST_BODY)
    texts = []
    async with Bastion(attempt.server.ssh, 5) as bastion:
        for _ in range(2):
            outcome = await deliver(attempt.server, attempt.envelope, bastion=bastion)
            assert outcome.ok, outcome.transcript.text()
            texts.append(outcome.transcript.text())
        assert ssh_route.state.open_connections == 1
    assert "reused" not in texts[0] and "The SSH connection of the previous account" in texts[1]
    assert ssh_route.state.connections == 1 and len(ssh_route.state.channel_opens) == 2
    assert len(internal_smtp[SMTP_NAME].handler.received) == 2
    assert await closed(ssh_route.state)


async def test_a_cancelled_send_drops_the_ssh_connection(vault, ssh_route, silent_server):
    """The SMTP server never greets: the send waits in the channel until it is cancelled."""
    connector = bastion_connector(ssh_route, ssh_password(vault))
    code = account_through(vault, connector, host="127.0.0.1", port=silent_server.port).code
    attempt = proofs.prepare_saved(code, vault, to=TO, subject=TEST_SUBJECT, body=TEST_BODY)
    lines = []
    task = asyncio.create_task(deliver(attempt.server, attempt.envelope, on_line=lines.append))
    for _ in range(500):
        if any("Connecting to 127.0.0.1:" in line.text for line in lines) or task.done():
            break
        await asyncio.sleep(0.01)
    # Well inside the wait for the greeting: Python 3.11's wait_for loses a cancellation that
    # comes as the connection it waits for is made (aiosmtplib's connect).
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        outcome = await task
        pytest.fail(outcome.transcript.text())
    assert ssh_route.state.channel_opens == [("127.0.0.1", silent_server.port)]
    assert await closed(ssh_route.state)


async def test_presented_host_key_and_pinning_it(vault, bastion, tmp_path):
    bastion.reset()
    found = await connectors.presented_host_key("127.0.0.1", bastion.port)
    assert (found.key_type, found.fingerprint) == ("ssh-ed25519", bastion.fingerprint)
    assert bastion.state.logins == []
    (tmp_path / "known_hosts").write_text(bastion.known_hosts_line())
    connector = bastion_connector(
        bastion, ssh_password(vault), known_hosts=str(tmp_path / "known_hosts")
    )
    assert connectors.compare_host_key(connector, found) == f"It is in {tmp_path / 'known_hosts'}."
    pinned = connectors.pin_host_key(connector.id, found.fingerprint)
    assert (pinned.host_key, pinned.known_hosts) == (bastion.fingerprint, "")
    assert connectors.compare_host_key(pinned, found) == "It matches the pinned fingerprint."
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert event.summary == (
        f"Pinned the host key {bastion.fingerprint} of 127.0.0.1:{bastion.port}"
    )
    assert connectors.describe(pinned)["host_key_check"] == f"pinned {bastion.fingerprint}"


async def test_fetching_the_host_key_of_nothing_says_why():
    from smtp_tui.mail.ssh_errors import BastionUnreachable

    with pytest.raises(BastionUnreachable) as refused:
        await connectors.presented_host_key("127.0.0.1", free_port(), timeout=2)
    assert refused.value.reason == "refused"


def test_an_ssh_connector_needs_one_host_key_check_a_login_and_a_credential(vault, tmp_path):
    password = ssh_password(vault)
    common = dict(name="jump", kind="ssh", host="bastion.example.com", port=22)
    with pytest.raises(ValidationFailed) as refused:
        connectors.save(**common, credential_id=password.id, username=SSH_USER)
    assert "known_hosts file or a pinned fingerprint" in refused.value.errors["host_key"]
    (tmp_path / "kh").write_text("")
    with pytest.raises(ValidationFailed) as refused:
        connectors.save(
            **common,
            credential_id=password.id,
            username=SSH_USER,
            known_hosts=str(tmp_path / "kh"),
            host_key="SHA256:" + "A" * 43,
        )
    assert refused.value.errors["host_key"].endswith("exactly one of the two, not both.")
    with pytest.raises(ValidationFailed) as refused:
        connectors.save(**common, host_key="MD5:aa:bb")
    assert set(refused.value.errors) == {"username", "host_key", "credential"}
    assert "ssh-keygen -l -E sha256" in refused.value.errors["host_key"]
    with pytest.raises(ValidationFailed) as refused:
        connectors.save(**common, known_hosts=str(tmp_path / "missing"), username=SSH_USER)
    assert "is not a readable file" in refused.value.errors["known_hosts"]
    saved = connectors.save(
        **common, credential_id=password.id, username=SSH_USER, host_key="sha256:" + "B" * 43 + "="
    )
    assert saved.host_key == "SHA256:" + "B" * 43
    with pytest.raises(Refused):
        connectors.proxy_settings(vault, saved.id)


def test_ssh_keys_go_with_ssh_connectors_only(vault, bastion):
    key = ssh_key(vault, bastion.private_key_text())
    with pytest.raises(ValidationFailed) as refused:
        connectors.save(name="dmz", kind="socks5", host="proxy", port=1080, credential_id=key.id)
    assert refused.value.errors == {
        "credential": "A proxy logs in with a password: choose a password credential."
    }
    with pytest.raises(ValidationFailed) as refused:
        accounts.save(account_input(1, authentication=True, credential_id=key.id))
    assert "not to a mail server" in refused.value.errors["credential"]
    proxy = connectors.save(name="dmz", kind="socks5", host="proxy", port=1080)
    assert (proxy.username, proxy.known_hosts, proxy.host_key) == ("", "", "")


def test_the_key_is_opened_on_save_and_its_problems_named(vault, bastion):
    text = bastion.private_key_text()
    cases = [
        (text, "wrong", "passphrase", "The passphrase does not open this key."),
        (text, "", "passphrase", "This key is protected by a passphrase: give it."),
        (bastion.private_key_text(KEY_PASSPHRASE, "pkcs8-pem"), "nope", "passphrase", "does not"),
        (bastion.user_key.export_public_key().decode(), "", "secret", "That is a public key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nnonsense\n", "", "secret", "not an SSH private"),
        ("", "", "secret", "Give the SSH private key"),
    ]
    for secret, passphrase, field, words in cases:
        with pytest.raises(ValidationFailed) as refused:
            ssh_key(vault, secret, passphrase)
        assert words in refused.value.errors[field], (secret[:20], refused.value.errors)
    saved = ssh_key(vault, text)
    assert credentials.describe(saved)["kind_label"] == "SSH key"
    assert credentials.reveal_passphrase(vault, saved) == KEY_PASSPHRASE
    # An edit that keeps the key keeps its passphrase.
    kept = credentials.save(
        vault, name="renamed", username=SSH_USER, secret=None, kind="ssh-key",
        credential_id=saved.id,
    )  # fmt: skip
    assert credentials.reveal_passphrase(vault, kept) == KEY_PASSPHRASE
    assert NetworkConnector.select().count() == 0


def test_fingerprints_are_read_as_ssh_keygen_prints_them(bastion):
    fingerprint = bastion.fingerprint
    line = f"256 {fingerprint} root@bastion (ED25519)"
    assert validation.host_key_fingerprint(line) == fingerprint
    assert validation.host_key_fingerprint(f" {fingerprint}= ") == fingerprint
    for bad in (
        "",
        "SHA256:short",
        "MD5:12:34",
        f"{fingerprint} {fingerprint}",
        "SHA256:" + "!" * 43,
    ):
        with pytest.raises(validation.FieldError):
            validation.host_key_fingerprint(bad)
    assert validation.connector_url("ssh://jump@bastion.example.com") == (
        "ssh", "bastion.example.com", 22, "jump"
    )  # fmt: skip
    assert validation.connector_url("ssh://jump@[2001:db8::1]:2222")[1:] == (
        "2001:db8::1",
        2222,
        "jump",
    )
    for bad in ("ssh://bastion.example.com", "ssh://jump:pw@bastion", "socks5://u@proxy:1080"):
        with pytest.raises(validation.FieldError):
            validation.connector_url(bad)


async def test_a_known_hosts_file_with_only_another_type_of_key(vault, ssh_route, tmp_path):
    """The file holds an RSA key for the bastion, which has only an Ed25519 one: no key type
    in common, so none is presented, and the file's is named."""
    rsa = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    (tmp_path / "known_hosts").write_text(ssh_route.known_hosts_line(rsa))
    connector = bastion_connector(
        ssh_route, ssh_password(vault), known_hosts=str(tmp_path / "known_hosts")
    )
    outcome, _ = await send(vault, account_through(vault, connector).code)
    assert outcome.failure.step == "ssh"
    assert outcome.failure.summary == (
        f"The SSH bastion {SSH_USER}@127.0.0.1:{ssh_route.port} broke off the key exchange: it "
        f"has no host key of the types {tmp_path / 'known_hosts'} holds for it "
        f"({rsa.get_fingerprint('sha256')}), or it failed. "
        "Nothing was sent: no login, no channel."
    )
    assert ssh_route.state.logins == [] and ssh_route.state.channel_opens == []
