"""Credentials: the user names and secrets that accounts and connectors log in with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, RadioSet

from smtp_tui import credentials
from smtp_tui.screens.forms import RecordForm
from smtp_tui.screens.literal import literal, notify
from smtp_tui.screens.records import RecordListScreen
from smtp_tui.screens.widgets import FormRow, TextInput, YesNo

if TYPE_CHECKING:
    from smtp_tui.app import SmtpApp


def credential_options() -> list[tuple[Content, int]]:
    """The registered credentials, for a drop-down: name and user name."""
    return [(literal(f"{c.name} ({c.username})"), c.id) for c in credentials.all_credentials()]


class CredentialForm(RecordForm):
    """The secret is typed masked and never shown again; editing offers to replace it."""

    # Textual's `app` property, typed as this application (an annotation, for the type checker)
    app: SmtpApp

    def __init__(self, credential=None):
        super().__init__()
        self.credential = credential
        self.title_text = f"Edit credential '{credential.name}'" if credential else "New credential"

    def body(self) -> ComposeResult:
        credential = self.credential
        yield FormRow(
            "Name",
            TextInput(credential.name if credential else "", id="f-name", compact=True),
            field="name",
            required=True,
        )
        yield FormRow(
            "User name",
            TextInput(credential.username if credential else "", id="f-username", compact=True),
            field="username",
            required=True,
        )
        if credential is not None:
            yield FormRow("Replace secret", YesNo(False, id="f-replace"), field="replace")
        yield FormRow(
            "Secret",
            Input(
                password=True,
                id="f-secret",
                compact=True,
                placeholder="stored encrypted, never shown again",
            ),
            field="secret",
            required=credential is None,
        )

    def on_mount(self) -> None:
        super().on_mount()
        self._follow_replace()

    @on(RadioSet.Changed, "#f-replace")
    def _follow_replace(self) -> None:
        if self.credential is not None:
            self.query_one("#row-secret").disabled = not self.query_one("#f-replace", YesNo).value

    def _value(self, field: str) -> str:
        return self.query_one(f"#f-{field}", Input).value

    def snapshot(self) -> object:
        return self._value("name"), self._value("username"), bool(self._value("secret"))

    def submit(self) -> int:
        replacing = self.credential is None or self.query_one("#f-replace", YesNo).value
        saved = credentials.save(
            self.app.context.vault,
            name=self._value("name"),
            username=self._value("username"),
            secret=self._value("secret") if replacing else None,
            credential_id=self.credential.id if self.credential else None,
        )
        notify(self, f"Saved credential '{saved.name}'.")
        return saved.id


class CredentialsScreen(RecordListScreen):
    TITLE = "Credentials"
    NOUN = "credential"
    COLUMNS = ("Name", "User name", "Secret")

    def records(self):
        return credentials.all_credentials()

    def cells(self, record):
        return [record.name, record.username, "•••••• (encrypted)"]

    def form(self, record=None):
        return CredentialForm(record)

    def delete_record(self, record_id: int) -> None:
        credentials.delete(record_id)
