"""The scale cases of issue 17 at 100,000 accounts, on SQLite and PostgreSQL.

    python -m bench.scale [--size 100000] [--postgres] [--only pages,save,import,json]

- pages: a filter matching every account (e-mail ~ "example") sorted by a text column, the
  report walked from page 1 to page WALK a page at a time, as `]` does (`accounts.search`
  with the total known): ms per page, median and p95 of the deep pages (50 and past), and of
  the same pages each read on its own by OFFSET (no neighbouring page remembered: a jump).
  Run with the smtp_tui of another checkout first on sys.path (`cd OLD && PYTHONPATH=OLD
  python /path/to/bench/scale.py --only pages`) for a "before".
- save: median ms of 50 `accounts.save()` adds.
- import: `smtp-tui accounts import` of 300 records, a whole process, on an empty (migrated)
  database and on SIZE accounts, alternated, median of 3.
- json: `smtp-tui accounts list --json` to /dev/null: rows/s and peak RSS (ru_maxrss).

--postgres runs them on a private PostgreSQL cluster (scripts/postgres.py), else on SQLite
files under the temporary directory (kept between runs).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script (for a "before" from another checkout), the bench package is still found.
if __package__ in (None, ""):
    sys.path.append(str(ROOT))

from smtp_tui import accounts  # noqa: E402
from smtp_tui.store.config import Config  # noqa: E402
from smtp_tui.store.context import AppContext  # noqa: E402
from smtp_tui.store.database import connect  # noqa: E402
from smtp_tui.store.models import AuditEvent, SmtpAccount  # noqa: E402
from smtp_tui.validation import AccountInput  # noqa: E402

WALK = 120
DEEP = 50
SORTS = [accounts.Sort(c, d) for c in ("name", "email", "reply_to") for d in (False, True)]
MATCHING_ALL = accounts.Filters(email="example")
RECORDS = 300


def forget_pages() -> None:
    # Absent before keyset.py: nothing was remembered then.
    try:
        from smtp_tui import keyset
    except ImportError:
        return
    keyset.forget()


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.95) - 1)]


def pages(url: str, key: Path) -> None:
    context = AppContext.open(Config(database=url, key_file=key))
    total = accounts.count(MATCHING_ALL)
    print(f"pages: {total:,} matching, sorted by a text column, ms per page ({accounts.__file__})")
    print(
        "| sort | walked, pages 50+: median / p95 / max | read alone (OFFSET), 50+: median / p95 |"
    )
    print("|---|---|---|")
    walked_all: list[float] = []
    alone_all: list[float] = []
    for sort in SORTS:
        forget_pages()
        walked = []
        for number in range(1, WALK + 1):
            started = time.perf_counter()
            accounts.search(MATCHING_ALL, sort, number, total=total)
            walked.append((time.perf_counter() - started) * 1000)
        alone = []
        for number in range(DEEP, WALK + 1, 5):
            forget_pages()
            started = time.perf_counter()
            accounts.search(MATCHING_ALL, sort, number, total=total)
            alone.append((time.perf_counter() - started) * 1000)
        deep = walked[DEEP - 1 :]
        walked_all += deep
        alone_all += alone
        label = f"{sort.column}{' desc' if sort.descending else ''}"
        print(
            f"| {label} | {statistics.median(deep):.1f} / {p95(deep):.1f} / {max(deep):.1f} "
            f"| {statistics.median(alone):.1f} / {p95(alone):.1f} |",
            flush=True,
        )
    print(
        f"| all | {statistics.median(walked_all):.1f} / {p95(walked_all):.1f} / "
        f"{max(walked_all):.1f} | {statistics.median(alone_all):.1f} / {p95(alone_all):.1f} |"
    )
    for needle in ("Frankfurt 01", "alerts-1@"):
        few = accounts.Filters(name=needle) if " " in needle else accounts.Filters(email=needle)
        firsts, counts = [], []
        for _ in range(5):
            started = time.perf_counter()
            accounts.search(few, accounts.Sort(), 1, count=False)
            firsts.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            matching = accounts.count(few)
            counts.append((time.perf_counter() - started) * 1000)
        print(
            f"substring filter {few.describe()!r} ({matching:,} match): first page "
            f"{statistics.median(firsts):.1f} ms, count {statistics.median(counts):.1f} ms"
        )
    context.database.close()


def save(url: str, key: Path) -> None:
    context = AppContext.open(Config(database=url, key_file=key))
    timings = []
    for n in range(50):
        data = AccountInput(name=f"Bench save {n:04d}", email="b@example.com", host="h.example.com")
        started = time.perf_counter()
        accounts.save(data, actor="bench")
        timings.append((time.perf_counter() - started) * 1000)
    SmtpAccount.delete().where(SmtpAccount.name.startswith("Bench save ")).execute()
    context.database.close()
    print(f"save: median {statistics.median(timings):.2f} ms, p95 {p95(timings):.2f} ms")


def command(url: str, key: Path, *args: str) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one smtp-tui process, its output to /dev/null."""
    argv = [sys.executable, "-m", "smtp_tui", "--db", url, "--key-file", str(key), *args]
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        # In the checkout whose smtp_tui is measured (-m puts the working directory first).
        child = subprocess.Popen(argv, cwd=Path(accounts.__file__).parent.parent, stdout=sink)
        _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {status}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def remove_imported(url: str, key: Path) -> None:
    context = AppContext.open(Config(database=url, key_file=key))
    SmtpAccount.delete().where(SmtpAccount.name.startswith("Imported ")).execute()
    AuditEvent.delete().where(AuditEvent.object_name.startswith("Imported ")).execute()
    context.database.close()


def imports(empty: str, full: str, key: Path, work: Path) -> None:
    records = work / "records.json"
    records.write_text(
        json.dumps(
            [
                {
                    "name": f"Imported {n:03d}",
                    "email": f"i{n}@example.com",
                    "host": "smtp.example.com",
                }
                for n in range(RECORDS)
            ]
        )
    )
    times: dict[str, list[float]] = {"empty": [], "full": []}
    for _ in range(3):
        for label, url in (("empty", empty), ("full", full)):
            times[label].append(command(url, key, "accounts", "import", str(records))[0])
            remove_imported(url, key)
    print(
        f"import of {RECORDS}: empty {statistics.median(times['empty']):.2f} s, "
        f"full {statistics.median(times['full']):.2f} s (median of 3)"
    )


def list_json(url: str, key: Path, size: int) -> None:
    runs = [command(url, key, "accounts", "list", "--json") for _ in range(3)]
    speed = size / statistics.median(s for s, _ in runs)
    print(f"accounts list --json: {speed:,.0f} rows/s, peak {max(r for _, r in runs):.0f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--only", default="pages,save,import,json")
    args = parser.parse_args()
    only = set(args.only.split(","))
    cache = Path(tempfile.gettempdir()) / "smtp-tui-bench-scale"
    cache.mkdir(exist_ok=True)
    key = cache / "secret.key"
    with ExitStack() as stack:
        if args.postgres:
            sys.path.insert(0, str(ROOT / "scripts"))
            import postgres

            server = stack.enter_context(postgres.cluster())
            admin = connect(server)
            for name in ("bench_full", "bench_empty"):
                admin.execute_sql(f"CREATE DATABASE {name}")
            admin.close()
            full, empty = (
                server.rsplit("/", 1)[0] + f"/{name}" for name in ("bench_full", "bench_empty")
            )
        else:
            full, empty = str(cache / f"accounts-{args.size}.db"), str(cache / "empty.db")
        # This checkout's bench/data.py (it builds on PostgreSQL too), whichever smtp_tui runs.
        spec = importlib.util.spec_from_file_location("bench_data", ROOT / "bench" / "data.py")
        assert spec is not None and spec.loader is not None
        data = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(data)
        data.build(full if args.postgres else Path(full), args.size, key)
        if args.postgres:
            # The planner's statistics, as autovacuum would gather them some time after the load.
            analyzed = connect(full)
            analyzed.execute_sql("ANALYZE")
            analyzed.close()
        AppContext.open(Config(database=empty, key_file=key)).database.close()
        print(f"{'PostgreSQL' if args.postgres else 'SQLite'}, {args.size:,} accounts")
        if "pages" in only:
            pages(full, key)
        if "save" in only:
            save(full, key)
        if "import" in only:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            imports(empty, full, key, work)
        if "json" in only:
            list_json(full, key, args.size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
