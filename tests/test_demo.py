from smtp_tui import accounts, demo
from smtp_tui.accounts import Filters
from smtp_tui.store.models import SmtpAccount


def test_demo_fills_an_empty_database_once(db, vault):
    assert demo.fill(vault) == 75
    assert accounts.count() == 75
    assert demo.fill(vault) == 0  # never on a database that has accounts
    assert accounts.count() == 75


def test_demo_accounts_look_like_a_living_report(db, vault):
    demo.fill(vault)
    assert SmtpAccount.select().where(SmtpAccount.is_default).count() == 1
    assert 5 <= accounts.search(Filters(status="inactive")).total <= 25
    assert SmtpAccount.select().where(SmtpAccount.secure).count() > 20
    assert SmtpAccount.select().where(SmtpAccount.use_connector).count() > 5
    assert SmtpAccount.select().where(SmtpAccount.authentication).count() > 5
