"""A timeout per account, and every test e-mail attempt kept as a TestRun."""

import datetime

from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("smtp_account", "timeout", IntegerField(default=30)))

    class SmtpAccount(db.Model):
        code = AutoField()

        class Meta:
            table_name = "smtp_account"

    class TestRun(db.Model):
        account = ForeignKeyField(SmtpAccount, on_delete="CASCADE", index=True)
        started_at = DateTimeField(default=datetime.datetime.now, index=True)
        started_by = CharField(default="")
        recipient = CharField(default="")
        mode = CharField(default="send")
        outcome = CharField()
        step = CharField(default="")
        summary = TextField(default="")
        hint = TextField(default="")
        duration_ms = IntegerField(default=0)
        transcript = TextField(default="")

        class Meta:
            table_name = "test_run"

    db.create_tables([TestRun])
