"""The SMTP server settings window: new, edit and clone, every field of SPEC section 2."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.events import DescendantBlur
from textual.widgets import Button, Input, Label, RadioSet, Select, Static

from smtp_tui import accounts, connectors, credentials, glyphs, presets, validation
from smtp_tui.errors import NotFound, ServiceError, StaleEdit
from smtp_tui.screens.conflict import StaleEditModal
from smtp_tui.screens.connectors import ConnectorForm
from smtp_tui.screens.credentials import CredentialForm, credential_options
from smtp_tui.screens.forms import RecordForm
from smtp_tui.screens.literal import literal, notify
from smtp_tui.screens.presets import PresetPicker
from smtp_tui.screens.proof import ProofScreen
from smtp_tui.screens.widgets import Choice, FormRow, TextInput, YesNo
from smtp_tui.validation import AccountInput

TEXT_FIELDS = (
    "name",
    "email",
    "reply_to",
    "return_path",
    "confirmation_email",
    "host",
    "port",
    "timeout",
)
YES_NO_FIELDS = (
    "active",
    "is_default",
    "read_confirmation",
    "force_config",
    "footer",
    "secure",
    "authentication",
    "ignore_cert_errors",
    "use_connector",
)


class AccountForm(RecordForm):
    """New, edit or clone an account; dismisses with the saved account's code, or None."""

    TALL = True
    BINDINGS = [
        *RecordForm.BINDINGS,
        Binding(
            "ctrl+t",
            "test_email",
            "Test",
            tooltip="Send a test e-mail with these settings, before saving",
        ),
        Binding(
            "ctrl+r",
            "preset",
            "Preset",
            tooltip="Fill host, port and security from a mail provider's preset",
        ),
    ]

    def __init__(
        self, account=None, *, template: AccountInput | None = None, title: str | None = None
    ):
        super().__init__()
        self.code = account.code if account is not None else None
        self.version = account.version if account is not None else None
        self.initial = (
            AccountInput.from_account(account)
            if account is not None
            else (template or AccountInput())
        )
        self.title_text = title or (
            f"Edit SMTP account · code {self.code}" if self.code else "New SMTP account"
        )
        self.port_typed = self.initial.port not in validation.WELL_KNOWN_PORTS.values()

    # Building the window -----------------------------------------------------------------

    def body(self) -> ComposeResult:
        data = self.initial
        yield from self._section(
            "Identity",
            [
                FormRow(
                    "Name",
                    self._input("name", data.name, "e.g. Alerts - HQ"),
                    field="name",
                    required=True,
                ),
                FormRow("Active", YesNo(data.active, id="f-active"), field="active"),
            ],
        )
        yield from self._section(
            "Addresses",
            [
                FormRow(
                    "E-mail (From)",
                    self._input("email", data.email, "sender@example.com"),
                    field="email",
                    required=True,
                ),
                FormRow(
                    "Reply-to", self._input("reply_to", data.reply_to, "optional"), field="reply_to"
                ),
                FormRow(
                    "Return-path",
                    self._input("return_path", data.return_path, "optional; envelope sender"),
                    field="return_path",
                ),
                FormRow(
                    "Confirmation e-mail",
                    self._input(
                        "confirmation_email",
                        data.confirmation_email,
                        "optional; gets read receipts",
                    ),
                    field="confirmation_email",
                ),
            ],
        )
        yield from self._section(
            "Options",
            [
                FormRow("Default", YesNo(data.is_default, id="f-is_default"), field="is_default"),
                FormRow(
                    "Read confirmation",
                    YesNo(data.read_confirmation, id="f-read_confirmation"),
                    field="read_confirmation",
                ),
                FormRow(
                    "Force configuration",
                    YesNo(data.force_config, id="f-force_config"),
                    field="force_config",
                ),
                FormRow("Footer", YesNo(data.footer, id="f-footer"), field="footer"),
            ],
        )
        yield from self._section(
            "Server",
            [
                FormRow(
                    "Host",
                    self._input("host", data.host, "smtp.example.com"),
                    Button("Preset…", id="preset", compact=True, classes="beside"),
                    field="host",
                    required=True,
                ),
                FormRow(
                    "Port",
                    TextInput(
                        str(data.port),
                        restrict=r"[0-9]*",
                        max_length=5,
                        id="f-port",
                        compact=True,
                        classes="port",
                    ),
                    field="port",
                    required=True,
                ),
                FormRow(
                    "Timeout (seconds)",
                    TextInput(
                        str(data.timeout),
                        restrict=r"[0-9]*",
                        max_length=3,
                        id="f-timeout",
                        compact=True,
                        classes="port",
                    ),
                    field="timeout",
                ),
                FormRow("Secure connection", YesNo(data.secure, id="f-secure"), field="secure"),
                FormRow(
                    "Secure connection type",
                    Choice(
                        [("SSL", "SSL"), ("TLS", "TLS (STARTTLS)")],
                        data.secure_type,
                        id="f-secure_type",
                    ),
                    field="secure_type",
                ),
            ],
        )
        yield from self._section(
            "Security",
            [
                FormRow(
                    "Authentication",
                    YesNo(data.authentication, id="f-authentication"),
                    field="authentication",
                ),
                FormRow(
                    "Ignore certificate errors",
                    YesNo(data.ignore_cert_errors, id="f-ignore_cert_errors"),
                    field="ignore_cert_errors",
                ),
            ],
        )
        yield from self._section(
            "Routing and login",
            [
                FormRow(
                    "Use network connector",
                    YesNo(data.use_connector, id="f-use_connector"),
                    field="use_connector",
                ),
                FormRow(
                    "Network connector",
                    Select(
                        self._connector_options(),
                        value=self._or_null(data.connector_id),
                        prompt="Choose a connector",
                        id="f-connector",
                        compact=True,
                    ),
                    Button("New…", id="new-connector", compact=True, classes="beside"),
                    field="connector",
                ),
                FormRow(
                    "Credential",
                    Select(
                        credential_options(),
                        value=self._or_null(data.credential_id),
                        prompt="Choose a credential",
                        id="f-credential",
                        compact=True,
                    ),
                    Button("New…", id="new-credential", compact=True, classes="beside"),
                    field="credential",
                ),
            ],
        )
        yield Static(id="credential-hint", classes="form-hint")

    @staticmethod
    def _section(title: str, rows: list[FormRow]) -> ComposeResult:
        yield Label(title, classes="form-section")
        yield from rows

    @staticmethod
    def _input(field: str, value: str, placeholder: str = "") -> Input:
        return TextInput(value, placeholder=placeholder, id=f"f-{field}", compact=True)

    @staticmethod
    def _or_null(value):
        return Select.NULL if value is None else value

    @staticmethod
    def _connector_options() -> list[tuple[Content, int]]:
        return [
            (literal(f"{c.name} ({c.kind} {c.host}:{c.port})"), c.id)
            for c in connectors.all_connectors()
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self._follow_switches()
        self._follow_server()

    # Reading and writing the fields ------------------------------------------------------

    def read_input(self) -> AccountInput:
        # each field's value, of that field's type
        values: dict[str, Any] = {f: self.query_one(f"#f-{f}", Input).value for f in TEXT_FIELDS}
        values |= {f: self.query_one(f"#f-{f}", YesNo).value for f in YES_NO_FIELDS}
        values["secure_type"] = self.query_one("#f-secure_type", Choice).value
        for field in ("connector", "credential"):
            values[f"{field}_id"] = self.query_one(f"#f-{field}", Select).selection
        return AccountInput(**values)

    def _populate(self, data: AccountInput) -> None:
        with self.prevent(Input.Changed, RadioSet.Changed, Select.Changed):
            for field in TEXT_FIELDS:
                self.query_one(f"#f-{field}", Input).value = str(getattr(data, field))
            for field in YES_NO_FIELDS:
                self.query_one(f"#f-{field}", YesNo).value = getattr(data, field)
            self.query_one("#f-secure_type", Choice).value = data.secure_type
            self.query_one("#f-connector", Select).value = self._or_null(data.connector_id)
            self.query_one("#f-credential", Select).value = self._or_null(data.credential_id)
        self._follow_switches(data)
        self._follow_server()

    def snapshot(self) -> object:
        return self.read_input()

    # Dependent fields, the port suggestion and its warning --------------------------------

    def _follow_switches(self, data: AccountInput | None = None) -> None:
        """The rows that follow the switches and the port, for `data` (the values just put in
        the fields: a radio set releases its old button only on its own message, later) or the
        form as it reads."""
        data = data or self.read_input()
        self.query_one("#row-secure_type").disabled = not data.secure
        self.query_one("#row-connector").disabled = not data.use_connector
        self.query_one("#row-credential").disabled = not data.authentication
        warning = validation.port_warning(data.secure, data.secure_type, data.port)
        port_row = self.query_one("#row-port", FormRow)
        if "port" not in self._shown_errors():
            sign = f"{glyphs.current().warning} " if warning else ""
            port_row.query_one(".form-error", Static).update(sign + (warning or ""))
            port_row.query_one(".form-error", Static).display = bool(warning)
            port_row.set_class(bool(warning), "-warning")

    def _shown_errors(self) -> set[str]:
        return {row.field for row in self.query(FormRow) if row.has_class("-invalid")}

    @on(RadioSet.Changed)
    def _switch_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id in ("f-secure", "f-secure_type") and not self.port_typed:
            data = self.read_input()
            with self.prevent(Input.Changed):
                self.query_one("#f-port", Input).value = str(
                    validation.suggested_port(data.secure, data.secure_type)
                )
        self._follow_switches()

    @on(Input.Changed, "#f-port")
    def _port_typed(self, event: Input.Changed) -> None:
        # Typed by the user, not set by a suggestion or on mount.
        if event.input.has_focus:
            self.port_typed = True
        self._follow_switches()

    @on(Input.Changed, "#f-host")
    @on(Select.Changed, "#f-credential")
    def _follow_server(self) -> None:
        """The user name the provider at this host fixes, under the credential (SendGrid)."""
        host = self.query_one("#f-host", Input).value
        preset = presets.for_host(host)
        username = None
        credential_id = self.query_one("#f-credential", Select).selection
        if preset is not None and preset.username and credential_id is not None:
            try:
                username = credentials.get(credential_id).username
            except NotFound:
                # Deleted elsewhere since the form opened: saving says so.
                username = None
        hint = self.query_one("#credential-hint", Static)
        text = presets.user_name_hint(preset, username)
        # Its line stays when empty: the form's height does not change with the host.
        hint.update(literal(text or ""))
        hint.set_class(bool(username and presets.user_name_warning(host, username)), "-warning")

    # Validation --------------------------------------------------------------------------

    def field_errors(self) -> dict[str, str]:
        return validation.validate_account(self.read_input())[1]

    def recheck(self, fields: set[str]) -> None:
        super().recheck(fields)
        # A port error gone leaves room for the port's warning.
        self._follow_switches()

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        """Check the field the user just left, with the same rules as a save."""
        widget_id = event.widget.id or ""
        if not widget_id.startswith("f-"):
            return
        field = widget_id.removeprefix("f-")
        errors = validation.validate_account(self.read_input())[1]
        self.query_one(f"#row-{field}", FormRow).show_error(errors.get(field))
        if field == "port":
            self._follow_switches()

    def show_errors(self, errors: dict[str, str]) -> None:
        super().show_errors(errors)
        self._follow_switches()

    def submit(self, *, overwrite_version: int | None = None) -> int:
        saved = accounts.save(
            self.read_input(), code=self.code, expected_version=overwrite_version or self.version
        )
        notify(self, f"Saved '{saved.name}' (code {saved.code}).")
        return saved.code

    def handle_refusal(self, refusal: ServiceError) -> bool:
        if isinstance(refusal, StaleEdit):
            self.app.push_screen(StaleEditModal(refusal), self._resolve_conflict)
            return True
        return False

    def _resolve_conflict(self, choice: str | None) -> None:
        # a new account has no saved version to conflict with
        if self.code is None:
            return
        if choice == "overwrite":
            # Theirs is seen; save over it.
            self.version = accounts.get(self.code).version
            self.action_save()
        elif choice == "reload":
            account = accounts.get(self.code)
            self.version, self.initial = account.version, AccountInput.from_account(account)
            self._populate(self.initial)
            self.show_errors({})
            self.notify("Loaded the saved version; your changes were discarded.")

    def extra_buttons(self) -> ComposeResult:
        yield Button("Test (ctrl+t)", id="test-email", compact=True)

    @on(Button.Pressed, "#test-email")
    def _test_pressed(self) -> None:
        self.action_test_email()

    def action_test_email(self) -> None:
        saved = accounts.get(self.code) if self.code is not None else None
        self.app.push_screen(ProofScreen(self.read_input(), code=self.code, saved=saved))

    # Filling the server from a provider's preset ----------------------------------------

    @on(Button.Pressed, "#preset")
    def _preset_pressed(self) -> None:
        self.action_preset()

    def action_preset(self) -> None:
        self.app.push_screen(PresetPicker(), self._preset_chosen)

    def _preset_chosen(self, preset: presets.Preset | None) -> None:
        if preset is None:
            return
        data = presets.apply(self.read_input(), preset)
        # The port is the preset's, as a suggestion would be: a change of security suggests again.
        self.port_typed = False
        self._populate(data)
        errors = validation.validate_account(data)[1]
        for field in ("host", "port", "secure_type"):
            self.query_one(f"#row-{field}", FormRow).show_error(errors.get(field))
        self._follow_switches(data)
        # What was filled in, in sight (once laid out): from the host down to the credential and
        # its hint. The focus stays where it was: moving it would check the field it leaves.
        self.call_after_refresh(self._show_server)
        notify(
            self,
            f"Server filled from {preset.label}: {preset.host}:{preset.port}, "
            f"{preset.security_label}.",
        )

    def _show_server(self) -> None:
        self.query_one("#form-body").scroll_to_widget(
            self.query_one("#row-host"), top=True, animate=False
        )

    # Registering a connector or credential without leaving the form ----------------------

    @on(Button.Pressed, "#new-credential")
    def _new_credential(self) -> None:
        self.app.push_screen(CredentialForm(), self._credential_added)

    def _credential_added(self, credential_id: int | None) -> None:
        if credential_id is not None:
            select = self.query_one("#f-credential", Select)
            select.set_options(credential_options())
            select.value = credential_id

    @on(Button.Pressed, "#new-connector")
    def _new_connector(self) -> None:
        self.app.push_screen(ConnectorForm(), self._connector_added)

    def _connector_added(self, connector_id: int | None) -> None:
        if connector_id is not None:
            select = self.query_one("#f-connector", Select)
            select.set_options(self._connector_options())
            select.value = connector_id
