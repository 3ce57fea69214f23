"""``python -m geo criticality``: which axes and crossings cut off the most people when closed, per hub."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from geo.cli.batch import out_kind
from geo.cli.common import (
    add_cell_km_option,
    add_cluster_options,
    add_data_option,
    add_store_option,
    data_from,
    line_progress,
    parse_date,
    parse_hours,
    settings_of,
    store_from,
)
from geo.config import DEFAULT_BANDS_H


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``criticality`` subcommand."""
    p = sub.add_parser(
        "criticality",
        help="close each open or constrained axis and each crossing in turn; rank them per hub",
        description="On top of the constraints in force on the as-of date, close each axis that is "
        "not closed and each crossing usable by vehicles, one at a time, and count per hub the "
        "people and localities no longer reachable within the largest band. Ranked per hub "
        "(rank 1 cuts off the most people). CSV with an HXL row, or GeoPackage with the axes "
        "(layer critical_axes) and crossings (critical_crossings). The closures run on a dask "
        "cluster (local by default).",
    )
    add_data_option(p)
    p.add_argument(
        "--as-of",
        type=parse_date,
        default=dt.date.today(),
        metavar="YYYY-MM-DD",
        help="constraints in force on this date (default: today)",
    )
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.gpkg", help="ranking to write")
    p.add_argument(
        "--hours",
        type=parse_hours,
        default=DEFAULT_BANDS_H,
        metavar="H,H,...",
        help="band limits in hours; cut off = no longer within the largest (default: 4,8,12)",
    )
    p.add_argument(
        "--season", choices=("dry", "rainy"), default=None, help="season override (default: of --as-of)"
    )
    p.add_argument("--hubs", metavar="ID,ID", help="only these hub ids (default: all hubs)")
    add_cell_km_option(p)
    add_cluster_options(p)
    add_store_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``criticality``; returns the exit code."""
    from geo.model.batch import make_context, open_runner
    from geo.model.criticality import criticality, criticality_items
    from geo.model.friction import load_model_inputs
    from geo.model.reach import base_state
    from geo.sources.curated import select_hubs
    from geo.store.constraints import load_versions

    t0 = time.perf_counter()
    kind = out_kind(args.out)
    data_dir = data_from(args)
    cell_km = settings_of(args).cell_km
    hubs = select_hubs(args.hubs.split(",") if args.hubs else None)
    versions = load_versions(store_from(args), data_dir=data_dir)
    inputs = load_model_inputs(data_dir, cell_km=cell_km)
    state = base_state(
        inputs,
        versions.road_status,
        versions.encircled,
        args.as_of,
        season=args.season,
        crossing_versions=versions.crossing_status,
    )
    items = criticality_items(inputs, state)
    ctx = make_context(inputs, hubs, hours=args.hours)
    with open_runner(workers=args.workers, scheduler=args.scheduler) as runner:
        print(
            f"criticality as of {args.as_of} ({state.season} season, {cell_km:g} km cells): "
            f"{(items['kind'] == 'axis').sum()} axes and {(items['kind'] == 'crossing').sum()} crossings "
            f"on {runner.description}",
            flush=True,
        )
        table = criticality(
            ctx, state, runner, as_of=args.as_of, items=items, progress=line_progress("closed")
        )
    write_criticality(table, Path(args.out), kind=kind)
    top = table[table["rank"] <= 3]
    print(
        top[["hub", "rank", "kind", "item_id", "population_lost", "localities_lost"]].to_string(
            index=False, formatters={"population_lost": "{:,.0f}".format}
        )
    )
    print(f"wrote {args.out} ({len(table)} rows) in {time.perf_counter() - t0:.1f} s")
    return 0


def write_criticality(table, target: Path, *, kind: str) -> None:  # noqa: ANN001
    """Write a criticality ranking: CSV + HXL (no geometry) or GeoPackage (axes and crossings layers).

    Raises
    ------
    DataFileError
        The file cannot be written.
    """
    if kind == "csv":
        from geo.tables import write_csv

        write_csv(table.drop(columns="geometry"), target)
        return
    from geo.io import write_layers

    layers = {
        name: table[table["kind"] == k].reset_index(drop=True)
        for name, k in (("critical_axes", "axis"), ("critical_crossings", "crossing"))
        if (table["kind"] == k).any()
    }
    write_layers(layers or {"critical_axes": table}, target)
