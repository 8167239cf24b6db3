"""A real SSH bastion (an asyncssh server on loopback, in its own thread and event loop) for
the SSH connector's tests, and SMTP servers only it can reach by name."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

import asyncssh
import pytest

from tests.mailservers import Handler, free_port, start_server

SSH_USER, SSH_PASSWORD = "jump", "Bastion-Pa55-w0rd"
KEY_PASSPHRASE = "Key-Passphrase-9971"
# The SMTP server's name, resolved by the bastion only (as a relay in a segregated network).
SMTP_NAME = "mail.internal.example"
BASTION_NAME = "bastion.example"
PROHIBITED = "administratively prohibited: open failed"  # OpenSSH's words


@dataclass
class BastionState:
    """What the bastion lets through, and what it saw."""

    forwarding: bool = True
    methods: tuple[str, ...] = ("publickey", "password")
    routes: dict[str, int] = field(default_factory=dict)  # a name -> a port on 127.0.0.1
    channel_opens: list[tuple[str, int]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (user, method) accepted
    connections: int = 0  # SSH connections made
    open_connections: int = 0  # ... and not closed yet


class _BastionServer(asyncssh.SSHServer):
    def __init__(self, state: BastionState, user_key: asyncssh.SSHKey):
        self.state = state
        self.user_key = user_key
        self.connection: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn):
        self.connection = conn
        self.state.connections += 1
        self.state.open_connections += 1

    def connection_lost(self, exc):
        self.state.open_connections -= 1

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return "password" in self.state.methods

    def validate_password(self, username, password):
        ok = (username, password) == (SSH_USER, SSH_PASSWORD)
        if ok:
            self.state.logins.append((username, "password"))
        return ok

    def public_key_auth_supported(self):
        return "publickey" in self.state.methods

    def validate_public_key(self, username, key):
        ok = username == SSH_USER and key.public_data == self.user_key.public_data
        if ok:
            self.state.logins.append((username, "publickey"))
        return ok

    def connection_requested(self, dest_host, dest_port, orig_host, orig_port):
        self.state.channel_opens.append((dest_host, dest_port))
        if not self.state.forwarding:
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, PROHIBITED)
        if dest_host in self.state.routes:
            # The bastion's own name resolution: the name is a port on loopback.
            assert self.connection is not None
            return self.connection.forward_connection("127.0.0.1", self.state.routes[dest_host])
        return True


class SshBastion:
    """An asyncssh server on 127.0.0.1 with a generated host key, password and public-key
    logins for SSH_USER, direct-tcpip allowed or refused (`state.forwarding`)."""

    def __init__(self):
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.user_key = asyncssh.generate_private_key("ssh-ed25519")
        self.state = BastionState()
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def start():
            return await asyncssh.create_server(
                lambda: _BastionServer(self.state, self.user_key),
                "127.0.0.1",
                self.port,
                server_host_keys=[self.host_key],
            )

        self.server = self._call(start())

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    @property
    def fingerprint(self) -> str:
        return self.host_key.get_fingerprint("sha256")

    def reset(self, **changes) -> BastionState:
        """A fresh state for a test (the server is shared by the module's tests)."""
        routes = self.state.routes
        self.state.__init__(routes=routes, **changes)
        return self.state

    def known_hosts_line(self, key: asyncssh.SSHKey | None = None) -> str:
        public = (key or self.host_key).export_public_key().decode().strip()
        return f"[127.0.0.1]:{self.port} {public}\n"

    def private_key_text(self, passphrase: str | None = KEY_PASSPHRASE, fmt="openssh") -> str:
        return self.user_key.export_private_key(fmt, passphrase=passphrase).decode()

    def close(self):
        async def stop():
            self.server.close()
            await self.server.wait_closed()

        self._call(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def bastion():
    server = SshBastion()
    yield server
    server.close()


@pytest.fixture(scope="module")
def internal_smtp(certificates):
    """An aiosmtpd with STARTTLS whose certificate names SMTP_NAME (from the test CA), reachable
    by that name only through the bastion; and one whose certificate names the bastion."""
    import ssl

    servers = {}
    for name in (SMTP_NAME, BASTION_NAME):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificates.ca.issue_cert(name).configure_cert(context)
        servers[name] = start_server(tls_context=context, require_starttls=True, handler=Handler())
    yield servers
    for server in servers.values():
        server.controller.stop()


@pytest.fixture
def ssh_route(bastion, internal_smtp, trust_test_ca):
    """The bastion, reset for one test, resolving SMTP_NAME to the SMTP server."""
    state = bastion.reset()
    state.routes[SMTP_NAME] = internal_smtp[SMTP_NAME].port
    state.routes["wrong-cert.internal.example"] = internal_smtp[BASTION_NAME].port
    for server in internal_smtp.values():
        server.handler.received.clear()
        server.handler.commands.clear()
    return bastion
