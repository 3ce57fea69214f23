"""``python -m geo travel-time`` between any two places (real data, 1 km inputs shared)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from geo.cli import main


@pytest.fixture
def cli(model_inputs, data_dir: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    """Run the CLI in-process on the session's 1 km inputs (no reload per call)."""
    import geo.model.friction as friction

    monkeypatch.setattr(friction, "load_model_inputs", lambda *a, **k: model_inputs)

    def run(*argv: str) -> int:
        return main(["travel-time", "--data", str(data_dir), "--cell-km", "1", *argv])

    return run


def test_ambiguous_destination_lists_candidates_and_exits_2(cli, capsys) -> None:  # noqa: ANN001
    assert cli("--from", "MOP", "--to", "Dire", "--as-of", "2025-11-30") == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "| cercle" in ln]
    assert len(lines) >= 2
    assert any("cercle Diré | region Tombouctou | id 1326550143" in ln for ln in lines)
    assert any("region Kayes" in ln for ln in lines)


def test_swapped_or_foreign_coordinates_exit_2(cli, capsys) -> None:  # noqa: ANN001
    assert cli("--from=-4.1830,14.4843", "--to", "MOP", "--baseline") == 2
    assert "looks swapped" in capsys.readouterr().err
    assert cli("--from", "18.0,-10.5", "--to", "MOP", "--baseline") == 2  # Mauritania, inside the bbox
    assert "outside Mali" in capsys.readouterr().err


def test_baseline_json_and_route_file(cli, capsys, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "route.gpkg"
    rc = cli(
        "--from", "MOP", "--to", "Bandiagara", "--baseline", "--format", "json", "--route-out", str(out)
    )  # fmt: skip
    assert rc == 0
    obj = json.loads(capsys.readouterr().out)
    assert {"from", "to", "travel_time_h", "length_km", "road_km", "crossings", "note"} <= set(obj)
    assert obj["from"]["place_id"] == "hub:MOP" and obj["to"]["cercle"] == "Bandiagara"
    assert obj["baseline"] is True and obj["note"] is None
    assert obj["straight_km"] <= obj["length_km"] and 0 <= obj["road_km"] <= obj["length_km"]
    assert 0 < obj["travel_time_h"] < obj["length_km"] / 10  # faster than 10 km/h on this paved road
    assert dict(pyogrio.list_layers(out).tolist()) == {"route": "LineString"}
    route = gpd.read_file(out, layer="route")
    assert route.crs.to_epsg() == 4326 and len(route) == 1
    line_km = route.to_crs("ESRI:102022").length.iloc[0] / 1000
    assert line_km == pytest.approx(obj["length_km"], rel=0.01)
    start, end = route.geometry.iloc[0].coords[0], route.geometry.iloc[0].coords[-1]
    assert start == pytest.approx((obj["from"]["lon"], obj["from"]["lat"]), abs=0.02)
    assert end == pytest.approx((obj["to"]["lon"], obj["to"]["lat"]), abs=0.02)
    assert route["travel_time_h"].iloc[0] == pytest.approx(obj["travel_time_h"], abs=1e-3)


def test_unreachable_says_why_and_writes_no_route(cli, capsys, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "none.gpkg"
    argv = ("--from", "KID", "--to", "Tessalit", "--as-of", "2025-01-15")
    assert cli(*argv, "--format", "json", "--route-out", str(out)) == 1
    cap = capsys.readouterr()
    obj = json.loads(cap.out)
    assert obj["travel_time_h"] is None and "no-entry zone of Tessalit" in obj["note"]
    assert not out.exists() and "no route written" in cap.err
    assert cli(*argv, "--baseline") == 0  # the model alone reaches it
    assert "travel time:" in capsys.readouterr().out


def test_any_two_places_and_the_old_hub_form(cli, capsys) -> None:  # noqa: ANN001
    assert cli("--from", "Diré, Tombouctou", "--to", "cur:gossi", "--baseline") in (0, 1)
    text = capsys.readouterr().out
    # the cercle named as the town is not said twice
    assert text.startswith("Diré (Tombouctou region) -> Gossi (Gourma-Rharous, Tombouctou)")
    assert cli("--from", "SEG", "--to", "San, San", "--as-of", "2025-11-30") == 0
    assert "on road" in capsys.readouterr().out
