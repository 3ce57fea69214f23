"""Export layers: one valid geometry type per theme, list fields as text, the single-hub GeoPackage."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pyogrio
import pytest
from shapely import LineString, MultiPolygon, Point, Polygon, box

from geo.products.export import THEME_GEOMETRY, THEMES, build_themes, conform_geometry, write_export
from geo.sources.admin import normalise_admin
from geo.sources.curated import select_hubs

AS_OF = dt.date(2025, 11, 30)
#: A square 2 x 2 with a one-unit spike: invalid; make_valid gives a polygon AND a line.
SPIKE = Polygon([(0, 14), (2, 14), (2, 16), (1, 16), (1, 17), (1, 16), (0, 16), (0, 14)])
#: A bow-tie: invalid; repaired into two triangles of area 1 each.
BOWTIE = Polygon([(3, 14), (5, 16), (5, 14), (3, 16)])


def _zones(geoms: list) -> gpd.GeoDataFrame:
    n = len(geoms)
    return gpd.GeoDataFrame(
        {
            "pcode": [f"ML04{i:02d}" for i in range(1, n + 1)],
            "name": [f"Cercle {i}" for i in range(n)],
            "level": [2] * n,
            "adm1_name": ["Ségou"] * n,
            "adm2_pcode": [f"ML04{i:02d}" for i in range(1, n + 1)],
            "area_km2": [1.0] * n,
            "population": [10.0] * n,
            "blockades": [0] * n,
            "incidents": [0] * n,
            "zone": ["accessible"] * n,
            "rule_id": ["Z8"] * n,
            "rule": ["default"] * n,
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def test_invalid_admin_polygons_stay_one_polygon_layer_without_duplicates(tmp_path) -> None:  # noqa: ANN001
    assert not SPIKE.is_valid and not BOWTIE.is_valid
    zones = _zones([SPIKE, BOWTIE, box(6, 14, 7, 15)])
    themes = build_themes(
        as_of=AS_OF, zones_adm2=zones, admin2=zones[["pcode", "name", "adm1_name", "geometry"]]
    )
    out = tmp_path / "x.gpkg"
    written = write_export(themes, out)
    assert written == list(THEMES)  # no _polygons/_lines split
    layers = dict(pyogrio.list_layers(out))
    assert layers["admin_zones_adm2"] == "MultiPolygon"
    assert layers["incidents_by_admin"] == "MultiPolygon"
    back = pyogrio.read_dataframe(out, layer="admin_zones_adm2")
    assert list(back["pcode"]) == ["ML0401", "ML0402", "ML0403"]  # one row each, in order
    assert back.is_valid.all()
    assert set(back.geom_type) == {"MultiPolygon"}
    # the spike is dropped (area 4 = the square), the bow-tie keeps both triangles (1 + 1)
    assert [round(g.area, 9) for g in back.geometry] == [4.0, 2.0, 1.0]
    assert len(back.geometry.iloc[1].geoms) == 2


@pytest.mark.parametrize(
    ("geometry_type", "geom", "expected"),
    [
        ("MultiPolygon", box(0, 0, 1, 1), MultiPolygon([box(0, 0, 1, 1)])),
        ("MultiPolygon", LineString([(0, 0), (1, 1)]), None),  # nothing polygonal: empty, row kept
        ("MultiLineString", LineString([(0, 0), (1, 1)]), "MULTILINESTRING ((0 0, 1 1))"),
        ("Point", Point(1, 2), "POINT (1 2)"),
        ("Point", None, None),
    ],
)
def test_conform_geometry_cases(geometry_type: str, geom, expected) -> None:  # noqa: ANN001
    gdf = gpd.GeoDataFrame({"n": [1]}, geometry=[geom], crs="EPSG:4326")
    out = conform_geometry(gdf, geometry_type)
    assert len(out) == 1 and list(out["n"]) == [1]
    got = out.geometry.iloc[0]
    if expected is None:
        assert got is None
    else:
        assert got.wkt == (expected if isinstance(expected, str) else expected.wkt)


def test_conform_geometry_refuses_unknown_type() -> None:
    gdf = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    with pytest.raises(ValueError, match="unsupported layer geometry type 'Curve'"):
        conform_geometry(gdf, "Curve")


def test_admin_repair_keeps_units_polygonal() -> None:
    raw = gpd.GeoDataFrame(
        {"adm1_pcode": ["ML04", "ML05"], "adm1_name": ["Ségou", "Mopti"]},
        geometry=[SPIKE, BOWTIE],
        crs="EPSG:4326",
    )
    admin = normalise_admin(raw, level=1, adapter="cod_ab")
    assert list(admin.index) == ["ML04", "ML05"]
    assert admin.geom_type.tolist() == ["Polygon", "MultiPolygon"]
    assert [round(g.area, 9) for g in admin.geometry] == [4.0, 2.0]


@pytest.mark.parametrize("hub", ["BKO", "GAO"])
def test_single_hub_geopackage_has_list_fields_as_text(hub: str, tmp_path) -> None:  # noqa: ANN001
    """The Export page's default: one hub, GeoPackage (its AOR lists, one of them empty)."""
    hubs = select_hubs([hub])
    themes = build_themes(as_of=AS_OF, hubs=hubs)
    out = tmp_path / "one.gpkg"
    assert write_export(themes, out) == list(THEMES)
    back = pyogrio.read_dataframe(out, layer="hubs")
    info = pyogrio.read_info(out, layer="hubs")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["aor_adm1_pcodes"] == "OFTString" and types["aor_adm2_pcodes"] == "OFTString"
    for col in ("aor_adm1_pcodes", "aor_adm2_pcodes"):
        assert back[col].iloc[0] == ";".join(hubs[col].iloc[0])


def test_every_theme_declares_its_geometry_type() -> None:
    assert set(THEME_GEOMETRY) == set(THEMES)


def test_real_single_hub_export_from_state(data_dir, model_inputs, tmp_path, isolated_store) -> None:  # noqa: ANN001
    """The page's exact engine path: collect_state for one hub -> themes_from_state -> write_export(.gpkg)."""
    from geo.products.export import collect_state, themes_from_state

    state = collect_state(
        data_dir, as_of=AS_OF, store_path=isolated_store, hub_ids=["MOP"], inputs=model_inputs
    )
    out = tmp_path / "mali_access.gpkg"
    assert write_export(themes_from_state(state), out) == list(THEMES)
    layers = dict(pyogrio.list_layers(out))
    assert layers == THEME_GEOMETRY
    hubs = pyogrio.read_dataframe(out, layer="hubs")
    assert list(hubs["hub_id"]) == ["MOP"] and list(hubs["aor_adm1_pcodes"]) == ["ML05"]
    zones = pyogrio.read_dataframe(out, layer="admin_zones_adm2")
    assert len(zones) == len(model_inputs.admin2) and zones["pcode"].is_unique
