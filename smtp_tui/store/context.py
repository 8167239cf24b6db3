"""What a running smtp-tui holds on to: its configuration, database and vault."""

from __future__ import annotations

from dataclasses import dataclass, field

import peewee

from smtp_tui.store.config import Config
from smtp_tui.store.database import exposure_warning, open_database
from smtp_tui.store.key_records import DatabaseKeyRecords
from smtp_tui.store.vault import Vault


@dataclass
class AppContext:
    config: Config
    database: peewee.Database
    vault: Vault
    warnings: list[str] = field(default_factory=list)  # for the user, before anything else

    @classmethod
    def open(cls, config: Config) -> AppContext:
        """Open (and migrate) the configured database; raises DatabaseUnavailable."""
        database = open_database(config.database)
        exposed = exposure_warning(database)
        return cls(
            config=config,
            database=database,
            vault=Vault(config.key_file, DatabaseKeyRecords()),
            warnings=[exposed] if exposed else [],
        )
