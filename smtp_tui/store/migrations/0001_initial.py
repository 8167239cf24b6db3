"""The first schema: credentials, network connectors, SMTP accounts, settings."""

import datetime

from peewee import *


def up(migrator, db):
    class Base(db.Model):
        class Meta:
            legacy_table_names = False

    class Credential(Base):
        name = CharField(unique=True)
        username = CharField()
        secret = TextField()
        created_at = DateTimeField(default=datetime.datetime.now)
        updated_at = DateTimeField(default=datetime.datetime.now)

    class NetworkConnector(Base):
        name = CharField(unique=True)
        kind = CharField(default="socks5")
        host = CharField()
        port = IntegerField()
        credential = ForeignKeyField(Credential, null=True, on_delete="RESTRICT")
        created_at = DateTimeField(default=datetime.datetime.now)
        updated_at = DateTimeField(default=datetime.datetime.now)

    class SmtpAccount(Base):
        code = AutoField()
        name = CharField(unique=True)
        active = BooleanField(default=True, index=True)
        email = CharField(index=True)
        reply_to = CharField(default="")
        return_path = CharField(default="")
        confirmation_email = CharField(default="")
        is_default = BooleanField(default=False)
        read_confirmation = BooleanField(default=False)
        force_config = BooleanField(default=False)
        footer = BooleanField(default=False)
        host = CharField()
        port = IntegerField(default=25)
        secure = BooleanField(default=False)
        secure_type = CharField(null=True)
        authentication = BooleanField(default=False)
        ignore_cert_errors = BooleanField(default=False)
        use_connector = BooleanField(default=False)
        connector = ForeignKeyField(NetworkConnector, null=True, on_delete="RESTRICT")
        credential = ForeignKeyField(Credential, null=True, on_delete="RESTRICT")
        created_at = DateTimeField(default=datetime.datetime.now)
        updated_at = DateTimeField(default=datetime.datetime.now)
        updated_by = CharField(default="")
        version = IntegerField(default=1)

    class Setting(Base):
        key = CharField(primary_key=True)
        value = TextField(default="")

    db.create_tables([Credential, NetworkConnector, SmtpAccount, Setting])
    if not db.__class__.__name__.startswith("MySQL"):
        # At most one default account, whatever a buggy or concurrent writer does.
        # MySQL has no partial indexes; the service's transaction still holds the rule.
        db.execute_sql(
            "CREATE UNIQUE INDEX smtp_account_one_default ON smtp_account (is_default) "
            "WHERE is_default"
        )
