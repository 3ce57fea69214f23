"""Closing an axis in the store shrinks the reach of the hubs that use it (real data)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon, box

from geo.model.diff import affected_hubs, diff_reach, summarise_diff
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


def test_closing_rn16_sevare_douentza_shrinks_mopti_8h(inputs, tmp_path: Path) -> None:
    from geo.model.reach import compute_reach

    store = tmp_path / "store.sqlite"
    hubs = read_hubs().valid
    v0 = constraints.load_versions(store, data_dir=inputs.data_dir)
    assert constraints.effective_road_status(v0, AS_OF).at[AXIS, "status"] == "constrained"
    before = compute_reach(
        inputs, hubs, road_status_versions=v0.road_status, encircled_episodes=v0.encircled, as_of=AS_OF
    )

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
    affected = affected_hubs(before.bands, inputs.axes.loc[AXIS].geometry)
    assert "MOP" in affected and "KID" not in affected
    after_all = compute_reach(
        inputs, hubs, road_status_versions=v1.road_status, encircled_episodes=v1.encircled, as_of=AS_OF
    )

    diff = diff_reach(before, after_all).set_index(["hub_id", "hours"])
    mop8 = diff.loc[("MOP", 8.0)]
    assert mop8["area_after_km2"] < mop8["area_before_km2"] - 1000.0
    assert mop8["localities_after"] < mop8["localities_before"]
    assert mop8["lost"] and not mop8["gained"]
    assert mop8["geometry"].area / 1e6 == pytest.approx(-mop8["area_change_km2"], rel=0.05)
    # a closure never enlarges any reach
    assert (diff["area_change_km2"] <= 1e-6).all()
    assert not any(diff["gained"].map(len))
    # hubs the rule leaves out are indeed unchanged
    unaffected = diff[~diff.index.get_level_values("hub_id").isin(affected)]
    assert len(unaffected) > 0
    assert (unaffected["area_change_km2"] == 0).all()
    assert (unaffected["localities_before"] == unaffected["localities_after"]).all()
    lines = summarise_diff(diff.reset_index())
    assert any(line.startswith("Mopti (Sévaré), 8 h:") and "localities lost" in line for line in lines)


def test_affected_hubs_rule_on_toy_bands() -> None:
    import geopandas as gpd

    bands = gpd.GeoDataFrame(
        {
            "hub_id": ["A", "A", "B", "B", "C"],
            "hours": [4.0, 8.0, 4.0, 8.0, 4.0],
            "geometry": [
                box(0, 0, 10_000, 10_000),
                box(0, 0, 20_000, 20_000),
                box(100_000, 0, 110_000, 10_000),
                box(100_000, 0, 120_000, 20_000),
                Polygon(),
            ],
        },
        crs="ESRI:102022",
    )
    # a zone 1.4 km east of A's 8 h band: outside the default 1 km margin, inside 2 km
    zone = Point(21_500, 5_000).buffer(100)
    assert affected_hubs(bands, zone) == ["C"]  # C could not start: always recomputed
    assert affected_hubs(bands, zone, margin_km=2.0) == ["A", "C"]
