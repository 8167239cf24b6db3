"""Provider presets: the token and device authorization URLs and the scope a provider's
OAuth2 login for SMTP uses, so a person gives a tenant rather than three URLs."""

from __future__ import annotations

from dataclasses import dataclass

MICROSOFT_LOGIN = "https://login.microsoftonline.com"
# Client credentials ask for the resource's ".default" scope (SMTP.SendAsApp granted to the
# application); a person's sign-in asks for SMTP.Send and, for a refresh token, offline_access.
MICROSOFT_APP_SCOPE = "https://outlook.office365.com/.default"
MICROSOFT_USER_SCOPE = "https://outlook.office.com/SMTP.Send offline_access"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_DEVICE_URL = "https://oauth2.googleapis.com/device/code"
GOOGLE_SCOPE = "https://mail.google.com/"


@dataclass(frozen=True)
class Endpoints:
    token_url: str
    device_url: str
    scope: str


def endpoints(provider: str, tenant: str, kind: str) -> Endpoints:
    """What the preset `provider` gives a login of `kind` (credentials.KINDS); blank strings
    where it gives nothing (no provider, or a Microsoft 365 preset without a tenant)."""
    if provider == "microsoft365":
        base = f"{MICROSOFT_LOGIN}/{tenant}/oauth2/v2.0" if tenant else ""
        scope = MICROSOFT_USER_SCOPE if kind == "oauth2-device-code" else MICROSOFT_APP_SCOPE
        return Endpoints(
            f"{base}/token" if base else "", f"{base}/devicecode" if base else "", scope
        )
    if provider == "google":
        return Endpoints(GOOGLE_TOKEN_URL, GOOGLE_DEVICE_URL, GOOGLE_SCOPE)
    return Endpoints("", "", GOOGLE_SCOPE if kind == "google-service-account" else "")


def effective(
    provider: str, tenant: str, kind: str, token_url: str, device_url: str, scope: str
) -> Endpoints:
    """The endpoints a login uses: the URLs and scope given explicitly win over the preset's."""
    preset = endpoints(provider, tenant, kind)
    return Endpoints(
        token_url or preset.token_url, device_url or preset.device_url, scope or preset.scope
    )
