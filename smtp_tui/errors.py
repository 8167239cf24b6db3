"""What the services refuse, in words a person can act on. Screens and the CLI show these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime


class ServiceError(Exception):
    """Base of every refusal of the services; str(error) is the message to show."""


class ValidationFailed(ServiceError):
    """Fields were refused: `errors` maps each field name to its message, all at once."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


class NotFound(ServiceError):
    """The record is not there (any more)."""


class Refused(ServiceError):
    """The change would break a rule (delete the default account, a credential in use...)."""


class StaleEdit(ServiceError):
    """Someone saved the record after it was loaded for editing."""

    def __init__(self, name: str, changed_by: str, changed_at: datetime, version: int):
        self.changed_by = changed_by or "someone"
        self.changed_at = changed_at
        self.version = version
        super().__init__(
            f"'{name}' was changed by {self.changed_by} at "
            f"{changed_at:%Y-%m-%d %H:%M:%S} UTC after you opened it. "
            "Reload it to see their change, or save again to overwrite it."
        )


class DatabaseUnavailable(Exception):
    """The database cannot be opened or used; the message says why in a user's words."""


def __getattr__(name: str) -> Any:
    """DATABASE_ERRORS: what a screen or a command catches around a service call when the
    database fails (the service's refusals are ServiceError), a message and a retry instead of
    a crash. Made on first use, so that importing this module (`smtp-tui --help`, which prints
    refusals' types) does not import peewee."""
    if name == "DATABASE_ERRORS":
        import peewee

        return (peewee.PeeweeException, DatabaseUnavailable)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class TokenError(ServiceError):
    """An OAuth2 token endpoint refused, or could not be reached: `error` and `description` are
    the provider's (e.g. invalid_client, "AADSTS7000215: Invalid client secret provided."; ''
    when it never answered), `hint` what a person can do. str(error) is the one line to read."""

    def __init__(
        self, error: str, description: str, hint: str, *, url: str = "", summary: str = ""
    ):
        self.error = error
        self.description = description
        self.hint = hint
        self.url = url
        where = f"The token endpoint {url}" if url else "The token endpoint"
        if summary:
            message = summary
        elif error:
            said = f"{error}: {description}" if description else error
            message = f"{where} refused the request: {said}"
        else:
            message = f"{where} could not be reached: {description}"
        super().__init__(message.rstrip(".") + ".")
