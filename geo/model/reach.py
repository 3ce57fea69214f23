"""Reachable areas of HAWG hubs: travel-time bands, population, localities, communes.

Method: the friction surface of ``geo.model.friction`` (hours per km, ESRI:102022 grid) and
the bounded search of ``geo.model.costdist`` give each hub the cells it reaches within the
largest band, with their travel times (sparse: only the cells reached are touched).
A band of T hours is the set of cells with ``time <= T`` (a cell at exactly T is in).
It is vectorised (``geo.model.polygonize``: GDAL polygonize's result, without holding the
GIL) over the band's own bounding window only, 4-connected, so cells touching at a corner
give separate parts (no slivers);
the parts are disjoint, so the band is their MultiPolygon without any union, and its
area equals the cell count times the cell area. Bands of one hub are nested by
construction (same times, growing threshold). Cells are in Mali by construction (the
friction is ``inf`` outside, cell centres inside); bands are then clipped to Mali's
outline (``clip=True``, the default), which only shaves the outer part of border cells
(areas stay within 1 % of the cell counts; ``clip=False`` gives the exact cell area).
Only bands holding an edge cell (``ModelInputs.edge_cells``: a cell the outline's
boundary may cross) are intersected, and only with the outline cut to the band's box.

Per-hub computations are independent pure functions of (inputs, friction, hub); each
hub's search and summary (polygons, tables) run together in a small thread pool (the
numba kernels, the search and the polygonizer, release the GIL, and so do shapely's
overlays and most numpy work; the pandas tables are built once, after the pool).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from rasterio.transform import Affine

from geo.config import DEFAULT_BANDS_H, STORAGE_CRS, WORK_CRS
from geo.model.costdist import (
    Change,
    Friction,
    SearchGrid,
    Settled,
    Updated,
    prepare_friction,
    settle,
    update,
)
from geo.model.friction import Grid, ModelInputs, bank_snap, build_friction, road_cells
from geo.model.jit import CACHE as JIT_CACHE
from geo.model.polygonize import mask_polygons
from geo.sources.curated import (
    encircled_as_of,
    read_crossing_status,
    road_status_as_of,
    season_for_date,
)
from geo.store.constraints import ConstraintVersions

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
#: A hub on an impassable cell is moved to the nearest passable cell within this distance (km).
MAX_HUB_SNAP_KM = 5.0
#: Off-road speed assumed for the short move from a hub to the cell it was moved to (km/h).
HUB_SNAP_SPEED_KMH = 5.0
#: Grids above this many cells search one hub at a time (each thread needs 8 bytes per cell).
PARALLEL_MAX_CELLS = 20_000_000

BAND_COLUMNS = ["hub_id", "hub", "hours", "area_km2", "population", "localities", "hub_status", "geometry"]
LOCALITY_COLUMNS = [
    "hub_id",
    "hub",
    "place_id",
    "locality",
    "adm2_pcode",
    "adm3_pcode",
    "lon",
    "lat",
    "travel_time_h",
]
ADMIN3_COLUMNS = [
    "hub_id",
    "hub",
    "hours",
    "adm3_pcode",
    "adm3_name",
    "adm2_pcode",
    "area_km2_reached",
    "share_reached",
]


@dataclass(frozen=True)
class HubPlacement:
    """Where a hub sits on the grid.

    Attributes
    ----------
    row, col
        Start cell (-1 when the hub cannot be placed).
    snap_km
        Distance from the hub's cell to the nearest passable cell centre, km (0 when
        the hub's own cell is passable; NaN when unknown).
    status
        ``"ok"``, ``"moved"`` (start moved to the nearest passable cell), or a sentence
        saying why it cannot start (off the grid, no passable cell near, inside a
        no-entry zone), with the distance to the nearest passable cell.
    """

    row: int
    col: int
    snap_km: float
    status: str

    @property
    def usable(self) -> bool:
        """True if reach can be computed from this placement."""
        return self.status in ("ok", "moved")


def _nearest_passable_km(friction: np.ndarray, grid: Grid, x: float, y: float) -> float:
    """Distance (km) from a WORK_CRS point to the centre of the nearest passable cell."""
    rr, cc = np.nonzero(np.isfinite(friction))
    if len(rr) == 0:
        return math.nan
    t = grid.transform
    cx = t.c + (cc + 0.5) * t.a
    cy = t.f + (rr + 0.5) * t.e
    return float(np.hypot(cx - x, cy - y).min() / 1000.0)


def place_hub(
    friction: np.ndarray,
    grid: Grid,
    x: float,
    y: float,
    *,
    max_snap_km: float = MAX_HUB_SNAP_KM,
    water: np.ndarray | None = None,
    road: np.ndarray | None = None,
    water_lines: shapely.Geometry | None = None,
) -> HubPlacement:
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
        Largest move allowed to reach a passable cell (km); a hub farther than this
        from any passable cell is not moved but reported.
    water, road
        Optional bool (rows, cols) water and road cells: a position on or next to water
        then moves to the nearest passable road cell within
        ``geo.model.friction.BANK_SNAP_KM`` (the town's own road on its bank; see
        ``geo.model.friction.bank_snap``).
    water_lines
        Optional river lines and lakes (``ModelInputs.water_lines``): the bank the exact
        position lies on decides which road it snaps to first.

    Returns
    -------
    HubPlacement
        Never raises for a bad position: the status says what is wrong, with the
        distance to the nearest passable cell, so callers can report it.
    """
    rows, cols = grid.rowcol(np.array([x]), np.array([y]))
    r, c = int(rows[0]), int(cols[0])
    if not grid.contains(rows, cols)[0]:
        d = _nearest_passable_km(friction, grid, x, y)
        return HubPlacement(
            -1,
            -1,
            d,
            f"off the grid, {d:,.0f} km from the nearest passable cell "
            "(is the position in lat/lon order instead of lon/lat, or outside Mali?)",
        )
    if water is not None and road is not None:
        (br,), (bc,) = bank_snap(
            np.array([r]),
            np.array([c]),
            water,
            road,
            grid.cell_km,
            friction,
            xy=(np.array([x]), np.array([y])),
            water_lines=water_lines,
            transform=grid.transform,
        )
        if (br, bc) != (r, c):
            return HubPlacement(int(br), int(bc), float(math.hypot(br - r, bc - c) * grid.cell_km), "moved")
    if np.isfinite(friction[r, c]):
        return HubPlacement(r, c, 0.0, "ok")
    radius = int(math.ceil(max_snap_km / grid.cell_km)) + 1
    r0, r1 = max(r - radius, 0), min(r + radius + 1, grid.shape[0])
    c0, c1 = max(c - radius, 0), min(c + radius + 1, grid.shape[1])
    window = np.isfinite(friction[r0:r1, c0:c1])
    if not window.any():
        d = _nearest_passable_km(friction, grid, x, y)
        if math.isnan(d):
            return HubPlacement(-1, -1, d, "no passable cell on the grid")
        return HubPlacement(-1, -1, d, f"on an impassable cell; nearest passable cell is {d:.1f} km away")
    rr, cc = np.nonzero(window)
    dist = np.hypot(rr + r0 - r, cc + c0 - c) * grid.cell_km
    k = int(np.argmin(dist))
    if dist[k] > max_snap_km:
        return HubPlacement(
            -1, -1, float(dist[k]), f"on an impassable cell; nearest passable cell is {dist[k]:.1f} km away"
        )
    return HubPlacement(int(rr[k] + r0), int(cc[k] + c0), float(dist[k]), "moved")


def _clip(geom: shapely.Geometry, clip: shapely.Geometry | None) -> shapely.Geometry:
    """``geom`` intersected with ``clip``, kept as a valid (Multi)Polygon.

    Only the part of ``clip`` inside ``geom``'s bounding box takes part in the overlay
    (``clip_by_rect`` first: same result, far fewer vertices).
    """
    if clip is None or geom.is_empty:
        return geom
    local = shapely.clip_by_rect(clip, *geom.bounds)
    if not local.is_valid:  # clip_by_rect does not promise a valid result; overlay instead
        local = shapely.intersection(clip, shapely.box(*geom.bounds))
    out = shapely.intersection(geom, local)
    if not out.is_valid:
        out = shapely.make_valid(out)
    return _polygonal(out)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """``geom`` without the points and lines an overlay may leave beside its polygons."""
    if geom.geom_type == "GeometryCollection":
        return shapely.union_all([g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    return geom


@numba.njit(cache=JIT_CACHE, nogil=True)
def _band_boxes(idx, time_h, ncols, hours, edge):  # noqa: ANN001, ANN202
    """Return, per band k (``hours`` ascending), the bounding box of its cells.

    The box ``(r0, r1, c0, c1)`` covers the cells with ``time <= hours[k]``; also returned:
    their count, and whether one is an edge cell (``edge``: a bit set over the flat cells,
    bit ``i & 7`` of byte ``i >> 3``; empty: never).
    """
    nb = hours.shape[0]
    box = np.empty((nb, 4), dtype=np.int64)
    box[:, 0] = box[:, 2] = np.iinfo(np.int64).max
    box[:, 1] = box[:, 3] = -1
    count = np.zeros(nb, dtype=np.int64)
    on_edge = np.zeros(nb, dtype=np.bool_)
    check_edge = edge.shape[0] > 0
    for i in range(idx.shape[0]):
        r = idx[i] // ncols
        c = idx[i] - r * ncols
        e = check_edge and (edge[idx[i] >> 3] >> (idx[i] & 7)) & 1
        for k in range(nb):
            if time_h[i] <= hours[k]:
                box[k, 0] = min(box[k, 0], r)
                box[k, 1] = max(box[k, 1], r + 1)
                box[k, 2] = min(box[k, 2], c)
                box[k, 3] = max(box[k, 3], c + 1)
                count[k] += 1
                if e:
                    on_edge[k] = True
    return box, count, on_edge


@numba.njit(cache=JIT_CACHE, nogil=True)
def _band_window(idx, time_h, ncols, hours, r0, r1, c0, c1):  # noqa: ANN001, ANN202
    """uint8 window ``[r0:r1, c0:c1]``: 1 + the first band holding each cell, 0 elsewhere."""
    win = np.zeros((r1 - r0, c1 - c0), dtype=np.uint8)
    for i in range(idx.shape[0]):
        for k in range(hours.shape[0]):
            if time_h[i] <= hours[k]:
                r = idx[i] // ncols
                c = idx[i] - r * ncols
                if r0 <= r < r1 and c0 <= c < c1:
                    win[r - r0, c - c0] = k + 1
                break
    return win


def settled_band_polygons(
    cells: Settled,
    grid: Grid,
    hours: Sequence[float],
    clip: shapely.Geometry | None = None,
    *,
    edge_cells: np.ndarray | None = None,
    _known: dict | None = None,
) -> list[shapely.Geometry]:
    """Band polygons from the sparse result of a search (see :func:`band_polygons`).

    ``hours`` ascending. One pass over the cells finds each band's bounding box; one
    more writes, in the largest band's box, the first band of each cell; each band is
    then vectorised on its own box only. With ``edge_cells`` (uint8 bit set over the flat
    cells: those whose square may cross ``clip``'s boundary, see
    ``geo.model.friction.ModelInputs.edge_cells``) a band none of whose cells is an edge
    cell lies inside ``clip`` already and is not intersected (same result, no overlay).
    """
    if len(cells) == 0:
        return [shapely.Polygon() for _ in hours]
    if _known is not None and all(t in _known for t in hours):
        return [_known[t] for t in hours]
    ncols = grid.shape[1]
    hours_arr = np.asarray(hours, dtype=np.float64)
    edge = edge_cells if clip is not None and edge_cells is not None else np.zeros(0, dtype=np.uint8)
    box, count, on_edge = _band_boxes(cells.idx, cells.time_h, ncols, hours_arr, edge)
    todo = [k for k, t in enumerate(hours) if count[k] and not (_known is not None and t in _known)]
    win = None
    if todo:
        big = box[todo[-1]]
        win = _band_window(cells.idx, cells.time_h, ncols, hours_arr, *(int(v) for v in big))
    out = []
    for k, t in enumerate(hours):
        if _known is not None and t in _known:  # same cells as a band already drawn
            out.append(_known[t])
            continue
        if not count[k]:
            out.append(shapely.Polygon())
            continue
        r0, r1, c0, c1 = (int(v) for v in box[k])
        sub = win[r0 - big[0] : r1 - big[0], c0 - big[2] : c1 - big[2]]
        mask = (sub > 0) & (sub <= k + 1)
        geom = mask_polygons(mask, grid.transform @ Affine.translation(c0, r0))
        if clip is None or (edge_cells is not None and not on_edge[k]):
            out.append(geom)
        else:
            out.append(_clip(geom, clip))
    return out


#: A band polygon after a search update is patched rather than traced again when the box
#: of the cells that entered or left the band holds at most this share of the band's box
#: (:func:`_patched_band_polygons`: the overlay's cost follows the polygons' vertices, a
#: trace's the box's cells).
PATCH_MAX_SHARE = 0.25


def _integral(transform: Affine) -> bool:
    """Whether every cell corner of a north-up grid has integer map coordinates (exact in float64)."""
    return (
        transform.b == 0
        and transform.d == 0
        and all(
            float(v).is_integer() and abs(v) < 2**40
            for v in (transform.a, transform.c, transform.e, transform.f)
        )
    )


def _patch_bands(inputs: ModelInputs, change: Updated, hours: Sequence[float], prior: dict) -> list[int]:
    """Bands whose polygon can be patched after a search update (:func:`_patched_band_polygons`).

    A band k qualifies when ``prior`` (its polygon before) is given, the cells that entered
    or left it lie in a box of at most ``PATCH_MAX_SHARE`` of the band's box, and the
    grid's cell corners are integers (the overlays are then exact away from the outline).
    """
    grid = inputs.grid
    if not _integral(grid.transform):
        return []
    ncols = grid.shape[1]
    inv = ~grid.transform
    out = []
    for k, t in enumerate(hours):
        old = prior.get(t)
        if old is None or old.is_empty or not change.moved[k]:
            continue
        moved = np.concatenate((change.lost[k], change.gained[k]))
        if not len(moved):
            continue
        r, c = np.divmod(moved, ncols)
        x0, y0, x1, y1 = old.bounds
        (ca, ra), (cb, rb) = inv * (x0, y1), inv * (x1, y0)
        box_cells = float(r.max() - r.min() + 1) * float(c.max() - c.min() + 1)
        if box_cells <= PATCH_MAX_SHARE * max((rb - ra) * (cb - ca), 1.0):
            out.append(k)
    return out


def cells_polygon(cells: np.ndarray, grid: Grid) -> shapely.Geometry:
    """Return the squares of some cells (flat indices) as one polygon (:func:`mask_polygons` on their box).

    Parameters
    ----------
    cells
        int flat indices ``row * cols + col`` of the grid's cells.
    grid
        The grid (its transform: WORK_CRS, metres).

    Returns
    -------
    shapely.Geometry
        (Multi)Polygon in WORK_CRS, its area the cell count times the cell area; empty
        Polygon for no cell.
    """
    if not len(cells):
        return shapely.Polygon()
    r, c = np.divmod(cells, grid.shape[1])
    r0, c0 = int(r.min()), int(c.min())
    mask = np.zeros((int(r.max()) - r0 + 1, int(c.max()) - c0 + 1), dtype=np.bool_)
    mask[r - r0, c - c0] = True
    return mask_polygons(mask, grid.transform @ Affine.translation(c0, r0))


def _patched_band_polygons(
    change: Updated,
    grid: Grid,
    hours: Sequence[float],
    bands: list[int],
    prior: dict,
    clip: shapely.Geometry | None = None,
    edge_cells: np.ndarray | None = None,
) -> dict[float, shapely.Geometry]:
    """Band polygons patched from their earlier ones (see :func:`_patch_bands`).

    A band's new cells are its earlier ones less those that left it plus those that
    entered it, so its polygon is the earlier one less the squares of the cells lost,
    with those of the cells gained added (clipped to ``clip``, Mali's outline, where they
    are edge cells, as :func:`settled_band_polygons` clips): one overlay each (a closure
    gains none), no pass over the hub's cells. With integer cell corners the overlays
    are exact away from the outline: the result is the polygon a full trace gives, as a
    point set (its rings may hold a few more vertices, in line); where the outline cuts
    a cell, the points where it crosses the cell's sides are computed again, equal to
    the full trace's within rounding (1e-9 m).
    """
    out = {}
    for k in bands:
        geom = prior[hours[k]]
        lost, gained = change.lost[k], change.gained[k]
        if len(lost):
            geom = shapely.difference(geom, cells_polygon(lost, grid))
        if len(gained):
            parts = [geom]
            if clip is not None:
                if edge_cells is None:  # every cell may cross the outline
                    edge = np.ones(len(gained), dtype=bool)
                else:
                    edge = ((edge_cells[gained >> 3] >> (gained & 7)) & 1).astype(bool)
                if edge.any():
                    parts.append(_clip(cells_polygon(gained[edge], grid), clip))
                    gained = gained[~edge]
            parts.append(cells_polygon(gained, grid))
            geom = shapely.union_all(parts)
        out[hours[k]] = _polygonal(geom)
    return out


def band_polygons(
    time_h: np.ndarray, grid: Grid, hours: Sequence[float], outline: gpd.GeoSeries | None = None
) -> list[shapely.Geometry]:
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
        One (Multi)Polygon per band, valid, in WORK_CRS, nested, made of 4-connected
        parts (corner-touching cells are separate parts, never joined by a sliver);
        without ``outline`` the area is exactly the cell count times the cell area.
        Empty geometry when nothing is reached.
    """
    clip = None if outline is None else shapely.union_all(outline.geometry.values)
    finite = np.isfinite(time_h)
    if not finite.any():
        return [shapely.Polygon() for _ in hours]
    rr, cc = np.nonzero(finite)
    r0, r1, c0, c1 = rr.min(), rr.max() + 1, cc.min(), cc.max() + 1
    sub = time_h[r0:r1, c0:c1]
    transform = grid.transform @ Affine.translation(int(c0), int(r0))
    return [_clip(mask_polygons(sub <= t, transform), clip) for t in hours]


@dataclass(frozen=True)
class HubReach:
    """Reach of one hub.

    Attributes
    ----------
    bands
        One row per band, ``BAND_COLUMNS`` (WORK_CRS).
    localities
        One row per locality reached within the largest band, ``LOCALITY_COLUMNS``.
    cells
        Cells reached within the largest band with their times (sparse), or None if
        the hub could not start.
    placement
        Where the hub started.
    admin3
        ``ADMIN3_COLUMNS``: communes touched per band with the share of their area reached.
    """

    bands: gpd.GeoDataFrame
    localities: pd.DataFrame
    cells: Settled | None
    placement: HubPlacement
    admin3: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ADMIN3_COLUMNS))

    @property
    def time_h(self) -> np.ndarray | None:
        """Dense travel-time raster (hours; inf beyond the largest band), or None."""
        return None if self.cells is None else self.cells.raster()


_transformers = threading.local()


def _transformer(src: str, dst: str) -> Transformer:
    """Return a cached ``always_xy`` transformer (one per thread: pyproj ones are not thread-safe)."""
    cache = getattr(_transformers, "cache", None)
    if cache is None:
        cache = _transformers.cache = {}
    if (src, dst) not in cache:
        cache[src, dst] = Transformer.from_crs(src, dst, always_xy=True)
    return cache[src, dst]


def _hub_xy(hub: pd.Series) -> tuple[float, float]:
    return _transformer(STORAGE_CRS, WORK_CRS).transform(hub.geometry.x, hub.geometry.y)


def _no_entry_status(no_entry: gpd.GeoDataFrame | None, x: float, y: float) -> str | None:
    if no_entry is None or not len(no_entry):
        return None
    zones = no_entry if no_entry.crs == WORK_CRS else no_entry.to_crs(WORK_CRS)
    d_km = shapely.distance(zones.geometry.to_numpy(), shapely.Point(x, y)) / 1000.0
    inside = np.flatnonzero(d_km <= zones["radius_km"].to_numpy())
    if len(inside):
        z = zones.iloc[int(inside[0])]
        return f"inside the no-entry zone of {z['locality']} (encircled since {z['since']})"
    return None


def locate_hub(
    inputs: ModelInputs, friction: np.ndarray, hub: pd.Series, no_entry: gpd.GeoDataFrame | None = None
) -> HubPlacement:
    """Place a hub (EPSG:4326 point) on the grid, reporting a no-entry zone or a bad position.

    Returns
    -------
    HubPlacement
        ``usable`` False with a status sentence when the hub cannot start.
    """
    x, y = _hub_xy(hub)
    status = _no_entry_status(no_entry, x, y)
    road, lines = road_cells(inputs), inputs.water_lines
    placement = place_hub(friction, inputs.grid, x, y, water=inputs.water, road=road, water_lines=lines)
    if status is not None:
        return HubPlacement(-1, -1, placement.snap_km, status)
    if not placement.usable:
        lon, lat = hub.geometry.x, hub.geometry.y
        if not (-13 <= lon <= 5 and 10 <= lat <= 25.5) and (-13 <= lat <= 5 and 10 <= lon <= 25.5):
            return HubPlacement(
                -1,
                -1,
                placement.snap_km,
                f"{placement.status}; lon {lon:g}, lat {lat:g} look swapped (lat/lon order)",
            )
    return placement


def search_hub(
    inputs: ModelInputs, friction: np.ndarray | SearchGrid, placement: HubPlacement, max_h: float
) -> Settled | None:
    """Cells reached from a placed hub within ``max_h`` hours (None if it cannot start).

    ``friction`` is h/km, best prepared once (``geo.model.costdist.prepare_friction``) when
    several hubs are searched on it.
    """
    if not placement.usable:
        return None
    start_cost = placement.snap_km / HUB_SNAP_SPEED_KMH
    return settle(
        friction,
        [(placement.row, placement.col)],
        cell_km=inputs.grid.cell_km,
        max_h=max_h,
        start_costs_h=np.array([start_cost]),
    )


def _memo(inputs: ModelInputs, key: str, make: Callable[[], object]) -> object:
    """Return a value derived from ``inputs``, computed once and kept in ``inputs.derived``."""
    if key not in inputs.derived:
        inputs.derived[key] = make()
    return inputs.derived[key]


def place_lonlat(inputs: ModelInputs) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (EPSG:4326, degrees) of every locality of ``inputs.places`` (computed once)."""

    def make() -> tuple[np.ndarray, np.ndarray]:
        to_geo = _transformer(WORK_CRS, STORAGE_CRS)
        return to_geo.transform(inputs.places.geometry.x.to_numpy(), inputs.places.geometry.y.to_numpy())

    return _memo(inputs, "place_lonlat", make)


def _outline_geom(inputs: ModelInputs) -> shapely.Geometry:
    """Mali's outline as one prepared geometry (WORK_CRS)."""

    def make() -> shapely.Geometry:
        geom = shapely.union_all(inputs.outline.geometry.values)
        shapely.prepare(geom)
        return geom

    return _memo(inputs, "outline_geom", make)


def _admin3_cells(inputs: ModelInputs) -> np.ndarray | None:
    if inputs.admin3_id is None:
        return None

    def make() -> np.ndarray:
        # by blocks: bincount widens its input to int64 (8 bytes per cell at once otherwise)
        ids = inputs.admin3_id.reshape(-1)
        out = np.zeros(len(inputs.admin3), dtype=np.int64)
        for i in range(0, ids.size, 1 << 22):
            block = ids[i : i + (1 << 22)]
            out += np.bincount(block[block >= 0], minlength=len(inputs.admin3))
        return out

    return _memo(inputs, "admin3_cells", make)


@dataclass(frozen=True)
class _Static:
    """Per-grid columns of the places and communes as numpy arrays (fast row selection)."""

    place_flat: np.ndarray
    place_id: np.ndarray
    place_cols: dict
    a3_cols: dict | None


def _static_tables(inputs: ModelInputs) -> _Static:
    def make() -> _Static:
        places = inputs.places
        place_flat = places["row"].to_numpy() * inputs.grid.shape[1] + places["col"].to_numpy()
        place_cols = {k: places[k].to_numpy() for k in ("name", "adm2_pcode", "adm3_pcode")}
        a3_cols = None
        if inputs.admin3_id is not None:
            a3_cols = {k: inputs.admin3[k].to_numpy() for k in ("pcode", "name", "adm2_pcode")}
        return _Static(place_flat, np.asarray(places.index.astype(str)), place_cols, a3_cols)

    return _memo(inputs, "static_tables", make)


@dataclass
class _HubTables:
    """One hub's bands, localities and communes as numpy columns (frames are built once for all hubs)."""

    bands: dict[str, np.ndarray | list]
    localities: dict[str, np.ndarray]
    admin3: dict[str, np.ndarray]
    cells: Settled | None
    sums: BandSums | None = None


@dataclass(frozen=True)
class BandSums:
    """One hub's per-band figures in numpy form (what a scenario diff starts from).

    Attributes
    ----------
    cells, population, localities
        Per band (the result's ``hours``): cells, people and localities within it.
    place_time_h
        Travel time (hours) from the hub to every locality of ``inputs.places`` (its
        row order), ``inf`` beyond the largest band.
    admin3_cells
        Per band and commune (``inputs.admin3`` order), cells within the band (int64,
        ``(bands, communes)``); None without communes.
    """

    cells: np.ndarray
    population: np.ndarray
    localities: np.ndarray
    place_time_h: np.ndarray
    admin3_cells: np.ndarray | None = None


def _repeat(value: object, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = [value] * n
    return out


def _place_lookup(inputs: ModelInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the localities' cells as a bit set over the grid, for :func:`_band_sums` (computed once).

    Returns ``(cells, inverse, bits)``: the distinct flat cells holding a locality
    (sorted int64), each locality's position in ``cells``, and one bit per grid cell
    set on those cells (uint8, 1 bit per cell: 5.8 MB at 250 m instead of a lookup
    table of 8 bytes per cell).
    """

    def make() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cells, inverse = np.unique(_static_tables(inputs).place_flat.astype(np.int64), return_inverse=True)
        n = inputs.grid.shape[0] * inputs.grid.shape[1]
        bits = np.zeros((n + 7) // 8, dtype=np.uint8)
        np.bitwise_or.at(bits, cells >> 3, (1 << (cells & 7)).astype(np.uint8))
        return cells, inverse.reshape(-1), bits

    return _memo(inputs, "place_lookup", make)


@numba.njit(cache=JIT_CACHE, nogil=True)
def _band_sums(idx, time_h, hours, pop, a3, n_a3, bits, place_cells):  # noqa: ANN001, ANN202
    """Cells, people and cells per commune in each band, and the localities' times, in one pass.

    Band k holds the cells with ``hours[k-1] < time <= hours[k]`` (``hours`` ascending;
    band ``len(hours)``: beyond the last). People are summed in float64 in the cells'
    order, as ``np.bincount`` does; ``a3`` is the commune position per grid cell (-1 in
    none; empty: not counted). ``bits``/``place_cells`` are :func:`_place_lookup`'s: the
    time of each locality cell reached is returned (``inf`` for the others). No
    temporary array per grid cell, and no lookup table of the grid's size.
    """
    nb = hours.shape[0]
    count = np.zeros(nb + 1, dtype=np.int64)
    people = np.zeros(nb + 1, dtype=np.float64)
    per_a3 = np.zeros((nb + 1, n_a3), dtype=np.int64)
    place_t = np.full(place_cells.shape[0], np.inf)
    with_a3 = a3.shape[0] > 0
    for i in range(idx.shape[0]):
        t = time_h[i]
        b = 0
        while b < nb and hours[b] < t:  # np.searchsorted(hours, t, side="left")
            b += 1
        j = idx[i]
        count[b] += 1
        people[b] += np.float64(pop[j])
        if with_a3:
            u = a3[j]
            if u >= 0:
                per_a3[b, u] += 1
        if bits[j >> 3] & (1 << (j & 7)):
            place_t[np.searchsorted(place_cells, j)] = t
    return count, people, per_a3, place_t


@numba.njit(cache=JIT_CACHE, nogil=True)
def _place_times(idx, time_h, bits, place_cells):  # noqa: ANN001, ANN202
    """Return the time of each locality cell reached (``inf`` for the others), as :func:`_band_sums` does."""
    place_t = np.full(place_cells.shape[0], np.inf)
    for i in range(idx.shape[0]):
        j = idx[i]
        if bits[j >> 3] & (1 << (j & 7)):
            place_t[np.searchsorted(place_cells, j)] = time_h[i]
    return place_t


@numba.njit(cache=JIT_CACHE, nogil=True)
def _place_times_after(prior_t, dropped, found_idx, found_t, bits, place_cells):  # noqa: ANN001, ANN202
    """Return :func:`_place_times` after a search update, from the times before (``prior_t``).

    A locality cell among ``dropped`` (earlier time no longer holds) has no time unless
    it is among ``found`` (the cells searched again, with their new times); every other
    cell keeps its time. O(cells searched again), not O(cells reached).
    """
    place_t = prior_t.copy()
    for i in range(dropped.shape[0]):
        j = dropped[i]
        if bits[j >> 3] & (1 << (j & 7)):
            place_t[np.searchsorted(place_cells, j)] = np.inf
    for i in range(found_idx.shape[0]):
        j = found_idx[i]
        if bits[j >> 3] & (1 << (j & 7)):
            place_t[np.searchsorted(place_cells, j)] = found_t[i]
    return place_t


def _updated_sums(
    inputs: ModelInputs, prior: BandSums, change: Updated, n_a3: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Cumulative cells, people and per-commune cells per band after a search update.

    Each band's cells are the earlier ones less the cells that left it plus those that
    entered it (``change.lost``/``change.gained``), so the cost is that of the cells that
    moved, not of every cell reached. Returns what :func:`_band_sums` gives, made
    cumulative; people are summed in float64 (a sum in another order than a full pass:
    equal to it within rounding, about 1e-12 relative).
    """
    pop = inputs.population.reshape(-1)
    a3 = inputs.admin3_id.reshape(-1) if n_a3 else None
    count = prior.cells.astype(np.int64).copy()
    people = prior.population.astype(np.float64).copy()
    per_a3 = None if prior.admin3_cells is None else prior.admin3_cells.copy()
    for k, (lost, gained) in enumerate(zip(change.lost, change.gained, strict=True)):
        count[k] += len(gained) - len(lost)
        people[k] += pop[gained].sum(dtype=np.float64) - pop[lost].sum(dtype=np.float64)
        if per_a3 is not None:
            for cells, sign in ((lost, -1), (gained, 1)):
                ids = a3[cells]
                ids = ids[ids >= 0]
                per_a3[k] += sign * np.bincount(ids, minlength=n_a3)
    return count, people, per_a3


def _hub_tables(
    inputs: ModelInputs,
    hub: pd.Series,
    placement: HubPlacement,
    cells: Settled | None,
    hours: Sequence[float],
    *,
    clip: bool,
    known_geoms: dict | None = None,
    geometry: bool = True,
    prior: tuple[BandSums, Updated] | None = None,
    prior_geoms: dict | None = None,
) -> _HubTables:
    """Return the columns behind :func:`summarise_hub` (see there; ``geometry`` False: no polygon).

    ``prior``: the hub's figures before a change and the search update that followed
    it; the figures are then updated from the cells that moved (:func:`_updated_sums`).
    ``prior_geoms``: with ``prior``, the band polygons before the change (hours to
    polygon); a band whose moved cells lie in a small box is patched from its earlier
    polygon (:func:`_patch_bands`) instead of traced again.
    """
    hours = [float(h) for h in hours]
    n = len(hours)
    hub_cols = {
        "hub_id": _repeat(hub["hub_id"], n),
        "hub": _repeat(hub["name"], n),
        "hours": np.asarray(hours, dtype=np.float64),
    }
    st = _static_tables(inputs)
    empty_loc = {c: np.empty(0, dtype=object) for c in LOCALITY_COLUMNS}
    empty_a3 = {c: np.empty(0, dtype=object) for c in ADMIN3_COLUMNS}
    if cells is None:
        logger.warning("hub %s: %s", hub["name"], placement.status)
        bands = {
            **hub_cols,
            "area_km2": np.zeros(n),
            "population": np.zeros(n),
            "localities": np.zeros(n, dtype=np.int64),
            "hub_status": _repeat(placement.status, n),
            "geometry": [shapely.Polygon()] * n,
        }
        return _HubTables(bands, empty_loc, empty_a3, None)
    if geometry:
        outline = _outline_geom(inputs) if clip else None
        known_geoms = dict(known_geoms or {})
        if prior is not None and prior_geoms:
            bands = [
                k for k in _patch_bands(inputs, prior[1], hours, prior_geoms) if hours[k] not in known_geoms
            ]
            known_geoms.update(
                _patched_band_polygons(
                    prior[1], inputs.grid, hours, bands, prior_geoms, outline, inputs.edge_cells
                )
            )
        geoms = settled_band_polygons(
            cells, inputs.grid, hours, outline, edge_cells=inputs.edge_cells, _known=known_geoms
        )
    else:
        geoms = [None] * n
    with_a3 = inputs.admin3_id is not None
    a3_total = _admin3_cells(inputs)
    # per first band holding each cell (n: beyond the last); sums per band are cumulative
    n_a3 = len(inputs.admin3) if with_a3 else 0
    place_cells, place_of, place_bits = _place_lookup(inputs)
    usable_prior = (
        prior is not None
        and len(prior[0].cells) == n
        and len(prior[1].lost) == n
        and (prior[0].admin3_cells is not None) == with_a3
    )
    if usable_prior:
        cum_count, population, cumulative = _updated_sums(inputs, prior[0], prior[1], n_a3)
        up = prior[1]
        before_t = np.full(len(place_cells), np.inf)
        before_t[place_of] = prior[0].place_time_h  # localities sharing a cell share its time
        cell_t = _place_times_after(
            before_t,
            up.dropped,
            up.found.idx,
            up.found.time_h,
            place_bits,
            place_cells,
        )
    else:
        count, people, per_band, cell_t = _band_sums(
            cells.idx,
            cells.time_h,
            hub_cols["hours"],
            inputs.population.reshape(-1),
            inputs.admin3_id.reshape(-1) if with_a3 else np.empty(0, dtype=np.int16),
            n_a3,
            place_bits,
            place_cells,
        )
        cum_count, population = count[:n].cumsum(), people[:n].cumsum()
        cumulative = per_band[:n].cumsum(axis=0) if with_a3 else None
    place_t = cell_t[place_of]
    n_loc = np.bincount(np.searchsorted(hub_cols["hours"], place_t, side="left"), minlength=n + 1)[
        :n
    ].cumsum()
    a3_hit, a3_count, a3_band = [], [], []
    if with_a3:
        for k in range(n):
            hit = np.flatnonzero(cumulative[k])
            a3_hit.append(hit)
            a3_count.append(cumulative[k, hit])
            a3_band.append(np.full(len(hit), k))
    bands = {
        **hub_cols,
        "area_km2": shapely.area(np.asarray(geoms, dtype=object)) / 1e6,
        "population": population,
        "localities": n_loc,
        "hub_status": _repeat(placement.status, n),
        "geometry": list(geoms),
    }
    sel = np.flatnonzero(place_t <= hours[-1])
    sel = sel[np.argsort(place_t[sel], kind="stable")]  # nearest first
    lon, lat = place_lonlat(inputs)
    localities = {
        "hub_id": _repeat(hub["hub_id"], len(sel)),
        "hub": _repeat(hub["name"], len(sel)),
        "place_id": st.place_id[sel],
        "locality": st.place_cols["name"][sel],
        "adm2_pcode": st.place_cols["adm2_pcode"][sel],
        "adm3_pcode": st.place_cols["adm3_pcode"][sel],
        "lon": np.round(lon[sel], 5),
        "lat": np.round(lat[sel], 5),
        "travel_time_h": place_t[sel],
    }
    admin3 = empty_a3
    if with_a3:
        hit, hit_count = np.concatenate(a3_hit), np.concatenate(a3_count)
        admin3 = {
            "hub_id": _repeat(hub["hub_id"], len(hit)),
            "hub": _repeat(hub["name"], len(hit)),
            "hours": hub_cols["hours"][np.concatenate(a3_band)],
            "adm3_pcode": st.a3_cols["pcode"][hit],
            "adm3_name": st.a3_cols["name"][hit],
            "adm2_pcode": st.a3_cols["adm2_pcode"][hit],
            "area_km2_reached": hit_count * inputs.grid.cell_area_km2,
            "share_reached": hit_count / np.maximum(a3_total[hit], 1),
        }
    sums = BandSums(cum_count, population, n_loc, place_t, cumulative)
    return _HubTables(bands, localities, admin3, cells, sums)


def _frames(tables: Sequence[_HubTables]) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Bands (GeoDataFrame, WORK_CRS), localities and communes of several hubs, one frame each."""

    def join(name: str, columns: list[str]) -> dict:
        return {
            c: np.concatenate(
                [
                    np.asarray(getattr(t, name)[c], dtype=object) if c == "geometry" else getattr(t, name)[c]
                    for t in tables
                ]
            )
            for c in columns
        }

    if not tables:
        return (
            gpd.GeoDataFrame(columns=BAND_COLUMNS, geometry="geometry", crs=WORK_CRS),
            pd.DataFrame(columns=LOCALITY_COLUMNS),
            pd.DataFrame(columns=ADMIN3_COLUMNS),
        )
    band_cols = join("bands", BAND_COLUMNS)
    geometry = band_cols.pop("geometry")
    bands = gpd.GeoDataFrame(band_cols, geometry=gpd.GeoSeries(geometry, crs=WORK_CRS), crs=WORK_CRS)
    loc = join("localities", LOCALITY_COLUMNS)
    localities = pd.DataFrame(loc) if len(loc["place_id"]) else pd.DataFrame(columns=LOCALITY_COLUMNS)
    a3 = join("admin3", ADMIN3_COLUMNS)
    admin3 = pd.DataFrame(a3) if len(a3["adm3_pcode"]) else pd.DataFrame(columns=ADMIN3_COLUMNS)
    return bands, localities, admin3


def summarise_hub(
    inputs: ModelInputs,
    hub: pd.Series,
    placement: HubPlacement,
    cells: Settled | None,
    hours: Sequence[float],
    *,
    clip: bool = True,
) -> HubReach:
    """Bands, localities and communes of one hub from its search result.

    Parameters
    ----------
    inputs
        Static model inputs.
    hub
        Hub row (``hub_id``, ``name``).
    placement
        Its placement; when not usable, empty bands carry the reason in ``hub_status``.
    cells
        The search result (:func:`search_hub`).
    hours
        Band limits, hours, ascending.
    clip
        Clip the band polygons to Mali's outline.

    Returns
    -------
    HubReach
        Bands with area (km2, of the clipped polygon) and population; localities
        reached, nearest first; communes touched per band with the share of their
        cells reached.
    """
    tables = _hub_tables(inputs, hub, placement, cells, hours, clip=clip)
    bands, localities, admin3 = _frames([tables])
    return HubReach(bands, localities, cells, placement, admin3)


def reach_hub(
    inputs: ModelInputs,
    friction: np.ndarray,
    hub: pd.Series,
    *,
    hours: Sequence[float] = DEFAULT_BANDS_H,
    no_entry: gpd.GeoDataFrame | None = None,
    clip: bool = True,
) -> HubReach:
    """Reachable areas of one hub.

    Parameters
    ----------
    inputs
        Static model inputs.
    friction
        Friction grid (h/km) for the state of the constraints.
    hub
        A row of ``geo.sources.curated.read_hubs().valid`` (``hub_id``, ``name``, geometry in EPSG:4326).
    hours
        Band limits, hours, ascending.
    no_entry
        Encircled localities in force (EPSG:4326 points with ``radius_km``, ``locality``,
        ``since``): a hub inside one cannot start and is reported so.
    clip
        Clip band polygons to Mali's outline (off: cells are inside Mali already).

    Returns
    -------
    HubReach

    Raises
    ------
    ValueError
        Bad friction (NaN, zero or negative cells).
    """
    hours = sorted(float(h) for h in hours)
    grid = prepare_friction(friction)
    placement = locate_hub(inputs, grid.friction, hub, no_entry)
    cells = search_hub(inputs, grid, placement, hours[-1])
    return summarise_hub(inputs, hub, placement, cells, hours, clip=clip)


@dataclass(frozen=True)
class ReachState:
    """One state of the constraints: what the friction is built from.

    Attributes
    ----------
    axis_status
        Effective status per axis (indexed by ``axis_id``, column ``status``).
    no_entry
        Encircled localities in force (EPSG:4326 points with ``radius_km``).
    season
        ``{"dry", "rainy"}``.
    penalty
        Optional friction multiplier grid (incident hotspots), or None.
    crossing_status
        Effective status per crossing (indexed by ``crossing_id``), or None (all
        unknown: usable).
    month
        Month (1-12) of the as-of date, for the flood zones; None = no flood zone.
    """

    axis_status: pd.DataFrame
    no_entry: gpd.GeoDataFrame
    season: str = "dry"
    penalty: np.ndarray | None = None
    crossing_status: pd.DataFrame | None = None
    month: int | None = None

    def friction(self, inputs: ModelInputs) -> np.ndarray:
        """Build the friction grid of this state (a ``geo.model.costdist.Friction``)."""
        return build_friction(
            inputs,
            axis_status=self.axis_status,
            no_entry=self.no_entry,
            season=self.season,
            penalty=self.penalty,
            crossing_status=self.crossing_status,
            month=self.month,
        )


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
    admin3
        ``ADMIN3_COLUMNS``: per (hub, band), the communes touched and the share reached.
    cells
        ``{hub_id: Settled or None}``: cells reached by each hub (for scenario diffs).
    sums
        ``{hub_id: BandSums}`` for the hubs that could start (for scenario diffs).
    grid
        ``friction`` prepared for searches (``geo.model.costdist.SearchGrid``): a scenario
        prepares its own from it where the two frictions differ only.
    placements
        ``{hub_id: HubPlacement}``.
    state
        The :class:`ReachState` the friction was built from.
    hours
        Band limits used.
    """

    bands: gpd.GeoDataFrame
    localities: pd.DataFrame
    friction: np.ndarray
    as_of: dt.date
    season: str
    admin3: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ADMIN3_COLUMNS))
    cells: dict = field(default_factory=dict)
    placements: dict = field(default_factory=dict)
    state: ReachState | None = None
    hours: tuple[float, ...] = DEFAULT_BANDS_H
    sums: dict = field(default_factory=dict)
    grid: SearchGrid | None = None


def state_as_of(
    inputs: ModelInputs,
    road_status_versions: pd.DataFrame,
    encircled_episodes: gpd.GeoDataFrame,
    as_of: dt.date,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Effective axis status and in-force encirclements on ``as_of``.

    Returns
    -------
    (pandas.DataFrame, geopandas.GeoDataFrame)
        Axis status indexed by ``axis_id`` (``geo.sources.curated.road_status_as_of``, with the
        version's ``origin``, seed or user, when the versions have it: a seeded note is the
        source's, in English) and the encircled episodes with ``in_force``
        (``geo.sources.curated.encircled_as_of``).
    """
    extra = ("origin",) if "origin" in road_status_versions.columns else ()
    status = road_status_as_of(road_status_versions, inputs.axes.index, as_of, extra_columns=extra)
    episodes = encircled_as_of(encircled_episodes, as_of)
    return status, episodes


def _check_hours(hours: Sequence[float]) -> tuple[float, ...]:
    out = tuple(sorted(float(h) for h in hours))
    if not out or not out[0] > 0 or not all(math.isfinite(h) for h in out):
        msg = f"band limits must be positive, finite hours, got {list(hours)}"
        raise ValueError(msg)
    return out


def _known_band_geoms(
    reuse: ReachResult | None, placements: dict, same_below: dict[str, float] | None, hours: tuple[float, ...]
) -> dict[str, dict[float, shapely.Geometry]]:
    """Band polygons of ``reuse`` that stay exact: per hub, the bands below its unchanged time.

    ``same_below[hub_id]`` is a time below which the hub's cells and times are the same as
    in ``reuse`` (``geo.model.scenario``: the earliest time its search reached a changed cell
    or a neighbour of one); a band of T < that time holds the same cells, hence the
    same polygon, provided the hub starts from the same cell at the same cost.
    """
    out: dict[str, dict[float, shapely.Geometry]] = {}
    if reuse is None or not same_below or tuple(reuse.hours) != hours:
        return out
    rows = list(
        zip(
            reuse.bands["hub_id"].to_numpy(dtype=object),
            reuse.bands["hours"].to_numpy(),
            reuse.bands.geometry.to_numpy(),
            strict=True,
        )
    )
    for hub_id, limit in same_below.items():
        if placements.get(hub_id) != reuse.placements.get(hub_id) or not placements[hub_id].usable:
            continue
        geoms = {float(t): g for h, t, g in rows if h == hub_id and t < limit and g is not None}
        if geoms:
            out[hub_id] = geoms
    return out


def _shared_queue(jobs: list[tuple[Callable[[], object], Future]]) -> Iterator[object]:
    """Yield the results of jobs queued on a one-thread pool, in order, helping with the queue.

    Each job is ``(call, future)``, ``future`` being ``call`` submitted to the pool. The
    calling thread first runs, from the back of the queue, every job the pool has not
    started (cancelling its future), so both threads work until the queue is empty.
    """
    ran: dict[int, object] = {}
    for k in range(len(jobs) - 1, -1, -1):
        call, future = jobs[k]
        if future.cancel():
            ran[k] = call()
    for k, (_, future) in enumerate(jobs):
        yield ran[k] if k in ran else future.result()


def reach_from_state(
    inputs: ModelInputs,
    hubs: gpd.GeoDataFrame,
    state: ReachState,
    *,
    as_of: dt.date,
    hours: Sequence[float] = DEFAULT_BANDS_H,
    friction: np.ndarray | SearchGrid | None = None,
    reuse: ReachResult | None = None,
    reuse_hubs: set[str] | None = None,
    clip: bool = True,
    workers: int | None = None,
    pipeline: bool = True,
    progress: Progress | None = None,
    geometry: bool = True,
    _same_below: dict[str, float] | None = None,
    _change: Change | None = None,
    _updates: dict[str, Updated] | None = None,
) -> ReachResult:
    """Reachable areas of every hub under one state of the constraints.

    Parameters
    ----------
    inputs
        Static model inputs.
    hubs
        Hubs (EPSG:4326) with ``hub_id`` and ``name``.
    state
        The constraints (axis status, no-entry zones, season, optional penalty).
    as_of
        Date the state stands for (reported only).
    hours
        Band limits, hours.
    friction
        The state's friction if already built (h/km, or a ``geo.model.costdist.SearchGrid``
        prepared from it, which saves an O(grid) pass), else built here.
    reuse, reuse_hubs
        A previous result whose per-hub output is copied for the hubs in ``reuse_hubs``
        (used by scenarios for hubs the change cannot affect).
    clip
        Clip band polygons to Mali's outline.
    workers
        Threads for the searches (default: 2 on grids up to ``PARALLEL_MAX_CELLS``, else 1).
    pipeline
        With one search thread, draw each hub's polygons and figures in a second thread
        while the next hub is searched (no second search workspace; off: all in the
        calling thread).
    progress
        Optional ``progress(done, total, label)``.
    geometry
        Draw the band polygons (False: the bands carry no geometry and a NaN
        ``area_km2``; every figure counted on cells is the same, for batches that read
        only those, e.g. the criticality of axes).

    Returns
    -------
    ReachResult

    Notes
    -----
    Scenarios (``geo.model.scenario.run_change``) pass ``_change`` (the difference of
    ``reuse``'s friction and this one, ``geo.model.costdist.change_flags``): an affected
    hub starting as before is then searched again only where its times can differ
    (``geo.model.costdist.update``), and the polygons of its bands that no cell entered
    or left are taken from ``reuse``; ``_updates`` (a dict) receives each such hub's
    ``geo.model.costdist.Updated`` (bands changed, cells lost and gained).
    """
    hours = _check_hours(hours)
    grid = prepare_friction(state.friction(inputs) if friction is None else friction)
    f = grid.friction
    hub_rows = [hub for _, hub in hubs.iterrows()]
    reuse_hubs = reuse_hubs or set()
    placements = {}
    zones = state.no_entry
    if zones is not None and len(zones):
        zones = zones.to_crs(WORK_CRS)  # once, not once per hub
    for hub in hub_rows:
        placements[hub["hub_id"]] = locate_hub(inputs, f, hub, zones)
    todo = [h for h in hub_rows if h["hub_id"] not in reuse_hubs or reuse is None]
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if f.size <= PARALLEL_MAX_CELLS else 1
    cells: dict[str, Settled | None] = {}

    known = _known_band_geoms(reuse, placements, _same_below, hours) if geometry else {}
    drawn = (  # every band polygon of `reuse` for a hub starting as before
        _known_band_geoms(reuse, placements, dict.fromkeys(placements, math.inf), hours)
        if geometry and _change is not None
        else {}
    )
    updates = {} if _updates is None else _updates
    same_below = _same_below or {}

    def search(hub: pd.Series) -> Settled | Updated | None:
        hid = hub["hub_id"]
        prev = reuse.cells.get(hid) if reuse is not None and tuple(reuse.hours) == hours else None
        p = placements[hid]
        if _change is not None and prev is not None and len(prev) and p == reuse.placements.get(hid):
            # search again only where the change can alter the times
            up = update(
                grid,
                prev,
                _change,
                start=(p.row, p.col),
                cell_km=inputs.grid.cell_km,
                max_h=hours[-1],
                hours=hours,
                since_h=same_below.get(hid, -math.inf),
            )
            updates[hid] = up
            return up  # its cells are merged by the thread that draws the hub
        return search_hub(inputs, grid, p, hours[-1])

    def summary(hub: pd.Series, found: Settled | Updated | None) -> _HubTables:
        hid = hub["hub_id"]
        if isinstance(found, Updated):
            found = found.settled
        geoms = known.get(hid)
        if hid in updates and hid in drawn:  # bands no cell entered or left: same polygons
            same = {t for t, m in zip(hours, updates[hid].moved, strict=True) if not m}
            geoms = {**(geoms or {}), **{t: g for t, g in drawn[hid].items() if t in same}}
        prior = None
        if hid in updates and reuse is not None and hid in reuse.sums:
            prior = (reuse.sums[hid], updates[hid])
        return _hub_tables(
            inputs,
            hub,
            placements[hid],
            found,
            hours,
            clip=clip,
            known_geoms=geoms,
            geometry=geometry,
            prior=prior,
            prior_geoms=drawn.get(hid) if hid in updates else None,
        )

    # hubs searched in full first, then updated hubs from the earliest change to the latest:
    # the last hub of a pipeline, drawn while the other thread has nothing left, is then
    # the one whose bands changed least (the tables keep the hubs' order)
    run_order = sorted(
        todo,
        key=lambda h: (_change is not None and h["hub_id"] in same_below, same_below.get(h["hub_id"], 0.0)),
    )

    def collect(found: Iterable[_HubTables]) -> dict[str, _HubTables]:
        out = {}
        for i, (hub, tables) in enumerate(zip(run_order, found, strict=True), start=1):
            out[hub["hub_id"]] = tables
            if progress:
                progress(i, len(run_order), str(hub["name"]))
        return out

    if workers > 1 and len(todo) > 1:
        # each worker searches a hub (numba, GIL released) and turns it into polygons
        # and columns (shapely overlays and most numpy work also release the GIL)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = collect(pool.map(lambda h: summary(h, search(h)), run_order))
    elif len(todo) > 1 and (os.cpu_count() or 1) > 1 and pipeline:
        # one search at a time (one workspace of 8 bytes per cell), while a second
        # thread draws the polygons and counts the figures of the hub searched before
        # (once every hub is searched, this thread takes the queued ones from the back)
        with ThreadPoolExecutor(max_workers=1) as pool:
            jobs = []
            for h in run_order:
                found = search(h)
                jobs.append((functools.partial(summary, h, found), pool.submit(summary, h, found)))
            done = collect(_shared_queue(jobs))
    else:
        done = collect(summary(h, search(h)) for h in run_order)
    bands, localities, admin3 = _frames([done[h["hub_id"]] for h in todo])
    sums: dict[str, BandSums] = {}
    for hid, t in done.items():
        cells[hid] = t.cells
        if t.sums is not None:
            sums[hid] = t.sums
    reused = [h["hub_id"] for h in hub_rows if h["hub_id"] not in done]
    if reused:  # copy the reused hubs' rows, then put every table back in hub order
        order = {h["hub_id"]: i for i, h in enumerate(hub_rows)}
        for hid in reused:
            cells[hid] = reuse.cells.get(hid)
            if hid in reuse.sums:
                sums[hid] = reuse.sums[hid]

        def merged(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
            keep = old["hub_id"].isin(reused).to_numpy()
            parts = [p for p in (new, old[keep]) if len(p)]
            if not parts:
                return new
            out = pd.concat(parts, ignore_index=True)
            codes, uniques = pd.factorize(out["hub_id"])
            key = np.array([order[h] for h in uniques], dtype=np.int64)[codes]
            return out.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)

        bands = gpd.GeoDataFrame(merged(bands, reuse.bands), geometry="geometry", crs=WORK_CRS)
        localities, admin3 = merged(localities, reuse.localities), merged(admin3, reuse.admin3)
    cells = {h["hub_id"]: cells[h["hub_id"]] for h in hub_rows}
    logger.info(
        "reach: %d hubs x %d bands as of %s (%s season), %d reused",
        len(hub_rows),
        len(hours),
        as_of,
        state.season,
        len(hub_rows) - len(todo),
    )
    return ReachResult(
        bands,
        localities,
        Friction.of(f, grid.tolls),
        as_of,
        state.season,
        admin3,
        cells,
        placements,
        state,
        hours,
        sums,
        grid,
    )


def compute_reach(
    inputs: ModelInputs,
    hubs: gpd.GeoDataFrame,
    versions: ConstraintVersions,
    *,
    as_of: dt.date,
    hours: Sequence[float] = DEFAULT_BANDS_H,
    season: str | None = None,
    penalty: np.ndarray | None = None,
    clip: bool = True,
    progress: Progress | None = None,
) -> ReachResult:
    """Reachable areas of every hub under the constraints in force on ``as_of``.

    Parameters
    ----------
    inputs
        Static model inputs (``geo.model.friction.load_model_inputs``).
    hubs
        Hubs (``geo.sources.curated.read_hubs().valid``, EPSG:4326).
    versions
        The constraint histories (``geo.store.constraints.load_versions``: road status,
        encirclements and crossing status, from the store or the curated CSVs; a public
        product passes its public episodes with ``dataclasses.replace``).
    as_of
        Date whose constraints apply.
    hours
        Band limits in hours.
    season
        ``{"dry", "rainy"}``, or None (default) for the season of ``as_of`` in the
        season calendar.
    penalty
        Optional incident-hotspot friction multiplier (``geo.model.friction.incident_penalty``);
        off by default.
    clip
        Clip band polygons to Mali's outline.
    progress
        Optional ``progress(done, total, label)``.

    Returns
    -------
    ReachResult

    Raises
    ------
    ValueError
        Empty ``hours`` or a non-positive band; unknown season.
    """
    hours = _check_hours(hours)
    state = base_state(
        inputs,
        versions.road_status,
        versions.encircled,
        as_of,
        season=season,
        penalty=penalty,
        crossing_versions=versions.crossing_status,
    )
    return reach_from_state(inputs, hubs, state, as_of=as_of, hours=hours, clip=clip, progress=progress)


def base_state(
    inputs: ModelInputs,
    road_status_versions: pd.DataFrame,
    encircled_episodes: gpd.GeoDataFrame,
    as_of: dt.date,
    *,
    season: str | None = None,
    penalty: np.ndarray | None = None,
    crossing_versions: pd.DataFrame | None = None,
) -> ReachState:
    """Return the :class:`ReachState` in force on ``as_of`` (axes, crossings, encirclements, season).

    Parameters
    ----------
    inputs
        Static model inputs.
    road_status_versions, encircled_episodes
        Version histories (curated CSVs or the store).
    as_of
        Date whose constraints apply; its month selects the flood zones.
    season
        ``{"dry", "rainy"}`` to override, or None (default): the season the calendar
        (``data/curated/seasons.csv``, ``inputs.season_calendar``) gives for ``as_of``.
    penalty
        Optional friction multiplier grid.
    crossing_versions
        Crossing-status versions (store or curated file); None reads
        ``data/curated/crossing_status.csv``.

    Returns
    -------
    ReachState
    """
    status, episodes = state_as_of(inputs, road_status_versions, encircled_episodes, as_of)
    if season is None:
        season = season_for_date(as_of, inputs.season_calendar)
    crossings = crossing_status_as_of(inputs, crossing_versions, as_of)
    return ReachState(status, episodes[episodes["in_force"]], season, penalty, crossings, as_of.month)


def crossing_status_as_of(
    inputs: ModelInputs, crossing_versions: pd.DataFrame | None, as_of: dt.date
) -> pd.DataFrame | None:
    """Effective status of each crossing of ``inputs`` on ``as_of`` (same rule as axes).

    ``crossing_versions`` None reads ``data/curated/crossing_status.csv``. Returns None
    when the inputs hold no crossing.
    """
    if inputs.crossings is None or inputs.crossings.empty:
        return None
    if crossing_versions is None:
        crossing_versions = read_crossing_status(known_crossings=set(inputs.crossings.index)).valid
    return road_status_as_of(crossing_versions, inputs.crossings.index, as_of, id_field="crossing_id")
