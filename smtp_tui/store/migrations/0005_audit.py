"""The audit trail: who changed what, when, from where."""

from peewee import *


def up(migrator, db):
    class AuditEvent(db.Model):
        at = DateTimeField(index=True)
        user = CharField(index=True)
        client = CharField(default="")
        action = CharField(index=True)
        object_type = CharField()
        object_id = CharField(default="", index=True)
        object_name = CharField(default="")
        changes = TextField(default="{}")
        summary = TextField(default="")

        class Meta:
            table_name = "audit_event"

    db.create_tables([AuditEvent])
