"""Analytic travel times with the secondary network, river crossings, seasons and escorts.

Small synthetic grids built here: 1 km cells, grassland off-road, a river down one
column, roads along rows. Expected times are derived from the inputs (road km / speed,
plus crossing and waiting hours).
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, box

from geo.config import STORAGE_CRS, WORK_CRS
from geo.model.friction import (
    Grid,
    ModelInputs,
    _closed_wait_h,
    build_friction,
    crossing_cells,
    crossing_state,
    flood_zone_cells,
    read_speed_table,
    road_speed_grids,
    speed_grids,
    speed_lookup,
)
from geo.model.reach import ReachState, base_state
from geo.model.route import REASON_CROSSING, REASON_RIVER, route_between

N = 41
ROAD_ROW, RIVER_COL = 20, 20
SPEEDS = read_speed_table()
GRASS = {s: speed_lookup(SPEEDS, "landcover", s)["10"] for s in ("dry", "rainy")}


def _grid() -> Grid:
    return Grid(from_origin(0.0, N * 1000.0, 1000.0, 1000.0), (N, N), 1.0)


def _centre(g: Grid, r: int, c: int) -> tuple[float, float]:
    return g.transform.c + (c + 0.5) * 1000.0, g.transform.f - (r + 0.5) * 1000.0


def _row_line(g: Grid, row: int, c0: int = 0, c1: int = N - 1) -> LineString:
    (x0, y), (x1, _) = _centre(g, row, c0), _centre(g, row, c1)
    return LineString([(x0, y), (x1, y)])


def _empty_gdf(**cols: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({k: pd.Series(dtype=v) for k, v in cols.items()}, geometry=[], crs=WORK_CRS)


def _crossing_rows(g: Grid, specs: list[dict]) -> gpd.GeoDataFrame:
    """Crossing rows in the reader's schema, at grid cells ``(row, col)``."""
    from pyproj import Transformer

    to_ll = Transformer.from_crs(WORK_CRS, STORAGE_CRS, always_xy=True)
    rows = []
    for s in specs:
        x, y = _centre(g, *s["rc"])
        lon, lat = to_ll.transform(x, y)
        rows.append(
            {
                "crossing_id": s["id"],
                "kind": s.get("kind", "ferry"),
                "crossing_h": s.get("crossing_h", 0.0),
                "wait_h": s.get("wait_h", 0.0),
                "open_h": s.get("open_h", math.nan),
                "close_h": s.get("close_h", math.nan),
                "season": s.get("season", "all_year"),
                "vehicles": s.get("vehicles", True),
                "geometry": Point(lon, lat),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS).set_index("crossing_id", drop=False)


def make_inputs(
    *,
    road_lines: list[LineString] | None = None,
    network: gpd.GeoDataFrame | None = None,
    crossings: list[dict] | None = None,
    axes: gpd.GeoDataFrame | None = None,
    flood: gpd.GeoDataFrame | None = None,
    river: bool = True,
) -> ModelInputs:
    g = _grid()
    water = np.zeros((N, N), dtype=bool)
    if river:
        water[:, RIVER_COL] = True
    lines = road_lines if road_lines is not None else [_row_line(g, ROAD_ROW)]
    roads = gpd.GeoDataFrame(
        {"road_class": "main", "speed_src_kmh": np.nan},
        index=[f"r{i}" for i in range(len(lines))],
        geometry=lines,
        crs=WORK_CRS,
    )
    net = network if network is not None else _empty_gdf(surface=object, season=object)
    base = road_speed_grids(g, roads, net, SPEEDS)
    cr = crossing_cells(_crossing_rows(g, crossings or []), g, water, base, SPEEDS) if crossings else None
    axes = axes if axes is not None else _empty_gdf(road_class=object)
    axis_cells = None
    if len(axes):
        from geo.model.friction import burn_lines

        axis_cells = burn_lines(axes.geometry, g, np.arange(1, len(axes) + 1), dtype="int32", fill=0)
    return ModelInputs(
        grid=g,
        inside=np.ones((N, N), dtype=bool),
        landcover=np.full((N, N), 10, dtype=np.uint8),
        water=water,
        population=np.zeros((N, N)),
        road_speed_base=base,
        roads=roads,
        axes=axes,
        outline=gpd.GeoSeries([box(0, 0, N * 1000.0, N * 1000.0)], crs=WORK_CRS),
        places=_empty_gdf(),
        admin2=_empty_gdf(),
        admin3=_empty_gdf(),
        speeds=SPEEDS,
        axis_cells=axis_cells,
        network=net,
        crossings=cr,
        flood_zones=flood_zone_cells(flood, g) if flood is not None else None,
        season_calendar={m: ("rainy" if 6 <= m <= 10 else "dry") for m in range(1, 13)},
    )


NO_ZONES = gpd.GeoDataFrame({"radius_km": []}, geometry=[], crs=STORAGE_CRS)


def _friction(
    inputs: ModelInputs,
    season: str = "dry",
    *,
    status: pd.DataFrame | None = None,
    crossing_status: pd.DataFrame | None = None,
    month: int | None = None,
) -> np.ndarray:
    status = status if status is not None else pd.DataFrame({"status": []})
    return build_friction(
        inputs,
        axis_status=status,
        no_entry=NO_ZONES,
        season=season,
        crossing_status=crossing_status,
        month=month,
    )


def test_ferry_adds_its_crossing_and_waiting_time_once() -> None:
    inputs = make_inputs(
        crossings=[{"id": "F1", "rc": (ROAD_ROW, RIVER_COL), "crossing_h": 0.5, "wait_h": 0.25}]
    )
    road_kmh = speed_lookup(SPEEDS, "road_class", "dry")["main"]
    f = _friction(inputs)
    r = route_between(inputs, f, (ROAD_ROW, 0), (ROAD_ROW, N - 1))
    assert r.time_h == pytest.approx((N - 1) / road_kmh + 0.5 + 0.25, abs=1e-12)
    assert r.crossings == ["F1"]
    assert r.length_km == pytest.approx(N - 1) and r.road_km == pytest.approx(N - 1)
    assert r.line is not None and r.line.is_valid and len(r.cells) == N


def test_river_is_a_barrier_even_under_a_road() -> None:
    inputs = make_inputs()  # the road crosses the river column, no crossing
    f = _friction(inputs)
    assert np.isinf(f[ROAD_ROW, RIVER_COL])
    r = route_between(inputs, f, (ROAD_ROW, 0), (ROAD_ROW, N - 1))
    assert r.time_h is None and r.reason == REASON_RIVER


def _ladder(g: Grid) -> list[LineString]:
    """Roads along rows 20 and 35 joined by two vertical roads at columns 5 and 35."""
    (x5, y20), (x35, y35) = _centre(g, ROAD_ROW, 5), _centre(g, 35, 35)
    return [
        _row_line(g, ROAD_ROW),
        _row_line(g, 35),
        LineString([(x5, y20), (x5, y35)]),
        LineString([(x35, y20), (x35, y35)]),
    ]


def test_closed_crossing_cuts_the_route_and_the_detour_time_is_exact() -> None:
    g = _grid()
    specs = [
        {"id": "F1", "rc": (ROAD_ROW, RIVER_COL), "crossing_h": 0.5, "wait_h": 0.25},
        {"id": "B2", "rc": (35, RIVER_COL), "kind": "bridge", "crossing_h": 0.1},
    ]
    inputs = make_inputs(road_lines=_ladder(g), crossings=specs)
    v = speed_lookup(SPEEDS, "road_class", "dry")["main"]
    closed = pd.DataFrame({"status": ["closed"]}, index=pd.Index(["F1"], name="crossing_id"))
    r = route_between(inputs, _friction(inputs, crossing_status=closed), (ROAD_ROW, 0), (ROAD_ROW, N - 1))
    # 5 + 15 + 30 + 15 + 5 km of road with its 4 corners cut by a diagonal move (2 -> sqrt 2 km)
    assert r.time_h == pytest.approx((70 - 4 * (2 - math.sqrt(2))) / v + 0.1, abs=1e-12)
    assert r.crossings == ["B2"]
    # both closed: the river cuts every way across, and the closed crossing is named
    both = pd.DataFrame({"status": ["closed", "closed"]}, index=pd.Index(["F1", "B2"], name="crossing_id"))
    r2 = route_between(inputs, _friction(inputs, crossing_status=both), (ROAD_ROW, 0), (ROAD_ROW, N - 1))
    assert r2.time_h is None and r2.reason == REASON_CROSSING and r2.blocking_crossings == ["B2", "F1"]


def test_constrained_crossing_takes_twice_its_time() -> None:
    inputs = make_inputs(
        crossings=[{"id": "F1", "rc": (ROAD_ROW, RIVER_COL), "crossing_h": 0.5, "wait_h": 0.25}]
    )
    st = pd.DataFrame({"status": ["constrained"]}, index=pd.Index(["F1"], name="crossing_id"))
    factor = speed_lookup(SPEEDS, "crossing", "dry")["constrained_factor"]
    v = speed_lookup(SPEEDS, "road_class", "dry")["main"]
    r = route_between(inputs, _friction(inputs, crossing_status=st), (ROAD_ROW, 0), (ROAD_ROW, N - 1))
    assert r.time_h == pytest.approx((N - 1) / v + 0.75 / factor, abs=1e-12)


def test_operating_hours_add_the_mean_wait_of_the_travel_day() -> None:
    day = (6.0, 18.0)
    assert _closed_wait_h(6.0, 18.0, day) == 0.0
    assert _closed_wait_h(math.nan, math.nan, day) == 0.0
    assert _closed_wait_h(8.0, 17.0, day) == pytest.approx(3.0**2 / 24.0)
    assert _closed_wait_h(20.0, 6.0, day) == pytest.approx(12.0 / 2.0)  # night ferry: closed all day
    inputs = make_inputs(
        crossings=[{"id": "F1", "rc": (ROAD_ROW, RIVER_COL), "open_h": 8.0, "close_h": 17.0}]
    )
    assert crossing_state(inputs, None, "dry").at["F1", "toll_h"] == pytest.approx(9.0 / 24.0)


@pytest.mark.parametrize(
    ("spec", "season", "reason"),
    [
        ({"season": "dry_only"}, "rainy", "out of season"),
        ({"season": "wet_only"}, "dry", "out of season"),
        ({"vehicles": False, "kind": "pirogue"}, "dry", "no vehicles"),
    ],
)
def test_unusable_crossings_stay_barriers(spec: dict, season: str, reason: str) -> None:
    inputs = make_inputs(crossings=[{"id": "X", "rc": (ROAD_ROW, RIVER_COL), **spec}])
    assert crossing_state(inputs, None, season).at["X", "reason"] == reason
    r = route_between(inputs, _friction(inputs, season), (ROAD_ROW, 0), (ROAD_ROW, N - 1))
    assert r.time_h is None and r.reason == REASON_CROSSING


def test_dry_only_segment_closes_in_the_rainy_season() -> None:
    g = _grid()
    seg = gpd.GeoDataFrame(
        {"surface": ["laterite"], "season": ["dry_only"]}, geometry=[_row_line(g, 10, 0, 30)], crs=WORK_CRS
    )
    inputs = make_inputs(road_lines=[_row_line(g, 38, 0, 2)], network=seg, river=False)
    lat = {s: speed_lookup(SPEEDS, "surface", s)["laterite"] for s in ("dry", "rainy")}
    dry = route_between(inputs, _friction(inputs, "dry"), (10, 0), (10, 30))
    assert dry.time_h == pytest.approx(30 / lat["dry"], abs=1e-12)
    rainy = ReachState(pd.DataFrame({"status": []}), NO_ZONES, "rainy")
    wet = route_between(inputs, rainy.friction(inputs), (10, 0), (10, 30), state=rainy)
    assert wet.time_h == pytest.approx(30 / GRASS["rainy"], abs=1e-12)  # off-road, grass in the rains
    assert wet.road_km == 0.0


@pytest.mark.parametrize(("escort", "expected_kmh"), [(25.0, 25.0), (math.nan, None)])
def test_escort_speed_replaces_the_constrained_factor(escort: float, expected_kmh: float | None) -> None:
    g = _grid()
    axes = gpd.GeoDataFrame(
        {"road_class": ["main"]}, index=["AX"], geometry=[_row_line(g, ROAD_ROW)], crs=WORK_CRS
    )
    inputs = make_inputs(axes=axes, river=False)
    v = speed_lookup(SPEEDS, "road_class", "dry")["main"]
    factor = speed_lookup(SPEEDS, "status", "dry")["constrained"]
    status = pd.DataFrame({"status": ["constrained"], "escort_kmh": [escort]}, index=["AX"])
    r = route_between(inputs, _friction(inputs, status=status), (ROAD_ROW, 0), (ROAD_ROW, N - 1))
    kmh = expected_kmh if expected_kmh is not None else v * factor
    assert r.time_h == pytest.approx((N - 1) / kmh, abs=1e-12)


def test_a_constraint_never_makes_an_axis_slower_than_leaving_it() -> None:
    # a 3 km/h escort on a main axis over grass: travellers drive beside it at the grass
    # speed, so closing the axis (off-road) is never faster than constraining it
    g = _grid()
    axes = gpd.GeoDataFrame(
        {"road_class": ["main"]}, index=["AX"], geometry=[_row_line(g, ROAD_ROW)], crs=WORK_CRS
    )
    inputs = make_inputs(axes=axes, river=False)
    frictions = {
        kind: _friction(
            inputs, status=pd.DataFrame({"status": [status], "escort_kmh": [escort]}, index=["AX"])
        )
        for kind, status, escort in (
            ("open", "open", math.nan),
            ("constrained", "constrained", math.nan),
            ("slow escort", "constrained", 3.0),
            ("closed", "closed", math.nan),
        )
    }
    r = route_between(inputs, frictions["slow escort"], (ROAD_ROW, 0), (ROAD_ROW, N - 1))
    assert r.time_h == pytest.approx((N - 1) / GRASS["dry"], abs=1e-12)
    slow = pd.DataFrame({"status": ["constrained"], "escort_kmh": [3.0]}, index=["AX"])
    road, _ = speed_grids(inputs, axis_status=slow, season="dry")
    assert not road[ROAD_ROW].any()  # no road there: the route counts it as off-road
    assert np.array_equal(frictions["slow escort"], frictions["closed"])
    assert (frictions["open"] <= frictions["constrained"]).all()
    assert (frictions["constrained"] <= frictions["closed"]).all()


def test_flood_zone_is_impassable_off_road_in_its_months_only() -> None:
    g = _grid()
    x0, y0 = _centre(g, 25, 0)
    x1, y1 = _centre(g, 35, N - 1)
    zone = gpd.GeoDataFrame(
        {"zone_id": ["Z"], "month_set": [frozenset({9, 10, 11})], "effect": ["impassable"], "factor": [1.0]},
        geometry=[box(x0 - 500, y1 - 500, x1 + 500, y0 + 500)],
        crs=WORK_CRS,
    ).to_crs(STORAGE_CRS)
    inputs = make_inputs(flood=zone, river=False)
    flooded = _friction(inputs, "rainy", month=9)
    assert np.isinf(flooded[25:36, :]).all() and np.isfinite(flooded[ROAD_ROW]).all()
    assert np.isfinite(_friction(inputs, "rainy", month=8)[25:36, :]).all()


def test_the_as_of_date_selects_the_season_unless_overridden() -> None:
    inputs = make_inputs(river=False)
    from geo.sources.curated import ROAD_STATUS_COLUMNS

    versions = pd.DataFrame(columns=ROAD_STATUS_COLUMNS)
    episodes = gpd.GeoDataFrame(
        {"since": [], "until": [], "status": [], "last_confirmed": []}, geometry=[], crs=STORAGE_CRS
    )
    aug = dt.date(2025, 8, 15)
    assert base_state(inputs, versions, episodes, aug).season == "rainy"
    assert base_state(inputs, versions, episodes, aug).month == 8
    assert base_state(inputs, versions, episodes, aug, season="dry").season == "dry"
    assert base_state(inputs, versions, episodes, dt.date(2025, 2, 1)).season == "dry"
    st = ReachState(pd.DataFrame({"status": []}), NO_ZONES, "rainy")
    v = speed_lookup(SPEEDS, "road_class", "rainy")["main"]
    r = route_between(inputs, st.friction(inputs), (ROAD_ROW, 0), (ROAD_ROW, N - 1))
    assert r.time_h == pytest.approx((N - 1) / v, abs=1e-12)


def test_skeleton_edges_run_at_their_osrm_speed_over_the_field_factor() -> None:
    g = _grid()
    roads = gpd.GeoDataFrame(
        {"road_class": ["main"], "speed_src_kmh": [84.0]}, geometry=[_row_line(g, ROAD_ROW)], crs=WORK_CRS
    )
    base = road_speed_grids(g, roads, _empty_gdf(surface=object, season=object), SPEEDS)
    for season in ("dry", "rainy"):
        factor = speed_lookup(SPEEDS, "field_factor", season)["osrm"]
        assert base[season][ROAD_ROW, 3] == pytest.approx(84.0 / factor, rel=1e-6)
