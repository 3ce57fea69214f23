"""What-if scenarios: changes to the constraints applied on top of the as-of state.

A scenario is a small TOML file (or the same dict built in the app)::

    name_fr = "RN16 fermée en saison des pluies"   # its name in each language (shown in the
    name_en = "RN16 closes in the rainy season"    # user's); older files give one ``name``
    season = "rainy"                       # optional: dry | rainy
    close_axes = ["RN16-SEV-DOU", "RN16-DOU-HOM"]
    open_axes = []                         # set to open (e.g. a lifted closure)
    constrain_axes = []
    lift_blockades = ["Farabougou"]        # encircled localities (names) no longer in force
    close_crossings = ["X-KORIOUME"]       # ferries, bridges, fords set to closed
    [[add_blockade]]                       # new no-entry zones
    locality = "Boni"
    lon = -2.2198
    lat = 15.0766
    radius_km = 10

:func:`apply_scenario` turns the as-of :class:`geo.model.reach.ReachState` into the scenario's
state; :func:`run_scenario` recomputes only the hubs the change can affect and returns
the new reach with a diff per hub and band (km2 and population lost/gained,
localities lost/gained).

Which hubs can a change affect: a path that reaches a changed cell must first reach
a neighbour of it through unchanged cells, at a time no shorter than before. So if no
changed cell nor any of its 8 neighbours was within the hub's largest band before, the
hub's reach is unchanged (exactly), and its previous result is reused. The same
argument gives more: for an affected hub,
let T* be the earliest time at which its search reached a changed cell or a neighbour
of one; every cell with a time below T* keeps its time, so a band of T < T* holds the
same cells. Its polygon is copied from before (the costly part: polygonize and clip)
and it has nothing lost or gained, provided the hub starts from the same cell.

This is the project's one difference of two reach results: a scenario (:func:`run_scenario`,
the Reachability page and ``python -m geo reach --scenario``) and a change recorded in
the store (:func:`run_change`, the Constraints page) are both diffed cell by cell by
:func:`diff_cells`, so the same change reports the same km2, population and localities
everywhere. :func:`geo.products.change_text.band_change_lines` words the result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import logging
import os
import tomllib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from geo.config import DEFAULT_NO_ENTRY_RADIUS_KM, STORAGE_CRS, WORK_CRS
from geo.errors import DataFileError
from geo.model.costdist import (
    Change,
    SearchGrid,
    Settled,
    Updated,
    change_flags,
    first_near_change,
    prepare_friction,
)
from geo.model.friction import SEASONS, ModelInputs, changed_friction_cells, patch_friction
from geo.model.reach import (
    PARALLEL_MAX_CELLS,
    ReachResult,
    ReachState,
    _static_tables,
    place_lonlat,
    reach_from_state,
)

logger = logging.getLogger(__name__)

SCENARIO_KEYS = {
    "name",
    "name_fr",
    "name_en",
    "season",
    "close_axes",
    "open_axes",
    "constrain_axes",
    "lift_blockades",
    "add_blockade",
    "close_crossings",
    "description",
}
CHANGE_COLUMNS = [
    "hub_id",
    "hub",
    "hours",
    "area_before_km2",
    "area_after_km2",
    "km2_lost",
    "km2_gained",
    "population_before",
    "population_after",
    "population_lost",
    "population_gained",
    "localities_before",
    "localities_after",
    "localities_lost",
    "localities_gained",
    "recomputed",
]
LOCALITY_CHANGE_COLUMNS = [
    "hub_id",
    "hub",
    "hours",
    "change",
    "place_id",
    "locality",
    "adm2_pcode",
    "adm3_pcode",
    "lon",
    "lat",
    "travel_time_h_before",
    "travel_time_h_after",
]


@dataclass(frozen=True)
class Blockade:
    """A no-entry zone added by a scenario (EPSG:4326 centre, radius in km)."""

    locality: str
    lon: float
    lat: float
    radius_km: float = DEFAULT_NO_ENTRY_RADIUS_KM


@dataclass(frozen=True)
class Scenario:
    """A set of changes to the constraints.

    Attributes
    ----------
    name
        Label of the scenario in logs and batch keys: the file's ``name``, else its English,
        else its French name. People read :meth:`label`.
    season
        Season override, or None to keep the base state's.
    close_axes, open_axes, constrain_axes
        Axis ids set to closed / open / constrained.
    add_blockades
        New no-entry zones.
    lift_blockades
        Encircled localities (names, case-insensitive) whose zone is lifted.
    source
        Where the scenario comes from (its file, or a label), named in error messages.
    close_crossings
        Crossing ids (``data/curated/crossings.csv``) set to closed.
    name_fr, name_en
        Name in French and in English (``""`` when the file gives none).
    """

    name: str = "scenario"
    season: str | None = None
    close_axes: tuple[str, ...] = ()
    open_axes: tuple[str, ...] = ()
    constrain_axes: tuple[str, ...] = ()
    add_blockades: tuple[Blockade, ...] = ()
    lift_blockades: tuple[str, ...] = ()
    source: str = "<scenario>"
    close_crossings: tuple[str, ...] = ()
    name_fr: str = ""
    name_en: str = ""

    def label(self, lang: str) -> str:
        """Return the scenario's name in ``lang`` (``{"fr", "en"}``).

        The name in ``lang`` when the file gives one, else its single ``name`` (older files),
        else its name in the other language.
        """
        own = {"fr": self.name_fr, "en": self.name_en}.get(lang, "")
        return own or self.name

    @property
    def is_empty(self) -> bool:
        """True when the scenario changes nothing."""
        return not (
            self.season
            or self.close_axes
            or self.open_axes
            or self.constrain_axes
            or self.add_blockades
            or self.lift_blockades
            or self.close_crossings
        )


def scenario_from_dict(data: Mapping, *, path: Path | str = "<scenario>") -> Scenario:
    """Build a :class:`Scenario` from a parsed TOML table (or an equivalent dict).

    Raises
    ------
    DataFileError
        Unknown key, bad season, a name that is not text, a list that is not a list of
        strings, or a blockade without a number for lon/lat/radius_km.
    """
    unknown = set(data) - SCENARIO_KEYS
    if unknown:
        raise DataFileError(
            path,
            f"unknown scenario key(s) {sorted(unknown)}; expected {sorted(SCENARIO_KEYS)}",
            field=sorted(unknown)[0],
        )
    season = data.get("season")
    if season is not None and season not in SEASONS:
        raise DataFileError(path, f"season must be one of {SEASONS}, got {season!r}", field="season")

    names = {}
    for key in ("name", "name_fr", "name_en"):
        value = data.get(key, "")
        if not isinstance(value, str):
            raise DataFileError(path, "expected text", field=key)
        names[key] = value.strip()

    def strings(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DataFileError(path, "expected a list of strings", field=key)
        return tuple(value)

    blockades = []
    for i, b in enumerate(data.get("add_blockade", []), start=1):
        try:
            blockades.append(
                Blockade(
                    str(b["locality"]),
                    float(b["lon"]),
                    float(b["lat"]),
                    float(b.get("radius_km", DEFAULT_NO_ENTRY_RADIUS_KM)),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFileError(
                path,
                f"blockade needs locality, lon, lat (numbers) and optional radius_km: {exc}",
                row=i,
                field="add_blockade",
            ) from exc
        if not blockades[-1].radius_km > 0:
            raise DataFileError(path, "radius_km must be > 0", row=i, field="add_blockade")
    return Scenario(
        names["name"] or names["name_en"] or names["name_fr"] or "scenario",
        season,
        strings("close_axes"),
        strings("open_axes"),
        strings("constrain_axes"),
        tuple(blockades),
        strings("lift_blockades"),
        str(path),
        strings("close_crossings"),
        names["name_fr"],
        names["name_en"],
    )


def read_scenario(path: Path | str) -> Scenario:
    """Read a scenario TOML file.

    Raises
    ------
    DataFileError
        Unreadable file, TOML syntax error (with its line) or bad content.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(path, f"cannot read scenario: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(path, f"not valid TOML: {exc}") from exc
    return scenario_from_dict(data, path=path)


def apply_scenario(inputs: ModelInputs, base: ReachState, scenario: Scenario) -> ReachState:
    """Return the state of the constraints with the scenario's changes applied on top of ``base``.

    Raises
    ------
    DataFileError
        An axis id not in ``inputs.axes`` or a crossing id not in ``inputs.crossings``
        (with the nearest id when one is close), a blockade to lift that is not in
        force, or a blockade to add outside Mali.
    """
    known_axes = set(inputs.axes.index)
    known_crossings = set(inputs.crossings.index) if inputs.crossings is not None else set()
    for key, ids, known, what in (
        ("close_axes", scenario.close_axes, known_axes, "axis"),
        ("open_axes", scenario.open_axes, known_axes, "axis"),
        ("constrain_axes", scenario.constrain_axes, known_axes, "axis"),
        ("close_crossings", scenario.close_crossings, known_crossings, "crossing"),
    ):
        bad = sorted(set(ids) - known)
        if bad:
            hint = {b: difflib.get_close_matches(b, sorted(known), n=1) for b in bad}
            hint_text = "; ".join(f"{b!r}: did you mean {m[0]!r}?" for b, m in hint.items() if m)
            raise DataFileError(
                scenario.source,
                f"unknown {what} id(s) {bad}"
                + (f" ({hint_text})" if hint_text else "")
                + f"; known: {sorted(known)}",
                field=key,
            )
    outline = inputs.outline.union_all()  # WORK_CRS, metres
    for i, b in enumerate(scenario.add_blockades, start=1):
        centre = gpd.GeoSeries([Point(b.lon, b.lat)], crs=STORAGE_CRS).to_crs(WORK_CRS).iloc[0]
        if outline.distance(centre) / 1000.0 > b.radius_km:  # the zone would not touch Mali
            raise DataFileError(
                scenario.source,
                f"blockade {b.locality!r} at lon {b.lon:g}, lat {b.lat:g} is "
                "outside Mali (check the lon/lat order)",
                row=i,
                field="add_blockade",
            )
    status = base.axis_status.copy()
    for ids, value in (
        (scenario.open_axes, "open"),
        (scenario.constrain_axes, "constrained"),
        (scenario.close_axes, "closed"),
    ):
        for axis_id in ids:
            if axis_id in status.index:
                status.loc[axis_id, "status"] = value
            else:
                status = pd.concat([status, pd.DataFrame({"status": [value]}, index=[axis_id])])
    zones = base.no_entry
    if scenario.lift_blockades:
        names = zones["locality"].astype(str).str.casefold()
        wanted = {n.casefold(): n for n in scenario.lift_blockades}
        missing = sorted(v for k, v in wanted.items() if k not in set(names))
        if missing:
            raise DataFileError(
                scenario.source,
                f"blockade(s) {missing} not in force; in force: {sorted(set(zones['locality']))}",
                field="lift_blockades",
            )
        zones = zones[~names.isin(set(wanted))]
    if scenario.add_blockades:
        added = gpd.GeoDataFrame(
            {
                "locality": [b.locality for b in scenario.add_blockades],
                "radius_km": [b.radius_km for b in scenario.add_blockades],
                "since": "scenario",
                "in_force": True,
            },
            geometry=[Point(b.lon, b.lat) for b in scenario.add_blockades],
            crs=STORAGE_CRS,
        )
        zones = gpd.GeoDataFrame(
            pd.concat([zones.to_crs(STORAGE_CRS), added], ignore_index=True),
            geometry="geometry",
            crs=STORAGE_CRS,
        )
    crossings = base.crossing_status
    if scenario.close_crossings:
        crossings = (
            crossings.copy()
            if crossings is not None
            else pd.DataFrame({"status": "unknown"}, index=inputs.crossings.index)
        )
        for crossing_id in scenario.close_crossings:
            crossings.loc[crossing_id, "status"] = "closed"
    # the as-of month (flood zones) is that of the base state
    return dataclasses.replace(
        base,
        axis_status=status,
        no_entry=zones,
        season=scenario.season or base.season,
        crossing_status=crossings,
    )


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario's reach and its difference from the as-of reach.

    Attributes
    ----------
    scenario
        The scenario applied.
    before, after
        Reach under the as-of state and under the scenario.
    changes
        ``CHANGE_COLUMNS``, one row per (hub, band).
    localities
        ``LOCALITY_CHANGE_COLUMNS``: localities lost or gained per (hub, band).
    lost, gained
        Polygons (WORK_CRS) of the area lost / gained per (hub, band) (``hub_id``,
        ``hub``, ``hours``, ``area_km2``, ``geometry``).
    """

    scenario: Scenario
    before: ReachResult
    after: ReachResult
    changes: pd.DataFrame
    localities: pd.DataFrame
    lost: gpd.GeoDataFrame = field(repr=False, default=None)
    gained: gpd.GeoDataFrame = field(repr=False, default=None)


def affected_by_change(before: ReachResult, friction_after: np.ndarray) -> set[str]:
    """Hubs whose reach may change when the friction becomes ``friction_after``.

    A hub is affected when a changed cell or one of its 8 neighbours lies within its
    largest band before, or when it could not start before.
    """
    return set(_first_change_h(before, friction_after))


def _first_change_h(
    before: ReachResult, friction_after: np.ndarray | SearchGrid | Change
) -> dict[str, float]:
    """Affected hubs, each with the earliest time (h) its search reached a cell near a change.

    Below that time a hub's cells and times are unchanged (see the module docstring);
    ``-inf`` for a hub that could not start before. ``friction_after`` may be given as
    its :class:`geo.model.costdist.Change` from ``before.friction`` (saves an O(grid) pass).
    """
    change = (
        friction_after
        if isinstance(friction_after, Change)
        else change_flags(before.friction, friction_after)
    )
    out = {}
    searched = {h: c for h, c in before.cells.items() if c is not None}
    out.update({h: -np.inf for h, c in before.cells.items() if c is None})
    if len(change.cells) == 0 or not searched:
        return out
    # one pass over each hub's cells (numba, GIL released): two threads
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        firsts = dict(
            zip(searched, pool.map(lambda c: first_near_change(c, change), searched.values()), strict=True)
        )
    out.update({h: t for h, t in firsts.items() if t < np.inf})
    return {h: out[h] for h in before.cells if h in out}


def _place_rank(inputs: ModelInputs) -> np.ndarray:
    """Rank of each locality in place-id order (rows of the changes table are listed so)."""
    key = "place_rank"
    if key not in inputs.derived:
        ids = _static_tables(inputs).place_id
        rank = np.empty(len(ids), dtype=np.int64)
        rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
        inputs.derived[key] = rank
    return inputs.derived[key]


def _no_change(
    hub_id: str, name: str, t: float, area_km2: float, population: float, n_loc: int, recomputed: bool
) -> dict:
    return {
        "hub_id": hub_id,
        "hub": name,
        "hours": t,
        "area_before_km2": area_km2,
        "area_after_km2": area_km2,
        "km2_lost": 0.0,
        "km2_gained": 0.0,
        "population_before": population,
        "population_after": population,
        "population_lost": 0.0,
        "population_gained": 0.0,
        "localities_before": n_loc,
        "localities_after": n_loc,
        "localities_lost": 0,
        "localities_gained": 0,
        "recomputed": recomputed,
    }


def _hub_sums(
    result: ReachResult,
    hub_id: str,
    cells: Settled | None,
    pop: np.ndarray,
    place_flat: np.ndarray,
    hours: Sequence[float],
    no_place: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Locality times and per-band cells, population and localities of one hub."""
    n = len(hours)
    if cells is None:
        return no_place, np.zeros(n, dtype=np.int64), np.zeros(n), np.zeros(n, dtype=np.int64)
    s = result.sums.get(hub_id)
    if s is not None and len(s.cells) == n:
        return s.place_time_h, s.cells, s.population, s.localities
    place_t = cells.values_at(place_flat)
    h = np.asarray(hours, dtype=np.float64)
    band = np.searchsorted(h, cells.time_h, side="left")  # first band holding each cell
    count = np.bincount(band, minlength=n + 1)[:n].cumsum()
    people = np.bincount(band, weights=pop[cells.idx], minlength=n + 1)[:n].cumsum()
    n_loc = np.bincount(np.searchsorted(h, place_t, side="left"), minlength=n + 1)[:n].cumsum()
    return place_t, count, people, n_loc


def diff_cells(
    inputs: ModelInputs,
    before: ReachResult,
    after: ReachResult,
    recomputed: set[str] | None = None,
    *,
    workers: int | None = None,
    geometry: bool = True,
    _same_below: dict[str, float] | None = None,
    _updates: dict[str, Updated] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Cell-exact difference of two reach results (same hubs and bands).

    Works on the sparse cell lists (``Settled.not_within``: O(cells reached), no
    sorting, no full-grid mask). A hub not in ``recomputed`` (when given) carries the
    same cells before and after, so it has nothing lost or gained; nor has a band below
    ``_same_below[hub_id]`` (a time below which the hub's cells are known to be
    unchanged, see :func:`run_scenario`); ``_updates[hub_id]`` (``geo.model.costdist.Updated``,
    from ``after``'s search) gives the bands no cell entered or left and the cells lost
    and gained without a pass over all cells. ``workers``: threads over the hubs (default 2
    on grids up to ``geo.model.reach.PARALLEL_MAX_CELLS``, else 1); the result is the same.
    ``geometry`` False: the lost and gained areas carry no polygon (None).

    Returns
    -------
    (changes, localities, lost, gained)
        ``CHANGE_COLUMNS`` per (hub, band); ``LOCALITY_CHANGE_COLUMNS`` (the localities
        leaving or entering each band, with their travel times before and after, NaN
        where not reached within the largest band); polygons of the area lost and
        gained per (hub, band) in WORK_CRS.
    """
    from geo.model.reach import cells_polygon

    pop = inputs.population.reshape(-1)
    cell_km2 = inputs.grid.cell_area_km2
    st = _static_tables(inputs)
    rank = _place_rank(inputs)
    lon, lat = place_lonlat(inputs)
    hours = [float(t) for t in before.hours]
    hub_names = dict(zip(before.bands["hub_id"], before.bands["hub"], strict=False))
    no_place = np.full(len(st.place_flat), np.inf)

    def one_hub(hub_id: str, name: str) -> tuple[list, list, list, list]:
        rows, loc_parts, lost_rows, gained_rows = [], [], [], []
        cb, ca = before.cells.get(hub_id), after.cells.get(hub_id)
        was_recomputed = recomputed is None or hub_id in recomputed
        same = (recomputed is not None and hub_id not in recomputed) or ca is cb
        limit = -np.inf if _same_below is None else _same_below.get(hub_id, -np.inf)
        tb, n_b, pop_b, loc_b = _hub_sums(before, hub_id, cb, pop, st.place_flat, hours, no_place)
        up = (_updates or {}).get(hub_id)
        if up is not None and up.settled is not ca:
            up = None
        changed = [
            k for k, t in enumerate(hours) if not (same or t < limit or (up is not None and not up.moved[k]))
        ]
        if changed:
            ta, n_a, pop_a, loc_a = _hub_sums(after, hub_id, ca, pop, st.place_flat, hours, no_place)
            no_cell = np.empty(0, dtype=np.int32)
            empty = Settled(no_cell, np.empty(0), None, inputs.grid.shape, 0.0, no_cell.astype(np.uint8))
            band_t = [hours[k] for k in changed]
            if up is not None:
                lost_k, gained_k = [up.lost[k] for k in changed], [up.gained[k] for k in changed]
            else:
                lost_k, gained_k = (cb or empty).band_changes(ca or empty, band_t)
        for k, t in enumerate(hours):
            if k not in changed:
                rows.append(
                    _no_change(
                        hub_id, name, t, n_b[k] * cell_km2, float(pop_b[k]), int(loc_b[k]), was_recomputed
                    )
                )
                for bucket in (lost_rows, gained_rows):
                    bucket.append(
                        {
                            "hub_id": hub_id,
                            "hub": name,
                            "hours": t,
                            "area_km2": 0.0,
                            "geometry": shapely.Polygon(),
                        }
                    )
                continue
            j = changed.index(k)
            lost_idx, gained_idx = lost_k[j], gained_k[j]
            in_b, in_a = tb <= t, ta <= t
            for change, sel in (
                ("lost", np.flatnonzero(in_b & ~in_a)),
                ("gained", np.flatnonzero(in_a & ~in_b)),
            ):
                if len(sel) == 0:
                    continue
                sel = sel[np.argsort(rank[sel], kind="stable")]
                n_sel = len(sel)
                loc_parts.append(
                    {
                        "hub_id": np.full(n_sel, hub_id, dtype=object),
                        "hub": np.full(n_sel, name, dtype=object),
                        "hours": np.full(n_sel, t),
                        "change": np.full(n_sel, change, dtype=object),
                        "place_id": st.place_id[sel],
                        "locality": st.place_cols["name"][sel],
                        "adm2_pcode": st.place_cols["adm2_pcode"][sel],
                        "adm3_pcode": st.place_cols["adm3_pcode"][sel],
                        "lon": np.round(lon[sel], 5),
                        "lat": np.round(lat[sel], 5),
                        "travel_time_h_before": np.where(np.isfinite(tb[sel]), tb[sel], np.nan),
                        "travel_time_h_after": np.where(np.isfinite(ta[sel]), ta[sel], np.nan),
                    }
                )
            rows.append(
                {
                    "hub_id": hub_id,
                    "hub": name,
                    "hours": t,
                    "area_before_km2": n_b[k] * cell_km2,
                    "area_after_km2": n_a[k] * cell_km2,
                    "km2_lost": len(lost_idx) * cell_km2,
                    "km2_gained": len(gained_idx) * cell_km2,
                    "population_before": float(pop_b[k]),
                    "population_after": float(pop_a[k]),
                    "population_lost": float(pop[lost_idx].sum(dtype=np.float64)),
                    "population_gained": float(pop[gained_idx].sum(dtype=np.float64)),
                    "localities_before": int(loc_b[k]),
                    "localities_after": int(loc_a[k]),
                    "localities_lost": int((in_b & ~in_a).sum()),
                    "localities_gained": int((in_a & ~in_b).sum()),
                    "recomputed": was_recomputed,
                }
            )
            for idx, bucket in ((lost_idx, lost_rows), (gained_idx, gained_rows)):
                geom = cells_polygon(idx, inputs.grid) if geometry else None
                bucket.append(
                    {
                        "hub_id": hub_id,
                        "hub": name,
                        "hours": t,
                        "area_km2": len(idx) * cell_km2,
                        "geometry": geom,
                    }
                )
        return rows, loc_parts, lost_rows, gained_rows

    # hubs are independent; the numba kernels and the polygonizer release the GIL (each
    # thread has its own lookup table of the grid's size: one thread on large grids)
    if workers is None:
        workers = (
            min(2, os.cpu_count() or 1)
            if inputs.grid.shape[0] * inputs.grid.shape[1] <= PARALLEL_MAX_CELLS
            else 1
        )
    with ThreadPoolExecutor(max_workers=workers) as pool:
        per_hub = list(pool.map(lambda item: one_hub(*item), hub_names.items()))
    rows, loc_parts, lost_rows, gained_rows = ([x for part in per_hub for x in part[k]] for k in range(4))

    changes = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    localities = (
        pd.DataFrame({c: np.concatenate([part[c] for part in loc_parts]) for c in LOCALITY_CHANGE_COLUMNS})
        if loc_parts
        else pd.DataFrame(columns=LOCALITY_CHANGE_COLUMNS)
    )
    lost = gpd.GeoDataFrame(lost_rows, geometry="geometry", crs=WORK_CRS)
    gained = gpd.GeoDataFrame(gained_rows, geometry="geometry", crs=WORK_CRS)
    return changes, localities, lost, gained


def run_change(
    inputs: ModelInputs,
    hubs: gpd.GeoDataFrame,
    before: ReachResult,
    state: ReachState,
    *,
    scenario: Scenario | None = None,
    as_of: dt.date | None = None,
    friction: np.ndarray | SearchGrid | None = None,
    workers: int | None = None,
    geometry: bool = True,
) -> ScenarioResult:
    """Reach under ``state`` and its cell-exact difference from ``before``.

    Only the hubs the change can affect are recomputed (see the module docstring: no
    changed friction cell nor any of its 8 neighbours within a hub's largest band before
    means the hub is unchanged), and an affected hub starting as before is searched
    again only where its times can differ (``geo.model.costdist.update``: equal, cell by
    cell, to a search from scratch).

    Parameters
    ----------
    inputs
        Static model inputs.
    hubs
        The hubs of ``before`` (EPSG:4326).
    before
        Reach under the earlier state (``geo.model.reach.compute_reach``), with its ``state``
        and cells.
    state
        The later state of the constraints (e.g. ``geo.model.reach.base_state`` built from
        the store after a write, or :func:`apply_scenario`).
    scenario
        Reported on the result (default: an empty scenario named ``"change"``).
    as_of
        Date reported on the result (default ``before.as_of``).
    friction
        The friction of ``state`` if already built (h/km, a ``geo.model.costdist.Friction``
        with its tolls; e.g. ``geo.model.friction.patch_friction`` of ``before``'s), else
        built here.
    workers
        Threads over the hubs (default: see ``geo.model.reach.reach_from_state``); the
        result does not depend on it.
    geometry
        Draw polygons (False: ``after``'s bands and the lost and gained areas carry no
        geometry; the tables, counted on cells, are the same; for the criticality batch).

    Returns
    -------
    ScenarioResult
        ``changes.recomputed`` marks the hubs that were recomputed.

    Raises
    ------
    ValueError
        ``before`` has no state.
    """
    if before.state is None:
        msg = "the base reach result carries no state; compute it with geo.model.reach.compute_reach"
        raise ValueError(msg)
    cells = None
    if friction is None and before.grid is not None:
        # a local change (axes, crossings): the friction and its search grid are patched
        # from before's where they can differ, and compared there only
        cells = changed_friction_cells(inputs, before.state, state)
        if cells is not None:
            friction = patch_friction(inputs, before.friction, before.state, state, cells=cells)
    if friction is not None and cells is not None:
        grid = prepare_friction(friction, like=before.grid, cells=cells)
    else:
        grid = prepare_friction(state.friction(inputs) if friction is None else friction)
    change = None
    if state.season != before.season:
        same_below = {}
        affected = set(before.cells)
    else:
        change = change_flags(before.friction, grid, cells=cells)
        same_below = _first_change_h(before, change)
        affected = set(same_below)
    updates: dict[str, Updated] = {}
    after = reach_from_state(
        inputs,
        hubs,
        state,
        as_of=as_of or before.as_of,
        hours=before.hours,
        friction=grid,
        reuse=before,
        reuse_hubs=set(before.cells) - affected,
        workers=workers,
        geometry=geometry,
        _same_below=same_below,
        _change=change,
        _updates=updates,
    )
    # the unchanged-time bound holds only for a hub starting as before
    same_below = {h: t for h, t in same_below.items() if after.placements.get(h) == before.placements.get(h)}
    changes, localities, lost, gained = diff_cells(
        inputs,
        before,
        after,
        affected,
        workers=workers,
        geometry=geometry,
        _same_below=same_below,
        _updates=updates,
    )
    scenario = scenario or Scenario(name="change")
    logger.info("change %r: %d of %d hubs recomputed", scenario.name, len(affected), len(before.cells))
    return ScenarioResult(scenario, before, after, changes, localities, lost, gained)


def run_scenario(
    inputs: ModelInputs,
    hubs: gpd.GeoDataFrame,
    before: ReachResult,
    scenario: Scenario,
    *,
    as_of: dt.date | None = None,
    workers: int | None = None,
) -> ScenarioResult:
    """Apply a scenario on top of ``before``'s state and diff the new reach against it.

    Parameters
    ----------
    inputs
        Static model inputs.
    hubs
        The hubs of ``before``.
    before
        Reach under the as-of state (``geo.model.reach.compute_reach``), with its ``state``.
    scenario
        Changes to apply.
    as_of
        Date reported on the result (default ``before.as_of``).
    workers
        Threads over the hubs (see :func:`run_change`).

    Returns
    -------
    ScenarioResult
        See :func:`run_change`.

    Raises
    ------
    DataFileError
        Unknown axis or blockade in the scenario.
    ValueError
        ``before`` has no state.
    """
    if before.state is None:
        msg = "the base reach result carries no state; compute it with geo.model.reach.compute_reach"
        raise ValueError(msg)
    state = apply_scenario(inputs, before.state, scenario)
    return run_change(inputs, hubs, before, state, scenario=scenario, as_of=as_of, workers=workers)
