"""The credential service: user names and secrets that accounts and connectors log in with.

The secret goes through the vault on its way in and is never returned by this module
except by `reveal`, which only the sending path calls.
"""

from __future__ import annotations

from peewee import fn

from smtp_tui import audit, validation
from smtp_tui.errors import NotFound, Refused, ValidationFailed
from smtp_tui.store.database import write_transaction
from smtp_tui.store.models import Credential, NetworkConnector, SmtpAccount, utc_now
from smtp_tui.store.vault import Vault
from smtp_tui.validation import FieldError


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


def save(
    vault: Vault, *, name: str, username: str, secret: str | None, credential_id: int | None = None
) -> Credential:
    """Create a credential, or update one; on an update, `secret` None keeps the stored secret."""
    errors = {}
    for field, label, value in (("name", "Name", name), ("username", "User name", username)):
        try:
            validation.text(value, label, required=True)
        except FieldError as exc:
            errors[field] = str(exc)
    if (credential_id is None or secret is not None) and not secret:
        errors["secret"] = "Secret is required."
    elif secret and not validation.is_text(secret):
        errors["secret"] = "Secret is not valid text: it holds bytes that are not UTF-8, or NUL."
    with write_transaction():
        clash = Credential.select().where(fn.LOWER(Credential.name) == fn.LOWER(name.strip()))
        if credential_id is not None:
            clash = clash.where(Credential.id != credential_id)
        if "name" not in errors and clash.exists():
            errors["name"] = (
                f"A credential named '{name.strip()}' already exists. Choose another name."
            )
        if errors:
            raise ValidationFailed(errors)
        values = {"name": name.strip(), "username": username.strip(), "updated_at": utc_now()}
        if secret:
            values["secret"] = vault.encrypt(secret)
        before = _audit_view(get(credential_id)) if credential_id is not None else {}
        if credential_id is None:
            saved = Credential.create(**values)
        else:
            Credential.update(**values).where(Credential.id == credential_id).execute()
            saved = get(credential_id)
        changes = audit.diff(before, _audit_view(saved))
        if secret:
            changes["secret"] = [audit.SECRET_CHANGED, audit.SECRET_CHANGED]
        if changes:
            audit.record(
                "create" if credential_id is None else "edit",
                "credential",
                saved.id,
                saved.name,
                changes=changes,
            )
        return saved


def _audit_view(credential: Credential) -> dict[str, object]:
    """What the audit trail may show of a credential: never its secret."""
    return {"name": credential.name, "username": credential.username}


def reveal(vault: Vault, credential: Credential) -> str:
    """The plain secret, for logging in to a server. Never show or store what this returns."""
    return vault.decrypt(credential.secret)


def delete(credential_id: int) -> None:
    """Delete a credential nobody uses; refused with the names of its users otherwise."""
    with write_transaction():
        credential = get(credential_id)
        users = [
            a.name
            for a in SmtpAccount.select(SmtpAccount.name).where(
                SmtpAccount.credential == credential_id
            )
        ]
        users += [
            f"connector {c.name}"
            for c in NetworkConnector.select(NetworkConnector.name).where(
                NetworkConnector.credential == credential_id
            )
        ]
        if users:
            raise Refused(
                f"'{credential.name}' is used by {', '.join(sorted(users))}; change those first."
            )
        audit.record(
            "delete",
            "credential",
            credential_id,
            credential.name,
            changes={"name": [credential.name, None], "username": [credential.username, None]},
        )
        credential.delete_instance()
