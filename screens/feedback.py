"""Run a change through the services and tell the user, in words, when it was refused."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Final, Literal, TypeVar

from textual.app import App
from textual.widget import Widget

from smtp_tui.errors import DATABASE_ERRORS, ServiceError
from smtp_tui.screens.literal import notify

T = TypeVar("T")


class _Failed(Enum):
    # An enum's member, so that `result is FAILED` tells the type checker what `result` is
    FAILED = "failed"


FAILED: Final = _Failed.FAILED


def attempt(node: Widget | App, title: str, change: Callable[[], T]) -> T | Literal[_Failed.FAILED]:
    """`change()`'s result, or FAILED after a notification saying why.

    `title` heads the notification: e.g. 'Not deleted'.
    """
    try:
        return change()
    except ServiceError as refusal:
        notify(node, refusal, title=title, severity="error", timeout=10)
    except DATABASE_ERRORS as exc:
        notify(
            node, f"Cannot write to the database: {exc}", title=title, severity="error", timeout=10
        )
    return FAILED
