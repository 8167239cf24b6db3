#!/usr/bin/env python3
"""Set up smtp-tui in ./.venv (once, and again when pyproject.toml changes), then run it.

    python3 scripts/dev.py run [smtp-tui options]   open the app
    python3 scripts/dev.py test [pytest options]    run the whole test suite
    python3 scripts/dev.py lint                     ruff format --check, ruff check, mypy

Needs only Python 3.11+ with its standard venv module. The test suite runs on SQLite, and
then once more on PostgreSQL when the machine has PostgreSQL's server binaries (a private
cluster on a free port, removed afterwards; set SMTP_TUI_SKIP_POSTGRES=1 to skip it).
The whole suite runs in a worker per core (pytest-xdist's -n auto); named files or tests, and
options that need one process (-s, --pdb, --trace), run in one: -n auto or -n 0 chooses.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".smtp-tui-installed"
PACKAGES = ("smtp_tui", "screens", "styles")


def setup() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"smtp-tui needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and (BIN / "smtp-tui").exists():
        return
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except subprocess.CalledProcessError:
            sys.exit(
                "Could not create a virtual environment with pip. On Debian or Ubuntu, "
                "install it first: apt-get install python3-venv"
            )
    print("Installing smtp-tui and its test tools into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
    # An editable install leaves the project's own modules uncompiled; where bytecode writing
    # is off (PYTHONDONTWRITEBYTECODE) every start would compile them again.
    subprocess.run([str(BIN / "python"), "-m", "compileall", "-q", *PACKAGES], cwd=ROOT, check=True)
    STAMP.write_text(wanted)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test", "lint"):
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    setup()
    if command == "lint":
        os.chdir(ROOT)
        return lint()
    if command == "run":
        argv = [str(BIN / "smtp-tui"), *rest]
    else:
        argv = [str(BIN / "python"), "-m", "pytest", *in_parallel(rest), *rest]
    os.chdir(ROOT)
    if command == "run":
        os.execv(argv[0], argv)
    return run_tests(argv)


def lint() -> int:
    """The checks CI runs before the tests; each one runs, and any failure fails the lint."""
    checks = (
        ["ruff", "format", "--check", "--diff"],
        ["ruff", "check"],
        ["mypy"],
    )
    failed = []
    for check in checks:
        print(f"== {' '.join(check)}", flush=True)
        if subprocess.run([str(BIN / check[0]), *check[1:]]).returncode:
            failed.append(" ".join(check[:2]))
    if failed:
        print(f"== lint failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


def in_parallel(options: list[str]) -> list[str]:
    """-n auto for the whole suite. Not when `options` choose the workers themselves, or need the
    tests in this process (what -s lets through, --pdb's and --trace's debugger are lost in a
    worker), or name files or tests: two workers take longer to start than most files take."""
    for option in options:
        # a cluster of short flags (-vs), up to the first that takes a value (-k, -m, -p ...)
        flags = re.match(r"-([a-zA-Z]*?)(?:[kmpcoWnr]|$)", option)
        if (flags and "s" in flags[1]) or option in ("no:xdist", "-pno:xdist"):
            return []
        if option.startswith(("--numprocesses", "--capture=no", "--pdb", "--trace", "-n")):
            return []
        if not option.startswith("-") and (ROOT / option.split("::")[0]).is_file():
            return []
    return ["-n", "auto"]


def run_tests(argv: list[str]) -> int:
    print("== The test suite on SQLite", flush=True)
    status = subprocess.run(argv).returncode
    sys.path.insert(0, str(ROOT / "scripts"))
    import postgres

    if os.environ.get("SMTP_TUI_SKIP_POSTGRES") or postgres.server_bin() is None:
        if os.environ.get("SMTP_TUI_REQUIRE_POSTGRES"):
            print("== PostgreSQL is required here but its server binaries are missing", flush=True)
            return status or 1
        print("== PostgreSQL server binaries not found: the PostgreSQL pass is skipped", flush=True)
        return status
    print("== The test suite on PostgreSQL", flush=True)
    with postgres.cluster() as url:
        again = subprocess.run(argv, env={**os.environ, "SMTP_TUI_TEST_PG": url}).returncode
    return status or again


if __name__ == "__main__":
    sys.exit(main())
