"""Real SMTP servers (aiosmtpd) with real certificates (trustme) and real proxies (pproxy),
on loopback, for the sending tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "mailer", "Corr3ct-Horse-Battery"
REFUSED_RECIPIENT = "nobody@example.com"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Message
    raw: bytes
    smtputf8: bool = False  # MAIL FROM asked for SMTPUTF8


@dataclass
class Handler:
    """Records what arrives; refuses REFUSED_RECIPIENT like a real server would."""

    received: list[Received] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.commands.append(f"MAIL {address} tls={session.ssl is not None}")
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.commands.append(f"RCPT {address}")
        if address == REFUSED_RECIPIENT:
            return "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.original_content),
                envelope.original_content,
                envelope.smtp_utf8,
            )
        )
        return "250 2.0.0 Ok: queued as TEST1"


class Authenticator:
    def __init__(self):
        self.attempts: list[tuple[str, bool]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        self.attempts.append((mechanism, session.ssl is not None))
        return AuthResult(success=ok, handled=False)


@dataclass
class Server:
    port: int
    handler: Handler
    authenticator: Authenticator
    controller: Controller

    @property
    def host(self) -> str:
        return "localhost"


class Certificates:
    def __init__(self, tmp_path_factory):
        self.ca = trustme.CA()
        self.server_cert = self.ca.issue_cert("localhost", "127.0.0.1")
        self.ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        # A second CA nobody trusts, for the "certificate not trusted" case.
        self.untrusted_cert = trustme.CA().issue_cert("localhost")

    def server_context(self, trusted: bool = True):
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        (self.server_cert if trusted else self.untrusted_cert).configure_cert(context)
        return context


def start_server(
    *,
    tls_context=None,
    implicit_tls=None,
    require_starttls=False,
    auth=True,
    auth_require_tls=True,
    smtputf8=False,
    handler: Handler | None = None,
) -> Server:
    handler, authenticator = handler or Handler(), Authenticator()
    port = free_port()
    kwargs = dict(
        hostname="127.0.0.1",
        port=port,
        server_hostname="mail.example.com",
        enable_SMTPUTF8=smtputf8,
    )
    if auth:
        kwargs |= dict(authenticator=authenticator, auth_require_tls=auth_require_tls)
    if implicit_tls is not None:
        controller = Controller(handler, ssl_context=implicit_tls, **kwargs)
    else:
        controller = Controller(
            handler, tls_context=tls_context, require_starttls=require_starttls, **kwargs
        )
    controller.start()
    return Server(port, handler, authenticator, controller)


class SilentServer:
    """Accepts connections and never says a word: for timeouts."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self):
        self.listener.close()
        for connection in self.held:
            connection.close()


class ProxyProcess:
    """A real pproxy listening on loopback (SOCKS5 or HTTP CONNECT, with an optional login)."""

    def __init__(self, scheme: str, auth: str | None = None):
        self.port = free_port()
        listen = f"{scheme}://127.0.0.1:{self.port}" + (f"#{auth}" if auth else "")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pproxy", "-l", listen],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def certificates(tmp_path_factory):
    return Certificates(tmp_path_factory)


@pytest.fixture
def trust_test_ca(certificates, monkeypatch):
    """The system trust store, for this test, is the test CA (as SSL_CERT_FILE would make it)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca_file))


@pytest.fixture
def starttls_server(certificates, trust_test_ca):
    server = start_server(tls_context=certificates.server_context(), require_starttls=True)
    yield server
    server.controller.stop()


@pytest.fixture
def ssl_server(certificates, trust_test_ca):
    server = start_server(implicit_tls=certificates.server_context(), auth_require_tls=False)
    yield server
    server.controller.stop()


@pytest.fixture
def plain_server(trust_test_ca):
    """No STARTTLS at all, AUTH offered in clear (a badly configured server)."""
    server = start_server(tls_context=None, auth_require_tls=False)
    yield server
    server.controller.stop()


@pytest.fixture
def untrusted_server(certificates, trust_test_ca):
    server = start_server(
        tls_context=certificates.server_context(trusted=False), require_starttls=True
    )
    yield server
    server.controller.stop()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def socks5_proxy():
    proxy = ProxyProcess("socks5", auth="proxyuser:proxy-Pa55")
    yield proxy
    proxy.close()


@pytest.fixture
def http_proxy():
    proxy = ProxyProcess("http", auth="proxyuser:proxy-Pa55")
    yield proxy
    proxy.close()
