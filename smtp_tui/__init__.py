"""smtp-tui: manage, search and test the outbound SMTP accounts of an appliance."""

__version__ = "0.1.0"
