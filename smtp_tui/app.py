"""The Textual application: its styles, its screens and its command palette."""

from __future__ import annotations

import gc

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette, SearchIcon
from textual.scrollbar import ScrollBar
from textual.timer import Timer

from smtp_tui import __version__, glyphs, styles
from smtp_tui.screens.report import ReportScreen
from smtp_tui.screens.scroll_bars import CompactScrollBarRender
from smtp_tui.store.context import AppContext


def screen_actions() -> type:
    """The command palette's provider of the screen's actions, imported when the palette first
    opens (Textual's own providers load the same way)."""
    from smtp_tui.screens.commands import ScreenActions

    return ScreenActions


# Seconds of a still screen before the collection after a page (SmtpApp.collect_garbage_soon).
COLLECT_AFTER = 0.3


class Palette(CommandPalette):
    """Textual's command palette, its search icon in the terminal's symbols (glyphs)."""

    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = glyphs.current().search


class SmtpApp(App):
    TITLE = "smtp-tui"
    SUB_TITLE = f"smtp-tui {__version__}"
    # The other screens bring their own (styles.SCREENS).
    CSS_PATH = styles.REPORT
    COMMANDS = App.COMMANDS | {screen_actions}
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True)]

    def __init__(self, context: AppContext):
        super().__init__()
        # The Linux console and non-UTF-8 locales get ASCII symbols, decided as the app starts.
        glyphs.decide()
        # Textual's way to draw every scroll bar differently (ScrollBar.renderer).
        ScrollBar.renderer = CompactScrollBarRender
        self.context = context
        self._frozen = False
        self._collection: Timer | None = None

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(Palette(id="--command-palette"))

    def on_app_blur(self, event: events.AppBlur) -> None:
        # Textual restyles the whole screen when the terminal window loses or regains focus
        # (to dim the cursor): 22 KiB and 9 KiB on the wire at 80x24 for one switch of
        # windows (bench/results.md). The screen stays as it is instead.
        event.prevent_default()

    def on_app_focus(self, event: events.AppFocus) -> None:
        event.prevent_default()

    def on_mount(self) -> None:
        self.push_screen(ReportScreen())
        # stderr has them too, hidden while the app is open.
        for warning in self.context.warnings:
            self.notify(warning, title="Warning", severity="warning", timeout=20, markup=False)

    # Called when the first frame is composed: it is being written to the terminal.
    def on_ready(self) -> None:
        self.collect_garbage_soon()

    def collect_garbage_soon(self) -> None:
        """Call once a table's new rows are painted: collect when the screen has been still
        for COLLECT_AFTER seconds (a later page puts it off again).

        Textual's DataTable leaves thousands of objects in reference cycles each time its rows
        are replaced (strips and their caches). Python's automatic full collections of them
        stalled the screen every few pages (bench/results.md). Instead, the long-lived objects
        of start-up are frozen once (gc.freeze), and the cycles are collected while the user
        reads the page. Not at once: the frame is still being written to the terminal by
        Textual's writer thread, which a collection (10-30 ms, holding the interpreter) held
        up, at start-up and at every page flip ("On screen", bench/results.md). The first
        collection also turns the collector back on, if `smtp-tui` turned it off for the
        start-up (cli.main).
        """
        if self._collection is None:
            self._collection = self.set_timer(COLLECT_AFTER, self._collect_garbage)
        else:
            self._collection.reset()

    def _collect_garbage(self) -> None:
        self._collection = None
        gc.collect()
        if not self._frozen:
            gc.freeze()
            self._frozen = True
            gc.enable()

    def on_unmount(self) -> None:
        # Give the frozen objects back to the collector (tests run many apps).
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
