"""``python -m geo criticality``: which axes and crossings cut off the most people when closed, per hub."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from geo.cli.batch import out_kind
from geo.cli.common import (
    add_as_of_option,
    add_cell_km_option,
    add_cluster_options,
    add_data_option,
    add_season_option,
    add_store_option,
    data_from,
    hx,
    lang_of,
    line_progress,
    num,
    parse_hours,
    runner_text,
    say,
    settings_of,
    store_from,
    table_text,
)
from geo.config import DEFAULT_BANDS_H
from geo.products.i18n import format_date, tr_count


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``criticality`` subcommand."""
    p = sub.add_parser("criticality", help=hx("cli.h.criticality"), description=hx("cli.d.criticality"))
    add_data_option(p)
    add_as_of_option(p)
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.gpkg", help=hx("cli.h.crit.out"))
    p.add_argument(
        "--hours", type=parse_hours, default=DEFAULT_BANDS_H, metavar="H,H,...", help=hx("cli.h.crit.hours")
    )
    add_season_option(p)
    p.add_argument("--hubs", metavar="ID,ID", help=hx("cli.h.hubs"))
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
            say(
                args,
                "cli.crit_head",
                date=format_date(args.as_of, lang_of(args)),
                season=say(args, f"season.{state.season}"),
                cell=num(args, cell_km, decimals=1 if cell_km % 1 else 0),
                axes=tr_count("cli.n_axes", int((items["kind"] == "axis").sum()), lang_of(args)),
                crossings=tr_count(
                    "cli.n_crossings", int((items["kind"] == "crossing").sum()), lang_of(args)
                ),
                runner=runner_text(args, runner),
            ),
            flush=True,
        )
        table = criticality(
            ctx,
            state,
            runner,
            as_of=args.as_of,
            items=items,
            progress=line_progress(say(args, "cli.p.closed")),
        )
    write_criticality(table, Path(args.out), kind=kind)
    top = table[table["rank"] <= 3]
    top = top.assign(kind=[say(args, f"kind_{k}") if k in ("axis", "crossing") else k for k in top["kind"]])
    cols = ["hub", "rank", "kind", "item_id", "population_lost", "localities_lost"]
    print(table_text(args, top[cols], "cli.crit_col", {"population_lost": 0, "localities_lost": 0}))
    print(
        say(
            args,
            "cli.wrote_rows",
            path=args.out,
            n=num(args, len(table)),
            seconds=num(args, time.perf_counter() - t0, decimals=1),
        )
    )
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
