"""The report screen driven with Pilot, as a user would: keys, clicks, filters, paging."""

import pytest
from textual.widgets import Input, RadioButton

from smtp_tui import accounts
from smtp_tui.app import SmtpApp
from smtp_tui.screens.report import ReportScreen
from smtp_tui.screens.report_table import ReportTable
from smtp_tui.screens.search_panel import DEBOUNCE_SECONDS, SearchPanel
from smtp_tui.store.database import connect
from smtp_tui.store.models import SmtpAccount
from tests.conftest import account_input


async def settle(pilot, wait: float = 0.0):
    """Let timers (the debounce), workers (the loads) and messages run out."""
    await pilot.pause(wait or None)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(app) -> tuple[str, list[int]]:
    """The pager's status line and the codes of the rows on screen."""
    screen = app.screen
    table = screen.query_one(ReportTable)
    status = str(screen.query_one("#page-status").render())
    return status, [int(key.value) for key in table.rows]


async def type_into(pilot, selector: str, text: str):
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.press(*text)
    await settle(pilot, DEBOUNCE_SECONDS + 0.15)


@pytest.fixture
def app(context, seventy_five):
    return SmtpApp(context)


async def test_paging_through_seventy_five_accounts(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        status, codes = shown(app)
        assert status == "Page 1 of 3 · 75 accounts" and codes == list(range(1, 31))
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert shown(app) == ("Page 2 of 3 · 75 accounts", list(range(31, 61)))
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert shown(app) == ("Page 3 of 3 · 75 accounts", list(range(61, 76)))
        await pilot.press("right_square_bracket")  # already on the last page: stays
        await settle(pilot)
        assert shown(app)[0] == "Page 3 of 3 · 75 accounts"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert shown(app)[0] == "Page 2 of 3 · 75 accounts"
        await pilot.press("left_curly_bracket")
        await settle(pilot)
        assert shown(app)[0] == "Page 1 of 3 · 75 accounts"
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        assert shown(app)[0] == "Page 3 of 3 · 75 accounts"


async def test_the_count_follows_accounts_added_by_another_session(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert shown(app)[0] == "Page 1 of 3 · 75 accounts"
        for n in range(20):  # another administrator, through the service
            accounts.save(account_input(name=f"added {n}", email=f"added{n}@example.com"))
        await pilot.press("right_square_bracket")  # the page comes first, then the count
        await settle(pilot)
        assert shown(app) == ("Page 2 of 4 · 95 accounts", list(range(31, 61)))
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        assert shown(app) == ("Page 4 of 4 · 95 accounts", list(range(91, 96)))


async def test_long_codes_are_never_cut(app):
    SmtpAccount.insert(
        code=1234567, name="Far away", email="far@example.com", host="smtp.example.com", port=25
    ).execute()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        narrow = table.columns[next(k for k in table.columns if k.value == "code")].width
        await pilot.press("O")  # codes descending: 1234567 comes first
        await settle(pilot)
        assert shown(app)[1][0] == 1234567
        code_column = table.columns[next(k for k in table.columns if k.value == "code")]
        assert code_column.width >= len("1234567") > narrow - 2  # (the sort arrow takes 2)


async def test_pager_buttons_are_clickable(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#previous-page").disabled
        await pilot.click("#next-page")
        await settle(pilot)
        assert shown(app)[0] == "Page 2 of 3 · 75 accounts"
        await pilot.click("#previous-page")
        await settle(pilot)
        assert shown(app)[0] == "Page 1 of 3 · 75 accounts"


async def test_slash_shows_the_search_panel_and_escape_hides_it(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert not app.screen.query(SearchPanel)  # mounted on first use, not at start-up
        await pilot.press("slash")
        panel = app.screen.query_one(SearchPanel)
        assert panel.display
        assert app.focused.id == "filter-name"
        await pilot.press("escape")
        assert not panel.display
        assert isinstance(app.focused, ReportTable)
        await pilot.click("#bar-toggle_search")  # the top bar's Search item does the same
        assert panel.display


@pytest.mark.parametrize(
    "field,text",
    [
        ("name", "relay 07"),
        ("email", "SENDER1"),
        ("reply_to", "example.org"),
        ("return_path", "bounce"),
        ("confirmation_email", "receipts"),
    ],
)
async def test_each_text_filter_narrows_the_report_as_you_type(app, field, text):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_into(pilot, f"#filter-{field}", text)
        status, codes = shown(app)
        expected = [
            a.code
            for a in SmtpAccount.select().order_by(SmtpAccount.code)
            if text.lower() in getattr(a, field).lower()
        ]
        assert codes == expected[:30] and 0 < len(expected) < 75
        assert status.startswith(f"Page 1 of 1 · {len(expected)} account")
        assert status.endswith(f" ~ {text}")


async def test_code_filter_is_exact_and_takes_only_digits(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_into(pilot, "#filter-code", "x7")  # the letter is refused as it is typed
        assert app.screen.query_one("#filter-code", Input).value == "7"
        assert shown(app) == ("Page 1 of 1 · 1 account · Code = 7", [7])


async def test_status_radio_and_combined_filters_then_clear(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        inactive = next(b for b in app.screen.query(RadioButton) if b.name == "inactive")
        await pilot.click(inactive)
        await settle(pilot, DEBOUNCE_SECONDS + 0.15)
        assert shown(app)[1] == list(range(5, 76, 5))
        await type_into(pilot, "#filter-name", "alerts")
        expected = [c for c in range(5, 76, 5) if c % 2 == 0]
        assert shown(app) == (
            f"Page 1 of 1 · {len(expected)} accounts · Name ~ alerts, Inactive",
            expected,
        )
        await pilot.press("ctrl+l")
        await settle(pilot, DEBOUNCE_SECONDS + 0.15)
        assert shown(app)[0] == "Page 1 of 3 · 75 accounts"
        assert app.screen.query_one("#filter-name", Input).value == ""


async def test_sorting_with_keys_and_by_clicking_a_header(app):
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")  # code -> name
        await settle(pilot)
        by_name = [a.code for a in SmtpAccount.select().order_by(SmtpAccount.name)]
        assert shown(app)[1] == by_name[:30]
        await pilot.press("O")
        await settle(pilot)
        assert shown(app)[1] == by_name[::-1][:30]
        table = app.screen.query_one(ReportTable)
        x = (
            sum(col.get_render_width(table) for col in table.ordered_columns[:2]) + 2
        )  # the E-mail header
        await pilot.click(ReportTable, offset=(x, 0))
        await settle(pilot)
        by_email = [
            a.code for a in SmtpAccount.select().order_by(SmtpAccount.email, SmtpAccount.code)
        ]
        assert shown(app)[1] == by_email[:30]
        await pilot.click(ReportTable, offset=(x, 0))  # the same header again flips the direction
        await settle(pilot)
        assert app.screen.sort.column == "email" and app.screen.sort.descending
        assert "E-mail ▼" in str(table.ordered_columns[2].label)


async def test_delete_asks_first(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "delete")  # code 2
        assert "Delete the SMTP account 'Alerts 074' (code 2)?" in str(
            app.screen.query_one(".question").render()
        )
        await pilot.press("n")
        await settle(pilot)
        assert accounts.count() == 75
        await pilot.press("delete")
        await pilot.press("y")
        await settle(pilot)
        assert accounts.count() == 74
        assert shown(app)[0] == "Page 1 of 3 · 74 accounts"
        assert 2 not in shown(app)[1]


async def test_deleting_the_default_account_is_refused_with_a_reason(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("delete", "y")  # code 1, the default
        await settle(pilot)
        assert accounts.count() == 75
        assert any("is the default account" in n.message for n in app._notifications)


async def test_empty_database_says_how_to_add_the_first_account(context):
    app = SmtpApp(context)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        message = str(app.screen.query_one("#message-text").render())
        assert "No SMTP accounts yet" in message and "Press n" in message
        assert shown(app)[0] == "Page 1 of 1 · 0 accounts"


async def test_no_match_says_how_to_clear_the_filters(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_into(pilot, "#filter-name", "zzz")
        assert "No account matches the filters: Name ~ zzz" in str(
            app.screen.query_one("#message-text").render()
        )


async def test_a_database_error_shows_a_message_and_retry(app, context):
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        other = connect(context.config.database)  # another connection breaks the schema
        other.execute_sql("ALTER TABLE smtp_account RENAME TO smtp_account_moved")
        await pilot.press("r")
        await settle(pilot)
        message = str(app.screen.query_one("#message-text").render())
        assert "Cannot read the database" in message and "smtp_account" in message
        assert app.screen.query_one("#retry").display
        other.execute_sql("ALTER TABLE smtp_account_moved RENAME TO smtp_account")
        other.close()
        await pilot.click("#retry")
        await settle(pilot)
        assert shown(app)[0] == "Page 1 of 3 · 75 accounts"
        assert not app.screen.query_one("#message").display


async def test_help_lists_every_key_of_the_screen(app):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        table = app.screen.query_one("#help-keys")
        rows = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        described = [b.tooltip for b in ReportScreen.BINDINGS]
        assert set(described) <= set(rows)
        await pilot.press("escape")
        assert isinstance(app.screen, ReportScreen)


async def test_the_actions_menu_runs_the_chosen_action(app):
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("full_stop")
        options = app.screen.query_one("OptionList")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids[:4] == ["toggle_search", "refresh", "new_account", "edit_account"]
        assert {"print_report", "download", "schedule", "help"} <= set(ids)
        options.highlighted = ids.index("next_page")
        await pilot.press("enter")
        await settle(pilot)
        assert shown(app)[0] == "Page 2 of 3 · 75 accounts"


async def test_every_action_is_in_the_command_palette(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"next screen")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert shown(app)[0] == "Page 2 of 3 · 75 accounts"


async def test_refresh_keeps_filters_page_and_highlighted_row(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        await pilot.press("down", "down")
        table = app.screen.query_one(ReportTable)
        assert table.highlighted_code == 33
        accounts.save(
            accounts.validation.AccountInput(
                name="Newcomer", email="new@example.com", host="smtp.example.com"
            )
        )
        await pilot.press("f5")
        await settle(pilot)
        assert shown(app)[0] == "Page 2 of 3 · 76 accounts"
        assert table.highlighted_code == 33


@pytest.mark.parametrize("column", ["edit", "test"])
async def test_clicking_edit_or_test_in_the_actions_column(app, column):
    async with app.run_test(size=(220, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReportTable)
        index = [c.key.value for c in table.ordered_columns].index(column)
        x = sum(c.get_render_width(table) for c in table.ordered_columns[:index]) + 2
        await pilot.click(ReportTable, offset=(x, 2))  # the first click highlights row 2...
        assert table.highlighted_code == 2 and not app._notifications
        await pilot.click(ReportTable, offset=(x, 2))  # ...the second one acts on it
        await pilot.pause()
        expected = "AccountForm" if column == "edit" else "ProofScreen"
        assert type(app.screen).__name__ == expected
        assert app.screen.code == 2
