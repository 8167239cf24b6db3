"""What a person can do about a refused or failed token request: the provider's error codes
(Microsoft Entra's AADSTS numbers, RFC 6749 and 8628 errors, Google's) turned into a step."""

from __future__ import annotations

import ssl

import httpx

from smtp_tui.errors import TokenError

ENTRA_SECRETS = "Entra admin center > App registrations > the application > Certificates & secrets"
UNREACHABLE = (
    "Check that this appliance may reach the token endpoint over HTTPS (port 443): "
    "a firewall, the DNS, or the account's network connector."
)
NOT_A_TOKEN_ENDPOINT = (
    "Check the URL: it must be the provider's OAuth2 token (or device authorization) endpoint."
)
UNTRUSTED = (
    "The token endpoint's certificate is not trusted here. Add the issuing CA to the system's "
    "trust store (or point SSL_CERT_FILE at a bundle that holds it); a proxy that inspects "
    "TLS needs its CA there too."
)


def sign_in(name: str) -> str:
    return f"Sign in again: smtp-tui credentials authorize {name} (or Sign in in its screen)."


def for_refusal(login, error: str, description: str) -> str:
    """The hint for the provider's `error` and `error_description` to `login` (grants.Login)."""
    code = description.split(":", 1)[0].strip() if description.startswith("AADSTS") else ""
    by_code = {
        "AADSTS7000215": "The client secret is wrong: copy the secret's Value (not its ID), or "
        f"create a new one ({ENTRA_SECRETS}), and store it in the credential.",
        "AADSTS7000222": "The client secret has expired: create a new one "
        f"({ENTRA_SECRETS}) and store it in the credential.",
        "AADSTS700016": "The application (client ID) is not found in this tenant: check the "
        "client ID and the tenant, and that an administrator consented to the application "
        "there.",
        "AADSTS90002": "The tenant is not found: check the tenant's domain "
        "(contoso.onmicrosoft.com) or ID.",
        "AADSTS900023": "The tenant is not valid: give its domain (contoso.onmicrosoft.com) or "
        "its ID.",
        "AADSTS700027": "The client certificate was not accepted: upload its certificate "
        f"(the public part) to the application ({ENTRA_SECRETS} > Certificates), and check "
        "it has not expired.",
        "AADSTS7000112": "The application is disabled in this tenant: an administrator must "
        "enable it.",
        "AADSTS65001": "An administrator has not consented to the application's permissions: "
        "grant admin consent in the Entra admin center (API permissions).",
        "AADSTS50076": "A sign-in policy (multi-factor authentication or Conditional Access) "
        f"asks for more: sign in again, approving every prompt. {sign_in(login.name)}",
    }
    if code in by_code:
        return by_code[code]
    google = login.kind == "google-service-account"
    if error == "unauthorized_client" and google:
        return (
            "Domain-wide delegation is not granted for this scope: in the Google Admin console "
            "(Security > Access and data control > API controls > Domain-wide delegation) add "
            f"the service account's client ID with the scope {login.scope}."
        )
    if error == "invalid_grant" and google:
        return (
            "Google refused the service account's signed request: check that the key is still "
            "valid (not deleted in IAM > Service accounts > Keys), that the mailbox is a user of "
            "the Workspace domain, and that the appliance's clock is right."
        )
    if error == "invalid_grant":
        return (
            f"The sign-in is no longer valid (expired, revoked or changed). {sign_in(login.name)}"
        )
    if error == "access_denied":
        return f"The sign-in was declined. {sign_in(login.name)}"
    if error == "expired_token":
        return (
            "The code expired before the sign-in was approved: start again and approve it "
            f"within the time shown. {sign_in(login.name)}"
        )
    if error == "invalid_client":
        return (
            "The client ID, its secret or its certificate was refused: check them against the "
            "application's registration."
        )
    if error == "unauthorized_client":
        return (
            "The application may not use this kind of sign-in: for a device-code sign-in, allow "
            "public client flows (Entra admin center > the application > Authentication)."
        )
    if error == "invalid_scope":
        return f"The scope '{login.scope}' was refused: check it against the provider's."
    return "The token endpoint refused the request; its error above says why."


def network_error(exc: BaseException, url: str) -> TokenError:
    """A TokenError for a token endpoint that could not be reached or did not speak HTTPS."""
    root: BaseException = exc
    while root.__cause__ is not None or root.__context__ is not None:
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
    if isinstance(root, ssl.SSLCertVerificationError):
        reason = root.verify_message or str(root)
        return TokenError("", f"certificate not trusted: {reason}", UNTRUSTED, url=url)
    if isinstance(exc, httpx.ProxyError):
        return TokenError(
            "",
            f"the network connector refused: {exc}",
            "Check the network connector's host, port and credential, and that the proxy may "
            "reach the token endpoint.",
            url=url,
        )
    if isinstance(exc, httpx.TimeoutException):
        return TokenError("", "no answer in time", UNREACHABLE, url=url)
    if isinstance(exc, ValueError) and not isinstance(exc, httpx.HTTPError):
        return TokenError("", f"its answer is not OAuth2: {exc}", NOT_A_TOKEN_ENDPOINT, url=url)
    detail = str(exc) or str(root) or type(exc).__name__
    return TokenError("", detail, UNREACHABLE, url=url)
