"""Report schedules: the form (frequency, time, recipients, format, the report's filters) and
the list with next and last runs, where schedules are edited, paused and deleted."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, RadioSet, Select

from smtp_tui import accounts
from smtp_tui.accounts import Filters, Sort
from smtp_tui.reports import schedules
from smtp_tui.reports.export import FORMATS
from smtp_tui.reports.schedules import FREQUENCIES, WEEKDAYS, ScheduleInput
from smtp_tui.screens.feedback import FAILED, attempt
from smtp_tui.screens.forms import RecordForm
from smtp_tui.screens.literal import literal, notify
from smtp_tui.screens.records import RecordListScreen
from smtp_tui.screens.widgets import Choice, FormRow, TextInput, YesNo


class ScheduleForm(RecordForm):
    TALL = True

    def __init__(self, schedule=None, *, filters: Filters = Filters(), sort: Sort = Sort()):
        super().__init__()
        self.schedule = schedule
        self.initial = (
            ScheduleInput.from_schedule(schedule)
            if schedule is not None
            else ScheduleInput(filters=filters, sort=sort)
        )
        self.title_text = (
            f"Edit report schedule {schedule.id}" if schedule else "Schedule the report"
        )

    def body(self) -> ComposeResult:
        data = self.initial
        account_options = [
            (literal(f"{a.name} (code {a.code})"), a.code)
            for a in accounts.iterate(Filters(status="active"))
        ]
        yield Label(
            literal(
                "Filters kept with the schedule: "
                f"{data.filters.describe() or 'none (every account)'}"
                f" · sorted by {data.sort.column}"
            ),
            classes="hint",
        )
        yield FormRow(
            "Frequency",
            Choice([(f, f.capitalize()) for f in FREQUENCIES], data.frequency, id="f-frequency"),
            field="frequency",
        )
        yield FormRow(
            "Day of the week",
            Select(
                [(d, i) for i, d in enumerate(WEEKDAYS)],
                allow_blank=False,
                value=data.weekday if data.weekday is not None else 0,
                id="f-weekday",
                compact=True,
            ),
            field="weekday",
        )
        yield FormRow(
            "Day of the month",
            TextInput(
                str(data.day_of_month or 1),
                id="f-day_of_month",
                restrict=r"[0-9]*",
                max_length=2,
                compact=True,
                classes="port",
            ),
            field="day_of_month",
        )
        yield FormRow(
            "Time (HH:MM)",
            TextInput(
                data.time_of_day, id="f-time_of_day", max_length=5, compact=True, classes="port"
            ),
            field="time_of_day",
            required=True,
        )
        yield FormRow(
            "Time zone",
            TextInput(data.timezone, id="f-timezone", compact=True),
            field="timezone",
            required=True,
        )
        yield FormRow(
            "Recipients",
            TextInput(
                data.recipients,
                id="f-recipients",
                compact=True,
                placeholder="a@example.com, b@example.com",
            ),
            field="recipients",
            required=True,
        )
        yield FormRow(
            "Format",
            Choice([(f, f.upper()) for f in FORMATS], data.format, id="f-format"),
            field="format",
        )
        yield FormRow(
            "Send through",
            Select(
                account_options,
                value=data.account_id or Select.NULL,
                prompt="The default account",
                id="f-account",
                compact=True,
            ),
            field="account",
        )
        yield FormRow("Paused", YesNo(data.paused, id="f-paused"), field="paused")

    def on_mount(self) -> None:
        super().on_mount()
        self._follow_frequency()

    @on(RadioSet.Changed, "#f-frequency")
    def _follow_frequency(self) -> None:
        frequency = self.query_one("#f-frequency", Choice).value
        self.query_one("#row-weekday").disabled = frequency != "weekly"
        self.query_one("#row-day_of_month").disabled = frequency != "monthly"

    def read_input(self) -> ScheduleInput:
        return ScheduleInput(
            frequency=self.query_one("#f-frequency", Choice).value,
            weekday=self.query_one("#f-weekday", Select).selection,
            day_of_month=self.query_one("#f-day_of_month", Input).value,
            time_of_day=self.query_one("#f-time_of_day", Input).value,
            timezone=self.query_one("#f-timezone", Input).value,
            recipients=self.query_one("#f-recipients", Input).value,
            format=self.query_one("#f-format", Choice).value,
            filters=self.initial.filters,
            sort=self.initial.sort,
            account_id=self.query_one("#f-account", Select).selection,
            paused=self.query_one("#f-paused", YesNo).value,
        )

    def snapshot(self) -> object:
        return self.read_input()

    def submit(self) -> int:
        saved = schedules.save(
            self.read_input(), schedule_id=self.schedule.id if self.schedule else None
        )
        notify(
            self,
            f"Scheduled: {schedules.describe(saved)} to {saved.recipients}; next run "
            f"{saved.next_run_at:%Y-%m-%d %H:%M} UTC.",
            timeout=8,
        )
        return saved.id


class SchedulesScreen(RecordListScreen):
    TITLE = "Report schedules"
    NOUN = "schedule"
    COLUMNS = ("When", "Recipients", "Format", "Next run (UTC)", "Last run (UTC)", "State")
    BINDINGS = [
        *RecordListScreen.BINDINGS,
        Binding(
            "p",
            "toggle_pause",
            "Pause/resume",
            tooltip="Pause the highlighted schedule, or resume it",
        ),
    ]

    def records(self):
        return schedules.all_schedules()

    def cells(self, record):
        last = (
            f"{record.last_run_at:%Y-%m-%d %H:%M} {record.last_outcome}"
            if record.last_run_at
            else "never"
        )
        return [
            schedules.describe(record),
            record.recipients,
            record.format.upper(),
            f"{record.next_run_at:%Y-%m-%d %H:%M}",
            last,
            "paused" if record.paused else "active",
        ]

    def form(self, record=None):
        return ScheduleForm(record)

    def delete_record(self, record_id: int) -> None:
        schedules.delete(record_id)

    def label(self, record) -> str:
        return f"{schedules.describe(record)} to {record.recipients}"

    def action_toggle_pause(self) -> None:
        record = self._chosen()
        if record is None:
            return
        result = attempt(
            self, "Not changed", lambda: schedules.set_paused(record.id, not record.paused)
        )
        if result is not FAILED:
            notify(self, f"{'Paused' if result.paused else 'Resumed'}: {self.label(record)}.")
            self.reload(keep_id=record.id)
