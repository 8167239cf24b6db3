"""Application-wide settings, such as the footer text appended to messages."""

from __future__ import annotations

from smtp_tui import audit
from smtp_tui.database import write_transaction
from smtp_tui.models import Setting

FOOTER = "footer"


def get(key: str, default: str = "") -> str:
    setting = Setting.get_or_none(Setting.key == key)
    return default if setting is None else setting.value


def put(key: str, value: str) -> None:
    with write_transaction():
        before = get(key)
        Setting.insert(key=key, value=value).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: value}).execute()
        if before != value:
            audit.record("edit", "setting", key, key, changes={key: [before, value]})
