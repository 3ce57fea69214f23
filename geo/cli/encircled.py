"""``python -m geo encircled set|history|show``: encircled localities in the store.

Examples
--------
``python -m geo encircled set --locality Léré --since 2025-10-27 --status lifted
--until 2025-12-01 --source "OCHA" --by "A. Traoré"`` (a new version of that episode)

``python -m geo encircled set --locality Boni --since 2025-11-20 --status active
--source "..." --by NAME`` (a new episode of a known locality; restricted until an
advisor adds ``--public`` to a version of it)

``python -m geo encircled show --as-of 2025-12-01 --format csv``
"""

from __future__ import annotations

import argparse
import datetime as dt

from geo.cli.common import add_data_option, add_store_option, data_from, parse_date, store_from
from geo.cli.status import add_format_option, print_frame
from geo.errors import DataFileError
from geo.store import constraints
from geo.store.db import display_location
from geo.vocab import CONFIDENCE, ENCIRCLED_STATUS

HISTORY_COLUMNS = [
    "version_id",
    "episode_id",
    "locality",
    "adm3_pcode",
    "status",
    "since",
    "until",
    "last_confirmed",
    "radius_km",
    "armed_group",
    "public",
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
    "episode_id",
    "locality",
    "adm3_pcode",
    "lon",
    "lat",
    "status",
    "since",
    "until",
    "last_confirmed",
    "radius_km",
    "armed_group",
    "public",
    "source",
    "recorded_by",
    "recorded_at",
    "version_id",
    "in_force",
    "population",
    "population_method",
    "population_grid",
    "population_grid_low",
    "population_grid_high",
    "population_settlement",
]


POPULATION_NOTE = (
    "population: people inside the no-entry disc (radius_km). population_grid = WorldPop 2020 "
    "density (~18 km blocks) x disc area; low/high = disc area x lowest/highest block density "
    "around the locality (the grid cannot resolve more); population_settlement = sum of the "
    "gazetteer (GeoNames) populations of localities in the disc, year unknown. population = the "
    "settlement figure when known, else the grid figure (population_method)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``encircled`` and its ``set``/``history``/``show`` subcommands."""
    parser = subparsers.add_parser(
        "encircled",
        help="record and list NSAG-encircled localities (store)",
        description="Encircled / blockaded localities, one episode per blockade, dated and "
        "audited in the project store.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p_set = sub.add_parser(
        "set",
        help="record a new episode, or a new version of an episode",
        description="Changes the current episode of LOCALITY that started on --since (or "
        "--episode); starts a new episode when there is none. Options left out keep the "
        "episode's current values.",
    )
    p_set.add_argument("--locality", required=True, metavar="NAME")
    p_set.add_argument("--episode", metavar="ID", help="episode_id to change (see history)")
    p_set.add_argument("--status", choices=ENCIRCLED_STATUS.codes, help="encirclement status")
    p_set.add_argument("--since", type=parse_date, metavar="DATE")
    p_set.add_argument("--until", type=parse_date, metavar="DATE", help="lifted on (last day)")
    p_set.add_argument("--last-confirmed", type=parse_date, metavar="DATE")
    p_set.add_argument("--lon", type=float, help="degrees east (EPSG:4326); needed for a new locality")
    p_set.add_argument("--lat", type=float, help="degrees north (EPSG:4326)")
    p_set.add_argument("--coord-confidence", choices=CONFIDENCE.codes, help="confidence of the coordinates")
    p_set.add_argument("--confidence", choices=CONFIDENCE.codes, help="confidence of the report")
    p_set.add_argument("--armed-group", help="restricted field")
    p_set.add_argument("--radius-km", type=float, help="no-entry radius (km)")
    shown = p_set.add_mutually_exclusive_group()
    shown.add_argument(
        "--public",
        dest="public",
        action="store_true",
        default=None,
        help="may appear in public products (snapshots, public exports); an advisor's decision",
    )
    shown.add_argument(
        "--restricted",
        dest="public",
        action="store_false",
        help="internal only (the default for a new episode; a new version keeps its episode's flag)",
    )
    p_set.add_argument("--note")
    p_set.add_argument("--source", required=True)
    p_set.add_argument("--by", required=True, metavar="NAME")
    p_set.add_argument(
        "--based-on",
        type=int,
        metavar="VERSION",
        help="the episode's latest version when you prepared this change (0 for a new episode; see "
        "history); if it has a newer one, nothing is saved and the newer version is printed (exit 2)",
    )
    add_data_option(p_set)
    add_store_option(p_set)
    p_set.set_defaults(func=run_set)

    p_hist = sub.add_parser("history", help="print every version of a locality's episodes")
    p_hist.add_argument("--locality", metavar="NAME", help="default: all localities")
    add_format_option(p_hist)
    add_store_option(p_hist)
    p_hist.set_defaults(func=run_history)

    p_show = sub.add_parser("show", help="print the episodes in force on a date")
    p_show.add_argument(
        "--as-of", type=parse_date, default=None, metavar="DATE", help="date (default: today)"
    )
    p_show.add_argument("--all", action="store_true", help="also episodes not in force")
    add_data_option(p_show)
    add_format_option(p_show)
    add_store_option(p_show)
    p_show.set_defaults(func=run_show)


def _data_dir(args: argparse.Namespace):
    try:
        return data_from(args)
    except DataFileError:
        if args.data:
            raise
        return None


def run_set(args: argparse.Namespace) -> int:
    """Record one version; prints its id and episode."""
    path = store_from(args)
    res = constraints.record_encircled(
        path,
        locality=args.locality,
        episode_id=args.episode,
        status=args.status,
        since=args.since,
        until=args.until,
        last_confirmed=args.last_confirmed,
        lon=args.lon,
        lat=args.lat,
        coord_confidence=args.coord_confidence,
        confidence=args.confidence,
        armed_group=args.armed_group,
        radius_km=args.radius_km,
        public=args.public,
        note=args.note,
        source=args.source,
        recorded_by=args.by,
        based_on=args.based_on,
        data_dir=_data_dir(args),
    )
    hist = constraints.encircled_history(path, args.locality)
    row = hist[hist["version_id"] == res.version_id].iloc[0]
    extra = f", supersedes version {res.supersedes}" if res.supersedes is not None else ", new episode"
    print(
        f"recorded encircled version {res.version_id}: {row['episode_id']} {row['status']} "
        f"({row['since']} - {row['until'] or 'open'}, admin3 {row['adm3_pcode']}, "
        f"{'public' if bool(row['public']) else 'restricted'}{extra}) "
        f"by {args.by} at {res.recorded_at} in {path}"
    )
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Print every version (superseded included), oldest first."""
    hist = constraints.encircled_history(store_from(args), args.locality)
    if args.locality is not None and hist.empty:
        msg = f"unknown locality {args.locality!r}"
        label = "encircled history"
        raise DataFileError(label, msg, field="locality")
    print_frame(hist[HISTORY_COLUMNS], args.format)
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print the episodes in force on ``--as-of`` (all with ``--all``)."""
    as_of = args.as_of or dt.date.today()
    eff = constraints.effective_encircled(constraints.load_versions(store_from(args)), as_of)
    if not args.all:
        eff = eff[eff["in_force"]]
    data_dir = _data_dir(args)
    if data_dir is not None:
        from geo.model.severity import with_population

        eff = with_population(eff, data_dir)
    else:
        for c in SHOW_COLUMNS:
            if c not in eff.columns:
                eff[c] = None
    if args.format == "table":
        print(f"encircled localities as of {as_of} ({display_location(store_from(args))})")
    print_frame(eff[SHOW_COLUMNS], args.format)
    if args.format == "table":
        print(POPULATION_NOTE if data_dir is not None else "population: no data folder (pass --data DIR)")
    return 0
