"""`smtp-tui credentials|connectors|settings ...`: what accounts log in with and go through."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING

from smtp_tui.cli import bastions, oauth
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
        help="add a credential: a password, an OAuth2 login (--oauth2) or an SSH key "
        "(--ssh-key); the secret is read from a masked prompt or stdin, never from the "
        "command line",
        parents=parents,
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "--username",
        required=True,
        help="the user name; for OAuth2, the mailbox (through an SSH connector, the USER of "
        "its ssh:// URL is the one who logs in)",
    )
    add.add_argument("--ssh-key", action="store_true", help=bastions.KEY_HELP)
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
    add = sub.add_parser(
        "add", help="add a network connector: a proxy or an SSH bastion", parents=parents
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "--url",
        required=True,
        metavar="URL",
        help="socks5://HOST:PORT, http://HOST:PORT or ssh://USER@HOST[:PORT] (port 22 unless "
        "given; USER logs in to the bastion)",
    )
    add.add_argument(
        "--credential",
        metavar="NAME",
        help="log in to the proxy or the bastion with this credential (for ssh://, required: "
        "a password or an SSH key)",
    )
    check = add.add_mutually_exclusive_group()
    check.add_argument(
        "--known-hosts",
        metavar="FILE",
        help="ssh:// only: verify the bastion's host key with this known_hosts file",
    )
    check.add_argument(
        "--host-key",
        metavar="SHA256:FINGERPRINT",
        help="ssh:// only: verify the bastion's host key against this fingerprint "
        "(ssh-keygen -lf shows it)",
    )
    add.set_defaults(run=add_connector)
    host_key = sub.add_parser("host-key", help=bastions.HOST_KEY_HELP, parents=parents)
    host_key.add_argument("name", metavar="NAME")
    host_key.add_argument(
        "--pin", action="store_true", help="trust the presented key: pin its fingerprint"
    )
    host_key.add_argument(
        "--timeout", type=float, default=10.0, metavar="SECONDS", help="default: 10"
    )
    host_key.set_defaults(run=bastions.show_host_key)
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
    if args.ssh_key and args.oauth2 is not None:
        error("--ssh-key and --oauth2 are two kinds of credential: give one.")
        return EXIT_USAGE
    if args.ssh_key:
        misplaced = oauth.misplaced_options(args)
        if misplaced:
            error(misplaced)
            return EXIT_USAGE
        return bastions.add_ssh_key_credential(args, context)
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
    host_key_check = bastions.connector_options(args, kind)
    if host_key_check is None:
        return EXIT_USAGE
    credential_id = None
    if args.credential:
        credential_id = credentials.find(args.credential).id
    saved = connectors.save(
        name=args.name,
        kind=kind,
        host=host,
        port=port,
        credential_id=credential_id,
        username=user,
        known_hosts=host_key_check["known_hosts"],
        host_key=host_key_check["host_key"],
    )
    where = f"{user}@{host}:{port}" if user else f"{host}:{port}"
    check = connectors.host_key_check(saved)
    say(
        f"Added network connector '{saved.name}' ({connectors.KINDS[kind]} {where}"
        + (f", host key: {check}" if check else "")
        + ")."
    )
    return EXIT_OK


def list_connectors(args, context) -> int:
    rows = [connectors.describe(c) for c in connectors.all_connectors()]
    if args.json:
        as_json(rows)
    else:
        table(
            ("Name", "Type", "Address", "Credential", "Host key"),
            [
                (
                    r["name"],
                    r["kind_label"],
                    (f"{r['username']}@" if r["username"] else "") + f"{r['host']}:{r['port']}",
                    r["credential"] or "",
                    r["host_key_check"],
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
