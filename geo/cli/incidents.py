"""``python -m geo incidents check|import|counts|trend``: incident files and tables.

``check FILE`` prints a JSON report (format, rows, accepted, rejected problems,
warnings, possible duplicates) and stores nothing. ``import FILE`` adds the accepted rows
and keeps the rejected ones in the store; importing the same file again adds nothing.
``counts`` and ``trend`` write P-coded tables as CSV with an HXL hashtag row.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import shapely

from geo.cli.common import (
    add_data_option,
    add_store_option,
    choices_help,
    data_from,
    day,
    hx,
    lang_of,
    parse_date,
    say,
    say_count,
    store_from,
    tqdm_progress,
)
from geo.errors import AccessMapError, MissingDataError
from geo.products.i18n import error_text, text_in
from geo.store.db import store_exists
from geo.vocab import CONFIDENCE

logger = logging.getLogger(__name__)

#: Border tolerance for "inside Mali", km (border villages, rounding of coordinates).
BORDER_TOLERANCE_KM = 5.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``incidents`` command and its subcommands."""
    parser = subparsers.add_parser("incidents", help=hx("cli.h.incidents"), description=hx("cli.d.incidents"))
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name in ("check", "import"):
        p = sub.add_parser(name, help=hx(f"cli.h.inc.{name}"), description=hx(f"cli.h.inc.{name}"))
        p.add_argument("file", metavar="FILE", help=hx("cli.h.inc.file"))
        p.add_argument(
            "--format",
            default="auto",
            choices=["auto", "acled", "ucdp", "curated", "generic"],
            help=hx("cli.h.inc.format"),
        )
        p.add_argument("--mapping", metavar="MAPPING.toml", help=hx("cli.h.inc.mapping"))
        p.add_argument("--date-order", choices=["dmy", "mdy", "ymd"], help=hx("cli.h.inc.date_order"))
        p.add_argument("--fix-swapped", action="store_true", help=hx("cli.h.inc.fix_swapped"))
        p.add_argument("--encoding", help=hx("cli.h.inc.encoding"))
        add_data_option(p)
        add_store_option(p)
        p.set_defaults(func=run)
    p = sub.add_parser("link", help=hx("cli.h.inc.link"), description=hx("cli.d.inc.link"))
    p.add_argument("incident_id", metavar="INCIDENT_ID", help=hx("cli.h.inc.incident_id"))
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--road", metavar="AXIS_ID", help=hx("cli.h.status.axis"))
    what.add_argument("--encircled", metavar="LOCALITY", help=hx("cli.h.inc.encircled"))
    p.add_argument("--status", help=hx("cli.h.inc.status"))
    p.add_argument("--cause", default="security", help=hx("cli.h.inc.cause"))
    p.add_argument("--radius-km", type=float, help=hx("cli.h.enc.radius"))
    p.add_argument(
        "--confidence",
        default="medium",
        choices=list(CONFIDENCE.codes),
        help=choices_help(CONFIDENCE, "cli.h.confidence"),
    )
    p.add_argument("--note", default="", help=hx("cli.h.note"))
    p.add_argument("--by", required=True, dest="recorded_by", help=hx("cli.h.by"))
    add_data_option(p)
    add_store_option(p)
    p.set_defaults(func=run_link)
    p = sub.add_parser("links", help=hx("cli.h.inc.links"), description=hx("cli.h.inc.links"))
    p.add_argument("--incident", metavar="INCIDENT_ID", help=hx("cli.h.inc.only"))
    p.add_argument("--out", metavar="FILE.csv", help=hx("cli.h.inc.out"))
    add_store_option(p)
    p.set_defaults(func=run_links)
    for name in ("counts", "trend"):
        p = sub.add_parser(name, help=hx(f"cli.h.inc.{name}"), description=hx(f"cli.h.inc.{name}"))
        if name == "counts":
            p.add_argument("--level", type=int, choices=[1, 2, 3], default=2, help=hx("cli.h.inc.level"))
            p.add_argument(
                "--by",
                choices=["event_type", "month", "source"],
                action="append",
                default=None,
                help=hx("cli.h.inc.by_counts"),
            )
        else:
            p.add_argument(
                "--by", choices=["event_type", "source"], default=None, help=hx("cli.h.inc.by_trend")
            )
        p.add_argument("--start", type=parse_date, help=hx("cli.h.first_day"))
        p.add_argument("--end", type=parse_date, help=hx("cli.h.last_day"))
        p.add_argument("--as-of", type=parse_date, help=hx("cli.h.inc.as_of"))
        p.add_argument("--days", type=int, help=hx("cli.h.inc.days"))
        p.add_argument("--public", action="store_true", help=hx("cli.h.inc.public"))
        p.add_argument("--out", metavar="FILE.csv", help=hx("cli.h.inc.out"))
        add_data_option(p)
        add_store_option(p)
        p.set_defaults(func=run)


def _country(args: argparse.Namespace) -> tuple[shapely.Geometry | None, Path | None]:
    """Mali's admin0 outline, buffered by the border tolerance, in EPSG:4326."""
    from geo.model.incidents import country_outline

    try:
        data_dir = data_from(args)
        return country_outline(data_dir, border_km=BORDER_TOLERANCE_KM), data_dir
    except MissingDataError as exc:
        logger.warning("no admin0 outline (%s); using Mali's bounding box", exc)
        return None, None


def _known(data_dir: Path | None, store: Path | str):
    from geo.model.incidents import load_incidents

    if data_dir is None:
        return None
    return load_incidents(data_dir, store_path=store if store_exists(store) else None)


def run(args: argparse.Namespace) -> int:
    """Run one ``incidents`` action; returns the exit code."""
    if args.action in ("counts", "trend"):
        return _run_tables(args)
    from geo.sources.datasets import sha256_file
    from geo.sources.incident_files import check_file
    from geo.store.incidents import import_checked, open_store

    store = store_from(args)
    country, data_dir = _country(args)
    try:
        existing = _known(data_dir, store)
    except AccessMapError as exc:
        logger.warning("cannot load known incidents for duplicate checks: %s", exc)
        existing = None
    result = check_file(
        args.file,
        fmt=args.format,
        mapping=args.mapping,
        date_order=args.date_order,
        fix_swapped=args.fix_swapped,
        country=country,
        existing=existing,
        encoding=args.encoding,
    )
    report = result.report()
    if args.action == "import":
        conn = open_store(store)
        try:
            summary = import_checked(
                conn,
                result,
                file_sha256=sha256_file(Path(args.file)),
                progress=tqdm_progress(say(args, "cli.p.import")) if sys.stderr.isatty() else None,
            )
        finally:
            conn.close()
        report.update(
            {
                "store": str(store),
                "added": summary.added,
                "already_present": summary.already_present,
                "rejected_rows_kept": summary.rejected_rows,
                "repeated_file": summary.repeated_file,
            }
        )
    json.dump(report_in(report, lang_of(args)), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def report_in(report: dict, lang: str) -> dict:
    """Return a check report with its messages (rejection reasons, warnings) in ``lang``; keys unchanged.

    The reasons and warnings the engine keys (:class:`geo.text.Keyed`) are written from the
    catalogs; the JSON keys, codes and numbers stay as they are, for scripts.
    """
    out = dict(report)
    out["rejected"] = [{**r, "reason": text_in(r["reason"], lang)} for r in report.get("rejected", [])]
    out["warnings"] = [text_in(w, lang) for w in report.get("warnings", [])]
    return out


def _run_tables(args: argparse.Namespace) -> int:
    from geo.model.incidents import (
        assign_admin,
        counts_by_admin,
        load_incidents,
        monthly_trend,
        public_incidents,
        time_window,
        to_hxl_csv,
        write_hxl_csv,
    )
    from geo.sources.admin import load_admin

    data_dir = data_from(args)
    store = store_from(args)
    inc = load_incidents(data_dir, store_path=store if store_exists(store) else None)
    if args.public:
        inc = public_incidents(inc)
    try:
        if args.as_of or args.days:
            inc = time_window(inc, as_of=args.as_of, days=args.days)
        else:
            inc = time_window(inc, start=args.start, end=args.end)
    except ValueError as exc:
        print(say(args, "cli.error", message=error_text(exc, lang_of(args))), file=sys.stderr)
        return 2
    if args.action == "counts":
        admin3 = load_admin(data_dir, 3)
        placed = assign_admin(inc, admin3)
        units = load_admin(data_dir, args.level) if not args.by else None
        table = counts_by_admin(placed, level=args.level, by=tuple(args.by or ()), admin=units)
    else:
        table = monthly_trend(inc, by=args.by)
    if args.out:
        write_hxl_csv(table, args.out)
        print(say_count(args, "cli.wrote_n_rows", len(table), path=args.out), file=sys.stderr)
    else:
        sys.stdout.write(to_hxl_csv(table))
    return 0


def run_link(args: argparse.Namespace) -> int:
    """Run ``incidents link``; returns the exit code."""
    from geo.errors import DataFileError
    from geo.model.incidents import load_incidents
    from geo.store.constraints import version_number
    from geo.store.links import link_incident

    data_dir = data_from(args)
    store = store_from(args)
    known = load_incidents(data_dir, store_path=store if store.is_file() else None)
    iid = str(args.incident_id).strip()
    if iid not in known.index:
        near = [i for i in known.index if iid.casefold() in str(i).casefold()][:5]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        label, msg = "incidents link", f"unknown incident {iid!r}{hint}"
        key = "err.unknown_incident_near" if near else "err.unknown_incident"
        raise DataFileError(label, msg, field="incident_id").keyed(
            key=key, id=repr(iid), near=", ".join(near)
        )
    row = known.loc[iid].to_dict()
    res = link_incident(
        store,
        row,
        kind="road_status" if args.road else "encirclement",
        recorded_by=args.recorded_by,
        axis_id=args.road,
        status=args.status,
        cause=args.cause,
        locality=args.encircled,
        radius_km=args.radius_km,
        confidence=args.confidence,
        note=args.note,
        data_dir=data_dir,
    )
    print(
        say(
            args,
            "cli.inc_linked",
            id=iid,
            date=day(args, row["date"].date()),
            amrf=res.amrf,
            kind=say(args, f"cli.link_{res.kind}")
            if res.kind in ("road_status", "encirclement")
            else res.kind,
            target=res.target,
            n=version_number(
                store, "axis" if res.kind == "road_status" else "episode", res.target, res.version_id
            ),
            path=store,
        )
    )
    return 0


def run_links(args: argparse.Namespace) -> int:
    """Run ``incidents links``; returns the exit code."""
    from geo.store.constraints import incident_links
    from geo.tables import csv_text, write_csv

    table = incident_links(store_from(args), args.incident)
    if args.out:
        write_csv(table, args.out)
        print(say(args, "cli.wrote_n_links", n=len(table), path=args.out), file=sys.stderr)
    else:
        sys.stdout.write(csv_text(table))
    return 0
