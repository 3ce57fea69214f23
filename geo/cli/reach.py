"""``python -m geo reach``: reachable areas of every HAWG hub, written to a GeoPackage."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from geo.cli.common import (
    add_as_of_option,
    add_cell_km_option,
    add_data_option,
    add_season_option,
    add_store_option,
    data_from,
    day,
    hx,
    lang_of,
    num,
    parse_hours,
    say,
    settings_of,
    store_from,
    table_text,
    tqdm_progress,
)
from geo.config import DEFAULT_BANDS_H
from geo.products.reach_files import write_reach
from geo.sources.curated import select_hubs
from geo.store.constraints import load_versions

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``reach`` subcommand."""
    p = sub.add_parser("reach", help=hx("cli.h.reach"), description=hx("cli.d.reach"))
    add_data_option(p)
    p.add_argument("--out", required=True, metavar="FILE.gpkg", help=hx("cli.h.out_gpkg"))
    add_as_of_option(p)
    p.add_argument(
        "--hours", type=parse_hours, default=DEFAULT_BANDS_H, metavar="H,H,...", help=hx("cli.h.hours")
    )
    add_season_option(p)
    add_cell_km_option(p)
    p.add_argument("--hubs", metavar="ID,ID", help=hx("cli.h.hubs"))
    p.add_argument("--localities-out", metavar="FILE.csv", help=hx("cli.h.reach.localities_out"))
    p.add_argument("--scenario", metavar="FILE.toml", help=hx("cli.h.reach.scenario"))
    add_store_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``reach``; returns the exit code."""
    from geo.model.friction import load_model_inputs
    from geo.model.reach import compute_reach

    t0 = time.perf_counter()
    data_dir = data_from(args)
    cell_km = settings_of(args).cell_km
    hubs = select_hubs(args.hubs.split(",") if args.hubs else None)
    versions = load_versions(store_from(args), data_dir=data_dir)
    inputs = load_model_inputs(data_dir, cell_km=cell_km, progress=tqdm_progress(say(args, "cli.p.loading")))
    result = compute_reach(
        inputs,
        hubs,
        versions,
        as_of=args.as_of,
        hours=args.hours,
        season=args.season,
        progress=tqdm_progress(say(args, "cli.p.hubs")),
    )
    scenario_result = None
    if args.scenario:
        from geo.model.scenario import read_scenario, run_scenario

        scenario_result = run_scenario(inputs, hubs, result, read_scenario(args.scenario))
        result = scenario_result.after
    layers = write_reach(result.bands, Path(args.out), scenario=scenario_result)
    if args.localities_out:
        from geo.tables import write_csv

        rows = result.localities[["hub", "locality", "adm2_pcode", "lon", "lat", "travel_time_h"]]
        # 0.001 h is 3.6 s: the model's own precision is minutes, not the float's 17 digits
        write_csv(rows.assign(travel_time_h=rows["travel_time_h"].round(3)), Path(args.localities_out))
    table = result.bands.drop(columns="geometry")
    what = (
        say(args, "cli.reach_scenario", name=scenario_result.scenario.label(lang_of(args)))
        if scenario_result is not None
        else say(args, "cli.reach")
    )
    season = say(args, f"season.{result.season}") if result.season in ("dry", "rainy") else result.season
    print(
        say(args, "cli.reach_head", what=what, date=day(args, args.as_of), season=season, cell=f"{cell_km:g}")
    )
    table = table.assign(
        hub_status=[say(args, f"bands.hub_{s}") if s in ("ok", "moved") else s for s in table["hub_status"]]
    )
    print(
        table_text(
            args,
            table[["hub", "hours", "area_km2", "population", "localities", "hub_status"]],
            "bands.col",
            {"area_km2": 0, "population": 0, "localities": 0},
        )
    )
    if scenario_result is not None:
        ch = scenario_result.changes
        print("\n" + say(args, "cli.scenario_vs", name=scenario_result.scenario.label(lang_of(args))))
        columns = [
            "hub",
            "hours",
            "km2_lost",
            "km2_gained",
            "population_lost",
            "population_gained",
            "localities_lost",
            "localities_gained",
        ]
        print(table_text(args, ch[columns], "reach.col", dict.fromkeys(columns[2:], 0)))
    print(
        say(
            args,
            "cli.wrote_layers",
            path=args.out,
            layers=", ".join(layers),
            seconds=num(args, time.perf_counter() - t0, decimals=1),
        )
    )
    return 0
