"""Proving an account (a test e-mail, or a check): prepare an attempt from an account, saved
or as edited, run it and keep its outcome. The test window, `smtp-tui test` and `check` all
go through here: `prepare` (or `prepare_saved`), then `Proving(attempt).run()`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from smtp_tui import accounts, audit, connectors, credentials, settings, validation
from smtp_tui.errors import DATABASE_ERRORS, Refused, ValidationFailed
from smtp_tui.mail.compose import Envelope, compose
from smtp_tui.mail.transcript import Line
from smtp_tui.mail.transport import Outcome, ServerSettings, TokenSource, deliver
from smtp_tui.oauth2.records import IssuedToken
from smtp_tui.store.config import current_user
from smtp_tui.store.database import write_transaction
from smtp_tui.store.models import Credential, SmtpAccount, TestRun, utc_now
from smtp_tui.store.vault import Vault
from smtp_tui.validation import AccountInput


@dataclass(frozen=True)
class Attempt:
    """A test ready to go: where to, and what."""

    account_code: int | None  # None for an account not saved yet: nothing is recorded
    server: ServerSettings
    envelope: Envelope
    recipient: str
    check_only: bool


def _stored_secret_may_go(data: AccountInput, saved: SmtpAccount | None) -> bool:
    """The stored secret goes only to the saved host and port of the saved credential, so that
    an edited host cannot be made to receive it."""
    return (
        saved is not None
        and saved.host == data.host
        and saved.port == int(data.port)
        and saved.credential_id == data.credential_id
    )


def needs_typed_secret(data: AccountInput, saved: SmtpAccount | None) -> bool:
    """Whether a test of `data` (as edited) must be given the credential's secret by hand.
    Never for an OAuth2 credential: nobody types a token (its test waits for a save)."""
    cleaned, errors = validation.validate_account(data)
    if errors or not cleaned.authentication or _stored_secret_may_go(cleaned, saved):
        return False
    credential = Credential.get_or_none(Credential.id == cleaned.credential_id)
    return credential is None or credential.kind == "password"


def _validated(data: AccountInput) -> AccountInput:
    cleaned, errors = validation.validate_account(data)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def server_settings(
    data: AccountInput,
    vault: Vault,
    *,
    saved: SmtpAccount | None = None,
    typed_secret: str | None = None,
) -> ServerSettings:
    """How to reach the server of `data` (validated), with the secrets it needs."""
    return _server_settings(_validated(data), vault, saved, typed_secret)


def _server_settings(
    cleaned: AccountInput, vault: Vault, saved: SmtpAccount | None, typed_secret: str | None
) -> ServerSettings:
    username = password = credential_name = None
    oauth2: dict = {}
    # Validated, an input names its credential exactly when it authenticates, its connector
    # exactly when it uses one, and its security exactly when the connection is secure.
    if cleaned.credential_id is not None:
        credential = credentials.get(cleaned.credential_id)
        username, credential_name = credential.username, credential.name
        if credential.kind != "password":
            # The token, like a stored secret, goes only to the saved host and port.
            if not _stored_secret_may_go(cleaned, saved):
                raise Refused(
                    "The host, port or credential differ from the saved account, so no OAuth2 "
                    f"token of '{credential.name}' is sent. Save the account first."
                )
            oauth2 = _token_settings(vault, credential)
        elif typed_secret:
            password = typed_secret
        elif _stored_secret_may_go(cleaned, saved):
            password = credentials.reveal(vault, credential)
        else:
            raise Refused(
                "The host, port or credential differ from the saved account, so the stored secret "
                f"of '{credential.name}' is not sent. Type it for this test, "
                "or save the account first."
            )
    proxy = ssh = None
    if cleaned.connector_id is not None and connectors.get(cleaned.connector_id).kind == "ssh":
        if oauth2:
            raise Refused(
                "An OAuth2 token cannot be fetched through an SSH connector yet: choose a proxy "
                "connector for this account, or a password credential."
            )
        ssh = connectors.ssh_settings(vault, cleaned.connector_id)
    elif cleaned.connector_id is not None:
        proxy = connectors.proxy_settings(vault, cleaned.connector_id)
    return ServerSettings(
        host=cleaned.host,
        port=int(cleaned.port),
        security=cleaned.secure_type or "none",
        verify_certificates=not cleaned.ignore_cert_errors,
        username=username,
        password=password,
        proxy=proxy,
        timeout=float(cleaned.timeout),
        credential_name=credential_name or "",
        ssh=ssh,
        **oauth2,
    )


def _token_settings(vault: Vault, credential: Credential) -> dict:
    """The XOAUTH2 part of the settings: where the send's access token comes from."""
    credential_id = credential.id

    async def fetch(ssl_context, proxy: str | None, timeout: float) -> IssuedToken:
        return await credentials.issue_token(
            vault, credential_id, ssl_context=ssl_context, proxy=proxy, timeout=timeout
        )

    return {
        "mechanism": "xoauth2",
        "token": TokenSource(
            fetch, credentials.endpoints(credential).token_url, credentials.grant_label(credential)
        ),
        "credential_kind": credential.kind,
    }


def prepare(
    data: AccountInput,
    vault: Vault,
    *,
    to: str,
    subject: str,
    body: str,
    check_only: bool = False,
    account_code: int | None = None,
    saved: SmtpAccount | None = None,
    typed_secret: str | None = None,
) -> Attempt:
    """Validate the recipient, subject, body and the account, and compose the test message."""
    message, errors = validation.validate_test_message(to, subject, body)
    if errors:
        raise ValidationFailed(errors)
    recipient, subject, body = message["recipient"], message["subject"], message["body"]
    cleaned = _validated(data)
    server = _server_settings(cleaned, vault, saved, typed_secret)
    envelope = compose(
        cleaned,
        to=[recipient],
        subject=subject,
        body=body,
        footer_text=settings.get(settings.FOOTER),
    )
    return Attempt(account_code, server, envelope, recipient, check_only)


def prepare_saved(code: int, vault: Vault, **kwargs) -> Attempt:
    """`prepare` for a saved account, as it is stored."""
    account = accounts.get(code)
    return prepare(
        AccountInput.from_account(account), vault, account_code=code, saved=account, **kwargs
    )


def outcome_label(outcome: Outcome | None) -> str:
    """How an attempt ended, as kept on the account: delivered, checked, failed STEP, cancelled."""
    if outcome is None:
        return "cancelled"
    if outcome.failure is None:
        return "checked" if outcome.check_only else "delivered"
    return f"failed {outcome.failure.step}"


def record(
    attempt: Attempt,
    outcome: Outcome | None,
    *,
    cancelled_after: float = 0.0,
    actor: str | None = None,
) -> TestRun | None:
    """Keep the attempt (masked transcript included) and the account's last test."""
    if attempt.account_code is None:
        return None
    label = outcome_label(outcome)
    now = utc_now()
    with write_transaction():
        run = TestRun.create(
            account=attempt.account_code,
            started_at=now,
            started_by=actor or current_user(),
            recipient=attempt.recipient,
            mode="check" if attempt.check_only else "send",
            outcome=label.split(" ")[0],
            step=outcome.failure.step if outcome and outcome.failure else "",
            summary=outcome.verdict if outcome else "Cancelled before the server answered.",
            hint=outcome.failure.hint if outcome and outcome.failure else "",
            duration_ms=int(1000 * (outcome.duration if outcome else cancelled_after)),
            transcript=outcome.transcript.text() if outcome else "",
        )
        SmtpAccount.update(last_test_at=now, last_test_outcome=label).where(
            SmtpAccount.code == attempt.account_code
        ).execute()
        account = SmtpAccount.get_or_none(SmtpAccount.code == attempt.account_code)
        audit.record(
            "test",
            "account",
            attempt.account_code,
            account.name if account else "",
            actor=actor,
            summary=(
                f"{'Check' if attempt.check_only else 'Test e-mail'} to "
                f"{attempt.recipient}: {label}"
                + (f" ({outcome.failure.summary})" if outcome and outcome.failure else "")
            ),
        )
    return run


def keep(
    attempt: Attempt,
    outcome: Outcome | None,
    *,
    cancelled_after: float = 0.0,
    actor: str | None = None,
) -> str | None:
    """`record`, or when the database cannot take it (locked by a long import, say) a note that
    says so: the verdict stands either way, since the server has already answered."""
    try:
        record(attempt, outcome, cancelled_after=cancelled_after, actor=actor)
    except DATABASE_ERRORS as exc:
        return (
            f"Not recorded: the database did not take this test ({exc}); "
            "it is missing from the test history, the account's last test and the audit trail."
        )
    return None


class Proving:
    """One attempt, run and kept: `outcome = await Proving(attempt).run(on_line)`. Afterwards
    (or after a cancellation, which is kept as such and raised again) `note` says when the
    database could not keep it; the verdict stands either way."""

    def __init__(self, attempt: Attempt, *, actor: str | None = None):
        self.attempt = attempt
        self.actor = actor
        self.note: str | None = None
        self.started: float | None = None

    @property
    def elapsed(self) -> float:
        """Seconds since the attempt started (0 before): what a window waiting on a silent
        server shows, and when a stopped attempt was stopped."""
        return 0.0 if self.started is None else time.monotonic() - self.started

    async def run(self, on_line: Callable[[Line], None] | None = None) -> Outcome:
        attempt = self.attempt
        started = self.started = time.monotonic()
        try:
            outcome = await deliver(
                attempt.server, attempt.envelope, check_only=attempt.check_only, on_line=on_line
            )
        except asyncio.CancelledError:
            elapsed = time.monotonic() - started
            self.note = keep(attempt, None, cancelled_after=elapsed, actor=self.actor)
            raise
        self.note = keep(attempt, outcome, actor=self.actor)
        return outcome


def history(code: int, limit: int = 100) -> list[TestRun]:
    """The account's tests, newest first."""
    return list(
        TestRun.select()
        .where(TestRun.account == code)
        .order_by(TestRun.started_at.desc(), TestRun.id.desc())
        .limit(limit)
    )
