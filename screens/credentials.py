"""Credentials: the user names and secrets, or the OAuth2 logins, that accounts and connectors
log in with."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.events import DescendantBlur
from textual.widgets import Input, RadioSet, Select

from smtp_tui import credentials, validation
from smtp_tui.errors import ValidationFailed
from smtp_tui.screens.confirm import ConfirmModal
from smtp_tui.screens.forms import RecordForm
from smtp_tui.screens.literal import literal, notify
from smtp_tui.screens.records import RecordListScreen
from smtp_tui.screens.sign_in import SignInModal
from smtp_tui.screens.widgets import Choice, FormRow, PastedSecret, TextInput, YesNo
from smtp_tui.validation import CredentialInput

if TYPE_CHECKING:
    from smtp_tui.app import SmtpApp

PASSWORD, CLIENT_CREDENTIALS = "password", "oauth2-client-credentials"
DEVICE_CODE, SERVICE_ACCOUNT = "oauth2-device-code", "google-service-account"
SSH_KEY = "ssh-key"
# The rows each kind shows (name and kind always); the service says what each must hold.
KIND_ROWS = {
    PASSWORD: ("username", "secret"),
    CLIENT_CREDENTIALS: (
        "username",
        "provider",
        "tenant",
        "token_url",
        "client_id",
        "scope",
        "client_auth",
        "secret",
        "client_certificate",
    ),
    DEVICE_CODE: (
        "username",
        "provider",
        "tenant",
        "token_url",
        "device_url",
        "client_id",
        "scope",
    ),
    SERVICE_ACCOUNT: ("username", "key_file"),
    # The private key from a file (read on save; the path is not kept) or pasted, masked.
    SSH_KEY: ("username", "key_source", "key_path", "private_key", "passphrase"),
}
# The rows holding what is stored encrypted, which an edit keeps unless replaced.
SECRET_ROWS = ("secret", "client_certificate", "key_file", "key_path", "private_key", "passphrase")
# The rows that name a file whose text is the secret, by the service's name for what it holds.
FILE_ROWS = {"key_file": "secret", "client_certificate": "certificate", "key_path": "secret"}
TEXT_ROWS = ("name", "username", "tenant", "token_url", "device_url", "client_id", "scope")
CLIENT_AUTH = [("secret", "Client secret"), ("certificate", "Client certificate")]
KEY_SOURCES = [("file", "From a file"), ("pasted", "Pasted")]


def credential_options() -> list[tuple[Content, int]]:
    """The registered credentials, for a drop-down: name and user name."""
    return [(literal(f"{c.name} ({c.username})"), c.id) for c in credentials.all_credentials()]


class CredentialForm(RecordForm):
    """A Kind choice shows the rows of that kind. Secrets are typed masked or read from a file
    and never shown again; editing keeps them unless replaced."""

    # Textual's `app` property, typed as this application (an annotation, for the type checker)
    app: SmtpApp

    def __init__(self, credential=None):
        super().__init__()
        self.credential = credential
        self.stored = credentials.describe(credential) if credential is not None else {}
        self.title_text = f"Edit credential '{credential.name}'" if credential else "New credential"
        # The SSH key and passphrase the last save refused, and the errors it gave them.
        self._key_checked: tuple[str | None, str | None] = (None, None)
        self._key_errors: dict[str, str] = {}

    def _text(self, field: str, placeholder: str = "") -> TextInput:
        # As stored, not as described: an empty scope means the provider's, and stays so.
        return TextInput(
            getattr(self.credential, field, ""),
            id=f"f-{field}",
            compact=True,
            placeholder=placeholder,
        )

    def body(self) -> ComposeResult:
        stored = self.stored
        yield FormRow(
            "Name",
            TextInput(self.credential.name if self.credential else "", id="f-name", compact=True),
            field="name",
            required=True,
        )
        yield FormRow(
            "Kind",
            Select(
                [(label, kind) for kind, label in credentials.KINDS.items()],
                value=stored.get("kind", PASSWORD),
                allow_blank=False,
                id="f-kind",
                compact=True,
            ),
            field="kind",
        )
        yield FormRow("User name", self._text("username"), field="username", required=True)
        yield FormRow(
            "Provider",
            Select(
                [(label, key) for key, label in credentials.PROVIDERS.items()],
                value=getattr(self.credential, "provider", ""),
                allow_blank=False,
                id="f-provider",
                compact=True,
            ),
            field="provider",
        )
        yield FormRow(
            "Tenant", self._text("tenant", "directory (tenant) ID or domain"), field="tenant"
        )
        yield FormRow("Token URL", self._text("token_url", "https://…"), field="token_url")
        yield FormRow(
            "Device authorization URL", self._text("device_url", "https://…"), field="device_url"
        )
        yield FormRow("Client ID", self._text("client_id"), field="client_id", required=True)
        yield FormRow("Scope", self._text("scope", "empty: the provider's default"), field="scope")
        yield FormRow(
            "Client login",
            Choice(CLIENT_AUTH, stored.get("client_auth") or "secret", id="f-client_auth"),
            field="client_auth",
        )
        if self.credential is not None:
            yield FormRow("Replace secret", YesNo(False, id="f-replace"), field="replace")
        yield FormRow(
            "Secret",
            Input(
                password=True,
                select_on_focus=False,
                id="f-secret",
                compact=True,
                placeholder="stored encrypted, never shown again",
            ),
            field="secret",
            required=self.credential is None,
        )
        yield self._file_row(
            "Certificate PEM file",
            "client_certificate",
            "a PEM with the private key and the certificate",
        )
        yield self._file_row(
            "JSON key file", "key_file", "path of the service account's key (.json)"
        )
        yield FormRow(
            "Private key", Choice(KEY_SOURCES, "file", id="f-key_source"), field="key_source"
        )
        yield self._file_row(
            "Private key file", "key_path", "e.g. ~/.ssh/id_ed25519 (read once, path not kept)"
        )
        yield FormRow(
            "Pasted private key",
            PastedSecret(
                id="f-private_key",
                compact=True,
                placeholder="paste it (OpenSSH or PEM): masked, stored encrypted",
            ),
            field="private_key",
            required=self.credential is None,
        )
        yield FormRow(
            "Passphrase",
            Input(
                password=True,
                select_on_focus=False,
                id="f-passphrase",
                compact=True,
                placeholder="empty when the key has none",
            ),
            field="passphrase",
        )

    def _file_row(self, label: str, field: str, placeholder: str) -> FormRow:
        """A row naming a file whose text is the secret: read on save, never shown."""
        return FormRow(
            label,
            TextInput(id=f"f-{field}", compact=True, placeholder=placeholder),
            field=field,
            required=self.credential is None,
        )

    def on_mount(self) -> None:
        super().on_mount()
        self._follow_choices()

    # Which rows show ------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return self.query_one("#f-kind", Select).selection or PASSWORD

    @property
    def key_source(self) -> str:
        return self.query_one("#f-key_source", Choice).value or "file"

    @property
    def client_auth(self) -> str:
        return self.query_one("#f-client_auth", Choice).value or "secret"

    def _shown_rows(self) -> set[str]:
        kind = self.kind
        rows = {"name", "kind", *KIND_ROWS[kind]}
        provider = self.query_one("#f-provider", Select).selection or ""
        if provider != "microsoft365":
            rows.discard("tenant")
        if provider:
            rows -= {"token_url", "device_url"}
        if kind == CLIENT_CREDENTIALS:
            rows.discard("client_certificate" if self.client_auth == "secret" else "secret")
        if kind == SSH_KEY:
            rows.discard("private_key" if self.key_source == "file" else "key_path")
        if self.credential is not None and rows & set(SECRET_ROWS):
            rows.add("replace")
        return rows

    @property
    def replacing(self) -> bool:
        """Whether the save stores what the secret rows hold (always for a new credential)."""
        return self.credential is None or bool(self.query_one("#f-replace", YesNo).value)

    @on(Select.Changed)
    @on(RadioSet.Changed)
    def _follow_choices(self) -> None:
        if self.credential is not None and (
            self.kind != self.stored.get("kind")
            or (self.kind == CLIENT_CREDENTIALS and self.client_auth != self.stored["client_auth"])
        ):
            # Another kind of login needs its own secret: the stored one cannot serve it.
            self.query_one("#f-replace", YesNo).value = True
        shown = self._shown_rows()
        for row in self.query(FormRow):
            row.display = row.field in shown
        oauth2 = self.kind not in (PASSWORD, SSH_KEY)
        self.query_one("#row-username", FormRow).relabel("Mailbox" if oauth2 else "User name")
        self.query_one("#row-secret", FormRow).relabel("Client secret" if oauth2 else "Secret")
        for field in SECRET_ROWS:
            self.query_one(f"#row-{field}").disabled = not self.replacing
        self.recheck(set())

    # Reading and saving ---------------------------------------------------------------------

    def _value(self, field: str) -> str:
        return self.query_one(f"#f-{field}", Input).value

    def _shown_value(self, field: str, shown: set[str]) -> str:
        return self._value(field) if field in shown else ""

    def snapshot(self) -> object:
        return (
            self.kind,
            self.query_one("#f-provider", Select).selection,
            self.client_auth,
            self.key_source,
            self.replacing,
            *(self._value(field) for field in (*TEXT_ROWS, *SECRET_ROWS)),
        )

    def read_form(self) -> tuple[CredentialInput, dict[str, str]]:
        """The form as the service takes it, and the errors of the files it names (a client
        certificate or a Google key is read from its file)."""
        shown = self._shown_rows()
        secret: str | None = None
        certificate: str | None = None
        passphrase: str | None = None
        file_errors: dict[str, str] = {}
        if self.replacing:
            secret = next((self._value(f) for f in ("secret", "private_key") if f in shown), "")
            passphrase = self._value("passphrase") if "passphrase" in shown else None
            for field, holds in FILE_ROWS.items():
                if field in shown:
                    secret = None
                    # No file named: the service says what is missing.
                    if not self._value(field):
                        continue
                    try:
                        text = credentials.read_secret_file(self._value(field), field)
                    except ValidationFailed as failure:
                        file_errors |= failure.errors
                    else:
                        secret, certificate = (text, None) if holds == "secret" else (None, text)
        data = CredentialInput(
            name=self._value("name"),
            username=self._value("username"),
            secret=secret,
            kind=self.kind,
            provider=self.query_one("#f-provider", Select).selection or ""
            if "provider" in shown
            else "",
            client_certificate=certificate,
            passphrase=passphrase,
            **{
                field: self._shown_value(field, shown)
                for field in ("tenant", "token_url", "device_url", "client_id", "scope")
            },
        )
        return data, file_errors

    def field_errors(self) -> dict[str, str]:
        """Every field's error as the service would say it, under the row that shows it,
        without saving."""
        data, file_errors = self.read_form()
        if data.kind != SSH_KEY:
            errors = validation.validate_credential(data, self.credential)[1]
            return self._placed(errors) | file_errors
        # Opening an SSH key with its passphrase takes a second or more (bcrypt), too slow for
        # every key typed: the key is checked on save, and its error stays until the key or
        # the passphrase changes.
        errors = validation.validate_credential(
            dataclasses.replace(data, secret=None, passphrase=None), self.credential
        )[1]
        errors.pop("secret", None)
        if (data.secret, data.passphrase) == self._key_checked:
            errors |= self._key_errors
        return self._placed(errors) | file_errors

    def submit(self) -> int:
        data, file_errors = self.read_form()
        if file_errors:
            raise ValidationFailed(self.field_errors())
        try:
            saved = credentials.save(
                self.app.context.vault,
                credential_id=self.credential.id if self.credential else None,
                **dataclasses.asdict(data),
            )
        except ValidationFailed as failure:
            self._key_checked = (data.secret, data.passphrase)
            self._key_errors = {
                field: message
                for field, message in failure.errors.items()
                if field in ("secret", "passphrase")
            }
            raise ValidationFailed(self._placed(failure.errors)) from failure
        notify(self, f"Saved credential '{saved.name}'.")
        return saved.id

    def _placed(self, errors: dict[str, str]) -> dict[str, str]:
        """The service's errors under the rows that show them: a Google key or a client
        certificate is the secret the service speaks of, read from the file named here."""
        shown = self._shown_rows()
        if "secret" in errors and "secret" not in shown:
            row = next((r for r in (*FILE_ROWS, "private_key") if r in shown), "secret")
            errors = {**errors, row: errors["secret"]}
            del errors["secret"]
        return errors

    # Errors go as soon as the field is right ----------------------------------------------

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        """Check the field the user just left, with the same rules as a save."""
        field = (event.widget.id or "").removeprefix("f-")
        if field in TEXT_ROWS + SECRET_ROWS:
            self.recheck({field})

    def after_save(self, record_id: int) -> None:
        saved = credentials.get(record_id)
        if not credentials.needs_sign_in(saved):
            self.dismiss(record_id)
            return
        app = self.app

        def answered(now: bool | None) -> None:
            self.dismiss(record_id)
            if now:
                app.push_screen(SignInModal(record_id, saved.name, saved.username))

        app.push_screen(
            ConfirmModal(
                f"'{saved.name}' needs a person to sign in before it can send. Sign in now?",
                yes="Sign in now",
                no="Later",
            ),
            answered,
        )


class CredentialsScreen(RecordListScreen):
    TITLE = "Credentials"
    NOUN = "credential"
    # The login's state before the user name (often a long mailbox): both fit at 80 columns.
    COLUMNS = ("Name", "Kind", "Login", "User name")
    BINDINGS = [
        *RecordListScreen.BINDINGS,
        Binding(
            "i",
            "sign_in",
            "Sign in",
            tooltip="Sign in to the highlighted OAuth2 (device code) credential: "
            "a code to enter on another device",
        ),
    ]

    def records(self):
        return credentials.all_credentials()

    def cells(self, record):
        described = credentials.describe(record)
        return [
            record.name,
            credentials.KINDS.get(described["kind"], described["kind"]),
            self._login(described),
            record.username,
        ]

    @staticmethod
    def _login(described: dict) -> str:
        kind = described["kind"]
        if kind == DEVICE_CODE:
            return "signed in" if described["signed_in"] else "not signed in"
        if kind == CLIENT_CREDENTIALS and described.get("client_auth") == "certificate":
            return "certificate (key encrypted)"
        if kind == SERVICE_ACCOUNT:
            return "JSON key (encrypted)"
        if kind == SSH_KEY:
            return "SSH key (encrypted)"
        return "•••••• (encrypted)"

    def form(self, record=None):
        return CredentialForm(record)

    def delete_record(self, record_id: int) -> None:
        credentials.delete(record_id)

    def delete_refusal(self, record_id: int) -> str | None:
        return credentials.delete_refusal(record_id)

    def on_screen_resume(self) -> None:
        # A sign-in finishes in its own window, after the form that offered it closed.
        self.reload()

    def action_sign_in(self) -> None:
        record = self._chosen()
        if record is None:
            return
        if credentials.describe(record)["kind"] != DEVICE_CODE:
            notify(
                self,
                f"'{record.name}' does not sign in: only an "
                f"{credentials.KINDS[DEVICE_CODE]} credential does.",
                severity="warning",
            )
            return
        self.app.push_screen(SignInModal(record.id, record.name, record.username))
