"""SSH network connectors (issue 18): a bastion reached as `ssh -J` would.

A connector gains the SSH login and how the bastion's host key is verified (a known_hosts
file or a pinned SHA256 fingerprint); existing proxies keep "" in all three. A credential
gains the passphrase of an SSH private key, a Fernet token like the secret ("" when none).
"""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("network_connector", "username", CharField(default="")),
        migrator.add_column("network_connector", "known_hosts", TextField(default="")),
        migrator.add_column("network_connector", "host_key", CharField(default="")),
        migrator.add_column("credential", "passphrase", TextField(default="")),
    )
