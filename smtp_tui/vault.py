"""Credential secrets encrypted at rest with Fernet (cryptography).

The key lives in its own file, created 0600 on first use, apart from the database, so a
copied database alone reveals no secret. A key file that others can read is refused.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from smtp_tui.config import ensure_private_dir

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


class VaultError(Exception):
    """The key file is missing, unsafe or does not match; the message says what to do."""


class Vault:
    def __init__(self, key_file: Path):
        self.key_file = Path(key_file)
        self._fernet: Fernet | None = None

    def _load(self, *, create: bool) -> Fernet:
        if self._fernet is not None:
            return self._fernet
        from cryptography.fernet import Fernet  # imported when a secret is first used, not at start-up

        path = self.key_file
        if not path.exists():
            if not create:
                raise VaultError(
                    f"The key file {path} is missing, so stored secrets cannot be read. "
                    "Restore it from a backup, or point --key-file at it."
                )
            self._create_key(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise VaultError(
                f"The key file {path} can be read by other users (mode {mode:04o}). "
                f"Run: chmod 600 {path}"
            )
        try:
            self._fernet = Fernet(path.read_bytes().strip())
        except (ValueError, OSError) as exc:
            raise VaultError(f"The key file {path} is not a valid smtp-tui key: {exc}") from None
        return self._fernet

    @staticmethod
    def _create_key(path: Path) -> None:
        if not path.parent.exists():
            ensure_private_dir(path.parent)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:  # another process created it a moment ago
            return
        from cryptography.fernet import Fernet

        with os.fdopen(fd, "wb") as key_file:
            key_file.write(Fernet.generate_key())

    def encrypt(self, secret: str) -> str:
        """The secret as a token safe to store; creates the key file on first use."""
        return self._load(create=True).encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._load(create=False).decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise VaultError(
                f"The key file {self.key_file} does not match the one the secrets were stored "
                "with. Restore the original key file, or enter the secrets again."
            ) from None
