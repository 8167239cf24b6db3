"""Accounts as plain records (dicts with stable keys, no secrets): for JSON output, export and
import. Credentials and connectors are named, not numbered, so a file moves between
appliances; their secrets never travel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from smtp_tui import accounts, connectors, credentials, validation
from smtp_tui.errors import NotFound, ValidationFailed
from smtp_tui.store.database import write_transaction
from smtp_tui.store.models import Credential, NetworkConnector, SmtpAccount
from smtp_tui.validation import AccountInput

SECURITY = {None: "none", "SSL": "ssl", "TLS": "tls"}
FLAGS = ("active", "read_confirmation", "force_config", "footer", "ignore_cert_errors")
TEXTS = ("name", "email", "reply_to", "return_path", "confirmation_email", "host")

# The JSON type of each imported field, as `to_record` writes it; null is an empty text. A value of
# another type is refused, never converted: "false" is true to Python and "0" may mean anything to
# whatever wrote the file, so a guess could turn certificate checks off. Numbers written as text
# ("587") are refused by the same rule: a file that quotes numbers quotes flags too, and one rule
# for every field is one a person can follow.
JSON_TYPES = {
    **dict.fromkeys(
        ("default", *FLAGS), ("true or false, without quotes", lambda v: type(v) is bool)
    ),
    **dict.fromkeys(
        (*TEXTS, "secure", "credential", "connector"),
        ("a string", lambda v: v is None or isinstance(v, str)),
    ),
    **dict.fromkeys(
        ("port", "timeout"), ("a whole number, without quotes", lambda v: type(v) is int)
    ),
}
JSON_TYPE_NAMES = {
    bool: "true or false",
    str: "a string",
    int: "a number",
    float: "a decimal number",
    list: "a list",
    dict: "an object",
    type(None): "null",
}


def to_record(account: SmtpAccount) -> dict[str, Any]:
    """The account as a record; `code` and the last test are informative, not imported."""
    return _record(
        account,
        account.credential.name if account.credential is not None else None,
        account.connector.name if account.connector is not None else None,
    )


# The accounts' fields a record is made of (`records` reads only these).
RECORD_FIELDS = (
    "code",
    "name",
    "active",
    "email",
    "reply_to",
    "return_path",
    "confirmation_email",
    "is_default",
    "read_confirmation",
    "force_config",
    "footer",
    "host",
    "port",
    "secure",
    "secure_type",
    "ignore_cert_errors",
    "credential",
    "connector",
    "timeout",
    "last_test_at",
    "last_test_outcome",
)


def records(filters: accounts.Filters = accounts.Filters()) -> Iterator[dict[str, Any]]:
    """`to_record` of every account of the filtered report, in its order, streamed: made one at
    a time from light rows (`accounts.iterate_rows`), with the credentials' and connectors'
    names read once (a few rows) instead of one query per account."""
    credential_names: dict[int, str] = {c.id: c.name for c in Credential.select()}
    connector_names: dict[int, str] = {c.id: c.name for c in NetworkConnector.select()}
    for row in accounts.iterate_rows(filters, accounts.Sort(), RECORD_FIELDS):
        # The row's `credential` and `connector` are the ids.
        yield _record(row, credential_names.get(row.credential), connector_names.get(row.connector))


def _record(account, credential: str | None, connector: str | None) -> dict[str, Any]:
    """The record of a model or a row of RECORD_FIELDS, with its credential's and connector's
    names."""
    return {
        "code": account.code,
        "name": account.name,
        "active": account.active,
        "email": account.email,
        "reply_to": account.reply_to,
        "return_path": account.return_path,
        "confirmation_email": account.confirmation_email,
        "default": account.is_default,
        "read_confirmation": account.read_confirmation,
        "force_config": account.force_config,
        "footer": account.footer,
        "host": account.host,
        "port": account.port,
        "secure": SECURITY[account.secure_type if account.secure else None],
        "ignore_cert_errors": account.ignore_cert_errors,
        "credential": credential,
        "connector": connector,
        "timeout": account.timeout,
        "last_test_at": account.last_test_at.isoformat(timespec="seconds") + "Z"
        if account.last_test_at
        else None,
        "last_test_outcome": account.last_test_outcome,
    }


def from_record(record: dict[str, Any]) -> AccountInput:
    """The input a record describes. A field of another JSON type than `to_record` writes, and an
    unknown credential or connector name, are field errors."""
    if not isinstance(record, dict):
        raise ValidationFailed({"record": "Each account must be a JSON object."})
    errors = {
        key: f"{key} must be {expected}, not {JSON_TYPE_NAMES[type(record[key])]}."
        for key, (expected, accepts) in JSON_TYPES.items()
        if key in record and not accepts(record[key])
    }
    if errors:
        raise ValidationFailed(errors)
    security = (record.get("secure") or "none").lower()
    if security not in ("none", "ssl", "tls"):
        errors["secure_type"] = "secure must be none, ssl or tls."
    credential_id = connector_id = None
    if record.get("credential"):
        try:
            credential_id = credentials.find(record["credential"]).id
        except NotFound as exc:
            errors["credential"] = (
                f"{exc} Add it first: smtp-tui credentials add NAME --username USER."
            )
    if record.get("connector"):
        try:
            connector_id = connectors.find(record["connector"]).id
        except NotFound as exc:
            errors["connector"] = f"{exc} Add it first: smtp-tui connectors add NAME --url URL."
    if errors:
        raise ValidationFailed(errors)
    # JSON values, of the types JSON_TYPES accepted above
    texts: dict[str, Any] = {key: record.get(key) or "" for key in TEXTS}
    flags: dict[str, Any] = {key: record.get(key, key == "active") for key in FLAGS}
    return AccountInput(
        **texts,
        **flags,
        is_default=record.get("default", False),
        port=record.get("port", 25),
        secure=security != "none",
        secure_type=security.upper() if security != "none" else None,
        authentication=credential_id is not None,
        credential_id=credential_id,
        use_connector=connector_id is not None,
        connector_id=connector_id,
        timeout=record.get("timeout", 30),
    )


def import_records(records: list[dict[str, Any]], *, actor: str | None = None) -> list[SmtpAccount]:
    """Add every record as a new account, or none: all are checked first, then written in one
    transaction. A refusal lists each bad record by its position (1-based) and name."""
    if not isinstance(records, list):
        raise ValidationFailed({"file": "The file must hold a JSON list of accounts."})
    problems: dict[str, str] = {}
    names: dict[str, int] = {}
    inputs = []
    for position, record in enumerate(records, start=1):
        name = record.get("name") if isinstance(record, dict) else None
        label = f"record {position}" + (
            f" ({name})" if isinstance(name, str) and name.strip() else ""
        )
        try:
            data = from_record(record)
            cleaned, errors = validation.validate_account(data)
            if errors:
                raise ValidationFailed(errors)
        except ValidationFailed as failure:
            for field, message in failure.errors.items():
                problems[f"{label}: {field}"] = message
            continue
        key = validation.fold_name(cleaned.name)
        if key in names:
            problems[f"{label}: name"] = (
                f"The name '{cleaned.name}' is also used by record {names[key]}."
            )
        names[key] = position
        inputs.append((label, data))
    if sum(d.is_default for _, d in inputs) > 1:
        problems["file: default"] = "More than one record is marked as the default account."
    if problems:
        raise ValidationFailed(problems)
    saved = []
    with write_transaction():
        for label, data in inputs:
            try:
                saved.append(accounts.save(data, actor=actor))
            except ValidationFailed as failure:
                raise ValidationFailed(
                    {f"{label}: {field}": msg for field, msg in failure.errors.items()}
                ) from None
    return saved
