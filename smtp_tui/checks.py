"""Fleet check (issue 19): prove many accounts at once, for cron, the monitoring system and `T`
on the report. Each check is an attempt run by proofs.Proving (the one service that talks to a
server): connect, secure, log in and QUIT, or with a recipient also MAIL FROM and RCPT TO;
never DATA. Each is kept like a test (mode proofs.FLEET) with the certificate's expiry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from smtp_tui import accounts, proofs
from smtp_tui.errors import NotFound, ServiceError, ValidationFailed
from smtp_tui.store.models import SmtpAccount
from smtp_tui.store.vault import Vault, VaultError

# The one rule for the warning mark lives with the Last test column's text (verdicts, which the
# report loads without the sending stack); the fleet check uses it as is.
from smtp_tui.verdicts import CERTIFICATE_WARNING_DAYS as WARNING_DAYS
from smtp_tui.verdicts import expiry_warning

__all__ = [
    "WARNING_DAYS",
    "CheckResult",
    "days_left",
    "expiry_warning",
    "iso",
    "run",
    "targets",
]

DEFAULT_CONCURRENCY = 4
# The step of a check that could not start: the account's saved settings or secret are unusable.
SETTINGS_STEP = "settings"


@dataclass(frozen=True)
class CheckResult:
    """How the check of one account ended."""

    account: str  # the account's name
    code: int
    ok: bool
    step: str  # where it failed ("" when it passed): settings, token, resolve, connect, ... RCPT
    reply: str  # what the server said (the failure, with its reply), or the verdict
    seconds: float
    tls_version: str | None  # "TLSv1.3"; None without TLS
    certificate_expires: datetime | None  # the server certificate's notAfter, UTC (naive)

    def as_json(self) -> dict:
        """The object `smtp-tui check --json` prints (the issue's keys, exactly)."""
        return {
            "account": self.account,
            "code": self.code,
            "ok": self.ok,
            "step": self.step,
            "reply": self.reply,
            "seconds": round(self.seconds, 3),
            "tls_version": self.tls_version,
            "certificate_expires": iso(self.certificate_expires),
        }


def iso(moment: datetime | None) -> str | None:
    """A stored UTC time as ISO 8601 text with its zone: `2026-12-10T08:00:00Z`."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def days_left(expires: datetime | None, now: datetime) -> int | None:
    """Whole days until `expires` (negative once expired), for the CLI's table."""
    if expires is None:
        return None
    return (expires - now.replace(tzinfo=None)) // timedelta(days=1)


def targets(names: list[str], all_active: bool) -> list[SmtpAccount]:
    """The accounts to check: each named one (a name or a code; inactive too when named) and,
    with `all_active`, every active account; in code order, each once. Raises NotFound with
    the name of an account that does not exist."""
    chosen: dict[int, SmtpAccount] = {}
    for name in names:
        account = accounts.find(name)
        chosen[account.code] = account
    if all_active:
        query = SmtpAccount.select().where(SmtpAccount.active).order_by(SmtpAccount.code)
        for account in query:
            chosen.setdefault(account.code, account)
    return sorted(chosen.values(), key=lambda a: a.code)


async def run(
    codes: list[int],
    vault: Vault,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float | None = None,
    to: str | None = None,
    actor: str = "",
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check the accounts `codes`, `concurrency` at a time, each bounded by `timeout` seconds
    (default: the account's own timeout); the results in the order of `codes`. `on_result` is
    told of each as it finishes. Cancelling stops every check at once; the unfinished ones are
    not kept (their last test stays as it was) and nothing is returned."""
    limit = asyncio.Semaphore(max(1, concurrency))
    # One trust store for the whole run, not one per account.
    shared: dict = {}

    async def one(code: int) -> CheckResult:
        async with limit:
            result = await _check(code, vault, timeout=timeout, to=to, actor=actor, shared=shared)
        if on_result is not None:
            on_result(result)
        return result

    tasks = [asyncio.ensure_future(one(code)) for code in codes]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        # Cancelled (or a bug): no check goes on talking to a server behind our back.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _check(
    code: int, vault: Vault, *, timeout: float | None, to: str | None, actor: str, shared: dict
) -> CheckResult:
    try:
        attempt = proofs.prepare_check(code, vault, to=to, timeout=timeout, tls_contexts=shared)
    except (ServiceError, VaultError) as exc:
        return _not_started(code, exc)
    outcome = await proofs.Proving(attempt, actor=actor or None, keep_cancelled=False).run()
    name = _name(code)
    return CheckResult(
        account=name,
        code=code,
        ok=outcome.ok,
        step=outcome.failure.step if outcome.failure else "",
        reply=outcome.failure.summary if outcome.failure else outcome.verdict,
        seconds=outcome.duration,
        tls_version=outcome.tls_version,
        certificate_expires=outcome.certificate_expires,
    )


def _not_started(code: int, exc: Exception) -> CheckResult:
    if isinstance(exc, ValidationFailed):
        reply = "; ".join(exc.errors.values())
    else:
        reply = str(exc)
    step = SETTINGS_STEP
    if isinstance(exc, NotFound):
        reply = f"No account has code {code}."
    return CheckResult(_name(code), code, False, step, reply, 0.0, None, None)


def _name(code: int) -> str:
    account = SmtpAccount.get_or_none(SmtpAccount.code == code)
    return account.name if account is not None else str(code)
