"""Sending a test e-mail through real servers: aiosmtpd, trustme certificates, pproxy."""

import asyncio
import time
from dataclasses import replace

import pytest

from smtp_tui import accounts, connectors, credentials, proofs, settings, verdicts
from smtp_tui.errors import Refused, ValidationFailed
from smtp_tui.mail.compose import TEST_BODY, TEST_SUBJECT
from smtp_tui.mail.transport import deliver
from smtp_tui.store.models import TestRun
from smtp_tui.validation import AccountInput
from tests.conftest import account_input
from tests.mailservers import PASSWORD, REFUSED_RECIPIENT, USER, free_port

TO = "admin@example.com"


def make_account(vault, server_port, *, security="TLS", auth=True, password=PASSWORD, **overrides):
    credential = credentials.save(
        vault, name=f"cred-{time.monotonic_ns()}", username=USER, secret=password
    )
    values = dict(
        host="localhost",
        port=server_port,
        secure=security != "none",
        secure_type=None if security == "none" else security,
        authentication=auth,
        credential_id=credential.id if auth else None,
        timeout=5,
    )
    values |= overrides
    return accounts.save(account_input(1, **values))


async def run(vault, code, *, to=TO, check_only=False, lines=None):
    attempt = proofs.prepare_saved(
        code, vault, to=to, subject=TEST_SUBJECT, body=TEST_BODY, check_only=check_only
    )
    outcome = await deliver(
        attempt.server,
        attempt.envelope,
        check_only=check_only,
        on_line=lines.append if lines is not None else None,
    )
    proofs.record(attempt, outcome, actor="tester@pam")
    return outcome


async def test_starttls_and_auth_deliver_with_every_header(db, vault, starttls_server):
    settings.put(settings.FOOTER, "Sent by the PAM appliance.")
    account = make_account(
        vault,
        starttls_server.port,
        reply_to="team@example.com",
        return_path="bounces@example.com",
        read_confirmation=True,
        confirmation_email="receipts@example.com",
        footer=True,
    )
    lines = []
    outcome = await run(vault, account.code, lines=lines)
    assert outcome.ok, outcome.verdict
    assert outcome.verdict == "Delivered to the server: it accepted the message."
    [received] = starttls_server.handler.received
    assert received.mail_from == "bounces@example.com"
    assert received.rcpt_tos == [TO]
    message = received.message
    assert message["From"] == account.email
    assert message["Reply-To"] == "team@example.com"
    assert message["Disposition-Notification-To"] == "receipts@example.com"
    assert message["Subject"] == TEST_SUBJECT and message["Message-ID"] and message["Date"]
    assert "Sent by the PAM appliance." in message.get_payload()
    assert starttls_server.authenticator.attempts and all(
        tls for _, tls in starttls_server.authenticator.attempts
    )
    text = "\n".join(str(line) for line in lines)
    assert (
        " -> STARTTLS" in text
        and "TLS is up: TLSv1" in text
        and "Peer certificate: subject" in text
    )
    assert "<-  250" in text and " -> MAIL FROM:<bounces@example.com>" in text
    assert PASSWORD not in text
    run_row = TestRun.get()
    assert (run_row.outcome, run_row.mode, run_row.recipient, run_row.started_by) == (
        "delivered",
        "send",
        TO,
        "tester@pam",
    )
    assert PASSWORD not in run_row.transcript and " -> AUTH" in run_row.transcript
    assert accounts.get(account.code).last_test_outcome == "delivered"


async def test_implicit_ssl_delivers(db, vault, ssl_server):
    account = make_account(vault, ssl_server.port, security="SSL")
    outcome = await run(vault, account.code)
    assert outcome.ok, outcome.verdict
    assert len(ssl_server.handler.received) == 1
    assert "TLS is up" in outcome.transcript.text()


async def test_no_starttls_offered_fails_a_tls_account_with_nothing_sent(db, vault, plain_server):
    account = make_account(vault, plain_server.port, security="TLS")
    outcome = await run(vault, account.code)
    assert not outcome.ok and outcome.failure.step == "STARTTLS"
    assert "does not offer STARTTLS" in outcome.failure.summary
    assert plain_server.authenticator.attempts == []  # no AUTH in the clear
    assert plain_server.handler.commands == [] and plain_server.handler.received == []
    assert accounts.get(account.code).last_test_outcome == "failed STARTTLS"


async def test_untrusted_certificate_fails_unless_ignored(db, vault, untrusted_server):
    account = make_account(vault, untrusted_server.port, security="TLS")
    outcome = await run(vault, account.code)
    assert not outcome.ok and outcome.failure.step == "STARTTLS"
    assert "Certificate not trusted" in outcome.failure.summary
    assert "Add the issuing CA" in outcome.failure.hint
    assert untrusted_server.authenticator.attempts == []
    accounts.save(
        replace(AccountInput.from_account(account), ignore_cert_errors=True), code=account.code
    )
    outcome = await run(vault, account.code)
    assert outcome.ok, outcome.verdict
    assert "The certificate was not checked" in outcome.transcript.text()


async def test_wrong_password_is_an_auth_failure_with_535(db, vault, starttls_server):
    account = make_account(vault, starttls_server.port, password="wrong-password")
    outcome = await run(vault, account.code)
    assert not outcome.ok and outcome.failure.step == "AUTH"
    assert "535" in outcome.failure.summary and "credential" in outcome.failure.hint, (
        outcome.transcript.text()
    )
    assert "wrong-password" not in outcome.transcript.text()
    assert starttls_server.handler.received == []


async def test_refused_recipient_is_a_rcpt_failure(db, vault, starttls_server):
    account = make_account(vault, starttls_server.port)
    outcome = await run(vault, account.code, to=REFUSED_RECIPIENT)
    assert not outcome.ok and outcome.failure.step == "RCPT"
    assert "550 5.1.1" in outcome.failure.summary
    assert starttls_server.handler.received == []


async def test_a_server_that_never_answers_times_out_within_the_bound(db, vault, silent_server):
    account = make_account(vault, silent_server.port, security="none", auth=False, timeout=1)
    started = time.monotonic()
    outcome = await run(vault, account.code)
    assert time.monotonic() - started < 5
    assert not outcome.ok and outcome.failure.step == "greeting"
    assert "sent no greeting" in outcome.failure.summary


async def test_ssl_against_a_starttls_port_says_so(db, vault, starttls_server):
    account = make_account(vault, starttls_server.port, security="SSL")
    outcome = await run(vault, account.code)
    assert not outcome.ok and outcome.failure.step == "TLS"
    assert "expects TLS (STARTTLS), not SSL" in outcome.failure.hint


async def test_connection_refused_and_unresolvable_names(db, vault):
    account = make_account(vault, free_port(), security="none", auth=False)
    outcome = await run(vault, account.code)
    assert (outcome.failure.step, "refused the connection" in outcome.failure.summary) == (
        "connect",
        True,
    )
    accounts.save(
        replace(AccountInput.from_account(account), host="no-such-host.invalid"), code=account.code
    )
    outcome = await run(vault, account.code)
    assert outcome.failure.step == "resolve" and "could not be resolved" in outcome.failure.summary


async def test_check_only_sends_no_message(db, vault, starttls_server):
    account = make_account(vault, starttls_server.port)
    outcome = await run(vault, account.code, check_only=True)
    assert outcome.ok and outcome.check_only
    assert starttls_server.handler.received == []
    assert starttls_server.handler.commands == [f"MAIL {account.email} tls=True", f"RCPT {TO}"]
    assert TestRun.get().outcome == "checked"


@pytest.mark.parametrize("kind", ["socks5", "http"])
async def test_delivery_through_a_proxy(db, vault, starttls_server, socks5_proxy, http_proxy, kind):
    proxy = socks5_proxy if kind == "socks5" else http_proxy
    proxy_credential = credentials.save(
        vault, name="proxy-login", username="proxyuser", secret="proxy-Pa55"
    ).id
    connector = connectors.save(
        name=f"{kind}-proxy",
        kind=kind,
        host="127.0.0.1",
        port=proxy.port,
        credential_id=proxy_credential,
    )
    account = make_account(
        vault, starttls_server.port, use_connector=True, connector_id=connector.id
    )
    outcome = await run(vault, account.code)
    assert outcome.ok, outcome.transcript.text()
    assert len(starttls_server.handler.received) == 1
    text = outcome.transcript.text()
    assert (
        "through the" in text and "TLS is up" in text
    )  # TLS checked against localhost, not the proxy
    assert "proxy-Pa55" not in text


@pytest.mark.parametrize("kind", ["socks5", "http"])
async def test_a_wrong_proxy_login_is_a_proxy_failure(
    db, vault, starttls_server, socks5_proxy, http_proxy, kind
):
    proxy = socks5_proxy if kind == "socks5" else http_proxy
    wrong = credentials.save(vault, name="proxy-login", username="proxyuser", secret="nope")
    connector = connectors.save(
        name="proxy", kind=kind, host="127.0.0.1", port=proxy.port, credential_id=wrong.id
    )
    account = make_account(
        vault, starttls_server.port, use_connector=True, connector_id=connector.id
    )
    outcome = await run(vault, account.code)
    assert not outcome.ok and outcome.failure.step == "proxy", outcome.transcript.text()
    assert "refused to open" in outcome.failure.summary
    assert starttls_server.handler.commands == []


async def test_cancelling_closes_at_once(db, vault, silent_server):
    account = make_account(vault, silent_server.port, security="none", auth=False, timeout=30)
    attempt = proofs.prepare_saved(account.code, vault, to=TO, subject="s", body="b")
    task = asyncio.create_task(deliver(attempt.server, attempt.envelope))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1
    proofs.record(attempt, None, cancelled_after=0.3)
    assert accounts.get(account.code).last_test_outcome == "cancelled"


def test_edited_settings_do_not_receive_the_stored_secret(db, vault):
    account = make_account(vault, 2525)
    edited = AccountInput.from_account(account)
    moved = replace(edited, host="attacker.example.com")
    with pytest.raises(Refused, match="stored secret of 'cred-.*' is not sent"):
        proofs.server_settings(moved, vault, saved=account)
    assert (
        proofs.server_settings(moved, vault, saved=account, typed_secret="typed").password
        == "typed"
    )
    assert proofs.server_settings(edited, vault, saved=account).password == PASSWORD


def test_the_recipient_is_validated(db, vault):
    account = make_account(vault, 2525)
    with pytest.raises(ValidationFailed) as failure:
        proofs.prepare_saved(account.code, vault, to="not an address", subject="s", body="b")
    assert failure.value.errors["recipient"].startswith("Recipient is not a valid e-mail address")


def test_last_test_labels():
    from datetime import datetime, timedelta

    now = datetime(2026, 1, 1, 12, 0, 0)
    assert verdicts.label(None, None) == "never"
    assert verdicts.label("delivered", now - timedelta(minutes=2), now) == "✓ 2m ago"
    assert (
        verdicts.label("failed AUTH", now - timedelta(hours=1, minutes=5), now) == "✗ AUTH 1h ago"
    )
    assert verdicts.label("checked", now, now) == "✓ just now"
