"""Access zones of admin units (cercles, communes) from a documented, configurable rule table.

Metrics per unit (computed by :func:`zone_metrics`)
--------------------------------------------------
``area_km2``, ``population``
    Cells of the model grid whose centre lies in the unit (WorldPop 2020 people).
``share_area_<H>h``, ``share_pop_<H>h``
    Share (0-1) of the unit's cells / people within ``H`` hours of the *nearest* hub,
    for every band ``H`` of the reach result (exact per cell: the minimum of the hubs'
    travel times). A unit too small to hold a cell centre takes the value of the cell
    under its representative point.
``blockades``
    Encirclements in force whose locality lies in the unit.
``incidents``
    Incidents (of the window the caller chose) located in the unit.

Rules (``data/zones_rules.csv``)
--------------------------------
Columns ``rule_id``, ``zone``, ``condition``, ``description``. Rules are tried in file
order and the first whose condition holds places the unit; each unit reports the
``rule_id`` and ``description`` that placed it. A condition is a pandas expression over
the metric names (``share_pop_4h < 0.5 and incidents >= 3``), or ``all`` (always true:
put it last). ``zone`` is one of :data:`ZONES`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import SHIPPED_DATA, STORAGE_CRS
from geo.errors import DataFileError

logger = logging.getLogger(__name__)

#: Zones from most to least accessible.
ZONES = ("accessible", "constrained", "hard_to_reach", "inaccessible")
#: The rule table shipped with the engine (``data/zones_rules.csv``; package data when installed).
RULES_PATH = SHIPPED_DATA / "zones_rules.csv"
RULE_COLUMNS = ["rule_id", "zone", "condition", "description"]
ZONE_COLUMNS = [
    "pcode",
    "name",
    "level",
    "adm1_name",
    "adm2_pcode",
    "area_km2",
    "population",
    "blockades",
    "incidents",
    "zone",
    "rule_id",
    "rule",
]


def read_rules(path: Path | None = None) -> pd.DataFrame:
    """Read and check the rule table.

    Parameters
    ----------
    path
        CSV with ``RULE_COLUMNS`` (default ``data/zones_rules.csv``).

    Returns
    -------
    pandas.DataFrame
        The rules in file order.

    Raises
    ------
    DataFileError
        Missing file or column, empty table, unknown zone, empty condition or duplicate
        ``rule_id`` (naming the row and field).
    """
    path = Path(path) if path is not None else RULES_PATH
    try:
        rules = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError as exc:
        raise DataFileError(path, "file not found") from exc
    missing = [c for c in RULE_COLUMNS if c not in rules.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {', '.join(missing)}")
    if rules.empty:
        raise DataFileError(path, "no rule")
    for i, row in rules.iterrows():
        line = int(i) + 1
        if row["zone"] not in ZONES:
            raise DataFileError(
                path,
                f"unknown zone {row['zone']!r}; expected one of {', '.join(ZONES)}",
                row=line,
                field="zone",
            )
        if not row["condition"].strip():
            raise DataFileError(
                path, "empty condition (use 'all' for a catch-all rule)", row=line, field="condition"
            )
    dup = rules["rule_id"][rules["rule_id"].duplicated()]
    if len(dup):
        raise DataFileError(
            path, f"duplicate rule_id {dup.iloc[0]!r}", row=int(dup.index[0]) + 1, field="rule_id"
        )
    return rules.reset_index(drop=True).assign(_path=str(path))


def _min_time(result: Any, n_cells: int) -> np.ndarray:
    """Per cell, the travel time (h) to the nearest hub (inf beyond every hub's largest band)."""
    t = np.full(n_cells, np.inf)
    for cells in result.cells.values():
        if cells is None or len(cells) == 0:
            continue
        t[cells.idx] = np.minimum(t[cells.idx], cells.time_h)
    return t


def _count_points(points: gpd.GeoDataFrame | None, units: gpd.GeoDataFrame) -> np.ndarray:
    if points is None or len(points) == 0:
        return np.zeros(len(units), dtype=np.int64)
    pts = points.to_crs(STORAGE_CRS)[["geometry"]]
    joined = gpd.sjoin(pts, units[["geometry"]].reset_index(drop=True), predicate="within", how="inner")
    return np.bincount(joined["index_right"].to_numpy(), minlength=len(units)).astype(np.int64)


def zone_metrics(
    inputs: Any,
    result: Any,
    *,
    level: int,
    incidents: gpd.GeoDataFrame | None = None,
    blockades: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Metrics of every admin unit of ``level`` (2 cercles, 3 communes).

    Parameters
    ----------
    inputs
        ``geo.model.friction.ModelInputs`` (grid, population, admin2/admin3, ``admin3_id``).
    result
        ``geo.model.reach.ReachResult`` (per-hub cells and ``hours``).
    level
        2 or 3.
    incidents
        Incident points of the window (any CRS), or None (counts 0).
    blockades
        Encirclements in force (points); default: ``result.state.no_entry``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit (EPSG:4326): ``pcode``, ``name``, ``level``, ``adm1_name``,
        ``adm2_pcode``, ``area_km2``, ``population``, ``share_area_<H>h``,
        ``share_pop_<H>h`` per band, ``blockades``, ``incidents``, geometry.

    Raises
    ------
    ValueError
        ``level`` not 2 or 3.
    """
    if level not in (2, 3):
        msg = f"zone level must be 2 or 3, got {level!r}"
        raise ValueError(msg)
    a3 = inputs.admin3
    grid = inputs.grid
    n = grid.shape[0] * grid.shape[1]
    a3_id = inputs.admin3_id.reshape(-1)
    pop = inputs.population.reshape(-1)
    t = _min_time(result, n)
    inside = a3_id >= 0
    if level == 3:
        units = a3.copy()
        unit_of_a3 = np.arange(len(a3))
    else:
        units = inputs.admin2.copy()
        pos = {p: i for i, p in enumerate(units["pcode"])}
        unit_of_a3 = np.array([pos.get(p, -1) for p in a3["adm2_pcode"]])
    uid = np.full(n, -1, dtype=np.int64)
    uid[inside] = unit_of_a3[a3_id[inside]]
    ok = uid >= 0
    k = len(units)
    cells = np.bincount(uid[ok], minlength=k).astype(float)
    people = np.bincount(uid[ok], weights=pop[ok], minlength=k)
    out = pd.DataFrame(
        {
            "pcode": units["pcode"].to_numpy(),
            "name": units["name"].to_numpy(),
            "level": level,
            "adm1_name": units["adm1_name"].to_numpy(),
            "adm2_pcode": units["adm2_pcode"].to_numpy() if level == 3 else units["pcode"].to_numpy(),
            "area_km2": cells * grid.cell_area_km2,
            "population": people,
        }
    )
    # small units without a cell centre: the cell under the representative point
    rep = units.to_crs(grid.crs).geometry.representative_point()
    rr, cc = grid.rowcol(rep.x.to_numpy(), rep.y.to_numpy())
    valid = grid.contains(rr, cc)
    rep_t = np.full(k, np.inf)
    rep_t[valid] = t[rr[valid] * grid.shape[1] + cc[valid]]
    for h in result.hours:
        within = ok & (t <= h)
        a = np.bincount(uid[within], minlength=k)
        p = np.bincount(uid[within], weights=pop[within], minlength=k)
        fallback = (rep_t <= h).astype(float)
        out[f"share_area_{h:g}h"] = np.where(cells > 0, a / np.maximum(cells, 1), fallback)
        out[f"share_pop_{h:g}h"] = np.where(
            people > 0, p / np.maximum(people, 1e-9), np.where(cells > 0, a / np.maximum(cells, 1), fallback)
        )
    geo_units = units.to_crs(STORAGE_CRS)
    if blockades is None and getattr(result, "state", None) is not None:
        blockades = result.state.no_entry
    out["blockades"] = _count_points(blockades, geo_units)
    out["incidents"] = _count_points(incidents, geo_units)
    return gpd.GeoDataFrame(out, geometry=geo_units.geometry.to_numpy(), crs=STORAGE_CRS)


def classify_zones(metrics: pd.DataFrame, rules: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Place every unit in a zone with the first rule whose condition holds.

    Parameters
    ----------
    metrics
        Output of :func:`zone_metrics` (or any frame with the metric columns).
    rules
        :func:`read_rules` output (default: the project's table).

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        ``metrics`` plus ``zone`` (ordered categorical of :data:`ZONES`), ``rule_id``
        and ``rule`` (the rule's description). Units no rule matches get zone
        ``NaN`` and rule_id ``"none"`` (add a final ``all`` rule to avoid it).

    Raises
    ------
    DataFileError
        A condition names an unknown metric or does not parse (row and field named).
    """
    rules = read_rules() if rules is None else rules
    out = metrics.copy()
    zone = pd.Series(pd.NA, index=out.index, dtype=object)
    rule_id = pd.Series("none", index=out.index, dtype=object)
    rule_text = pd.Series("", index=out.index, dtype=object)
    env = out.drop(columns=[c for c in ("geometry",) if c in out.columns])
    path = Path(str(rules["_path"].iloc[0])) if "_path" in rules.columns else Path("<rules>")
    for i, rule in rules.iterrows():
        cond = str(rule["condition"]).strip()
        if cond.lower() == "all":
            hit = pd.Series(True, index=out.index)
        else:
            try:
                hit = env.eval(cond)
            except Exception as exc:  # noqa: BLE001  (pandas raises many kinds; report them all the same way)
                known = ", ".join(
                    c
                    for c in env.columns
                    if c.startswith(("share_", "blockades", "incidents", "population", "area_km2"))
                )
                raise DataFileError(
                    path,
                    f"rule {rule['rule_id']}: cannot evaluate {cond!r} ({exc}); metrics: {known}",
                    row=int(i) + 1,
                    field="condition",
                ) from exc
            hit = pd.Series(np.asarray(hit, dtype=bool), index=out.index)
        todo = hit & zone.isna()
        zone[todo] = rule["zone"]
        rule_id[todo] = rule["rule_id"]
        rule_text[todo] = rule["description"]
    out["zone"] = pd.Categorical(zone, categories=list(ZONES), ordered=True)
    out["rule_id"] = rule_id
    out["rule"] = rule_text
    logger.info("zones: %s", out["zone"].value_counts().to_dict())
    return out


def access_zones(
    inputs: Any,
    result: Any,
    *,
    level: int,
    incidents: gpd.GeoDataFrame | None = None,
    rules: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """:func:`zone_metrics` then :func:`classify_zones` (see both)."""
    return classify_zones(zone_metrics(inputs, result, level=level, incidents=incidents), rules)
