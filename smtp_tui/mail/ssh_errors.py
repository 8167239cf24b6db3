"""What can go wrong on the way through an SSH bastion, without asyncssh: `mail.ssh` raises
these (asyncssh's errors translated), `mail.diagnosis` words them. Importing this module
costs nothing, so the diagnosis of every send may know them.
"""

from __future__ import annotations

from dataclasses import dataclass


class SshError(Exception):
    """Something between this appliance and the SMTP server, on the bastion's side."""


@dataclass(eq=False)
class BastionUnreachable(SshError):
    """No SSH session: the name did not resolve, the port refused, nothing answered in time,
    or the server broke the handshake. `reason`: resolve | refused | timeout | network | ssh."""

    where: str  # USER@HOST:PORT
    reason: str
    detail: str = ""


@dataclass(eq=False)
class HostKeyRefused(SshError):
    """The bastion presented a host key that is not the expected one: nothing was sent (no
    login, no channel). `expected` empty: the host is not in the known_hosts file."""

    where: str
    key_type: str
    presented: str  # SHA256:... of the presented key; "" when none could be agreed on
    expected: tuple[str, ...]  # the pinned fingerprint, or those of the file for this host
    known_hosts: str = ""  # the file, "" for a pinned key


@dataclass(eq=False)
class LoginRefused(SshError):
    """The bastion refused the login. `offered`: what the server said can continue
    (publickey, password, ...); `tried`: what this appliance tried."""

    where: str
    username: str
    offered: tuple[str, ...]
    tried: tuple[str, ...]


@dataclass(eq=False)
class KeyUnusable(SshError):
    """The credential's SSH key did not open (a passphrase changed since it was saved)."""

    credential: str
    detail: str


@dataclass(eq=False)
class ChannelRefused(SshError):
    """The bastion would not open the channel to the SMTP server. `prohibited`: the bastion
    forbids forwarding (OpenSSH's AllowTcpForwarding no, a permitopen); otherwise it could not
    reach the server itself."""

    where: str
    target: str  # HOST:PORT of the SMTP server
    prohibited: bool
    detail: str


@dataclass(eq=False)
class BastionLost(SshError):
    """The SSH connection broke after it was up (the channel or the session closed)."""

    where: str
    detail: str


@dataclass(eq=False)
class KnownHostsUnusable(SshError):
    """The connector's known_hosts file cannot be read or parsed: nothing was sent."""

    path: str
    detail: str
