"""Accounts per second of `smtp-tui check --all` (issue 19): 100 accounts, each with its own
password credential, against one local aiosmtpd with STARTTLS (a trustme certificate) and AUTH,
at concurrency 1, 4 and 16. The whole command is timed (a new process: start-up, the database,
the vault, every TLS handshake and login, the history rows), as cron would run it.

    python -m bench.checks [ACCOUNTS] [CONCURRENCY...]
"""

from __future__ import annotations

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
    data = 0

    async def handle_DATA(self, server, session, envelope):
        self.data += 1
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok)


def _server(ca: trustme.CA) -> tuple[Controller, _Handler, int]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    handler = _Handler()
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
    size = int(argv[0]) if argv else 100
    levels = [int(a) for a in argv[1:]] or [1, 4, 16]
    ca = trustme.CA()
    controller, handler, port = _server(ca)
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
            print(f"{size} accounts, one local aiosmtpd (STARTTLS + AUTH), `check --all`:")
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
