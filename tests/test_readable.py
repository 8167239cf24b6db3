"""Readable in any colours and on any terminal (issue 16): choices, errors, symbols, notices,
the cursor, times."""

import csv
import json
from datetime import datetime

import openpyxl
import pytest
from textual.command import SearchIcon
from textual.widgets import Footer, Input, Label, Select
from textual.widgets._footer import FooterKey
from textual.widgets._header import HeaderIcon
from textual.widgets._toast import Toast

from smtp_tui import accounts, credentials, demo, glyphs, verdicts
from smtp_tui.app import SmtpApp
from smtp_tui.mail.diagnosis import STEPS
from smtp_tui.reports.export import export_to_file
from smtp_tui.screens.account_form import AccountForm
from smtp_tui.screens.confirm import NoticeModal
from smtp_tui.screens.credentials import CredentialForm
from smtp_tui.screens.report_table import ReportTable
from smtp_tui.screens.widgets import Choice, FormRow, Radio, YesNo
from smtp_tui.store.models import SmtpAccount
from tests.conftest import account_input
from tests.test_report import settle
from tests.test_snapshots import _settled

# The Linux console, a C locale, a non-UTF-8 charset, and an output that is not UTF-8.
NARROW = [
    ({"TERM": "linux", "LANG": "en_US.UTF-8"}, "utf-8"),
    ({"TERM": "xterm-256color", "LC_ALL": "C", "LANG": "en_US.UTF-8"}, "utf-8"),
    ({"TERM": "xterm", "LANG": "POSIX"}, "utf-8"),
    ({"TERM": "xterm", "LC_CTYPE": "de_DE.ISO-8859-1"}, "utf-8"),
    ({"TERM": "xterm"}, "ascii"),
]


@pytest.mark.parametrize("environ, encoding", NARROW)
def test_symbols_fall_back_to_ascii_on_the_console_and_in_a_c_locale(environ, encoding):
    assert glyphs.glyphs(environ, encoding) is glyphs.ASCII
    ascii = glyphs.ASCII
    assert (ascii.app, ascii.ok, ascii.failed, ascii.warning) == ("*", "OK", "X", "!")
    assert ascii.radio_left + ascii.radio_on + ascii.radio_right == "(o)"
    assert all(field.isascii() for field in ascii._asdict().values())


def test_symbols_stay_unicode_in_a_utf8_terminal_and_follow_the_override():
    assert glyphs.glyphs({"TERM": "xterm-256color", "LANG": "C.UTF-8"}, "utf-8") is glyphs.UNICODE
    assert glyphs.glyphs({"TERM": "tmux-256color", "LC_ALL": "en_GB.utf8"}, "utf-8").ok == "✓"
    # No locale set: Python's choice of encoding decides.
    assert glyphs.glyphs({"TERM": "xterm"}, "UTF-8") is glyphs.UNICODE
    assert glyphs.glyphs({"TERM": "linux", "SMTP_TUI_GLYPHS": "unicode"}, "ascii").ok == "✓"
    assert glyphs.glyphs({"LANG": "C.UTF-8", "SMTP_TUI_GLYPHS": "ascii"}, "utf-8").ok == "OK"


def test_last_test_is_absolute_in_what_is_kept_and_relative_on_screen():
    at = datetime(2026, 11, 29, 14, 3, 41)
    assert verdicts.stamp("delivered", at) == "2026-11-29 14:03 UTC ✓"
    assert verdicts.stamp("failed AUTH", at) == "2026-11-29 14:03 UTC ✗ AUTH"
    assert verdicts.stamp("cancelled", at) == "2026-11-29 14:03 UTC – cancelled"
    assert verdicts.stamp(None, None) == "never"
    assert len(verdicts.LONGEST_STEP) == max(len(step) for step in STEPS)
    longest = verdicts.label("failed STARTTLS", datetime(2026, 1, 1), datetime(2026, 3, 1))
    assert longest == "✗ STARTTLS 59d ago" and len(longest) <= verdicts.longest_label()


def test_the_service_names_a_credentials_users_before_a_delete(context):
    credential = credentials.save(context.vault, name="relay", username="svc", secret="pw")
    assert credentials.users(credential.id) == [] and not credentials.delete_refusal(credential.id)
    accounts.save(account_input(2, name="Beta", authentication=True, credential_id=credential.id))
    accounts.save(account_input(1, name="Alpha", authentication=True, credential_id=credential.id))
    assert credentials.users(credential.id) == ["Alpha", "Beta"]
    assert credentials.delete_refusal(credential.id) == (
        "'relay' is used by Alpha, Beta; change those first."
    )


@pytest.fixture
def exported(context, tmp_path):
    accounts.save(account_input(1))
    accounts.save(account_input(2))
    SmtpAccount.update(
        last_test_at=datetime(2026, 11, 29, 14, 3), last_test_outcome="delivered"
    ).where(SmtpAccount.code == 1).execute()
    SmtpAccount.update(
        last_test_at=datetime(2026, 11, 30, 8, 15, 59), last_test_outcome="failed AUTH"
    ).where(SmtpAccount.code == 2).execute()
    return tmp_path


def test_exports_read_back_an_absolute_last_test(exported):
    expected = ["2026-11-29 14:03 UTC ✓", "2026-11-30 08:15 UTC ✗ AUTH"]
    export_to_file("csv", exported / "r.csv")
    with open(exported / "r.csv", encoding="utf-8-sig", newline="") as file:
        assert [row["Last test"] for row in csv.DictReader(file)] == expected
    export_to_file("json", exported / "r.json")
    records = json.loads((exported / "r.json").read_text(encoding="utf-8"))
    assert [record["last_test"] for record in records] == expected
    export_to_file("xlsx", exported / "r.xlsx")
    sheet = openpyxl.load_workbook(exported / "r.xlsx").active
    column = [cell.value for cell in sheet[1]].index("Last test") + 1
    assert [sheet.cell(row, column).value for row in (2, 3)] == expected


# The app ------------------------------------------------------------------------------------


@pytest.fixture
def app(context):
    accounts.save(account_input(1, name="Relay 001", is_default=True))
    return SmtpApp(context)


@pytest.fixture
def console(monkeypatch):
    """The Linux console's environment for an app made in the test; the symbols decided again
    for the tests that follow."""
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("SMTP_TUI_GLYPHS")
    yield
    monkeypatch.undo()
    glyphs.decide()


async def test_the_app_on_the_linux_console_draws_ascii(console, context):
    accounts.save(account_input(1, name="Relay 001", is_default=True))
    app = SmtpApp(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(HeaderIcon).icon == "*"
        assert str(app.screen.query_one(ReportTable).get_cell("1", "is_default")) == "* Yes"
        await pilot.press("slash")
        await pilot.pause()
        status = app.screen.query_one("#filter-status", Choice)
        assert [str(radio._button) for radio in status.query(Radio)] == ["( )", "( )", "(o)"]
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen.query_one(SearchIcon).icon == ">"
        assert "🔎" not in app.export_screenshot() and "⭘" not in app.export_screenshot()


def chosen_look(choice: Choice) -> list[tuple[str, bool, bool]]:
    """Each option: its label, whether it is chosen, whether it is drawn swapped (the
    highlight: the plain options' text colour behind it)."""
    radios = list(choice.query(Radio))
    plain = next(r for r in radios if not r.value).get_visual_style("toggle--label").foreground
    return [
        (str(r.label), r.value, r.get_visual_style("toggle--label").background == plain)
        for r in radios
    ]


async def test_the_highlighted_option_is_the_chosen_one(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        active = app.screen.query_one("#f-active", YesNo)
        default = app.screen.query_one("#f-is_default", YesNo)
        assert chosen_look(default) == [("Yes", True, True), ("No", False, False)]
        # Not focused: the chosen is swapped, the other plain (colours are not needed).
        footer = app.screen.query_one("#f-footer", YesNo)
        assert chosen_look(footer) == [("Yes", False, False), ("No", True, True)]
        assert active._selected == active.pressed_index == 0
        active.focus()
        await pilot.press("right")
        await pilot.pause()
        assert active.value is False and active._selected == active.pressed_index == 1
        await pilot.press("tab")
        await pilot.pause()
        assert chosen_look(active) == [("Yes", False, False), ("No", True, True)]


async def test_an_error_is_marked_and_bold_and_goes_when_new_fills_the_field(app):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        app.screen.query_one("#f-authentication", YesNo).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        row = app.screen.query_one("#row-credential", FormRow)
        error = row.query_one(".form-error")
        assert row.error and str(error.render()) == f"✗ {row.error}"
        assert error.get_visual_style().bold
        app.screen.query_one("#new-credential").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CredentialForm)
        for field, text in (("name", "o365"), ("username", "svc"), ("secret", "pw-1")):
            app.screen.query_one(f"#f-{field}", Input).value = text
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AccountForm)
        assert app.screen.query_one("#f-credential", Select).value == credentials.find("o365").id
        assert not row.has_class("-invalid") and row.error is None


async def test_focusing_a_field_puts_the_cursor_at_its_end(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        email = app.screen.query_one("#f-email", Input)
        email.focus()
        await pilot.pause()
        assert email.cursor_position == len(email.value) and email.selection.is_empty
        await pilot.press("x")
        assert email.value.endswith("x") and len(email.value) > 1


async def test_a_credential_in_use_says_so_before_delete(app, context):
    credential = credentials.save(context.vault, name="relay", username="svc", secret="pw")
    accounts.save(
        account_input(
            1, name="Relay 001", is_default=True, authentication=True, credential_id=credential.id
        ),
        code=1,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("C", "delete")
        await pilot.pause()
        assert isinstance(app.screen, NoticeModal)
        said = str(app.screen.query_one(".question", Label).render())
        assert said == "'relay' is used by Relay 001; change those first."
        await pilot.press("enter")
        assert credentials.all_credentials()


async def toasts(pilot) -> list[Toast]:
    for _ in range(20):
        await pilot.pause(0.05)
        if found := list(pilot.app.screen.query(Toast)):
            return found
    raise AssertionError("no toast")


async def test_toasts_leave_the_pager_and_the_buttons_alone(app):
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.notify("A notice of two lines, long enough to wrap in its box at 80 columns.")
        pager = app.screen.query_one("#pager")
        assert not any(t.region.overlaps(pager.region) for t in await toasts(pilot))
        await pilot.press("n")
        await pilot.pause()
        app.notify("Another notice")
        save = app.screen.query_one("#save")
        assert not any(t.region.overlaps(save.region) for t in await toasts(pilot))


async def test_no_stray_letter_after_the_palette_key(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *["tab"] * 4)
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        palette = footer.query_one(FooterKey.__name__ + ".-command-palette")
        # the key reaches the edge: nothing of the bindings it covers shows past it
        assert palette.region.right == footer.region.right == 80


# Snapshots, without colour -------------------------------------------------------------------


@pytest.fixture
def no_colour_app(context, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    demo.fill(context.vault)
    return SmtpApp(context)


def test_settings_form_errors_without_colour(snap_compare, no_colour_app):
    async def errors(pilot):
        await _settled(pilot, "n")
        pilot.app.screen.query_one("#f-email", Input).value = "not-an-address"
        await _settled(pilot, "ctrl+s")

    assert snap_compare(no_colour_app, terminal_size=(80, 24), run_before=errors)


def test_yes_no_rows_without_colour(snap_compare, no_colour_app):
    async def options(pilot):
        await _settled(pilot, "e")
        pilot.app.screen.query_one("#f-is_default", YesNo).focus()
        await _settled(pilot, "left")

    assert snap_compare(no_colour_app, terminal_size=(80, 24), run_before=options)
