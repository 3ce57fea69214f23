"""PostgreSQL/PostGIS store: several writers on one database, the views QGIS opens, URLs and faults.

The writers are separate processes, as two app instances (the Python API the pages call)
and two command-line writers (``python -m geo status set --store URL``) would be. They
are released together (a line on their standard input), never timed.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from geo.cli import main as cli_main
from geo.config import PROJECT_ROOT, Settings
from geo.errors import StoreError
from geo.sources import curated
from geo.store import constraints
from geo.store.db import connect, display_location, store_location
from tests.store.pg_server import run_query

pytestmark = pytest.mark.slow

AXES = ["RN16-SEV-DOU", "RN16-DOU-HOM", "RN15-SEV-KORO"]
SEED_ROAD = len(curated.read_road_status().valid)

#: An app instance: waits for "go", then records n versions through the Python API.
APP = textwrap.dedent("""
    import sys
    from geo.store import constraints
    store, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    axes = ["RN16-SEV-DOU", "RN16-DOU-HOM", "RN15-SEV-KORO"]
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(n):
        constraints.record_road_status(
            store, axis_id=axes[i % 3], status=("open", "closed", "constrained")[i % 3],
            cause="security", valid_from="2025-11-01", source=f"{name} change {i}",
            recorded_by=name, note=str(i))
    print("done", flush=True)
""")

#: An advisor's form in an app instance: each round, read the axis head, wait for "go", save based on it.
FORM = textwrap.dedent("""
    import sys
    from geo.store import constraints
    from geo.store.constraints import ConflictError
    store, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for r in range(rounds):
        head = constraints.axis_head(store, "RN16-SEV-DOU")
        print(f"loaded {head}", flush=True)
        sys.stdin.readline()
        try:
            res = constraints.record_road_status(
                store, axis_id="RN16-SEV-DOU", status=("open", "closed")[r % 2], cause="security",
                valid_from=f"2025-12-{r + 1:02d}", source=f"{name} round {r}", recorded_by=name,
                based_on=head)
            print(f"saved {res.version_id}", flush=True)
        except ConflictError as exc:
            print(f"conflict {exc.current['version_id']} {exc.current['recorded_by']}", flush=True)
""")


def _spawn(args: list[str]) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, proc.stderr.read() if proc.stderr else "no output"
    return line.strip()


def _go(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()


@pytest.fixture
def url(pg_server, tmp_path: Path) -> str:
    location = pg_server.new_database()
    # created and seeded before the writers start
    constraints.load_versions(location, data_dir=tmp_path / "no-data")
    return location


def _cli_set(url: str, who: str, i: int, based_on: int | None = None) -> list[str]:
    args = [
        "-m",
        "geo",
        "status",
        "set",
        "--axis",
        AXES[i % 3],
        "--status",
        ("open", "closed", "constrained")[i % 3],
        "--cause",
        "security",
        "--valid-from",
        f"2025-11-{i + 1:02d}",
        "--source",
        f"{who} change {i}",
        "--by",
        who,
        "--note",
        str(i),
        "--store",
        url,
    ]
    return [*args, "--based-on", str(based_on)] if based_on is not None else args


def test_two_app_instances_and_two_cli_writers_lose_nothing(url: str) -> None:
    n_app, n_cli = 30, 2
    apps = [_spawn(["-c", APP, url, name, str(n_app)]) for name in ("app-1", "app-2")]
    for p in apps:
        assert _line(p) == "ready"
    _go(apps)
    clis = [[_spawn(_cli_set(url, who, i)) for who in ("cli-1", "cli-2")] for i in range(n_cli)]
    for pair in clis:  # the two CLI writers run together, while the apps write
        for p in pair:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
            assert out.startswith("recorded road-status version ")
    for p in apps:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert out.strip() == "done"
    hist = constraints.road_status_history(url)
    user = hist[hist["origin"] == "user"]
    assert len(hist) == SEED_ROAD + 2 * n_app + 2 * n_cli
    for name, n in (("app-1", n_app), ("app-2", n_app), ("cli-1", n_cli), ("cli-2", n_cli)):
        mine = user[user["recorded_by"] == name]
        assert sorted(int(x) for x in mine["note"]) == list(range(n))
        assert (mine["source"] == [f"{name} change {x}" for x in mine["note"]]).all()
    # version ids: unique, gapless, in recording order, as on SQLite
    assert list(hist["version_id"]) == list(range(1, len(hist) + 1))
    total = SEED_ROAD + 2 * n_app + 2 * n_cli
    assert constraints.state_version(url).startswith(f"{total}.{total}:")


def test_two_app_instances_saving_one_axis_conflicts_are_reported(url: str) -> None:
    rounds = 6
    forms = {name: _spawn(["-c", FORM, url, name, str(rounds)]) for name in ("Advisor A", "Advisor B")}
    saved: list[int] = []
    for r in range(rounds):
        heads = {name: _line(p) for name, p in forms.items()}
        assert len(set(heads.values())) == 1, heads  # both forms loaded the same version
        _go(list(forms.values()))
        results = {name: _line(p) for name, p in forms.items()}
        wins = [(n, v) for n, v in results.items() if v.startswith("saved ")]
        losses = [(n, v) for n, v in results.items() if v.startswith("conflict ")]
        assert len(wins) == 1 and len(losses) == 1, (r, results)
        winner, won = wins[0]
        version = int(won.split()[1])
        # the loser is told which version beat it and who recorded it
        assert losses[0][1] == f"conflict {version} {winner}"
        saved.append(version)
    for p in forms.values():
        p.communicate(timeout=60)
        assert p.returncode == 0
    hist = constraints.road_status_history(url, "RN16-SEV-DOU")
    user = hist[hist["origin"] == "user"]
    assert list(user["version_id"]) == saved  # one version per round, nothing else
    assert len(saved) == rounds


def test_two_cli_writers_based_on_one_version_one_is_refused(url: str) -> None:
    head = constraints.axis_head(url, AXES[0])
    procs = {who: _spawn(_cli_set(url, who, 0, based_on=head)) for who in ("cli-1", "cli-2")}
    results = {who: p.communicate(timeout=300) for who, p in procs.items()}
    codes = sorted(p.returncode for p in procs.values())
    assert codes == [0, 2], results
    loser = next(who for who, p in procs.items() if p.returncode == 2)
    winner = next(who for who, p in procs.items() if p.returncode == 0)
    err = results[loser][1].strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {AXES[0]} was changed since your form was loaded")
    assert f"recorded by {winner} at" in err[0]
    hist = constraints.road_status_history(url, AXES[0])
    assert list(hist.loc[hist["origin"] == "user", "recorded_by"]) == [winner]  # one version, the winner's
    assert constraints.axis_head(url, AXES[0]) == SEED_ROAD + 1


def test_live_views_match_the_python_as_of_rule(url: str) -> None:
    today = dt.datetime.now(dt.UTC).date()
    constraints.record_road_status(
        url,
        axis_id="RN16-DOU-HOM",
        status="closed",
        cause="security",
        valid_from=today - dt.timedelta(days=3),
        source="today's report",
        recorded_by="tester",
    )
    first = constraints.record_road_status(
        url,
        axis_id="RN15-SEV-KORO",
        status="open",
        cause="security",
        valid_from=today,
        valid_to=today + dt.timedelta(days=5),
        source="a report",
        recorded_by="tester",
    )
    constraints.record_road_status(  # a correction: the superseded version no longer counts
        url,
        axis_id="RN15-SEV-KORO",
        status="constrained",
        cause="security",
        valid_from=today,
        source="corrected report",
        recorded_by="tester",
        supersedes=first.version_id,
    )
    constraints.record_encircled(
        url,
        locality="Nouvelle Localité",
        lon=-3.5,
        lat=14.2,
        status="active",
        since=today - dt.timedelta(days=1),
        radius_km=8,
        source="s",
        recorded_by="t",
    )
    versions = constraints.load_versions(url)
    road = constraints.effective_road_status(versions, today)
    rows = run_query(
        url,
        "SELECT axis_id, status, in_force, version_id, ST_SRID(geom), GeometryType(geom), "
        "ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)) FROM live_road_status ORDER BY axis_id",
    )
    axes = constraints.known_axes().set_index("axis_id")
    assert [r[0] for r in rows] == sorted(axes.index)
    for axis_id, status, in_force, vid, srid, kind, x0, y0 in rows:
        assert (status, in_force) == (road.at[axis_id, "status"], bool(road.at[axis_id, "in_force"]))
        expected = road.at[axis_id, "version_id"]
        assert vid == (None if pd_isna(expected) else int(expected))
        assert (srid, kind) == (4326, "LINESTRING")
        _, lon, lat = axes.at[axis_id, "waypoint_list"][0]
        assert (x0, y0) == (lon, lat)
    assert dict((r[0], r[1]) for r in rows)["RN15-SEV-KORO"] == "constrained"
    crossing = constraints.effective_crossing_status(versions, today)
    cross_rows = run_query(
        url, "SELECT crossing_id, status, in_force, ST_SRID(geom) FROM live_crossing_status"
    )
    assert {r[0]: (r[1], r[2]) for r in cross_rows} == {
        k: (crossing.at[k, "status"], bool(crossing.at[k, "in_force"])) for k in crossing.index
    }
    assert {r[3] for r in cross_rows} == {4326}
    enc = constraints.effective_encircled(versions, today).set_index("episode_id")
    enc_rows = run_query(
        url,
        "SELECT episode_id, in_force, ST_X(geom), ST_Y(geom), radius_km, "
        "ST_Area(no_entry_zone::geography) / 1e6 FROM live_encircled",
    )
    assert sorted(r[0] for r in enc_rows) == sorted(enc.index)
    for episode, in_force, x, y, radius, area_km2 in enc_rows:
        assert in_force == bool(enc.at[episode, "in_force"]), episode
        assert (x, y) == (enc.at[episode, "lon"], enc.at[episode, "lat"])
        assert radius == enc.at[episode, "radius_km"]
        # the no-entry zone is the disc of the radius (a 32-gon: within 1 % of pi r^2)
        assert area_km2 == pytest.approx(3.141592653589793 * radius**2, rel=0.01)
    assert dict((r[0], r[1]) for r in enc_rows)[f"Nouvelle Localité@{today - dt.timedelta(days=1)}"] is True


def pd_isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_urls_are_kept_and_shown_without_password(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://hawg:s3cret@db.example:5433/access?sslmode=require&password=s3cret"
    monkeypatch.setenv("MALI_ACCESS_STORE", url)
    assert Settings.resolve().store_path == url  # a string, not a mangled Path
    assert Settings.resolve(store="postgres://u@h/d").store_path == "postgres://u@h/d"
    assert Settings.resolve(store="var/x.sqlite").store_path == Path("var/x.sqlite").absolute()
    assert store_location(url) == url and store_location("a/b.sqlite") == Path("a/b.sqlite")
    shown = display_location(url)
    assert "s3cret" not in shown
    assert shown == "postgresql://hawg@db.example:5433/access?sslmode=require"


def test_unreachable_server_is_one_line_without_password(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://hawg:s3cret@127.0.0.1:{port}/access?connect_timeout=5"
    with pytest.raises(StoreError, match="cannot reach the PostgreSQL server") as err:
        constraints.load_versions(url)
    assert "s3cret" not in str(err.value)
    assert str(err.value).startswith(f"postgresql://hawg@127.0.0.1:{port}/access?connect_timeout=5: ")
    assert cli_main(["status", "show", "--store", url]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the PostgreSQL server" in lines[0] and "s3cret" not in lines[0]


def test_missing_database_says_so(pg_server) -> None:
    url = pg_server.url("no_such_database")
    with pytest.raises(StoreError, match="the database does not exist"):
        constraints.load_versions(url)


def test_schema_is_created_in_the_url_schema(pg_server) -> None:
    """Tables go to the connection's schema, so one database can hold several stores (search_path)."""
    base = pg_server.new_database()
    conn = connect(base)
    conn.execute("CREATE SCHEMA office_b")
    conn.close()
    url_b = f"{base}?options=-csearch_path%3Doffice_b,public"
    constraints.record_road_status(
        url_b,
        axis_id="RN16-SEV-DOU",
        status="closed",
        cause="security",
        valid_from="2025-11-01",
        source="s",
        recorded_by="office b",
    )
    assert len(constraints.road_status_history(url_b)) == SEED_ROAD + 1
    assert constraints.state_version(base) == "empty"  # the public schema holds no store
    assert run_query(base, "SELECT count(*) FROM office_b.constraint_road_status")[0][0] == SEED_ROAD + 1


#: A writer killed inside its write transaction, holding the store's write lock.
HOLDER = textwrap.dedent("""
    import sys, time
    from geo.store.db import connect, transaction
    conn = connect(sys.argv[1])
    with transaction(conn):
        for i in range(200):
            conn.execute(
                "INSERT INTO constraint_road_status (axis_id, status, cause, valid_from, confidence,"
                " source, recorded_by, recorded_at) VALUES ('RN16-SEV-DOU', 'closed', 'security',"
                " '2025-11-01', 'high', ?, 'killed', '2025-11-30T00:00:00Z')", (f"uncommitted {i}",))
        print("in-transaction", flush=True)
        time.sleep(300)
""")


def test_kill_9_inside_a_write_transaction_loses_nothing_and_frees_the_lock(url: str) -> None:
    import signal
    import threading

    proc = _spawn(["-c", HOLDER, url])
    assert _line(proc) == "in-transaction"
    done: dict[str, object] = {}

    def other_writer() -> None:  # queues on the write lock the killed process holds
        done["result"] = constraints.record_road_status(
            url,
            axis_id="RN16-SEV-DOU",
            status="open",
            cause="security",
            valid_from="2025-12-01",
            source="after the crash",
            recorded_by="ok",
        )

    thread = threading.Thread(target=other_writer)
    thread.start()
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    thread.join(timeout=120)
    assert not thread.is_alive()
    hist = constraints.road_status_history(url)
    assert (hist["recorded_by"] != "killed").all()  # the open transaction was rolled back
    assert done["result"].version_id == SEED_ROAD + 1  # and left no gap in the version ids
    assert len(hist) == SEED_ROAD + 1
