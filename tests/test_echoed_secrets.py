"""A peer that repeats the secret it was sent (a 535 echoing the AUTH blob, a proxy's 407 echoing
Proxy-Authorization) must not get it printed, kept in the test history, audited or stored."""

from __future__ import annotations

import asyncio
import base64
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtp_tui import accounts, connectors, credentials
from smtp_tui.mail.masking import MASK, Masker
from smtp_tui.store.models import AuditEvent, TestRun
from tests.conftest import account_input, stored_bytes
from tests.test_cli_test import smtp_tui
from tests.test_hostile_servers import SECRET, TO, USER, make_account

PROXY_USER, PROXY_SECRET = "gateway", "Pr0xy-Echo-Secret-42"


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def encodings(user: str, secret: str) -> list[str]:
    """Every form the secret could leak in: plain, its user:secret pair, the blobs a client sends,
    and base64 of a 9-byte piece of it at each of the three alignments, which any base64 blob
    holding the whole secret contains, whatever surrounds it."""
    forms = [
        secret,
        f"{user}:{secret}",
        b64(secret),
        b64(f"\0{user}\0{secret}"),
        b64(f"{user}:{secret}"),
    ]
    return forms + [b64(secret[i : i + 9]) for i in range(3)]


ECHOES = {
    "PLAIN blob": ("PLAIN", lambda blob: f"535 5.7.8 Authentication failed for {blob}\r\n"),
    "PLAIN decoded": (
        "PLAIN",
        lambda blob: f"535 5.7.8 Bad login {base64.b64decode(blob).decode()}\r\n",
    ),
    "LOGIN blob": ("LOGIN", lambda blob: f"535 5.7.8 Wrong password {blob}\r\n"),
    "LOGIN decoded": (
        "LOGIN",
        lambda blob: f"535 5.7.8 Password '{base64.b64decode(blob).decode()}' is wrong\r\n",
    ),
    "user:secret in a multi-line reply": (
        "LOGIN",
        lambda blob: f"535-5.7.8 Refused\r\n535 5.7.8 {USER}:{base64.b64decode(blob).decode()}\r\n",
    ),
    "secret re-encoded at another alignment": (
        "PLAIN",
        lambda blob: (
            f"535 5.7.8 {b64(b'Rejected ' + base64.b64decode(blob) + b' from 127.0.0.1')}\r\n"
        ),
    ),
}


def assert_nowhere(context, result, user: str, secret: str) -> None:
    places = {
        "stdout": result.stdout,
        "stderr": result.stderr,
        "test_run": "\n".join(f"{r.summary}\n{r.hint}\n{r.transcript}" for r in TestRun.select()),
        "audit_event": "\n".join(f"{e.summary}\n{e.changes}" for e in AuditEvent.select()),
        "database": stored_bytes(context).decode("utf-8", "replace"),
    }
    for place, text in places.items():
        for form in encodings(user, secret):
            assert form not in text, f"{form!r} in {place}:\n{text[:3000]}"


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
def test_a_535_that_echoes_the_secret_is_masked_everywhere(context, hostile, echo):
    method, reply = echo
    server = hostile(auth=method, refuse_auth=lambda blob: reply(blob).encode())
    account = make_account(context.vault, server.port)
    result = smtp_tui(context, "test", str(account.code), "--to", TO)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ Failed at AUTH: The server refused the credential: 535" in result.stdout, (
        result.stdout
    )
    assert "********" in result.stdout  # the echo is shown, with the secret masked
    assert any(
        line.startswith("AUTH") for line in server.received
    )  # the secret was sent and echoed
    assert (
        TestRun.get().step == "AUTH"
        and AuditEvent.select().where(AuditEvent.action == "test").count() == 1
    )
    assert_nowhere(context, result, USER, SECRET)


class EchoingProxy:
    """An HTTP CONNECT proxy on 127.0.0.1 that refuses with a 407 repeating the credential sent."""

    def __init__(self):
        self.requests: list[bytes] = []
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), daemon=True).start()
        assert ready.wait(5), "the proxy did not start"

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._session, "127.0.0.1", 0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(head)
        authorization = next(
            (
                line.split(b":", 1)[1].strip()
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"proxy-authorization:")
            ),
            b"",
        )
        token = authorization.split(b" ")[-1]
        writer.write(
            b"HTTP/1.1 407 Not allowed: Proxy-Authorization: "
            + authorization
            + b" = "
            + base64.b64decode(token)
            + b'\r\nProxy-Authenticate: Basic realm="echo"\r\n'
            + b"X-Echo: "
            + authorization
            + b"\r\nContent-Length: 0\r\n\r\n"
        )
        await writer.drain()
        writer.close()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def echoing_proxy():
    proxy = EchoingProxy()
    yield proxy
    proxy.close()


def test_a_proxy_407_that_echoes_proxy_authorization_is_masked_everywhere(context, echoing_proxy):
    login = credentials.save(
        context.vault, name="proxy-login", username=PROXY_USER, secret=PROXY_SECRET
    )
    connector = connectors.save(
        name="echo", kind="http", host="127.0.0.1", port=echoing_proxy.port, credential_id=login.id
    )
    accounts.save(
        account_input(
            1,
            host="mail.example.com",
            port=25,
            secure=False,
            secure_type=None,
            use_connector=True,
            connector_id=connector.id,
            timeout=5,
        )
    )
    result = smtp_tui(context, "test", "1", "--to", TO)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ Failed at proxy" in result.stdout and "407 Not allowed" in result.stdout, (
        result.stdout
    )
    assert (
        f"Proxy-Authorization: Basic {b64(f'{PROXY_USER}:{PROXY_SECRET}')}".encode()
        in echoing_proxy.requests[0]
    )
    assert_nowhere(context, result, PROXY_USER, PROXY_SECRET)


@given(
    secret=st.text(min_size=5, max_size=40).filter(lambda s: MASK not in s),
    before=st.binary(max_size=12),
    after=st.binary(max_size=12),
)
def test_the_secret_is_masked_inside_any_base64_blob_whatever_surrounds_it(secret, before, after):
    blob = b64(before + secret.encode() + after)
    masked = Masker([("someone", secret)])(f"535 {blob} and {secret}.")
    assert masked == f"535 {MASK} and {MASK}."
