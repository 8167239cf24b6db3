"""The report's columns as the outputs write them: one list, so every format agrees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from smtp_tui.models import SmtpAccount
from smtp_tui.accounts import last_test_label


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key
    header: str
    value: Callable[[SmtpAccount], Any]  # typed value, for JSON
    text: Callable[[SmtpAccount], str]  # as a person reads it, for CSV, XLSX and print


def _flag(field: str) -> tuple[Callable, Callable]:
    return (lambda a: bool(getattr(a, field))), (lambda a: _yes_no(getattr(a, field)))


def _plain(field: str) -> tuple[Callable, Callable]:
    return (lambda a: getattr(a, field)), (lambda a: str(getattr(a, field)))


COLUMNS = (
    Column("code", "Code", *_plain("code")),
    Column("name", "Name", *_plain("name")),
    Column("email", "E-mail", *_plain("email")),
    Column("reply_to", "Reply-to", *_plain("reply_to")),
    Column("return_path", "Return-path", *_plain("return_path")),
    Column("confirmation_email", "Confirmation e-mail", *_plain("confirmation_email")),
    Column("status", "Status", lambda a: "active" if a.active else "inactive",
           lambda a: "Active" if a.active else "Inactive"),
    Column("default", "Default", *_flag("is_default")),
    Column("secure", "Secure", lambda a: (a.secure_type or "yes").lower() if a.secure else "none",
           lambda a: (a.secure_type or "Yes") if a.secure else "No"),
    Column("force_config", "Force", *_flag("force_config")),
    Column("read_confirmation", "Read confirmation", *_flag("read_confirmation")),
    Column("footer", "Footer", *_flag("footer")),
    Column("last_test", "Last test", lambda a: a.last_test_outcome,
           lambda a: last_test_label(a.last_test_outcome, a.last_test_at)),
)
