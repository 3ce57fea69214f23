"""``python -m geo fetch`` and ``python -m geo data verify|add``: building and checking the data folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.cli.common import add_data_option, data_from
from geo.config import default_fetch_dir


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` and ``data`` subcommands."""
    p = sub.add_parser(
        "fetch",
        help="build or update a data folder from the publishers' raw files",
        description="Download the raw files of each source of data/manifest.toml (or take them from "
        "--mirror), check their SHA-256 (pinned in the manifest, else recorded in the folder's "
        "mali-access.lock.toml on first download), process them into the data-folder layout and move "
        "the results into place. A source that fails leaves the folder as it was.",
    )
    p.add_argument(
        "--dest",
        default=str(default_fetch_dir()),
        metavar="DIR",
        help="folder to fill (default: data/external/ in a checkout, data/ in the per-user "
        "data folder when installed: %(default)s)",
    )
    p.add_argument(
        "--only",
        metavar="NAME,NAME",
        help="only these sources (ids from --dry-run) or the default sources of these roles; "
        "alternatives such as cod_ab_2021 are taken only when named here",
    )
    p.add_argument(
        "--mirror",
        metavar="URL_OR_DIR",
        help="take every raw file from URL_OR_DIR/NAME (an http(s) address or a folder with the same "
        "relative names) instead of the publishers",
    )
    p.add_argument("--dry-run", action="store_true", help="list every source, address and hash status")
    p.add_argument(
        "--update",
        action="store_true",
        help="accept raw files whose hash differs from the one the lock recorded (a new release); "
        "hashes pinned in the manifest are always enforced",
    )
    p.set_defaults(func=run_fetch)
    d = sub.add_parser("data", help="check the data folder, or add a file you downloaded")
    dsub = d.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    v = dsub.add_parser(
        "verify",
        help="report missing files and checksum mismatches",
        description="Compare every file of the data folder with its record in the folder's lock "
        "(mali-access.lock.toml), else with data/manifest.toml (presence and SHA-256). "
        "Exit 1 if anything is missing or differs.",
    )
    add_data_option(v)
    v.set_defaults(func=run_verify)
    a = dsub.add_parser(
        "add",
        help="validate a file you downloaded, convert it into the folder and record it",
        description="roads: HOT export (osm_id, highway, surface ...) or Geofabrik (fclass ...), zipped "
        "shapefile or GeoPackage; admin: COD-AB admin 1-3 (2015 or 2021); places: Who's On First archive; "
        "population: GeoTIFF; landcover: GeoTIFF of IGBP codes; incidents: UCDP GED or Candidate CSV.",
    )
    a.add_argument("role", choices=["roads", "admin", "places", "population", "landcover", "incidents"])
    a.add_argument("file", metavar="FILE")
    add_data_option(a)
    a.add_argument(
        "--cod-version", choices=["2015", "2021"], default="", help="COD-AB version if not detected"
    )
    a.add_argument(
        "--values",
        choices=["count", "density"],
        default="count",
        help="population raster values: people per cell (WorldPop ppp) or per km²",
    )
    a.add_argument("--kind", choices=["ged", "candidate"], default="ged", help="UCDP file kind (incidents)")
    a.set_defaults(func=run_add)


def run_fetch(args: argparse.Namespace) -> int:
    """Run ``fetch``."""
    from geo.sources.fetch import dry_run, fetch_all

    only = [x.strip() for x in args.only.split(",") if x.strip()] if args.only else None
    dest = Path(args.dest)
    if args.dry_run:
        print(f"data folder: {dest} (dry run: nothing downloaded)")
        for line in dry_run(dest, only=only, mirror=args.mirror):
            print(line)
        return 0
    status = fetch_all(dest, only=only, mirror=args.mirror, update=args.update, progress=True)
    print(f"data folder: {dest}")
    for sid, s in status.items():
        print(f"{sid:28s} {s}")
    return 0 if all(not s.startswith("failed") for s in status.values()) else 1


def run_verify(args: argparse.Namespace) -> int:
    """Run ``data verify``."""
    from geo.sources.datasets import verify_data_dir, verify_ok

    data_dir = data_from(args)
    status = verify_data_dir(data_dir)
    print(f"data folder: {data_dir}")
    for role, s in status.items():
        print(f"{role:26s} {s}")
    return 0 if verify_ok(status) else 1


def run_add(args: argparse.Namespace) -> int:
    """Run ``data add``."""
    from geo.sources.fetch import add_user_file

    data_dir = data_from(args)
    lines = add_user_file(
        data_dir, args.role, Path(args.file), cod_version=args.cod_version, values=args.values, kind=args.kind
    )
    print(f"data folder: {data_dir}")
    for line in lines:
        print(line)
    return 0
