"""Command-palette provider: every described key action of the current screen, by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from smtp_tui.screens.keys import key_actions
from smtp_tui.screens.literal import literal


def highlighted(matcher: Matcher, text: str) -> Content:
    """`matcher.highlight(text)`, but literal: Textual's reads its text as markup, and a key
    such as `[` or `]` is part of the prompt."""
    content = literal(text)
    for offset in matcher.fuzzy_search.match(matcher.query, text)[1]:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class ScreenActions(Provider):
    def _items(self):
        screen = self.screen
        for item in key_actions(screen):
            yield (
                item,
                f"{item.description}  ({item.keys})",
                partial(screen.run_action, item.action),
            )

    async def discover(self) -> Hits:
        for item, text, run in self._items():
            yield DiscoveryHit(literal(text), run, text=text, help=item.tooltip)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for item, text, run in self._items():
            score = max(matcher.match(text), matcher.match(item.tooltip))
            if score > 0:
                yield Hit(score, highlighted(matcher, text), run, text=text, help=item.tooltip)
