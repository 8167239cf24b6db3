"""Modules imported on first use: the command modules name the services they run at the top,
as usual, but `smtp-tui --help` builds their parsers without importing the data layer
(peewee, the database drivers) or the sending stack, which only running a command needs."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """Module `name`, loaded on its first attribute access (importlib's LazyLoader); the module
    itself when it is already imported. Later `import name` statements get the same module."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module
