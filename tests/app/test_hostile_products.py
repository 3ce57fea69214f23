"""Hostile text through the file products.

KML parses with the text intact and no markup in balloons; print maps draw ``$`` literally
(never mathtext).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import pandas as pd
import pytest
from shapely import LineString, Point, box

from geo.escape import REPLACEMENT, display_text
from tests.app.hostile import PAYLOADS, combined

AS_OF = dt.date(2025, 11, 30)
KML = "{http://www.opengis.net/kml/2.2}"


def _xml_legal(text: str) -> str:
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", REPLACEMENT, text)


@pytest.fixture
def hostile_themes() -> dict[str, gpd.GeoDataFrame]:
    from geo.products.export import build_themes

    zones = gpd.GeoDataFrame(
        {
            "pcode": ["ML0401"],
            "name": [combined("zone_name")],
            "level": [2],
            "adm1_name": ["Ségou"],
            "adm2_pcode": ["ML0401"],
            "area_km2": [100.0],
            "population": [1234.0],
            "blockades": [1],
            "share_pop_4h": [0.5],
            "incidents": [2],
            "zone": pd.Categorical(["accessible"], categories=["accessible", "inaccessible"]),
            "rule_id": ["Z8"],
            "rule": ["default"],
        },
        geometry=[box(-7, 13, -6, 14)],
        crs="EPSG:4326",
    )
    axes = gpd.GeoDataFrame(
        {"axis_name": [combined("axis_name")], "schematic": [True]},
        geometry=[LineString([(-6.26, 13.44), (-4.18, 14.48)])],
        crs="EPSG:4326",
        index=pd.Index(["SEG-MOP"], name="axis_id"),
    )
    status = pd.DataFrame(
        {
            "status": ["closed"],
            "valid_from": ["2024-02-01"],
            "valid_to": [""],
            "note": [combined("note")],
            "source": [combined("source")],
        },
        index=pd.Index(["SEG-MOP"], name="axis_id"),
    )
    hubs = gpd.GeoDataFrame(
        {"hub_id": ["SEG"], "name": [combined("hub")], "level": ["subnational"]},
        geometry=[Point(-6.26, 13.44)],
        crs="EPSG:4326",
    )
    enc = gpd.GeoDataFrame(
        {
            "locality": [combined("locality")],
            "since": ["2020-10-06"],
            "until": [None],
            "radius_km": [5.0],
            "public": ["true"],
            "armed_group": [combined("armed_group")],
            "note": [combined("enc_note")],
        },
        geometry=[Point(-6.14, 14.89)],
        crs="EPSG:4326",
    )
    incidents = gpd.GeoDataFrame({"fatalities": [3]}, geometry=[Point(-6.5, 13.5)], crs="EPSG:4326")
    return build_themes(
        as_of=AS_OF,
        zones_adm2=zones,
        axes=axes,
        axis_status=status,
        hubs=hubs,
        encircled=enc,
        incidents=incidents,
        admin2=zones[["pcode", "name", "adm1_name", "geometry"]],
    )


def test_kml_with_hostile_text_parses_and_keeps_it(hostile_themes: dict, tmp_path) -> None:  # noqa: ANN001
    from geo.products.export import write_export

    out = tmp_path / "access.kml"
    write_export(hostile_themes, out, layers=["roads_status", "hubs", "encircled", "admin_zones_adm2"])
    root = ET.fromstring(out.read_bytes())  # raises if any text broke the XML
    placemarks = list(root.iter(f"{KML}Placemark"))
    assert len(placemarks) == 4
    names = [p.find(f"{KML}name").text for p in placemarks]
    for field in ("axis_name", "hub", "locality", "zone_name"):
        assert _xml_legal(combined(field)) in names, field
    by_name = {p.find(f"{KML}name").text.split(" ")[0]: p for p in placemarks}
    data = {
        k: {d.get("name"): d.find(f"{KML}value").text for d in p.iter(f"{KML}Data")}
        for k, p in by_name.items()
    }
    assert data["axis_name"]["note"] == _xml_legal(combined("note"))
    assert data["axis_name"]["source"] == _xml_legal(combined("source"))
    assert data["locality"]["locality"] == _xml_legal(combined("locality"))
    # a description is HTML to Google Earth: after XML parsing it is still escaped HTML text
    for p in placemarks:
        desc = p.find(f"{KML}description").text
        assert "<" not in desc and ">" not in desc and '"' not in desc
    road = html.unescape(by_name["axis_name"].find(f"{KML}description").text)
    assert f"note: {display_text(combined('note'))}" in road  # controls and bidi overrides shown as U+FFFD


def test_print_map_draws_dollar_names_literally() -> None:
    pypdf = pytest.importorskip("pypdf")
    from geo.products.printmap import MapLayers, draw_map, render_map, render_pack

    hub_name = "Hub $x^2$ cost $5"
    locality = f"Loc {PAYLOADS['dollar']}"
    region = "Region $\\alpha$"
    layers = MapLayers(
        admin1=gpd.GeoDataFrame({"name": [region]}, geometry=[box(-7, 12.5, -4.5, 15.5)], crs="EPSG:4326"),
        bands=gpd.GeoDataFrame(
            {"hub_id": ["SEG"], "hub": [hub_name], "hours": [4.0], "hub_status": ["ok"]},
            geometry=[Point(-6.26, 13.44).buffer(0.8)],
            crs="EPSG:4326",
        ),
        axes=gpd.GeoDataFrame(
            {"axis_name": ["A $b"], "schematic": [False]},
            geometry=[LineString([(-6.26, 13.44), (-4.18, 14.48)])],
            crs="EPSG:4326",
            index=pd.Index(["SEG-MOP"], name="axis_id"),
        ),
        axis_status=pd.DataFrame({"status": ["closed"]}, index=pd.Index(["SEG-MOP"], name="axis_id")),
        hubs=gpd.GeoDataFrame(
            {"hub_id": ["SEG"], "name": [hub_name]}, geometry=[Point(-6.26, 13.44)], crs="EPSG:4326"
        ),
        encircled=gpd.GeoDataFrame(
            {"locality": [locality], "radius_km": [5.0], "public": [True], "armed_group": ["$g$"]},
            geometry=[Point(-6.14, 14.89)],
            crs="EPSG:4326",
        ),
        incidents=None,
    )
    pdf = render_pack(layers, hub_ids=["SEG"], as_of=AS_OF, lang="en")
    flat = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))
    assert flat.count(hub_name) == 2  # title and legend: the dollars are drawn, not parsed as math
    # map labels are drawn with a halo (paths in the PDF): read them from the figure
    fig = draw_map(layers, as_of=AS_OF, lang="en")
    fig.canvas.draw()  # mathtext would raise on "$5 and $10 \\$"
    shown = {
        t._preprocess_math(t.get_text())[0]
        for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "_preprocess_math"))
        if not t._preprocess_math(t.get_text())[1]
    }
    assert {locality, region.upper(), hub_name} <= shown
    assert render_map(layers, as_of=AS_OF, fmt="png", title="Title $$ with $ signs").startswith(b"\x89PNG")
