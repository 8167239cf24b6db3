"""Indexes for the report at scale (see bench/results.md).

- Every sortable column has an index ending in the code, the report's tie-breaker, so a
  page in any sort order is an index walk with LIMIT, never a sort of every account.
- One narrow index holds every column the search panel filters on, so counting the matches
  of substring filters reads it instead of the whole table.
"""

SORT_COLUMNS = (
    "reply_to",
    "return_path",
    "confirmation_email",
    "is_default",
    "secure",
    "force_config",
    "read_confirmation",
    "footer",
)
FILTER_COLUMNS = ("active", "name", "email", "reply_to", "return_path", "confirmation_email")


def up(migrator, db):
    migrator.migrate(
        *(migrator.add_index("smtp_account", (column, "code")) for column in SORT_COLUMNS),
        migrator.add_index("smtp_account", FILTER_COLUMNS),
    )
