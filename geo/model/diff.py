"""What a constraint change does to the reachable areas: hubs affected, area and localities.

Pure functions over the outputs of :func:`geo.model.reach.compute_reach` (band
GeoDataFrames in WORK_CRS with ``BAND_COLUMNS``, localities tables with
``LOCALITY_COLUMNS``). They never recompute anything themselves.

Which hubs can a change affect? A hub's travel times inside its largest band only
depend on cells reachable within that band's hours. A change on an axis or a no-entry
zone lying wholly outside a hub's largest band (before the change) therefore cannot
change any of its bands: reaching the changed feature already takes longer than the
largest band. :func:`affected_hubs` applies this rule (with a margin of one grid
cell), so only those hubs need recomputing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.config import WORK_CRS
from geo.errors import CRSError

logger = logging.getLogger(__name__)

DIFF_COLUMNS = [
    "hub_id",
    "hub",
    "hours",
    "area_before_km2",
    "area_after_km2",
    "area_change_km2",
    "localities_before",
    "localities_after",
    "gained",
    "lost",
    "geometry",
]


class _HasReach(Protocol):
    bands: gpd.GeoDataFrame
    localities: pd.DataFrame


def _parts(
    result: _HasReach | tuple[gpd.GeoDataFrame, pd.DataFrame],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    if isinstance(result, tuple):
        return result
    return result.bands, result.localities


def change_footprint(
    *, axis: BaseGeometry | None = None, zones: gpd.GeoDataFrame | None = None
) -> BaseGeometry:
    """Where a constraint change acts, in WORK_CRS (ESRI:102022).

    Parameters
    ----------
    axis
        Line of a changed axis, already in WORK_CRS (``ModelInputs.axes``).
    zones
        Versions of a changed encirclement episode (points with ``radius_km``, any
        CRS); their no-entry discs are merged (the zone before and after the change).

    Returns
    -------
    shapely geometry
        Union of the axis line and the discs.
    """
    parts: list[BaseGeometry] = [] if axis is None else [axis]
    if zones is not None and len(zones):
        work = zones.to_crs(WORK_CRS)
        parts += [g.buffer(r * 1000.0) for g, r in zip(work.geometry, work["radius_km"], strict=True)]
    if not parts:
        msg = "a change footprint needs an axis or at least one zone"
        raise ValueError(msg)
    return shapely.union_all(parts)


def affected_hubs(bands: gpd.GeoDataFrame, feature: BaseGeometry, *, margin_km: float = 1.0) -> list[str]:
    """Hubs whose largest band reaches ``feature`` (an axis line or a no-entry zone).

    Parameters
    ----------
    bands
        Band polygons before the change (``geo.model.reach.BAND_COLUMNS``, WORK_CRS).
    feature
        Changed axis or zone geometry in WORK_CRS (ESRI:102022, metres).
    margin_km
        Tolerance around the feature, km (one grid cell by default).

    Returns
    -------
    list of str
        ``hub_id`` of the hubs that need recomputing, in band order. Hubs that could not
        start (empty bands) are always included: a change may free them.

    Raises
    ------
    CRSError
        If ``bands`` is not in WORK_CRS.
    """
    if bands.crs is None or not bands.crs.equals(WORK_CRS):
        msg = f"reach bands must be in {WORK_CRS}, got {bands.crs}"
        raise CRSError(msg)
    zone = feature.buffer(margin_km * 1000.0)
    out: list[str] = []
    for hub_id, group in bands.groupby("hub_id", sort=False):
        largest = group.loc[group["hours"].idxmax(), "geometry"]
        if largest is None or largest.is_empty or largest.area == 0 or largest.intersects(zone):
            out.append(str(hub_id))
    return out


def diff_reach(
    before: _HasReach | tuple[gpd.GeoDataFrame, pd.DataFrame],
    after: _HasReach | tuple[gpd.GeoDataFrame, pd.DataFrame],
    *,
    hub_ids: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Per hub and band: area and localities before and after a change.

    Parameters
    ----------
    before, after
        Reach results (``geo.model.reach.ReachResult`` or a ``(bands, localities)`` pair)
        for the same hubs and bands. Hubs present in only one side are compared with
        an empty reach.
    hub_ids
        Compare only these hubs (e.g. the :func:`affected_hubs` recomputed after a
        change, with ``before`` holding every hub); default all.

    Returns
    -------
    geopandas.GeoDataFrame
        ``DIFF_COLUMNS``, one row per (hub, band) in the order of ``before``:
        areas in km2, locality counts, ``gained``/``lost`` (sorted lists of locality
        names reached within the band after but not before, and the reverse),
        ``geometry`` = area lost (``before - after``, WORK_CRS; empty when none).

    Raises
    ------
    CRSError
        If either band table is not in WORK_CRS.
    """
    b_bands, b_loc = _parts(before)
    a_bands, a_loc = _parts(after)
    if hub_ids is not None:
        keep = set(hub_ids)
        b_bands, a_bands = b_bands[b_bands["hub_id"].isin(keep)], a_bands[a_bands["hub_id"].isin(keep)]
    for name, gdf in (("before", b_bands), ("after", a_bands)):
        if gdf.crs is None or not gdf.crs.equals(WORK_CRS):
            msg = f"{name} reach bands must be in {WORK_CRS}, got {gdf.crs}"
            raise CRSError(msg)
    a_index = {(r.hub_id, float(r.hours)): r for r in a_bands.itertuples()}
    keys = [(r.hub_id, float(r.hours)) for r in b_bands.itertuples()]
    keys += [k for k in a_index if k not in set(keys)]
    b_index = {(r.hub_id, float(r.hours)): r for r in b_bands.itertuples()}

    def within(loc: pd.DataFrame, hub_id: str, hours: float) -> set[str]:
        if loc is None or not len(loc):
            return set()
        sel = loc[(loc["hub_id"] == hub_id) & (loc["travel_time_h"] <= hours)]
        return set(sel["place_id"].astype(str) + "\x1f" + sel["locality"].astype(str))

    rows = []
    for hub_id, hours in keys:
        b, a = b_index.get((hub_id, hours)), a_index.get((hub_id, hours))
        b_geom = b.geometry if b is not None else None
        a_geom = a.geometry if a is not None else None
        b_area = float(b.area_km2) if b is not None else 0.0
        a_area = float(a.area_km2) if a is not None else 0.0
        before_set, after_set = within(b_loc, hub_id, hours), within(a_loc, hub_id, hours)
        if b_geom is None or b_geom.is_empty:
            lost_geom = b_geom if b_geom is not None else None
        elif a_geom is None or a_geom.is_empty:
            lost_geom = b_geom
        else:
            lost_geom = b_geom.difference(a_geom)
        rows.append(
            {
                "hub_id": hub_id,
                "hub": (b if b is not None else a).hub,
                "hours": hours,
                "area_before_km2": b_area,
                "area_after_km2": a_area,
                "area_change_km2": a_area - b_area,
                "localities_before": len(before_set),
                "localities_after": len(after_set),
                "gained": sorted(s.split("\x1f", 1)[1] for s in after_set - before_set),
                "lost": sorted(s.split("\x1f", 1)[1] for s in before_set - after_set),
                "geometry": lost_geom,
            }
        )
    out = gpd.GeoDataFrame(rows, columns=DIFF_COLUMNS, geometry="geometry", crs=WORK_CRS)
    logger.info(
        "reach diff: %d (hub, band) rows, %d changed", len(out), int((out["area_change_km2"].abs() > 0).sum())
    )
    return out


def summarise_diff(diff: gpd.GeoDataFrame, *, max_names: int = 8) -> list[str]:
    """One sentence per changed (hub, band), e.g. for the app or the CLI.

    Parameters
    ----------
    diff
        Output of :func:`diff_reach`.
    max_names
        Locality names listed per sentence before "and N more".

    Returns
    -------
    list of str
        Empty when nothing changed.
    """

    def names(items: list[str]) -> str:
        head = ", ".join(items[:max_names])
        return head + (f" and {len(items) - max_names} more" if len(items) > max_names else "")

    lines = []
    for r in diff.itertuples():
        if abs(r.area_change_km2) < 0.5 and not r.gained and not r.lost:
            continue
        text = (
            f"{r.hub}, {r.hours:g} h: {r.area_before_km2:,.0f} → {r.area_after_km2:,.0f} km² "
            f"({r.area_change_km2:+,.0f} km²)"
        )
        if r.lost:
            text += f"; {len(r.lost)} localities lost ({names(r.lost)})"
        if r.gained:
            text += f"; {len(r.gained)} localities gained ({names(r.gained)})"
        lines.append(text)
    return lines
