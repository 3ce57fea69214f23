"""Roads along rivers stay connected without opening the river (``bank_roads``, ``bank_snap``).

A 41 x 41 grid of 1 km cells; a river runs north-south through column 20 (its centre line
at x = 20.5 km). Connectivity is read with 8-neighbour labels of the passable cells (not
water), which is how the cost-distance search moves.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from rasterio.transform import from_origin
from scipy import ndimage
from shapely.geometry import LineString, Point

from geo.config import WORK_CRS
from geo.model.friction import ARTEFACT_PAIR_KM, Grid, bank_roads, bank_snap, burn_lines

N = 41
KM = 1000.0


def _grid() -> Grid:
    return Grid(from_origin(0.0, N * KM, KM, KM), (N, N), 1.0)


def _river() -> gpd.GeoSeries:
    return gpd.GeoSeries([LineString([(20.5 * KM, 0.0), (20.5 * KM, N * KM)])], crs=WORK_CRS)


def _y(row: float) -> float:
    return (N - row - 0.5) * KM


def _run(
    roads: list[LineString], crossings: list[Point] | None = None
) -> tuple[np.ndarray, np.ndarray, dict]:
    g = _grid()
    river = _river()
    water = burn_lines(river, g) > 0
    out, stats = bank_roads(
        water,
        g,
        gpd.GeoSeries(roads, crs=WORK_CRS),
        river,
        gpd.GeoSeries([], crs=WORK_CRS),
        gpd.GeoSeries(crossings or [], crs=WORK_CRS),
    )
    return water, out, stats


def _label(water: np.ndarray) -> np.ndarray:
    return ndimage.label(~water, structure=np.ones((3, 3), dtype=bool))[0]


def test_a_road_beside_the_river_is_no_longer_cut_and_the_river_still_divides() -> None:
    # a road 0.3 km west of the centre line, from row 2 to row 38: all_touched puts it on the river cells
    road = LineString([(20.2 * KM, _y(2)), (20.2 * KM, _y(38))])
    water, out, stats = _run([road])
    road_cells = burn_lines(gpd.GeoSeries([road], crs=WORK_CRS), _grid()) > 0
    assert (road_cells & water).sum() > 10  # the conflict exists before
    assert stats["opened"] > 0 and stats["crossings"] == 0
    lab = _label(out)
    on_road = lab[road_cells & ~out]
    assert len(set(on_road)) == 1 and on_road[0] > 0  # one connected road
    # the far bank (column 22 and beyond) is still a different component from the near bank (column 18)
    assert lab[20, 18] != lab[20, 23] and lab[20, 18] > 0 and lab[20, 23] > 0


def test_a_road_crossing_the_river_without_a_crossing_stays_cut() -> None:
    road = LineString([(2 * KM, _y(20)), (38 * KM, _y(20))])
    _, out, stats = _run([road])
    assert stats["crossings"] == 1 and stats["artefacts"] == 0
    lab = _label(out)
    assert lab[20, 2] != lab[20, 38]


def test_two_close_intersections_are_a_tracing_artefact() -> None:
    # the road dips east over the centre line and comes back 6 km further on: it never changes bank
    road = LineString(
        [(19 * KM, _y(2)), (19 * KM, _y(15)), (22 * KM, _y(18)), (19 * KM, _y(21)), (19 * KM, _y(38))]
    )
    assert 6 < ARTEFACT_PAIR_KM
    _, out, stats = _run([road])
    assert stats["artefacts"] == 1 and stats["crossings"] == 0
    lab = _label(out)
    assert lab[2, 18] == lab[38, 18]  # the road connects its two ends on the west bank
    assert lab[30, 18] != lab[30, 23]  # and the river still divides the banks away from the road


def test_a_curated_crossing_at_both_intersections_makes_them_real() -> None:
    road = LineString(
        [(19 * KM, _y(2)), (19 * KM, _y(15)), (22 * KM, _y(18)), (19 * KM, _y(21)), (19 * KM, _y(38))]
    )
    bridges = [Point(20.5 * KM, _y(16.5)), Point(20.5 * KM, _y(19.5))]
    _, _, stats = _run([road], bridges)
    assert stats["artefacts"] == 0 and stats["crossings"] == 2


def test_roads_ending_at_the_water_do_not_open_it() -> None:
    # two roads meet the river from both banks at the same place (a ferry landing with no crossing row)
    west = LineString([(2 * KM, _y(20)), (20.3 * KM, _y(20))])
    east = LineString([(20.7 * KM, _y(20)), (38 * KM, _y(20))])
    _, out, _ = _run([west, east])
    lab = _label(out)
    assert lab[20, 2] != lab[20, 38]


def test_bank_snap_moves_a_point_beside_the_water_to_its_road_across_the_line() -> None:
    g = _grid()
    water = burn_lines(_river(), g) > 0
    road = np.zeros_like(water)
    assert water[:, 20].all() and not water[:, 19].any() and not water[:, 21].any()
    road[:, 21] = True  # the town's road, on the east bank, 2 km from a point in column 19
    rows, cols = bank_snap(np.array([10, 10, 10]), np.array([19, 5, 21]), water, road, g.cell_km)
    assert (rows[0], cols[0]) == (10, 21)  # beside the water: moved across the line to its road
    assert (rows[1], cols[1]) == (10, 5)  # far from water: unchanged
    assert (rows[2], cols[2]) == (10, 21)  # already on a road: unchanged
    far = np.zeros_like(water)
    far[:, 30] = True  # a road 12 km away is out of reach
    rows, cols = bank_snap(np.array([10]), np.array([19]), water, far, g.cell_km)
    assert (rows[0], cols[0]) == (10, 19)


def test_bank_snap_prefers_a_road_on_its_own_side() -> None:
    g = _grid()
    water = burn_lines(_river(), g) > 0
    road = np.zeros_like(water)
    road[:, 21] = True  # across the water, 2 km away
    road[:, 17] = True  # on the point's side, also 2 km away
    road[5, 21] = road[5, 17] = True
    rows, cols = bank_snap(np.array([10]), np.array([19]), water, road, g.cell_km)
    assert (rows[0], cols[0]) == (10, 17)


def test_bank_snap_on_the_centre_line_takes_the_bank_of_the_exact_position() -> None:
    """A town whose cell the centre line covers (Ansongo) snaps to the road of its own bank.

    The river line runs at x = 20.5 km; the point lies in its cell (column 20), 100 m east
    or west of it. The west road (column 19) is 1 km from that cell, the east road (column
    22) 2 km: the cells alone take the nearer, the exact position takes its own bank.
    """
    g = _grid()
    river = _river()
    water = burn_lines(river, g) > 0
    road = np.zeros_like(water)
    road[:, 19] = road[:, 22] = True
    y = np.array([_y(10)])
    rows, cols = bank_snap(np.array([10]), np.array([20]), water, road, g.cell_km)
    assert (rows[0], cols[0]) == (10, 19)
    for x_km, col in ((20.6, 22), (20.4, 19)):
        rows, cols = bank_snap(
            np.array([10]),
            np.array([20]),
            water,
            road,
            g.cell_km,
            xy=(np.array([x_km * KM]), y),
            water_lines=river.union_all(),
            transform=g.transform,
        )
        assert (rows[0], cols[0]) == (10, col), x_km
    # no road on the point's own bank within reach: the road across is taken
    east_only = np.zeros_like(water)
    east_only[:, 22] = True
    rows, cols = bank_snap(
        np.array([10]),
        np.array([20]),
        water,
        east_only,
        g.cell_km,
        xy=(np.array([20.4 * KM]), y),
        water_lines=river.union_all(),
        transform=g.transform,
    )
    assert (rows[0], cols[0]) == (10, 22)
