"""Keep the time and outcome of each account's last test e-mail."""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("smtp_account", "last_test_at", DateTimeField(null=True)),
        migrator.add_column("smtp_account", "last_test_outcome", CharField(null=True)),
    )
