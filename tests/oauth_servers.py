"""Real OAuth2 things for the tests: key material (an RSA client certificate, a Google service
account's JSON key), a local HTTPS token endpoint (trustme) and an aiosmtpd server that takes
XOAUTH2 only with a token that endpoint issued. Registered in conftest's pytest_plugins."""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote_plus

import pytest
from aiosmtpd.smtp import MISSING, AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.mailservers import Handler, start_server

MAILBOX = "alerts@contoso.example"
CLIENT_ID = "7f3c2a90-1b2c-4d5e-8f90-a1b2c3d4e5f6"
CLIENT_SECRET = "Xq8~client.SECRET-never-shown_42"
SERVICE_ACCOUNT = "smtp-sender@appliance-project.iam.gserviceaccount.com"


@dataclass(frozen=True)
class KeyPair:
    private_key: str  # PKCS#8 PEM
    certificate: str  # PEM
    public_key: rsa.RSAPublicKey

    @property
    def pem(self) -> str:
        """The client certificate file a person gives: the key and the certificate."""
        return self.private_key + self.certificate


def _key_pair(common_name: str) -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return KeyPair(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        certificate.public_bytes(serialization.Encoding.PEM).decode(),
        key.public_key(),
    )


@cache
def client_key_pair() -> KeyPair:
    """The application's client certificate (made once per run: RSA keys take a while)."""
    return _key_pair("smtp-tui test application")


@cache
def service_account_key_pair() -> KeyPair:
    return _key_pair(SERVICE_ACCOUNT)


def service_account_json(token_uri: str = "https://oauth2.googleapis.com/token") -> str:
    """A Google service account's JSON key, as Google's console makes it."""
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "appliance-project",
            "private_key_id": "0123456789abcdef0123456789abcdef01234567",
            "private_key": service_account_key_pair().private_key,
            "client_email": SERVICE_ACCOUNT,
            "client_id": "112233445566778899001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
        },
        indent=2,
    )


# The grants the endpoint knows (RFC 6749, 8628, 7523).
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GOOGLE_SCOPE = "https://mail.google.com/"


@dataclass
class DeviceRequest:
    client_id: str
    scope: str
    user_code: str
    expires_at: float
    polls: int = 0


@dataclass
class TokenEndpoint:
    """A real HTTPS token endpoint on loopback (a trustme certificate for localhost) that does
    what Microsoft Entra's and Google's do for SMTP: client credentials with a client secret
    (form or Basic) or a client certificate (private_key_jwt, its RS256 signature verified
    against the test's certificate), device authorization and its polling, refresh tokens
    (rotated when `rotate`), and Google's JWT bearer grant. Knobs, per test: `pending_polls`,
    `deny`, `expire`, `error_reply` (an OAuth2 error body and status for every token request),
    `expires_in`. `issued` maps every access token it gave to the mailbox it acts for (None for
    an application's token); `requests` lists each request's path and form."""

    port: int
    url: str = ""
    pending_polls: int = 0
    deny: bool = False
    expire: bool = False
    rotate: bool = True
    error_reply: tuple[int, dict] | None = None
    expires_in: int = 3600
    interval: float = 0.05  # seconds between polls, for the device flow (tests wait little)
    issued: dict[str, str | None] = field(default_factory=dict)
    refresh_tokens: dict[str, str | None] = field(default_factory=dict)
    devices: dict[str, DeviceRequest] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    approved_mailbox: str = MAILBOX  # who approves a device sign-in

    def __post_init__(self):
        self.url = f"https://localhost:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def device_url(self) -> str:
        return f"{self.url}/devicecode"

    def grant_types(self) -> list[str]:
        return [form.get("grant_type", "") for path, form in self.requests if path == "/token"]

    # What the endpoint answers: (status, JSON body).
    def answer(self, path: str, form: dict[str, str], basic: tuple[str, str] | None):
        self.requests.append((path, form))
        if path == "/devicecode":
            return self._device_authorization(form)
        if path != "/token":
            return 404, {"error": "not_found"}
        if self.error_reply is not None:
            return self.error_reply
        grant = form.get("grant_type")
        if grant == "client_credentials":
            problem = self._client_authentication(form, basic)
            return problem or self._token(None)
        if grant == DEVICE_GRANT:
            return self._device_poll(form)
        if grant == "refresh_token":
            mailbox = self.refresh_tokens.get(form.get("refresh_token", ""), "unknown")
            if mailbox == "unknown":
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "AADSTS70008: The refresh token has expired.",
                }
            if self.rotate:
                del self.refresh_tokens[form["refresh_token"]]
            return self._token(mailbox, refresh=self.rotate)
        if grant == JWT_BEARER:
            return self._jwt_bearer(form)
        return 400, {"error": "unsupported_grant_type"}

    def _token(self, mailbox: str | None, *, refresh: bool = False):
        access = f"at-{secrets.token_urlsafe(24)}"
        self.issued[access] = mailbox
        body: dict = {"access_token": access, "token_type": "Bearer", "expires_in": self.expires_in}
        if refresh:
            body["refresh_token"] = f"rt-{secrets.token_urlsafe(24)}"
            self.refresh_tokens[body["refresh_token"]] = mailbox
        return 200, body

    def _client_authentication(self, form, basic):
        if form.get("client_assertion_type") == CLIENT_ASSERTION:
            return self._verify_client_assertion(form.get("client_assertion", ""))
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        if client_id != CLIENT_ID:
            return 400, {
                "error": "unauthorized_client",
                "error_description": f"AADSTS700016: Application with identifier '{client_id}' "
                "was not found in the directory.",
            }
        if secret != CLIENT_SECRET:
            return 401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
            }
        return None

    def _verify(self, assertion: str, public_key) -> dict:
        """The claims of an RS256 JWT whose signature `public_key` verifies; ValueError else."""
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import RSAKey

        try:
            token = jwt.decode(assertion, RSAKey.import_key(public_key), algorithms=["RS256"])
        except (JoseError, ValueError) as exc:
            raise ValueError(f"signature not verified: {exc}") from None
        claims = token.claims
        if token.header.get("alg") != "RS256":
            raise ValueError("not RS256")
        if claims.get("aud") != self.token_url:
            raise ValueError(f"aud is {claims.get('aud')!r}, not this token endpoint")
        if not time.time() < claims.get("exp", 0) <= time.time() + 3700:
            raise ValueError("exp missing, past, or too far")
        return {"header": token.header, **claims}

    def _verify_client_assertion(self, assertion: str):
        pair = client_key_pair()
        try:
            claims = self._verify(assertion, pair.public_key)
        except ValueError as exc:
            return 401, {"error": "invalid_client", "error_description": f"AADSTS700027: {exc}"}
        from cryptography import x509

        certificate = x509.load_pem_x509_certificate(pair.certificate.encode())
        thumbprint = base64.urlsafe_b64encode(certificate.fingerprint(hashes.SHA256()))
        if (claims["iss"], claims["sub"]) != (CLIENT_ID, CLIENT_ID) or not claims.get("jti"):
            return 401, {"error": "invalid_client", "error_description": "AADSTS700027: iss/sub"}
        if claims["header"].get("x5t#S256") != thumbprint.rstrip(b"=").decode():
            return 401, {"error": "invalid_client", "error_description": "AADSTS700027: x5t"}
        return None

    def _jwt_bearer(self, form):
        try:
            claims = self._verify(form.get("assertion", ""), service_account_key_pair().public_key)
        except ValueError as exc:
            return 400, {"error": "invalid_grant", "error_description": str(exc)}
        if claims.get("iss") != SERVICE_ACCOUNT or claims.get("scope") != GOOGLE_SCOPE:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        if not claims.get("sub"):
            return 400, {"error": "invalid_grant", "error_description": "no sub"}
        return self._token(claims["sub"])

    def _device_authorization(self, form):
        code = f"dc-{secrets.token_urlsafe(16)}"
        user_code = secrets.token_hex(4).upper()
        lifetime = 0.5 if self.expire else 900
        self.devices[code] = DeviceRequest(
            form.get("client_id", ""), form.get("scope", ""), user_code, time.time() + lifetime
        )
        return 200, {
            "device_code": code,
            "user_code": user_code,
            "verification_uri": f"{self.url}/devicelogin",
            "expires_in": 900,
            "interval": self.interval,
            "message": f"To sign in, use a web browser to open the page and enter {user_code}.",
        }

    def _device_poll(self, form):
        device = self.devices.get(form.get("device_code", ""))
        if device is None or device.client_id != form.get("client_id"):
            return 400, {"error": "invalid_grant", "error_description": "unknown device code"}
        device.polls += 1
        if time.time() > device.expires_at:
            return 400, {"error": "expired_token", "error_description": "The code has expired."}
        if self.deny:
            return 400, {"error": "access_denied", "error_description": "The user declined."}
        if device.polls <= self.pending_polls:
            return 400, {"error": "authorization_pending"}
        del self.devices[form["device_code"]]
        return self._token(self.approved_mailbox, refresh=True)

    def valid(self, token: str, mailbox: str) -> bool:
        """Whether `token` is one this endpoint issued, for `mailbox` (any, for an app's)."""
        return token in self.issued and self.issued[token] in (None, mailbox)


class _TokenRequests(BaseHTTPRequestHandler):
    endpoint: TokenEndpoint

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode()))
        basic = None
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            basic = (unquote_plus(user), unquote_plus(password))
        status, body = self.endpoint.answer(self.path, form, basic)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


def start_token_endpoint(certificates) -> tuple[TokenEndpoint, ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _TokenRequests)
    endpoint = TokenEndpoint(httpd.server_address[1])
    httpd.RequestHandlerClass = type("Requests", (_TokenRequests,), {"endpoint": endpoint})
    httpd.socket = certificates.server_context().wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return endpoint, httpd


@pytest.fixture
def token_endpoint(certificates, trust_test_ca):
    """A running token endpoint, trusted through SSL_CERT_FILE (the trustme CA)."""
    endpoint, httpd = start_token_endpoint(certificates)
    yield endpoint
    httpd.shutdown()
    httpd.server_close()


class XOAuth2Handler(Handler):
    """An SMTP server's handler that takes XOAUTH2 only with a token the endpoint issued for the
    mailbox in user=. `refusal` (an SMTP reply line) refuses every login with that reply, as
    Exchange Online does when SMTP AUTH is off or the application may not send."""

    def __init__(self, endpoint: TokenEndpoint):
        super().__init__()
        self.endpoint = endpoint
        self.logins: list[tuple[str, str]] = []  # (user, token) of every XOAUTH2 attempt
        self.refusal: str | None = None

    async def auth_XOAUTH2(self, server, args):
        # ["XOAUTH2"] or ["XOAUTH2", the initial response]
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if blob is MISSING:  # aborted or not base64: already answered
                return AuthResult(success=False, handled=True)
        else:
            blob = base64.b64decode(args[1])
        # user=MAILBOX ^A auth=Bearer TOKEN ^A ^A
        parts = dict(p.split(b"=", 1) for p in blob.split(b"\x01") if b"=" in p)
        user = parts.get(b"user", b"").decode()
        token = parts.get(b"auth", b"").decode().removeprefix("Bearer ")
        self.logins.append((user, token))
        if self.refusal is not None:
            return AuthResult(success=False, handled=False, message=self.refusal)
        if not self.endpoint.valid(token, user):
            # As Gmail and Exchange do: a JSON error as a challenge, 535 once it is answered.
            await server.challenge_auth(b'{"status":"401","schemes":"bearer"}')
            return AuthResult(
                success=False, handled=False, message="535 5.7.3 Authentication unsuccessful"
            )
        return AuthResult(success=True, auth_data=user)


@pytest.fixture
def xoauth2_server(certificates, token_endpoint):
    """aiosmtpd with STARTTLS required, taking XOAUTH2 only with a token `token_endpoint` issued."""
    handler = XOAuth2Handler(token_endpoint)
    server = start_server(
        tls_context=certificates.server_context(), require_starttls=True, handler=handler
    )
    server.handler = handler
    yield server
    server.controller.stop()
