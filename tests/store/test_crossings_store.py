"""River-crossing status in the store: seed, as-of rule, append-only, bad input, migration, CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from geo.cli import main as cli_main
from geo.errors import DataFileError
from geo.products.i18n import format_date
from geo.sources import curated
from geo.store import constraints
from geo.store.db import connect, dialect_of
from tests.store.pg_server import refused_error, run_sql

D = dt.date
CROSSING = "X-DJENNE"


@pytest.fixture
def store(new_store: Callable[[str], Path], tmp_path: Path) -> Path:
    path = new_store("store")
    constraints.load_versions(path, data_dir=tmp_path / "no-data")
    return path


def cross(path: Path, **kw: object) -> constraints.WriteResult:
    args: dict[str, object] = {
        "crossing_id": CROSSING,
        "status": "closed",
        "cause": "physical",
        "valid_from": "2025-09-01",
        "source": "ferry out of order (test)",
        "recorded_by": "tester",
    }
    args.update(kw)
    return constraints.record_crossing_status(path, **args)


def status_on(path: Path, day: dt.date, crossing: str = CROSSING) -> str:
    table = constraints.effective_crossing_status(constraints.load_versions(path), day)
    return str(table.at[crossing, "status"])


def test_seed_matches_the_curated_file(store: Path) -> None:
    seed = curated.read_crossing_status().valid
    got = constraints.load_versions(store).crossing_status
    assert len(got) == len(seed) and set(got["origin"]) <= {"seed"}
    assert list(got["crossing_id"]) == list(seed["crossing_id"])
    assert list(got["valid_from"]) == list(seed["valid_from"])


def test_as_of_rule_like_axes(store: Path) -> None:
    assert status_on(store, D(2025, 8, 31)) == "unknown"
    first = cross(store, valid_to="2025-09-30")
    assert status_on(store, D(2025, 9, 15)) == "closed" and status_on(store, D(2025, 10, 1)) == "unknown"
    cross(store, status="open", valid_from="2025-09-10", cause="physical")  # later start wins
    assert status_on(store, D(2025, 9, 15)) == "open" and status_on(store, D(2025, 9, 5)) == "closed"
    fix = cross(store, status="constrained", valid_to="2025-09-30", supersedes=first.version_id)
    assert fix.supersedes == first.version_id and status_on(store, D(2025, 9, 5)) == "constrained"
    hist = constraints.crossing_status_history(store, CROSSING)
    assert list(hist["superseded_by"].dropna()) == [fix.version_id]


def test_history_is_append_only(store: Path) -> None:
    cross(store)
    for sql in (
        "UPDATE constraint_crossing_status SET status = 'open'",
        "DELETE FROM constraint_crossing_status",
    ):
        with pytest.raises(refused_error(store), match="append-only"):
            run_sql(store, sql)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"crossing_id": "X-NOWHERE"}, "crossing_id"),
        ({"status": "sunk"}, "status"),
        ({"cause": "rain"}, "cause"),
        ({"confidence": "sure"}, "confidence"),
        ({"valid_from": "1/9/2025"}, "valid_from"),
        ({"valid_to": "2025-08-01"}, "valid_to"),
        ({"source": " "}, "source"),
        ({"recorded_by": ""}, "recorded_by"),
        ({"supersedes": 999}, "supersedes"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(store: Path, kwargs: dict, field: str) -> None:
    before = constraints.state_version(store)
    with pytest.raises(DataFileError) as err:
        cross(store, **kwargs)
    assert err.value.field == field
    assert constraints.state_version(store) == before


def test_double_submit_is_refused(store: Path) -> None:
    cross(store)
    with pytest.raises(DataFileError, match="identical to version"):
        cross(store)


def test_a_schema_1_store_is_migrated_and_its_crossings_seeded(new_store: Callable[[str], Path]) -> None:
    path = new_store("old")
    conn = connect(path)
    try:
        from geo.store.db import ensure_component

        ensure_component(conn, constraints.COMPONENT, constraints.migrations(dialect_of(conn))[:1])
        conn.execute("INSERT INTO constraint_meta VALUES ('seeded_at', 'old')")
        conn.commit()
    finally:
        conn.close()
    v = constraints.load_versions(path)
    assert len(v.crossing_status) == len(curated.read_crossing_status().valid)
    assert "escort_kmh" in v.road_status.columns
    constraints.record_road_status(
        path,
        axis_id="RN16-DOU-HOM",
        status="constrained",
        cause="security",
        valid_from="2025-12-01",
        source="convoy report (test)",
        recorded_by="tester",
        escort_kmh=25,
    )
    table = constraints.effective_road_status(constraints.load_versions(path), D(2025, 12, 2))
    assert table.at["RN16-DOU-HOM", "escort_kmh"] == 25.0


def test_change_day_for_a_crossing(store: Path) -> None:
    before = constraints.load_versions(store)
    cross(store, valid_from="2025-09-01")
    after = constraints.load_versions(store)
    assert constraints.change_day(before, after, as_of=D(2025, 8, 1), crossing_id=CROSSING) == D(2025, 9, 1)
    assert constraints.change_day(before, after, as_of=D(2025, 9, 3), crossing_id=CROSSING) == D(2025, 9, 3)


def test_cli_crossings_set_history_show(
    new_store: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(new_store("cli"))
    args = ["--crossing", CROSSING, "--status", "closed", "--cause", "physical", "--valid-from", "2025-09-01"]
    rc = cli_main(["crossings", "set", *args, "--source", "radio", "--by", "A. Traoré", "--store", store])
    out = capsys.readouterr().out
    day = format_date(D(2025, 9, 1), "en")  # "1 September 2025"
    assert rc == 0 and f"({CROSSING}) closed from {day} by A. Traoré" in out
    assert (
        cli_main(["crossings", "history", "--crossing", CROSSING, "--store", store, "--format", "csv"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("version_id,version,crossing_id,status") and lines[-1].split(",")[1:4] == [
        "1",  # the crossing's first version
        CROSSING,
        "closed",
    ]
    assert cli_main(["crossings", "show", "--as-of", "2025-09-02", "--format", "csv", "--store", store]) == 0
    rows = {ln.split(",")[0]: ln for ln in capsys.readouterr().out.splitlines()[1:]}
    assert ",closed," in rows[CROSSING] and len(rows) == len(curated.read_crossings())
    assert cli_main(["crossings", "set", *args, "--source", "", "--by", "x", "--store", store]) == 2
    assert "field 'source'" in capsys.readouterr().err
    assert cli_main(["crossings", "history", "--crossing", "X-NOPE", "--store", store]) == 2
