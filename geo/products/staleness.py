"""When a constraint in force reads as stale: last confirmed long before the as-of date.

One rule for every product: the print map's notes and key figures
(:func:`geo.products.printmap.stale_constraints`) and the live map's popups (``layers/``).
A closed or constrained axis or crossing is confirmed on its status' ``valid_from``; an
encirclement on its ``last_confirmed`` date, else its ``since`` date. It is stale when that
day is more than ``stale_days`` days before the as-of date (``geo.config.Settings.stale_days``).
An open road, or an episode not in force, needs no confirmation.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

#: Statuses of an axis or crossing that must be confirmed to stay credible.
CONFIRMED_STATUSES = ("constrained", "closed")


def day_of(value: object) -> dt.date | None:
    """Return ``value`` as a date (date, Timestamp or ISO text), None when empty."""
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else pd.Timestamp(value).date()


def days_unconfirmed(confirmed: object, as_of: dt.date, stale_days: int) -> int | None:
    """Days from ``confirmed`` to ``as_of`` when more than ``stale_days``, else None (not stale).

    Parameters
    ----------
    confirmed
        Day of the last confirmation (date, Timestamp or ISO text); empty is not stale
        (nothing to compare).
    as_of
        Date of the map.
    stale_days
        Days (>= 0).

    Returns
    -------
    int or None
        Whole days since the last confirmation (``Non confirmé depuis 245 jours`` on the
        Constraints page), None when it is ``stale_days`` days old or newer, or empty.
    """
    d = day_of(confirmed)
    if d is None:
        return None
    days = (as_of - d).days
    return days if days > int(stale_days) else None


def is_stale(confirmed: object, as_of: dt.date, stale_days: int) -> bool:
    """Whether a confirmation on ``confirmed`` is more than ``stale_days`` days before ``as_of``.

    See :func:`days_unconfirmed`.
    """
    return days_unconfirmed(confirmed, as_of, stale_days) is not None


def status_stale(status: object, valid_from: object, as_of: dt.date, stale_days: int) -> bool:
    """Whether an axis' or crossing's status is stale: closed or constrained since long before ``as_of``."""
    return status in CONFIRMED_STATUSES and is_stale(valid_from, as_of, stale_days)


def episode_confirmed(last_confirmed: object, since: object) -> dt.date | None:
    """Day an encirclement was last confirmed: ``last_confirmed``, else ``since``."""
    return day_of(last_confirmed) or day_of(since)


def episode_stale(last_confirmed: object, since: object, as_of: dt.date, stale_days: int) -> bool:
    """Whether an encirclement in force is stale (last confirmed, else begun, long before ``as_of``)."""
    return is_stale(episode_confirmed(last_confirmed, since), as_of, stale_days)
