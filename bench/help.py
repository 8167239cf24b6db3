"""`smtp-tui --help` and `--version` against `python -c pass`: the wall time of a whole process,
from exec to exit, median of alternated runs (the three commands in turn, so that a busy
spell of a shared machine weighs on all of them alike).

    python -m bench.help [--rounds 20] [--tree PATH]

--tree runs the smtp_tui package of another checkout (e.g. a `git worktree` of an older
commit), to time before and after a change on the same machine in the same minutes.
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "smtp-tui --help": ["-m", "smtp_tui", "--help"],
    "smtp-tui --version": ["-m", "smtp_tui", "--version"],
    "smtp-tui accounts --help": ["-m", "smtp_tui", "accounts", "--help"],
}


def wall_times(tree: Path, rounds: int) -> dict[str, list[float]]:
    # Measured as installed: the modules compiled once beforehand, not at the first run.
    compileall.compile_dir(tree / "smtp_tui", quiet=1)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, args in COMMANDS.items():
            started = time.perf_counter()
            # The checkout's directory first on sys.path (-m puts the working directory there).
            subprocess.run([sys.executable, *args], cwd=tree, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.help")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to run")
    args = parser.parse_args()
    times = wall_times(args.tree.resolve(), args.rounds)
    bare = statistics.median(times["python -c pass"])
    print(f"{args.rounds} alternated runs, median wall time ({args.tree})")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:26} {median * 1000:6.1f} ms  {median / bare:4.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
