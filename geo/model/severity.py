"""Access severity of admin units (cercles, communes) on a 0-5 scale, traceable to its indicators.

Framework
---------
The indicators follow the three dimensions of the ACAPS humanitarian access methodology
(methodology notes of July 2020 and December 2021): ``people_to_aid`` (access of people in
need to aid), ``actors_to_people`` (access of humanitarian actors to people in need) and
``security_physical`` (security and physical constraints). ACAPS scores each of its nine
indicators 0-3 from analysts' judgement and ranks contexts on a 0-5 scale (0 no, 1 low,
2 moderate, 3 high, 4 very high, 5 extreme constraints). Here every indicator is instead
*measured* from the project's data and scored 0-3 with thresholds; the conversion to 0-5
is the project's own (below), not ACAPS's.

Indicators (``data/severity_indicators.csv``: dimension, weight, thresholds, source)
-------------------------------------------------------------------------------
``people_encircled_share``
    ``encircled_people / population`` (people inside the no-entry discs of the
    encirclements in force whose locality lies in the unit; population of the unit from
    the model grid).
``restriction_reports``
    Incidents in the window whose AMRF category (:mod:`geo.sources.amrf`,
    ``data/amrf_categories.csv`` column ``severity_indicator``) is a restriction: denial of
    needs, entry restrictions, movement within the country, interference, population access.
``axis_blocked_share``
    ``(axis_closed_km + 0.5 * axis_constrained_km) / axis_km`` over the HAWG axes
    (``data/curated/axes.csv``) crossing the unit, with their status on the as-of date.
``pop_delayed_share``
    Share of the unit's people whose travel time to the nearest hub the recorded
    constraints lengthen by more than :data:`DELAY_H` hours, or who are reachable without
    constraints but not with them (:func:`delayed_population`, against the same reach
    computed with no recorded constraint: :func:`baseline_reach`). Distance from a hub alone
    does not count: a unit far from every hub but free of constraints (Kayes) scores 0.
``hub_zone``
    Rank of the unit's hub-distance zone (:mod:`geo.model.zones`, 0 accessible .. 3
    inaccessible). Not in the project's table any more: a unit far from every hub came out
    "inaccessible" for want of a hub; the zone stays in the output as a figure.
``violence_incidents``
    Incidents in the window whose AMRF category is violence against aid workers,
    hostilities or mines.
``encirclements``
    Encirclements in force in the unit.
``encirclements_recent``
    Encirclement episodes of the unit in force at any time in the :data:`HISTORY_DAYS`
    days up to the as-of date (lifted ones included): recorded constraints keep counting
    where the incident files stop.
``security_axis_share``
    ``(closed_km + 0.5 constrained_km) / axis_km`` over the axes whose status has a
    security or administrative cause.
``physical_axis_share``
    ``axis_physical_km / axis_km``: constrained or closed axis length with a physical or
    seasonal cause.

An indicator whose inputs are missing has no value (no axis crosses the unit; no incident
of its category is recorded after the window starts, i.e. the incident files stop before
it: UCDP GED 21.1 ends in 2020); it is left out of the means below and named in
``info_gaps`` (ACAPS marks such gaps with an X). When an incident group has no incident
in the window but the files hold older ones, the group is counted over the last
``window_days`` days the files cover instead (the north would otherwise lose its whole
security picture after 2020), and ``data_sparse`` says so. When a group's incidents in
the window all come from the curated access-event timeline (a cited log of notable
events, not a systematic record), a unit without any has no value rather than 0. ``data_sparse`` says in words
where the score rests on few or stale inputs: incident counts from an older window, no
axis in the unit, no unconstrained travel time.

Scoring
-------
Indicator score ``s`` = number of thresholds ``t1 <= t2 <= t3`` the value reaches (0-3).
Dimension score = weighted mean of its indicators' scores (0-3). Severity index
``index = 5 * sum(w * s) / (3 * sum(w))`` over the indicators with a value (0-5,
continuous) and ``score`` = the index rounded half up to an integer class (:data:`SCALE`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import SHIPPED_DATA, STORAGE_CRS, WORK_CRS
from geo.errors import DataFileError

logger = logging.getLogger(__name__)

INDICATORS_PATH = SHIPPED_DATA / "severity_indicators.csv"
#: Extra travel time (h) from which a constraint counts as delaying people (pop_delayed_share).
DELAY_H = 2.0
#: Days before the as-of date over which lifted encirclements still count (encirclements_recent).
HISTORY_DAYS = 730
INDICATOR_TABLE_COLUMNS = [
    "indicator",
    "dimension",
    "weight",
    "t1",
    "t2",
    "t3",
    "unit",
    "description",
    "source",
]
#: ACAPS's three dimensions, in their order.
DIMENSIONS = ("people_to_aid", "actors_to_people", "security_physical")
#: Integer classes of the 0-5 scale (ACAPS wording).
SCALE = {
    0: ("aucune contrainte", "no constraints"),
    1: ("contraintes faibles", "low constraints"),
    2: ("contraintes modérées", "moderate constraints"),
    3: ("contraintes élevées", "high constraints"),
    4: ("contraintes très élevées", "very high constraints"),
    5: ("contraintes extrêmes", "extreme constraints"),
}
#: Incident groups counted by the indicators (figure ``incidents_<group>``), each fed by the
#: AMRF categories whose ``severity_indicator`` is the indicator named here.
EVENT_CATEGORIES = ("violence", "restriction")
EVENT_INDICATOR = {"violence": "violence_incidents", "restriction": "restriction_reports"}
ZONE_RANK = {"accessible": 0, "constrained": 1, "hard_to_reach": 2, "inaccessible": 3}
#: Unit figures the indicators are computed from (inputs, in the output row).
#: The notes of ``data_sparse`` (English, the data products' wording), by code; fields: ``group``
#: (one of :data:`EVENT_CATEGORIES`), ``latest``/``start``/``end`` (ISO dates, ``latest`` may be
#: ``none``), ``days``. :func:`parse_sparse_note` reads one back (the pages translate them).
SPARSE_NOTES = {
    "no_incident": "no {group} incident recorded in the window (latest: {latest})",
    "older_window": (
        "{group} incidents counted over {start}..{end}, the last {days} days the incident files cover"
    ),
    "curated_only": (
        "{group} incidents in the window come only from the curated access-event timeline "
        "(no systematic record): none recorded is an information gap"
    ),
    "no_axis": "no HAWG axis in the unit",
    "no_baseline": "no unconstrained travel time to compare with",
}


def parse_sparse_note(note: str) -> tuple[str, dict[str, str]] | None:
    """Read one ``data_sparse`` note back: ``(code, fields)`` of :data:`SPARSE_NOTES`, or None.

    Parameters
    ----------
    note
        One note (the column holds several, joined by ``"; "``).

    Returns
    -------
    tuple of (str, dict) or None
        The note's code and its fields as text (dates ISO, ``days`` digits); None for a
        note of another wording (e.g. a table written by an older version).
    """
    import re
    import string

    for code, template in SPARSE_NOTES.items():
        pattern = "".join(
            re.escape(literal) + (f"(?P<{field}>.+?)" if field else "")
            for literal, field, _, _ in string.Formatter().parse(template)
        )
        found = re.fullmatch(pattern, note.strip())
        if found:
            return code, found.groupdict()
    return None


FIGURE_COLUMNS = [
    "population",
    "area_km2",
    "share_pop_8h",
    "share_pop_delayed",
    "zone",
    "axis_km",
    "axis_closed_km",
    "axis_constrained_km",
    "axis_physical_km",
    "axis_security_km",
    "axes_closed",
    "axes_constrained",
    "encirclements_in_force",
    "encirclements_recent",
    "encircled_localities",
    "encircled_people",
    "incidents_violence",
    "incidents_restriction",
]


# ----------------------------------------------------------------------------- tables


def read_indicator_table(path: Path | None = None) -> pd.DataFrame:
    """Read and check the indicator table (weights, thresholds, sources).

    Parameters
    ----------
    path
        CSV with :data:`INDICATOR_TABLE_COLUMNS` (default ``data/severity_indicators.csv``).

    Returns
    -------
    pandas.DataFrame
        One row per indicator, ``weight`` and ``t1``-``t3`` as floats.

    Raises
    ------
    DataFileError
        Missing file or column; unknown indicator or dimension; weight not > 0;
        thresholds not numbers in ascending order; empty source (row and field named).
    """
    path = Path(path) if path is not None else INDICATORS_PATH
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError as exc:
        raise DataFileError(path, "file not found") from exc
    missing = [c for c in INDICATOR_TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {', '.join(missing)}")
    if table.empty:
        raise DataFileError(path, "no indicator")
    numbers: dict[str, list[float]] = {f: [] for f in ("weight", "t1", "t2", "t3")}
    for i, row in table.iterrows():
        line = int(i) + 1
        if row["indicator"] not in INDICATOR_FUNCTIONS:
            known = ", ".join(INDICATOR_FUNCTIONS)
            raise DataFileError(
                path, f"unknown indicator {row['indicator']!r}; known: {known}", row=line, field="indicator"
            )
        if row["dimension"] not in DIMENSIONS:
            raise DataFileError(
                path,
                f"unknown dimension {row['dimension']!r}; expected one of {', '.join(DIMENSIONS)}",
                row=line,
                field="dimension",
            )
        nums = {}
        for f in ("weight", "t1", "t2", "t3"):
            try:
                nums[f] = float(row[f])
            except ValueError:
                raise DataFileError(path, f"not a number: {row[f]!r}", row=line, field=f) from None
            if not math.isfinite(nums[f]):
                raise DataFileError(path, f"not a finite number: {row[f]!r}", row=line, field=f)
        if not nums["weight"] > 0:
            raise DataFileError(path, f"weight must be > 0, got {row['weight']!r}", row=line, field="weight")
        if not nums["t1"] <= nums["t2"] <= nums["t3"]:
            raise DataFileError(path, "thresholds must satisfy t1 <= t2 <= t3", row=line, field="t2")
        if not row["source"].strip():
            raise DataFileError(path, "empty source", row=line, field="source")
        for f, v in nums.items():
            numbers[f].append(v)
    out = table.copy()
    for f, v in numbers.items():
        out[f] = np.array(v, dtype=float)
    dup = out["indicator"][out["indicator"].duplicated()]
    if len(dup):
        raise DataFileError(
            path, f"duplicate indicator {dup.iloc[0]!r}", row=int(dup.index[0]) + 1, field="indicator"
        )
    return out.reset_index(drop=True)


def read_event_types(typology: Any = None) -> dict[str, list[str]]:
    """Incident group (:data:`EVENT_CATEGORIES`) -> the AMRF categories it counts.

    Parameters
    ----------
    typology
        :func:`geo.sources.amrf.read_typology` output (default: the project's tables).

    Returns
    -------
    dict
        ``{"violence": [...], "restriction": [...]}`` from the ``severity_indicator``
        column of ``data/amrf_categories.csv``.
    """
    from geo.sources.amrf import read_typology

    typology = read_typology() if typology is None else typology
    return {g: typology.codes_for(ind) for g, ind in EVENT_INDICATOR.items()}


# ----------------------------------------------------------------------------- indicators


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    num, den = num.astype(float), den.astype(float)
    return (num / den.where(den > 0)).astype(float)


#: Indicator -> function of the unit figures (one value per row, NaN = no information).
INDICATOR_FUNCTIONS = {
    "people_encircled_share": lambda f: _share(f["encircled_people"], f["population"]).where(
        f["encircled_people"] > 0, 0.0
    ),
    "restriction_reports": lambda f: f["incidents_restriction"].astype(float),
    "axis_blocked_share": lambda f: _share(
        f["axis_closed_km"] + 0.5 * f["axis_constrained_km"], f["axis_km"]
    ),
    "pop_beyond_8h": lambda f: (1.0 - f["share_pop_8h"].astype(float)).clip(lower=0.0),
    "pop_delayed_share": lambda f: f["share_pop_delayed"].astype(float),
    "hub_zone": lambda f: f["zone"].astype(object).map(ZONE_RANK).astype(float),
    "violence_incidents": lambda f: f["incidents_violence"].astype(float),
    "encirclements": lambda f: f["encirclements_in_force"].astype(float),
    "encirclements_recent": lambda f: f["encirclements_recent"].astype(float),
    "physical_axis_share": lambda f: _share(f["axis_physical_km"], f["axis_km"]),
    "security_axis_share": lambda f: _share(f["axis_security_km"], f["axis_km"]),
}


def score_value(value: float, t1: float, t2: float, t3: float) -> int:
    """Score an indicator value 0-3: how many of the thresholds it reaches (NaN -> 0)."""
    if value is None or not value == value:
        return 0
    return int(value >= t1) + int(value >= t2) + int(value >= t3)


def score_units(figures: pd.DataFrame, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compute indicator values and scores, dimension scores and the 0-5 severity of each unit.

    Parameters
    ----------
    figures
        One row per unit with the :data:`FIGURE_COLUMNS` the table's indicators use.
    table
        :func:`read_indicator_table` output (default: the project's table).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        ``figures`` plus, per indicator ``X``, ``value_X`` and ``score_X`` (0-3); per
        dimension ``dim_<dimension>`` (weighted mean score, 0-3); ``index`` (0-5, 3
        decimals), ``score`` (int 0-5), ``label`` (English class name) and ``info_gaps``
        (indicators without a value, ``;``-separated).

    Raises
    ------
    KeyError
        ``figures`` lacks a column an indicator needs.
    """
    table = read_indicator_table() if table is None else table
    out = figures.copy()
    num = np.zeros(len(out))
    den = np.zeros(len(out))
    gaps = [[] for _ in range(len(out))]
    dims = {d: (np.zeros(len(out)), np.zeros(len(out))) for d in DIMENSIONS}
    for _, ind in table.iterrows():
        name = ind["indicator"]
        values = INDICATOR_FUNCTIONS[name](out).to_numpy(dtype=float)
        scores = np.array([score_value(v, ind["t1"], ind["t2"], ind["t3"]) for v in values], dtype=np.int64)
        out[f"value_{name}"] = values
        out[f"score_{name}"] = scores
        for k in np.flatnonzero(np.isnan(values)):
            gaps[k].append(name)
        w = np.where(np.isnan(values), 0.0, float(ind["weight"]))
        num += w * scores
        den += w
        s, d = dims[ind["dimension"]]
        dims[ind["dimension"]] = (s + w * scores, d + w)
    for d, (s, wsum) in dims.items():
        out[f"dim_{d}"] = np.round(np.divide(s, wsum, out=np.full(len(out), np.nan), where=wsum > 0), 3)
    index = np.divide(5.0 * num, 3.0 * den, out=np.zeros(len(out)), where=den > 0)
    out["index"] = np.round(index, 3)
    out["score"] = np.floor(index + 0.5 + 1e-9).astype(np.int64)
    out["label"] = [SCALE[int(s)][1] for s in out["score"]]
    out["info_gaps"] = [";".join(g) for g in gaps]
    return out


# ----------------------------------------------------------------------------- figures


def episode_population(
    episodes: gpd.GeoDataFrame,
    *,
    density_path: Path,
    places: gpd.GeoDataFrame | None = None,
    step_km: float = 0.5,
) -> pd.DataFrame:
    """People inside each encirclement's no-entry disc, from the population grid and settlements.

    Parameters
    ----------
    episodes
        Points (any CRS) with ``radius_km`` (km).
    density_path
        Population density raster (people per km², any geographic CRS; the data folder's
        ``population`` role: WorldPop 2020 averaged over ~18 km blocks).
    places
        Localities with ``name`` and ``population`` (NaN/<= 0 unknown; the gazetteer's
        GeoNames ``gn_population``), any CRS; None: no settlement figure.
    step_km
        Spacing of the lattice of sample points covering the disc, km (ESRI:102022).

    Returns
    -------
    pandas.DataFrame
        Same index as ``episodes``: ``population_grid`` (sum of density x cell area over
        the disc, people: the mean density of the lattice points times the disc's area
        pi r²), ``population_grid_low``/``_high`` (the disc's area times the lowest /
        highest block density within one block of the locality or under the disc: the
        range the coarse grid cannot resolve; ``low <= population_grid <= high``),
        ``population_settlement`` (sum of the known
        populations of the localities inside the disc; NaN when none is known),
        ``settlements`` (their names), ``population`` (settlement figure when known,
        else the grid figure) and ``population_method`` (``settlement`` or ``grid``).

    Notes
    -----
    The grid is ~18 km wide while a disc of 5 km covers ~79 km²: the grid figure is the
    block's mean density times the disc's area, so it undercounts a town and overcounts
    empty bush around it. Gazetteer populations are of unknown year (often census 2009 or
    older) and exist for few localities.
    """
    import rasterio

    cols = [
        "population_grid",
        "population_grid_low",
        "population_grid_high",
        "population_settlement",
        "settlements",
        "population",
        "population_method",
    ]
    if len(episodes) == 0:
        return pd.DataFrame(columns=cols, index=episodes.index)
    pts = episodes.to_crs(WORK_CRS)
    with rasterio.open(density_path) as src:
        dens = src.read(1).astype(float)
        nodata = src.nodata
        transform, crs = src.transform, src.crs
    if nodata is not None:
        dens[dens == nodata] = np.nan
    dens[~np.isfinite(dens) | (dens < 0)] = np.nan
    from pyproj import Transformer

    to_geo = Transformer.from_crs(WORK_CRS, crs, always_xy=True)
    inv = ~transform
    if places is not None and len(places):
        pl = places.to_crs(WORK_CRS)
        pl = pl[pd.to_numeric(pl["population"], errors="coerce").fillna(0) > 0]
    else:
        pl = None
    rows = []
    for x, y, r_km in zip(pts.geometry.x, pts.geometry.y, pts["radius_km"].astype(float), strict=True):
        r = r_km * 1000.0
        s = step_km * 1000.0
        g = np.arange(-r + s / 2, r, s)
        gx, gy = np.meshgrid(g, g)
        keep = gx**2 + gy**2 <= r * r
        lon, lat = to_geo.transform(x + gx[keep], y + gy[keep])
        col, row = inv * (np.asarray(lon), np.asarray(lat))
        ri, ci = np.floor(row).astype(int), np.floor(col).astype(int)
        ok = (ri >= 0) & (ri < dens.shape[0]) & (ci >= 0) & (ci < dens.shape[1])
        vals = np.where(
            ok, dens[np.clip(ri, 0, dens.shape[0] - 1), np.clip(ci, 0, dens.shape[1] - 1)], np.nan
        )
        vals = np.nan_to_num(vals, nan=0.0)  # no data (off the grid, water): nobody, as before
        area = math.pi * r_km * r_km
        # the estimate and its range are densities times the same area (the disc's, km²): the
        # lattice's own area differs from it by a few % for small discs, which put the estimate
        # outside its range (Konna, 5 km: 5 342 for a range of 568-5 311)
        grid_pop = float(vals.mean() * area) if vals.size else 0.0
        lon0, lat0 = to_geo.transform(x, y)
        c0, r0 = inv * (lon0, lat0)
        r0, c0 = int(math.floor(r0)), int(math.floor(c0))
        block = dens[max(r0 - 1, 0) : r0 + 2, max(c0 - 1, 0) : c0 + 2]
        # the blocks around the locality and those the disc covers (a disc wider than a block)
        seen = np.concatenate([block[np.isfinite(block)], vals])
        low = float(seen.min() * area) if seen.size else np.nan
        high = float(seen.max() * area) if seen.size else np.nan
        settle, names = np.nan, ""
        if pl is not None and len(pl):
            d = np.hypot(pl.geometry.x.to_numpy() - x, pl.geometry.y.to_numpy() - y)
            inside = pl[d <= r]
            if len(inside):
                settle = float(pd.to_numeric(inside["population"]).sum())
                names = "; ".join(sorted({str(n) for n in inside["name"]}))
        known = settle == settle
        rows.append(
            [
                grid_pop,
                low,
                high,
                settle,
                names,
                settle if known else grid_pop,
                "settlement" if known else "grid",
            ]
        )
    return pd.DataFrame(rows, columns=cols, index=episodes.index)


def axis_lengths(units: gpd.GeoDataFrame, axes: gpd.GeoDataFrame, axis_status: pd.DataFrame) -> pd.DataFrame:
    """Length of the HAWG axes inside each unit, by effective status.

    Parameters
    ----------
    units
        Admin units (any CRS).
    axes
        Axis lines (any CRS) with ``axis_id``.
    axis_status
        Indexed by ``axis_id`` with ``status`` and ``cause`` (the as-of state).

    Returns
    -------
    pandas.DataFrame
        One row per unit (same order): ``axis_km``, ``axis_closed_km``,
        ``axis_constrained_km``, ``axis_physical_km`` (closed or constrained with cause
        physical or seasonal), ``axis_security_km`` (closed km + 0.5 x constrained km with
        cause security or administrative), ``axes_closed``, ``axes_constrained``
        (``;``-separated ids).
        Lengths in km measured in ESRI:102022.
    """
    u = units.to_crs(WORK_CRS).geometry.to_numpy()
    a = axes.to_crs(WORK_CRS)
    ids = a["axis_id"].astype(str).to_numpy() if "axis_id" in a.columns else a.index.astype(str).to_numpy()
    status = axis_status["status"].reindex(ids).fillna("unknown").to_numpy()
    cause = (
        axis_status["cause"].reindex(ids).fillna("").to_numpy()
        if "cause" in axis_status
        else np.full(len(ids), "")
    )
    out = {
        k: np.zeros(len(u))
        for k in ("axis_km", "axis_closed_km", "axis_constrained_km", "axis_physical_km", "axis_security_km")
    }
    closed: list[list[str]] = [[] for _ in u]
    constrained: list[list[str]] = [[] for _ in u]
    tree = shapely.STRtree(u)
    ia, iu = tree.query(a.geometry.to_numpy(), predicate="intersects")
    for j, k in zip(ia, iu, strict=True):
        km = shapely.length(shapely.intersection(a.geometry.iloc[j], u[k])) / 1000.0
        if km <= 0:
            continue
        out["axis_km"][k] += km
        if status[j] == "closed":
            out["axis_closed_km"][k] += km
            closed[k].append(ids[j])
        elif status[j] == "constrained":
            out["axis_constrained_km"][k] += km
            constrained[k].append(ids[j])
        if status[j] in ("closed", "constrained") and cause[j] in ("physical", "seasonal"):
            out["axis_physical_km"][k] += km
        if cause[j] in ("security", "administrative"):
            out["axis_security_km"][k] += (
                km if status[j] == "closed" else (0.5 * km if status[j] == "constrained" else 0.0)
            )
    df = pd.DataFrame({k: np.round(v, 3) for k, v in out.items()})
    df["axes_closed"] = [";".join(sorted(set(c))) for c in closed]
    df["axes_constrained"] = [";".join(sorted(set(c))) for c in constrained]
    return df


def _unit_of_points(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> np.ndarray:
    """Position in ``units`` of the unit holding each point (-1 outside every unit)."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0:
        return out
    joined = gpd.sjoin(
        points[["geometry"]].to_crs(WORK_CRS).reset_index(drop=True),
        units[["geometry"]].to_crs(WORK_CRS).reset_index(drop=True),
        predicate="within",
        how="inner",
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    out[joined.index.to_numpy()] = joined["index_right"].to_numpy()
    return out


def _cell_units(inputs: Any, level: int) -> tuple[np.ndarray, int]:
    """Per grid cell, the position of its unit of ``level`` in ``inputs.admin2``/``admin3`` (-1 none)."""
    a3 = inputs.admin3
    a3_id = inputs.admin3_id.reshape(-1)
    if level == 3:
        unit_of_a3 = np.arange(len(a3))
        k = len(a3)
    else:
        pos = {p: i for i, p in enumerate(inputs.admin2["pcode"])}
        unit_of_a3 = np.array([pos.get(p, -1) for p in a3["adm2_pcode"]])
        k = len(inputs.admin2)
    uid = np.full(a3_id.shape, -1, dtype=np.int64)
    inside = a3_id >= 0
    uid[inside] = unit_of_a3[a3_id[inside]]
    return uid, k


def delayed_population(
    inputs: Any, result: Any, baseline: Any, *, level: int, delay_h: float = DELAY_H
) -> np.ndarray:
    """Share of each unit's people whose trip to the nearest hub the constraints lengthen.

    Parameters
    ----------
    inputs
        ``ModelInputs`` (grid, population per cell, admin ids).
    result
        ``ReachResult`` under the constraints in force.
    baseline
        ``ReachResult`` of the same date and season with no recorded constraint
        (:func:`baseline_reach`).
    level
        2 or 3 (units in the order of ``inputs.admin2`` / ``inputs.admin3``).
    delay_h
        Extra travel time (h) from which a person counts as delayed.

    Returns
    -------
    numpy.ndarray
        One share (0-1) per unit: people in cells reached within the largest band without
        constraints whose constrained time exceeds the baseline time by more than
        ``delay_h`` (or is beyond every band: cut off), over the unit's people; 0 for a
        unit without people.
    """
    from geo.model.zones import _min_time

    n = inputs.grid.shape[0] * inputs.grid.shape[1]
    t = _min_time(result, n)
    t0 = _min_time(baseline, n)
    uid, k = _cell_units(inputs, level)
    pop = inputs.population.reshape(-1)
    ok = uid >= 0
    delayed = ok & np.isfinite(t0) & (t > t0 + delay_h)
    people = np.bincount(uid[ok], weights=pop[ok], minlength=k)
    hit = np.bincount(uid[delayed], weights=pop[delayed], minlength=k)
    return np.divide(hit, people, out=np.zeros(k), where=people > 0)


def baseline_reach(inputs: Any, hubs: gpd.GeoDataFrame, versions: Any, as_of: dt.date) -> Any:
    """Reach of ``hubs`` on ``as_of`` (same season and flood months) with no recorded constraint.

    Parameters
    ----------
    inputs
        ``ModelInputs``.
    hubs
        Hubs (EPSG:4326).
    versions
        ``geo.store.constraints.ConstraintVersions`` (only their schemas are used: every
        road, crossing and encirclement history is emptied).
    as_of
        Date (season and flood zones).

    Returns
    -------
    geo.model.reach.ReachResult
    """
    from geo.model.reach import base_state, reach_from_state

    state = base_state(
        inputs,
        versions.road_status.iloc[:0],
        versions.encircled.iloc[:0],
        as_of,
        crossing_versions=versions.crossing_status.iloc[:0],
    )
    return reach_from_state(inputs, hubs, state, as_of=as_of, clip=False)


def recent_episodes(
    episodes: gpd.GeoDataFrame | None, as_of: dt.date, *, days: int = HISTORY_DAYS
) -> gpd.GeoDataFrame | None:
    """Encirclement episodes in force at some time in the ``days`` days up to ``as_of``.

    An episode runs from ``since`` to ``until``; without ``until`` an ``active`` one runs to
    ``as_of`` and any other to its ``last_confirmed`` date (else ``since``).
    """
    if episodes is None or len(episodes) == 0:
        return episodes
    start = as_of - dt.timedelta(days=days)
    keep = []
    for _, e in episodes.iterrows():
        since = e["since"]
        until = e.get("until")
        if until is None or pd.isna(until):
            conf = e.get("last_confirmed")
            until = (
                as_of
                if e.get("status") == "active"
                else (conf if conf is not None and not pd.isna(conf) else since)
            )
        keep.append(since is not None and since <= as_of and until >= start)
    return episodes[np.array(keep, dtype=bool)]


def unit_figures(
    inputs: Any,
    result: Any,
    *,
    level: int,
    density_path: Path,
    incidents: gpd.GeoDataFrame | None = None,
    event_types: dict[str, list[str]] | None = None,
    zone_rules: pd.DataFrame | None = None,
    uncovered: tuple[str, ...] = (),
    zero_is_gap: tuple[str, ...] = (),
    baseline: Any = None,
    episodes: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Compute the figures the indicators come from, one row per admin unit.

    Parameters
    ----------
    inputs
        ``geo.model.friction.ModelInputs``.
    result
        ``geo.model.reach.ReachResult`` of the as-of date (its ``state`` gives the axis
        status and the encirclements in force).
    level
        2 (cercles) or 3 (communes).
    density_path
        Population density raster (see :func:`episode_population`).
    incidents
        Incidents of the window (points, any CRS, ``source``, ``event_type``; ``amrf`` is
        added by :func:`geo.sources.amrf.classify` when absent), or None.
    event_types
        Incident group -> AMRF categories (default :func:`read_event_types`).
    zone_rules
        Hub-distance zone rules (default ``data/zones_rules.csv``).
    uncovered
        Incident groups the incident files do not cover in the window: their counts
        are NaN (no information), not 0.
    zero_is_gap
        Incident groups known in the window only from the curated access-event timeline (not
        a systematic record): a unit with none of them has NaN (no information), not 0.
    baseline
        Reach with no recorded constraint (:func:`baseline_reach`); None leaves
        ``share_pop_delayed`` NaN (an information gap).
    episodes
        Encirclement episodes already limited to the recent ones (:func:`recent_episodes`);
        None counts the episodes in force.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326: ``pcode``, ``name``, ``level``, ``adm1_name``, ``adm2_pcode``,
        :data:`FIGURE_COLUMNS`, ``incidents_amrf_<code>`` per AMRF category, geometry.
    """
    from geo.model.zones import classify_zones, zone_metrics
    from geo.sources.amrf import classify, read_typology

    typology = read_typology()
    event_types = read_event_types(typology) if event_types is None else event_types
    state = result.state
    zones = classify_zones(zone_metrics(inputs, result, level=level, incidents=incidents), zone_rules)
    units = gpd.GeoDataFrame(
        zones[["pcode", "name", "level", "adm1_name", "adm2_pcode", "population", "area_km2", "zone"]].copy(),
        geometry=zones.geometry,
        crs=STORAGE_CRS,
    )
    units["share_pop_8h"] = zones["share_pop_8h"] if "share_pop_8h" in zones else 0.0
    k = len(units)
    units["share_pop_delayed"] = (
        np.round(delayed_population(inputs, result, baseline, level=level), 4)
        if baseline is not None
        else np.full(k, np.nan)
    )
    axes = inputs.axes.reset_index(drop="axis_id" in inputs.axes.columns)
    units = pd.concat([units.reset_index(drop=True), axis_lengths(units, axes, state.axis_status)], axis=1)
    # encirclements in force, attributed to the unit holding the locality point
    enc = state.no_entry
    n_enc = np.zeros(k, dtype=np.int64)
    people = np.zeros(k)
    names: list[list[str]] = [[] for _ in range(k)]
    if enc is not None and len(enc):
        pop = episode_population(enc, density_path=density_path)
        where = _unit_of_points(enc, units)
        for pos, loc, p in zip(where, enc["locality"].astype(str), pop["population_grid"], strict=True):
            if pos < 0:
                continue
            n_enc[pos] += 1
            people[pos] += float(p)
            names[pos].append(loc)
    units["encirclements_in_force"] = n_enc
    recent = enc if episodes is None else episodes
    n_recent = np.zeros(k, dtype=np.int64)
    if recent is not None and len(recent):
        where_recent = _unit_of_points(recent, units)
        n_recent = np.bincount(where_recent[where_recent >= 0], minlength=k).astype(np.int64)
    units["encirclements_recent"] = n_recent
    units["encircled_localities"] = [";".join(sorted(n)) for n in names]
    units["encircled_people"] = np.round(people, 0)
    amrf = None
    where_inc = np.zeros(0, dtype=np.int64)
    if incidents is not None and len(incidents):
        amrf = (
            (incidents["amrf"] if "amrf" in incidents else classify(incidents, typology))
            .astype(str)
            .to_numpy()
        )
        where_inc = _unit_of_points(incidents, units)
    per_code: dict[str, np.ndarray] = {}
    for code in typology.constraint_codes:
        counts = np.zeros(k)
        if amrf is not None:
            sel = (amrf == code) & (where_inc >= 0)
            counts = np.bincount(where_inc[sel], minlength=k).astype(float)
        per_code[code] = counts
    for cat in EVENT_CATEGORIES:
        counts = sum((per_code[c] for c in event_types.get(cat, []) if c in per_code), np.zeros(k))
        if cat in uncovered:
            counts = np.full(k, np.nan)
        elif cat in zero_is_gap:
            counts = np.where(counts > 0, counts, np.nan)
        units[f"incidents_{cat}"] = counts
    for code, counts in per_code.items():
        units[f"incidents_amrf_{code}"] = counts
    units["population"] = np.round(units["population"].astype(float), 0)
    units["area_km2"] = np.round(units["area_km2"].astype(float), 1)
    units["share_pop_8h"] = np.round(units["share_pop_8h"].astype(float), 4)
    units["zone"] = units["zone"].astype(object)
    return gpd.GeoDataFrame(units, geometry="geometry", crs=STORAGE_CRS)


def severity(
    inputs: Any,
    result: Any,
    *,
    level: int,
    density_path: Path,
    as_of: dt.date,
    incidents: gpd.GeoDataFrame | None = None,
    window_days: int = 365,
    table: pd.DataFrame | None = None,
    event_types: dict[str, list[str]] | None = None,
    baseline: Any = None,
    episodes: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Access severity of every admin unit of ``level`` on ``as_of``.

    Parameters
    ----------
    inputs, result, level, density_path
        See :func:`unit_figures` (``result`` must be computed for ``as_of``).
    as_of
        Date of the state; incidents count over the ``window_days`` days ending on it.
    incidents
        All incidents (points, ``date``, ``source``, ``event_type``); windowed here. A
        group none of whose incidents falls on or after the window's first day is treated
        as not covered by the files (its indicator becomes an information gap).
    window_days
        Incident window, days (>= 1).
    table, event_types
        Indicator table and incident groups (defaults: the project's files).
    baseline
        Reach on ``as_of`` with no recorded constraint (:func:`baseline_reach`); None
        makes ``pop_delayed_share`` an information gap.
    episodes
        Every encirclement episode (the store's versions); the ones in force in the
        :data:`HISTORY_DAYS` days up to ``as_of`` give ``encirclements_recent``. None: the
        episodes in force only.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per unit: ``as_of``, ``window_days``, ``pcode``, ``name``,
        ``level``, ``adm1_name``, ``adm2_pcode``, ``score``, ``label``, ``index``, the
        dimension scores, ``value_``/``score_`` per indicator, ``info_gaps``,
        ``data_sparse`` (where the score rests on few inputs, in words), then the figures
        (:data:`FIGURE_COLUMNS`, ``incidents_amrf_<code>``), geometry.

    Raises
    ------
    ValueError
        ``level`` not 2 or 3, ``window_days`` < 1.
    """
    from geo.model.incidents import time_window
    from geo.sources.amrf import classify, read_typology

    if window_days < 1:
        msg = f"window_days must be >= 1, got {window_days!r}"
        raise ValueError(msg)
    typology = read_typology()
    event_types = read_event_types(typology) if event_types is None else event_types
    windowed = None
    uncovered = list(EVENT_CATEGORIES)
    latest: dict[str, str] = {}
    fallback: dict[str, str] = {}
    curated_only: list[str] = []
    if incidents is not None and len(incidents):
        if "amrf" not in incidents:
            incidents = incidents.assign(amrf=classify(incidents, typology))
        windowed = time_window(incidents, as_of=as_of, days=window_days)
        start = pd.Timestamp(as_of) - pd.Timedelta(days=window_days - 1)
        group_of = {c: g for g, codes in event_types.items() for c in codes}
        groups = incidents["amrf"].map(group_of)
        last = incidents["date"][incidents["date"] <= pd.Timestamp(as_of)].groupby(groups).max()
        latest = {g: d.date().isoformat() for g, d in last.items()}
        uncovered = [c for c in EVENT_CATEGORIES if c not in last.index or last[c] < start]
        for c in [c for c in uncovered if c in last.index]:
            # the files stop before the window: count the group over the last window they cover
            stale = time_window(incidents[groups == c], as_of=last[c].date(), days=window_days)
            parts = [windowed.copy(), stale[~stale.index.isin(windowed.index)].copy()]
            for part in parts:
                part.attrs = {}  # pandas compares attrs on concat; "rejected" is a frame
            windowed = pd.concat(parts)
            first = (last[c] - pd.Timedelta(days=window_days - 1)).date().isoformat()
            fallback[c] = f"{first}..{latest[c]}"
        uncovered = [c for c in uncovered if c not in fallback]
        systematic = windowed["source"].astype(str).str.split(":").str[0] != "curated"
        w_groups = windowed["amrf"].map(group_of)
        curated_only = [
            c for c in EVENT_CATEGORIES if c not in uncovered and not (systematic & (w_groups == c)).any()
        ]
    figures = unit_figures(
        inputs,
        result,
        level=level,
        density_path=density_path,
        incidents=windowed,
        event_types=event_types,
        uncovered=tuple(uncovered),
        zero_is_gap=tuple(curated_only),
        baseline=baseline,
        episodes=recent_episodes(episodes, as_of) if episodes is not None else None,
    )
    scored = score_units(figures, table)
    sparse = []
    note = SPARSE_NOTES
    for _, row in scored.iterrows():
        notes = [note["no_incident"].format(group=c, latest=latest.get(c, "none")) for c in uncovered]
        notes += [
            note["older_window"].format(
                group=c, start=span.split("..")[0], end=span.split("..")[1], days=window_days
            )
            for c, span in fallback.items()
        ]
        notes += [note["curated_only"].format(group=c) for c in curated_only if not row[f"incidents_{c}"] > 0]
        if not row["axis_km"] > 0:
            notes.append(note["no_axis"])
        if baseline is None:
            notes.append(note["no_baseline"])
        sparse.append("; ".join(notes))
    scored["data_sparse"] = sparse
    scored.insert(0, "window_days", window_days)
    scored.insert(0, "as_of", as_of.isoformat())
    head = [
        "as_of",
        "window_days",
        "pcode",
        "name",
        "level",
        "adm1_name",
        "adm2_pcode",
        "score",
        "label",
        "index",
    ]
    dims = [f"dim_{d}" for d in DIMENSIONS]
    ind = [c for c in scored.columns if c.startswith(("value_", "score_"))]
    amrf_cols = [c for c in scored.columns if c.startswith("incidents_amrf_")]
    cols = [*head, *dims, *ind, "info_gaps", "data_sparse", *FIGURE_COLUMNS, *amrf_cols, "geometry"]
    scored.attrs["incident_windows"] = fallback
    logger.info(
        "severity level %d as of %s: %s", level, as_of, scored["score"].value_counts().sort_index().to_dict()
    )
    return gpd.GeoDataFrame(scored[cols], geometry="geometry", crs=STORAGE_CRS)


#: Population columns added to encircled localities by :func:`with_population`.
POPULATION_COLUMNS = [
    "population",
    "population_method",
    "population_grid",
    "population_grid_low",
    "population_grid_high",
    "population_settlement",
    "settlements",
]


def with_population(
    episodes: gpd.GeoDataFrame, data_dir: Path, *, places: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Add the people inside each episode's no-entry disc (:func:`episode_population`).

    Parameters
    ----------
    episodes
        Encircled localities (points, any CRS) with ``radius_km`` (km).
    data_dir
        Data folder: its ``population`` raster and ``places`` gazetteer are read.
    places
        Localities with ``population`` (default: ``geo.sources.places.load_places(data_dir)``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``episodes`` plus :data:`POPULATION_COLUMNS` (people, rounded to units).

    Raises
    ------
    MissingDataError
        The data folder lacks the population raster or the gazetteer.
    """
    from geo.sources.datasets import dataset_path
    from geo.sources.places import load_places

    if places is None:
        places = load_places(Path(data_dir))
    pop = episode_population(episodes, density_path=dataset_path(Path(data_dir), "population"), places=places)
    out = episodes.copy()
    for c in POPULATION_COLUMNS:
        col = pop[c]
        out[c] = col.round(0) if c not in ("population_method", "settlements") else col
    return out


def severity_on(
    inputs: Any,
    hubs: gpd.GeoDataFrame,
    versions: Any,
    *,
    as_of: dt.date,
    level: int,
    density_path: Path,
    incidents: gpd.GeoDataFrame | None = None,
    window_days: int = 365,
) -> tuple[gpd.GeoDataFrame, Any]:
    """Severity of every unit on ``as_of`` from the version histories: reach, baseline, scores.

    Parameters
    ----------
    inputs
        ``ModelInputs``.
    hubs
        Hubs (EPSG:4326).
    versions
        ``geo.store.constraints.ConstraintVersions`` (store or curated CSVs).
    as_of, level, density_path, incidents, window_days
        See :func:`severity`.

    Returns
    -------
    (geopandas.GeoDataFrame, ReachResult)
        The :func:`severity` table and the reach it was computed from.
    """
    from geo.model.reach import compute_reach

    result = compute_reach(
        inputs,
        hubs,
        versions,
        as_of=as_of,
    )
    table = severity(
        inputs,
        result,
        level=level,
        density_path=density_path,
        as_of=as_of,
        incidents=incidents,
        window_days=window_days,
        baseline=baseline_reach(inputs, hubs, versions, as_of),
        episodes=versions.encircled,
    )
    return table, result
