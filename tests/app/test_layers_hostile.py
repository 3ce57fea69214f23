"""Map layers with hostile text.

The map page's scripts stay valid JavaScript and no payload is left as markup (the
browser test renders the same layers in Chromium).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import geopandas as gpd
import pandas as pd
import pytest
from shapely import LineString, Point

from layers.basemap import Legend, make_map
from layers.encircled import build_encircled_layer
from layers.hubs import build_hubs_layer
from layers.incidents import build_clusters_layer, build_incidents_layer
from layers.places import build_towns_layer
from layers.reach import build_reach_layers
from layers.roads import build_crossings_layer, build_network_layer, build_roads_layer
from tests.app.hostile import PAYLOADS, combined

#: Raw payload fragments that must never reach the page as they are. (``${`` and backticks
#: may stay inside JSON double-quoted strings, where they are inert: the scripts are
#: checked by node here and run in Chromium by test_browser_hostile.py.)
RAW = [
    "</script><script>alert(1)",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "<iframe src='http://127.0.0.1:9",
]


def _map_html() -> str:
    text = combined
    m = make_map(asset_base="static/vendor")
    episodes = gpd.GeoDataFrame(
        {
            "locality": [text("locality"), text("locality2")],
            "in_force": [True, False],
            "since": [dt.date(2025, 1, 1), dt.date(2024, 1, 1)],
            "until": [None, dt.date(2024, 6, 1)],
            "last_confirmed": [None, None],
            "radius_km": [5.0, 3.0],
            "status": ["active", "lifted"],
            "source": [text("enc_source"), text("enc_source2")],
            "armed_group": [text("armed_group"), None],
            "note": [text("enc_note"), ""],
        },
        geometry=[Point(-4.0, 14.5), Point(-3.0, 15.0)],
        crs="EPSG:4326",
    )
    build_encircled_layer(episodes).add_to(m)
    axes = gpd.GeoDataFrame(
        {"axis_name": [text("axis_name")], "route_ref": ["RN16"], "schematic": [True]},
        geometry=[LineString([(-4.2, 14.5), (-2.5, 15.2)])],
        crs="EPSG:4326",
        index=pd.Index(["AX-1"], name="axis_id"),
    )
    status = pd.DataFrame(
        {
            "status": ["closed"],
            "cause": ["security"],
            "valid_from": [dt.date(2025, 1, 1)],
            "valid_to": [None],
            "source": [text("source")],
            "note": [text("note")],
        },
        index=pd.Index(["AX-1"], name="axis_id"),
    )
    roads = gpd.GeoDataFrame(geometry=[LineString([(-4.2, 14.5), (-2.5, 15.2)])], crs="EPSG:4326")
    build_roads_layer(roads, axes, status).add_to(m)
    hubs = gpd.GeoDataFrame(
        {
            "name": [text("hub")],
            "level": ["sub"],
            "status": ["ok"],
            "aor_adm1_pcodes": [["ML05"]],
            "aor_adm2_pcodes": [[]],
            "source_refs": [text("hub_src")],
        },
        geometry=[Point(-4.19, 14.49)],
        crs="EPSG:4326",
        index=pd.Index(["H1"], name="hub_id"),
    )
    build_hubs_layer(hubs).add_to(m)
    bands = gpd.GeoDataFrame(
        {
            "hub_id": ["H1"],
            "hub": [text("hub")],
            "hours": [4.0],
            "area_km2": [1000.0],
            "population": [5000.0],
            "localities": [3],
            "hub_status": ["ok"],
        },
        geometry=[Point(-4.19, 14.49).buffer(0.5)],
        crs="EPSG:4326",
    )
    for g in build_reach_layers(bands, ["H1"]):
        g.add_to(m)
    incidents = gpd.GeoDataFrame(
        {
            "incident_id": [f"id {w}" for w in PAYLOADS],
            "source": [f"acled {p}" for p in PAYLOADS.values()],
            "date": pd.to_datetime(["2025-01-01"] * len(PAYLOADS)),
            "date_precision": [p for p in PAYLOADS.values()],
            "event_type": [f"type {p}" for p in PAYLOADS.values()],
            "actor1": [f"actor1 {p}" for p in PAYLOADS.values()],
            "actor2": [f"actor2 {p}" for p in PAYLOADS.values()],
            "location": [f"location {p}" for p in PAYLOADS.values()],
            "fatalities": [1] * len(PAYLOADS),
            "low_precision": [False] * len(PAYLOADS),
        },
        geometry=[Point(-4.0 + i * 0.01, 14.0) for i in range(len(PAYLOADS))],
        crs="EPSG:4326",
    )
    build_incidents_layer(incidents, name=text("incidents_label")).add_to(m)
    clusters = gpd.GeoDataFrame(
        {
            "incidents": [3],
            "first_date": ["2025-01-01"],
            "last_date": ["2025-02-01"],
            "fatalities": [2],
            "low_precision": [0],
            "event_types": [text("types")],
        },
        geometry=[Point(-3.5, 14.2)],
        crs="EPSG:4326",
    )
    build_clusters_layer(clusters, name=text("clusters")).add_to(m)
    m.add_child(Legend(text("legend"), [("fill", "#ff0000", text("entry")), ("note", "", text("note2"))]))
    towns = gpd.GeoDataFrame({"name": [text("town")]}, geometry=[Point(-2.0, 16.0)], crs="EPSG:4326")
    build_towns_layer(towns).add_to(m)
    network = gpd.GeoDataFrame(
        {
            "name": [text("segment")],
            "route_ref": [text("ref")],
            "surface": ["track"],
            "season": ["dry_only"],
            "source_refs": [text("seg_src")],
            "schematic": [True],
        },
        geometry=[LineString([(-3.0, 14.0), (-2.5, 14.5)])],
        crs="EPSG:4326",
        index=["SEG-1"],
    )
    build_network_layer(network).add_to(m)
    crossings = gpd.GeoDataFrame(
        {
            "name": [text("crossing")],
            "kind": ["ferry"],
            "river": [text("river")],
            "crossing_h": [0.5],
            "wait_h": [1.0],
            "hours": [""],
            "season": ["all_year"],
            "vehicles": [True],
            "source_refs": [text("x_src")],
        },
        geometry=[Point(-3.5, 14.8)],
        crs="EPSG:4326",
        index=["X-HOSTILE"],
    )
    build_crossings_layer(crossings, None).add_to(m)
    import folium

    folium.LayerControl().add_to(m)
    return m.get_root().render()


def test_no_payload_reaches_the_page_raw() -> None:
    page = _map_html()
    for fragment in RAW:
        assert fragment not in page, fragment
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)
    for body in scripts:
        assert "alert(1)</" not in body


def test_map_scripts_are_valid_javascript(tmp_path) -> None:  # noqa: ANN001
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed")
    page = _map_html()
    scripts = [s for s in re.findall(r"<script>(.*?)</script>", page, flags=re.S) if s.strip()]
    assert scripts
    for i, body in enumerate(scripts):
        path = tmp_path / f"s{i}.js"
        path.write_text(body, encoding="utf-8")
        out = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
