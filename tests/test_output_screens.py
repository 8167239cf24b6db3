"""Download, print preview, schedules and the actions menu, driven with Pilot."""

import csv
import os
import stat

import pytest
from textual.widgets import Input

from smtp_tui.app import SmtpApp
from smtp_tui.reports import schedules
from smtp_tui.screens.actions_menu import ActionsMenu
from smtp_tui.screens.confirm import ConfirmModal
from smtp_tui.screens.download import DownloadModal
from smtp_tui.screens.print_preview import PrintPreviewScreen
from smtp_tui.screens.report import ReportScreen
from smtp_tui.screens.schedules import ScheduleForm, SchedulesScreen
from smtp_tui.store.models import ReportSchedule
from tests.test_report import settle, type_into


@pytest.fixture
def app(context, seventy_five, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # downloads and printouts land here
    return SmtpApp(context)


async def wait_for(pilot, condition, seconds=10.0):
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition never came true")


async def test_download_writes_every_filtered_row_and_asks_before_overwriting(app, tmp_path):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_into(pilot, "#filter-name", "alerts")
        await pilot.press("escape", "d")
        assert isinstance(app.screen, DownloadModal)
        path_input = app.screen.query_one("#f-path", Input)
        assert path_input.value.startswith("smtp-accounts-") and path_input.value.endswith(".csv")
        app.screen.query_one("#f-format").value = "json"
        await pilot.pause()
        assert path_input.value.endswith(".json")  # the suggestion follows the format
        app.screen.query_one("#f-format").value = "csv"
        await pilot.pause()
        target = tmp_path / path_input.value  # relative to the current directory
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen))
        rows = list(csv.reader(open(target, encoding="utf-8", newline="")))
        assert len(rows) == 1 + 37 and all(
            "Alerts" in r[1] for r in rows[1:]
        )  # both pages of matches
        open(target, "w").write("precious")
        await pilot.press("d", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert open(target).read() == "precious"
        await pilot.press("ctrl+s", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen))
        assert open(target).read().startswith("Code,Name")


async def test_download_refuses_a_missing_directory_where_it_was_typed(app, tmp_path):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        app.screen.query_one("#f-path", Input).value = str(tmp_path / "nowhere" / "r.csv")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "does not exist" in str(app.screen.query_one("#error-path").render())


async def test_download_through_a_link_names_its_file_and_a_device_is_written_into(app, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("precious")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        app.screen.query_one("#f-path", Input).value = str(link)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert (
            app.screen.question == f"{link} is a link to {real}, which exists. Replace that file?"
        )
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen))
        assert link.is_symlink() and real.read_text().startswith("Code,Name")
        if os.geteuid() == 0:  # a node of /dev/null's device: written into, without a question
            null = tmp_path / "null"
            os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
            await pilot.press("d")
            app.screen.query_one("#f-path", Input).value = str(null)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen))
            assert stat.S_ISCHR(null.lstat().st_mode)


async def test_print_preview_shows_pages_and_saves_the_document(app, tmp_path):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        assert isinstance(app.screen, PrintPreviewScreen)
        text = app.screen.query_one("#document").text
        assert "SMTP Configuration" in text and "Page 1 of 2" in text and "Page 2 of 2" in text
        await pilot.press("s")
        await pilot.pause()
        [saved] = tmp_path.glob("smtp-accounts-*.txt")
        assert "Page 2 of 2" in saved.read_text()
        assert f"Saved to {saved}" in str(app.screen.query_one("#print-status").render())


async def test_schedule_form_keeps_the_filters_and_the_list_pauses(app):
    async with app.run_test(size=(100, 45)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_into(pilot, "#filter-name", "relay")
        await pilot.press("escape", "s")
        assert isinstance(app.screen, ScheduleForm)
        app.screen.query_one("#f-frequency").value = "weekly"
        await pilot.pause()
        assert not app.screen.query_one("#row-weekday").disabled
        assert app.screen.query_one("#row-day_of_month").disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Add at least one recipient." in str(
            app.screen.query_one("#error-recipients").render()
        )
        app.screen.query_one("#f-recipients", Input).value = "ops@example.com"
        app.screen.query_one("#f-timezone", Input).value = "UTC"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        schedule = ReportSchedule.get()
        data = schedules.ScheduleInput.from_schedule(schedule)
        assert (data.frequency, data.weekday, data.filters.name, data.recipients) == (
            "weekly",
            0,
            "relay",
            "ops@example.com",
        )
        await pilot.press("S")
        assert isinstance(app.screen, SchedulesScreen)
        await pilot.press("p")
        await pilot.pause()
        assert schedules.get(schedule.id).paused
        await pilot.press("delete", "y")
        await pilot.pause()
        assert ReportSchedule.select().count() == 0


ACTION_SCREENS = {
    "toggle_search": ReportScreen,
    "refresh": ReportScreen,
    "new_account": "AccountForm",
    "edit_account": "AccountForm",
    "test_account": "ProofScreen",
    "delete_account": ConfirmModal,
    "test_history": "ProofHistoryScreen",
    "clone_account": "AccountForm",
    "previous_page": ReportScreen,
    "next_page": ReportScreen,
    "first_page": ReportScreen,
    "last_page": ReportScreen,
    "cycle_sort": ReportScreen,
    "reverse_sort": ReportScreen,
    "clear_filters": ReportScreen,
    "print_report": PrintPreviewScreen,
    "download": DownloadModal,
    "schedule": ScheduleForm,
    "schedules": SchedulesScreen,
    "credentials": "CredentialsScreen",
    "connectors": "ConnectorsScreen",
    "footer_text": "FooterTextForm",
    "help": "HelpScreen",
    "audit": "AuditScreen",
    # The fleet check lists the 75 accounts, then asks before checking more than 20.
    "fleet_check": ConfirmModal,
    "app.quit": None,
}


@pytest.mark.parametrize("action", list(ACTION_SCREENS))
async def test_the_actions_menu_runs_each_action(app, action):
    async with app.run_test(size=(100, 45)) as pilot:
        await settle(pilot)
        await pilot.press("full_stop")
        menu = app.screen
        assert isinstance(menu, ActionsMenu)
        options = menu.query_one("OptionList")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert set(ids) == set(ACTION_SCREENS)  # every action of the report is in the menu
        options.highlighted = ids.index(action)
        await pilot.press("enter")
        await settle(pilot)
        expected = ACTION_SCREENS[action]
        if expected is None:
            assert not app.is_running
        else:
            name = expected if isinstance(expected, str) else expected.__name__
            await wait_for(pilot, lambda: type(app.screen).__name__ == name)
            if action == "fleet_check":
                assert type(app.screen_stack[-2]).__name__ == "FleetCheckScreen"
                assert app.screen.question.startswith("Check 75 accounts?")
