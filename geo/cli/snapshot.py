"""``python -m geo snapshot``: build a sanitised, dated public snapshot folder."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from geo.cli.common import (
    add_data_option,
    add_store_option,
    data_from,
    num,
    parse_date,
    require_extra,
    say,
    settings_of,
    store_from,
    tqdm_progress,
)
from geo.config import ENV_VARS, LANGS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``snapshot`` subcommand."""
    from geo.products.snapshot import DEFAULT_DELAY_DAYS, DEFAULT_WINDOW_MONTHS

    p = sub.add_parser(
        "snapshot",
        help="build a public snapshot (offline map, GeoJSON/CSV, PNG) for donors",
        description="Build an immutable public snapshot folder: index.html (offline map drawn with "
        "the app's layer builders; needs the app extra), metadata.json (dates, sources, licences, "
        "policy version, sha256 of every file), GeoJSON, CSV with an HXL row and a PNG map. Only "
        "allow-listed, generalised fields are published, computed from the encirclements marked public.",
    )
    add_data_option(p)
    p.add_argument(
        "--out",
        metavar="DIR",
        help=f"snapshot root; the snapshot is a new folder inside it "
        f"(default: ${ENV_VARS['snapshots_dir']} or snapshots/ in var/, in the per-user data "
        "folder when installed)",
    )
    p.add_argument(
        "--as-of",
        type=parse_date,
        default=dt.date.today(),
        metavar="YYYY-MM-DD",
        help="snapshot date (default: today)",
    )
    p.add_argument(
        "--delay-days",
        type=int,
        default=DEFAULT_DELAY_DAYS,
        metavar="N",
        help=f"release delay: publish the state N days before the as-of date (default: {DEFAULT_DELAY_DAYS})",
    )
    p.add_argument(
        "--window-months",
        type=int,
        default=DEFAULT_WINDOW_MONTHS,
        metavar="N",
        help=f"months of incident counts (default: {DEFAULT_WINDOW_MONTHS})",
    )
    p.add_argument(
        "--lang", choices=LANGS, help="language of the map texts (default: $MALI_ACCESS_LANG or fr)"
    )
    add_store_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``snapshot``; returns the exit code."""
    from geo.products.snapshot import NO_RENDERER_NOTE, html_renderer, publish_snapshot

    if args.delay_days < 0:
        print("error: --delay-days must be >= 0", file=sys.stderr)
        return 2
    require_extra("export")  # the snapshot's PNG is the print map (matplotlib)
    t0 = time.perf_counter()
    renderer = html_renderer()
    if renderer is None:
        print(f"note: {NO_RENDERER_NOTE}", file=sys.stderr)
    settings = settings_of(args)
    data_dir = data_from(args)
    out = Path(args.out).expanduser() if args.out else settings.snapshots_dir
    folder = publish_snapshot(  # the code the app's "Publish" button runs (views/public.py)
        data_dir,
        out,
        store_path=store_from(args),
        as_of=args.as_of,
        delay_days=args.delay_days,
        lang=settings.lang,
        window_months=args.window_months,
        renderer=renderer,
        progress=tqdm_progress("snapshot"),
    )
    files = [p for p in folder.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(
        say(
            args,
            "cli.snapshot_built",
            path=folder,
            n=len(files),
            size=num(args, size),
            seconds=num(args, time.perf_counter() - t0, decimals=1),
        )
    )
    return 0
