"""What changed between two dates: constraint changes, reach lost and gained, severity changes.

Two ways to read the history (:func:`versions_for`)
---------------------------------------------------
validity (default)
    The store's current knowledge (non-superseded versions) applied on each date: the
    changes are the versions whose validity starts or ends in between. A road-status
    version *starts* when ``from < valid_from <= to`` and *ends* when
    ``from <= valid_to < to`` (``valid_to`` is its last day, so the change shows the day
    after). An encirclement episode starts when ``from < since <= to`` and ends when its
    last day in force (``until``, or ``last_confirmed`` for an episode of status
    ``unknown`` without ``until``: :func:`geo.sources.curated.encircled_as_of`) satisfies
    ``from <= last < to``.
as known on (``known_on=True``)
    What the store knew on each date: the versions recorded (``recorded_at``, UTC day) on
    or before it, a version counting as current if nothing recorded by then superseded
    it. The changes are the versions recorded after ``from`` and on or before ``to``.

Reach differences are cell-exact (:func:`geo.model.scenario.diff_cells` per hub; per
cercle, the same per-cell comparison of the travel time to the nearest hub).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import STORAGE_CRS
from geo.store.constraints import (
    ConstraintVersions,
    encircled_history,
    load_versions,
    road_status_history,
)

logger = logging.getLogger(__name__)

#: Columns of the constraint change list.
CHANGE_LIST_COLUMNS = [
    "kind",
    "item",
    "name",
    "change",
    "date",
    "status",
    "cause",
    "valid_from",
    "valid_to",
    "status_before",
    "status_after",
    "source",
    "recorded_by",
    "recorded_at",
    "version_id",
    "supersedes",
    "public",
    "note",
]
ADMIN2_CHANGE_COLUMNS = [
    "adm2_pcode",
    "name",
    "adm1_name",
    "hours",
    "km2_lost",
    "km2_gained",
    "population_lost",
    "population_gained",
    "localities_lost",
    "localities_gained",
]
SEVERITY_CHANGE_COLUMNS = [
    "pcode",
    "name",
    "adm1_name",
    "score_before",
    "score_after",
    "score_change",
    "index_before",
    "index_after",
    "indicators_changed",
]


def _day(value: object) -> dt.date | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    return dt.date.fromisoformat(text[:10]) if text else None


def _known_on(history: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Rows recorded on or before ``day`` and not superseded by a row recorded by then."""
    rec = history["recorded_at"].map(_day)
    known = history[rec.map(lambda d: d is not None and d <= day)]
    ids = set(known["version_id"].dropna().astype(int))
    sup = known["superseded_by"]
    keep = sup.isna() | ~sup.map(lambda v: v is not pd.NA and v == v and int(v) in ids)
    return known[keep.astype(bool)].drop(columns="superseded_by")


def versions_known_on(store_path: Path | str, day: dt.date) -> ConstraintVersions:
    """Rebuild the constraint versions the store knew on ``day`` (see module docstring).

    Parameters
    ----------
    store_path
        Project store (created and seeded on first use).
    day
        Knowledge date: versions with ``recorded_at`` (UTC) on or before it count.

    Returns
    -------
    ConstraintVersions
    """
    roads = _known_on(road_status_history(store_path), day)
    enc = _known_on(encircled_history(store_path), day)
    return ConstraintVersions(roads.reset_index(drop=True), enc.reset_index(drop=True))


def versions_for(
    store_path: Path | str | None, d_from: dt.date, d_to: dt.date, *, known_on: bool
) -> tuple[ConstraintVersions, ConstraintVersions]:
    """Versions to apply on ``d_from`` and ``d_to``: the current ones twice, or those known on each date.

    Raises
    ------
    ValueError
        ``known_on`` without a store (the curated CSVs have no recording history).
    """
    if known_on:
        if store_path is None:
            msg = "--as-known-on needs the store (recorded_at of each version)"
            raise ValueError(msg)
        return versions_known_on(store_path, d_from), versions_known_on(store_path, d_to)
    cur = load_versions(store_path)
    return cur, cur


def _episode_last_day(row: pd.Series) -> dt.date | None:
    until = _day(row["until"])
    if until is not None:
        return until
    if row["status"] == "unknown":
        return _day(row["last_confirmed"])
    return None


def constraint_changes(
    before: ConstraintVersions,
    after: ConstraintVersions,
    d_from: dt.date,
    d_to: dt.date,
    *,
    known_on: bool = False,
    axis_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """List the road-status and encirclement versions that change the state between two dates.

    Parameters
    ----------
    before, after
        Versions applied on ``d_from`` and ``d_to`` (:func:`versions_for`).
    d_from, d_to
        Dates, ``d_from < d_to``.
    known_on
        List the versions recorded in between (``recorded_at``) instead of those whose
        validity starts or ends in between.
    axis_names
        ``axis_id`` -> display name.

    Returns
    -------
    pandas.DataFrame
        :data:`CHANGE_LIST_COLUMNS`, sorted by date: ``kind`` (``axis`` or
        ``encirclement``), ``item`` (axis id or episode id), ``change`` (``starts``,
        ``ends`` or, with ``known_on``, ``recorded``), ``date`` (validity start, last
        day, or recording day), the version's fields and the item's state on each date
        (``status_before``/``status_after``: axis status, or ``in force``/``not in force``).

    Raises
    ------
    ValueError
        ``d_from`` not before ``d_to``.
    """
    from geo.sources.curated import encircled_as_of, road_status_as_of

    if not d_from < d_to:
        msg = f"--from {d_from} must be before --to {d_to}"
        raise ValueError(msg)
    names = axis_names or {}
    axes = list(dict.fromkeys([*before.road_status["axis_id"], *after.road_status["axis_id"]]))
    st_b = road_status_as_of(before.road_status, axes, d_from)["status"] if axes else pd.Series(dtype=object)
    st_a = road_status_as_of(after.road_status, axes, d_to)["status"] if axes else pd.Series(dtype=object)
    enc_b = encircled_as_of(before.encircled, d_from).set_index("episode_id")["in_force"]
    enc_a = encircled_as_of(after.encircled, d_to).set_index("episode_id")["in_force"]
    rows = []

    def in_window(d: dt.date | None, *, start: bool) -> bool:
        if d is None:
            return False
        return d_from < d <= d_to if start else d_from <= d < d_to

    def recorded_between(v: object) -> bool:
        d = _day(v)
        return d is not None and d_from < d <= d_to

    def enc_state(s: pd.Series, ep: str) -> str:
        return "in force" if bool(s.get(ep, False)) else "not in force"

    for _, r in after.road_status.iterrows():
        events = []
        if known_on:
            if recorded_between(r["recorded_at"]):
                events.append(("recorded", _day(r["recorded_at"])))
        else:
            vf, vt = _day(r["valid_from"]), _day(r["valid_to"])
            if in_window(vf, start=True):
                events.append(("starts", vf))
            if in_window(vt, start=False):
                events.append(("ends", vt))
        for change, day in events:
            rows.append(
                {
                    "kind": "axis",
                    "item": r["axis_id"],
                    "name": names.get(r["axis_id"], ""),
                    "change": change,
                    "date": day,
                    "status": r["status"],
                    "cause": r["cause"],
                    "valid_from": _day(r["valid_from"]),
                    "valid_to": _day(r["valid_to"]),
                    "status_before": st_b.get(r["axis_id"], "unknown"),
                    "status_after": st_a.get(r["axis_id"], "unknown"),
                    "source": r["source"],
                    "recorded_by": r["recorded_by"],
                    "recorded_at": r["recorded_at"],
                    "version_id": r.get("version_id"),
                    "supersedes": r.get("supersedes"),
                    "public": True,
                    "note": r.get("note", ""),
                }
            )
    for _, r in after.encircled.iterrows():
        events = []
        if known_on:
            if recorded_between(r["recorded_at"]):
                events.append(("recorded", _day(r["recorded_at"])))
        else:
            since, last = _day(r["since"]), _episode_last_day(r)
            if in_window(since, start=True):
                events.append(("starts", since))
            if in_window(last, start=False):
                events.append(("ends", last))
        for change, day in events:
            rows.append(
                {
                    "kind": "encirclement",
                    "item": r["episode_id"],
                    "name": r["locality"],
                    "change": change,
                    "date": day,
                    "status": r["status"],
                    "cause": "security",
                    "valid_from": _day(r["since"]),
                    "valid_to": _day(r["until"]),
                    "status_before": enc_state(enc_b, r["episode_id"]),
                    "status_after": enc_state(enc_a, r["episode_id"]),
                    "source": r["source"],
                    "recorded_by": r["recorded_by"],
                    "recorded_at": r["recorded_at"],
                    "version_id": r.get("version_id"),
                    "supersedes": r.get("supersedes"),
                    "public": bool(r["public"]),
                    "note": r.get("note", ""),
                }
            )
    out = pd.DataFrame(rows, columns=CHANGE_LIST_COLUMNS)
    for c in ("version_id", "supersedes"):
        out[c] = pd.array(
            out[c].map(lambda v: None if v is None or v is pd.NA or v != v else int(v)), dtype="Int64"
        )
    return out.sort_values(["date", "kind", "item"], kind="stable").reset_index(drop=True)


def _nearest_time(result: Any, n_cells: int) -> np.ndarray:
    t = np.full(n_cells, np.inf)
    for cells in result.cells.values():
        if cells is None or len(cells.idx) == 0:
            continue
        t[cells.idx] = np.minimum(t[cells.idx], cells.time_h)
    return t


def admin2_reach_changes(inputs: Any, before: Any, after: Any) -> pd.DataFrame:
    """Per cercle and band, the area, people and localities that left or entered reach of any hub.

    Parameters
    ----------
    inputs
        ``ModelInputs`` (grid, population, ``admin3_id``, places).
    before, after
        ``ReachResult`` of the two dates (same hubs and bands).

    Returns
    -------
    pandas.DataFrame
        :data:`ADMIN2_CHANGE_COLUMNS`, one row per (cercle, band): a cell is *lost* when its
        travel time to the nearest hub is within the band before and not after, *gained*
        the other way; km² from the cell area, people from the model's population grid,
        localities from the gazetteer points on those cells.
    """
    grid = inputs.grid
    n = grid.shape[0] * grid.shape[1]
    tb, ta = _nearest_time(before, n), _nearest_time(after, n)
    a2 = inputs.admin2
    pos = {p: i for i, p in enumerate(a2["pcode"])}
    a3_to_a2 = np.array([pos.get(p, -1) for p in inputs.admin3["adm2_pcode"]], dtype=np.int64)
    a3 = inputs.admin3_id.reshape(-1)
    uid = np.where(a3 >= 0, a3_to_a2[np.clip(a3, 0, None)], -1)
    pop = inputs.population.reshape(-1)
    places = inputs.places
    pflat = places["row"].to_numpy() * grid.shape[1] + places["col"].to_numpy()
    puid = np.array(
        [pos.get(p, -1) if isinstance(p, str) else -1 for p in places["adm2_pcode"]], dtype=np.int64
    )
    k = len(a2)
    rows = []
    for h in before.hours:
        lost = (tb <= h) & ~(ta <= h) & (uid >= 0)
        gained = (ta <= h) & ~(tb <= h) & (uid >= 0)
        pl_lost = (tb[pflat] <= h) & ~(ta[pflat] <= h) & (puid >= 0)
        pl_gained = (ta[pflat] <= h) & ~(tb[pflat] <= h) & (puid >= 0)
        sums = {
            "km2_lost": np.bincount(uid[lost], minlength=k) * grid.cell_area_km2,
            "km2_gained": np.bincount(uid[gained], minlength=k) * grid.cell_area_km2,
            "population_lost": np.bincount(uid[lost], weights=pop[lost], minlength=k),
            "population_gained": np.bincount(uid[gained], weights=pop[gained], minlength=k),
            "localities_lost": np.bincount(puid[pl_lost], minlength=k),
            "localities_gained": np.bincount(puid[pl_gained], minlength=k),
        }
        for i in range(k):
            rows.append(
                {
                    "adm2_pcode": a2["pcode"].iloc[i],
                    "name": a2["name"].iloc[i],
                    "adm1_name": a2["adm1_name"].iloc[i],
                    "hours": float(h),
                    **{c: v[i] for c, v in sums.items()},
                }
            )
    out = pd.DataFrame(rows, columns=ADMIN2_CHANGE_COLUMNS)
    for c in ("km2_lost", "km2_gained", "population_lost", "population_gained"):
        out[c] = out[c].astype(float).round(1 if c.startswith("km2") else 0)
    for c in ("localities_lost", "localities_gained"):
        out[c] = out[c].astype(np.int64)
    return out


def severity_changes(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Compare two severity tables (:func:`geo.model.severity.severity`, same units).

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`SEVERITY_CHANGE_COLUMNS` + geometry (EPSG:4326): scores and indices on both
        dates, ``score_change`` (after - before) and ``indicators_changed``
        (``name:before>after`` for every indicator whose score moved, ``;``-separated).
    """
    b = before.set_index("pcode")
    a = after.set_index("pcode")
    inds = [c[len("score_") :] for c in a.columns if c.startswith("score_")]
    rows = []
    for p in a.index:
        moved = [
            f"{i}:{int(b.loc[p, f'score_{i}'])}>{int(a.loc[p, f'score_{i}'])}"
            for i in inds
            if p in b.index and int(b.loc[p, f"score_{i}"]) != int(a.loc[p, f"score_{i}"])
        ]
        sb = int(b.loc[p, "score"]) if p in b.index else None
        rows.append(
            {
                "pcode": p,
                "name": a.loc[p, "name"],
                "adm1_name": a.loc[p, "adm1_name"],
                "score_before": sb,
                "score_after": int(a.loc[p, "score"]),
                "score_change": None if sb is None else int(a.loc[p, "score"]) - sb,
                "index_before": float(b.loc[p, "index"]) if p in b.index else None,
                "index_after": float(a.loc[p, "index"]),
                "indicators_changed": ";".join(moved),
            }
        )
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=SEVERITY_CHANGE_COLUMNS), geometry=a.geometry.to_numpy(), crs=STORAGE_CRS
    )


@dataclass
class ChangeReport:
    """Everything that changed between two dates.

    Attributes
    ----------
    d_from, d_to, known_on
        The dates and how the history was read.
    constraints
        :func:`constraint_changes`.
    hubs
        ``geo.model.scenario.CHANGE_COLUMNS`` per (hub, band).
    hub_localities
        ``geo.model.scenario.LOCALITY_CHANGE_COLUMNS``.
    admin2
        :func:`admin2_reach_changes`.
    severity
        :func:`severity_changes` (cercles).
    lost, gained
        Areas lost / gained per (hub, band), WORK_CRS polygons.
    before, after
        The two ``ReachResult``.
    people_encircled_before, people_encircled_after
        People inside the no-entry discs in force on each date (grid estimate,
        :func:`geo.model.severity.episode_population`).
    """

    d_from: dt.date
    d_to: dt.date
    known_on: bool
    constraints: pd.DataFrame
    hubs: pd.DataFrame
    hub_localities: pd.DataFrame
    admin2: pd.DataFrame
    severity: gpd.GeoDataFrame
    lost: gpd.GeoDataFrame
    gained: gpd.GeoDataFrame
    before: Any
    after: Any
    people_encircled_before: float = 0.0
    people_encircled_after: float = 0.0


def compare_dates(
    inputs: Any,
    hubs: gpd.GeoDataFrame,
    before_versions: ConstraintVersions,
    after_versions: ConstraintVersions,
    d_from: dt.date,
    d_to: dt.date,
    *,
    known_on: bool = False,
    density_path: Path,
    incidents: gpd.GeoDataFrame | None = None,
    window_days: int = 365,
) -> ChangeReport:
    """Compute the :class:`ChangeReport` between ``d_from`` and ``d_to``.

    Parameters
    ----------
    inputs
        ``ModelInputs``.
    hubs
        Hubs (EPSG:4326).
    before_versions, after_versions
        From :func:`versions_for`.
    d_from, d_to
        Dates (``d_from < d_to``).
    known_on
        See :func:`constraint_changes`.
    density_path, incidents, window_days
        For the severity on each date (:func:`geo.model.severity.severity`).

    Raises
    ------
    ValueError
        ``d_from`` not before ``d_to``.
    """
    from geo.model.reach import base_state, reach_from_state
    from geo.model.scenario import diff_cells
    from geo.model.severity import baseline_reach, episode_population, severity

    names = (
        dict(zip(inputs.axes["axis_id"], inputs.axes["axis_name"], strict=False))
        if "axis_id" in inputs.axes
        else {}
    )
    changes = constraint_changes(
        before_versions, after_versions, d_from, d_to, known_on=known_on, axis_names=names
    )
    results = []
    for v, d in ((before_versions, d_from), (after_versions, d_to)):
        state = base_state(inputs, v.road_status, v.encircled, d)
        results.append(reach_from_state(inputs, hubs, state, as_of=d))
    before, after = results
    hub_changes, hub_loc, lost, gained = diff_cells(inputs, before, after)
    adm2 = admin2_reach_changes(inputs, before, after)
    bases = [baseline_reach(inputs, hubs, before_versions, d_from)]
    same_season = before.season == after.season and d_from.month == d_to.month
    bases.append(bases[0] if same_season else baseline_reach(inputs, hubs, after_versions, d_to))
    sev = [
        severity(
            inputs,
            r,
            level=2,
            density_path=density_path,
            as_of=d,
            incidents=incidents,
            window_days=window_days,
            baseline=b,
            episodes=v.encircled,
        )
        for r, d, b, v in (
            (before, d_from, bases[0], before_versions),
            (after, d_to, bases[1], after_versions),
        )
    ]
    people = [
        float(episode_population(r.state.no_entry, density_path=density_path)["population_grid"].sum())
        if r.state is not None and len(r.state.no_entry)
        else 0.0
        for r in (before, after)
    ]
    logger.info("changes %s -> %s: %d constraint changes", d_from, d_to, len(changes))
    return ChangeReport(
        d_from,
        d_to,
        known_on,
        changes,
        hub_changes,
        hub_loc,
        adm2,
        severity_changes(*sev),
        lost,
        gained,
        before,
        after,
        *people,
    )
