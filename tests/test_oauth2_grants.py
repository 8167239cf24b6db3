"""The OAuth2 grants (smtp_tui/oauth2/grants.py) against a real local HTTPS token endpoint that
checks what a provider checks: secrets, signed client assertions, device codes, refresh tokens,
Google's service-account JWTs."""

import ssl

import pytest

from smtp_tui.errors import TokenError
from smtp_tui.oauth2 import grants
from tests.oauth_servers import (
    CLIENT_ASSERTION,
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOX,
    client_key_pair,
    service_account_json,
)


def connection(timeout: float = 5) -> grants.Connection:
    # Made inside the test: SSL_CERT_FILE (the trustme CA) is set by then.
    return grants.Connection(ssl.create_default_context(), None, timeout)


def login(endpoint, kind="oauth2-client-credentials", **values) -> grants.Login:
    fields = dict(
        name="m365",
        kind=kind,
        mailbox=MAILBOX,
        token_url=endpoint.token_url,
        device_url=endpoint.device_url,
        scope="https://outlook.office365.com/.default",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    return grants.Login(**(fields | values))


async def test_client_credentials_with_a_client_secret(token_endpoint):
    token = await grants.client_credentials(login(token_endpoint), connection())
    assert token_endpoint.valid(token.access_token, MAILBOX)
    assert token.refresh_token is None
    (path, form), = token_endpoint.requests  # fmt: skip
    assert form["grant_type"] == "client_credentials" and form["client_secret"] == CLIENT_SECRET
    assert form["scope"] == "https://outlook.office365.com/.default"


async def test_client_credentials_with_a_client_certificate(token_endpoint):
    pair = client_key_pair()
    token = await grants.client_credentials(
        login(token_endpoint, client_secret=pair.private_key, certificate=pair.certificate),
        connection(),
    )
    assert token_endpoint.valid(token.access_token, MAILBOX)
    (path, form), = token_endpoint.requests  # fmt: skip
    # The endpoint verified the assertion's signature, aud, iss, sub, exp and x5t#S256.
    assert form["client_assertion_type"] == CLIENT_ASSERTION and "client_secret" not in form
    assert "PRIVATE KEY" not in str(form)


async def test_a_certificate_the_application_does_not_know_is_refused(token_endpoint):
    from tests.oauth_servers import service_account_key_pair

    other = service_account_key_pair()
    with pytest.raises(TokenError) as caught:
        await grants.client_credentials(
            login(token_endpoint, client_secret=other.private_key, certificate=other.certificate),
            connection(),
        )
    assert caught.value.error == "invalid_client"
    assert "signature not verified" in caught.value.description
    assert "upload its certificate" in caught.value.hint


@pytest.mark.parametrize(
    ("values", "code", "words"),
    [
        (dict(client_secret="wrong"), "AADSTS7000215", "The client secret is wrong"),
        (dict(client_id="00000000-0000-0000-0000-000000000000"), "AADSTS700016",
         "not found in this tenant"),
    ],
)  # fmt: skip
async def test_the_endpoint_refusals_come_with_their_hint(token_endpoint, values, code, words):
    with pytest.raises(TokenError) as caught:
        await grants.client_credentials(login(token_endpoint, **values), connection())
    assert caught.value.description.startswith(code) and words in caught.value.hint
    assert code in str(caught.value) and CLIENT_SECRET not in str(caught.value)


async def test_device_code_waits_while_pending_then_keeps_the_refresh_token(token_endpoint):
    token_endpoint.pending_polls = 2
    device = login(token_endpoint, "oauth2-device-code", client_secret="")
    sign_in = await grants.start_device(device, connection())
    assert sign_in.verification_uri == f"{token_endpoint.url}/devicelogin"
    assert len(sign_in.user_code) == 8
    waits = []
    token = await grants.finish_device(device, connection(), sign_in, lambda: waits.append(1))
    assert len(waits) == 2 and token.refresh_token in token_endpoint.refresh_tokens
    assert token_endpoint.valid(token.access_token, MAILBOX)
    assert token_endpoint.grant_types() == [grants.DEVICE_GRANT] * 3
    # A public client: nothing secret went with the polls.
    assert all("client_secret" not in form for _, form in token_endpoint.requests)


@pytest.mark.parametrize(
    ("knob", "error", "words"),
    [("deny", "access_denied", "declined"), ("expire", "expired_token", "expired")],
)
async def test_device_code_denied_or_expired(token_endpoint, knob, error, words):
    token_endpoint.pending_polls = 1 if knob == "deny" else 100
    setattr(token_endpoint, knob, True)
    device = login(token_endpoint, "oauth2-device-code", client_secret="")
    sign_in = await grants.start_device(device, connection())
    with pytest.raises(TokenError) as caught:
        await grants.finish_device(device, connection(), sign_in)
    assert caught.value.error == error and words in caught.value.hint
    assert "smtp-tui credentials authorize m365" in caught.value.hint


async def test_refresh_keeps_a_rotated_refresh_token(token_endpoint):
    device = login(token_endpoint, "oauth2-device-code", client_secret="")
    first = await grants.finish_device(
        device, connection(), await grants.start_device(device, connection())
    )
    again = await grants.refresh(device, connection(), first.refresh_token)
    assert again.refresh_token and again.refresh_token != first.refresh_token
    assert token_endpoint.valid(again.access_token, MAILBOX)
    # The old one is spent: the provider rotated it.
    with pytest.raises(TokenError) as caught:
        await grants.refresh(device, connection(), first.refresh_token)
    assert caught.value.error == "invalid_grant" and "authorize m365" in caught.value.hint
    # A provider that does not rotate: nothing new to keep.
    token_endpoint.rotate = False
    kept = await grants.refresh(device, connection(), again.refresh_token)
    assert kept.refresh_token is None


async def test_google_service_account_signs_a_jwt_for_the_mailbox(token_endpoint):
    account = login(
        token_endpoint,
        "google-service-account",
        client_secret=service_account_json(token_endpoint.token_url),
        scope="https://mail.google.com/",
    )
    token = await grants.service_account(account, connection())
    # The endpoint verified RS256, iss, sub, scope and aud; the token acts for the mailbox.
    assert token_endpoint.issued[token.access_token] == MAILBOX
    assert not token_endpoint.valid(token.access_token, "someone.else@contoso.example")
    token_endpoint.error_reply = (
        401,
        {"error": "unauthorized_client", "error_description": "Client is unauthorized to "
         "retrieve access tokens using this method, or client not authorized for any of the "
         "scopes requested."},
    )  # fmt: skip
    with pytest.raises(TokenError) as caught:
        await grants.service_account(account, connection())
    assert "Domain-wide delegation" in caught.value.hint
    assert "https://mail.google.com/" in caught.value.hint


async def test_an_untrusted_endpoint_is_refused(token_endpoint):
    # A context that trusts no CA at all, as a system without the test CA would.
    with pytest.raises(TokenError) as caught:
        await grants.client_credentials(
            login(token_endpoint), grants.Connection(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
        )
    assert "certificate not trusted" in str(caught.value) and "SSL_CERT_FILE" in caught.value.hint
    assert token_endpoint.requests == []  # nothing, the secret least of all, was sent


async def test_nothing_listening_is_a_token_error(token_endpoint):
    from tests.mailservers import free_port

    with pytest.raises(TokenError) as caught:
        await grants.client_credentials(
            login(token_endpoint, token_url=f"https://localhost:{free_port()}/token"),
            connection(),
        )
    assert caught.value.error == "" and "could not be reached" in str(caught.value)


async def test_the_xoauth2_server_takes_only_a_token_the_endpoint_issued(xoauth2_server):
    import aiosmtplib

    endpoint = xoauth2_server.handler.endpoint
    token = await grants.client_credentials(login(endpoint), connection())
    for access, accepted in (("at-forged", False), (token.access_token, True)):
        smtp = aiosmtplib.SMTP(
            hostname="localhost", port=xoauth2_server.port, start_tls=True, timeout=5
        )
        await smtp.connect()
        if accepted:
            await smtp.auth_xoauth2(MAILBOX, access)
        else:
            with pytest.raises(aiosmtplib.SMTPAuthenticationError, match="5.7.3"):
                await smtp.auth_xoauth2(MAILBOX, access)
        await smtp.quit()
    assert xoauth2_server.handler.logins == [
        (MAILBOX, "at-forged"),
        (MAILBOX, token.access_token),
    ]


async def test_an_endpoint_that_echoes_the_secret_has_it_masked(token_endpoint):
    token_endpoint.error_reply = (
        401,
        {"error": "invalid_client", "error_description": f"bad secret {CLIENT_SECRET} given"},
    )
    with pytest.raises(TokenError) as caught:
        await grants.client_credentials(login(token_endpoint), connection())
    assert CLIENT_SECRET not in str(caught.value) and "bad secret ******** given" in str(
        caught.value
    )
