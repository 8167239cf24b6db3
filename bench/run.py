"""Run every benchmark, print one table, write bench/results.md.

    python -m bench [--sizes 1000,10000,100000] [--repeat N]

Speed is compared as ratios measured in the same run, alternating the two sides: the
machines are shared and noisy. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTES = "<!-- notes: kept when the figures above are written again -->"
TARGETS = {
    "startup": "≤ 1.3 × bare at 100,000",
    "browse": "p95 ≤ 16 ms at 10,000, ≤ 50 ms at 100,000",
    "memory": "≤ bare + 20 MiB at 100,000",
    "export": "CSV ≥ 100,000 rows/s, flat memory",
    "sending": "≤ 1.2 × bare aiosmtplib",
}


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_startup(kind: str, *args) -> tuple[float, float, int]:
    """Seconds from starting the process to its table painted with rows, the CPU seconds the
    process had used by then, and its peak RSS."""
    # Its input and output on a pseudo-terminal: smtp-tui refuses to start without a terminal
    # (headless or not), and the figures it prints come back through it.
    master, slave = os.openpty()
    started = time.time()  # wall clock: the child notes the paint with the same clock
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.startup", kind, *map(str, args)],
        cwd=ROOT,
        stdin=slave,
        stdout=slave,
        stderr=subprocess.DEVNULL,
    )
    os.close(slave)
    out = b""
    while True:
        try:
            piece = os.read(master, 1 << 16)
        except OSError:  # the child ended and closed its side
            break
        if not piece:
            break
        out += piece
    os.close(master)
    if process.wait():
        raise subprocess.CalledProcessError(process.returncode, process.args, out)
    painted, cpu, rss = out.decode().strip().splitlines()[-3:]
    return float(painted) - started, float(cpu), int(rss)


def startup(database: Path, key: Path, repeat: int) -> dict:
    runs: dict[str, list[tuple[float, float, int]]] = {"app": [], "bare": []}
    for _ in range(repeat):  # alternate, so both sides see the same noise
        runs["app"].append(run_startup("app", database, key))
        runs["bare"].append(run_startup("bare"))
    figures = {}
    for kind, measured in runs.items():
        figures[kind] = statistics.median(wall for wall, _, _ in measured)
        figures[f"{kind}_cpu"] = statistics.median(cpu for _, cpu, _ in measured)
        figures[f"{kind}_rss"] = max(rss for _, _, rss in measured) / 1024
    return figures


async def interactions(database: Path, key: Path, rounds: int) -> dict[str, list[float]]:
    """Milliseconds from a key (or a filter change) to the table updated, in a headless app."""
    from smtp_tui.accounts import Filters
    from smtp_tui.app import SmtpApp
    from smtp_tui.screens.report import ReportScreen
    from smtp_tui.screens.search_panel import SearchPanel
    from smtp_tui.store.config import Config
    from smtp_tui.store.context import AppContext

    done: list[float] = []
    arrived = asyncio.Event()
    shown = ReportScreen._show_page

    def timed(self, page, keep_code):
        shown(self, page, keep_code)
        done.append(time.perf_counter())
        arrived.set()

    ReportScreen._show_page = timed
    context = AppContext.open(Config(database=str(database), key_file=key))
    app = SmtpApp(context)
    timings: dict[str, list[float]] = {
        "next page": [],
        "last page": [],
        "sort change": [],
        "filter: name": [],
        "filter: combined": [],
    }

    async def measure(label, act):
        before = len(done)
        arrived.clear()
        started = time.perf_counter()
        await act()
        while len(done) == before:  # waiting, not spinning: a busy loop would starve the worker
            await arrived.wait()
            arrived.clear()
        timings[label].append((done[before] - started) * 1000)
        # Start the next measure from idle, as a person reading the page would: the frame
        # painted, the background count finished, the collection after the paint done.
        await app.workers.wait_for_complete()
        await pilot.pause()
        await asyncio.sleep(0.05)

    async with app.run_test(size=(160, 48)) as pilot:
        while not done:
            await pilot.pause()
        await app.workers.wait_for_complete()
        await asyncio.sleep(
            0.2
        )  # the first collection after start-up (see SmtpApp.collect_garbage)
        screen = app.screen
        await pilot.press("slash")  # the panel is mounted on first use
        await pilot.press("escape")
        await pilot.pause()
        panel = screen.query_one(SearchPanel)
        for round_number in range(rounds):
            await measure("next page", lambda: pilot.press("right_square_bracket"))
            await measure("last page", lambda: pilot.press("right_curly_bracket"))
            await measure("sort change", lambda: pilot.press("o"))
            # The filters as the search panel posts them after its debounce (250 ms, not counted).
            needle = ("rotation", "Frankfurt 0", "alerts-1")[round_number % 3]
            await measure("filter: name", functools.partial(_post, panel, Filters(name=needle)))
            await measure(
                "filter: combined",
                lambda: _post(panel, Filters(name="a", email="example.org", status="active")),
            )
            await measure("filter: combined", lambda: _post(panel, Filters()))
            await pilot.press("left_curly_bracket")
            await pilot.pause()
    ReportScreen._show_page = shown
    context.database.close()
    return timings


def interactions_apart(database: Path, key: Path, rounds: int) -> dict[str, list[float]]:
    """`interactions` in a process of its own, as the app runs: one app per process (an app
    that ran before in the same process would leave its garbage to this one's collector)."""
    code = (
        "import asyncio, json, sys\nfrom pathlib import Path\nfrom bench.run import interactions\n"
        "print(json.dumps(asyncio.run(interactions("
        "Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(database), str(key), str(rounds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


async def _post(panel, filters):
    panel.post_message(panel.FiltersChanged(filters))


def export_figures(database: Path, key: Path) -> dict:
    code = (
        "import sys, time\nfrom bench.startup import peak_rss_kib\n"
        "from smtp_tui.store.config import Config\nfrom smtp_tui.store.context import AppContext\n"
        "from smtp_tui.reports.export import export_to_file\n"
        f"AppContext.open(Config(database={str(database)!r}, key_file={str(key)!r}))\n"
        "started = time.perf_counter()\n"
        "count = export_to_file(sys.argv[1], __import__('pathlib').Path(sys.argv[2]))\n"
        "print(count, time.perf_counter() - started, peak_rss_kib())\n"
    )
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        for fmt in ("csv", "xlsx"):
            speeds, peaks = [], []
            for _ in range(3):  # a fresh process each time; the median, for this noisy machine
                out = subprocess.run(
                    [sys.executable, "-c", code, fmt, f"{folder}/out.{fmt}"],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()
                count, seconds, rss = int(out[0]), float(out[1]), int(out[2])
                speeds.append(count / seconds)
                peaks.append(rss / 1024)
            figures[fmt] = {"rows_per_s": statistics.median(speeds), "rss": max(peaks)}
    return figures


async def sending(repeat: int) -> dict:
    """A check-only and a full test e-mail through smtp-tui's path, against bare aiosmtplib."""
    import aiosmtplib
    from aiosmtpd.controller import Controller

    from smtp_tui.mail.compose import compose
    from smtp_tui.mail.transport import ServerSettings, deliver
    from smtp_tui.validation import AccountInput
    from tests.mailservers import Handler, free_port

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    account = AccountInput(name="b", email="bench@example.com", host="127.0.0.1", port=port)
    server = ServerSettings(host="127.0.0.1", port=port, timeout=10)
    envelope = compose(
        account, to=["admin@example.com"], subject="Bench", body="Benchmark message."
    )

    async def bare(check_only: bool):
        smtp = aiosmtplib.SMTP(
            hostname="127.0.0.1", port=port, start_tls=False, timeout=10, local_hostname="bench"
        )
        await smtp.connect()
        await smtp.ehlo()
        await smtp.mail(envelope.sender)
        await smtp.rcpt("admin@example.com")
        if not check_only:  # the message serialised for each send, as send_message() does
            await smtp.data(envelope.message.as_bytes())
        await smtp.quit()

    results = {}
    for check_only in (True, False):
        ours, theirs = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            outcome = await deliver(server, envelope, check_only=check_only)
            ours.append(time.perf_counter() - started)
            assert outcome.ok, outcome.verdict
            started = time.perf_counter()
            await bare(check_only)
            theirs.append(time.perf_counter() - started)
        results["check only" if check_only else "full send"] = (
            statistics.median(ours) * 1000,
            statistics.median(theirs) * 1000,
        )
    controller.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument(
        "--repeat", type=int, default=15, help="starts of each app per size (alternated)"
    )
    parser.add_argument("--rounds", type=int, default=40, help="rounds of key presses per size")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cache = Path(tempfile.gettempdir()) / "smtp-tui-bench"
    cache.mkdir(exist_ok=True)
    key = cache / "secret.key"
    lines = [
        "# Benchmark results",
        "",
        f"{datetime.now():%Y-%m-%d %H:%M} · {platform.node()} · {platform.machine()} · "
        f"Python {platform.python_version()} · {__import__('os').cpu_count()} cores · SQLite "
        f"{__import__('sqlite3').sqlite_version}",
        "",
        "| measure | " + " | ".join(f"{n:,} accounts" for n in sizes) + " | target |",
        "|---|" + "---|" * len(sizes) + "---|",
    ]
    rows: dict[str, list[str]] = {}
    # Start-up is measured as installed: the project's modules compiled, as Textual's are in
    # site-packages (an editable install with PYTHONDONTWRITEBYTECODE would compile them anew
    # at every start).
    for package in ("smtp_tui", "screens", "styles"):
        compileall.compile_dir(ROOT / package, quiet=1)
    for size in sizes:
        database = __import__("bench.data", fromlist=["build"]).build(
            cache / f"accounts-{size}.db", size, key
        )
        start = startup(database, key, args.repeat)
        rows.setdefault("startup, median s (app / bare = ratio)", []).append(
            f"{start['app']:.2f} / {start['bare']:.2f} = {start['app'] / start['bare']:.2f}×"
        )
        rows.setdefault("startup, CPU s to the same paint (app / bare = ratio)", []).append(
            f"{start['app_cpu']:.2f} / {start['bare_cpu']:.2f} "
            f"= {start['app_cpu'] / start['bare_cpu']:.2f}×"
        )
        rows.setdefault("peak RSS, MiB (app / bare, +diff)", []).append(
            f"{start['app_rss']:.0f} / {start['bare_rss']:.0f}, "
            f"+{start['app_rss'] - start['bare_rss']:.0f}"
        )
        for label, values in interactions_apart(database, key, args.rounds).items():
            rows.setdefault(f"{label}, ms p50 / p95", []).append(
                f"{p(values, 0.5):.1f} / {p(values, 0.95):.1f}"
            )
        exported = export_figures(database, key)
        for fmt in ("csv", "xlsx"):
            rows.setdefault(f"export {fmt.upper()}: rows/s, peak RSS MiB", []).append(
                f"{exported[fmt]['rows_per_s']:,.0f}, {exported[fmt]['rss']:.0f}"
            )
        print(f"size {size:,} done", file=sys.stderr, flush=True)
    targets = {
        "startup": TARGETS["startup"],
        "peak": TARGETS["memory"],
        "next page": TARGETS["browse"],
        "export CSV": TARGETS["export"],
    }
    for label, cells in rows.items():
        target = next((t for key_, t in targets.items() if label.startswith(key_)), "")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    sends = asyncio.run(sending(args.repeat * 4))
    lines += [
        "",
        "| sending to a local aiosmtpd | smtp-tui, ms | bare aiosmtplib, ms | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for label, (ours, theirs) in sends.items():
        lines.append(
            f"| {label} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f}× | {TARGETS['sending']} |"
        )
    lines += [
        "",
        "Filtering is timed from the search panel's filters (posted after its deliberate 250 ms "
        "debounce) to the table updated; browsing from the key press to the table updated.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    output = Path(args.output)
    notes = output.read_text().partition(NOTES)[2] if output.exists() else ""
    output.write_text(
        text + ("\n" + NOTES + notes if notes else "")
    )  # the notes written by hand stay
    return 0
