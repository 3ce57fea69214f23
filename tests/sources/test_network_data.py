"""Curated secondary network, crossings and flood zones (issue 13): the data files themselves.

The readers live in ``geo.sources.curated``; these tests check the authored CSVs against the
contract and against the real public layers: waypoints sit in Mali next to the gazetteer locality
they are named after (or are flagged ``unlisted:`` in ``note``), every source key resolves, every
place where a network segment or a skeleton road meets a Natural Earth river line has a crossing
within 3 km, and every cercle capital lies within 2 km of a road line. Distances in ESRI:102022.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo.config import CURATED_DIR, WORK_CRS
from geo.vocab import CAUSE, CONFIDENCE, ROAD_STATUS

NETWORK_COLUMNS = [
    "segment_id", "name", "route_ref", "surface", "season", "snap", "waypoints", "schematic",
    "source_refs", "as_of", "note",
]  # fmt: skip
CROSSING_COLUMNS = [
    "crossing_id", "name", "river", "kind", "lon", "lat", "crossing_h", "wait_h", "hours", "season",
    "vehicles", "segment_id", "schematic", "source_refs", "as_of", "note",
]  # fmt: skip
STATUS_COLUMNS = [
    "crossing_id", "status", "status_raw", "cause", "valid_from", "valid_to", "confidence", "source",
    "note", "recorded_by", "recorded_at",
]  # fmt: skip
FLOOD_COLUMNS = ["zone_id", "name", "months", "effect", "factor", "wkt", "schematic", "source_refs", "note"]

CROSSING_RADIUS_M = 3000.0
GAZETTEER_RADIUS_M = 5000.0
CAPITAL_RADIUS_M = 2000.0
MALI_TOLERANCE_M = 5000.0  # border towns: the WOF outline is generalised

# Cercle capitals (OCHA COD-AB 2015 cercles): the gazetteer name and cercle that pick the town,
# or explicit coordinates for the towns the gazetteer lacks (Wikipedia coordinates; Youwarou is an
# approximate lake-shore position, see data/curated/README.md).
CAPITALS_IN_GAZETTEER = [
    ("Kayes", "Kayes"), ("Bafoulabe", "Bafoulab"), ("Diema", "Di"), ("Kenieba", "K\u00e9ni\u00e9ba"),
    ("Kita", "Kita"), ("Nioro du Sahel", "Nioro"), ("Yelimane", "Y"), ("Koulikoro", "Koulikoro"),
    ("Banamba", "Banamba"), ("Dioila", "Dio"), ("Kangaba", "Kangaba"), ("Kati", "Kati"),
    ("Kolokani", "Kolokani"), ("Nara", "Nara"), ("Yorosso", "Yorosso"), ("Kolondieba", "Kolondi"),
    ("Koutiala", "Koutiala"), ("Bougouni", "Bougouni"), ("Sikasso", "Sikasso"), ("Baroueli", "Barou"),
    ("Segou", "S\u00e9gou"), ("Bla", "Bla"), ("San", "San"), ("Niono", "Niono"), ("Tominian", "Tominian"),
    ("Ke-Macina", "Macina"), ("Mopti", "Mopti"), ("Bandiagara", "Bandiagara"), ("Bankass", "Bankass"),
    ("Djenne", "Djenn"), ("Douentza", "Douentza"), ("Koro", "Koro"), ("Tenenkou", "T"),
    ("Tombouctou", "Tombouctou"), ("Dire", "Dir"), ("Goundam", "Goundam"),
    ("Gourma Rharous", "Gourma"), ("Niafounke", "Niafunke"), ("Gao", "Gao"), ("Ansongo", "Ansongo"),
    ("Bourem", "Bourem"), ("Menaka", "Menaka"), ("Kidal", "Kidal"), ("Ti-n-Essako", "Tin-Essako"),
    ("Abeibara", "Abeibara"), ("Tessalit", "Tessalit"), ("Bamako", "Bamako"),
]  # fmt: skip
CAPITALS_EXPLICIT = {"Kadiolo": (10.55, -5.7667), "Yanfolila": (11.1733, -8.1536), "Youwarou": (15.38, -4.30)}


def _norm(text: str) -> str:
    """Accent-, case- and punctuation-insensitive form of a place name."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def _read(name: str, columns: list[str]) -> list[dict[str, str]]:
    path = CURATED_DIR / name
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == columns, f"{name}: columns {reader.fieldnames}"
        rows = list(reader)
    assert rows, f"{name} is empty"
    return rows


def _keys(refs: str) -> list[str]:
    return [k.strip() for k in refs.split(";") if k.strip()]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def parse_waypoints(text: str) -> list[tuple[str, float, float]]:
    """``Name@LAT LON;...`` -> [(name, lat, lon)]; raises ValueError on any malformed part."""
    out = []
    for part in text.split(";"):
        name, sep, coords = part.rpartition("@")
        lat_s, lon_s = coords.split()
        if not sep or not name.strip():
            msg = f"waypoint without a name: {part!r}"
            raise ValueError(msg)
        out.append((name.strip(), float(lat_s), float(lon_s)))
    if len(out) < 2:
        msg = "a segment needs at least two waypoints"
        raise ValueError(msg)
    return out


def _unlisted(note: str) -> set[str]:
    m = re.search(r"unlisted: (.*)$", note)
    return {n.strip() for n in m.group(1).split(",")} if m else set()


@pytest.fixture(scope="module")
def network() -> list[dict[str, str]]:
    return _read("network.csv", NETWORK_COLUMNS)


@pytest.fixture(scope="module")
def crossings() -> list[dict[str, str]]:
    return _read("crossings.csv", CROSSING_COLUMNS)


@pytest.fixture(scope="module")
def statuses() -> list[dict[str, str]]:
    return _read("crossing_status.csv", STATUS_COLUMNS)


@pytest.fixture(scope="module")
def floods() -> list[dict[str, str]]:
    return _read("flood_zones.csv", FLOOD_COLUMNS)


@pytest.fixture(scope="module")
def layers(data_dir: Path) -> dict:
    """Real layers in ESRI:102022: skeleton, rivers, lakes, Mali outline, gazetteer."""
    read = gpd.read_file
    gaz = read(data_dir / "places" / "mli_localities_wof.gpkg").to_crs(WORK_CRS)
    gaz["key"] = gaz["name"].map(_norm)
    return {
        "skeleton": read(data_dir / "roads" / "mli_main_roads_osrm.gpkg").to_crs(WORK_CRS),
        "rivers": read(data_dir / "water" / "mli_rivers_ne10m.gpkg").to_crs(WORK_CRS),
        "lakes": read(data_dir / "water" / "mli_lakes_ne10m.gpkg").to_crs(WORK_CRS),
        "mali": read(data_dir / "admin" / "mli_adm0_wof.gpkg").to_crs(WORK_CRS).union_all(),
        "gazetteer": gaz,
    }


def _to_m(lat: float, lon: float) -> Point:
    return gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(WORK_CRS).iloc[0]


def _segment_lines(network: list[dict[str, str]]) -> dict[str, LineString]:
    out = {}
    for row in network:
        pts = parse_waypoints(row["waypoints"])
        geo = gpd.GeoSeries([Point(lon, lat) for _, lat, lon in pts], crs="EPSG:4326").to_crs(WORK_CRS)
        out[row["segment_id"]] = LineString(list(geo))
    return out


def test_parse_waypoints_rejects_malformed() -> None:
    assert parse_waypoints("A@14.5 -4.1;B b@15 -3") == [("A", 14.5, -4.1), ("B b", 15.0, -3.0)]
    for bad in ["A@14.5 -4.1", "A@14.5;B@15 -3", "@14 -4;B@15 -3", "A@x -4;B@15 -3", "A 14 -4;B@15 -3"]:
        with pytest.raises(ValueError):
            parse_waypoints(bad)


def test_network_rows_parse(network: list[dict[str, str]]) -> None:
    ids = [r["segment_id"] for r in network]
    assert len(ids) == len(set(ids)), "segment_id must be unique"
    for i, r in enumerate(network, start=2):
        where = f"network.csv row {i}"
        assert re.fullmatch(r"[A-Z0-9][A-Z0-9-]*", r["segment_id"]), where
        assert r["name"].strip(), where
        assert r["surface"] in {"paved", "laterite", "track"}, where
        assert r["season"] in {"all_year", "dry_only"}, where
        assert r["snap"] in {"yes", "no"}, where
        assert r["schematic"] in {"true", "false"}, where
        assert re.fullmatch(r"(RN|RR|RL)\d+[A-Z]?|", r["route_ref"]), where
        assert _date(r["as_of"]) <= dt.date(2026, 12, 31), where
        assert _keys(r["source_refs"]), where
        parse_waypoints(r["waypoints"])


def test_crossing_rows_parse(crossings: list[dict[str, str]], network: list[dict[str, str]]) -> None:
    ids = [r["crossing_id"] for r in crossings]
    assert len(ids) == len(set(ids)), "crossing_id must be unique"
    segments = {r["segment_id"] for r in network}
    for i, r in enumerate(crossings, start=2):
        where = f"crossings.csv row {i}"
        assert r["kind"] in {"bridge", "ferry", "pirogue", "ford"}, where
        lon, lat = float(r["lon"]), float(r["lat"])
        assert 10.0 < lat < 25.1 and -12.3 < lon < 4.3, where
        ch, wh = float(r["crossing_h"]), float(r["wait_h"])
        assert 0 <= ch <= 24 and 0 <= wh <= 48, where
        if r["kind"] == "bridge":
            assert ch == 0 and wh == 0, f"{where}: bridges take no time"
        assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d|", r["hours"]), where
        assert r["season"] in {"all_year", "dry_only", "wet_only"}, where
        assert r["vehicles"] in {"true", "false"}, where
        if r["kind"] == "pirogue":
            assert r["vehicles"] == "false", f"{where}: a pirogue carries people"
        assert r["schematic"] in {"true", "false"}, where
        assert not r["segment_id"] or r["segment_id"] in segments, where
        _date(r["as_of"])
        assert _keys(r["source_refs"]), where


def test_crossing_status_rows_parse(statuses: list[dict[str, str]], crossings: list[dict[str, str]]) -> None:
    known = {r["crossing_id"] for r in crossings}
    for i, r in enumerate(statuses, start=2):
        where = f"crossing_status.csv row {i}"
        assert r["crossing_id"] in known, where
        # the road-status vocabulary (geo.vocab): a crossing is a piece of road
        assert r["status"] in ROAD_STATUS, where
        assert r["cause"] in CAUSE, where
        assert r["confidence"] in CONFIDENCE, where
        start = _date(r["valid_from"])
        if r["valid_to"]:
            assert _date(r["valid_to"]) >= start, where
        _date(r["recorded_at"])
        assert _keys(r["source"]), where


def test_flood_rows_parse(floods: list[dict[str, str]]) -> None:
    for i, r in enumerate(floods, start=2):
        where = f"flood_zones.csv row {i}"
        m = re.fullmatch(r"(\d\d)-(\d\d)", r["months"])
        assert m and all(1 <= int(x) <= 12 for x in m.groups()), where
        assert r["effect"] in {"impassable", "slow"}, where
        if r["effect"] == "slow":
            assert float(r["factor"]) > 1, where
        poly = shapely.from_wkt(r["wkt"])
        assert poly.geom_type == "Polygon" and poly.is_valid and not poly.is_empty, where
        minx, miny, maxx, maxy = poly.bounds
        assert -12.3 < minx < maxx < 4.3 and 10.0 < miny < maxy < 25.1, f"{where}: lon/lat order"
        assert _keys(r["source_refs"]), where


def test_every_source_key_resolves(network, crossings, statuses, floods) -> None:  # noqa: ANN001
    with (CURATED_DIR / "sources.csv").open(newline="", encoding="utf-8") as f:
        keys = [r["key"] for r in csv.DictReader(f)]
    assert len(keys) == len(set(keys)), "duplicate source keys"
    cited = set()
    for rows, col in ((network, "source_refs"), (crossings, "source_refs"), (floods, "source_refs")):
        cited |= {k for r in rows for k in _keys(r[col])}
    cited |= {k for r in statuses for k in _keys(r["source"])}
    assert cited - set(keys) == set()


def test_waypoints_in_mali_and_named_after_a_nearby_locality(network, layers) -> None:  # noqa: ANN001
    mali = layers["mali"].buffer(MALI_TOLERANCE_M)
    gaz = layers["gazetteer"]
    problems = []
    for r in network:
        flagged = _unlisted(r["note"])
        names = set()
        for name, lat, lon in parse_waypoints(r["waypoints"]):
            names.add(name)
            p = _to_m(lat, lon)
            if not mali.contains(p):
                problems.append(f"{r['segment_id']}: {name} outside Mali")
            if name in flagged:
                continue
            same = gaz[gaz["key"] == _norm(name)]
            if same.empty or same.distance(p).min() > GAZETTEER_RADIUS_M:
                problems.append(f"{r['segment_id']}: {name} not within 5 km of a namesake and not flagged")
        if flagged - names:
            problems.append(f"{r['segment_id']}: flagged names not used {sorted(flagged - names)}")
    assert problems == []


def test_every_river_intersection_has_a_crossing(network, crossings, layers) -> None:  # noqa: ANN001
    """Every place a road meets a river centre line has a crossing, except tracing artefacts.

    Artefacts are read by the engine's own rule (``geo.model.friction.river_hits``: two
    intersections close along the road, where the generalised line wanders over a road that
    stays on its bank); the engine keeps those roads open without a crossing row.
    """
    from geo.model.friction import CROSSING_SNAP_KM, river_hits

    xs = [_to_m(float(r["lat"]), float(r["lon"])) for r in crossings]
    xtree = shapely.STRtree(xs)
    rivers = layers["rivers"].union_all()
    lines = list(_segment_lines(network).items())
    for i, geom in enumerate(layers["skeleton"].geometry):
        lines += [(f"skeleton line {i}", part) for part in getattr(geom, "geoms", [geom])]
    missing = []
    for name, line in lines:
        for h in river_hits(line, rivers, xtree, CROSSING_SNAP_KM * 1000.0):
            hit = h.point
            if h.artefact:
                continue
            if min(hit.distance(x) for x in xs) > CROSSING_RADIUS_M:
                lat, lon = gpd.GeoSeries([hit], crs=WORK_CRS).to_crs("EPSG:4326").iloc[0].coords[0][::-1]
                missing.append(f"{name} at {lat:.4f} {lon:.4f}")
    assert missing == []


def test_crossings_sit_at_the_end_of_the_segment_they_serve(network, crossings) -> None:  # noqa: ANN001
    lines = _segment_lines(network)
    for r in crossings:
        if r["segment_id"]:
            line = lines[r["segment_id"]]
            ends = (Point(line.coords[0]), Point(line.coords[-1]))
            x = _to_m(float(r["lat"]), float(r["lon"]))
            assert min(x.distance(e) for e in ends) <= CROSSING_RADIUS_M, r["crossing_id"]


def test_segments_stay_out_of_lakes(network, layers) -> None:  # noqa: ANN001
    lakes = layers["lakes"].union_all()
    wet = {sid: line.intersection(lakes).length for sid, line in _segment_lines(network).items()}
    assert {sid: round(m) for sid, m in wet.items() if m > 500} == {}


def test_every_cercle_capital_is_on_a_road(network, layers) -> None:  # noqa: ANN001
    gaz = layers["gazetteer"]
    roads = shapely.union_all([layers["skeleton"].union_all(), *_segment_lines(network).values()])
    points = {}
    for name, cercle in CAPITALS_IN_GAZETTEER:
        in_cercle = gaz["adm2_name"].fillna("").str.contains(cercle, regex=False)
        cand = gaz[(gaz["key"] == _norm(name)) & in_cercle]
        assert len(cand) >= 1, f"capital {name} ({cercle}) not in the gazetteer"
        points[name] = list(cand.geometry)  # GeoNames duplicates of one town: the nearest counts
    points |= {n: [_to_m(lat, lon)] for n, (lat, lon) in CAPITALS_EXPLICIT.items()}
    assert len(points) == 50  # 49 cercles and Bamako
    dist = {n: min(roads.distance(p) for p in pts) for n, pts in points.items()}
    far = {n: round(d / 1000, 1) for n, d in dist.items() if d > CAPITAL_RADIUS_M}
    assert far == {}
