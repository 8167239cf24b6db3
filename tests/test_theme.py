"""Colours come from the theme: switching it recolours the transcript's lines, the history's
outcomes and the report's cells; with NO_COLOR the screen shows none."""

from datetime import timedelta

import pytest
from rich.color import Color as RichColor
from textual.color import Color
from textual.geometry import Region
from textual.widgets import DataTable

from smtp_tui import accounts
from smtp_tui.app import SmtpApp
from smtp_tui.screens.proof import TranscriptLog
from smtp_tui.screens.proof_history import ProofHistoryScreen
from smtp_tui.screens.report_table import ReportTable
from smtp_tui.store.models import SmtpAccount, utc_now
from tests.conftest import account_input
from tests.mailservers import free_port
from tests.test_report import settle
from tests.test_test_email import wait_done


def theme_colour(app, variable: str) -> RichColor:
    return Color.parse(app.get_css_variables()[variable]).rich_color


def failed_line_colours(app) -> set[RichColor | None]:
    """The colours of the transcript's error lines ('*** ...')."""
    log = app.screen.query_one(TranscriptLog)
    return {
        segment.style.color
        for strip in log.lines
        if "*** " in strip.text
        for segment in strip
        if segment.text.strip()
    }


def cell_colour(table: DataTable, row_key, column_key) -> RichColor | None:
    return table.get_cell(row_key, column_key).style.color


async def switch_theme(pilot, theme: str) -> None:
    pilot.app.theme = theme
    await settle(pilot)


async def test_a_theme_change_recolours_the_transcript_history_and_report(context):
    # Nothing listens on the port: the check fails at once, with error lines in the transcript.
    accounts.save(account_input(1, host="127.0.0.1", port=free_port(), secure=False, timeout=5))
    app = SmtpApp(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        dark = theme_colour(app, "text-error")
        await pilot.press("t", *"admin@example.com", "ctrl+o")
        await wait_done(pilot)
        assert failed_line_colours(app) == {dark}

        await switch_theme(pilot, "textual-light")
        light = theme_colour(app, "text-error")
        assert light != dark
        assert failed_line_colours(app) == {light}

        await pilot.press("escape")
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        assert str(table.get_cell("1", "last_test")).startswith("✗")
        assert cell_colour(table, "1", "last_test") == light

        await switch_theme(pilot, "textual-dark")
        assert cell_colour(table, "1", "last_test") == dark

        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, ProofHistoryScreen)
        history = app.screen.query_one(DataTable)
        outcome = history.coordinate_to_cell_key((0, 3))
        assert cell_colour(history, outcome.row_key, outcome.column_key) == dark
        await switch_theme(pilot, "textual-light")
        assert cell_colour(history, outcome.row_key, outcome.column_key) == light


def chromatic(colour: RichColor | None) -> bool:
    if colour is None:
        return False
    red, green, blue = colour.get_truecolor()
    return not red == green == blue


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_report_is_drawn_in_the_themes_colours_or_in_grey_with_no_color(
    context, monkeypatch, no_color
):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    accounts.save(account_input(1, active=False))
    # Below the cursor's row, whose colours are the cursor's.
    accounts.save(account_input(2, ignore_cert_errors=True))
    SmtpAccount.update(
        last_test_outcome="failed AUTH", last_test_at=utc_now() - timedelta(minutes=5)
    ).where(SmtpAccount.code == 2).execute()
    app = SmtpApp(context)
    async with app.run_test(size=(240, 8)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        # The lines as the terminal gets them, after Textual's filters (NO_COLOR's among them).
        strips = table.render_lines(Region(0, 0, table.size.width, table.size.height))
        failed = [segment for strip in strips for segment in strip if "✗ AUTH" in segment.text]
        assert failed
        styles = [segment.style for strip in strips for segment in strip if segment.style]
        colours = {style.color for style in styles} | {style.bgcolor for style in styles}
        if no_color:
            assert not any(chromatic(colour) for colour in colours)
        else:
            assert failed[0].style.color == theme_colour(app, "text-error")
