"""``python -m geo series``: access over time, the reach of every hub on a run of as-of dates."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from geo.cli.batch import add_period_options
from geo.cli.common import (
    add_cell_km_option,
    add_cluster_options,
    add_data_option,
    add_store_option,
    data_from,
    line_progress,
    parse_hours,
    settings_of,
    store_from,
)
from geo.config import DEFAULT_BANDS_H
from geo.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``series`` subcommand."""
    p = sub.add_parser(
        "series",
        help="access over time: km², people and localities reachable per hub, date after date",
        description="Compute the reach of every hub on each as-of date from --from to --to, every "
        "--every days (one a week by default), under the constraints in force on each date, and "
        "write one row per date, hub and band (area km², population, localities) as CSV with an "
        "HXL row. Dates with the same constraints, season and flood zones are computed once; the "
        "rest run on a dask cluster (local by default).",
    )
    add_data_option(p)
    add_period_options(p, required=True)
    p.add_argument("--out", required=True, metavar="FILE.csv", help="series to write (CSV + HXL)")
    p.add_argument(
        "--hours",
        type=parse_hours,
        default=DEFAULT_BANDS_H,
        metavar="H,H,...",
        help="band limits in hours (default: 4,8,12)",
    )
    p.add_argument(
        "--season",
        choices=("dry", "rainy"),
        default=None,
        help="season for every date (default: each date's)",
    )
    p.add_argument("--hubs", metavar="ID,ID", help="only these hub ids (default: all hubs)")
    add_cell_km_option(p)
    add_cluster_options(p)
    add_store_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``series``; returns the exit code."""
    from geo.model.batch import make_context, open_runner, reach_series, weekly_dates
    from geo.model.friction import load_model_inputs
    from geo.sources.curated import select_hubs
    from geo.store.constraints import load_versions
    from geo.tables import write_csv

    t0 = time.perf_counter()
    if Path(args.out).suffix.lower() != ".csv":
        msg = f"{args.out}: the series is written as CSV (.csv)"
        raise InputError(msg)
    try:
        dates = weekly_dates(args.start, args.end, every_days=args.every)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    data_dir = data_from(args)
    cell_km = settings_of(args).cell_km
    hubs = select_hubs(args.hubs.split(",") if args.hubs else None)
    versions = load_versions(store_from(args), data_dir=data_dir)
    inputs = load_model_inputs(data_dir, cell_km=cell_km)
    ctx = make_context(inputs, hubs, hours=args.hours)
    with open_runner(workers=args.workers, scheduler=args.scheduler) as runner:
        print(
            f"series: {len(dates)} dates from {dates[0]} to {dates[-1]} on {runner.description}", flush=True
        )
        table = reach_series(
            ctx,
            dates,
            runner,
            road_status_versions=versions.road_status,
            encircled_episodes=versions.encircled,
            crossing_versions=versions.crossing_status,
            season=args.season,
            progress=line_progress("series"),
        )
    write_csv(table, Path(args.out))
    largest = table[table["hours"] == max(args.hours)]
    wide = largest.pivot_table(index="as_of", columns="hub", values="population", sort=False)
    print(f"People within {max(args.hours):g} h per hub:")
    print(wide.to_string(float_format="{:,.0f}".format))
    print(f"wrote {args.out} ({len(table)} rows, {cell_km:g} km cells) in {time.perf_counter() - t0:.1f} s")
    return 0
