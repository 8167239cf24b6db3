"""The report's columns as the outputs write them: one list, so every format agrees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from smtp_tui import verdicts
from smtp_tui.store.models import SmtpAccount


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key
    header: str
    value: Callable[[SmtpAccount], Any]  # typed value, for JSON
    text: Callable[[SmtpAccount], str]  # as a person reads it, for CSV, XLSX and print
    free_text: bool = False  # typed by a person, so it may start like a spreadsheet formula


def _flag(field: str) -> tuple[Callable, Callable]:
    return (lambda a: bool(getattr(a, field))), (lambda a: _yes_no(getattr(a, field)))


def _plain(field: str) -> tuple[Callable, Callable]:
    return attrgetter(field), (lambda a: str(getattr(a, field)))


def _text(field: str) -> tuple[Callable, Callable]:
    return attrgetter(field), attrgetter(field)


COLUMNS = (
    Column("code", "Code", *_plain("code")),
    Column("name", "Name", *_text("name"), free_text=True),
    Column("email", "E-mail", *_text("email"), free_text=True),
    Column("reply_to", "Reply-to", *_text("reply_to"), free_text=True),
    Column("return_path", "Return-path", *_text("return_path"), free_text=True),
    Column(
        "confirmation_email", "Confirmation e-mail", *_text("confirmation_email"), free_text=True
    ),
    Column(
        "status",
        "Status",
        lambda a: "active" if a.active else "inactive",
        lambda a: "Active" if a.active else "Inactive",
    ),
    Column("default", "Default", *_flag("is_default")),
    Column(
        "secure",
        "Secure",
        lambda a: (a.secure_type or "yes").lower() if a.secure else "none",
        lambda a: (a.secure_type or "Yes") if a.secure else "No",
    ),
    Column("force_config", "Force", *_flag("force_config")),
    Column("read_confirmation", "Read confirmation", *_flag("read_confirmation")),
    Column("footer", "Footer", *_flag("footer")),
    Column(
        "last_test",
        "Last test",
        lambda a: verdicts.stamp(a.last_test_outcome, a.last_test_at, a.certificate_expires_at),
        lambda a: verdicts.stamp(a.last_test_outcome, a.last_test_at, a.certificate_expires_at),
    ),
)

# The account fields the columns read: outputs fetch these and nothing more (faster).
FIELDS = (
    "code",
    "name",
    "email",
    "reply_to",
    "return_path",
    "confirmation_email",
    "active",
    "is_default",
    "secure",
    "secure_type",
    "force_config",
    "read_confirmation",
    "footer",
    "last_test_outcome",
    "last_test_at",
    "certificate_expires_at",
)
