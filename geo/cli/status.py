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

from geo.cli.common import add_store_option, choices_help, frame_text, hx, parse_date, say, store_from
from geo.store import constraints
from geo.store.db import display_location
from geo.vocab import CAUSE, CONFIDENCE, ROAD_STATUS, road_status_label

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


#: Catalog prefixes of the column headers of the tables printed for people.
COLUMN_PREFIXES = ("cons.col", "cli.col")
#: Columns whose codes print as labels (:mod:`geo.vocab`).
LABELLED = {"status": ROAD_STATUS, "cause": CAUSE, "confidence": CONFIDENCE}


def add_format_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--format {table,csv}``."""
    parser.add_argument("--format", choices=("table", "csv"), default="table", help=hx("cli.h.format_table"))


def print_frame(
    df: pd.DataFrame, fmt: str, args: argparse.Namespace | None = None, vocabs: dict | None = None
) -> None:
    """Print a table for people or CSV on stdout (``geo.tables.csv_text``, codes and English headers).

    The table (``fmt == "table"``) has its headers, codes (``vocabs``, default
    :data:`LABELLED`) and yes/no in the language of ``args``' settings; missing values print empty.
    """
    if fmt == "csv":
        from geo.tables import csv_text

        sys.stdout.write(csv_text(df, hxl=False))
        return
    if args is None:
        args = argparse.Namespace()
    print(frame_text(args, df, COLUMN_PREFIXES, LABELLED if vocabs is None else vocabs))


def add_version_options(p: argparse.ArgumentParser, status_key: str) -> None:
    """Add the options of a new status version of an axis or a crossing (status, cause, dates, source ...)."""
    p.add_argument(
        "--status", required=True, choices=ROAD_STATUS.codes, help=choices_help(ROAD_STATUS, status_key)
    )
    p.add_argument("--cause", required=True, choices=CAUSE.codes, help=choices_help(CAUSE, "cli.h.cause"))
    p.add_argument(
        "--valid-from", required=True, type=parse_date, metavar="DATE", help=hx("cli.h.valid_from")
    )
    p.add_argument("--valid-to", type=parse_date, metavar="DATE", help=hx("cli.h.valid_to"))
    p.add_argument("--source", required=True, help=hx("cli.h.source"))
    p.add_argument("--by", required=True, metavar="NAME", help=hx("cli.h.by"))
    p.add_argument(
        "--confidence",
        default="medium",
        choices=CONFIDENCE.codes,
        help=choices_help(CONFIDENCE, "cli.h.confidence"),
    )
    p.add_argument("--note", default="", help=hx("cli.h.note"))
    p.add_argument("--status-raw", default="", help=hx("cli.h.status_raw"))
    p.add_argument("--supersedes", type=int, metavar="VERSION", help=hx("cli.h.supersedes"))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``status`` and its ``set``/``history``/``show`` subcommands."""
    parser = subparsers.add_parser("status", help=hx("cli.h.status"), description=hx("cli.d.status"))
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p_set = sub.add_parser("set", help=hx("cli.h.status.set"), description=hx("cli.h.status.set"))
    p_set.add_argument("--axis", required=True, metavar="ID", help=hx("cli.h.status.axis"))
    add_version_options(p_set, "cli.h.status.status")
    p_set.add_argument("--escort-kmh", type=float, metavar="KMH", help=hx("cli.h.status.escort"))
    p_set.add_argument("--based-on", type=int, metavar="VERSION", help=hx("cli.h.status.based_on"))
    add_store_option(p_set)
    p_set.set_defaults(func=run_set)

    p_hist = sub.add_parser(
        "history", help=hx("cli.h.status.history"), description=hx("cli.h.status.history")
    )
    p_hist.add_argument("--axis", metavar="ID", help=hx("cli.h.status.axis_all"))
    add_format_option(p_hist)
    add_store_option(p_hist)
    p_hist.set_defaults(func=run_history)

    p_show = sub.add_parser("show", help=hx("cli.h.status.show"), description=hx("cli.h.status.show"))
    p_show.add_argument("--as-of", type=parse_date, default=None, metavar="DATE", help=hx("cli.h.date_today"))
    add_format_option(p_show)
    add_store_option(p_show)
    p_show.set_defaults(func=run_show)


def run_set(args: argparse.Namespace) -> int:
    """Record one version; prints its number among the axis's versions."""
    path = store_from(args)
    supersedes = _store_id(path, "axis", args.axis, args.supersedes, "supersedes")
    based_on = _store_id(path, "axis", args.axis, args.based_on, "based_on")
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
        supersedes=supersedes,
        escort_kmh=args.escort_kmh,
        based_on=based_on,
    )
    print(
        recorded_line(
            args, "cli.status_recorded", res, item=args.axis, path=path, kind="axis", item_id=args.axis
        )
    )
    return 0


def _store_id(path, kind: str, item: str, number: int | None, field: str) -> int | None:  # noqa: ANN001
    """Return the store id of the version ``number`` people gave (``--supersedes``, ``--based-on``)."""
    return None if number is None else constraints.version_id_of(path, kind, item, number, field=field)


def numbered(table: pd.DataFrame, history: pd.DataFrame, item_column: str) -> pd.DataFrame:
    """Return a table for people with each item's own version numbers instead of store ids.

    ``version_id`` becomes ``version`` (1, 2, 3 per item in order of recording,
    :func:`geo.store.constraints.version_numbers` over ``history``), and ``supersedes`` /
    ``superseded_by`` name those numbers too.
    """
    numbers = constraints.version_numbers(history, item_column)
    out = table.copy()
    for c in ("version_id", "supersedes", "superseded_by"):
        if c in out.columns:
            out[c] = [numbers.get(int(v), v) if pd.notna(v) else None for v in out[c]]
    return out.rename(columns={"version_id": "version"})


def recorded_line(  # noqa: PLR0913
    args: argparse.Namespace,
    key: str,
    res,  # noqa: ANN001
    *,
    item: str,
    path,  # noqa: ANN001
    kind: str,
    item_id: str,
    agreement: str = "f",
) -> str:
    """Return the line saying a status version was recorded (``key``: of an axis or of a crossing).

    The version and the one it supersedes are numbered within the item (``kind`` and
    ``item_id``, :func:`geo.store.constraints.version_number`), as the history shows them.
    ``agreement`` is that of the item's French noun (:func:`geo.vocab.road_status_label`):
    a road is feminine, a crossing agrees with its own noun (``bac`` masculine).
    """
    from geo.cli.common import lang_of
    from geo.products.i18n import format_date, format_day

    lang = lang_of(args)
    number = constraints.version_number
    extra = (
        say(args, "cli.supersedes", n=number(path, kind, item_id, res.supersedes))
        if res.supersedes is not None
        else ""
    )
    return say(
        args,
        key,
        n=number(path, kind, item_id, res.version_id),
        item=item,
        status=road_status_label(args.status, lang, agreement).lower(),
        date=format_date(args.valid_from, lang),
        extra=extra,
        by=args.by,
        at=format_day(res.recorded_at, lang),
        path=path,
    )


def run_history(args: argparse.Namespace) -> int:
    """Print every version (superseded included), oldest first."""
    path = store_from(args)
    if args.axis is not None and args.axis not in set(constraints.known_axes()["axis_id"]):
        from geo.errors import DataFileError

        msg = f"unknown axis {args.axis!r}"
        label = "status history"
        raise DataFileError(label, msg, field="axis").keyed(key="err.unknown_axis", id=repr(args.axis))
    hist = constraints.road_status_history(path, args.axis)
    print_frame(_numbered(args, hist[HISTORY_COLUMNS], hist, "axis_id"), args.format, args)
    return 0


def _numbered(
    args: argparse.Namespace, table: pd.DataFrame, history: pd.DataFrame, item_column: str
) -> pd.DataFrame:
    """Return the table as printed: :func:`numbered`; for ``--format csv`` the store ids plus ``version``."""
    shown = numbered(table, history, item_column)
    if args.format != "csv":
        return shown
    out = table.copy()
    out.insert(list(out.columns).index("version_id") + 1, "version", shown["version"].to_numpy())
    return out


def _date(args: argparse.Namespace, day: dt.date) -> str:
    from geo.cli.common import lang_of
    from geo.products.i18n import format_date

    return format_date(day, lang_of(args))


def run_show(args: argparse.Namespace) -> int:
    """Print the status of every known axis on ``--as-of``."""
    as_of = args.as_of or dt.date.today()
    versions = constraints.load_versions(store_from(args))
    table = constraints.effective_road_status(versions, as_of).reset_index()
    if args.format == "table":
        print(say(args, "cli.status_head", date=_date(args, as_of), store=display_location(store_from(args))))
    history = constraints.road_status_history(store_from(args))
    print_frame(_numbered(args, table[SHOW_COLUMNS], history, "axis_id"), args.format, args)
    return 0
