"""`smtp-tui credentials|connectors|settings ...`: what accounts log in with and go through."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING

from smtp_tui.cli import oauth
from smtp_tui.cli.output import as_json, error, say, table
from smtp_tui.errors import ValidationFailed
from smtp_tui.lazy import lazy_module

if TYPE_CHECKING:
    from smtp_tui import connectors, credentials, settings, validation
else:
    connectors = lazy_module("smtp_tui.connectors")
    credentials = lazy_module("smtp_tui.credentials")
    settings = lazy_module("smtp_tui.settings")
    validation = lazy_module("smtp_tui.validation")

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def add_parsers(commands, parents) -> None:
    group = commands.add_parser(
        "credentials", help="user names and secrets accounts log in with", parents=parents
    )
    sub = group.add_subparsers(title="commands", metavar="COMMAND", required=True)
    add = sub.add_parser(
        "add",
        help="add a credential: a password, or an OAuth2 login (--oauth2); the secret is read "
        "from a masked prompt or stdin, never from the command line",
        parents=parents,
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--username", required=True, help="the user name; for OAuth2, the mailbox")
    oauth.add_arguments(add)
    add.set_defaults(run=add_credential)
    listing = sub.add_parser("list", help="every credential (never its secret)", parents=parents)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_credentials)
    oauth.add_authorize_parser(sub, parents)
    delete = sub.add_parser("delete", help="delete a credential nobody uses", parents=parents)
    delete.add_argument("name", metavar="NAME")
    delete.set_defaults(run=delete_credential)

    group = commands.add_parser(
        "connectors", help="proxies accounts reach their server through", parents=parents
    )
    sub = group.add_subparsers(title="commands", metavar="COMMAND", required=True)
    add = sub.add_parser("add", help="add a network connector", parents=parents)
    add.add_argument("name", metavar="NAME")
    add.add_argument("--url", required=True, metavar="socks5://HOST:PORT|http://HOST:PORT")
    add.add_argument(
        "--credential", metavar="NAME", help="log in to the proxy with this credential"
    )
    add.set_defaults(run=add_connector)
    listing = sub.add_parser("list", help="every network connector", parents=parents)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_connectors)
    delete = sub.add_parser("delete", help="delete a connector no account uses", parents=parents)
    delete.add_argument("name", metavar="NAME")
    delete.set_defaults(run=delete_connector)

    group = commands.add_parser("settings", help="application-wide settings", parents=parents)
    sub = group.add_subparsers(title="commands", metavar="COMMAND", required=True)
    footer = sub.add_parser(
        "footer", help="show the footer text, or set it to TEXT", parents=parents
    )
    footer.add_argument("text", metavar="TEXT", nargs="?")
    footer.set_defaults(run=footer_text)


def _read_secret(prompt: str = "Secret (not shown): ") -> str:
    """From a masked prompt on a terminal, else the first line of stdin: never from argv.
    Read as bytes, whatever the locale: bytes that are not UTF-8 come as lone surrogates
    (as Python decodes argv), which the service refuses."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.buffer.readline().decode("utf-8", "surrogateescape").rstrip("\r\n")


def add_credential(args, context) -> int:
    if args.oauth2 is not None:
        return oauth.add_oauth2_credential(args, context, _read_secret)
    misplaced = oauth.misplaced_options(args)
    if misplaced:
        error(misplaced)
        return EXIT_USAGE
    secret = _read_secret()
    saved = credentials.save(context.vault, name=args.name, username=args.username, secret=secret)
    say(f"Added credential '{saved.name}' (secret stored encrypted).")
    return EXIT_OK


def list_credentials(args, context) -> int:
    rows = [credentials.describe(c) for c in credentials.all_credentials()]
    if args.json:
        as_json(rows)
    else:
        table(
            ("Name", "Kind", "User name", "Client ID", "Token"),
            [
                (r["name"], r["kind_label"], r["username"], r["client_id"], oauth.token_state(r))
                for r in rows
            ],
        )
    return EXIT_OK


def delete_credential(args, context) -> int:
    credential = credentials.find(args.name)
    credentials.delete(credential.id)
    say(f"Deleted credential '{credential.name}'.")
    return EXIT_OK


def add_connector(args, context) -> int:
    try:
        kind, host, port, user = validation.connector_url(args.url)
    except validation.FieldError as exc:
        raise ValidationFailed({"url": str(exc)}) from None
    credential_id = None
    if args.credential:
        credential_id = credentials.find(args.credential).id
    saved = connectors.save(
        name=args.name, kind=kind, host=host, port=port, credential_id=credential_id, username=user
    )
    say(f"Added network connector '{saved.name}' ({connectors.KINDS[kind]} {host}:{port}).")
    return EXIT_OK


def _connector_record(c) -> dict:
    return {
        "name": c.name,
        "kind": c.kind,
        "host": c.host,
        "port": c.port,
        "credential": c.credential.name if c.credential_id else None,
    }


def list_connectors(args, context) -> int:
    rows = [_connector_record(c) for c in connectors.all_connectors()]
    if args.json:
        as_json(rows)
    else:
        table(
            ("Name", "Type", "Proxy", "Credential"),
            [
                (
                    r["name"],
                    connectors.KINDS[r["kind"]],
                    f"{r['host']}:{r['port']}",
                    r["credential"] or "",
                )
                for r in rows
            ],
        )
    return EXIT_OK


def delete_connector(args, context) -> int:
    connector = connectors.find(args.name)
    connectors.delete(connector.id)
    say(f"Deleted network connector '{connector.name}'.")
    return EXIT_OK


def footer_text(args, context) -> int:
    if args.text is None:
        say(settings.get(settings.FOOTER), multi_line=True)
        return EXIT_OK
    settings.put(settings.FOOTER, args.text)
    print("Footer text saved.")
    return EXIT_OK
