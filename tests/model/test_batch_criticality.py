"""Batches and criticality on a tiny synthetic network whose cut-offs are known by hand.

The grid: 41 x 41 cells of 1 km, forest off-road (5 km/h in every season), one main road
(65 km/h in the dry season) along row 20, a river down column 20 over every row, crossed
only by the bridge X-B on the road. The road is two named axes: AX-W west of the river
(columns 0-19) and AX-E east of it (columns 21-40). Hub W sits on the road at column 2,
hub N at (5, 30), far from every axis. One band of 1 h.

From hub W, along the road a cell c columns east is (c - 2) / 65 h away (0.55 h for
column 38); off the road every km costs 1/5 h. So within 1 h, hub W reaches P1 (20, 10),
P5 (20, 22), P2 (20, 30), P3 (20, 38) and the unnamed people at (21, 35) (one km off the
road: about 0.7 h); not P4 (10, 10), 10 km off the road. Closing

* AX-W leaves 18 km of forest to the river (3.6 h): it cuts P1 (8 km off-road, 1.6 h),
  P5, P2, P3 and the people at (21, 35);
* the bridge leaves no way over the river: it cuts P5, P2, P3 and (21, 35);
* AX-E leaves the road to the bridge (0.28 h) then forest: P5, 2 km beyond the river,
  stays within 1 h (about 0.59 h); P2 (10 km: 2.2 h), P3 and (21, 35) are cut.

Hub N reaches nothing of the road within 1 h (15 km of forest), so no closure changes it.
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, box

from geo.config import STORAGE_CRS, WORK_CRS
from geo.model.batch import (
    LocalRunner,
    ReachJob,
    batch_table,
    make_context,
    open_runner,
    reach_series,
    run_batch,
    state_key,
    weekly_dates,
)
from geo.model.criticality import CRITICALITY_COLUMNS, criticality, criticality_items, most_critical
from geo.model.friction import (
    Grid,
    ModelInputs,
    burn_lines,
    crossing_cells,
    patch_friction,
    read_speed_table,
    road_speed_grids,
)
from geo.model.reach import ReachState, reach_from_state
from geo.model.scenario import Scenario, apply_scenario, run_scenario
from geo.store.constraints import ConstraintVersions

N = 41
ROAD, RIVER = 20, 20
SPEEDS = read_speed_table()
AS_OF = dt.date(2026, 1, 15)  # dry season in the calendar below
HOURS = (1.0,)
PLACES = {  # place id: (name, row, col, people)
    "P1": ("Ouest", 20, 10, 1000.0),
    "P2": ("Est", 20, 30, 2000.0),
    "P3": ("Bout", 20, 38, 4000.0),
    "P4": ("Forêt", 10, 10, 700.0),
    "P5": ("Rive", 20, 22, 500.0),
}
UNNAMED = ((21, 35), 300.0)
CUT = {"AX-W": {"P1", "P2", "P3", "P5"}, "X-B": {"P2", "P3", "P5"}, "AX-E": {"P2", "P3"}}
CUT_UNNAMED = {"AX-W": True, "X-B": True, "AX-E": True}


def _grid() -> Grid:
    return Grid(from_origin(0.0, N * 1000.0, 1000.0, 1000.0), (N, N), 1.0)


def _xy(r: int, c: int) -> tuple[float, float]:
    return (c + 0.5) * 1000.0, N * 1000.0 - (r + 0.5) * 1000.0


def _lonlat(r: int, c: int) -> tuple[float, float]:
    return Transformer.from_crs(WORK_CRS, STORAGE_CRS, always_xy=True).transform(*_xy(r, c))


def _line(c0: int, c1: int) -> LineString:
    return LineString([_xy(ROAD, c0), _xy(ROAD, c1)])


def _empty(**cols: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({k: pd.Series(dtype=v) for k, v in cols.items()}, geometry=[], crs=WORK_CRS)


def make_inputs() -> ModelInputs:
    g = _grid()
    water = np.zeros((N, N), dtype=bool)
    water[:, RIVER] = True
    roads = gpd.GeoDataFrame(
        {"road_class": ["main"], "speed_src_kmh": [np.nan]},
        index=["r0"],
        geometry=[_line(0, N - 1)],
        crs=WORK_CRS,
    )
    net = _empty(surface=object, season=object)
    base = road_speed_grids(g, roads, net, SPEEDS)
    axes = gpd.GeoDataFrame(
        {
            "axis_name": ["Ouest - pont", "Pont - est"],
            "route_ref": ["RN0", "RN0"],
            "road_class": ["main", "main"],
        },
        index=pd.Index(["AX-W", "AX-E"], name="axis_id"),
        geometry=[_line(0, RIVER - 1), _line(RIVER + 1, N - 1)],
        crs=WORK_CRS,
    )
    lon, lat = _lonlat(ROAD, RIVER)
    bridge = gpd.GeoDataFrame(
        [
            {
                "crossing_id": "X-B",
                "name": "Pont de l'Est",
                "kind": "bridge",
                "crossing_h": 0.0,
                "wait_h": 0.0,
                "open_h": math.nan,
                "close_h": math.nan,
                "season": "all_year",
                "vehicles": True,
                "geometry": Point(lon, lat),
            }
        ],
        geometry="geometry",
        crs=STORAGE_CRS,
    ).set_index("crossing_id", drop=False)
    population = np.zeros((N, N))
    for _name, r, c, people in PLACES.values():
        population[r, c] = people
    population[UNNAMED[0]] = UNNAMED[1]
    places = gpd.GeoDataFrame(
        {
            "name": [p[0] for p in PLACES.values()],
            "adm2_pcode": "ML0000",
            "adm3_pcode": "ML000000",
            "adm2_name": "Test",
            "row": [p[1] for p in PLACES.values()],
            "col": [p[2] for p in PLACES.values()],
        },
        index=list(PLACES),
        geometry=[Point(_xy(p[1], p[2])) for p in PLACES.values()],
        crs=WORK_CRS,
    )
    return ModelInputs(
        grid=g,
        inside=np.ones((N, N), dtype=bool),
        landcover=np.full((N, N), 1, dtype=np.uint8),  # forest: 5 km/h in both seasons
        water=water,
        population=population,
        road_speed_base=base,
        roads=roads,
        axes=axes,
        outline=gpd.GeoSeries([box(0, 0, N * 1000.0, N * 1000.0)], crs=WORK_CRS),
        places=places,
        admin2=_empty(),
        admin3=_empty(),
        speeds=SPEEDS,
        axis_cells=burn_lines(axes.geometry, g, np.arange(1, len(axes) + 1), dtype="int32", fill=0),
        network=net,
        crossings=crossing_cells(bridge, g, water, base, SPEEDS),
        season_calendar={m: ("rainy" if 6 <= m <= 10 else "dry") for m in range(1, 13)},
    )


def make_hubs() -> gpd.GeoDataFrame:
    rows = [("W", "Hub ouest", ROAD, 2), ("N", "Hub nord", 5, 30)]
    return gpd.GeoDataFrame(
        {"hub_id": [r[0] for r in rows], "name": [r[1] for r in rows]},
        index=pd.Index([r[0] for r in rows], name="id"),
        geometry=[Point(_lonlat(r[2], r[3])) for r in rows],
        crs=STORAGE_CRS,
    )


def make_state(*, axes: str = "open", bridge: str = "open") -> ReachState:
    return ReachState(
        axis_status=pd.DataFrame({"status": [axes, axes]}, index=pd.Index(["AX-W", "AX-E"], name="axis_id")),
        no_entry=gpd.GeoDataFrame(
            {"locality": pd.Series(dtype=object), "radius_km": pd.Series(dtype=float), "since": []},
            geometry=[],
            crs=STORAGE_CRS,
        ),
        season="dry",
        crossing_status=pd.DataFrame({"status": [bridge]}, index=pd.Index(["X-B"], name="crossing_id")),
        month=AS_OF.month,
    )


@pytest.fixture(scope="module")
def inputs() -> ModelInputs:
    return make_inputs()


@pytest.fixture(scope="module")
def ctx(inputs: ModelInputs):  # noqa: ANN201
    return make_context(inputs, make_hubs(), hours=HOURS)


@pytest.fixture(scope="module")
def local_table(ctx) -> gpd.GeoDataFrame:  # noqa: ANN001
    return criticality(ctx, make_state(), LocalRunner(), as_of=AS_OF)


def test_the_network_reaches_what_the_docstring_says(inputs: ModelInputs) -> None:
    before = reach_from_state(inputs, make_hubs(), make_state(), as_of=AS_OF, hours=HOURS)
    reached = before.localities
    assert set(reached.loc[reached["hub_id"] == "W", "place_id"]) == {"P1", "P2", "P3", "P5"}
    assert not (reached["hub_id"] == "N").any()
    t = reached.set_index("place_id")["travel_time_h"]
    assert t["P3"] == pytest.approx(36 / 65, rel=0.02)  # 36 km of road at 65 km/h
    people = before.bands.set_index("hub_id").loc["W", "population"]
    assert people == pytest.approx(sum(PLACES[p][3] for p in ("P1", "P2", "P3", "P5")) + UNNAMED[1])


def test_items_are_the_usable_axes_and_crossings(inputs: ModelInputs) -> None:
    items = criticality_items(inputs, make_state())
    assert list(zip(items["kind"], items["item_id"], strict=True)) == [
        ("axis", "AX-W"),
        ("axis", "AX-E"),
        ("crossing", "X-B"),
    ]
    assert items.loc[items["item_id"] == "X-B", "item_name"].iloc[0] == "Pont de l'Est"
    # axes named as on every page (geo.sources.curated.axis_label): route number, en dash
    assert items.loc[items["item_id"] == "AX-W", "item_name"].iloc[0] == "RN0 Ouest–pont"
    # a closed axis or crossing cannot be cut again
    assert criticality_items(inputs, make_state(axes="closed", bridge="closed")).empty


def test_each_closure_cuts_the_known_localities_and_people(local_table: gpd.GeoDataFrame) -> None:
    assert list(local_table.columns) == [*CRITICALITY_COLUMNS, "geometry"]
    w = local_table[local_table["hub_id"] == "W"].set_index("item_id")
    for item, places in CUT.items():
        people = sum(PLACES[p][3] for p in places) + (UNNAMED[1] if CUT_UNNAMED[item] else 0.0)
        assert w.at[item, "localities_lost"] == len(places), item
        assert w.at[item, "population_lost"] == pytest.approx(people), item
        named = {p for p, v in PLACES.items() if v[0] in w.at[item, "localities_named"].split("; ")}
        assert named == places, item
        assert w.at[item, "band_h"] == 1.0
    # ranked by people cut off: AX-W (all east and P1), then the bridge, then AX-E
    assert list(w.sort_values("rank").index) == ["AX-W", "X-B", "AX-E"]
    # hub N is out of reach of every item: nothing lost, ties ranked by id
    n = local_table[local_table["hub_id"] == "N"]
    assert (n["population_lost"] == 0).all() and (n["localities_lost"] == 0).all()
    assert list(n.sort_values("rank")["item_id"]) == ["AX-E", "AX-W", "X-B"]
    best = most_critical(local_table)
    assert best.iloc[0]["item_id"] == "AX-W" and best.iloc[0]["hubs_affected"] == 1


def test_patched_friction_equals_a_full_build(inputs: ModelInputs) -> None:
    state = make_state()
    base = state.friction(inputs)
    for scenario in (
        Scenario(close_axes=("AX-W",)),
        Scenario(close_axes=("AX-E",)),
        Scenario(constrain_axes=("AX-E",)),
        Scenario(close_crossings=("X-B",)),
    ):
        after = apply_scenario(inputs, state, scenario)
        patched, full = patch_friction(inputs, base, state, after), after.friction(inputs)
        assert patched is not None
        np.testing.assert_array_equal(np.asarray(patched), np.asarray(full))
        if full.tolls is None:
            assert patched.tolls is None
        else:
            np.testing.assert_array_equal(patched.tolls.cells, full.tolls.cells)
            np.testing.assert_array_equal(patched.tolls.toll_h, full.tolls.toll_h)
    # a season change touches the whole grid: no patch
    assert (
        patch_friction(inputs, base, state, apply_scenario(inputs, state, Scenario(season="rainy"))) is None
    )


def test_state_key_follows_what_the_reach_depends_on(inputs: ModelInputs) -> None:
    a, b = make_state(), make_state()
    assert state_key(inputs, a) == state_key(inputs, b)
    assert state_key(inputs, a) != state_key(inputs, make_state(bridge="closed"))
    assert state_key(inputs, a) != state_key(inputs, make_state(axes="constrained"))
    # no flood zone in these inputs: the month does not matter, the season does
    import dataclasses

    assert state_key(inputs, a) == state_key(inputs, dataclasses.replace(a, month=3))
    assert state_key(inputs, a) != state_key(inputs, dataclasses.replace(a, season="rainy"))


def _jobs() -> list[ReachJob]:
    return [
        ReachJob("as of", AS_OF),
        ReachJob("bridge closed", AS_OF, scenario=Scenario(name="bridge", close_crossings=("X-B",))),
        ReachJob("east closed", AS_OF, scenario=Scenario(name="east", close_axes=("AX-E",))),
        ReachJob("rainy", AS_OF, season="rainy"),
        ReachJob("as of again", AS_OF),  # same state: computed once
    ]


def _states(inputs: ModelInputs, jobs: list[ReachJob]) -> list[ReachState]:
    import dataclasses

    return [dataclasses.replace(make_state(), season=j.season or "dry") for j in jobs]


def _assert_same_bands(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    cols = ["hub_id", "hours", "area_km2", "population", "localities", "hub_status"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(a[cols]).reset_index(drop=True), pd.DataFrame(b[cols]).reset_index(drop=True)
    )
    assert all(shapely.equals_exact(x, y, tolerance=0.0) for x, y in zip(a.geometry, b.geometry, strict=True))


def test_batch_on_dask_equals_the_single_process_runs(inputs: ModelInputs, ctx, local_table) -> None:  # noqa: ANN001
    jobs = _jobs()
    states = _states(inputs, jobs)
    local = run_batch(ctx, jobs, states, LocalRunner())
    seen: list[str] = []
    with open_runner(workers=2) as runner:
        remote = run_batch(ctx, jobs, states, runner, progress=lambda d, n, label: seen.append(label))
        remote_crit = criticality(ctx, make_state(), runner, as_of=AS_OF)
    assert len(seen) == 4  # five jobs, one repeated: four tasks, one progress line each
    for a, b in zip(local, remote, strict=True):
        _assert_same_bands(a.bands, b.bands)
        pd.testing.assert_frame_equal(
            a.localities.reset_index(drop=True), b.localities.reset_index(drop=True)
        )
    # and both equal the engine called directly, as the app and `geo reach` call it
    hubs = make_hubs()
    direct = reach_from_state(inputs, hubs, make_state(), as_of=AS_OF, hours=HOURS)
    _assert_same_bands(local[0].bands, direct.bands)
    bridge = run_scenario(inputs, hubs, direct, jobs[1].scenario)
    _assert_same_bands(remote[1].bands, bridge.after.bands)
    pd.testing.assert_frame_equal(remote[1].changes, bridge.changes)
    # travel times to every locality: the rasters the bands come from
    pd.testing.assert_frame_equal(
        remote[2].localities.reset_index(drop=True),
        run_scenario(inputs, hubs, direct, jobs[2].scenario).after.localities.reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(
        pd.DataFrame(remote_crit.drop(columns="geometry")), pd.DataFrame(local_table.drop(columns="geometry"))
    )
    table = batch_table(jobs, remote)
    assert len(table) == len(jobs) * 2
    lost = table[(table["job"] == "bridge closed") & (table["hub_id"] == "W")]
    assert lost["localities_lost"].iloc[0] == len(CUT["X-B"])


def _versions(id_field: str, rows: list[tuple[str, str, dt.date]]) -> pd.DataFrame:
    """Status versions in the store's schema (one per row: id, status, valid from)."""
    return pd.DataFrame(
        {
            id_field: [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "cause": "security",
            "valid_from": [r[2] for r in rows],
            "valid_to": [None] * len(rows),
            "source": "test",
            "note": "",
            "confidence": "confirmed",
            "status_raw": [r[1] for r in rows],
            "recorded_at": [f"2026-01-01T00:00:0{k}" for k in range(len(rows))],
        }
    )


def test_series_counts_each_state_once_and_repeats_it_per_date(inputs: ModelInputs, ctx) -> None:  # noqa: ANN001
    calls: list[str] = []
    versions = _versions(
        "axis_id", [("AX-E", "open", dt.date(2025, 1, 1)), ("AX-E", "closed", dt.date(2026, 1, 20))]
    )
    dates = weekly_dates(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert dates == [dt.date(2026, 1, d) for d in (1, 8, 15, 22, 29)]
    from geo.sources.curated import road_status_as_of

    series = reach_series(
        ctx,
        dates,
        LocalRunner(),
        ConstraintVersions(
            versions,
            gpd.GeoDataFrame(
                {
                    c: pd.Series(dtype=object)
                    for c in ("locality", "since", "until", "status", "last_confirmed")
                }
                | {"radius_km": pd.Series(dtype=float)},
                geometry=[],
                crs=STORAGE_CRS,
            ),
            _versions("crossing_id", [("X-B", "open", dt.date(2025, 1, 1))]),
        ),
        progress=lambda d, n, label: calls.append(label),
    )
    assert road_status_as_of(versions, inputs.axes.index, dates[-1]).at["AX-E", "status"] == "closed"
    assert len(calls) == 2  # before and after the closure of 20 January
    w = series[series["hub_id"] == "W"].set_index("as_of")
    people_open = sum(PLACES[p][3] for p in ("P1", "P2", "P3", "P5")) + UNNAMED[1]
    people_closed = people_open - sum(PLACES[p][3] for p in CUT["AX-E"]) - UNNAMED[1]
    assert list(w["population"]) == pytest.approx([people_open] * 3 + [people_closed] * 2)
    assert list(w["localities"]) == [4, 4, 4, 2, 2]


def test_an_existing_cluster_is_used_through_its_scheduler_address(inputs: ModelInputs, ctx) -> None:  # noqa: ANN001
    from distributed import LocalCluster

    jobs = _jobs()[:2]
    states = _states(inputs, jobs)
    local = run_batch(ctx, jobs, states, LocalRunner())
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with open_runner(scheduler=cluster.scheduler_address) as runner:
            assert cluster.scheduler_address in runner.description and runner.slots == 1
            remote = run_batch(ctx, jobs, states, runner)
        # the command closes its client only: the cluster keeps running for others
        assert len(cluster.scheduler_info["workers"]) == 1
    for a, b in zip(local, remote, strict=True):
        _assert_same_bands(a.bands, b.bands)
