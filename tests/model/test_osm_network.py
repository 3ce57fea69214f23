"""OSM roads in the access model: mapping table, overlap with the skeleton, crossings, travel times.

Synthetic lines in WORK_CRS for the geometry rules; for the travel times, a copy of the real
data folder gets a small OSM export built here (HOT zipped shapefile, Geofabrik GeoPackage)
through ``geo data add roads``, and the expected times are derived from the road length and
the speed table.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from scipy import ndimage
from shapely.geometry import LineString, Point

from geo.cli import main as cli
from geo.config import CURATED_DIR, STORAGE_CRS, WORK_CRS
from geo.errors import DataFileError
from geo.model.friction import build_friction, load_model_inputs, read_speed_table, speed_lookup
from geo.model.osm_network import (
    CURATED_BUFFER_KM,
    SKELETON_BUFFER_KM,
    drop_overlaps,
    merge_osm_roads,
    osm_crossings,
)
from geo.model.route import route_between
from geo.sources.curated import read_sources
from geo.sources.osm_roads import MAPPING_COLUMNS, normalise_osm_roads, osm_mapping, read_osm_mapping

SPEEDS = read_speed_table()
AS_OF = dt.date(2026, 1, 15)
NO_ZONES = gpd.GeoDataFrame({"radius_km": []}, geometry=[], crs=STORAGE_CRS)


# --- the mapping table ------------------------------------------------------------------------


def test_mapping_table_rows_are_sourced_and_cover_the_road_classes() -> None:
    table = pd.read_csv(CURATED_DIR / "osm_road_classes.csv", dtype=str, keep_default_na=False)
    known = set(read_sources().index)
    for i, refs in enumerate(table["source_refs"], start=1):
        keys = {k.strip() for k in refs.split(";") if k.strip()}
        assert keys and keys <= known, f"row {i}: {keys - known}"
    m = osm_mapping()
    # every class of the speed table is reachable from some highway default
    assert set(m.default.values()) == set(speed_lookup(SPEEDS, "surface", "dry"))
    assert m.default["primary"] == "paved" and m.default["track"] == "track"
    assert m.flag_values("bridge", "bridge") >= {"yes", "viaduct", "t"}
    assert m.crossing_h["ferry"] > 0 and m.crossing_h["bridge"] == 0


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ({"step": "guess"}, "step", "unknown step"),
        ({"result": "asphalt"}, "result", "not allowed"),
        ({"source_refs": " "}, "source_refs", "needs a source"),
        ({"value": ""}, "value", "empty tag or value"),
        ({"step": "flag", "result": "ferry", "crossing_h": "-1"}, "crossing_h", "not hours"),
        ({"step": "flag", "result": "ferry", "crossing_h": "=1+1"}, "crossing_h", "not hours"),
    ],
)
def test_mapping_table_hostile_rows(tmp_path: Path, row: dict, field: str, reason: str) -> None:
    good = {
        "step": "default",
        "tag": "highway",
        "value": "primary",
        "result": "paved",
        "crossing_h": "0",
        "wait_h": "0",
        "source_refs": "S-OSM-WIKI-HIGHWAY",
        "note": "",
    }
    path = tmp_path / "map.csv"
    pd.DataFrame([good, {**good, "value": "x", **row}], columns=MAPPING_COLUMNS).to_csv(path, index=False)
    with pytest.raises(DataFileError, match=rf"map.csv, row 2, field '{field}': .*{reason}"):
        read_osm_mapping(path)
    pd.DataFrame([good, good], columns=MAPPING_COLUMNS).to_csv(path, index=False)
    with pytest.raises(DataFileError, match="row 2.*duplicate"):
        read_osm_mapping(path)


# --- overlap (buffer test) ----------------------------------------------------------------------


def _lines(geoms: list[LineString], **cols: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=WORK_CRS, index=[f"l{i}" for i in range(len(geoms))])


def test_drop_overlaps_removes_only_the_stretch_a_way_runs_along() -> None:
    line = _lines([LineString([(0, 0), (20_000, 0)])], length_km=[20.0])
    along = gpd.GeoSeries([LineString([(5_000, 300), (12_000, 300)])], crs=WORK_CRS)  # 7 km, 300 m off
    out = drop_overlaps(line, along, buffer_km=SKELETON_BUFFER_KM)
    # the 0.5 km pieces whose midpoint lies within 1 km of the way's ends go too (4-13 km):
    # midpoints 4.25 and 12.75 km are sqrt(0.75**2 + 0.3**2) = 0.81 km from an end, 3.75 km is 1.29 km
    assert out["length_km"].iloc[0] == pytest.approx(20 - 9, abs=1e-9)
    assert out.geometry.iloc[0].geom_type == "MultiLineString"
    across = gpd.GeoSeries([LineString([(8_000, -5_000), (8_000, 5_000)])], crs=WORK_CRS)
    same = drop_overlaps(line, across, buffer_km=SKELETON_BUFFER_KM)
    assert same.geometry.iloc[0].equals(line.geometry.iloc[0])
    far = gpd.GeoSeries([LineString([(0, 3_000), (20_000, 3_000)])], crs=WORK_CRS)
    assert (
        drop_overlaps(line, far, buffer_km=SKELETON_BUFFER_KM).geometry.iloc[0].equals(line.geometry.iloc[0])
    )
    # within the wider curated buffer it goes entirely: the row disappears
    assert drop_overlaps(line, far, buffer_km=CURATED_BUFFER_KM + 1.5).empty


# --- crossings from OSM -------------------------------------------------------------------------

RIVER = gpd.GeoDataFrame(
    {"name": ["Niger"]}, geometry=[LineString([(0, -50_000), (0, 50_000)])], crs=WORK_CRS
)


def _osm(rows: list[dict]) -> gpd.GeoDataFrame:
    """HOT-schema rows (WORK_CRS coordinates) normalised like a file brought by a user."""
    raw = gpd.GeoDataFrame(rows, geometry=[r.pop("geometry") for r in rows], crs=WORK_CRS)
    return normalise_osm_roads(raw).to_crs(WORK_CRS)


def _no_crossings() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"crossing_id": []}, geometry=gpd.GeoSeries([], crs=STORAGE_CRS))


def test_bridges_fords_and_ferries_meeting_a_river_become_crossings() -> None:
    def across(y: float) -> LineString:
        return LineString([(-400, y), (400, y)])

    osm = _osm(
        [
            {"osm_id": 11, "highway": "primary", "bridge": "yes", "name": "Pont A", "geometry": across(0)},
            {"osm_id": 12, "highway": "primary", "bridge": "yes", "name": "Pont A", "geometry": across(40)},
            {"osm_id": 13, "highway": "track", "ford": "yes", "geometry": across(10_000)},
            {
                "osm_id": 14,
                "highway": "",
                "route": "ferry",
                "seasonal": "wet_season",
                "geometry": across(20_000),
            },
            {
                "osm_id": 15,
                "highway": "primary",
                "bridge": "yes",
                "geometry": LineString([(5_000, 0), (6_000, 0)]),
            },
            {"osm_id": 16, "highway": "primary", "bridge": "yes", "geometry": across(-30_000)},
        ]
    )
    curated = gpd.GeoDataFrame(
        {"crossing_id": ["X-CUR"]},
        geometry=gpd.GeoSeries([Point(0, -30_500)], crs=WORK_CRS).to_crs(STORAGE_CRS),
    )
    out = osm_crossings(osm, RIVER, existing=curated, as_of=AS_OF)
    assert list(out.index) == ["OSM-BRIDGE-11", "OSM-FERRY-14", "OSM-FORD-13"]
    m = osm_mapping()
    b, fe, fo = out.loc["OSM-BRIDGE-11"], out.loc["OSM-FERRY-14"], out.loc["OSM-FORD-13"]
    assert (b["kind"], b["season"], b["crossing_h"], b["river"], b["name"]) == (
        "bridge",
        "all_year",
        0.0,
        "Niger",
        "Pont A",
    )
    assert (fe["kind"], fe["season"], fe["crossing_h"], fe["wait_h"]) == (
        "ferry",
        "wet_only",
        m.crossing_h["ferry"],
        m.wait_h["ferry"],
    )
    assert (fo["kind"], fo["season"]) == ("ford", "dry_only")
    assert out["vehicles"].all() and out.crs == STORAGE_CRS
    pt = gpd.GeoSeries([b.geometry], crs=STORAGE_CRS).to_crs(WORK_CRS).iloc[0]
    assert abs(pt.x) < 1e-6 and abs(pt.y) < 1e-6  # on the river, where the bridge crosses it
    assert out.loc["OSM-BRIDGE-11", "lon"] == pytest.approx(b.geometry.x)


def test_merge_lays_osm_over_the_skeleton_and_keeps_the_rest() -> None:
    skeleton = _lines([LineString([(-60_000, 0), (60_000, 0)])], road_class=["main"], speed_src_kmh=[np.nan])
    curated = _lines(
        [LineString([(-60_000, 30_000), (-20_000, 30_000)])],
        surface=["laterite"],
        season=["dry_only"],
        schematic=[True],
        length_km=[40.0],
    )
    osm = _osm(
        [
            {
                "osm_id": 1,
                "highway": "trunk",
                "surface": "asphalt",
                "geometry": LineString([(-60_000, 100), (-1_000, 100)]),
            },
            {
                "osm_id": 2,
                "highway": "trunk",
                "bridge": "yes",
                "geometry": LineString([(-1_000, 100), (1_000, 100)]),
            },
            {"osm_id": 3, "highway": "residential", "geometry": LineString([(10_000, 200), (30_000, 200)])},
            {
                "osm_id": 4,
                "highway": "track",
                "tracktype": "grade4",
                "geometry": LineString([(-60_000, 31_000), (-40_000, 31_000)]),
            },
        ]
    )
    out = merge_osm_roads(osm, skeleton, curated, _no_crossings(), RIVER, as_of=AS_OF)
    assert out.source == "osm"
    # the skeleton west of the bridge (and 1 km beyond) is carried by OSM; town streets do not replace it
    kept = out.roads.geometry.iloc[0]
    assert kept.length == pytest.approx(120_000 - 62_000, abs=1e-6)
    assert kept.bounds[0] == pytest.approx(2_000) and kept.bounds[2] == pytest.approx(60_000)
    net = out.network
    assert set(net.index) == {"l0", "osm-1", "osm-2", "osm-3", "osm-4"}
    # the track (1 km off) carries the curated line up to the last piece whose midpoint is within
    # 2 km of its end: midpoint -38.75 km (1.32 km past the end, 1.66 km away) goes, -38.25 km stays
    assert net.loc["l0", "length_km"] == pytest.approx(40 - 21.5, abs=1e-9)
    assert tuple(net.loc["osm-4", ["surface", "season"]]) == ("track", "dry_only")
    assert tuple(net.loc["osm-3", ["surface", "season", "schematic"]]) == ("laterite", "all_year", False)
    assert list(out.crossings.index) == ["OSM-BRIDGE-2"]
    assert len(out.axis_lines[0]) == 1 + 2  # skeleton remainder + the two trunk ways


# --- `geo data add roads` changes travel times (real data folder) -----------------------------------

FILES = [
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
#: West of Nioro du Sahel: grassland with no road of the data within 15 km.
START_LONLAT = (-8.5248, 15.2229)
ROAD_CELLS = 30
CELL_KM = 2.0


def _copy(data_dir: Path, dest: Path) -> Path:
    for rel in FILES:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / rel, dest / rel)
    return dest


@pytest.fixture(scope="module")
def base(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The copied folder, its model inputs and the straight row of cells the test road will follow."""
    folder = _copy(data_dir, tmp_path_factory.mktemp("osm-base") / "data")
    inputs = load_model_inputs(folder, cell_km=CELL_KM)
    g = inputs.grid
    x, y = Transformer.from_crs(STORAGE_CRS, WORK_CRS, always_xy=True).transform(*START_LONLAT)
    (r,), (c,) = g.rowcol(np.array([x]), np.array([y]))
    c1 = c + ROAD_CELLS
    # preconditions derived from the inputs: one land cover, no road or water within 15 km
    road = (inputs.road_speed_base["dry"] > 0) | (inputs.axis_cells > 0) | inputs.water
    clear = ndimage.distance_transform_edt(~road) * CELL_KM > 15
    box = (slice(r - 5, r + 6), slice(c, c1 + 1))
    assert clear[box].all() and inputs.inside[box].all(), "test area no longer clear of roads"
    assert (inputs.landcover[box] == inputs.landcover[r, c]).all(), "test area not one land cover"
    return {"folder": folder, "inputs": inputs, "rc": (int(r), int(c)), "end": (int(r), int(c1))}


def _road_line(g: object, r: int, c0: int, c1: int) -> LineString:
    """The row's cell centres from c0 to c1 as a line in EPSG:4326 (densified, so straight on the grid)."""
    xs = g.transform.c + (np.arange(c0, c1 + 1) + 0.5) * g.transform.a
    ys = np.full(len(xs), g.transform.f + (r + 0.5) * g.transform.e)
    lon, lat = Transformer.from_crs(WORK_CRS, STORAGE_CRS, always_xy=True).transform(xs, ys)
    return LineString(np.column_stack([lon, lat]))


def _time_h(inputs: object, season: str, a: tuple[int, int], b: tuple[int, int]) -> float:
    f = build_friction(inputs, axis_status=pd.DataFrame({"status": []}), no_entry=NO_ZONES, season=season)
    return route_between(inputs, f, a, b).time_h


def _with_roads(base: dict, tmp_path: Path, layout: str, tags: dict) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(base["folder"], folder)
    (r, c0), (_, c1) = base["rc"], base["end"]
    line = _road_line(base["inputs"].grid, r, c0, c1)
    if layout == "hot":
        gdf = gpd.GeoDataFrame(
            [
                {
                    "osm_id": 4242,
                    "name": "Route de Nioro",
                    "highway": tags["highway"],
                    "surface": tags.get("surface"),
                    "smoothness": None,
                    "tracktype": tags.get("tracktype"),
                    "bridge": None,
                    "width": None,
                    "lanes": None,
                    "layer": None,
                    "source": "survey",
                    "osm_type": "ways_line",
                }
            ],
            geometry=[line],
            crs=STORAGE_CRS,
        )
        shp = tmp_path / "shp"
        shp.mkdir()
        gdf.to_file(shp / "hotosm_mli_roads_lines.shp", engine="pyogrio", encoding="UTF-8")
        path = tmp_path / "hotosm_mli_roads_lines_shp.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for f in shp.iterdir():
                zf.write(f, f.name)
    else:
        gdf = gpd.GeoDataFrame(
            [
                {
                    "osm_id": "4242",
                    "code": 5141,
                    "fclass": tags["fclass"],
                    "name": "Piste de Nioro",
                    "ref": None,
                    "oneway": "B",
                    "maxspeed": 0,
                    "layer": 0,
                    "bridge": "F",
                    "tunnel": "F",
                }
            ],
            geometry=[line],
            crs=STORAGE_CRS,
        )
        path = tmp_path / "gis_osm_roads_free_1.gpkg"
        gdf.to_file(path, layer="gis_osm_roads_free_1", engine="pyogrio")
    assert cli(["data", "add", "roads", str(path), "--data", str(folder)]) == 0
    return folder


def test_a_primary_road_added_cuts_the_travel_time_as_its_class_says(
    base: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = base["rc"], base["end"]
    km = ROAD_CELLS * CELL_KM
    before = _time_h(base["inputs"], "dry", a, b)
    folder = _with_roads(base, tmp_path, "hot", {"highway": "primary"})
    inputs = load_model_inputs(folder, cell_km=CELL_KM)
    assert inputs.network.loc["osm-4242", "surface"] == "paved"
    paved = {s: speed_lookup(SPEEDS, "surface", s)["paved"] for s in ("dry", "rainy")}
    after = _time_h(inputs, "dry", a, b)
    assert after == pytest.approx(km / paved["dry"], rel=1e-9)
    assert after < before
    assert _time_h(inputs, "rainy", a, b) == pytest.approx(km / paved["rainy"], rel=1e-9)
    # the command line gives the same time from the same folder
    capsys.readouterr()
    g = inputs.grid
    to_ll = Transformer.from_crs(WORK_CRS, STORAGE_CRS, always_xy=True)

    def place(rc: tuple[int, int]) -> str:
        lon, lat = to_ll.transform(
            g.transform.c + (rc[1] + 0.5) * g.transform.a, g.transform.f + (rc[0] + 0.5) * g.transform.e
        )
        return f"{lat:.6f},{lon:.6f}"

    args = [
        "travel-time",
        "--data",
        str(folder),
        f"--from={place(a)}",
        f"--to={place(b)}",
        "--baseline",
        "--season",
        "dry",
        "--format",
        "json",
        "--cell-km",
        str(CELL_KM),
    ]
    assert cli(args) == 0
    trip = json.loads(capsys.readouterr().out)
    assert trip["travel_time_h"] == pytest.approx(after, abs=0.0005)  # printed to 3 decimals
    assert trip["road_km"] == pytest.approx(km, abs=0.05)


def test_a_geofabrik_track_is_slower_and_closes_in_the_rains(base: dict, tmp_path: Path) -> None:
    a, b = base["rc"], base["end"]
    km = ROAD_CELLS * CELL_KM
    folder = _with_roads(base, tmp_path, "geofabrik", {"fclass": "track_grade4"})
    inputs = load_model_inputs(folder, cell_km=CELL_KM)
    assert tuple(inputs.network.loc["osm-4242", ["surface", "season"]]) == ("track", "dry_only")
    track_dry = speed_lookup(SPEEDS, "surface", "dry")["track"]
    dry = _time_h(inputs, "dry", a, b)
    assert dry == pytest.approx(km / track_dry, rel=1e-9)
    assert dry < _time_h(base["inputs"], "dry", a, b)
    # in the rains the track is no road: the off-road time of the land cover, as without it
    rainy = _time_h(inputs, "rainy", a, b)
    lc = str(int(base["inputs"].landcover[a]))
    assert rainy == pytest.approx(km / speed_lookup(SPEEDS, "landcover", "rainy")[lc], rel=1e-9)
    assert rainy == pytest.approx(_time_h(base["inputs"], "rainy", a, b), rel=1e-12)
    assert rainy > dry
