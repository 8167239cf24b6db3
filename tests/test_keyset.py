"""Pages read by seeking from the neighbouring page (smtp_tui/keyset.py) are the pages of the
plain definition: the filtered accounts ORDER BY the sort column, then the code, in the sort's
direction, LIMIT/OFFSET, written out here apart from the service's own order. Walked forwards
and backwards, in every sort column and direction, with and without filters, with ties, case
variants, empty texts and non-ASCII letters, on SQLite and (second pass) PostgreSQL; and with
the index walk's budget spent at once, so the seek also goes through the scan that follows it.
(The sortable columns are all NOT NULL: there is no NULL to order.)"""

from __future__ import annotations

import os
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtp_tui import accounts, keyset
from smtp_tui.accounts import SORTABLE, Filters, Sort
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.store.database import connect, latest_schema_version, schema_version, within_steps
from smtp_tui.store.models import SmtpAccount, database_proxy, utc_now
from smtp_tui.validation import AccountInput, fold_name
from tests.conftest import ON_POSTGRES, POSTGRES_URL

PAGE_SIZE = 3
# Few letters, so that values tie and differ only in case; é/É and ß fold differently on each
# database; "" sorts first.
TEXTS = st.text(alphabet="aAbBéÉß-", max_size=3)
FLAGS = ("active", "secure", "force_config", "read_confirmation", "footer")
ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.text(alphabet="aAbBéÉß ", min_size=1, max_size=4),
            "email": TEXTS,
            "reply_to": TEXTS,
            "return_path": TEXTS,
            "confirmation_email": TEXTS,
            **{flag: st.booleans() for flag in FLAGS},
        }
    ),
    max_size=16,
    unique_by=lambda row: fold_name(row["name"]),
)
FILTERS = st.builds(
    Filters,
    name=st.sampled_from(["", "a", "B", "é"]),
    email=st.sampled_from(["", "a", "-", "ab"]),
    status=st.sampled_from(["any", "active", "inactive"]),
)
SORTS = st.builds(Sort, st.sampled_from(SORTABLE), st.booleans())


def replace_accounts(rows: list[dict]) -> None:
    """The accounts are exactly `rows` (the first one the default), written without the
    service, so the pages it remembered are forgotten by hand, as a bulk load must."""
    SmtpAccount.delete().execute()
    now = utc_now()
    if rows:
        SmtpAccount.insert_many(
            [
                {
                    **row,
                    "name_folded": fold_name(row["name"]),
                    "host": "smtp.example.com",
                    "is_default": n == 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, row in enumerate(rows)
            ]
        ).execute()
    keyset.forget()


def plain_page(filters: Filters, sort: Sort, number: int) -> list[int]:
    """Page `number` by the definition: ORDER BY the column, the code; LIMIT/OFFSET."""
    column = getattr(SmtpAccount, sort.column)
    keys = (column, SmtpAccount.code)
    query = (
        accounts._filtered(filters)
        .select(SmtpAccount.code)
        .order_by(*(key.desc() if sort.descending else key.asc() for key in keys))
        .limit(PAGE_SIZE)
        .offset((number - 1) * PAGE_SIZE)
    )
    return list(query.scalars())


def walk(filters: Filters, sort: Sort) -> None:
    """Every page from the first to the last, then back to the first, each from its neighbour
    (asserted: no page but the first and the last is read by OFFSET here)."""
    total = accounts.count(filters)
    pages = accounts.search(filters, sort, 1, PAGE_SIZE, total=total).pages
    assert pages is not None
    view = (filters, sort, PAGE_SIZE, total)
    order = [*range(1, pages + 1), *range(pages - 1, 0, -1)]
    for step, number in enumerate(order):
        if step > 0:
            assert keyset.pages().neighbour(view, number) is not None
        page = accounts.search(filters, sort, number, PAGE_SIZE, total=total)
        assert page.number == number
        assert [a.code for a in page.rows] == plain_page(filters, sort, number), (number, step)
    # And backwards from the last page, read first.
    keyset.forget()
    for number in range(pages, 0, -1):
        page = accounts.search(filters, sort, number, PAGE_SIZE, total=total)
        assert [a.code for a in page.rows] == plain_page(filters, sort, number), number


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=ROWS, filters=FILTERS, sort=SORTS, walk_budget=st.sampled_from([1, 10_000]))
def test_keyset_pages_are_the_plain_pages(db, monkeypatch, rows, filters, sort, walk_budget):
    # A budget of one step: the walk gives up at once, and the page comes from the scan.
    monkeypatch.setattr(accounts, "WALK_STEPS", walk_budget)
    monkeypatch.setattr(accounts, "OFFSET_STEPS", min(walk_budget, accounts.OFFSET_STEPS))
    replace_accounts(rows)
    walk(filters, sort)


TIES = [
    ("b", "", "x", True),
    ("Bc", "a", "x", False),
    ("a", "A", "", True),
    ("A b", "a", "x", True),
    ("é", "É", "", False),
    ("É x", "é", "x", True),
    ("ß", "", "x", True),
    ("ab", "a", "", False),
    ("aB c", "b", "x", True),
    ("bA", "B", "x", False),
    ("-", "-", "", True),
]


@pytest.mark.parametrize("sort", [Sort(c, d) for c in SORTABLE for d in (False, True)], ids=str)
def test_every_sort_column_and_direction_seeks_to_the_plain_pages(db, sort):
    rows = [
        {
            "name": name,
            "email": email,
            "reply_to": reply_to,
            "return_path": email.upper(),
            "confirmation_email": "",
            **{flag: (active if n % 2 else not active) for n, flag in enumerate(FLAGS)},
        }
        for name, email, reply_to, active in TIES
    ]
    replace_accounts(rows)
    for filters in (Filters(), Filters(email="a"), Filters(status="active")):
        walk(filters, sort)


def test_a_change_through_the_service_forgets_the_remembered_pages(db):
    """An edit keeps the total, so the remembered keys would still be asked for: the save
    forgets them, and the next page is the plain one of the changed accounts."""
    replace_accounts([{"name": f"n{n:02d}", "email": f"e{n}@example.com"} for n in range(12)])
    sort, total = Sort("name"), 12
    for number in (1, 2):
        accounts.search(Filters(), sort, number, PAGE_SIZE, total=total)
    first = accounts.search(Filters(), sort, 1, PAGE_SIZE, total=total).rows[0]
    accounts.save(replace(AccountInput.from_account(first), name="zz"), code=first.code)
    assert keyset.pages().neighbour((Filters(), sort, PAGE_SIZE, total), 3) is None
    page = accounts.search(Filters(), sort, 3, PAGE_SIZE, total=total)
    assert [a.code for a in page.rows] == plain_page(Filters(), sort, 3)


@pytest.mark.sqlite_only
def test_a_budget_is_this_runs_own_however_often_the_statement_ran(db):
    """SQLite counts a cached statement's steps over all its runs: the budget of each run must
    still be whole (it was spent after a few runs, and later pages gave up their walk)."""
    sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
    sql += "SELECT count(*) FROM n"

    def run(text: str, steps: int):
        return within_steps(lambda: db.execute_sql(text).fetchall(), steps)

    # What one run takes: the smallest budget that lets a statement never run before finish.
    needed = next(
        steps for steps in range(100, 100_000, 100) if run(f"{sql} -- {steps}", steps) is not None
    )
    assert run(f"{sql} -- too little", needed // 2) is None
    for _ in range(20):
        assert run(sql, 2 * needed) == [(300,)]


@pytest.mark.skipif(not ON_POSTGRES, reason="about PostgreSQL's pg_trgm")
def test_the_migration_makes_trigram_indexes_where_it_may_and_runs_where_it_may_not(db, tmp_path):
    """Migration 0011 creates pg_trgm and a trigram index of each filtered text for an owner
    that may; as a user that may not create an extension, it still migrates, without them."""
    trigram_indexes = "SELECT count(*) FROM pg_indexes WHERE indexname ~ '_trigrams$'"
    assert db.execute_sql(trigram_indexes).fetchone() == (5,)
    suffix = os.environ.get("PYTEST_XDIST_WORKER", "main")
    role, name = f"plain_{suffix}", f"no_trgm_{suffix}"
    db.execute_sql(f"DROP DATABASE IF EXISTS {name}")
    db.execute_sql(f"DROP ROLE IF EXISTS {role}")
    db.execute_sql(f"CREATE ROLE {role} LOGIN")
    db.execute_sql(f"CREATE DATABASE {name}")
    base = urlsplit(POSTGRES_URL)
    owner_url = urlunsplit(base._replace(path=f"/{name}"))
    owner = connect(owner_url)
    # PostgreSQL 15: only the owner creates in schema public unless granted.
    owner.execute_sql(f"GRANT ALL ON SCHEMA public TO {role}")
    owner.close()
    plain_url = urlunsplit(
        base._replace(path=f"/{name}", netloc=f"{role}@{base.hostname}:{base.port}")
    )
    try:
        context = AppContext.open(Config(database=plain_url, key_file=tmp_path / "key"))
        assert schema_version(context.database) == latest_schema_version()
        assert context.database.execute_sql(trigram_indexes).fetchone() == (0,)
        replace_accounts([{"name": "Alpha", "email": "alerts@example.com"}])
        assert [a.name for a in accounts.search(Filters(email="alerts")).rows] == ["Alpha"]
        context.database.close()
    finally:
        database_proxy.initialize(db)
        db.execute_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        db.execute_sql(f"DROP ROLE IF EXISTS {role}")
