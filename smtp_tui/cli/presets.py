"""`smtp-tui presets`: the mail providers' SMTP servers that `accounts add|edit --preset` fills
in; and the `--preset` option's reading of a name."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from smtp_tui.cli.output import as_json, table
from smtp_tui.lazy import lazy_module

if TYPE_CHECKING:
    from smtp_tui import presets
else:
    presets = lazy_module("smtp_tui.presets")

EXIT_OK = 0


def add_parser(commands, parents) -> None:
    parser = commands.add_parser(
        "presets",
        help="the mail providers whose server --preset NAME fills in",
        parents=parents,
    )
    parser.add_argument("--json", action="store_true", help="print JSON (stable keys)")
    parser.set_defaults(run=list_presets)


def preset_option(parser: argparse.ArgumentParser) -> None:
    """`--preset NAME` on `accounts add|edit`; an unknown name is a usage error naming the
    known ones, as argparse reports a bad choice."""
    parser.add_argument(
        "--preset",
        metavar="NAME",
        type=_preset,
        help="fill host, port and security from a provider's preset (smtp-tui presets "
        "lists them; ses:REGION, e.g. ses:eu-west-1); options given as well win",
    )


def _preset(name: str) -> presets.Preset:
    try:
        return presets.find(name)
    except presets.PresetError as exc:
        # argparse shows an ArgumentTypeError's message as it is; another error as "invalid".
        raise argparse.ArgumentTypeError(str(exc)) from None


def list_presets(args, context) -> int:
    if args.json:
        as_json([presets.describe(p) for p in presets.PRESETS])
        return EXIT_OK
    table(
        ("Name", "Provider", "Host", "Port", "Secure", "User name", "Note"),
        [
            (p.name, p.label, p.host, p.port, p.secure_type, p.username or "", p.note)
            for p in presets.PRESETS
        ],
    )
    return EXIT_OK
