"""After every OAuth2 feature has run, no client secret, private key, JSON key, refresh token or
access token is anywhere but encrypted in its column: not in the database file or its WAL, the
exports, the audit trail, the transcripts of the test history, or what the commands print."""

import base64
from pathlib import Path

import openpyxl

from smtp_tui import accounts, connectors, credentials, proofs
from smtp_tui.accounts import Filters
from smtp_tui.mail.compose import TEST_BODY, TEST_SUBJECT
from smtp_tui.reports.export import export_to_file
from smtp_tui.store.models import AuditEvent, Credential, TestRun
from tests.conftest import ON_POSTGRES, account_input, stored_bytes
from tests.oauth_servers import (
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOX,
    client_key_pair,
    service_account_json,
    service_account_key_pair,
)
from tests.test_cli_test import smtp_tui


def key_lines(pem: str) -> list[str]:
    """The base64 lines of a PEM private key: any one of them found is the key leaking."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def forms(secret: str) -> list[bytes]:
    """A secret as it could leak: plain, base64, inside an XOAUTH2 blob."""
    plain = secret.encode()
    blob = b"user=" + MAILBOX.encode() + b"\x01auth=Bearer " + plain + b"\x01\x01"
    return [plain, base64.b64encode(plain), base64.b64encode(blob)]


def wal_bytes(context) -> bytes:
    """The database files as they are, the WAL not checkpointed (empty on PostgreSQL)."""
    if ON_POSTGRES:
        return b""
    return b"".join(p.read_bytes() for p in Path(context.config.database).parent.glob("smtp.db*"))


def export_bytes(tmp_path) -> bytes:
    """The report exported in every format, the XLSX's cells read back too."""
    exports = []
    for fmt in ("csv", "json", "xlsx"):
        export_to_file(fmt, tmp_path / f"report.{fmt}", Filters())
        exports.append((tmp_path / f"report.{fmt}").read_bytes())
    sheet = openpyxl.load_workbook(tmp_path / "report.xlsx").active
    exports.append(str(list(sheet.iter_rows(values_only=True))).encode())
    return b"\n".join(exports)


def secret_places(context, wal: bytes, exports: bytes, outputs) -> dict[str, bytes]:
    """Every place a secret must not be: the database (and its WAL before a checkpoint), the
    transcripts of the test history, the audit trail, the exports, what commands printed."""
    return {
        "database": stored_bytes(context),
        "database and WAL before a checkpoint": wal,
        "transcripts": "\n".join(
            r.transcript + r.summary + r.hint for r in TestRun.select()
        ).encode(),
        "audit": "\n".join(e.changes + e.summary for e in AuditEvent.select()).encode(),
        "exports": exports,
        "commands": "\n".join(o.stdout + o.stderr for o in outputs).encode(),
    }


async def test_no_oauth2_secret_is_anywhere(context, tmp_path, xoauth2_server, socks5_proxy):
    vault, endpoint = context.vault, xoauth2_server.handler.endpoint
    common = dict(username=MAILBOX, token_url=endpoint.token_url, client_id=CLIENT_ID)
    app = credentials.save(
        vault, name="app-secret", secret=CLIENT_SECRET, kind="oauth2-client-credentials",
        scope="https://outlook.office365.com/.default", **common,
    )  # fmt: skip
    certificate = credentials.save(
        vault, name="app-cert", secret=None, kind="oauth2-client-credentials",
        scope="https://outlook.office365.com/.default",
        client_certificate=client_key_pair().pem, **common,
    )  # fmt: skip
    person = credentials.save(
        vault, name="person", secret=None, kind="oauth2-device-code",
        device_url=endpoint.device_url, scope="https://outlook.office.com/SMTP.Send", **common,
    )  # fmt: skip
    robot = credentials.save(
        vault, name="robot", username=MAILBOX, kind="google-service-account",
        secret=service_account_json(endpoint.token_url),
    )  # fmt: skip
    started = await credentials.start_sign_in(vault, person.id, timeout=5)
    await credentials.finish_sign_in(vault, person.id, started, timeout=5)
    proxy_login = credentials.save(
        vault, name="proxy-login", username="proxyuser", secret="proxy-Pa55"
    )
    dmz = connectors.save(
        name="dmz", kind="socks5", host="127.0.0.1", port=socks5_proxy.port,
        credential_id=proxy_login.id,
    )  # fmt: skip
    for number, credential in enumerate((app, certificate, person, robot), start=1):
        accounts.save(
            account_input(
                number, host="localhost", port=xoauth2_server.port, email=MAILBOX, secure=True,
                secure_type="TLS", authentication=True, credential_id=credential.id,
                timeout=5, use_connector=number == 1, connector_id=dmz.id if number == 1 else None,
            )
        )  # fmt: skip
    # Every account sends twice (a fetched token, then the cached one); the person's token is
    # then refreshed (a rotated refresh token); one send fails at AUTH with the token echoed.
    for code in (1, 2, 3, 4, 1, 2, 3, 4):
        attempt = proofs.prepare_saved(
            code, vault, to="admin@example.com", subject=TEST_SUBJECT, body=TEST_BODY
        )
        outcome = await proofs.Proving(attempt).run()
        assert outcome.ok, outcome.verdict
    Credential.update(token_expires_at=None, access_token="").execute()
    xoauth2_server.handler.refusal = "535 5.7.3 Authentication unsuccessful"
    for code in (3, 1):
        attempt = proofs.prepare_saved(
            code, vault, to="admin@example.com", subject=TEST_SUBJECT, body=TEST_BODY
        )
        assert not (await proofs.Proving(attempt).run()).ok
    assert endpoint.grant_types().count("refresh_token") == 1

    wal = wal_bytes(context)
    exports = export_bytes(tmp_path)
    outputs = [
        smtp_tui(context, *command)
        for command in (
            ["credentials", "list"],
            ["credentials", "list", "--json"],
            ["accounts", "list"],
            ["accounts", "show", "2", "--json"],
            ["accounts", "export", "--format", "json"],
            ["audit", "--json"],
            ["test", "3", "--to", "admin@example.com"],
            ["test", "2", "--to", "admin@example.com"],
        )
    ]
    assert outputs[-1].returncode == 1 and "5.7.3" in outputs[-1].stdout
    places = secret_places(context, wal, exports, outputs)
    assert TestRun.select().count() == 12 and "Signed in" in places["audit"].decode()
    # The places hold what may be shown (so a leak would be found there too).
    assert CLIENT_ID.encode() in places["commands"] and b"XOAUTH2" in places["transcripts"]
    secrets = [
        CLIENT_SECRET,
        "proxy-Pa55",
        *key_lines(client_key_pair().private_key),
        *key_lines(service_account_key_pair().private_key),
        service_account_json(endpoint.token_url)[:60],
        *endpoint.issued,  # every access token
        *(form["refresh_token"] for _, form in endpoint.requests if "refresh_token" in form),
        *endpoint.refresh_tokens,
    ]
    assert len(endpoint.issued) == 7  # a sign-in, 4 fetches, a refresh, one more fetch
    for secret in secrets:
        for form in forms(secret):
            leaks = [place for place, data in places.items() if form in data]
            assert not leaks, f"{secret[:12]}... found in {leaks}"
