"""The account service: the only way the screens and the CLI read or change SMTP accounts.

Browsing reads one page with an indexed LIMIT query whatever the number of accounts; the
COUNT of the matches, which substring filters make a scan, can come after the page (see
`search`). Saving validates every field at once, keeps exactly one default account, and
refuses a save based on a stale version instead of overwriting someone else's change.
"""

from __future__ import annotations

import uuid
from collections import namedtuple
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Literal, TypeVar

import peewee
from peewee import OP, SQL, Expression, NodeList, Tuple, Value

from smtp_tui import audit, validation
from smtp_tui.errors import NotFound, Refused, StaleEdit, ValidationFailed
from smtp_tui.paging import page_count
from smtp_tui.store.config import current_user
from smtp_tui.store.database import (
    is_contention,
    not_by_index,
    on_sqlite,
    within_steps,
    write_transaction,
)
from smtp_tui.store.models import Credential, NetworkConnector, SmtpAccount, database_proxy, utc_now
from smtp_tui.validation import AccountInput

PAGE_SIZE = 30
# How far a filtered page may walk the sort column's index before a scan takes over: a budget
# too small to notice (its rows and time are measured in bench/results.md).
WALK_STEPS = 10_000
CANDIDATE_STEPS = 10_000  # the same for reading the trigram index's candidates (migration 0007)
TEXT_INDEX = "account_text"  # migration 0007
Status = Literal["any", "active", "inactive"]
T = TypeVar("T")

# The text filters of the search panel, in its order: field name -> label.
TEXT_FILTERS = {
    "name": "Name",
    "email": "E-mail",
    "reply_to": "Reply-to",
    "return_path": "Return-path",
    "confirmation_email": "Confirmation e-mail",
}

# Report columns that can be sorted on, by field name, in report order.
SORTABLE = (
    "code",
    "name",
    "email",
    "reply_to",
    "return_path",
    "confirmation_email",
    "active",
    "is_default",
    "secure",
    "force_config",
    "read_confirmation",
    "footer",
)


@dataclass(frozen=True)
class Filters:
    """The search panel: filters combine with AND; text matches a substring, any case."""

    code: int | None = None
    name: str = ""
    email: str = ""
    reply_to: str = ""
    return_path: str = ""
    confirmation_email: str = ""
    status: Status = "any"

    def is_empty(self) -> bool:
        return self == Filters()

    def describe(self) -> str:
        """The active filters in a few words, e.g. `Name ~ acme, Active`."""
        parts = [f"Code = {self.code}"] if self.code is not None else []
        parts += [
            f"{label} ~ {getattr(self, f)}" for f, label in TEXT_FILTERS.items() if getattr(self, f)
        ]
        if self.status != "any":
            parts.append(self.status.capitalize())
        return ", ".join(parts)


@dataclass(frozen=True)
class Sort:
    column: str = "code"
    descending: bool = False


@dataclass(frozen=True)
class Page:
    rows: list[SmtpAccount]
    number: int  # 1-based; the page actually shown, after clamping
    pages: int | None  # at least 1, even when there are no rows; None: not counted yet
    total: int | None  # None: not counted yet (see `search`)

    def describe(self) -> str:
        if self.total is None:
            return f"Page {self.number} · counting…"
        noun = "account" if self.total == 1 else "accounts"
        return f"Page {self.number} of {self.pages} · {self.total} {noun}"

    def counted(self, total: int, page_size: int = PAGE_SIZE) -> Page:
        """This first page, now that the matching accounts are counted."""
        return replace(self, total=total, pages=page_count(total, page_size))


def _contains(field, needle: str) -> Expression:
    """field contains needle, case-insensitively, with LIKE wildcards in needle taken literally."""
    escaped = needle.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return Expression(field, OP.ILIKE, NodeList((Value(f"%{escaped}%"), SQL("ESCAPE '!'"))))


def _text_candidates(filters: Filters) -> Expression | None:
    """On SQLite, the accounts that may match the longest text filter, from the trigram index
    of migration 0007: a few pages read where a scan reads every account. None when there is
    no such index, or no filter it can serve (fewer than 3 characters, or LIKE's wildcards,
    which it cannot take literally). The filters themselves still decide: this only narrows."""
    usable = [
        (field, needle)
        for field in TEXT_FILTERS
        if len(needle := getattr(filters, field).strip()) >= 3 and not {"%", "_"} & set(needle)
    ]
    if not usable or not on_sqlite() or not database_proxy.table_exists(TEXT_INDEX):
        return None
    field, needle = max(usable, key=lambda usable_filter: len(usable_filter[1]))
    return SmtpAccount.code.in_(
        SQL(f'(SELECT rowid FROM {TEXT_INDEX} WHERE "{field}" LIKE ?)', [f"%{needle}%"])
    )


def _narrowed(filters: Filters, read: Callable[[peewee.ModelSelect[SmtpAccount]], T]) -> T:
    """`read` of the filtered accounts: first of the trigram index's candidates alone, within
    its budget (instant when few accounts match), else of them all (a scan)."""
    candidates = _text_candidates(filters)
    if candidates is not None:
        found = within_steps(lambda: read(_filtered(filters).where(candidates)), CANDIDATE_STEPS)
        if found is not None:
            return found
    return read(_filtered(filters))


def _filtered(filters: Filters, *, status_index: bool = True) -> peewee.ModelSelect[SmtpAccount]:
    query = SmtpAccount.select()
    if filters.code is not None:
        query = query.where(SmtpAccount.code == filters.code)
    for field in TEXT_FILTERS:
        needle = getattr(filters, field).strip()
        if needle:
            query = query.where(_contains(getattr(SmtpAccount, field), needle))
    if filters.status != "any":
        active = SmtpAccount.active if status_index else not_by_index(SmtpAccount.active)
        query = query.where(active == (filters.status == "active"))
    return query


def _ordered(
    query: peewee.ModelSelect[SmtpAccount], sort: Sort, *, walk_index: bool = True
) -> peewee.ModelSelect[SmtpAccount]:
    if sort.column not in SORTABLE:
        raise ValueError(f"cannot sort by {sort.column!r}")
    column = getattr(SmtpAccount, sort.column)
    if not walk_index:
        column = not_by_index(column)
    keys = [column.desc() if sort.descending else column.asc()]
    # Ties in a stable order, so paging never repeats or skips a row.
    if sort.column != "code":
        keys.append(SmtpAccount.code.desc() if sort.descending else SmtpAccount.code.asc())
    return query.order_by(*keys)


def search(
    filters: Filters = Filters(),
    sort: Sort = Sort(),
    page: int = 1,
    page_size: int = PAGE_SIZE,
    *,
    total: int | None = None,
    count: bool = True,
) -> Page:
    """One page of the filtered, sorted report; a page past the end shows the last one.

    The COUNT is the slow part with substring filters on many accounts (every row is read),
    while a page is one indexed LIMIT query. So: `total`, when the caller knows it (the same
    filters a moment ago), is trusted and nothing is counted; a first page that is not full
    tells the total by itself; and with count=False the first page comes back at once with
    total None, for the caller to count afterwards (`count`).
    """
    if total is None and page <= 1:
        rows = _rows(filters, sort, page_size, 0)
        first = Page(rows=rows, number=1, pages=None, total=None)
        if len(rows) < page_size:
            return first.counted(len(rows), page_size)
        return first.counted(_count(filters), page_size) if count else first
    if total is None:
        total = _count(filters)
    pages = page_count(total, page_size)
    number = min(max(1, page), pages)
    offset = (number - 1) * page_size
    if offset <= total // 2:
        rows = _rows(filters, sort, page_size, offset)
    else:
        # Nearer the end: read backwards, so OFFSET never skips more than half the rows.
        size = min(page_size, total - offset)
        backwards = Sort(sort.column, not sort.descending)
        rows = _rows(filters, backwards, size, total - offset - size)[::-1]
    return Page(rows=rows, number=number, pages=pages, total=total)


def _rows(filters: Filters, sort: Sort, limit: int, offset: int) -> list[SmtpAccount]:
    """`limit` rows of the filtered report in `sort` order from `offset`.

    Unfiltered, that is a walk of the sort column's index. Filtered, the database cannot tell
    how many rows match a substring: walking the index until enough match is instant when most
    rows do, and reads every account, one random look-up each, when few do (slow at 100,000
    accounts). So the walk is tried within a budget (on SQLite, which can be asked to stop).
    Past it, few accounts match: on SQLite the trigram index names them (migration 0007), in
    a few pages, within the same budget. Past that too (a common substring in a sort that
    puts its matches far apart), the page's codes come from a scan of the narrow indexes
    that hold the filtered columns, sorted, and then those rows (bench/results.md).
    """
    if filters.is_empty():
        return list(_ordered(SmtpAccount.select(), sort).limit(limit).offset(offset))
    # The walk, kept off the status index, whose plan (every active account, sorted) is no walk.
    walk = _ordered(_filtered(filters, status_index=False), sort).limit(limit).offset(offset)
    walked = within_steps(lambda: list(walk), WALK_STEPS)
    if walked is not None:
        return walked
    return _narrowed(filters, lambda query: _page_by_codes(query, sort, limit, offset))


def _page_by_codes(
    query: peewee.ModelSelect[SmtpAccount], sort: Sort, limit: int, offset: int
) -> list[SmtpAccount]:
    """The page's codes from `query` sorted off the sort index (a scan), then those rows."""
    page = (
        _ordered(query.select(SmtpAccount.code), sort, walk_index=False).limit(limit).offset(offset)
    )
    # A list, not a subquery: MySQL refuses LIMIT in IN.
    codes = list(page.scalars())
    return (
        list(_ordered(SmtpAccount.select().where(SmtpAccount.code.in_(codes)), sort))
        if codes
        else []
    )


def iterate(filters: Filters = Filters(), sort: Sort = Sort()):
    """Every account of the filtered, sorted report, streamed, as models."""
    return _ordered(_filtered(filters), sort).iterator()


def iterate_rows(
    filters: Filters = Filters(), sort: Sort = Sort(), fields: tuple[str, ...] | None = None
):
    """The same as light read-only rows (named tuples with the accounts' field names, only
    `fields` when given), for exports and print: several times faster than models.

    The rows come from the driver's cursor, and only the values whose Python type differs
    from what the driver gives are converted (booleans, dates), by their fields; peewee's
    own row conversion, one Python call per value, took two thirds of a CSV export.
    """
    columns = (
        [getattr(SmtpAccount, f) for f in fields] if fields else SmtpAccount._meta.sorted_fields
    )
    query = _ordered(_filtered(filters).select(*columns), sort)
    # The row's fields are chosen at run time, which a type checker cannot follow.
    row_type = namedtuple("AccountRow", [c.name for c in columns])  # type: ignore[misc]
    convert = [
        (i, bool if isinstance(c, peewee.BooleanField) else c.python_value)
        for i, c in enumerate(columns)
        if isinstance(c, (peewee.BooleanField, peewee.DateTimeField))
    ]
    for raw in _streamed(query):
        values = list(raw)
        for i, python_value in convert:
            if values[i] is not None:
                values[i] = python_value(values[i])
        yield row_type._make(values)


def _streamed(query):
    """The query's rows as the driver reads them: SQLite steps through them as they are asked
    for; on PostgreSQL a server-side (named) cursor fetches them a batch at a time, where a
    plain cursor would hold every row in memory before the first. WITH HOLD, as the drivers
    require outside a transaction (peewee's connections are in autocommit mode)."""
    database = database_proxy.obj
    if not isinstance(database, peewee.PostgresqlDatabase):
        yield from database.execute(query)
        return
    sql, params = query.sql()
    cursor = database.connection().cursor(name=f"smtp_tui_{uuid.uuid4().hex}", withhold=True)
    try:
        cursor.itersize = 2000
        cursor.execute(sql, params)
        yield from cursor
    finally:
        cursor.close()


def page_of(
    code: int, filters: Filters = Filters(), sort: Sort = Sort(), page_size: int = PAGE_SIZE
) -> int | None:
    """The page on which account `code` appears in the filtered, sorted report, or None."""
    account = SmtpAccount.get_or_none(SmtpAccount.code == code)
    query = _filtered(filters)
    if account is None or not query.where(SmtpAccount.code == code).exists():
        return None
    column = getattr(SmtpAccount, sort.column)
    mine = Tuple(column, SmtpAccount.code)
    theirs = Tuple(getattr(account, sort.column), code)
    before = query.where(mine > theirs if sort.descending else mine < theirs).count()
    return before // page_size + 1


def clone_name(name: str) -> str:
    """A free name for a copy of `name`: 'X (copy)', then 'X (copy 2)', ..."""
    base = f"{name} (copy)"
    candidate, number = base, 1
    while (
        SmtpAccount.select()
        .where(SmtpAccount.name_folded == validation.fold_name(candidate))
        .exists()
    ):
        number += 1
        candidate = f"{name} (copy {number})"
    return candidate


def clone_input(account: SmtpAccount) -> AccountInput:
    """A new account's starting values: a copy of `account` under a free name, not the default."""
    return replace(
        AccountInput.from_account(account), name=clone_name(account.name), is_default=False
    )


def count(filters: Filters = Filters()) -> int:
    """How many accounts the filters match (with substring filters, a read of every row,
    unless few match: then the trigram index's candidates are counted, as in `_rows`)."""
    return _count(filters)


# Not `count`: search() has a parameter of that name.
def _count(filters: Filters) -> int:
    return _narrowed(filters, lambda query: query.count())


def get(code: int) -> SmtpAccount:
    account = SmtpAccount.get_or_none(SmtpAccount.code == code)
    if account is None:
        raise NotFound(f"There is no account with code {code}; it may have been deleted.")
    return account


def find(name_or_code: str) -> SmtpAccount:
    """The account a person named, by its code or its exact name (any case)."""
    text = str(name_or_code).strip()
    try:
        code = validation.account_code(text)
    except validation.FieldError:
        # Not a code (or past any code): a name.
        code = None
    if code is not None:
        account = SmtpAccount.get_or_none(SmtpAccount.code == code)
        if account is not None:
            return account
    account = None
    if validation.is_text(text):
        account = SmtpAccount.get_or_none(SmtpAccount.name_folded == validation.fold_name(text))
    if account is None:
        raise NotFound(f"There is no account named or numbered '{text}'.")
    return account


def _database_errors(
    data: AccountInput, code: int | None, already: dict[str, str]
) -> dict[str, str]:
    """The rules that need the database: a unique name, references that still exist (for the
    fields that passed their own rules)."""
    errors = {}
    # One probe of the unique index on the folded name, at any number of accounts.
    same_name = SmtpAccount.select(SmtpAccount.code).where(
        SmtpAccount.name_folded == validation.fold_name(data.name)
    )
    if code is not None:
        same_name = same_name.where(SmtpAccount.code != code)
    clash = same_name.first() if "name" not in already else None
    if clash is not None:
        errors["name"] = (
            f"An account named '{data.name}' already exists (code {clash.code}). "
            "Choose another name."
        )
    kind = None
    if data.credential_id is not None:
        kind = (
            Credential.select(Credential.kind).where(Credential.id == data.credential_id).scalar()
        )
    if data.credential_id is not None and kind is None:
        errors["credential"] = "That credential no longer exists. Choose another one."
    elif kind == "ssh-key":
        errors["credential"] = "An SSH key logs in to an SSH bastion, not to a mail server."
    if (
        data.connector_id is not None
        and not NetworkConnector.select().where(NetworkConnector.id == data.connector_id).exists()
    ):
        errors["connector"] = "That network connector no longer exists. Choose another one."
    return errors


def _columns(data: AccountInput) -> dict[str, object]:
    values = asdict(data)
    values["connector"] = values.pop("connector_id")
    values["credential"] = values.pop("credential_id")
    values["name_folded"] = validation.fold_name(data.name)
    return values


def save(
    data: AccountInput,
    *,
    code: int | None = None,
    expected_version: int | None = None,
    actor: str | None = None,
) -> SmtpAccount:
    """Create (code None) or update an account, all in one transaction.

    Raises ValidationFailed with every field error at once, StaleEdit when
    `expected_version` is given and someone saved the account since, NotFound when it
    was deleted meanwhile. Making an account the default unsets the previous default.
    """
    actor = actor or current_user()
    cleaned, errors = validation.validate_account(data)
    try:
        return _save(cleaned, errors, code, expected_version, actor)
    except peewee.OperationalError as exc:
        if is_contention(exc):
            raise Refused(
                "Another change was being saved at the same moment, so nothing was saved. "
                "Save again."
            ) from None
        raise


def _audit_view(data: AccountInput) -> dict[str, object]:
    """The account's fields for the audit trail: credentials and connectors by name."""
    view = asdict(data)
    for field, model in (("credential_id", Credential), ("connector_id", NetworkConnector)):
        value = view.pop(field)
        # The name alone: all it needs, on any schema the migrations pass through.
        related = (
            model.select(model.name).where(model.id == value).first() if value is not None else None
        )
        view[field.removesuffix("_id")] = related.name if related else None
    view["port"], view["timeout"] = int(view["port"]), int(view["timeout"])
    return view


def _save(
    cleaned: AccountInput,
    errors: dict[str, str],
    code: int | None,
    expected_version: int | None,
    actor: str,
) -> SmtpAccount:
    with write_transaction():
        current = get(code) if code is not None else None
        if (
            current is not None
            and expected_version is not None
            and current.version != expected_version
        ):
            raise StaleEdit(current.name, current.updated_by, current.updated_at, current.version)
        errors.update(
            {k: v for k, v in _database_errors(cleaned, code, errors).items() if k not in errors}
        )
        has_default = SmtpAccount.select().where(SmtpAccount.is_default).exists()
        if current is not None and current.is_default and not cleaned.is_default:
            errors["is_default"] = (
                "This is the default account. To change that, make another "
                "account the default instead."
            )
        if errors:
            raise ValidationFailed(errors)
        # The first account becomes the default: there is always one.
        if not has_default:
            cleaned = replace(cleaned, is_default=True)
        values = _columns(cleaned) | {"updated_at": utc_now(), "updated_by": actor}
        previous_default = None
        if cleaned.is_default:
            previous_default = SmtpAccount.get_or_none(
                SmtpAccount.is_default & (SmtpAccount.code != (code or 0))
            )
            (
                SmtpAccount.update(is_default=False)
                .where(SmtpAccount.is_default & (SmtpAccount.code != (code or 0)))
                .execute()
            )
        before = _audit_view(AccountInput.from_account(current)) if current is not None else {}
        try:
            if current is None:
                created = SmtpAccount.create(**values, created_at=values["updated_at"])
                audit.record(
                    "create",
                    "account",
                    created.code,
                    created.name,
                    actor=actor,
                    changes=audit.diff({}, _audit_view(cleaned)),
                )
                _audit_default(previous_default, created, actor)
                return created
            updated = (
                SmtpAccount.update(**values, version=SmtpAccount.version + 1)
                .where((SmtpAccount.code == code) & (SmtpAccount.version == current.version))
                .execute()
            )
        except peewee.IntegrityError as exc:
            # A concurrent save got in between check and write. Over the default, that is
            # contention, like a lock: not a field the user got wrong.
            if "default" in str(exc):
                raise Refused(
                    "Another account was made the default at the same moment, so nothing was "
                    "saved. Save again."
                ) from None
            raise ValidationFailed(
                {"name": f"An account named '{cleaned.name}' already exists. Choose another name."}
            ) from None
        if updated != 1:
            fresh = get(current.code)
            raise StaleEdit(fresh.name, fresh.updated_by, fresh.updated_at, fresh.version)
        saved = get(current.code)
        changes = audit.diff(before, _audit_view(cleaned))
        if changes:
            audit.record("edit", "account", code, saved.name, changes=changes, actor=actor)
        _audit_default(previous_default, saved, actor)
        return saved


def _audit_default(previous: SmtpAccount | None, new: SmtpAccount, actor: str) -> None:
    if previous is not None:
        audit.record(
            "default",
            "account",
            new.code,
            new.name,
            actor=actor,
            changes={"default account": [previous.name, new.name]},
            summary=f"The default account is now '{new.name}' (was '{previous.name}').",
        )


def delete(
    code: int, *, expected_version: int | None = None, actor: str | None = None
) -> SmtpAccount:
    """Delete an account; the default one only when it is the last account left."""
    with write_transaction():
        account = get(code)
        if expected_version is not None and account.version != expected_version:
            raise StaleEdit(account.name, account.updated_by, account.updated_at, account.version)
        if account.is_default and SmtpAccount.select().where(SmtpAccount.code != code).exists():
            raise Refused(
                f"'{account.name}' is the default account. Make another account "
                "the default before deleting it."
            )
        audit.record(
            "delete",
            "account",
            code,
            account.name,
            actor=actor,
            changes=audit.diff(_audit_view(AccountInput.from_account(account)), {}),
        )
        account.delete_instance()
        return account
