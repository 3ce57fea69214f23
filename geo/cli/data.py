"""``python -m geo fetch`` and ``python -m geo data verify|add``: building and checking the data folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.cli.common import add_data_option, data_from, hx, lang_of, say
from geo.config import default_fetch_dir
from geo.products.i18n import text_in


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` and ``data`` subcommands."""
    p = sub.add_parser("fetch", help=hx("cli.h.fetch"), description=hx("cli.d.fetch"))
    p.add_argument("--dest", default=str(default_fetch_dir()), metavar="DIR", help=hx("cli.h.fetch.dest"))
    p.add_argument("--only", metavar="NAME,NAME", help=hx("cli.h.fetch.only"))
    p.add_argument("--mirror", metavar="URL_OR_DIR", help=hx("cli.h.fetch.mirror"))
    p.add_argument("--dry-run", action="store_true", help=hx("cli.h.fetch.dry_run"))
    p.add_argument("--update", action="store_true", help=hx("cli.h.fetch.update"))
    p.set_defaults(func=run_fetch)
    d = sub.add_parser("data", help=hx("cli.h.data_cmd"), description=hx("cli.h.data_cmd"))
    dsub = d.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    v = dsub.add_parser("verify", help=hx("cli.h.verify"), description=hx("cli.d.verify"))
    add_data_option(v)
    v.set_defaults(func=run_verify)
    a = dsub.add_parser("add", help=hx("cli.h.add"), description=hx("cli.d.add"))
    a.add_argument(
        "role",
        choices=["roads", "admin", "places", "population", "landcover", "incidents"],
        help=hx("cli.h.add.role"),
    )
    a.add_argument("file", metavar="FILE", help=hx("cli.h.add.file"))
    add_data_option(a)
    a.add_argument("--cod-version", choices=["2015", "2021"], default="", help=hx("cli.h.add.cod"))
    a.add_argument("--values", choices=["count", "density"], default="count", help=hx("cli.h.add.values"))
    a.add_argument("--kind", choices=["ged", "candidate"], default="ged", help=hx("cli.h.add.kind"))
    a.set_defaults(func=run_add)


def run_fetch(args: argparse.Namespace) -> int:
    """Run ``fetch``."""
    from geo.sources.fetch import dry_run, fetch_all

    only = [x.strip() for x in args.only.split(",") if x.strip()] if args.only else None
    dest = Path(args.dest)
    if args.dry_run:
        print(say(args, "cli.data_folder_dry", path=dest))
        for line in dry_run(dest, only=only, mirror=args.mirror):
            print(text_in(line, lang_of(args)))
        return 0
    status = fetch_all(dest, only=only, mirror=args.mirror, update=args.update, progress=True)
    print(say(args, "cli.data_folder", path=dest))
    for sid, s in status.items():
        print(f"{sid:28s} {text_in(s, lang_of(args))}")
    return 0 if all(not s.startswith("failed") for s in status.values()) else 1


def run_verify(args: argparse.Namespace) -> int:
    """Run ``data verify``."""
    from geo.sources.datasets import verify_data_dir, verify_ok

    data_dir = data_from(args)
    status = verify_data_dir(data_dir)
    print(say(args, "cli.data_folder", path=data_dir))
    for role, s in status.items():
        print(f"{role:26s} {text_in(s, lang_of(args))}")
    return 0 if verify_ok(status) else 1


def run_add(args: argparse.Namespace) -> int:
    """Run ``data add``."""
    from geo.sources.fetch import add_user_file

    data_dir = data_from(args)
    lines = add_user_file(
        data_dir, args.role, Path(args.file), cod_version=args.cod_version, values=args.values, kind=args.kind
    )
    print(say(args, "cli.data_folder", path=data_dir))
    for line in lines:
        print(text_in(line, lang_of(args)))
    return 0
