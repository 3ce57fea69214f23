"""``python -m geo export map|data``: print maps (PDF/PNG) and GIS exports of the state on a date."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from pathlib import Path

from geo.cli.common import (
    add_as_of_option,
    add_data_option,
    add_season_option,
    add_store_option,
    data_from,
    hx,
    lang_of,
    num,
    require_extra,
    say,
    settings_of,
    store_from,
    tqdm_progress,
)
from geo.products.export import CSV_DEFAULT_LAYER, valid_layer_names
from geo.products.i18n import error_text

logger = logging.getLogger(__name__)


#: Values of ``export map --lang``: one language, or both from one computation.
LANG_CHOICES = ("fr", "en", "fr,en")


def _common(p: argparse.ArgumentParser) -> None:
    add_data_option(p)
    add_as_of_option(p)
    add_season_option(p)
    p.add_argument(
        "--incident-days", type=int, default=365, metavar="DAYS", help=hx("cli.h.export.incident_days")
    )
    p.add_argument("--public", action="store_true", help=hx("cli.h.export.public"))
    add_store_option(p)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand with ``map`` and ``data``."""
    p = sub.add_parser("export", help=hx("cli.h.export"), description=hx("cli.d.export"))
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    m = kinds.add_parser("map", help=hx("cli.h.export.map"), description=hx("cli.d.export.map"))
    _common(m)
    m.add_argument("--out", required=True, metavar="FILE.pdf|FILE.png", help=hx("cli.h.export.out"))
    who = m.add_mutually_exclusive_group()
    who.add_argument("--hub", metavar="NAME", help=hx("cli.h.export.hub"))
    who.add_argument("--all-hubs", action="store_true", help=hx("cli.h.export.all_hubs"))
    m.add_argument("--lang", choices=LANG_CHOICES, metavar="fr|en|fr,en", help=hx("cli.h.export.lang"))
    m.add_argument("--paper", choices=("A4", "A3"), default="A4", help=hx("cli.h.export.paper"))
    m.add_argument("--dpi", type=int, default=300, help=hx("cli.h.export.dpi"))
    m.add_argument("--zones", choices=("2", "3"), help=hx("cli.h.export.zones"))
    m.add_argument("--incident-category", metavar="AMRF", help=hx("cli.h.export.category"))
    m.add_argument("--stale-days", metavar="N", help=hx("cli.h.export.stale"))
    m.add_argument("--contact", help=hx("cli.h.export.contact"))
    m.set_defaults(func=run_map)
    d = kinds.add_parser(
        "data", help=hx("cli.h.export.data"), description=hx("cli.d.export.data", layer=CSV_DEFAULT_LAYER)
    )
    _common(d)
    d.add_argument(
        "--out",
        required=True,
        metavar="FILE.gpkg|FILE.kml|FILE.geojson|FILE.csv",
        help=hx("cli.h.export.data_out"),
    )
    d.add_argument(
        "--layers",
        metavar="NAME,NAME",
        help=hx("cli.h.export.layers", names=", ".join(valid_layer_names()), layer=CSV_DEFAULT_LAYER),
    )
    d.set_defaults(func=run_data)
    del p


def _layers_arg(args: argparse.Namespace) -> list[str] | None:
    return [x.strip() for x in args.layers.split(",") if x.strip()] if args.layers else None


def _state(args: argparse.Namespace):  # noqa: ANN202
    from geo.products.export import collect_state

    return collect_state(
        data_from(args),
        as_of=args.as_of,
        store_path=store_from(args),
        season=args.season,
        incident_days=args.incident_days,
        progress=tqdm_progress(say(args, "cli.p.computing")),
        public=args.public,
    )


def _hub_id(hubs, text: str) -> str:  # noqa: ANN001
    """Hub id of ``text`` (an id or a name, any case).

    Raises
    ------
    HubError
        No hub has that id or name; the message lists the hubs.
    """
    from geo.errors import HubError

    for hid, name in zip(hubs["hub_id"], hubs["name"], strict=True):
        if text.lower() in (str(hid).lower(), str(name).lower(), str(name).split(" (")[0].lower()):
            return str(hid)
    known = ", ".join(f"{h} ({n})" for h, n in zip(hubs["hub_id"], hubs["name"], strict=True))
    msg = f"unknown hub {text!r}; known: {known}"
    raise HubError(msg).keyed(key="err.unknown_hub", text=repr(text), known=known)


def _error(args: argparse.Namespace, message: str) -> None:
    """Print one error line on stderr in the command's language."""
    print(say(args, "cli.error", message=message), file=sys.stderr)


def run_map(args: argparse.Namespace) -> int:
    """Run ``export map``; returns the exit code."""
    require_extra("export")
    from geo.products.printmap import (
        build_map_layers,
        mapped_positions,
        render_map,
        render_pack,
        render_positions_table,
    )

    t0 = time.perf_counter()
    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        _error(args, say(args, "err.map_suffix", name=repr(out.name)))
        return 2
    if args.all_hubs and fmt != "pdf":
        _error(args, say(args, "err.all_hubs_pdf"))
        return 2
    settings = settings_of(args)
    if args.incident_category:
        from geo.sources.amrf import read_typology

        codes = read_typology().constraint_codes
        if args.incident_category not in codes:
            _error(args, say(args, "err.category", codes=", ".join(codes)))
            return 2
    state = _state(args)
    level = int(args.zones) if args.zones else 2
    zones = (state.zones_adm3 if level == 3 else state.zones_adm2) if args.zones else None
    layers = build_map_layers(
        state.inputs,
        state.result,
        state.hubs,
        admin1=state.admin1,
        incidents=None if args.public else state.incidents,
        zones=zones,
        zone_level=level,
        incident_window=(args.as_of - dt.timedelta(days=args.incident_days - 1), args.as_of),
        incident_data_end=state.incident_data_end,
        incident_category=args.incident_category,
        stale_days=settings.stale_days,
        contact=settings.contact,
        positions=state.positions,
    )
    langs = (args.lang or settings.lang).split(",")
    hub = _hub_id(state.hubs, args.hub) if args.hub else None
    for lang in langs:
        target = out if len(langs) == 1 else out.with_name(f"{out.stem}_{lang}{out.suffix}")
        if args.all_hubs:
            ids = list(state.hubs["hub_id"])
            render_pack(
                layers,
                hub_ids=ids,
                as_of=args.as_of,
                lang=lang,
                paper=args.paper,
                dpi=args.dpi,
                out=target,
                public=args.public,
                progress=tqdm_progress(say(args, "cli.p.pages", lang=lang)),
            )
            what = say(args, "cli.n_pages", n=len(ids))
        else:
            render_map(
                layers,
                as_of=args.as_of,
                lang=lang,
                paper=args.paper,
                dpi=args.dpi,
                out=target,
                show="zones" if args.zones else "bands",
                focus_hub=hub,
                public=args.public,
            )
            what = say(args, "cli.one_page")
            rows = mapped_positions(layers, focus_hub=hub, paper=args.paper)
            if rows is not None:
                if fmt == "pdf":
                    what += say(args, "cli.plus_positions_table", n=len(rows))
                else:  # a PNG holds the map only: the table goes next to it
                    table = target.with_name(f"{target.stem}_positions.png")
                    render_positions_table(
                        layers,
                        as_of=args.as_of,
                        lang=lang,
                        paper=args.paper,
                        dpi=args.dpi,
                        out=table,
                        focus_hub=hub,
                        public=args.public,
                    )
                    print(say(args, "cli.wrote_positions_table", path=table, n=len(rows), lang=lang))
        print(say(args, "cli.wrote_map", path=target, what=what, lang=lang, paper=args.paper))
    for note in state.notes:
        print(say(args, "cli.note", note=note))
    print(say(args, "cli.done_in", seconds=num(args, time.perf_counter() - t0, decimals=1)))
    return 0


def run_data(args: argparse.Namespace) -> int:
    """Run ``export data``; returns the exit code."""
    from geo.products.export import export_format, resolve_layers, themes_from_state, write_export

    t0 = time.perf_counter()
    out = Path(args.out)
    # names and format are checked before the 6-8 s of computing
    try:
        layers = resolve_layers(_layers_arg(args), export_format(out))
    except ValueError as exc:
        _error(args, error_text(exc, lang_of(args)))
        return 2
    state = _state(args)
    themes = themes_from_state(state, public=args.public)
    try:
        written = write_export(themes, out, layers=layers, lang=lang_of(args))
    except ValueError as exc:
        _error(args, error_text(exc, lang_of(args)))
        return 2
    for note in state.notes:
        print(say(args, "cli.note", note=note))
    if export_format(out) == "csv" and not args.layers:
        print(say(args, "cli.csv_one_table", name=written[0]))
    counts = ", ".join(f"{n}: {len(themes[n])}" if n in themes else n for n in written)
    print(
        say(
            args,
            "cli.wrote_in",
            path=out,
            what=counts,
            seconds=num(args, time.perf_counter() - t0, decimals=1),
        )
    )
    return 0
