from dataclasses import replace
from operator import attrgetter

import peewee
import pytest

from smtp_tui import accounts, connectors, credentials
from smtp_tui.accounts import Filters, Sort
from smtp_tui.errors import NotFound, Refused, StaleEdit, ValidationFailed
from smtp_tui.store.models import SmtpAccount, database_proxy
from smtp_tui.validation import AccountInput
from tests.conftest import account_input


def names(page):
    return [row.name for row in page.rows]


def test_seventy_five_accounts_make_three_pages(seventy_five):
    first, second, third = (accounts.search(page=n) for n in (1, 2, 3))
    assert [len(p.rows) for p in (first, second, third)] == [30, 30, 15]
    assert {p.pages for p in (first, second, third)} == {3}
    assert first.total == 75
    assert first.describe() == "Page 1 of 3 · 75 accounts"
    codes = [r.code for p in (first, second, third) for r in p.rows]
    assert codes == sorted(codes) and len(set(codes)) == 75


def test_a_page_past_the_end_shows_the_last_page(seventy_five):
    page = accounts.search(page=9)
    assert (page.number, len(page.rows)) == (3, 15)


def test_an_empty_database_has_one_empty_page(db):
    page = accounts.search()
    assert (page.rows, page.number, page.pages, page.total) == ([], 1, 1, 0)
    assert page.describe() == "Page 1 of 1 · 0 accounts"


def test_a_first_page_can_come_before_its_count(seventy_five):
    page = accounts.search(Filters(status="active"), count=False)
    assert len(page.rows) == 30 and (page.total, page.pages) == (None, None)
    assert page.describe() == "Page 1 · counting…"
    counted = page.counted(accounts.count(Filters(status="active")))
    assert (counted.rows, counted.total, counted.pages) == (page.rows, 60, 2)
    assert counted.describe() == "Page 1 of 2 · 60 accounts"


def test_a_first_page_that_is_not_full_is_its_own_count(seventy_five):
    page = accounts.search(Filters(status="inactive", name="1"), count=False)
    expected = (
        SmtpAccount.select().where(~SmtpAccount.active, SmtpAccount.name.contains("1")).count()
    )
    assert 0 < expected < 30 and (page.total, page.pages) == (expected, 1)


def test_a_known_total_is_trusted_and_places_the_pages(seventy_five):
    # The caller knows the total (the same filters a moment ago): no count, and a page past
    # the middle is read backwards from that total.
    page = accounts.search(page=3, total=75)
    assert (page.number, page.pages, [r.code for r in page.rows]) == (3, 3, list(range(61, 76)))
    stale = accounts.search(page=2, total=90)  # 15 accounts deleted meanwhile: a wrong slice
    assert stale.total == 90 and accounts.count() == 75


READS = {"walk": (10**9, 10**9), "trigram candidates": (1, 10**9), "scan": (1, 1)}


@pytest.mark.parametrize("walk_steps,candidate_steps", READS.values(), ids=READS.keys())
def test_filtered_pages_are_the_same_whichever_way_they_are_read(
    seventy_five, monkeypatch, walk_steps, candidate_steps
):
    # A filtered page walks the sort index within a budget, then reads the trigram index's
    # candidates within another, then scans (on SQLite; PostgreSQL always scans). Whichever
    # way, the pages are those of the plain definition.
    monkeypatch.setattr(accounts, "WALK_STEPS", walk_steps)
    monkeypatch.setattr(accounts, "CANDIDATE_STEPS", candidate_steps)
    every = list(SmtpAccount.select())
    for filters, keeps in (
        (Filters(name="1"), lambda a: "1" in a.name),
        (Filters(status="inactive"), lambda a: not a.active),
        (Filters(name="A", status="active"), lambda a: "a" in a.name.lower() and a.active),
        (Filters(name="LAY 0"), lambda a: "lay 0" in a.name.lower()),
        (
            Filters(name="ert", email="SENDER1"),
            lambda a: "ert" in a.name.lower() and "sender1" in a.email.lower(),
        ),
    ):
        for sort in (Sort(), Sort("email", descending=True), Sort("footer"), Sort("active")):
            key = attrgetter(sort.column, "code")
            expected = [
                a.code for a in sorted(filter(keeps, every), key=key, reverse=sort.descending)
            ]
            first = accounts.search(filters, sort)
            got = [
                r.code
                for n in range(1, first.pages + 1)
                for r in accounts.search(filters, sort, n).rows
            ]
            assert got == expected and first.total == len(expected) > 0, (filters, sort)


def test_the_trigram_index_follows_every_change(seventy_five, monkeypatch):
    """The index of migration 0007 (SQLite) is kept by triggers: after adds, edits and
    deletes, pages read through its candidates are still the plain definition's."""
    monkeypatch.setattr(accounts, "WALK_STEPS", 1)  # straight to the candidates
    if isinstance(database_proxy.obj, peewee.SqliteDatabase):
        assert accounts._text_candidates(Filters(name="relay")) is not None
    accounts.save(account_input(90, name="Zebra relay"), actor="tester@host")
    renamed = accounts.get(3)
    accounts.save(
        replace(AccountInput.from_account(renamed), name="Quokka 3"),
        code=3,
        expected_version=renamed.version,
        actor="tester@host",
    )
    accounts.delete(5, actor="tester@host")
    every = list(SmtpAccount.select())
    for needle in ("relay", "quokka", "Relay 07", "zebra"):
        expected = sorted(a.code for a in every if needle.lower() in a.name.lower())
        first = accounts.search(Filters(name=needle))
        got = [
            r.code
            for n in range(1, first.pages + 1)
            for r in accounts.search(Filters(name=needle), page=n).rows
        ]
        assert sorted(got) == expected and expected, needle


def test_filter_by_code_is_exact(seventy_five):
    assert [r.code for r in accounts.search(Filters(code=7)).rows] == [7]
    assert accounts.search(Filters(code=700)).total == 0


@pytest.mark.parametrize(
    "field,needle,expected",
    [
        ("name", "relay", 38),  # any case, substring
        ("name", "LAY 07", 3),  # Relay 075, 073, 071 (n = 1, 3, 5)
        ("email", "SENDER1", 11),  # sender1 and sender10..19
        ("reply_to", "example.org", 25),
        ("return_path", "bounce", 18),
        ("confirmation_email", "receipts", 10),
    ],
)
def test_each_text_filter_alone(seventy_five, field, needle, expected):
    page = accounts.search(Filters(**{field: needle}))

    def value_of(row):
        return getattr(row, field).lower()

    everything = list(SmtpAccount.select())
    assert page.total == sum(needle.lower() in value_of(a) for a in everything)
    assert all(needle.lower() in value_of(row) for row in page.rows)
    assert page.total == expected


def test_status_filter(seventy_five):
    assert accounts.search(Filters(status="inactive")).total == 15
    assert accounts.search(Filters(status="active")).total == 60
    assert accounts.search(Filters(status="any")).total == 75


def test_filters_combine_with_and(seventy_five):
    page = accounts.search(Filters(name="alerts", reply_to="example.org", status="active"))
    expected = [a for a in SmtpAccount.select() if "Alerts" in a.name and a.reply_to and a.active]
    assert page.total == len(expected) > 0
    assert {r.code for r in page.rows} == {a.code for a in expected}


def test_like_wildcards_are_taken_literally(db):
    accounts.save(account_input(1, name="100% relay"))
    accounts.save(account_input(2, name="1000 relay"))
    accounts.save(account_input(3, name="ops_team"))
    accounts.save(account_input(4, name="opsXteam"))
    assert names(accounts.search(Filters(name="0%"))) == ["100% relay"]
    assert names(accounts.search(Filters(name="s_t"))) == ["ops_team"]


def test_sorting_by_name_both_ways(seventy_five):
    ascending = names(accounts.search(sort=Sort("name")))
    assert ascending == sorted(ascending) and ascending[0] == "Alerts 002"
    descending = names(accounts.search(sort=Sort("name", descending=True), page=3))
    assert descending[-1] == "Alerts 002"


def test_sorting_by_a_yes_no_column_keeps_a_stable_order(seventy_five):
    pages = [accounts.search(sort=Sort("active"), page=n).rows for n in (1, 2, 3)]
    rows = [r for page in pages for r in page]
    assert [r.active for r in rows] == [False] * 15 + [True] * 60
    assert len({r.code for r in rows}) == 75  # no row repeated or skipped across pages


def test_sorting_by_an_unknown_column_is_refused(db):
    with pytest.raises(ValueError):
        accounts.search(sort=Sort("secret"))


def test_the_first_account_becomes_the_default(db):
    assert accounts.save(account_input(1)).is_default


def test_exactly_one_default_under_two_saves_in_a_row(db):
    first = accounts.save(account_input(1))
    second = accounts.save(account_input(2, is_default=True))
    third = accounts.save(account_input(3, is_default=True))
    defaults = [a.code for a in SmtpAccount.select().where(SmtpAccount.is_default)]
    assert defaults == [third.code]
    assert not accounts.get(first.code).is_default and not accounts.get(second.code).is_default


def test_the_default_cannot_be_unset_directly(db):
    first = accounts.save(account_input(1))
    with pytest.raises(ValidationFailed) as failure:
        accounts.save(account_input(1, is_default=False), code=first.code)
    assert "make another account the default" in failure.value.errors["is_default"]


def test_the_database_itself_refuses_a_second_default(db):
    import peewee

    accounts.save(account_input(1))
    second = accounts.save(account_input(2))
    with pytest.raises(peewee.IntegrityError):
        SmtpAccount.update(is_default=True).where(SmtpAccount.code == second.code).execute()


def test_names_are_unique_whatever_their_case(db):
    accounts.save(account_input(1, name="Alerts"))
    with pytest.raises(ValidationFailed) as failure:
        accounts.save(account_input(2, name="ALERTS"))
    assert failure.value.errors == {
        "name": "An account named 'ALERTS' already exists (code 1). Choose another name."
    }
    assert accounts.count() == 1


def test_an_edit_keeps_its_own_name(db):
    accounts.save(account_input(1))
    account = accounts.save(account_input(2, name="Alerts"))
    edited = accounts.save(
        account_input(2, name="Alerts", port=465, secure_type="SSL"),
        code=account.code,
        expected_version=account.version,
    )
    assert (edited.port, edited.secure_type, edited.version) == (465, "SSL", 2)


def test_a_stale_save_is_refused_naming_who_changed_it_and_when(db):
    account = accounts.save(account_input(1, is_default=True), actor="alice@pam-1")
    accounts.save(
        account_input(1, is_default=True, port=2525),
        code=account.code,
        expected_version=1,
        actor="bob@pam-2",
    )
    with pytest.raises(StaleEdit) as conflict:
        accounts.save(
            account_input(1, is_default=True, port=465),
            code=account.code,
            expected_version=1,
            actor="alice@pam-1",
        )
    assert conflict.value.changed_by == "bob@pam-2"
    assert "'Account 001' was changed by bob@pam-2 at " in str(conflict.value)
    assert accounts.get(account.code).port == 2525  # bob's change is intact


def test_a_save_without_expected_version_overwrites_on_purpose(db):
    accounts.save(account_input(1))
    account = accounts.save(account_input(2))
    accounts.save(account_input(2, port=2525), code=account.code, expected_version=1)
    assert accounts.save(account_input(2, port=26), code=account.code).port == 26


def test_references_must_exist(db, vault):
    with pytest.raises(ValidationFailed) as failure:
        accounts.save(
            account_input(
                1, authentication=True, credential_id=99, use_connector=True, connector_id=98
            )
        )
    assert failure.value.errors == {
        "credential": "That credential no longer exists. Choose another one.",
        "connector": "That network connector no longer exists. Choose another one.",
    }
    credential = credentials.save(vault, name="relay", username="svc", secret="s3cret!")
    connector = connectors.save(name="dmz", kind="SOCKS5", host="proxy.example.com", port=1080)
    saved = accounts.save(
        account_input(
            1,
            authentication=True,
            credential_id=credential.id,
            use_connector=True,
            connector_id=connector.id,
        )
    )
    assert (saved.credential.name, saved.connector.name, saved.connector.kind) == (
        "relay",
        "dmz",
        "socks5",
    )


def test_credentials_and_connectors_in_use_are_not_deleted(db, vault):
    credential = credentials.save(vault, name="relay", username="svc", secret="pw")
    connector = connectors.save(
        name="dmz", kind="http", host="proxy.example.com", port=3128, credential_id=credential.id
    )
    accounts.save(account_input(1, use_connector=True, connector_id=connector.id))
    with pytest.raises(Refused, match="'dmz' is used by Account 001"):
        connectors.delete(connector.id)
    with pytest.raises(Refused, match="'relay' is used by connector dmz"):
        credentials.delete(credential.id)


def test_delete(db):
    first = accounts.save(account_input(1))
    second = accounts.save(account_input(2))
    accounts.delete(second.code)
    with pytest.raises(NotFound):
        accounts.get(second.code)
    with pytest.raises(NotFound):
        accounts.delete(second.code)
    accounts.delete(first.code)  # the default goes when it is the last account
    assert accounts.count() == 0


def test_the_default_account_is_not_deleted_while_others_exist(db):
    first = accounts.save(account_input(1))
    accounts.save(account_input(2))
    with pytest.raises(Refused, match="is the default account"):
        accounts.delete(first.code)
    assert accounts.count() == 2


def test_find_by_name_or_code(db):
    account = accounts.save(account_input(1, name="Alerts HQ"))
    assert accounts.find("alerts hq").code == account.code
    assert accounts.find(str(account.code)).name == "Alerts HQ"
    with pytest.raises(NotFound, match="no account named or numbered 'nope'"):
        accounts.find("nope")


@pytest.mark.parametrize(
    "sort", [Sort(), Sort("name"), Sort("name", True), Sort("active"), Sort("email", True)]
)
def test_page_of_finds_the_page_an_account_is_shown_on(seventy_five, sort):
    for number in (1, 2, 3):
        for row in accounts.search(sort=sort, page=number).rows:
            assert accounts.page_of(row.code, sort=sort) == number


def test_page_of_an_account_filtered_out_is_none(seventy_five):
    assert accounts.page_of(1, Filters(status="inactive")) is None
    assert accounts.page_of(999) is None


def test_clone_names_are_free(db):
    accounts.save(account_input(1, name="Alerts"))
    assert accounts.clone_name("Alerts") == "Alerts (copy)"
    accounts.save(account_input(2, name="Alerts (copy)"))
    assert accounts.clone_name("Alerts") == "Alerts (copy 2)"
