"""``python -m geo crossings set|history|show``: status of the river crossings in the store.

Crossings (bridges, ferries, pirogue crossings, fords) are listed in
``data/curated/crossings.csv``; their status history follows the axes' rules (see
``python -m geo status``): append-only versions, the latest ``valid_from`` in force
on a date wins. A closed crossing cuts the routes through it; a constrained one takes
twice its crossing and waiting time.

Examples
--------
``python -m geo crossings set --crossing X-DJENNE --status closed --cause physical
--valid-from 2025-09-01 --source "ferry out of order, local radio" --by "A. Traoré"``

``python -m geo crossings history --crossing X-DJENNE``

``python -m geo crossings show --as-of 2025-12-01 --format csv``
"""

from __future__ import annotations

import argparse
import datetime as dt

from geo.cli.common import add_store_option, parse_date, store_from
from geo.cli.status import add_format_option, print_frame
from geo.errors import DataFileError
from geo.store import constraints
from geo.store.db import display_location
from geo.vocab import CAUSE, CONFIDENCE, ROAD_STATUS

HISTORY_COLUMNS = [
    "version_id",
    "crossing_id",
    "status",
    "cause",
    "valid_from",
    "valid_to",
    "confidence",
    "source",
    "note",
    "recorded_by",
    "recorded_at",
    "supersedes",
    "superseded_by",
    "origin",
]
SHOW_COLUMNS = [
    "crossing_id",
    "name",
    "river",
    "kind",
    "status",
    "cause",
    "valid_from",
    "valid_to",
    "confidence",
    "source",
    "recorded_by",
    "recorded_at",
    "version_id",
    "in_force",
]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``crossings`` and its ``set``/``history``/``show`` subcommands."""
    parser = subparsers.add_parser(
        "crossings",
        help="record and list the status of river crossings (store)",
        description="Status of bridges, ferries, pirogue crossings and fords, dated and audited "
        "in the project store.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p_set = sub.add_parser("set", help="record a new status version for a crossing")
    p_set.add_argument(
        "--crossing", required=True, metavar="ID", help="crossing_id of data/curated/crossings.csv"
    )
    p_set.add_argument("--status", required=True, choices=ROAD_STATUS.codes, help="crossing status")
    p_set.add_argument("--cause", required=True, choices=CAUSE.codes, help="cause of the status")
    p_set.add_argument("--valid-from", required=True, type=parse_date, metavar="DATE")
    p_set.add_argument(
        "--valid-to", type=parse_date, metavar="DATE", help="last day in force (default: open-ended)"
    )
    p_set.add_argument("--source", required=True, help="report the status comes from (text or URL)")
    p_set.add_argument("--by", required=True, metavar="NAME", help="who records it")
    p_set.add_argument(
        "--confidence", default="medium", choices=CONFIDENCE.codes, help="confidence (default: medium)"
    )
    p_set.add_argument("--note", default="")
    p_set.add_argument("--status-raw", default="", help="the publisher's wording")
    p_set.add_argument(
        "--supersedes",
        type=int,
        metavar="VERSION",
        help="version id this one corrects (it stays in the history)",
    )
    add_store_option(p_set)
    p_set.set_defaults(func=run_set)

    p_hist = sub.add_parser("history", help="print every version of a crossing")
    p_hist.add_argument("--crossing", metavar="ID", help="crossing_id (default: all crossings)")
    add_format_option(p_hist)
    add_store_option(p_hist)
    p_hist.set_defaults(func=run_history)

    p_show = sub.add_parser("show", help="print the effective status of every crossing on a date")
    p_show.add_argument(
        "--as-of", type=parse_date, default=None, metavar="DATE", help="date (default: today)"
    )
    add_format_option(p_show)
    add_store_option(p_show)
    p_show.set_defaults(func=run_show)


def run_set(args: argparse.Namespace) -> int:
    """Record one version; prints its id."""
    path = store_from(args)
    res = constraints.record_crossing_status(
        path,
        crossing_id=args.crossing,
        status=args.status,
        cause=args.cause,
        valid_from=args.valid_from,
        valid_to=args.valid_to,
        source=args.source,
        recorded_by=args.by,
        confidence=args.confidence,
        note=args.note,
        status_raw=args.status_raw,
        supersedes=args.supersedes,
    )
    extra = f" (supersedes version {res.supersedes})" if res.supersedes is not None else ""
    print(
        f"recorded crossing-status version {res.version_id}: {args.crossing} {args.status} from "
        f"{args.valid_from}{extra} by {args.by} at {res.recorded_at} in {path}"
    )
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Print every version (superseded included), oldest first."""
    path = store_from(args)
    if args.crossing is not None and args.crossing not in set(constraints.known_crossings()["crossing_id"]):
        msg, label = f"unknown crossing {args.crossing!r}", "crossings history"
        raise DataFileError(label, msg, field="crossing")
    hist = constraints.crossing_status_history(path, args.crossing)
    print_frame(hist[HISTORY_COLUMNS], args.format)
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print the status of every known crossing on ``--as-of``."""
    as_of = args.as_of or dt.date.today()
    versions = constraints.load_versions(store_from(args))
    table = constraints.effective_crossing_status(versions, as_of).reset_index()
    if args.format == "table":
        print(f"crossing status as of {as_of} ({display_location(store_from(args))})")
    print_frame(table[SHOW_COLUMNS], args.format)
    return 0
