"""Live constraints store: as-of reconstruction, append-only history, bad input, foreign stores, CLI."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from geo.cli import main as cli_main
from geo.errors import DataFileError, StoreError
from geo.products.i18n import format_date
from geo.sources import curated
from geo.store import constraints
from tests.store.pg_server import db_state, refused_error, run_sql

D = dt.date
AXIS = "RN16-SEV-DOU"


@pytest.fixture
def empty_store(new_store: Callable[[str], Path]) -> Path:
    """Create a store without the curated seed (hand-made histories), on each backend."""
    path = new_store("store")
    with constraints.open_store(path, seed_dir=None):
        pass
    return path


@pytest.fixture
def seeded_store(new_store: Callable[[str], Path], tmp_path: Path) -> Path:
    path = new_store("seeded")
    constraints.load_versions(path, data_dir=tmp_path / "no-data")  # no admin3: P-codes empty
    return path


def road(path: Path, **kw: object) -> constraints.WriteResult:
    args: dict[str, object] = {
        "axis_id": AXIS,
        "status": "closed",
        "cause": "security",
        "valid_from": "2025-11-01",
        "source": "test report",
        "recorded_by": "tester",
    }
    args.update(kw)
    return constraints.record_road_status(path, **args)


def status_on(path: Path, day: dt.date, axis: str = AXIS) -> str:
    table = constraints.effective_road_status(constraints.load_versions(path), day)
    return str(table.at[axis, "status"])


# ----------------------------------------------------------------------------- seeding / interface


def seed_version() -> str:
    """State version of a freshly seeded store: ``roads:encirclements:crossings``, each ``max.count``."""
    r, e = len(curated.read_road_status().valid), len(curated.read_encircled().valid)
    c = len(curated.read_crossing_status().valid)
    return f"{r}.{r}:{e}.{e}:{c}.{c}"


def test_seed_matches_curated_csvs(seeded_store: Path) -> None:
    stored = constraints.load_versions(seeded_store)
    csv = constraints.load_versions(None)
    n_road, n_enc = len(curated.read_road_status().valid), len(curated.read_encircled().valid)
    assert len(stored.road_status) == n_road and len(stored.encircled) == n_enc
    assert list(stored.road_status.columns) == list(csv.road_status.columns)
    assert list(stored.encircled.columns) == list(csv.encircled.columns)
    assert list(stored.road_status.columns[:11]) == curated.ROAD_STATUS_COLUMNS
    assert list(stored.road_status["version_id"]) == list(range(1, n_road + 1))
    cols = curated.ROAD_STATUS_COLUMNS
    assert stored.road_status[cols].equals(csv.road_status[cols])
    enc_cols = list(curated.ENCIRCLED_COLUMNS)
    assert stored.encircled[enc_cols].reset_index(drop=True).equals(csv.encircled[enc_cols])
    assert stored.encircled.crs == "EPSG:4326"
    boni = stored.encircled[stored.encircled["locality"] == "Boni"]
    assert list(boni["episode_id"]) == ["Boni@2022-05-25", "Boni@2023-07-01"]
    assert list(boni["radius_km"]) == [10.0, 10.0]
    assert stored.encircled.loc[0, "radius_km"] == 5.0  # Farabougou: project default
    assert stored.encircled.loc[0, "until"] is None
    assert isinstance(stored.encircled.loc[0, "since"], dt.date)


def test_reopening_does_not_seed_twice(seeded_store: Path) -> None:
    before = constraints.state_version(seeded_store)
    assert before == seed_version()
    constraints.load_versions(seeded_store)
    assert constraints.state_version(seeded_store) == before


def test_state_version_changes_on_every_write(
    seeded_store: Path, new_store: Callable[[str], Path], backend: str
) -> None:
    # a missing SQLite file is absent; a PostgreSQL database without store tables is empty
    expected = "absent" if backend == "sqlite" else "empty"
    assert constraints.state_version(new_store("nothing")) == expected
    v0 = constraints.state_version(seeded_store)
    road(seeded_store)
    v1 = constraints.state_version(seeded_store)
    constraints.record_encircled(
        seeded_store,
        locality="Léré",
        since="2025-10-27",
        status="lifted",
        until="2025-12-01",
        source="s",
        recorded_by="t",
    )
    v2 = constraints.state_version(seeded_store)
    r, e = len(curated.read_road_status().valid), len(curated.read_encircled().valid)
    c = len(curated.read_crossing_status().valid)
    r1, e1 = r + 1, e + 1
    assert (v0, v1, v2) == (
        f"{r}.{r}:{e}.{e}:{c}.{c}",
        f"{r1}.{r1}:{e}.{e}:{c}.{c}",
        f"{r1}.{r1}:{e1}.{e1}:{c}.{c}",
    )


def test_adm3_pcode_from_spatial_join(data_dir: Path, new_store: Callable[[str], Path]) -> None:
    path = new_store("s")
    enc = constraints.load_versions(path, data_dir=data_dir).encircled.set_index("episode_id")
    assert enc.at["Boni@2023-07-01", "adm3_pcode"] == "ML050608"
    assert enc.at["Farabougou@2020-10-06", "adm3_pcode"] == "ML040502"
    assert enc["adm3_pcode"].notna().all()
    res = constraints.record_encircled(
        path,
        locality="Kona",
        since="2025-11-20",
        status="active",
        lon=-3.886,
        lat=14.948,
        source="s",
        recorded_by="t",
        data_dir=data_dir,
    )
    row = constraints.encircled_history(path, "Kona").iloc[0]
    assert (row["version_id"], row["episode_id"]) == (res.version_id, "Kona@2025-11-20")
    admin3 = __import__("geo.sources.admin", fromlist=["load_admin"]).load_admin(data_dir, 3)
    assert admin3.loc[row["adm3_pcode"]].geometry.contains(row.geometry)


# ----------------------------------------------------------------------------- as-of reconstruction


def test_road_status_as_of_hand_made_history(empty_store: Path) -> None:
    p = empty_store
    v1 = road(p, status="open", cause="security", valid_from="2025-01-01")
    v2 = road(p, status="closed", valid_from="2025-03-01", valid_to="2025-03-31")
    v3 = road(p, status="constrained", valid_from="2025-06-01")
    v4 = road(
        p, status="constrained", valid_from="2025-05-15", supersedes=v3.version_id, note="date corrected"
    )
    road(p, axis_id="RN16-DOU-HOM", status="closed", valid_from="2025-02-01")
    assert [v.version_id for v in (v1, v2, v3, v4)] == [1, 2, 3, 4]
    expected = {
        D(2024, 12, 31): "unknown",  # before any version
        D(2025, 1, 1): "open",
        D(2025, 3, 1): "closed",  # later valid_from wins
        D(2025, 3, 31): "closed",  # valid_to is inclusive
        D(2025, 4, 1): "open",  # closure expired, open-ended version again
        D(2025, 5, 20): "constrained",  # corrected start 15 May
        D(2025, 5, 10): "open",
        D(2026, 1, 1): "constrained",
    }
    got = {day: status_on(p, day) for day in expected}
    assert got == expected
    table = constraints.effective_road_status(constraints.load_versions(p), D(2024, 12, 31))
    assert not table.at[AXIS, "in_force"]
    assert table.at["RN15-SEV-KORO", "status"] == "unknown"
    current = constraints.load_versions(p).road_status
    assert list(current["version_id"]) == [1, 2, 4, 5]  # v3 superseded
    hist = constraints.road_status_history(p, AXIS)
    assert list(hist["version_id"]) == [1, 2, 3, 4]
    assert hist["superseded_by"].tolist()[2] == 4
    assert hist["supersedes"].tolist()[3] == 3
    assert hist["recorded_by"].tolist() == ["tester"] * 4
    assert all(s.endswith("Z") and len(s) == 20 for s in hist["recorded_at"])


def test_encircled_as_of_hand_made_history(empty_store: Path) -> None:
    p = empty_store
    a = constraints.record_encircled(
        p,
        locality="Kona",
        since="2025-02-01",
        status="active",
        lon=-3.886,
        lat=14.948,
        armed_group="JNIM",
        radius_km=8,
        source="s1",
        recorded_by="a",
    )
    b = constraints.record_encircled(
        p,
        locality="Kona",
        since="2025-02-01",
        status="lifted",
        until="2025-04-30",
        source="s2",
        recorded_by="b",
    )
    c = constraints.record_encircled(
        p,
        locality="Kona",
        since="2025-09-01",
        status="unknown",
        last_confirmed="2025-09-20",
        source="s3",
        recorded_by="c",
    )
    assert (a.supersedes, b.supersedes, c.supersedes) == (None, a.version_id, None)
    versions = constraints.load_versions(p)
    assert list(versions.encircled["episode_id"]) == ["Kona@2025-02-01", "Kona@2025-09-01"]
    first = versions.encircled.iloc[0]
    # fields left out are kept from the superseded version; the point of a new episode too
    assert (first["armed_group"], first["radius_km"], first["lon"]) == ("JNIM", 8.0, -3.886)
    assert versions.encircled.iloc[1]["lat"] == 14.948

    def in_force(day: dt.date) -> list[str]:
        eff = constraints.effective_encircled(versions, day)
        return list(eff.loc[eff["in_force"], "episode_id"])

    assert in_force(D(2025, 1, 31)) == []
    assert in_force(D(2025, 3, 1)) == ["Kona@2025-02-01"]
    assert in_force(D(2025, 4, 30)) == ["Kona@2025-02-01"]
    assert in_force(D(2025, 5, 1)) == []
    assert in_force(D(2025, 9, 10)) == ["Kona@2025-09-01"]
    assert in_force(D(2025, 10, 1)) == []  # unknown: modelled only up to last_confirmed
    hist = constraints.encircled_history(p, "Kona")
    assert list(hist["status"]) == ["active", "lifted", "unknown"]
    assert hist["superseded_by"].tolist()[0] == b.version_id


def test_two_edits_of_one_episode_chain_instead_of_forking(empty_store: Path) -> None:
    p = empty_store
    constraints.record_encircled(
        p,
        locality="Kona",
        since="2025-02-01",
        status="active",
        lon=-3.886,
        lat=14.948,
        source="s",
        recorded_by="a",
    )
    # two advisors edit the same episode: both versions are kept, the later one is current
    r1 = constraints.record_encircled(
        p, locality="Kona", since="2025-02-01", status="active", note="seen by A", source="s", recorded_by="a"
    )
    r2 = constraints.record_encircled(
        p,
        locality="Kona",
        since="2025-02-01",
        status="lifted",
        until="2025-03-01",
        source="s",
        recorded_by="b",
    )
    assert (r1.supersedes, r2.supersedes) == (1, 2)
    enc = constraints.load_versions(p).encircled
    assert len(enc) == 1 and enc.iloc[0]["status"] == "lifted"


def test_superseding_a_superseded_version_is_refused(empty_store: Path) -> None:
    p = empty_store
    v1 = road(p, valid_from="2025-01-01")
    road(p, valid_from="2025-01-02", supersedes=v1.version_id)
    before = constraints.state_version(p)
    with pytest.raises(DataFileError, match="already superseded by version 2") as err:
        road(p, valid_from="2025-01-03", supersedes=v1.version_id)
    assert err.value.field == "supersedes"
    with pytest.raises(DataFileError, match="is for 'RN16-SEV-DOU'"):
        road(p, axis_id="RN16-DOU-HOM", supersedes=2)
    assert constraints.state_version(p) == before


def test_history_is_append_only_in_the_database(seeded_store: Path, backend: str) -> None:
    statements = [
        "UPDATE constraint_road_status SET status = 'open'",
        "DELETE FROM constraint_road_status",
        "UPDATE constraint_encircled SET status = 'lifted'",
        "DELETE FROM constraint_encircled WHERE version_id = 1",
        "UPDATE constraint_crossing_status SET note = 'rewritten'",
        "DELETE FROM constraint_crossing_status",
    ]
    if backend == "postgresql":  # TRUNCATE skips row triggers: refused by its own trigger
        statements += ["TRUNCATE constraint_road_status", "TRUNCATE constraint_encircled CASCADE"]
    for sql in statements:
        with pytest.raises(refused_error(seeded_store), match="append-only"):
            run_sql(seeded_store, sql)
    assert constraints.state_version(seeded_store) == seed_version()


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"axis_id": "RN99-NOWHERE"}, "axis_id", "unknown axis 'RN99-NOWHERE'"),
        (
            {"valid_from": "2025-11-01", "valid_to": "2025-10-31"},
            "valid_to",
            "2025-10-31 is before 2025-11-01",
        ),
        ({"source": ""}, "source", "required value is empty"),
        ({"source": "   "}, "source", "required value is empty"),
        ({"status": "blocked"}, "status", "'blocked' is not one of"),
        ({"cause": "weather"}, "cause", "'weather' is not one of"),
        ({"confidence": "sure"}, "confidence", "'sure' is not one of"),
        ({"valid_from": "01/11/2025"}, "valid_from", "is not a date YYYY-MM-DD"),
        ({"recorded_by": ""}, "recorded_by", "required value is empty"),
        ({"supersedes": 999}, "supersedes", "version 999 does not exist"),
    ],
)
def test_road_status_rejections_write_nothing(
    seeded_store: Path, kwargs: dict, field: str, message: str
) -> None:
    before = constraints.state_version(seeded_store)
    with pytest.raises(DataFileError, match=message) as err:
        road(seeded_store, **kwargs)
    assert err.value.field == field
    assert f"field {field!r}" in str(err.value)
    assert constraints.state_version(seeded_store) == before


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"locality": "Atlantis"}, "locality", "unknown locality 'Atlantis'"),
        ({"until": "2025-10-01"}, "until", "2025-10-01 is before 2025-10-27"),
        ({"source": ""}, "source", "required value is empty"),
        ({"status": "besieged"}, "status", "'besieged' is not one of"),
        ({"status": "lifted", "until": None}, "until", "a lifted episode needs its until date"),
        ({"radius_km": 500}, "radius_km", "is not a number in"),
        ({"confidence": "certain"}, "confidence", "'certain' is not one of"),
        ({"recorded_by": " "}, "recorded_by", "required value is empty"),
        ({"episode_id": "Léré@1999-01-01"}, "episode_id", "unknown episode"),
        ({"locality": "Atlantis", "lon": 30.0, "lat": 14.0}, "lon", "is not a number in"),
    ],
)
def test_encircled_rejections_write_nothing(
    seeded_store: Path, kwargs: dict, field: str, message: str
) -> None:
    args = {
        "locality": "Léré",
        "since": "2025-10-27",
        "status": "lifted",
        "until": "2025-12-01",
        "source": "s",
        "recorded_by": "t",
    }
    args.update(kwargs)
    before = constraints.state_version(seeded_store)
    with pytest.raises(DataFileError, match=message) as err:
        constraints.record_encircled(seeded_store, **args)
    assert err.value.field == field
    assert constraints.state_version(seeded_store) == before


# ----------------------------------------------------------------------------- foreign / newer stores


def _snapshot(path: Path) -> tuple[bytes, list[str]]:
    return path.read_bytes(), sorted(p.name for p in path.parent.iterdir())


def test_newer_schema_is_refused_and_untouched(seeded_store: Path, backend: str) -> None:
    run_sql(seeded_store, "UPDATE store_components SET version = 99 WHERE component = 'constraints'")
    before = _snapshot(seeded_store) if backend == "sqlite" else db_state(seeded_store)
    with pytest.raises(StoreError, match="schema version 99, newer than this program's 3"):
        constraints.load_versions(seeded_store)
    with pytest.raises(StoreError, match="newer"):
        road(seeded_store)
    assert (_snapshot(seeded_store) if backend == "sqlite" else db_state(seeded_store)) == before


@pytest.mark.parametrize("kind", ["text", "other_sqlite", "geopackage"])
def test_foreign_file_is_refused_and_untouched(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "foreign.db"
    if kind == "text":
        path.write_text("axis_id,status\nRN16,closed\n" * 200, encoding="utf-8")
    else:
        conn = sqlite3.connect(path)
        if kind == "geopackage":
            conn.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
        conn.execute("CREATE TABLE t (a INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
        conn.commit()
        conn.close()
    before = _snapshot(path)
    with pytest.raises(StoreError, match="foreign.db"):
        constraints.load_versions(path)
    with pytest.raises(StoreError):
        road(path)
    assert _snapshot(path) == before


@pytest.mark.parametrize("kind", ["other_application", "unmarked_tables"])
def test_foreign_postgresql_database_is_refused_and_untouched(pg_server, kind: str) -> None:
    url = pg_server.new_database()
    if kind == "other_application":
        run_sql(url, "CREATE TABLE store_application (application_id INTEGER NOT NULL)")
        run_sql(url, "INSERT INTO store_application VALUES (1196444487)")
    else:  # store-like tables, but not marked as ours
        run_sql(url, "CREATE TABLE store_components (component TEXT PRIMARY KEY, version INTEGER)")
    before = db_state(url)
    with pytest.raises(StoreError, match="not a Mali access store") as err:
        constraints.load_versions(url)
    assert str(err.value).startswith(url + ": ")
    with pytest.raises(StoreError):
        road(url)
    assert db_state(url) == before


# ----------------------------------------------------------------------------- command line


def test_cli_status_set_history_show(
    new_store: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(new_store("cli"))
    rc = cli_main(
        [
            "status",
            "set",
            "--axis",
            AXIS,
            "--status",
            "closed",
            "--cause",
            "security",
            "--valid-from",
            "2025-11-01",
            "--source",
            "OCHA flash",
            "--by",
            "A. Traoré",
            "--store",
            store,
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    seed = curated.read_road_status().valid.reset_index(drop=True)
    new = len(seed) + 1  # store id: after the seeded versions of every axis
    pairs = zip(seed["axis_id"], seed["status"], strict=True)
    mine = [[str(i + 1), AXIS, s] for i, (a, s) in enumerate(pairs) if a == AXIS]
    number = len(mine) + 1  # what people see: the axis's own versions, in order of recording
    day = format_date(dt.date(2025, 11, 1), "en")  # "1 November 2025"
    assert out.startswith(f"recorded road-status version {number}: {AXIS} closed from {day} by A. Traoré")
    assert cli_main(["status", "history", "--axis", AXIS, "--store", store, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("version_id,version,axis_id,status,cause,valid_from")
    numbered = [[i, str(k + 1), a, s] for k, (i, a, s) in enumerate(mine)]
    assert [ln.split(",")[:4] for ln in lines[1:]] == [*numbered, [str(new), str(number), AXIS, "closed"]]
    assert cli_main(["status", "show", "--as-of", "2025-10-31", "--format", "csv", "--store", store]) == 0
    rows = {ln.split(",")[0]: ln.split(",")[2] for ln in capsys.readouterr().out.splitlines()[1:]}
    assert rows[AXIS] == "constrained" and len(rows) == len(curated.read_axes().valid)
    assert cli_main(["status", "show", "--as-of", "2025-11-01", "--store", store]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"road status as of {day} ({store})"
    assert "A. Traoré" in out


def test_cli_rejection_names_field_and_exits_2(
    new_store: Callable[[str], Path], backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(new_store("cli"))
    rc = cli_main(
        [
            "status",
            "set",
            "--axis",
            "NOPE",
            "--status",
            "closed",
            "--cause",
            "security",
            "--valid-from",
            "2025-11-01",
            "--source",
            "x",
            "--by",
            "n",
            "--store",
            store,
        ]
    )
    assert rc == 2
    assert "field 'axis_id': unknown axis 'NOPE'" in capsys.readouterr().err
    # validated before the store is opened: no file, no store tables in the database
    assert constraints.state_version(store) == ("absent" if backend == "sqlite" else "empty")


def test_cli_encircled_set_history_show(
    new_store: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(new_store("cli"))
    nodata = str(tmp_path)  # a folder without boundaries: P-codes stay empty
    rc = cli_main(
        [
            "encircled",
            "set",
            "--locality",
            "Léré",
            "--since",
            "2025-10-27",
            "--status",
            "lifted",
            "--until",
            "2025-12-01",
            "--source",
            "OCHA",
            "--by",
            "B",
            "--store",
            store,
            "--data",
            nodata,
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert out.startswith("recorded encircled version 2: ")  # the episode's second version
    assert "Léré@2025-10-27 lifted (2025-10-27 - 2025-12-01" in out and "supersedes version 1" in out
    assert cli_main(["encircled", "history", "--locality", "Léré", "--store", store, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split(",")[:6] for ln in lines[1:]] == [  # store id, then the number within the episode
        ["5", "1", "Léré@2024-11-29", "Léré", "", "lifted"],
        ["6", "1", "Léré@2025-10-27", "Léré", "", "active"],
        ["19", "2", "Léré@2025-10-27", "Léré", "", "lifted"],
    ]
    assert cli_main(["encircled", "show", "--as-of", "2025-12-02", "--store", store, "--format", "csv"]) == 0
    shown = [ln.split(",")[0] for ln in capsys.readouterr().out.splitlines()[1:]]
    assert "Léré@2025-10-27" not in shown and "Farabougou@2020-10-06" in shown
    rc = cli_main(
        [
            "encircled",
            "set",
            "--locality",
            "Atlantis",
            "--since",
            "2025-10-27",
            "--status",
            "active",
            "--source",
            "x",
            "--by",
            "n",
            "--store",
            store,
        ]
    )
    assert rc == 2
    assert "field 'locality': unknown locality 'Atlantis'" in capsys.readouterr().err


def test_change_day_finds_a_date_where_the_change_shows(seeded_store: Path) -> None:
    p = seeded_store
    v0 = constraints.load_versions(p)
    constraints.record_encircled(
        p,
        locality="Léré",
        since="2025-10-27",
        status="lifted",
        until="2025-11-20",
        source="s",
        recorded_by="t",
    )
    v1 = constraints.load_versions(p)
    ep = "Léré@2025-10-27"
    assert constraints.change_day(v0, v1, as_of=D(2025, 12, 1), episode_id=ep) == D(2025, 12, 1)
    # on 1 Nov the episode was in force before and after: the nearest date that differs is 21 Nov
    assert constraints.change_day(v0, v1, as_of=D(2025, 11, 1), episode_id=ep) == D(2025, 11, 21)
    road(p, status="closed", valid_from="2026-01-10", valid_to="2026-01-20")
    v2 = constraints.load_versions(p)
    assert constraints.change_day(v1, v2, as_of=D(2025, 12, 1), axis_id=AXIS) == D(2026, 1, 10)
    assert constraints.change_day(v1, v2, as_of=D(2026, 1, 15), axis_id=AXIS) == D(2026, 1, 15)
    assert constraints.change_day(v1, v2, as_of=D(2026, 3, 1), axis_id=AXIS) == D(2026, 1, 20)


def test_pick_nearest_axis_or_locality() -> None:
    import geopandas as gpd
    from shapely.geometry import LineString

    axes = gpd.GeoDataFrame(
        {"axis_id": ["A1"]}, geometry=[LineString([(-4.0, 14.5), (-3.0, 15.0)])], crs="EPSG:4326"
    ).set_index("axis_id", drop=False)
    locs = constraints.load_versions(None).encircled
    assert constraints.pick_nearest(-2.23, 15.08, axes=axes, localities=locs) == ("locality", "Boni")
    assert constraints.pick_nearest(-3.5, 14.76, axes=axes, localities=locs) == ("axis", "A1")
    assert constraints.pick_nearest(-10.0, 20.0, axes=axes, localities=locs) is None


def test_double_submit_is_refused_and_writes_nothing(new_store: Callable[[str], Path]) -> None:
    store = new_store("s")
    args = dict(
        axis_id="RN16-SEV-DOU",
        status="closed",
        cause="security",
        valid_from="2025-11-01",
        source="double submit test",
        recorded_by="A",
    )
    constraints.record_road_status(store, **args)
    before = len(constraints.road_status_history(store))
    with pytest.raises(DataFileError, match=r"field 'status': identical to version \d+ recorded by A"):
        constraints.record_road_status(store, **args)
    assert len(constraints.road_status_history(store)) == before
    constraints.record_road_status(store, **{**args, "note": "now with a note"})  # a real change is fine
    assert len(constraints.road_status_history(store)) == before + 1


def test_a_new_escort_speed_alone_is_a_new_version(new_store: Callable[[str], Path]) -> None:
    store = new_store("s")
    args = dict(
        axis_id="RN16-SEV-DOU",
        status="constrained",
        cause="security",
        valid_from="2025-11-01",
        source="escort test",
        recorded_by="A",
    )
    constraints.record_road_status(store, **args, escort_kmh=25.0)
    before = len(constraints.road_status_history(store))
    with pytest.raises(DataFileError, match="identical to version"):
        constraints.record_road_status(store, **args, escort_kmh=25.0)
    constraints.record_road_status(store, **args, escort_kmh=30.0)  # the convoys go faster now
    hist = constraints.road_status_history(store, "RN16-SEV-DOU")
    assert len(constraints.road_status_history(store)) == before + 1
    assert hist["escort_kmh"].iloc[-1] == 30.0


# ----------------------------------------------------------------------------- gazetteer localities


def _gazetteer():  # noqa: ANN202
    """A small gazetteer: a corrected spelling (Dialoube -> Dialloubé) and two places named Ouro Nguéla."""
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {
            "name": ["Dialloubé", "Ouro Nguéla", "Ouro Nguéla", "Konna"],
            "source_name": ["Dialoube", "", "", ""],
            "place_type": ["locality"] * 4,
            "population": [0.0] * 4,
            "adm1_name": ["Mopti", "Mopti", "Ségou", "Mopti"],
            "adm2_name": ["Mopti", "Douentza", "Niono", "Mopti"],
        },
        geometry=gpd.points_from_xy([-4.2324, -2.0, -6.0, -3.89474], [15.0191, 15.05, 14.5, 14.94329]),
        crs="EPSG:4326",
        index=pd_index(["1343864251", "b1", "b2", "421196279"]),
    )


def pd_index(ids: list[str]):  # noqa: ANN201
    import pandas as pd

    return pd.Index(ids, name="place_id")


NEW_EPISODE = {"since": "2025-11-20", "status": "active", "source": "OCHA", "recorded_by": "Awa"}


@pytest.mark.parametrize("typed", ["Dialloubé", "Dialoube", " dialoube "])
def test_a_new_locality_from_the_gazetteer_takes_its_name_and_point(seeded_store: Path, typed: str) -> None:
    places = _gazetteer()
    constraints.record_encircled(seeded_store, locality=typed, places=places, **NEW_EPISODE)
    hist = constraints.encircled_history(seeded_store, "Dialloubé")
    row = hist.iloc[-1]
    point = places.geometry.loc["1343864251"]
    assert row["locality"] == places.at["1343864251", "name"]  # the gazetteer's corrected spelling
    assert (float(row["lon"]), float(row["lat"])) == pytest.approx((point.x, point.y))


def test_gazetteer_refusals_say_why_in_the_catalogs(seeded_store: Path) -> None:
    from geo.products.i18n import error_text

    before = constraints.state_version(seeded_store)
    with pytest.raises(DataFileError) as err:
        constraints.record_encircled(seeded_store, locality="Ouro Nguela", places=_gazetteer(), **NEW_EPISODE)
    assert err.value.field == "locality" and err.value.key == "err.locality_ambiguous"
    assert err.value.fields["n"] == 2 and "Ouro Nguéla (Douentza, Mopti)" in err.value.fields["places"]
    with pytest.raises(DataFileError) as err:
        constraints.record_encircled(seeded_store, locality="Atlantis", places=_gazetteer(), **NEW_EPISODE)
    assert err.value.key == "err.new_locality_not_in_gazetteer"
    french = error_text(err.value, "fr")
    assert french.startswith("saisie d'encerclement") and "localité inconnue 'Atlantis'" in french
    assert constraints.state_version(seeded_store) == before
