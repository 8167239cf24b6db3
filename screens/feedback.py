"""Run a change through the services and tell the user, in words, when it was refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode

from smtp_tui.errors import ServiceError
from smtp_tui.screens.literal import notify
from smtp_tui.store.database import DATABASE_ERRORS

T = TypeVar("T")
FAILED = object()


def attempt(node: DOMNode, title: str, change: Callable[[], T]) -> T | object:
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
