"""Reach the SMTP server through an SSH bastion, as `ssh -J` would (asyncssh).

The SMTP connection is a direct-tcpip channel of one SSH connection: no local listening port
(any local user could connect to one while it is open), no `ssh` binary. aiosmtplib wants a
socket, so the channel is bridged to one end of a `socket.socketpair()` (see `Bridge`).

The bastion's host key is always verified, by a known_hosts file or a pinned SHA256
fingerprint, before anything is sent: no login, no channel otherwise.

Imported only for an SSH send (asyncssh is heavy): nothing at start-up imports this module.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncssh

from smtp_tui.mail.ssh_errors import (
    BastionLost,
    BastionUnreachable,
    ChannelRefused,
    HostKeyRefused,
    KeyUnusable,
    KnownHostsUnusable,
    LoginRefused,
)
from smtp_tui.mail.ssh_keys import open_key

# Bytes moved at a time between the channel and the socket aiosmtplib reads.
CHUNK = 64 * 1024


@dataclass(frozen=True)
class HostKey:
    """The host key a bastion presents: its type (ssh-ed25519, ...) and SHA256 fingerprint."""

    key_type: str
    fingerprint: str  # "SHA256:..." as OpenSSH prints it


@dataclass(frozen=True)
class SshSettings:
    """How a send goes through an SSH bastion: where, who, with what, verified how."""

    name: str
    host: str
    port: int
    username: str
    known_hosts: str = ""  # a file path, or ""
    host_key: str = ""  # a pinned "SHA256:..." fingerprint, or ""
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)  # OpenSSH or PEM text
    passphrase: str | None = field(default=None, repr=False)
    credential_name: str = ""

    def describe(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.username}@{host}:{self.port}"

    def secrets(self) -> list[tuple[str | None, str]]:
        """The logins to mask in whatever is said of the send (the key's lines too)."""
        found: list[tuple[str | None, str]] = []
        if self.password:
            found.append((self.username, self.password))
        if self.passphrase:
            found.append((None, self.passphrase))
        if self.private_key:
            found.append((None, self.private_key))
            found += [(None, line) for line in self.private_key.splitlines() if len(line) >= 16]
        return found


# The client's own settings only: never the user's ~/.ssh/config, agent, default keys,
# Kerberos or host-based login, whoever runs smtp-tui. What logs in is the connector's.
ISOLATED = {
    "config": None,
    "agent_path": None,
    "pkcs11_provider": None,
    "client_keys": None,
    "gss_kex": False,
    "gss_auth": False,
    "host_based_auth": False,
    "agent_forwarding": False,
}


def host_key_of(key: asyncssh.SSHKey) -> HostKey:
    return HostKey(key.get_algorithm(), key.get_fingerprint("sha256"))


async def presented_host_key(host: str, port: int, timeout: float = 10.0) -> HostKey:
    """The host key the SSH server at host:port presents: the key exchange only, no login.
    The key type is the one a connection without a known_hosts file agrees on, so that a
    pinned fingerprint is the one later checked. Raises BastionUnreachable."""
    where = f"{host}:{port}"
    try:
        async with asyncio.timeout(timeout):
            key = await asyncssh.get_server_host_key(host, port, config=None)
    except Exception as exc:
        raise _unreachable(where, exc, timeout) from None
    if key is None:
        raise BastionUnreachable(where, "ssh", "the server presented no host key")
    return host_key_of(key)


def known_fingerprints(path: str, host: str, port: int, address: str = "") -> tuple[str, ...]:
    """The SHA256 fingerprints a known_hosts file trusts for host:port (as OpenSSH looks them
    up: [host]:port unless the port is 22). Raises KnownHostsUnusable."""
    try:
        trusted = asyncssh.match_known_hosts(
            asyncssh.read_known_hosts(path), host, address, None if port == 22 else port
        )[0]
    except (OSError, ValueError) as exc:
        raise KnownHostsUnusable(path, getattr(exc, "strerror", None) or str(exc)) from None
    return tuple(key.get_fingerprint("sha256") for key in trusted)


def _unreachable(where: str, exc: BaseException, timeout: float) -> BastionUnreachable:
    """The words for a connection to the bastion that failed before any login."""
    if isinstance(exc, TimeoutError):
        return BastionUnreachable(where, "timeout", f"no answer within {timeout:g} s")
    if isinstance(exc, socket.gaierror):
        return BastionUnreachable(where, "resolve", exc.strerror or str(exc))
    if isinstance(exc, ConnectionRefusedError):
        return BastionUnreachable(where, "refused", exc.strerror or str(exc))
    if isinstance(exc, OSError):
        return BastionUnreachable(where, "network", exc.strerror or str(exc))
    if isinstance(exc, asyncssh.Error):
        return BastionUnreachable(where, "ssh", exc.reason)
    return BastionUnreachable(where, "ssh", f"{type(exc).__name__}: {exc}")


class _Client(asyncssh.SSHClient):
    """The connection's owner: checks a pinned host key, and gives the login only for the
    methods the server offers, so that a refusal can say which ones it offered (asyncssh's
    PermissionDenied does not)."""

    def __init__(self, settings: SshSettings, key: asyncssh.SSHKey | None):
        self.settings = settings
        self.key = key
        self.presented: asyncssh.SSHKey | None = None
        self.address = ""
        self.offered: list[str] = []
        self.tried: list[str] = []
        self.used = ""

    def _offer(self, method: str) -> None:
        if method not in self.offered:
            self.offered.append(method)

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        # Called for a key the known_hosts file does not hold, or every key when pinned.
        self.presented, self.address = key, addr
        pinned = self.settings.host_key
        return bool(pinned) and key.get_fingerprint("sha256") == pinned

    def public_key_auth_requested(self) -> asyncssh.SSHKey | None:
        self._offer("publickey")
        key, self.key = self.key, None
        if key is not None:
            self.tried.append("publickey")
            self.used = "publickey"
        return key

    def _password_by(self, method: str) -> str | None:
        """The password, once by each method the server offers that takes one."""
        self._offer(method)
        if self.settings.password is None or method in self.tried:
            return None
        self.tried.append(method)
        self.used = method
        return self.settings.password

    def password_auth_requested(self) -> str | None:
        return self._password_by("password")

    def kbdint_auth_requested(self) -> str | None:
        # "": no particular submethods; the questions come to kbdint_challenge_received.
        return "" if self._password_by("keyboard-interactive") is not None else None

    def kbdint_challenge_received(
        self, name: str, instructions: str, lang: str, prompts: Sequence[tuple[str, bool]]
    ) -> list[str] | None:
        # The password, to the one question that asks for it (as OpenSSH's PAM does).
        if not prompts:
            return []
        if len(prompts) == 1 and "password" in prompts[0][0].lower():
            return [self.settings.password or ""]
        return None


class Bastion:
    """One SSH connection to a bastion, its host key verified and logged in, through which
    channels reach SMTP servers: `async with Bastion(settings) as bastion: sock = await
    bastion.open_socket(host, port)`. A test uses one for all its steps; a check of several
    accounts may share one. Closing it closes every channel opened through it."""

    def __init__(self, settings: SshSettings, timeout: float = 30.0):
        self.settings = settings
        self.timeout = timeout
        self.host_key: HostKey | None = None
        self.method = ""  # how it logged in: publickey, password, keyboard-interactive
        self.connected_in = 0.0  # seconds: TCP, key exchange and login
        self._connection: asyncssh.SSHClientConnection | None = None
        self._pumps: set[asyncio.Task] = set()
        self._writers: list = []  # both ends of every channel, closed with the bastion

    @property
    def connected(self) -> bool:
        return self._connection is not None

    async def __aenter__(self) -> Bastion:
        # Not connected yet: the first send through it connects, so that a failure is that
        # send's verdict at step "ssh", like any other.
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Reach the bastion, verify its host key, log in (once: connected, it returns at
        once). Raises an SshError."""
        if self._connection is not None:
            return
        settings = self.settings
        where = settings.describe()
        key = None
        if settings.private_key is not None:
            try:
                key = open_key(settings.private_key, settings.passphrase or "")
            except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
                raise KeyUnusable(settings.credential_name, str(exc)) from None
        known_hosts: object = ([], [], [])  # pinned: no key trusted but the one checked
        if settings.known_hosts:
            try:
                known_hosts = asyncssh.read_known_hosts(settings.known_hosts)
            except (OSError, ValueError) as exc:
                detail = getattr(exc, "strerror", None) or str(exc)
                raise KnownHostsUnusable(settings.known_hosts, detail) from None
        client = _Client(settings, key)
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                self._connection = await asyncssh.connect(
                    settings.host,
                    settings.port,
                    username=settings.username,
                    known_hosts=known_hosts,
                    client_factory=lambda: client,
                    **ISOLATED,
                )
        except asyncssh.HostKeyNotVerifiable:
            raise self._refused_key(client, known_hosts) from None
        except asyncssh.PermissionDenied:
            raise LoginRefused(
                where, settings.username, tuple(client.offered), tuple(client.tried)
            ) from None
        except asyncssh.DisconnectError as exc:
            # With a known_hosts file, only the key types it holds for the host are asked for:
            # a server with none of them breaks off the key exchange before showing a key.
            refused = self._refused_key(client, known_hosts) if settings.known_hosts else None
            if refused is not None and refused.expected and client.presented is None:
                raise refused from None
            raise _unreachable(where, exc, self.timeout) from None
        except Exception as exc:
            raise _unreachable(where, exc, self.timeout) from None
        self.connected_in = time.monotonic() - started
        self.method = client.used or "none"
        presented = self._connection.get_server_host_key()
        if presented is not None:
            self.host_key = host_key_of(presented)

    def _refused_key(self, client: _Client, known_hosts: object) -> HostKeyRefused:
        settings = self.settings
        key = client.presented
        if settings.host_key:
            expected: tuple[str, ...] = (settings.host_key,)
        else:
            port = None if settings.port == 22 else settings.port
            trusted = asyncssh.match_known_hosts(
                known_hosts,  # type: ignore[arg-type]
                settings.host,
                client.address,
                port,
            )[0]
            expected = tuple(k.get_fingerprint("sha256") for k in trusted)
        return HostKeyRefused(
            settings.describe(),
            key.get_algorithm() if key else "",
            key.get_fingerprint("sha256") if key else "",
            expected,
            settings.known_hosts,
        )

    async def open_socket(self, host: str, port: int) -> socket.socket:
        """A connected socket whose bytes travel through a direct-tcpip channel to host:port,
        for aiosmtplib's `sock=`: TLS inside it is end to end with the SMTP server.

        Why a socketpair: aiosmtplib takes a socket (or a host and port) and asyncssh gives a
        channel; an unnamed AF_UNIX pair, one end pumped to the channel by two tasks, joins
        them through public APIs of both, opens no port any local user could connect to
        (as forward_local_port would), and keeps the flow control of both sides (each pump
        waits on drain). Raises ChannelRefused or BastionLost."""
        assert self._connection is not None, "connect() first"
        where, target = self.settings.describe(), f"{host}:{port}"
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await self._connection.open_connection(host, port)
        except asyncssh.ChannelOpenError as exc:
            prohibited = exc.code == asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED
            raise ChannelRefused(where, target, prohibited, exc.reason) from None
        except TimeoutError:
            raise BastionLost(where, f"no channel to {target} within {self.timeout:g} s") from None
        except (asyncssh.Error, OSError) as exc:
            raise BastionLost(where, getattr(exc, "reason", "") or str(exc)) from None
        ours, theirs = socket.socketpair()
        try:
            local_reader, local_writer = await asyncio.open_connection(sock=ours)
        except BaseException:
            ours.close()
            theirs.close()
            writer.close()
            raise
        self._writers += [local_writer, writer]
        for source, sink in ((reader, local_writer), (local_reader, writer)):
            task = asyncio.create_task(_pump(source, sink))
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)
        return theirs

    def abort(self) -> None:
        """Drop the connection and its channels at once (a cancelled send)."""
        for task in list(self._pumps):
            task.cancel()
        for writer in self._writers:
            writer.close()
        self._writers.clear()
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.abort()

    async def close(self) -> None:
        """Close every channel and the SSH connection; never raises."""
        for task in list(self._pumps):
            task.cancel()
        if self._pumps:
            await asyncio.gather(*self._pumps, return_exceptions=True)
        for writer in self._writers:
            writer.close()
        self._writers.clear()
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
            try:
                await asyncio.wait_for(connection.wait_closed(), 5)
            except (TimeoutError, OSError, asyncssh.Error):
                pass


async def _pump(source, sink) -> None:
    """Copy `source` to `sink` until end of file, then pass the end of file on (the SMTP
    server's goodbye, or the client's), keeping the other direction open."""
    try:
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
        if sink.can_write_eof():
            sink.write_eof()
            return
    except (OSError, asyncssh.Error):
        # The other side went away: closing the sink tells the reader at its end.
        pass
    except asyncio.CancelledError:
        sink.close()
        raise
    sink.close()
