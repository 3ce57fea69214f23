"""``python -m geo catchments``: each cell and locality attributed to its fastest hub."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import geopandas as gpd

from geo.cli.common import (
    add_data_option,
    add_store_option,
    parse_date,
    positive_km,
    store_from,
    tqdm_progress,
)
from geo.config import DEFAULT_CELL_KM, STORAGE_CRS, resolve_data_dir


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``catchments`` subcommand."""
    p = sub.add_parser(
        "catchments",
        help="catchment of each HAWG hub (fastest hub per cell and locality)",
        description="Attribute every cell and locality to the hub that reaches it fastest within the "
        "budget, under the constraints in force on the as-of date. Writes layer 'catchments' "
        "(hub, area_km2, population, geometry) and layer 'localities' (nearest hub, travel_time_h).",
    )
    add_data_option(p)
    p.add_argument(
        "--out", required=True, metavar="FILE.gpkg", help="GeoPackage to write (replaced atomically)"
    )
    p.add_argument(
        "--hours", type=float, default=12.0, metavar="H", help="time budget in hours (default: 12)"
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
    p.add_argument("--hubs", metavar="ID,ID", help="only these hub ids (default: all hubs)")
    add_store_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``catchments``; returns the exit code."""
    from geo.io import write_layers
    from geo.model.catchments import compute_catchments
    from geo.model.friction import load_model_inputs
    from geo.model.reach import base_state
    from geo.sources.curated import select_hubs
    from geo.store.constraints import load_versions

    if not args.hours > 0:
        print("error: --hours must be > 0")
        return 2
    t0 = time.perf_counter()
    hubs = select_hubs(args.hubs.split(",") if args.hubs else None)
    versions = load_versions(store_from(args))
    inputs = load_model_inputs(
        resolve_data_dir(args.data), cell_km=args.cell_km, progress=tqdm_progress("loading data")
    )
    state = base_state(
        inputs,
        versions.road_status,
        versions.encircled,
        args.as_of,
        season=args.season,
        crossing_versions=versions.crossing_status,
    )
    result = compute_catchments(inputs, hubs, state, max_h=args.hours)
    polys = result.polygons[["hub", "area_km2", "population", "localities", "hub_id", "geometry"]].copy()
    polys["hub_status"] = polys["hub_id"].map(result.statuses)
    loc = result.localities
    points = gpd.GeoDataFrame(
        loc.assign(travel_time_h=loc["travel_time_h"].round(3)),
        geometry=gpd.points_from_xy(loc["lon"], loc["lat"]),
        crs=STORAGE_CRS,
    )
    write_layers({"catchments": polys, "localities": points}, Path(args.out))
    print(f"Catchments within {args.hours:g} h as of {args.as_of} ({state.season} season)")
    print(
        polys.drop(columns="geometry").to_string(
            index=False, formatters={"area_km2": "{:,.0f}".format, "population": "{:,.0f}".format}
        )
    )
    print(
        f"wrote {args.out} (layers catchments, localities: {len(points)} rows) in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    return 0
