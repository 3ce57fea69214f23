"""What changed between two dates: versions found from the curated history, as-known-on, cells, files.

Covers the constraint versions found between dates of the seeded history, the as-known-on
reconstruction, per-cercle cell differences, the product's files and the CLI on the real data.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from geo.config import CURATED_DIR
from geo.model.changes import (
    ChangeReport,
    admin2_reach_changes,
    constraint_changes,
    versions_for,
    versions_known_on,
)
from geo.store import constraints as store

PAIRS = [
    (dt.date(2025, 3, 1), dt.date(2025, 11, 30)),
    (dt.date(2022, 1, 1), dt.date(2023, 12, 31)),
    (dt.date(2024, 10, 15), dt.date(2024, 10, 16)),
    (dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
]


def _d(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text.strip() else None


def _expected_from_csvs(d_from: dt.date, d_to: dt.date) -> set[tuple[str, str, str, dt.date]]:
    """Count, straight from the curated CSVs, the versions whose validity starts or ends in between."""
    out = set()
    with open(CURATED_DIR / "road_status.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            vf, vt = _d(r["valid_from"]), _d(r["valid_to"])
            if d_from < vf <= d_to:
                out.add(("axis", r["axis_id"], "starts", vf))
            if vt is not None and d_from <= vt < d_to:
                out.add(("axis", r["axis_id"], "ends", vt))
    with open(CURATED_DIR / "encircled.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            since, until, conf = _d(r["since"]), _d(r["until"]), _d(r["last_confirmed"])
            last = until if until is not None else (conf if r["status"] == "unknown" else None)
            item = f"{r['locality']}@{since.isoformat()}"
            if d_from < since <= d_to:
                out.add(("encirclement", item, "starts", since))
            if last is not None and d_from <= last < d_to:
                out.add(("encirclement", item, "ends", last))
    return out


@pytest.mark.parametrize(("d_from", "d_to"), PAIRS)
def test_changes_are_exactly_the_versions_starting_or_ending_in_between(
    isolated_store: Path, d_from: dt.date, d_to: dt.date
) -> None:
    before, after = versions_for(isolated_store, d_from, d_to, known_on=False)
    got = constraint_changes(before, after, d_from, d_to)
    found = set(zip(got["kind"], got["item"], got["change"], got["date"], strict=True))
    assert found == _expected_from_csvs(d_from, d_to)
    assert len(got) == len(found)  # no duplicate rows
    assert got["source"].str.len().gt(0).all()
    assert list(got["date"]) == sorted(got["date"])


def test_state_before_and_after_follow_the_versions(isolated_store: Path) -> None:
    d_from, d_to = dt.date(2025, 3, 1), dt.date(2025, 11, 30)
    before, after = versions_for(isolated_store, d_from, d_to, known_on=False)
    got = constraint_changes(before, after, d_from, d_to).set_index(["item", "change"])
    # Boni's second embargo was lifted on 27 Mar 2025 (last day), Diafarabé's started on 28 May 2025
    assert got.loc[("Boni@2023-07-01", "ends"), ["status_before", "status_after"]].tolist() == [
        "in force",
        "not in force",
    ]
    assert got.loc[("Diafarabé@2025-05-28", "starts"), "status_after"] == "in force"


def test_bad_date_order_is_refused(isolated_store: Path) -> None:
    v = store.load_versions(isolated_store)
    with pytest.raises(ValueError, match="before"):
        constraint_changes(v, v, dt.date(2025, 2, 1), dt.date(2025, 1, 1))


def test_as_known_on_uses_recorded_at_and_supersedes(isolated_store: Path) -> None:
    today = dt.datetime.now(dt.UTC).date()
    yesterday = today - dt.timedelta(days=1)
    seeded = store.load_versions(isolated_store)
    first = seeded.road_status[seeded.road_status["axis_id"] == "BKO-KAYES"].iloc[0]
    res = store.record_road_status(
        isolated_store,
        axis_id="BKO-KAYES",
        status="closed",
        cause="security",
        valid_from="2025-09-01",
        source='=HYPERLINK("x") $x$ test',
        recorded_by="tester",
        supersedes=int(first["version_id"]),
    )
    known_before = versions_known_on(isolated_store, yesterday)
    known_now = versions_known_on(isolated_store, today)
    ids_before = set(known_before.road_status["version_id"].astype(int))
    ids_now = set(known_now.road_status["version_id"].astype(int))
    assert int(first["version_id"]) in ids_before and res.version_id not in ids_before
    assert res.version_id in ids_now and int(first["version_id"]) not in ids_now
    got = constraint_changes(known_before, known_now, yesterday, today, known_on=True)
    assert got["version_id"].astype(int).tolist() == [res.version_id]
    assert got.loc[0, "change"] == "recorded" and got.loc[0, "supersedes"] == int(first["version_id"])
    # what was known yesterday (constrained since 2025-09-01) against the correction recorded today
    assert got.loc[0, ["status_before", "status_after"]].tolist() == ["constrained", "closed"]
    # seeded rows (recorded 2025-11-30 in the CSVs) are unknown before that day
    early = versions_known_on(isolated_store, dt.date(2025, 11, 29))
    assert len(early.road_status) == 0 and len(early.encircled) == 0


def _fake_result(times: dict[str, tuple[list[int], list[float]]], hours: tuple[float, ...]):  # noqa: ANN202
    cells = {
        h: SimpleNamespace(idx=np.array(i, dtype=np.int64), time_h=np.array(t, dtype=float))
        for h, (i, t) in times.items()
    }
    return SimpleNamespace(cells=cells, hours=hours)


def test_admin2_cell_difference_by_hand() -> None:
    # 2 x 3 grid of 4 km² cells; left column in cercle A (commune a1), the rest in cercle B (b1)
    grid = SimpleNamespace(shape=(2, 3), cell_area_km2=4.0)
    inputs = SimpleNamespace(
        grid=grid,
        admin2=pd.DataFrame({"pcode": ["A", "B"], "name": ["Alpha", "Beta"], "adm1_name": ["R", "R"]}),
        admin3=pd.DataFrame({"pcode": ["a1", "b1"], "adm2_pcode": ["A", "B"]}),
        admin3_id=np.array([[0, 1, 1], [0, 1, -1]]),
        population=np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]),
        places=pd.DataFrame({"row": [0, 1], "col": [0, 1], "adm2_pcode": ["A", "B"]}),
    )
    # flat index: r * 3 + c. Before: hub H1 reaches 0 (1 h), 1 (3 h), 4 (5 h); hub H2 reaches 3 (2 h)
    before = _fake_result({"H1": ([0, 1, 4], [1.0, 3.0, 5.0]), "H2": ([3], [2.0])}, (4.0, 8.0))
    # After: cell 0 lost entirely, cell 4 faster (2 h), cell 3 slower (6 h), cell 2 newly reached (7 h)
    after = _fake_result({"H1": ([1, 4, 2], [3.0, 2.0, 7.0]), "H2": ([3], [6.0])}, (4.0, 8.0))
    out = admin2_reach_changes(inputs, before, after).set_index(["adm2_pcode", "hours"])
    # 4 h band: A loses cells 0 and 3 (pop 10 + 40, place at cell 0); B gains cell 4 (pop 50, place)
    assert out.loc[("A", 4.0), ["km2_lost", "population_lost", "localities_lost"]].tolist() == [8.0, 50.0, 1]
    assert out.loc[("B", 4.0), ["km2_gained", "population_gained", "localities_gained"]].tolist() == [
        4.0,
        50.0,
        1,
    ]
    # 8 h band: A loses cell 0 only; B gains cell 2 (pop 30)
    assert out.loc[("A", 8.0), ["km2_lost", "population_lost"]].tolist() == [4.0, 10.0]
    assert out.loc[("B", 8.0), ["km2_gained", "population_gained", "km2_lost"]].tolist() == [4.0, 30.0, 0.0]


def _tiny_report(changes: pd.DataFrame) -> ChangeReport:
    import geopandas as gpd
    from shapely.geometry import box

    from geo.model.changes import ADMIN2_CHANGE_COLUMNS, SEVERITY_CHANGE_COLUMNS
    from geo.model.scenario import CHANGE_COLUMNS

    sev = gpd.GeoDataFrame(
        pd.DataFrame(
            [["A", "Alpha", "R", 1, 2, 1, 0.9, 1.8, "encirclements:0>1"]], columns=SEVERITY_CHANGE_COLUMNS
        ),
        geometry=[box(-5, 14, -4, 15)],
        crs="EPSG:4326",
    )
    state = SimpleNamespace(
        no_entry=gpd.GeoDataFrame({"episode_id": [], "locality": []}, geometry=[], crs="EPSG:4326")
    )
    res = SimpleNamespace(state=state)
    empty = gpd.GeoDataFrame({"hub_id": [], "hours": []}, geometry=[], crs="EPSG:3857")
    return ChangeReport(
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 1),
        False,
        changes,
        pd.DataFrame(columns=CHANGE_COLUMNS),
        pd.DataFrame(),
        pd.DataFrame(columns=ADMIN2_CHANGE_COLUMNS),
        sev,
        empty,
        empty,
        res,
        res,
    )


def test_hostile_text_is_escaped_in_csv_and_pdf(tmp_path: Path, isolated_store: Path) -> None:
    from geo.products.changes_report import write_pdf, write_tables

    v = store.load_versions(isolated_store)
    changes = constraint_changes(v, v, dt.date(2025, 3, 1), dt.date(2025, 11, 30))
    changes.loc[0, "source"] = '=HYPERLINK("http://x") $\\alpha$'
    changes.loc[1, "name"] = "@SUM(A1) $$"
    report = _tiny_report(changes)
    paths = write_tables(report, tmp_path / "c.csv")
    assert [p.name for p in paths] == ["c.csv", "c_hubs.csv", "c_admin2.csv", "c_severity.csv"]
    with open(paths[0], encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[1][rows[0].index("source")] == "#meta+source"
    assert rows[2][rows[0].index("source")].startswith("'=HYPERLINK")
    assert rows[3][rows[0].index("name")].startswith("'@SUM")
    for lang in ("fr", "en"):
        out = write_pdf(report, tmp_path / f"c_{lang}.pdf", lang=lang)
        assert out.read_bytes().startswith(b"%PDF")


def test_real_data_report_files(tmp_path: Path, data_dir: Path, model_inputs, isolated_store: Path) -> None:
    import pyogrio

    from geo.model.changes import compare_dates
    from geo.model.incidents import load_incidents
    from geo.products.changes_report import key_figures, write_gpkg, write_pdf, write_tables
    from geo.sources.curated import select_hubs
    from geo.sources.datasets import dataset_path

    d_from, d_to = PAIRS[0]
    before, after = versions_for(isolated_store, d_from, d_to, known_on=False)
    rep = compare_dates(
        model_inputs,
        select_hubs(None),
        before,
        after,
        d_from,
        d_to,
        density_path=dataset_path(data_dir, "population"),
        incidents=load_incidents(data_dir),
    )
    assert len(rep.constraints) == len(_expected_from_csvs(d_from, d_to))
    assert len(rep.severity) == 50 and len(rep.admin2) == 50 * len(rep.before.hours)
    k = key_figures(rep)
    band = rep.admin2[rep.admin2["hours"] == k["band_h"]]
    assert k["km2_lost"] == pytest.approx(band["km2_lost"].sum())
    # in force on each date, counted from the episodes
    assert k["encircled_before"] == int(store.effective_encircled(before, d_from)["in_force"].sum())
    assert k["encircled_after"] == int(store.effective_encircled(after, d_to)["in_force"].sum())
    paths = write_tables(rep, tmp_path / "ch.csv")
    assert all(p.is_file() for p in paths)
    layers = write_gpkg(rep, tmp_path / "ch.gpkg", axes=model_inputs.axes, episodes=after.encircled)
    assert {"constraint_changes", "hub_changes", "admin2_changes", "severity_changes"} <= set(layers)
    back = pyogrio.read_dataframe(tmp_path / "ch.gpkg", layer="constraint_changes")
    assert back.crs.to_epsg() == 4326 and len(back) == len(rep.constraints)
    assert write_pdf(rep, tmp_path / "ch.pdf", lang="en", axes=model_inputs.axes).stat().st_size > 10_000


def test_cli_encircled_show_has_population(data_dir: Path, isolated_store: Path, capsys) -> None:
    from geo.cli import main

    assert (
        main(["encircled", "show", "--as-of", "2025-11-30", "--format", "csv", "--data", str(data_dir)]) == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    rows = list(csv.DictReader(lines))
    v = store.load_versions(isolated_store)
    assert len(rows) == int(store.effective_encircled(v, dt.date(2025, 11, 30))["in_force"].sum())
    for r in rows:
        assert float(r["population"]) > 0 and r["population_method"] in ("grid", "settlement")
        assert float(r["population_grid_low"]) <= float(r["population_grid_high"])


def test_cli_changes_refuses_bad_output_and_dates(isolated_store: Path, capsys) -> None:
    from geo.cli import main

    assert main(["changes", "--from", "2025-03-01", "--to", "2025-11-30", "--out", "x.txt"]) == 2
    assert "x.txt" in capsys.readouterr().err
    assert main(["changes", "--from", "2025-03-01", "--to", "2025-03-01", "--out", "x.csv"]) == 2
    assert "before" in capsys.readouterr().err
