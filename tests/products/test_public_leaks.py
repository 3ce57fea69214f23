"""Scanner: restricted records planted in a store never reach a public product or a viewer.

A temporary store gets a non-public encirclement (unique name, armed group, note, source,
coordinates, a 15 km no-entry zone), a road-status version with a restricted note, and
incidents whose actors and notes are unique markers (one curated row, one ACLED row). Then
every public product is built from that store:

* a snapshot folder (index.html, GeoJSON, CSV, PNG with its metadata chunks, metadata.json);
* ``export data --public`` in every format (GeoPackage, KML, GeoJSON, one CSV per theme);
* the public page's data (the iframe and every text element of views/public.py);

and scanned for the marker strings, for the planted coordinates (to 2 decimals, as a pair in
any list of numbers, and as a vertex of any geometry), and for a hole or a notch near the
planted locality in every polygon. A control builds the same public layers with the planted
episode marked public: its no-entry hole then shows, so the scanner would see a leak. Last,
a viewer's live map page data carries no restricted field (an advisor's does).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from PIL import Image
from shapely.geometry import Point

from geo.cli import main
from geo.config import WORK_CRS
from geo.products import export as E
from geo.products import snapshot as S
from geo.store import constraints

pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"),
    # list-typed GPKG fields (hubs' areas of responsibility) are read back as text here
    pytest.mark.filterwarnings("ignore:Could not parse column:UserWarning"),
]

SECRET = "Qzxwé-Secretville"
GROUP = "Katiba Wqxz-Marker"
NOTE = "NOTE-7c1e4a-marker"
SOURCE = "SRC-9d2a6b-marker"
ROAD_NOTE = "ROADNOTE-4b8f1c"
ACTOR = "ACTOR-3e5a0d-marker"
SUMMARY = "SUMMARY-6f0b2e-marker"
MARKERS = [SECRET, "Qzxw", GROUP, "Wqxz", NOTE, SOURCE, ROAD_NOTE, ACTOR, SUMMARY]
#: A point deep inside the public reachable areas, about 35 km from any band edge, cercle
#: boundary, road, track or axis line of the public layers (found on a 10 km lattice as the
#: reached point farthest from them): a no-entry zone there can only show as a hole.
LON, LAT = 0.2247, 19.6249
RADIUS_KM = 15.0
#: No hole of any polygon, and no ring of a reachable area, may come closer than this to
#: the planted point (km): the no-entry zone's radius plus 10 km.
NEAR_KM = RADIUS_KM + 10.0
AS_OF = dt.date(2025, 11, 30)
DELAY = 30
RELEASE = AS_OF - dt.timedelta(days=DELAY)


# --------------------------------------------------------------------------- the planted store


@pytest.fixture(scope="module")
def store(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("planted")
    path = folder / "store.sqlite"
    res = constraints.record_encircled(  # no public flag: restricted by default
        path,
        locality=SECRET,
        lon=LON,
        lat=LAT,
        status="active",
        since="2025-01-01",
        last_confirmed="2025-10-01",
        armed_group=GROUP,
        note=NOTE,
        radius_km=RADIUS_KM,
        source=SOURCE,
        recorded_by="scanner",
        data_dir=data_dir,
    )
    axis = pd.read_csv(constraints.CURATED_DIR / "axes.csv")["axis_id"].iloc[0]
    constraints.record_road_status(
        path,
        axis_id=axis,
        status="constrained",
        cause="security",
        valid_from="2025-09-01",
        source=SOURCE,
        recorded_by="scanner",
        note=ROAD_NOTE,
        status_raw=GROUP,
    )
    curated = folder / "curated.csv"
    curated.write_text(
        "event_id,date,date_precision,event_type,locality,admin1_region,admin2_cercle,latitude,longitude,"
        "coord_confidence,actor,summary,source_publisher\n"
        f"PLANT-1,2025-10-10,day,blockade_ongoing,{SECRET},Tombouctou,Goundam,{LAT},{LON},high,"
        f"{ACTOR},{SUMMARY},{SOURCE}\n",
        encoding="utf-8",
    )
    acled = folder / "acled.csv"
    acled.write_text(
        "event_id_cnty,event_date,event_type,sub_event_type,actor1,actor2,admin1,admin2,admin3,"
        "location,latitude,longitude,geo_precision,time_precision,fatalities,notes,source\n"
        f"MLIPLANT2,2025-10-12,Battles,Armed clash,{ACTOR},{GROUP},Tombouctou,Goundam,Goundam,"
        f"{SECRET},{LAT},{LON},1,1,3,{SUMMARY},{SOURCE}\n",
        encoding="utf-8",
    )
    for f in (curated, acled):
        assert main(["incidents", "import", str(f), "--data", str(data_dir), "--store", str(path)]) == 0
    with sqlite3.connect(path) as conn:  # the encirclement went in restricted
        (flag,) = conn.execute(
            f"SELECT public FROM {constraints.ENCIRCLED_TABLE} WHERE version_id = ?", (res.version_id,)
        ).fetchone()
    assert flag == 0
    return path


@pytest.fixture(scope="module")
def inputs(data_dir: Path, store: Path) -> S.SnapshotInputs:
    inp = S.load_snapshot_inputs(data_dir, store_path=store)
    assert SECRET in set(inp.encircled_episodes["locality"])  # planted and loaded
    return inp


@pytest.fixture(scope="module")
def snapshot(inputs: S.SnapshotInputs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return S.build_snapshot(inputs, tmp_path_factory.mktemp("snap"), as_of=AS_OF, delay_days=DELAY, lang="fr")


@pytest.fixture(scope="module")
def exports(data_dir: Path, store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    # the command once (it must hand --public to the computation) ...
    assert (
        main(
            [
                "export",
                "data",
                "--data",
                str(data_dir),
                "--store",
                str(store),
                "--as-of",
                RELEASE.isoformat(),
                "--public",
                "--out",
                str(out / "cli.geojson"),
            ]
        )
        == 0
    )
    # ... and every format and CSV table from one public state
    state = E.collect_state(data_dir, as_of=RELEASE, store_path=store, public=True)
    themes = E.themes_from_state(state, public=True)
    for fmt in ("gpkg", "kml", "geojson"):
        E.write_export(themes, out / f"public.{fmt}")
    for theme in E.THEMES:
        E.write_export(themes, out / f"{theme}.csv", layers=[theme])
    return out


# --------------------------------------------------------------------------- scanners


def _png_text(path: Path) -> str:
    with Image.open(path) as im:
        chunks = {**im.info, **getattr(im, "text", {})}
    return " ".join(f"{k}={v}" for k, v in chunks.items())


def _gpkg_text(path: Path) -> str:
    parts = []
    for name, _ in pyogrio.list_layers(path):
        frame = gpd.read_file(path, layer=name)
        parts.append(frame.drop(columns=frame.geometry.name, errors="ignore").astype(str).to_csv())
    return "\n".join(parts)


def file_text(path: Path) -> str:
    """Everything readable in a file: its bytes as text, plus decoded PNG chunks / GPKG rows."""
    text = path.read_bytes().decode("utf-8", errors="ignore")
    if path.suffix == ".png":
        text += _png_text(path)
    if path.suffix == ".gpkg":
        text += _gpkg_text(path)
    return text


_NUMBER = re.compile(r"-?\d+\.\d+")


def planted_pairs(text: str) -> list[str]:
    """Adjacent numbers in ``text`` that round (2 decimals) to the planted lon/lat, either order."""
    nums = [float(n) for n in _NUMBER.findall(text)]
    target = (round(LON, 2), round(LAT, 2))
    found = []
    for a, b in zip(nums, nums[1:], strict=False):
        if (round(a, 2), round(b, 2)) in (target, target[::-1]):
            found.append(f"{a},{b}")
    return found


def file_geometries(path: Path) -> gpd.GeoSeries:
    """Every geometry of a public geodata file (EPSG:4326)."""
    if path.suffix == ".gpkg":
        frames = [gpd.read_file(path, layer=n) for n, _ in pyogrio.list_layers(path)]
        return gpd.GeoSeries(pd.concat([f.geometry for f in frames], ignore_index=True), crs=4326)
    if path.suffix == ".geojson":
        return gpd.read_file(path).geometry
    if path.suffix == ".kml":
        return gpd.GeoSeries(_kml_geometries(path), crs=4326)
    return gpd.GeoSeries([], crs=4326)


def _kml_geometries(path: Path) -> list:
    ns = "{http://www.opengis.net/kml/2.2}"
    root = ET.fromstring(path.read_bytes())

    def ring(el) -> list[tuple[float, float]]:  # noqa: ANN001
        text = el.find(f".//{ns}coordinates").text or ""
        return [tuple(map(float, c.split(",")[:2])) for c in text.split()]

    out = []
    for poly in root.iter(f"{ns}Polygon"):
        outer = ring(poly.find(f"{ns}outerBoundaryIs"))
        inner = [ring(b) for b in poly.findall(f"{ns}innerBoundaryIs")]
        out.append(shapely.Polygon(outer, inner))
    return out


def holes_near(geoms: gpd.GeoSeries, km: float) -> list[float]:
    """Distances (km) to the planted point of every interior ring closer than ``km``."""
    point = gpd.GeoSeries([Point(LON, LAT)], crs=4326).to_crs(WORK_CRS).iloc[0]
    polys = geoms[geoms.notna()].to_crs(WORK_CRS).explode(index_parts=False)
    polys = polys[polys.geom_type == "Polygon"]
    out = []
    for poly in polys:
        for interior in poly.interiors:
            d = shapely.Polygon(interior).distance(point) / 1000.0
            if d < km:
                out.append(round(d, 1))
    return out


def rings_near(geoms: gpd.GeoSeries, km: float) -> list[float]:
    """Distances (km) to the planted point of every polygon ring (outer or inner) closer than ``km``."""
    point = gpd.GeoSeries([Point(LON, LAT)], crs=4326).to_crs(WORK_CRS).iloc[0]
    polys = geoms[geoms.notna()].to_crs(WORK_CRS)
    polys = polys[polys.geom_type.isin(["Polygon", "MultiPolygon"])]
    d = polys.boundary.distance(point) / 1000.0
    return sorted(round(float(x), 1) for x in d[d < km])


def vertices_at_planted_point(geoms: gpd.GeoSeries) -> int:
    """Vertices that round (2 decimals) to the planted lon/lat."""
    if geoms.empty:
        return 0
    xy = shapely.get_coordinates(geoms[geoms.notna()].to_numpy())
    return int(np.sum((np.round(xy[:, 0], 2) == round(LON, 2)) & (np.round(xy[:, 1], 2) == round(LAT, 2))))


def scan(path: Path) -> list[str]:
    """Every leak found in one public file."""
    text = file_text(path)
    low = text.lower()
    leaks = [f"marker {m!r}" for m in MARKERS if m.lower() in low]
    leaks += [f"coordinates {p}" for p in planted_pairs(text)]
    geoms = file_geometries(path)
    if len(geoms):
        if n := vertices_at_planted_point(geoms):
            leaks.append(f"{n} vertices at the planted point")
        if near := holes_near(geoms, NEAR_KM):
            leaks.append(f"holes at {near} km")
    return leaks


# --------------------------------------------------------------------------- tests


def test_snapshot_files_carry_no_trace(snapshot: Path) -> None:
    files = sorted(p for p in snapshot.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"index.html", "map.png", "metadata.json", "reach.geojson", "reach.csv"}
    leaks = {p.relative_to(snapshot).as_posix(): scan(p) for p in files}
    assert {k: v for k, v in leaks.items() if v} == {}
    # the public reach layer has no ring (no hole, no notch) anywhere near the planted point
    reach = gpd.read_file(snapshot / "downloads" / "reach.geojson")
    point = gpd.GeoSeries([Point(LON, LAT)], crs=4326)
    assert reach.to_crs(WORK_CRS).contains(point.to_crs(WORK_CRS).iloc[0]).any()  # it is reached
    assert rings_near(reach.geometry, NEAR_KM) == []
    # and the map's data: every coordinate list of the page
    page = (snapshot / "index.html").read_text(encoding="utf-8")
    assert planted_pairs(page) == []


def test_public_exports_carry_no_trace(exports: Path) -> None:
    files = sorted(exports.iterdir())
    assert len(files) == 4 + len(E.THEMES)
    leaks = {p.name: scan(p) for p in files}
    assert {k: v for k, v in leaks.items() if v} == {}
    bands = gpd.read_file(exports / "public.gpkg", layer="reachable_areas")
    assert len(bands) > 0
    assert rings_near(bands.geometry, NEAR_KM) == []
    enc = gpd.read_file(exports / "public.gpkg", layer="encircled")
    assert len(enc) > 0 and {"armed_group", "note", "source"}.isdisjoint(enc.columns)
    roads = pd.read_csv(exports / "roads_status.csv", skiprows=[1])
    assert {"note", "source", "cause"}.isdisjoint(roads.columns) and len(roads) > 0


def test_public_page_carries_no_trace(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT

    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(snapshot.parent))
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "public.py"), default_timeout=60)
    at.run()
    assert not at.exception
    (frame,) = at.get("iframe")
    shown = [frame.proto.srcdoc]
    shown += [e.value for e in (*at.markdown, *at.caption, *at.metric)]
    shown += [at.dataframe[i].value.to_csv() for i in range(len(at.dataframe))]
    shown += [b.label for b in at.download_button]
    text = "\n".join(str(s) for s in shown)
    assert [m for m in MARKERS if m.lower() in text.lower()] == []
    assert planted_pairs(text) == []


def test_non_public_encirclement_changes_no_public_layer(inputs: S.SnapshotInputs) -> None:
    """Non-interference: the public layers are the same with or without the planted record."""
    eps = inputs.encircled_episodes
    without = dataclasses.replace(inputs, encircled_episodes=eps[eps["locality"] != SECRET])
    with_planted, _ = S.build_public_layers(inputs, as_of=AS_OF, delay_days=DELAY)
    baseline, _ = S.build_public_layers(without, as_of=AS_OF, delay_days=DELAY)
    for name in ("reach", "encircled_admin2"):
        pd.testing.assert_frame_equal(
            pd.DataFrame(with_planted[name]).assign(geometry=with_planted[name].geometry.to_wkt()),
            pd.DataFrame(baseline[name]).assign(geometry=baseline[name].geometry.to_wkt()),
        )


def test_control_marked_public_the_hole_shows(inputs: S.SnapshotInputs) -> None:
    """The scanner sees the leak it guards against: marked public, the no-entry zone is a hole."""
    eps = inputs.encircled_episodes.copy()
    eps.loc[eps["locality"] == SECRET, "public"] = True
    layers, _ = S.build_public_layers(
        dataclasses.replace(inputs, encircled_episodes=eps), as_of=AS_OF, delay_days=DELAY
    )
    near = holes_near(layers["reach"].geometry, NEAR_KM)
    assert near and min(near) < 1.0  # a hole at the planted point
    assert any(SECRET in n for n in layers["encircled_admin2"]["named_localities"])


def test_control_the_internal_export_is_caught(data_dir: Path, store: Path, tmp_path: Path) -> None:
    """The same scanner on the internal (non-public) export finds the markers and the hole."""
    state = E.collect_state(data_dir, as_of=RELEASE, store_path=store)
    out = tmp_path / "internal.geojson"
    E.write_export(E.themes_from_state(state), out)
    leaks = scan(out)
    assert f"marker {GROUP!r}" in leaks and f"marker {NOTE!r}" in leaks
    assert any(leak.startswith("holes at") for leak in leaks)


# --------------------------------------------------------------------------- the viewer's live map


def _live_map_data(role: str, data_dir: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT

    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_STORE", str(store))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "live_map.py"), default_timeout=300)
    at.session_state["as_of"] = RELEASE
    at.session_state["auth_role"] = role
    at.session_state["incident_days"] = 90
    at.run()
    assert not at.exception, at.exception
    (frame,) = at.get("iframe")  # the map's whole document (views.maps.show_map)
    return frame.proto.srcdoc + "\n".join(str(e.value) for e in at.markdown)


def test_viewer_live_map_carries_no_restricted_field(
    data_dir: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = _live_map_data("viewer", data_dir, store, monkeypatch)
    assert "Secretville" in viewer  # the viewer sees the encirclement itself (internal) ...
    restricted = [GROUP, NOTE, SOURCE, ROAD_NOTE, ACTOR, SUMMARY]
    assert [m for m in restricted if m in viewer] == []  # ... but none of its restricted fields
    advisor = _live_map_data("advisor", data_dir, store, monkeypatch)
    assert {GROUP, NOTE, ROAD_NOTE, ACTOR} <= {m for m in restricted if m in advisor}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_public_page_names_the_downloads_in_the_readers_language(
    snapshot: Path, lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT

    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(snapshot.parent))
    monkeypatch.setenv("MALI_ACCESS_USERS", str(tmp_path / "users.toml"))
    monkeypatch.setenv("MALI_ACCESS_LANG", lang)
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "public.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    meta = S.read_metadata(snapshot)
    files = [f for f in meta["files"] if f.startswith("downloads/") or f == "map.png"] + ["metadata.json"]
    labels = [re.sub(r"\\(.)", r"\1", b.label) for b in at.get("download_button")]
    # the whole snapshot, then each file, named for the reader (the page's language), ASCII only
    assert labels[1:] == [S.download_name(f, AS_OF, lang) for f in files]
    assert all(re.fullmatch(r"(acces-mali|mali-access)-[a-z0-9.-]+", name) for name in labels[1:])
    roads = {"fr": "acces-mali-etat-des-routes-", "en": "mali-access-road-status-"}[lang]
    assert any(name.startswith(roads) and name.endswith(".csv") for name in labels)
