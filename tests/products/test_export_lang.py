"""Data exports in the product's language: KML descriptions and the zones' ``rule`` (French user trial).

Column names, codes and figures stay machine English; the words people read (the KML
balloon, the rule that placed a unit in its zone) follow ``lang``.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from geo.model.zones import read_rules
from geo.products.export import kml_text, rule_text, write_export
from geo.products.i18n import format_date, format_number, format_share, tr
from geo.tables import read_csv
from geo.vocab import CONFIDENCE, ROAD_STATUS

KML = "{http://www.opengis.net/kml/2.2}"


def _roads() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "axis_id": ["A1"],
            "axis_name": ["Sévaré - Douentza"],
            "status": ["closed"],
            "note": ["escort convoys only"],
            "schematic": [False],
        },
        geometry=[LineString([(-4.1, 14.5), (-2.9, 15.0)])],
        crs="EPSG:4326",
    )


def _zones(rules: pd.DataFrame) -> gpd.GeoDataFrame:
    first = rules.iloc[0]
    return gpd.GeoDataFrame(
        {
            "pcode": ["ML0501"],
            "name": ["Mopti"],
            "zone": [first["zone"]],
            "rule_id": [first["rule_id"]],
            "rule": [first["description"]],
        },
        geometry=[Point(-4.19, 14.49).buffer(0.1)],
        crs="EPSG:4326",
    )


def _description(kml: str) -> str:
    """The text of the first description as an XML parser reads it (the HTML a viewer renders)."""
    return ET.fromstring(kml.encode("utf-8")).find(f".//{KML}description").text


class _Balloon(HTMLParser):
    """What a KML viewer shows of a description's HTML: its text, and the tags it would obey."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.tags = "", []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def _rendered(description: str) -> _Balloon:
    balloon = _Balloon()
    balloon.feed(description)
    balloon.close()
    return balloon


def _data(kml: str) -> dict[str, str]:
    """``ExtendedData`` of the first placemark: column -> value as written."""
    placemark = ET.fromstring(kml.encode("utf-8")).find(f".//{KML}Placemark")
    return {d.get("name"): d.find(f"{KML}value").text for d in placemark.iter(f"{KML}Data")}


def test_kml_description_in_french_labels_and_values() -> None:
    desc = _description(kml_text({"roads_status": _roads()}, lang="fr"))
    schematic = f"{tr('kml.field.schematic', 'fr')}\u202f: {tr('kml.no', 'fr')}"
    assert schematic == "tracé schématique\u202f: non" and schematic in desc
    assert f"{tr('kml.field.status', 'fr')}\u202f: {ROAD_STATUS.label('closed', 'fr')}" in desc
    # a note is data: written as recorded, never translated
    assert f"{tr('kml.field.note', 'fr')}\u202f: escort convoys only" in desc
    assert "schematic" not in desc and "False" not in desc


def test_kml_description_in_english_and_machine_data_kept() -> None:
    kml = kml_text({"roads_status": _roads()}, lang="en")
    assert "schematic line: no" in _description(kml)
    # ExtendedData keeps the column names and raw values for GIS readers
    assert '<Data name="schematic"><value>False</value></Data>' in kml
    assert '<Data name="status"><value>closed</value></Data>' in kml
    assert f"<name>{tr('app.page_title', 'en')}</name>" in kml


def test_zone_rule_in_the_language_codes_kept(tmp_path) -> None:  # noqa: ANN001
    rules = read_rules()
    zones = _zones(rules)
    rid = zones["rule_id"].iloc[0]
    out = tmp_path / "zones.csv"
    write_export({"admin_zones_adm3": zones}, out, lang="fr")
    table, tags = read_csv(out)
    assert table["rule"].tolist() == [tr(f"zone_rule.{rid}", "fr")]
    assert table["rule"].iloc[0] != rules.iloc[0]["description"]
    assert table["rule_id"].tolist() == [rid] and table["zone"].tolist() == [zones["zone"].iloc[0]]
    assert tags[list(table.columns).index("rule")] == "#access+rule+description"
    write_export({"admin_zones_adm3": zones}, out, lang="en")
    assert read_csv(out)[0]["rule"].tolist() == [rules.iloc[0]["description"]]


def test_every_shipped_rule_has_its_words_and_a_custom_rule_keeps_its_own() -> None:
    for _, r in read_rules().iterrows():
        assert rule_text(r["rule_id"], r["description"], "en") == r["description"]
        assert rule_text(r["rule_id"], r["description"], "fr") != r["description"]
    assert rule_text("MY-RULE", "my own words", "fr") == "my own words"


def test_kml_description_escaped_once_apostrophe_back_and_markup_inert() -> None:
    hostile = "<script>alert('x')</script> & <b>gras</b>"
    roads = _roads().assign(axis_name=["Route d'accès à Boni"], note=[hostile])
    kml = kml_text({"roads_status": roads}, lang="fr")
    assert "&amp;#" not in kml and "&amp;lt;" not in kml
    balloon = _rendered(_description(kml))
    assert balloon.tags == []  # the hostile value stays text: no script, no bold
    assert f"{tr('kml.field.axis_name', 'fr')}\u202f: Route d'accès à Boni" in balloon.text
    assert f"{tr('kml.field.note', 'fr')}\u202f: {hostile}" in balloon.text
    # the placemark name and the machine data read back exactly
    root = ET.fromstring(kml.encode("utf-8"))
    assert root.find(f".//{KML}Placemark/{KML}name").text == "Route d'accès à Boni"
    assert _data(kml)["note"] == hostile


def test_kml_folders_named_in_the_language() -> None:
    rules = read_rules()
    themes = {"admin_zones_adm2": _zones(rules), "roads_status": _roads()}
    for lang in ("fr", "en"):
        root = ET.fromstring(kml_text(themes, lang=lang).encode("utf-8"))
        names = [f.find(f"{KML}name").text for f in root.iter(f"{KML}Folder")]
        assert names == [tr(f"kml.folder.{theme}", lang) for theme in themes]
        assert not set(names) & set(themes)
    assert tr("kml.folder.roads_status", "fr") != tr("kml.folder.roads_status", "en")
    # without a language the folders keep the theme names
    root = ET.fromstring(kml_text(themes).encode("utf-8"))
    assert [f.find(f"{KML}name").text for f in root.iter(f"{KML}Folder")] == list(themes)


def test_kml_description_dates_figures_and_codes_in_french_data_raw() -> None:
    as_of, since = dt.date(2026, 12, 2), "2026-03-01"
    zones = _zones(read_rules()).assign(
        as_of=[as_of], area_km2=[22737.4], population=[697871], share_pop_4h=[0.1897]
    )
    roads = _roads().assign(road_class=["main"], valid_from=[since], confidence=["medium"])
    encircled = gpd.GeoDataFrame(
        {"locality": ["Farabougou"], "since": [since], "coord_confidence": ["medium"], "radius_km": [2.5]},
        geometry=[Point(-6.1, 13.9)],
        crs="EPSG:4326",
    )
    themes = {"admin_zones_adm3": zones, "roads_status": roads, "encircled": encircled}
    kml = kml_text(themes, lang="fr")
    root = ET.fromstring(kml.encode("utf-8"))
    descs = [d.text for d in root.iter(f"{KML}description")]
    zone_text, road_text, enc_text = (_rendered(d).text for d in descs)

    def field(column: str) -> str:
        return f"{tr(f'kml.field.{column}', 'fr')}\u202f: "

    assert field("as_of") + format_date(as_of, "fr") in zone_text
    assert field("area_km2") + format_number(22737, "fr") in zone_text
    assert field("population") + format_number(697871, "fr") in zone_text
    assert field("share_pop_4h") + format_share(0.1897, "fr") in zone_text
    assert format_share(0.1897, "fr").startswith("19") and format_number(22737, "fr") != "22737"
    for raw in ("2026-12-02", "22737", "697871", "0.1897"):
        assert raw not in zone_text
    assert field("road_class") + tr("kml.value.road_class.main", "fr") in road_text
    assert field("valid_from") + format_date(dt.date.fromisoformat(since), "fr") in road_text
    assert field("confidence") + CONFIDENCE.label("medium", "fr") in road_text
    assert field("coord_confidence") + CONFIDENCE.label("medium", "fr") in enc_text
    assert field("since") + format_date(dt.date.fromisoformat(since), "fr") in enc_text
    assert field("radius_km") + "2,5" in enc_text
    assert "main" not in road_text and "medium" not in enc_text and since not in enc_text
    # the hidden machine fields keep codes, ISO dates and raw figures
    placemarks = list(root.iter(f"{KML}Placemark"))
    data = [{d.get("name"): d.find(f"{KML}value").text for d in p.iter(f"{KML}Data")} for p in placemarks]
    assert data[0]["as_of"] == as_of.isoformat() and data[0]["population"] == "697871"
    assert data[0]["share_pop_4h"] == "0.1897"
    assert data[1]["road_class"] == "main" and data[1]["valid_from"] == since
    assert data[2]["coord_confidence"] == "medium" and data[2]["since"] == since


def test_kml_english_figures_and_reach_band_name() -> None:
    bands = gpd.GeoDataFrame(
        {"hub_id": ["MOP"], "hub": ["Mopti"], "hours": [2.5], "population": [12238501], "hub_status": ["ok"]},
        geometry=[Point(-4.19, 14.49).buffer(0.2)],
        crs="EPSG:4326",
    )
    for lang, hours in (("fr", "2,5"), ("en", "2.5")):
        kml = kml_text({"reachable_areas": bands}, lang=lang)
        root = ET.fromstring(kml.encode("utf-8"))
        assert root.find(f".//{KML}Placemark/{KML}name").text == f"Mopti ≤ {hours} h"
        text = _rendered(_description(kml)).text
        assert format_number(12238501, lang) in text and "12238501" not in text
        assert tr("bands.hub_ok", lang) in text
