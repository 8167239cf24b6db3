"""`smtp-tui export` and `smtp-tui schedules ...`: the report's outputs from scripts and cron."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from smtp_tui import choices
from smtp_tui.cli.accounts import add_filter_options, filters_from
from smtp_tui.cli.output import as_json, error, say, table
from smtp_tui.lazy import lazy_module

if TYPE_CHECKING:
    from smtp_tui import accounts, files, validation
    from smtp_tui.reports import export
else:
    accounts = lazy_module("smtp_tui.accounts")
    export = lazy_module("smtp_tui.reports.export")
    files = lazy_module("smtp_tui.files")
    validation = lazy_module("smtp_tui.validation")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parsers(commands, parents) -> None:
    parser = commands.add_parser(
        "export", help="the whole filtered report as CSV, JSON or XLSX", parents=parents
    )
    parser.add_argument("--format", choices=choices.EXPORT_FORMATS, default="csv")
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="write here (default, or -: standard output; for XLSX only when redirected)",
    )
    parser.add_argument(
        "--sort", default="code", help="the column to sort by (code, name, email, ...)"
    )
    parser.add_argument("--descending", action="store_true")
    add_filter_options(parser)
    parser.set_defaults(run=export_report)

    group = commands.add_parser(
        "schedules", help="scheduled reports: list them, or send the due ones", parents=parents
    )
    sub = group.add_subparsers(title="commands", metavar="COMMAND", required=True)
    run = sub.add_parser(
        "run", help="send every due report (for cron or a systemd timer)", parents=parents
    )
    run.set_defaults(run=run_schedules)
    listing = sub.add_parser(
        "list", help="every schedule with its next and last run", parents=parents
    )
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_schedules)


def export_report(args, context) -> int:
    try:
        filters = filters_from(args)
    except validation.FieldError as exc:
        error(str(exc))
        return EXIT_USAGE
    sort = accounts.Sort(args.sort, args.descending)
    if args.sort not in accounts.SORTABLE:
        error(f"Cannot sort by '{args.sort}': choose one of {', '.join(accounts.SORTABLE)}.")
        return EXIT_USAGE
    output = files.STDOUT if args.output is None else args.output
    if not output:
        error("--output: give a file name, or - for standard output.")
        return EXIT_USAGE
    if (
        output == files.STDOUT
        and args.format not in choices.EXPORT_TEXT_FORMATS
        and sys.stdout.isatty()
    ):
        error("XLSX is not text: give --output FILE, or redirect standard output.")
        return EXIT_USAGE
    try:
        count = export.export_to_file(args.format, output, filters, sort)
    except BrokenPipeError:
        # `| head`: run_command stops quietly, as cat does.
        raise
    except OSError as exc:
        error(files.message(output, exc))
        return EXIT_FAILED
    if output != files.STDOUT:
        say(f"Wrote {count} account{'s' if count != 1 else ''} to {output}.", file=sys.stderr)
    return EXIT_OK


def run_schedules(args, context) -> int:
    # Imported here: sending is imported by the commands that send (see cli/__init__.py).
    from smtp_tui.reports import schedules

    results = schedules.run_due(context.vault)
    for result in results:
        say(
            f"schedule {result.schedule_id}: {'sent' if result.sent else 'FAILED'} "
            f"· {result.summary}"
        )
        if result.note:
            error(result.note)
    if not results:
        print("No report is due.")
    # A run not recorded fails the command too: the report will be sent again, and cron should
    # say so.
    return EXIT_OK if all(r.sent and not r.note for r in results) else EXIT_FAILED


def list_schedules(args, context) -> int:
    from smtp_tui.reports import schedules

    rows = schedules.all_schedules()
    records = [
        {
            "id": s.id,
            "when": schedules.describe(s),
            "recipients": s.recipients,
            "format": s.format,
            "paused": s.paused,
            "next_run_utc": s.next_run_at.isoformat(timespec="minutes"),
            "last_run_utc": s.last_run_at.isoformat(timespec="minutes") if s.last_run_at else None,
            "last_outcome": s.last_outcome,
        }
        for s in rows
    ]
    if args.json:
        as_json(records)
        return EXIT_OK
    table(
        ("Id", "When", "Recipients", "Format", "Next run (UTC)", "Last run", "State"),
        [
            (
                r["id"],
                r["when"],
                r["recipients"],
                r["format"],
                r["next_run_utc"],
                f"{r['last_run_utc']} {r['last_outcome']}" if r["last_run_utc"] else "never",
                "paused" if r["paused"] else "active",
            )
            for r in records
        ],
    )
    return EXIT_OK
