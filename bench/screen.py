"""What a person sees on a real terminal: start-up and the `]` page flip, timed on the screen.

    python -m bench.screen [--sizes 1000,100000] [--repeat N] [--flips N] [--label L] [--write]

Each app (smtp-tui on N accounts, and the bare Textual app of bench/bare_table.py: Header, a
30-row DataTable, Footer, `]` for the next 30 rows) runs in a pseudo-terminal of its own at
WIDTH x HEIGHT (120x40: both show their 30 rows whole), TERM=xterm-256color. This
process reads everything the app writes, noting when each piece arrived, and afterwards
replays it through a terminal emulator (pyte) to find the piece after which the screen
showed what is waited for (the replay is not timed: pyte is slower than a terminal).

- start-up: from just before the process is started to the screen showing the 30th row (its
  code, then the start of its name);
- `]`: from the key written to the terminal to the screen showing the next page's first and
  last rows. Each flip starts from a quiet screen (nothing written for QUIET seconds).

The two apps run alternately, REPEAT starts of each per size, FLIPS flips per start. Medians
and p95 (milliseconds); ratios app / bare. The headless figures (bench/run.py's: the
first paint composed, the table updated) are measured in the same run as a second column.
Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import os
import re
import select
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyte

from bench import run
from bench.bare_table import PAGE
from bench.bare_table import row as bare_row
from bench.data import build, write_results

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 120, 40
ENVIRONMENT = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}
# Nothing written for this long: the app is idle (its count and collection done).
QUIET, FIRST_QUIET, GIVE_UP = 0.4, 1.0, 10.0
TARGETS = {"start-up": "≤ 1.2 × bare at every size", "flip": "p95 ≤ 33 ms (two frames)"}


@dataclass
class Terminal:
    """An app in a pseudo-terminal; every piece of its output with the time it arrived."""

    command: list[str]
    started: float = 0.0
    pieces: list[tuple[float, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
            env=os.environ | ENVIRONMENT, start_new_session=True,
        )  # fmt: skip
        os.close(slave)

    def read_until_quiet(self, quiet: float) -> None:
        """Read until nothing more comes for `quiet` seconds (GIVE_UP at most)."""
        deadline = time.perf_counter() + GIVE_UP
        last = time.perf_counter()
        while time.perf_counter() - last < quiet and time.perf_counter() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.01)
            if ready:
                try:
                    piece = os.read(self.master, 1 << 16)
                except OSError:  # the app ended
                    return
                last = time.perf_counter()
                self.pieces.append((last, piece))

    def press(self, key: bytes) -> float:
        sent = time.perf_counter()
        os.write(self.master, key)
        return sent

    def close(self) -> None:
        self.press(b"\x11")  # ctrl+q
        self.read_until_quiet(0.3)
        try:
            self.process.wait(3)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


class Screen:
    """The terminal emulator the output is replayed through."""

    def __init__(self) -> None:
        self.screen = pyte.Screen(WIDTH, HEIGHT)
        self.stream = pyte.ByteStream(self.screen)

    def when(self, pieces: list[tuple[float, bytes]], shown) -> float | None:
        """Feed `pieces`; the arrival time of the one after which `shown(lines)` held."""
        found = None
        for arrived, piece in pieces:
            self.stream.feed(piece)
            if found is None and shown(self.screen.display):
                found = arrived
        return found


def row_shown(code: int, name: str):
    """Whether a screen's lines show the row of `code`: its code, then its name's start."""
    pattern = re.compile(rf"^\s*{code}\s+{re.escape(name[:15])}")
    return lambda lines: any(pattern.match(line) for line in lines)


def rows_shown(first: int, last: int, names: dict[int, str]):
    """Whether a screen's lines show both the rows of `first` and `last`."""
    first_shown, last_shown = row_shown(first, names[first]), row_shown(last, names[last])
    return lambda lines: first_shown(lines) and last_shown(lines)


def wait_for(terminal: Terminal, screen: Screen, shown, quiet: float, once: bool = False):
    """Read until the output is quiet and `shown` held (GIVE_UP at most); when it first held.

    The output is replayed only when quiet: the arrival times of what is read meanwhile are
    not delayed by the emulator. Quiet is not enough alone: on a busy machine an app can
    pause for longer (while importing, before a key is read)."""
    deadline = time.perf_counter() + GIVE_UP
    while True:
        seen = len(terminal.pieces)
        terminal.read_until_quiet(quiet)
        arrived = screen.when(terminal.pieces[seen:], shown)
        if arrived is not None or once or time.perf_counter() > deadline:
            return arrived


def one_start(kind: str, command: list[str], names: dict[int, str], flips: int) -> dict:
    terminal = Terminal(command)
    screen = Screen()
    try:
        thirtieth = row_shown(PAGE, names[PAGE])
        painted = wait_for(terminal, screen, thirtieth, FIRST_QUIET)
        assert painted is not None, f"{kind}: row {PAGE} never shown"
        # Idle: the count and the collection after the first frame done.
        wait_for(terminal, screen, lambda lines: False, FIRST_QUIET, once=True)
        figures = {"start": (painted - terminal.started) * 1000, "flips": []}
        for page in range(1, flips + 1):
            first, last = page * PAGE + 1, (page + 1) * PAGE
            sent = terminal.press(b"]")
            arrived = wait_for(terminal, screen, rows_shown(first, last, names), QUIET)
            if arrived is None:
                raise AssertionError(
                    f"{kind}: page {page + 1} never shown:\n" + "\n".join(screen.screen.display)
                )
            figures["flips"].append((arrived - sent) * 1000)
    finally:
        terminal.close()
    return figures


def app_names(database: Path, count: int) -> dict[int, str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT code, name FROM smtp_account ORDER BY code LIMIT ?", (count,)
        ).fetchall()
    names = dict(rows)
    assert list(names) == list(range(1, count + 1)), "codes 1..N expected (bench/data.py)"
    return names


def percentile(values: list[float], q: float) -> float:
    return run.p(values, q)


def measure_size(size: int, cache: Path, key: Path, repeat: int, flips: int) -> dict:
    database = build(cache / f"accounts-{size}.db", size, key)
    count = (flips + 1) * PAGE
    names = {
        "app": app_names(database, count),
        "bare": {n: bare_row(n)[1] for n in range(1, count + 1)},
    }
    commands = {
        "app": [sys.executable, "-m", "smtp_tui", "--db", str(database), "--key-file", str(key)],
        "bare": [sys.executable, "-m", "bench.bare_table"],
    }
    # One start of each not counted: files read once into the page cache.
    for kind, command in commands.items():
        one_start(kind, command, names[kind], 1)
    samples: dict[str, dict[str, list[float]]] = {k: {"start": [], "flips": []} for k in commands}
    for _ in range(repeat):
        # Alternated, so both apps see the same noise.
        for kind, command in commands.items():
            figures = one_start(kind, command, names[kind], flips)
            samples[kind]["start"].append(figures["start"])
            samples[kind]["flips"].extend(figures["flips"])
    headless_start = run.startup(database, key, repeat)
    headless_flips = run.interactions_apart(database, key, max(10, repeat))["next page"]
    result: dict = {"headless": headless_start, "headless_flips": headless_flips}
    for kind, taken in samples.items():
        for name, values in taken.items():
            result[f"{kind}_{name}"] = values
    return result


def summary(sizes: list[int], figures: dict[int, dict]) -> list[str]:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    def p95(values: list[float]) -> float:
        return percentile(values, 0.95)

    head = "| measure | " + " | ".join(f"{n:,}: on screen | {n:,}: headless" for n in sizes)
    lines = [head + " | target |", "|---" * (2 * len(sizes) + 2) + "|"]

    def row(label: str, target: str, screen, headless) -> None:
        cells = [f"{screen(figures[n])} | {headless(figures[n])}" for n in sizes]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")

    def ratio(f: dict, stat) -> str:
        app, bare = stat(f["app_start"]), stat(f["bare_start"])
        return f"{app:.0f} / {bare:.0f} = {app / bare:.2f}×"

    def headless_ratio(f: dict) -> str:
        h = f["headless"]
        app, bare = h["app"] * 1000, h["bare"] * 1000
        return f"{app:.0f} / {bare:.0f} = {app / bare:.2f}×"

    row(
        "start-up, median ms (app / bare = ratio)",
        TARGETS["start-up"],
        lambda f: ratio(f, med),
        headless_ratio,
    )
    row("start-up, p95 ms (app / bare = ratio)", "", lambda f: ratio(f, p95), lambda f: "")
    row(
        "`]` page flip, ms p50 / p95, smtp-tui",
        TARGETS["flip"],
        lambda f: f"{med(f['app_flips']):.0f} / {p95(f['app_flips']):.0f}",
        lambda f: f"{med(f['headless_flips']):.1f} / {p95(f['headless_flips']):.1f}",
    )
    row(
        "`]` page flip, ms p50 / p95, bare app",
        "",
        lambda f: f"{med(f['bare_flips']):.0f} / {p95(f['bare_flips']):.0f}",
        lambda f: "",
    )
    return lines


def write(lines: list[str], label: str) -> None:
    """Put the figures in results.md between the markers of their label (in the section "On
    screen (issue 17)"; added at the end if missing)."""
    write_results(lines, f"on screen: {label}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=10, help="starts of each app per size")
    parser.add_argument("--flips", type=int, default=8, help="`]` presses per start")
    parser.add_argument("--label", default="after", help="which block of results.md to write")
    parser.add_argument("--write", action="store_true", help="write the table to results.md")
    parser.add_argument(
        "--cache",
        default=str(Path(tempfile.gettempdir()) / "smtp-tui-bench"),
        help="where the databases are built (and reused)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    # The project's modules compiled, as an install has them (bench/run.py says why).
    for package in ("smtp_tui", "screens", "styles"):
        compileall.compile_dir(ROOT / package, quiet=1)
    cache = Path(args.cache)
    cache.mkdir(exist_ok=True)
    key = cache / "secret.key"
    figures = {n: measure_size(n, cache, key, args.repeat, args.flips) for n in sizes}
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        f"{datetime.now():%Y-%m-%d %H:%M} · {args.label} ({commit}) · {WIDTH}x{HEIGHT} · "
        f"{args.repeat} starts of each app per size, {args.flips} flips each · "
        f"load average {os.getloadavg()[0]:.1f}",
        "",
        *summary(sizes, figures),
    ]
    print("\n".join(lines))
    if args.write:
        write(lines, args.label)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
