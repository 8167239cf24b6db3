"""What a running smtp-tui holds on to: its configuration, database and vault."""

from __future__ import annotations

from dataclasses import dataclass

import peewee

from smtp_tui.config import Config
from smtp_tui.database import open_database
from smtp_tui.key_records import KeyRecords
from smtp_tui.vault import Vault


@dataclass
class AppContext:
    config: Config
    database: peewee.Database
    vault: Vault

    @classmethod
    def open(cls, config: Config) -> AppContext:
        """Open (and migrate) the configured database; raises DatabaseUnavailable."""
        return cls(config=config, database=open_database(config.database),
                   vault=Vault(config.key_file, KeyRecords()))
