"""Fleet checks (issue 19): the TLS version and certificate expiry each test saw, and the
expiry of each account's certificate as last seen, which the report warns about."""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("smtp_account", "certificate_expires_at", DateTimeField(null=True)),
        migrator.add_column("test_run", "tls_version", CharField(null=True)),
        migrator.add_column("test_run", "certificate_expires_at", DateTimeField(null=True)),
    )
