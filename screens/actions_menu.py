"""The Actions menu (three dots): every action of the screen underneath, with its key."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from smtp_tui import styles
from smtp_tui.screens.keys import key_actions


class ActionsMenu(ModalScreen[str | None]):
    """Dismisses with the chosen action's name, or None."""

    CSS_PATH = styles.SCREENS

    BINDINGS = [Binding("escape", "dismiss(None)", "Close menu")]

    def __init__(self, screen: Screen, *, leave_out: tuple[str, ...] = ()):
        super().__init__(classes="modal-dialog")
        self.items = [a for a in key_actions(screen) if a.action not in leave_out]

    def compose(self) -> ComposeResult:
        # The title on the border: the list alone fills the dialog, so its height can be
        # bounded by the dialog's (max-height 1fr counts the whole dialog, a title beside it
        # would push the list's last items and border off a small screen).
        with Vertical(classes="dialog menu") as dialog:
            dialog.border_title = "Actions"
            width = max(len(a.description) for a in self.items)
            yield OptionList(
                *(
                    Option(
                        Text.assemble((a.description.ljust(width + 2)), (a.keys, "dim")),
                        id=a.action,
                    )
                    for a in self.items
                )
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
