"""The preset picker of the account form: a mail provider's server, chosen from the table in
smtp_tui.presets (and, for Amazon SES, a region typed in)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from smtp_tui import presets, styles
from smtp_tui.presets import Preset, PresetError
from smtp_tui.screens.literal import literal
from smtp_tui.screens.widgets import TextInput


class PresetPicker(ModalScreen[Preset | None]):
    """Dismisses with the chosen preset (its region filled in), or None."""

    CSS_PATH = styles.SCREENS

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="modal-dialog")
        self.label_width = max(len(p.label) for p in presets.PRESETS) + 2
        # The parameterised preset chosen, whose region is being typed.
        self.needs_region: Preset | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog presets"):
            yield Label("Fill the server from a provider's preset", classes="title")
            yield OptionList(
                *(
                    Option(
                        Text.assemble(
                            p.label.ljust(self.label_width),
                            (f"{p.host}:{p.port} {p.secure_type}", "dim"),
                        ),
                        id=p.name,
                    )
                    for p in presets.PRESETS
                ),
                id="preset-list",
            )
            yield Static(id="preset-note", classes="preset-note")
            with Horizontal(id="preset-region"):
                yield Label("Region ", classes="preset-region-label")
                yield TextInput(placeholder="e.g. eu-west-1", id="region", compact=True)
            yield Static(id="region-error", classes="form-error")

    def on_mount(self) -> None:
        self.query_one("#preset-region").display = False
        self.query_one("#region-error").display = False
        self.query_one(OptionList).highlighted = 0

    def _preset(self, option_id: str | None) -> Preset:
        return next(p for p in presets.PRESETS if p.name == option_id)

    @on(OptionList.OptionHighlighted)
    def _show_note(self, event: OptionList.OptionHighlighted) -> None:
        preset = self._preset(event.option.id)
        user = f" User name: {preset.username}." if preset.username else ""
        self.query_one("#preset-note", Static).update(literal(preset.note + user))
        if preset != self.needs_region:
            self.needs_region = None
            self.query_one("#preset-region").display = False
            self.query_one("#region-error").display = False

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        preset = self._preset(event.option.id)
        if not preset.parameterised:
            self.dismiss(preset)
            return
        # Amazon SES: the region names the server.
        self.needs_region = preset
        self.query_one("#preset-region").display = True
        self.query_one("#region", Input).focus()

    @on(Input.Submitted, "#region")
    def _region_typed(self, event: Input.Submitted) -> None:
        if self.needs_region is None:
            return
        typed = self.needs_region.name.replace(presets.REGION, event.value)
        try:
            chosen = presets.find(typed)
        except PresetError as exc:
            error = self.query_one("#region-error", Static)
            error.update(literal(str(exc)))
            error.display = True
            return
        self.dismiss(chosen)
