"""Report schedules and the record of each scheduled run."""

import datetime

from peewee import *


def up(migrator, db):
    class SmtpAccount(db.Model):
        code = AutoField()

        class Meta:
            table_name = "smtp_account"

    class ReportSchedule(db.Model):
        frequency = CharField()
        weekday = IntegerField(null=True)
        day_of_month = IntegerField(null=True)
        time_of_day = CharField()
        timezone = CharField()
        recipients = TextField()
        format = CharField()
        filters = TextField(default="{}")
        sort_column = CharField(default="code")
        sort_descending = BooleanField(default=False)
        account = ForeignKeyField(SmtpAccount, null=True, on_delete="SET NULL")
        paused = BooleanField(default=False)
        next_run_at = DateTimeField(index=True)
        last_run_at = DateTimeField(null=True)
        last_outcome = CharField(null=True)
        claimed_until = DateTimeField(null=True)
        claimed_by = CharField(null=True)
        created_by = CharField(default="")
        created_at = DateTimeField(default=datetime.datetime.now)
        updated_at = DateTimeField(default=datetime.datetime.now)

        class Meta:
            table_name = "report_schedule"

    class ScheduleRun(db.Model):
        schedule = ForeignKeyField(ReportSchedule, on_delete="CASCADE", index=True)
        started_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        outcome = CharField()
        rows = IntegerField(default=0)
        summary = TextField(default="")
        run_by = CharField(default="")

        class Meta:
            table_name = "schedule_run"

    db.create_tables([ReportSchedule, ScheduleRun])
