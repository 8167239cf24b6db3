"""One place for the rules of every field a person types, used by the TUI and the CLI alike.

Each check returns the cleaned value or raises `FieldError` with a message written for the
person who typed the value: what is wrong and what to do.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import unquote, urlsplit

from smtp_tui.store.models import (
    CONNECTOR_KINDS,
    CREDENTIAL_KINDS,
    OAUTH2_PROVIDERS,
    SECURE_TYPES,
)

NAME_MAX = 100
ADDRESS_MAX = 254
HOST_MAX = 253
SUBJECT_MAX = 998  # RFC 5322's longest line
# A test message may be large on purpose (a server that drops a big DATA).
BODY_MAX = 10_000_000
CODE_MAX = 2**63 - 1  # the largest integer SQLite (and a PostgreSQL bigint) holds


def fold_name(name: str) -> str:
    """A name as it is compared: two names that fold alike are the same name ('Relay' and
    'RELAY', 'École' and 'école'). The one rule: `SmtpAccount.name_folded` holds it under a
    unique index (migration 0010), and imports compare records by it."""
    return name.lower()


class FieldError(ValueError):
    """A single field's value is not acceptable; str(error) is the message to show."""


# What str.splitlines() splits on: a line break in a header value starts a new header.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Bidi embeddings, overrides, isolates and marks: they reorder what is shown around them, so a
# name can read as another ('Relay\u202egnp.exe'), and they are invisible.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def checked_text(value: str, label: str, *, multi_line: bool = False) -> str:
    """The one rule for text a person typed: no bytes that are not text (a byte that is not
    UTF-8 on the command line arrives as a lone surrogate), no line breaks unless `multi_line`
    (then only tab and newline, CRLF read as newline), no other control character (a terminal
    would run it), no bidi control. Returns the value; raises FieldError naming `label`."""
    if multi_line:
        value = value.replace("\r\n", "\n")
    lines = value.replace("\t", " ").split("\n") if multi_line else [value]
    # Nearly every value: no character to look at one by one.
    if all(line.isprintable() for line in lines):
        return value
    allowed = "\t\n" if multi_line else ""
    kinds = {unicodedata.category(c) for c in value if c not in allowed}
    if "Cs" in kinds:
        raise FieldError(f"{label} is not valid text: it holds bytes that are not UTF-8.")
    if not multi_line and not LINE_BREAKS.isdisjoint(value):
        raise FieldError(f"{label} must be on one line (no line breaks).")
    if "Cc" in kinds or "Zl" in kinds or "Zp" in kinds:
        but = " other than tabs and line breaks" if multi_line else ""
        raise FieldError(f"{label} must not contain control characters{but}.")
    if not BIDI_CONTROLS.isdisjoint(value):
        raise FieldError(
            f"{label} must not contain bidi controls (such as U+202E), "
            "which reorder the text shown."
        )
    return value


def is_text(value: str) -> bool:
    """Whether every database driver and encoder takes `value`: no lone surrogate (a byte that
    is not UTF-8) and no NUL (PostgreSQL refuses it). A name failing this names nothing."""
    return "\0" not in value and not any("\ud800" <= c <= "\udfff" for c in value)


def text(value: str | None, label: str, *, required: bool, max_length: int = NAME_MAX) -> str:
    """A one-line value (names, addresses, hosts, subjects): trimmed, `checked_text`, bounded."""
    value = checked_text((value or "").strip(), label)
    if required and not value:
        raise FieldError(f"{label} is required.")
    if len(value) > max_length:
        raise FieldError(f"{label} is too long (at most {max_length} characters).")
    return value


def multi_line_text(value: str | None, label: str, *, max_length: int) -> str:
    """A text of several lines (a body, the footer): `checked_text` with tabs and newlines."""
    value = checked_text(value or "", label, multi_line=True)
    if len(value) > max_length:
        raise FieldError(f"{label} is too long (at most {max_length:,} characters).")
    return value


def email_address(value: str | None, label: str, *, required: bool = False) -> str:
    """A valid e-mail address (email-validator, no DNS look-up), normalised.

    '' when optional and empty.
    """
    value = text(value, label, required=required, max_length=ADDRESS_MAX)
    if not value:
        return ""
    # Imported on first use: its import time (bench/results.md) is not for every start.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise FieldError(f"{label} is not a valid e-mail address: {exc}") from None


def host(value: str | None, label: str = "Host") -> str:
    """A host name (internationalised names allowed), an IPv4 or an IPv6 address."""
    value = text(value, label, required=True, max_length=HOST_MAX)
    bare = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    problem = f"{label} must be a host name (mail.example.com), an IPv4 or an IPv6 address."
    labels = value.rstrip(".").split(".")
    # 10.0.0.300 is a mistyped address, not a name.
    if labels[-1].isdigit():
        raise FieldError(problem)
    # Imported on first use, as email_validator above: the report opens without it.
    import idna

    try:
        idna.encode(value, uts46=True)
    except idna.IDNAError:
        raise FieldError(problem) from None
    return value


def port(value: int | str | None, label: str = "Port") -> int:
    if value is None or str(value).strip() == "":
        raise FieldError(f"{label} is required.")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise FieldError(f"{label} must be a whole number from 1 to 65535.") from None
    if not 1 <= number <= 65535:
        raise FieldError(f"{label} must be a whole number from 1 to 65535.")
    return number


def timeout_seconds(value: int | str | None, label: str = "Timeout") -> int:
    """Seconds each step of a send may take: 1 to 300."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise FieldError(f"{label} must be a whole number of seconds from 1 to 300.") from None
    if not 1 <= number <= 300:
        raise FieldError(f"{label} must be a whole number of seconds from 1 to 300.")
    return number


def account_code(value: int | str | None) -> int | None:
    """The numeric code a person typed to find an account; None when empty."""
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    # '²'.isdigit() is True, int('²') is not.
    if not (value.isascii() and value.isdigit()):
        raise FieldError("Code must be a number, such as 12.")
    # Length first: int() of 4,300+ digits raises.
    if len(value.lstrip("0")) > len(str(CODE_MAX)) or int(value) > CODE_MAX:
        raise FieldError(f"Code must be a number from 0 to {CODE_MAX}.")
    return int(value)


def choice(value: str | None, allowed: Iterable[str], message: str) -> str:
    for option in allowed:
        if (value or "").strip().lower() == option.lower():
            return option
    raise FieldError(message)


@dataclass(frozen=True)
class AccountInput:
    """An account as a person entered it (form or command line), before validation."""

    name: str = ""
    active: bool = True
    email: str = ""
    reply_to: str = ""
    return_path: str = ""
    confirmation_email: str = ""
    is_default: bool = False
    read_confirmation: bool = False
    force_config: bool = False
    footer: bool = False
    host: str = ""
    port: int | str = 25
    secure: bool = False
    secure_type: str | None = None
    authentication: bool = False
    ignore_cert_errors: bool = False
    use_connector: bool = False
    connector_id: int | None = None
    credential_id: int | None = None
    timeout: int | str = 30

    @classmethod
    def from_account(cls, account) -> AccountInput:
        """The input that would save `account` unchanged (for edit forms and the CLI)."""
        values = {
            f.name: getattr(account, f.name) for f in fields(cls) if not f.name.endswith("_id")
        }
        return cls(
            **values,
            connector_id=account.connector_id,
            credential_id=account.credential_id,
        )


def validate_account(data: AccountInput) -> tuple[AccountInput, dict[str, str]]:
    """Check every field of `data` at once.

    Returns the cleaned input (trimmed, addresses normalised, dependent fields cleared
    when their switch is off) and the errors keyed by field name; rules that need the
    database (unique name, existing credential) are the account service's.
    """
    errors: dict[str, str] = {}
    # each field's value, of that field's type
    cleaned: dict[str, Any] = {}

    def check(field: str, rule, *args, **kwargs) -> None:
        try:
            cleaned[field] = rule(*args, **kwargs)
        except FieldError as exc:
            errors[field] = str(exc)

    check("name", text, data.name, "Name", required=True)
    check("email", email_address, data.email, "E-mail", required=True)
    check("reply_to", email_address, data.reply_to, "Reply-to")
    check("return_path", email_address, data.return_path, "Return-path")
    check("confirmation_email", email_address, data.confirmation_email, "Confirmation e-mail")
    check("host", host, data.host)
    check("port", port, data.port)
    check("timeout", timeout_seconds, data.timeout)

    cleaned["secure_type"] = None
    if data.secure:
        check(
            "secure_type",
            choice,
            data.secure_type,
            SECURE_TYPES,
            "Choose SSL or TLS for the secure connection.",
        )
    cleaned["credential_id"] = None
    if data.authentication:
        if data.credential_id is None:
            errors["credential"] = "Choose the credential to authenticate with."
        cleaned["credential_id"] = data.credential_id
    cleaned["connector_id"] = None
    if data.use_connector:
        if data.connector_id is None:
            errors["connector"] = "Choose the network connector to reach the server through."
        cleaned["connector_id"] = data.connector_id

    return replace(data, **{k: v for k, v in cleaned.items() if k not in errors}), errors


def validate_test_message(
    recipient: str, subject: str, body: str
) -> tuple[dict[str, str], dict[str, str]]:
    """A test e-mail's recipient, subject (one line: it becomes a header) and body (several
    lines), checked at once: the cleaned values and the errors, each keyed by field name."""
    rules = {
        "recipient": lambda: email_address(recipient, "Recipient", required=True),
        "subject": lambda: text(subject, "Subject", required=False, max_length=SUBJECT_MAX),
        "body": lambda: multi_line_text(body, "Body", max_length=BODY_MAX),
    }
    cleaned, errors = {}, {}
    for field, rule in rules.items():
        try:
            cleaned[field] = rule()
        except FieldError as exc:
            errors[field] = str(exc)
    return cleaned, errors


def connector_kind(value: str | None) -> str:
    return choice(value, CONNECTOR_KINDS, "The connector type must be socks5, http or ssh.")


# The ports each kind of connection usually listens on (RFC 8314 for 465, RFC 6409 for 587).
WELL_KNOWN_PORTS = {None: 25, "SSL": 465, "TLS": 587}


def suggested_port(secure: bool, secure_type: str | None) -> int:
    """The usual port for a connection: 25 plain, 465 SSL, 587 TLS (STARTTLS)."""
    return WELL_KNOWN_PORTS[secure_type if secure and secure_type in SECURE_TYPES else None]


def port_warning(secure: bool, secure_type: str | None, port: int | str | None) -> str | None:
    """A warning for a well-known mismatch of port and security, before anyone sends a test."""
    try:
        number = int(str(port).strip())
    except ValueError:
        return None
    if secure and secure_type == "SSL" and number == 587:
        return (
            "Port 587 usually expects TLS (STARTTLS), not SSL: "
            "SSL there fails with 'wrong version number'."
        )
    if secure and secure_type == "TLS" and number == 465:
        return (
            "Port 465 usually expects SSL (TLS from the first byte), not STARTTLS: "
            "the greeting never comes."
        )
    if not secure and number in (465, 587):
        return (
            f"Port {number} usually expects a secure connection; "
            "without one, the password would travel in clear."
        )
    return None


def connector_url(url: str) -> tuple[str, str, int, str]:
    """`socks5://HOST:PORT`, `http://HOST:PORT` or `ssh://USER@HOST[:PORT]` as (kind, host,
    port, the SSH user or "" for a proxy)."""
    message = "The connector URL must look like socks5://HOST:PORT, http://HOST:PORT or "
    message += "ssh://USER@HOST[:PORT]."
    try:
        parts = urlsplit(url.strip())
        kind, hostname, user = parts.scheme.lower(), parts.hostname, unquote(parts.username or "")
        number = parts.port or (SSH_PORT if kind == "ssh" else None)
    except ValueError:
        raise FieldError(message) from None
    if (
        kind not in CONNECTOR_KINDS
        or not hostname
        or number is None
        or parts.password is not None
        or bool(user) != (kind == "ssh")
        or parts.path not in ("", "/")
    ):
        raise FieldError(message)
    return kind, host(hostname), port(number), text(user, "SSH user", required=False)


SSH_PORT = 22
FINGERPRINT_PROBLEM = (
    "Host key must be a fingerprint as ssh-keygen -l prints it: SHA256: and 43 characters "
    "(for an MD5 one, with colons, run ssh-keygen -l -E sha256)."
)


def host_key_fingerprint(value: str | None) -> str:
    """A pinned host key, "SHA256:" and the unpadded base64 of 32 bytes as OpenSSH prints it
    (a whole `ssh-keygen -l` line gives its fingerprint; padding is dropped)."""
    words = [
        w for w in text(value, "Host key", required=True).split() if w.upper().startswith("SHA256:")
    ]
    body = words[0][7:].rstrip("=") if len(words) == 1 else "!"
    try:
        digest = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except ValueError:  # binascii.Error
        digest = b""
    if len(digest) != 32:
        raise FieldError(FINGERPRINT_PROBLEM)
    return "SHA256:" + body


def host_key_check(known_hosts: str | None, host_key: str | None) -> tuple[str, str]:
    """How an SSH connector verifies the bastion: exactly one of a known_hosts file (a readable
    file, kept as an absolute path) and a pinned fingerprint, as (known_hosts, host_key)."""
    known_hosts, host_key = (known_hosts or "").strip(), (host_key or "").strip()
    if bool(known_hosts) == bool(host_key):
        raise FieldError(
            "Verify the bastion's host key with a known_hosts file or a pinned fingerprint "
            "(SHA256:...): exactly one of the two"
            + (", not both." if known_hosts else "; Fetch host key shows the one it presents.")
        )
    if host_key:
        return "", host_key_fingerprint(host_key)
    path = os.path.abspath(os.path.expanduser(checked_text(known_hosts, "known_hosts file")))
    if not (os.path.isfile(path) and os.access(path, os.R_OK)):
        raise FieldError(f"{path} is not a readable file: give the path of a known_hosts file.")
    return path, ""


SSH_KEY_MISSING = "Give the SSH private key (OpenSSH or PEM)."
# A PEM file or a JSON key is a few kilobytes; a password far less.
SECRET_MAX = 64 * 1024
OAUTH2_FIELD_MAX = 255  # the URL, client ID and scope columns (VARCHAR(255) on PostgreSQL)
# A Microsoft 365 tenant: its domain (contoso.onmicrosoft.com) or its ID (a GUID).
TENANT_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


def https_url(value: str | None, label: str) -> str:
    """An https:// URL (a token endpoint), or '' when empty: tokens never travel in clear."""
    value = text(value, label, required=False, max_length=OAUTH2_FIELD_MAX)
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        hostname, _ = parts.hostname, parts.port
    except ValueError:
        hostname = None
    if parts.scheme.lower() != "https" or not hostname or parts.username is not None:
        raise FieldError(
            f"{label} must be an https:// URL, such as https://login.example.com/token."
        )
    return value


def tenant(value: str | None) -> str:
    value = text(value, "Tenant", required=True)
    if not set(value) <= TENANT_CHARACTERS:
        raise FieldError(
            "Tenant must be the tenant's domain (contoso.onmicrosoft.com) or its ID (a GUID)."
        )
    return value


def secret_text(value: str, label: str) -> str:
    """A secret as typed or read from a file: any text (a PEM or a JSON key has line breaks)."""
    if not is_text(value):
        raise FieldError(f"{label} is not valid text: it holds bytes that are not UTF-8, or NUL.")
    if len(value) > SECRET_MAX:
        raise FieldError(f"{label} is too long (at most {SECRET_MAX:,} characters).")
    return value


@dataclass(frozen=True)
class CredentialInput:
    """A credential as a person entered it (form or command line), before validation.
    `secret` and `client_certificate` None keep what is stored (on an edit of the same kind)."""

    name: str = ""
    username: str = ""
    secret: str | None = None
    kind: str = "password"
    provider: str = ""
    tenant: str = ""
    token_url: str = ""
    device_url: str = ""
    client_id: str = ""
    scope: str = ""
    client_certificate: str | None = None
    passphrase: str | None = None  # an SSH key's, given with the key ("" or None: it has none)


def validate_credential(
    data: CredentialInput, stored=None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check every field of a credential at once, against the `stored` credential on an edit.

    Returns the values to store and the errors keyed by the form's field names. Among the
    values, `secret` is the plain secret to encrypt (None: keep the stored one; '': none) and
    `certificate` the public certificate of a client-certificate login (None: keep it). The
    fields a kind does not use are cleared; the unique name is the service's rule.
    """
    # Imported here: the presets and the key parsing (cryptography) only matter for OAuth2.
    from smtp_tui.oauth2 import keys, providers

    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = dict.fromkeys(
        ("provider", "tenant", "token_url", "device_url", "client_id", "scope"), ""
    )

    def check(field: str, rule, *args, **kwargs) -> Any:
        try:
            cleaned[field] = rule(*args, **kwargs)
        except FieldError as exc:
            errors[field] = str(exc)
        return cleaned.get(field)

    check("name", text, data.name, "Name", required=True)
    kind = (data.kind or "password").strip()
    if kind not in CREDENTIAL_KINDS:
        errors["kind"] = f"Choose the kind of login: {', '.join(CREDENTIAL_KINDS)}."
        return cleaned, errors
    cleaned["kind"] = kind
    same_kind = stored is not None and stored.kind == kind
    secret, certificate = data.secret, data.client_certificate or None
    cleaned["secret"] = cleaned["certificate"] = None
    if secret is not None:
        label = {"google-service-account": "Service account key", "password": "Secret"}
        check("secret", secret_text, secret, label.get(kind, "Client secret"))
    if kind in ("password", "ssh-key"):
        check("username", text, data.username, "User name", required=True)
        cleaned["certificate"] = ""
        if not secret and not (same_kind and secret is None):
            errors["secret"] = "Secret is required." if kind == "password" else SSH_KEY_MISSING
        elif secret and kind == "ssh-key" and "secret" not in errors:
            # Imported here: asyncssh parses the key, and loads only for SSH.
            from smtp_tui.mail.ssh_keys import key_problem

            errors.update(key_problem(secret, data.passphrase or ""))
        # A new key brings its passphrase; a password none. None keeps the stored one.
        cleaned["passphrase"] = (data.passphrase or "") if secret else None
        return cleaned, errors

    check("username", email_address, data.username, "Mailbox", required=True)
    provider = check(
        "provider",
        choice,
        data.provider or "",
        OAUTH2_PROVIDERS,
        f"Choose the provider: {', '.join(p for p in OAUTH2_PROVIDERS if p)}, or none.",
    )
    if kind == "oauth2-client-credentials" and provider == "google":
        errors["provider"] = (
            "Google has no client-credentials login for SMTP: use a Google service account."
        )
    if provider == "microsoft365":
        check("tenant", tenant, data.tenant)
    check("token_url", https_url, data.token_url, "Token URL")
    if kind == "oauth2-device-code":
        check("device_url", https_url, data.device_url, "Device authorization URL")
    check("scope", text, data.scope, "Scope", required=False, max_length=OAUTH2_FIELD_MAX)

    if kind == "google-service-account":
        cleaned["provider"] = "google"
        if secret:
            try:
                key = keys.service_account_key(secret)
                cleaned["client_id"] = key.client_email
                cleaned["token_url"] = cleaned.get("token_url") or key.token_uri
            except keys.KeyProblem as exc:
                errors["secret"] = str(exc)
        elif same_kind and secret is None:
            cleaned["client_id"] = stored.client_id
            cleaned["token_url"] = cleaned.get("token_url") or stored.token_url
        else:
            errors["secret"] = "Give the service account's JSON key."
        cleaned["certificate"] = ""
    else:
        check(
            "client_id",
            text,
            data.client_id,
            "Client ID",
            required=True,
            max_length=OAUTH2_FIELD_MAX,
        )

    if kind == "oauth2-client-credentials":
        if certificate is not None and secret:
            errors["client_certificate"] = "Give a client secret or a client certificate, not both."
        elif certificate is not None:
            try:
                pair = keys.client_certificate(secret_text(certificate, "Client certificate"))
                cleaned["secret"], cleaned["certificate"] = pair.private_key, pair.certificate
            except (keys.KeyProblem, FieldError) as exc:
                errors["client_certificate"] = str(exc)
        elif secret:
            cleaned["certificate"] = ""
        elif not (same_kind and secret is None):
            errors["secret"] = "Give the client secret, or a client certificate instead."
    if kind == "oauth2-device-code":
        cleaned["certificate"] = ""
        # A public client has no secret: none is kept from another kind.
        if secret is None and not same_kind:
            cleaned["secret"] = ""

    found = providers.effective(
        cleaned.get("provider") or "",
        cleaned.get("tenant") or "",
        kind,
        cleaned.get("token_url") or "",
        cleaned.get("device_url") or "",
        cleaned.get("scope") or "",
    )
    given_by = " or choose a provider" if kind != "google-service-account" else ""
    if not found.token_url and not {"token_url", "tenant", "provider"} & set(errors):
        errors["token_url"] = f"Token URL is required: give it{given_by}."
    if (
        kind == "oauth2-device-code"
        and not found.device_url
        and not errors.keys()
        & {
            "device_url",
            "tenant",
            "provider",
        }
    ):
        errors["device_url"] = f"Device authorization URL is required: give it{given_by}."
    if not found.scope and "scope" not in errors:
        errors["scope"] = f"Scope is required: give it{given_by}."
    return cleaned, errors
