"""``python -m geo batch | criticality | series`` on the real data at 10 km: files read back, figures.

The commands run in this process (``geo.cli.main``) on inputs built once at 10 km; the
``batch`` test sends its runs to a one-worker dask LocalCluster, the others run in this
process (``--workers 0``). Every figure read back is compared with the engine called
directly on the same inputs and store.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from geo.cli import main
from geo.config import SCENARIOS_DIR
from geo.tables import hxl_row, read_csv

AS_OF = dt.date(2025, 11, 30)
CELL_KM = 10.0


@pytest.fixture(scope="module")
def coarse_inputs(data_dir: Path):  # noqa: ANN201
    from geo.model.friction import load_model_inputs

    return load_model_inputs(data_dir, cell_km=CELL_KM)


@pytest.fixture
def cli(coarse_inputs, data_dir: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    import geo.model.friction as friction

    monkeypatch.setattr(friction, "load_model_inputs", lambda *a, **k: coarse_inputs)

    def run(command: str, *argv: str) -> int:
        return main([command, "--data", str(data_dir), "--cell-km", str(CELL_KM), *argv])

    return run


def _state(inputs, store: Path, as_of: dt.date):  # noqa: ANN001, ANN202
    from geo.model.reach import base_state
    from geo.store.constraints import load_versions

    v = load_versions(store, data_dir=inputs.data_dir)
    return base_state(inputs, v.road_status, v.encircled, as_of, crossing_versions=v.crossing_status)


def test_criticality_csv_round_trip(cli, coarse_inputs, isolated_store: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from geo.model.batch import LocalRunner, make_context
    from geo.model.criticality import CRITICALITY_COLUMNS, criticality
    from geo.sources.curated import select_hubs

    out = tmp_path / "criticality.csv"
    assert cli("criticality", "--as-of", AS_OF.isoformat(), "--out", str(out), "--workers", "0") == 0
    assert "closed [1/" in capsys.readouterr().err  # one progress line per closure
    table, tags = read_csv(out)
    assert list(table.columns) == CRITICALITY_COLUMNS
    assert tags == hxl_row(CRITICALITY_COLUMNS) and "#indicator+rank" in tags
    ctx = make_context(coarse_inputs, select_hubs(None))
    expected = criticality(ctx, _state(coarse_inputs, isolated_store, AS_OF), LocalRunner(), as_of=AS_OF)
    assert len(table) == len(expected)
    for col in ("rank", "item_id", "hub_id", "localities_lost"):
        assert list(table[col]) == list(expected[col]), col
    assert list(table["population_lost"]) == pytest.approx(list(expected["population_lost"]))
    # every hub ranks every item once, 1..n
    n_items = expected["item_id"].nunique()
    assert sorted(table.groupby("hub_id")["rank"].max().unique()) == [n_items]
    assert table["population_lost"].max() > 0


def test_criticality_geopackage_has_the_axes_and_crossings(cli, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "criticality.gpkg"
    assert cli("criticality", "--as-of", AS_OF.isoformat(), "--out", str(out), "--workers", "0") == 0
    layers = dict(pyogrio.list_layers(out).tolist())
    assert set(layers) == {"critical_axes", "critical_crossings"}
    axes = gpd.read_file(out, layer="critical_axes")
    crossings = gpd.read_file(out, layer="critical_crossings")
    assert axes.crs.to_epsg() == 4326 and crossings.crs.to_epsg() == 4326
    assert set(axes.geom_type) <= {"LineString", "MultiLineString"} and set(crossings.geom_type) == {"Point"}
    assert set(axes["kind"]) == {"axis"} and set(crossings["kind"]) == {"crossing"}


def test_series_csv_round_trip(cli, coarse_inputs, isolated_store: Path, tmp_path: Path) -> None:  # noqa: ANN001
    from geo.model.batch import SERIES_COLUMNS
    from geo.model.reach import reach_from_state
    from geo.sources.curated import select_hubs

    out = tmp_path / "series.csv"
    rc = cli(
        "series",
        "--from",
        "2025-10-05",
        "--to",
        "2025-11-30",
        "--every",
        "14",
        "--out",
        str(out),
        "--workers",
        "0",
    )
    assert rc == 0
    table, tags = read_csv(out)
    assert list(table.columns) == SERIES_COLUMNS and tags == hxl_row(SERIES_COLUMNS)
    dates = sorted(set(table["as_of"]))
    assert dates == ["2025-10-05", "2025-10-19", "2025-11-02", "2025-11-16", "2025-11-30"]
    hubs = select_hubs(None)
    assert len(table) == len(dates) * len(hubs) * 3
    last = table[table["as_of"] == "2025-11-30"].reset_index(drop=True)
    direct = reach_from_state(coarse_inputs, hubs, _state(coarse_inputs, isolated_store, AS_OF), as_of=AS_OF)
    assert list(last["area_km2"]) == pytest.approx(list(direct.bands["area_km2"]))
    assert list(last["population"]) == pytest.approx(list(direct.bands["population"]))
    assert list(last["localities"]) == list(direct.bands["localities"])


def test_batch_on_a_local_cluster_equals_the_engine(
    cli, coarse_inputs, isolated_store: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    from geo.model.reach import reach_from_state
    from geo.model.scenario import read_scenario, run_scenario
    from geo.sources.curated import select_hubs

    out = tmp_path / "batch.csv"
    rc = cli(
        "batch",
        "--as-of",
        AS_OF.isoformat(),
        "--scenario",
        str(SCENARIOS_DIR),
        "--out",
        str(out),
        "--workers",
        "1",
    )
    assert rc == 0
    table, tags = read_csv(out)
    assert tags[:4] == ["#meta+job", "#date+as_of", "#date+season", "#meta+scenario"]
    hubs = select_hubs(None)
    before = reach_from_state(coarse_inputs, hubs, _state(coarse_inputs, isolated_store, AS_OF), as_of=AS_OF)
    scenarios = [read_scenario(p) for p in sorted(SCENARIOS_DIR.glob("*.toml"))]
    assert sorted(set(table["scenario"].fillna(""))) == sorted(["", *(s.name for s in scenarios)])
    base = table[table["scenario"].isna()].reset_index(drop=True)
    assert list(base["area_km2"]) == pytest.approx(list(before.bands["area_km2"]))
    assert list(base["localities"]) == list(before.bands["localities"])
    for sc in scenarios:
        got = table[table["scenario"] == sc.name].reset_index(drop=True)
        want = run_scenario(coarse_inputs, hubs, before, sc)
        assert list(got["area_km2"]) == pytest.approx(list(want.after.bands["area_km2"]))
        assert list(got["population_lost"]) == pytest.approx(list(want.changes["population_lost"]))
        assert list(got["localities_lost"]) == list(want.changes["localities_lost"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["criticality", "--as-of", "2025-11-30", "--out", "x.txt", "--workers", "0"],
            "must end in .csv or .gpkg",
        ),
        (
            ["series", "--from", "2025-11-30", "--to", "2025-10-01", "--out", "x.csv", "--workers", "0"],
            "start <= end",
        ),
        (
            ["series", "--from", "2025-10-01", "--to", "2025-11-30", "--out", "x.gpkg", "--workers", "0"],
            "as CSV",
        ),
        (["batch", "--out", "x.csv", "--workers", "0"], "give --as-of"),
        (["batch", "--as-of", "2025-11-30", "--from", "2025-11-01", "--out", "x.csv"], "go together"),
        (
            ["batch", "--as-of", "2025-11-30", "--scenario", "nowhere.toml", "--out", "x.csv"],
            "no such scenario",
        ),
    ],
)
def test_bad_options_end_in_one_line(
    cli, argv: list[str], message: str, capsys, tmp_path: Path, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    assert cli(*argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not list(tmp_path.glob("x.*"))


def test_workers_and_scheduler_exclude_each_other(cli, capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit):
        cli("criticality", "--out", "x.csv", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert "not allowed with argument" in capsys.readouterr().err


def test_unreachable_scheduler_is_one_line(cli, capsys, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "c.csv"
    assert (
        cli("criticality", "--as-of", "2025-11-30", "--out", str(out), "--scheduler", "tcp://127.0.0.1:9")
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: cannot reach the dask scheduler at tcp://127.0.0.1:9")
    assert not out.exists()
