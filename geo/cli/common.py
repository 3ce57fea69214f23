"""Options and helpers shared by the subcommands.

Language: everything printed for people follows ``Settings.lang`` (``--lang`` >
``MALI_ACCESS_LANG`` > French). Outputs use :func:`say` and :func:`num` with the parsed
arguments; the help, written while the parser is built, uses :func:`hx` in the language
:func:`use_lang` set (``geo.cli.main`` resolves it from the command line before parsing).
"""

from __future__ import annotations

import argparse
import contextvars
import datetime as dt
import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from geo.config import DEFAULT_CELL_KM, DEFAULT_LANG, ENV_VARS, LANGS, Settings

#: Language of the parser being built and of argparse's messages (see :func:`use_lang`).
_HELP_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("geo_cli_lang", default=DEFAULT_LANG)


def use_lang(lang: str) -> None:
    """Write the help and argparse's messages of the parsers built from now on in ``lang``."""
    _HELP_LANG.set(lang)


def help_lang() -> str:
    """Return the language of the help (:func:`use_lang`)."""
    return _HELP_LANG.get()


def hx(key: str, /, **fields: object) -> str:
    """Return the catalog text ``key`` in the help's language (argparse help and descriptions).

    A ``%`` in the text is doubled unless it is a ``%(default)s`` field, as argparse
    formats help with ``%``.
    """
    from geo.products.i18n import tr

    text = tr(key, help_lang(), **fields)
    return re.sub(r"%(?!\()", "%%", text)


def choices_help(vocab, key: str | None = None) -> str:  # noqa: ANN001
    """Return help listing each code of ``vocab`` (:mod:`geo.vocab`) with its label in the help's language.

    ``open = Ouverte, constrained = Sous contrainte, ...``, after the text of ``key`` when given.
    """
    return codes_help(vocab.labels(help_lang()), key)


def codes_help(labels: dict[str, str], key: str | None = None) -> str:
    """Return help listing codes that stay in English with what each means in the help's language.

    ``rôle du compte : advisor = conseiller en accès humanitaire, planner = planificateur, ...``
    (as ``--season``: ``dry = saison sèche``), after the text of ``key`` when given.

    Parameters
    ----------
    labels
        Code -> its label, already in the help's language (:func:`help_lang`), in the order shown.
    key
        Catalog key of the text before the list, or None for the list alone.
    """
    listed = ", ".join(f"{code} = {label}" for code, label in labels.items())
    return hx("cli.choices", text=hx(key), listed=listed) if key else listed


#: argparse's own messages (Python 3.11-3.13) and the catalog key of each.
_ARGPARSE_MESSAGES = (
    (re.compile(r"^the following arguments are required: (?P<args>.*)$"), "cli.ap.required"),
    (re.compile(r"^one of the arguments (?P<args>.*) is required$"), "cli.ap.one_of"),
    (re.compile(r"^unrecognized arguments: (?P<args>.*)$"), "cli.ap.unrecognized"),
    (re.compile(r"^argument (?P<arg>[^:]+): (?P<message>.*)$", re.S), "cli.ap.argument"),
    (re.compile(r"^invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)$"), "cli.ap.invalid_choice"),
    (re.compile(r"^invalid (?P<type>\S+) value: (?P<value>.*)$"), "cli.ap.invalid_value"),
    (re.compile(r"^expected one argument$"), "cli.ap.expected_one"),
    (re.compile(r"^not allowed with argument (?P<arg>.*)$"), "cli.ap.not_allowed"),
    (re.compile(r"^ignored explicit argument (?P<value>.*)$"), "cli.ap.ignored"),
)


def argparse_message(message: str, lang: str) -> str:
    """Return one of argparse's error messages (or ours, keyed) in ``lang``; unknown ones unchanged."""
    from geo.products.i18n import tr

    key = _ARG_TYPE_KEYS.get(message)
    if key is not None:
        return tr(key[0], lang, **key[1])
    for pattern, key in _ARGPARSE_MESSAGES:
        m = pattern.match(message)
        if m:
            fields = m.groupdict()
            if "message" in fields:
                fields["message"] = argparse_message(fields["message"], lang)
            return tr(key, lang, **fields)
    return message


#: English messages of the argument types below -> (catalog key, fields), so the parser says them
#: in the user's language (argparse only passes on the text).
_ARG_TYPE_KEYS: dict[str, tuple[str, dict[str, object]]] = {}


def _type_error(msg: str, key: str, /, **fields: object) -> argparse.ArgumentTypeError:
    _ARG_TYPE_KEYS[msg] = (key, fields)
    return argparse.ArgumentTypeError(msg)


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with ``usage:`` in the help's language."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # noqa: ANN001, D102
        if prefix is None:
            prefix = hx("cli.ap.usage") + " "
        super().add_usage(usage, actions, groups, prefix)


class Parser(argparse.ArgumentParser):
    """argparse parser speaking the help's language (:func:`use_lang`): titles, -h help, errors.

    Subcommand parsers are of the same class (argparse makes them with ``type(parent)``).
    """

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003, D107
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self.lang = help_lang()
        # argparse writes "TITLE:"; French puts a narrow no-break space (U+202F) before the colon
        space = "\u202f" if self.lang == "fr" else ""
        self._positionals.title = hx("cli.ap.positionals") + space
        self._optionals.title = hx("cli.ap.options") + space
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = hx("cli.ap.help")

    def error(self, message: str):  # noqa: ANN201
        """Print the usage and the message in the parser's language on stderr; exit 2."""
        from geo.products.i18n import tr

        self.print_usage(sys.stderr)
        text = tr("cli.ap.error", self.lang, prog=self.prog, message=argparse_message(message, self.lang))
        self.exit(2, text + "\n")


def lang_of(args: argparse.Namespace) -> str:
    """Return the language of the command's output (``Settings.lang``)."""
    return settings_of(args).lang


def code_label(vocab, code: object, lang: str) -> object:  # noqa: ANN001
    """Label of ``code`` in ``vocab`` for people; values that are not codes are returned unchanged."""
    return vocab.label(code, lang) if isinstance(code, str) and code in vocab else code


def dates_for_people(table, lang: str):  # noqa: ANN001, ANN201
    """Return a copy of ``table`` with its date columns, index and headers in the language's short form.

    A column (or the index, or a header) is a date when every value that is not missing is
    a date or ISO date text (:func:`geo.products.i18n.format_day`: ``02/12/2026`` in French).
    """
    import pandas as pd

    from geo.products.i18n import format_day, is_day

    def column(values: pd.Series | pd.Index) -> list | None:
        present = [v for v in values if not (v is None or v == "" or (isinstance(v, float) and v != v))]
        if not present or not all(is_day(v) for v in present):
            return None
        return [format_day(v, lang) for v in values]

    out = table.copy()
    for c in out.columns:
        if pd.api.types.is_numeric_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c]):
            continue
        values = column(out[c])
        if values is not None:
            out[c] = pd.Series(values, index=out.index, dtype=object)
    for axis in ("index", "columns"):
        labels = getattr(out, axis)
        if not isinstance(labels, pd.MultiIndex) and not pd.api.types.is_numeric_dtype(labels):
            values = column(labels)
            if values is not None:
                setattr(out, axis, pd.Index(values, name=labels.name))
    return out


def numbers_for_people(table, lang: str, *, max_decimals: int = 4):  # noqa: ANN001, ANN201
    """Return a copy of ``table`` with its decimal columns written for ``lang`` (``10``, ``-6,1414``).

    Each float column keeps the decimals its values need (at most ``max_decimals``), the
    same for the whole column; whole numbers lose their ``.0``. Missing values stay missing.
    """
    import pandas as pd

    from geo.products.i18n import format_number

    out = table.copy()
    for c in out.columns:
        col = out[c]
        if not pd.api.types.is_float_dtype(col):
            continue
        present = col.dropna()
        decimals = max((len(f"{v:.{max_decimals}f}".rstrip("0").split(".")[1]) for v in present), default=0)
        out[c] = pd.Series(
            [None if pd.isna(v) else format_number(v, lang, decimals=decimals) for v in col],
            index=col.index,
            dtype=object,
        )
    return out


def frame_text(args: argparse.Namespace, df, prefixes: tuple[str, ...], vocabs: dict | None = None) -> str:  # noqa: ANN001
    """Return a table for people: headers from the catalogs, codes as labels, yes/no, dates, decimals.

    Dates are written in the language's short form (:func:`dates_for_people`).

    Parameters
    ----------
    args
        Parsed arguments (their settings give the language).
    df
        The table; missing values print empty.
    prefixes
        Catalog prefixes tried in turn for each column header (``<prefix>.<column>``);
        a column none of them names keeps its name.
    vocabs
        ``{column: Vocab}`` whose codes are shown as labels.
    """
    from geo.products.i18n import has_key, tr

    lang = lang_of(args)
    out = numbers_for_people(df, lang).astype(object)
    out = out.where(df.notna(), "")
    for c, vocab in (vocabs or {}).items():
        if c in out.columns:
            out[c] = [code_label(vocab, v, lang) for v in out[c]]
    for c in out.columns:
        if out[c].map(lambda v: isinstance(v, bool)).all() and len(out):
            yes, no = tr("common.yes", lang), tr("common.no", lang)
            out[c] = [yes if v else no for v in out[c]]
    names = {}
    for c in out.columns:
        for prefix in prefixes:
            if has_key(f"{prefix}.{c}", lang):
                names[c] = tr(f"{prefix}.{c}", lang)
                break
    if not len(out):
        return tr("cli.no_rows", lang)
    return dates_for_people(out, lang).rename(columns=names).to_string(index=False)


#: Optional modules and the extra of ``mali-access`` that installs each of them.
EXTRA_OF_MODULE: dict[str, str] = {
    "matplotlib": "export",
    "pypdf": "export",
    "streamlit": "app",
    "streamlit_folium": "app",
    "folium": "app",
    "bcrypt": "app",
    "streamlit_authenticator": "app",
}


def say(args: argparse.Namespace, key: str, /, **fields: object) -> str:
    """Return the catalog text ``key`` in the command's language (``--lang``, ``MALI_ACCESS_LANG``)."""
    from geo.products.i18n import tr

    return tr(key, settings_of(args).lang, **fields)


def say_count(args: argparse.Namespace, key: str, n: float, /, **fields: object) -> str:
    """Return the counted catalog text ``key`` for ``n`` in the command's language (1 ligne, 2 lignes)."""
    from geo.products.i18n import tr_count

    return tr_count(key, n, settings_of(args).lang, **fields)


def day(args: argparse.Namespace, value: dt.date) -> str:
    """Return ``value`` written out for the command's language (``30 novembre 2025`` / ``30 November 2025``).

    For sentences people read (headers, messages); machine outputs (JSON, CSV, layers) keep ISO dates.
    See :func:`geo.products.i18n.format_date`.
    """
    from geo.products.i18n import format_date

    return format_date(value, settings_of(args).lang)


def num(args: argparse.Namespace, value: float, *, decimals: int = 0) -> str:
    """Return ``value`` written for the command's language (``291 000`` / ``291,000``)."""
    from geo.products.i18n import format_number

    return format_number(value, settings_of(args).lang, decimals=decimals)


def table_text(args: argparse.Namespace, table, prefix: str, numbers: dict[str, int] | None = None) -> str:  # noqa: ANN001
    """Return ``table`` as aligned text for people, in the command's language.

    Headers come from the catalogs (``<prefix>.<column>``; others keep their name),
    ``numbers`` (column -> decimals) are written with Babel, hours without trailing zeros,
    dates in the language's short form (:func:`dates_for_people`).
    """
    from geo.products.i18n import format_hours, has_key, tr

    lang = settings_of(args).lang
    out = dates_for_people(table, lang)
    for c, decimals in (numbers or {}).items():
        if c in out.columns:
            out[c] = [num(args, v, decimals=decimals) for v in out[c]]
    if "hours" in out.columns:
        out["hours"] = [format_hours(h, lang) for h in out["hours"]]
    out = out.rename(
        columns={c: tr(f"{prefix}.{c}", lang) for c in out.columns if has_key(f"{prefix}.{c}", lang)}
    )
    return out.to_string(index=False)


def missing_extra_message(exc: ModuleNotFoundError, lang: str = "en") -> str | None:
    """One line naming the extra to install when ``exc`` is about an optional module.

    Returns ``None`` when the missing module belongs to no extra (a real error).
    """
    from geo.products.i18n import tr

    top = (exc.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(top)
    if extra is None:
        return None
    return tr("cli.error", lang, message=tr("cli.missing_extra", lang, module=top, extra=extra))


def require_extra(extra: str) -> None:
    """Import the optional modules of ``extra`` now, so a missing one stops a command before any work.

    Raises
    ------
    ModuleNotFoundError
        For the first missing module; ``geo.cli.main`` turns it into one line naming the extra.
    """
    for module, owner in EXTRA_OF_MODULE.items():
        if owner == extra:
            importlib.import_module(module)


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--data DIR`` (see :class:`geo.config.Settings` for the default)."""
    parser.add_argument("--data", metavar="DIR", help=hx("cli.h.data", var=ENV_VARS["data_dir"]))


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--store PATH|URL`` (see :class:`geo.config.Settings` for the default)."""
    parser.add_argument("--store", metavar="PATH|URL", help=hx("cli.h.store", var=ENV_VARS["store_path"]))


def add_cell_km_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--cell-km KM`` (default ``MALI_ACCESS_CELL_KM``, then 1 km)."""
    parser.add_argument(
        "--cell-km",
        type=positive_km,
        metavar="KM",
        help=hx("cli.h.cell_km", var=ENV_VARS["cell_km"], km=f"{DEFAULT_CELL_KM:g}"),
    )


def add_as_of_option(parser: argparse.ArgumentParser, key: str = "cli.h.as_of") -> None:
    """Add ``--as-of YYYY-MM-DD`` (default: today)."""
    parser.add_argument(
        "--as-of", type=parse_date, default=dt.date.today(), metavar="YYYY-MM-DD", help=hx(key)
    )


#: Words taken for each season code of ``--season`` and ``--seasons``, compared without case,
#: accents or hyphens (:func:`geo.sources.places.fold_name`): the codes scripts use, and the French
#: names (``hivernage``: the rainy season in Mali). Output always carries the code.
SEASON_WORDS: dict[str, str] = {
    "dry": "dry",
    "seche": "dry",
    "saison seche": "dry",
    "rainy": "rainy",
    "pluies": "rainy",
    "saison des pluies": "rainy",
    "hivernage": "rainy",
}


def season_code(text: str) -> str:
    """Argparse type for one season: ``dry`` or ``rainy``, or a French name of either (``sèche``, ``pluies``).

    Returns
    -------
    str
        ``"dry"`` or ``"rainy"``.
    """
    from geo.sources.places import fold_name

    code = SEASON_WORDS.get(fold_name(text))
    if code is None:
        msg = f"expected a season, dry or rainy, got {text!r}"
        raise _type_error(msg, "cli.ap.bad_season", value=repr(text))
    return code


def add_season_option(parser: argparse.ArgumentParser, key: str = "cli.h.season") -> None:
    """Add ``--season dry|rainy`` (default: the season of the as-of date; French names taken too)."""
    parser.add_argument("--season", type=season_code, choices=("dry", "rainy"), default=None, help=hx(key))


def settings_from(args: argparse.Namespace) -> Settings:
    """Resolve the settings once from the parsed options (flags > environment > defaults).

    Options a command does not have count as not given. ``--lang`` counts only when it
    names one language (``export map --lang fr,en`` keeps the default for the rest); a
    command's own ``--lang`` wins over the global one (``python -m geo --lang en ...``).

    Raises
    ------
    InputError
        If an environment variable holds a bad cell size or language.
    """
    lang = getattr(args, "lang", None)
    if lang not in LANGS:
        lang = getattr(args, "cli_lang", None)
    return Settings.resolve(
        data=getattr(args, "data", None),
        store=getattr(args, "store", None),
        users=getattr(args, "users", None),
        cell_km=getattr(args, "cell_km", None),
        lang=lang if lang in LANGS else None,
        stale_days=getattr(args, "stale_days", None),
        contact=getattr(args, "contact", None),
    )


def settings_of(args: argparse.Namespace) -> Settings:
    """Return the settings ``main`` attached to ``args`` (resolved now when called without ``main``)."""
    settings = getattr(args, "settings", None)
    if settings is None:
        settings = settings_from(args)
        args.settings = settings
    return settings


def data_from(args: argparse.Namespace) -> Path:
    """Return the data folder of a command, checked to exist (:meth:`Settings.require_data_dir`)."""
    return settings_of(args).require_data_dir()


def store_from(args: argparse.Namespace) -> Path | str:
    """Return the store a command works on: ``--store``, else ``$MALI_ACCESS_STORE``, else the default.

    Every command reads the constraints from this store (created and seeded from
    data/curated on first use), so the CLI and the app always see the same state. A
    SQLite file is a :class:`Path`; a PostgreSQL URL stays a string.
    """
    return settings_of(args).store_path


def parse_date(text: str) -> dt.date:
    """Argparse type for ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        msg = f"expected a date as YYYY-MM-DD, got {text!r}"
        raise _type_error(msg, "cli.ap.bad_date", value=repr(text)) from exc


def parse_hours(text: str) -> tuple[float, ...]:
    """Argparse type for a comma-separated list of positive hours, e.g. ``4,8,12``."""
    try:
        hours = tuple(sorted({float(part) for part in text.split(",") if part.strip()}))
    except ValueError as exc:
        msg = f"expected hours like 4,8,12, got {text!r}"
        raise _type_error(msg, "cli.ap.bad_hours", value=repr(text)) from exc
    if not hours or hours[0] <= 0:
        msg = f"hours must be positive numbers, got {text!r}"
        raise _type_error(msg, "cli.ap.bad_hours", value=repr(text))
    return hours


def tqdm_progress(desc: str) -> Callable[[int, int, str], None]:
    """Return a progress callback ``(done, total, label)`` drawing a tqdm bar on stderr."""
    bar: dict[str, tqdm] = {}

    def progress(done: int, total: int, label: str) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(
                total=total, desc=desc, unit="step", file=sys.stderr, leave=False, disable=None
            )  # None: no bar when stderr is not a terminal
        b = bar["bar"]
        b.set_postfix_str(label)
        b.update(done - b.n)
        if done >= total:
            b.close()

    return progress


def runner_text(args: argparse.Namespace, runner: object) -> str:
    """Where the tasks run (``geo.model.batch`` runners), in the command's language."""
    from geo.model.batch import LocalRunner

    text = str(getattr(runner, "description", ""))
    if isinstance(runner, LocalRunner):
        return say(args, "cli.runner_local")
    m = re.fullmatch(r"dask LocalCluster, (\d+) worker processes", text)
    if m:
        return say(args, "cli.runner_cluster", n=int(m.group(1)))
    m = re.fullmatch(r"dask scheduler (\S+), (\d+) workers", text)
    if m:
        return say(args, "cli.runner_scheduler", address=m.group(1), n=int(m.group(2)))
    return text


def add_cluster_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers N`` and ``--scheduler ADDRESS`` (see ``geo.model.batch.open_runner``)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--workers", type=non_negative_int, metavar="N", help=hx("cli.h.workers"))
    group.add_argument("--scheduler", metavar="ADDRESS", help=hx("cli.h.scheduler"))


def non_negative_int(text: str) -> int:
    """Argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        msg = f"not a whole number: {text!r}"
        raise _type_error(msg, "cli.ap.not_int", value=repr(text)) from None
    if value < 0:
        msg = f"must be >= 0, got {text!r}"
        raise _type_error(msg, "cli.ap.negative", value=repr(text))
    return value


def line_progress(desc: str) -> Callable[[int, int, str], None]:
    """Return a progress callback ``(done, total, label)`` printing one line per finished task on stderr.

    Each line gives the count, the task and the time since the callback was made, e.g.
    ``criticality [3/32] axis RN16-SEV-DOU (12.4 s)``; unlike a bar it stays readable in logs.
    """
    import time

    start = time.perf_counter()

    def progress(done: int, total: int, label: str) -> None:
        elapsed = time.perf_counter() - start
        print(f"{desc} [{done}/{total}] {label} ({elapsed:.1f} s)", file=sys.stderr, flush=True)

    return progress


def positive_km(text: str) -> float:
    """Argparse type: a cell size in km, > 0 (e.g. ``0.5``)."""
    try:
        value = float(text)
    except ValueError:
        msg = f"not a number: {text!r}"
        raise _type_error(msg, "cli.ap.not_number", value=repr(text)) from None
    if not value > 0 or value != value or value == float("inf"):
        msg = f"must be a positive number of km, got {text!r}"
        raise _type_error(msg, "cli.ap.bad_km", value=repr(text))
    return value
