"""`smtp-tui check [ACCOUNT...] [--all]`: the fleet check, for cron and the monitoring system.

A table for people, `--json` for scripts, `--prometheus FILE` for node_exporter's textfile
collector. Exit 0 when every account checked passed, 1 when any failed, 2 on a usage error,
130 when interrupted (nothing written then).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from smtp_tui import glyphs
from smtp_tui.cli.output import as_json, error, say, table
from smtp_tui.errors import NotFound
from smtp_tui.lazy import lazy_module

if TYPE_CHECKING:
    from smtp_tui import checks, validation
    from smtp_tui.checks import CheckResult
    from smtp_tui.store.context import AppContext
else:
    checks = lazy_module("smtp_tui.checks")
    validation = lazy_module("smtp_tui.validation")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
CONCURRENCY_MAX = 64
TIMEOUT_MAX = 300.0  # seconds, as validation.timeout_seconds allows an account

HELP = {
    "up": "1 when the account's check passed, 0 when it failed.",
    "seconds": "Seconds the account's check took.",
    "expiry": "When the account's server certificate expires (Unix time), as the check saw it.",
    "timestamp": "When smtp-tui check last finished (Unix time): alert when it grows stale.",
}


def add_parser(commands, parents=()) -> None:
    parser = commands.add_parser(
        "check",
        parents=list(parents),
        help="check accounts at once (connect, TLS, login, QUIT; no message) for cron and "
        "monitoring",
        description=(
            "Check the named accounts (names or codes), or with --all every active one: "
            "connect, secure the connection, log in and QUIT, sending no message; with --to "
            "also MAIL FROM and RCPT TO. Each check is kept in the account's test history. "
            "Exit 0 when every account passed, 1 when any failed, 2 on a usage error, "
            "130 when interrupted."
        ),
    )
    parser.add_argument("accounts", nargs="*", metavar="ACCOUNT", help="an account's name or code")
    parser.add_argument(
        "--all", action="store_true", help="every active account (inactive ones only when named)"
    )
    parser.add_argument("--json", action="store_true", help="a JSON array, one object an account")
    parser.add_argument(
        "--prometheus",
        metavar="FILE",
        help="also write a node_exporter textfile (replaced whole, never half-written)",
    )
    parser.add_argument(
        "--concurrency", metavar="N", default="4", help="accounts checked at once (default 4)"
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        help="seconds each account's check may take in all (default: the account's timeout)",
    )
    parser.add_argument(
        "--to", metavar="ADDR", help="also run MAIL FROM and RCPT TO for this recipient (no DATA)"
    )
    parser.set_defaults(run=run)


def _usage(args: argparse.Namespace) -> tuple[int, float | None, str | None] | str:
    """The concurrency, timeout and recipient, or the one line that says what is wrong."""
    if not args.accounts and not args.all:
        return "Name the accounts to check, or give --all for every active account."
    if args.accounts and args.all:
        return "Give account names or --all, not both."
    try:
        concurrency = int(str(args.concurrency).strip())
    except ValueError:
        concurrency = 0
    if not 1 <= concurrency <= CONCURRENCY_MAX:
        return f"--concurrency must be a whole number from 1 to {CONCURRENCY_MAX}."
    timeout = None
    if args.timeout is not None:
        try:
            timeout = float(str(args.timeout).strip())
        except ValueError:
            timeout = math.nan
        if not 0 < timeout <= TIMEOUT_MAX:
            return f"--timeout must be a number of seconds above 0 and at most {TIMEOUT_MAX:g}."
    to = None
    if args.to is not None:
        try:
            to = validation.email_address(args.to, "--to", required=True)
        except validation.FieldError as exc:
            return str(exc)
    return concurrency, timeout, to


def run(args: argparse.Namespace, context: AppContext) -> int:
    # asyncio and the sending stack are imported by the command that sends (see cli.py).
    import asyncio

    usage = _usage(args)
    if isinstance(usage, str):
        error(usage)
        return EXIT_USAGE
    concurrency, timeout, to = usage
    try:
        chosen = checks.targets(args.accounts, args.all)
    except NotFound as exc:
        error(str(exc))
        return EXIT_USAGE
    try:
        results = asyncio.run(
            checks.run(
                [account.code for account in chosen],
                context.vault,
                concurrency=concurrency,
                timeout=timeout,
                to=to,
            )
        )
        if args.prometheus is not None:
            written = _write_prometheus(args.prometheus, results)
            if written is not None:
                error(written)
                return EXIT_FAILED
    except KeyboardInterrupt:
        error("Interrupted: the unfinished checks were stopped and nothing was written.")
        return EXIT_INTERRUPTED
    if args.json:
        as_json([result.as_json() for result in results])
    elif not results:
        say("No active account to check.")
    else:
        _print_table(results)
    return EXIT_OK if all(result.ok for result in results) else EXIT_FAILED


def _print_table(results: list[CheckResult]) -> None:
    from smtp_tui.store.models import utc_now

    symbols, now = glyphs.current(), utc_now()

    def expiry(result: CheckResult) -> str:
        days = checks.days_left(result.certificate_expires, now)
        if days is None:
            return ""
        warning = checks.expiry_warning(result.certificate_expires, now)
        return f"{symbols.warning} {days} d" if warning else f"{days} d"

    table(
        ("Account", "Verdict", "Step", "Reply", "Time", "TLS", "Cert expires"),
        (
            (
                r.account,
                f"{symbols.ok} passed" if r.ok else f"{symbols.failed} failed",
                r.step,
                r.reply,
                f"{r.seconds:.2f} s",
                r.tls_version or "",
                expiry(r),
            )
            for r in results
        ),
    )
    failed = sum(not r.ok for r in results)
    say(f"{len(results) - failed} passed, {failed} failed.")


def prometheus_text(results: list[CheckResult], finished: float) -> bytes:
    """The node_exporter textfile: the client library writes it (its escaping of labels)."""
    from prometheus_client import CollectorRegistry, Gauge, generate_latest

    registry = CollectorRegistry()
    labels = ("account", "code")
    up = Gauge("smtp_tui_account_up", HELP["up"], labels, registry=registry)
    seconds = Gauge("smtp_tui_account_check_seconds", HELP["seconds"], labels, registry=registry)
    expiry = Gauge(
        "smtp_tui_certificate_expiry_timestamp_seconds", HELP["expiry"], labels, registry=registry
    )
    stamp = Gauge("smtp_tui_check_timestamp_seconds", HELP["timestamp"], registry=registry)
    for result in results:
        values = (result.account, str(result.code))
        up.labels(*values).set(1 if result.ok else 0)
        seconds.labels(*values).set(round(result.seconds, 3))
        if result.certificate_expires is not None:
            expiry.labels(*values).set(_unix(result.certificate_expires))
    stamp.set(finished)
    return generate_latest(registry)


def _unix(moment) -> float:
    from datetime import UTC

    return moment.replace(tzinfo=UTC).timestamp()


def _write_prometheus(named: str, results: list[CheckResult]) -> str | None:
    """Write the textfile whole (smtp_tui.files); None, or the one line that says why not."""
    import time

    from smtp_tui import files

    text = prometheus_text(results, time.time())
    try:
        with files.write_to(named) as stream:
            stream.write(text)
    except OSError as exc:
        return files.message(named, exc)
    return None
