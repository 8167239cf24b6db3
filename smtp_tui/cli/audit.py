"""`smtp-tui audit`: who changed what, and when."""

from __future__ import annotations

import sys
from itertools import islice
from typing import TYPE_CHECKING

from smtp_tui import choices
from smtp_tui.cli.output import as_json, error, table
from smtp_tui.lazy import lazy_module

if TYPE_CHECKING:
    from smtp_tui import audit, validation
else:
    audit = lazy_module("smtp_tui.audit")
    validation = lazy_module("smtp_tui.validation")

EXIT_OK, EXIT_USAGE = 0, 2
# Characters of an event's changes: every field of an account, and more.
CHANGES_MAX = 4000


def add_parser(commands, parents) -> None:
    parser = commands.add_parser("audit", help="the audit trail, newest first", parents=parents)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--account", metavar="S", default="", help="an account's code, or part of a name"
    )
    parser.add_argument("--user", metavar="S", default="", help="part of the user@host")
    parser.add_argument("--action", choices=choices.AUDIT_ACTIONS, default="")
    parser.add_argument("--since", metavar="YYYY-MM-DD", default="")
    parser.add_argument("--until", metavar="YYYY-MM-DD", default="", help="inclusive")
    parser.add_argument(
        "--limit", type=int, default=1000, metavar="N", help="at most N events (default 1000)"
    )
    parser.set_defaults(run=show_audit)


def show_audit(args, context) -> int:
    try:
        filters = audit.AuditFilters(
            account=validation.text(args.account, "--account", required=False),
            user=validation.text(args.user, "--user", required=False),
            action=args.action,
            since=audit.parse_day(args.since, "--since"),
            until=audit.parse_day(args.until, "--until"),
        )
    except ValueError as exc:
        # FieldError is one too.
        error(str(exc))
        return EXIT_USAGE
    if args.limit < 1:
        error("--limit must be a whole number of events, 1 or more.")
        return EXIT_USAGE
    events = list(islice(audit.iterate(filters), min(args.limit, sys.maxsize)))
    if args.json:
        as_json([audit.to_record(e) for e in events])
        return EXIT_OK
    table(
        ("When (UTC)", "User", "From", "Action", "What", "Changes"),
        [
            (
                f"{e.at:%Y-%m-%d %H:%M:%S}",
                e.user,
                e.client,
                e.action,
                f"{e.object_type} {e.object_name}".strip(),
                audit.describe_changes(e) or e.summary,
            )
            for e in events
        ],
        cell_max=CHANGES_MAX,
    )
    return EXIT_OK
