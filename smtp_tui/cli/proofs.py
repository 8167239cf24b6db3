"""`smtp-tui test ACCOUNT --to ADDR`: a test e-mail from a script.

The transcript and the verdict are printed.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from smtp_tui import glyphs
from smtp_tui.cli.output import error, say
from smtp_tui.errors import NotFound, ServiceError, ValidationFailed
from smtp_tui.lazy import lazy_module

if TYPE_CHECKING:
    from smtp_tui import accounts, validation
    from smtp_tui.store.context import AppContext
else:
    accounts = lazy_module("smtp_tui.accounts")
    validation = lazy_module("smtp_tui.validation")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(commands, parents=()) -> None:
    parser = commands.add_parser(
        "test",
        parents=list(parents),
        help="send a test e-mail through an account and print the SMTP dialogue",
        description=(
            "Send a test e-mail through ACCOUNT (its name or code), printing the SMTP dialogue "
            "(secrets masked) and a verdict. Exit 0 when it worked, 1 when it failed, "
            "2 on a usage error."
        ),
    )
    parser.add_argument("account", metavar="ACCOUNT", help="the account's name or code")
    parser.add_argument("--to", required=True, metavar="ADDR", help="the recipient")
    parser.add_argument("--subject", help="default: the test window's subject")
    parser.add_argument("--body", help="default: the test window's body")
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="stop after RCPT TO: check connection, login, sender and recipient; send nothing",
    )
    parser.add_argument(
        "--timeout", metavar="SECONDS", help="seconds each step may take (default: the account's)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, context: AppContext) -> int:
    # Sending (aiosmtplib, python-socks), asyncio and dataclasses are imported by the command
    # that sends (see cli.py).
    import asyncio
    from dataclasses import replace

    from smtp_tui import proofs
    from smtp_tui.mail.compose import TEST_BODY, TEST_SUBJECT

    try:
        account = accounts.find(args.account)
        attempt = proofs.prepare_saved(
            account.code,
            context.vault,
            to=args.to,
            subject=TEST_SUBJECT if args.subject is None else args.subject,
            body=TEST_BODY if args.body is None else args.body,
            check_only=args.check_only,
        )
        if args.timeout is not None:
            attempt = replace(
                attempt,
                server=replace(
                    attempt.server, timeout=float(validation.timeout_seconds(args.timeout))
                ),
            )
    except ValidationFailed as failure:
        for message in failure.errors.values():
            error(message)
        return EXIT_USAGE
    except (NotFound, validation.FieldError) as exc:
        error(str(exc))
        return EXIT_USAGE
    except ServiceError as exc:
        error(str(exc))
        return EXIT_FAILED
    say(f"Testing '{account.name}' (code {account.code}) → {attempt.recipient}")
    proving = proofs.Proving(attempt)
    try:
        outcome = asyncio.run(proving.run(on_line=lambda line: say(str(line))))
    except KeyboardInterrupt:
        error("Cancelled.")
        if proving.note:
            error(proving.note)
        return EXIT_FAILED
    note = proving.note
    symbols = glyphs.current()
    say(f"{symbols.ok if outcome.ok else symbols.failed} {outcome.verdict}")
    if outcome.failure is not None:
        say(f"Hint: {outcome.failure.hint}")
    # The exit code still says what the server did: a script asks whether the mail went.
    if note:
        error(note)
    return EXIT_OK if outcome.ok else EXIT_FAILED
