"""Deep pages of the report by seeking from the neighbouring page (keyset pagination).

A page read at OFFSET n reads and drops n rows. With a substring filter that matches most
accounts, the index walk that does so ran out of its budget a few dozen pages in, and each
deeper page came from a scan and sort of every match (110-130 ms at page 50+ of 100,000;
bench/results.md). But the report moves a page at a time: the service remembers the first
and last keys (sort value, code) of the pages it served, and the next page is then the rows
after the last key, the previous one the rows before the first key, each a short walk of
the sort column's index from where it starts. The order is the report's one
(`accounts._ordered`: the column, ties by code, both in the sort's direction), so a page
read so is the page OFFSET reads (tests/test_keyset.py).

A remembered page serves only the same filters, sort, page size and total, and every
change the service makes forgets them all. A change made elsewhere that leaves the total as
it was (one account added and another removed by another process) can leave the page
number a little off; the rows still follow the page on the screen, none repeated or lost.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

from peewee import Expression

from smtp_tui.store.models import database_proxy

Key = tuple[Any, int]  # (sort value, code)
REMEMBERED = 256  # pages, across every filter and sort: two boundary keys each


class Boundaries:
    """The boundary keys of the pages served lately, by (view, page number)."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple[Hashable, int], tuple[Key, Key]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, view: Hashable, number: int, first: Key, last: Key) -> None:
        with self._lock:
            self._pages[view, number] = (first, last)
            self._pages.move_to_end((view, number))
            while len(self._pages) > REMEMBERED:
                self._pages.popitem(last=False)

    def neighbour(self, view: Hashable, number: int) -> tuple[Key, bool] | None:
        """Where page `number` starts from: the last key of the page before it (True: the rows
        after it), else the first key of the page after it (False: the rows before it)."""
        with self._lock:
            before = self._pages.get((view, number - 1))
            if before is not None:
                return before[1], True
            after = self._pages.get((view, number + 1))
            return (after[0], False) if after is not None else None


# One memory per database: a database opened later never reads another one's keys.
_memories: weakref.WeakKeyDictionary[Any, Boundaries] = weakref.WeakKeyDictionary()
_memories_lock = threading.Lock()


def pages() -> Boundaries:
    """The pages remembered for the models' database."""
    database = database_proxy.obj
    with _memories_lock:
        memory = _memories.get(database)
        if memory is None:
            memory = _memories[database] = Boundaries()
        return memory


def forget() -> None:
    """Forget every remembered page: the accounts changed."""
    with _memories_lock:
        _memories.clear()


def key_of(row: Any, column: str) -> Key:
    return getattr(row, column), row.code


def after(column: Any, code: Any, key: Key, descending: bool) -> Sequence[Expression]:
    """The rows after `key` in the order (column, code), both ascending or both descending: two
    conditions, each a range of the (column, code) index, to read in turn: the rest of the
    key's ties, then the values past it. Not the row value (column, code) > (value, code):
    SQLite ranges an index on its first column only, and walks every tie to reach the key
    (14 ms through the 85,000 active accounts of bench/data.py)."""
    value, last = key
    if descending:
        return ((column == value) & (code < last), column < value)
    return ((column == value) & (code > last), column > value)
