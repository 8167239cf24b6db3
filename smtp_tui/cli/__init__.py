"""`smtp-tui` and `python -m smtp_tui`: open the TUI, or run a command for scripts.

Opening the TUI imports nothing that only a command uses: the command modules are imported
to build the whole parser (parse_args), and they import sending (aiosmtplib, python-socks)
and XLSX (xlsxwriter) inside the commands that need them. That keeps their import time out
of every start (measured in bench/results.md).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smtp_tui import __version__, glyphs
from smtp_tui.choices import DB_ENV, KEY_FILE_ENV
from smtp_tui.cli.output import error, one_line, refused
from smtp_tui.errors import DatabaseUnavailable, NotFound, ServiceError, ValidationFailed

if TYPE_CHECKING:
    from smtp_tui.store.context import AppContext

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
MOUSE_ENV = "SMTP_TUI_MOUSE"
NO_TERMINAL = (
    "The TUI needs a terminal (with ssh, use ssh -t); "
    "every command works without one: smtp-tui --help"
)


class Parser(argparse.ArgumentParser):
    """argparse, whose usage errors echo what was typed (`invalid choice: '...'`): escaped and
    cut like every message, so an argument can neither drive the terminal nor flood it."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)}\n")


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The command line; without `commands`, only the options that open the TUI (parse_args)."""
    parser = Parser(
        prog="smtp-tui",
        description=(
            "Browse, search, add, edit and test the outbound SMTP accounts of an appliance."
        ),
        add_help=commands,
        exit_on_error=commands,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL_OR_PATH",
        help=f"SQLite file, or sqlite:///, postgresql:// or mysql:// URL (env {DB_ENV}; "
        "default: smtp-tui.db in your data directory)",
    )
    parser.add_argument(
        "--key-file",
        metavar="PATH",
        help=f"file holding the key that encrypts credential secrets (env {KEY_FILE_ENV}; "
        "default: secret.key in your data directory)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="fill an empty database with about 75 sample accounts to explore",
    )
    parser.add_argument(
        "--no-mouse",
        action="store_true",
        help="leave the terminal's mouse alone, to select and paste text with it; keys do "
        f"everything (env {MOUSE_ENV}=0)",
    )
    if not commands:
        return parser
    from smtp_tui.cli import accounts, audit, checks, presets, proofs, registry, reports

    # --db and --key-file may also follow the command (smtp-tui test X --db ...).
    common = Parser(add_help=False)
    common.add_argument(
        "--db", metavar="URL_OR_PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    common.add_argument(
        "--key-file", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    subparsers = parser.add_subparsers(
        title="commands", metavar="COMMAND", description="without a command, smtp-tui opens the TUI"
    )
    accounts.add_parser(subparsers, [common])
    registry.add_parsers(subparsers, [common])
    reports.add_parsers(subparsers, [common])
    audit.add_parser(subparsers, [common])
    presets.add_parser(subparsers, [common])
    proofs.add_parser(subparsers, parents=[common])
    checks.add_parser(subparsers, parents=[common])
    return parser


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Opening the TUI takes options only, which a parser without the commands reads: building
    every command's parser would add to each start (measured in bench/results.md). A command,
    -h or a mistake goes to the whole parser, which runs it or explains it."""
    try:
        args, rest = build_parser(commands=False).parse_known_args(argv)
        if not rest:
            return args
    except argparse.ArgumentError:
        # E.g. --db without its value.
        pass
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # Ctrl+c at a prompt or mid-command: what was done is committed or not at all.
        error("Interrupted.")
        return EXIT_REFUSED


def _main(argv: Sequence[str] | None) -> int:
    # ✓ or OK: the terminal's symbols (the Linux console, LANG=C), decided once for the run.
    glyphs.decide()
    args = parse_args(argv)
    command = getattr(args, "run", None)
    if command is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Textual would draw into a pipe, and wait for keys from nowhere, for ever (ssh without -t).
        error(NO_TERMINAL)
        return EXIT_USAGE
    # Imported once the command line is read: --help and --version print without the data layer.
    from smtp_tui.store.config import Config
    from smtp_tui.store.context import AppContext

    config = Config.resolve(database=args.db, key_file=args.key_file)
    try:
        context = AppContext.open(config)
    except DatabaseUnavailable as exc:
        error(str(exc))
        return EXIT_REFUSED
    for warning in context.warnings:
        error(f"warning: {warning}")
    if args.demo:
        from smtp_tui import demo

        try:
            demo.fill(context.vault)
        except ServiceError as exc:
            # A key file that is not this database's.
            error(str(exc))
            return EXIT_REFUSED
    if command is not None:
        return run_command(args, context)
    # Start-up makes a few hundred thousand objects that live as long as the app, and almost
    # no garbage: the collector's passes over them only delay the first page. SmtpApp turns
    # it back on once that page is on the screen (SmtpApp.on_ready).
    gc.disable()
    # Imported here, so that Textual loads only for the TUI.
    from smtp_tui.app import SmtpApp

    SmtpApp(context).run(mouse=wants_mouse(args))
    return EXIT_OK


def wants_mouse(args: argparse.Namespace) -> bool:
    """Whether the TUI asks the terminal for mouse reports: not with --no-mouse or
    SMTP_TUI_MOUSE=0 (or no, off, false). A terminal reporting the mouse to the app no
    longer selects text itself (without holding shift, in most terminals)."""
    refused = os.environ.get(MOUSE_ENV, "").strip().lower() in ("0", "no", "off", "false")
    return not (args.no_mouse or refused)


def run_command(args: argparse.Namespace, context: AppContext) -> int:
    """Run a script command: refusals become one line per problem on stderr, never a traceback."""
    from smtp_tui.errors import DATABASE_ERRORS
    from smtp_tui.store.vault import VaultError

    try:
        return args.run(args, context)
    except ValidationFailed as failure:
        refused(failure)
        return EXIT_REFUSED
    except NotFound as exc:
        # The ACCOUNT (or NAME) given names nothing.
        error(str(exc))
        return EXIT_USAGE
    except (ServiceError, VaultError) as exc:
        error(str(exc))
        return EXIT_REFUSED
    except DATABASE_ERRORS as exc:
        error(f"The database refused: {exc}")
        return EXIT_REFUSED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
