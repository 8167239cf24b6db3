"""Real OAuth2 things for the tests: key material (an RSA client certificate, a Google service
account's JSON key), a local HTTPS token endpoint (trustme) and an aiosmtpd server that takes
XOAUTH2 only with a token that endpoint issued. Registered in conftest's pytest_plugins."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

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
