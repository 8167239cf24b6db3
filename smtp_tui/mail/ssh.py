"""Reach the SMTP server through an SSH bastion, as `ssh -J` would (asyncssh).

The SMTP connection is a direct-tcpip channel of one SSH connection: no local listening port
(any local user could connect to one while it is open), no `ssh` binary. aiosmtplib wants a
socket, so the channel is bridged to one end of a `socket.socketpair()` (see `Bridge`).

The bastion's host key is always verified, by a known_hosts file or a pinned SHA256
fingerprint, before anything is sent: no login, no channel otherwise.

Imported only for an SSH send (asyncssh is heavy): nothing at start-up imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


async def presented_host_key(host: str, port: int, timeout: float = 10.0) -> HostKey:
    """The host key the SSH server at host:port presents: the key exchange only, no login."""
    raise NotImplementedError
