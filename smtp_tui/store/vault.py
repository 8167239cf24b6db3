"""Credential secrets encrypted at rest with Fernet (cryptography).

The key lives in its own file, created 0600 on first use, apart from the database, so a
copied database alone reveals no secret. A key file that others can read is refused.

A database's secrets are all stored with one key. The database keeps the key's fingerprint
(through `KeyRecords`), so a key file that went missing is never silently replaced by a new
key, and a wrong key file is refused before anything is stored with it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from smtp_tui.errors import ServiceError
from smtp_tui.store.config import ensure_private_dir

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

FINGERPRINT_LABEL = b"smtp-tui key fingerprint v1"


class VaultError(ServiceError):
    """The key file is missing, unsafe or does not match; the message says what to do. A refusal
    like the services', so every screen that shows those shows this one too."""


class KeyRecords(Protocol):
    """What the database knows of the key its secrets are stored with."""

    def fingerprint(self) -> str | None:
        """The recorded fingerprint, or None when none is recorded yet."""

    def a_secret(self) -> str | None:
        """One stored secret (a token) to try a key on, or None when the database holds none."""

    def record(self, fingerprint: str) -> str:
        """Record `fingerprint` unless one is recorded already; returns the one recorded."""


def fingerprint(key: bytes) -> str:
    """A name for `key` that tells keys apart and reveals nothing of it (an HMAC with the key)."""
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:32]


class Vault:
    """Encrypts and decrypts with the key of `key_file`. With `records` (what the database knows of
    its key), a key is checked against the database's before it is used; without, the key file
    alone counts."""

    def __init__(self, key_file: Path, records: KeyRecords | None = None):
        self.key_file = Path(key_file)
        self.records = records
        self._fernet: Fernet | None = None

    def _load(self, *, create: bool) -> Fernet:
        if self._fernet is not None:
            return self._fernet
        path = self.key_file
        recorded = self.records.fingerprint() if self.records else None
        if not self._exists():
            if recorded is not None:
                raise VaultError(
                    f"The key file {path} is missing, and this database already has a key: "
                    "its secrets need that one. Restore the key file from a backup, "
                    "or point --key-file at it: "
                    "smtp-tui does not make another key for a database that has one."
                )
            if not create or (self.records and self.records.a_secret() is not None):
                raise VaultError(
                    f"The key file {path} is missing, so stored secrets cannot be read. "
                    "Restore it from a backup, or point --key-file at it."
                )
            self._create_key()
        key, fernet = self._read_key()
        if self.records:
            self._check_fingerprint(self.records, key, fernet, recorded)
        self._fernet = fernet
        return fernet

    def _exists(self) -> bool:
        try:
            os.stat(self.key_file)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as exc:
            raise VaultError(f"Cannot read the key file {self.key_file}: {exc.strerror}.") from None
        return True

    def _read_key(self) -> tuple[bytes, Fernet]:
        # Imported when a secret is first used, not at start-up.
        from cryptography.fernet import Fernet

        path = self.key_file
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise VaultError(
                    f"The key file {path} can be read by other users (mode {mode:04o}). "
                    f"Run: chmod 600 {path}"
                )
            key = path.read_bytes().strip()
        except OSError as exc:
            raise VaultError(f"Cannot read the key file {path}: {exc.strerror}.") from None
        # What an older version left when the disk was full as it created the key.
        if not key:
            raise VaultError(
                f"The key file {path} is empty, so it holds no key "
                "(making it was interrupted, e.g. by a full disk). "
                "If this database holds no secret yet, "
                "delete the file and smtp-tui makes a new key; "
                "otherwise restore the key file from a backup."
            )
        try:
            return key, Fernet(key)
        except ValueError as exc:
            raise VaultError(f"The key file {path} is not a valid smtp-tui key: {exc}") from None

    def _check_fingerprint(
        self, records: KeyRecords, key: bytes, fernet: Fernet, recorded: str | None
    ) -> None:
        from cryptography.fernet import InvalidToken

        not_this_databases = VaultError(
            f"The key file {self.key_file} is not the key this database's secrets are stored with: "
            "another key file was given (--key-file or SMTP_TUI_KEY_FILE), "
            "or the file was replaced. "
            "Point --key-file at the original key, or restore it from a backup."
        )
        if recorded is None:
            # Secrets stored before fingerprints were: the key that reads them is the database's
            # key.
            stored = records.a_secret()
            if stored is not None:
                try:
                    fernet.decrypt(stored.encode("ascii"))
                except InvalidToken:
                    raise not_this_databases from None
            recorded = records.record(fingerprint(key))
        if recorded != fingerprint(key):
            raise not_this_databases

    def _create_key(self) -> None:
        """Write a new key beside the key file and link it into place: the key file is complete or
        absent, never empty or half-written (a full disk), and a key another process made
        meanwhile is kept, never replaced (a link, unlike a rename, does not overwrite)."""
        from cryptography.fernet import Fernet

        path = self.key_file
        try:
            if not path.parent.exists():
                ensure_private_dir(path.parent)
            temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
            fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
            try:
                with os.fdopen(fd, "wb") as key_file:
                    key_file.write(Fernet.generate_key())
                    key_file.flush()
                    os.fsync(key_file.fileno())
                try:
                    os.link(temporary, path)
                except FileExistsError:
                    # Another process made the key a moment ago: theirs is the key.
                    pass
            finally:
                temporary.unlink(missing_ok=True)
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                # The new name survives a crash along with the key's bytes.
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError as exc:
            raise VaultError(f"Cannot create the key file {path}: {exc.strerror or exc}.") from None

    def encrypt(self, secret: str) -> str:
        """The secret as a token safe to store; creates the key file on first use."""
        return self._load(create=True).encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._load(create=False).decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            # The database's key, if it is checked; an older version could mix keys.
            raise VaultError(
                f"The key file {self.key_file} does not match the one this secret was stored "
                "with. Restore the original key file, or enter the secret again."
            ) from None
