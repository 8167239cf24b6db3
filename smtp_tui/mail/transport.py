"""Carry an envelope to the SMTP server step by step (aiosmtplib), narrating every line.

SSL is TLS from the first byte; TLS is STARTTLS and is required: a server that does not
offer it fails the attempt before anything else is said. Certificates are verified with the
system's trust store (SSL_CERT_FILE honoured) unless the account ignores certificate errors.
"""

from __future__ import annotations

import asyncio
import email.policy
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiosmtplib
from aiosmtplib.typing import Default

from smtp_tui.mail.compose import Envelope
from smtp_tui.mail.connectors import ProxySettings, open_tunnel
from smtp_tui.mail.diagnosis import Failure, diagnose
from smtp_tui.mail.masking import Masker
from smtp_tui.mail.transcript import Line, Transcript
from smtp_tui.oauth2.records import IssuedToken

if TYPE_CHECKING:
    # Imported for a send through an SSH connector only: asyncssh is heavy.
    from smtp_tui.mail.ssh import Bastion, SshSettings

# For EHLO; getfqdn() can wait on DNS.
LOCAL_HOSTNAME = socket.gethostname() or "localhost"


@dataclass(frozen=True)
class ServerSettings:
    """Everything needed to reach and log in to one SMTP server."""

    host: str
    port: int
    security: str = "none"  # none | SSL | TLS
    verify_certificates: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    proxy: ProxySettings | None = None
    timeout: float = 30.0
    credential_name: str = ""
    # "password" (AUTH PLAIN or LOGIN) or "xoauth2": an OAuth2 access token from `token`,
    # fetched at the step "token", before connecting, and sent as SASL XOAUTH2.
    mechanism: str = "password"
    token: TokenSource | None = field(default=None, repr=False)
    credential_kind: str = "password"  # credentials.KINDS, for the diagnosis
    # Through an SSH bastion (step "ssh"): a direct-tcpip channel instead of a connection.
    ssh: SshSettings | None = None


@dataclass(frozen=True)
class TokenSource:
    """Where a send's access token comes from: `fetch(ssl_context, proxy_url, timeout)`, and
    what the transcript says of it (the token URL and the grant)."""

    fetch: Callable[[ssl.SSLContext, str | None, float], Awaitable[IssuedToken]]
    url: str
    grant: str  # "client credentials", "refresh token", "Google service account"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    check_only: bool
    failure: Failure | None
    transcript: Transcript
    duration: float

    @property
    def verdict(self) -> str:
        if self.failure is None:
            return (
                "Connection checked: the server accepted the sender and every recipient "
                "(no message sent)."
                if self.check_only
                else "Delivered to the server: it accepted the message."
            )
        return f"Failed at {self.failure.step}: {self.failure.summary}"


class _NarratedSMTP(aiosmtplib.SMTP):
    """aiosmtplib's client, telling the transcript each command and reply as they pass."""

    def __init__(self, transcript: Transcript, **kwargs):
        super().__init__(**kwargs)
        self.transcript = transcript

    async def execute_command(self, *args: bytes, timeout=Default.token):
        self.transcript.client(b" ".join(args))
        response = await super().execute_command(*args, timeout=timeout)
        self.transcript.server(response.code, response.message)
        return response


def tls_context(server: ServerSettings) -> ssl.SSLContext:
    # The system's trust store; honours SSL_CERT_FILE.
    context = ssl.create_default_context()
    if not server.verify_certificates:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _describe_tls(smtp: aiosmtplib.SMTP, transcript: Transcript) -> None:
    ssl_object = smtp.get_transport_info("ssl_object")
    if ssl_object is None:
        return
    cipher = ssl_object.cipher()
    transcript.info(f"TLS is up: {ssl_object.version()}, cipher {cipher[0] if cipher else '?'}")
    peer = ssl_object.getpeercert()
    if peer:
        subject = ", ".join(f"{k}={v}" for rdn in peer.get("subject", ()) for k, v in rdn)
        issuer = ", ".join(f"{k}={v}" for rdn in peer.get("issuer", ()) for k, v in rdn)
        transcript.info(f"Peer certificate: subject {subject}; issuer {issuer}")
    else:
        transcript.warning("The certificate was not checked (Ignore certificate errors is Yes).")


async def deliver(
    server: ServerSettings,
    envelope: Envelope,
    *,
    check_only: bool = False,
    on_line: Callable[[Line], None] | None = None,
    bastion: Bastion | None = None,
) -> Outcome:
    """Connect, secure, log in, and send `envelope` (or stop after RCPT TO when `check_only`).

    Never raises for a failure of the server or the network: the Outcome says what failed,
    where, and what to do. Cancelling the task closes the connection at once.

    Through an SSH connector (`server.ssh`), one SSH connection serves every step and is
    closed after; a `bastion` given (a check of several accounts behind one bastion) is used
    and left open for the next send, connected first if it is not yet.
    """
    owned = None
    if server.ssh is not None and bastion is None:
        # Imported here: asyncssh loads only for a send through an SSH connector.
        from smtp_tui.mail.ssh import Bastion

        bastion = owned = Bastion(server.ssh, server.timeout)
    try:
        outcome = await _deliver(server, envelope, check_only, on_line, bastion)
    except BaseException:
        if owned is not None:
            owned.abort()
        raise
    if owned is not None:
        await owned.close()
    return outcome


async def _deliver(
    server: ServerSettings,
    envelope: Envelope,
    check_only: bool,
    on_line: Callable[[Line], None] | None,
    bastion: Bastion | None,
) -> Outcome:
    mask = Masker.of(server)
    transcript = Transcript(on_line, mask)
    step = "resolve"
    smtp: _NarratedSMTP | None = None
    access_token = None
    try:
        if server.mechanism == "xoauth2" and server.token is not None:
            step = "token"
            access_token = await _fetch_token(server, server.token, transcript)
            step = "resolve"
        sock = None
        if bastion is not None:
            step = "ssh"
            sock = await _ssh_channel(server, bastion, transcript)
        elif server.proxy is None:
            addresses = await asyncio.wait_for(
                asyncio.get_running_loop().getaddrinfo(
                    server.host, server.port, type=socket.SOCK_STREAM
                ),
                server.timeout,
            )
            transcript.info(
                f"{server.host} is {', '.join(sorted({str(a[4][0]) for a in addresses}))}"
            )
        else:
            step = "proxy"
            transcript.info(
                f"Opening a tunnel to {server.host}:{server.port} "
                f"through the {server.proxy.describe()}"
            )
            sock = await open_tunnel(server.proxy, server.host, server.port, server.timeout)
            transcript.info("The proxy opened the tunnel")
        if server.security == "none":
            transcript.warning(
                "No secure connection: the dialogue, any login and the message travel in clear."
            )
        step = "TLS" if server.security == "SSL" else "connect"
        smtp = _NarratedSMTP(
            transcript,
            hostname=server.host,
            port=None if sock else server.port,
            sock=sock,
            use_tls=server.security == "SSL",
            start_tls=False,
            # Loading the trust store takes time (bench/results.md): only when TLS is used.
            tls_context=tls_context(server) if server.security != "none" else None,
            timeout=server.timeout,
            local_hostname=LOCAL_HOSTNAME,
        )
        transcript.info(
            f"Connecting to {server.host}:{server.port}"
            + (" with SSL (TLS from the first byte)" if server.security == "SSL" else "")
        )
        greeting = await smtp.connect()
        transcript.server(greeting.code, greeting.message)
        _describe_tls(smtp, transcript)
        step = "EHLO"
        await smtp.ehlo()
        if server.security == "TLS":
            step = "STARTTLS"
            if not smtp.supports_extension("starttls"):
                raise aiosmtplib.SMTPNotSupported("STARTTLS not offered")
            transcript.client("STARTTLS")
            response = await smtp.starttls()
            transcript.server(response.code, response.message)
            _describe_tls(smtp, transcript)
            step = "EHLO"
            await smtp.ehlo()
        if server.username is not None and access_token is not None:
            step = "AUTH"
            if "xoauth2" not in smtp.server_auth_methods:
                offered = ", ".join(m.upper() for m in smtp.server_auth_methods)
                raise aiosmtplib.SMTPException(
                    f"it does not offer XOAUTH2 (it offers: {offered or 'no login at all'})"
                )
            await smtp.auth_xoauth2(server.username, access_token)
        elif server.username is not None:
            step = "AUTH"
            await smtp.login(server.username, server.password or "")
        step = "MAIL"
        utf8 = bool(envelope.international)
        if utf8 and not smtp.supports_extension("smtputf8"):
            # Refused before MAIL FROM, at the step of the address that needs it: nothing is sent.
            step = "RCPT" if set(envelope.international) <= set(envelope.recipients) else "MAIL"
            raise aiosmtplib.SMTPNotSupported(", ".join(f"<{a}>" for a in envelope.international))
        if utf8:
            transcript.info(
                "An address needs SMTPUTF8 and the server offers it: sending with SMTPUTF8"
            )
        encoding = "utf-8" if utf8 else "ascii"
        await smtp.mail(envelope.sender, options=["SMTPUTF8"] if utf8 else [], encoding=encoding)
        step = "RCPT"
        for recipient in envelope.recipients:
            await smtp.rcpt(recipient, encoding=encoding)
        if check_only:
            transcript.info("Check only: stopping before DATA, no message sent")
        else:
            step = "DATA"
            # SMTPUTF8 carries the headers' addresses as UTF-8; without it they would be mangled.
            content = (
                envelope.message.as_bytes(policy=email.policy.SMTPUTF8)
                if utf8
                else envelope.message.as_bytes()
            )
            transcript.client("DATA")
            transcript.client(f"[the message: {len(content)} bytes, ended with <CRLF>.<CRLF>]")
            response = await smtp.data(content)
            transcript.server(response.code, response.message)
        await _quit(smtp)
        transcript.add(
            "ok", "Connection checked" if check_only else "Message accepted by the server"
        )
        return Outcome(True, check_only, None, transcript, transcript.elapsed)
    except asyncio.CancelledError:
        if smtp is not None:
            smtp.close()
        raise
    except Exception as exc:
        # Every failure becomes a verdict, never a traceback.
        failure = diagnose(step, exc, server, mask)
    if smtp is not None:
        smtp.close()
    transcript.add("error", f"{failure.step}: {failure.summary}")
    transcript.add("error", f"Hint: {failure.hint}")
    return Outcome(False, check_only, failure, transcript, transcript.elapsed)


async def _fetch_token(server: ServerSettings, source: TokenSource, transcript: Transcript) -> str:
    """The access token of the send, masked from here on in everything said of the send."""
    route = f" through the {server.proxy.describe()}" if server.proxy else ""
    transcript.info(f"Fetching an OAuth2 token from {source.url} ({source.grant}){route}")
    # The token endpoint is always verified, with the trust store of the SMTP path
    # (SSL_CERT_FILE honoured): Ignore certificate errors is about the SMTP server only.
    issued = await source.fetch(
        ssl.create_default_context(),
        server.proxy.url() if server.proxy else None,
        server.timeout,
    )
    transcript.mask.add(server.username, issued.access_token)
    until = f"valid until {issued.expires_at:%Y-%m-%d %H:%M:%S} UTC"
    transcript.info(
        f"Using the cached token, {until}" if issued.reused else f"Token received, {until}"
    )
    return issued.access_token


async def _ssh_channel(
    server: ServerSettings, bastion: Bastion, transcript: Transcript
) -> socket.socket:
    """The socket of a direct-tcpip channel to the SMTP server, through the bastion (connected
    and verified first unless it already is), with what it took in the transcript."""
    ssh = bastion.settings
    reused = bastion.connected
    if not reused:
        transcript.info(f"Connecting to the SSH bastion {ssh.describe()} (connector '{ssh.name}')")
        await bastion.connect()
    fingerprint = bastion.host_key.fingerprint if bastion.host_key else "?"
    transcript.info(f"SSH {ssh.describe()}, host key {fingerprint} verified")
    if reused:
        transcript.info("The SSH connection of the previous account is reused")
    else:
        found = "matches the pinned fingerprint" if ssh.host_key else f"found in {ssh.known_hosts}"
        key_type = bastion.host_key.key_type if bastion.host_key else "?"
        transcript.info(
            f"Host key {key_type} {found}; logged in as {ssh.username} ({bastion.method}) "
            f"in {bastion.connected_in * 1000:.0f} ms"
        )
    transcript.info(
        f"Opening a direct-tcpip channel to {server.host}:{server.port} through the bastion"
    )
    started = time.monotonic()
    sock = await bastion.open_socket(server.host, server.port)
    transcript.info(
        f"The bastion opened the channel in {(time.monotonic() - started) * 1000:.0f} ms"
    )
    return sock


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    try:
        await smtp.quit()
    except aiosmtplib.SMTPException:
        # The work is done; a rude goodbye changes nothing.
        smtp.close()
