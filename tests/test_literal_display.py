"""Text from data, peers and people is shown as it is (issue 14, finding 1).

A name, a filter, an actor or a refusal that looks like Textual markup (`[/]` ended the app with
MarkupError, `[@click=app.quit]x[/]` was a link that quit it) is shown literally on every
screen, and no control character stored in old data reaches the terminal. Hostile values are
written to the database directly, past the validators, since the screens must be safe whatever
is stored. Driven with Pilot; the last test is a hypothesis pass over the TUI.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import DataTable, Input, Select

from smtp_tui import accounts, connectors, credentials
from smtp_tui.app import SmtpApp
from smtp_tui.screens.account_form import AccountForm
from smtp_tui.screens.confirm import ConfirmModal, NoticeModal
from smtp_tui.screens.conflict import StaleEditModal
from smtp_tui.screens.credentials import CredentialsScreen
from smtp_tui.screens.download import DownloadModal
from smtp_tui.screens.footer_text import FooterTextForm
from smtp_tui.screens.forms import RecordForm
from smtp_tui.screens.literal import pictured, shown
from smtp_tui.screens.print_preview import PrintPreviewScreen
from smtp_tui.screens.proof import ProofScreen
from smtp_tui.screens.proof_history import ProofHistoryScreen
from smtp_tui.screens.report import ReportScreen
from smtp_tui.screens.report_table import ReportTable
from smtp_tui.screens.schedules import ScheduleForm
from smtp_tui.screens.search_panel import DEBOUNCE_SECONDS, SearchPanel
from smtp_tui.settings import FOOTER
from smtp_tui.store.models import AuditEvent, Credential, NetworkConnector, Setting, SmtpAccount
from tests.conftest import account_input
from tests.test_report import settle

MARKUP = ("[/]", "x [/b]", "[@click=app.quit]x[/]", "[bold]")
# Sets the window title, clears the screen, flips the text.
ESCAPES = "Relay \x1b]0;PWNED\x07\x1b[2J\u202eevil"


@pytest.fixture
def app(context):
    accounts.save(account_input(1, name="Main relay", is_default=True))
    accounts.save(account_input(2, name="Hostile"))
    return SmtpApp(context)


def store_name(code: int, name: str) -> None:
    """Write a name as old data could hold it, past the rules of today's validators."""
    SmtpAccount.update(name=name).where(SmtpAccount.code == code).execute()


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def toasts(app) -> list[str]:
    """The notifications as drawn.

    A notification is rendered only when shown: run_test(notifications=True).
    """
    return [str(toast.render()) for toast in app.screen.query("Toast")]


def drawn_line(app, selector: str) -> str:
    """The first line of a widget as drawn (an Input's, a TextArea's), without its styles."""
    return app.screen.query_one(selector).render_line(0).text


def table_text(app, code: int) -> str:
    table = app.screen.query_one(ReportTable)
    return table.get_row(str(code))[1].plain


CONTROL_SEQUENCE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # how Textual draws: colours, cursor moves


def terminal(app) -> str:
    """What the app writes to the terminal to draw its current screen in full."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return update.render_segments(app.console)


def assert_nothing_raw(app) -> None:
    """No byte of data drives the terminal: past Textual's own sequences, no control character."""
    drawn = CONTROL_SEQUENCE.sub("", terminal(app))
    # Spaces of other widths (Textual draws U+00A0 in places) are text, as smtp_tui.escaping says.
    assert not [
        c for c in drawn if not c.isprintable() and c != "\n" and unicodedata.category(c) != "Zs"
    ], app.screen


async def show_row(pilot, code: int) -> None:
    """Reload the report and highlight the account `code` (the report is sorted by code)."""
    await pilot.press("r")
    await settle(pilot)
    table = pilot.app.screen.query_one(ReportTable)
    table.move_cursor(row=[key.value for key in table.rows].index(str(code)))
    await pilot.pause()


async def open_screen(pilot, key: str, screen: type) -> None:
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, screen), pilot.app.screen


async def read_on(pilot, key: str, screen: type, selector: str = ".title") -> str:
    """Open a screen with `key`, read what `selector` shows there, and close it (escape)."""
    await open_screen(pilot, key, screen)
    text = text_of(pilot.app, selector)
    await pilot.press("escape")
    return text


# One test per surface that ended the app -----------------------------------------------------


async def test_test_window_history_and_clone_show_a_markup_name_as_it_is(app):
    async with app.run_test(size=(100, 40)) as pilot:
        for name in ("[/]", "[@click=app.quit]x[/]"):
            store_name(2, name)
            await show_row(pilot, 2)
            assert table_text(app, 2) == name
            assert await read_on(pilot, "t", ProofScreen) == f"Test e-mail · {name}"
            assert (
                await read_on(pilot, "h", ProofHistoryScreen)
                == f"Test e-mails of '{name}' (code 2)"
            )
            await open_screen(pilot, "c", AccountForm)
            assert text_of(app, ".title") == f"New SMTP account · clone of '{name}'"
            assert app.screen.query_one("#f-name", Input).value == accounts.clone_name(name)
            await pilot.press("escape")
            await settle(pilot)
            assert app.is_running and isinstance(app.screen, ReportScreen)


async def test_delete_asks_and_tells_with_the_name_as_it_is(app):
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        for name in MARKUP:
            store_name(2, name)
            await show_row(pilot, 2)
            assert (
                await read_on(pilot, "delete", ConfirmModal, ".question")
                == f"Delete the SMTP account '{name}' (code 2)?\nThis cannot be undone."
            )
        await pilot.press("delete", "y")
        await settle(pilot)
        assert app.is_running and accounts.count() == 1
        assert f"Deleted '{MARKUP[-1]}' (code 2)." in toasts(app)


async def test_a_link_in_a_name_is_no_link(app):
    """A click on the question where the link was ('x' of `[@click=app.quit]x[/]`) runs nothing."""
    store_name(2, "[@click=app.quit]x[/]")
    async with app.run_test(size=(100, 40)) as pilot:
        await show_row(pilot, 2)
        await open_screen(pilot, "delete", ConfirmModal)
        question = app.screen.query_one(".question")
        link = question.content_region.x - question.region.x + len("Delete the SMTP account '")
        for x in range(link - 1, link + 2):
            await pilot.click(question, offset=(x, question.content_region.y - question.region.y))
        assert app.is_running and app.return_code is None and isinstance(app.screen, ConfirmModal)


async def test_a_refusal_naming_the_account_is_shown_as_it_is(app):
    store_name(1, "x [/b]")  # the default: deleting it is refused, naming it
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await show_row(pilot, 1)
        await pilot.press("delete", "y")
        await settle(pilot)
        assert app.is_running and accounts.count() == 2
        assert (
            "Not deleted\n'x [/b]' is the default account. Make another account the default before "
            "deleting it."
        ) in toasts(app)


async def test_filter_text_that_looks_like_markup_is_shown_as_typed(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        for typed in MARKUP:
            app.screen.query_one("#filter-name", Input).value = typed
            await settle(pilot, 0.4)
            assert app.is_running
            assert text_of(app, "#page-status") == f"Page 1 of 1 · 0 accounts · Name ~ {typed}"
            assert text_of(app, "#message-text").startswith(
                f"No account matches the filters: Name ~ {typed}."
            )
        await pilot.press("escape")
        assert (
            await read_on(pilot, "d", DownloadModal, ".hint")
            == f"Every page of the report · Name ~ {MARKUP[-1]} · sorted by code"
        )
        assert (
            await read_on(pilot, "s", ScheduleForm, ".hint")
            == f"Filters kept with the schedule: Name ~ {MARKUP[-1]} · sorted by code"
        )
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, ReportScreen)


async def test_a_name_typed_in_the_form_is_told_as_typed(app):
    async with app.run_test(size=(100, 50), notifications=True) as pilot:
        await settle(pilot)
        await open_screen(pilot, "n", AccountForm)
        for field, value in (
            ("name", "x [/b]"),
            ("email", "ops@example.com"),
            ("host", "smtp.example.com"),
        ):
            app.screen.query_one(f"#f-{field}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, ReportScreen)
        assert "Saved 'x [/b]' (code 3)." in toasts(app)
        assert table_text(app, 3) == "x [/b]"


async def test_who_saved_first_is_shown_as_it_is(app):
    """The stale-edit question names the other session's user, which comes from its environment."""
    async with app.run_test(size=(100, 50)) as pilot:
        await show_row(pilot, 2)
        await open_screen(pilot, "e", AccountForm)
        current = accounts.get(2)
        accounts.save(
            account_input(2, name="[/]", port=2525),
            code=2,
            expected_version=current.version,
            actor="[@click=app.quit]bob[/]@pam-2",
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, StaleEditModal)
        assert "'[/]' was changed by [@click=app.quit]bob[/]@pam-2 at " in text_of(app, ".question")


async def test_credentials_and_connectors_are_named_as_they_are(app, vault):
    credential = credentials.save(vault, name="relay-login", username="svc", secret="pw")
    connector = connectors.save(
        name="dmz", kind="socks5", host="proxy.example.com", port=1080, credential_id=credential.id
    )
    Credential.update(name="[/]", username="x [/b]").execute()
    NetworkConnector.update(name="[@click=app.quit]dmz[/]").execute()
    accounts.save(
        account_input(
            2,
            name="Hostile",
            authentication=True,
            credential_id=credential.id,
            use_connector=True,
            connector_id=connector.id,
        ),
        code=2,
        expected_version=1,
    )
    async with app.run_test(size=(100, 50)) as pilot:
        await show_row(pilot, 2)
        await open_screen(pilot, "e", AccountForm)  # the drop-downs show the chosen ones
        assert (
            str(
                app.screen.query_one("#f-credential", Select)
                .query_one("SelectCurrent Static")
                .render()
            )
            == "[/] (x [/b])"
        )
        assert (
            str(
                app.screen.query_one("#f-connector", Select)
                .query_one("SelectCurrent Static")
                .render()
            )
            == "[@click=app.quit]dmz[/] (socks5 proxy.example.com:1080)"
        )
        await pilot.press("escape")
        for key, noun, name in (
            ("C", "credential", "[/]"),
            ("N", "network connector", "[@click=app.quit]dmz[/]"),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen.query_one(DataTable).get_row_at(0)[0].plain == name
            assert await read_on(pilot, "e", RecordForm) == f"Edit {noun} '{name}'"
            # in use: said before any question, naming it as it is
            said = await read_on(pilot, "delete", NoticeModal, ".question")
            assert said.startswith(f"'{name}' is used by ")
            await pilot.press("escape")
            await settle(pilot)
            assert app.is_running and isinstance(app.screen, ReportScreen)


# Control characters ------------------------------------------------------------------------


async def test_no_escape_sequence_in_data_reaches_the_terminal(app, vault):
    """Old data with an escape sequence: every screen that shows it draws it escaped (\\x1b),
    or as a picture (␛) in a field being edited, never as the sequence itself."""
    store_name(2, ESCAPES)
    credentials.save(vault, name="relay-login", username="svc", secret="pw")
    Credential.update(name=ESCAPES).execute()
    AuditEvent.update(object_name=ESCAPES, user=ESCAPES).execute()
    Setting.insert(key=FOOTER, value=f"Sent by {ESCAPES}\nsecond line").execute()
    async with app.run_test(size=(120, 40)) as pilot:
        await show_row(pilot, 2)
        assert table_text(app, 2) == shown(ESCAPES) == "Relay \\x1b]0;PWNED\\x07\\x1b[2J\\u202eevil"
        assert_nothing_raw(app)
        for key, screen, check in (
            ("t", ProofScreen, lambda: text_of(app, ".title") == f"Test e-mail · {shown(ESCAPES)}"),
            ("h", ProofHistoryScreen, lambda: shown(ESCAPES) in text_of(app, ".title")),
            ("e", AccountForm, lambda: pictured(ESCAPES) in drawn_line(app, "#f-name")),
            ("F", FooterTextForm, lambda: pictured(ESCAPES) in drawn_line(app, "#f-footer-text")),
            ("delete", ConfirmModal, lambda: shown(ESCAPES) in text_of(app, ".question")),
            (
                "p",
                PrintPreviewScreen,
                lambda: "Relay \\x1b]0;PWNED" in terminal(app),
            ),  # the document
            ("C", CredentialsScreen, lambda: "Relay \\x1b]0;PWNED" in terminal(app)),
        ):
            await open_screen(pilot, key, screen)
            assert check(), key
            assert_nothing_raw(app)
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert "Relay \\x1b]0;PWNED" in terminal(app)
        assert_nothing_raw(app)


# The fuzz pass -----------------------------------------------------------------------------

MARKUP_PIECES = [
    "[/]",
    "[b]",
    "[/b]",
    "x [/b]",
    "[bold red on blue]",
    "[@click=app.quit]",
    "[@click=screen.dismiss()]",
    "[link=https://example.com]",
    "[$accent]",
    "[i]",
    "\\[",
    "\\",
    "[",
    "]",
    "[[",
    "]]",
    "é",
    "用户",
]
CONTROL_PIECES = [
    "\x1b]0;PWNED\x07",
    "\x1b[2J",
    "\x1b",
    "\x00",
    "\x07",
    "\x08",
    "\r",
    "\n",
    "\t",
    "\x0b",
    "\x7f",
    "\x85",
    "\x9b",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u200f",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u200b",
]
MARKUP_LIKE = st.lists(
    st.sampled_from(MARKUP_PIECES) | st.text("abc [/]@=", max_size=6), min_size=1, max_size=6
)
ANY_PIECES = st.lists(
    st.sampled_from(MARKUP_PIECES + CONTROL_PIECES) | st.text(max_size=6), min_size=1, max_size=8
)
HOSTILE_TEXT = st.one_of(
    MARKUP_LIKE.map("".join),  # what today's validators accept: the form saves these
    ANY_PIECES.map("".join),
    st.builds(
        lambda piece, times: piece * times,  # long: up to 720 characters
        st.sampled_from(MARKUP_PIECES + CONTROL_PIECES),
        st.integers(20, 60),
    ),
).filter(str.strip)
# An example takes 2-4 s (the test window, the form and the loads are drawn and read for real).
REPORT_EXAMPLES, FORM_EXAMPLES = 16, 24


async def fuzz_app(
    app, tried: Counter, one_example, strategies: dict, examples: int, **options
) -> None:
    """Hypothesis runs in a thread and hands each example to the app's event loop: one app for
    every example (opening one is slow), as in tests/test_properties.py; at 80x24, as over SSH."""
    async with app.run_test(size=(80, 24), **options) as pilot:
        await settle(pilot)
        loop = asyncio.get_running_loop()

        @settings(
            max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        )
        @given(**strategies)
        def check(**example):
            asyncio.run_coroutine_threadsafe(one_example(pilot, tried, **example), loop).result()
            tried["inputs"] += len(example)

        await asyncio.to_thread(check)
        assert app.is_running and app.return_code is None
    print(f"\n{one_example.__name__}: {dict(tried)}")  # the figures, with -s


async def back_to_the_report(pilot) -> None:
    """The report, unfiltered, whatever a failed example left open: the next one then fails for
    its own reason, and hypothesis reports the first failure rather than what it left."""
    app = pilot.app
    while len(app.screen_stack) > 2:  # Textual's default screen, then the report
        await app.pop_screen()
    if not app.screen.filters.is_empty():
        app.screen.query_one(SearchPanel).clear()
        await settle(pilot, DEBOUNCE_SECONDS + 0.1)
    app.screen.show_search = False
    await pilot.pause()


async def search(pilot, typed: str) -> None:
    pilot.app.screen.query_one("#filter-name", Input).value = typed
    await pilot.press("enter")  # at once, not after the pause for typing
    await settle(pilot)


async def show_on_the_report(pilot, tried: Counter, name: str, typed: str) -> None:
    """`name` stored on account 2, `typed` in the name filter: the report, the test window, the
    test history and the delete question show them as they are, and send no control character."""
    app = pilot.app
    await back_to_the_report(pilot)
    store_name(2, name)
    await show_row(pilot, 2)
    assert table_text(app, 2) == shown(name)
    assert_nothing_raw(app)
    for key, screen, selector, expected in (  # a title is one line; a question may have several
        ("t", ProofScreen, ".title", shown(f"Test e-mail · {name}")),
        ("h", ProofHistoryScreen, ".title", shown(f"Test e-mails of '{name}' (code 2)")),
        (
            "delete",
            ConfirmModal,
            ".question",
            shown(
                f"Delete the SMTP account '{name}' (code 2)?\nThis cannot be undone.", lines=True
            ),
        ),
    ):
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, screen) and text_of(app, selector) == expected, key
        assert_nothing_raw(app)
        await pilot.press("escape" if key != "delete" else "n")
        await pilot.pause()
    await pilot.press("slash")
    await search(pilot, typed)
    assert text_of(app, "#page-status").endswith(shown(f" · Name ~ {typed}"))
    assert_nothing_raw(app)
    await search(pilot, "")
    await pilot.press("escape")
    tried["names and filters shown"] += 1


async def type_in_the_form(pilot, tried: Counter, name: str) -> None:
    """`name` typed (pasted) into the new-account form: saved, it is told and then deleted by
    its name as it is; refused, the form says why and stays."""
    app = pilot.app
    if not isinstance(app.screen, AccountForm):
        await back_to_the_report(pilot)
        await open_screen(pilot, "n", AccountForm)
        app.screen.query_one("#f-email", Input).value = "ops@example.com"
        app.screen.query_one("#f-host", Input).value = "smtp.example.com"
    app.screen.query_one("#f-name", Input).value = name
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert_nothing_raw(app)
    if isinstance(app.screen, AccountForm):
        assert app.screen.query(".-invalid"), "refused without a reason"
        tried["refused by the form"] += 1
        return
    saved = SmtpAccount.select().order_by(SmtpAccount.code.desc()).get()
    assert shown(f"Saved '{saved.name}' (code {saved.code}).", lines=True) in toasts(app)
    await show_row(pilot, saved.code)
    assert table_text(app, saved.code) == shown(saved.name)
    await pilot.press("delete", "y")
    await settle(pilot)
    assert shown(f"Deleted '{saved.name}' (code {saved.code}).", lines=True) in toasts(app)
    tried["saved, told and deleted"] += 1


@pytest.mark.long
@pytest.mark.sqlite_only  # PostgreSQL refuses NUL in text; the screens are the point here
async def test_fuzz_names_and_filters_on_the_report_test_window_history_and_delete(app):
    tried = Counter()
    await fuzz_app(
        app,
        tried,
        show_on_the_report,
        {"name": HOSTILE_TEXT, "typed": HOSTILE_TEXT},
        examples=REPORT_EXAMPLES,
    )
    assert tried["names and filters shown"] == REPORT_EXAMPLES


@pytest.mark.long
async def test_fuzz_names_typed_in_the_account_form(app):
    tried = Counter()
    await fuzz_app(
        app,
        tried,
        type_in_the_form,
        {"name": HOSTILE_TEXT},
        examples=FORM_EXAMPLES,
        notifications=True,
    )
    assert tried["refused by the form"] and tried["saved, told and deleted"]
