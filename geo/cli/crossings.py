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

from geo.cli.common import add_store_option, hx, parse_date, say, store_from
from geo.cli.status import (
    _date,
    _numbered,
    _store_id,
    add_format_option,
    add_version_options,
    print_frame,
    recorded_line,
)
from geo.errors import DataFileError
from geo.store import constraints
from geo.store.db import display_location
from geo.vocab import ROAD_STATUS, crossing_agreement, road_status_label

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
    parser = subparsers.add_parser("crossings", help=hx("cli.h.crossings"), description=hx("cli.d.crossings"))
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p_set = sub.add_parser("set", help=hx("cli.h.crossings.set"), description=hx("cli.h.crossings.set"))
    p_set.add_argument("--crossing", required=True, metavar="ID", help=hx("cli.h.crossings.id"))
    add_version_options(p_set, "cli.h.crossings.status")
    add_store_option(p_set)
    p_set.set_defaults(func=run_set)

    p_hist = sub.add_parser(
        "history", help=hx("cli.h.crossings.history"), description=hx("cli.h.crossings.history")
    )
    p_hist.add_argument("--crossing", metavar="ID", help=hx("cli.h.crossings.id_all"))
    add_format_option(p_hist)
    add_store_option(p_hist)
    p_hist.set_defaults(func=run_history)

    p_show = sub.add_parser("show", help=hx("cli.h.crossings.show"), description=hx("cli.h.crossings.show"))
    p_show.add_argument("--as-of", type=parse_date, default=None, metavar="DATE", help=hx("cli.h.date_today"))
    add_format_option(p_show)
    add_store_option(p_show)
    p_show.set_defaults(func=run_show)


def run_set(args: argparse.Namespace) -> int:
    """Record one version; prints its id."""
    path = store_from(args)
    supersedes = _store_id(path, "crossing", args.crossing, args.supersedes, "supersedes")
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
        supersedes=supersedes,
    )
    known = constraints.known_crossings().set_index("crossing_id")
    name = known["name"].get(args.crossing)
    agreement = crossing_agreement(known["kind"].get(args.crossing), name)
    item = f"{name} ({args.crossing})" if isinstance(name, str) and name else args.crossing
    line = recorded_line(
        args,
        "cli.crossing_recorded",
        res,
        item=item,
        path=path,
        kind="crossing",
        item_id=args.crossing,
        agreement=agreement,
    )
    print(line)
    return 0


def _agreeing(args: argparse.Namespace, table):  # noqa: ANN001, ANN202
    """``table`` with its ``status`` codes as labels agreeing with each crossing's noun (French).

    ``Bac de Djenné`` is ``Fermé``, ``Traversée en pirogue vers Aibongo`` ``Fermée``
    (:func:`geo.vocab.crossing_agreement`); the names and kinds come from the curated crossings.
    """
    from geo.cli.common import lang_of

    known = constraints.known_crossings().set_index("crossing_id")
    lang = lang_of(args)
    status = [
        road_status_label(s, lang, crossing_agreement(known["kind"].get(c), known["name"].get(c)))
        if s in ROAD_STATUS
        else s
        for c, s in zip(table["crossing_id"], table["status"], strict=True)
    ]
    return table.assign(status=status)


def run_history(args: argparse.Namespace) -> int:
    """Print every version (superseded included), oldest first."""
    path = store_from(args)
    if args.crossing is not None and args.crossing not in set(constraints.known_crossings()["crossing_id"]):
        msg, label = f"unknown crossing {args.crossing!r}", "crossings history"
        raise DataFileError(label, msg, field="crossing").keyed(
            key="err.unknown_crossing", id=repr(args.crossing)
        )
    hist = constraints.crossing_status_history(path, args.crossing)
    table = _numbered(args, hist[HISTORY_COLUMNS], hist, "crossing_id")
    print_frame(table if args.format == "csv" else _agreeing(args, table), args.format, args)
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print the status of every known crossing on ``--as-of``."""
    as_of = args.as_of or dt.date.today()
    versions = constraints.load_versions(store_from(args))
    table = constraints.effective_crossing_status(versions, as_of).reset_index()
    if args.format == "table":
        print(
            say(args, "cli.crossings_head", date=_date(args, as_of), store=display_location(store_from(args)))
        )
        table = _agreeing(args, table).assign(kind=[_kind(args, k) for k in table["kind"]])
    history = constraints.crossing_status_history(store_from(args))
    print_frame(_numbered(args, table[SHOW_COLUMNS], history, "crossing_id"), args.format, args)
    return 0


def _kind(args: argparse.Namespace, kind: object) -> object:
    """Crossing kind for people (``Bac``); other values unchanged."""
    from geo.cli.common import lang_of
    from geo.products.i18n import has_key, tr

    key = f"crossing_{kind}"
    return tr(key, lang_of(args)) if isinstance(kind, str) and has_key(key, lang_of(args)) else kind
