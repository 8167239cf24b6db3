"""Hide the secrets of a send in whatever a peer says back, before it is shown or kept.

A hostile or careless server (or proxy) may echo what it was sent: the AUTH PLAIN blob, the
AUTH LOGIN blobs, the proxy's `Basic` token, their decoded forms. Every line from a peer, every
verdict and every exception message of a send goes through one Masker before it reaches a
transcript, a terminal, the test history or the audit trail.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from urllib.parse import quote

MASK = "********"
BASE64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
# Shorter runs of base64 would hide ordinary words: those secrets rely on the exact blobs.
MIN_CORE = 6


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def base64_cores(secret: bytes) -> list[str]:
    """The base64 characters that `secret` alone decides, at each of its three alignments.

    Whatever a peer wraps around the secret in a longer blob, one of these is in the blob.
    """
    cores = []
    for offset in range(3):
        encoded = _b64(b"\0" * offset + secret)
        # Whole characters only.
        first, end = -(-8 * offset // 6), 8 * (offset + len(secret)) // 6
        if end - first >= MIN_CORE:
            cores.append(encoded[first:end])
    return cores


class Masker:
    """Masks the given logins (user name, secret) in any text, with every form they travel in."""

    def __init__(self, logins: Iterable[tuple[str | None, str | None]] = ()):
        self.logins = list(logins)
        self._learn()

    def add(self, user: str | None, secret: str) -> None:
        """Mask one more login from now on: an OAuth2 access token, known only once fetched."""
        self.logins.append((user, secret))
        self._learn()

    def _learn(self) -> None:
        texts: set[str] = set()
        cores: set[str] = set()
        for user, secret in self.logins:
            if not secret:
                continue
            user_bytes, secret_bytes = (user or "").encode(), secret.encode()
            texts |= {
                secret,
                quote(secret, safe=""),
                f"{user or ''}:{secret}",
                _b64(secret_bytes),  # AUTH LOGIN's answer to "Password:"
                _b64(b"\0" + user_bytes + b"\0" + secret_bytes),  # AUTH PLAIN
                _b64(user_bytes + b":" + secret_bytes),  # a proxy's Basic token
                _b64(
                    b"user=" + user_bytes + b"\x01auth=Bearer " + secret_bytes + b"\x01\x01"
                ),  # XOAUTH2
            }
            if user:
                # AUTH LOGIN's answer to "Username:" sits next to the secret.
                texts.add(_b64(user_bytes))
            cores.update(base64_cores(secret_bytes))
        # A longer form first: a shorter one inside it would leave the rest of it in clear.
        self.texts = sorted(texts, key=len, reverse=True)
        self.cores = sorted(cores, key=len, reverse=True)

    @classmethod
    def of(cls, server) -> Masker:
        """The Masker of a send to `server` (a ServerSettings): its login and its proxy's."""
        logins = [(server.username, server.password)]
        if server.proxy is not None:
            logins.append((server.proxy.username, server.proxy.password))
        if getattr(server, "ssh", None) is not None:
            logins += server.ssh.secrets()
        return cls(logins)

    def __call__(self, text: str) -> str:
        for core in self.cores:
            text = _mask_blobs(text, core)
        for secret in self.texts:
            text = text.replace(secret, MASK)
        return text


def _mask_blobs(text: str, core: str) -> str:
    """`text` with every run of base64 that holds `core` replaced whole (padding included)."""
    start = text.find(core)
    while start != -1:
        left, right = start, start + len(core)
        while left > 0 and text[left - 1] in BASE64_ALPHABET:
            left -= 1
        while right < len(text) and (text[right] in BASE64_ALPHABET or text[right] == "="):
            right += 1
        text = text[:left] + MASK + text[right:]
        start = text.find(core, left + len(MASK))
    return text
