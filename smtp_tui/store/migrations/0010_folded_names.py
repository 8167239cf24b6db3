"""Unique account names in any case, by an index: smtp_account.name_folded (bench/results.md).

A save looked for a name differing only in case with LOWER(name) = LOWER(?), which no index
serves: a scan of every account on each save (15.6 ms at 100,000 accounts). The folded name is
now a column, `validation.fold_name(name)` (the one rule; the service sets it on every save),
under a UNIQUE index, so the check is one index probe and two processes that race past it are
still refused by the index.

Names that already fold alike (possible on SQLite, whose LOWER folds only ASCII letters, or by
hand) would make the index fail. They are not refused, which would leave the database
unopenable: the account with the lowest code keeps its name, each later one is renamed
'Name (2)', 'Name (3)', ... (the first free one), and each rename is written to the audit
trail, as a person's edit would be.
"""

import json
from datetime import UTC, datetime

from smtp_tui.validation import NAME_MAX, fold_name

TABLE = "smtp_account"
ACTOR = "smtp-tui migration 0010"


def up(migrator, db):
    db.execute_sql(f"ALTER TABLE {TABLE} ADD COLUMN name_folded VARCHAR(255) NOT NULL DEFAULT ''")
    # The database's LOWER first, in one statement; then the rows where the one rule differs
    # (non-ASCII letters on SQLite, some on PostgreSQL) are set one by one.
    db.execute_sql(f"UPDATE {TABLE} SET name_folded = LOWER(name)")
    rows = db.execute_sql(f"SELECT code, name, name_folded FROM {TABLE} ORDER BY code").fetchall()
    taken = {fold_name(name) for _, name, _ in rows}
    seen = set()
    p = db.param
    for code, name, stored in rows:
        folded = fold_name(name)
        if folded in seen:
            new = _free_name(name, taken)
            folded = fold_name(new)
            taken.add(folded)
            db.execute_sql(
                f"UPDATE {TABLE} SET name = {p}, name_folded = {p} WHERE code = {p}",
                (new, folded, code),
            )
            _audit(db, code, name, new)
        elif folded != stored:
            db.execute_sql(f"UPDATE {TABLE} SET name_folded = {p} WHERE code = {p}", (folded, code))
        seen.add(folded)
    migrator.migrate(migrator.add_index(TABLE, ("name_folded",), unique=True))


def _free_name(name, taken):
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = name[: NAME_MAX - len(suffix)] + suffix
        if fold_name(candidate) not in taken:
            return candidate
        number += 1


def _audit(db, code, old, new):
    p = db.param
    db.execute_sql(
        'INSERT INTO audit_event (at, "user", client, action, object_type, object_id, '
        "object_name, changes, summary) "
        f"VALUES ({p}, {p}, '', 'edit', 'account', {p}, {p}, {p}, {p})",
        (
            datetime.now(UTC).replace(tzinfo=None),
            ACTOR,
            str(code),
            new[:255],
            json.dumps({"name": [old, new]}, ensure_ascii=False, sort_keys=True),
            f"Renamed '{old}' to '{new}': another account has the same name in another case, "
            "and names are unique in any case.",
        ),
    )
