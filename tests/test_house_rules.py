"""The house rules of the layout that code can check (README, Layout)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# app.py is the one module of the core that draws with Textual; __main__ would run the program
NOT_CORE = {"smtp_tui.app", "smtp_tui.__main__"}


def core_modules() -> list[str]:
    """Every module under smtp_tui/ but the app: found on disk, so that a new one is covered."""
    names = (
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "smtp_tui").rglob("*.py")
    )
    return sorted(set(names) - NOT_CORE)


# Refuses textual, so that the traceback ends at the line of the core that imports it.
IMPORT_ALL = """
import importlib, sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "textual":
            raise ImportError(f"the core imports {name}")

sys.meta_path.insert(0, Refuse())
for name in sys.argv[1:]:
    importlib.import_module(name)
assert "textual" not in sys.modules
"""


def test_the_core_never_imports_textual():
    modules = core_modules()
    # migrations and the packages' own modules too: a sample of what the walk must find
    assert {"smtp_tui", "smtp_tui.cli", "smtp_tui.store.migrations.0001_initial"} <= set(modules)
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, *modules],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
