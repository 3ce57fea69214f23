"""Fetch pipeline: raw files served by a loopback HTTP server -> a data folder the engine runs on.

The raw files are built at test time from ../shared/data in the publishers' formats
(tests/sources/raw_mirror.py). The manifest's pinned raw hashes are those of the real
publisher files, so the tests re-pin them to the hashes of the test-built files (same
names, same roles); hashes the manifest leaves empty stay empty and go through the lock.
"""

from __future__ import annotations

import dataclasses
import http.server
import shutil
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import raw_mirror

from geo.cli import main as cli
from geo.sources import datasets, fetch
from geo.sources.admin import load_admin
from geo.sources.datasets import read_lock, sha256_file, verify_data_dir, verify_ok


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        _Handler.requests.append(self.path)
        super().do_GET()


@pytest.fixture(scope="module")
def www(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("mirror") / "www"
    counts = raw_mirror.build_mirror(data_dir, root, places_every=5)
    return root, counts


@pytest.fixture(scope="module")
def server(www: tuple[Path, dict]):  # noqa: ANN201
    root = www[0]
    handler = lambda *a, **k: _Handler(*a, directory=str(root), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _repinned(root: Path) -> dict[str, datasets.Source]:
    """The manifest's sources, pinned raw hashes replaced by those of the test-built files.

    The processed-file copy (``roads_skeleton``) keeps its pin: the test serves the real file.
    """
    out = {}
    for sid, s in datasets.load_sources().items():
        files = tuple(
            dataclasses.replace(f, sha256=sha256_file(root / f.name))
            if f.sha256 and s.process != "copy" and (root / f.name).is_file()
            else f
            for f in s.files
        )
        out[sid] = dataclasses.replace(s, files=files)
    return out


@pytest.fixture
def repinned(www: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    patched = _repinned(www[0])
    monkeypatch.setattr(fetch, "load_sources", lambda: patched)


@pytest.fixture(scope="module")
def built(www: tuple[Path, dict], server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder built by `geo fetch --mirror http://127.0.0.1:PORT/` (the default sources)."""
    dest = tmp_path_factory.mktemp("fetched") / "data"
    mp = pytest.MonkeyPatch()
    patched = _repinned(www[0])
    mp.setattr(fetch, "load_sources", lambda: patched)
    try:
        assert cli(["fetch", "--mirror", server, "--dest", str(dest)]) == 0
    finally:
        mp.undo()
    return dest


def test_fetch_builds_every_default_dataset_with_hashes_at_both_ends(
    built: Path, www: tuple[Path, dict]
) -> None:
    root, counts = www
    lock = read_lock(built)
    defaults = [s for s in datasets.load_sources().values() if s.default]
    for s in defaults:
        for f in s.files:
            assert lock["raw"][f.name]["sha256"] == sha256_file(root / f.name), f.name
        for role in s.produces:
            assert lock["datasets"][role]["source"] == s.id
    status = verify_data_dir(built)
    assert verify_ok(status)
    assert status["incidents_curated"] == "absent (optional)"
    assert {s for r, s in status.items() if r != "incidents_curated"} == {"ok (lock)"}
    assert not list(built.glob(".staging-*"))


def test_fetched_layers_match_their_inputs(built: Path, www: tuple[Path, dict], data_dir: Path) -> None:
    _, counts = www
    adm3 = gpd.read_file(built / "admin/mli_adm3_ocha2015.gpkg")
    ref = gpd.read_file(data_dir / "admin/mli_adm3_ocha2015.gpkg")
    assert len(adm3) == len(ref) and set(adm3["adm3_pcode"]) == set(ref["adm3_pcode"])
    assert set(adm3["pcode_version"]) == {"2015"}
    np.testing.assert_allclose(adm3["area_km2"].sum(), ref["area_km2"].sum(), rtol=1e-6)
    adm1 = load_admin(built, 1)
    assert adm1.attrs["pcode_version"] == "2015"
    assert {"Ségou", "Koulikoro", "Tombouctou"} <= set(adm1["name"])  # source spells "Koulikouro", "Segou"
    # population: counts per cell back to the density they were made from
    with rasterio.open(built / "population/mli_worldpop2020_density_1km.tif") as a:
        with rasterio.open(data_dir / "population/mli_worldpop2020_density_20km.tif") as b:
            assert a.transform == b.transform
            got, want = a.read(1), b.read(1)
    valid = want != -9999
    np.testing.assert_allclose(got[valid], want[valid], rtol=1e-5)
    assert np.all(got[~valid] == -9999)
    with rasterio.open(built / "terrain/mli_landcover_modis2019_20km.tif") as a:
        with rasterio.open(data_dir / "terrain/mli_landcover_modis2019_20km.tif") as b:
            assert np.array_equal(a.read(1), b.read(1))
    ucdp = pd.read_csv(built / "incidents/mali_ucdp_ged261_precise.csv")
    shared = pd.read_csv(data_dir / "incidents/mali_ucdp_ged211_precise.csv")
    assert len(ucdp) == counts["ucdp"] and list(ucdp.columns) == list(shared.columns)
    assert set(ucdp["id"]) == set(shared["id"])  # the Niger row and the imprecise rows are gone
    assert len(pd.read_csv(built / "incidents/mali_ucdp_candidate_precise.csv")) == counts["candidate"]
    places = gpd.read_file(built / "places/mli_localities_wof.gpkg")
    assert len(places) == counts["places"]  # deprecated, superseded, Maltese and -alt- records dropped
    assert not {1, 2, 4} & set(places["wof_id"])
    assert len(gpd.read_file(built / "water/mli_rivers_ne10m.gpkg")) == counts["rivers"]
    osm = gpd.read_file(built / "roads/mli_roads_osm.gpkg", layer="osm_roads")
    assert len(osm) == counts["hot_roads"]


@pytest.mark.slow
def test_reach_runs_on_the_fetched_folder(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "reach.gpkg"
    assert cli(["reach", "--data", str(built), "--cell-km", "4", "--hubs", "MOP", "--out", str(out)]) == 0
    bands = gpd.read_file(out, layer="reachable_areas")
    assert set(bands["hub_id"]) == {"MOP"} and len(bands) == 3


@pytest.mark.usefixtures("repinned")
def test_second_fetch_downloads_nothing_and_changes_nothing(built: Path, server: str) -> None:
    before = {p: sha256_file(p) for p in built.rglob("*") if p.is_file()}
    _Handler.requests.clear()
    status = fetch.fetch_all(built, mirror=server)
    assert set(status.values()) == {"present"}
    assert _Handler.requests == []
    assert {p: sha256_file(p) for p in built.rglob("*") if p.is_file()} == before


@pytest.mark.usefixtures("repinned")
def test_current_cod_ab_from_the_mirror_with_menaka(built: Path, server: str, tmp_path: Path) -> None:
    dest = tmp_path / "data"
    shutil.copytree(built, dest)
    status = fetch.fetch_all(dest, only=["cod_ab_2021"], mirror=server)
    assert status["cod_ab_2021"].startswith("ok")
    adm1, adm2 = load_admin(dest, 1), load_admin(dest, 2)
    assert adm1.attrs["pcode_version"] == adm2.attrs["pcode_version"] == "2021"
    assert adm1.loc["ML10", "name"] == "Ménaka" and len(adm1) == 10
    assert adm2.loc["ML1001", "adm1_pcode"] == "ML10"
    assert verify_ok(verify_data_dir(dest))
    # back to 2015: its raw files are cached, it is processed again and the lock points to it
    status = fetch.fetch_all(dest, only=["cod_ab_2015"], mirror=server)
    assert status["cod_ab_2015"].startswith("ok")
    adm1 = load_admin(dest, 1)
    assert adm1.attrs["pcode_version"] == "2015" and len(adm1) == 9 and "ML10" not in adm1.index


@pytest.mark.usefixtures("repinned")
def test_pinned_hash_mismatch_leaves_the_folder_as_it_was(
    built: Path, www: tuple[Path, dict], tmp_path: Path
) -> None:
    dest = tmp_path / "data"
    shutil.copytree(built, dest)
    shutil.rmtree(dest / ".raw")  # force fresh copies
    mirror = tmp_path / "mirror"
    shutil.copytree(www[0], mirror)
    with open(mirror / "cod-ab-mli-2015/mli_admbnda_adm2_gov_ocha_itos.dbf", "ab") as f:
        f.write(b"tampered")
    before = {p.relative_to(dest): sha256_file(p) for p in dest.rglob("*") if p.is_file()}
    status = fetch.fetch_all(dest, only=["cod_ab_2015"], mirror=str(mirror))
    assert status["cod_ab_2015"].startswith("failed") and "checksum mismatch" in status["cod_ab_2015"]
    after = {
        p.relative_to(dest): sha256_file(p) for p in dest.rglob("*") if p.is_file() and ".raw" not in p.parts
    }
    assert after == {k: v for k, v in before.items()}
    assert not (dest / ".raw/cod-ab-mli-2015/mli_admbnda_adm2_gov_ocha_itos.dbf").exists()


@pytest.mark.usefixtures("repinned")
def test_hash_recorded_on_first_download_is_enforced_then(
    built: Path, www: tuple[Path, dict], tmp_path: Path
) -> None:
    dest = tmp_path / "data"
    shutil.copytree(built, dest)
    mirror = tmp_path / "mirror"
    shutil.copytree(www[0], mirror)
    rivers = "natural-earth/ne_10m_rivers_lake_centerlines.zip"
    recorded = read_lock(dest)["raw"][rivers]["sha256"]
    shutil.copyfile(mirror / "natural-earth/ne_10m_lakes.zip", mirror / rivers)  # a different file, same name
    (dest / ".raw" / rivers).unlink()
    status = fetch.fetch_all(dest, only=["ne_rivers"], mirror=str(mirror))
    assert status["ne_rivers"].startswith("failed") and recorded in status["ne_rivers"]
    assert read_lock(dest)["raw"][rivers]["sha256"] == recorded
    # --update accepts the new release and records its hash (the file has no rivers layer: it fails to
    # process, and the folder keeps the old rivers)
    status = fetch.fetch_all(dest, only=["ne_rivers"], mirror=str(mirror), update=True)
    assert status["ne_rivers"].startswith("failed") and "rivers" in status["ne_rivers"]
    assert read_lock(dest)["raw"][rivers]["sha256"] == recorded
    assert verify_ok(verify_data_dir(dest))


def test_dry_run_lists_every_source_honestly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "nothing"
    assert cli(["--lang", "en", "fetch", "--dry-run", "--dest", str(dest)]) == 0  # French: test_cli_french
    out = capsys.readouterr().out
    for sid, s in datasets.load_sources().items():
        assert f"{sid}: " in out
        for f in s.files:
            line = next(x for x in out.splitlines() if x.strip().startswith(f.name + ":"))
            if f.url:
                assert f.url in line
            else:
                assert "NO CONFIRMED ADDRESS" in line
            assert ("pinned in manifest" in line) == bool(f.sha256)
        header = next(x for x in out.splitlines() if x.startswith(f"{sid}: "))
        if s.default and any(not f.url for f in s.files):
            assert "SKIPPED: no confirmed address" in header, sid
        elif s.default:
            assert header.endswith("[will fetch]"), sid
    # every dataset role is listed with its state and what can produce it
    roles = {x.split(":")[0].strip(): x for x in out.splitlines() if x.startswith("  ")}
    assert set(datasets.load_manifest()) <= set(roles)
    assert "missing; from wof_admin0" in roles["admin0"]
    assert "absent (optional); NO FETCH SOURCE" in roles["incidents_curated"]
    assert "osm_roads_geofabrik (alternative)" in roles["roads_osm"]
    assert not dest.exists()
    # with a mirror every selected source will be fetched
    assert cli(["--lang", "en", "fetch", "--dry-run", "--dest", str(dest), "--mirror", str(tmp_path)]) == 0
    assert "SKIPPED" not in capsys.readouterr().out


def test_no_address_is_skipped_not_failed(tmp_path: Path) -> None:
    status = fetch.fetch_all(tmp_path, only=["osm_roads_hot", "cod_ab_2021"])
    assert status["osm_roads_hot"].startswith("skipped: no confirmed download address")
    assert "data.humdata.org/dataset/cod-ab-mli" in status["cod_ab_2021"]
    assert list(tmp_path.iterdir()) == []


def test_unreachable_mirror_is_a_clear_failure(tmp_path: Path) -> None:
    status = fetch.fetch_all(tmp_path / "d", only=["wof_admin0"], mirror="http://127.0.0.1:9/")
    assert status["wof_admin0"].startswith("failed: ") and "download failed" in status["wof_admin0"]
    assert not (tmp_path / "d" / "admin").exists()
