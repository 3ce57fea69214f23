"""Command line: ``python -m geo <command> ...``.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function
taking the parsed arguments and returning the exit code. Errors of the engine
(:class:`geo.errors.AccessMapError`) are printed as one line naming the file and
field, with exit code 2; no traceback. So is a missing optional module: the line names
the extra to install (``pip install 'mali-access[export]'``). The settings are resolved
once from the parsed options (:func:`geo.cli.common.settings_from`) and attached to the
arguments as ``args.settings``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from geo import __version__
from geo.cli.common import missing_extra_message, settings_from
from geo.errors import AccessMapError

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "geo.cli.reach",
    "geo.cli.catchments",
    "geo.cli.travel_time",
    "geo.cli.batch",
    "geo.cli.criticality",
    "geo.cli.series",
    "geo.cli.data",
    "geo.cli.status",
    "geo.cli.crossings",
    "geo.cli.encircled",
    "geo.cli.incidents",
    "geo.cli.export",
    "geo.cli.snapshot",
    "geo.cli.severity",
    "geo.cli.changes",
    "geo.cli.positions",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m geo",
        description="Mali humanitarian access mapper: reachable areas per HAWG hub, "
        "constraints, incidents, exports and public snapshots.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        args.settings = settings_from(args)
        return int(args.func(args) or 0)
    except AccessMapError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        message = missing_extra_message(exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 2
