"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from geo.config import DEFAULT_CELL_KM, ENV_VARS, LANGS, Settings

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


def num(args: argparse.Namespace, value: float, *, decimals: int = 0) -> str:
    """Return ``value`` written for the command's language (``291 000`` / ``291,000``)."""
    from geo.products.i18n import format_number

    return format_number(value, settings_of(args).lang, decimals=decimals)


def table_text(args: argparse.Namespace, table, prefix: str, numbers: dict[str, int] | None = None) -> str:  # noqa: ANN001
    """Return ``table`` as aligned text for people, in the command's language.

    Headers come from the catalogs (``<prefix>.<column>``; others keep their name),
    ``numbers`` (column -> decimals) are written with Babel, hours without trailing zeros.
    """
    from geo.products.i18n import format_hours, has_key, tr

    lang = settings_of(args).lang
    out = table.copy()
    for c, decimals in (numbers or {}).items():
        if c in out.columns:
            out[c] = [num(args, v, decimals=decimals) for v in out[c]]
    if "hours" in out.columns:
        out["hours"] = [format_hours(h, lang) for h in out["hours"]]
    out = out.rename(
        columns={c: tr(f"{prefix}.{c}", lang) for c in out.columns if has_key(f"{prefix}.{c}", lang)}
    )
    return out.to_string(index=False)


def missing_extra_message(exc: ModuleNotFoundError) -> str | None:
    """One line naming the extra to install when ``exc`` is about an optional module.

    Returns ``None`` when the missing module belongs to no extra (a real error).
    """
    top = (exc.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(top)
    if extra is None:
        return None
    return f"error: this command needs {top}, from the '{extra}' extra: pip install 'mali-access[{extra}]'"


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
    parser.add_argument(
        "--data",
        metavar="DIR",
        help=f"data folder with the public datasets (default: ${ENV_VARS['data_dir']}, "
        "then data/external/, then ../shared/data)",
    )


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--store PATH|URL`` (see :class:`geo.config.Settings` for the default)."""
    parser.add_argument(
        "--store",
        metavar="PATH|URL",
        help="project store: a SQLite file, or a PostgreSQL/PostGIS database as "
        f"postgresql://USER@HOST:PORT/DB; default ${ENV_VARS['store_path']} or store.sqlite in var/ "
        "(in the per-user data folder when installed)",
    )


def add_cell_km_option(parser: argparse.ArgumentParser, help_text: str = "friction grid cell size") -> None:
    """Add ``--cell-km KM`` (default ``MALI_ACCESS_CELL_KM``, then 1 km)."""
    parser.add_argument(
        "--cell-km",
        type=positive_km,
        metavar="KM",
        help=f"{help_text} in km (default: ${ENV_VARS['cell_km']} or {DEFAULT_CELL_KM:g})",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """Resolve the settings once from the parsed options (flags > environment > defaults).

    Options a command does not have count as not given. ``--lang`` counts only when it
    names one language (``export map --lang fr,en`` keeps the default for the rest).

    Raises
    ------
    InputError
        If an environment variable holds a bad cell size or language.
    """
    lang = getattr(args, "lang", None)
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
        raise argparse.ArgumentTypeError(msg) from exc


def parse_hours(text: str) -> tuple[float, ...]:
    """Argparse type for a comma-separated list of positive hours, e.g. ``4,8,12``."""
    try:
        hours = tuple(sorted({float(part) for part in text.split(",") if part.strip()}))
    except ValueError as exc:
        msg = f"expected hours like 4,8,12, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from exc
    if not hours or hours[0] <= 0:
        msg = f"hours must be positive numbers, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
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


def add_cluster_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers N`` and ``--scheduler ADDRESS`` (see ``geo.model.batch.open_runner``)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--workers",
        type=non_negative_int,
        metavar="N",
        help="worker processes of a local dask cluster (default: one per core); 0 runs every task "
        "in this process, without dask",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running dask scheduler (e.g. tcp://10.0.0.5:8786) whose workers have "
        "mali-access installed; the data and constraints are sent to them",
    )


def non_negative_int(text: str) -> int:
    """Argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        msg = f"not a whole number: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 0:
        msg = f"must be >= 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
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
        raise argparse.ArgumentTypeError(msg) from None
    if not value > 0 or value != value or value == float("inf"):
        msg = f"must be a positive number of km, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value
