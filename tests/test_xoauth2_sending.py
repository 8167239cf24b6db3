"""Sending through an OAuth2 credential: a token step before connecting, XOAUTH2 at AUTH, each
kind against the real token endpoint and the real XOAUTH2 SMTP server, the token reused and
refreshed, each provider's refusal diagnosed at its step, and the token endpoint reached
through the account's network connector."""

from datetime import timedelta

import pytest

from smtp_tui import accounts, connectors, credentials, proofs
from smtp_tui.errors import TokenError
from smtp_tui.mail.compose import TEST_BODY, TEST_SUBJECT
from smtp_tui.store.models import Credential, TestRun
from tests.conftest import account_input
from tests.oauth_servers import (
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOX,
    client_key_pair,
    service_account_json,
)

TO = "admin@example.com"


def oauth2_credential(vault, endpoint, kind: str, **values):
    common = dict(name=kind, username=MAILBOX, kind=kind, token_url=endpoint.token_url)
    if kind == "oauth2-client-credentials":
        common |= dict(
            secret=CLIENT_SECRET,
            client_id=CLIENT_ID,
            scope="https://outlook.office365.com/.default",
        )
    elif kind == "oauth2-device-code":
        common |= dict(
            secret=None, client_id=CLIENT_ID, device_url=endpoint.device_url,
            scope="https://outlook.office.com/SMTP.Send offline_access",
        )  # fmt: skip
    else:
        common |= dict(secret=service_account_json(endpoint.token_url))
    return credentials.save(vault, **(common | values))


def account_for(server, credential, **values):
    return accounts.save(
        account_input(
            1,
            host="localhost",
            port=server.port,
            email=MAILBOX,
            secure=True,
            secure_type="TLS",
            authentication=True,
            credential_id=credential.id,
            timeout=5,
            **values,
        )
    )


async def run(vault, code):
    attempt = proofs.prepare_saved(code, vault, to=TO, subject=TEST_SUBJECT, body=TEST_BODY)
    lines = []
    outcome = await proofs.Proving(attempt, actor="tester@pam").run(lines.append)
    return outcome, "\n".join(str(line) for line in lines)


async def sign_in(vault, credential):
    started = await credentials.start_sign_in(vault, credential.id, timeout=5)
    await credentials.finish_sign_in(vault, credential.id, started, timeout=5)


@pytest.mark.parametrize(
    "kind", ["secret", "certificate", "oauth2-device-code", "google-service-account"]
)
async def test_each_kind_delivers_with_xoauth2(db, vault, xoauth2_server, kind):
    endpoint = xoauth2_server.handler.endpoint
    if kind == "secret":
        credential = oauth2_credential(vault, endpoint, "oauth2-client-credentials")
    elif kind == "certificate":
        credential = oauth2_credential(
            vault, endpoint, "oauth2-client-credentials", secret=None,
            client_certificate=client_key_pair().pem,
        )  # fmt: skip
    else:
        credential = oauth2_credential(vault, endpoint, kind)
    if kind == "oauth2-device-code":
        await sign_in(vault, credential)
    account = account_for(xoauth2_server, credential)
    outcome, text = await run(vault, account.code)
    assert outcome.ok, text
    [(user, access)] = xoauth2_server.handler.logins
    assert user == MAILBOX and endpoint.valid(access, MAILBOX)
    assert len(xoauth2_server.handler.received) == 1
    assert "=== Fetching an OAuth2 token from https://localhost:" in text
    assert "AUTH XOAUTH2 ********" in text
    assert access not in text and access not in TestRun.get().transcript
    if kind == "oauth2-device-code":
        # The sign-in left a token: the test reused it.
        assert "=== Using the cached token, valid until" in text
    else:
        assert "=== Token received, valid until" in text


async def test_the_token_is_reused_then_refreshed_after_expiry(db, vault, xoauth2_server):
    endpoint = xoauth2_server.handler.endpoint
    credential = oauth2_credential(vault, endpoint, "oauth2-device-code")
    await sign_in(vault, credential)
    account = account_for(xoauth2_server, credential)
    for _ in range(2):
        outcome, text = await run(vault, account.code)
        assert outcome.ok and "Using the cached token" in text
    assert endpoint.grant_types().count("refresh_token") == 0
    # The token is about to expire: the next send refreshes it first, and keeps the rotation.
    Credential.update(
        token_expires_at=Credential.get_by_id(credential.id).token_expires_at - timedelta(hours=2)
    ).where(Credential.id == credential.id).execute()
    outcome, text = await run(vault, account.code)
    assert outcome.ok and "Token received" in text
    assert endpoint.grant_types().count("refresh_token") == 1
    (rotated,) = endpoint.refresh_tokens
    assert vault.decrypt(Credential.get_by_id(credential.id).refresh_token) == rotated
    logins = [token for _, token in xoauth2_server.handler.logins]
    assert logins[0] == logins[1] != logins[2]


AADSTS = {
    "AADSTS7000215": (401, "invalid_client", "Invalid client secret provided.", "secret is wrong"),
    "AADSTS7000222": (401, "invalid_client", "The provided client secret keys are expired.",
                      "has expired"),
    "AADSTS700016": (400, "unauthorized_client", "Application with identifier 'x' was not "
                     "found in the directory.", "not found in this tenant"),
    "AADSTS90002": (400, "invalid_request", "Tenant 'contoso.example' not found.",
                    "tenant is not found"),
}  # fmt: skip


@pytest.mark.parametrize("code", sorted(AADSTS))
async def test_each_microsoft_error_stops_at_the_token_step(db, vault, xoauth2_server, code):
    status, error, text, words = AADSTS[code]
    endpoint = xoauth2_server.handler.endpoint
    endpoint.error_reply = (status, {"error": error, "error_description": f"{code}: {text}"})
    credential = oauth2_credential(vault, endpoint, "oauth2-client-credentials")
    outcome, transcript = await run(vault, account_for(xoauth2_server, credential).code)
    assert outcome.failure.step == "token"
    assert f"{code}: {text}" in outcome.failure.summary and words in outcome.failure.hint
    assert xoauth2_server.handler.logins == [] and xoauth2_server.handler.commands == []
    run_kept = TestRun.get()
    assert (run_kept.step, run_kept.outcome) == ("token", "failed")
    assert CLIENT_SECRET not in transcript + run_kept.summary + run_kept.hint


async def test_a_revoked_sign_in_and_google_delegation_are_diagnosed(db, vault, xoauth2_server):
    endpoint = xoauth2_server.handler.endpoint
    user = oauth2_credential(vault, endpoint, "oauth2-device-code")
    outcome, _ = await run(vault, account_for(xoauth2_server, user).code)
    assert outcome.failure.step == "token"  # nobody signed in yet
    assert "smtp-tui credentials authorize oauth2-device-code" in outcome.failure.hint
    endpoint.error_reply = (
        401,
        {"error": "unauthorized_client", "error_description": "Client is unauthorized to "
         "retrieve access tokens using this method."},
    )  # fmt: skip
    google = oauth2_credential(vault, endpoint, "google-service-account")
    accounts.save(account_input(2, host="localhost", port=xoauth2_server.port, secure=True,
                                secure_type="TLS", authentication=True,
                                credential_id=google.id, timeout=5))  # fmt: skip
    outcome, _ = await run(vault, accounts.find("Account 002").code)
    assert outcome.failure.step == "token" and "Domain-wide delegation" in outcome.failure.hint
    assert xoauth2_server.handler.commands == []


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
            "for the Tenant.",
            f"Set-CASMailbox -Identity {MAILBOX} -SmtpClientAuthenticationDisabled $false",
        ),
        ("535 5.7.3 Authentication unsuccessful", "New-ServicePrincipal"),
    ],
)
async def test_exchange_refusals_at_auth_say_what_to_change(
    db, vault, xoauth2_server, reply, words
):
    xoauth2_server.handler.refusal = reply
    endpoint = xoauth2_server.handler.endpoint
    credential = oauth2_credential(vault, endpoint, "oauth2-client-credentials")
    outcome, text = await run(vault, account_for(xoauth2_server, credential).code)
    assert outcome.failure.step == "AUTH" and words in outcome.failure.hint
    assert xoauth2_server.handler.received == []
    [(_, access)] = xoauth2_server.handler.logins
    assert access not in text


@pytest.mark.parametrize("scheme", ["socks5", "http"])
async def test_the_token_endpoint_is_reached_through_the_connector(
    db, vault, xoauth2_server, scheme, request
):
    proxy = request.getfixturevalue(f"{scheme}_proxy")
    endpoint = xoauth2_server.handler.endpoint
    # The proxy's login is what lets the token request through: a wrong one stops it there.
    # (Wrong first: pproxy's HTTP proxy remembers an address that once logged in.)
    login = credentials.save(vault, name="proxy-login", username="proxyuser", secret="wrong")
    dmz = connectors.save(
        name="dmz", kind=scheme, host="127.0.0.1", port=proxy.port, credential_id=login.id
    )
    credential = oauth2_credential(vault, endpoint, "oauth2-client-credentials")
    account = account_for(xoauth2_server, credential, use_connector=True, connector_id=dmz.id)
    outcome, text = await run(vault, account.code)
    assert outcome.failure.step == "token", text
    assert "network connector" in outcome.failure.hint and endpoint.requests == []
    credentials.save(
        vault, credential_id=login.id, name="proxy-login", username="proxyuser",
        secret="proxy-Pa55",
    )  # fmt: skip
    outcome, text = await run(vault, account.code)
    assert outcome.ok, text
    assert "(client credentials with a client secret) through the" in text
    assert "proxy-Pa55" not in text and len(endpoint.requests) == 1


async def test_an_edited_host_gets_no_token(db, vault, xoauth2_server):
    from dataclasses import replace

    from smtp_tui.errors import Refused
    from smtp_tui.validation import AccountInput

    endpoint = xoauth2_server.handler.endpoint
    account = account_for(
        xoauth2_server, oauth2_credential(vault, endpoint, "oauth2-client-credentials")
    )
    edited = replace(AccountInput.from_account(account), host="127.0.0.1")
    # Nobody types a token: the test waits for a save rather than asking for a secret.
    assert not proofs.needs_typed_secret(edited, account)
    with pytest.raises(Refused, match="Save the account first"):
        proofs.prepare(
            edited, vault, to=TO, subject=TEST_SUBJECT, body=TEST_BODY, saved=account,
            typed_secret="typed",
        )  # fmt: skip
    assert endpoint.requests == []


async def test_a_sign_in_goes_the_way_the_accounts_using_it_send(
    db, vault, xoauth2_server, socks5_proxy
):
    endpoint = xoauth2_server.handler.endpoint
    login = credentials.save(vault, name="proxy-login", username="proxyuser", secret="wrong")
    dmz = connectors.save(
        name="dmz", kind="socks5", host="127.0.0.1", port=socks5_proxy.port, credential_id=login.id
    )
    credential = oauth2_credential(vault, endpoint, "oauth2-device-code")
    assert credentials.sign_in_route(credential.id) is None
    account_for(xoauth2_server, credential, use_connector=True, connector_id=dmz.id)
    assert credentials.sign_in_route(credential.id) == dmz.id
    # The proxy refuses the wrong login, so the device request never reaches the endpoint.
    with pytest.raises(TokenError):
        await credentials.start_sign_in(vault, credential.id, timeout=5)
    assert endpoint.requests == []
    # With the proxy's right login, the sign-in goes through it.
    credentials.save(
        vault, credential_id=login.id, name="proxy-login", username="proxyuser",
        secret="proxy-Pa55",
    )  # fmt: skip
    await sign_in(vault, credential)
    assert credentials.describe(credentials.get(credential.id))["signed_in"]
    assert len(endpoint.requests) >= 2
