"""Readers of the secondary network, crossings, flood zones and season calendar: hostile input per field."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from geo.errors import DataFileError
from geo.sources import curated

SEGMENT = {
    "segment_id": "S1",
    "name": "Mopti - Djenné",
    "route_ref": "RR",
    "surface": "laterite",
    "season": "all_year",
    "snap": "no",
    "waypoints": "Sévaré@14.5274 -4.0976;Djenné@13.9061 -4.5533",
    "schematic": "true",
    "source_refs": "S-X",
    "as_of": "2025-01-01",
    "note": "",
}
CROSSING = {
    "crossing_id": "X1",
    "name": "Bac",
    "river": "Bani",
    "kind": "ferry",
    "lon": "-4.5154",
    "lat": "13.8846",
    "crossing_h": "0.1",
    "wait_h": "0.5",
    "hours": "06:00-18:00",
    "season": "all_year",
    "vehicles": "true",
    "segment_id": "S1",
    "schematic": "true",
    "source_refs": "S-X",
    "as_of": "2025-01-01",
    "note": "",
}
ZONE = {
    "zone_id": "Z1",
    "name": "Delta",
    "months": "09-01",
    "effect": "slow",
    "factor": "2.5",
    "wkt": "POLYGON ((-4.5 14.5, -4.0 14.5, -4.0 15.0, -4.5 15.0, -4.5 14.5))",
    "schematic": "true",
    "source_refs": "S-X",
    "note": "",
}


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_curated_files_are_valid_and_consistent() -> None:
    network = curated.read_network()
    crossings = curated.read_crossings()
    zones = curated.read_flood_zones()
    status = curated.read_crossing_status()
    assert len(network) and len(crossings) and status.rejected.empty
    cal = curated.read_season_calendar()
    assert sorted(cal) == list(range(1, 13)) and set(cal.values()) == {"dry", "rainy"}
    sources = set(curated.read_sources().index)
    for refs in [*network["source_refs"], *crossings["source_refs"], *zones["source_refs"]]:
        assert {k.strip() for k in refs.split(";") if k.strip()} <= sources


def test_good_rows_parse(tmp_path: Path) -> None:
    net = curated.read_network(_write(tmp_path / "network.csv", [SEGMENT]))
    assert net.loc["S1", "waypoint_list"][1] == ("Djenné", -4.5533, 13.9061)
    assert net.loc["S1", "as_of"] == dt.date(2025, 1, 1) and net.loc["S1", "schematic"]
    cr = curated.read_crossings(_write(tmp_path / "crossings.csv", [CROSSING]))
    assert (cr.loc["X1", "open_h"], cr.loc["X1", "close_h"]) == (6.0, 18.0)
    assert cr.loc["X1", "geometry"].x == pytest.approx(-4.5154)
    z = curated.read_flood_zones(_write(tmp_path / "flood_zones.csv", [ZONE]))
    assert z.loc["Z1", "month_set"] == frozenset({9, 10, 11, 12, 1}) and z.loc["Z1", "factor"] == 2.5


def test_absent_files_read_as_empty(tmp_path: Path) -> None:
    assert curated.read_network(tmp_path / "network.csv").empty
    assert curated.read_crossings(tmp_path / "crossings.csv").empty
    assert curated.read_flood_zones(tmp_path / "flood_zones.csv").empty


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("segment_id", ""),
        ("name", ""),
        ("surface", "asphalt"),
        ("season", "sometimes"),
        ("snap", "maybe"),
        ("waypoints", "Sévaré@14.5 -4.0"),
        ("waypoints", "Sévaré 14.5 -4.0;Djenné@13.9 -4.5"),
        ("waypoints", "A@-4.0 14.5;B@-4.5 13.9"),  # lon lat swapped: outside Mali
        ("schematic", "yes"),
        ("source_refs", ""),
        ("as_of", "2025-13-01"),
    ],
)
def test_network_rejects_each_bad_field(tmp_path: Path, field: str, value: str) -> None:
    path = _write(tmp_path / "network.csv", [SEGMENT, {**SEGMENT, "segment_id": "S2", field: value}])
    with pytest.raises(DataFileError) as err:
        curated.read_network(path)
    assert err.value.row == 2 and err.value.field == field and err.value.path == path


def test_network_rejects_a_duplicate_id(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="duplicate") as err:
        curated.read_network(_write(tmp_path / "network.csv", [SEGMENT, SEGMENT]))
    assert (err.value.row, err.value.field) == (2, "segment_id")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("crossing_id", ""),
        ("kind", "bac"),
        ("lon", "14.5"),
        ("lat", "north"),
        ("crossing_h", "-1"),
        ("wait_h", "x"),
        ("hours", "6h-18h"),
        ("hours", "25:00-06:00"),
        ("hours", "08:00-08:00"),
        ("season", "winter"),
        ("vehicles", "1"),
        ("as_of", ""),
        ("river", ""),
    ],
)
def test_crossings_reject_each_bad_field(tmp_path: Path, field: str, value: str) -> None:
    path = _write(tmp_path / "crossings.csv", [{**CROSSING, field: value}])
    with pytest.raises(DataFileError) as err:
        curated.read_crossings(path)
    assert err.value.row == 1 and err.value.field == field


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("months", "9-13"),
        ("months", "September"),
        ("effect", "wet"),
        ("factor", "0.5"),
        ("factor", ""),
        ("wkt", "POLYGON ((0 0, 1 1"),
        ("wkt", "LINESTRING (-4.5 14.5, -4.0 14.5)"),
        ("wkt", "POLYGON ((14.5 -4.5, 14.5 -4.0, 15 -4.0, 15 -4.5, 14.5 -4.5))"),
        ("zone_id", ""),
    ],
)
def test_flood_zones_reject_each_bad_field(tmp_path: Path, field: str, value: str) -> None:
    with pytest.raises(DataFileError) as err:
        curated.read_flood_zones(_write(tmp_path / "flood_zones.csv", [{**ZONE, field: value}]))
    assert err.value.row == 1 and err.value.field == field


def test_months_wrap_past_december() -> None:
    assert curated.parse_months("09-01") == frozenset({9, 10, 11, 12, 1})
    assert curated.parse_months("07-07") == frozenset({7})
    assert curated.parse_months("01-12") == frozenset(range(1, 13))


def test_season_calendar_checks_every_month(tmp_path: Path) -> None:
    rows = [
        {"month": str(m), "season": "rainy" if 6 <= m <= 10 else "dry", "source": "S"} for m in range(1, 13)
    ]
    cal = curated.read_season_calendar(_write(tmp_path / "seasons.csv", rows))
    assert curated.season_for_date(dt.date(2025, 8, 15), cal) == "rainy"
    assert curated.season_for_date(dt.date(2025, 11, 1), cal) == "dry"
    with pytest.raises(DataFileError, match=r"\[12\]"):
        curated.read_season_calendar(_write(tmp_path / "short.csv", rows[:11]))
    for field, value in (("season", "wet"), ("month", "13"), ("source", ""), ("month", "2.5")):
        bad = [dict(r) for r in rows]
        bad[3][field] = value
        with pytest.raises(DataFileError) as err:
            curated.read_season_calendar(_write(tmp_path / "bad.csv", bad))
        assert (err.value.row, err.value.field) == (4, field)


def test_escort_speed_only_on_a_constrained_version() -> None:
    base = {c: "" for c in curated.ROAD_STATUS_COLUMNS}
    base.update(axis_id="A", cause="security", valid_from="2025-01-01", confidence="low", source="s")
    import pandas as pd

    rows = pd.DataFrame(
        [
            {**base, "status": "constrained", "escort_kmh": "25"},
            {**base, "status": "closed", "escort_kmh": "25"},
            {**base, "status": "constrained", "escort_kmh": "-3"},
            {**base, "status": "constrained", "escort_kmh": ""},
        ]
    )
    checked = curated.validate_road_status(rows)
    assert list(checked.valid["escort_kmh"].fillna(0)) == [25.0, 0.0]
    assert list(checked.rejected["field"]) == ["escort_kmh", "escort_kmh"]
