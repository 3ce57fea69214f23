"""Reachable areas of HAWG hubs: travel-time bands, population and localities reached.

Method: the friction surface of ``geo.friction`` (hours per km, ESRI:102022 grid) and
the bounded grid Dijkstra of ``geo.costdist`` give each hub's travel-time raster up to
the largest band. A band of T hours is the set of cells with ``time <= T``; it is
vectorised with ``rasterio.features.shapes`` (4-connected, so corner-touching cells
do not make slivers), merged and clipped to Mali. Bands of one hub are nested by
construction (same raster, growing threshold).

Per-hub computations are independent pure functions of (inputs, friction, hub), so
they can be mapped over a dask.distributed cluster unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from rasterio.features import shapes

from geo.costdist import travel_time_h
from geo.curated import encircled_as_of, road_status_as_of
from geo.errors import HubError
from geo.friction import Grid, ModelInputs, build_friction
from geo.settings import DEFAULT_BANDS_H, STORAGE_CRS, WORK_CRS

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
#: A hub on an impassable cell is moved to the nearest passable cell within this distance (km).
MAX_HUB_SNAP_KM = 5.0
#: Off-road speed assumed for the short move from a hub to the cell it was moved to (km/h).
HUB_SNAP_SPEED_KMH = 5.0

BAND_COLUMNS = ["hub_id", "hub", "hours", "area_km2", "population", "localities", "hub_status", "geometry"]
LOCALITY_COLUMNS = ["hub_id", "hub", "place_id", "locality", "adm2_pcode", "adm3_pcode", "lon", "lat", "travel_time_h"]


@dataclass(frozen=True)
class HubPlacement:
    """Where a hub sits on the grid.

    Attributes
    ----------
    row, col
        Start cell (-1 when the hub cannot be placed).
    snap_km
        Distance from the hub to the centre of its start cell's nearest passable cell, km.
    status
        ``"ok"``, ``"moved"`` (start moved to the nearest passable cell), or a sentence
        saying why it cannot start (off the grid, no passable cell near, inside a
        no-entry zone).
    """

    row: int
    col: int
    snap_km: float
    status: str

    @property
    def usable(self) -> bool:
        """True if reach can be computed from this placement."""
        return self.status in ("ok", "moved")


def place_hub(friction: np.ndarray, grid: Grid, x: float, y: float, *,
              max_snap_km: float = MAX_HUB_SNAP_KM) -> HubPlacement:
    """Put a hub (WORK_CRS metres) on the grid.

    Parameters
    ----------
    friction
        Friction grid (h/km, inf impassable).
    grid
        Its grid.
    x, y
        Hub position in WORK_CRS (ESRI:102022) metres.
    max_snap_km
        Largest move allowed to reach a passable cell.

    Returns
    -------
    HubPlacement
        Never raises for a bad position: the status says what is wrong, with the
        distance to the nearest passable cell, so callers can report it.
    """
    rows, cols = grid.rowcol(np.array([x]), np.array([y]))
    r, c = int(rows[0]), int(cols[0])
    if not grid.contains(rows, cols)[0]:
        return HubPlacement(-1, -1, math.nan, "off the grid (is the position in lon/lat order, inside Mali?)")
    if np.isfinite(friction[r, c]):
        return HubPlacement(r, c, 0.0, "ok")
    radius = int(math.ceil(max_snap_km / grid.cell_km)) + 1
    r0, r1 = max(r - radius, 0), min(r + radius + 1, grid.shape[0])
    c0, c1 = max(c - radius, 0), min(c + radius + 1, grid.shape[1])
    window = np.isfinite(friction[r0:r1, c0:c1])
    if not window.any():
        passable = np.argwhere(np.isfinite(friction))
        if len(passable) == 0:
            return HubPlacement(-1, -1, math.nan, "no passable cell on the grid")
        d = np.hypot(passable[:, 0] - r, passable[:, 1] - c).min() * grid.cell_km
        return HubPlacement(-1, -1, float(d), f"on an impassable cell; nearest passable cell is {d:.1f} km away")
    rr, cc = np.nonzero(window)
    dist = np.hypot(rr + r0 - r, cc + c0 - c) * grid.cell_km
    k = int(np.argmin(dist))
    if dist[k] > max_snap_km:
        return HubPlacement(-1, -1, float(dist[k]),
                            f"on an impassable cell; nearest passable cell is {dist[k]:.1f} km away")
    return HubPlacement(int(rr[k] + r0), int(cc[k] + c0), float(dist[k]), "moved")


def band_polygons(time_h: np.ndarray, grid: Grid, hours: Sequence[float],
                  outline: gpd.GeoSeries | None = None) -> list[shapely.Geometry]:
    """Polygons of the cells reached within each band.

    Parameters
    ----------
    time_h
        Travel-time raster (hours, inf unreachable).
    grid
        Its grid (WORK_CRS).
    hours
        Band limits in hours; a cell at exactly T belongs to band T.
    outline
        Optional clip polygon (WORK_CRS).

    Returns
    -------
    list of shapely geometries
        One (Multi)Polygon per band, valid, in WORK_CRS; empty geometry when nothing is reached.
    """
    clip = None if outline is None else shapely.union_all(outline.geometry.values)
    out = []
    for t in hours:
        mask = time_h <= t
        if not mask.any():
            out.append(shapely.Polygon())
            continue
        polys = [shapely.geometry.shape(g) for g, _ in
                 shapes(mask.astype(np.uint8), mask=mask, transform=grid.transform, connectivity=4)]
        geom = shapely.union_all(polys)
        if clip is not None:
            geom = shapely.intersection(geom, clip)
        geom = shapely.make_valid(geom)
        if geom.geom_type == "GeometryCollection":
            geom = shapely.union_all([g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
        out.append(geom)
    return out


@dataclass(frozen=True)
class HubReach:
    """Reach of one hub.

    Attributes
    ----------
    bands
        One row per band, ``BAND_COLUMNS`` (WORK_CRS).
    localities
        One row per locality reached within the largest band, ``LOCALITY_COLUMNS``.
    time_h
        Travel-time raster (hours; inf beyond the largest band), or None if the hub
        could not start.
    placement
        Where the hub started.
    """

    bands: gpd.GeoDataFrame
    localities: pd.DataFrame
    time_h: np.ndarray | None
    placement: HubPlacement


def reach_hub(inputs: ModelInputs, friction: np.ndarray, hub: pd.Series, *,
              hours: Sequence[float] = DEFAULT_BANDS_H,
              no_entry: gpd.GeoDataFrame | None = None) -> HubReach:
    """Reachable areas of one hub.

    Parameters
    ----------
    inputs
        Static model inputs.
    friction
        Friction grid (h/km) for the state of the constraints.
    hub
        A row of ``geo.curated.read_hubs().valid`` (``hub_id``, ``name``, geometry in EPSG:4326).
    hours
        Band limits, hours, ascending.
    no_entry
        Encircled localities in force (EPSG:4326 points with ``radius_km``, ``locality``,
        ``since``): a hub inside one cannot start and is reported so.

    Returns
    -------
    HubReach
    """
    hours = sorted(float(h) for h in hours)
    to_work = Transformer.from_crs(STORAGE_CRS, WORK_CRS, always_xy=True)
    x, y = to_work.transform(hub.geometry.x, hub.geometry.y)
    status = None
    if no_entry is not None and len(no_entry):
        zones = no_entry.to_crs(WORK_CRS)
        d_km = zones.distance(shapely.Point(x, y)) / 1000.0
        inside = zones[d_km.to_numpy() <= zones["radius_km"].to_numpy()]
        if len(inside):
            z = inside.iloc[0]
            status = f"inside the no-entry zone of {z['locality']} (encircled since {z['since']})"
    placement = place_hub(friction, inputs.grid, x, y)
    if status is None and not placement.usable:
        status = placement.status
    if status is not None:
        logger.warning("hub %s: %s", hub["name"], status)
        bands = gpd.GeoDataFrame(
            {"hub_id": hub["hub_id"], "hub": hub["name"], "hours": hours, "area_km2": 0.0,
             "population": 0.0, "localities": 0, "hub_status": status,
             "geometry": [shapely.Polygon()] * len(hours)}, crs=WORK_CRS)
        return HubReach(bands, pd.DataFrame(columns=LOCALITY_COLUMNS), None, placement)
    start_cost = placement.snap_km / HUB_SNAP_SPEED_KMH
    time_h = travel_time_h(friction, [(placement.row, placement.col)], cell_km=inputs.grid.cell_km,
                           max_h=hours[-1], start_costs_h=np.array([start_cost]))
    geoms = band_polygons(time_h, inputs.grid, hours, inputs.outline)
    places = inputs.places
    place_t = time_h[places["row"].to_numpy(), places["col"].to_numpy()]
    rows = []
    for t, geom in zip(hours, geoms, strict=True):
        mask = time_h <= t
        rows.append({"hub_id": hub["hub_id"], "hub": hub["name"], "hours": t,
                     "area_km2": float(geom.area) / 1e6,
                     "population": float(inputs.population[mask].sum()),
                     "localities": int((place_t <= t).sum()),
                     "hub_status": placement.status, "geometry": geom})
    bands = gpd.GeoDataFrame(rows, geometry="geometry", crs=WORK_CRS)
    reached = places[place_t <= hours[-1]]
    lonlat = reached.geometry.to_crs(STORAGE_CRS)
    localities = pd.DataFrame({
        "hub_id": hub["hub_id"], "hub": hub["name"], "place_id": reached.index.astype(str),
        "locality": reached["name"].to_numpy(), "adm2_pcode": reached["adm2_pcode"].to_numpy(),
        "adm3_pcode": reached["adm3_pcode"].to_numpy(), "lon": lonlat.x.round(5).to_numpy(),
        "lat": lonlat.y.round(5).to_numpy(), "travel_time_h": place_t[place_t <= hours[-1]].round(3)})
    localities = localities.sort_values("travel_time_h", kind="stable").reset_index(drop=True)
    return HubReach(bands, localities, time_h, placement)


@dataclass(frozen=True)
class ReachResult:
    """Reach of several hubs under one state of the constraints.

    Attributes
    ----------
    bands
        ``BAND_COLUMNS``, one row per (hub, band), WORK_CRS.
    localities
        ``LOCALITY_COLUMNS``, one row per (hub, locality reached).
    friction
        The friction grid used (h/km).
    as_of, season
        State the result was computed for.
    """

    bands: gpd.GeoDataFrame
    localities: pd.DataFrame
    friction: np.ndarray
    as_of: dt.date
    season: str


def state_as_of(inputs: ModelInputs, road_status_versions: pd.DataFrame,
                encircled_episodes: gpd.GeoDataFrame, as_of: dt.date) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Effective axis status and in-force encirclements on ``as_of``.

    Returns
    -------
    (pandas.DataFrame, geopandas.GeoDataFrame)
        Axis status indexed by ``axis_id`` (``geo.curated.road_status_as_of``) and the
        encircled episodes with ``in_force`` (``geo.curated.encircled_as_of``).
    """
    status = road_status_as_of(road_status_versions, inputs.axes.index, as_of)
    episodes = encircled_as_of(encircled_episodes, as_of)
    return status, episodes


def compute_reach(inputs: ModelInputs, hubs: gpd.GeoDataFrame, *,
                  road_status_versions: pd.DataFrame, encircled_episodes: gpd.GeoDataFrame,
                  as_of: dt.date, hours: Sequence[float] = DEFAULT_BANDS_H, season: str = "dry",
                  progress: Progress | None = None) -> ReachResult:
    """Reachable areas of every hub under the constraints in force on ``as_of``.

    Parameters
    ----------
    inputs
        Static model inputs (``geo.friction.load_model_inputs``).
    hubs
        Hubs (``geo.curated.read_hubs().valid``, EPSG:4326).
    road_status_versions, encircled_episodes
        Version histories (curated CSVs or the store, same schema).
    as_of
        Date whose constraints apply.
    hours
        Band limits in hours.
    season
        ``{"dry", "rainy"}``.
    progress
        Optional ``progress(done, total, label)``.

    Returns
    -------
    ReachResult

    Raises
    ------
    ValueError
        Empty ``hours`` or a non-positive band.
    """
    hours = sorted(float(h) for h in hours)
    if not hours or hours[0] <= 0:
        msg = f"band limits must be positive hours, got {hours}"
        raise ValueError(msg)
    status, episodes = state_as_of(inputs, road_status_versions, encircled_episodes, as_of)
    in_force = episodes[episodes["in_force"]]
    friction = build_friction(inputs, axis_status=status, no_entry=in_force, season=season)
    band_parts, loc_parts = [], []
    for i, (_, hub) in enumerate(hubs.iterrows(), start=1):
        res = reach_hub(inputs, friction, hub, hours=hours, no_entry=in_force)
        band_parts.append(res.bands)
        loc_parts.append(res.localities)
        if progress:
            progress(i, len(hubs), str(hub["name"]))
    bands = gpd.GeoDataFrame(pd.concat(band_parts, ignore_index=True), geometry="geometry", crs=WORK_CRS)
    localities = pd.concat([p for p in loc_parts if len(p)], ignore_index=True) if any(
        len(p) for p in loc_parts) else pd.DataFrame(columns=LOCALITY_COLUMNS)
    logger.info("reach: %d hubs x %d bands as of %s (%s season)", len(hubs), len(hours), as_of, season)
    return ReachResult(bands, localities, friction, as_of, season)
