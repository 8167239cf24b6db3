"""Fleet check (issue 19): many accounts proved at once against real servers (aiosmtpd with
trustme certificates, a refused port, servers that accept and never greet, an OAuth2 token
endpoint), each kept in the account's history as a check."""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address

import pytest

from smtp_tui import accounts, checks, glyphs, proofs, verdicts
from smtp_tui.errors import NotFound
from smtp_tui.reports.columns import COLUMNS
from smtp_tui.store.models import SmtpAccount, TestRun, utc_now
from tests.conftest import account_input
from tests.mailservers import SilentServer, free_port, start_server
from tests.oauth_servers import MAILBOX
from tests.test_sending import make_account
from tests.test_xoauth2_sending import oauth2_credential

TIMEOUT = 1.0


class _Hung(str):
    """The step of a server that accepts and never greets: "greeting" when the step's own
    timeout fires, "connect" when the whole check's bound fires first (a busy machine delays
    the step's timer): either says the server hung before a word. Compares equal to both."""

    def __eq__(self, other):
        return other in ("greeting", "connect")

    def __contains__(self, other):  # type: ignore[override]
        return other in ("greeting", "connect")

    __hash__ = str.__hash__


HUNG = _Hung("greeting")
LAST_TEST = next(column for column in COLUMNS if column.key == "last_test")


def short_lived_certificate(tmp_path, days: int = 10) -> tuple[ssl.SSLContext, str]:
    """A server context whose certificate (for localhost) expires in `days` days, and the file of
    the CA that signed it. trustme cannot set notAfter, so both are made with cryptography."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp-tui short-lived test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = tmp_path / "short-lived.pem"
    chain.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + leaf.public_bytes(pem)
    )
    ca_file = tmp_path / "short-lived-ca.pem"
    ca_file.write_bytes(ca.public_bytes(pem))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(chain))
    return context, str(ca_file)


@pytest.fixture
def short_lived_server(certificates, trust_test_ca, tmp_path, monkeypatch):
    """A STARTTLS server whose certificate expires in 10 days; the trust store holds its CA and
    the trustme CA of the other servers."""
    context, ca_file = short_lived_certificate(tmp_path)
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(certificates.ca_file.read_bytes() + open(ca_file, "rb").read())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    server = start_server(tls_context=context, require_starttls=True)
    yield server
    server.controller.stop()


@pytest.fixture
def fleet(db, vault, starttls_server, silent_server, xoauth2_server, token_endpoint):
    """The five accounts of the issue, one of each: healthy, refused, hanging, wrong password,
    OAuth2 (codes in that order)."""
    oauth = oauth2_credential(vault, token_endpoint, "oauth2-client-credentials")
    made = [
        make_account(vault, starttls_server.port, name="healthy"),
        make_account(vault, free_port(), name="refused", email="s2@example.com"),
        make_account(vault, silent_server.port, name="hanging", email="s3@example.com"),
        make_account(
            vault, starttls_server.port, name="wrong", email="s4@example.com", password="nope"
        ),
        accounts.save(
            account_input(
                5,
                name="oauth",
                host="localhost",
                port=xoauth2_server.port,
                email=MAILBOX,
                secure=True,
                secure_type="TLS",
                authentication=True,
                credential_id=oauth.id,
                timeout=5,
            )
        ),
    ]
    return [account.code for account in made]


async def test_five_accounts_checked_together(fleet, vault, starttls_server, xoauth2_server):
    told = []
    results = await checks.run(fleet, vault, timeout=TIMEOUT, on_result=told.append)
    assert [r.code for r in results] == fleet
    assert sorted(r.code for r in told) == sorted(fleet)
    by_name = {r.account: r for r in results}
    assert [(r.account, r.ok, r.step) for r in results] == [
        ("healthy", True, ""),
        ("refused", False, "connect"),
        ("hanging", False, HUNG),
        ("wrong", False, "AUTH"),
        ("oauth", True, ""),
    ]
    assert "535" in by_name["wrong"].reply
    assert by_name["healthy"].tls_version and by_name["oauth"].tls_version
    assert by_name["refused"].tls_version is None
    assert by_name["hanging"].seconds < TIMEOUT + 1
    # A login and QUIT: no MAIL FROM, no message at any server.
    for server in (starttls_server, xoauth2_server):
        assert server.handler.received == [] and server.handler.commands == []
    assert [user for user, _ in xoauth2_server.handler.logins] == [MAILBOX]
    runs = {run.account_id: run for run in TestRun.select()}
    assert sorted(runs) == sorted(fleet)
    assert {run.mode for run in runs.values()} == {proofs.FLEET}
    assert proofs.MODE_LABELS[proofs.FLEET] == "check"
    assert [runs[code].outcome for code in fleet] == [
        "checked", "failed", "failed", "failed", "checked",
    ]  # fmt: skip
    stored = {a.code: a for a in SmtpAccount.select()}
    assert stored[fleet[3]].last_test_outcome == "failed AUTH"
    assert stored[fleet[0]].certificate_expires_at == by_name["healthy"].certificate_expires


async def test_eight_hanging_servers_take_about_one_timeout_not_eight(db, vault):
    servers = [SilentServer() for _ in range(8)]
    try:
        codes = [
            make_account(vault, s.port, name=f"hang {i}", email=f"h{i}@example.com").code
            for i, s in enumerate(servers)
        ]
        started = time.monotonic()
        results = await checks.run(codes, vault, concurrency=8, timeout=TIMEOUT)
        took = time.monotonic() - started
    finally:
        for server in servers:
            server.close()
    assert all(not r.ok and r.step in HUNG for r in results), results
    # One after the other they would take 8 timeouts; together about one.
    assert took < 4 * TIMEOUT, took


async def test_a_certificate_expiring_in_ten_days_is_warned_about(
    db, vault, short_lived_server, starttls_server
):
    soon = make_account(vault, short_lived_server.port, name="soon")
    later = make_account(vault, starttls_server.port, name="later", email="l@example.com")
    first, second = await checks.run([soon.code, later.code], vault, timeout=TIMEOUT)
    assert first.ok and second.ok, (first, second)
    now = utc_now()
    assert timedelta(days=9) < first.certificate_expires - now <= timedelta(days=10)
    assert checks.expiry_warning(first.certificate_expires, now)
    assert not checks.expiry_warning(second.certificate_expires, now)
    assert first.as_json()["certificate_expires"] == checks.iso(first.certificate_expires)
    assert datetime.fromisoformat(first.as_json()["certificate_expires"]).tzinfo is not None
    mark = glyphs.current().warning
    stored = SmtpAccount.get(SmtpAccount.code == soon.code)
    # The report's Last test column (screen and exports) and the history say so.
    label = verdicts.label(
        stored.last_test_outcome, stored.last_test_at, expires=stored.certificate_expires_at
    )
    assert label.startswith(f"{glyphs.current().ok} {mark} ")
    assert "⚠ certificate expires" in LAST_TEST.text(stored)
    healthy = SmtpAccount.get(SmtpAccount.code == later.code)
    assert mark not in verdicts.label(
        healthy.last_test_outcome, healthy.last_test_at, expires=healthy.certificate_expires_at
    )
    [run] = proofs.history(soon.code)
    assert verdicts.certificate_note(run.certificate_expires_at) == (
        f"cert. expires {first.certificate_expires:%Y-%m-%d} {mark}"
    )


async def test_with_a_recipient_mail_and_rcpt_run_but_never_data(db, vault, starttls_server):
    account = make_account(vault, starttls_server.port)
    [result] = await checks.run([account.code], vault, timeout=TIMEOUT, to="ops@example.com")
    assert result.ok, result
    commands = starttls_server.handler.commands
    assert [c.split(" ")[0] for c in commands] == ["MAIL", "RCPT"]
    assert commands[1] == "RCPT ops@example.com"
    assert starttls_server.handler.received == []
    [run] = proofs.history(account.code)
    assert run.mode == proofs.FLEET and run.recipient == "ops@example.com"


async def test_cancelling_stops_every_check_and_keeps_none(db, vault, starttls_server):
    servers = [SilentServer() for _ in range(3)]
    try:
        codes = [
            make_account(vault, s.port, name=f"hang {i}", email=f"h{i}@example.com").code
            for i, s in enumerate(servers)
        ]
        told = []
        task = asyncio.ensure_future(checks.run(codes, vault, timeout=30, on_result=told.append))
        await asyncio.sleep(0.5)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 2
        # The servers saw the connections closed.
        await asyncio.sleep(0.1)
    finally:
        for server in servers:
            server.close()
    assert told == [] and TestRun.select().count() == 0
    assert {a.last_test_outcome for a in SmtpAccount.select()} == {None}


def test_targets_inactive_only_when_named_unknown_names_refused(db, vault):
    active = accounts.save(account_input(1, name="on"))
    asleep = accounts.save(account_input(2, name="off", active=False))
    other = accounts.save(account_input(3, name="also on"))
    assert [a.code for a in checks.targets([], True)] == [active.code, other.code]
    assert [a.code for a in checks.targets(["OFF", str(active.code)], False)] == [
        active.code,
        asleep.code,
    ]
    with pytest.raises(NotFound, match="no such"):
        checks.targets(["on", "no such"], False)


async def test_an_unusable_account_fails_at_settings_without_a_connection(db, vault):
    # Saved settings that no longer validate (a host emptied behind the service's back): the
    # check fails at "settings", before anything is said to a server, and the others go on.
    account = make_account(vault, free_port(), name="gone")
    SmtpAccount.update(host="").where(SmtpAccount.code == account.code).execute()
    [result] = await checks.run([account.code], vault, timeout=TIMEOUT)
    assert (result.ok, result.step, result.account) == (False, checks.SETTINGS_STEP, "gone")
    assert result.reply


async def test_the_report_marks_and_the_history_dates_a_certificate_expiring_soon(
    db, context, short_lived_server
):
    from smtp_tui.app import SmtpApp
    from smtp_tui.screens.proof_history import ProofHistoryScreen
    from smtp_tui.screens.report_table import ReportTable
    from tests.test_fit import widget_text
    from tests.test_report import settle

    account = make_account(context.vault, short_lived_server.port, name="soon")
    [result] = await checks.run([account.code], context.vault, timeout=TIMEOUT)
    app = SmtpApp(context)
    symbols = glyphs.current()
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        row = widget_text(app.screen.query_one(ReportTable)).splitlines()[1]
        assert f"{symbols.ok} {symbols.warning} just now" in row
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, ProofHistoryScreen)
        [line] = widget_text(app.screen.query_one("#history")).splitlines()[1:]
        assert " check " in line and f"checked {symbols.warning}" in line
        assert f"cert. expires {result.certificate_expires:%Y-%m-%d} {symbols.warning}" in line
