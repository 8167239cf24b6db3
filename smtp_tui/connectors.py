"""The network-connector service.

Connectors are the proxies through which a segregated appliance reaches its server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from peewee import fn

from smtp_tui import audit, credentials, validation
from smtp_tui.errors import NotFound, Refused, ValidationFailed
from smtp_tui.store.database import write_transaction
from smtp_tui.store.models import (
    CONNECTOR_KINDS,
    Credential,
    NetworkConnector,
    SmtpAccount,
    utc_now,
)
from smtp_tui.store.vault import Vault

if TYPE_CHECKING:
    from smtp_tui.mail.connectors import ProxySettings
from smtp_tui.validation import FieldError

# The kinds of connector, each with its label: socks5 -> SOCKS5, ...
KINDS = CONNECTOR_KINDS


def all_connectors() -> list[NetworkConnector]:
    return list(NetworkConnector.select().order_by(fn.LOWER(NetworkConnector.name)))


def get(connector_id: int) -> NetworkConnector:
    connector = NetworkConnector.get_or_none(NetworkConnector.id == connector_id)
    if connector is None:
        raise NotFound(
            f"There is no network connector with id {connector_id}; it may have been deleted."
        )
    return connector


def proxy_settings(vault: Vault, connector_id: int) -> ProxySettings:
    """How a send goes through the connector, with the proxy's login (its secret decrypted)."""
    # Imported here: python-socks loads only for a send.
    from smtp_tui.mail.connectors import ProxySettings

    connector = get(connector_id)
    user = password = None
    if connector.credential is not None:
        user = connector.credential.username
        password = credentials.reveal(vault, connector.credential)
    return ProxySettings(
        connector.name, connector.kind, connector.host, connector.port, user, password
    )


def find(name: str) -> NetworkConnector:
    connector = None
    if validation.is_text(name):
        connector = NetworkConnector.get_or_none(
            fn.LOWER(NetworkConnector.name) == fn.LOWER(name.strip())
        )
    if connector is None:
        raise NotFound(f"There is no network connector named '{name}'.")
    return connector


def save(
    *,
    name: str,
    kind: str,
    host: str,
    port: int | str,
    credential_id: int | None = None,
    connector_id: int | None = None,
) -> NetworkConnector:
    """Create a connector, or update the one with `connector_id`."""
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    checks: tuple[tuple[str, Callable[..., object], tuple[object, ...], dict[str, bool]], ...] = (
        ("name", validation.text, (name, "Name"), {"required": True}),
        ("kind", validation.connector_kind, (kind,), {}),
        ("host", validation.host, (host,), {}),
        ("port", validation.port, (port,), {}),
    )
    for field, rule, args, kwargs in checks:
        try:
            values[field] = rule(*args, **kwargs)
        except FieldError as exc:
            errors[field] = str(exc)
    with write_transaction():
        clash = NetworkConnector.select().where(
            fn.LOWER(NetworkConnector.name) == fn.LOWER(name.strip())
        )
        if connector_id is not None:
            clash = clash.where(NetworkConnector.id != connector_id)
        if "name" not in errors and clash.exists():
            errors["name"] = (
                f"A network connector named '{name.strip()}' already exists. Choose another name."
            )
        if (
            credential_id is not None
            and not Credential.select().where(Credential.id == credential_id).exists()
        ):
            errors["credential"] = "That credential no longer exists. Choose another one."
        if errors:
            raise ValidationFailed(errors)
        values |= {"credential": credential_id, "updated_at": utc_now()}
        before = _audit_view(get(connector_id)) if connector_id is not None else {}
        if connector_id is None:
            saved = NetworkConnector.create(**values)
        else:
            NetworkConnector.update(**values).where(NetworkConnector.id == connector_id).execute()
            saved = get(connector_id)
        changes = audit.diff(before, _audit_view(saved))
        if changes:
            audit.record(
                "create" if connector_id is None else "edit",
                "connector",
                saved.id,
                saved.name,
                changes=changes,
            )
        return saved


def _audit_view(connector: NetworkConnector) -> dict[str, object]:
    return {
        "name": connector.name,
        "kind": connector.kind,
        "host": connector.host,
        "port": connector.port,
        "credential": connector.credential.name if connector.credential is not None else None,
    }


def users(connector_id: int) -> list[str]:
    """The names of the accounts that go through the connector, sorted. A connector with
    users cannot be deleted."""
    return sorted(
        a.name
        for a in SmtpAccount.select(SmtpAccount.name).where(SmtpAccount.connector == connector_id)
    )


def delete_refusal(connector_id: int) -> str | None:
    """Why the connector cannot be deleted (its accounts), or None: asked before the question
    "Delete?", and again by `delete`."""
    names = users(connector_id)
    if not names:
        return None
    return f"'{get(connector_id).name}' is used by {', '.join(names)}; change those accounts first."


def delete(connector_id: int) -> None:
    """Delete a connector no account uses; refused with the names of its users otherwise."""
    with write_transaction():
        connector = get(connector_id)
        refusal = delete_refusal(connector_id)
        if refusal:
            raise Refused(refusal)
        audit.record(
            "delete",
            "connector",
            connector_id,
            connector.name,
            changes=audit.diff(_audit_view(connector), {}),
        )
        connector.delete_instance()
