"""Small widgets the forms share: a radio set that holds a value, a labelled form row, and
text fields that never pass a control character to the terminal."""

from __future__ import annotations

from typing import Any

from rich.highlighter import Highlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, RadioSet, Static, TextArea

from smtp_tui.screens.literal import literal, pictured


class Choice(RadioSet):
    """A horizontal radio set whose `value` is the chosen option's value."""

    def __init__(self, options: list[tuple[Any, str]], value: Any, **kwargs):
        self.options = options
        buttons = [
            RadioButton(label, value=option == value, compact=True) for option, label in options
        ]
        super().__init__(*buttons, compact=True, **kwargs)

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


class YesNo(Choice):
    def __init__(self, value: bool, **kwargs):
        super().__init__([(True, "Yes"), (False, "No")], bool(value), **kwargs)


class FormRow(Vertical):
    """A label, its control (and any buttons beside it), and a line for the field's error."""

    def __init__(self, label: str, *controls: Widget, field: str, required: bool = False):
        super().__init__(classes="form-row", id=f"row-{field}")
        self.label, self.controls, self.field = label, controls, field
        self.required = required

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form-line"):
            yield Label(self.label + (" *" if self.required else ""), classes="form-label")
            yield from self.controls
        yield Static(id=f"error-{self.field}", classes="form-error")

    def relabel(self, label: str) -> None:
        """A new label for the field (a credential's user name is a mailbox for OAuth2)."""
        self.label = label
        if self.is_mounted:
            self.query_one(".form-label", Label).update(label + (" *" if self.required else ""))

    def show_error(self, message: str | None) -> None:
        error = self.query_one(".form-error", Static)
        # literal(): the message may quote what was typed.
        error.update(literal(message or "", lines=True))
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
    """An Input for text that may come from data or a paste."""

    def __init__(self, value: str | None = None, **kwargs):
        super().__init__(value, highlighter=_ControlPictures(self), **kwargs)


class TextEditor(TextArea):
    """A TextArea for text that may come from data or a paste (see TextInput)."""

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        line.plain = pictured(self.document.get_line(line_index))
        return line
