"""`smtp-tui credentials add --oauth2 ...` and `credentials authorize`: OAuth2 logins from a
terminal, the device sign-in included (a URL and a code to enter on any device: what works
over SSH)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from smtp_tui import choices
from smtp_tui.cli.output import error, say
from smtp_tui.errors import TokenError
from smtp_tui.lazy import lazy_module

if TYPE_CHECKING:
    from smtp_tui import connectors, credentials
else:
    connectors = lazy_module("smtp_tui.connectors")
    credentials = lazy_module("smtp_tui.credentials")

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
# The --oauth2 values: the stored kinds, without "oauth2-" for the first two.
OAUTH2_KINDS = {
    "client-credentials": "oauth2-client-credentials",
    "device-code": "oauth2-device-code",
    "google-service-account": "google-service-account",
}
OPTIONS = ("provider", "tenant", "token_url", "device_url", "client_id", "scope")


def add_arguments(add: argparse.ArgumentParser) -> None:
    group = add.add_argument_group(
        "OAuth2 (sent as XOAUTH2, with --username the mailbox)",
        "client-credentials: the client secret is read from a masked prompt or stdin, unless "
        "--client-certificate is given; device-code: nothing secret (sign in with "
        "'credentials authorize NAME'); google-service-account: the JSON key from stdin or a "
        "masked prompt",
    )
    group.add_argument("--oauth2", choices=list(OAUTH2_KINDS), help="the kind of OAuth2 login")
    group.add_argument(
        "--provider",
        choices=[p for p in choices.OAUTH2_PROVIDERS if p],
        help="fill the URLs and the scope: microsoft365 (with --tenant) or google",
    )
    group.add_argument("--tenant", help="Microsoft 365 tenant: its domain or ID")
    group.add_argument("--token-url", metavar="URL", help="the token endpoint (https://)")
    group.add_argument(
        "--device-url", metavar="URL", help="the device authorization endpoint (device-code)"
    )
    group.add_argument("--client-id", metavar="ID", help="the application (client) ID")
    group.add_argument("--scope", help="the scope (default: the provider's)")
    group.add_argument(
        "--client-certificate",
        metavar="PEM_FILE",
        help="a PEM file with the private key and the certificate (client-credentials)",
    )


def add_authorize_parser(sub, parents) -> None:
    authorize = sub.add_parser(
        "authorize",
        help="sign in to a device-code credential: prints a URL and a code to enter on any "
        "device, waits; exit 0 signed in, 1 declined or expired",
        parents=parents,
    )
    authorize.add_argument("name", metavar="NAME")
    authorize.add_argument(
        "--connector",
        metavar="NAME",
        help="reach the token endpoint through this connector (default: the one that the "
        "accounts using the credential send through)",
    )
    authorize.add_argument(
        "--timeout", type=float, default=30, metavar="SECONDS", help="for each request"
    )
    authorize.set_defaults(run=authorize_credential)


def misplaced_options(args) -> str | None:
    """A password credential takes none of the OAuth2 options: what to say, or None."""
    given = [
        f"--{option.replace('_', '-')}"
        for option in (*OPTIONS, "client_certificate")
        if getattr(args, option)
    ]
    return f"{', '.join(given)} only go with --oauth2." if given else None


def _read_json_key() -> str:
    """The service account's JSON key: all of stdin, or on a terminal typed or pasted unseen
    and ended with Ctrl+D."""
    if not sys.stdin.isatty():
        return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    import termios

    fd = sys.stdin.fileno()
    before = termios.tcgetattr(fd)
    hidden = termios.tcgetattr(fd)
    hidden[3] &= ~termios.ECHO
    print("Paste the service account's JSON key (not shown), then Ctrl+D:", file=sys.stderr)
    try:
        termios.tcsetattr(fd, termios.TCSADRAIN, hidden)
        return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, before)


def add_oauth2_credential(args, context, read_secret: Callable[[str], str]) -> int:
    kind = OAUTH2_KINDS[args.oauth2]
    if args.device_url and kind != "oauth2-device-code":
        error("--device-url goes with --oauth2 device-code only.")
        return EXIT_USAGE
    if args.client_certificate and kind != "oauth2-client-credentials":
        error("--client-certificate goes with --oauth2 client-credentials only.")
        return EXIT_USAGE
    certificate = secret = None
    if args.client_certificate:
        certificate = credentials.read_secret_file(args.client_certificate, "client_certificate")
    elif kind == "oauth2-client-credentials":
        secret = read_secret("Client secret (not shown): ")
    elif kind == "google-service-account":
        secret = _read_json_key()
    saved = credentials.save(
        context.vault,
        name=args.name,
        username=args.username,
        secret=secret,
        kind=kind,
        provider=args.provider or "",
        tenant=args.tenant or "",
        token_url=args.token_url or "",
        device_url=args.device_url or "",
        client_id=args.client_id or "",
        scope=args.scope or "",
        client_certificate=certificate,
    )
    record = credentials.describe(saved)
    say(
        f"Added credential '{saved.name}' ({record['kind_label']}, "
        f"token URL {record['token_url']})."
    )
    if credentials.needs_sign_in(saved):
        say(f"Sign in before it can send: smtp-tui credentials authorize {saved.name}")
    return EXIT_OK


def token_state(record: dict) -> str:
    """What `credentials list` says of a credential's tokens."""
    if record["kind"] in ("password", "ssh-key"):
        return ""
    if record["needs_sign_in"]:
        return "needs sign-in"
    if record["token_expires"]:
        return f"until {record['token_expires']}"
    return "signed in" if record["signed_in"] else "none yet"


def authorize_credential(args, context) -> int:
    import asyncio

    credential = credentials.find(args.name)
    connector_id = connectors.find(args.connector).id if args.connector else None
    try:
        return asyncio.run(_authorize(context.vault, credential, connector_id, args.timeout))
    except KeyboardInterrupt:
        error("Sign-in cancelled: nothing was stored.")
        return EXIT_REFUSED


async def _authorize(vault, credential, connector_id: int | None, timeout: float) -> int:
    try:
        sign_in = await credentials.start_sign_in(
            vault, credential.id, connector_id=connector_id, timeout=timeout
        )
    except TokenError as exc:
        error(str(exc))
        error(f"Hint: {exc.hint}")
        return EXIT_REFUSED
    minutes = max(1, round((sign_in.expires_at - _now()).total_seconds() / 60))
    say(f"To sign in to '{credential.name}' as {credential.username}, open on any device:")
    say(f"  {sign_in.verification_uri}")
    say(f"and enter the code: {sign_in.user_code}")
    if sign_in.verification_uri_complete:
        say(f"(or open {sign_in.verification_uri_complete})")
    say(f"Waiting for the approval (the code expires in about {minutes} min; Ctrl+C stops)...")
    try:
        signed = await credentials.finish_sign_in(
            vault, credential.id, sign_in, connector_id=connector_id, timeout=timeout
        )
    except TokenError as exc:
        error(str(exc))
        error(f"Hint: {exc.hint}")
        return EXIT_REFUSED
    say(f"Signed in: '{signed.name}' keeps its refresh token (encrypted) and can send now.")
    return EXIT_OK


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
