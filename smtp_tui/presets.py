"""Account presets: the SMTP servers of well-known mail providers, in one table.

A preset fills an account's host, port and security (`apply`); the form's picker and
`accounts add|edit --preset NAME` both use it, and `smtp-tui presets` lists the table. Where
the provider fixes the login's user name (SendGrid: `apikey`), the preset says so, and
`user_name_hint` words it for the place where a credential is chosen.

Amazon SES has one server per region: its name takes the region, `ses:eu-west-1`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from smtp_tui.validation import AccountInput, FieldError

# What stands for the parameter in a parameterised preset's name and host.
REGION = "REGION"
# An AWS region as it appears in a host name: ASCII letters and digits in groups joined by
# single dashes (eu-west-1, us-gov-west-1); a host-name label is at most 63 characters.
REGION_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
REGION_MAX = 40


class PresetError(FieldError):
    """A preset name that names nothing, or a bad region; str() names the known presets."""


@dataclass(frozen=True)
class Preset:
    """One provider's SMTP server. `name` is what people type (`ses:REGION` in the table,
    `ses:eu-west-1` once resolved); `secure_type` is one of the store's SECURE_TYPES."""

    name: str
    label: str
    host: str
    port: int
    secure_type: str
    username: str | None
    note: str

    @property
    def parameterised(self) -> bool:
        return REGION in self.name

    @property
    def security_label(self) -> str:
        """As the account form words it."""
        return "TLS (STARTTLS)" if self.secure_type == "TLS" else "SSL"


# 587 with STARTTLS (RFC 6409) unless the provider says otherwise; Fastmail asks for 465.
PRESETS: tuple[Preset, ...] = (
    Preset(
        "microsoft365",
        "Microsoft 365",
        "smtp.office365.com",
        587,
        "TLS",
        None,
        "Exchange Online; the mailbox logs in with OAuth2 (XOAUTH2) or a password.",
    ),
    Preset(
        "google",
        "Google",
        "smtp.gmail.com",
        587,
        "TLS",
        None,
        "Gmail and Google Workspace; OAuth2 (XOAUTH2) or an app password.",
    ),
    Preset(
        f"ses:{REGION}",
        "Amazon SES",
        f"email-smtp.{REGION}.amazonaws.com",
        587,
        "TLS",
        None,
        "The SMTP credentials made in the SES console, for that region.",
    ),
    Preset(
        "sendgrid",
        "SendGrid",
        "smtp.sendgrid.net",
        587,
        "TLS",
        "apikey",
        "The user name is apikey; the secret is an API key.",
    ),
    Preset(
        "mailgun",
        "Mailgun",
        "smtp.mailgun.org",
        587,
        "TLS",
        None,
        "The domain's SMTP login; EU domains send through smtp.eu.mailgun.org.",
    ),
    Preset(
        "postmark",
        "Postmark",
        "smtp.postmarkapp.com",
        587,
        "TLS",
        None,
        "The server API token is both the user name and the secret.",
    ),
    Preset(
        "brevo",
        "Brevo",
        "smtp-relay.brevo.com",
        587,
        "TLS",
        None,
        "The SMTP login and an SMTP key from Brevo's SMTP & API page.",
    ),
    Preset(
        "mailjet",
        "Mailjet",
        "in-v3.mailjet.com",
        587,
        "TLS",
        None,
        "The API key is the user name; the secret key is the secret.",
    ),
    Preset(
        "zoho",
        "Zoho Mail",
        "smtp.zoho.com",
        587,
        "TLS",
        None,
        "Accounts in other data centres use smtp.zoho.eu, smtp.zoho.in and so on.",
    ),
    Preset(
        "fastmail",
        "Fastmail",
        "smtp.fastmail.com",
        465,
        "SSL",
        None,
        "SSL (TLS from the first byte) on 465; log in with an app password.",
    ),
)
_BY_NAME = {preset.name.split(":")[0]: preset for preset in PRESETS}


def names() -> list[str]:
    """Every preset's name as typed, `ses:REGION` included, in the table's order."""
    return [preset.name for preset in PRESETS]


def _unknown(name: str) -> PresetError:
    # repr-free quoting: the CLI escapes the message, the TUI shows it literally.
    return PresetError(f"There is no preset '{name}'. Known presets: {', '.join(names())}.")


def find(name: str) -> Preset:
    """The preset `name` names (any case, spaces around ignored); `ses:REGION` with the region
    filled in. Raises PresetError naming the known presets, or saying what a region may hold."""
    typed = (name or "").strip()
    base, colon, parameter = typed.partition(":")
    base = base.lower()
    preset = _BY_NAME.get(base)
    if preset is None or (bool(colon) != preset.parameterised):
        if preset is not None and preset.parameterised:
            raise PresetError(
                f"The preset {base} needs a region: {preset.name}, e.g. {base}:eu-west-1."
            )
        raise _unknown(typed)
    if not preset.parameterised:
        return preset
    region = region_name(parameter)
    return replace(
        preset,
        name=preset.name.replace(REGION, region),
        host=preset.host.replace(REGION, region),
    )


def region_name(value: str) -> str:
    """A region as typed, checked: letters, digits and single dashes (eu-west-1), lower case."""
    region = value.strip()
    if not region:
        raise PresetError("The region is missing, e.g. eu-west-1.")
    # isascii() before lower(): the Kelvin sign (U+212A) lowers to an ASCII k.
    if not (
        region.isascii() and len(region) <= REGION_MAX and REGION_PATTERN.fullmatch(region.lower())
    ):
        raise PresetError(
            "A region holds letters, digits and single dashes, e.g. eu-west-1 "
            f"(at most {REGION_MAX} characters)."
        )
    return region.lower()


def apply(data: AccountInput, preset: Preset) -> AccountInput:
    """`data` with the preset's host, port and security; every other field as it was."""
    if preset.parameterised and REGION in preset.host:
        raise PresetError(f"Choose the region of {preset.label} first.")
    return replace(
        data, host=preset.host, port=preset.port, secure=True, secure_type=preset.secure_type
    )


def for_host(host: str | None) -> Preset | None:
    """The preset whose server `host` is (any case, a final dot ignored), or None."""
    wanted = (host or "").strip().lower().rstrip(".")
    for preset in PRESETS:
        if not preset.parameterised:
            if preset.host == wanted:
                return preset
            continue
        before, _, after = preset.host.partition(REGION)
        if wanted.startswith(before) and wanted.endswith(after):
            try:
                return find(preset.name.replace(REGION, wanted[len(before) : -len(after)]))
            except PresetError:
                return None
    return None


def user_name_hint(preset: Preset | None, username: str | None = None) -> str | None:
    """What to tell a person choosing the credential of an account on `preset`'s server: the
    user name the provider fixes, and whether the credential `username` (when given) differs.
    None when the provider fixes no user name."""
    if preset is None or preset.username is None:
        return None
    hint = f"{preset.label} logs in with the user name '{preset.username}'."
    if username is not None and username.strip() != preset.username:
        hint += f" This credential's user name is '{username.strip()}'."
    return hint


def user_name_warning(host: str | None, username: str) -> str | None:
    """The hint of `user_name_hint` when the server at `host` fixes a user name that the
    credential's `username` is not; None when all is well (or the provider fixes none)."""
    preset = for_host(host)
    if preset is None or preset.username in (None, username.strip()):
        return None
    return user_name_hint(preset, username)


def describe(preset: Preset) -> dict[str, object]:
    """The preset as a record for `presets --json`: stable keys, security as accounts write it."""
    return {
        "name": preset.name,
        "label": preset.label,
        "host": preset.host,
        "port": preset.port,
        "secure": preset.secure_type.lower(),
        "username": preset.username,
        "note": preset.note,
    }
