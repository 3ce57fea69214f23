"""`geo data add ROLE FILE`: files users bring (HOT and Geofabrik roads, COD-AB, rasters, UCDP)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from raw_mirror import GEOFABRIK_ROWS, HOT_ROWS, geofabrik_roads, hot_roads
from shapely.geometry import LineString

from geo.cli import main as cli
from geo.errors import DataFileError
from geo.sources.datasets import dataset_entry, read_lock, sha256_file, verify_data_dir, verify_ok
from geo.sources.fetch import add_user_file
from geo.sources.osm_roads import classify, detect_schema, load_osm_roads, normalise_osm_roads

MANIFEST_FILES = [
    "admin/mli_adm0_wof.gpkg",
    "admin/mli_adm1_ocha2015.gpkg",
    "admin/mli_adm2_ocha2015.gpkg",
    "admin/mli_adm3_ocha2015.gpkg",
    "roads/mli_main_roads_osrm.gpkg",
    "places/mli_localities_wof.gpkg",
    "population/mli_worldpop2020_density_20km.tif",
    "terrain/mli_landcover_modis2019_20km.tif",
    "terrain/mli_landcover_modis2019_20km_legend.csv",
    "water/mli_rivers_ne10m.gpkg",
    "water/mli_lakes_ne10m.gpkg",
    "incidents/mali_ucdp_ged211_precise.csv",
    "incidents/mali_access_events_curated.csv",
]


@pytest.fixture
def folder(tmp_path: Path, data_dir: Path) -> Path:
    """A copy of the shared data folder (no lock yet)."""
    dest = tmp_path / "data"
    for rel in MANIFEST_FILES:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / rel, dest / rel)
    return dest


def _zip_shp(gdf: gpd.GeoDataFrame, tmp: Path, stem: str) -> Path:
    d = tmp / stem
    d.mkdir()
    gdf.to_file(d / f"{stem}.shp", engine="pyogrio", encoding="UTF-8")
    z = tmp / f"{stem}_shp.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in d.iterdir():
            zf.write(f, f.name)
    return z


# --- the mapping itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "trunk"}, ("paved", "all_year", "highway=trunk default")),
        ({"highway": "primary", "surface": "unpaved"}, ("laterite", "all_year", "surface=unpaved")),
        ({"highway": "residential", "surface": "asphalt"}, ("paved", "all_year", "surface=asphalt")),
        ({"highway": "tertiary"}, ("laterite", "all_year", "highway=tertiary default")),
        ({"highway": "track"}, ("track", "dry_only", "highway=track default")),
        ({"highway": "track", "tracktype": "grade1"}, ("laterite", "all_year", "tracktype=grade1")),
        ({"highway": "track_grade2"}, ("laterite", "all_year", "tracktype=grade2")),
        ({"highway": "track_grade3"}, ("track", "dry_only", "tracktype=grade3")),
        ({"highway": "Track", "tracktype": "GRADE5"}, ("track", "dry_only", "tracktype=grade5")),
        ({"highway": "secondary", "surface": "sand"}, ("track", "dry_only", "surface=sand")),
        (
            {"highway": "trunk", "smoothness": "very_bad"},
            ("laterite", "all_year", "highway=trunk default; smoothness=very_bad"),
        ),
        (
            {"highway": "trunk", "smoothness": "horrible"},
            ("track", "dry_only", "highway=trunk default; smoothness=horrible"),
        ),
        ({"highway": "primary", "smoothness": "impassable"}, None),
        ({"highway": "track", "ford": "stepping_stones"}, ("track", "dry_only", "highway=track default")),
        ({"highway": "primary", "seasonal": "wet_season"}, ("paved", "all_year", "highway=primary default")),
        ({"highway": "", "route": "ferry", "seasonal": "dry_season"}, ("", "dry_only", "route=ferry")),
        (
            {"highway": "unclassified", "ford": "yes"},
            ("laterite", "dry_only", "highway=unclassified default"),
        ),
        ({"highway": "secondary", "seasonal": "yes"}, ("laterite", "dry_only", "highway=secondary default")),
        ({"highway": "", "route": "ferry"}, ("", "all_year", "route=ferry")),
        ({"highway": "footway"}, None),
        ({"highway": "proposed"}, None),
        ({"highway": "bus_stop"}, None),
    ],
)
def test_classify(tags: dict, expected: tuple | None) -> None:
    assert classify(**tags) == expected


def test_schema_detection_and_hostile_layers() -> None:
    assert detect_schema(["osm_id", "highway", "surface"]) == "hot"
    assert detect_schema(["OSM_ID", "FCLASS"]) == "geofabrik"
    line = LineString([(0, 0), (1, 1)])
    with pytest.raises(DataFileError, match="no osm_id"):
        normalise_osm_roads(
            gpd.GeoDataFrame({"highway": ["trunk"]}, geometry=[line], crs=4326), path="x.gpkg"
        )
    with pytest.raises(DataFileError, match="neither highway"):
        normalise_osm_roads(gpd.GeoDataFrame({"osm_id": [1]}, geometry=[line], crs=4326), path="x.gpkg")
    with pytest.raises(DataFileError, match=r"x.gpkg, row 2, field 'osm_id': empty osm_id"):
        gdf = gpd.GeoDataFrame(
            {"osm_id": [1, None], "highway": ["trunk", "primary"]}, geometry=[line, line], crs=4326
        )
        normalise_osm_roads(gdf, path="x.gpkg")
    with pytest.raises(DataFileError, match="no CRS"):
        normalise_osm_roads(
            gpd.GeoDataFrame({"osm_id": [1], "highway": ["trunk"]}, geometry=[line]), path="x"
        )
    with pytest.raises(DataFileError, match="no vehicle road"):
        normalise_osm_roads(
            gpd.GeoDataFrame({"osm_id": [1], "highway": ["footway"]}, geometry=[line], crs=4326)
        )
    # hostile text in tags is kept as text, never interpreted
    gdf = gpd.GeoDataFrame(
        {"osm_id": ["7"], "highway": ["trunk"], "name": ['=HYPERLINK("x")<script>'], "surface": ["'; DROP"]},
        geometry=[line],
        crs=4326,
    )
    out = normalise_osm_roads(gdf)
    assert out["name"].iloc[0] == '=HYPERLINK("x")<script>' and out["surface"].iloc[0] == "paved"


# --- data add ---------------------------------------------------------------------------------


def test_add_hot_roads_zip_then_verify(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    z = _zip_shp(hot_roads(), tmp_path, "hotosm_mli_roads_lines")
    assert cli(["data", "add", "roads", str(z), "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    kept = [r for r in HOT_ROWS if r[-1] is not None]
    # the command speaks French by default: the line's words from the catalog, the figures from the file
    assert f"roads_osm\u202f: (aucun) -> roads/mli_roads_osm.gpkg ({len(kept)} entités\u202f; " in out
    assert "features" not in out and "bridges" not in out
    roads = load_osm_roads(folder).set_index("osm_id")
    for oid, *_, expected in kept:
        assert (roads.loc[str(oid), "surface"], roads.loc[str(oid), "season"]) == expected, oid
    assert roads.loc["1002", "bridge"] and not roads.loc["1001", "bridge"]
    assert roads.loc["1008", "ford"] and roads.loc["1008", "name"] == "Gué"
    assert (roads["schema"] == "hot").all()
    lock = read_lock(folder)
    assert lock["raw"]["added/hotosm_mli_roads_lines_shp.zip"]["sha256"] == sha256_file(z)
    assert lock["datasets"]["roads_osm"]["source"] == "user"
    assert cli(["data", "verify", "--data", str(folder)]) == 0


def test_add_geofabrik_roads_gpkg(folder: Path, tmp_path: Path) -> None:
    g = tmp_path / "gis_osm_roads_free_1.gpkg"
    geofabrik_roads().to_file(g, layer="gis_osm_roads_free_1", engine="pyogrio")
    lines = add_user_file(folder, "roads", g)
    assert lines[0].startswith("roads_osm: (none) -> roads/mli_roads_osm.gpkg (5 features")
    roads = load_osm_roads(folder).set_index("osm_id")
    for oid, _, br, expected in GEOFABRIK_ROWS:
        if expected is None:
            assert oid not in roads.index
        else:
            assert (roads.loc[oid, "surface"], roads.loc[oid, "season"]) == expected
            assert bool(roads.loc[oid, "bridge"]) == (br == "T")
    assert (roads["schema"] == "geofabrik").all()
    assert verify_ok(verify_data_dir(folder))
    # adding the HOT file afterwards says what it replaces
    z = _zip_shp(hot_roads(), tmp_path, "hot")
    assert add_user_file(folder, "roads", z)[0].startswith(
        "roads_osm: roads/mli_roads_osm.gpkg (5 features; laterite 2, paved 1, track 2; "
        "bridges 1, fords 0) ->"
    )


def test_add_roads_rejects_a_non_osm_file_and_leaves_the_folder(folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame({"id": [1]}, geometry=[LineString([(0, 0), (1, 1)])], crs=4326).to_file(bad)
    with pytest.raises(DataFileError, match="roads.gpkg.*no osm_id"):
        add_user_file(folder, "roads", bad)
    assert not (folder / "roads/mli_roads_osm.gpkg").exists()
    assert read_lock(folder) == {"raw": {}, "datasets": {}}
    assert not list(folder.glob(".staging-*"))


def test_add_admin_2021_zip_detects_version_and_accents(folder: Path, tmp_path: Path, data_dir: Path) -> None:
    adm2 = gpd.read_file(data_dir / "admin/mli_adm2_ocha2015.gpkg")
    m = adm2["adm2_pcode"] == "ML0704"
    adm2.loc[m, ["adm1_pcode", "adm1_name", "adm2_pcode", "adm2_name"]] = [
        "ML10",
        "MENAKA",
        "ML1001",
        "Menaka",
    ]
    raw = adm2.rename(
        columns={
            "adm1_pcode": "ADM1_PCODE",
            "adm1_name": "ADM1_FR",
            "adm2_pcode": "ADM2_PCODE",
            "adm2_name": "ADM2_FR",
        }
    )[["ADM1_PCODE", "ADM1_FR", "ADM2_PCODE", "ADM2_FR", "geometry"]]
    z = _zip_shp(raw, tmp_path, "mli_admbnda_adm2_1m_gov_20211220")
    lines = add_user_file(folder, "admin", z)
    assert lines[0] == (
        "admin2: admin/mli_adm2_ocha2015.gpkg (50 features, COD-AB 2015) -> "
        "admin/mli_adm2_ocha2021.gpkg (50 features, COD-AB 2021)"
    )
    assert "different COD-AB versions (admin1=2015, admin2=2021, admin3=2015)" in lines[-1]
    entry = dataset_entry(folder, "admin2")
    assert entry.version == "2021" and entry.path == "admin/mli_adm2_ocha2021.gpkg"
    got = gpd.read_file(folder / entry.path).set_index("adm2_pcode")
    assert got.loc["ML1001", "adm1_name"] == "Ménaka" and got.loc["ML1001", "adm2_name"] == "Ménaka"
    assert got.loc["ML1001", "adm2_ref_name"] == "Menaka"  # the source's spelling is kept
    assert verify_ok(verify_data_dir(folder))


def test_add_admin_without_version_clue_is_refused(folder: Path, tmp_path: Path, data_dir: Path) -> None:
    adm1 = gpd.read_file(data_dir / "admin/mli_adm1_ocha2015.gpkg")[["adm1_pcode", "adm1_name", "geometry"]]
    g = tmp_path / "regions_adm1.gpkg"
    adm1.to_file(g)
    with pytest.raises(DataFileError, match="cannot tell the COD-AB version"):
        add_user_file(folder, "admin", g)
    assert add_user_file(folder, "admin", g, cod_version="2015")[0].startswith(
        "admin1: admin/mli_adm1_ocha2015"
    )


def test_add_population_counts_and_incidents(folder: Path, tmp_path: Path) -> None:
    # a 3 x 2 count raster of 0.5° cells: density = count / cell area (spherical, km²)
    tif = tmp_path / "pop.tif"
    counts = np.array([[1000.0, 2000.0, 0.0], [500.0, -99999.0, 10.0]], dtype="float32")
    from rasterio.transform import from_origin

    profile = dict(
        driver="GTiff", width=3, height=2, count=1, dtype="float32", crs="EPSG:4326", nodata=-99999.0
    )
    with rasterio.open(tif, "w", transform=from_origin(-4.5, 15.0, 0.5, 0.5), **profile) as dst:
        dst.write(counts, 1)
    add_user_file(folder, "population", tif, values="count")
    with rasterio.open(folder / dataset_entry(folder, "population").path) as src:
        dens = src.read(1)
    r = 6371.0088
    area_row0 = r * r * np.radians(0.5) * (np.sin(np.radians(15.0)) - np.sin(np.radians(14.5)))
    assert dens[0, 0] == pytest.approx(1000.0 / area_row0, rel=1e-5)
    assert dens[1, 1] == -9999.0
    csv = tmp_path / "GEDEvent_v26_0_9.csv"
    pd.DataFrame(
        {
            "id": [1, 2, 3],
            "country_id": [432, 432, 436],
            "where_prec": [1, 5, 1],
            "date_start": ["2026-09-01", "2026-09-02", "2026-09-03"],
            "type_of_violence": [3, 1, 2],
            "latitude": [14.5, 14.6, 13.5],
            "longitude": [-4.2, -4.1, 2.1],
            "best": [2, 4, 1],
        }
    ).to_csv(csv, index=False)
    lines = add_user_file(folder, "incidents", csv, kind="candidate")
    assert lines == [
        "incidents_ucdp_candidate: (none) -> incidents/mali_incidents_ucdp_candidate_added.csv (1 rows)"
    ]
    got = pd.read_csv(folder / "incidents/mali_incidents_ucdp_candidate_added.csv")
    assert got["type_of_violence"].tolist() == ["One-sided violence"]
    bad = tmp_path / "bad.csv"
    pd.DataFrame(
        {
            "id": [1],
            "country_id": [432],
            "where_prec": [1],
            "date_start": ["not a date"],
            "type_of_violence": [1],
            "latitude": [14.0],
            "longitude": [-4.0],
            "best": [1],
        }
    ).to_csv(bad, index=False)
    with pytest.raises(DataFileError, match=r"bad.csv, row 1, field 'date_start'"):
        add_user_file(folder, "incidents", bad)
    assert verify_ok(verify_data_dir(folder))


def test_french_names_and_grd_legend(tmp_path: Path, data_dir: Path) -> None:
    from geo.sources.admin import load_admin
    from geo.sources.process import _grd_legend, french_name

    assert [french_name(x) for x in ("Koulikouro", "SEGOU", "Menaka", "Timbuktu", "Tenenkou", "Bla")] == [
        "Koulikoro",
        "Ségou",
        "Ménaka",
        "Tombouctou",
        "Ténenkou",
        "Bla",
    ]
    adm2 = load_admin(data_dir, 2)  # the shared 2015 file spells them without accents
    assert {"Ségou", "Koulikoro"} <= set(adm2["adm1_name"]) and "Ténenkou" in set(adm2["name"])
    assert adm2.attrs["pcode_version"] == "2015"
    grd = tmp_path / "x.grd"
    grd.write_text("[data]\nratnames=ID:landcover:colour\nratvalues=0:16:Water:Barren:#0000FF:#AAAAAA\n")
    assert _grd_legend(grd) == {0: ("Water", "#0000FF"), 16: ("Barren", "#AAAAAA")}
    grd.write_text("[data]\ndatatype=FLT4S\n")
    assert _grd_legend(grd) == {}


def test_data_add_lines_and_errors_in_french(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.products.i18n import tr

    g = tmp_path / "gis_osm_roads_free_1.gpkg"
    geofabrik_roads().to_file(g, layer="gis_osm_roads_free_1", engine="pyogrio")
    english = add_user_file(folder, "roads", g)[0]  # str() of each line stays English
    assert english.startswith("roads_osm: (none) -> roads/mli_roads_osm.gpkg (5 features")
    roads = load_osm_roads(folder)
    z = _zip_shp(hot_roads(), tmp_path, "hot")
    assert cli(["data", "add", "roads", str(z), "--data", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    surfaces = roads["surface"].replace("", "ferry").value_counts().sort_index()
    listed = ", ".join(f"{k} {v}" for k, v in surfaces.items())
    before = (
        f"roads/mli_roads_osm.gpkg ({len(roads)} entités\u202f; {listed}\u202f; "
        f"ponts {int(roads['bridge'].sum())}, gués {int(roads['ford'].sum())})"
    )
    assert out[0] == tr("cli.data_folder", "fr", path=folder)
    assert out[1].startswith(f"roads_osm\u202f: {before} -> roads/mli_roads_osm.gpkg (")
    missing = tmp_path / "absent.zip"
    assert cli(["data", "add", "roads", str(missing), "--data", str(folder)]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == tr(
            "cli.error",
            "fr",
            message=tr("cli.err_where", "fr", where=str(missing), reason="fichier introuvable"),
        )
        + "\n"
    )
    bad = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame(
        {"osm_id": [1], "highway": ["footway"]}, geometry=[LineString([(0, 0), (1, 1)])], crs=4326
    ).to_file(bad)
    assert cli(["data", "add", "roads", str(bad), "--data", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "aucune route carrossable dans la couche" in err and "no vehicle road" not in err
