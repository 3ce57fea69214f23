"""Command line: ``python -m geo <command> ...``.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function
taking the parsed arguments and returning the exit code. Errors of the engine
(:class:`geo.errors.AccessMapError`) are printed as one line naming the file and
field, with exit code 2; no traceback. So is a missing optional module: the line names
the extra to install (``pip install 'mali-access[export]'``). The settings are resolved
once from the parsed options (:func:`geo.cli.common.settings_from`) and attached to the
arguments as ``args.settings``.

Language: the help, argparse's messages, the outputs and the error lines are written in
``Settings.lang``: a command's ``--lang`` (one language), else the global ``--lang``,
else ``MALI_ACCESS_LANG``, else French. The help is written while the parser is built,
so the language is read from the command line first (:func:`language_of`).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from geo import __version__
from geo.cli.common import Parser, hx, missing_extra_message, settings_from, use_lang
from geo.config import DEFAULT_LANG, LANGS, resolve_lang
from geo.errors import AccessMapError
from geo.products.i18n import error_text

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "geo.cli.reach",
    "geo.cli.catchments",
    "geo.cli.travel_time",
    "geo.cli.batch",
    "geo.cli.criticality",
    "geo.cli.series",
    "geo.cli.data",
    "geo.cli.status",
    "geo.cli.crossings",
    "geo.cli.encircled",
    "geo.cli.incidents",
    "geo.cli.export",
    "geo.cli.snapshot",
    "geo.cli.severity",
    "geo.cli.changes",
    "geo.cli.positions",
)


def language_of(argv: Sequence[str]) -> str:
    """Return the language of a command line before it is parsed (the rule of ``Settings.lang``).

    The last ``--lang X`` or ``--lang=X`` naming one language wins (a command's own flag
    comes after the global one); otherwise ``MALI_ACCESS_LANG``, then French. A bad
    ``MALI_ACCESS_LANG`` gives French here; the command then stops on it with an error.
    """
    flag = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None
        if arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value is not None and value.strip().lower() in LANGS:
            flag = value.strip().lower()
    try:
        return resolve_lang(flag)
    except AccessMapError:
        return DEFAULT_LANG


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand, its help in ``lang``.

    ``lang`` defaults to the settings' language (``MALI_ACCESS_LANG``, then French).
    """
    use_lang(lang or language_of([]))
    parser = Parser(prog="python -m geo", description=hx("cli.d.main"))
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help=hx("cli.h.version")
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=hx("cli.h.verbose"))
    parser.add_argument(
        "--lang",
        dest="cli_lang",
        choices=LANGS,
        metavar="fr|en",
        help=hx("cli.h.lang", var="MALI_ACCESS_LANG"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = language_of(argv)
    parser = build_parser(lang)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        args.settings = settings_from(args)
        return int(args.func(args) or 0)
    except AccessMapError as exc:
        lang = getattr(getattr(args, "settings", None), "lang", lang)
        print(hx_error(error_text(exc, lang), lang), file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        message = missing_extra_message(exc, getattr(getattr(args, "settings", None), "lang", lang))
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 2


def hx_error(message: str, lang: str) -> str:
    """``error: MESSAGE`` / ``erreur : MESSAGE``, the one form of an error line."""
    from geo.products.i18n import tr

    return tr("cli.error", lang, message=message)
