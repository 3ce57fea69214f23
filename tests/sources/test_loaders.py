"""Loaders on the real data folder, and their errors on bad input."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.config import WORK_CRS, Settings
from geo.errors import CRSError, DataFileError, MissingDataError
from geo.sources.admin import load_admin, normalise_admin
from geo.sources.datasets import load_manifest, verify_data_dir
from geo.sources.places import load_places, read_curated_places
from geo.sources.roads import load_roads


@pytest.mark.parametrize(("level", "count"), [(0, 1), (1, 9), (2, 50), (3, 701)])
def test_admin_levels_on_real_data(data_dir: Path, level: int, count: int) -> None:
    gdf = load_admin(data_dir, level)
    assert len(gdf) == count
    assert gdf.crs.to_epsg() == 4326
    assert gdf.index.is_unique and gdf["pcode"].is_unique
    assert gdf.is_valid.all()
    assert (gdf["level"] == level).all()


def test_admin_pcodes_and_parents(data_dir: Path) -> None:
    adm2, adm3 = load_admin(data_dir, 2), load_admin(data_dir, 3)
    assert adm2.at["ML0502", "name"] == "Bandiagara"
    assert adm2.at["ML0502", "parent_pcode"] == "ML05"
    assert set(adm3["parent_pcode"]) == set(adm2.index)
    total_km2 = adm3.to_crs(WORK_CRS).area.sum() / 1e6
    assert total_km2 == pytest.approx(1_254_307, rel=0.002)  # SOURCES.md figure


def test_places_roads_and_manifest(data_dir: Path) -> None:
    places = load_places(data_dir)
    assert len(places) == 14_927 + len(read_curated_places()) and places.index.is_unique
    roads = load_roads(data_dir)
    assert len(roads) == 51 and roads.crs.to_string() == WORK_CRS
    assert (roads["road_class"] == "main").all()
    status = verify_data_dir(data_dir)
    optional = {r for r, d in load_manifest().items() if d.optional}
    assert {s for r, s in status.items() if r not in optional} == {"ok"}
    assert {"admin1", "admin2", "admin3", "roads", "population", "landcover"} <= set(load_manifest())


def _raw(pcodes: list[str], crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    geoms = [box(i, 14, i + 1, 15) for i in range(len(pcodes))]
    return gpd.GeoDataFrame(
        {
            "adm1_pcode": ["ML01"] * len(pcodes),
            "adm1_name": ["Kayes"] * len(pcodes),
            "adm2_pcode": pcodes,
            "adm2_name": [f"C{i}" for i in range(len(pcodes))],
        },
        geometry=geoms,
        crs=crs,
    )


def test_duplicate_pcode_names_file_row_and_field() -> None:
    with pytest.raises(DataFileError, match=r"adm2\.gpkg, row 3, field 'pcode': duplicate P-code 'ML0101'"):
        normalise_admin(_raw(["ML0101", "ML0102", "ML0101"]), level=2, adapter="cod_ab", path="adm2.gpkg")


def test_missing_column_is_named() -> None:
    raw = _raw(["ML0101"]).drop(columns="adm2_name")
    with pytest.raises(DataFileError, match=r"field 'adm2_name'"):
        normalise_admin(raw, level=2, adapter="cod_ab", path="adm2.gpkg")


def test_hdx_2021_column_spelling_is_accepted() -> None:
    raw = _raw(["ML0101"]).rename(
        columns={
            "adm1_pcode": "ADM1_PCODE",
            "adm1_name": "ADM1_FR",
            "adm2_pcode": "ADM2_PCODE",
            "adm2_name": "ADM2_FR",
        }
    )
    gdf = normalise_admin(raw, level=2, adapter="cod_ab")
    assert list(gdf.index) == ["ML0101"] and gdf.iloc[0]["parent_pcode"] == "ML01"


def test_crs_less_layer_is_refused(tmp_path: Path) -> None:
    layer = tmp_path / "admin" / "mli_adm2_ocha2015.gpkg"
    layer.parent.mkdir()
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 14)]).to_file(layer, layer="adm2")
    with pytest.raises(CRSError, match="has no CRS"):
        load_admin(tmp_path, 2)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match="admin3 file missing"):
        load_admin(tmp_path, 3)
    with pytest.raises(MissingDataError, match="--data does not exist"):
        Settings.resolve(data=tmp_path / "nope", environ={}).require_data_dir()
