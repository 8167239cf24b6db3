"""The credential service's tokens: cached encrypted until a minute before expiry, refreshed
after, a rotated refresh token replaced; the device sign-in in two calls; all against the real
local token endpoint."""

import asyncio
import json
import ssl
from datetime import timedelta

import pytest

from smtp_tui import credentials
from smtp_tui.errors import TokenError
from smtp_tui.store.models import AuditEvent, Credential, utc_now
from tests.conftest import stored_bytes
from tests.oauth_servers import CLIENT_ID, CLIENT_SECRET, MAILBOX, service_account_json


def app_login(vault, endpoint, **values):
    return credentials.save(
        vault,
        name="m365-app",
        username=MAILBOX,
        secret=CLIENT_SECRET,
        kind="oauth2-client-credentials",
        token_url=endpoint.token_url,
        scope="https://outlook.office365.com/.default",
        client_id=CLIENT_ID,
        **values,
    )


def device_login(vault, endpoint):
    return credentials.save(
        vault,
        name="m365-user",
        username=MAILBOX,
        secret=None,
        kind="oauth2-device-code",
        token_url=endpoint.token_url,
        device_url=endpoint.device_url,
        scope="https://outlook.office.com/SMTP.Send offline_access",
        client_id=CLIENT_ID,
    )


async def token(vault, credential_id, **kwargs):
    return await credentials.token(
        vault, credential_id, ssl_context=ssl.create_default_context(), proxy=None, timeout=5,
        **kwargs,
    )  # fmt: skip


async def test_an_access_token_is_reused_until_a_minute_before_it_expires(
    vault, context, token_endpoint
):
    saved = app_login(vault, token_endpoint)
    first = await token(vault, saved.id)
    assert token_endpoint.valid(first, MAILBOX)
    assert await token(vault, saved.id) == first
    expires = Credential.get_by_id(saved.id).token_expires_at
    assert await token(vault, saved.id, now=expires - timedelta(seconds=61)) == first
    assert len(token_endpoint.requests) == 1
    # Within the last minute: a new one, kept in place of the old.
    second = await token(vault, saved.id, now=expires - timedelta(seconds=59))
    assert second != first and token_endpoint.valid(second, MAILBOX)
    assert await token(vault, saved.id) == second
    assert len(token_endpoint.requests) == 2
    stored = stored_bytes(context)
    assert first.encode() not in stored and second.encode() not in stored


async def test_a_google_service_account_token(vault, token_endpoint):
    saved = credentials.save(
        vault,
        name="gmail",
        username=MAILBOX,
        secret=service_account_json(token_endpoint.token_url),
        kind="google-service-account",
    )
    assert token_endpoint.issued[await token(vault, saved.id)] == MAILBOX


async def test_device_sign_in_then_refresh_with_rotation(vault, context, token_endpoint):
    saved = device_login(vault, token_endpoint)
    with pytest.raises(TokenError) as caught:
        await token(vault, saved.id)
    assert caught.value.error == "not_signed_in"
    assert "smtp-tui credentials authorize m365-user" in caught.value.hint

    token_endpoint.pending_polls = 1
    sign_in = await credentials.start_sign_in(vault, saved.id, timeout=5)
    assert sign_in.user_code and sign_in.expires_at > utc_now()
    waits = []
    signed = await credentials.finish_sign_in(
        vault, saved.id, sign_in, timeout=5, on_wait=lambda: waits.append(1)
    )
    assert waits == [1] and signed.signed_in_at is not None
    assert not credentials.needs_sign_in(signed) and credentials.describe(signed)["signed_in"]
    (refresh_token,) = token_endpoint.refresh_tokens
    assert vault.decrypt(signed.refresh_token) == refresh_token
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert event.summary.startswith("Signed in") and json.loads(event.changes) == {
        "signed in": [False, True]
    }

    # The token from the sign-in serves until it nears its expiry; then the refresh token.
    first = await token(vault, saved.id)
    later = utc_now() + timedelta(hours=2)
    second = await token(vault, saved.id, now=later)
    assert second != first and token_endpoint.grant_types()[-1] == "refresh_token"
    (rotated,) = token_endpoint.refresh_tokens
    assert rotated != refresh_token
    kept = Credential.get_by_id(saved.id)
    assert vault.decrypt(kept.refresh_token) == rotated  # replaced with the access token
    assert vault.decrypt(kept.access_token) == second
    stored = stored_bytes(context)
    for secret in (refresh_token, rotated, first, second):
        assert secret.encode() not in stored


async def test_a_revoked_sign_in_says_to_sign_in_again(vault, token_endpoint):
    saved = device_login(vault, token_endpoint)
    sign_in = await credentials.start_sign_in(vault, saved.id, timeout=5)
    await credentials.finish_sign_in(vault, saved.id, sign_in, timeout=5)
    token_endpoint.refresh_tokens.clear()  # revoked at the provider
    with pytest.raises(TokenError) as caught:
        await token(vault, saved.id, now=utc_now() + timedelta(hours=2))
    assert caught.value.error == "invalid_grant"
    assert "smtp-tui credentials authorize m365-user" in caught.value.hint


async def test_a_cancelled_sign_in_stores_nothing(vault, token_endpoint):
    saved = device_login(vault, token_endpoint)
    token_endpoint.pending_polls = 10_000
    sign_in = await credentials.start_sign_in(vault, saved.id, timeout=5)
    waiting = asyncio.ensure_future(credentials.finish_sign_in(vault, saved.id, sign_in, timeout=5))
    while not any(form.get("device_code") for _, form in token_endpoint.requests):
        await asyncio.sleep(0.02)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    kept = Credential.get_by_id(saved.id)
    assert (kept.refresh_token, kept.access_token, kept.signed_in_at) == ("", "", None)


async def test_a_declined_sign_in_raises_and_stores_nothing(vault, token_endpoint):
    saved = device_login(vault, token_endpoint)
    token_endpoint.deny = True
    sign_in = await credentials.start_sign_in(vault, saved.id, timeout=5)
    with pytest.raises(TokenError) as caught:
        await credentials.finish_sign_in(vault, saved.id, sign_in, timeout=5)
    assert caught.value.error == "access_denied"
    assert Credential.get_by_id(saved.id).refresh_token == ""


async def test_only_a_device_code_login_signs_in(vault, token_endpoint):
    from smtp_tui.errors import Refused

    saved = app_login(vault, token_endpoint)
    with pytest.raises(Refused, match="without a person"):
        await credentials.start_sign_in(vault, saved.id)
    password = credentials.save(vault, name="relay", username="mailer", secret="pw")
    with pytest.raises(Refused, match="password"):
        await token(vault, password.id)
