"""Median ms of one `accounts.save()` (an add) at 1,000 and 100,000 accounts: the name check
that must stay one index probe (issue 17, bench/results.md).

    python -m bench.saves [SIZES...]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.data import build
from smtp_tui import accounts
from smtp_tui.store.config import Config
from smtp_tui.store.context import AppContext
from smtp_tui.validation import AccountInput

SAVES = 50


def median_save_ms(size: int, work: Path) -> float:
    path = build(work / f"saves-{size}.db", size, work / "key")
    context = AppContext.open(Config(database=str(path), key_file=work / "key"))
    timings = []
    for n in range(SAVES):
        data = AccountInput(name=f"Bench save {n:04d}", email="b@example.com", host="h.example.com")
        start = time.perf_counter()
        accounts.save(data, actor="bench")
        timings.append((time.perf_counter() - start) * 1000)
    context.database.close()
    return statistics.median(timings)


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [1_000, 100_000]
    with tempfile.TemporaryDirectory() as work:
        for size in sizes:
            print(f"{size:>7,} accounts: save() median {median_save_ms(size, Path(work)):.2f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
