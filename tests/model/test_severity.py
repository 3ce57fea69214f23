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
    cats = read_event_types()
    assert cats["State-based violence"] == "violence" and cats["blockade_start"] == "restriction"


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
    (tmp_path / "ev.csv").write_text("event_type,category,note\nBattles,war,x\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        read_event_types(tmp_path / "ev.csv")
    assert err.value.field == "category" and err.value.row == 1


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


def test_hxl_tags_cover_scores_and_indicators() -> None:
    from geo.tables import hxl_tag

    assert hxl_tag("score") == "#severity+access+class"
    assert hxl_tag("value_axis_blocked_share") == "#indicator+value+axis_blocked_share"
    assert hxl_tag("score_encirclements") == "#severity+score+encirclements"
    assert hxl_tag("share_pop_4h") == "#indicator+share_pop_4h"
    assert hxl_tag("pcode") == "#adm+code"


def test_real_data_every_cercle_scored(data_dir, model_inputs) -> None:
    from geo.model.incidents import load_incidents
    from geo.model.reach import compute_reach
    from geo.model.severity import severity
    from geo.sources.curated import select_hubs
    from geo.sources.datasets import dataset_path
    from geo.store.constraints import load_versions

    v = load_versions(None)
    as_of = dt.date(2025, 11, 30)
    res = compute_reach(
        model_inputs,
        select_hubs(None),
        road_status_versions=v.road_status,
        encircled_episodes=v.encircled,
        as_of=as_of,
    )
    out = severity(
        model_inputs,
        res,
        level=2,
        density_path=dataset_path(data_dir, "population"),
        as_of=as_of,
        incidents=load_incidents(data_dir),
    )
    assert len(out) == len(model_inputs.admin2) == 50
    assert out["pcode"].is_unique and out["score"].between(0, 5).all()
    # every encirclement in force on the date is counted in exactly one cercle
    in_force = res.state.no_entry
    assert out["encirclements_in_force"].sum() == len(in_force)
    # the UCDP file stops in 2020: violence is an information gap in a 2025 window, never a 0
    assert out["incidents_violence"].isna().all()
    assert out["info_gaps"].str.contains("violence_incidents").all()
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
