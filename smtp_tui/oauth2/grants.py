"""The OAuth2 grants an SMTP login needs, by authlib over httpx: client credentials (with a
client secret, or a client certificate as an RFC 7523 private_key_jwt assertion), the device
authorization grant (RFC 8628) and its refresh tokens, and Google's JWT bearer grant for a
service account (RFC 7523). JWTs are signed by authlib (joserfc), never by hand.

Every request goes through httpx with the SSL context the SMTP path uses (the system's trust
store, SSL_CERT_FILE honoured), through the account's connector when it has one (an httpx
proxy URL, socks5:// or http://), within the account's timeout. Every refusal or network
failure becomes a TokenError with the provider's words and a hint (hints.py).
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import authlib.deprecate
import httpx

from smtp_tui.errors import TokenError
from smtp_tui.mail.masking import Masker
from smtp_tui.oauth2 import hints, keys
from smtp_tui.oauth2.records import Connection, DeviceSignIn, Login, Token

# authlib 1.9 warns, on import, that it would rather drive httpx2 (not on PyPI's stable
# track yet); httpx is the one it supports today. The warning would reach a person's terminal.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncAssertionClient, AsyncOAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.jwk import RSAKey

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# RFC 8628 3.2: without an interval, a client waits 5 seconds between polls.
DEFAULT_INTERVAL = 5.0
MIN_INTERVAL = 0.05
# When a token response gives no lifetime: an hour, the usual one.
DEFAULT_LIFETIME = 3600


def _http(connection: Connection) -> dict:
    # trust_env off: as for SMTP, the route is the account's connector, not HTTPS_PROXY.
    return {
        "verify": connection.ssl_context,
        "proxy": connection.proxy,
        "timeout": connection.timeout,
        "trust_env": False,
        "follow_redirects": False,
    }


def _token(body: dict, now: datetime) -> Token:
    lifetime = body.get("expires_in") or DEFAULT_LIFETIME
    try:
        seconds = float(lifetime)
    except (TypeError, ValueError):
        seconds = DEFAULT_LIFETIME
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise TokenError(
            "",
            "",
            hints.NOT_A_TOKEN_ENDPOINT,
            summary="The token endpoint answered without an access token",
        )
    refresh = body.get("refresh_token")
    return Token(access, now + timedelta(seconds=seconds), refresh if refresh else None)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def _guarded(login: Login, url: str, work, timeout: float | None):
    """Run one request of a grant; every way it fails becomes a TokenError."""
    try:
        async with asyncio.timeout(timeout):
            return await work()
    except OAuthError as exc:
        # A careless or hostile endpoint may echo what it was sent: the secret is masked.
        mask = Masker([(login.client_id, login.client_secret)])
        error, description = mask(exc.error or ""), mask(exc.description or "")
        raise TokenError(
            error, description, hints.for_refusal(login, error, description), url=url
        ) from None
    except TimeoutError:
        raise TokenError(
            "", f"no answer within {timeout:g} s", hints.UNREACHABLE, url=url
        ) from None
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        raise TokenError(
            "", f"it answered HTTP {status} without an OAuth2 error", hints.NOT_A_TOKEN_ENDPOINT,
            url=url,
        ) from None  # fmt: skip
    except (httpx.HTTPError, ValueError, OSError) as exc:
        raise hints.network_error(exc, url) from None


async def client_credentials(login: Login, connection: Connection) -> Token:
    """An application's token (client credentials), proven by the client secret or, when the
    login has a certificate, by a JWT signed with its private key (private_key_jwt, RS256,
    x5t and x5t#S256 naming the certificate)."""
    secret: str | RSAKey = login.client_secret
    if login.certificate:
        method = PrivateKeyJWT(login.token_url, headers=keys.thumbprints(login.certificate))
        secret = RSAKey.import_key(login.client_secret)
    else:
        method = "client_secret_post"
    now = _now()
    async with AsyncOAuth2Client(
        client_id=login.client_id,
        client_secret=secret,
        token_endpoint_auth_method=method,
        scope=login.scope,
        **_http(connection),
    ) as client:
        body = await _guarded(
            login,
            login.token_url,
            lambda: client.fetch_token(
                login.token_url, grant_type="client_credentials", client_id=login.client_id
            ),
            connection.timeout,
        )
    return _token(body, now)


def _public_or_confidential(login: Login, connection: Connection) -> AsyncOAuth2Client:
    """A device-code login's client: public (client_id only) or with its client secret."""
    return AsyncOAuth2Client(
        client_id=login.client_id,
        client_secret=login.client_secret or None,
        token_endpoint_auth_method="client_secret_post" if login.client_secret else "none",
        scope=login.scope,
        **_http(connection),
    )


async def refresh(login: Login, connection: Connection, refresh_token: str) -> Token:
    """A new access token for a signed-in login; `refresh_token` of the result is set only
    when the provider rotated it (a new one to keep in place of the old)."""
    now = _now()
    async with _public_or_confidential(login, connection) as client:
        body = await _guarded(
            login,
            login.token_url,
            lambda: client.refresh_token(login.token_url, refresh_token=refresh_token),
            connection.timeout,
        )
    token = _token(body, now)
    rotated = token.refresh_token if token.refresh_token != refresh_token else None
    return Token(token.access_token, token.expires_at, rotated)


async def service_account(login: Login, connection: Connection) -> Token:
    """A Google service account's token acting as the mailbox (domain-wide delegation): a JWT
    signed with the key's private key (RS256: iss the service account, sub the mailbox, scope,
    aud the token URI) exchanged by the JWT bearer grant."""
    key = keys.service_account_key(login.client_secret)
    header = {"alg": "RS256", **({"kid": key.private_key_id} if key.private_key_id else {})}
    now = _now()
    async with AsyncAssertionClient(
        token_endpoint=login.token_url,
        issuer=key.client_email,
        subject=login.mailbox,
        audience=login.token_url,
        claims={"scope": login.scope},
        key=RSAKey.import_key(key.private_key),
        header=header,
        **_http(connection),
    ) as client:
        body = await _guarded(login, login.token_url, client.refresh_token, connection.timeout)
    return _token(body, now)


async def start_device(login: Login, connection: Connection) -> DeviceSignIn:
    """Ask the device authorization endpoint for a code a person enters at its URI."""
    now = _now()
    async with _public_or_confidential(login, connection) as client:
        response = await _guarded(
            login,
            login.device_url,
            lambda: client.request(
                "POST",
                login.device_url,
                withhold_token=True,
                data={"client_id": login.client_id, "scope": login.scope},
            ),
            connection.timeout,
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    if "error" in body or response.status_code != 200:
        error = str(body.get("error") or f"HTTP {response.status_code}")
        description = str(body.get("error_description") or "")
        raise TokenError(
            error, description, hints.for_refusal(login, error, description), url=login.device_url
        )
    try:
        uri = body.get("verification_uri") or body["verification_url"]  # Google's older name
        return DeviceSignIn(
            verification_uri=str(uri),
            verification_uri_complete=body.get("verification_uri_complete"),
            user_code=str(body["user_code"]),
            expires_at=now + timedelta(seconds=float(body.get("expires_in") or 900)),
            interval=max(float(body.get("interval") or DEFAULT_INTERVAL), MIN_INTERVAL),
            device_code=str(body["device_code"]),
        )
    except (KeyError, TypeError, ValueError):
        raise TokenError(
            "", "its answer is not a device authorization", hints.NOT_A_TOKEN_ENDPOINT,
            url=login.device_url,
        ) from None  # fmt: skip


async def finish_device(
    login: Login,
    connection: Connection,
    sign_in: DeviceSignIn,
    on_wait: Callable[[], None] | None = None,
) -> Token:
    """Poll the token endpoint until the person approves (a token with its refresh token),
    declines or lets the code expire (TokenError), honouring authorization_pending and
    slow_down. Cancelling the task stops it at once."""
    interval = sign_in.interval
    async with _public_or_confidential(login, connection) as client:
        while True:
            now = _now()
            try:
                body = await _guarded(
                    login,
                    login.token_url,
                    lambda: client.fetch_token(
                        login.token_url, grant_type=DEVICE_GRANT, device_code=sign_in.device_code
                    ),
                    connection.timeout,
                )
                return _token(body, now)
            except TokenError as exc:
                if exc.error == "slow_down":
                    interval += 5  # RFC 8628 3.5
                elif exc.error != "authorization_pending":
                    raise
            if _now() >= sign_in.expires_at:
                raise TokenError(
                    "expired_token",
                    "the code expired before the sign-in was approved",
                    hints.for_refusal(login, "expired_token", ""),
                    url=login.token_url,
                )
            if on_wait is not None:
                on_wait()
            await asyncio.sleep(interval)


async def fetch(login: Login, connection: Connection, refresh_token: str = "") -> Token:
    """A new access token by the grant of the login's kind (a device-code login by its
    refresh token)."""
    if login.kind == "oauth2-client-credentials":
        return await client_credentials(login, connection)
    if login.kind == "google-service-account":
        return await service_account(login, connection)
    if login.kind == "oauth2-device-code":
        if not refresh_token:
            raise TokenError(
                "not_signed_in",
                "",
                hints.sign_in(login.name),
                summary=f"Nobody has signed in to '{login.name}' yet",
            )
        return await refresh(login, connection, refresh_token)
    raise ValueError(f"{login.kind} is not an OAuth2 login")
