"""The device-code sign-in window (RFC 8628): the address to open and the code to enter on any
device, a countdown to the code's expiry, and the outcome, while the provider is asked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Label, Static

from smtp_tui import credentials, styles
from smtp_tui.errors import DATABASE_ERRORS, ServiceError, TokenError
from smtp_tui.screens.literal import literal, show_verdict

if TYPE_CHECKING:
    from textual.worker import Worker

    from smtp_tui.app import SmtpApp
    from smtp_tui.credentials import DeviceSignIn


def utc_now() -> datetime:
    return datetime.now(UTC)


def remaining_seconds(expires_at: datetime, now: datetime) -> int:
    """Whole seconds from `now` until `expires_at` (both UTC, with or without their zone),
    never below 0."""
    expires_at, now = (
        moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        for moment in (expires_at, now)
    )
    return max(0, int((expires_at - now).total_seconds()))


class SignInModal(ModalScreen[bool]):
    """Dismisses with True when the person signed in; escape stops asking, nothing stored."""

    # Textual's `app` property, typed as this application (an annotation, for the type checker)
    app: SmtpApp

    CSS_PATH = styles.SCREENS

    BINDINGS = [
        Binding("escape", "cancel", "Cancel/close", tooltip="Stop waiting, or close the window"),
    ]

    def __init__(
        self, credential_id: int, name: str, mailbox: str, *, connector_id: int | None = None
    ):
        super().__init__(classes="modal-dialog")
        self.credential_id, self.connector_id = credential_id, connector_id
        self.mailbox = mailbox
        self.title_text = f"Sign in · {name}"
        self.signed_in = False
        self.sign_in: DeviceSignIn | None = None
        self.polls = 0  # how often the provider was asked and said "not yet"
        # What the countdown counts from: the wall clock (a test freezes it).
        self.clock = utc_now
        self._worker: Worker[None] | None = None
        self._countdown: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog sign-in"):
            yield Label(literal(self.title_text), classes="title")
            yield Static("Asking the provider for a code…", id="sign-in-status")
            yield Label("Open", classes="sign-in-label", id="sign-in-url-label")
            yield Static(id="sign-in-url", classes="sign-in-value")
            yield Label("and enter the code", classes="sign-in-label", id="sign-in-code-label")
            yield Static(id="sign-in-code", classes="sign-in-value")
            yield Label(id="sign-in-countdown")
            yield Static(id="sign-in-verdict")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (esc)", id="sign-in-close", compact=True)

    def on_mount(self) -> None:
        for widget in ("#sign-in-url-label", "#sign-in-code-label", "#sign-in-verdict"):
            self.query_one(widget).display = False
        self._worker = self._sign_in()

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.is_running

    @work(exclusive=True, group="sign-in")
    async def _sign_in(self) -> None:
        vault = self.app.context.vault
        try:
            sign_in = await credentials.start_sign_in(
                vault, self.credential_id, connector_id=self.connector_id
            )
            self.show_code(sign_in)
            await credentials.finish_sign_in(
                vault,
                self.credential_id,
                sign_in,
                connector_id=self.connector_id,
                on_wait=self._waited,
            )
        except asyncio.CancelledError:
            self._stop_countdown()
            raise
        except TokenError as exc:
            self._finish(False, str(exc), exc.hint)
        except ServiceError as exc:
            self._finish(False, str(exc))
        except DATABASE_ERRORS as exc:
            self._finish(False, f"Cannot write to the database: {exc}")
        else:
            self.signed_in = True
            self._finish(True, "Signed in: the credential keeps the sign-in and can send.")

    def show_code(self, sign_in: DeviceSignIn) -> None:
        """The address and the code to enter there, and the countdown to the code's expiry."""
        self.sign_in = sign_in
        # literal(): the mailbox is data.
        self.query_one("#sign-in-status", Static).update(
            literal(
                "On any device (a phone, a laptop), open this address, enter the code, "
                f"then sign in as {self.mailbox}:"
            )
        )
        # literal(): the address and the code come from the provider.
        url = sign_in.verification_uri
        self.query_one("#sign-in-url", Static).update(literal(url))
        self.query_one("#sign-in-code", Static).update(literal(sign_in.user_code))
        for widget in ("#sign-in-url-label", "#sign-in-code-label"):
            self.query_one(widget).display = True
        self._tick()
        if self._countdown is None:
            self._countdown = self.set_interval(1, self._tick)

    def _tick(self) -> None:
        """The countdown: only its own line is redrawn."""
        if self.sign_in is None:
            return
        left = remaining_seconds(self.sign_in.expires_at, self.clock())
        minutes, seconds = divmod(left, 60)
        text = (
            f"Waiting for the sign-in… The code expires in {minutes}:{seconds:02d}."
            if left
            else "The code has expired."
        )
        self.query_one("#sign-in-countdown", Label).update(text)

    def _waited(self) -> None:
        self.polls += 1

    def _stop_countdown(self) -> None:
        if self._countdown is not None:
            self._countdown.stop()

    def _finish(self, ok: bool, text: str, hint: str = "") -> None:
        self._stop_countdown()
        self.query_one("#sign-in-countdown").display = False
        # The provider's error and its description, shown as they are.
        show_verdict(self.query_one("#sign-in-verdict", Static), ok, text, hint)
        self.query_one("#sign-in-close", Button).label = "Close (esc)"

    def action_cancel(self) -> None:
        if self.running and self._worker is not None:
            # Nothing is stored until the provider answers yes: stopping keeps the old state.
            self._worker.cancel()
        self._stop_countdown()
        self.dismiss(self.signed_in)

    @on(Button.Pressed, "#sign-in-close")
    def _close_pressed(self) -> None:
        self.action_cancel()
