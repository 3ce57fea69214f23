"""``python -m geo travel-time``: travel time from a hub to a locality, with the route's road share."""

from __future__ import annotations

import argparse
import datetime as dt

from geo.cli.common import add_data_option, add_store_option, parse_date, positive_km, store_from
from geo.config import DEFAULT_CELL_KM, resolve_data_dir


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``travel-time`` subcommand."""
    p = sub.add_parser(
        "travel-time",
        help="travel time from a hub to a locality",
        description="Print the modelled travel time (hours) from a HAWG hub to a locality under the "
        "constraints in force on the as-of date, with the share of the fastest route on roads.",
    )
    add_data_option(p)
    p.add_argument("--from", dest="hub", required=True, metavar="HUB", help="hub id (e.g. MOP) or name")
    p.add_argument(
        "--to",
        dest="locality",
        required=True,
        metavar="LOCALITY",
        help="locality name (case-insensitive; the most populous match is used) or place id",
    )
    p.add_argument(
        "--as-of",
        type=parse_date,
        default=dt.date.today(),
        metavar="YYYY-MM-DD",
        help="constraints in force on this date (default: today)",
    )
    p.add_argument(
        "--season",
        choices=("dry", "rainy"),
        default=None,
        help="speed profile dry|rainy (default: the season of --as-of in data/curated/seasons.csv)",
    )
    p.add_argument(
        "--cell-km", type=positive_km, default=DEFAULT_CELL_KM, metavar="KM", help="grid cell size (km)"
    )
    add_store_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``travel-time``; returns the exit code."""
    from geo.errors import HubError
    from geo.model.friction import load_model_inputs
    from geo.model.reach import base_state, find_locality, route_between
    from geo.sources.curated import read_hubs
    from geo.store.constraints import load_versions

    hubs = read_hubs().valid
    key = args.hub.casefold()
    match = hubs[
        (hubs["hub_id"].str.casefold() == key) | hubs["name"].str.casefold().str.contains(key, regex=False)
    ]
    if match.empty:
        msg = f"no hub {args.hub!r}; known: {', '.join(hubs['hub_id'])}"
        raise HubError(msg)
    hub = match.iloc[0]
    versions = load_versions(store_from(args))
    inputs = load_model_inputs(resolve_data_dir(args.data), cell_km=args.cell_km)
    place = find_locality(inputs, args.locality)
    state = base_state(
        inputs,
        versions.road_status,
        versions.encircled,
        args.as_of,
        season=args.season,
        crossing_versions=versions.crossing_status,
    )
    route = route_between(inputs, state, hub, place)
    print(
        f"{hub['name']} -> {place['name']} ({place.get('adm2_pcode', '')}), as of {args.as_of}, "
        f"{state.season} season"
    )
    if route.time_h is None:
        print(f"not reachable ({route.note})")
        return 1
    print(f"travel time: {route.time_h:.2f} h")
    print(
        f"route length: {route.length_km:,.0f} km ({route.road_km:,.0f} km on road = "
        f"{100 * route.road_share:.0f}%, {route.length_km - route.road_km:,.0f} km off road); "
        f"straight line {route.straight_km:,.0f} km"
    )
    return 0
