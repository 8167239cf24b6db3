"""The house rules of the layout that code can check (README, Layout)."""

import ast
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


# The data layer and the transport are the services' to call; a screen may name a model's type.
SERVICES_ONLY = ("smtp_tui.store", "smtp_tui.mail.transport")


def runtime_imports(tree: ast.AST):
    """The modules a file imports when it runs: not those under `if TYPE_CHECKING:`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_screens_talk_to_services_not_to_the_data_layer():
    screens = sorted((ROOT / "screens").glob("*.py"))
    assert len(screens) > 10
    found = {
        f"{path.name}: {name}"
        for path in screens
        for name in runtime_imports(ast.parse(path.read_text(), str(path)))
        if name.startswith(SERVICES_ONLY)
    }
    assert not found


def test_the_rule_sees_an_import_of_the_store():
    source = (
        "from smtp_tui.store import models\nif TYPE_CHECKING:\n    import smtp_tui.mail.transport"
    )
    assert list(runtime_imports(ast.parse(source))) == ["smtp_tui.store", "smtp_tui.store.models"]


def test_no_product_module_is_named_like_a_test():
    modules = [
        path
        for folder in ("smtp_tui", "screens", "styles")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
        and (path.name.startswith("test_") or path.stem.endswith("_test"))
    ]
    assert not modules
