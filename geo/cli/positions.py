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

from geo.cli.common import add_data_option, add_store_option, parse_date, store_from
from geo.store import positions

#: Columns of ``list --format table`` (CSV and JSON carry every column of the register).
TABLE_COLUMNS = ["id", "status", "scope", "topic", "visibility", "meeting_ref", "meeting_date", "text_en"]


def _data_dir(args: argparse.Namespace) -> Path | None:
    """Return the data folder (``--data``, then the settings); None when there is none (P-codes unchecked)."""
    from geo.cli.common import settings_of

    settings = settings_of(args)
    if args.data or (settings.data_dir is not None and settings.data_dir.is_dir()):
        return settings.require_data_dir()  # an explicit --data that does not exist is an error
    return None


def csv_text(frame: pd.DataFrame) -> str:
    """Return the register as CSV (:func:`geo.tables.csv_text`) with ``id`` tagged as the position code.

    The register's ``id`` column carries the HXL hashtag of ``position_id``; every other
    column takes its hashtag from :data:`geo.tables.HXL_TAGS`.
    """
    from geo.tables import csv_text as table_csv
    from geo.tables import hxl_tag

    head, _tags, body = table_csv(frame).split("\n", 2)
    tags = ",".join(hxl_tag("position_id" if c == "id" else c) for c in frame.columns)
    return f"{head}\n{tags}\n{body}"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``positions`` and its subcommands."""
    parser = subparsers.add_parser(
        "positions",
        help="register of common positions and red lines (HAWG proposes, HCT endorses)",
        description="Common positions and red lines: draft, propose (HAWG), endorse (HCT), revise, retire.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def step_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--meeting", required=True, metavar="REF", help="meeting that decided the step")
        p.add_argument("--by", required=True, metavar="NAME", help="who records it")
        p.add_argument("--date", type=parse_date, metavar="DATE", help="meeting date (default: today)")
        add_store_option(p)

    p_add = sub.add_parser("add", help="draft a new position; prints its id")
    p_add.add_argument("--scope", required=True, help="country, admin:PCODE, axis:ID, crossing:ID, ...")
    p_add.add_argument("--topic", required=True, help=f"one of {', '.join(positions.TOPICS)}")
    p_add.add_argument("--text-fr", required=True, metavar="TEXT")
    p_add.add_argument("--text-en", required=True, metavar="TEXT")
    p_add.add_argument("--visibility", required=True, choices=positions.VISIBILITIES)
    p_add.add_argument("--by", required=True, metavar="NAME")
    p_add.add_argument("--meeting", default="", metavar="REF", help="optional for a draft")
    p_add.add_argument("--date", type=parse_date, metavar="DATE")
    p_add.add_argument("--motivated-by", action="append", default=[], metavar="REF")
    add_data_option(p_add)
    add_store_option(p_add)
    p_add.set_defaults(func=run_add)

    for action, text in (
        ("propose", "the HAWG proposes a draft or a revision"),
        ("endorse", "record the HCT's endorsement of a proposed position"),
        ("retire", "withdraw a position for good"),
    ):
        p = sub.add_parser(action, help=text)
        p.add_argument("id", type=int, metavar="ID")
        step_options(p)
        p.set_defaults(func=run_step, step=action)

    p_rev = sub.add_parser("revise", help="change the text, scope or visibility of a position")
    p_rev.add_argument("id", type=int, metavar="ID")
    p_rev.add_argument("--text-fr", metavar="TEXT")
    p_rev.add_argument("--text-en", metavar="TEXT")
    p_rev.add_argument("--scope")
    p_rev.add_argument("--visibility", choices=positions.VISIBILITIES)
    p_rev.add_argument("--motivated-by", action="append", default=None, metavar="REF")
    add_data_option(p_rev)
    step_options(p_rev)
    p_rev.set_defaults(func=run_step, step="revise")

    p_list = sub.add_parser("list", help="print the register")
    p_list.add_argument("--status", choices=positions.STATUSES)
    p_list.add_argument("--format", choices=("table", "csv", "json"), default="table")
    add_store_option(p_list)
    p_list.set_defaults(func=run_list)

    p_hist = sub.add_parser("history", help="print every step of a position")
    p_hist.add_argument("id", type=int, metavar="ID")
    add_store_option(p_hist)
    p_hist.set_defaults(func=run_history)

    p_rev = sub.add_parser(
        "review", help="constraints without an endorsed position; positions due for review"
    )
    p_rev.add_argument("--months", type=int, default=6, help="due for review after N months (default 6)")
    p_rev.add_argument(
        "--as-of", type=parse_date, metavar="DATE", help="constraints in force (default: today)"
    )
    add_data_option(p_rev)
    add_store_option(p_rev)
    p_rev.set_defaults(func=run_review)

    p_print = sub.add_parser("print", help="printable register (PDF) grouped by topic and status")
    p_print.add_argument("--lang", choices=("fr", "en"), default="fr")
    p_print.add_argument("--out", required=True, metavar="FILE.pdf")
    p_print.add_argument(
        "--public",
        action="store_true",
        help="only HCT-endorsed public positions that point at no restricted place (as public products)",
    )
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
    print(f"drafted position {res.position_id} by {args.by} at {res.recorded_at} in {path}", file=sys.stderr)
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
    print(f"position {res.position_id}: {args.step} recorded, now {res.status} (step {res.event_id})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the register (table, CSV with HXL row, or JSON)."""
    reg = positions.current_positions(store_from(args), status=args.status)
    if args.format == "csv":
        sys.stdout.write(csv_text(reg))
    elif args.format == "json":
        json.dump(reg.to_dict(orient="records"), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif len(reg):
        short = reg[TABLE_COLUMNS].copy()
        short["text_en"] = [t if len(t) <= 60 else t[:59] + "…" for t in short["text_en"]]
        print(short.to_string(index=False))
    else:
        print("(no positions)")
    return 0


def run_history(args: argparse.Namespace) -> int:
    """Print every step of one position, oldest first."""
    hist = positions.position_history(store_from(args), args.id)
    cols = ["event_id", "action", "status", "meeting_ref", "meeting_date", "recorded_by", "recorded_at"]
    cols += ["scope", "visibility", "text_fr", "text_en"]
    print(hist[cols].to_string(index=False))
    return 0


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
    print(f"Constraints in force on {as_of} without an HCT-endorsed position ({len(uncovered)}):")
    print(uncovered.to_string(index=False) if len(uncovered) else "  none")
    print(f"\nPositions not reviewed for {args.months} months ({len(stale)}):")
    cols = ["id", "status", "scope", "topic", "meeting_ref", "meeting_date", "months_since"]
    print(stale[cols].to_string(index=False) if len(stale) else "  none")
    return 0


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
    data = render_register(reg, lang=args.lang, out=Path(args.out), public=args.public)
    print(f"wrote {args.out} ({len(reg)} positions, {args.lang}, {len(data) / 1024:.0f} KiB)")
    return 0
