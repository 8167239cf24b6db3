"""International addresses: SMTPUTF8 when an address needs it and the server offers it; when it
does not, a verdict at MAIL or RCPT before anything is sent. Real aiosmtpd servers, with and
without SMTPUTF8."""

from __future__ import annotations

import pytest

from tests.mailservers import start_server
from tests.test_cli_test import make, smtp_tui
from tests.test_sending import make_account, run

JUERGEN = "jürgen@example.com"


@pytest.fixture
def utf8_server(certificates, trust_test_ca):
    """STARTTLS and SMTPUTF8 offered."""
    server = start_server(
        tls_context=certificates.server_context(), require_starttls=True, smtputf8=True
    )
    yield server
    server.controller.stop()


def test_an_international_recipient_goes_with_smtputf8_when_the_server_offers_it(
    context, utf8_server
):
    make(context, utf8_server.port)
    result = smtp_tui(context, "test", "Alerts HQ", "--to", JUERGEN)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ Delivered to the server" in result.stdout and "unexpected" not in result.stdout
    assert " -> MAIL FROM:<sender1@example.com> SMTPUTF8" in result.stdout
    assert f" -> RCPT TO:<{JUERGEN}>" in result.stdout
    [received] = utf8_server.handler.received
    assert received.rcpt_tos == [JUERGEN] and received.smtputf8
    assert f"\r\nTo: {JUERGEN}\r\n".encode() in received.raw  # UTF-8 as it is, not an encoded word


async def test_an_international_sender_goes_with_smtputf8_in_the_envelope_and_the_headers(
    db, vault, utf8_server
):
    account = make_account(
        vault, utf8_server.port, email="zoë@example.com", reply_to="réponse@example.com"
    )
    outcome = await run(vault, account.code)
    assert outcome.ok, outcome.verdict
    [received] = utf8_server.handler.received
    assert received.mail_from == "zoë@example.com" and received.smtputf8
    assert "From: zoë@example.com\r\n".encode() in received.raw
    assert "Reply-To: réponse@example.com\r\n".encode() in received.raw


@pytest.mark.parametrize(
    "overrides, to, step, address",
    [
        ({}, JUERGEN, "RCPT", JUERGEN),
        ({"email": "zoë@example.com"}, "admin@example.com", "MAIL", "zoë@example.com"),
        (
            {"return_path": "bounce-ü@example.com"},
            "admin@example.com",
            "MAIL",
            "bounce-ü@example.com",
        ),
        ({"reply_to": "réponse@example.com"}, "admin@example.com", "MAIL", "réponse@example.com"),
    ],
    ids=["recipient", "sender", "return-path", "reply-to header"],
)
async def test_without_smtputf8_an_address_that_needs_it_fails_before_mail_from(
    db, vault, starttls_server, overrides, to, step, address
):
    account = make_account(vault, starttls_server.port, **overrides)
    lines = []
    outcome = await run(vault, account.code, to=to, lines=lines)
    assert not outcome.ok and outcome.failure.step == step, outcome.verdict
    assert outcome.verdict == (
        f"Failed at {step}: localhost:{starttls_server.port} does not offer SMTPUTF8, "
        f"needed for <{address}> (a part before the @ that is not ASCII): nothing was sent."
    )
    assert "SMTPUTF8" in outcome.failure.hint
    assert starttls_server.handler.commands == [] and starttls_server.handler.received == []
    assert not any(" -> MAIL" in str(line) for line in lines)


async def test_an_internationalised_domain_alone_travels_as_its_a_label_without_smtputf8(
    db, vault, starttls_server
):
    account = make_account(vault, starttls_server.port, email="alerts@bücher.example.com")
    outcome = await run(vault, account.code, to="admin@münchen.example.com")
    assert outcome.ok, outcome.verdict
    [received] = starttls_server.handler.received
    assert received.mail_from == "alerts@xn--bcher-kva.example.com" and not received.smtputf8
    assert received.rcpt_tos == ["admin@xn--mnchen-3ya.example.com"]
    assert b"\nTo: admin@xn--mnchen-3ya.example.com\r\n" in received.raw and received.raw.isascii()
