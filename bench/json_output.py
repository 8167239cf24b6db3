"""`accounts list --json` and `export --format json`: rows/s and peak RSS of the command.

    python -m bench.json_output [--sizes 10000,100000] [--repeat 3]

Each command runs as a fresh process with its output to /dev/null; rows/s is the accounts
over the whole run (start-up included), the peak RSS the child's high-water mark (ru_maxrss,
what /proc's VmHWM reads), the median and the highest of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.data import build

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "accounts list --json": ["accounts", "list", "--json"],
    "export --format json": ["export", "--format", "json"],
}


def run(database: Path, key: Path, command: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one run of the command."""
    argv = [sys.executable, "-m", "smtp_tui", "--db", str(database), "--key-file", str(key)]
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen([*argv, *command], cwd=ROOT, stdout=sink)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {status}")
    return seconds, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.json_output")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cache = Path(tempfile.gettempdir()) / "smtp-tui-bench-json"
    cache.mkdir(exist_ok=True)
    key = cache / "secret.key"
    print("| command | accounts | rows/s (median) | peak RSS MiB (max) |")
    print("|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        database = build(cache / f"accounts-{size}.db", size, key)
        for label, command in COMMANDS.items():
            runs = [run(database, key, command) for _ in range(args.repeat)]
            speed = size / statistics.median(s for s, _ in runs)
            peak = max(rss for _, rss in runs)
            print(f"| `{label}` | {size:,} | {speed:,.0f} | {peak:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
