"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--data DIR`` (default: ``MALI_ACCESS_DATA``, then data/external, then ../shared/data)."""
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="data folder with the public datasets (default: $MALI_ACCESS_DATA, "
        "then data/external/, then ../shared/data)",
    )


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--store PATH`` (default: ``MALI_ACCESS_STORE``, then var/store.sqlite)."""
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="project store (SQLite); default $MALI_ACCESS_STORE or var/store.sqlite",
    )


def store_from(args: argparse.Namespace) -> Path:
    """The store a command works on: ``--store``, else ``$MALI_ACCESS_STORE``, else var/store.sqlite.

    Every command reads the constraints from this store (created and seeded from
    data/curated on first use), so the CLI and the app always see the same state.
    """
    from geo.store.db import default_store_path

    return Path(args.store).expanduser() if args.store else default_store_path()


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
    """A progress callback ``(done, total, label)`` drawing a tqdm bar on stderr."""
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


def positive_km(text: str) -> float:
    """Argparse type: a cell size in km, > 0 (e.g. ``0.5``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of km, got {text!r}")
    return value
