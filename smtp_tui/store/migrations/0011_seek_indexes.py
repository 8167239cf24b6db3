"""Indexes for reading deep pages by seeking from the neighbouring page (smtp_tui/keyset.py,
bench/results.md), on PostgreSQL.

A page after the neighbouring page's last key (value, code) is read as two ranges of an index
on (column, code): the key's ties past its code, then the values past it. Migration 0006 made
such an index for each sortable column but three, which had an index of their own already:
name, e-mail and active. On SQLite every index ends with the rowid, which is the code, so
those three are (column, code) already and nothing is added there. A PostgreSQL index holds
no code: a seek among the 85,000 ties of active = true would read every one and sort them.

Substring filters on PostgreSQL read every account when few match (120-130 ms at 100,000):
where the pg_trgm extension can be created (it is trusted: a database owner may), a trigram
GIN index of each filtered text lets the planner find the few instead, as FTS5 does on SQLite
(migration 0007). Where it cannot (no contrib package, no right to create it), nothing of it
is made and filters scan as before.

The report sorts by the column as stored: the index, the ORDER BY and the seek's comparisons
are the same expression (case-sensitive on SQLite; the database's collation on PostgreSQL, for
the index and the comparisons alike). A case-insensitive sort would need all three on the
folded expression instead.
"""

import peewee

TABLE = "smtp_account"
COLUMNS = ("name", "email", "active")


TEXTS = ("name", "email", "reply_to", "return_path", "confirmation_email")


def up(migrator, db):
    if not isinstance(db, peewee.PostgresqlDatabase):
        return
    migrator.migrate(*(migrator.add_index(TABLE, (column, "code")) for column in COLUMNS))
    try:
        # A savepoint: a refusal would otherwise abort the migration's transaction.
        with db.atomic():
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except peewee.DatabaseError:
        return
    for column in TEXTS:
        db.execute_sql(
            f"CREATE INDEX {TABLE}_{column}_trigrams ON {TABLE} USING gin ({column} gin_trgm_ops)"
        )
