"""Network connectors: proxies through which a segregated appliance reaches its SMTP server."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from smtp_tui import connectors
from smtp_tui.screens.credentials import credential_options
from smtp_tui.screens.forms import RecordForm
from smtp_tui.screens.literal import notify
from smtp_tui.screens.records import RecordListScreen
from smtp_tui.screens.widgets import Choice, FormRow, TextInput


class ConnectorForm(RecordForm):
    def __init__(self, connector=None):
        super().__init__()
        self.connector = connector
        self.title_text = (
            f"Edit network connector '{connector.name}'" if connector else "New network connector"
        )

    def body(self) -> ComposeResult:
        c = self.connector
        yield FormRow(
            "Name",
            TextInput(c.name if c else "", id="f-name", compact=True),
            field="name",
            required=True,
        )
        yield FormRow(
            "Type",
            Choice(list(connectors.KINDS.items()), c.kind if c else "socks5", id="f-kind"),
            field="kind",
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
                str(c.port) if c else "1080",
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

    def _value(self, field: str) -> str:
        return self.query_one(f"#f-{field}", Input).value

    def snapshot(self) -> tuple[str, str, str, str, int | None]:
        return (
            self._value("name"),
            self.query_one("#f-kind", Choice).value,
            self._value("host"),
            self._value("port"),
            self.query_one("#f-credential", Select).selection,
        )

    def submit(self) -> int:
        name, kind, host, port, credential_id = self.snapshot()
        saved = connectors.save(
            name=name,
            kind=kind,
            host=host,
            port=port,
            credential_id=credential_id,
            connector_id=self.connector.id if self.connector else None,
        )
        notify(self, f"Saved network connector '{saved.name}'.")
        return saved.id


class ConnectorsScreen(RecordListScreen):
    TITLE = "Network connectors"
    NOUN = "network connector"
    COLUMNS = ("Name", "Type", "Proxy", "Proxy credential")

    def records(self):
        return connectors.all_connectors()

    def cells(self, record):
        credential = record.credential.name if record.credential_id else "—"
        return [
            record.name,
            connectors.KINDS[record.kind],
            f"{record.host}:{record.port}",
            credential,
        ]

    def form(self, record=None):
        return ConnectorForm(record)

    def delete_record(self, record_id: int) -> None:
        connectors.delete(record_id)

    def delete_refusal(self, record_id: int) -> str | None:
        return connectors.delete_refusal(record_id)
