"""A change recorded in the store, diffed cell by cell against the reach before it (real data)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.model.scenario import (
    CHANGE_COLUMNS,
    LOCALITY_CHANGE_COLUMNS,
    Scenario,
    ScenarioResult,
)
from geo.products.change_text import band_change_lines
from geo.sources.curated import read_hubs
from geo.store import constraints

# rasterio.transform.from_origin (used by geo.model.friction.make_grid) trips affine's
# PendingDeprecationWarning about `*` vs `@`; third-party, outside our control.
pytestmark = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")

AS_OF = dt.date(2025, 12, 1)
AXIS = "RN16-SEV-DOU"


@pytest.fixture(scope="module")
def inputs(data_dir: Path):
    from geo.model.friction import load_model_inputs

    return load_model_inputs(data_dir)


def test_closing_rn16_sevare_douentza_in_the_store_shrinks_mopti_8h(inputs, tmp_path: Path) -> None:
    from geo.model.reach import base_state, compute_reach
    from geo.model.scenario import run_change

    store = tmp_path / "store.sqlite"
    hubs = read_hubs().valid
    v0 = constraints.load_versions(store, data_dir=inputs.data_dir)
    assert constraints.effective_road_status(v0, AS_OF).at[AXIS, "status"] == "constrained"
    before = compute_reach(inputs, hubs, v0, as_of=AS_OF)
    constraints.record_road_status(
        store,
        axis_id=AXIS,
        status="closed",
        cause="security",
        valid_from="2025-11-01",
        source="test: RN16 closed",
        recorded_by="tester",
    )
    v1 = constraints.load_versions(store)
    assert constraints.effective_road_status(v1, AS_OF).at[AXIS, "status"] == "closed"
    out = run_change(inputs, hubs, before, base_state(inputs, v1.road_status, v1.encircled, AS_OF))
    ch = out.changes.set_index(["hub_id", "hours"])
    mop8 = ch.loc[("MOP", 8.0)]
    assert mop8["km2_lost"] > 1000.0 and mop8["km2_gained"] == 0
    assert mop8["area_after_km2"] == pytest.approx(mop8["area_before_km2"] - mop8["km2_lost"])
    assert mop8["localities_lost"] > 0 and mop8["population_lost"] > 0
    lost_poly = out.lost[(out.lost["hub_id"] == "MOP") & (out.lost["hours"] == 8.0)].geometry.iloc[0]
    assert lost_poly.area / 1e6 == pytest.approx(mop8["km2_lost"])
    # a closure never enlarges any reach
    assert (ch["km2_gained"] == 0).all() and (ch["localities_gained"] == 0).all()
    # the localities table lists exactly the counted localities, all lost
    mop8_loc = out.localities[(out.localities["hub_id"] == "MOP") & (out.localities["hours"] == 8.0)]
    assert len(mop8_loc) == mop8["localities_lost"] and set(mop8_loc["change"]) == {"lost"}
    # hubs left out by the rule are exactly unchanged, and equal to a full recompute
    assert "MOP" in set(out.changes.loc[out.changes["recomputed"], "hub_id"])
    kept = ch[~ch["recomputed"]]
    assert len(kept) > 0 and (kept["km2_lost"] == 0).all()
    full = compute_reach(inputs, hubs, v1, as_of=AS_OF)
    pd.testing.assert_frame_equal(
        out.after.bands.drop(columns="geometry"), full.bands.drop(columns="geometry")
    )
    # the recomputed hubs' figures, updated from the cells that moved, equal a full pass
    pd.testing.assert_frame_equal(out.after.localities, full.localities)
    pd.testing.assert_frame_equal(out.after.admin3, full.admin3)
    for hub in set(out.changes.loc[out.changes["recomputed"], "hub_id"]):
        a, b = out.after.sums[hub], full.sums[hub]
        assert np.array_equal(a.cells, b.cells) and np.array_equal(a.localities, b.localities)
        assert np.array_equal(a.admin3_cells, b.admin3_cells)
        assert np.array_equal(a.place_time_h, b.place_time_h)
        assert a.population == pytest.approx(b.population, rel=1e-12)
    lines = band_change_lines(out, "en")
    assert any(line.startswith("Mopti (Sévaré), 8 h:") and "localities lost" in line for line in lines)


def _result(changes: list[dict], localities: list[dict]) -> ScenarioResult:
    empty = gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="ESRI:102022")
    return ScenarioResult(
        Scenario(),
        None,
        None,
        pd.DataFrame(changes, columns=CHANGE_COLUMNS),
        pd.DataFrame(localities, columns=LOCALITY_CHANGE_COLUMNS),
        empty,
        empty,
    )


def test_band_change_lines_word_each_changed_band_from_the_tables() -> None:
    base = dict.fromkeys(CHANGE_COLUMNS, 0)
    a4 = {
        **base,
        "hub_id": "A",
        "hub": "Alpha",
        "hours": 4.0,
        "area_before_km2": 100.0,
        "area_after_km2": 100.0,
    }
    a8 = {
        **base,
        "hub_id": "A",
        "hub": "Alpha",
        "hours": 8.0,
        "area_before_km2": 2500.0,
        "area_after_km2": 1300.0,
        "km2_lost": 1250.0,
        "km2_gained": 50.0,
        "population_lost": 4000.0,
        "population_gained": 1500.0,
        "localities_lost": 10,
        "localities_gained": 1,
    }
    names = [f"=cmd{i}" for i in range(10)]
    loc = [
        {"hub_id": "A", "hours": 8.0, "change": "lost", "locality": n, "place_id": str(i)}
        for i, n in enumerate(names)
    ] + [{"hub_id": "A", "hours": 8.0, "change": "gained", "locality": "Beta", "place_id": "x"}]
    lines = band_change_lines(_result([a4, a8], loc), "en", max_names=3)
    assert lines == [
        "Alpha, 8 h: 2,500 → 1,300 km² (\u22121,200 km², \u22122,500 people); 10 localities lost "
        "(=cmd0, =cmd1, =cmd2 and 7\u00a0more); 1 locality gained (Beta)"
    ]
    # French: Babel's figures, the catalog's plural and its narrow no-break spaces
    assert band_change_lines(_result([a4, a8], loc), "fr", max_names=3) == [
        "Alpha, 8\u00a0h\u202f: 2\u202f500 → 1\u202f300 km² (\u22121\u202f200 km², \u22122\u202f500 pers.)"
        "\u202f; 10 localités perdues (=cmd0, =cmd1, =cmd2 et 7\u00a0autres)\u202f; 1 localité gagnée (Beta)"
    ]
    assert band_change_lines(_result([a4], []), "en") == []


def test_run_change_with_an_unchanged_state_changes_nothing(inputs) -> None:
    from geo.model.reach import compute_reach
    from geo.model.scenario import run_change

    hubs = read_hubs().valid
    hubs = hubs[hubs["hub_id"].isin(["MOP", "GAO"])]
    from geo.sources.curated import read_crossing_status, read_encircled, read_road_status
    from geo.store.constraints import ConstraintVersions

    status, episodes = read_road_status().valid, read_encircled().valid
    before = compute_reach(
        inputs, hubs, ConstraintVersions(status, episodes, read_crossing_status().valid), as_of=AS_OF
    )
    out = run_change(inputs, hubs, before, before.state)
    assert not out.changes["recomputed"].any()
    assert (out.changes[["km2_lost", "km2_gained", "localities_lost", "localities_gained"]] == 0).all().all()
    assert band_change_lines(out, "en") == []
    assert np.array_equal(out.after.friction, before.friction)
    assert all(g.is_empty for g in shapely.get_parts(out.lost.geometry.to_numpy()))
