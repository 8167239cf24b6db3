"""Trust on first use, deliberately: the host key an SSH bastion presented, shown as it came
(its type and SHA256 fingerprint), pinned only when the person says so. A key that differs
from the pinned one is shown beside it, character under character, before it replaces it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from smtp_tui import connectors, glyphs, styles
from smtp_tui.screens.forms import RecordForm
from smtp_tui.screens.literal import literal, notify
from smtp_tui.screens.widgets import FormRow

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.worker import Worker

    from smtp_tui.app import SmtpApp

# The files of OpenSSH's host keys, by a word of the key type: what the administrator runs
# `ssh-keygen -lf` on to read the fingerprint on the bastion itself.
_KEY_FILES = (("ed25519", "ed25519"), ("ecdsa", "ecdsa"), ("rsa", "rsa"), ("dss", "dsa"))


def key_file(key_type: str) -> str:
    """The bastion's public host key file of `key_type` (ssh-ed25519 -> ..._ed25519_key.pub)."""
    word = next((name for marker, name in _KEY_FILES if marker in key_type.lower()), "*")
    return f"/etc/ssh/ssh_host_{word}_key.pub"


class HostKeyModal(ModalScreen[bool]):
    """Dismisses with True when the person trusts the presented key (y), False otherwise
    (n, escape). The safe answer has the focus."""

    CSS_PATH = styles.SCREENS

    BINDINGS = [
        Binding("y", "answer(True)", "Trust"),
        Binding("n,escape", "answer(False)", "Do not trust"),
    ]

    def __init__(self, address: str, key_type: str, fingerprint: str, *, pinned: str = ""):
        super().__init__(classes="modal-dialog")
        self.address, self.key_type, self.fingerprint = address, key_type, fingerprint
        # The fingerprint pinned so far, when it is not the presented one: the key changed.
        self.pinned = pinned if pinned and pinned != fingerprint else ""

    def compose(self) -> ComposeResult:
        check = f"ssh-keygen -lf {key_file(self.key_type)}"
        with Vertical(classes="dialog confirm host-key"):
            # literal(): the address was typed, the key type and fingerprint come from the peer.
            yield Label(literal(f"Host key of {self.address}"), classes="title")
            if self.pinned:
                yield Static(
                    f"{glyphs.current().warning} The bastion presents a different host key from "
                    "the pinned one. It may have been replaced, or someone may be in between.",
                    id="host-key-changed",
                )
                yield self._row("Pinned", self.pinned, "host-key-pinned")
                yield self._row("Presented", self.fingerprint, "host-key-fingerprint")
                yield self._row("Key type", self.key_type, "host-key-type")
                question = (
                    "Replace the pinned key? Only if the bastion's administrator confirms the "
                    f"new one:\n{check}"
                )
                yes, no = "Replace (y)", "Keep the pinned key (n)"
            else:
                yield self._row("Key type", self.key_type, "host-key-type")
                yield self._row("Fingerprint", self.fingerprint, "host-key-fingerprint")
                question = (
                    f"Trust this host key? Check it with the bastion's administrator:\n{check}"
                )
                yes, no = "Trust and pin (y)", "Cancel (n)"
            yield Label(literal(question, lines=True), classes="question", id="host-key-question")
            with Horizontal(classes="buttons"):
                yield Button(yes, variant="error", id="yes", compact=True)
                yield Button(no, variant="primary", id="no", compact=True)

    @staticmethod
    def _row(label: str, value: str, value_id: str) -> Horizontal:
        return Horizontal(
            Label(label, classes="host-key-label"),
            # literal(): a peer's text, never read as markup.
            Label(literal(value), id=value_id, classes="host-key-value"),
            classes="host-key-row",
        )

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class HostKeyFetch(RecordForm):
    """A record form with "Fetch host key": it asks the bastion for its host key in a worker
    (the form stays usable; escape stops the wait), shows it in HostKeyModal and pins it into
    the form only when the person trusts it. Nothing is saved until the form is.

    Subclasses say where the bastion is (`fetch_address`), what is pinned so far
    (`pinned_fingerprint`) and how to pin (`pin`), and yield `fetch_status()` in their body.
    """

    # Textual's `app` property, typed as this application (an annotation, for the type checker)
    app: SmtpApp

    def __init__(self) -> None:
        super().__init__()
        self._fetching: Worker[None] | None = None
        self._spinner: Timer | None = None
        self._frame = 0
        self._waiting = ""

    def fetch_status(self) -> ComposeResult:
        yield Static(id="host-key-status", classes="form-status")

    def fetch_address(self) -> tuple[str, str]:
        """The bastion's host and port as typed."""
        raise NotImplementedError

    def address_errors(self) -> dict[str, str]:
        """The errors of the host and port fields, as a save would say them."""
        raise NotImplementedError

    def pinned_fingerprint(self) -> str:
        """The fingerprint pinned so far ('' when none)."""
        raise NotImplementedError

    def pin(self, fingerprint: str) -> None:
        """Put a trusted fingerprint into the form."""
        raise NotImplementedError

    @property
    def fetching(self) -> bool:
        return self._fetching is not None and self._fetching.is_running

    def show_fetch_status(self, shown: bool) -> None:
        status = self.query_one("#host-key-status", Static)
        status.display = shown and bool(str(status.content))

    def _status(self, text: str, state: str = "") -> None:
        """One line under the host-key rows: the wait, or what came of it (`state` is -ok,
        -failed or '')."""
        status = self.query_one("#host-key-status", Static)
        # literal(): the address was typed; errors and fingerprints come from the peer.
        status.update(literal(text, lines=True))
        for name in ("-ok", "-failed"):
            status.set_class(name == state, name)
        status.display = bool(text)
        if text:
            self.query_one("#form-body").scroll_to_widget(status, animate=False)

    def fetch_refusal(self) -> str | None:
        """Why there is no host key to fetch (a proxy's form), or None."""
        return None

    def action_fetch_host_key(self) -> None:
        if self.fetching:
            return
        refusal = self.fetch_refusal()
        if refusal:
            notify(self, refusal, severity="warning")
            return
        errors = self.address_errors()
        if errors:
            self.show_errors(errors)
            return
        for row in self.query(FormRow):
            if row.field in ("host", "port"):
                row.show_error(None)
        host, port = self.fetch_address()
        self._fetching = self._fetch(host.strip(), int(port))

    @work(exclusive=True, group="host-key")
    async def _fetch(self, host: str, port: int) -> None:
        address = f"{host}:{port}"
        self._waiting = f"Connecting to {address}… (esc stops)"
        self._frame = 0
        self._spin()
        self._spinner = self.set_interval(0.1, self._spin)
        # Imported here: the diagnoses load when a host key is fetched.
        from smtp_tui.mail.diagnosis import ssh_failure
        from smtp_tui.mail.ssh_errors import SshError

        try:
            presented = await connectors.presented_host_key(host, port)
        except SshError as exc:
            summary, hint = ssh_failure(exc)
            self._status(f"{glyphs.current().failed} {summary}\n{hint}", "-failed")
            return
        finally:
            self._stop_spinner()
        pinned = self.pinned_fingerprint()
        if pinned == presented.fingerprint:
            self._status(
                f"{glyphs.current().ok} {address} presents the pinned key "
                f"({presented.key_type} {presented.fingerprint}).",
                "-ok",
            )
            return
        self._status("")
        trusted = await self.app.push_screen_wait(
            HostKeyModal(address, presented.key_type, presented.fingerprint, pinned=pinned)
        )
        if trusted:
            self.pin(presented.fingerprint)
            self._status(
                f"{glyphs.current().ok} Pinned the {presented.key_type} key: save to keep it.",
                "-ok",
            )
        else:
            self._status("Not trusted: nothing pinned.")

    def _spin(self) -> None:
        frames = glyphs.current().spinner
        self._status(f"{frames[self._frame % len(frames)]} {self._waiting}")
        self._frame += 1

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def action_cancel(self) -> None:
        # Escape stops a wait first; the next one closes the form.
        if self.fetching and self._fetching is not None:
            self._fetching.cancel()
            self._stop_spinner()
            self._status("Stopped: no host key fetched, nothing changed.")
            return
        super().action_cancel()
