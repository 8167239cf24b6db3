"""Small widgets the forms share: a radio set that holds a value, a labelled form row, and
text fields that never pass a control character to the terminal."""

from __future__ import annotations

from typing import Any

from rich.highlighter import Highlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Paste
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, RadioSet, Static, TextArea

from smtp_tui import glyphs
from smtp_tui.screens.literal import literal, pictured


class Radio(RadioButton):
    """A radio button in the terminal's symbols (`▐●▌`, or `(o)` on the Linux console) whose
    dot is drawn only when chosen: without colour, a dimmed dot looked like a chosen one."""

    def __init__(self, *args, **kwargs):
        symbols = glyphs.current()
        self.BUTTON_LEFT, self.BUTTON_RIGHT = symbols.radio_left, symbols.radio_right
        self._dot = symbols.radio_on
        super().__init__(*args, **kwargs)
        # watch_value runs on changes only
        self.BUTTON_INNER = self._dot if self.value else " "

    def watch_value(self) -> None:
        self.BUTTON_INNER = self._dot if self.value else " "
        super().watch_value()


class Choice(RadioSet):
    """A horizontal radio set whose `value` is the chosen option's value.

    The highlighted option is always the chosen one (arrows choose as they move), and the
    chosen one is drawn in reverse (styles): what is highlighted is what is saved, in any
    colours or none.
    """

    def __init__(self, options: list[tuple[Any, str]], value: Any, **kwargs):
        self.options = options
        buttons = [
            Radio(label, value=option == value, name=str(option), compact=True)
            for option, label in options
        ]
        super().__init__(*buttons, compact=True, **kwargs)

    def _chosen_index(self) -> int | None:
        buttons = list(self.query(RadioButton))
        return next((i for i, button in enumerate(buttons) if button.value), None)

    def action_next_button(self) -> None:
        self._move(1)

    def action_previous_button(self) -> None:
        self._move(-1)

    def _move(self, step: int) -> None:
        # RadioSet's mount puts its cursor on the first option: here, on the chosen one.
        if self._selected is None:
            self._selected = self._chosen_index()
            return
        if step > 0:
            super().action_next_button()
        else:
            super().action_previous_button()
        self.action_toggle_button()

    @property
    def value(self) -> Any:
        index = self.pressed_index
        return self.options[index][0] if index >= 0 else None

    @value.setter
    def value(self, value: Any) -> None:
        # Only press the new button: the RadioSet releases the old one, and refuses to let a
        # pressed button be released directly.
        for button, (option, _) in zip(self.query(RadioButton), self.options, strict=True):
            if option == value:
                button.value = True
        self._selected = self._chosen_index()


class YesNo(Choice):
    def __init__(self, value: bool, **kwargs):
        super().__init__([(True, "Yes"), (False, "No")], bool(value), **kwargs)


class FormRow(Vertical):
    """A label, its control (and any buttons beside it), and a line for the field's error."""

    def __init__(self, label: str, *controls: Widget, field: str, required: bool = False):
        super().__init__(classes="form-row", id=f"row-{field}")
        self.label, self.controls, self.field = label, controls, field
        self.required = required
        self._error: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form-line"):
            yield Label(self.label + (" *" if self.required else ""), classes="form-label")
            yield from self.controls
        yield Static(id=f"error-{self.field}", classes="form-error")

    @property
    def error(self) -> str | None:
        """The error shown under the field, without its marker (None when there is none)."""
        return self._error

    def relabel(self, label: str) -> None:
        """A new label for the field (a credential's user name is a mailbox for OAuth2)."""
        self.label = label
        if self.is_mounted:
            self.query_one(".form-label", Label).update(label + (" *" if self.required else ""))

    def show_error(self, message: str | None) -> None:
        """`message` under the field, marked `✗` (bold in the styles), or no error."""
        self._error = message or None
        error = self.query_one(".form-error", Static)
        # The marker, not only the colour, tells an error from a hint: 16 colours and NO_COLOR
        # showed it grey on grey. literal(): the message may quote what was typed.
        marked = f"{glyphs.current().failed} {message}" if message else ""
        error.update(literal(marked, lines=True))
        error.display = bool(message)
        self.set_class(bool(message), "-invalid")


class _ControlPictures(Highlighter):
    """Shows an Input's control characters as pictures: Input draws its value as it is, and an
    escape sequence in a stored name (or a paste) would reach the terminal."""

    def __init__(self, field: Input):
        self.field = field

    def __call__(self, text: str | Text) -> Text:
        text = Text(text) if isinstance(text, str) else text.copy()
        # From the value, not the Text: Rich drops some controls (BEL, CR), and the cursor
        # counts the value's characters.
        text.plain = pictured(self.field.value)
        return text

    def highlight(self, text: Text) -> None:
        pass


class TextInput(Input):
    """An Input for text that may come from data or a paste. Focusing it puts the cursor at
    the end and selects nothing: typing into a selected name replaced it."""

    def __init__(self, value: str | None = None, **kwargs):
        kwargs.setdefault("select_on_focus", False)
        super().__init__(value, highlighter=_ControlPictures(self), **kwargs)

    def on_focus(self) -> None:
        self.cursor_position = len(self.value)


class TextEditor(TextArea):
    """A TextArea for text that may come from data or a paste (see TextInput)."""

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        line.plain = pictured(self.document.get_line(line_index))
        return line


class PastedSecret(Input):
    """A masked field for a secret of several lines that is pasted, not typed (an SSH private
    key): a paste keeps all its lines, where an Input keeps the first."""

    def __init__(self, **kwargs):
        super().__init__(password=True, select_on_focus=False, **kwargs)

    def _on_paste(self, event: Paste) -> None:
        # Input's own handler, which keeps the first line, runs after this one unless told not to.
        event.prevent_default()
        if event.text:
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(event.text)
            else:
                self.replace(event.text, *selection)
        event.stop()
