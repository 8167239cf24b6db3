"""The key material OAuth2 logins sign with: a client certificate (a PEM private key and its
certificate) and a Google service account's JSON key. Each is checked when it is stored, so a
wrong file is refused with a reason rather than failing at the first send."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\s.*?-----END \1-----", re.DOTALL)
PRIVATE_KEY_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY")


class KeyProblem(ValueError):
    """The key material is not usable; str(error) says why, in a person's words."""


@dataclass(frozen=True)
class ClientCertificate:
    private_key: str = field(repr=False)  # PKCS#8 PEM: a secret
    certificate: str  # PEM: public


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def client_certificate(text: str) -> ClientCertificate:
    """The RSA private key and the certificate of a PEM text holding both (as Microsoft Entra's
    certificate credentials need: RS256). Raises KeyProblem."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    blocks = [(m.group(1), m.group(0)) for m in PEM_BLOCK.finditer(text)]
    labels = {label for label, _ in blocks}
    if "ENCRYPTED PRIVATE KEY" in labels:
        raise KeyProblem(
            "The private key is encrypted with a passphrase: store it unencrypted "
            "(openssl pkey -in KEY.pem -out PLAIN.pem), the database keeps it encrypted."
        )
    keys = [pem for label, pem in blocks if label in PRIVATE_KEY_LABELS]
    certificates = [pem for label, pem in blocks if label == "CERTIFICATE"]
    if not keys or not certificates:
        missing = "private key" if not keys else "certificate"
        raise KeyProblem(
            f"The PEM file holds no {missing}: give one file with the private key and the "
            "certificate (cat key.pem cert.pem > client.pem)."
        )
    try:
        key = serialization.load_pem_private_key(keys[0].encode("ascii"), password=None)
        certificate = x509.load_pem_x509_certificate(certificates[0].encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise KeyProblem(f"The PEM file cannot be read: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyProblem("The private key must be an RSA key (the token endpoint expects RS256).")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.PEM
    if certificate.public_key().public_bytes(encoding, public) != key.public_key().public_bytes(
        encoding, public
    ):
        raise KeyProblem("The certificate does not belong to the private key in the same file.")
    return ClientCertificate(
        key.private_bytes(
            encoding, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii"),
        certificate.public_bytes(encoding).decode("ascii"),
    )


def thumbprints(certificate_pem: str) -> dict[str, str]:
    """The JWT header's x5t (SHA-1) and x5t#S256 of a certificate: how Microsoft Entra finds
    the certificate a client assertion was signed with."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    certificate = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    return {
        "x5t": _b64url(certificate.fingerprint(hashes.SHA1())),  # noqa: S303 - the header's own
        "x5t#S256": _b64url(certificate.fingerprint(hashes.SHA256())),
    }


@dataclass(frozen=True)
class ServiceAccountKey:
    client_email: str
    token_uri: str
    private_key_id: str
    private_key: str = field(repr=False)


def service_account_key(text: str) -> ServiceAccountKey:
    """The parts of a Google service account's JSON key a token request needs. Raises
    KeyProblem."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        data = json.loads(text)
    except ValueError:
        raise KeyProblem(
            "The service account key is not JSON: give the key file Google made "
            "(IAM > Service accounts > Keys > Add key > JSON)."
        ) from None
    if not isinstance(data, dict) or data.get("type") != "service_account":
        raise KeyProblem(
            'The JSON is not a service account key (its "type" is not service_account).'
        )
    values = {}
    for name in ("client_email", "private_key", "token_uri"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise KeyProblem(f'The service account key has no "{name}".')
        values[name] = value.strip()
    if urlsplit(values["token_uri"]).scheme != "https":
        raise KeyProblem('The service account key\'s "token_uri" is not an https:// URL.')
    try:
        key = serialization.load_pem_private_key(values["private_key"].encode(), password=None)
    except (ValueError, TypeError):
        raise KeyProblem('The service account key\'s "private_key" cannot be read.') from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyProblem('The service account key\'s "private_key" is not an RSA key.')
    key_id = data.get("private_key_id")
    return ServiceAccountKey(
        values["client_email"],
        values["token_uri"],
        key_id if isinstance(key_id, str) else "",
        values["private_key"],
    )
