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

from geo.cli.common import (
    add_data_option,
    add_store_option,
    choices_help,
    data_from,
    hx,
    lang_of,
    parse_date,
    say,
    store_from,
)
from geo.cli.status import _date, _numbered, add_format_option, print_frame
from geo.errors import DataFileError
from geo.products.i18n import format_day
from geo.store import constraints
from geo.store.db import display_location
from geo.vocab import CONFIDENCE, ENCIRCLED_STATUS, POPULATION_METHOD

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


#: Columns whose codes print as labels in the tables for people.
VOCABS = {
    "status": ENCIRCLED_STATUS,
    "confidence": CONFIDENCE,
    "coord_confidence": CONFIDENCE,
    "population_method": POPULATION_METHOD,
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``encircled`` and its ``set``/``history``/``show`` subcommands."""
    parser = subparsers.add_parser("encircled", help=hx("cli.h.encircled"), description=hx("cli.d.encircled"))
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p_set = sub.add_parser("set", help=hx("cli.h.enc.set"), description=hx("cli.d.enc.set"))
    p_set.add_argument("--locality", required=True, metavar="NAME", help=hx("cli.h.enc.locality"))
    p_set.add_argument("--episode", metavar="ID", help=hx("cli.h.enc.episode"))
    p_set.add_argument(
        "--status", choices=ENCIRCLED_STATUS.codes, help=choices_help(ENCIRCLED_STATUS, "cli.h.enc.status")
    )
    p_set.add_argument("--since", type=parse_date, metavar="DATE", help=hx("cli.h.enc.since"))
    p_set.add_argument("--until", type=parse_date, metavar="DATE", help=hx("cli.h.enc.until"))
    p_set.add_argument(
        "--last-confirmed", type=parse_date, metavar="DATE", help=hx("cli.h.enc.last_confirmed")
    )
    p_set.add_argument("--lon", type=float, help=hx("cli.h.enc.lon"))
    p_set.add_argument("--lat", type=float, help=hx("cli.h.enc.lat"))
    p_set.add_argument(
        "--coord-confidence",
        choices=CONFIDENCE.codes,
        help=choices_help(CONFIDENCE, "cli.h.enc.coord_confidence"),
    )
    p_set.add_argument(
        "--confidence", choices=CONFIDENCE.codes, help=choices_help(CONFIDENCE, "cli.h.enc.confidence")
    )
    p_set.add_argument("--armed-group", help=hx("cli.h.enc.armed_group"))
    p_set.add_argument("--radius-km", type=float, help=hx("cli.h.enc.radius"))
    shown = p_set.add_mutually_exclusive_group()
    shown.add_argument(
        "--public", dest="public", action="store_true", default=None, help=hx("cli.h.enc.public")
    )
    shown.add_argument("--restricted", dest="public", action="store_false", help=hx("cli.h.enc.restricted"))
    p_set.add_argument("--note", help=hx("cli.h.note"))
    p_set.add_argument("--source", required=True, help=hx("cli.h.source"))
    p_set.add_argument("--by", required=True, metavar="NAME", help=hx("cli.h.by"))
    p_set.add_argument("--based-on", type=int, metavar="VERSION", help=hx("cli.h.enc.based_on"))
    add_data_option(p_set)
    add_store_option(p_set)
    p_set.set_defaults(func=run_set)

    p_hist = sub.add_parser("history", help=hx("cli.h.enc.history"), description=hx("cli.h.enc.history"))
    p_hist.add_argument("--locality", metavar="NAME", help=hx("cli.h.enc.locality_all"))
    add_format_option(p_hist)
    add_store_option(p_hist)
    p_hist.set_defaults(func=run_history)

    p_show = sub.add_parser("show", help=hx("cli.h.enc.show"), description=hx("cli.h.enc.show"))
    p_show.add_argument("--as-of", type=parse_date, default=None, metavar="DATE", help=hx("cli.h.date_today"))
    p_show.add_argument("--all", action="store_true", help=hx("cli.h.enc.all"))
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
        based_on=_based_on(args, path),
        data_dir=_data_dir(args),
    )
    hist = constraints.encircled_history(path, args.locality)
    row = hist[hist["version_id"] == res.version_id].iloc[0]
    numbers = constraints.version_numbers(hist, "episode_id")  # the episode's own version numbers
    lang = lang_of(args)
    shown = "cli.enc_public" if bool(row["public"]) else "cli.enc_restricted"
    extra = (
        say(args, "cli.enc_supersedes", n=numbers.get(int(res.supersedes), res.supersedes))
        if res.supersedes is not None
        else say(args, "cli.enc_new")
    )
    print(
        say(
            args,
            "cli.enc_recorded",
            n=numbers[int(res.version_id)],
            episode=row["episode_id"],
            status=ENCIRCLED_STATUS.label(row["status"], lang).lower(),
            since=format_day(row["since"], lang),
            until=format_day(row["until"], lang) if row["until"] else say(args, "cli.enc_open"),
            pcode=row["adm3_pcode"],
            shown=say(args, shown),
            extra=extra,
            by=args.by,
            at=format_day(res.recorded_at, lang),
            path=path,
        )
    )
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Print every version (superseded included), oldest first."""
    hist = constraints.encircled_history(store_from(args), args.locality)
    if args.locality is not None and hist.empty:
        msg = f"unknown locality {args.locality!r}"
        label = "encircled history"
        raise DataFileError(label, msg, field="locality").keyed(
            key="err.unknown_locality", name=repr(args.locality)
        )
    print_frame(_numbered(args, hist[HISTORY_COLUMNS], hist, "episode_id"), args.format, args, VOCABS)
    return 0


def _based_on(args: argparse.Namespace, path) -> int | None:  # noqa: ANN001
    """Store id of the episode version ``--based-on`` names (its number in the episode, 0 for a new one).

    The episode is ``--episode``, else the locality's episode that starts on ``--since``
    (as :func:`geo.store.constraints.record_encircled` finds it); none: the number must be 0.
    """
    if args.based_on is None or args.based_on == 0:
        return args.based_on
    episode = args.episode
    if episode is None and args.since is not None:
        hist = constraints.encircled_history(path, args.locality)
        same = hist[hist["since"].astype(str) == args.since.isoformat()]
        episode = (
            str(same["episode_id"].iloc[-1]) if len(same) else f"{args.locality}@{args.since.isoformat()}"
        )
    return constraints.version_id_of(
        path, "episode", episode or args.locality, args.based_on, field="based_on"
    )


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
        print(
            say(args, "cli.encircled_head", date=_date(args, as_of), store=display_location(store_from(args)))
        )
    history = constraints.encircled_history(store_from(args))
    print_frame(_numbered(args, eff[SHOW_COLUMNS], history, "episode_id"), args.format, args, VOCABS)
    if args.format == "table":
        note = "cli.enc_population_note" if data_dir is not None else "cli.enc_no_data"
        print(say(args, note))
    return 0
