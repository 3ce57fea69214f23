"""``python -m geo catchments``: each cell and locality attributed to its fastest hub."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd

from geo.cli.common import (
    add_as_of_option,
    add_cell_km_option,
    add_data_option,
    add_season_option,
    add_store_option,
    data_from,
    day,
    hx,
    num,
    say,
    settings_of,
    store_from,
    table_text,
    tqdm_progress,
)
from geo.config import STORAGE_CRS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``catchments`` subcommand."""
    p = sub.add_parser("catchments", help=hx("cli.h.catchments"), description=hx("cli.d.catchments"))
    add_data_option(p)
    p.add_argument("--out", required=True, metavar="FILE.gpkg", help=hx("cli.h.out_gpkg"))
    p.add_argument("--hours", type=float, default=12.0, metavar="H", help=hx("cli.h.catchments.hours"))
    add_as_of_option(p)
    add_season_option(p)
    add_cell_km_option(p)
    p.add_argument("--hubs", metavar="ID,ID", help=hx("cli.h.hubs"))
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
        print(say(args, "cli.error", message=say(args, "cli.hours_positive")), file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    hubs = select_hubs(args.hubs.split(",") if args.hubs else None)
    data_dir = data_from(args)
    versions = load_versions(store_from(args), data_dir=data_dir)
    inputs = load_model_inputs(
        data_dir, cell_km=settings_of(args).cell_km, progress=tqdm_progress(say(args, "cli.p.loading"))
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
    season = say(args, f"season.{state.season}") if state.season in ("dry", "rainy") else state.season
    print(say(args, "cli.catchments_head", h=f"{args.hours:g}", date=day(args, args.as_of), season=season))
    print(
        table_text(
            args,
            polys.drop(columns="geometry"),
            "bands.col",
            dict.fromkeys(("area_km2", "population", "localities"), 0),
        )
    )
    print(
        say(
            args,
            "cli.wrote_catchments",
            path=args.out,
            n=num(args, len(points)),
            seconds=num(args, time.perf_counter() - t0, decimals=1),
        )
    )
    return 0
