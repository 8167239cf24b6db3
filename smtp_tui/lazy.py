"""Modules imported on first use: the command modules name the services they run at the top,
as usual, but `smtp-tui --help` builds their parsers without importing the data layer
(peewee, the database drivers) or the sending stack, which only running a command needs."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any


class _Deferred(ModuleType):
    """Stands for module `__name__`, imported at its first attribute read and read through."""

    def __getattr__(self, attribute: str) -> Any:
        __import__(self.__name__)
        return getattr(sys.modules[self.__name__], attribute)


def lazy_module(name: str) -> ModuleType:
    """Module `name`, imported at the first attribute read (the module itself when it is
    already imported). For mypy, import the module itself under TYPE_CHECKING."""
    return sys.modules.get(name) or _Deferred(name)
