"""Reach the SMTP server through a network connector: SOCKS5 or HTTP CONNECT (python-socks)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from python_socks import ProxyType
from python_socks.async_.asyncio import Proxy

KINDS = {"socks5": ProxyType.SOCKS5, "http": ProxyType.HTTP}
LABELS = {"socks5": "SOCKS5", "http": "HTTP CONNECT"}


@dataclass(frozen=True)
class ProxySettings:
    name: str
    kind: str  # socks5 | http
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        return f"{LABELS[self.kind]} proxy '{self.name}' at {self.host}:{self.port}"


async def open_tunnel(proxy: ProxySettings, host: str, port: int, timeout: float) -> socket.socket:
    """A connected socket to host:port through the proxy; the proxy resolves the name."""
    client = Proxy(KINDS[proxy.kind], proxy.host, proxy.port, username=proxy.username,
                   password=proxy.password, rdns=True)
    return await client.connect(dest_host=host, dest_port=port, timeout=timeout)
