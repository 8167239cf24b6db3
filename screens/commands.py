"""Command-palette provider: every described key action of the current screen, by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.keys import key_actions


class ScreenActions(Provider):
    def _items(self):
        screen = self.screen
        for item in key_actions(screen):
            yield item, f"{item.description}  ({item.keys})", partial(screen.run_action, item.action)

    async def discover(self) -> Hits:
        for item, text, run in self._items():
            yield DiscoveryHit(text, run, help=item.tooltip)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for item, text, run in self._items():
            score = max(matcher.match(text), matcher.match(item.tooltip))
            if score > 0:
                yield Hit(score, matcher.highlight(text), run, help=item.tooltip)
