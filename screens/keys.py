"""What a screen offers by key: one list that the help screen, the actions menu and the
command palette all read, so that none of them can forget an action."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.screen import Screen


@dataclass(frozen=True)
class KeyAction:
    action: str
    keys: str  # every key of the action, as displayed, e.g. "r, f5"
    description: str  # short, as in the footer
    tooltip: str  # a sentence, for help and the palette


def key_actions(screen: Screen) -> list[KeyAction]:
    """The screen's bindings that carry a description, one entry per action, in order."""
    merged: dict[str, list[Binding]] = {}
    for binding in Binding.make_bindings(screen.BINDINGS):
        if binding.description:
            merged.setdefault(binding.action, []).append(binding)
    actions = []
    for action, bindings in merged.items():
        keys = ", ".join(screen.app.get_key_display(b) for b in bindings)
        first = bindings[0]
        actions.append(
            KeyAction(action, keys, first.description, first.tooltip or first.description)
        )
    return actions
