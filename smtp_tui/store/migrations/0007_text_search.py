"""A trigram index of the texts the search panel filters on, on SQLite (bench/results.md).

A substring that few accounts contain was looked for in every row: 20 ms at 100,000 accounts
with the database in memory, up to seconds when its pages had to be read back from disk.
SQLite's FTS5 trigram index finds the few candidates in a few pages. It holds no copy of the
text (external content) and follows the table through triggers. Where this SQLite has no
FTS5, nothing is created and searches scan as before. PostgreSQL plans from statistics and
needs none of it.
"""

import peewee

TABLE = "account_text"
COLUMNS = ("name", "email", "reply_to", "return_path", "confirmation_email")


def up(migrator, db):
    if not isinstance(db, peewee.SqliteDatabase):
        return
    if not any("FTS5" in option for (option,) in db.execute_sql("PRAGMA compile_options")):
        return
    columns = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    remove = f"INSERT INTO {TABLE}({TABLE}, rowid, {columns}) VALUES ('delete', old.code, {old});"
    add = f"INSERT INTO {TABLE}(rowid, {columns}) VALUES (new.code, {new});"
    for sql in (
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5({columns}, "
        "content='smtp_account', content_rowid='code', tokenize='trigram')",
        f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON smtp_account BEGIN {add} END",
        f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON smtp_account BEGIN {remove} END",
        f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF code, {columns} ON smtp_account "
        f"BEGIN {remove} {add} END",
        f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
    ):
        db.execute_sql(sql)
