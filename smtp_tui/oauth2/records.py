"""What the grants take and give: plain records, cheap to import (the grants themselves load
authlib and httpx, which a start-up that sends nothing does without)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl


@dataclass(frozen=True)
class Connection:
    """How the token endpoint is reached: the SMTP path's trust, the connector, the timeout."""

    ssl_context: ssl.SSLContext
    proxy: str | None = field(default=None, repr=False)  # may hold the proxy's password
    timeout: float = 30.0


@dataclass(frozen=True)
class Login:
    """What a grant needs of a credential (its secrets decrypted, for this call only)."""

    name: str  # the credential's, for the hints
    kind: str
    mailbox: str
    token_url: str
    device_url: str
    scope: str
    client_id: str
    client_secret: str = field(default="", repr=False)  # or the private key of a certificate
    certificate: str = ""  # the public certificate of a client-certificate login


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    expires_at: datetime  # UTC, naive like every stored time
    refresh_token: str | None = field(default=None, repr=False)  # a new (rotated) one, or None


@dataclass(frozen=True)
class DeviceSignIn:
    """A device sign-in under way (RFC 8628): show the URI and the code; poll with the rest."""

    verification_uri: str
    verification_uri_complete: str | None
    user_code: str
    expires_at: datetime  # UTC
    interval: float
    device_code: str = field(repr=False)


@dataclass(frozen=True)
class IssuedToken:
    """The access token a send logs in with, and whether it is the cached one."""

    access_token: str = field(repr=False)
    expires_at: datetime  # UTC
    reused: bool
