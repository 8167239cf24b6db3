"""Credential kinds (issue 15): a password, or one of three OAuth2 logins sent as XOAUTH2.

Existing rows are passwords. The OAuth2 fields are empty for them; the tokens a login earns
(refresh and access tokens) are Fernet tokens like the secret, never the plain values.
"""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("credential", "kind", CharField(default="password")),
        migrator.add_column("credential", "provider", CharField(default="")),
        migrator.add_column("credential", "tenant", CharField(default="")),
        migrator.add_column("credential", "token_url", CharField(default="")),
        migrator.add_column("credential", "device_url", CharField(default="")),
        migrator.add_column("credential", "client_id", CharField(default="")),
        migrator.add_column("credential", "scope", CharField(default="")),
        migrator.add_column("credential", "certificate", TextField(default="")),
        migrator.add_column("credential", "refresh_token", TextField(default="")),
        migrator.add_column("credential", "access_token", TextField(default="")),
        migrator.add_column("credential", "token_expires_at", DateTimeField(null=True)),
        migrator.add_column("credential", "signed_in_at", DateTimeField(null=True)),
    )
