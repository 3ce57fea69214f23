"""The friction surface: hours per km on a regular grid in WORK_CRS (ESRI:102022).

Model (figures and their sources in ``data/curated/speeds.csv``)
-----------------------------------------------------------------
1. Off-road: each cell takes the speed of its MODIS IGBP land-cover class (km/h) for
   the season; a class with speed 0 (water; flooded wetland in the rainy season) is
   impassable.
2. Roads: cells touched by a road line (``all_touched``, so a road is a 4-connected
   chain) take its speed; where lines meet, the fastest wins.

   * Main-road skeleton (OSRM edges): each edge's own OSRM speed
     (``route_km_src / route_min_src``) divided by the season's ``field_factor``
     (OSRM free-flow durations are shorter than real ones).
   * Curated secondary network (``data/curated/network.csv``): the speed of its
     ``surface`` class for the season; a ``dry_only`` segment is closed (no road) in
     the rainy season.
   * Named axes (on the skeleton or the network) then overwrite their cells with the
     road speed there (their class speed where they run off every line) times the
     status factor in force (open 1, constrained 0.5, unknown 1), or the escort speed
     of a constrained version that gives one (``escort_kmh``: convoy speed, never above
     the road's). A closed axis is not usable as a road: its cells fall back to the
     off-road speed. Nor is a constrained one where that leaves it slower than its
     cells' off-road speed (a slow escort through a town's streets): travellers leave
     it, so a closure never makes a cell faster than a constraint does.
3. Barriers (``inf``): cells outside Mali, river centre lines and lakes (Natural Earth,
   ``all_touched``) -- roads included: a river is crossed only at a crossing --, land-
   cover water, and the no-entry disc around each encircled locality in force. A road that
   runs along a river without crossing it keeps its cells (:func:`bank_roads`: the shared
   cells open, the barrier moves one cell to the far side), and riverside localities sit on
   their own road (:func:`bank_snap`).
4. Crossings (``data/curated/crossings.csv``): a usable crossing opens the water cells
   within ``CROSSING_RADIUS_KM`` of its point (at least 1.5 cells), at the fastest road
   speed next to them (track speed if none), and adds its time once to any route
   entering them (``geo.model.costdist.Tolls``): ``crossing_h + wait_h`` plus the
   expected wait for its closed hours, divided by the ``constrained`` factor when its
   status is constrained. It is not usable when its status is closed, out of its
   season, or when it carries no vehicles (pirogues: this is a vehicle model).
   Operating hours, approximately: missions are assumed to travel in daylight
   (``crossing/day_start_h``-``day_end_h`` of speeds.csv, 06:00-18:00), arriving at a
   uniformly random time of that day; a crossing closed for *c* hours of it then adds
   the mean wait ``c**2 / (2 * day length)`` (a ferry working 08:00-17:00 adds
   9/24 = 0.375 h). Night closures cost nothing, since nobody drives at night.
5. Flood zones (``data/curated/flood_zones.csv``): in their months (the month of the
   as-of date), off-road cells inside an ``impassable`` zone are barriers and those in
   a ``slow`` zone take ``factor`` times their friction; roads keep their speed (their
   seasonal closure is the segment's ``dry_only`` flag).

The season (dry or rainy) follows the as-of date through ``data/curated/seasons.csv``
(``geo.sources.curated.season_for_date``); callers may override it.

Friction = 1 / speed (h/km). With MCP_Geometric's cost model (see ``geo.model.reach``)
cumulative costs come out in hours.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import math
import mmap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
import rasterio
import shapely
import shapely.ops
from rasterio.enums import Resampling
from rasterio.features import rasterize
from rasterio.transform import Affine, rowcol
from rasterio.warp import reproject
from scipy import ndimage

from geo.config import CURATED_DIR, DEFAULT_CELL_KM, WORK_CRS
from geo.errors import DataFileError
from geo.model.costdist import Friction, Tolls
from geo.model.jit import CACHE as JIT_CACHE
from geo.model.osm_network import road_layers
from geo.sources.admin import load_admin
from geo.sources.curated import (
    read_axes,
    read_crossings,
    read_flood_zones,
    read_network,
    read_season_calendar,
)
from geo.sources.datasets import dataset_path, read_vector
from geo.sources.places import load_places
from geo.sources.roads import build_axes, build_network, load_roads

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
SEASONS = ("dry", "rainy")
#: Margin added around Mali's outline when the grid is laid out (km).
GRID_MARGIN_KM = 5.0
#: A crossing opens the water cells within this distance of its point (km; at least 1.5 cells).
CROSSING_RADIUS_KM = 1.5


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid in WORK_CRS.

    Attributes
    ----------
    transform
        Affine from (col, row) to WORK_CRS metres (cell corners).
    shape
        ``(rows, cols)``.
    cell_km
        Cell size in km (square cells).
    """

    transform: Affine
    shape: tuple[int, int]
    cell_km: float
    crs: str = WORK_CRS

    @property
    def cell_area_km2(self) -> float:
        """Area of one cell in km2 (equal-area CRS, so the same everywhere)."""
        return self.cell_km * self.cell_km

    def rowcol(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column indices of WORK_CRS points (may fall outside the grid)."""
        rows, cols = rowcol(self.transform, np.asarray(x), np.asarray(y))
        return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)

    def contains(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Boolean mask of indices that fall on the grid."""
        return (rows >= 0) & (rows < self.shape[0]) & (cols >= 0) & (cols < self.shape[1])


def make_grid(outline: gpd.GeoSeries, *, cell_km: float = DEFAULT_CELL_KM) -> Grid:
    """Lay a grid of ``cell_km`` cells over an outline (WORK_CRS), with a 5 km margin.

    Raises
    ------
    ValueError
        If ``cell_km`` is not positive or the outline is not in WORK_CRS.
    """
    if not cell_km > 0:
        msg = f"cell_km must be > 0, got {cell_km!r}"
        raise ValueError(msg)
    if outline.crs is None or outline.crs.to_string() != WORK_CRS:
        msg = f"outline must be in {WORK_CRS}, got {outline.crs}"
        raise ValueError(msg)
    cell_m = cell_km * 1000.0
    minx, miny, maxx, maxy = outline.total_bounds
    pad = GRID_MARGIN_KM * 1000.0
    x0 = np.floor((minx - pad) / cell_m) * cell_m
    y1 = np.ceil((maxy + pad) / cell_m) * cell_m
    cols = int(np.ceil((maxx + pad - x0) / cell_m))
    rows = int(np.ceil((y1 - (miny - pad)) / cell_m))
    return Grid(Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1), (rows, cols), cell_km)


def read_speed_table(path: Path | None = None) -> pd.DataFrame:
    """Read ``data/curated/speeds.csv`` (kind, key, season, value, unit, source).

    Raises
    ------
    DataFileError
        Missing column, non-numeric or negative value, or a row without source.
    """
    path = Path(path or CURATED_DIR / "speeds.csv")
    df = pd.read_csv(path, dtype={"key": str, "season": str})
    for c in ("kind", "key", "season", "value", "unit", "source"):
        if c not in df.columns:
            raise DataFileError(path, "missing column in speed table", field=c)
    bad = pd.to_numeric(df["value"], errors="coerce")
    for i in df.index:
        if pd.isna(bad[i]) or bad[i] < 0:
            raise DataFileError(
                path, f"value {df.at[i, 'value']!r} is not a number >= 0", row=i + 1, field="value"
            )
        if not str(df.at[i, "source"]).strip() or pd.isna(df.at[i, "source"]):
            raise DataFileError(path, "every figure needs a source", row=i + 1, field="source")
    df["value"] = bad.astype(float)
    return df


def speed_lookup(table: pd.DataFrame, kind: str, season: str) -> dict[str, float]:
    """``{key: value}`` for one ``kind`` and season; season-specific rows win over ``any``."""
    if season not in SEASONS:
        msg = f"season must be one of {SEASONS}, got {season!r}"
        raise ValueError(msg)
    sub = table[table["kind"] == kind]
    out = {str(k): float(v) for k, v in sub[sub["season"] == "any"][["key", "value"]].itertuples(index=False)}
    out.update(
        {str(k): float(v) for k, v in sub[sub["season"] == season][["key", "value"]].itertuples(index=False)}
    )
    return out


@dataclass(frozen=True, eq=False)
class RoadSpeeds:
    """Road speed per cell and season (km/h), stored as one small code per cell.

    A grid holds few distinct road speeds (one per OSRM edge, surface class or OSM road
    class), so each cell keeps the number of its ``(dry, rainy)`` speed pair and a table
    per season turns numbers into speeds: 1 or 2 bytes per cell instead of 4 per cell
    and season (at 250 m over Mali: 46 MB instead of 372 MB, of which only the 4 KiB
    pages holding a road take memory: 29 MB).

    Attributes
    ----------
    codes
        uint8 (uint16 beyond 255 pairs) (rows, cols): 0 = no road in either season, else
        the row of the cell's speed pair in ``table``.
    table
        ``{season: float32 (n_codes,)}`` speeds in km/h; ``table[season][0] == 0``, and 0
        for a pair with no road in that season (a dry-season-only track in the rains).
    """

    codes: np.ndarray
    table: dict[str, np.ndarray]

    @classmethod
    def from_grids(cls, grids: dict[str, np.ndarray]) -> RoadSpeeds:
        """Encode dense per-season speed grids (km/h, 0 = no road; same shape each)."""
        dense = {s: np.asarray(grids[s], dtype=np.float32) for s in SEASONS}
        road = np.zeros(dense[SEASONS[0]].shape, dtype=bool)
        for g in dense.values():
            road |= g > 0
        at = np.flatnonzero(road.reshape(-1))
        pairs = np.column_stack([dense[s].reshape(-1)[at] for s in SEASONS])
        uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
        n = len(uniq) + 1
        # no memory for the pages without a road (:func:`_small_page_zeros`)
        codes = _small_page_zeros(road.shape, np.uint8 if n <= 256 else np.uint16 if n <= 65536 else np.int32)
        codes.reshape(-1)[at] = inverse.reshape(-1) + 1
        table = {s: np.concatenate([[0.0], uniq[:, k]]).astype(np.float32) for k, s in enumerate(SEASONS)}
        return cls(codes, table)

    def __getitem__(self, season: str) -> np.ndarray:
        """Dense float32 (rows, cols) speeds of one season, km/h (a new grid each call)."""
        return self.table[season][self.codes]

    def at(self, season: str, where: object) -> np.ndarray:
        """float32 speeds (km/h) of ``codes[where]`` in one season (``where``: any numpy index)."""
        return self.table[season][self.codes[where]]

    def any_road(self) -> np.ndarray:
        """Bool (rows, cols): a road in at least one season."""
        return self.codes > 0


@dataclass(frozen=True)
class ModelInputs:
    """Everything the access model needs that does not change with the constraints.

    Built once per data folder and cell size by :func:`load_model_inputs` and shared
    read-only (the app keeps it in ``st.cache_resource``).

    Attributes
    ----------
    grid
        The raster grid.
    inside
        bool (rows, cols): cell centre inside Mali.
    landcover
        uint8 (rows, cols): IGBP class, 255 = no data.
    water
        bool (rows, cols): river centre lines and lakes (before roads are laid).
    population
        float32 (rows, cols): people per cell (WorldPop 2020 density x cell area), 0 outside
        Mali. Sum it in float64 (``np.bincount`` weights, ``sum(dtype=float)``).
    road_speed_base
        Speed of the base road lines (skeleton and network) per cell and season, km/h
        (:class:`RoadSpeeds`; 0 = no road).
    roads, axes
        Road lines and curated axes in WORK_CRS.
    outline
        Mali (WORK_CRS, one polygon).
    places
        Localities in WORK_CRS with ``row``, ``col`` and ``adm2_pcode``/``adm3_pcode``
        (a locality on a river or lake cell gets the nearest land cell).
    admin2, admin3
        Admin units (EPSG:4326, internal schema).
    speeds
        The speed table.
    admin3_id
        int16 (int32 beyond 32 767 communes) (rows, cols): position in ``admin3`` of the
        commune whose polygon holds the cell centre, -1 outside every commune (for the
        share of each commune reached).
    axis_cells
        int16 (int32 beyond 32 767 axes) (rows, cols): 1 + position in ``axes`` of
        the last axis touching the cell, 0 elsewhere (burnt once here, reused by
        every :func:`build_friction`).
    axis_towns
        bool (rows, cols) on 4 KiB pages, or None: cells within ``axis_status /
        town_open_km`` of a town an axis is drawn through (its waypoints). An axis's
        status (closed, constrained, escort) applies between its towns, not in them: a
        town's junction cells, which the other roads through the town share, stay open.
    edge_cells
        uint8 bit set over the flat cells (bit ``i & 7`` of byte ``i >> 3`` for the cell
        ``i = row * cols + col``; ``np.packbits(mask, bitorder="little")`` of
        :func:`edge_cell_mask`: 1 bit per cell, where a bool grid's pages would almost all
        be touched, the boundary crossing every row): cells touched by Mali's boundary
        line (``all_touched``) and their 8 neighbours. A cell inside Mali that is not an
        edge cell lies wholly inside the outline, so band polygons made only of such
        cells need no clipping (``geo.model.reach.settled_band_polygons``). None: clip
        every band.
    network
        The curated secondary network laid out (``geo.sources.roads.build_network``,
        WORK_CRS), or None.
    crossings
        The curated crossings (WORK_CRS points) with ``cells`` (int64 flat indices of
        the water cells each opens) and ``speed_dry``/``speed_rainy`` (km/h on those
        cells), or None.
    flood_zones
        The curated flood zones (WORK_CRS) with ``cells`` (int64 flat indices of the
        cells whose centre lies inside), or None.
    season_calendar
        ``{month: season}`` from ``data/curated/seasons.csv``, or None.
    water_lines
        River centre lines and lake polygons as read (WORK_CRS, one prepared geometry),
        before any road is laid: tells which bank of the water a point lies on
        (:func:`bank_snap`), or None.
    derived
        Memo of values derived from the fields above by the engine (outline polygon,
        per-commune cell counts, locality lon/lat...), filled on first use.
    """

    grid: Grid
    inside: np.ndarray
    landcover: np.ndarray
    water: np.ndarray
    population: np.ndarray
    road_speed_base: RoadSpeeds
    roads: gpd.GeoDataFrame
    axes: gpd.GeoDataFrame
    outline: gpd.GeoSeries
    places: gpd.GeoDataFrame
    admin2: gpd.GeoDataFrame
    admin3: gpd.GeoDataFrame
    speeds: pd.DataFrame
    data_dir: Path = field(default=Path("."))
    admin3_id: np.ndarray | None = None
    axis_cells: np.ndarray | None = None
    edge_cells: np.ndarray | None = None
    network: gpd.GeoDataFrame | None = None
    axis_towns: np.ndarray | None = None
    crossings: gpd.GeoDataFrame | None = None
    flood_zones: gpd.GeoDataFrame | None = None
    season_calendar: dict | None = None
    water_lines: shapely.Geometry | None = None
    derived: dict = field(default_factory=dict, repr=False, compare=False)


def _warp_to_grid(path: Path, grid: Grid, *, resampling: Resampling, dtype: str, nodata: float) -> np.ndarray:
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise DataFileError(path, f"cannot read raster ({exc})") from exc
    with src:
        if src.crs is None:
            raise DataFileError(path, "raster has no CRS; expected EPSG:4326", field="crs")
        out = np.full(grid.shape, nodata, dtype=dtype)
        reproject(
            rasterio.band(src, 1),
            out,
            dst_transform=grid.transform,
            dst_crs=grid.crs,
            dst_nodata=nodata,
            resampling=resampling,
        )
    return out


def burn_lines(
    geoms: gpd.GeoSeries,
    grid: Grid,
    values: np.ndarray | float = 1.0,
    *,
    dtype: str = "float64",
    fill: float = 0.0,
) -> np.ndarray:
    """Rasterize lines/polygons with ``all_touched=True``; later shapes overwrite earlier ones.

    Consecutive lines with the same value are handed to GDAL as one MultiLineString built
    from their coordinate arrays (same cells, one geometry per run instead of one Python
    conversion per line): a national OSM network of 300,000 ways sorted by speed is 3 shapes.
    """
    vals = np.broadcast_to(np.asarray(values, dtype=float), (len(geoms),))
    shapes = _shape_runs(np.asarray(geoms, dtype=object), vals)
    if not shapes:
        return np.full(grid.shape, fill, dtype=dtype)
    return rasterize(
        shapes, out_shape=grid.shape, transform=grid.transform, fill=fill, all_touched=True, dtype=dtype
    )


def _shape_runs(geoms: np.ndarray, vals: np.ndarray) -> list[tuple[object, float]]:
    """``(shape, value)`` pairs for rasterize: runs of equal values of lines merged, others as they are."""
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms, vals = geoms[ok], vals[ok]
    if len(geoms) == 0:
        return []
    lineal = np.isin(shapely.get_type_id(geoms), (1, 5))  # LineString, MultiLineString
    cut = np.flatnonzero((vals[1:] != vals[:-1]) | (lineal[1:] != lineal[:-1])) + 1
    shapes: list[tuple[object, float]] = []
    for a, b in zip(np.r_[0, cut], np.r_[cut, len(geoms)], strict=True):
        if b - a < 2 or not lineal[a]:
            shapes.extend((g, v) for g, v in zip(geoms[a:b], vals[a:b], strict=True))
            continue
        parts = shapely.get_parts(geoms[a:b])
        xy, part = shapely.get_coordinates(parts, return_index=True)
        ends = np.r_[np.flatnonzero(np.diff(part)) + 1, len(part)]
        collecting = gc.isenabled()
        gc.disable()  # many small acyclic lists: a collection pass per 700 of them costs more than they do
        try:
            flat = xy.tolist()
            lines = [
                flat[i:j]
                for i, j in zip(np.r_[0, ends[:-1]].tolist(), ends.tolist(), strict=True)
                if j - i >= 2
            ]
        finally:
            if collecting:
                gc.enable()
        if lines:
            shapes.append(({"type": "MultiLineString", "coordinates": lines}, float(vals[a])))
    return shapes


def _narrow(a: np.ndarray, dtype: type) -> np.ndarray:
    """Return ``a`` as the smaller ``dtype`` when every value survives the round trip, else ``a``."""
    small = a.astype(dtype)
    return small if np.array_equal(small, a) else a


#: Cells copied at a time by :func:`_mostly_zero`.
_BLOCK = 1 << 22


def _small_page_zeros(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """``np.zeros(shape, dtype)`` whose memory is taken 4 KiB page by page as it is written.

    numpy asks for transparent huge pages on large arrays, so one value written maps
    2 MiB; this array lives on its own anonymous mapping with huge pages refused
    (``MADV_NOHUGEPAGE``), so a page nobody writes takes no memory.
    """
    dt = np.dtype(dtype)
    nbytes = math.prod(shape) * dt.itemsize
    if nbytes == 0:
        return np.zeros(shape, dtype=dt)
    buf = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)  # private: reads take no page
    if hasattr(mmap, "MADV_NOHUGEPAGE"):
        buf.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(buf, dtype=dt).reshape(shape)


def _mostly_zero(a: np.ndarray, dtype: type | None = None) -> np.ndarray:
    """Copy of ``a`` (as ``dtype``) written only where it is not 0.

    The copy starts as zeros (:func:`_small_page_zeros`), whose pages the OS maps on first
    write: a grid that is
    0 almost everywhere (axes, water, Mali's edge: under 2 % of the cells), or outside
    Mali (the population: 56 % of the box), then holds memory only for the pages with a
    non-zero cell, and reading the others costs none. At 250 m that keeps about 240 MB
    of such grids out of memory. The copy goes by blocks of ``_BLOCK`` cells (no
    temporary of the grid's size). Raises ``ValueError`` when a value does not survive
    the conversion to ``dtype``.
    """
    out = _small_page_zeros(a.shape, dtype or a.dtype)
    src, dst = a.reshape(-1), out.reshape(-1)
    for i in range(0, src.size, _BLOCK):
        s, d = src[i : i + _BLOCK], dst[i : i + _BLOCK]
        at = s != 0
        np.copyto(d, s, casting="unsafe", where=at)  # writes (and maps) only where at
        if not np.array_equal(d[at], s[at]):
            msg = f"values do not fit {out.dtype}"
            raise ValueError(msg)
    return out


def load_model_inputs(
    data_dir: Path, *, cell_km: float = DEFAULT_CELL_KM, progress: Progress | None = None
) -> ModelInputs:
    """Read and grid every static input of the access model.

    Parameters
    ----------
    data_dir
        Data folder (see ``geo.config.Settings.data_dir``).
    cell_km
        Grid cell size in km (1 km: 1.7 M cells over Mali's box).
    progress
        Optional ``progress(done, total, label)`` callback.

    Returns
    -------
    ModelInputs

    Raises
    ------
    DataFileError, MissingDataError, CRSError
        A data file missing, unreadable or failing its schema.
    """
    steps = ["admin", "grid", "rasters", "water", "roads", "axes", "places"]

    def step(i: int) -> None:
        if progress:
            progress(i, len(steps), steps[min(i, len(steps) - 1)])

    step(0)
    admin0 = load_admin(data_dir, 0)
    outline = admin0.geometry.to_crs(WORK_CRS)
    admin2, admin3 = load_admin(data_dir, 2), load_admin(data_dir, 3)
    step(1)
    grid = make_grid(outline, cell_km=cell_km)
    inside = rasterize(
        [(outline.iloc[0], 1)], out_shape=grid.shape, transform=grid.transform, fill=0, dtype="uint8"
    ).astype(bool)
    edge_cells = np.packbits(edge_cell_mask(outline, grid).reshape(-1), bitorder="little")
    step(2)
    landcover = _warp_to_grid(
        dataset_path(data_dir, "landcover"), grid, resampling=Resampling.nearest, dtype="uint8", nodata=255
    )
    density = _warp_to_grid(
        dataset_path(data_dir, "population"),
        grid,
        resampling=Resampling.nearest,
        dtype="float32",
        nodata=-9999.0,
    )
    # in place: people per cell in float32 like the WorldPop source (sums are taken in float64),
    # then kept as a mostly-zero copy: no memory for the pages outside Mali
    density[~(inside & (density > 0))] = 0.0
    density *= np.float32(grid.cell_area_km2)
    population = _mostly_zero(density)
    del density
    step(3)
    rivers = read_vector(data_dir, "rivers").to_crs(WORK_CRS)
    lakes = read_vector(data_dir, "lakes").to_crs(WORK_CRS)
    water = burn_lines(rivers.geometry, grid, dtype="uint8") > 0
    water |= burn_lines(lakes.geometry, grid, dtype="uint8") > 0
    water_lines = shapely.union(
        rivers.geometry.union_all(), lakes.geometry.union_all() if len(lakes) else shapely.Polygon()
    )
    shapely.prepare(water_lines)
    step(4)
    speeds = read_speed_table()
    roads = load_roads(data_dir)
    # OSM roads, when the folder holds them, replace the skeleton and curated network they overlap
    layers = road_layers(data_dir, roads, build_network(read_network(), roads), read_crossings(), rivers)
    roads, network, crossing_table = layers.roads, layers.network, layers.crossings
    road_speed_base = road_speed_grids(grid, roads, network, speeds)
    water, bank_stats = bank_roads(
        water,
        grid,
        gpd.GeoSeries(list(roads.geometry) + list(network.geometry), crs=WORK_CRS),
        rivers.geometry,
        lakes.geometry,
        crossing_table.to_crs(WORK_CRS).geometry,
    )
    logger.info("roads along water: %s", bank_stats)
    water = _mostly_zero(water)
    step(5)
    axis_table = read_axes().valid
    axes = build_axes(axis_table, *layers.axis_lines)
    axis_towns = axis_town_cells(axis_table, grid, speeds)
    step(6)
    places = load_places(data_dir).to_crs(WORK_CRS)
    joined = gpd.sjoin(
        places, admin3[["adm2_pcode", "pcode", "geometry"]].to_crs(WORK_CRS), how="left", predicate="within"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    places = places.assign(adm2_pcode=joined["adm2_pcode"], adm3_pcode=joined["pcode"])
    rows, cols = grid.rowcol(places.geometry.x.to_numpy(), places.geometry.y.to_numpy())
    places = places.assign(row=rows, col=cols)[grid.contains(rows, cols)]
    places = _off_water(places, water, road_speed_base.any_road() & ~water, grid, water_lines)
    admin3_work = admin3.to_crs(WORK_CRS)
    admin3_id = _narrow(
        rasterize(
            [(g, i) for i, g in enumerate(admin3_work.geometry) if g is not None],
            out_shape=grid.shape,
            transform=grid.transform,
            fill=-1,
            dtype="int32",
        ),
        np.int16,
    )
    axis_cells = _mostly_zero(
        burn_lines(axes.geometry, grid, np.arange(1, len(axes) + 1), dtype="int32", fill=0),
        np.int16 if len(axes) < 2**15 else np.int32,
    )
    crossings = crossing_cells(crossing_table, grid, water, road_speed_base, speeds)
    flood_zones = flood_zone_cells(read_flood_zones(), grid)
    step(7)
    logger.info(
        "model inputs: grid %dx%d at %.2f km, %d road lines, %d network segments, %d axes, "
        "%d crossings, %d flood zones, %d places",
        grid.shape[0],
        grid.shape[1],
        cell_km,
        len(roads),
        len(network),
        len(axes),
        len(crossings),
        len(flood_zones),
        len(places),
    )
    return ModelInputs(
        grid=grid,
        inside=inside,
        landcover=landcover,
        water=water,
        population=population,
        road_speed_base=road_speed_base,
        roads=roads,
        axes=axes,
        outline=outline,
        places=places,
        admin2=admin2,
        admin3=admin3,
        speeds=speeds,
        data_dir=Path(data_dir),
        admin3_id=admin3_id,
        axis_cells=axis_cells,
        edge_cells=edge_cells,
        network=network,
        axis_towns=axis_towns,
        crossings=crossings,
        flood_zones=flood_zones,
        season_calendar=read_season_calendar(),
        water_lines=water_lines,
    )


def road_speed_grids(
    grid: Grid, roads: gpd.GeoDataFrame, network: gpd.GeoDataFrame, speeds: pd.DataFrame
) -> RoadSpeeds:
    """Road speed per cell for each season, before the axes' status (km/h, 0 = no road).

    Parameters
    ----------
    grid
        Target grid.
    roads
        Skeleton lines (``geo.sources.roads`` schema, WORK_CRS): an edge with an OSRM
        speed (``speed_src_kmh``) runs at that speed divided by the season's
        ``field_factor/osrm``; one without runs at its ``road_class`` speed.
    network
        Curated segments (:func:`geo.sources.roads.build_network`): ``surface`` speed;
        ``dry_only`` segments are no road in the rainy season.
    speeds
        The speed table.

    Returns
    -------
    RoadSpeeds
        Where lines meet, the fastest speed.
    """
    out = {}
    for season in SEASONS:
        cls_speed = speed_lookup(speeds, "road_class", season)
        factor = speed_lookup(speeds, "field_factor", season).get("osrm", 1.0)
        if not factor > 0:
            raise DataFileError(CURATED_DIR / "speeds.csv", "field_factor must be > 0", field="value")
        src = roads["speed_src_kmh"].to_numpy(dtype=float) / factor
        fallback = roads["road_class"].map(cls_speed).to_numpy(dtype=float)
        edge_speed = np.where(np.isfinite(src) & (src > 0), src, fallback)
        # burn slowest first so that the fastest line wins where lines share a cell
        order = np.argsort(edge_speed, kind="stable")
        # float32 as stored: the fastest of the rounded speeds is the rounded fastest
        burnt = burn_lines(roads.geometry.iloc[order], grid, edge_speed[order], dtype="float32")
        if len(network):
            surf = speed_lookup(speeds, "surface", season)
            seg = network["surface"].map(surf).to_numpy(dtype=float)
            if season != "dry":
                seg = np.where(network["season"].to_numpy() == "dry_only", 0.0, seg)
            keep = seg > 0
            if keep.any():
                order = np.argsort(seg[keep], kind="stable")
                net = burn_lines(network.geometry[keep].iloc[order], grid, seg[keep][order], dtype="float32")
                np.maximum(burnt, net, out=burnt)
                del net
        out[season] = burnt
    return RoadSpeeds.from_grids(out)


def crossing_cells(
    crossings: gpd.GeoDataFrame,
    grid: Grid,
    water: np.ndarray,
    road_speed_base: RoadSpeeds,
    speeds: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """Lay the crossings on the grid: the water cells each opens, and their speed.

    Parameters
    ----------
    crossings
        ``geo.sources.curated.read_crossings()`` (EPSG:4326).
    grid
        Target grid.
    water
        bool (rows, cols): river and lake cells.
    road_speed_base
        Road speed per season (:func:`road_speed_grids`).
    speeds
        The speed table (track speed for a crossing with no road next to it).

    Returns
    -------
    geopandas.GeoDataFrame
        WORK_CRS points with ``cells`` (int64 flat indices of the water cells whose
        centre lies within ``max(CROSSING_RADIUS_KM, 1.5 cells)`` of the point; empty
        when the point is on no river of the data), and ``speed_dry``/``speed_rainy``:
        the fastest road speed within one more cell (track speed if none), km/h.
    """
    pts = crossings.to_crs(WORK_CRS)
    radius_m = max(CROSSING_RADIUS_KM, 1.5 * grid.cell_km) * 1000.0
    reach = int(np.ceil(radius_m / (grid.cell_km * 1000.0))) + 1
    rows_all, cols_all = grid.shape
    cells, sp = [], {s: [] for s in SEASONS}
    track = {s: speed_lookup(speeds, "surface", s).get("track", 15.0) for s in SEASONS}
    for x, y in zip(pts.geometry.x, pts.geometry.y, strict=True):
        (r,), (c,) = grid.rowcol(np.array([x]), np.array([y]))
        r0, r1 = max(r - reach, 0), min(r + reach + 1, rows_all)
        c0, c1 = max(c - reach, 0), min(c + reach + 1, cols_all)
        if r0 >= r1 or c0 >= c1:
            cells.append(np.empty(0, dtype=np.int64))
            for s in SEASONS:
                sp[s].append(track[s])
            continue
        rr, cc = np.mgrid[r0:r1, c0:c1]
        cx = grid.transform.c + (cc + 0.5) * grid.transform.a
        cy = grid.transform.f + (rr + 0.5) * grid.transform.e
        dist = np.hypot(cx - x, cy - y)
        sel = (dist <= radius_m) & water[r0:r1, c0:c1]
        cells.append((rr[sel] * cols_all + cc[sel]).astype(np.int64))
        near = dist <= radius_m + grid.cell_km * 1000.0 * 1.5
        for s in SEASONS:
            v = road_speed_base.at(s, (slice(r0, r1), slice(c0, c1)))[near]
            sp[s].append(float(v.max()) if v.size and v.max() > 0 else track[s])
    out = pts.copy()
    out["cells"] = cells
    for s in SEASONS:
        out[f"speed_{s}"] = sp[s]
    return out


def flood_zone_cells(zones: gpd.GeoDataFrame, grid: Grid) -> gpd.GeoDataFrame:
    """Add ``cells`` (int64 flat indices of cells whose centre is inside) to each flood zone (WORK_CRS)."""
    out = zones.to_crs(WORK_CRS)
    cells = []
    for g in out.geometry:
        mask = rasterize([(g, 1)], out_shape=grid.shape, transform=grid.transform, fill=0, dtype="uint8")
        cells.append(np.flatnonzero(mask.reshape(-1)).astype(np.int64))
    out["cells"] = cells
    return out


def _closed_wait_h(open_h: float, close_h: float, day: tuple[float, float]) -> float:
    """Mean wait (h) for a crossing open ``open_h``-``close_h`` by someone arriving uniformly in ``day``."""
    if not (np.isfinite(open_h) and np.isfinite(close_h)):
        return 0.0
    d0, d1 = day
    length = d1 - d0
    if length <= 0:
        return 0.0

    def overlap(a: float, b: float) -> float:
        return max(0.0, min(b, d1) - max(a, d0))

    open_in_day = (
        overlap(open_h, close_h) if open_h < close_h else overlap(open_h, 24.0) + overlap(0.0, close_h)
    )
    closed = max(length - open_in_day, 0.0)
    return closed * closed / (2.0 * length)


def crossing_state(inputs: ModelInputs, crossing_status: pd.DataFrame | None, season: str) -> pd.DataFrame:
    """Usability and time of each crossing under a state of the constraints.

    Parameters
    ----------
    inputs
        Static inputs (with ``crossings``).
    crossing_status
        Effective status per crossing (``geo.sources.curated.road_status_as_of`` with
        ``id_field="crossing_id"``), indexed by ``crossing_id``; None = all unknown.
    season
        ``{"dry", "rainy"}``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``crossing_id``: ``status``, ``usable`` (bool), ``reason`` (why not
        usable: ``closed``, ``out of season``, ``no vehicles``, ``not on a mapped
        river`` -- the last one is usable but opens no cell), ``toll_h`` (hours added
        on entering it: crossing + wait + closed-hours wait, over the constrained
        factor when constrained).
    """
    cr = inputs.crossings
    cols = ["status", "usable", "reason", "toll_h"]
    if cr is None or cr.empty:
        return pd.DataFrame(columns=cols)
    if crossing_status is not None and len(crossing_status):
        status = crossing_status["status"].reindex(cr.index).to_numpy(dtype=object)
        status = np.array([v if isinstance(v, str) else "unknown" for v in status], dtype=object)
    else:
        status = np.full(len(cr), "unknown", dtype=object)
    conf = _speeds(inputs, "crossing", season)
    day = (conf.get("day_start_h", 6.0), conf.get("day_end_h", 18.0))
    constrained = conf.get("constrained_factor", 0.5) or 0.5
    open_h, close_h = cr["open_h"].to_numpy(dtype=float), cr["close_h"].to_numpy(dtype=float)
    hours_wait = np.array([_closed_wait_h(a, b, day) for a, b in zip(open_h, close_h, strict=True)])
    base = cr["crossing_h"].to_numpy(dtype=float) + cr["wait_h"].to_numpy(dtype=float) + hours_wait
    toll = np.where(status == "constrained", base / constrained, base)
    kind_season = cr["season"].to_numpy(dtype=object)
    off_season = ((kind_season == "dry_only") & (season == "rainy")) | (
        (kind_season == "wet_only") & (season == "dry")
    )
    no_vehicles = ~cr["vehicles"].to_numpy(dtype=bool)
    reason = np.where(
        status == "closed",
        "closed",
        np.where(off_season, "out of season", np.where(no_vehicles, "no vehicles", "")),
    ).astype(object)
    usable = reason == ""
    empty = np.array([len(v) == 0 for v in cr["cells"]], dtype=bool)
    reason[empty & usable] = "not on a mapped river"
    return pd.DataFrame(
        {"status": status, "usable": usable, "reason": reason, "toll_h": toll}, index=cr.index
    )


def _off_water(
    places: gpd.GeoDataFrame,
    water: np.ndarray,
    road: np.ndarray,
    grid: Grid,
    water_lines: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """Put localities on the bank their road serves.

    River towns sit on the bank, but a centre line burnt with ``all_touched`` often covers
    their cell (then no route would ever reach them), and a generalised centre line
    (Natural Earth: off by 1-2 km) can leave a riverside town on the far side of it from its
    own road (Bourem, whose gazetteer point falls west of the line while its road and the
    town run east of it). So a locality whose cell is water, or touches water, moves to the
    nearest road cell within ``BANK_SNAP_KM`` (:func:`bank_snap`; on the point's own side of
    ``water_lines`` first when given); one with no road that near, on water, moves to the
    nearest land cell (Euclidean, in cells). Other localities are not moved. ``row``/``col``
    change; the point geometry (WORK_CRS) does not.
    """
    if not water.any() or places.empty:
        return places
    xy = (places.geometry.x.to_numpy(), places.geometry.y.to_numpy()) if water_lines is not None else None
    r, c = bank_snap(
        places["row"].to_numpy(),
        places["col"].to_numpy(),
        water,
        road,
        grid.cell_km,
        xy=xy,
        water_lines=water_lines,
        transform=grid.transform,
    )
    for k in np.flatnonzero(water[r, c]):
        r[k], c[k] = _nearest_land(water, int(r[k]), int(c[k]))
    return places.assign(row=r, col=c)


def _nearest_land(water: np.ndarray, r: int, c: int) -> tuple[int, int]:
    """Nearest cell of ``water`` (bool grid) that is not water, Euclidean in cells.

    Looked for in a window around the cell, grown until the land found is nearer than
    the window's inner edges (so the answer is the whole grid's), not over the whole
    grid: at 250 m a full-grid distance transform with indices takes 1.1 GB. Returns
    ``(r, c)`` itself when the grid holds no land.
    """
    rows, cols = water.shape
    half = 16
    while True:
        r0, r1, c0, c1 = max(r - half, 0), min(r + half + 1, rows), max(c - half, 0), min(c + half + 1, cols)
        win = water[r0:r1, c0:c1]
        whole = r0 == 0 and c0 == 0 and r1 == rows and c1 == cols
        if not win.all():
            dist, (ir, ic) = ndimage.distance_transform_edt(win, return_indices=True)
            edges = [r - r0 if r0 else np.inf, r1 - 1 - r if r1 < rows else np.inf]
            edges += [c - c0 if c0 else np.inf, c1 - 1 - c if c1 < cols else np.inf]
            if dist[r - r0, c - c0] <= min(edges):
                return r0 + int(ir[r - r0, c - c0]), c0 + int(ic[r - r0, c - c0])
        if whole:
            return r, c
        half *= 4


def road_cells(inputs: ModelInputs) -> np.ndarray:
    """Bool (rows, cols): cells with a road in either season (skeleton or network), not water (memoised).

    Kept as a mostly-zero grid (:func:`_mostly_zero`): memory only for the pages holding a road.
    """
    if "road_cells" not in inputs.derived:
        inputs.derived["road_cells"] = _mostly_zero(inputs.road_speed_base.any_road() & ~inputs.water)
    return inputs.derived["road_cells"]


def _far_edge(
    line: shapely.LineString,
    a: shapely.Point,
    b: shapely.Point,
    pos_a: float,
    pos_b: float,
    river: shapely.Geometry,
    grid: Grid,
) -> shapely.LineString:
    """Return the barrier that replaces the centre line where a road strays over it and back.

    Between two artefact intersections the road lies on the far side of the generalised
    centre line although it never left its bank, so the true river runs beyond the road.
    The returned line joins ``a``, the road's stretch offset by 1.5 cells away from the
    centre line, and ``b``: burnt as water (off the road's own cells) it keeps the far
    bank out of reach of anyone leaving the road there.
    """
    if line.geom_type != "LineString":
        merged = shapely.line_merge(line)
        parts = [merged] if merged.geom_type == "LineString" else list(merged.geoms)
        line = min(parts, key=lambda g: g.distance(a) + g.distance(b))
        pos_a, pos_b = sorted((line.project(a), line.project(b)))
    stretch = shapely.ops.substring(line, pos_a, pos_b)
    d = 1.5 * grid.cell_km * 1000.0
    sides = [shapely.offset_curve(stretch, s * d) for s in (1.0, -1.0)]
    sides = [g for g in sides if not g.is_empty and g.geom_type == "LineString"]
    if not sides:
        return shapely.LineString([a, b])
    far = max(sides, key=lambda g: river.distance(g.interpolate(0.5, normalized=True)))
    coords = list(far.coords)
    if shapely.Point(coords[0]).distance(a) > shapely.Point(coords[-1]).distance(a):
        coords = coords[::-1]
    return shapely.LineString([a.coords[0], *coords, b.coords[0]])


#: A point on or next to water moves to the nearest road cell within this distance (km).
BANK_SNAP_KM = 2.5


def bank_snap(
    rows: np.ndarray,
    cols: np.ndarray,
    water: np.ndarray,
    road: np.ndarray,
    cell_km: float,
    friction: np.ndarray | None = None,
    *,
    xy: tuple[np.ndarray, np.ndarray] | None = None,
    water_lines: shapely.Geometry | None = None,
    transform: Affine | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Move the cells on or next to water (8 neighbours) to the nearest road cell within ``BANK_SNAP_KM``.

    Parameters
    ----------
    rows, cols
        Cells (int arrays, inside the grid).
    water, road
        bool (rows, cols): barrier water cells; passable road cells.
    cell_km
        Cell size (km).
    friction
        Optional friction grid (h/km): only road cells with a finite friction count.
    xy, water_lines, transform
        Optional exact positions of the points (x, y arrays, WORK_CRS, m), the river centre
        lines and lake polygons (:attr:`ModelInputs.water_lines`) and the grid's transform.
        Given together, a point's own side is geometric: a road cell is on it when the
        segment from the point to the cell's centre meets no river line or lake. That holds
        for a town whose cell the centre line covers (Ansongo, 100 m east of the generalised
        Niger line), where the cells alone cannot tell the banks apart.

    Returns
    -------
    rows, cols
        New arrays; cells not on or next to water, already on a road, or with no road
        cell within ``BANK_SNAP_KM``, are unchanged. A road cell on the point's own side of
        the water is preferred to a nearer one across it; a road across the water is taken
        only when none is within reach on this side. Without ``xy``, the own side is the
        point's land patch in the window (a point on a water cell then has none).
    """
    rows, cols = np.asarray(rows).copy(), np.asarray(cols).copy()
    if rows.size == 0 or not road.any():
        return rows, cols
    geometric = xy is not None and water_lines is not None and transform is not None
    nr, nc = road.shape
    radius = int(np.ceil(BANK_SNAP_KM / cell_km))
    for k in range(rows.size):
        r, c = rows[k], cols[k]
        if road[r, c] or not water[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2].any():
            continue
        r0, r1, c0, c1 = (
            max(r - radius, 0),
            min(r + radius + 1, nr),
            max(c - radius, 0),
            min(c + radius + 1, nc),
        )
        ok = road[r0:r1, c0:c1]
        if friction is not None:
            ok = ok & np.isfinite(friction[r0:r1, c0:c1])
        rr, cc = np.nonzero(ok)
        if rr.size == 0:
            continue
        same = None
        if geometric:  # the segment from the point to the road cell crosses no water
            gx, gy = transform * (cc + c0 + 0.5, rr + r0 + 0.5)
            here = np.array([[xy[0][k], xy[1][k]]])
            seg = shapely.linestrings(np.stack([np.repeat(here, rr.size, axis=0), np.stack([gx, gy], 1)], 1))
            same = ~shapely.intersects(seg, water_lines)
        elif not water[r, c]:  # the point's land patch of the window
            lab = ndimage.label(~water[r0:r1, c0:c1], structure=np.ones((3, 3), dtype=bool))[0]
            same = lab[rr, cc] == lab[r - r0, c - c0]
        if same is not None:  # a road on the point's own side of the water comes first
            near = same & (np.hypot(rr + r0 - r, cc + c0 - c) * cell_km <= BANK_SNAP_KM)
            if near.any():
                rr, cc = rr[near], cc[near]
        d = np.hypot(rr + r0 - r, cc + c0 - c) * cell_km
        j = int(np.argmin(d))
        if d[j] <= BANK_SNAP_KM:
            rows[k], cols[k] = rr[j] + r0, cc[j] + c0
    return rows, cols


#: Two intersections of one road with one river closer than this along the road (km), with no
#: curated crossing near either, are a tracing artefact: the road stays on its bank.
ARTEFACT_PAIR_KM = 15.0
#: A curated crossing within this distance of an intersection makes it a real crossing (km).
CROSSING_SNAP_KM = 3.0


@dataclass(frozen=True)
class RiverHit:
    """One intersection of a road line with the river centre lines (see :func:`river_hits`).

    Attributes
    ----------
    point
        The intersection (WORK_CRS).
    along_m
        Its distance along the road line (m).
    artefact
        True when it pairs with the next or previous one as a tracing artefact.
    """

    point: shapely.Point
    along_m: float
    artefact: bool


def river_hits(
    line: shapely.Geometry, rivers: shapely.Geometry, crossings: shapely.STRtree | None, snap_m: float
) -> list[RiverHit]:
    """Intersections of a road with the rivers, in order along it, each read as a crossing or an artefact.

    Two consecutive intersections less than ``ARTEFACT_PAIR_KM`` apart along the road are a
    tracing artefact (the generalised centre line wanders over the road and back) unless both
    have a curated crossing within ``snap_m`` (two real crossings, e.g. over a river island).

    Parameters
    ----------
    line
        Road line (WORK_CRS metres).
    rivers
        River centre lines (union, WORK_CRS).
    crossings
        STRtree of the curated crossing points (WORK_CRS), or None.
    snap_m
        Distance within which a crossing point makes an intersection real (m).

    Returns
    -------
    list of RiverHit
        Ordered along the line.
    """
    hit = shapely.intersection(line, rivers)
    if hit.is_empty:
        return []
    pts = [g if g.geom_type == "Point" else g.centroid for g in shapely.get_parts(hit)]
    pos = np.array([line.project(p) for p in pts])
    order = np.argsort(pos)
    pts, pos = [pts[i] for i in order], pos[order]
    snapped = [
        bool(crossings is not None and len(crossings.query(p, predicate="dwithin", distance=snap_m)))
        for p in pts
    ]
    artefact = np.zeros(len(pts), dtype=bool)
    i = 0
    while i < len(pts) - 1:
        if pos[i + 1] - pos[i] < ARTEFACT_PAIR_KM * 1000.0 and not (snapped[i] and snapped[i + 1]):
            artefact[i] = artefact[i + 1] = True
            i += 2
        else:
            i += 1
    return [RiverHit(p, float(d), bool(a)) for p, d, a in zip(pts, pos, artefact, strict=True)]


def _artefact_pairs(hits: list[RiverHit]) -> list[tuple[shapely.Point, shapely.Point, float, float]]:
    """Return the artefact pairs of :func:`river_hits` (consecutive hits flagged together)."""
    out, i = [], 0
    while i < len(hits) - 1:
        if hits[i].artefact and hits[i + 1].artefact:
            out.append((hits[i].point, hits[i + 1].point, hits[i].along_m, hits[i + 1].along_m))
            i += 2
        else:
            i += 1
    return out


def bank_roads(
    water: np.ndarray,
    grid: Grid,
    roads: gpd.GeoSeries,
    rivers: gpd.GeoSeries,
    lakes: gpd.GeoSeries,
    crossings: gpd.GeoSeries,
) -> tuple[np.ndarray, dict[str, int]]:
    """Keep roads that run along a river or lake shore connected, without opening the river.

    The river centre lines (Natural Earth, generalised) and the road lines are both burnt
    with ``all_touched``, so a road drawn within a cell or two of a river shares cells with
    it and is cut there, although it never crosses the river (the Gao-Bourem left-bank road,
    the Niger-side roads of the delta). Only a geometric crossing of the two lines, or one
    inside a lake, is a river crossing -- and those stay barriers unless a curated crossing
    opens them (:func:`crossing_cells`).

    1. Intersections of each road with the rivers, in order along the road: two consecutive
       ones less than ``ARTEFACT_PAIR_KM`` apart along the road, unless both have a curated
       crossing within ``CROSSING_SNAP_KM`` (two real crossings), are a tracing artefact
       (the generalised centre line wanders over the road and back), not crossings. Every other
       intersection, and any road length inside a lake, is a crossing: its cell and its
       8 neighbours stay water.
    2. Every other water cell a road runs through becomes land (the road's speed applies).
    3. So that the opened cell is no way across the river for off-road movement, each of its
       8 neighbours that is neither road nor water and lies across the water from the road
       (the segment from its centre to the nearest road point meets a river or lake) becomes
       water: locally the barrier moves one cell to the far side.

    Parameters
    ----------
    water
        bool (rows, cols): river and lake cells (``all_touched``).
    grid
        The grid (WORK_CRS).
    roads
        Every road line the friction burns (skeleton and network, WORK_CRS).
    rivers, lakes
        River centre lines and lake polygons (WORK_CRS).
    crossings
        Curated crossing points (WORK_CRS).

    Returns
    -------
    numpy.ndarray, dict
        The new water mask, and counts: ``opened`` cells, ``walled`` far-side cells,
        ``artefacts`` (intersection pairs read as tracing artefacts), ``crossings`` (road
        and river intersections kept as barriers).
    """
    roads = roads[~(roads.is_empty | roads.isna())].reset_index(drop=True)
    if roads.empty or not water.any():
        return water, {"opened": 0, "walled": 0, "artefacts": 0, "crossings": 0}
    river_u = rivers.union_all()
    lake_u = lakes.union_all() if len(lakes) else shapely.Polygon()
    barrier = shapely.union(river_u, lake_u)
    shapely.prepare(barrier)
    snap_m = CROSSING_SNAP_KM * 1000.0
    xs = [] if crossings is None else list(crossings.geometry)
    xtree = shapely.STRtree(xs) if xs else None

    kept: list[shapely.Geometry] = []
    detours: list[shapely.Geometry] = []
    n_artefacts = 0
    # only the lines that touch a river or a lake can be cut (a national OSM export holds
    # hundreds of thousands of ways; few of them meet the water)
    lines = np.asarray(roads)
    wet = np.unique(shapely.STRtree(lines).query(barrier, predicate="intersects"))
    for line in lines[wet]:
        hits = river_hits(line, river_u, xtree, snap_m)
        for p, q, pos_p, pos_q in _artefact_pairs(hits):
            n_artefacts += 1
            detours.append(_far_edge(line, p, q, pos_p, pos_q, river_u, grid))
        kept += [h.point for h in hits if not h.artefact]
        if not lake_u.is_empty:
            inside = shapely.intersection(line, lake_u)
            if not inside.is_empty:
                kept.append(inside)
    true_cross = np.zeros(grid.shape, dtype=bool)
    if kept:
        true_cross = burn_lines(gpd.GeoSeries(kept), grid, dtype="uint8") > 0
        true_cross = ndimage.binary_dilation(true_cross, structure=np.ones((3, 3), dtype=bool))
    # a road that ends at the water (a bank, a ferry landing: its crossing joins it to the
    # road on the other bank) must not open it: no cell within two cells of a road end is
    ends = shapely.get_parts(shapely.boundary(np.asarray(roads)))
    end_cells = burn_lines(gpd.GeoSeries(ends), grid, dtype="uint8") > 0
    keep_shut = ndimage.binary_dilation(end_cells, iterations=2)
    road_mask = burn_lines(roads, grid, dtype="uint8") > 0
    opened = road_mask & water & ~true_cross & ~keep_shut
    out = water & ~opened
    if detours:  # the river, moved to the far side of a road that strays over its centre line
        out |= (burn_lines(gpd.GeoSeries(detours), grid, dtype="uint8") > 0) & ~road_mask
    rr, cc = np.nonzero(opened)
    walled = 0
    if rr.size:
        a, e, c0, f0 = grid.transform.a, grid.transform.e, grid.transform.c, grid.transform.f
        tree = shapely.STRtree(list(roads))
        centres = shapely.points(c0 + (cc + 0.5) * a, f0 + (rr + 0.5) * e)
        nearest = tree.query_nearest(centres)  # (2, k): input index, tree index
        road_pt = np.empty(rr.size, dtype=object)
        lines = np.asarray(roads)[nearest[1]]
        road_pt[nearest[0]] = shapely.line_interpolate_point(
            lines, shapely.line_locate_point(lines, centres[nearest[0]])
        )
        nrows, ncols = grid.shape
        cand_r, cand_c, cand_p = [], [], []
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                if dr == dc == 0:
                    continue
                nr, nc = rr + dr, cc + dc
                ok = (nr >= 0) & (nr < nrows) & (nc >= 0) & (nc < ncols)
                nr, nc, p = nr[ok], nc[ok], road_pt[ok]
                free = ~road_mask[nr, nc] & ~out[nr, nc]
                cand_r.append(nr[free])
                cand_c.append(nc[free])
                cand_p.append(p[free])
        nr, nc, p = np.concatenate(cand_r), np.concatenate(cand_c), np.concatenate(cand_p)
        if nr.size:
            seg = shapely.linestrings(
                np.stack(
                    [
                        np.stack([c0 + (nc + 0.5) * a, f0 + (nr + 0.5) * e], axis=1),
                        shapely.get_coordinates(p),
                    ],
                    axis=1,
                )
            )
            far = shapely.intersects(seg, barrier)
            out[nr[far], nc[far]] = True
            walled = int(np.unique(nr[far] * ncols + nc[far]).size)
    stats = {"opened": int(opened.sum()), "walled": walled, "artefacts": n_artefacts, "crossings": len(kept)}
    return out, stats


def edge_cell_mask(outline: gpd.GeoSeries, grid: Grid) -> np.ndarray:
    """Cells whose square may cross the outline's boundary.

    The boundary lines are burnt with ``all_touched`` and the result grown by one cell
    (3x3), a margin against cells that the rasteriser misses when a line runs exactly
    along a cell edge. Every other cell lies wholly inside or wholly outside the outline.

    Parameters
    ----------
    outline
        Polygons in the grid's CRS (WORK_CRS).
    grid
        Target grid.

    Returns
    -------
    numpy.ndarray
        bool (rows, cols).
    """
    lines = [g.boundary for g in outline if g is not None and not g.is_empty]
    if not lines:
        return np.zeros(grid.shape, dtype=bool)
    burnt = rasterize(
        [(g, 1) for g in lines],
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        all_touched=True,
        dtype="uint8",
    ).astype(bool)
    return ndimage.binary_dilation(burnt, structure=np.ones((3, 3), dtype=bool))


def no_entry_mask(zones: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    """Cells inside the no-entry discs of encircled localities.

    Parameters
    ----------
    zones
        Points (any CRS) with ``radius_km``.
    grid
        Target grid.

    Returns
    -------
    numpy.ndarray
        bool (rows, cols).
    """
    out = _small_page_zeros(grid.shape, bool)  # 4 KiB pages held only where a disc lies
    if zones.empty:
        return out
    pts = zones.to_crs(WORK_CRS)
    discs = pts.geometry.buffer(pts["radius_km"].to_numpy() * 1000.0, quad_segs=16)
    # each disc burnt in its own window of the grid (a few thousand cells), not over the
    # whole grid (46 M cells at 250 m: 0.13-0.4 s per friction build); the same cells, but
    # for a cell whose edge the rim touches at a single point (either burn may mark it)
    rows, cols = grid.shape
    for disc in discs[~(discs.is_empty | discs.isna())]:
        minx, miny, maxx, maxy = disc.bounds
        c0, r0 = ~grid.transform * (minx, maxy)
        c1, r1 = ~grid.transform * (maxx, miny)
        r0, c0 = max(int(np.floor(r0)) - 1, 0), max(int(np.floor(c0)) - 1, 0)
        r1, c1 = min(int(np.ceil(r1)) + 1, rows), min(int(np.ceil(c1)) + 1, cols)
        if r0 >= r1 or c0 >= c1:
            continue
        window = grid.transform * Affine.translation(c0, r0)
        shape = (r1 - r0, c1 - c0)
        sub = rasterize([(disc, 1)], out_shape=shape, transform=window, all_touched=True, dtype="uint8")
        out[r0:r1, c0:c1] |= sub.view(bool)
    return out


def speed_grids(
    inputs: ModelInputs, *, axis_status: pd.DataFrame, season: str = "dry"
) -> tuple[np.ndarray, np.ndarray]:
    """Road and off-road speed grids (km/h) for one state of the axes and a season.

    Parameters
    ----------
    inputs
        Static inputs from :func:`load_model_inputs`.
    axis_status
        Effective status per axis, indexed by ``axis_id`` with a ``status`` column.
    season
        ``{"dry", "rainy"}``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Road speed (0 = no usable road; a closed axis is 0) and off-road speed by land
        cover (0 = impassable), float64 (rows, cols), km/h.

    Raises
    ------
    ValueError
        Unknown season or road status.
    """
    offroad = _landcover_speed_lut(inputs, season)[inputs.landcover]
    road = inputs.road_speed_base[season].astype(np.float64)
    touched = _axis_cells(inputs)
    cls, factor, escort = _axis_speeds(inputs, axis_status, season)
    on_axis = touched > 0
    a = touched[on_axis]
    base = np.where(road[on_axis] > 0, road[on_axis], cls[a])
    ruled = np.where((escort[a] > 0) & (factor[a] > 0), np.minimum(escort[a], base), base * factor[a])
    ruled = np.where(ruled < offroad[on_axis], 0.0, ruled)  # slower than off-road: taken off-road
    town = inputs.axis_towns[on_axis] if inputs.axis_towns is not None else False
    road[on_axis] = np.where(town, base, ruled)  # no axis status within its towns
    return road, offroad


def axis_town_cells(axes: pd.DataFrame, grid: Grid, speeds: pd.DataFrame) -> np.ndarray:
    """Cells of the towns the axes are drawn through, where no axis status applies.

    Parameters
    ----------
    axes
        ``geo.sources.curated.read_axes().valid`` (``waypoint_list`` of ``(name, lon, lat)``,
        EPSG:4326).
    grid
        Target grid (WORK_CRS).
    speeds
        The speed table: ``axis_status / town_open_km`` (km) is the radius round each
        waypoint (0 or absent: no town cells).

    Returns
    -------
    numpy.ndarray
        bool (rows, cols), on 4 KiB pages (see :attr:`ModelInputs.axis_towns`).
    """
    radius = speed_lookup(speeds, "axis_status", "dry").get("town_open_km", 0.0)
    pts = {(round(lon, 6), round(lat, 6)) for wps in axes["waypoint_list"] for _, lon, lat in wps}
    if not radius > 0 or not pts:
        return _small_page_zeros(grid.shape, bool)
    lon, lat = zip(*sorted(pts), strict=True)
    points = gpd.points_from_xy(lon, lat)
    towns = gpd.GeoDataFrame({"radius_km": np.full(len(lon), radius)}, geometry=points, crs="EPSG:4326")
    return no_entry_mask(towns, grid)


def _no_entry_cells(inputs: ModelInputs, zones: gpd.GeoDataFrame) -> np.ndarray:
    """:func:`no_entry_mask` of ``zones``, kept for the last zones object seen (read-only).

    The closures of a criticality run and the scenarios of a batch keep the zones of their
    as-of state (the same object): its mask is burnt once. The memo holds the object
    itself, so an identity match cannot be a recycled id.
    """
    memo = inputs.derived.get("no_entry_memo")
    if memo is not None and memo[0] is zones:
        return memo[1]
    mask = no_entry_mask(zones, inputs.grid)
    mask.setflags(write=False)
    inputs.derived["no_entry_memo"] = (zones, mask)
    return mask


def _speeds(inputs: ModelInputs, kind: str, season: str) -> dict[str, float]:
    """:func:`speed_lookup` on ``inputs.speeds``, computed once per kind and season."""
    key = ("speeds", kind, season)
    if key not in inputs.derived:
        inputs.derived[key] = speed_lookup(inputs.speeds, kind, season)
    return inputs.derived[key]


def _landcover_speed_lut(inputs: ModelInputs, season: str) -> np.ndarray:
    lut = np.zeros(256, dtype=np.float64)
    for key, value in _speeds(inputs, "landcover", season).items():
        lut[int(key)] = value
    return lut


def _axis_cells(inputs: ModelInputs) -> np.ndarray:
    if inputs.axis_cells is not None:
        return inputs.axis_cells
    ids = np.arange(1, len(inputs.axes) + 1)
    return burn_lines(inputs.axes.geometry, inputs.grid, ids, dtype="int32", fill=0)


def _cells_by_axis(inputs: ModelInputs) -> tuple[np.ndarray, np.ndarray]:
    """Flat cells of every axis (``_axis_cells``) as ``(cells, starts)``, grouped by axis.

    Axis ``a`` (1-based) has ``cells[starts[a]:starts[a + 1]]``, ascending.

    Built once per inputs (one pass over the grid), so the cells
    of a changed axis come in O(its cells).
    """
    key = "cells_by_axis"
    if key not in inputs.derived:
        touched = np.ascontiguousarray(_axis_cells(inputs)).reshape(-1)
        on = np.flatnonzero(touched)
        ids = touched[on]
        order = np.argsort(ids, kind="stable")
        starts = np.searchsorted(ids[order], np.arange(len(inputs.axes) + 2))
        inputs.derived[key] = (on[order].astype(np.int64), starts)
    return inputs.derived[key]


def _axis_speeds(
    inputs: ModelInputs, axis_status: pd.DataFrame, season: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return per axis, as ``[pad, axis 1, axis 2, ...]``: class speed, status factor, escort.

    Class and escort speeds in km/h (escort 0 = none; only on a constrained axis).

    Raises
    ------
    ValueError
        Unknown road status.
    """
    cls_speed = _speeds(inputs, "road_class", season)
    factor = _speeds(inputs, "status", season)
    status = axis_status["status"].reindex(inputs.axes.index).to_numpy(dtype=object)
    status = ["unknown" if not isinstance(v, str) else v for v in status]
    bad = sorted(set(status) - set(factor))
    if bad:
        msg = f"unknown road status {bad}; expected one of {sorted(factor)}"
        raise ValueError(msg)
    road_class = inputs.axes["road_class"].to_numpy(dtype=object)
    cls = np.array([cls_speed.get(c, np.nan) for c in road_class], dtype=float)
    fac = np.array([factor[v] for v in status], dtype=float)
    if "escort_kmh" in axis_status.columns:
        esc = pd.to_numeric(axis_status["escort_kmh"].reindex(inputs.axes.index), errors="coerce")
        esc = np.nan_to_num(esc.to_numpy(dtype=float), nan=0.0)
        esc = np.where(np.asarray(status, dtype=object) == "constrained", esc, 0.0)
    else:
        esc = np.zeros(len(status))
    return (
        np.concatenate([[np.nan], cls]),
        np.concatenate([[0.0], fac]),
        np.concatenate([[0.0], esc]),
    )


@numba.njit(cache=JIT_CACHE, nogil=True)
def _friction_kernel(
    landcover,
    lut,
    road_code,
    road_lut,
    axis_cells,
    axis_class,
    axis_factor,
    axis_escort,
    axis_town,
    inside,
    water,
    no_entry,  # noqa: ANN001, ANN202
    penalty,
    out,
):
    """One pass of :func:`build_friction`'s rules over flat arrays (no full-grid temporaries)."""
    for k in range(out.shape[0]):
        a = axis_cells[k]
        road = np.float64(road_lut[road_code[k]])
        if a > 0:
            if not road > 0:
                road = axis_class[a]
            if not axis_town[k]:  # a town's cells: the axis's status applies out of town
                if axis_escort[a] > 0 and axis_factor[a] > 0:
                    road = min(axis_escort[a], road)
                else:
                    road = road * axis_factor[a]
                if road < lut[landcover[k]]:  # slower than the land around it: taken off-road
                    road = 0.0
        has_road = road > 0
        speed = road if has_road else lut[landcover[k]]
        if (not inside[k]) or speed <= 0 or water[k] or no_entry[k]:
            out[k] = np.inf
        elif penalty.shape[0] > 0:
            out[k] = (1.0 / speed) * penalty[k]
        else:
            out[k] = 1.0 / speed


def build_friction(
    inputs: ModelInputs,
    *,
    axis_status: pd.DataFrame,
    no_entry: gpd.GeoDataFrame,
    season: str = "dry",
    penalty: np.ndarray | None = None,
    crossing_status: pd.DataFrame | None = None,
    month: int | None = None,
    _patch: tuple[np.ndarray, np.ndarray] | None = None,
) -> Friction:
    """Friction surface for one state of the constraints.

    Parameters
    ----------
    inputs
        Static inputs from :func:`load_model_inputs`.
    axis_status
        Effective status per axis (``geo.sources.curated.road_status_as_of``), indexed by
        ``axis_id`` with a ``status`` column {open, constrained, closed, unknown} and
        optionally ``escort_kmh``.
    no_entry
        Encircled localities in force (points with ``radius_km``).
    season
        ``{"dry", "rainy"}``: selects the season's speeds.
    penalty
        Optional friction multiplier (>= 1, grid-shaped), e.g. the incident-hotspot
        penalty of :func:`incident_penalty`; off (``None``) by default.
    crossing_status
        Effective status per crossing (indexed by ``crossing_id``); None = every
        crossing unknown (usable).
    month
        Month (1-12) whose flood zones apply; None = no flood zone.

    Returns
    -------
    geo.model.costdist.Friction
        float64 (rows, cols), hours per km; ``inf`` where impassable; carrying the
        usable crossings' tolls (hours added on entering their cells).

    Raises
    ------
    ValueError
        Unknown season or status, a penalty of the wrong shape or below 1, or a month
        outside 1-12.

    Notes
    -----
    One compiled pass over the grid: memory is the result (8 bytes per cell) plus the
    no-entry mask (1 byte per cell); results equal the numpy rules of :func:`speed_grids`
    (tested). Flood zones and crossings then touch their own cells only. With ``_patch``
    (``(friction of another state, sorted flat cells)``, see :func:`patch_friction`) the
    rules run on those cells only and every other cell is copied.
    """
    grid = inputs.grid
    if season not in SEASONS:
        msg = f"season must be one of {SEASONS}, got {season!r}"
        raise ValueError(msg)
    if month is not None and not 1 <= int(month) <= 12:
        msg = f"month must be 1-12, got {month!r}"
        raise ValueError(msg)
    pen = np.empty(0)
    if penalty is not None:
        pen = np.asarray(penalty, dtype=np.float64)
        if pen.shape != grid.shape or not (pen >= 1).all():
            msg = f"penalty must be a {grid.shape} grid of factors >= 1"
            raise ValueError(msg)
        pen = np.ascontiguousarray(pen).reshape(-1)
    flat = lambda a: np.ascontiguousarray(a).reshape(-1)  # noqa: E731
    cls, factor, escort = _axis_speeds(inputs, axis_status, season)
    blocked = flat(_no_entry_cells(inputs, no_entry))
    axis_cells = flat(_axis_cells(inputs))
    towns = flat(inputs.axis_towns if inputs.axis_towns is not None else _small_page_zeros(grid.shape, bool))
    road_code = flat(inputs.road_speed_base.codes)
    road_lut = inputs.road_speed_base.table[season]
    if _patch is None:
        friction = np.empty(grid.shape, dtype=np.float64)
        at = None
        _friction_kernel(
            flat(inputs.landcover),
            _landcover_speed_lut(inputs, season),
            road_code,
            road_lut,
            axis_cells,
            cls,
            factor,
            escort,
            towns,
            flat(inputs.inside),
            flat(inputs.water),
            blocked,
            pen,
            friction.reshape(-1),
        )
    else:
        friction = np.array(np.asarray(_patch[0]).view(np.ndarray), dtype=np.float64)  # a copy
        cells = _patch[1]
        at = np.zeros(friction.size, dtype=bool)
        at[cells] = True
        part = np.empty(len(cells), dtype=np.float64)
        _friction_kernel(
            flat(inputs.landcover)[cells],
            _landcover_speed_lut(inputs, season),
            road_code[cells],
            road_lut,
            axis_cells[cells],
            cls,
            factor,
            escort,
            towns[cells],
            flat(inputs.inside)[cells],
            flat(inputs.water)[cells],
            blocked[cells],
            pen[cells] if pen.shape[0] else pen,
            part,
        )
        friction.reshape(-1)[cells] = part
    out = friction.reshape(-1)
    n_flood = 0
    if month is not None and inputs.flood_zones is not None and len(inputs.flood_zones):
        fz = inputs.flood_zones
        for months, idx, effect, zone_factor in zip(
            fz["month_set"], fz["cells"], fz["effect"], fz["factor"], strict=True
        ):
            if at is not None:
                idx = idx[at[idx]]
            if int(month) not in months or len(idx) == 0:
                continue
            n_flood += 1
            a = axis_cells[idx]
            road = road_lut[road_code[idx]].astype(np.float64)
            on_axis = a > 0
            road[on_axis] = np.where(road[on_axis] > 0, road[on_axis], cls[a[on_axis]]) * (
                (factor[a[on_axis]] > 0) | towns[idx[on_axis]]
            )
            off = idx[~(road > 0)]
            if effect == "impassable":
                out[off] = np.inf
            else:
                out[off] = out[off] * float(zone_factor)
    tolls = None
    used = 0
    if inputs.crossings is not None and len(inputs.crossings):
        state = crossing_state(inputs, crossing_status, season)
        cells, gates, toll_h, ids = [], [], [0.0], [""]
        inside = flat(inputs.inside)
        usable, tolls_h = state["usable"].to_numpy(), state["toll_h"].to_numpy()
        speeds = inputs.crossings[f"speed_{season}"].to_numpy(dtype=float)
        for k, (cid, idx) in enumerate(zip(inputs.crossings.index, inputs.crossings["cells"], strict=True)):
            if not usable[k] or len(idx) == 0:
                continue
            idx = idx[inside[idx] & ~blocked[idx].astype(bool)]
            if len(idx) == 0:
                continue
            fr = 1.0 / speeds[k]
            write = idx if at is None else idx[at[idx]]
            out[write] = fr * pen[write] if pen.shape[0] else fr
            used += 1
            cells.append(idx)
            gates.append(np.full(len(idx), len(toll_h), dtype=np.int32))
            toll_h.append(float(tolls_h[k]))
            ids.append(str(cid))
        if cells:
            tolls = Tolls(
                np.concatenate(cells), np.concatenate(gates), np.asarray(toll_h, dtype=np.float64), tuple(ids)
            )
    if not logger.isEnabledFor(logging.INFO):
        return Friction.of(friction, tolls)
    logger.info(
        "friction (%s): %.1f%% of cells passable, %d axes, %d no-entry zones, %d crossings open, "
        "%d flood zones, penalty %s",
        season,
        100.0 * np.isfinite(friction).mean(),
        len(inputs.axes),
        len(no_entry),
        used,
        n_flood,
        "on" if penalty is not None else "off",
    )
    return Friction.of(friction, tolls)


def _same_zones(a: gpd.GeoDataFrame | None, b: gpd.GeoDataFrame | None) -> bool:
    """Return True when two sets of no-entry zones burn the same cells (same points and radii)."""
    if a is b:
        return True
    if a is None or b is None or len(a) == 0 or len(b) == 0:
        return (a is None or len(a) == 0) and (b is None or len(b) == 0)
    if len(a) != len(b):
        return False

    def rows(z: gpd.GeoDataFrame) -> list[tuple]:
        z = z.to_crs(WORK_CRS)
        return sorted(zip(z.geometry.x, z.geometry.y, z["radius_km"].astype(float), strict=True))

    return rows(a) == rows(b)


def changed_friction_cells(inputs: ModelInputs, before: object, after: object) -> np.ndarray | None:
    """Cells whose friction can differ between two states of the constraints, if the change is local.

    Parameters
    ----------
    inputs
        Static inputs.
    before, after
        Two ``geo.model.reach.ReachState``.

    Returns
    -------
    numpy.ndarray or None
        Sorted int64 flat indices: the cells of every axis whose status or escort speed
        differs (``inputs.axis_cells``: the axis a cell's rules read) and the cells of
        every crossing whose status differs. None when the season, the month, the
        no-entry zones or the penalty differ (the whole grid may change).
    """
    if (
        before.season != after.season
        or before.month != after.month
        or not _same_zones(before.no_entry, after.no_entry)
        or (before.penalty is not after.penalty)
    ):
        return None
    parts = [np.empty(0, dtype=np.int64)]

    def column(table: pd.DataFrame | None, name: str, ids: list, fill: object) -> np.ndarray:
        if table is None or name not in table.columns:
            return np.full(len(ids), fill, dtype=object)
        by_id = dict(zip(table.index.tolist(), table[name].tolist(), strict=True))  # the last row wins
        values = [by_id.get(i, fill) for i in ids]
        return np.array([fill if v is None or v != v else v for v in values], dtype=object)

    axes = inputs.axes.index.tolist()
    a0, a1 = before.axis_status, after.axis_status
    diff = (column(a0, "status", axes, "unknown") != column(a1, "status", axes, "unknown")) | (
        column(a0, "escort_kmh", axes, 0.0) != column(a1, "escort_kmh", axes, 0.0)
    )
    if diff.any():
        by_axis, starts = _cells_by_axis(inputs)
        parts += [by_axis[starts[a] : starts[a + 1]] for a in np.flatnonzero(diff) + 1]
    if inputs.crossings is not None and len(inputs.crossings):
        ids = inputs.crossings.index.tolist()
        c0, c1 = before.crossing_status, after.crossing_status
        moved = column(c0, "status", ids, "unknown") != column(c1, "status", ids, "unknown")
        cells = inputs.crossings["cells"]
        parts += [np.asarray(c, dtype=np.int64) for c, m in zip(cells, moved, strict=True) if m]
    return np.unique(np.concatenate(parts))


def patch_friction(
    inputs: ModelInputs,
    friction: np.ndarray,
    before: object,
    after: object,
    *,
    cells: np.ndarray | None = None,
) -> Friction | None:
    """Friction of ``after`` from the friction of ``before``, recomputing only the cells that can change.

    A scenario closing one axis changes the friction along that axis only (and closing
    a crossing, on its cells only): the rules of :func:`build_friction` run on those
    cells and every other cell is copied. The result equals ``after.friction(inputs)``
    (tested), tolls included.

    Parameters
    ----------
    inputs
        Static inputs.
    friction
        The friction of ``before`` (h/km, as :func:`build_friction` made it).
    before, after
        Two ``geo.model.reach.ReachState``.
    cells
        :func:`changed_friction_cells` of the two states if already known.

    Returns
    -------
    geo.model.costdist.Friction or None
        None when the change is not local (:func:`changed_friction_cells`): build it whole.
    """
    if cells is None:
        cells = changed_friction_cells(inputs, before, after)
    if cells is None or np.shape(friction) != inputs.grid.shape:
        return None
    return build_friction(
        inputs,
        axis_status=after.axis_status,
        no_entry=after.no_entry,
        season=after.season,
        penalty=after.penalty,
        crossing_status=after.crossing_status,
        month=after.month,
        _patch=(friction, cells),
    )


def incident_penalty(
    inputs: ModelInputs,
    incidents: gpd.GeoDataFrame,
    as_of: dt.date,
    *,
    days: int | None = None,
    bandwidth_km: float | None = None,
    max_factor: float | None = None,
) -> np.ndarray:
    """Friction multiplier around incident hotspots of the ``days`` before ``as_of``.

    Parameters
    ----------
    inputs
        Static inputs (grid).
    incidents
        Incident points (EPSG:4326) with a ``date`` column (``geo.model.incidents`` schema).
    as_of
        Last day of the window (included).
    days, bandwidth_km, max_factor
        Window length, kernel bandwidth (km) and the factor at saturation; defaults from
        the ``incident_penalty`` rows of ``data/curated/speeds.csv``.

    Returns
    -------
    numpy.ndarray
        float64 (rows, cols) >= 1; multiply the friction by it (see :func:`build_friction`).

    Notes
    -----
    Density by binned Gaussian KDE (``geo.model.incidents.kde_hotspot``), turned into
    ``1 + (max_factor - 1) * min(density / p99, 1)`` (``geo.model.incidents.hotspot_penalty``).
    A project assumption, off by default: incidents make advisors slow down, add
    escorts or detour, but no published figure ties incident density to speed.
    """
    from geo.model.incidents import hotspot_penalty, kde_hotspot

    conf = speed_lookup(inputs.speeds, "incident_penalty", "dry")
    days = int(conf.get("window_days", 90) if days is None else days)
    bandwidth_km = float(conf.get("bandwidth_km", 10.0) if bandwidth_km is None else bandwidth_km)
    max_factor = float(conf.get("max_factor", 2.0) if max_factor is None else max_factor)
    dates = pd.to_datetime(incidents["date"], errors="coerce").dt.date
    start = as_of - dt.timedelta(days=days - 1)
    window = incidents[(dates >= start) & (dates <= as_of)]
    if window.empty:
        return np.ones(inputs.grid.shape)
    density = kde_hotspot(
        window, transform=inputs.grid.transform, shape=inputs.grid.shape, bandwidth_km=bandwidth_km
    )
    return hotspot_penalty(density, max_factor=max_factor)
