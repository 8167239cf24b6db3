"""`smtp-tui credentials add --ssh-key`, `connectors add --url ssh://...` and `connectors
host-key`: SSH bastions from a terminal or a script (issue 18).

The private key and its passphrase are read from stdin or a masked prompt, never from the
command line; asyncssh loads only when a host key is fetched (the services import it).
"""

from __future__ import annotations

import getpass
import shlex
import sys
from typing import TYPE_CHECKING

from smtp_tui.cli.output import error, say
from smtp_tui.lazy import lazy_module

if TYPE_CHECKING:
    from smtp_tui import connectors, credentials
else:
    connectors = lazy_module("smtp_tui.connectors")
    credentials = lazy_module("smtp_tui.credentials")

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
KEY_HELP = (
    "the credential is an SSH private key (OpenSSH or PEM), for SSH connectors. Piped: the key "
    "from stdin, and the line after its -----END ...----- line, if any, is its passphrase "
    '({ cat id_ed25519; echo "$PASSPHRASE"; } | smtp-tui credentials add ...). On a '
    "terminal: the key pasted unseen (it ends at its -----END line, or an empty line, or "
    "Ctrl+D), then the passphrase at a masked prompt (Enter if none)"
)
HOST_KEY_HELP = (
    "show the host key the SSH connector's bastion presents (type and SHA256 fingerprint), "
    "connecting without logging in; --pin trusts it from now on"
)
# A key is a few kilobytes; what is read of stdin stops well after.
KEY_MAX_LINES = 2000


def _is_end(line: str) -> bool:
    """The last line of a PEM or OpenSSH private key."""
    text = line.strip()
    return text.startswith("-----END ") and text.endswith("-----")


def _read_key_lines(stream) -> list[str]:
    """Lines of `stream` (bytes) up to the key's END line, an empty line after some text, or
    the end of the stream."""
    lines: list[str] = []
    while len(lines) < KEY_MAX_LINES:
        raw = stream.readline()
        if not raw:
            break
        line = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
        if not line.strip() and lines:
            break
        if line.strip():
            lines.append(line)
        if _is_end(line):
            break
    return lines


def read_ssh_key() -> tuple[str, str]:
    """The private key and its passphrase ("" when none), from stdin or masked prompts."""
    if not sys.stdin.isatty():
        key = _read_key_lines(sys.stdin.buffer)
        passphrase = sys.stdin.buffer.readline().decode("utf-8", "surrogateescape")
        return "\n".join(key) + "\n", passphrase.rstrip("\r\n")
    import termios

    fd = sys.stdin.fileno()
    before = termios.tcgetattr(fd)
    hidden = termios.tcgetattr(fd)
    hidden[3] &= ~termios.ECHO
    print(
        "Paste the SSH private key (not shown); it ends at its -----END line:",
        file=sys.stderr,
        flush=True,
    )
    try:
        termios.tcsetattr(fd, termios.TCSADRAIN, hidden)
        key = _read_key_lines(sys.stdin.buffer)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, before)
    print(f"Read {len(key)} lines.", file=sys.stderr, flush=True)
    passphrase = getpass.getpass("Passphrase of the key (not shown; Enter if none): ")
    return "\n".join(key) + "\n", passphrase


def add_ssh_key_credential(args, context) -> int:
    key, passphrase = read_ssh_key()
    saved = credentials.save(
        context.vault,
        name=args.name,
        username=args.username,
        secret=key,
        kind="ssh-key",
        passphrase=passphrase,
    )
    protected = "with its passphrase, " if passphrase else ""
    say(f"Added credential '{saved.name}' (SSH key, {protected}stored encrypted).")
    return EXIT_OK


def connector_options(args, kind: str) -> dict[str, str] | None:
    """--known-hosts / --host-key for `connectors add`: exactly one for ssh://, none for a
    proxy. None after printing the usage error."""
    given = args.known_hosts is not None or args.host_key is not None
    if kind == "ssh" and not given:
        error(
            "An SSH connector verifies the bastion's host key: give --known-hosts FILE or "
            "--host-key SHA256:FINGERPRINT (ssh-keyscan -p PORT HOST | ssh-keygen -lf - shows "
            "it; check it with the bastion's administrator)."
        )
        return None
    if kind != "ssh" and given:
        error("--known-hosts and --host-key go with an ssh:// URL only.")
        return None
    return {"known_hosts": args.known_hosts or "", "host_key": args.host_key or ""}


def show_host_key(args, context) -> int:
    import asyncio

    from smtp_tui.mail.diagnosis import ssh_failure
    from smtp_tui.mail.ssh_errors import SshError

    connector = connectors.find(args.name)
    if connector.kind != "ssh":
        error(f"'{connector.name}' is a proxy, not an SSH bastion: it has no host key.")
        return EXIT_REFUSED
    try:
        found = asyncio.run(
            connectors.presented_host_key(connector.host, connector.port, args.timeout)
        )
    except SshError as exc:
        summary, hint = ssh_failure(exc)
        error(summary)
        error(f"Hint: {hint}")
        return EXIT_REFUSED
    say(f"The bastion {connector.host}:{connector.port} presents this host key:")
    say(f"  Key type:    {found.key_type}")
    say(f"  Fingerprint: {found.fingerprint}")
    check = connectors.compare_host_key(connector, found)
    say(check)
    if not args.pin:
        if connector.host_key != found.fingerprint:
            command = f"smtp-tui connectors host-key {shlex.quote(connector.name)} --pin"
            say(f"To trust it once its administrator confirms it: {command}")
        return EXIT_OK
    if connector.host_key == found.fingerprint:
        say("Already pinned: nothing changed.")
        return EXIT_OK
    connectors.pin_host_key(connector.id, found.fingerprint)
    say(
        f"Pinned {found.fingerprint} for '{connector.name}': the bastion's host key is checked "
        "against it from now on."
    )
    return EXIT_OK
