"""``python -m geo changes``: what changed between two dates (the "since the last HCT" product).

Examples
--------
``python -m geo changes --from 2025-03-01 --to 2025-11-30 --out changes.pdf --lang fr``

``python -m geo changes --from 2025-11-01 --to 2025-12-01 --as-known-on --out changes.csv``
(compares what the store knew on each date; writes changes.csv and changes_hubs.csv,
changes_admin2.csv, changes_severity.csv)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.cli.common import (
    add_data_option,
    add_store_option,
    data_from,
    frame_text,
    hx,
    lang_of,
    num,
    parse_date,
    say,
    store_from,
    tqdm_progress,
)
from geo.errors import DataFileError
from geo.products.i18n import format_date, has_key, tr

FORMATS = (".csv", ".gpkg", ".pdf")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``changes`` subcommand."""
    p = sub.add_parser("changes", help=hx("cli.h.changes"), description=hx("cli.d.changes"))
    p.add_argument(
        "--from",
        dest="d_from",
        type=parse_date,
        required=True,
        metavar="YYYY-MM-DD",
        help=hx("cli.h.first_day"),
    )
    p.add_argument(
        "--to", dest="d_to", type=parse_date, required=True, metavar="YYYY-MM-DD", help=hx("cli.h.last_day")
    )
    p.add_argument("--as-known-on", action="store_true", help=hx("cli.h.changes.known_on"))
    p.add_argument("--lang", choices=("fr", "en"), help=hx("cli.h.sub_lang"))
    p.add_argument("--window-days", type=int, default=365, metavar="N", help=hx("cli.h.window_days"))
    p.add_argument(
        "--out", required=True, metavar="FILE.csv|FILE.gpkg|FILE.pdf", help=hx("cli.h.changes.out")
    )
    add_data_option(p)
    add_store_option(p)
    p.set_defaults(func=run)


def _status_label(value: object, lang: str) -> object:
    """Return a road, crossing or encirclement status (``in force`` too) for people; others unchanged."""
    from geo.vocab import ENCIRCLED_STATUS, ROAD_STATUS

    for vocab in (ROAD_STATUS, ENCIRCLED_STATUS):
        if isinstance(value, str) and value in vocab:
            return vocab.label(value, lang)
    key = "changes." + str(value).replace(" ", "_")  # "in force", "not in force" (the PDF's words)
    return tr(key, lang) if isinstance(value, str) and has_key(key, lang) else value


def run(args: argparse.Namespace) -> int:
    """Run ``changes``; returns the exit code."""
    from geo.model.changes import compare_dates, versions_for
    from geo.model.friction import load_model_inputs
    from geo.model.incidents import load_incidents
    from geo.products import changes_report as cr
    from geo.sources.curated import select_hubs
    from geo.sources.datasets import dataset_path

    out = Path(args.out)
    if out.suffix.lower() not in FORMATS:
        msg = f"output must end in {', '.join(FORMATS)}"
        raise DataFileError(out, msg, field="--out").keyed(key="err.out_suffix", suffixes=", ".join(FORMATS))
    if not args.d_from < args.d_to:
        label, msg = "--from/--to", f"--from {args.d_from} must be before --to {args.d_to}"
        raise DataFileError(label, msg).keyed(key="err.from_before_to", a=args.d_from, b=args.d_to)
    data_dir = data_from(args)
    store = store_from(args)
    before_v, after_v = versions_for(store, args.d_from, args.d_to, known_on=args.as_known_on)
    inputs = load_model_inputs(data_dir, progress=tqdm_progress(say(args, "cli.p.loading")))
    report = compare_dates(
        inputs,
        select_hubs(None),
        before_v,
        after_v,
        args.d_from,
        args.d_to,
        known_on=args.as_known_on,
        density_path=dataset_path(data_dir, "population"),
        incidents=load_incidents(data_dir, store_path=store),
        window_days=args.window_days,
    )
    suffix = out.suffix.lower()
    if suffix == ".csv":
        written = [str(p) for p in cr.write_tables(report, out)]
    elif suffix == ".gpkg":
        import pandas as pd

        episodes = pd.concat([before_v.encircled, after_v.encircled]).drop_duplicates("episode_id")
        layers = cr.write_gpkg(report, out, axes=inputs.axes, episodes=episodes)
        written = [say(args, "cli.with_layers", path=out, layers=", ".join(layers))]
    else:
        from geo.sources.admin import load_admin

        cr.write_pdf(report, out, lang=lang_of(args), axes=inputs.axes, outline=load_admin(data_dir, 1))
        written = [str(out)]
    k = cr.key_figures(report)
    mode = say(args, "cli.known_on") if args.as_known_on else say(args, "cli.by_validity")
    lang = lang_of(args)
    print(
        say(
            args,
            "cli.changes_head",
            a=format_date(args.d_from, lang),
            b=format_date(args.d_to, lang),
            mode=mode,
            n=num(args, k["changes"]),
        )
    )
    if len(report.constraints):
        table = report.constraints[["date", "kind", "item", "change", "status_before", "status_after"]].copy()
        table["kind"] = [
            say(args, f"changes.{v}") if has_key(f"changes.{v}", lang) else v for v in table["kind"]
        ]
        table["change"] = [
            say(args, f"changes.{v}") if has_key(f"changes.{v}", lang) else v for v in table["change"]
        ]
        for c in ("status_before", "status_after"):
            table[c] = [_status_label(v, lang) for v in table[c]]
        print(frame_text(args, table, ("cli.chg_col",)))
    print(
        say(
            args,
            "cli.changes_figures",
            h=f"{k['band_h']:g}",
            km2_lost=num(args, k["km2_lost"]),
            km2_gained=num(args, k["km2_gained"]),
            pop_lost=num(args, k["population_lost"]),
            pop_gained=num(args, k["population_gained"]),
            up=k["severity_up"],
            down=k["severity_down"],
        )
    )
    print(say(args, "cli.wrote", what=", ".join(written)))
    return 0
