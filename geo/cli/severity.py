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
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE.csv|FILE.gpkg|FILE.pdf|FILE.png",
        help="table, layer or print map",
    )
    p.add_argument("--lang", choices=("fr", "en"), help="language of a print map (default: settings)")
    add_data_option(p)
    add_store_option(p)
    p.set_defaults(func=run)


def output_format(path: Path) -> str:
    """``csv``, ``gpkg``, ``pdf`` or ``png`` from the file name; DataFileError otherwise."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".gpkg", ".pdf", ".png"):
        raise DataFileError(path, "output must end in .csv, .gpkg, .pdf or .png", field="--out")
    return suffix[1:]


def compute(data_dir: Path, store: Path | None, *, level: int, as_of: dt.date, window_days: int, inputs=None):  # noqa: ANN001, ANN201
    """Severity table of ``level`` on ``as_of`` from the data folder and the store (geo.model.severity).

    Returns ``(table, reach result, model inputs)``.
    """
    from geo.model.friction import load_model_inputs
    from geo.model.incidents import load_incidents
    from geo.model.severity import severity_on
    from geo.sources.curated import select_hubs
    from geo.sources.datasets import dataset_path
    from geo.store.constraints import load_versions

    versions = load_versions(store)
    if inputs is None:
        inputs = load_model_inputs(data_dir, progress=tqdm_progress("loading data"))
    table, result = severity_on(
        inputs,
        select_hubs(None),
        versions,
        as_of=as_of,
        level=level,
        density_path=dataset_path(data_dir, "population"),
        incidents=load_incidents(data_dir, store_path=store),
        window_days=window_days,
    )
    return table, result, inputs


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
    table, result, inputs = compute(
        data_from(args),
        store_from(args),
        level=args.level,
        as_of=args.as_of,
        window_days=args.window_days,
    )
    if output_format(out) in ("pdf", "png"):
        from geo.products.printmap import build_map_layers, render_map
        from geo.sources.admin import load_admin
        from geo.sources.curated import select_hubs

        layers = build_map_layers(
            inputs,
            result,
            select_hubs(None),
            admin1=load_admin(data_from(args), 1),
            zones=table,
            zone_level=args.level,
        )
        render_map(
            layers, as_of=args.as_of, lang=args.lang or args.settings.lang, show="severity", out=out, dpi=150
        )
    else:
        write_table(table, out)
    counts = table["score"].value_counts().sort_index()
    print(
        f"access severity of {len(table)} {'cercles' if args.level == 2 else 'communes'} ({ADMIN_VERSION}) "
        f"as of {args.as_of}: " + ", ".join(f"{int(k)}: {int(v)}" for k, v in counts.items())
    )
    top = table.sort_values(["index", "pcode"], ascending=[False, True])
    if args.level == 3:
        top = top.head(20)
    cols = ["pcode", "name", "adm1_name", "score", "index", *[c for c in table if c.startswith("dim_")]]
    print(top[cols].to_string(index=False))
    notes = table["data_sparse"].str.split("; ").explode()
    notes = notes[notes.astype(bool)].value_counts()
    for note, n in notes.items():
        print(f"data sparse: {note} ({n} of {len(table)} units)")
    print(f"wrote {out}")
    return 0
