"""The message an account sends: its headers follow the account's settings (SPEC section 2)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from smtp_tui.validation import AccountInput

TEST_SUBJECT = "SMTP test e-mail"
TEST_BODY = "This is a test message sent to check the settings of this SMTP account."


@dataclass(frozen=True)
class Envelope:
    """What goes on the wire: MAIL FROM, RCPT TO and the message itself."""

    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage
    international: tuple[str, ...] = ()  # the addresses, envelope or headers, that need SMTPUTF8


def wire_address(address: str) -> str:
    """`address` as it travels without SMTPUTF8 where it can: with an ASCII local part, an
    internationalised domain becomes its A-label (xn--...). A local part that is not ASCII is
    kept: only SMTPUTF8 (RFC 6531) can carry it."""
    local, _, domain = address.rpartition("@")
    if address.isascii() or not local.isascii():
        return address
    # Imported on first use: the report opens without it.
    import idna

    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError:
        return address


def compose(
    account: AccountInput,
    *,
    to: list[str] | tuple[str, ...],
    subject: str,
    body: str,
    footer_text: str = "",
    sender: str | None = None,
    reply_to: str | None = None,
    return_path: str | None = None,
) -> Envelope:
    """A message from `account` to `to`.

    A caller may ask for another From, Reply-To or Return-Path; with force configuration on,
    the account's own always win. The envelope sender is the Return-Path, or the From.
    """
    if account.force_config or sender is None:
        sender = account.email
    if account.force_config or reply_to is None:
        reply_to = account.reply_to
    if account.force_config or return_path is None:
        return_path = account.return_path
    notify = (account.confirmation_email or account.email) if account.read_confirmation else ""
    sender, reply_to, return_path, notify = map(
        wire_address, (sender, reply_to or "", return_path or "", notify)
    )
    to = [wire_address(a) for a in to]
    domain = sender.rsplit("@", 1)[-1]

    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=domain)
    if reply_to:
        message["Reply-To"] = reply_to
    if notify:  # RFC 8098
        message["Disposition-Notification-To"] = notify
    text = body
    if account.footer and footer_text.strip():
        text = f"{body.rstrip()}\n\n-- \n{footer_text.strip()}\n"
    message.set_content(text)
    used = (sender, reply_to, return_path, notify, *to)
    return Envelope(
        sender=return_path or sender,
        recipients=tuple(to),
        message=message,
        international=tuple(dict.fromkeys(a for a in used if not a.isascii())),
    )
