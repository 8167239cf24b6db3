"""Network connectors: proxies and SSH bastions through which a segregated appliance reaches its
SMTP server."""

from __future__ import annotations

import dataclasses

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import DescendantBlur
from textual.widgets import Button, Input, RadioSet, Select

from smtp_tui import connectors, validation
from smtp_tui.errors import ValidationFailed
from smtp_tui.screens.credentials import credential_options
from smtp_tui.screens.forms import RecordForm
from smtp_tui.screens.host_key import HostKeyFetch
from smtp_tui.screens.literal import notify
from smtp_tui.screens.records import RecordListScreen
from smtp_tui.screens.widgets import Choice, FormRow, TextInput
from smtp_tui.validation import FieldError

SSH = "ssh"
# How an SSH connector verifies the bastion: one of the two rows is shown, the other is saved
# empty (the service wants exactly one).
CHECKS = [("host_key", "Pinned fingerprint"), ("known_hosts", "known_hosts file")]
# The rows only an SSH connector has.
SSH_ROWS = ("username", "check", "host_key", "known_hosts", "host-key-status")
# What the port field starts at for each kind; a kind chosen while the port still holds the
# last kind's starting value takes its own.
PROXY_PORT = "1080"


def starting_port(kind: str) -> str:
    return str(validation.SSH_PORT) if kind == SSH else PROXY_PORT


@dataclasses.dataclass(frozen=True)
class ConnectorFields:
    """The form's values, named as connectors.save takes them."""

    name: str
    kind: str
    host: str
    port: str
    credential_id: int | None
    username: str
    known_hosts: str
    host_key: str


class ConnectorForm(HostKeyFetch):
    BINDINGS = [
        *RecordForm.BINDINGS,
        # Not ctrl+k: in a text field that deletes to the end of the line.
        Binding(
            "ctrl+f",
            "fetch_host_key",
            "Fetch host key",
            tooltip="Connect to the bastion and show its host key, to pin it if you trust it",
        ),
    ]

    def __init__(self, connector=None):
        super().__init__()
        self.connector = connector
        self.title_text = (
            f"Edit network connector '{connector.name}'" if connector else "New network connector"
        )

    def body(self) -> ComposeResult:
        c = self.connector
        kind = c.kind if c else "socks5"
        self._kind = kind
        yield FormRow(
            "Name",
            TextInput(c.name if c else "", id="f-name", compact=True),
            field="name",
            required=True,
        )
        yield FormRow(
            "Type", Choice(list(connectors.KINDS.items()), kind, id="f-kind"), field="kind"
        )
        yield FormRow(
            "Proxy host",
            TextInput(
                c.host if c else "", id="f-host", compact=True, placeholder="proxy.example.com"
            ),
            field="host",
            required=True,
        )
        yield FormRow(
            "Proxy port",
            TextInput(
                str(c.port) if c else starting_port(kind),
                id="f-port",
                restrict=r"[0-9]*",
                max_length=5,
                compact=True,
                classes="port",
            ),
            field="port",
            required=True,
        )
        yield FormRow(
            "User",
            TextInput(
                c.username if c else "",
                id="f-username",
                compact=True,
                placeholder="the bastion login (ssh USER@HOST)",
            ),
            field="username",
            required=True,
        )
        yield FormRow(
            "Proxy credential",
            Select(
                credential_options(),
                value=c.credential_id if c and c.credential_id else Select.NULL,
                prompt="None (no proxy login)",
                id="f-credential",
                compact=True,
            ),
            field="credential",
        )
        known_hosts = c.known_hosts if c else ""
        yield FormRow(
            "Host key check",
            Choice(CHECKS, "known_hosts" if known_hosts else "host_key", id="f-check"),
            field="check",
        )
        yield FormRow(
            "Host key fingerprint",
            TextInput(
                c.host_key if c else "",
                id="f-host_key",
                compact=True,
                placeholder="SHA256:… (Fetch host key: ctrl+f)",
            ),
            field="host_key",
            required=True,
        )
        yield FormRow(
            "known_hosts file",
            TextInput(
                known_hosts, id="f-known_hosts", compact=True, placeholder="~/.ssh/known_hosts"
            ),
            field="known_hosts",
            required=True,
        )
        yield from self.fetch_status()

    def extra_buttons(self) -> ComposeResult:
        yield Button("Fetch host key (ctrl+f)", id="fetch-host-key", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self._follow_choices()

    # Which rows show ------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return self.query_one("#f-kind", Choice).value or "socks5"

    @property
    def check(self) -> str:
        return self.query_one("#f-check", Choice).value or "host_key"

    def _shown_rows(self) -> set[str]:
        rows = {"name", "kind", "host", "port", "credential"}
        if self.kind == SSH:
            rows |= {"username", "check", self.check}
        return rows

    @on(RadioSet.Changed)
    def _follow_choices(self) -> None:
        kind = self.kind
        port = self.query_one("#f-port", Input)
        if kind != self._kind and port.value == starting_port(self._kind):
            port.value = starting_port(kind)
        self._kind = kind
        shown = self._shown_rows()
        for row in self.query(FormRow):
            row.display = row.field in shown
        ssh = kind == SSH
        self.query_one("#fetch-host-key").display = ssh
        self.show_fetch_status(ssh)
        self.query_one("#row-host", FormRow).relabel("Bastion host" if ssh else "Proxy host")
        self.query_one("#row-port", FormRow).relabel("Bastion port" if ssh else "Proxy port")
        self.query_one("#row-credential", FormRow).relabel(
            "Bastion login" if ssh else "Proxy credential"
        )
        self.query_one("#f-host", Input).placeholder = (
            "bastion.example.com" if ssh else "proxy.example.com"
        )
        self.query_one("#f-credential", Select).prompt = (
            "Choose a password or an SSH key" if ssh else "None (no proxy login)"
        )
        self.recheck(set())

    # Reading and saving ---------------------------------------------------------------------

    def _value(self, field: str) -> str:
        return self.query_one(f"#f-{field}", Input).value

    def snapshot(self) -> tuple[object, ...]:
        return (
            self._value("name"),
            self.kind,
            self._value("host"),
            self._value("port"),
            self._value("username"),
            self.query_one("#f-credential", Select).selection,
            self.check,
            self._value("host_key"),
            self._value("known_hosts"),
        )

    def read_form(self) -> ConnectorFields:
        """The form as the service takes it: the SSH fields only for SSH, and of the host-key
        checks only the chosen one."""
        shown = self._shown_rows()

        def ssh_field(field: str) -> str:
            return self._value(field) if field in shown else ""

        return ConnectorFields(
            name=self._value("name"),
            kind=self.kind,
            host=self._value("host"),
            port=self._value("port"),
            credential_id=self.query_one("#f-credential", Select).selection,
            username=ssh_field("username"),
            known_hosts=ssh_field("known_hosts"),
            host_key=ssh_field("host_key"),
        )

    def field_errors(self) -> dict[str, str]:
        """Every field's error as a save would say it, under the row that shows it, without
        saving (the unique name is checked by the save)."""
        return self._placed(connectors.field_errors(**dataclasses.asdict(self.read_form())))

    def _placed(self, errors: dict[str, str]) -> dict[str, str]:
        """The host-key check's error under the row that is shown: the service speaks of the
        pair when neither or both are given."""
        shown = self._shown_rows()
        for field in ("host_key", "known_hosts"):
            if field in errors and field not in shown and self.kind == SSH:
                errors = {**errors, self.check: errors[field]}
                del errors[field]
        return errors

    def submit(self) -> int:
        try:
            saved = connectors.save(
                **dataclasses.asdict(self.read_form()),
                connector_id=self.connector.id if self.connector else None,
            )
        except ValidationFailed as failure:
            raise ValidationFailed(self._placed(failure.errors)) from failure
        notify(self, f"Saved network connector '{saved.name}'.")
        return saved.id

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        """Check the field the user just left, with the same rules as a save."""
        field = (event.widget.id or "").removeprefix("f-")
        if field in ("name", "host", "port", "username", "host_key", "known_hosts"):
            self.recheck({field})

    # Fetch host key (HostKeyFetch) ----------------------------------------------------------

    def fetch_address(self) -> tuple[str, str]:
        return self._value("host"), self._value("port")

    def fetch_refusal(self) -> str | None:
        if self.kind != SSH:
            return "Only an SSH bastion has a host key: choose the type SSH first."
        return None

    def address_errors(self) -> dict[str, str]:
        errors = self.field_errors()
        return {field: errors[field] for field in ("host", "port") if field in errors}

    def pinned_fingerprint(self) -> str:
        typed = self._value("host_key").strip()
        try:
            # As the service would keep it: a whole `ssh-keygen -l` line gives its fingerprint.
            return validation.host_key_fingerprint(typed) if typed else ""
        except FieldError:
            return typed

    def pin(self, fingerprint: str) -> None:
        self.query_one("#f-check", Choice).value = "host_key"
        self.query_one("#f-host_key", Input).value = fingerprint
        self._follow_choices()

    @on(Button.Pressed, "#fetch-host-key")
    def _fetch_pressed(self) -> None:
        self.action_fetch_host_key()


class ConnectorsScreen(RecordListScreen):
    TITLE = "Network connectors"
    NOUN = "network connector"
    COLUMNS = ("Name", "Type", "Address", "Credential", "Host key")

    def records(self):
        return connectors.all_connectors()

    def cells(self, record):
        credential = record.credential.name if record.credential_id else "—"
        return [
            record.name,
            connectors.KINDS[record.kind],
            f"{record.username}@{record.host}:{record.port}"
            if record.kind == SSH
            else f"{record.host}:{record.port}",
            credential,
            connectors.host_key_check(record) or "—",
        ]

    def form(self, record=None):
        return ConnectorForm(record)

    def delete_record(self, record_id: int) -> None:
        connectors.delete(record_id)

    def delete_refusal(self, record_id: int) -> str | None:
        return connectors.delete_refusal(record_id)
