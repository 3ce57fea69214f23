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
    add_season_option,
    add_store_option,
    data_from,
    dates_for_people,
    hx,
    lang_of,
    line_progress,
    num,
    parse_hours,
    runner_text,
    say,
    settings_of,
    store_from,
)
from geo.config import DEFAULT_BANDS_H
from geo.errors import InputError
from geo.products.i18n import format_date


def wrote_cells(args: argparse.Namespace, rows: int, cell_km: float, t0: float) -> str:
    """``wrote FILE (N rows, K km cells) in S s`` in the command's language."""
    return say(
        args,
        "cli.wrote_rows_cells",
        path=args.out,
        n=num(args, rows),
        cell=num(args, cell_km, decimals=1 if cell_km % 1 else 0),
        seconds=num(args, time.perf_counter() - t0, decimals=1),
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``series`` subcommand."""
    p = sub.add_parser("series", help=hx("cli.h.series"), description=hx("cli.d.series"))
    add_data_option(p)
    add_period_options(p, required=True)
    p.add_argument("--out", required=True, metavar="FILE.csv", help=hx("cli.h.series.out"))
    p.add_argument(
        "--hours", type=parse_hours, default=DEFAULT_BANDS_H, metavar="H,H,...", help=hx("cli.h.hours")
    )
    add_season_option(p, "cli.h.series.season")
    p.add_argument("--hubs", metavar="ID,ID", help=hx("cli.h.hubs"))
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
        raise InputError(msg).keyed(key="err.series_csv", path=args.out)
    try:
        dates = weekly_dates(args.start, args.end, every_days=args.every)
    except ValueError as exc:
        raise InputError(str(exc)).keyed(
            key="err.bad_period", a=args.start, b=args.end, every=args.every
        ) from exc
    data_dir = data_from(args)
    cell_km = settings_of(args).cell_km
    hubs = select_hubs(args.hubs.split(",") if args.hubs else None)
    versions = load_versions(store_from(args), data_dir=data_dir)
    inputs = load_model_inputs(data_dir, cell_km=cell_km)
    ctx = make_context(inputs, hubs, hours=args.hours)
    with open_runner(workers=args.workers, scheduler=args.scheduler) as runner:
        lang = lang_of(args)
        print(
            say(
                args,
                "cli.series_head",
                n=num(args, len(dates)),
                a=format_date(dates[0], lang),
                b=format_date(dates[-1], lang),
                runner=runner_text(args, runner),
            ),
            flush=True,
        )
        table = reach_series(
            ctx,
            dates,
            runner,
            versions,
            season=args.season,
            progress=line_progress(say(args, "cli.p.series")),
        )
    write_csv(table, Path(args.out))
    largest = table[table["hours"] == max(args.hours)]
    wide = largest.pivot_table(index="as_of", columns="hub", values="population", sort=False)
    print(
        say(args, "cli.series_people", h=num(args, max(args.hours), decimals=1 if max(args.hours) % 1 else 0))
    )
    wide = dates_for_people(wide.map(lambda v: num(args, v)), lang)
    wide.index = wide.index.rename(say(args, "cli.col_as_of"))
    wide.columns = wide.columns.rename(say(args, "bands.col.hub"))
    print(wide.to_string())
    print(wrote_cells(args, len(table), cell_km, t0))
    return 0
