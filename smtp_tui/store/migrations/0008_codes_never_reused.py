"""An account's code is never given again, on SQLite: AUTOINCREMENT on smtp_account.code.

Codes name accounts in the audit trail and in scripts. SQLite gives a new row the highest code
plus one, so deleting the newest account handed its code to the next account; with AUTOINCREMENT
it keeps the highest code ever given (sqlite_sequence, which VACUUM keeps too). SQLite cannot add
AUTOINCREMENT to a table, so the table is rebuilt by its documented procedure
(https://sqlite.org/lang_altertable.html#otheralter): the runner turns foreign keys off and runs
this in one transaction; the rows keep their codes, so test runs, schedules and the trigram index
(migration 0007) still point at them; the indexes and triggers are made again from their own SQL.
The sequence starts past the highest code the audit trail names, so codes deleted before this
migration are not given again either. PostgreSQL's serial and MySQL's AUTO_INCREMENT never go back.
"""

import re

import peewee

TABLE = "smtp_account"
NEW = "smtp_account_new"
KEY = re.compile(r'"code"\s+INTEGER\s+NOT\s+NULL\s+PRIMARY\s+KEY', re.IGNORECASE)


def up(migrator, db):
    if not isinstance(db, peewee.SqliteDatabase):
        return
    (table,) = db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).fetchone()
    if "AUTOINCREMENT" in table.upper():
        return
    created, keys = KEY.subn(lambda key: f"{key.group(0)} AUTOINCREMENT", table)
    if keys != 1:
        raise peewee.DatabaseError(f"the table {TABLE} is not as smtp-tui made it: {table}")
    created = created.replace(f'"{TABLE}"', f'"{NEW}"', 1)  # the first is the table's own name
    dependents = db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL ORDER BY type, name",
        (TABLE,),
    ).fetchall()
    columns = ", ".join(f'"{column.name}"' for column in db.get_columns(TABLE))
    highest = max(
        db.execute_sql(f"SELECT COALESCE(MAX(code), 0) FROM {TABLE}").fetchone()[0],
        db.execute_sql(
            "SELECT COALESCE(MAX(CAST(object_id AS INTEGER)), 0) FROM audit_event "
            "WHERE object_type = 'account'"
        ).fetchone()[0],
    )
    for sql in (
        created,
        f'INSERT INTO "{NEW}" ({columns}) SELECT {columns} FROM "{TABLE}"',
        f'DROP TABLE "{TABLE}"',  # its indexes and triggers go with it
        f'ALTER TABLE "{NEW}" RENAME TO "{TABLE}"',
        *(sql for (sql,) in dependents),
        f"DELETE FROM sqlite_sequence WHERE name IN ('{TABLE}', '{NEW}')",
    ):
        db.execute_sql(sql)
    db.execute_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (TABLE, highest))
