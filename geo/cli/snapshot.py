"""``python -m geo snapshot``: build a sanitised, dated public snapshot folder."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from geo.cli.common import (
    add_as_of_option,
    add_data_option,
    add_store_option,
    data_from,
    hx,
    num,
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

    p = sub.add_parser("snapshot", help=hx("cli.h.snapshot"), description=hx("cli.d.snapshot"))
    add_data_option(p)
    p.add_argument("--out", metavar="DIR", help=hx("cli.h.snap.out", var=ENV_VARS["snapshots_dir"]))
    add_as_of_option(p, "cli.h.snap.as_of")
    p.add_argument(
        "--delay-days",
        type=int,
        default=DEFAULT_DELAY_DAYS,
        metavar="N",
        help=hx("cli.h.snap.delay", n=DEFAULT_DELAY_DAYS),
    )
    p.add_argument(
        "--window-months",
        type=int,
        default=DEFAULT_WINDOW_MONTHS,
        metavar="N",
        help=hx("cli.h.snap.window", n=DEFAULT_WINDOW_MONTHS),
    )
    p.add_argument("--lang", choices=LANGS, help=hx("cli.h.sub_lang"))
    add_store_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``snapshot``; returns the exit code."""
    from geo.products.snapshot import html_renderer, publish_snapshot

    if args.delay_days < 0:
        print(say(args, "cli.error", message=say(args, "err.delay_days")), file=sys.stderr)
        return 2
    require_extra("export")  # the snapshot's PNG is the print map (matplotlib)
    t0 = time.perf_counter()
    renderer = html_renderer()
    if renderer is None:
        print(say(args, "cli.note", note=say(args, "cli.no_renderer")), file=sys.stderr)
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
        progress=tqdm_progress(say(args, "cli.p.snapshot")),
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
