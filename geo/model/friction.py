"""The friction surface: hours per km on a regular grid in WORK_CRS (ESRI:102022).

Model (figures and their sources in ``data/curated/speeds.csv``)
-----------------------------------------------------------------
1. Off-road: each cell takes the speed of its MODIS IGBP land-cover class (km/h) for
   the season; a class with speed 0 (water; flooded wetland in the rainy season) is
   impassable.
2. Roads: cells touched by a road line (``all_touched``, so a road is a 4-connected
   chain) take the speed of its class. Named axes then overwrite their cells with
   ``class speed x status factor`` for the status in force (open 1, constrained 0.5,
   unknown 1); a closed axis is not usable as a road, so its cells fall back to the
   off-road speed. Roads cross rivers (bridges, ferries): a road cell is never a water
   barrier.
3. Barriers (``inf``): cells outside Mali, river centre lines and lakes (Natural Earth,
   ``all_touched``), land-cover water, and the no-entry disc around each encircled
   locality in force.

Friction = 1 / speed (h/km). With MCP_Geometric's cost model (see ``geo.model.reach``)
cumulative costs come out in hours.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
import rasterio
from rasterio.enums import Resampling
from rasterio.features import rasterize
from rasterio.transform import Affine, rowcol
from rasterio.warp import reproject
from scipy import ndimage

from geo.config import CURATED_DIR, DEFAULT_CELL_KM, WORK_CRS
from geo.errors import DataFileError
from geo.sources.admin import load_admin
from geo.sources.curated import read_axes
from geo.sources.datasets import dataset_path, read_vector
from geo.sources.places import load_places
from geo.sources.roads import build_axes, load_roads

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
SEASONS = ("dry", "rainy")
#: Margin added around Mali's outline when the grid is laid out (km).
GRID_MARGIN_KM = 5.0


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
        float64 (rows, cols): people per cell (WorldPop 2020 density x cell area), 0 outside Mali.
    road_speed_base
        (rows, cols): class speed of the base road lines for each season, km/h (0 = no
        road); float32 when that holds every speed exactly (true of the curated table),
        else float64.
    roads, axes
        Road lines and curated axes in WORK_CRS.
    outline
        Mali (WORK_CRS, one polygon).
    places
        Localities in WORK_CRS with ``row``, ``col`` and ``adm2_pcode``/``adm3_pcode``.
    admin2, admin3
        Admin units (EPSG:4326, internal schema).
    speeds
        The speed table.
    admin3_id
        int32 (rows, cols): position in ``admin3`` of the commune whose polygon holds
        the cell centre, -1 outside every commune (for the share of each commune reached).
    axis_cells
        int16 (int32 beyond 32 767 axes) (rows, cols): 1 + position in ``axes`` of
        the last axis touching the cell, 0 elsewhere (burnt once here, reused by
        every :func:`build_friction`).
    edge_cells
        bool (rows, cols): cells touched by Mali's boundary line (``all_touched``) and
        their 8 neighbours. A cell inside Mali that is not an edge cell lies wholly
        inside the outline, so band polygons made only of such cells need no clipping
        (``geo.model.reach.settled_band_polygons``). None: clip every band.
    derived
        Memo of values derived from the fields above by the engine (outline polygon,
        per-commune cell counts, locality lon/lat...), filled on first use.
    """

    grid: Grid
    inside: np.ndarray
    landcover: np.ndarray
    water: np.ndarray
    population: np.ndarray
    road_speed_base: dict[str, np.ndarray]
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
    """Rasterize lines/polygons with ``all_touched=True``; later shapes overwrite earlier ones."""
    vals = np.broadcast_to(np.asarray(values, dtype=float), (len(geoms),))
    shapes = [(g, v) for g, v in zip(geoms, vals, strict=True) if g is not None and not g.is_empty]
    if not shapes:
        return np.full(grid.shape, fill, dtype=dtype)
    return rasterize(
        shapes, out_shape=grid.shape, transform=grid.transform, fill=fill, all_touched=True, dtype=dtype
    )


def _narrow(a: np.ndarray, dtype: type) -> np.ndarray:
    """Return ``a`` as the smaller ``dtype`` when every value survives the round trip, else ``a``."""
    small = a.astype(dtype)
    return small if np.array_equal(small, a) else a


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
    edge_cells = edge_cell_mask(outline, grid)
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
    population = np.where(inside & (density > 0), density.astype(np.float64) * grid.cell_area_km2, 0.0)
    step(3)
    rivers = read_vector(data_dir, "rivers").to_crs(WORK_CRS)
    lakes = read_vector(data_dir, "lakes").to_crs(WORK_CRS)
    water = (burn_lines(rivers.geometry, grid) > 0) | (burn_lines(lakes.geometry, grid) > 0)
    step(4)
    speeds = read_speed_table()
    roads = load_roads(data_dir)
    road_speed_base = {}
    for season in SEASONS:
        cls_speed = speed_lookup(speeds, "road_class", season)
        burnt = burn_lines(roads.geometry, grid, roads["road_class"].map(cls_speed).to_numpy())
        road_speed_base[season] = _narrow(burnt, np.float32)
    step(5)
    axes = build_axes(read_axes().valid, roads)
    step(6)
    places = load_places(data_dir).to_crs(WORK_CRS)
    joined = gpd.sjoin(
        places, admin3[["adm2_pcode", "pcode", "geometry"]].to_crs(WORK_CRS), how="left", predicate="within"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    places = places.assign(adm2_pcode=joined["adm2_pcode"], adm3_pcode=joined["pcode"])
    rows, cols = grid.rowcol(places.geometry.x.to_numpy(), places.geometry.y.to_numpy())
    places = places.assign(row=rows, col=cols)[grid.contains(rows, cols)]
    admin3_work = admin3.to_crs(WORK_CRS)
    admin3_id = rasterize(
        [(g, i) for i, g in enumerate(admin3_work.geometry) if g is not None],
        out_shape=grid.shape,
        transform=grid.transform,
        fill=-1,
        dtype="int32",
    )
    axis_cells = _narrow(
        burn_lines(axes.geometry, grid, np.arange(1, len(axes) + 1), dtype="int32", fill=0), np.int16
    )
    step(7)
    logger.info(
        "model inputs: grid %dx%d at %.2f km, %d road lines, %d axes, %d places",
        grid.shape[0],
        grid.shape[1],
        cell_km,
        len(roads),
        len(axes),
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
    )


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
    if zones.empty:
        return np.zeros(grid.shape, dtype=bool)
    pts = zones.to_crs(WORK_CRS)
    discs = pts.geometry.buffer(pts["radius_km"].to_numpy() * 1000.0, quad_segs=16)
    return burn_lines(discs, grid, dtype="uint8", fill=0).view(bool)


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
    speeds_by_axis = _axis_speeds(inputs, axis_status, season)
    on_axis = touched > 0
    road[on_axis] = speeds_by_axis[touched[on_axis]]
    return road, offroad


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


def _axis_speeds(inputs: ModelInputs, axis_status: pd.DataFrame, season: str) -> np.ndarray:
    """Speed of each axis for its status (km/h), as ``[nan, axis 1, axis 2, ...]``."""
    cls_speed = _speeds(inputs, "road_class", season)
    factor = _speeds(inputs, "status", season)
    status = axis_status["status"].reindex(inputs.axes.index).to_numpy(dtype=object)
    status = ["unknown" if not isinstance(v, str) else v for v in status]
    bad = sorted(set(status) - set(factor))
    if bad:
        msg = f"unknown road status {bad}; expected one of {sorted(factor)}"
        raise ValueError(msg)
    road_class = inputs.axes["road_class"].to_numpy(dtype=object)
    axis_speed = [cls_speed.get(c, np.nan) * factor[v] for c, v in zip(road_class, status, strict=True)]
    return np.concatenate([[np.nan], np.asarray(axis_speed, dtype=float)])


@numba.njit(cache=True, nogil=True)
def _friction_kernel(
    landcover,
    lut,
    road_base,
    axis_cells,
    axis_speed,
    inside,
    water,
    no_entry,  # noqa: ANN001, ANN202
    penalty,
    out,
):
    """One pass of :func:`build_friction`'s rules over flat arrays (no full-grid temporaries)."""
    for k in range(out.shape[0]):
        a = axis_cells[k]
        road = axis_speed[a] if a > 0 else np.float64(road_base[k])
        has_road = road > 0
        speed = road if has_road else lut[landcover[k]]
        if (not inside[k]) or speed <= 0 or (water[k] and not has_road) or no_entry[k]:
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
) -> np.ndarray:
    """Friction surface for one state of the constraints.

    Parameters
    ----------
    inputs
        Static inputs from :func:`load_model_inputs`.
    axis_status
        Effective status per axis (``geo.sources.curated.road_status_as_of``), indexed by
        ``axis_id`` with a ``status`` column {open, constrained, closed, unknown}.
    no_entry
        Encircled localities in force (points with ``radius_km``).
    season
        ``{"dry", "rainy"}``: selects the season's speeds.
    penalty
        Optional friction multiplier (>= 1, grid-shaped), e.g. the incident-hotspot
        penalty of :func:`incident_penalty`; off (``None``) by default.

    Returns
    -------
    numpy.ndarray
        float64 (rows, cols), hours per km; ``inf`` where impassable.

    Raises
    ------
    ValueError
        Unknown season or status, or a penalty of the wrong shape or below 1.

    Notes
    -----
    One compiled pass over the grid: memory is the result (8 bytes per cell) plus the
    no-entry mask (1 byte per cell); results equal the numpy rules of :func:`speed_grids`
    (tested).
    """
    grid = inputs.grid
    if season not in SEASONS:
        msg = f"season must be one of {SEASONS}, got {season!r}"
        raise ValueError(msg)
    pen = np.empty(0)
    if penalty is not None:
        pen = np.asarray(penalty, dtype=np.float64)
        if pen.shape != grid.shape or not (pen >= 1).all():
            msg = f"penalty must be a {grid.shape} grid of factors >= 1"
            raise ValueError(msg)
        pen = np.ascontiguousarray(pen).reshape(-1)
    friction = np.empty(grid.shape, dtype=np.float64)
    flat = lambda a: np.ascontiguousarray(a).reshape(-1)  # noqa: E731
    _friction_kernel(
        flat(inputs.landcover),
        _landcover_speed_lut(inputs, season),
        flat(inputs.road_speed_base[season]),
        flat(_axis_cells(inputs)),
        _axis_speeds(inputs, axis_status, season),
        flat(inputs.inside),
        flat(inputs.water),
        flat(no_entry_mask(no_entry, grid)),
        pen,
        friction.reshape(-1),
    )
    logger.info(
        "friction (%s): %.1f%% of cells passable, %d axes, %d no-entry zones, penalty %s",
        season,
        100.0 * np.isfinite(friction).mean(),
        len(inputs.axes),
        len(no_entry),
        "on" if penalty is not None else "off",
    )
    return friction


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
