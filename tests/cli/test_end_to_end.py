"""The main job on the real data: ``python -m geo reach`` from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reach_run(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("reach")
    gpkg, csv = out / "reach.gpkg", out / "localities.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo",
            "reach",
            "--data",
            str(data_dir),
            "--out",
            str(gpkg),
            "--as-of",
            "2025-11-29",
            "--hours",
            "4,8,12",
            "--cell-km",
            "1",
            "--localities-out",
            str(csv),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return {"proc": proc, "gpkg": gpkg, "csv": csv}


def test_reach_command_writes_layer_and_table(reach_run: dict, n_hubs: int) -> None:
    proc = reach_run["proc"]
    assert proc.returncode == 0, proc.stderr
    assert "Mopti (Sévaré)" in proc.stdout and "wrote" in proc.stdout
    assert pyogrio.list_layers(reach_run["gpkg"])[:, 0].tolist() == ["reachable_areas"]
    bands = gpd.read_file(reach_run["gpkg"], layer="reachable_areas")
    assert bands.crs.to_epsg() == 4326
    assert {"hub", "hours", "area_km2", "population", "localities", "geometry"} <= set(bands.columns)
    assert len(bands) == n_hubs * 3
    assert (bands["area_km2"] > 0).all() and bands.is_valid.all()


def test_bands_are_nested_and_clipped_to_mali(reach_run: dict, data_dir: Path) -> None:
    bands = gpd.read_file(reach_run["gpkg"], layer="reachable_areas").to_crs("ESRI:102022")
    mali = gpd.read_file(data_dir / "admin" / "mli_adm0_wof.gpkg").to_crs("ESRI:102022").union_all()
    for hub, sub in bands.groupby("hub"):
        sub = sub.sort_values("hours")
        geoms = list(sub.geometry)
        for inner, outer in zip(geoms[:-1], geoms[1:], strict=True):
            assert inner.difference(outer).area < 1e-6 * inner.area, hub
        assert list(sub["area_km2"]) == sorted(sub["area_km2"])
        assert sub.geometry.iloc[-1].difference(mali.buffer(1.0)).area == pytest.approx(0.0, abs=1.0)


def test_expected_reach_facts(reach_run: dict) -> None:
    from geo.tables import hxl_row, read_csv

    loc, tags = read_csv(reach_run["csv"])
    assert list(loc.columns) == ["hub", "locality", "adm2_pcode", "lon", "lat", "travel_time_h"]
    assert tags == hxl_row(list(loc.columns))
    mopti = loc[(loc["hub"] == "Mopti (Sévaré)") & (loc["locality"] == "Bandiagara")]
    assert len(mopti) == 1 and mopti["travel_time_h"].iloc[0] <= 4.0
    assert mopti["adm2_pcode"].iloc[0] == "ML0502"
    # travel times to 0.001 h (3.6 s), not a float's 17 digits
    assert all(len(f"{t}".partition(".")[2]) <= 3 for t in loc["travel_time_h"])
    assert ((loc["travel_time_h"] >= 0) & (loc["travel_time_h"] <= 12.0)).all()
    gao = loc[loc["hub"] == "Gao"]
    assert "Gao" in set(gao["locality"]) and "Bamako" not in set(gao["locality"])
    assert (loc["travel_time_h"] <= 12.0).all()


def test_hub_inside_active_blockade_is_reported(data_dir: Path, tmp_path: Path) -> None:
    gpkg = tmp_path / "menaka.gpkg"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo",
            "reach",
            "--data",
            str(data_dir),
            "--out",
            str(gpkg),
            "--as-of",
            "2024-01-01",
            "--hubs",
            "MEN",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "inside the no-entry zone of Ménaka" in proc.stdout
    bands = gpd.read_file(gpkg, layer="reachable_areas")
    assert (bands["area_km2"] == 0).all()
    assert bands["hub_status"].str.startswith("inside the no-entry zone of Ménaka").all()


def test_bad_data_folder_gives_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "geo", "reach", "--data", str(tmp_path), "--out", str(tmp_path / "x.gpkg")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "admin0 file missing" in last
    assert "Traceback" not in proc.stderr


def test_help_documents_every_option() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "geo", "reach", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for opt in ("--data", "--out", "--as-of", "--hours", "--cell-km", "--localities-out", "--store"):
        assert opt in out
    top = subprocess.run(
        [sys.executable, "-m", "geo", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "reach" in top


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["travel-time", "--from", "GAO", "--to", "Atlantis"], "no locality named 'Atlantis'"),
        (["reach", "--hubs", "XYZ", "--out", "x.gpkg"], "unknown hub 'XYZ'"),
        (
            ["travel-time", "--from", "GAO", "--to", "Menaka", "--cell-km", "0"],
            "must be a positive number of km",
        ),
    ],
)
def test_unknown_names_give_one_line_errors(
    argv: list[str], message: str, data_dir: Path, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "geo", *argv, "--data", str(data_dir)],
        cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert (
        "error: " in proc.stderr.strip().splitlines()[-1] and message in proc.stderr
    )  # argparse prefixes the prog
    assert "Traceback" not in proc.stderr


def test_locality_names_match_without_accents(model_inputs) -> None:  # noqa: ANN001
    from geo.sources.places import resolve_place

    assert (
        resolve_place("Ménaka", model_inputs.places).name == resolve_place("MENAKA", model_inputs.places).name
    )
    assert resolve_place("SEGOU, Segou", model_inputs.places).name in {"Segou", "Ségou"}


def test_scenario_writes_its_difference(data_dir: Path, tmp_path: Path) -> None:
    gpkg = tmp_path / "rn16.gpkg"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo",
            "reach",
            "--data",
            str(data_dir),
            "--out",
            str(gpkg),
            "--as-of",
            "2025-11-29",
            "--hubs",
            "mop,gao",
            "--scenario",
            "data/scenarios/rn16_closed.toml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    layers = dict(pyogrio.list_layers(gpkg).tolist())
    assert list(layers) == [
        "reachable_areas",
        "reachable_areas_before",
        "area_lost",
        "area_gained",
        "scenario_localities",
        "scenario_changes",
    ]
    assert layers["scenario_changes"] is None  # an attribute table
    changes = pyogrio.read_dataframe(gpkg, layer="scenario_changes")
    lost = gpd.read_file(gpkg, layer="area_lost")
    assert lost.crs.to_epsg() == 4326 and not lost.geometry.is_empty.any() and lost.is_valid.all()
    assert len(lost) == int((changes["km2_lost"] > 0).sum()) > 0  # only bands that lost cells
    mop12 = changes[(changes["hub_id"] == "MOP") & (changes["hours"] == 12)].iloc[0]
    got = lost[(lost["hub_id"] == "MOP") & (lost["hours"] == 12)]["area_km2"].iloc[0]
    assert got == pytest.approx(mop12["km2_lost"], abs=0.1)
    places = gpd.read_file(gpkg, layer="scenario_localities")
    assert len(places) == int(changes["localities_lost"].sum() + changes["localities_gained"].sum())
    assert set(places["change"]) <= {"lost", "gained"}


def test_travel_time_names_the_no_entry_zone(data_dir: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo",
            "travel-time",
            "--data",
            str(data_dir),
            "--from",
            "KID",
            "--to",
            "Tessalit",
            "--as-of",
            "2025-01-15",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "no-entry zone of Tessalit" in proc.stdout
