"""The choices the command line offers, in a module that imports nothing: `smtp-tui --help`
lists them without importing the services (and the data layer) that define what they mean."""

from __future__ import annotations

# The environment variables that stand for --db and --key-file (smtp_tui.store.config).
DB_ENV = "SMTP_TUI_DB"
KEY_FILE_ENV = "SMTP_TUI_KEY_FILE"
# What the audit trail records (smtp_tui.audit).
AUDIT_ACTIONS = (
    "create", "edit", "delete", "default", "test", "export", "print", "schedule run"
)  # fmt: skip
# OAuth2 providers whose URLs are known (provider: its label; smtp_tui.store.models).
OAUTH2_PROVIDERS = {"": "None (give the URLs)", "microsoft365": "Microsoft 365", "google": "Google"}
# What a report is exported as (smtp_tui.reports.export), and which of them are text.
EXPORT_FORMATS = ("csv", "json", "xlsx")
EXPORT_TEXT_FORMATS = ("csv", "json")
