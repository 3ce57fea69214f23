"""``python -m geo severity``: access severity (0-5) of every cercle or commune on a date.

Example
-------
``python -m geo severity --level 2 --as-of 2025-11-30 --out severity.csv``
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from geo.cli.common import (
    add_data_option,
    add_store_option,
    data_from,
    parse_date,
    store_from,
    tqdm_progress,
)
from geo.errors import DataFileError

ADMIN_VERSION = "COD-AB 2015"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``severity`` subcommand."""
    p = sub.add_parser(
        "severity",
        help="access severity (0-5, ACAPS dimensions) per cercle or commune",
        description="Score every admin unit 0-5 from indicators in the three dimensions of the "
        "ACAPS humanitarian access methodology (weights and thresholds: "
        "data/severity_indicators.csv) under the constraints in force on the as-of date. "
        "Writes one row per unit with the P-code (" + ADMIN_VERSION + "), the score, each "
        "indicator's value and score and the figures it comes from.",
    )
    p.add_argument("--level", type=int, choices=(2, 3), default=2, help="2 cercles (default), 3 communes")
    p.add_argument("--as-of", type=parse_date, default=dt.date.today(), metavar="YYYY-MM-DD")
    p.add_argument(
        "--window-days",
        type=int,
        default=365,
        metavar="N",
        help="incident window ending on --as-of (default 365)",
    )
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.gpkg")
    add_data_option(p)
    add_store_option(p)
    p.set_defaults(func=run)


def output_format(path: Path) -> str:
    """``csv`` or ``gpkg`` from the file name; DataFileError otherwise."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".gpkg"):
        raise DataFileError(path, "output must end in .csv or .gpkg", field="--out")
    return suffix[1:]


def compute(data_dir: Path, store: Path | None, *, level: int, as_of: dt.date, window_days: int, inputs=None):  # noqa: ANN001, ANN201
    """Severity table of ``level`` on ``as_of`` from the data folder and the store (geo.model.severity)."""
    from geo.model.friction import load_model_inputs
    from geo.model.incidents import load_incidents
    from geo.model.reach import compute_reach
    from geo.model.severity import severity
    from geo.sources.curated import select_hubs
    from geo.sources.datasets import dataset_path
    from geo.store.constraints import load_versions

    versions = load_versions(store)
    if inputs is None:
        inputs = load_model_inputs(data_dir, progress=tqdm_progress("loading data"))
    result = compute_reach(
        inputs,
        select_hubs(None),
        road_status_versions=versions.road_status,
        encircled_episodes=versions.encircled,
        as_of=as_of,
    )
    incidents = load_incidents(data_dir, store_path=store)
    return severity(
        inputs,
        result,
        level=level,
        density_path=dataset_path(data_dir, "population"),
        as_of=as_of,
        incidents=incidents,
        window_days=window_days,
    ), result


def write_table(table, out: Path) -> None:  # noqa: ANN001
    """Write a severity table: CSV with an HXL row (text cells escaped), or GPKG layer ``severity``."""
    from geo.io import write_layers
    from geo.tables import write_csv

    if output_format(out) == "gpkg":
        write_layers({"severity": table}, out)
        return
    write_csv(table, out)


def run(args: argparse.Namespace) -> int:
    """Run ``severity``; returns the exit code."""
    out = Path(args.out)
    output_format(out)
    if args.window_days < 1:
        label, msg = "--window-days", f"must be >= 1, got {args.window_days}"
        raise DataFileError(label, msg)
    table, _ = compute(
        data_from(args),
        store_from(args),
        level=args.level,
        as_of=args.as_of,
        window_days=args.window_days,
    )
    write_table(table, out)
    counts = table["score"].value_counts().sort_index()
    print(
        f"access severity of {len(table)} {'cercles' if args.level == 2 else 'communes'} ({ADMIN_VERSION}) "
        f"as of {args.as_of}: " + ", ".join(f"{int(k)}: {int(v)}" for k, v in counts.items())
    )
    top = table.sort_values(["index", "pcode"], ascending=[False, True]).head(10)
    print(top[["pcode", "name", "adm1_name", "score", "index"]].to_string(index=False))
    print(f"wrote {out}")
    return 0
