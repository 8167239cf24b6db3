"""Hostile and broken SMTP servers: each must give a clear verdict within the timeout, never a
traceback, never a leaked secret, and the test window must stay responsive meanwhile.

The servers are written by hand below (asyncio, 127.0.0.1 only, in a thread with their own event
loop) so that they can misbehave in ways a real server library would not let them.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import ssl
import threading
import time
from collections.abc import Callable

import pytest
import trustme
from textual.widgets import Input

from smtp_tui import accounts, credentials, proofs
from smtp_tui.app import SmtpApp
from smtp_tui.mail.transport import deliver
from smtp_tui.screens.proof import ProofScreen
from smtp_tui.store.models import TestRun
from tests.conftest import account_input
from tests.test_report import settle
from tests.test_test_email import transcript_text, wait_done

TO = "admin@example.com"
USER, SECRET = "mailer", "Hostile-S3cret-Never-Shown"
AUTH_PLAIN = base64.b64encode(
    f"\0{USER}\0{SECRET}".encode()
).decode()  # the secret as AUTH PLAIN sends it
BIG_BODY = "A line of the test message, long enough to matter.\n" * 40_000  # about 2 MB


class HostileServer:
    """An SMTP server on 127.0.0.1 that records every line it receives and misbehaves as told.

    hang_on       a command (MAIL, AUTH, ...) it never answers: it listens on, silent;
    drop_in_data  after its 354 it reads the first chunk of the message and closes the socket;
    greeting      what it says first (garbage instead of a 220, say);
    babble        what it answers to every command instead of a reply;
    implicit_tls  an ssl.SSLContext: TLS from the first byte;
    starttls      an ssl.SSLContext: STARTTLS offered in the EHLO reply and honoured;
    auth          the login method it offers (PLAIN or LOGIN);
    refuse_auth   given the blob that carries the secret (PLAIN's, or LOGIN's answer to
                  "Password:"), the reply that refuses the login; without it every login succeeds.
    Without starttls the EHLO reply never lists STARTTLS (a stripping middlebox).
    """

    def __init__(
        self,
        *,
        hang_on: str | None = None,
        drop_in_data: bool = False,
        greeting: bytes = b"220 hostile.example.com ESMTP\r\n",
        babble: bytes | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        starttls: ssl.SSLContext | None = None,
        auth: str = "PLAIN",
        refuse_auth: Callable[[str], bytes] | None = None,
    ):
        self.hang_on, self.drop_in_data, self.greeting, self.babble = (
            hang_on,
            drop_in_data,
            greeting,
            babble,
        )
        self.implicit_tls, self.starttls = implicit_tls, starttls
        self.auth, self.refuse_auth = auth, refuse_auth
        self.received: list[str] = []  # every command line, as the server read it
        self.data_bytes = 0  # how much of the message arrived before a drop
        self.session_ended = threading.Event()
        self._sessions: set[asyncio.Task] = set()
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(lambda loop, context: None)  # handshakes the client refuses
        ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self.thread.start()
        assert ready.wait(5), "the hostile server did not start"

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._session, "127.0.0.1", 0, ssl=self.implicit_tls)
        )
        self.port = self.server.sockets[0].getsockname()[1]  # a free port, chosen by the system
        ready.set()
        self.loop.run_forever()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._sessions.add(task)
        try:
            await self._converse(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client hung up or refused our TLS: that is what these tests provoke
        finally:
            writer.close()
            self._sessions.discard(task)
            self.session_ended.set()

    async def _say(self, writer: asyncio.StreamWriter, reply: bytes) -> None:
        writer.write(reply)
        await writer.drain()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._say(writer, self.greeting)
        while line := await reader.readline():
            command = line.decode("utf-8", "replace").strip()
            self.received.append(command)
            verb = command.split(" ")[0].upper()
            if verb == self.hang_on:
                await reader.read()  # never answer; return when the client gives up
                return
            if self.babble is not None:
                await self._say(writer, self.babble)
            elif verb == "EHLO":
                offer = b"250-STARTTLS\r\n" if self.starttls else b""
                await self._say(
                    writer,
                    b"250-hostile.example.com\r\n" + offer + f"250 AUTH {self.auth}\r\n".encode(),
                )
            elif verb == "STARTTLS" and self.starttls:
                await self._say(writer, b"220 2.0.0 Ready to start TLS\r\n")
                await writer.start_tls(self.starttls)
            elif verb == "AUTH":
                await self._login(command, reader, writer)
            elif verb == "DATA":
                await self._say(writer, b"354 End data with <CR><LF>.<CR><LF>\r\n")
                if self.drop_in_data:
                    self.data_bytes = len(await reader.read(65536))
                    return  # closes the socket in the middle of the message
                while await reader.readline() not in (b".\r\n", b""):
                    pass
                await self._say(writer, b"250 2.0.0 Ok: queued\r\n")
            elif verb == "QUIT":
                await self._say(writer, b"221 2.0.0 Bye\r\n")
                return
            else:
                await self._say(writer, b"250 2.0.0 OK\r\n")

    async def _login(
        self, command: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if self.refuse_auth is None:
            await self._say(writer, b"235 2.7.0 Authentication successful\r\n")
            return
        blob = command.split(" ")[-1]  # PLAIN's blob, or LOGIN's user name
        if command.split(" ")[1].upper() == "LOGIN":
            await self._say(writer, b"334 UGFzc3dvcmQ6\r\n")
            blob = (await reader.readline()).decode().strip()
            self.received.append(blob)
        await self._say(writer, self.refuse_auth(blob))

    def commands(self) -> list[str]:
        return [line.split(" ")[0].upper() for line in self.received]

    def close(self) -> None:
        async def stop():
            self.server.close()
            for task in list(self._sessions):
                task.cancel()
            await asyncio.gather(*self._sessions, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def hostile():
    """Starts HostileServers; stops them all after the test."""
    servers: list[HostileServer] = []

    def start(**behaviour) -> HostileServer:
        servers.append(HostileServer(**behaviour))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def expired_tls(tmp_path, monkeypatch):
    """A server context whose certificate (for 127.0.0.1) expired yesterday, issued by a CA that
    is the whole trust store for this test: the only fault is the date."""
    ca = trustme.CA()
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = ca.issue_cert(
        "127.0.0.1",
        not_before=now - datetime.timedelta(days=30),
        not_after=now - datetime.timedelta(days=1),
    )
    ca_file = tmp_path / "hostile-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


def make_account(vault, port: int, *, security: str = "none", timeout: int = 2):
    """An account on 127.0.0.1:port that always logs in, with SECRET as its credential's secret."""
    credential = credentials.save(vault, name="hostile-login", username=USER, secret=SECRET)
    return accounts.save(
        account_input(
            1,
            host="127.0.0.1",
            port=port,
            secure=security != "none",
            secure_type=None if security == "none" else security,
            authentication=True,
            credential_id=credential.id,
            timeout=timeout,
        )
    )


async def attempt(vault, code: int, *, body: str = "Hello from the hostile tests.") -> tuple:
    """Send through the saved account as the app does; the outcome, kept, and how long it took."""
    prepared = proofs.prepare_saved(code, vault, to=TO, subject="Hostile test", body=body)
    started = time.monotonic()
    outcome = await deliver(prepared.server, prepared.envelope)
    seconds = time.monotonic() - started
    proofs.record(prepared, outcome, actor="tester@hostile")
    text = outcome.transcript.text()
    for kept in (
        text,
        TestRun.get().transcript,
        outcome.verdict,
        outcome.failure and outcome.failure.hint or "",
    ):
        assert SECRET not in kept and AUTH_PLAIN not in kept
    assert "Traceback" not in text and (
        outcome.ok or outcome.transcript.lines[-1].text.startswith("Hint: ")
    )
    return outcome, seconds


@pytest.mark.parametrize("hang_on", ["MAIL", "AUTH"])
async def test_a_server_that_hangs_mid_dialogue_times_out_at_that_step(db, vault, hostile, hang_on):
    server = hostile(hang_on=hang_on)
    account = make_account(vault, server.port, timeout=1)
    outcome, seconds = await attempt(vault, account.code)
    assert 0.9 < seconds < 1 + 2, outcome.transcript.text()
    assert not outcome.ok and outcome.failure.step == hang_on, outcome.verdict
    assert (
        outcome.failure.summary
        == f"No answer from 127.0.0.1:{server.port} within 1 s (at {hang_on})."
    )
    assert server.commands()[-1] == hang_on and "MAIL" not in server.commands()[:-1]
    assert await asyncio.to_thread(server.session_ended.wait, 2)  # the client hung up on it
    assert accounts.get(account.code).last_test_outcome == f"failed {hang_on}"


async def test_a_connection_dropped_in_the_middle_of_data_fails_at_data(db, vault, hostile):
    server = hostile(drop_in_data=True)
    account = make_account(vault, server.port)
    outcome, seconds = await attempt(vault, account.code, body=BIG_BODY)
    assert seconds < 2, outcome.transcript.text()
    assert 0 < server.data_bytes < len(BIG_BODY)  # the message was cut, not finished
    assert server.commands() == ["EHLO", "AUTH", "MAIL", "RCPT", "DATA"]
    assert not outcome.ok and outcome.failure.step == "DATA", outcome.verdict
    assert f"127.0.0.1:{server.port} closed the connection during DATA" in outcome.failure.summary
    assert "dropped the session" in outcome.failure.hint


GARBAGE = pytest.mark.parametrize(
    "greeting, babble, step",
    [
        (bytes(range(256)) * 4, None, "greeting"),  # binary bytes (0x00-0xff) instead of a greeting
        (b"hello there\r\n", b"hello there\r\n", "greeting"),  # chatty, but no reply codes
        (
            b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n",
            None,
            "greeting",
        ),  # not even a mail service
        (
            b"220 hostile.example.com ESMTP\r\n",
            b"hello there\r\nhello there\r\n",
            "EHLO",
        ),  # a 220, then babble
    ],
    ids=["binary-bytes", "hello-there", "ssh-banner", "babble-after-220"],
)


@GARBAGE
async def test_a_server_that_answers_garbage_fails_fast_without_a_traceback(
    db, vault, hostile, greeting, babble, step
):
    server = hostile(greeting=greeting, babble=babble)
    account = make_account(vault, server.port, timeout=2)
    outcome, seconds = await attempt(vault, account.code)
    assert seconds < 1, outcome.transcript.text()
    assert not outcome.ok and outcome.failure.step in (step, "connect"), outcome.verdict
    assert "Malformed SMTP response line" in outcome.failure.summary
    assert "AUTH" not in server.commands() and "MAIL" not in server.commands()


@GARBAGE
async def test_garbage_gets_a_verdict_at_the_right_step_that_points_at_the_port(
    db, vault, hostile, greeting, babble, step
):
    server = hostile(greeting=greeting, babble=babble)
    account = make_account(vault, server.port, timeout=2)
    outcome, _ = await attempt(vault, account.code)
    assert outcome.failure.step == step, outcome.verdict  # the TCP connection itself worked
    assert "-1" not in outcome.failure.summary, (
        outcome.verdict
    )  # aiosmtplib's code, not the server's
    assert "port" in outcome.failure.hint.lower(), (
        outcome.failure.hint
    )  # wrong port / not an SMTP service
    assert outcome.transcript.text().replace("\n", "").isprintable()


async def test_escape_sequences_from_a_server_never_reach_the_transcript(db, vault, hostile):
    server = hostile(greeting=b"220 \x1b[2J\x1b]0;owned\x07hostile.example.com ESMTP\r\n")
    account = make_account(vault, server.port)
    outcome, _ = await attempt(vault, account.code)
    assert outcome.ok, outcome.verdict  # otherwise a well-behaved server
    assert "\x1b" not in outcome.transcript.text() and "\x1b" not in TestRun.get().transcript


async def test_a_server_that_strips_starttls_gets_no_login_and_no_mail(db, vault, hostile):
    server = hostile()  # speaks ESMTP, offers AUTH, never offers STARTTLS
    account = make_account(vault, server.port, security="TLS")
    outcome, seconds = await attempt(vault, account.code)
    assert seconds < 1
    assert not outcome.ok and outcome.failure.step == "STARTTLS", outcome.verdict
    assert (
        "does not offer STARTTLS" in outcome.failure.summary
        and "no login" in outcome.failure.summary
    )
    assert server.commands() == ["EHLO"]  # no AUTH, no MAIL, nothing in the clear after the EHLO
    assert not any(line.upper().startswith(("AUTH", "MAIL")) for line in server.received)


@pytest.mark.parametrize("security, step", [("SSL", "TLS"), ("TLS", "STARTTLS")])
async def test_an_expired_certificate_is_named_and_renewal_advised(
    db, vault, hostile, expired_tls, security, step
):
    server = hostile(**{"implicit_tls" if security == "SSL" else "starttls": expired_tls})
    account = make_account(vault, server.port, security=security)
    outcome, seconds = await attempt(vault, account.code)
    assert seconds < 2
    assert not outcome.ok and outcome.failure.step == step, outcome.verdict
    assert "certificate has expired" in outcome.failure.summary
    assert "expired" in outcome.failure.hint and "renew" in outcome.failure.hint
    assert server.commands() == (
        [] if security == "SSL" else ["EHLO", "STARTTLS"]
    )  # no AUTH, no MAIL


async def test_the_window_stays_responsive_and_escape_cancels_a_hanging_attempt(context, hostile):
    server = hostile(hang_on="MAIL")
    make_account(context.vault, server.port, timeout=30)
    app = SmtpApp(context)
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(pilot)
        await pilot.press("t", *TO, "ctrl+s")
        screen = app.screen
        assert isinstance(screen, ProofScreen)
        for _ in range(250):  # until the server has the MAIL FROM it will never answer
            await pilot.pause(0.02)
            if "MAIL" in server.commands():
                break
        assert screen.running and " -> MAIL FROM" in transcript_text(app)
        started = time.monotonic()
        await pilot.press("x")  # typing still reaches the form while the attempt runs
        assert screen.query_one("#f-recipient", Input).value == TO + "x"
        assert time.monotonic() - started < 0.5
        started = time.monotonic()
        await pilot.press("escape")
        while screen.running and time.monotonic() - started < 5:
            await pilot.pause(0.01)
        cancelled_in = time.monotonic() - started
        assert not screen.running and cancelled_in < 0.5, cancelled_in
        await wait_done(pilot)
        assert "Cancelled" in str(screen.query_one("#verdict").render())
        assert await asyncio.to_thread(server.session_ended.wait, 1)  # closed, not left hanging
        text = transcript_text(app)
        assert (
            SECRET not in text and AUTH_PLAIN not in text and SECRET not in app.export_screenshot()
        )
        assert accounts.get(1).last_test_outcome == "cancelled"
