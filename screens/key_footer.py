"""The footer of keys every screen shows: built with the first frame, rebuilt only when its
keys change."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer, its keys in the first frame and rebuilt only when they change.

    Textual's Footer starts empty and rebuilds itself (removes and mounts every key) each time
    the screen's bindings are updated, the first time just after the first frame, whether or
    not the keys it shows changed: on the report, at start-up, a rebuild and a layout in the
    way of the first frame reaching the terminal (bench/results.md, "On screen").
    """

    def __init__(self, *children: Widget, **kwargs) -> None:
        super().__init__(*children, **kwargs)
        self.set_reactive(Footer._bindings_ready, True)
        self._composed_for: tuple = ()

    def _keys(self) -> tuple:
        """What the footer shows: each shown binding, whether it is enabled, its tooltip."""
        active = self.screen.active_bindings
        bindings: Iterable = active.values()
        shown = tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for _node, binding, enabled, tooltip in bindings
            if binding.show
        )
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return (shown, palette and palette[2], self.show_command_palette, self.compact)

    def compose(self) -> ComposeResult:
        self._composed_for = self._keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and self._keys() == self._composed_for:
            return
        super().bindings_changed(screen)
