"""Application-wide settings, such as the footer text appended to messages."""

from __future__ import annotations

from smtp_tui import audit, validation
from smtp_tui.errors import ValidationFailed
from smtp_tui.store.database import write_transaction
from smtp_tui.store.models import Setting

FOOTER = "footer"
FOOTER_MAX = 10_000
# The rule of each setting a person types, by key: the footer is text of several lines.
RULES = {FOOTER: lambda value: validation.multi_line_text(value, "Footer", max_length=FOOTER_MAX)}


def get(key: str, default: str = "") -> str:
    setting = Setting.get_or_none(Setting.key == key)
    return default if setting is None else setting.value


def put(key: str, value: str) -> None:
    """Store a setting, after its rule; raises ValidationFailed (keyed by `key`) when refused."""
    if key in RULES:
        try:
            value = RULES[key](value)
        except validation.FieldError as exc:
            raise ValidationFailed({key: str(exc)}) from None
    with write_transaction():
        before = get(key)
        Setting.insert(key=key, value=value).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: value}
        ).execute()
        if before != value:
            audit.record("edit", "setting", key, key, changes={key: [before, value]})
