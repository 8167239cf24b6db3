"""`smtp-tui accounts ...`: list, show, add, edit, delete, export and import accounts."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from smtp_tui.cli.output import as_json, as_json_array, error, one_line, refused, say, table, yes_no
from smtp_tui.cli.presets import preset_option
from smtp_tui.errors import NotFound, ValidationFailed
from smtp_tui.lazy import lazy_module

if TYPE_CHECKING:
    from smtp_tui import (
        account_records,
        accounts,
        connectors,
        credentials,
        presets,
        validation,
        verdicts,
    )
else:
    account_records = lazy_module("smtp_tui.account_records")
    accounts = lazy_module("smtp_tui.accounts")
    connectors = lazy_module("smtp_tui.connectors")
    credentials = lazy_module("smtp_tui.credentials")
    presets = lazy_module("smtp_tui.presets")
    validation = lazy_module("smtp_tui.validation")
    verdicts = lazy_module("smtp_tui.verdicts")

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
FLAG_OPTIONS = (
    ("read_confirmation", "read confirmation: ask for a read receipt"),
    ("force_config", "force this account's From, Reply-To and Return-Path"),
    ("footer", "append the footer text"),
    ("ignore_cert_errors", "skip certificate and host-name checks (a warning everywhere)"),
)


def add_parser(commands, parents) -> None:
    group = commands.add_parser(
        "accounts", help="list, show, add, edit, delete, export, import accounts", parents=parents
    )
    sub = group.add_subparsers(title="commands", metavar="COMMAND", required=True)

    listing = sub.add_parser(
        "list", help="the report, filtered like the search panel", parents=parents
    )
    listing.add_argument("--json", action="store_true", help="print JSON (stable keys, no secrets)")
    add_filter_options(listing)
    listing.set_defaults(run=list_accounts)

    show = sub.add_parser("show", help="one account, every field", parents=parents)
    show.add_argument("account", metavar="ACCOUNT", help="name or code")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=show_account)

    add = sub.add_parser("add", help="add an account", parents=parents)
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True, help="the From address")
    # Required unless --preset gives them (add_account).
    add.add_argument("--host")
    add.add_argument("--port")
    add.add_argument("--inactive", dest="active", action="store_false", default=None)
    _account_options(add, editing=False)
    add.set_defaults(run=add_account)

    edit = sub.add_parser("edit", help="change some fields of an account", parents=parents)
    edit.add_argument("account", metavar="ACCOUNT", help="name or code")
    edit.add_argument("--name")
    edit.add_argument("--email")
    edit.add_argument("--host")
    edit.add_argument("--port")
    edit.add_argument("--active", dest="active", action="store_true", default=None)
    edit.add_argument("--inactive", dest="active", action="store_false")
    _account_options(edit, editing=True)
    edit.set_defaults(run=edit_account)

    delete = sub.add_parser("delete", help="delete an account", parents=parents)
    delete.add_argument("account", metavar="ACCOUNT", help="name or code")
    delete.add_argument("--yes", action="store_true", help="do not ask")
    delete.set_defaults(run=delete_account)

    export = sub.add_parser(
        "export", help="every account as JSON (no secrets) on stdout", parents=parents
    )
    export.add_argument("--format", choices=("json",), default="json")
    export.set_defaults(run=export_accounts)

    imports = sub.add_parser(
        "import", help="add the accounts of a JSON file: all of them, or none", parents=parents
    )
    imports.add_argument("file", metavar="FILE.json")
    imports.set_defaults(run=import_accounts)


def _account_options(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    preset_option(parser)
    for option in ("reply-to", "return-path", "confirmation-email"):
        parser.add_argument(f"--{option}", metavar="ADDR", help="'' clears it" if editing else None)
    parser.add_argument(
        "--default",
        action=argparse.BooleanOptionalAction if editing else "store_true",
        default=None,
        help="make it the default account",
    )
    for field, help_text in FLAG_OPTIONS:
        parser.add_argument(
            f"--{field.replace('_', '-')}",
            dest=field,
            default=None,
            help=help_text,
            action=argparse.BooleanOptionalAction if editing else "store_true",
        )
    parser.add_argument(
        "--secure",
        choices=("ssl", "tls", "none"),
        help="SSL (implicit TLS), TLS (STARTTLS) or none",
    )
    parser.add_argument(
        "--credential", metavar="NAME", help="log in with this credential (authentication yes)"
    )
    parser.add_argument("--connector", metavar="NAME", help="go through this network connector")
    parser.add_argument(
        "--timeout", metavar="SECONDS", help="seconds each step of a send may take (default 30)"
    )
    if editing:
        parser.add_argument("--no-credential", action="store_true", help="authentication no")
        parser.add_argument("--no-connector", action="store_true", help="use no network connector")


def _apply(data: validation.AccountInput, args: argparse.Namespace) -> validation.AccountInput:
    """`data` with the options given on the command line, over the preset's server when
    --preset is given; unknown names are field errors."""
    if args.preset is not None:
        data = presets.apply(data, args.preset)
    changes: dict = {}
    for field in (
        "name",
        "email",
        "host",
        "port",
        "reply_to",
        "return_path",
        "confirmation_email",
        "timeout",
        "active",
        "read_confirmation",
        "force_config",
        "footer",
        "ignore_cert_errors",
    ):
        value = getattr(args, field, None)
        if value is not None:
            changes[field] = value
    if args.default is not None:
        changes["is_default"] = args.default
    if args.secure is not None:
        changes |= {
            "secure": args.secure != "none",
            "secure_type": None if args.secure == "none" else args.secure.upper(),
        }
    errors = {}
    # --credential NAME / --no-credential, and the same for the connector:
    # (option, service, switch).
    for option, service, switch in (
        ("credential", credentials, "authentication"),
        ("connector", connectors, "use_connector"),
    ):
        if getattr(args, f"no_{option}", False):
            changes |= {switch: False, f"{option}_id": None}
        if getattr(args, option):
            try:
                changes |= {switch: True, f"{option}_id": service.find(getattr(args, option)).id}
            except NotFound as exc:
                errors[option] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    import dataclasses  # not at the top: --help would wait for it (inspect, ast)

    return dataclasses.replace(data, **changes)


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """The search panel's filters as options."""
    parser.add_argument("--code", metavar="N")
    for option in ("name", "email", "reply-to", "return-path", "confirmation-email"):
        parser.add_argument(f"--{option}", metavar="S", default="", help="contains S, any case")
    parser.add_argument("--status", choices=("active", "inactive", "any"), default="any")


def filters_from(args: argparse.Namespace) -> accounts.Filters:
    """The filter options as the search panel's; raises FieldError naming the option at fault."""
    texts = {
        field: validation.text(
            getattr(args, field),
            f"--{field.replace('_', '-')}",
            required=False,
            max_length=validation.ADDRESS_MAX,
        )
        for field in accounts.TEXT_FILTERS
    }
    return accounts.Filters(code=validation.account_code(args.code), status=args.status, **texts)


def list_accounts(args, context) -> int:
    try:
        filters = filters_from(args)
    except validation.FieldError as exc:
        error(str(exc))
        return EXIT_USAGE
    if args.json:
        as_json_array(account_records.records(filters), flat=True)
        return EXIT_OK
    rows = list(accounts.iterate(filters))
    table(
        ("Code", "Name", "E-mail", "Status", "Default", "Secure", "Server", "Last test"),
        [
            (
                a.code,
                a.name,
                a.email,
                "active" if a.active else "inactive",
                yes_no(a.is_default),
                (a.secure_type or "yes") if a.secure else "no",
                f"{a.host}:{a.port}",
                verdicts.label(
                    a.last_test_outcome, a.last_test_at, expires=a.certificate_expires_at
                ),
            )
            for a in rows
        ],
    )
    say(
        f"{len(rows)} account{'s' if len(rows) != 1 else ''}"
        + (f" · {filters.describe()}" if not filters.is_empty() else "")
    )
    return EXIT_OK


def show_account(args, context) -> int:
    account = accounts.find(args.account)
    record = account_records.to_record(account)
    if args.json:
        as_json(record)
    else:
        width = max(len(k) for k in record)
        for key, value in record.items():
            shown = yes_no(value) if isinstance(value, bool) else ("" if value is None else value)
            say(f"{key.replace('_', ' '):{width}}  {shown}")
    return EXIT_OK


def add_account(args, context) -> int:
    missing = [f"--{field}" for field in ("host", "port") if getattr(args, field) is None]
    if missing and args.preset is None:
        error(
            f"accounts add needs {' and '.join(missing)}, or --preset NAME for a provider's "
            "server (smtp-tui presets lists them)."
        )
        return EXIT_USAGE
    data = _apply(validation.AccountInput(), args)
    saved = accounts.save(data)
    say(f"Added '{saved.name}' (code {saved.code}).")
    _warn_about_user_name(saved)
    return EXIT_OK


def edit_account(args, context) -> int:
    account = accounts.find(args.account)
    data = _apply(validation.AccountInput.from_account(account), args)
    saved = accounts.save(data, code=account.code, expected_version=account.version)
    say(f"Saved '{saved.name}' (code {saved.code}).")
    _warn_about_user_name(saved)
    return EXIT_OK


def _warn_about_user_name(account) -> None:
    """Saved, but the provider will refuse the login: its user name is fixed (SendGrid)."""
    if account.credential is not None:
        warning = presets.user_name_warning(account.host, account.credential.username)
        if warning:
            error(f"warning: {warning}")


def delete_account(args, context) -> int:
    account = accounts.find(args.account)
    if not args.yes:
        if not sys.stdin.isatty():
            error("Refusing to delete without --yes when nobody can be asked.")
            return EXIT_USAGE
        answer = input(one_line(f"Delete '{account.name}' (code {account.code})? [y/N] "))
        if answer.strip().lower() not in ("y", "yes"):
            print("Kept.")
            return EXIT_REFUSED
    accounts.delete(account.code, expected_version=account.version)
    say(f"Deleted '{account.name}' (code {account.code}).")
    return EXIT_OK


def export_accounts(args, context) -> int:
    as_json_array(account_records.records(), flat=True)
    return EXIT_OK


def import_accounts(args, context) -> int:
    try:
        # utf-8-sig: a BOM, as some editors write, is no error.
        with open(args.file, encoding="utf-8-sig") as file:
            records = json.load(file)
    except OSError as exc:
        error(f"Cannot read {args.file}: {exc.strerror}.")
        return EXIT_USAGE
    except (ValueError, RecursionError) as exc:
        # JSONDecodeError, bad UTF-8, absurd numbers or nesting.
        error(f"{args.file} is not valid JSON: {str(exc)[:200]}.")
        return EXIT_REFUSED
    try:
        saved = account_records.import_records(records)
    except ValidationFailed as failure:
        refused(failure, with_fields=True)
        error("Nothing was imported.")
        return EXIT_REFUSED
    print(f"Imported {len(saved)} account{'s' if len(saved) != 1 else ''}.")
    return EXIT_OK
