"""The links of the report's top bar and pager."""

from __future__ import annotations

from textual import events
from textual.widgets import Static


class ActionLink(Static):
    """A label that runs an action of its screen when clicked: the top bar and the pager.

    Like the footer's keys, it takes no focus (each has a key of its own), and it is much
    lighter than a Button: ten Buttons slowed the report's start-up (bench/results.md).
    """

    def __init__(self, label: str, action: str, *, tooltip: str | None = None, **kwargs):
        # "◀ Prev [" is no markup.
        super().__init__(label, markup=False, **kwargs)
        self.action = action
        self.tooltip = tooltip

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        if not self.disabled:
            await self.screen.run_action(self.action)
