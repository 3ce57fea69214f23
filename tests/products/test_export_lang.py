"""Data exports in the product's language: KML descriptions and the zones' ``rule`` (French user trial).

Column names, codes and figures stay machine English; the words people read (the KML
balloon, the rule that placed a unit in its zone) follow ``lang``.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from geo.model.zones import read_rules
from geo.products.export import kml_text, rule_text, write_export
from geo.products.i18n import tr
from geo.tables import read_csv
from geo.vocab import ROAD_STATUS


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
    return re.search(r"<description>(.*?)</description>", kml, re.S).group(1)


def test_kml_description_in_french_labels_and_values() -> None:
    desc = _description(kml_text({"roads_status": _roads()}, lang="fr"))
    schematic = f"{tr('kml.field.schematic', 'fr')} : {tr('kml.no', 'fr')}"
    assert schematic == "tracé schématique : non" and schematic in desc
    assert f"{tr('kml.field.status', 'fr')} : {ROAD_STATUS.label('closed', 'fr')}" in desc
    # a note is data: written as recorded, never translated
    assert f"{tr('kml.field.note', 'fr')} : escort convoys only" in desc
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
