"""Turn what went wrong at a step of the dialogue into a verdict a person can act on."""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass, replace

import aiosmtplib
from python_socks import ProxyConnectionError, ProxyError, ProxyTimeoutError

from smtp_tui.errors import TokenError
from smtp_tui.escaping import printable
from smtp_tui.mail.masking import Masker
from smtp_tui.mail.ssh_errors import (
    BastionLost,
    BastionUnreachable,
    ChannelRefused,
    HostKeyRefused,
    KeyUnusable,
    KnownHostsUnusable,
    LoginRefused,
    SshError,
)

STEPS = (
    "token",
    "resolve",
    "proxy",
    "ssh",
    "connect",
    "TLS",
    "greeting",
    "EHLO",
    "STARTTLS",
    "AUTH",
    "MAIL",
    "RCPT",
    "DATA",
)


@dataclass(frozen=True)
class Failure:
    step: str
    summary: str  # what happened, with the server's reply when there was one
    hint: str  # what to do about it


def _root(exc: BaseException) -> BaseException:
    """The original error under aiosmtplib's wrappers (it raises ... from the OS or ssl error)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def _reply(exc: aiosmtplib.SMTPResponseException) -> str:
    return f"{exc.code} {' '.join(exc.message.splitlines())}"


def certificate_failure(step: str, error: ssl.SSLCertVerificationError, server) -> Failure:
    reason = error.verify_message or str(error)
    if "expired" in reason:
        hint = "The server's certificate has expired: its administrator must renew it."
    elif "mismatch" in reason.lower() or "doesn't match" in reason:
        hint = (
            f"The certificate does not name '{server.host}'. Use the host name the certificate "
            "was issued for (not an IP address or an alias)."
        )
    else:
        hint = (
            "The certificate's issuer is not trusted here. Add the issuing CA to the system's "
            "trust store (or point SSL_CERT_FILE at a bundle that holds it); only for a test, "
            "set Ignore certificate errors to Yes."
        )
    return Failure(step, f"Certificate not trusted: {reason}.", hint)


def tls_failure(step: str, error: ssl.SSLError, server) -> Failure:
    if isinstance(error, ssl.SSLCertVerificationError):
        return certificate_failure(step, error, server)
    text = str(error)
    if (
        "WRONG_VERSION_NUMBER" in text
        or "wrong version number" in text
        or "record layer failure" in text
    ):
        return Failure(
            step,
            f"Port {server.port} did not answer TLS: it speaks plain SMTP first ({text}).",
            f"Port {server.port} expects TLS (STARTTLS), not SSL: set Secure connection type "
            "to TLS, or use port 465 for SSL.",
        )
    return Failure(
        step,
        f"The TLS handshake failed: {text}.",
        "The server and this appliance share no TLS version or cipher, or something between "
        "them interferes with TLS.",
    )


def _auth_hint(exc: aiosmtplib.SMTPResponseException, server) -> str:
    """What to do about a refused login: Exchange Online's and the OAuth2 cases by their codes."""
    mailbox = server.username or "MAILBOX"
    if "5.7.139" in exc.message:
        return (
            "SMTP AUTH is turned off for the tenant or this mailbox. An Exchange administrator "
            f"turns it on: Set-CASMailbox -Identity {mailbox} -SmtpClientAuthenticationDisabled "
            "$false (and for the whole tenant: Set-TransportConfig "
            "-SmtpClientAuthenticationDisabled $false)."
        )
    oauth2 = getattr(server, "mechanism", "password") == "xoauth2"
    kind = getattr(server, "credential_kind", "password")
    if oauth2 and kind == "oauth2-client-credentials" and exc.code == 535:
        return (
            "Exchange Online does not let the application send as this mailbox: register the "
            "application's service principal in Exchange (New-ServicePrincipal -AppId CLIENT_ID "
            "-ObjectId OBJECT_ID, the object ID of its Enterprise application) and grant it the "
            f"mailbox (Add-MailboxPermission -Identity {mailbox} -User OBJECT_ID -AccessRights "
            "FullAccess); the application needs SMTP.SendAsApp with admin consent."
        )
    if oauth2 and kind == "google-service-account":
        return (
            f"Google refused the token for {mailbox}: the mailbox must be a user of the "
            "Workspace domain whose administrator granted the service account domain-wide "
            "delegation for https://mail.google.com/."
        )
    if oauth2:
        return (
            f"The token was refused for {mailbox}: sign in as this mailbox (or one allowed to "
            "send as it) with the SMTP.Send permission: smtp-tui credentials authorize "
            f"{server.credential_name or 'NAME'}."
        )
    return (
        "Check the credential's user name and secret; some providers need an app password "
        "or SMTP AUTH enabled for the mailbox."
    )


def diagnose(step: str, exc: BaseException, server, mask: Masker | None = None) -> Failure:
    """The verdict for `exc`, raised at `step` of a send to `server` (a ServerSettings).

    A reply or an exception message may repeat a secret of the send: the verdict is masked
    (with `mask`, or the Masker of `server`) before anyone sees it.
    """
    mask = mask or Masker.of(server)
    failure = _diagnose(step, exc, server)
    return replace(
        failure, summary=printable(mask(failure.summary)), hint=printable(mask(failure.hint))
    )


def _diagnose(step: str, exc: BaseException, server) -> Failure:
    if isinstance(exc, SshError):
        summary, hint = ssh_failure(exc, getattr(server, "ssh", None))
        return Failure("ssh", summary, hint)
    root = _root(exc)
    where = f"{server.host}:{server.port}"
    if isinstance(exc, aiosmtplib.SMTPNotSupported) and step == "STARTTLS":
        return Failure(
            step,
            f"{where} does not offer STARTTLS, so nothing more was sent: no login, no message.",
            "Choose SSL (usually port 465) if the server supports it, or have STARTTLS enabled on "
            "the server. A TLS account never falls back to plain text.",
        )
    if isinstance(exc, aiosmtplib.SMTPNotSupported) and step in ("MAIL", "RCPT"):
        return Failure(
            step,
            f"{where} does not offer SMTPUTF8, needed for {exc.message} (a part before the @ "
            "that is not ASCII): nothing was sent.",
            "Use an address written in ASCII, or a server that offers SMTPUTF8 (RFC 6531).",
        )
    if isinstance(exc, TokenError):
        return Failure("token", str(exc), exc.hint)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError) or (
        step == "AUTH" and isinstance(exc, aiosmtplib.SMTPResponseException)
    ):
        return Failure(
            step, f"The server refused the credential: {_reply(exc)}.", _auth_hint(exc, server)
        )
    if step == "AUTH" and type(exc) is aiosmtplib.SMTPException:
        return Failure(
            step,
            f"The server offers no login method this client can use: {exc}",
            "The server may offer AUTH only after STARTTLS, or not at all on this port; try "
            "TLS (STARTTLS) or port 587, or set Authentication to No for an open relay.",
        )
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return Failure(
            step,
            f"The server refused the sender <{exc.sender}>: {_reply(exc)}.",
            "The account may not send as this address: check E-mail and Return-path, and the "
            "server's sender policy (authentication may be needed).",
        )
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        return Failure(
            step,
            f"The server refused the recipient <{exc.recipient}>: {_reply(exc)}.",
            "Check the address. 'Relay access denied' means the server will not carry mail for "
            "this domain without authentication.",
        )
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return Failure(
            step,
            f"The server refused the message: {_reply(exc)}.",
            "The content, its size or the sender was rejected; the reply says which.",
        )
    if isinstance(root, ssl.SSLError):
        return tls_failure("TLS" if step in ("connect", "TLS") else step, root, server)
    if isinstance(exc, aiosmtplib.SMTPConnectTimeoutError) and "ready message" in str(exc):
        return Failure(
            "greeting",
            f"{where} accepted the connection but sent no greeting.",
            f"Port {server.port} may expect SSL from the first byte (usually 465): set Secure "
            "connection type to SSL."
            if server.security != "SSL"
            else "The server is overloaded or a firewall holds the connection.",
        )
    if isinstance(root, socket.gaierror):
        return Failure(
            "resolve",
            f"The name {server.host} could not be resolved ({root.strerror}).",
            "Check the host name for typos, or the appliance's DNS servers; an IP address "
            "avoids the look-up.",
        )
    if isinstance(root, ConnectionRefusedError):
        return Failure(
            "connect",
            f"{where} refused the connection.",
            f"Nothing listens on port {server.port} there: check the port (25, 465 or 587) and "
            "that the mail service runs.",
        )
    if isinstance(exc, ProxyTimeoutError):
        return Failure(
            "proxy",
            f"The {server.proxy.describe()} did not answer in time.",
            "Check that the proxy runs and that this appliance may reach it.",
        )
    if isinstance(exc, ProxyConnectionError):
        return Failure(
            "proxy",
            f"Could not reach the {server.proxy.describe()}: {exc}.",
            "Check the connector's host and port, and the firewall between them.",
        )
    if isinstance(exc, ProxyError):
        return Failure(
            "proxy",
            f"The {server.proxy.describe()} refused to open {where}: {exc}.",
            "Check the connector's credential, and that the proxy may reach the SMTP server.",
        )
    if isinstance(
        exc,
        (
            TimeoutError,
            asyncio.TimeoutError,
            aiosmtplib.SMTPTimeoutError,
            aiosmtplib.SMTPConnectTimeoutError,
        ),
    ):
        return Failure(
            step,
            f"No answer from {where} within {server.timeout:g} s (at {step}).",
            "A firewall may drop the traffic, or the server is down or overloaded; from a "
            "segregated network a network connector may be needed.",
        )
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return Failure(
            step,
            f"{where} closed the connection during {step}: {exc}.",
            "The server dropped the session; its logs say why (often a policy or a TLS problem).",
        )
    # -1 is aiosmtplib's code, not a reply.
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code == -1:
        return Failure(
            "greeting" if step in ("connect", "TLS") else step,
            f"{where} does not speak SMTP: {exc.message}.",
            f"Check the port: {server.port} may belong to another service (SSH, HTTP, ...). "
            "SMTP servers listen on 25, 465 (SSL) or 587 (TLS).",
        )
    if isinstance(exc, aiosmtplib.SMTPConnectResponseError):
        return Failure(
            "greeting",
            f"The server refused the session: {_reply(exc)}.",
            "The server does not accept this appliance (or is overloaded); its reply says why.",
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return Failure(
            step,
            f"The server answered {_reply(exc)} to {step}.",
            "The reply text says what the server objects to.",
        )
    if isinstance(root, OSError):
        return Failure(
            step,
            f"Network error at {step}: {root.strerror or root}.",
            "Check the network path from this appliance to the server.",
        )
    return Failure(
        step,
        f"{type(exc).__name__}: {exc}.",
        "This was unexpected; the transcript shows where it stopped.",
    )


def ssh_failure(exc: SshError, ssh=None) -> tuple[str, str]:
    """What went wrong on the way through an SSH bastion, and what to do: (summary, hint).
    `ssh` is the send's SshSettings (its connector's name goes in the commands to run)."""
    name = getattr(ssh, "name", "") or "NAME"
    pin = f"smtp-tui connectors host-key '{name}' --pin"
    if isinstance(exc, BastionUnreachable):
        return _unreachable(exc)
    if isinstance(exc, KnownHostsUnusable):
        return (
            f"The known_hosts file {exc.path} cannot be used: {exc.detail}. Nothing was sent.",
            "Point the connector at a readable known_hosts file, or pin the bastion's "
            f"fingerprint instead: {pin}.",
        )
    if isinstance(exc, HostKeyRefused):
        return _host_key_refused(exc, pin)
    if isinstance(exc, KeyUnusable):
        return (
            f"The SSH key of credential '{exc.credential}' cannot be opened: {exc.detail}.",
            "Save the credential again with its private key and passphrase.",
        )
    if isinstance(exc, LoginRefused):
        return _login_refused(exc)
    if isinstance(exc, ChannelRefused) and exc.prohibited:
        return (
            f"The SSH bastion {exc.where} refused to open a channel to {exc.target}: {exc.detail}.",
            "The bastion forbids TCP forwarding: most likely AllowTcpForwarding no in its "
            "sshd_config (or a PermitOpen or permitopen= that leaves out "
            f"{exc.target}). Its administrator must allow forwarding to the SMTP server.",
        )
    if isinstance(exc, ChannelRefused):
        return (
            f"The SSH bastion {exc.where} could not reach {exc.target}: {exc.detail}.",
            "The SMTP server is unreachable from the bastion: check the account's host and "
            "port as the bastion sees them (its DNS, its firewall, the mail service).",
        )
    detail = exc.detail if isinstance(exc, BastionLost) else str(exc)
    return (
        f"The SSH connection to the bastion broke: {detail}.",
        "The bastion closed the session; its logs (journalctl -u ssh) say why.",
    )


def _unreachable(exc: BastionUnreachable) -> tuple[str, str]:
    where, host = exc.where, exc.where.rpartition("@")[2]
    port = host.rpartition(":")[2]
    if exc.reason == "resolve":
        return (
            f"The SSH bastion's name in {where} could not be resolved ({exc.detail}).",
            "Check the connector's host name, or this appliance's DNS servers; an IP address "
            "avoids the look-up.",
        )
    if exc.reason == "refused":
        return (
            f"The SSH bastion {where} refused the connection.",
            f"Nothing listens on port {port} there: check the connector's port (SSH is "
            "usually 22) and that sshd runs.",
        )
    if exc.reason == "timeout":
        return (
            f"The SSH bastion {where} did not answer: {exc.detail}.",
            f"A firewall may drop the traffic to port {port}, or the bastion is down; check "
            "that this appliance may reach it.",
        )
    if exc.reason == "network":
        return (
            f"Could not reach the SSH bastion {where}: {exc.detail}.",
            "Check the network path from this appliance to the bastion.",
        )
    return (
        f"The SSH handshake with {where} failed: {exc.detail}.",
        f"Check that port {port} is an SSH server's; it may belong to another service, or "
        "share no algorithm with this client.",
    )


def _host_key_refused(exc: HostKeyRefused, pin: str) -> tuple[str, str]:
    nothing = "Nothing was sent: no login, no channel."
    expected = ", ".join(exc.expected)
    if not exc.presented:
        return (
            f"The SSH bastion {exc.where} broke off the key exchange: it has no host key of "
            f"the types {exc.known_hosts} holds for it ({expected}), or it failed. {nothing}",
            f"Update {exc.known_hosts} with the bastion's current key (ssh-keyscan, checked "
            f"with its administrator), or pin its fingerprint: {pin}.",
        )
    presented = f"host key {exc.presented} ({exc.key_type})"
    if not exc.expected:
        return (
            f"The SSH bastion {exc.where} presented {presented}, which is not in "
            f"{exc.known_hosts}. {nothing}",
            f"Confirm the fingerprint with the bastion's administrator, then add its key to "
            f"{exc.known_hosts} (ssh-keyscan) or pin it: {pin}.",
        )
    source = "the pinned one" if not exc.known_hosts else f"the one in {exc.known_hosts}"
    return (
        f"The SSH bastion {exc.where} presented {presented}, but expected {expected} "
        f"({source}): the host key has changed. {nothing}",
        "Someone may be intercepting the connection, or the bastion was reinstalled. Ask its "
        "administrator for the new fingerprint; only once it matches, trust it: "
        + (
            pin
            if not exc.known_hosts
            else f"ssh-keygen -R HOST -f {exc.known_hosts}, then add the new key"
        )
        + ".",
    )


def _login_refused(exc: LoginRefused) -> tuple[str, str]:
    offered = ", ".join(exc.offered) or "no method this client knows"
    tried = " and ".join(exc.tried) or "nothing (the credential gives no method it offers)"
    summary = (
        f"The SSH bastion {exc.where} refused the login of {exc.username} by {tried} "
        f"(it offers: {offered})."
    )
    passwords = {"password", "keyboard-interactive"}
    if "publickey" in exc.tried:
        hint = (
            f"The bastion does not accept this key for {exc.username}: add its public key to "
            f"~{exc.username}/.ssh/authorized_keys there, and check the user in ssh://USER@HOST."
        )
    elif "publickey" in exc.offered and not passwords & set(exc.offered):
        hint = "The bastion takes no passwords: log in with an SSH key credential."
    elif passwords & set(exc.tried):
        hint = "Check the user in the connector's URL (ssh://USER@HOST) and the password."
    elif passwords & set(exc.offered):
        hint = "The bastion takes no SSH key here: log in with a password credential."
    else:
        hint = "Give the connector a credential of a kind the bastion offers."
    return summary, hint
