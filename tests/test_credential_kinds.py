"""Credential kinds (issue 15): what `credentials.save` takes and refuses for each kind, what it
stores (secrets only encrypted), what `describe` shows, and migration 0009 on a real file."""

import json
import sqlite3

import pytest

from smtp_tui import credentials
from smtp_tui.errors import ValidationFailed
from smtp_tui.store.database import latest_schema_version, open_database, schema_version
from smtp_tui.store.models import AuditEvent, Credential
from tests.conftest import stored_bytes
from tests.oauth_servers import (
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOX,
    SERVICE_ACCOUNT,
    client_key_pair,
    service_account_json,
)

TOKEN_URL = "https://login.example.com/tenant/oauth2/v2.0/token"


def save(vault, **values):
    defaults = dict(name="m365", username=MAILBOX, secret=None)
    return credentials.save(vault, **(defaults | values))


def m365_app(vault, **values):
    """A Microsoft 365 client-credentials login of the preset's tenant."""
    return save(
        vault,
        kind="oauth2-client-credentials",
        provider="microsoft365",
        tenant="contoso.onmicrosoft.com",
        client_id=CLIENT_ID,
        **values,
    )


def refused(vault, **values) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        save(vault, **values)
    return caught.value.errors


def test_a_password_credential_is_what_it_was(vault):
    saved = credentials.save(vault, name="relay", username="mailer", secret="pw-1")
    assert saved.kind == "password" and credentials.reveal(vault, saved) == "pw-1"
    assert credentials.describe(saved)["kind_label"] == "Password"
    assert not credentials.needs_sign_in(saved)
    assert refused(vault, name="relay2", username="mailer") == {"secret": "Secret is required."}


def test_client_credentials_with_the_microsoft_preset(vault):
    saved = m365_app(vault, secret=CLIENT_SECRET)
    record = credentials.describe(saved)
    assert record["token_url"] == (
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    )
    assert record["scope"] == "https://outlook.office365.com/.default"
    assert record["client_auth"] == "secret" and record["signed_in"] is False
    assert credentials.reveal(vault, saved) == CLIENT_SECRET
    assert saved.token_url == ""  # the preset is applied when used: a new tenant moves the URL
    assert CLIENT_SECRET not in json.dumps(record)


def test_explicit_urls_and_scope_win_over_the_preset(vault):
    saved = save(
        vault,
        kind="oauth2-device-code",
        provider="microsoft365",
        tenant="contoso.onmicrosoft.com",
        token_url=TOKEN_URL,
        scope="https://outlook.office.com/SMTP.Send",
        client_id=CLIENT_ID,
    )
    record = credentials.describe(saved)
    assert record["token_url"] == TOKEN_URL
    assert record["device_url"].endswith("/contoso.onmicrosoft.com/oauth2/v2.0/devicecode")
    assert record["scope"] == "https://outlook.office.com/SMTP.Send"
    assert credentials.needs_sign_in(saved) and record["needs_sign_in"] is True
    assert saved.secret == ""  # a public client: nothing secret


def test_google_device_code_preset(vault):
    saved = save(vault, kind="oauth2-device-code", provider="google", client_id="app.apps")
    record = credentials.describe(saved)
    assert (record["token_url"], record["device_url"], record["scope"]) == (
        "https://oauth2.googleapis.com/token",
        "https://oauth2.googleapis.com/device/code",
        "https://mail.google.com/",
    )


def test_a_client_certificate_keeps_its_key_secret_and_its_certificate_public(vault, context):
    pair = client_key_pair()
    saved = save(
        vault,
        kind="oauth2-client-credentials",
        token_url=TOKEN_URL,
        scope="https://outlook.office365.com/.default",
        client_id=CLIENT_ID,
        client_certificate=pair.pem,
    )
    assert credentials.describe(saved)["client_auth"] == "certificate"
    assert saved.certificate == pair.certificate
    assert credentials.reveal(vault, saved) == pair.private_key
    key_body = pair.private_key.splitlines()[5].encode()
    assert key_body not in stored_bytes(context)


def test_a_google_service_account_takes_its_json_key(vault, context):
    key = service_account_json()
    saved = save(vault, kind="google-service-account", secret=key)
    record = credentials.describe(saved)
    assert record["client_id"] == SERVICE_ACCOUNT
    assert record["token_url"] == "https://oauth2.googleapis.com/token"
    assert record["scope"] == "https://mail.google.com/"
    assert record["provider"] == "google"
    assert credentials.reveal(vault, saved) == key
    from tests.oauth_servers import service_account_key_pair

    stored = stored_bytes(context)
    assert service_account_key_pair().private_key.splitlines()[5].encode() not in stored
    assert b"private_key_id" not in stored  # the JSON key is stored only encrypted


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        (dict(kind="oauth2-client-credentials", secret=CLIENT_SECRET, client_id=CLIENT_ID),
         "token_url", "Token URL is required"),
        (dict(kind="oauth2-client-credentials", secret="s", token_url="http://x.example/token",
              client_id=CLIENT_ID, scope="s"), "token_url", "https://"),
        (dict(kind="oauth2-client-credentials", secret="s", provider="microsoft365",
              client_id=CLIENT_ID), "tenant", "Tenant is required"),
        (dict(kind="oauth2-client-credentials", secret="s", provider="microsoft365",
              tenant="contoso/../x", client_id=CLIENT_ID), "tenant", "domain"),
        (dict(kind="oauth2-client-credentials", secret="s", provider="google",
              client_id=CLIENT_ID), "provider", "service account"),
        (dict(kind="oauth2-client-credentials", provider="microsoft365", tenant="t",
              client_id=CLIENT_ID), "secret", "client secret"),
        (dict(kind="oauth2-client-credentials", provider="microsoft365", tenant="t",
              secret="s"), "client_id", "Client ID is required"),
        (dict(kind="oauth2-client-credentials", provider="microsoft365", tenant="t",
              client_id=CLIENT_ID, secret="s", client_certificate="x"),
         "client_certificate", "not both"),
        (dict(kind="oauth2-client-credentials", provider="microsoft365", tenant="t",
              client_id=CLIENT_ID, client_certificate="not a pem"),
         "client_certificate", "no private key"),
        (dict(kind="oauth2-device-code", token_url=TOKEN_URL, client_id=CLIENT_ID, scope="s"),
         "device_url", "Device authorization URL is required"),
        (dict(kind="oauth2-device-code", provider="google", client_id="c", username="mailer"),
         "username", "e-mail address"),
        (dict(kind="google-service-account", secret='{"type": "authorized_user"}'),
         "secret", "not a service account key"),
        (dict(kind="google-service-account", secret="not json"), "secret", "not JSON"),
        (dict(kind="google-service-account"), "secret", "JSON key"),
        (dict(kind="kerberos", secret="s"), "kind", "Choose the kind"),
        (dict(kind="oauth2-device-code", provider="yahoo", client_id="c"), "provider",
         "Choose the provider"),
    ],
)  # fmt: skip
def test_each_kind_refuses_what_it_cannot_use(vault, values, field, words):
    errors = refused(vault, **values)
    assert words in errors[field], errors


def test_the_certificate_must_belong_to_the_key():
    from smtp_tui.oauth2 import keys
    from tests.oauth_servers import service_account_key_pair

    mixed = client_key_pair().private_key + service_account_key_pair().certificate
    with pytest.raises(keys.KeyProblem, match="does not belong"):
        keys.client_certificate(mixed)


def test_an_edit_keeps_the_secret_of_the_same_kind_and_drops_the_tokens(vault):
    saved = save(
        vault,
        kind="oauth2-device-code",
        provider="google",
        client_id="app.apps",
        secret="public-ish",
    )
    Credential.update(refresh_token=vault.encrypt("rt"), access_token=vault.encrypt("at")).where(
        Credential.id == saved.id
    ).execute()
    # Renamed only: the sign-in stands.
    renamed = save(
        vault,
        credential_id=saved.id,
        name="gmail",
        kind="oauth2-device-code",
        provider="google",
        client_id="app.apps",
    )
    assert renamed.refresh_token and credentials.reveal(vault, renamed) == "public-ish"
    # Another client ID: the tokens it earned belong to the old one.
    moved = save(
        vault,
        credential_id=saved.id,
        name="gmail",
        kind="oauth2-device-code",
        provider="google",
        client_id="other.apps",
    )
    assert (moved.refresh_token, moved.access_token) == ("", "")
    assert credentials.needs_sign_in(moved)
    # Another kind needs its own secret: the old one is not a client secret.
    errors = refused(
        vault, credential_id=saved.id, name="gmail", kind="oauth2-client-credentials",
        token_url=TOKEN_URL, scope="s", client_id=CLIENT_ID,
    )  # fmt: skip
    assert "secret" in errors


def test_the_audit_trail_says_secret_changed_never_the_secret(vault):
    saved = m365_app(vault, secret=CLIENT_SECRET)
    m365_app(vault, credential_id=saved.id, client_certificate=client_key_pair().pem)
    events = list(AuditEvent.select().order_by(AuditEvent.id))
    trail = " ".join(e.changes for e in events)
    assert CLIENT_SECRET not in trail and "PRIVATE KEY" not in trail
    edit = json.loads(events[-1].changes)
    assert edit["secret"] == ["secret changed", "secret changed"]
    assert edit["client_auth"] == ["secret", "certificate"]


def test_read_secret_file_explains_what_is_wrong(tmp_path):
    good = tmp_path / "client.pem"
    good.write_text(client_key_pair().pem)
    assert credentials.read_secret_file(str(good), "client_certificate") == client_key_pair().pem
    binary = tmp_path / "key.der"
    binary.write_bytes(b"\x30\x82\xff\xfe\x00")
    big = tmp_path / "huge.json"
    big.write_text("x" * 70_000)
    for path, words in (
        (tmp_path / "missing.pem", "No such file"),
        (tmp_path, "not a regular file"),
        (binary, "not a text file"),
        (big, "too large"),
        (" ", "Give the path"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            credentials.read_secret_file(str(path), "client_certificate")
        assert words in caught.value.errors["client_certificate"]


@pytest.mark.sqlite_only
def test_migration_0009_makes_existing_credentials_passwords(tmp_path):
    """A database from before the kinds keeps its credentials as passwords, secrets intact."""
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    raw.executescript(
        """
        CREATE TABLE credential (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL,
            username VARCHAR(255) NOT NULL, secret TEXT NOT NULL,
            created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);
        INSERT INTO credential VALUES (1, 'relay', 'mailer', 'gAAAA-token', '2024-01-01',
            '2024-01-01');
        """
    )
    raw.close()
    db = open_database(str(path))
    assert schema_version(db) == latest_schema_version() >= 9
    old = Credential.get_by_id(1)
    assert (old.kind, old.secret, old.refresh_token, old.token_expires_at) == (
        "password",
        "gAAAA-token",
        "",
        None,
    )
    db.close()
