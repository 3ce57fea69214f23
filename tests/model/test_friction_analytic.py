"""Analytic travel-time cases on small grids built in the test: roads, barriers, units."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point

from geo.config import WORK_CRS
from geo.model.costdist import travel_time_h
from geo.model.friction import Grid, burn_lines, no_entry_mask, read_speed_table, speed_lookup

CELL_KM = 1.0


def grid(n: int = 101) -> Grid:
    return Grid(from_origin(0.0, n * 1000.0, 1000.0, 1000.0), (n, n), CELL_KM)


def friction_with_road(g: Grid, line: LineString, *, road_kmh: float, offroad_kmh: float) -> np.ndarray:
    road = burn_lines(gpd.GeoSeries([line], crs=WORK_CRS), g, road_kmh)
    speed = np.where(road > 0, road, offroad_kmh)
    return 1.0 / speed


@pytest.mark.parametrize("length_km", [20, 50, 90])
def test_straight_road_time_is_length_over_speed(length_km: int) -> None:
    g = grid()
    y = 50_500.0
    line = LineString([(5_500.0, y), (5_500.0 + length_km * 1000.0, y)])
    fric = friction_with_road(g, line, road_kmh=60.0, offroad_kmh=5.0)
    start = g.rowcol(np.array([5_500.0]), np.array([y]))
    end = g.rowcol(np.array([5_500.0 + length_km * 1000.0]), np.array([y]))
    t = travel_time_h(fric, [(start[0][0], start[1][0])], cell_km=CELL_KM)
    got = t[end[0][0], end[1][0]]
    # within one cell at road speed
    assert abs(got - length_km / 60.0) <= CELL_KM / 60.0 + 1e-12


def test_diagonal_road_uses_diagonal_steps() -> None:
    g = grid()
    line = LineString([(10_500.0, 90_500.0), (80_500.0, 20_500.0)])  # 45 degrees, 99 km
    fric = friction_with_road(g, line, road_kmh=60.0, offroad_kmh=5.0)
    (r0, r1), (c0, c1) = g.rowcol(np.array([10_500.0, 80_500.0]), np.array([90_500.0, 20_500.0]))
    t = travel_time_h(fric, [(r0, c0)], cell_km=CELL_KM)
    assert t[r1, c1] == pytest.approx(70 * math.sqrt(2) / 60.0, abs=CELL_KM / 60.0)


def test_one_cell_diagonal_barrier_is_never_crossed() -> None:
    g = grid(61)
    # a closed diagonal wall from corner to corner, burnt with all_touched
    wall = burn_lines(gpd.GeoSeries([LineString([(0, 0), (61_000, 61_000)])], crs=WORK_CRS), g) > 0
    fric = np.where(wall, np.inf, 1.0 / 10.0)
    # the wall runs from the bottom-left to the top-right corner: cells with row + col near 60
    t = travel_time_h(fric, [(5, 5)], cell_km=CELL_KM)  # upper-left triangle
    assert np.isinf(t[55, 55])  # lower-right triangle unreachable
    rows, cols = np.indices(t.shape)
    reached = np.isfinite(t)
    assert reached[(rows + cols) < 55].all()
    assert not (reached & ((rows + cols) > 61)).any()


def test_no_entry_disc_blocks_and_is_walked_around() -> None:
    g = grid()
    zone = gpd.GeoDataFrame({"radius_km": [10.0]}, geometry=[Point(50_500, 50_500)], crs=WORK_CRS)
    blocked = no_entry_mask(zone, g)
    # all_touched makes the zone conservative: every cell the disc touches (radius + about one cell)
    assert math.pi * 10**2 <= blocked.sum() <= math.pi * 11.5**2
    fric = np.where(blocked, np.inf, 1.0 / 10.0)
    t = travel_time_h(fric, [(50, 30)], cell_km=CELL_KM)
    assert np.isinf(t[50, 50])
    assert np.isfinite(t[50, 70]) and t[50, 70] > 40 / 10.0  # detour longer than the 40 km line


def test_time_threshold_and_bound() -> None:
    fric = np.full((1, 11), 0.1)  # 10 km/h, 1 km cells
    t = travel_time_h(fric, [(0, 0)], cell_km=1.0, max_h=0.5)
    assert t[0, 5] == pytest.approx(0.5)  # exactly at the bound: included
    assert np.isinf(t[0, 6])


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_invalid_friction_is_rejected(bad: float) -> None:
    fric = np.full((3, 3), 0.1)
    fric[1, 1] = bad
    with pytest.raises(ValueError, match="NaN, zero or negative"):
        travel_time_h(fric, [(0, 0)], cell_km=1.0)


def test_speed_table_has_a_source_for_every_figure() -> None:
    table = read_speed_table()
    assert table["source"].str.len().min() > 10
    dry, rainy = speed_lookup(table, "road_class", "dry"), speed_lookup(table, "road_class", "rainy")
    assert set(dry) == {"main", "secondary", "track"}
    assert all(rainy[k] <= dry[k] for k in dry)
    assert speed_lookup(table, "status", "dry")["closed"] == 0.0
    assert speed_lookup(table, "landcover", "dry")["0"] == 0.0  # water impassable
    assert isinstance(pd.Series(dry).sum(), float)


def test_no_entry_discs_burnt_in_windows_match_a_whole_grid_burn() -> None:
    """Discs in the middle, across the grid's edge and wholly outside: the cells of one whole-grid burn.

    The centres are off the cell corners (as real localities are): a disc whose rim only
    touches a cell's edge at one point may or may not mark that cell, in either burn.
    """
    from rasterio.transform import from_origin

    from geo.config import WORK_CRS
    from geo.model.friction import Grid, burn_lines, no_entry_mask

    grid = Grid(from_origin(0.0, 40_000.0, 250.0, 250.0), (160, 120), 0.25)
    xy = [(15_010.0, 20_037.0), (100.0, 39_900.0), (29_950.0, 10_000.0), (90_000.0, 20_000.0)]
    zones = gpd.GeoDataFrame(
        {"radius_km": [5.0, 2.3, 1.7, 3.0]}, geometry=gpd.points_from_xy(*zip(*xy, strict=True)), crs=WORK_CRS
    )
    discs = zones.geometry.buffer(zones["radius_km"].to_numpy() * 1000.0, quad_segs=16)
    whole = burn_lines(discs, grid, dtype="uint8", fill=0).astype(bool)
    mask = no_entry_mask(zones, grid)
    assert mask.shape == grid.shape
    assert whole.sum() > 0
    assert np.array_equal(mask, whole)
