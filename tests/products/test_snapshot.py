"""Public snapshots: allow-list, planted restricted record never leaks, metadata, immutability."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import os
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import Point

from geo.products import snapshot as S
from geo.tables import hxl_tag

# rasterio.transform.from_origin (geo.model.friction.make_grid) trips affine's PendingDeprecationWarning.
pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")]

AS_OF = dt.date(2025, 11, 30)
RELEASE = dt.date(2025, 10, 31)
NOW = dt.datetime(2025, 12, 1, 9, 30, 0, tzinfo=dt.UTC)
FAKE_GROUP = "Katiba Zzyzx-Fakename"
MARKER = "NOTE-MARKER-9f3b2c"
SECRET_PLACE = "Secretville Qwxyz"
LON, LAT = -3.987654, 15.432198  # precise point (Mopti region)
#: Must appear nowhere in a snapshot (case-insensitive). Real restricted values too:
#: armed groups and a note of data/curated/encircled.csv.
BANNED = [
    FAKE_GROUP,
    "Zzyzx",
    MARKER,
    SECRET_PLACE,
    "Qwxyz",
    "secret_new_column",
    "-3.9876",
    "15.4321",
    "JNIM",
    "Katiba",
    "food flown in",
    "checkpoint about 10 km",
    "POS-HIDDEN",
]
#: Text of the one planted position that must be published (HCT-endorsed, public, before the release).
POS_PUBLIC = "Aucun paiement aux points de contrôle POS-OK-7731"


def _planted_positions() -> pd.DataFrame:
    """A register with one publishable position and four that must never reach a snapshot."""
    from geo.store.positions import COLUMNS

    rows = [
        (1, "endorsed", "public", "2025-10-01", POS_PUBLIC),
        (2, "endorsed", "restricted", "2025-10-01", "POS-HIDDEN-restricted"),
        (3, "proposed", "public", "", "POS-HIDDEN-proposed"),
        (4, "endorsed", "public", "2025-11-15", "POS-HIDDEN-endorsed-after-release"),
        (5, "revised", "public", "2025-09-01", "POS-HIDDEN-revised"),
        (6, "retired", "public", "2025-09-01", "POS-HIDDEN-retired"),
        (7, "draft", "public", "", "POS-HIDDEN-draft"),
        # endorsed and public, but it names the non-public encirclement: withheld
        (8, "endorsed", "public", "2025-10-01", f"POS-HIDDEN-names {SECRET_PLACE} access"),
        # endorsed and public, clean text, but scoped to the non-public encirclement: withheld
        (9, "endorsed", "public", "2025-10-01", "POS-HIDDEN-scoped-to-restricted-place"),
        # endorsed and public, scoped to a place id that is no place: withheld (not guessed at)
        (10, "endorsed", "public", "2025-10-01", "POS-HIDDEN-unknown-place-id"),
    ]
    scopes = {9: f"locality:{SECRET_PLACE}", 10: "locality:999999999999"}
    recs = [
        {
            "id": i,
            "status": st,
            "scope": scopes.get(i, "axis:RN16-SEV-DOU"),
            "topic": "checkpoint-payments",
            "text_fr": text,
            "text_en": text + " (en)",
            "visibility": vis,
            "motivated_by": MARKER,
            "meeting_ref": "HCT 7/2025",
            "meeting_date": end or "2025-09-01",
            "recorded_by": FAKE_GROUP,
            "recorded_at": "2025-09-01T00:00:00Z",
            "created": "2025-08-01",
            "endorsed": end,
        }  # fmt: skip
        for i, st, vis, end, text in rows
    ]
    return pd.DataFrame(recs, columns=COLUMNS)


def _planted(inputs: S.SnapshotInputs) -> S.SnapshotInputs:
    """Real inputs plus restricted records and a column the data 'gained'."""
    inc = inputs.incidents.copy()
    inc.attrs = {}
    row = inc.iloc[[-1]].copy()
    row = row.assign(
        incident_id="planted:1",
        source="curated",
        date=pd.Timestamp("2025-10-20"),
        actor1=FAKE_GROUP,
        actor2=FAKE_GROUP,
        notes=MARKER,
        location=SECRET_PLACE,
        latitude=LAT,
        longitude=LON,
        restricted=False,
    )
    row = row.set_geometry(gpd.GeoSeries([Point(LON, LAT)], index=row.index, crs=inc.crs))
    row.index = ["planted:1"]
    hidden = row.assign(incident_id="planted:2", source="acled", restricted=True, notes=MARKER + "-acled")
    hidden.index = ["planted:2"]
    incidents = pd.concat([inc, row, hidden]).assign(secret_new_column=MARKER)
    enc = inputs.encircled_episodes
    ep = (
        enc.iloc[[0]]
        .copy()
        .assign(
            locality=SECRET_PLACE,
            lon=LON,
            lat=LAT,
            status="active",
            since=dt.date(2025, 1, 1),
            until=None,
            last_confirmed=dt.date(2025, 10, 1),
            armed_group=FAKE_GROUP,
            note=MARKER,
            source=MARKER,
            public=False,
            episode_id="planted@2025-01-01",
        )
    )
    ep = ep.set_geometry(gpd.GeoSeries([Point(LON, LAT)], index=ep.index, crs=enc.crs))
    episodes = gpd.GeoDataFrame(pd.concat([enc, ep], ignore_index=True), crs=enc.crs).assign(
        secret_new_column=MARKER
    )
    rs = inputs.road_status_versions
    v = (
        rs.iloc[[0]]
        .copy()
        .assign(
            status="closed",
            valid_from=dt.date(2025, 9, 1),
            valid_to=None,
            note=MARKER,
            source=MARKER,
            status_raw=FAKE_GROUP,
            recorded_at="2025-12-01",
        )
    )
    versions = pd.concat([rs, v], ignore_index=True).assign(secret_new_column=MARKER)
    admin2 = inputs.admin2.assign(secret_new_column=MARKER)
    return dataclasses.replace(
        inputs,
        incidents=incidents,
        encircled_episodes=episodes,
        road_status_versions=versions,
        admin2=admin2,
        positions=_planted_positions(),
    )


@pytest.fixture(scope="module")
def real_inputs(data_dir: Path) -> S.SnapshotInputs:
    return _planted(S.load_snapshot_inputs(data_dir))


@pytest.fixture(scope="module")
def snap(real_inputs: S.SnapshotInputs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("snapshots")
    return S.build_snapshot(real_inputs, root, as_of=AS_OF, delay_days=30, lang="fr", now=NOW)


def _png_texts(path: Path) -> str:
    with Image.open(path) as im:
        return " ".join(f"{k}={v}" for k, v in {**im.info, **getattr(im, "text", {})}.items())


def test_nothing_restricted_in_any_file(snap: Path) -> None:
    files = [p for p in snap.rglob("*") if p.is_file()]
    assert len(files) == 14
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="ignore").lower()
        if path.suffix == ".png":
            text += _png_texts(path).lower()
        for banned in BANNED:
            assert banned.lower() not in text, f"{banned!r} found in {path.relative_to(snap)}"


def test_layout_and_allow_list(snap: Path) -> None:
    assert snap.name == "2025-11-30_20251201T093000Z_fr"
    names = sorted(
        p.relative_to(snap).as_posix()
        for p in snap.rglob("*")
        if p.is_file() and not p.relative_to(snap).as_posix().startswith("assets/")
    )
    assert names == [
        "downloads/encircled_admin2.csv",
        "downloads/encircled_admin2.geojson",
        "downloads/incidents_admin2.csv",
        "downloads/incidents_admin2.geojson",
        "downloads/incidents_admin2_month.csv",
        "downloads/positions.csv",
        "downloads/positions.json",
        "downloads/reach.csv",
        "downloads/reach.geojson",
        "downloads/road_status.csv",
        "downloads/road_status.geojson",
        "index.html",
        "map.png",
        "metadata.json",
    ]
    page = (snap / "index.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert "<script src" not in page and "<link" not in page  # Leaflet inlined: one file
    assert "Content-Security-Policy" in page and "window.snapshotReady = true" in page
    # the main towns are named on the map (a fixed gazetteer list, the same whatever the
    # records), labelled and decluttered as on the live map
    assert '"label_class":"town-label"' in page and "map-label-hidden" in page
    from geo.products.printmap import REGION_CAPITALS

    def named(town: str) -> bool:
        return any(f'"label":{json.dumps(town, ensure_ascii=a)}' in page for a in (True, False))

    assert [town for town in REGION_CAPITALS if not named(town)] == []

    def published(layer: str) -> list[str]:
        """Allowed fields, with the reader's words in the snapshot's language after their codes."""
        allowed = [c for c in S.ALLOW_LIST[layer] if c != "geometry"]
        if layer == "road_status":  # the status in words, after its code
            allowed.insert(allowed.index("status") + 1, "status_fr")
        if layer == "positions":  # the topic in words and the scope's place name
            allowed.insert(allowed.index("topic") + 1, "topic_fr")
            allowed.insert(allowed.index("scope") + 1, "place_name")
        return allowed

    for gj in snap.glob("downloads/*.geojson"):
        layer = gj.stem
        fc = json.loads(gj.read_text(encoding="utf-8"))
        assert fc["features"], layer
        assert {tuple(f["properties"]) for f in fc["features"]} == {tuple(published(layer))}
    from geo.vocab import ROAD_STATUS

    roads = json.loads((snap / "downloads" / "road_status.geojson").read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["status_fr"] for f in roads] == [
        ROAD_STATUS.label(f["properties"]["status"], "fr") for f in roads
    ]
    for csv in snap.glob("downloads/*.csv"):
        lines = csv.read_text(encoding="utf-8").splitlines()
        allowed = published(csv.stem)
        assert lines[0].split(",") == allowed
        assert lines[1].split(",") == [hxl_tag(c) for c in allowed]
        assert all(lines[1].split(","))  # every published column has a hashtag


def test_only_endorsed_public_positions_are_published(snap: Path, real_inputs: S.SnapshotInputs) -> None:
    from geo.vocab import POSITION_TOPIC, SCOPE_KIND

    axis_name = str(real_inputs.axes.loc["RN16-SEV-DOU", "axis_name"])
    pos = pd.read_csv(snap / "downloads" / "positions.csv", skiprows=[1], dtype=str, keep_default_na=False)
    assert pos.to_dict(orient="records") == [
        {
            "position_id": "1",
            "scope": "axis:RN16-SEV-DOU",
            "place_name": axis_name,  # the reader's words beside the codes
            "topic": "checkpoint-payments",
            "topic_fr": POSITION_TOPIC.label("checkpoint-payments", "fr"),
            "text_fr": POS_PUBLIC,
            "text_en": POS_PUBLIC + " (en)",
            "endorsed": "2025-10-01",
            "meeting_ref": "HCT 7/2025",
        }
    ]
    records = json.loads((snap / "downloads" / "positions.json").read_text(encoding="utf-8"))
    assert [r["text_fr"] for r in records] == [POS_PUBLIC]
    assert json.loads((snap / "metadata.json").read_text(encoding="utf-8"))["layers"]["positions"] == 1
    # the page lists it, with the topic and scope labels of the one vocabulary (French snapshot)
    page = (snap / "index.html").read_text(encoding="utf-8")
    listed = page.split('<ul id="snapshot-positions">', 1)[1].split("</ul>", 1)[0]
    assert listed.count("<li>") == 1 and POS_PUBLIC in listed
    assert POSITION_TOPIC.label("checkpoint-payments", "fr") in listed
    # the axis by its name, never by its internal id
    assert html.escape(f"{SCOPE_KIND.label('axis', 'fr')} {axis_name}") in listed
    assert "RN16-SEV-DOU" not in listed
    assert "1er octobre 2025" in listed and "2025-10-01" not in listed  # the date written out for readers


def test_counts_and_layers_are_public_forms(snap: Path, real_inputs: S.SnapshotInputs) -> None:
    month = pd.read_csv(snap / "downloads" / "incidents_admin2_month.csv", skiprows=[1], dtype=str)
    assert len(month) > 0
    small = month[month["incidents_min"].astype(int) <= S.SMALL_COUNT_MAX]
    assert set(small["incidents"]) <= {"1-4"}
    assert set(month["month"]) <= {f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)}
    assert month["month"].min() >= "2024-11" and month["month"].max() <= "2025-10"
    enc = pd.read_csv(
        snap / "downloads" / "encircled_admin2.csv", skiprows=[1], dtype=str, keep_default_na=False
    )
    # the planted non-public locality is neither named nor counted: each cercle's count is
    # the number of public localities in force there on the release date
    from geo.sources.curated import encircled_as_of

    ep = encircled_as_of(real_inputs.encircled_episodes, RELEASE)
    ep = ep[ep["in_force"] & ep["public"].astype(bool)].drop_duplicates("locality")
    admin2 = real_inputs.admin2
    expected = {}
    for point in ep.geometry:
        (pc,) = admin2.index[admin2.contains(point)]
        expected[pc] = expected.get(pc, 0) + 1
    assert dict(zip(enc["adm2_pcode"], enc["localities_encircled"].astype(int), strict=True)) == expected
    (pcode,) = admin2.index[admin2.contains(Point(LON, LAT))]
    assert pcode not in expected  # the planted one sits in a cercle without public ones
    assert "Farabougou" in set(enc["named_localities"])
    roads = pd.read_csv(snap / "downloads" / "road_status.csv", skiprows=[1], dtype=str)
    assert set(roads["status"]) <= set(S.PUBLIC_ROAD_CATEGORY.values())
    assert roads.loc[roads["axis_name"] == "Sévaré - Douentza", "status"].tolist() == ["closed"]
    # the French snapshot writes each status in words beside its code, tagged as the positions' labels
    from geo.tables import read_csv
    from geo.vocab import ROAD_STATUS

    assert list(roads.columns[roads.columns.get_loc("status") :][:2]) == ["status", "status_fr"]
    assert roads["status_fr"].tolist() == [ROAD_STATUS.label(s, "fr") for s in roads["status"]]
    _, tags = read_csv(snap / "downloads" / "road_status.csv")
    assert tags[list(roads.columns).index("status_fr")] == "#status+i_fr"
    reach = pd.read_csv(snap / "downloads" / "reach.csv", skiprows=[1])
    assert len(reach) == 21 and set(reach["hours"]) == {4.0, 8.0, 12.0}
    assert (reach["area_km2"] % 100 == 0).all() and (reach["population"] % 1000 == 0).all()
    fc = json.loads((snap / "downloads" / "reach.geojson").read_text(encoding="utf-8"))
    coords = json.dumps([f["geometry"]["coordinates"] for f in fc["features"]])
    assert all(
        len(tok.split(".")[1]) <= 2
        for tok in coords.replace("[", " ").replace("]", " ").replace(",", " ").split()
        if "." in tok
    )


def test_metadata_and_checksums(snap: Path) -> None:
    meta = json.loads((snap / "metadata.json").read_text(encoding="utf-8"))
    assert meta["as_of"] == "2025-11-30" and meta["release_date"] == "2025-10-31"
    assert meta["release_delay_days"] == 30 and meta["created_at"] == "2025-12-01T09:30:00Z"
    assert meta["lang"] == "fr" and meta["sanitisation_policy"]["version"] == S.POLICY_VERSION
    assert meta["sanitisation_policy"]["allow_list"]["reach"] == list(S.ALLOW_LIST["reach"])
    assert meta["incident_period"] == {"start": "2024-11-01", "end": "2025-10-31"}
    roles = {s["role"] for s in meta["sources"]}
    assert {"admin2", "roads", "population", "incidents_ucdp", "curated"} <= roles
    assert all(s["licence"] for s in meta["sources"])
    on_disk = {p.relative_to(snap).as_posix() for p in snap.rglob("*") if p.is_file()} - {"metadata.json"}
    assert set(meta["files"]) == on_disk
    assert meta["files"]["index.html"]["sha256"] == S.sha256_file(snap / "index.html")
    assert S.verify_snapshot(snap) == []
    assert all(not os.access(p, os.W_OK) or os.geteuid() == 0 for p in snap.rglob("*") if p.is_file())
    assert all((p.stat().st_mode & 0o222) == 0 for p in snap.rglob("*") if p.is_file())


def test_never_rewritten(snap: Path, real_inputs: S.SnapshotInputs) -> None:
    before = {p: p.stat().st_mtime_ns for p in snap.rglob("*") if p.is_file()}
    with pytest.raises(S.SnapshotError, match="never rewritten"):
        S.build_snapshot(real_inputs, snap.parent, as_of=AS_OF, delay_days=30, lang="fr", now=NOW)
    assert {p: p.stat().st_mtime_ns for p in snap.rglob("*") if p.is_file()} == before
    assert not [p for p in snap.parent.iterdir() if p.name.startswith(".building-")]


def test_list_verify_and_inline(snap: Path, tmp_path: Path) -> None:
    infos = S.list_snapshots(snap.parent)
    assert [i.snapshot_id for i in infos] == [snap.name]
    assert infos[0].as_of == AS_OF and infos[0].release_date == RELEASE and infos[0].lang == "fr"
    assert infos[0].n_files == len([p for p in snap.rglob("*") if p.is_file()])
    copy = tmp_path / snap.name
    shutil.copytree(snap, copy)
    target = copy / "downloads" / "road_status.csv"
    target.chmod(0o644)
    target.write_text("tampered\n", encoding="utf-8")
    (copy / "extra.txt").write_text("x", encoding="utf-8")
    assert S.verify_snapshot(copy) == ["not listed: extra.txt", "changed: downloads/road_status.csv"]


def test_public_page_embeds_the_map_without_local_links(snap: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT

    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(snap.parent))
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "public.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    (frame,) = at.get("iframe")
    # the verified file itself (it swaps its download links for a note when embedded:
    # tests/products/test_snapshot_browser.py)
    assert frame.proto.srcdoc == (snap / "index.html").read_text(encoding="utf-8")
    # labels are Markdown-escaped file names (geo.escape.markdown_text): read them as shown
    labels = [re.sub(r"\\(.)", r"\1", b.label) for b in at.download_button]
    # named for the reader, in the page's language (French by default)
    as_of = dt.date.fromisoformat(S.read_metadata(snap)["as_of"])
    for file in ("downloads/reach.csv", "map.png", "metadata.json"):
        assert S.download_name(file, as_of, "fr") in labels


def test_count_range() -> None:
    assert [S.count_range(n) for n in (0, 1, 4, 5, 37)] == [
        ("0", 0, 0),
        ("1-4", 1, 4),
        ("1-4", 1, 4),
        ("5", 5, 5),
        ("37", 37, 37),
    ]


def test_sanitise_drops_unknown_columns_and_requires_allowed() -> None:
    df = pd.DataFrame({"axis_name": ["A"], "route_ref": ["RN1"], "status": ["open"], "note": [MARKER]})
    gdf = gpd.GeoDataFrame(df, geometry=[Point(0, 0)], crs="EPSG:4326")
    out = S.sanitise("road_status", gdf)
    assert list(out.columns) == ["axis_name", "route_ref", "status", "geometry"]
    with pytest.raises(S.SnapshotError, match=r"lacks allowed field\(s\) \['status'\]"):
        S.sanitise("road_status", gdf.drop(columns="status"))
    with pytest.raises(S.SnapshotError, match="no allow-list for layer 'incidents'"):
        S.sanitise("incidents", gdf)


def test_bad_options(real_inputs: S.SnapshotInputs, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown language 'de'"):
        S.build_snapshot(real_inputs, tmp_path, as_of=AS_OF, lang="de")
    with pytest.raises(S.MissingDataError, match="run scripts/setup.sh"):
        S.build_snapshot(real_inputs, tmp_path, as_of=AS_OF, leaflet_dir=tmp_path / "none")
    assert list(tmp_path.iterdir()) == []


def test_without_folium_the_data_files_are_still_built(
    real_inputs: S.SnapshotInputs,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = S.build_snapshot(real_inputs, tmp_path, as_of=AS_OF, renderer=None, now=NOW)
    assert not (folder / "index.html").exists()
    meta = S.read_metadata(folder)
    assert meta["interactive_map"] == S.NO_RENDERER_NOTE and "index.html" not in meta["files"]
    assert len(meta["files"]) == 12 and S.verify_snapshot(folder) == []
    # the command says so in one line
    import geo.cli.snapshot as cli

    monkeypatch.setattr(S, "html_renderer", lambda: None)
    built = []
    monkeypatch.setattr(S, "load_snapshot_inputs", lambda *a, **k: real_inputs)
    monkeypatch.setattr(S, "build_snapshot", lambda *a, **k: built.append(k["renderer"]) or folder)
    args = cli.argparse.Namespace(
        delay_days=30, data=None, out=str(tmp_path), store=None, as_of=AS_OF, lang="fr", window_months=12
    )
    monkeypatch.setattr(cli, "data_from", lambda _a: tmp_path)
    monkeypatch.setattr(cli, "store_from", lambda _a: None)
    assert cli.run(args) == 0
    err = capsys.readouterr().err.strip().splitlines()
    from geo.products.i18n import tr

    # lang="fr": the note is the French text of the catalog
    assert err == [tr("cli.note", "fr", note=tr("cli.no_renderer", "fr"))] and built == [None]


def test_cli_builds_snapshot(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from geo.cli import main

    assert (
        main(
            [
                "snapshot",
                "--data",
                str(data_dir),
                "--out",
                str(tmp_path),
                "--as-of",
                "2025-06-30",
                "--delay-days",
                "14",
                "--lang",
                "en",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    (folder,) = [p for p in tmp_path.iterdir()]
    assert folder.name.startswith("2025-06-30_") and folder.name.endswith("_en")
    assert f"snapshot {folder} (" in out and " files, " in out and " bytes) built in " in out
    meta = S.read_metadata(folder)
    assert meta["release_date"] == "2025-06-16" and meta["release_delay_days"] == 14
    assert S.verify_snapshot(folder) == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_downloads_are_named_in_the_readers_language_with_ascii_names(lang: str) -> None:
    from geo.products.snapshot import DOWNLOADS, download_name

    as_of = dt.date(2026, 12, 1)
    files = ["", "map.png", "metadata.json", "downloads/positions.json"]
    files += [f"downloads/{name}.csv" for name in DOWNLOADS] + ["downloads/road_status.geojson"]
    names = [download_name(f, as_of, lang) for f in files]
    assert len(set(names)) == len(names)  # one name per file
    for file, name in zip(files, names, strict=True):
        assert re.fullmatch(r"[a-z0-9.-]+", name), name
        assert name.endswith("." + (file.rpartition(".")[2] if file else "zip"))
        assert "2026-12-01" in name
    prefix = {"fr": "acces-mali-", "en": "mali-access-"}[lang]
    assert all(n.startswith(prefix) for n in names)
    roads = {
        "fr": "acces-mali-etat-des-routes-2026-12-01.geojson",
        "en": "mali-access-road-status-2026-12-01.geojson",
    }
    assert download_name("downloads/road_status.geojson", as_of, lang) == roads[lang]
    whole = {"fr": "acces-mali-instantane-2026-12-01.zip", "en": "mali-access-snapshot-2026-12-01.zip"}
    assert download_name("", as_of, lang) == whole[lang]


def test_a_file_this_version_does_not_name_keeps_its_name_with_the_date() -> None:
    from geo.products.snapshot import download_name

    name = download_name("downloads/Accès_routes.v1.csv", dt.date(2026, 12, 1), "fr")
    assert name == "acces-routes.v1-2026-12-01.csv"


def test_panel_sources_once_each_in_donor_words_and_counts_in_plural(snap: Path) -> None:
    from geo.products.i18n import credit_lines, source_credit

    meta = json.loads((snap / "metadata.json").read_text(encoding="utf-8"))
    page = (snap / "index.html").read_text(encoding="utf-8")
    listed = page.split("<h2>Sources et licences</h2>", 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", listed)
    credits = [source_credit(r, "fr") for r in meta["sources"]]
    pairs = {(c["publisher"], c["licence"]) for c in credits}
    # one line per publisher and licence: the COD-AB regions and cercles share theirs
    assert len(items) == len(pairs) < len(credits)
    assert len(set(items)) == len(items)
    assert [html.escape(line) for line in credit_lines(meta["sources"], "fr")] == items
    head = html.escape(f"{credits[0]['data']}, {credits[1]['data']}\u202f: ")
    admin = [i for i in items if i.startswith(head)]
    assert len(admin) == 1 and credits[0]["publisher"] == credits[1]["publisher"]
    # nothing a donor does not have: no project folder, no column names
    assert "data/curated" not in page and "source_*" not in page
    # tooltips count with the plural rules of the language: "0 incident", "5-19 incidents"; the
    # snapshot's incident data are sparse (UCDP ends in 2020): a count is what was recorded
    units = gpd.read_file(snap / "downloads" / "incidents_admin2.geojson")
    zero = units[units["incidents"] == "0"].iloc[0]
    meta_sparse = dt.date.fromisoformat(meta["incidents_sparse_after"])
    said = S.incident_count_text("0", 0, meta_sparse, "fr")
    assert said.startswith("0 incident enregistré — ")
    assert (
        f"{zero['adm2_name']}\u202f: {said}\\u003c".replace("'", "\\u0026#x27;") in page
    )  # narrow space before ':'
    assert "\u202f: 0 incidents" not in page


def test_any_hub_reach_stands_apart_from_every_other_colour() -> None:
    import numpy as np
    from skimage.color import deltaE_ciede2000, rgb2lab

    from geo.products.cartography import HUB_COLOURS, INCIDENT_CLASSES, ROAD_STATUS_COLOUR
    from layers.snapshot import ANY_HUB_COLOUR, ENCIRCLED_UNIT_STYLE

    def lab(colour: str) -> np.ndarray:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        return rgb2lab(np.array([[rgb]]))[0, 0]

    others = [*HUB_COLOURS, *ROAD_STATUS_COLOUR.values(), *(c for _, c in INCIDENT_CLASSES)]
    others.append(ENCIRCLED_UNIT_STYLE["color"])
    closest = min(float(deltaE_ciede2000(lab(ANY_HUB_COLOUR), lab(c))) for c in others)
    assert closest >= 20  # every hub's own colour (shown per hub on demand) reads apart from it


@pytest.mark.parametrize("vision", ["normal", "protanopia", "deuteranopia", "tritanopia"])
def test_encircled_cercles_stand_apart_from_every_incident_class(vision: str) -> None:
    """The encircled cercles' hatching is far (CIEDE2000) from each incident class under it.

    The map, its legend and the static picture use one colour for them; the red they had sat
    within 12 of the "50+" class. Colour-blind readers are checked through the simulation of
    ``tests/app/test_maps_glance.py``.
    """
    import re as _re

    from skimage.color import deltaE_ciede2000

    from geo.products import printmap
    from geo.products.cartography import ENCIRCLED_UNIT_COLOUR, INCIDENT_CLASSES
    from layers.snapshot import ENCIRCLED_UNIT_STYLE, HATCH_ID, HATCH_SVG
    from tests.app.test_maps_glance import _lab_as_seen

    colour = ENCIRCLED_UNIT_STYLE["color"]
    classes = [c for _, c in INCIDENT_CLASSES]
    lab = _lab_as_seen([colour, *classes], vision)
    distances = {c: float(deltaE_ciede2000(lab[0], other)) for c, other in zip(classes, lab[1:], strict=True)}
    assert min(distances.values()) >= 25, distances
    # drawn as a hatch of that colour (never a fill that blends into the class below)
    assert ENCIRCLED_UNIT_STYLE["fillColor"] == f"url(#{HATCH_ID})"
    strokes = set(_re.findall(r'stroke="(#[0-9a-f]{6})"', HATCH_SVG)) - {"#ffffff"}
    assert strokes == {colour} and f'id="{HATCH_ID}"' in HATCH_SVG
    # the legend's row and the static picture's hatching say the same
    from layers.snapshot import _legend_entries
    from tests.app.test_maps_glance import _page, _public_layers

    rows = _legend_entries(_page(), _public_layers()["reach"], None)
    assert ("hatch", colour, "Cercle avec des localités encerclées") in rows
    legend: list = []
    units = _public_layers()["encircled_admin2"]
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    printmap._draw_encircled_units(ax, {"encircled_units": units}, legend, lang="fr", s=1.0)
    assert legend[-1][1]["edge"] == colour == ENCIRCLED_UNIT_COLOUR and legend[-1][1]["hatch"]
    from matplotlib.colors import to_hex
    from matplotlib.patches import PathPatch

    drawn = [a for a in ax.get_children() if isinstance(a, PathPatch)]
    assert len(drawn) == 2 and {to_hex(a.get_edgecolor()) for a in drawn} == {colour}
    assert {a.get_hatch() for a in drawn} == {None, "///"}  # the dashed outline, the hatching


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_publication_confirmed_with_the_situation_language_and_when_donors_see_it(lang: str) -> None:
    from geo.products.i18n import format_date, tr

    text = S.published_text(dt.date(2026, 12, 2), 30, "fr", lang)
    situation = S.situation_text(dt.date(2026, 12, 2), dt.date(2026, 11, 2), 30, lang)
    assert text == tr("public.published", lang, lang=tr("public.lang_fr", lang), situation=situation)
    assert format_date(dt.date(2026, 11, 2), lang) in text  # the situation shown, in words
    # no folder name: neither the id's timestamp nor its ISO date
    assert "2026-12-02" not in text and "T" not in text.split()[0]
    expected = {"fr": "Instantané en français publié", "en": "Snapshot in French published"}[lang]
    assert text.startswith(expected)
    assert ("dès maintenant" if lang == "fr" else "can see it now") in text
