"""Accounts per second of `smtp-tui check --all` (issue 19): 100 accounts, each with its own
password credential, against one local aiosmtpd with STARTTLS (a trustme certificate) and AUTH,
at concurrency 1, 4 and 16; then again with the server answering each EHLO after 100 ms, as a
server across a WAN would (two EHLOs a check). The whole command is timed (a new process:
start-up, the database, the vault, every TLS handshake and login, the history rows), as cron
would run it. No message is sent: the server counts DATA.

    python -m bench.checks [ACCOUNTS] [CONCURRENCY...]
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from smtp_tui import accounts, credentials
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.validation import AccountInput

USER, PASSWORD = "bench", "Bench-Pa55word"


class _Handler:
    """Counts messages (there must be none) and answers each EHLO after `delay` seconds: a
    server across a WAN, where checking several at once pays."""

    def __init__(self, delay: float = 0.0):
        self.data = 0
        self.delay = delay

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if self.delay:
            await asyncio.sleep(self.delay)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.data += 1
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok)


def _server(ca: trustme.CA, delay: float = 0.0) -> tuple[Controller, _Handler, int]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    handler = _Handler(delay)
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
    )
    controller.start()
    return controller, handler, port


def _fill(database: Path, key: Path, size: int, port: int) -> None:
    context = AppContext.open(Config(database=str(database), key_file=key))
    for n in range(size):
        credential = credentials.save(
            context.vault, name=f"bench {n:03d}", username=USER, secret=PASSWORD
        )
        accounts.save(
            AccountInput(
                name=f"Bench check {n:03d}",
                email=f"bench{n}@example.com",
                host="localhost",
                port=port,
                secure=True,
                secure_type="TLS",
                authentication=True,
                credential_id=credential.id,
                timeout=10,
            ),
            actor="bench",
        )
    context.database.close()


def main(argv: list[str]) -> None:
    # aiosmtpd warns of its own deprecated attribute at each login.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    size = int(argv[0]) if argv else 100
    levels = [int(a) for a in argv[1:]] or [1, 4, 16]
    for delay in (0.0, 0.1):
        _bench(size, levels, delay)


def _bench(size: int, levels: list[int], delay: float) -> None:
    ca = trustme.CA()
    controller, handler, port = _server(ca, delay)
    try:
        with tempfile.TemporaryDirectory() as work:
            ca_file = Path(work) / "ca.pem"
            ca.cert_pem.write_to_path(str(ca_file))
            database, key = Path(work) / "checks.db", Path(work) / "key"
            _fill(database, key, size, port)
            env = {
                **os.environ,
                "SSL_CERT_FILE": str(ca_file),
                "SMTP_TUI_DB": str(database),
                "SMTP_TUI_KEY_FILE": str(key),
            }
            print(
                f"{size} accounts, one local aiosmtpd (STARTTLS + AUTH), `check --all`, "
                f"each EHLO answered after {delay * 1000:.0f} ms:"
            )
            for level in levels:
                started = time.perf_counter()
                result = subprocess.run(
                    [sys.executable, "-m", "smtp_tui", "check", "--all", "--json"]
                    + ["--concurrency", str(level)],
                    capture_output=True,
                    text=True,
                    env=env,
                )
                took = time.perf_counter() - started
                if result.returncode != 0:
                    raise SystemExit(f"check failed ({result.returncode}): {result.stderr}")
                print(
                    f"  concurrency {level:>2}: {took:6.2f} s, {size / took:6.1f} accounts/s"
                    f" (messages delivered: {handler.data})"
                )
    finally:
        controller.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
