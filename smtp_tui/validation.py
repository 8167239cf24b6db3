"""One place for the rules of every field a person types, used by the TUI and the CLI alike.

Each check returns the cleaned value or raises `FieldError` with a message written for the
person who typed the value: what is wrong and what to do.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit
from dataclasses import dataclass, fields, replace

from smtp_tui.models import CONNECTOR_KINDS, SECURE_TYPES

NAME_MAX = 100
ADDRESS_MAX = 254
HOST_MAX = 253


class FieldError(ValueError):
    """A single field's value is not acceptable; str(error) is the message to show."""


def single_line(value: str, label: str) -> str:
    """Refuse CR and LF, which would let a value inject headers into a message."""
    if "\r" in value or "\n" in value:
        raise FieldError(f"{label} must be on one line (no line breaks).")
    return value


def readable(value: str, label: str) -> str:
    """Refuse control characters (a terminal would run them) and text that is not valid Unicode
    (a byte that is not UTF-8 on the command line arrives as a lone surrogate)."""
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise FieldError(f"{label} must not contain control characters or bytes that are not text.")
    return value


def text(value: str | None, label: str, *, required: bool, max_length: int = NAME_MAX) -> str:
    value = readable(single_line((value or "").strip(), label), label)
    if required and not value:
        raise FieldError(f"{label} is required.")
    if len(value) > max_length:
        raise FieldError(f"{label} is too long (at most {max_length} characters).")
    return value


def email_address(value: str | None, label: str, *, required: bool = False) -> str:
    """A valid e-mail address (email-validator, no DNS look-up), normalised; '' when optional and empty."""
    value = text(value, label, required=required, max_length=ADDRESS_MAX)
    if not value:
        return ""
    from email_validator import EmailNotValidError, validate_email  # 20 ms to import: on first use

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
    if labels[-1].isdigit():  # 10.0.0.300 is a mistyped address, not a name
        raise FieldError(problem)
    import idna  # on first use, as email_validator above: the report opens without it

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
    if not (value.isascii() and value.isdigit()):  # '²'.isdigit() is True, int('²') is not
        raise FieldError("Code must be a number, such as 12.")
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
        values = {f.name: getattr(account, f.name) for f in fields(cls) if not f.name.endswith("_id")}
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
    cleaned: dict[str, object] = {}

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
        check("secure_type", choice, data.secure_type, SECURE_TYPES,
              "Choose SSL or TLS for the secure connection.")
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


def connector_kind(value: str | None) -> str:
    return choice(value, CONNECTOR_KINDS, "The connector type must be socks5 or http.")


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
        return "Port 587 usually expects TLS (STARTTLS), not SSL: SSL there fails with 'wrong version number'."
    if secure and secure_type == "TLS" and number == 465:
        return "Port 465 usually expects SSL (TLS from the first byte), not STARTTLS: the greeting never comes."
    if not secure and number in (465, 587):
        return f"Port {number} usually expects a secure connection; without one, the password would travel in clear."
    return None


def connector_url(url: str) -> tuple[str, str, int]:
    """`socks5://HOST:PORT` or `http://HOST:PORT` as (kind, host, port)."""
    message = "The connector URL must look like socks5://HOST:PORT or http://HOST:PORT."
    try:
        parts = urlsplit(url.strip())
        kind, hostname, number = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:
        raise FieldError(message) from None
    if kind not in CONNECTOR_KINDS or not hostname or number is None or parts.username or parts.path not in ("", "/"):
        raise FieldError(message)
    return kind, host(hostname), port(number)
