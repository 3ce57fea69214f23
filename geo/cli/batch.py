"""``python -m geo batch``: many reach runs (dates, seasons, scenarios, hubs) on a dask cluster."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

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
from geo.errors import InputError

logger = logging.getLogger(__name__)


def parse_dates(text: str) -> list:
    """Argparse type for ``YYYY-MM-DD[,YYYY-MM-DD...]``."""
    return [parse_date(part.strip()) for part in text.split(",") if part.strip()]


def parse_seasons(text: str) -> list[str]:
    """Argparse type for ``dry``, ``rainy`` or ``dry,rainy``."""
    seasons = [part.strip() for part in text.split(",") if part.strip()]
    bad = [s for s in seasons if s not in ("dry", "rainy")]
    if bad or not seasons:
        msg = f"seasons must be dry and/or rainy, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return list(dict.fromkeys(seasons))


def add_period_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """Add ``--from DATE --to DATE --every DAYS``."""
    parser.add_argument("--from", dest="start", type=parse_date, required=required, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=parse_date, required=required, metavar="YYYY-MM-DD")
    parser.add_argument(
        "--every",
        type=int,
        default=7,
        metavar="DAYS",
        help="days between two as-of dates (default: 7, one a week)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``batch`` subcommand."""
    p = sub.add_parser(
        "batch",
        help="many reach runs (as-of dates, seasons, scenarios, hubs) on a dask cluster",
        description="Compute the reachable areas of the hubs for every combination of as-of date, "
        "season and scenario (each scenario on top of the state of its date), on a dask cluster: "
        "a local cluster of worker processes by default, or an existing one (--scheduler). "
        "Runs whose constraints are the same are computed once. Writes one row per run, hub and "
        "band: CSV with an HXL row, or GeoPackage layer 'batch_reach' with the band polygons.",
    )
    add_data_option(p)
    p.add_argument(
        "--out", required=True, metavar="FILE.csv|FILE.gpkg", help="table (CSV + HXL) or GeoPackage"
    )
    p.add_argument("--as-of", type=parse_dates, metavar="DATE[,DATE...]", help="as-of dates (or --from/--to)")
    add_period_options(p, required=False)
    p.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="FILE.toml|DIR",
        help="what-if scenario run on top of each date's state (repeatable; a folder adds every "
        "*.toml in it, e.g. data/scenarios); the as-of runs are always included",
    )
    p.add_argument(
        "--seasons",
        type=parse_seasons,
        metavar="dry,rainy",
        help="run each date under these seasons (default: the season of each date)",
    )
    p.add_argument("--hubs", metavar="ID,ID", help="only these hub ids (default: all hubs)")
    p.add_argument(
        "--hours",
        type=parse_hours,
        default=DEFAULT_BANDS_H,
        metavar="H,H,...",
        help="band limits in hours (default: 4,8,12)",
    )
    add_cell_km_option(p)
    add_cluster_options(p)
    add_store_option(p)
    p.set_defaults(func=run)


def dates_of(args: argparse.Namespace) -> list:
    """Return the as-of dates of ``--as-of`` and/or ``--from/--to/--every``.

    Raises
    ------
    InputError
        No date, only one end of the period, or a bad period.
    """
    from geo.model.batch import weekly_dates

    dates = list(args.as_of or [])
    if (args.start is None) != (args.end is None):
        msg = "--from and --to go together"
        raise InputError(msg)
    if args.start is not None:
        try:
            dates += weekly_dates(args.start, args.end, every_days=args.every)
        except ValueError as exc:
            raise InputError(str(exc)) from exc
    if not dates:
        msg = "give --as-of DATE[,DATE...] or --from DATE --to DATE"
        raise InputError(msg)
    return list(dict.fromkeys(dates))


def scenarios_of(paths: list[str]) -> list:
    """Read the scenarios of ``--scenario`` (a folder gives its ``*.toml`` files, by name).

    Raises
    ------
    DataFileError
        A scenario file that cannot be read or is not valid.
    InputError
        A path that does not exist, or a folder without ``*.toml``.
    """
    from geo.model.scenario import read_scenario

    out = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            files = sorted(path.glob("*.toml"))
            if not files:
                msg = f"{path}: no *.toml scenario in this folder"
                raise InputError(msg)
            out += [read_scenario(f) for f in files]
        elif path.is_file():
            out.append(read_scenario(path))
        else:
            msg = f"{path}: no such scenario file or folder"
            raise InputError(msg)
    return out


def out_kind(path: str) -> str:
    """``"csv"`` or ``"gpkg"`` from the output file's suffix.

    Raises
    ------
    InputError
        Any other suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".gpkg"):
        msg = f"{path}: the output must end in .csv or .gpkg"
        raise InputError(msg)
    return suffix[1:]


def run(args: argparse.Namespace) -> int:
    """Run ``batch``; returns the exit code."""
    from geo.model.batch import ReachJob, batch_table, job_states, make_context, open_runner, run_batch
    from geo.model.friction import load_model_inputs
    from geo.sources.curated import select_hubs
    from geo.store.constraints import load_versions

    t0 = time.perf_counter()
    kind = out_kind(args.out)
    dates = dates_of(args)
    scenarios = scenarios_of(args.scenario)
    data_dir = data_from(args)
    cell_km = settings_of(args).cell_km
    hubs = select_hubs(args.hubs.split(",") if args.hubs else None)
    versions = load_versions(store_from(args), data_dir=data_dir)
    inputs = load_model_inputs(data_dir, cell_km=cell_km)
    jobs = []
    for day in dates:
        for season in args.seasons or [None]:
            base = f"{day.isoformat()}" + (f" {season}" if season else "")
            jobs.append(ReachJob(f"{base} as of", day, season))
            jobs += [ReachJob(f"{base} {sc.name}", day, season, sc) for sc in scenarios]
    states = job_states(
        inputs,
        jobs,
        road_status_versions=versions.road_status,
        encircled_episodes=versions.encircled,
        crossing_versions=versions.crossing_status,
    )
    ctx = make_context(inputs, hubs, hours=args.hours)
    with open_runner(workers=args.workers, scheduler=args.scheduler) as runner:
        print(f"batch: {len(jobs)} runs on {runner.description}", flush=True)
        outputs = run_batch(
            ctx, jobs, states, runner, figures_only=kind == "csv", progress=line_progress("batch")
        )
    table = batch_table(jobs, outputs)
    if kind == "csv":
        from geo.tables import write_csv

        write_csv(table.drop(columns="geometry"), Path(args.out))
    else:
        from geo.io import write_layers

        write_layers({"batch_reach": table}, Path(args.out))
    largest = table[table["hours"] == max(args.hours)]
    print(
        largest[["job", "hub", "hours", "area_km2", "population", "localities"]].to_string(
            index=False,
            formatters={"area_km2": "{:,.0f}".format, "population": "{:,.0f}".format, "hours": "{:g}".format},
        )
    )
    print(f"wrote {args.out} ({len(table)} rows, {cell_km:g} km cells) in {time.perf_counter() - t0:.1f} s")
    return 0
