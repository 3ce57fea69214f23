"""``python -m geo fetch`` and ``python -m geo data verify``: the data folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.cli.common import add_data_option
from geo.config import PROJECT_ROOT, resolve_data_dir


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` and ``data`` subcommands."""
    p = sub.add_parser(
        "fetch",
        help="download the public datasets listed in data/manifest.toml",
        description="Download each dataset of data/manifest.toml from its publisher, "
        "verify its SHA-256 and move it into place (needs internet).",
    )
    p.add_argument(
        "--dest",
        default=str(PROJECT_ROOT / "data" / "external"),
        metavar="DIR",
        help="folder to fill (default: data/external)",
    )
    p.add_argument("--only", metavar="ROLE,ROLE", help="only these manifest roles")
    p.set_defaults(func=run_fetch)
    d = sub.add_parser("data", help="check the data folder against the manifest")
    dsub = d.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    v = dsub.add_parser(
        "verify",
        help="report missing files and checksum mismatches",
        description="Compare every file of the data folder with data/manifest.toml "
        "(presence and SHA-256). Exit 1 if anything is missing or differs.",
    )
    add_data_option(v)
    v.set_defaults(func=run_verify)


def run_fetch(args: argparse.Namespace) -> int:
    """Run ``fetch``."""
    from geo.cli.common import tqdm_progress
    from geo.sources.fetch import fetch_all

    roles = args.only.split(",") if args.only else None
    status = fetch_all(Path(args.dest), roles=roles, progress_for=lambda r: tqdm_progress(r))
    for role, s in status.items():
        print(f"{role:20s} {s}")
    return 0 if all(s in ("ok", "present") or s.startswith("skipped") for s in status.values()) else 1


def run_verify(args: argparse.Namespace) -> int:
    """Run ``data verify``."""
    from geo.sources.datasets import verify_data_dir

    data_dir = resolve_data_dir(args.data)
    status = verify_data_dir(data_dir)
    print(f"data folder: {data_dir}")
    for role, s in status.items():
        print(f"{role:20s} {s}")
    return 0 if all(s == "ok" for s in status.values()) else 1
