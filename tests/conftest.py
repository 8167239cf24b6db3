from __future__ import annotations

from pathlib import Path

import pytest

from smtp_tui import accounts
from smtp_tui.config import Config
from smtp_tui.context import AppContext
from smtp_tui.validation import AccountInput

pytest_plugins = ["tests.mailservers"]


def account_input(number: int = 1, **overrides) -> AccountInput:
    """A valid account, different for each number, with `overrides` applied."""
    values = dict(
        name=f"Account {number:03d}",
        email=f"sender{number}@example.com",
        host="smtp.example.com",
        port=587,
        secure=True,
        secure_type="TLS",
    )
    values.update(overrides)
    return AccountInput(**values)


def fill(count: int) -> None:
    """`count` accounts: every 5th inactive, every 3rd with a reply-to, names in reverse of codes."""
    for n in range(1, count + 1):
        accounts.save(account_input(
            n,
            name=f"{'Relay' if n % 2 else 'Alerts'} {76 - n:03d}",
            active=n % 5 != 0,
            reply_to=f"replies{n}@example.org" if n % 3 == 0 else "",
            return_path=f"bounce{n}@example.net" if n % 4 == 0 else "",
            confirmation_email=f"receipts{n}@example.com" if n % 7 == 0 else "",
        ), actor="tester@host")


@pytest.fixture
def context(tmp_path: Path):
    """A real SQLite file and key file in a fresh directory, opened and migrated."""
    ctx = AppContext.open(Config(database=str(tmp_path / "smtp.db"), key_file=tmp_path / "keys" / "secret.key"))
    yield ctx
    ctx.database.close()


@pytest.fixture
def db(context):
    return context.database


@pytest.fixture
def vault(context):
    return context.vault


@pytest.fixture
def seventy_five(db):
    fill(75)
