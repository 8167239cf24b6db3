"""Fleet check (issue 19): many accounts proved at once against real servers (aiosmtpd with
trustme certificates, a refused port, servers that never greet, an OAuth2 token endpoint)."""

from __future__ import annotations

from smtp_tui import checks, proofs
from smtp_tui.store.models import SmtpAccount, TestRun
from tests.test_sending import make_account


async def test_a_healthy_starttls_account_passes_and_nothing_is_sent(db, vault, starttls_server):
    account = make_account(vault, starttls_server.port)
    [result] = await checks.run([account.code], vault, timeout=2)
    assert result.ok, result
    assert result.step == "" and result.tls_version and result.tls_version.startswith("TLS")
    assert result.certificate_expires is not None
    assert starttls_server.handler.received == [] and starttls_server.handler.commands == []
    [run] = TestRun.select().where(TestRun.account == account.code)
    assert run.mode == proofs.FLEET and run.outcome == "checked"
    assert run.tls_version == result.tls_version
    stored = SmtpAccount.get(SmtpAccount.code == account.code)
    assert stored.last_test_outcome == "checked"
    assert stored.certificate_expires_at == result.certificate_expires
