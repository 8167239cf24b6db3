"""What the TUI costs on the wire: the bytes it writes to a real terminal, as an SSH link
would carry them, for smtp-tui and for a bare Textual app (bench/bare_table.py) in the same
run, alternated.

    python -m bench.terminal [--repeat N] [--idle S] [--label before|after] [--write]

Each app runs in a tmux pane of its own tmux server (80x24, then 200x50, no status line), and
tmux copies everything the app writes to a file (`pipe-pane -o`). The app starts only once
the copy is in place (it waits for a file to appear), so its very first byte is counted.
Keys go in with `send-keys`; a mouse movement is the SGR report an xterm sends when the
pointer crosses into a new cell with no button down (`ESC [ < 35 ; x ; y M`), written to the
app's terminal as it is. After each action the bench waits for the output to settle: the
first byte within WAIT_FOR_OUTPUT (none: 0 bytes), then QUIET with nothing more.

Measured: the first paint (until it settles; also as a multiple of one full screen: the
largest frame of the repaint after a resize, which draws every line), each `]` page flip,
each `Down`, each mouse movement over the table (each to a new row and column), the terminal
window left and come back to (its focus reports), and IDLE seconds with no input; with the
number of frames ("draws") each took. Figures are medians over every sample of every round.
Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.data import build, write_results

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((80, 24), (200, 50))
WAIT_FOR_OUTPUT, QUIET, FIRST_PAINT_QUIET = 0.6, 0.4, 1.5
FLIPS, DOWNS, MOVES = 6, 6, 8
# The terminal the apps believe they are in (a modern xterm-like one, with 24-bit colour).
ENVIRONMENT = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}
TARGETS = {
    "first paint": "≤ 2 full screens",
    "`]` page flip": "≤ 6 KiB at 80x24, one draw",
    "`Down`": "only the two rows that changed",
    "mouse movement (no button)": "≤ 300 B when only a hover changes",
    "idle": "0 B",
}


PANES = itertools.count()


class Pane:
    """One app in a tmux pane of a private tmux server, its output copied to a file."""

    def __init__(self, command: list[str], width: int, height: int, work: Path):
        # A server per pane: a server just killed may still hold its socket's name.
        self.socket = f"smtp-tui-bench-{os.getpid()}-{next(PANES)}"
        self.output = work / "out.bin"
        self.go = work / "go"
        for stale in (self.output, self.go):
            stale.unlink(missing_ok=True)
        environment = " ".join(f"{k}={shlex.quote(v)}" for k, v in ENVIRONMENT.items())
        script = (
            f"while [ ! -e {shlex.quote(str(self.go))} ]; do sleep 0.02; done; "
            f"cd {shlex.quote(str(ROOT))} && exec env {environment} {shlex.join(command)}"
        )
        self.tmux(
            "-f", "/dev/null", "new-session", "-d", "-s", "bench", "-x", str(width),
            "-y", str(height), f"sh -c {shlex.quote(script)}",
        )  # fmt: skip
        self.tmux("set-option", "-t", "bench", "status", "off")
        self.tmux("pipe-pane", "-o", "-t", "bench", f"cat >> {shlex.quote(str(self.output))}")
        size = self.tmux("display", "-p", "-t", "bench", "#{pane_width}x#{pane_height}")
        assert size == f"{width}x{height}", size
        self.go.touch()

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    def written(self) -> int:
        try:
            return self.output.stat().st_size
        except FileNotFoundError:
            return 0

    def settle(self, quiet: float = QUIET, wait: float = WAIT_FOR_OUTPUT) -> int:
        """Wait until the output stops growing; the bytes it grew by."""
        start = self.written()
        deadline = time.monotonic() + wait
        while self.written() == start and time.monotonic() < deadline:
            time.sleep(0.01)
        last, still_since = self.written(), time.monotonic()
        while self.written() != start and time.monotonic() - still_since < quiet:
            time.sleep(0.01)
            if self.written() != last:
                last, still_since = self.written(), time.monotonic()
        return self.written() - start

    def act(self, *keys: str, literal: bool = False) -> int:
        before = self.written()
        self.tmux("send-keys", "-t", "bench", *(["-l"] if literal else []), *keys)
        self.settle()
        return self.written() - before

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def draws(output: bytes) -> list[int]:
    """The sizes of the frames in `output`. Textual ends each frame by putting the cursor back
    where it belongs (here, with no text field focused, the top left corner): a `CSI 1;1H`
    followed by another cursor move or by the end, not by the cells of a line it starts."""
    ends = [m.end() for m in re.finditer(rb"\x1b\[1;1H(?=\x1b\[\d+;\d+H|$)", output)]
    return [end - start for start, end in zip([0, *ends], ends, strict=False)]


def one_run(command: list[str], width: int, height: int, idle: float, work: Path) -> dict:
    pane = Pane(command, width, height, work)
    spans: dict[str, list[tuple[int, int]]] = {}

    def timed(name: str, act) -> None:
        start = pane.written()
        act()
        spans.setdefault(name, []).append((start, pane.written()))

    try:
        timed("first", lambda: pane.settle(quiet=FIRST_PAINT_QUIET, wait=10))
        timed("idle", lambda: (time.sleep(idle), pane.settle(quiet=0, wait=0)))
        for _ in range(DOWNS):
            timed("downs", lambda: pane.act("Down"))
        for _ in range(FLIPS):
            timed("flips", lambda: pane.act("]"))
        # Each movement to a new row and column of the table's body, away from its edges.
        for n in range(MOVES):
            report = f"\x1b[<35;{8 + (width - 16) * n // MOVES};{6 + n}M"
            timed("moves", functools.partial(pane.act, report, literal=True))
        # The terminal window left and come back to: the focus reports a terminal sends when
        # the app asks for them (Textual does), as when one switches windows.
        timed("focus", lambda: (pane.act("\x1b[O", literal=True), pane.act("\x1b[I", literal=True)))
        pane.tmux("resize-window", "-t", "bench", "-x", str(width), "-y", str(height - 1))
        pane.settle()
        timed(
            "resize",
            lambda: (
                pane.tmux("resize-window", "-t", "bench", "-x", str(width), "-y", str(height)),
                pane.settle(),
            ),
        )
        output = pane.output.read_bytes()
    finally:
        pane.close()
    figures: dict = {name: [end - start for start, end in taken] for name, taken in spans.items()}
    figures["draws"] = {
        name: [len(draws(output[start:end])) for start, end in taken]
        for name, taken in spans.items()
    }
    # Every line of the screen drawn once: the largest frame of the repaint after the resize.
    figures["full"] = [max(draws(output[slice(*spans["resize"][0])]))]
    return figures


def measure(repeat: int, idle: float) -> dict[tuple[str, int, int], dict]:
    work = Path(tempfile.mkdtemp(prefix="smtp-tui-terminal-"))
    cache = Path(tempfile.gettempdir()) / "smtp-tui-bench"
    cache.mkdir(exist_ok=True)
    key = cache / "secret.key"
    database = build(cache / "accounts-1000.db", 1000, key)
    commands = {
        "app": [sys.executable, "-m", "smtp_tui", "--db", str(database), "--key-file", str(key)],
        "bare": [sys.executable, "-m", "bench.bare_table"],
    }
    runs: dict[tuple[str, int, int], list[dict]] = {}
    for _ in range(repeat):
        for width, height in SIZES:
            # Alternated, so both apps see the same noise.
            for kind, command in commands.items():
                runs.setdefault((kind, width, height), []).append(
                    one_run(command, width, height, idle, work)
                )
    return {key: summarize(samples) for key, samples in runs.items()}


def summarize(samples: list[dict]) -> dict:
    def pooled(name: str, within: str | None = None) -> list[int]:
        return [v for s in samples for v in (s[within][name] if within else s[name])]

    figures = {}
    for name in ("first", "full", "idle", "flips", "downs", "moves", "focus"):
        values = pooled(name)
        figures[name] = statistics.median(values)
        figures[f"{name}_range"] = (min(values), max(values))
        if name != "full":
            figures[f"{name}_draws"] = statistics.median(pooled(name, "draws"))
    figures["idle"] = max(pooled("idle"))
    return figures


def size(n: float) -> str:
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n:.0f} B"


def table(figures: dict, idle: float) -> list[str]:
    header = "| bytes written (app / bare) | " + " | ".join(f"{w}x{h}" for w, h in SIZES)
    lines = [header + " | target |", "|---" * (len(SIZES) + 2) + "|"]

    def row(label: str, target: str, cell) -> None:
        cells = []
        for width, height in SIZES:
            app, bare = figures[("app", width, height)], figures[("bare", width, height)]
            cells.append(f"{cell(app)} / {cell(bare)}")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")

    def spread(f: dict, name: str) -> str:
        low, high = f[f"{name}_range"]
        return f"{size(f[name])} ({size(low)}–{size(high)}, {f[f'{name}_draws']:g} draws)"

    row(
        "first paint (full screens, draws)",
        TARGETS["first paint"],
        lambda f: f"{size(f['first'])} ({f['first'] / f['full']:.1f}, {f['first_draws']:g})",
    )
    row("one full screen (the repaint after a resize)", "", lambda f: size(f["full"]))
    row("per `]` page flip, median (range, draws)", TARGETS["`]` page flip"],
        lambda f: spread(f, "flips"))  # fmt: skip
    row("per `Down`, median (range, draws)", TARGETS["`Down`"], lambda f: spread(f, "downs"))
    row(
        "per mouse movement over the table, median (range, draws)",
        TARGETS["mouse movement (no button)"],
        lambda f: spread(f, "moves"),
    )
    row("terminal window left and come back to", "", lambda f: spread(f, "focus"))
    row(f"idle {idle:g} s (most in a round)", TARGETS["idle"], lambda f: size(f["idle"]))
    return lines


def write(lines: list[str], label: str) -> None:
    """Put the table in results.md between its label's markers (after the notes marker, which
    bench/run.py keeps when it writes its own figures again)."""
    write_results(lines, f"over the wire: {label}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of both apps at each size")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle measured")
    parser.add_argument("--label", default="after", help="which block of results.md to write")
    parser.add_argument("--write", action="store_true", help="write the table to results.md")
    args = parser.parse_args()
    figures = measure(args.repeat, args.idle)
    lines = [
        f"{datetime.now():%Y-%m-%d %H:%M} · {args.label} · {args.repeat} rounds · tmux "
        f"{subprocess.run(['tmux', '-V'], capture_output=True, text=True).stdout.split()[-1]}"
        f" · TERM={ENVIRONMENT['TERM']} COLORTERM={ENVIRONMENT['COLORTERM']}",
        "",
        *table(figures, args.idle),
    ]
    print("\n".join(lines))
    if args.write:
        write(lines, args.label)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
