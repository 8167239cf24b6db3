"""What the database knows of the vault's key (vault.KeyRecords): its fingerprint, kept as a
setting, and the stored secrets a key can be tried on."""

from __future__ import annotations

from smtp_tui import audit
from smtp_tui.store.database import write_transaction
from smtp_tui.store.models import Credential, Setting

FINGERPRINT = "key_fingerprint"


class DatabaseKeyRecords:
    """The key records of the models' database."""

    def fingerprint(self) -> str | None:
        setting = Setting.get_or_none(Setting.key == FINGERPRINT)
        return None if setting is None else setting.value

    def a_secret(self) -> str | None:
        # A device-code login may have no secret at all ("").
        credential = (
            Credential.select(Credential.secret)
            .where(Credential.secret != "")
            .order_by(Credential.id)
            .first()
        )
        return None if credential is None else credential.secret

    def record(self, fingerprint: str) -> str:
        with write_transaction():
            # Two appliances sharing a database may record at once: the first one wins, and the
            # other is then told its key is not the database's.
            if (
                Setting.insert(key=FINGERPRINT, value=fingerprint)
                .on_conflict_ignore()
                .as_rowcount()
                .execute()
            ):
                audit.record(
                    "create",
                    "setting",
                    FINGERPRINT,
                    "key fingerprint",
                    changes={FINGERPRINT: [None, fingerprint]},
                    summary="Credential secrets are stored with the key of this fingerprint.",
                )
            # The row is there now: ours, or the other appliance's.
            return Setting.get(Setting.key == FINGERPRINT).value
