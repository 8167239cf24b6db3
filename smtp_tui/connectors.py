"""The network-connector service.

Connectors are the proxies (SOCKS5, HTTP CONNECT) and SSH bastions through which a segregated
appliance reaches its server. An SSH connector always verifies the bastion's host key: by a
known_hosts file or by a pinned SHA256 fingerprint (exactly one of the two).
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
    from smtp_tui.mail.ssh import HostKey, SshSettings
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
    """How a send goes through the connector, with the proxy's login (its secret decrypted).
    Refused for an SSH connector (`ssh_settings`): nothing but SMTP goes through a bastion."""
    # Imported here: python-socks loads only for a send.
    from smtp_tui.mail.connectors import ProxySettings

    connector = get(connector_id)
    if connector.kind == "ssh":
        raise Refused(
            f"'{connector.name}' is an SSH bastion: only the SMTP connection goes through it "
            "(an OAuth2 token endpoint cannot be reached that way yet)."
        )
    user = password = None
    if connector.credential is not None:
        user = connector.credential.username
        password = credentials.reveal(vault, connector.credential)
    return ProxySettings(
        connector.name, connector.kind, connector.host, connector.port, user, password
    )


def ssh_settings(vault: Vault, connector_id: int) -> SshSettings:
    """How a send goes through an SSH connector, its credential's secrets decrypted: a password
    or a private key (with its passphrase). Never show or store what this returns."""
    from smtp_tui.mail.ssh import SshSettings

    connector = get(connector_id)
    if connector.kind != "ssh":
        raise Refused(f"'{connector.name}' is a proxy, not an SSH bastion.")
    password = key = passphrase = None
    credential = connector.credential
    if credential is not None and credential.kind == "ssh-key":
        key = credentials.reveal(vault, credential)
        passphrase = credentials.reveal_passphrase(vault, credential)
    elif credential is not None:
        password = credentials.reveal(vault, credential)
    return SshSettings(
        name=connector.name,
        host=connector.host,
        port=connector.port,
        username=connector.username,
        known_hosts=connector.known_hosts,
        host_key=connector.host_key,
        password=password,
        private_key=key,
        passphrase=passphrase,
        credential_name=credential.name if credential is not None else "",
    )


def host_key_check(connector: NetworkConnector) -> str:
    """How the connector verifies its bastion, in words: 'pinned SHA256:...', 'known_hosts
    FILE', or "" for a proxy."""
    if connector.kind != "ssh":
        return ""
    if connector.host_key:
        return f"pinned {connector.host_key}"
    return f"known_hosts {connector.known_hosts}"


def describe(connector: NetworkConnector) -> dict[str, object]:
    """What `connectors list` (--json) and the screens show of a connector: never a secret."""
    return {
        "name": connector.name,
        "kind": connector.kind,
        "kind_label": KINDS.get(connector.kind, connector.kind),
        "host": connector.host,
        "port": connector.port,
        "username": connector.username,
        "credential": connector.credential.name if connector.credential is not None else None,
        "known_hosts": connector.known_hosts,
        "host_key": connector.host_key,
        "host_key_check": host_key_check(connector),
    }


async def presented_host_key(host: str, port: int | str, timeout: float = 10.0) -> HostKey:
    """The host key the SSH server at host:port presents (its type and SHA256 fingerprint): the
    key exchange only, no login. Raises OSError/TimeoutError/asyncssh errors for the caller to
    word (`mail.ssh.describe_failure`); FieldError for a bad host or port."""
    from smtp_tui.mail import ssh

    return await ssh.presented_host_key(validation.host(host), validation.port(port), timeout)


def compare_host_key(connector: NetworkConnector, found: HostKey) -> str:
    """Whether the key a bastion presents is the one the connector expects, in words."""
    if connector.host_key == found.fingerprint:
        return "It matches the pinned fingerprint."
    if connector.host_key:
        return (
            f"It DIFFERS from the pinned {connector.host_key}: the bastion's key has changed, "
            "or someone is in between. Pin it only once its administrator confirms it."
        )
    from smtp_tui.mail.ssh import known_fingerprints
    from smtp_tui.mail.ssh_errors import KnownHostsUnusable

    path = connector.known_hosts
    try:
        known = known_fingerprints(path, connector.host, connector.port)
    except KnownHostsUnusable as exc:
        return f"{path} cannot be read: {exc.detail}."
    if found.fingerprint in known:
        return f"It is in {path}."
    if known:
        return f"It is NOT the key {path} holds for this host ({', '.join(known)})."
    return f"It is not in {path}."


def pin_host_key(connector_id: int, fingerprint: str) -> NetworkConnector:
    """Trust `fingerprint` for the SSH connector's bastion from now on (trust on first use,
    once a person confirmed it): the pinned key replaces a known_hosts file. Audited."""
    try:
        pinned = validation.host_key_fingerprint(fingerprint)
    except FieldError as exc:
        raise ValidationFailed({"host_key": str(exc)}) from None
    with write_transaction():
        connector = get(connector_id)
        if connector.kind != "ssh":
            raise Refused(f"'{connector.name}' is a proxy: it has no host key to pin.")
        before = _audit_view(connector)
        NetworkConnector.update(host_key=pinned, known_hosts="", updated_at=utc_now()).where(
            NetworkConnector.id == connector_id
        ).execute()
        saved = get(connector_id)
        changes = audit.diff(before, _audit_view(saved))
        if changes:
            audit.record(
                "edit",
                "connector",
                saved.id,
                saved.name,
                changes=changes,
                summary=f"Pinned the host key {pinned} of {saved.host}:{saved.port}",
            )
        return saved


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
    username: str = "",
    known_hosts: str = "",
    host_key: str = "",
) -> NetworkConnector:
    """Create a connector, or update the one with `connector_id`.

    An SSH connector (kind "ssh") needs its login (`username`, the USER of ssh://USER@HOST), a
    credential (a password or an SSH key) and exactly one of `known_hosts` (a file) and
    `host_key` (a pinned "SHA256:..."); a proxy has none of these three.
    """
    with write_transaction():
        values, errors = _checked(
            name=name,
            kind=kind,
            host=host,
            port=port,
            credential_id=credential_id,
            username=username,
            known_hosts=known_hosts,
            host_key=host_key,
        )
        clash = NetworkConnector.select().where(
            fn.LOWER(NetworkConnector.name) == fn.LOWER(name.strip())
        )
        if connector_id is not None:
            clash = clash.where(NetworkConnector.id != connector_id)
        if "name" not in errors and clash.exists():
            errors["name"] = (
                f"A network connector named '{name.strip()}' already exists. Choose another name."
            )
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


def field_errors(
    *,
    name: str,
    kind: str,
    host: str,
    port: int | str,
    credential_id: int | None = None,
    username: str = "",
    known_hosts: str = "",
    host_key: str = "",
) -> dict[str, str]:
    """Each field's error as `save` would say it, without saving (a form checks the field
    left; the unique name is checked by the save)."""
    return _checked(
        name=name,
        kind=kind,
        host=host,
        port=port,
        credential_id=credential_id,
        username=username,
        known_hosts=known_hosts,
        host_key=host_key,
    )[1]


def _checked(
    *,
    name: str,
    kind: str,
    host: str,
    port: int | str,
    credential_id: int | None,
    username: str,
    known_hosts: str,
    host_key: str,
) -> tuple[dict[str, object], dict[str, str]]:
    """The values to keep and the errors, field by field: the rules of a connector but the
    unique name."""
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
    ssh = values.get("kind") == "ssh"
    values |= {"username": "", "known_hosts": "", "host_key": ""}
    if ssh:
        try:
            values["username"] = validation.text(username, "SSH user", required=True)
        except FieldError as exc:
            errors["username"] = str(exc)
        try:
            values["known_hosts"], values["host_key"] = validation.host_key_check(
                known_hosts, host_key
            )
        except FieldError as exc:
            errors[
                "known_hosts" if known_hosts.strip() and not host_key.strip() else "host_key"
            ] = str(exc)
    credential = (
        Credential.get_or_none(Credential.id == credential_id)
        if credential_id is not None
        else None
    )
    if credential_id is not None and credential is None:
        errors["credential"] = "That credential no longer exists. Choose another one."
    elif "kind" not in errors:
        problem = _credential_problem(ssh, credential)
        if problem:
            errors["credential"] = problem
    return values, errors


def _credential_problem(ssh: bool, credential: Credential | None) -> str | None:
    """Why `credential` cannot log in to a connector of this kind, or None."""
    if ssh and credential is None:
        return "Choose the credential to log in to the bastion with: a password or an SSH key."
    if credential is None:
        return None
    if ssh and credential.kind not in ("password", "ssh-key"):
        return "An SSH bastion takes a password or an SSH key, not an OAuth2 login."
    if not ssh and credential.kind != "password":
        return "A proxy logs in with a password: choose a password credential."
    return None


def _audit_view(connector: NetworkConnector) -> dict[str, object]:
    return {
        "name": connector.name,
        "kind": connector.kind,
        "host": connector.host,
        "port": connector.port,
        "credential": connector.credential.name if connector.credential is not None else None,
        "username": connector.username,
        "known_hosts": connector.known_hosts,
        "host_key": connector.host_key,
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
