"""Incident analysis: time windows, admin P-codes, counts, monthly trend, KDE, HXL CSV, map layers."""

from __future__ import annotations

import math

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import Point, box

from geo.config import WORK_CRS
from geo.model.incidents import (
    assign_admin,
    cluster_points,
    counts_by_admin,
    filter_incidents,
    hotspot_penalty,
    kde_hotspot,
    load_incidents,
    monthly_trend,
    time_window,
    to_geodataframe,
    to_hxl_csv,
)
from layers.incidents import build_clusters_layer, build_counts_choropleth, build_incidents_layer
from layers.style import feature_styles


def incidents(rows: list[dict]) -> gpd.GeoDataFrame:
    base = {
        "source": "ucdp",
        "event_type": "Battles",
        "fatalities": 0,
        "low_precision": False,
        "actor1": "",
        "actor2": "",
        "notes": "",
        "location": "",
        "admin1": "",
        "admin2": "",
        "restricted": False,
        "date_precision": "day",
    }
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["date"] = pd.to_datetime(frame["date"])
    return to_geodataframe(frame)


@pytest.fixture
def communes() -> gpd.GeoDataFrame:
    """Two square communes sharing the meridian -4 (A west, B east), in two cercles of one region."""
    return gpd.GeoDataFrame(
        {
            "pcode": ["ML010101", "ML010201"],
            "name": ["Commune A", "Commune B"],
            "adm1_pcode": ["ML01", "ML01"],
            "adm1_name": ["Kayes", "Kayes"],
            "adm2_pcode": ["ML0101", "ML0102"],
            "adm2_name": ["Cercle A", "Cercle B"],
        },
        geometry=[box(-5, 14, -4, 15), box(-4, 14, -3, 15)],
        crs="EPSG:4326",
        index=["ML010101", "ML010201"],
    )


@pytest.fixture
def events() -> gpd.GeoDataFrame:
    return incidents(
        [
            {
                "incident_id": "ucdp:1",
                "date": "2021-01-05",
                "latitude": 14.5,
                "longitude": -4.5,
                "fatalities": 3,
            },
            {
                "incident_id": "ucdp:2",
                "date": "2021-01-20",
                "latitude": 14.5,
                "longitude": -3.5,
                "event_type": "One-sided violence",
                "fatalities": 1,
            },
            {
                "incident_id": "acled:3",
                "source": "acled",
                "date": "2021-03-01",
                "latitude": 14.0,
                "longitude": -4.0,
                "restricted": True,
            },  # shared corner of A and B
            # 2 km west of A
            {"incident_id": "ucdp:4", "date": "2021-03-10", "latitude": 14.5, "longitude": -5.02},
            {
                "incident_id": "ucdp:5",
                "date": "2021-03-11",
                "latitude": 14.5,
                "longitude": -8.0,
                "low_precision": True,
            },  # far from both
        ]
    )


def test_time_window(events):
    assert list(time_window(events, as_of="2021-03-10", days=10).index) == ["acled:3", "ucdp:4"]
    assert list(time_window(events, start="2021-01-20", end="2021-03-01").index) == ["ucdp:2", "acled:3"]
    assert list(time_window(events, start="2021-03-10").index) == ["ucdp:4", "ucdp:5"]
    with pytest.raises(ValueError, match="give both as_of and days"):
        time_window(events, as_of="2021-03-10")
    with pytest.raises(ValueError, match="start 2021-03-02 is after end 2021-03-01"):
        time_window(events, start="2021-03-02", end="2021-03-01")


def test_assign_admin_border_counted_once_and_snap(events, communes):
    placed = assign_admin(events, communes)
    assert list(placed.index) == list(events.index)
    assert placed["adm3_pcode"].tolist() == ["ML010101", "ML010201", "ML010101", "ML010101", pd.NA] or placed[
        "adm3_pcode"
    ].fillna("-").tolist() == ["ML010101", "ML010201", "ML010101", "ML010101", "-"]
    assert placed.loc["ucdp:2", "adm2_pcode"] == "ML0102"
    assert placed.loc["ucdp:2", "adm3_name"] == "Commune B"
    assert placed.loc["ucdp:2", "adm1_pcode"] == "ML01"
    assert pd.isna(placed.loc["ucdp:5", "adm3_pcode"])
    no_snap = assign_admin(events, communes, snap_km=0)
    assert pd.isna(no_snap.loc["ucdp:4", "adm3_pcode"])


def test_counts_by_admin(events, communes):
    placed = assign_admin(events, communes)
    c3 = counts_by_admin(placed, level=3)
    assert c3[["adm3_pcode", "incidents", "fatalities"]].values.tolist() == [
        ["ML010101", 3, 3],
        ["ML010201", 1, 1],
    ]
    assert c3.attrs["unassigned"] == 1
    c2 = counts_by_admin(placed, level=2, by=("event_type",))
    assert c2[["adm2_pcode", "event_type", "incidents"]].values.tolist() == [
        ["ML0101", "Battles", 3],
        ["ML0102", "One-sided violence", 1],
    ]
    c1m = counts_by_admin(placed, level=1, by=("month",))
    assert c1m[["adm1_pcode", "month", "incidents"]].values.tolist() == [
        ["ML01", "2021-01", 2],
        ["ML01", "2021-03", 2],
    ]
    extra = pd.concat(
        [
            communes,
            gpd.GeoDataFrame(
                {
                    "pcode": ["ML010301"],
                    "name": ["Commune C"],
                    "adm1_pcode": ["ML01"],
                    "adm1_name": ["Kayes"],
                    "adm2_pcode": ["ML0103"],
                    "adm2_name": ["Cercle C"],
                },
                geometry=[box(-3, 14, -2, 15)],
                crs=4326,
            ),
        ]
    )
    zeros = counts_by_admin(placed, level=3, admin=extra)
    assert zeros[["adm3_pcode", "incidents"]].values.tolist() == [
        ["ML010101", 3],
        ["ML010201", 1],
        ["ML010301", 0],
    ]


def test_monthly_trend_fills_empty_months(events):
    t = monthly_trend(events)
    assert t.values.tolist() == [["2021-01", 2, 4], ["2021-02", 0, 0], ["2021-03", 3, 0]]
    by = monthly_trend(events, by="source", start="2020-12-01")
    assert by[by["source"] == "acled"][["month", "incidents"]].values.tolist() == [
        ["2020-12", 0],
        ["2021-01", 0],
        ["2021-02", 0],
        ["2021-03", 1],
    ]


def test_filter_incidents(events):
    kept = filter_incidents(
        events, start="2021-01-01", end="2021-12-31", sources=["ucdp"], include_low_precision=False
    )
    assert list(kept.index) == ["ucdp:1", "ucdp:2", "ucdp:4"]
    assert list(filter_incidents(events, event_types=["One-sided violence"]).index) == ["ucdp:2"]


def test_kde_hotspot_mass_peak_and_low_precision():
    pts = gpd.GeoDataFrame(
        {"low_precision": [False, True], "fatalities": [4, 1]},
        geometry=[Point(10500, 10500), Point(3500, 3500)],
        crs=WORK_CRS,
    )
    transform = Affine(1000, 0, 0, 0, -1000, 21000)
    dens = kde_hotspot(pts, transform=transform, shape=(21, 21), bandwidth_km=2.0)
    assert dens.shape == (21, 21)
    assert np.unravel_index(dens.argmax(), dens.shape) == (10, 10)
    assert dens.sum() * 1.0 == pytest.approx(1.0, abs=1e-3)  # one event; 1 km² cells
    assert dens[10, 10] == pytest.approx(1 / (2 * math.pi * 4), rel=0.03)
    assert dens[17, 3] == pytest.approx(0.0, abs=1e-6)  # the low-precision event is left out
    both = kde_hotspot(
        pts,
        transform=transform,
        shape=(21, 21),
        bandwidth_km=2.0,
        include_low_precision=True,
        weight="fatalities",
    )
    # 4 deaths at the centre + 1 at 3.5 km from two edges: Phi(3.5/2)^2 = 0.92 of its mass is on the grid
    assert both.sum() == pytest.approx(4 + 0.9215, abs=0.01)
    pen = hotspot_penalty(dens, max_factor=2.0, saturation=dens.max())
    assert pen.max() == pytest.approx(2.0) and pen.min() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="bandwidth_km must be > 0"):
        kde_hotspot(pts, transform=transform, shape=(21, 21), bandwidth_km=0)


def test_hxl_csv_exact(events, communes):
    placed = assign_admin(events, communes)
    c2 = counts_by_admin(placed, level=2)
    assert to_hxl_csv(c2).splitlines() == [
        "adm1_pcode,adm1_name,adm2_pcode,adm2_name,incidents,fatalities",
        "#adm1+code,#adm1+name,#adm2+code,#adm2+name,#event+num,#affected+killed",
        "ML01,Kayes,ML0101,Cercle A,3,3",
        "ML01,Kayes,ML0102,Cercle B,1,1",
    ]
    table = placed[
        [
            "incident_id",
            "date",
            "event_type",
            "fatalities",
            "latitude",
            "longitude",
            "adm1_pcode",
            "adm2_pcode",
            "restricted",
        ]
    ].iloc[:1]
    lines = to_hxl_csv(table).splitlines()
    assert lines[1] == (
        "#event+id,#date,#event+type,#affected+killed,#geo+lat,#geo+lon,#adm1+code,"
        "#adm2+code,#meta+restricted"
    )
    assert lines[2] == "ucdp:1,2021-01-05,Battles,3,14.5,-4.5,ML01,ML0101,False"
    with pytest.raises(ValueError, match="1 restricted rows"):
        to_hxl_csv(placed, public=True)


def test_cluster_points(events):
    cl = cluster_points(events.iloc[:2], cell_km=2000)
    assert cl["incidents"].sum() == 2 and len(cl) == 1
    assert cl["fatalities"].tolist() == [4]
    assert cl["event_types"].tolist() == ["Battles (1), One-sided violence (1)"]


# --------------------------------------------------------------------------- layers


def _geojson(group: folium.FeatureGroup) -> folium.GeoJson:
    return next(c for c in group._children.values() if isinstance(c, folium.GeoJson))


def test_incidents_layer_escapes_and_marks_low_precision():
    inc = incidents(
        [
            {
                "incident_id": "generic:x:1",
                "source": "generic:x",
                "date": "2023-08-08",
                "latitude": 16.0,
                "longitude": 2.0,
                "event_type": "<script>alert(1)</script>",
                "location": "N'Tillit",
                "fatalities": 4,
            },
            {
                "incident_id": "acled:2",
                "source": "acled",
                "date": "2023-08-09",
                "latitude": 15.0,
                "longitude": -1.0,
                "low_precision": True,
                "actor1": "A & B",
            },
        ]
    )
    group = build_incidents_layer(inc, name="Incidents", show=False)
    assert group.layer_name == "Incidents" and group.show is False
    gj = _geojson(group)
    feats = gj.data["features"]
    assert len(feats) == 2
    p0, p1 = feats[0]["properties"], feats[1]["properties"]
    assert "<script>" not in p0["popup"] and "<script>" not in p0["tip"]
    assert "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>" in p0["popup"]
    assert "Place: N&#x27;Tillit" in p0["popup"]
    assert "Actors: A &amp; B" in p1["popup"]
    assert p0["colour"] == "#1b7837" and p1["colour"] == "#2166ac"
    assert p0["radius"] == pytest.approx(7.0)
    s0, s1 = feature_styles(gj)
    assert (s0["fillOpacity"], s0["dashArray"]) == (0.7, None)
    assert (s1["fillOpacity"], s1["dashArray"]) == (0.0, "3 3")
    html = folium.Map(tiles=None).add_child(group).get_root().render()
    assert "cdn.jsdelivr.net/npm/leaflet.markercluster" not in html


def test_clusters_and_choropleth_layers(events, communes):
    cl = build_clusters_layer(cluster_points(events, cell_km=50))
    assert len(cl._children) == 5
    placed = assign_admin(events, communes)
    communes = communes.assign(name=["<b>A</b>", "B"])
    ch = build_counts_choropleth(communes, counts_by_admin(placed, level=3), level=3)
    feats = _geojson(ch).data["features"]
    assert [(f["properties"]["name"], f["properties"]["incidents"]) for f in feats] == [
        ("&lt;b&gt;A&lt;/b&gt;", 3),
        ("B", 1),
    ]


# --------------------------------------------------------------------------- real data


def test_load_incidents_real_files(data_dir):
    inc = load_incidents(data_dir)
    assert len(inc) == 924
    assert inc["source"].value_counts().to_dict() == {"ucdp": 891, "curated": 33}
    assert inc.index.is_unique and inc.crs == "EPSG:4326"
    assert int(inc.loc[inc["source"] == "ucdp", "fatalities"].sum()) == 6705
    assert inc.loc["ucdp:12993", "date"] == pd.Timestamp("1990-06-28")
    assert len(inc.attrs["rejected"]) == 8
    assert set(inc.attrs["rejected"]["reason"]) == {"missing coordinate"}
    assert inc["restricted"].sum() == 0
    assert inc.loc["curated:MLI-ACC-014", "location"].startswith("Ménaka")


def test_counts_real_admin(data_dir):
    from geo.sources.admin import load_admin

    inc = load_incidents(data_dir)
    placed = assign_admin(inc, load_admin(data_dir, 3))
    c1 = counts_by_admin(placed, level=1, admin=load_admin(data_dir, 1))
    assert len(c1) == 9
    assert c1["incidents"].sum() + c1.attrs["unassigned"] == 924
    assert c1.attrs["unassigned"] <= 5
