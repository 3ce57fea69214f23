"""``python -m geo batch``: many reach runs (dates, seasons, scenarios, hubs) on a dask cluster."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from geo.cli.common import (
    _type_error,
    add_cell_km_option,
    add_cluster_options,
    add_data_option,
    add_store_option,
    data_from,
    hx,
    lang_of,
    line_progress,
    num,
    parse_date,
    parse_hours,
    runner_text,
    say,
    season_code,
    settings_of,
    store_from,
    table_text,
)
from geo.config import DEFAULT_BANDS_H
from geo.errors import InputError

logger = logging.getLogger(__name__)


def parse_dates(text: str) -> list:
    """Argparse type for ``YYYY-MM-DD[,YYYY-MM-DD...]``."""
    return [parse_date(part.strip()) for part in text.split(",") if part.strip()]


def parse_seasons(text: str) -> list[str]:
    """Argparse type for ``dry``, ``rainy`` or ``dry,rainy`` (French names taken too: ``sèche,pluies``)."""
    msg = f"seasons must be dry and/or rainy, got {text!r}"
    try:
        seasons = [season_code(part) for part in text.split(",") if part.strip()]
    except argparse.ArgumentTypeError:
        raise _type_error(msg, "cli.ap.bad_seasons", value=repr(text)) from None
    if not seasons:
        raise _type_error(msg, "cli.ap.bad_seasons", value=repr(text))
    return list(dict.fromkeys(seasons))


def add_period_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """Add ``--from DATE --to DATE --every DAYS``."""
    parser.add_argument(
        "--from",
        dest="start",
        type=parse_date,
        required=required,
        metavar="YYYY-MM-DD",
        help=hx("cli.h.first_day"),
    )
    parser.add_argument(
        "--to",
        dest="end",
        type=parse_date,
        required=required,
        metavar="YYYY-MM-DD",
        help=hx("cli.h.last_day"),
    )
    parser.add_argument("--every", type=int, default=7, metavar="DAYS", help=hx("cli.h.every"))


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``batch`` subcommand."""
    p = sub.add_parser("batch", help=hx("cli.h.batch"), description=hx("cli.d.batch"))
    add_data_option(p)
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.gpkg", help=hx("cli.h.batch.out"))
    p.add_argument("--as-of", type=parse_dates, metavar="DATE[,DATE...]", help=hx("cli.h.batch.as_of"))
    add_period_options(p, required=False)
    p.add_argument(
        "--scenario", action="append", default=[], metavar="FILE.toml|DIR", help=hx("cli.h.batch.scenario")
    )
    p.add_argument("--seasons", type=parse_seasons, metavar="dry,rainy", help=hx("cli.h.batch.seasons"))
    p.add_argument("--hubs", metavar="ID,ID", help=hx("cli.h.hubs"))
    p.add_argument(
        "--hours", type=parse_hours, default=DEFAULT_BANDS_H, metavar="H,H,...", help=hx("cli.h.hours")
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
        raise InputError(msg).keyed(key="err.from_to_together")
    if args.start is not None:
        try:
            dates += weekly_dates(args.start, args.end, every_days=args.every)
        except ValueError as exc:
            raise InputError(str(exc)).keyed(
                key="err.bad_period", a=args.start, b=args.end, every=args.every
            ) from exc
    if not dates:
        msg = "give --as-of DATE[,DATE...] or --from DATE --to DATE"
        raise InputError(msg).keyed(key="err.no_dates")
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
                raise InputError(msg).keyed(key="err.no_scenario_in", path=path)
            out += [read_scenario(f) for f in files]
        elif path.is_file():
            out.append(read_scenario(path))
        else:
            msg = f"{path}: no such scenario file or folder"
            raise InputError(msg).keyed(key="err.no_scenario", path=path)
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
        raise InputError(msg).keyed(key="err.csv_or_gpkg", path=path)
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
            jobs.append(ReachJob(f"{base} {say(args, 'cli.batch_as_of')}", day, season))
            jobs += [ReachJob(f"{base} {sc.label(lang_of(args))}", day, season, sc) for sc in scenarios]
    states = job_states(
        inputs,
        jobs,
        versions,
    )
    ctx = make_context(inputs, hubs, hours=args.hours)
    with open_runner(workers=args.workers, scheduler=args.scheduler) as runner:
        print(
            say(args, "cli.batch_head", n=num(args, len(jobs)), runner=runner_text(args, runner)), flush=True
        )
        outputs = run_batch(
            ctx,
            jobs,
            states,
            runner,
            figures_only=kind == "csv",
            progress=line_progress(say(args, "cli.p.batch")),
        )
    table = batch_table(jobs, outputs)
    if kind == "csv":
        from geo.tables import write_csv

        write_csv(table.drop(columns="geometry"), Path(args.out))
    else:
        from geo.io import write_layers

        write_layers({"batch_reach": table}, Path(args.out))
    largest = table[table["hours"] == max(args.hours)]
    cols = ["job", "hub", "hours", "area_km2", "population", "localities"]
    print(table_text(args, largest[cols], "bands.col", {"area_km2": 0, "population": 0, "localities": 0}))
    from geo.cli.series import wrote_cells

    print(wrote_cells(args, len(table), cell_km, t0))
    return 0
