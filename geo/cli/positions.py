r"""``python -m geo positions ...``: the register of common positions and red lines.

Forms (scripts rely on them)::

    positions add --scope SCOPE --topic TOPIC --text-fr TEXT --text-en TEXT \\
        --visibility restricted|public --by NAME          # prints the new position's id
    positions propose ID --meeting REF --by NAME
    positions endorse ID --meeting REF --by NAME
    positions revise ID [--text-fr ..] [--text-en ..] [--scope ..] --meeting REF --by NAME
    positions retire ID --meeting REF --by NAME
    positions list [--status S] [--format table|csv|json]
    positions history ID
    positions review [--months N] [--as-of DATE]
    positions print --lang fr|en --out FILE.pdf

SCOPE is ``country``, ``admin:PCODE``, ``axis:ID``, ``crossing:ID``, ``locality:ID`` or
``actor-type:NAME`` (:mod:`geo.store.positions`). Optional on every step: ``--date`` (the
meeting's date, default today) and ``--store``; on ``add`` and ``revise``: ``--motivated-by
REF`` (repeatable: ``road:VERSION``, ``encircled:EPISODE``, ``incident:ID``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd

from geo.cli.common import (
    add_data_option,
    add_store_option,
    choices_help,
    frame_text,
    hx,
    lang_of,
    parse_date,
    say,
    store_from,
)
from geo.store import positions
from geo.vocab import POSITION_STATUS, POSITION_TOPIC, POSITION_VISIBILITY

#: Columns of ``list --format table`` (CSV and JSON carry every column of the register).
TABLE_COLUMNS = ["id", "status", "scope", "topic", "visibility", "meeting_ref", "meeting_date", "text_en"]
#: Columns whose codes print as labels in the tables for people.
VOCABS = {"status": POSITION_STATUS, "topic": POSITION_TOPIC, "visibility": POSITION_VISIBILITY}


def _data_dir(args: argparse.Namespace) -> Path | None:
    """Return the data folder (``--data``, then the settings); None when there is none (P-codes unchecked)."""
    from geo.cli.common import settings_of

    settings = settings_of(args)
    if args.data or (settings.data_dir is not None and settings.data_dir.is_dir()):
        return settings.require_data_dir()  # an explicit --data that does not exist is an error
    return None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``positions`` and its subcommands."""
    parser = subparsers.add_parser("positions", help=hx("cli.h.positions"), description=hx("cli.d.positions"))
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def step_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--meeting", required=True, metavar="REF", help=hx("cli.h.pos.meeting"))
        p.add_argument("--by", required=True, metavar="NAME", help=hx("cli.h.by"))
        p.add_argument("--date", type=parse_date, metavar="DATE", help=hx("cli.h.pos.date"))
        add_store_option(p)

    p_add = sub.add_parser("add", help=hx("cli.h.pos.add"), description=hx("cli.h.pos.add"))
    p_add.add_argument("--scope", required=True, help=hx("cli.h.pos.scope"))
    p_add.add_argument(
        "--topic", required=True, metavar="TOPIC", help=choices_help(POSITION_TOPIC, "cli.h.pos.topic")
    )
    p_add.add_argument("--text-fr", required=True, metavar="TEXT", help=hx("cli.h.pos.text_fr"))
    p_add.add_argument("--text-en", required=True, metavar="TEXT", help=hx("cli.h.pos.text_en"))
    p_add.add_argument(
        "--visibility",
        required=True,
        choices=positions.VISIBILITIES,
        help=choices_help(POSITION_VISIBILITY, "cli.h.pos.visibility"),
    )
    p_add.add_argument("--by", required=True, metavar="NAME", help=hx("cli.h.by"))
    p_add.add_argument("--meeting", default="", metavar="REF", help=hx("cli.h.pos.meeting_draft"))
    p_add.add_argument("--date", type=parse_date, metavar="DATE", help=hx("cli.h.pos.date"))
    p_add.add_argument(
        "--motivated-by", action="append", default=[], metavar="REF", help=hx("cli.h.pos.motivated")
    )
    add_data_option(p_add)
    add_store_option(p_add)
    p_add.set_defaults(func=run_add)

    for action in ("propose", "endorse", "retire"):
        p = sub.add_parser(action, help=hx(f"cli.h.pos.{action}"), description=hx(f"cli.h.pos.{action}"))
        p.add_argument("id", type=int, metavar="ID", help=hx("cli.h.pos.id"))
        step_options(p)
        p.set_defaults(func=run_step, step=action)

    p_rev = sub.add_parser("revise", help=hx("cli.h.pos.revise"), description=hx("cli.h.pos.revise"))
    p_rev.add_argument("id", type=int, metavar="ID", help=hx("cli.h.pos.id"))
    p_rev.add_argument("--text-fr", metavar="TEXT", help=hx("cli.h.pos.text_fr"))
    p_rev.add_argument("--text-en", metavar="TEXT", help=hx("cli.h.pos.text_en"))
    p_rev.add_argument("--scope", help=hx("cli.h.pos.scope"))
    p_rev.add_argument(
        "--visibility",
        choices=positions.VISIBILITIES,
        help=choices_help(POSITION_VISIBILITY, "cli.h.pos.visibility"),
    )
    p_rev.add_argument(
        "--motivated-by", action="append", default=None, metavar="REF", help=hx("cli.h.pos.motivated")
    )
    add_data_option(p_rev)
    step_options(p_rev)
    p_rev.set_defaults(func=run_step, step="revise")

    p_list = sub.add_parser("list", help=hx("cli.h.pos.list"), description=hx("cli.h.pos.list"))
    p_list.add_argument(
        "--status", choices=positions.STATUSES, help=choices_help(POSITION_STATUS, "cli.h.pos.status")
    )
    p_list.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help=hx("cli.h.pos.format")
    )
    add_store_option(p_list)
    p_list.set_defaults(func=run_list)

    p_hist = sub.add_parser("history", help=hx("cli.h.pos.history"), description=hx("cli.h.pos.history"))
    p_hist.add_argument("id", type=int, metavar="ID", help=hx("cli.h.pos.id"))
    add_store_option(p_hist)
    p_hist.set_defaults(func=run_history)

    p_rev = sub.add_parser("review", help=hx("cli.h.pos.review"), description=hx("cli.h.pos.review"))
    p_rev.add_argument("--months", type=int, default=6, help=hx("cli.h.pos.months"))
    p_rev.add_argument("--as-of", type=parse_date, metavar="DATE", help=hx("cli.h.as_of"))
    add_data_option(p_rev)
    add_store_option(p_rev)
    p_rev.set_defaults(func=run_review)

    p_print = sub.add_parser("print", help=hx("cli.h.pos.print"), description=hx("cli.h.pos.print"))
    p_print.add_argument("--lang", choices=("fr", "en"), help=hx("cli.h.sub_lang"))
    p_print.add_argument("--out", required=True, metavar="FILE.pdf", help=hx("cli.h.pos.out"))
    p_print.add_argument("--public", action="store_true", help=hx("cli.h.pos.public"))
    add_data_option(p_print)
    add_store_option(p_print)
    p_print.set_defaults(func=run_print)


def run_add(args: argparse.Namespace) -> int:
    """Draft a position; prints its id alone on stdout (details on stderr)."""
    path = store_from(args)
    res = positions.add_position(
        path,
        scope=args.scope,
        topic=args.topic,
        text_fr=args.text_fr,
        text_en=args.text_en,
        visibility=args.visibility,
        recorded_by=args.by,
        motivated_by=args.motivated_by,
        meeting_ref=args.meeting,
        meeting_date=args.date,
        data_dir=_data_dir(args),
    )
    print(res.position_id)
    print(
        say(args, "cli.pos_drafted", n=res.position_id, by=args.by, at=res.recorded_at, path=path),
        file=sys.stderr,
    )
    return 0


def run_step(args: argparse.Namespace) -> int:
    """Propose, endorse, revise or retire."""
    path = store_from(args)
    extra = {}
    if args.step == "revise":
        extra = {
            "text_fr": args.text_fr,
            "text_en": args.text_en,
            "scope": args.scope,
            "visibility": args.visibility,
            "motivated_by": args.motivated_by,
            "data_dir": _data_dir(args) if args.scope else None,
        }
    res = positions.record_step(
        path,
        args.id,
        args.step,
        meeting_ref=args.meeting,
        recorded_by=args.by,
        meeting_date=args.date,
        **extra,
    )
    print(
        say(
            args,
            "cli.pos_step",
            n=res.position_id,
            step=args.step,
            status=res.status,
            label=POSITION_STATUS.label(res.status, lang_of(args)),
            event=res.event_id,
        )
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the register (table, CSV with HXL row, or JSON)."""
    reg = positions.current_positions(store_from(args), status=args.status)
    if args.format == "csv":
        sys.stdout.write(positions.register_csv(reg))
    elif args.format == "json":
        json.dump(reg.to_dict(orient="records"), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif len(reg):
        text = "text_fr" if lang_of(args) == "fr" else "text_en"
        short = reg[[*TABLE_COLUMNS[:-1], text]].copy()
        short[text] = [t if len(t) <= 60 else t[:59] + "…" for t in short[text]]
        print(_table(args, short))
    else:
        print(say(args, "cli.no_positions"))
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Print every step of one position, oldest first."""
    hist = positions.position_history(store_from(args), args.id)
    cols = ["event_id", "action", "status", "meeting_ref", "meeting_date", "recorded_by", "recorded_at"]
    cols += ["scope", "visibility", "text_fr", "text_en"]
    hist = hist[cols]
    if lang_of(args) == "fr":
        hist = hist.assign(action=[_action(args, a) for a in hist["action"]])
    print(_table(args, hist))
    return 0


def _table(args: argparse.Namespace, df: pd.DataFrame, prefixes: tuple[str, ...] = ("pos.col",)) -> str:
    """Return a register table for people.

    In French its headers and codes are labels (``pos.col.*``, :mod:`geo.vocab`); in English
    it keeps the column names and codes of the forms in the module notes, which scripts read.
    """
    if lang_of(args) != "fr":
        return frame_text(args, df, (), {})
    return frame_text(args, df, prefixes, VOCABS)


def _action(args: argparse.Namespace, action: object) -> object:
    """Return a step of the register for people (``pos.action.<action>``); unknown values unchanged."""
    from geo.products.i18n import has_key

    key = f"pos.action.{action}"
    return say(args, key) if has_key(key, lang_of(args)) else action


def _areas(args: argparse.Namespace) -> dict:
    """``axis_areas`` and ``area_names`` of :func:`geo.store.positions.review` from the data folder, if any.

    Without a data folder the review lists the cercles of encircled localities only (an
    axis's cercles need its line, laid on the road lines of the data folder).
    """
    data_dir = _data_dir(args)
    if data_dir is None:
        return {}
    from geo.products.positions_map import axis_areas
    from geo.sources.admin import load_admin
    from geo.sources.curated import read_axes
    from geo.sources.roads import build_axes, load_roads

    admin2 = load_admin(data_dir, 2)
    lines = build_axes(read_axes().valid, load_roads(data_dir))
    return {
        "axis_areas": axis_areas(lines, admin2),
        "area_names": dict(zip(admin2["pcode"], admin2["name"], strict=True)),
    }


def run_review(args: argparse.Namespace) -> int:
    """List constraints in force without an endorsed position, and positions due for review."""
    from geo.store import constraints

    path = store_from(args)
    as_of = args.as_of or dt.date.today()
    versions = constraints.load_versions(path)
    axes = constraints.known_axes()
    status = constraints.effective_road_status(versions, as_of, axes=axes)
    episodes = constraints.effective_encircled(versions, as_of)
    uncovered, stale = positions.review(
        positions.current_positions(path),
        axis_status=status,
        episodes=episodes,
        as_of=as_of,
        months=args.months,
        axis_names=dict(zip(axes["axis_id"], axes["axis_name"], strict=True)),
        **_areas(args),
    )
    from geo.products.i18n import format_date

    none = "  " + say(args, "cli.none")
    print(say(args, "cli.pos_uncovered", date=format_date(as_of, lang_of(args)), n=len(uncovered)))
    print(_table(args, uncovered, ("pos.col", "cons.col")) if len(uncovered) else none)
    print("\n" + say(args, "cli.pos_stale", months=args.months, n=len(stale)))
    cols = ["id", "status", "scope", "topic", "meeting_ref", "meeting_date", "months_since"]
    print(_table(args, stale[cols]) if len(stale) else none)
    return 0


def num_kib(args: argparse.Namespace, size: int) -> str:
    """Size in KiB for people (whole KiB, Babel)."""
    from geo.cli.common import num

    return num(args, size / 1024)


def run_print(args: argparse.Namespace) -> int:
    """Write the printable register."""
    from geo.products.positions_print import render_register

    path = store_from(args)
    reg = positions.current_positions(path)
    if args.public:  # the public cut of every public product (geo.products.positions_map.public_register)
        from geo.products.policy import public_episodes
        from geo.products.positions_map import public_register
        from geo.store.constraints import load_versions

        episodes = load_versions(path).encircled
        known = set(episodes["locality"].astype(str))
        shown = set(public_episodes(episodes)["locality"].astype(str))
        data_dir = _data_dir(args)
        places = None
        if data_dir is not None:
            from geo.sources.places import load_places

            places = load_places(data_dir)
        pub = public_register(reg, withheld_places=known - shown, places=places, public_places=shown)
        reg = reg[reg["id"].isin(pub["position_id"])]
    lang = lang_of(args)
    data = render_register(reg, lang=lang, out=Path(args.out), public=args.public)
    print(say(args, "cli.pos_printed", path=args.out, n=len(reg), lang=lang, kib=num_kib(args, len(data))))
    return 0
