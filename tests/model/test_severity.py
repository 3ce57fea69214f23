"""Access severity: indicators from hand-made inputs with exact scores, bad tables, the real-data run."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import LineString, box

from geo.config import WORK_CRS
from geo.errors import DataFileError
from geo.model.severity import (
    DIMENSIONS,
    INDICATOR_TABLE_COLUMNS,
    axis_lengths,
    episode_population,
    read_event_types,
    read_indicator_table,
    score_units,
    score_value,
)

TABLE_HEAD = ",".join(INDICATOR_TABLE_COLUMNS) + "\n"


def _table(tmp_path, rows: str):  # noqa: ANN202
    path = tmp_path / "ind.csv"
    path.write_text(TABLE_HEAD + rows, encoding="utf-8")
    return path


def _figures(**over) -> pd.DataFrame:  # noqa: ANN003
    base = {
        "population": [10_000.0, 5_000.0, 1_000.0],
        "area_km2": [100.0, 100.0, 100.0],
        "share_pop_8h": [1.0, 0.3, 0.0],
        "zone": ["accessible", "hard_to_reach", None],
        "axis_km": [0.0, 100.0, 40.0],
        "axis_closed_km": [0.0, 50.0, 40.0],
        "axis_constrained_km": [0.0, 20.0, 0.0],
        "axis_physical_km": [0.0, 0.0, 10.0],
        "axis_security_km": [0.0, 60.0, 30.0],
        "share_pop_delayed": [0.0, 0.2, np.nan],
        "encirclements_recent": [0, 3, 1],
        "axes_closed": ["", "A1", "A2"],
        "axes_constrained": ["", "A3", ""],
        "encirclements_in_force": [0, 2, 1],
        "encircled_localities": ["", "X;Y", "Z"],
        "encircled_people": [0.0, 1_000.0, 50.0],
        "incidents_violence": [0.0, 3.0, np.nan],
        "incidents_restriction": [0.0, 1.0, 5.0],
    }
    base.update(over)
    return pd.DataFrame(base)


def test_score_value_counts_thresholds_reached() -> None:
    assert [score_value(v, 1, 3, 10) for v in (0, 0.99, 1, 2.9, 3, 9, 10, 100)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert score_value(float("nan"), 1, 3, 10) == 0


def test_project_table_reads_with_every_dimension_and_a_source() -> None:
    table = read_indicator_table()
    assert set(table["dimension"]) == set(DIMENSIONS)
    assert (table["source"].str.len() > 20).all()
    assert (table["t1"] <= table["t2"]).all() and (table["t2"] <= table["t3"]).all()
    groups = read_event_types()
    assert {"hostilities", "violence_personnel", "mines"} == set(groups["violence"])
    assert {"movement_within", "population_access", "interference"} <= set(groups["restriction"])
    assert not set(groups["violence"]) & set(groups["restriction"])
    # the hub-distance zone is no longer an indicator (a unit far from every hub is not constrained)
    assert "hub_zone" not in set(table["indicator"]) and "pop_beyond_8h" not in set(table["indicator"])


def test_new_indicators_from_hand_made_figures(tmp_path) -> None:
    path = _table(
        tmp_path,
        "pop_delayed_share,actors_to_people,1,0.02,0.10,0.30,share,d,src\n"
        "encirclements_recent,security_physical,0.5,1,2,3,n,d,src\n"
        "security_axis_share,security_physical,1,0.10,0.40,0.75,share,d,src\n",
    )
    out = score_units(_figures(), read_indicator_table(path))
    # unit 1: delayed 0.2 -> 2; recent 3 -> 3; security (60 km of 100) 0.6 -> 2
    assert [
        out.loc[1, f"score_{n}"] for n in ("pop_delayed_share", "encirclements_recent", "security_axis_share")
    ] == [2, 3, 2]
    assert out.loc[1, "index"] == pytest.approx(round(5 * (2 + 0.5 * 3 + 2) / (3 * 2.5), 3))
    # unit 2: no baseline travel time -> gap; security 30/40 = 0.75 -> 3; recent 1 -> 1
    assert out.loc[2, "info_gaps"] == "pop_delayed_share"
    assert out.loc[2, "index"] == pytest.approx(round(5 * (0.5 * 1 + 3) / (3 * 1.5), 3))
    # unit 0: no axis -> security share is a gap, not a 0
    assert out.loc[0, "info_gaps"] == "security_axis_share"


def test_indicators_and_index_from_hand_made_figures(tmp_path) -> None:
    path = _table(
        tmp_path,
        "people_encircled_share,people_to_aid,2,0.0001,0.02,0.10,share,d,src\n"
        "axis_blocked_share,actors_to_people,1,0.10,0.40,0.75,share,d,src\n"
        "pop_beyond_8h,actors_to_people,1,0.10,0.50,0.90,share,d,src\n"
        "hub_zone,actors_to_people,0.5,1,2,3,rank,d,src\n"
        "violence_incidents,security_physical,1,1,3,10,n,d,src\n"
        "encirclements,security_physical,1,1,2,3,n,d,src\n"
        "physical_axis_share,security_physical,0.5,0.01,0.25,0.50,share,d,src\n"
        "restriction_reports,people_to_aid,1,1,2,4,n,d,src\n",
    )
    out = score_units(_figures(), read_indicator_table(path))
    # unit 0: nothing; axis and physical shares have no value (no axis)
    assert out.loc[0, "index"] == 0 and out.loc[0, "score"] == 0
    assert out.loc[0, "info_gaps"] == "axis_blocked_share;physical_axis_share"
    # unit 1: encircled 1000/5000 = 0.2 -> 3; blocked (50 + 10)/100 = 0.6 -> 2; beyond 8 h 0.7 -> 2;
    # zone rank 2 -> 2; violence 3 -> 2; encirclements 2 -> 2; physical 0 -> 0; restrictions 1 -> 1
    assert out.loc[1, "value_axis_blocked_share"] == pytest.approx(0.6)
    assert out.loc[1, "value_people_encircled_share"] == pytest.approx(0.2)
    scores1 = [
        out.loc[1, f"score_{n}"] for n in ("people_encircled_share", "axis_blocked_share", "pop_beyond_8h")
    ]
    assert scores1 == [3, 2, 2]
    num = 2 * 3 + 1 * 2 + 1 * 2 + 0.5 * 2 + 1 * 2 + 1 * 2 + 0.5 * 0 + 1 * 1
    den = 2 + 1 + 1 + 0.5 + 1 + 1 + 0.5 + 1
    assert out.loc[1, "index"] == pytest.approx(round(5 * num / (3 * den), 3))
    assert out.loc[1, "score"] == math.floor(5 * num / (3 * den) + 0.5)
    assert out.loc[1, "dim_people_to_aid"] == pytest.approx(round((2 * 3 + 1) / 3, 3))
    # unit 2: no zone and no violence count -> gaps, left out of the mean
    assert out.loc[2, "info_gaps"] == "hub_zone;violence_incidents"
    # encircled 50/1000 = 0.05 -> 2; blocked 40/40 = 1 -> 3; beyond 8 h 1.0 -> 3; encirclements 1 -> 1;
    # physical 10/40 = 0.25 -> 2; restrictions 5 -> 3
    num2 = 2 * 2 + 1 * 3 + 1 * 3 + 1 * 1 + 0.5 * 2 + 1 * 3
    den2 = 2 + 1 + 1 + 1 + 0.5 + 1
    assert out.loc[2, "index"] == pytest.approx(round(5 * num2 / (3 * den2), 3))
    assert out.loc[2, "score"] == 4 and out.loc[2, "label"] == "very high constraints"


def test_index_reaches_five_only_when_every_indicator_is_at_its_top() -> None:
    fig = _figures(
        population=[100.0] * 3,
        share_pop_8h=[0.0] * 3,
        zone=["inaccessible"] * 3,
        axis_km=[10.0] * 3,
        axis_closed_km=[10.0] * 3,
        axis_constrained_km=[0.0] * 3,
        axis_physical_km=[10.0] * 3,
        axis_security_km=[10.0] * 3,
        share_pop_delayed=[1.0] * 3,
        encirclements_recent=[3] * 3,
        encirclements_in_force=[3] * 3,
        encircled_people=[100.0] * 3,
        incidents_violence=[10.0] * 3,
        incidents_restriction=[4.0] * 3,
    )
    out = score_units(fig)
    assert list(out["score"]) == [5, 5, 5] and list(out["index"]) == [5.0, 5.0, 5.0]
    assert out["info_gaps"].eq("").all()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("nope,people_to_aid,1,1,2,3,u,d,s\n", "indicator"),
        ("encirclements,elsewhere,1,1,2,3,u,d,s\n", "dimension"),
        ("encirclements,security_physical,0,1,2,3,u,d,s\n", "weight"),
        ("encirclements,security_physical,x,1,2,3,u,d,s\n", "weight"),
        ("encirclements,security_physical,1,1,=cmd(),3,u,d,s\n", "t2"),
        ("encirclements,security_physical,1,3,2,3,u,d,s\n", "t2"),
        ("encirclements,security_physical,1,1,2,inf,u,d,s\n", "t3"),
        ("encirclements,security_physical,1,1,2,3,u,d,\n", "source"),
    ],
)
def test_bad_indicator_rows_name_row_and_field(tmp_path, row: str, field: str) -> None:
    with pytest.raises(DataFileError) as err:
        read_indicator_table(_table(tmp_path, row))
    assert err.value.row == 1 and err.value.field == field


def test_duplicate_indicator_and_missing_column_are_refused(tmp_path) -> None:
    row = "encirclements,security_physical,1,1,2,3,u,d,s\n"
    with pytest.raises(DataFileError, match="duplicate"):
        read_indicator_table(_table(tmp_path, row + row))
    (tmp_path / "bad.csv").write_text("indicator,dimension\nx,y\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="missing column"):
        read_indicator_table(tmp_path / "bad.csv")


def test_axis_lengths_split_by_unit_and_status() -> None:
    units = gpd.GeoDataFrame(
        {"pcode": ["W", "E"]},
        geometry=[box(0, 0, 100_000, 100_000), box(100_000, 0, 200_000, 100_000)],
        crs=WORK_CRS,
    )
    axes = gpd.GeoDataFrame(
        {"axis_id": ["A", "B"]},
        geometry=[
            LineString([(50_000, 50_000), (150_000, 50_000)]),
            LineString([(120_000, 10_000), (120_000, 40_000)]),
        ],
        crs=WORK_CRS,
    )
    status = pd.DataFrame(
        {"status": ["closed", "constrained"], "cause": ["security", "seasonal"]}, index=["A", "B"]
    )
    out = axis_lengths(units, axes, status)
    assert list(out["axis_km"]) == pytest.approx([50.0, 80.0])
    assert list(out["axis_closed_km"]) == pytest.approx([50.0, 50.0])
    assert list(out["axis_constrained_km"]) == pytest.approx([0.0, 30.0])
    assert list(out["axis_physical_km"]) == pytest.approx([0.0, 30.0])
    assert list(out["axis_security_km"]) == pytest.approx([50.0, 50.0])  # B is seasonal
    assert list(out["axes_closed"]) == ["A", "A"] and list(out["axes_constrained"]) == ["", "B"]


def test_episode_population_uniform_density_and_settlements(tmp_path) -> None:
    path = tmp_path / "dens.tif"
    dens = np.full((40, 40), 25.0, dtype="float32")
    with rasterio.open(
        path, "w", driver="GTiff", height=40, width=40, count=1, dtype="float32", crs="EPSG:4326",
        transform=from_origin(-6.0, 16.0, 0.1, 0.1), nodata=-9999,
    ) as dst:  # fmt: skip
        dst.write(dens, 1)
    ep = gpd.GeoDataFrame(
        {"locality": ["Town", "Bush"], "radius_km": [5.0, 10.0]},
        geometry=gpd.points_from_xy([-4.0, -3.5], [14.0, 14.5]),
        crs="EPSG:4326",
    )
    places = gpd.GeoDataFrame(
        {"name": ["Town", "Hamlet", "Far"], "population": [12_000.0, 0.0, 900.0]},
        geometry=gpd.points_from_xy([-4.0, -4.01, -3.0], [14.0, 14.0, 14.0]),
        crs="EPSG:4326",
    )
    out = episode_population(ep, density_path=path, places=places, step_km=0.25)
    # 25 people/km² over discs of pi 5² and pi 10² km² (lattice error well under 1 %)
    assert out["population_grid"].tolist() == pytest.approx([25 * math.pi * 25, 25 * math.pi * 100], rel=0.01)
    assert out.loc[0, "population_grid_low"] == pytest.approx(25 * math.pi * 25)
    assert out.loc[0, "population_settlement"] == 12_000 and out.loc[0, "settlements"] == "Town"
    assert out.loc[0, "population"] == 12_000 and out.loc[0, "population_method"] == "settlement"
    assert np.isnan(out.loc[1, "population_settlement"]) and out.loc[1, "population_method"] == "grid"
    assert out.loc[1, "population"] == pytest.approx(out.loc[1, "population_grid"])


def test_episode_population_estimate_lies_within_its_grid_range(tmp_path) -> None:
    # coarse blocks (0.2 degrees, ~22 km) of very different densities, a locality near a block corner:
    # the estimate and its range come from the same densities and the same area (the disc's)
    path = tmp_path / "dens.tif"
    rng = np.random.default_rng(7)
    dens = rng.uniform(5.0, 400.0, size=(20, 20)).astype("float32")
    dens[9, 9] = -9999  # one block without data: counted as nobody, inside the range
    with rasterio.open(
        path, "w", driver="GTiff", height=20, width=20, count=1, dtype="float32", crs="EPSG:4326",
        transform=from_origin(-6.0, 16.0, 0.2, 0.2), nodata=-9999,
    ) as dst:  # fmt: skip
        dst.write(dens, 1)
    xs, ys = [-4.19, -4.0, -4.21, -3.5], [14.21, 14.0, 14.19, 13.0]
    ep = gpd.GeoDataFrame(
        {"locality": ["A", "B", "C", "D"], "radius_km": [2.0, 5.0, 0.5, 30.0]},
        geometry=gpd.points_from_xy(xs, ys),
        crs="EPSG:4326",
    )
    out = episode_population(ep, density_path=path, places=None, step_km=0.5)
    for i in out.index:
        low, est, high = out.loc[i, ["population_grid_low", "population_grid", "population_grid_high"]]
        assert low <= est <= high, (ep.loc[i, "locality"], low, est, high)
        area = math.pi * float(ep.loc[i, "radius_km"]) ** 2
        # the bounds are block densities times the disc's area: a block's density, not a rounded one
        assert any(math.isclose(high / area, float(d), rel_tol=1e-5) for d in dens.ravel())
    # a uniform grid: estimate and both bounds are that density times pi r²
    flat = tmp_path / "flat.tif"
    with rasterio.open(
        flat, "w", driver="GTiff", height=20, width=20, count=1, dtype="float32", crs="EPSG:4326",
        transform=from_origin(-6.0, 16.0, 0.2, 0.2), nodata=-9999,
    ) as dst:  # fmt: skip
        dst.write(np.full((20, 20), 40.0, dtype="float32"), 1)
    out = episode_population(ep.iloc[:1], density_path=flat, places=None, step_km=0.5)
    expected = 40.0 * math.pi * 2.0**2
    assert out.loc[0, ["population_grid_low", "population_grid", "population_grid_high"]].tolist() == (
        pytest.approx([expected] * 3)
    )


def test_hxl_tags_cover_scores_and_indicators() -> None:
    from geo.tables import hxl_tag

    assert hxl_tag("score") == "#severity+access+class"
    assert hxl_tag("value_axis_blocked_share") == "#indicator+value+axis_blocked_share"
    assert hxl_tag("score_encirclements") == "#severity+score+encirclements"
    assert hxl_tag("share_pop_4h") == "#indicator+share_pop_4h"
    assert hxl_tag("pcode") == "#adm+code"


def test_real_data_every_cercle_scored(data_dir, model_inputs) -> None:
    from geo.model.incidents import load_incidents
    from geo.model.severity import severity_on
    from geo.sources.curated import select_hubs
    from geo.sources.datasets import dataset_path
    from geo.store.constraints import load_versions

    v = load_versions(None)
    as_of = dt.date(2025, 11, 30)
    incidents = load_incidents(data_dir)
    out, res = severity_on(
        model_inputs,
        select_hubs(None),
        v,
        as_of=as_of,
        level=2,
        density_path=dataset_path(data_dir, "population"),
        incidents=incidents,
    )
    assert len(out) == len(model_inputs.admin2) == 50
    assert out["pcode"].is_unique and out["score"].between(0, 5).all()
    # every encirclement in force on the date is counted in exactly one cercle
    in_force = res.state.no_entry
    assert out["encirclements_in_force"].sum() == len(in_force)
    # the files hold no violence incident in the 2025 window: the group is counted over the last
    # 365 days they cover, and every unit says so
    last = incidents.loc[incidents["amrf"].isin(["hostilities", "violence_personnel", "mines"]), "date"].max()
    start = last - pd.Timedelta(days=364)
    assert (
        out["data_sparse"]
        .str.contains(f"violence incidents counted over {start.date()}..{last.date()}")
        .all()
    )
    assert not out["info_gaps"].str.contains("violence_incidents").any()
    assert out["incidents_violence"].sum() == sum(
        out[f"incidents_amrf_{c}"].sum() for c in ("hostilities", "violence_personnel", "mines")
    )
    # restriction incidents of 2025 come only from the curated timeline: none is a gap, not a 0
    restr = out["incidents_restriction"]
    assert (restr > 0).any() and not (restr == 0).any()
    gap = restr.isna()
    assert out.loc[gap, "info_gaps"].str.contains("restriction_reports").all()
    assert out.loc[gap, "data_sparse"].str.contains("only from the curated access-event timeline").all()
    assert not out.loc[~gap, "data_sparse"].str.contains("curated access-event timeline").any()
    # the hub-distance zone is a figure, not an indicator
    assert "value_hub_zone" not in out.columns and "zone" in out.columns
    # the delayed share is a share, and people cut off by an encirclement count as delayed
    assert out["value_pop_delayed_share"].between(0, 1).all()
    assert "no unconstrained travel time" not in " ".join(out["data_sparse"])
    # traceability: each score_X is the thresholds applied to value_X
    table = read_indicator_table()
    for _, ind in table.iterrows():
        name = ind["indicator"]
        expect = [score_value(x, ind["t1"], ind["t2"], ind["t3"]) for x in out[f"value_{name}"]]
        assert out[f"score_{name}"].tolist() == expect


def test_export_theme_carries_population_except_in_public_exports() -> None:
    from geo.products.export import build_themes, public_themes

    enc = gpd.GeoDataFrame(
        {
            "locality": ["A"],
            "status": ["active"],
            "since": [dt.date(2025, 1, 1)],
            "until": [None],
            "last_confirmed": [None],
            "radius_km": [5.0],
            "coord_confidence": ["high"],
            "source": ["S"],
            "adm3_pcode": ["ML0101"],
            "public": [True],
            "population": [1234.0],
            "population_method": ["grid"],
            "population_grid": [1234.0],
        },
        geometry=gpd.points_from_xy([-4.0], [14.0]),
        crs="EPSG:4326",
    )
    themes = build_themes(as_of=dt.date(2025, 11, 30), encircled=enc)
    assert themes["encircled"]["population"].tolist() == [1234.0]
    assert themes["encircled"]["population_method"].tolist() == ["grid"]
    public = public_themes(build_themes(as_of=dt.date(2025, 11, 30), encircled=enc, public=True))
    assert "population" not in public["encircled"].columns


def test_recent_episodes_look_back_two_years() -> None:
    from geo.model.severity import HISTORY_DAYS, recent_episodes

    as_of = dt.date(2025, 11, 30)
    ep = gpd.GeoDataFrame(
        {
            "locality": ["lifted recently", "lifted long ago", "unknown, confirmed", "active", "future"],
            "status": ["lifted", "lifted", "unknown", "active", "active"],
            "since": [
                dt.date(2023, 4, 10),
                dt.date(2019, 9, 1),
                dt.date(2021, 5, 2),
                dt.date(2024, 1, 1),
                dt.date(2026, 1, 1),
            ],
            "until": [dt.date(2024, 10, 15), dt.date(2021, 10, 23), None, None, None],
            "last_confirmed": [None, None, dt.date(2021, 6, 21), None, None],
        },
        geometry=gpd.points_from_xy([0] * 5, [15] * 5),
        crs="EPSG:4326",
    )
    assert list(recent_episodes(ep, as_of)["locality"]) == ["lifted recently", "active"]
    # an unknown-status episode counts until its last confirmation: in a long enough look-back
    days = (as_of - dt.date(2021, 6, 21)).days
    assert "unknown, confirmed" in list(recent_episodes(ep, as_of, days=days)["locality"])
    assert HISTORY_DAYS == 730
