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
    add_as_of_option,
    add_data_option,
    add_store_option,
    data_from,
    hx,
    lang_of,
    num,
    say,
    store_from,
    table_text,
    tqdm_progress,
)
from geo.errors import DataFileError
from geo.products.i18n import format_date

ADMIN_VERSION = "COD-AB 2015"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``severity`` subcommand."""
    p = sub.add_parser(
        "severity", help=hx("cli.h.severity"), description=hx("cli.d.severity", version=ADMIN_VERSION)
    )
    p.add_argument("--level", type=int, choices=(2, 3), default=2, help=hx("cli.h.level23"))
    add_as_of_option(p)
    p.add_argument("--window-days", type=int, default=365, metavar="N", help=hx("cli.h.window_days"))
    p.add_argument(
        "--out", required=True, metavar="FILE.csv|FILE.gpkg|FILE.pdf|FILE.png", help=hx("cli.h.severity.out")
    )
    p.add_argument("--lang", choices=("fr", "en"), help=hx("cli.h.sub_lang"))
    add_data_option(p)
    add_store_option(p)
    p.set_defaults(func=run)


def output_format(path: Path) -> str:
    """``csv``, ``gpkg``, ``pdf`` or ``png`` from the file name; DataFileError otherwise."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".gpkg", ".pdf", ".png"):
        msg = "output must end in .csv, .gpkg, .pdf or .png"
        raise DataFileError(path, msg, field="--out").keyed(
            key="err.out_suffix", suffixes=".csv, .gpkg, .pdf, .png"
        )
    return suffix[1:]


def compute(  # noqa: ANN201
    data_dir: Path,
    store: Path | None,
    *,
    level: int,
    as_of: dt.date,
    window_days: int,
    inputs=None,  # noqa: ANN001
    loading: str = "loading data",
):
    """Severity table of ``level`` on ``as_of`` from the data folder and the store (geo.model.severity).

    Returns ``(table, reach result, model inputs)``; ``loading`` labels the progress bar.
    """
    from geo.model.friction import load_model_inputs
    from geo.model.incidents import load_incidents
    from geo.model.severity import severity_on
    from geo.sources.curated import select_hubs
    from geo.sources.datasets import dataset_path
    from geo.store.constraints import load_versions

    versions = load_versions(store)
    if inputs is None:
        inputs = load_model_inputs(data_dir, progress=tqdm_progress(loading))
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


def write_table(table, out: Path, lang: str) -> None:  # noqa: ANN001
    """Write a severity table: CSV with an HXL row (text cells escaped), or GPKG layer ``severity``.

    Column names, the HXL row and the codes stay machine English; the class ``label`` and
    the ``data_sparse`` notes are written in ``lang`` (:func:`geo.products.severity_text.severity_for_lang`).
    """
    from geo.io import write_layers
    from geo.products.severity_text import severity_for_lang
    from geo.tables import write_csv

    table = severity_for_lang(table, lang)
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
        raise DataFileError(label, msg).keyed(key="err.at_least_1", value=args.window_days)
    table, result, inputs = compute(
        data_from(args),
        store_from(args),
        level=args.level,
        as_of=args.as_of,
        window_days=args.window_days,
        loading=say(args, "cli.p.loading"),
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
        write_table(table, out, args.lang or args.settings.lang)
    counts = table["score"].value_counts().sort_index()
    print(
        say(
            args,
            "cli.sev_head",
            n=num(args, len(table)),
            units=say(args, f"cli.sev_units_{args.level}"),
            version=ADMIN_VERSION,
            date=format_date(args.as_of, lang_of(args)),
            counts=", ".join(
                say(args, "cli.sev_count", score=int(k), n=num(args, int(v))) for k, v in counts.items()
            ),
        )
    )
    top = table.sort_values(["index", "pcode"], ascending=[False, True])
    if args.level == 3:
        top = top.head(20)
    cols = ["pcode", "name", "adm1_name", "score", "index", *[c for c in table if c.startswith("dim_")]]
    print(
        table_text(
            args, top[cols], "cli.sev_col", {"index": 2, **{c: 2 for c in cols if c.startswith("dim_")}}
        )
    )
    notes = table["data_sparse"].str.split("; ").explode()
    notes = notes[notes.astype(bool)].value_counts()
    from geo.products.severity_text import sparse_note_text

    for note, n in notes.items():
        text = sparse_note_text(note, lang_of(args))
        print(say(args, "cli.sev_sparse", note=text, n=num(args, n), total=num(args, len(table))))
    print(say(args, "cli.wrote", what=out))
    return 0
