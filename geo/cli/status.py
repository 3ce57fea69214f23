"""``python -m geo status set|history|show``: road status of the named axes in the store.

Examples
--------
``python -m geo status set --axis RN16-SEV-DOU --status closed --cause security
--valid-from 2025-11-01 --source "OCHA flash update" --by "A. Traoré"``

``python -m geo status history --axis RN16-SEV-DOU``

``python -m geo status show --as-of 2025-12-01 --format csv``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import pandas as pd

from geo.cli.common import add_store_option, parse_date, store_from
from geo.store import constraints
from geo.store.db import display_location
from geo.vocab import CAUSE, CONFIDENCE, ROAD_STATUS

HISTORY_COLUMNS = [
    "version_id",
    "axis_id",
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
    "escort_kmh",
]
SHOW_COLUMNS = [
    "axis_id",
    "axis_name",
    "status",
    "escort_kmh",
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


def add_format_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--format {table,csv}``."""
    parser.add_argument(
        "--format", choices=("table", "csv"), default="table", help="table (default) or CSV on stdout"
    )


def print_frame(df: pd.DataFrame, fmt: str) -> None:
    """Print a table (aligned text) or CSV on stdout (``geo.tables.csv_text``); missing values print empty."""
    if fmt == "csv":
        from geo.tables import csv_text

        sys.stdout.write(csv_text(df, hxl=False))
        return
    out = df.astype(object).where(df.notna(), "")
    if len(out):
        print(out.to_string(index=False))
    else:
        print("(no rows)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``status`` and its ``set``/``history``/``show`` subcommands."""
    parser = subparsers.add_parser(
        "status",
        help="record and list the road status of named axes (store)",
        description="Road status of named axes, dated and audited in the project store.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p_set = sub.add_parser("set", help="record a new status version for an axis")
    p_set.add_argument("--axis", required=True, metavar="ID", help="axis_id of data/curated/axes.csv")
    p_set.add_argument("--status", required=True, choices=ROAD_STATUS.codes, help="road status")
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
        "--escort-kmh",
        type=float,
        metavar="KMH",
        help="escorted/convoy speed of a constrained axis (km/h), used instead of the constrained factor",
    )
    p_set.add_argument(
        "--supersedes",
        type=int,
        metavar="VERSION",
        help="version id this one corrects (it stays in the history)",
    )
    p_set.add_argument(
        "--based-on",
        type=int,
        metavar="VERSION",
        help="the axis's latest version when you prepared this change (see history); if the axis "
        "has a newer one, nothing is saved and the newer version is printed (exit 2)",
    )
    add_store_option(p_set)
    p_set.set_defaults(func=run_set)

    p_hist = sub.add_parser("history", help="print every version of an axis")
    p_hist.add_argument("--axis", metavar="ID", help="axis_id (default: all axes)")
    add_format_option(p_hist)
    add_store_option(p_hist)
    p_hist.set_defaults(func=run_history)

    p_show = sub.add_parser("show", help="print the effective status of every axis on a date")
    p_show.add_argument(
        "--as-of", type=parse_date, default=None, metavar="DATE", help="date (default: today)"
    )
    add_format_option(p_show)
    add_store_option(p_show)
    p_show.set_defaults(func=run_show)


def run_set(args: argparse.Namespace) -> int:
    """Record one version; prints its id."""
    path = store_from(args)
    res = constraints.record_road_status(
        path,
        axis_id=args.axis,
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
        escort_kmh=args.escort_kmh,
        based_on=args.based_on,
    )
    extra = f" (supersedes version {res.supersedes})" if res.supersedes is not None else ""
    print(
        f"recorded road-status version {res.version_id}: {args.axis} {args.status} from "
        f"{args.valid_from}{extra} by {args.by} at {res.recorded_at} in {path}"
    )
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Print every version (superseded included), oldest first."""
    path = store_from(args)
    if args.axis is not None and args.axis not in set(constraints.known_axes()["axis_id"]):
        from geo.errors import DataFileError

        msg = f"unknown axis {args.axis!r}"
        label = "status history"
        raise DataFileError(label, msg, field="axis")
    hist = constraints.road_status_history(path, args.axis)
    print_frame(hist[HISTORY_COLUMNS], args.format)
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print the status of every known axis on ``--as-of``."""
    as_of = args.as_of or dt.date.today()
    versions = constraints.load_versions(store_from(args))
    table = constraints.effective_road_status(versions, as_of).reset_index()
    if args.format == "table":
        print(f"road status as of {as_of} ({display_location(store_from(args))})")
    print_frame(table[SHOW_COLUMNS], args.format)
    return 0
