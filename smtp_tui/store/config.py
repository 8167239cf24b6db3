"""Where smtp-tui keeps its things: the database, the key file, the data directory.

Order of precedence for each setting: the command-line option, then the environment
variable, then the default under the user's data directory (platformdirs).
"""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

from smtp_tui import choices
from smtp_tui.escaping import printable, shortened

APP_NAME = "smtp-tui"
DB_ENV = choices.DB_ENV
KEY_FILE_ENV = choices.KEY_FILE_ENV


def data_dir() -> Path:
    """The per-user directory for the default database and key file."""
    return user_data_path(APP_NAME, appauthor=False)


def ensure_private_dir(path: Path) -> None:
    """Create `path` (and parents) as a directory only its owner can enter (0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


@dataclass(frozen=True)
class Config:
    database: str
    key_file: Path

    @classmethod
    def resolve(
        cls, database: str | None = None, key_file: str | os.PathLike | None = None
    ) -> Config:
        """Combine options, environment and defaults into one configuration."""
        database = database or os.environ.get(DB_ENV) or str(data_dir() / "smtp-tui.db")
        key_file = key_file or os.environ.get(KEY_FILE_ENV) or data_dir() / "secret.key"
        return cls(database=database, key_file=Path(key_file).expanduser())


def current_user() -> str:
    """Who is making a change, as recorded on the record and in messages: user@host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        # No passwd entry, e.g. in a bare container.
        user = f"uid {os.getuid()}"
    # USER and LOGNAME come from the environment: kept printable, and short enough for the
    # columns that record it (varchar(255) on PostgreSQL).
    return shortened(printable(f"{user}@{socket.gethostname()}"), 255)
