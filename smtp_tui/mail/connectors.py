"""Reach the SMTP server through a network connector: SOCKS5 (python-socks) or HTTP CONNECT."""

from __future__ import annotations

import asyncio
import base64
import socket
from dataclasses import dataclass, field
from urllib.parse import quote

from python_socks import ProxyConnectionError, ProxyError, ProxyTimeoutError, ProxyType
from python_socks.async_.asyncio import Proxy

from smtp_tui.store.models import CONNECTOR_KINDS

MAX_REPLY_HEAD = 16 * 1024


@dataclass(frozen=True)
class ProxySettings:
    name: str
    kind: str  # socks5 | http
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        return f"{CONNECTOR_KINDS[self.kind]} proxy '{self.name}' at {self.host}:{self.port}"

    def url(self) -> str:
        """The proxy as httpx takes it (socks5://USER:PASSWORD@HOST:PORT, http://...), for the
        HTTPS requests of a send (OAuth2 token endpoints). Holds the password: never show it."""
        login = ""
        if self.username is not None:
            login = f"{quote(self.username, safe='')}:{quote(self.password or '', safe='')}@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.kind}://{login}{host}:{self.port}"


async def open_tunnel(proxy: ProxySettings, host: str, port: int, timeout: float) -> socket.socket:
    """A connected socket to host:port through the proxy; the proxy resolves the name."""
    if proxy.kind == "socks5":
        client = Proxy(
            ProxyType.SOCKS5,
            proxy.host,
            proxy.port,
            username=proxy.username,
            password=proxy.password,
            rdns=True,
        )
        return await client.connect(dest_host=host, dest_port=port, timeout=timeout)
    try:
        async with asyncio.timeout(timeout):
            return await _http_connect(proxy, host, port)
    except TimeoutError:
        raise ProxyTimeoutError(f"Proxy connection timed out: {timeout}") from None


async def _http_connect(proxy: ProxySettings, host: str, port: int) -> socket.socket:
    """HTTP CONNECT, reading the proxy's reply byte by byte.

    python-socks reads the reply in one large recv() and drops whatever follows its headers;
    an SMTP server speaks first, so its greeting can arrive in that same read and be lost.
    Reading exactly up to the blank line leaves the greeting for the SMTP client.
    """
    loop = asyncio.get_running_loop()
    try:
        family, kind, proto, _, address = (
            await loop.getaddrinfo(proxy.host, proxy.port, type=socket.SOCK_STREAM)
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        await loop.sock_connect(sock, address)
    except OSError as exc:
        raise ProxyConnectionError(
            exc.errno, f"Could not connect to proxy {proxy.host}:{proxy.port} [{exc.strerror}]"
        ) from exc
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    request = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
    if proxy.username is not None:
        token = base64.b64encode(f"{proxy.username}:{proxy.password or ''}".encode()).decode()
        request += f"Proxy-Authorization: Basic {token}\r\n"
    try:
        await loop.sock_sendall(sock, (request + "\r\n").encode())
        head = bytearray()
        while not head.endswith(b"\r\n\r\n"):
            byte = await loop.sock_recv(sock, 1)
            if not byte or len(head) > MAX_REPLY_HEAD:
                raise ProxyError("The proxy closed the connection or sent no valid reply")
            head += byte
    except BaseException:
        sock.close()
        raise
    status = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status.split(" ", 2)
    if len(parts) < 2 or parts[1] != "200":
        sock.close()
        raise ProxyError(
            f"The proxy answered: {status}",
            error_code=int(parts[1]) if parts[1:2] and parts[1].isdigit() else None,
        )
    return sock
