"""The credential service: user names and secrets that accounts and connectors log in with,
by password, by OAuth2 (an access token sent as XOAUTH2), or by an SSH key (SSH connectors).

Secrets (passwords, client secrets, private keys, passphrases, JSON keys, tokens) go
through the vault on their way in and are never returned by this module except to the
sending path (`reveal`, `token`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from peewee import fn

from smtp_tui import audit, validation
from smtp_tui.errors import NotFound, Refused, TokenError, ValidationFailed
from smtp_tui.escaping import printable
from smtp_tui.oauth2 import providers
from smtp_tui.oauth2.providers import Endpoints
from smtp_tui.oauth2.records import Connection, DeviceSignIn, IssuedToken, Login, Token
from smtp_tui.store.database import write_transaction
from smtp_tui.store.models import (
    CREDENTIAL_KINDS,
    OAUTH2_PROVIDERS,
    Credential,
    NetworkConnector,
    SmtpAccount,
    utc_now,
)
from smtp_tui.store.vault import Vault
from smtp_tui.validation import CredentialInput

if TYPE_CHECKING:
    import ssl


def all_credentials() -> list[Credential]:
    return list(Credential.select().order_by(fn.LOWER(Credential.name)))


def get(credential_id: int) -> Credential:
    credential = Credential.get_or_none(Credential.id == credential_id)
    if credential is None:
        raise NotFound(f"There is no credential with id {credential_id}; it may have been deleted.")
    return credential


def find(name: str) -> Credential:
    credential = None
    if validation.is_text(name):
        credential = Credential.get_or_none(fn.LOWER(Credential.name) == fn.LOWER(name.strip()))
    if credential is None:
        raise NotFound(f"There is no credential named '{name}'.")
    return credential


KINDS: dict[str, str] = CREDENTIAL_KINDS  # stored kind -> the label people read
PROVIDERS: dict[str, str] = OAUTH2_PROVIDERS
OAUTH2_KINDS = tuple(kind for kind in KINDS if kind not in ("password", "ssh-key"))
# What a login is made of: a change to any of these makes the tokens it earned worthless.
LOGIN_FIELDS = (
    "kind", "username", "provider", "tenant", "token_url", "device_url", "client_id", "scope"
)  # fmt: skip


def save(
    vault: Vault,
    *,
    name: str,
    username: str,
    secret: str | None,
    credential_id: int | None = None,
    kind: str = "password",
    provider: str = "",
    tenant: str = "",
    token_url: str = "",
    device_url: str = "",
    client_id: str = "",
    scope: str = "",
    client_certificate: str | None = None,
    passphrase: str | None = None,
) -> Credential:
    """Create a credential of any kind (KINDS), or update one.

    `secret` is the password, the client secret or the Google service account's JSON key
    (None on an edit keeps the stored one; '' is allowed for a device-code login, a public
    client). `client_certificate` is the text of a PEM file holding the private key and the
    certificate of a client-certificate login (None keeps the stored one). Field errors come
    as ValidationFailed keyed by the form's field names. A change to the login (its kind, the
    mailbox, the URLs, the client, the scope, the secret) drops the tokens it earned: a
    device-code login is then signed in again. For an SSH key (kind "ssh-key"), `secret` is
    the private key (OpenSSH or PEM) and `passphrase` its passphrase, given with the key
    (None or "": none); the key must open with it.
    """
    data = CredentialInput(
        name=name,
        username=username,
        secret=secret,
        kind=kind,
        provider=provider,
        tenant=tenant,
        token_url=token_url,
        device_url=device_url,
        client_id=client_id,
        scope=scope,
        client_certificate=client_certificate,
        passphrase=passphrase,
    )
    with write_transaction():
        stored = get(credential_id) if credential_id is not None else None
        cleaned, errors = validation.validate_credential(data, stored)
        clash = Credential.select().where(fn.LOWER(Credential.name) == fn.LOWER(name.strip()))
        if credential_id is not None:
            clash = clash.where(Credential.id != credential_id)
        if "name" not in errors and clash.exists():
            errors["name"] = (
                f"A credential named '{name.strip()}' already exists. Choose another name."
            )
        if errors:
            raise ValidationFailed(errors)
        new_secret, certificate = cleaned.pop("secret"), cleaned.pop("certificate")
        # The OAuth2 kinds have none; None keeps the stored one (the key is kept).
        new_passphrase = cleaned.pop("passphrase", "")
        values = {**cleaned, "updated_at": utc_now()}
        if new_passphrase is not None:
            values["passphrase"] = vault.encrypt(new_passphrase) if new_passphrase else ""
        if new_secret is not None:
            values["secret"] = vault.encrypt(new_secret) if new_secret else ""
        if certificate is not None:
            values["certificate"] = certificate
        changed_login = (
            stored is None
            or new_secret is not None
            or any(getattr(stored, field) != values[field] for field in LOGIN_FIELDS)
        )
        if stored is not None and changed_login:
            values.update(_NO_TOKENS)
        before = _audit_view(stored) if stored is not None else {}
        if credential_id is None:
            saved = Credential.create(**values)
        else:
            Credential.update(**values).where(Credential.id == credential_id).execute()
            saved = get(credential_id)
        changes = audit.diff(before, _audit_view(saved))
        if new_secret is not None and (new_secret or (stored is not None and stored.secret)):
            changes["secret"] = [audit.SECRET_CHANGED, audit.SECRET_CHANGED]
        if stored is not None and stored.refresh_token and not saved.refresh_token:
            changes["signed in"] = [True, False]
        if changes:
            audit.record(
                "create" if credential_id is None else "edit",
                "credential",
                saved.id,
                saved.name,
                changes=changes,
            )
        return saved


# A login's tokens, cleared when the login changes.
_NO_TOKENS = {
    "refresh_token": "",
    "access_token": "",
    "token_expires_at": None,
    "signed_in_at": None,
}


def _audit_view(credential: Credential) -> dict[str, object]:
    """What the audit trail may show of a credential: never its secret or its tokens."""
    view: dict[str, object] = {"name": credential.name, "username": credential.username}
    if credential.kind == "ssh-key":
        view["kind"] = credential.kind
    if credential.kind in OAUTH2_KINDS:
        view |= {field: getattr(credential, field) for field in LOGIN_FIELDS}
        view["client_auth"] = _client_auth(credential)
    return view


def _client_auth(credential: Credential) -> str:
    """How a client-credentials login proves who it is: 'certificate' or 'secret'; '' else."""
    if credential.kind != "oauth2-client-credentials":
        return ""
    return "certificate" if credential.certificate else "secret"


def endpoints(credential: Credential) -> Endpoints:
    """The token URL, device authorization URL and scope the credential's login uses."""
    return providers.effective(
        credential.provider,
        credential.tenant,
        credential.kind,
        credential.token_url,
        credential.device_url,
        credential.scope,
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


def describe(credential: Credential) -> dict[str, Any]:
    """What `credentials list` (--json) and the screens show of a credential: never a secret."""
    oauth2 = credential.kind in OAUTH2_KINDS
    found = endpoints(credential) if oauth2 else Endpoints("", "", "")
    return {
        "name": credential.name,
        "kind": credential.kind,
        "kind_label": KINDS.get(credential.kind, credential.kind),
        "username": credential.username,
        "provider": credential.provider,
        "tenant": credential.tenant,
        "token_url": found.token_url,
        "device_url": found.device_url if credential.kind == "oauth2-device-code" else "",
        "scope": found.scope,
        "client_id": credential.client_id,
        "client_auth": _client_auth(credential),
        "signed_in": bool(credential.refresh_token),
        "signed_in_at": _iso(credential.signed_in_at),
        "needs_sign_in": needs_sign_in(credential),
        "token_expires": _iso(credential.token_expires_at) if credential.access_token else None,
    }


def needs_sign_in(credential: Credential) -> bool:
    """A device-code login that has no refresh token yet: a person must sign in first."""
    return credential.kind == "oauth2-device-code" and not credential.refresh_token


def read_secret_file(path: str, what: str) -> str:
    """The text of a PEM or JSON key file a person named, for `save`; ValidationFailed keyed by
    `what` (the field's name) when it is missing, unreadable, too large or not text."""
    limit = validation.SECRET_MAX
    if not path.strip():
        raise ValidationFailed({what: "Give the path of the file."})
    try:
        # Looked at before it is opened: opening a FIFO would wait for a writer.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ValidationFailed({what: f"{printable(path)} is not a regular file."})
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ValidationFailed({what: f"Cannot read {printable(path)}: {reason}."}) from None
    if len(data) > limit:
        raise ValidationFailed(
            {what: f"{printable(path)} is too large for a key file (over {limit:,} bytes)."}
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = "\0"
    if not validation.is_text(text):
        raise ValidationFailed(
            {what: f"{printable(path)} is not a text file (a PEM or JSON file is text)."}
        )
    return text


def reveal(vault: Vault, credential: Credential) -> str:
    """The plain secret, for logging in to a server. Never show or store what this returns."""
    return vault.decrypt(credential.secret)


def reveal_passphrase(vault: Vault, credential: Credential) -> str:
    """The SSH key's passphrase ("" when it has none), for opening the key to log in to a
    bastion. Never show or store what this returns."""
    return vault.decrypt(credential.passphrase) if credential.passphrase else ""


# An access token is used until a minute before it expires: a send that starts with one
# that is about to expire could lose it between the token step and AUTH.
TOKEN_MARGIN = timedelta(minutes=1)


def _login(vault: Vault, credential: Credential) -> Login:
    """What the grants need of `credential`, its secret decrypted for this call only."""
    found = endpoints(credential)
    return Login(
        name=credential.name,
        kind=credential.kind,
        mailbox=credential.username,
        token_url=found.token_url,
        device_url=found.device_url,
        scope=found.scope,
        client_id=credential.client_id,
        client_secret=vault.decrypt(credential.secret) if credential.secret else "",
        certificate=credential.certificate,
    )


async def token(
    vault: Vault,
    credential_id: int,
    *,
    ssl_context: ssl.SSLContext,
    proxy: str | None,
    timeout: float,
    now: datetime | None = None,
) -> str:
    """The OAuth2 access token to log in with: the cached one while it is valid until a minute
    before its expiry, else a new one by the kind's grant (kept encrypted with its expiry; a
    refresh token the provider rotated is replaced in the same transaction). Only the sending
    path calls this; never show or store what it returns. Raises TokenError."""
    issued = await issue_token(
        vault, credential_id, ssl_context=ssl_context, proxy=proxy, timeout=timeout, now=now
    )
    return issued.access_token


async def issue_token(
    vault: Vault,
    credential_id: int,
    *,
    ssl_context: ssl.SSLContext,
    proxy: str | None,
    timeout: float,
    now: datetime | None = None,
) -> IssuedToken:
    """`token`, with its expiry and whether it is the cached one (for the transcript)."""
    credential = get(credential_id)
    if credential.kind not in OAUTH2_KINDS:
        raise Refused(f"'{credential.name}' logs in with a password, not an OAuth2 token.")
    moment = now or utc_now()
    expires = credential.token_expires_at
    if credential.access_token and expires is not None and moment < expires - TOKEN_MARGIN:
        return IssuedToken(vault.decrypt(credential.access_token), expires, True)
    # Imported here: authlib and httpx load only when a token is fetched.
    from smtp_tui.oauth2 import grants

    used = vault.decrypt(credential.refresh_token) if credential.refresh_token else ""
    connection = Connection(ssl_context, proxy, timeout)
    try:
        fresh = await grants.fetch(_login(vault, credential), connection, used)
    except TokenError as exc:
        # Another process (a scheduled report, another session) may have refreshed at the same
        # moment, and the provider rotated the refresh token we used: theirs is the one now.
        if (
            exc.error == "invalid_grant"
            and used
            and get(credential_id).refresh_token
            not in (
                "",
                credential.refresh_token,
            )
        ):
            return await issue_token(
                vault, credential_id, ssl_context=ssl_context, proxy=proxy, timeout=timeout
            )
        raise
    _keep_tokens(vault, credential, fresh)
    return IssuedToken(fresh.access_token, fresh.expires_at, False)


def grant_label(credential: Credential) -> str:
    """How the credential gets its access tokens, in a transcript's words."""
    if credential.kind == "oauth2-client-credentials":
        proof = "certificate" if credential.certificate else "secret"
        return f"client credentials with a client {proof}"
    if credential.kind == "oauth2-device-code":
        return "refresh token of the sign-in"
    return "Google service account, acting as the mailbox"


def _keep_tokens(
    vault: Vault, credential: Credential, fresh: Token, *, signed_in: bool = False
) -> int:
    """Store a new access token (and a new refresh token) in one transaction, unless the
    credential changed meanwhile (an edit dropped its tokens, or another process rotated
    them): the new token serves this send either way. Returns the rows changed (0 or 1)."""
    values: dict[str, Any] = {
        "access_token": vault.encrypt(fresh.access_token),
        "token_expires_at": fresh.expires_at,
    }
    if fresh.refresh_token:
        values["refresh_token"] = vault.encrypt(fresh.refresh_token)
    if signed_in:
        values["signed_in_at"] = utc_now()
    with write_transaction():
        query = Credential.update(**values).where(
            Credential.id == credential.id, Credential.updated_at == credential.updated_at
        )
        if not signed_in:
            query = query.where(Credential.refresh_token == credential.refresh_token)
        changed = query.execute()
        if signed_in and changed:
            audit.record(
                "edit",
                "credential",
                credential.id,
                credential.name,
                changes={"signed in": [bool(credential.refresh_token), True]},
                summary=f"Signed in (device code) for {credential.username}",
            )
        return changed


def _connection(vault: Vault, connector_id: int | None, timeout: float) -> Connection:
    import ssl

    # Imported here: the connector service uses this one (a proxy's login is a credential).
    from smtp_tui import connectors

    proxy = connectors.proxy_settings(vault, connector_id).url() if connector_id else None
    # The trust the SMTP path uses: the system's store, SSL_CERT_FILE honoured.
    return Connection(ssl.create_default_context(), proxy, timeout)


def sign_in_route(credential_id: int) -> int | None:
    """The connector a sign-in goes through unless one is named: the one every account using
    the credential sends through (its tokens are fetched that way too), else none."""
    routes = {
        account.connector_id if account.use_connector else None
        for account in SmtpAccount.select(SmtpAccount.use_connector, SmtpAccount.connector).where(
            SmtpAccount.credential == credential_id
        )
    }
    return routes.pop() if len(routes) == 1 else None


def _device_login(vault: Vault, credential_id: int) -> tuple[Credential, Login]:
    credential = get(credential_id)
    if credential.kind != "oauth2-device-code":
        raise Refused(
            f"'{credential.name}' is not an OAuth2 sign-in (device code): "
            "it gets its tokens without a person."
        )
    return credential, _login(vault, credential)


async def start_sign_in(
    vault: Vault, credential_id: int, *, connector_id: int | None = None, timeout: float = 30
) -> DeviceSignIn:
    """Begin a device sign-in: the verification URI and the code a person enters there (on
    any device: what works over SSH). Then `finish_sign_in`. Raises TokenError."""
    from smtp_tui.oauth2 import grants

    credential, login = _device_login(vault, credential_id)
    route = connector_id if connector_id is not None else sign_in_route(credential_id)
    return await grants.start_device(login, _connection(vault, route, timeout))


async def finish_sign_in(
    vault: Vault,
    credential_id: int,
    sign_in: DeviceSignIn,
    *,
    connector_id: int | None = None,
    timeout: float = 30,
    on_wait: Callable[[], None] | None = None,
) -> Credential:
    """Wait until the person approves the sign-in, then keep its refresh and access tokens
    (audited as "signed in"). TokenError when it is declined or expires; cancelling stops the
    wait and stores nothing."""
    from smtp_tui.oauth2 import grants

    credential, login = _device_login(vault, credential_id)
    route = connector_id if connector_id is not None else sign_in_route(credential_id)
    connection = _connection(vault, route, timeout)
    fresh = await grants.finish_device(login, connection, sign_in, on_wait)
    if not _keep_tokens(vault, credential, fresh, signed_in=True):
        raise Refused(
            f"'{credential.name}' was changed or deleted during the sign-in, so its tokens "
            "were not kept. Sign in again."
        )
    return get(credential_id)


def users(credential_id: int) -> list[str]:
    """Who logs in with the credential, sorted: accounts by name, `connector NAME` for network
    connectors. A credential with users cannot be deleted."""
    names = [
        a.name
        for a in SmtpAccount.select(SmtpAccount.name).where(SmtpAccount.credential == credential_id)
    ]
    names += [
        f"connector {c.name}"
        for c in NetworkConnector.select(NetworkConnector.name).where(
            NetworkConnector.credential == credential_id
        )
    ]
    return sorted(names)


def delete_refusal(credential_id: int) -> str | None:
    """Why the credential cannot be deleted (its users), or None: asked before the question
    "Delete?", and again by `delete`."""
    names = users(credential_id)
    if not names:
        return None
    return f"'{get(credential_id).name}' is used by {', '.join(names)}; change those first."


def delete(credential_id: int) -> None:
    """Delete a credential nobody uses; refused with the names of its users otherwise."""
    with write_transaction():
        credential = get(credential_id)
        refusal = delete_refusal(credential_id)
        if refusal:
            raise Refused(refusal)
        audit.record(
            "delete",
            "credential",
            credential_id,
            credential.name,
            changes={"name": [credential.name, None], "username": [credential.username, None]},
        )
        credential.delete_instance()
