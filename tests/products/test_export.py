"""GIS exports: GeoPackage round-trip (layers, counts, CRS, dtypes incl. dates), KML, GeoJSON, HXL CSV."""

from __future__ import annotations

import csv
import datetime as dt
import json
import xml.etree.ElementTree as ET

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely import LineString, Point, box

from geo.products.export import THEMES, build_themes, split_geometry_types, write_export

AS_OF = dt.date(2025, 11, 30)
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture
def themes() -> dict[str, gpd.GeoDataFrame]:
    zones = gpd.GeoDataFrame(
        {
            "pcode": ["ML0401", "ML0402"],
            "name": ["Ségou", "Barouéli"],
            "level": [2, 2],
            "adm1_name": ["Ségou", "Ségou"],
            "adm2_pcode": ["ML0401", "ML0402"],
            "area_km2": [100.04, 50.0],
            "population": [1234.4, 99.6],
            "blockades": [0, 1],
            "share_pop_4h": [0.91234, 0.1],
            "incidents": [2, 0],
            "zone": pd.Categorical(
                ["accessible", "inaccessible"],
                categories=["accessible", "constrained", "hard_to_reach", "inaccessible"],
            ),
            "rule_id": ["Z8", "Z1"],
            "rule": ["default", "blockade"],
        },
        geometry=[box(-7, 13, -6, 14), box(-6, 13, -5, 14)],
        crs="EPSG:4326",
    )
    axes = gpd.GeoDataFrame(
        {"axis_name": ["Ségou - <Mopti> & co"], "schematic": [True]},
        geometry=[LineString([(-6.26, 13.44), (-4.18, 14.48)])],
        crs="EPSG:4326",
        index=pd.Index(["SEG-MOP"], name="axis_id"),
    )
    status = pd.DataFrame(
        {"status": ["closed"], "valid_from": ["2024-02-01"], "valid_to": [""], "note": ['mines "reported"']},
        index=pd.Index(["SEG-MOP"], name="axis_id"),
    )
    hubs = gpd.GeoDataFrame(
        {"hub_id": ["SEG"], "name": ["Ségou"], "level": ["subnational"]},
        geometry=[Point(-6.26, 13.44)],
        crs="EPSG:4326",
    )
    enc = gpd.GeoDataFrame(
        {
            "locality": ["Farabougou", "Hidden"],
            "since": ["2020-10-06", "2024-01-01"],
            "until": [None, None],
            "radius_km": [5.0, None],
            "public": ["true", "false"],
            "armed_group": ["Katiba X", "Y"],
        },
        geometry=[Point(-6.14, 14.89), Point(-5.0, 14.0)],
        crs="EPSG:4326",
    )
    incidents = gpd.GeoDataFrame(
        {"fatalities": [3, 1, 0]},
        geometry=[Point(-6.5, 13.5), Point(-6.4, 13.6), Point(-5.5, 13.5)],
        crs="EPSG:4326",
    )
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


def test_gpkg_round_trip(themes: dict, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "access.gpkg"
    written = write_export(themes, out)
    assert written == list(THEMES)
    layers = dict(pyogrio.list_layers(out))
    assert set(layers) == set(THEMES)
    assert layers["roads_status"] == "MultiLineString" and layers["hubs"] == "Point"
    assert layers["reachable_areas"] == "MultiPolygon"  # empty theme, still a typed layer
    info = pyogrio.read_info(out, layer="admin_zones_adm2")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["as_of"] == "OFTDate"
    assert types["population"] == "OFTInteger64" and types["share_pop_4h"] == "OFTReal"
    assert types["zone"] == "OFTString"
    back = pyogrio.read_dataframe(out, layer="admin_zones_adm2")
    assert back.crs.to_epsg() == 4326
    assert len(back) == 2
    assert list(back["population"]) == [1234, 100]
    assert list(back["zone"]) == ["accessible", "inaccessible"]
    assert back["as_of"].iloc[0] == pd.Timestamp("2025-11-30")
    roads = pyogrio.read_dataframe(out, layer="roads_status")
    rtypes = dict(
        zip(*[pyogrio.read_info(out, layer="roads_status")[k] for k in ("fields", "ogr_types")], strict=True)
    )
    assert rtypes["valid_from"] == "OFTDate" and rtypes["valid_to"] == "OFTDate"
    assert roads["valid_from"].iloc[0] == pd.Timestamp("2024-02-01") and pd.isna(roads["valid_to"].iloc[0])
    assert roads["axis_id"].iloc[0] == "SEG-MOP" and roads["status"].iloc[0] == "closed"
    assert pyogrio.read_info(out, layer="reachable_areas")["features"] == 0
    inc = pyogrio.read_dataframe(out, layer="incidents_by_admin")
    assert list(inc["incidents"]) == [2, 1] and list(inc["fatalities"]) == [4, 0]
    enc = pyogrio.read_dataframe(out, layer="encircled")
    assert list(enc["locality"]) == ["Farabougou", "Hidden"] and "armed_group" in enc


def test_public_export_drops_restricted_rows_and_fields(themes: dict) -> None:
    enc = gpd.GeoDataFrame(
        {"locality": ["A", "B"], "public": ["true", "false"], "armed_group": ["x", "y"]},
        geometry=[Point(-6, 14), Point(-5, 14)],
        crs="EPSG:4326",
    )
    t = build_themes(as_of=AS_OF, encircled=enc, public=True)
    assert list(t["encircled"]["locality"]) == ["A"]
    assert "armed_group" not in t["encircled"]


def test_kml_is_valid_escaped_and_lon_lat(themes: dict, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "access.kml"
    write_export(themes, out, layers=["roads_status", "hubs", "admin_zones_adm2"])
    text = out.read_text(encoding="utf-8")
    assert "Ségou - &lt;Mopti&gt; &amp; co" in text
    root = ET.fromstring(text.encode("utf-8"))  # well-formed XML
    folders = root.findall(f".//{KML}Folder")
    assert [f.find(f"{KML}name").text for f in folders] == ["roads_status", "hubs", "admin_zones_adm2"]
    names = [p.find(f"{KML}name").text for p in root.iter(f"{KML}Placemark")]
    assert "Ségou - <Mopti> & co" in names
    coords = [c.text for c in root.iter(f"{KML}coordinates")]
    assert coords
    for block in coords:
        for pair in block.split():
            lon, lat = map(float, pair.split(","))
            assert -12.3 <= lon <= 4.3 and 10.1 <= lat <= 25.0  # lon,lat inside Mali's box
    hub = next(p for p in root.iter(f"{KML}Placemark") if p.find(f"{KML}name").text == "Ségou")
    assert hub.find(f".//{KML}Point/{KML}coordinates").text == "-6.26000,13.44000"


def test_geojson_has_layer_property_and_iso_dates(themes: dict, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "access.geojson"
    write_export(themes, out, layers=["hubs", "roads_status"])
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    assert [f["properties"]["layer"] for f in fc["features"]] == ["hubs", "roads_status"]
    assert fc["features"][0]["geometry"]["coordinates"] == [-6.26, 13.44]
    assert fc["features"][1]["properties"]["valid_from"] == "2024-02-01"
    assert fc["features"][1]["properties"]["as_of"] == "2025-11-30"


def test_csv_second_row_is_hxl(themes: dict, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "zones.csv"
    write_export(themes, out, layers=["admin_zones_adm2"])
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, tags = rows[0], rows[1]
    assert header[:3] == ["as_of", "pcode", "name"]
    assert tags[:3] == ["#date+as_of", "#adm+code", "#adm+name"]
    assert all(t.startswith("#") for t in tags)
    assert tags[header.index("share_pop_4h")] == "#indicator+share_pop_4h"
    assert tags[header.index("lon")] == "#geo+lon"
    assert rows[2][:3] == ["2025-11-30", "ML0401", "Ségou"]
    assert len(rows) == 4
    with pytest.raises(ValueError, match="a CSV holds one table"):
        write_export(themes, tmp_path / "x.csv", layers=["hubs", "encircled"])
    with pytest.raises(ValueError, match="must end in one of"):
        write_export(themes, tmp_path / "x.shp")


def test_mixed_geometry_types_are_split(tmp_path) -> None:  # noqa: ANN001
    gdf = gpd.GeoDataFrame(
        {"n": [1, 2, 3]},
        geometry=[Point(0, 14), LineString([(0, 14), (1, 15)]), box(0, 14, 1, 15)],
        crs="EPSG:4326",
    )
    parts = split_geometry_types("mixed", gdf)
    assert {k: len(v) for k, v in parts.items()} == {"mixed_points": 1, "mixed_lines": 1, "mixed_polygons": 1}
    from geo.products.export import write_gpkg

    written = write_gpkg({"mixed": gdf}, tmp_path / "m.gpkg")
    assert written == ["mixed_points", "mixed_lines", "mixed_polygons"]


def test_real_data_export_cli(data_dir, tmp_path, isolated_store) -> None:  # noqa: ANN001
    from geo.cli import main

    out = tmp_path / "access.gpkg"
    assert main(["export", "data", "--data", str(data_dir), "--out", str(out), "--as-of", "2025-11-30"]) == 0
    layers = dict(pyogrio.list_layers(out))
    assert {"admin_zones_adm2", "admin_zones_adm3", "reachable_areas", "roads_status", "hubs"} <= set(layers)
    assert pyogrio.read_info(out, layer="admin_zones_adm3")["features"] == 701
    assert pyogrio.read_info(out, layer="reachable_areas")["features"] == 21
    kml = tmp_path / "access.kml"
    assert (
        main(
            [
                "export",
                "data",
                "--data",
                str(data_dir),
                "--out",
                str(kml),
                "--as-of",
                "2025-11-30",
                "--layers",
                "hubs,encircled",
            ]
        )
        == 0
    )
    ET.fromstring(kml.read_bytes())
    assert isolated_store.is_file()  # constraints read from the project store, like the app


def test_admin_zones_alias_and_csv_default(themes: dict, tmp_path) -> None:  # noqa: ANN001
    from geo.products.export import resolve_layers

    assert resolve_layers(["admin_zones", "hubs"], "gpkg") == ["admin_zones_adm2", "admin_zones_adm3", "hubs"]
    assert resolve_layers(None, "csv") == ["admin_zones_adm3"]
    assert resolve_layers(None, "kml") == list(THEMES)
    with pytest.raises(ValueError, match=r"unknown layer\(s\) zones; valid: admin_zones, admin_zones_adm2"):
        resolve_layers(["zones"], "gpkg")
    with pytest.raises(ValueError, match="a CSV holds one table"):
        resolve_layers(["admin_zones"], "csv")
    out = tmp_path / "z.gpkg"
    assert write_export(themes, out, layers=["admin_zones"]) == ["admin_zones_adm2", "admin_zones_adm3"]
    assert set(dict(pyogrio.list_layers(out))) == {"admin_zones_adm2", "admin_zones_adm3"}


def test_cli_rejects_bad_layers_before_computing(monkeypatch, tmp_path, capsys) -> None:  # noqa: ANN001
    import geo.products.export
    from geo.cli import main

    monkeypatch.setenv("MALI_ACCESS_LANG", "en")  # the English messages are checked

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        msg = "computed before checking --layers"
        raise AssertionError(msg)

    monkeypatch.setattr(geo.products.export, "collect_state", boom)
    assert main(["export", "data", "--out", str(tmp_path / "a.gpkg"), "--layers", "hubs,roads"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown layer(s) roads; valid: admin_zones, admin_zones_adm2")
    assert "\n" not in err
    assert main(["export", "data", "--out", str(tmp_path / "a.csv"), "--layers", "admin_zones"]) == 2
    assert "a CSV holds one table" in capsys.readouterr().err
    assert main(["export", "data", "--out", str(tmp_path / "a.shp")]) == 2
    assert "must end in one of" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


class _Stop(Exception):  # noqa: N818
    """Ends a CLI run once the arguments of the computation are known."""


def test_cli_uses_the_project_store_by_default(monkeypatch, tmp_path, isolated_store) -> None:  # noqa: ANN001
    import geo.products.export
    from geo.cli import main

    seen = {}

    def fake(data_dir, **kwargs):  # noqa: ANN001, ANN003, ANN202
        seen["store"] = kwargs["store_path"]
        raise _Stop

    monkeypatch.setattr(geo.products.export, "collect_state", fake)
    with pytest.raises(_Stop):
        main(["export", "data", "--out", str(tmp_path / "a.gpkg")])
    assert seen["store"] == isolated_store  # $MALI_ACCESS_STORE, else var/store.sqlite: the app's store
    other = tmp_path / "other.sqlite"
    with pytest.raises(_Stop):
        main(["export", "data", "--out", str(tmp_path / "a.gpkg"), "--store", str(other)])
    assert seen["store"] == other


def test_cli_csv_without_layers_says_which_table(themes: dict, monkeypatch, tmp_path, capsys) -> None:  # noqa: ANN001
    from types import SimpleNamespace

    monkeypatch.setenv("MALI_ACCESS_LANG", "en")  # the English lines are checked

    import geo.products.export
    from geo.cli import main

    monkeypatch.setattr(geo.products.export, "collect_state", lambda *a, **k: SimpleNamespace(notes=()))
    monkeypatch.setattr(geo.products.export, "themes_from_state", lambda state, public=False: themes)
    monkeypatch.setenv("MALI_ACCESS_LANG", "en")  # the command's English words are checked
    out = tmp_path / "zones.csv"
    assert main(["export", "data", "--out", str(out), "--store", str(tmp_path / "s.sqlite")]) == 0
    text = capsys.readouterr().out
    assert "note: a CSV holds one table; wrote admin_zones_adm3 (choose another with --layers NAME)" in text
    assert f"wrote {out} (admin_zones_adm3: 0)" in text
