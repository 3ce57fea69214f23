"""Store robustness: concurrent writers in separate processes, and kill -9 during a write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from geo.config import PROJECT_ROOT
from geo.sources import curated
from geo.store import constraints

pytestmark = pytest.mark.slow

N_PER_WRITER = 500
SEED_ROAD = len(curated.read_road_status().valid)
SEED_ENC = len(curated.read_encircled().valid)
SEED_CROSSINGS = len(curated.read_crossing_status().valid)

WRITER = textwrap.dedent("""
    import sys
    from geo.store import constraints
    store, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    report = len(sys.argv) > 4
    axes = ["RN16-SEV-DOU", "RN16-DOU-HOM", "RN15-SEV-KORO"]
    for i in range(n):
        constraints.record_road_status(
            store, axis_id=axes[i % 3], status=("open", "closed", "constrained")[i % 3],
            cause="security", valid_from="2025-11-01", source=f"{name} change {i}",
            recorded_by=name, note=str(i))
        if report:
            print(f"committed {i}", flush=True)
    print("done", flush=True)
""")

HOLDER = textwrap.dedent("""
    import sys, time
    from geo.store import constraints
    from geo.store.db import connect, transaction
    store = sys.argv[1]
    conn = connect(store)
    conn.execute("PRAGMA cache_size = 5")  # spill uncommitted pages into the WAL
    with transaction(conn):
        for i in range(20000):
            conn.execute(
                "INSERT INTO constraint_road_status (axis_id, status, cause, valid_from, confidence,"
                " source, recorded_by, recorded_at) VALUES ('RN16-SEV-DOU', 'closed', 'security',"
                " '2025-11-01', 'high', ?, 'killed', '2025-11-30T00:00:00Z')", (f"uncommitted {i}" * 5,))
        print("in-transaction", flush=True)
        time.sleep(120)
""")


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_9(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)  # reap it and close its pipes
    assert proc.returncode == -signal.SIGKILL


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    constraints.load_versions(path, data_dir=tmp_path)  # create + seed before the workers start
    return path


def test_two_processes_500_writes_each_none_lost(store: Path) -> None:
    procs = [_spawn(WRITER, str(store), name, str(N_PER_WRITER)) for name in ("alice", "bob")]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert out.strip() == "done"
    hist = constraints.road_status_history(store)
    user = hist[hist["origin"] == "user"]
    assert len(hist) == SEED_ROAD + 2 * N_PER_WRITER
    assert len(user) == 1000
    for name in ("alice", "bob"):
        notes = sorted(int(n) for n in user.loc[user["recorded_by"] == name, "note"])
        assert notes == list(range(N_PER_WRITER))
    assert user["version_id"].is_unique
    road, enc = SEED_ROAD + 2 * N_PER_WRITER, SEED_ENC
    c = SEED_CROSSINGS
    assert constraints.state_version(store) == f"{road}.{road}:{enc}.{enc}:{c}.{c}"
    assert _integrity(store) == "ok"


def test_kill_9_inside_a_write_transaction(store: Path) -> None:
    committed = constraints.record_road_status(
        store,
        axis_id="RN16-SEV-DOU",
        status="closed",
        cause="security",
        valid_from="2025-11-01",
        source="committed before the crash",
        recorded_by="ok",
    )
    proc = _spawn(HOLDER, str(store))
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "in-transaction", proc.stderr.read() if proc.stderr else ""
    wal = Path(f"{store}-wal")
    assert wal.stat().st_size > 100_000  # uncommitted pages did reach the WAL
    _kill_9(proc)
    assert _integrity(store) == "ok"
    hist = constraints.road_status_history(store)
    assert len(hist) == SEED_ROAD + 1
    assert hist.iloc[-1]["version_id"] == committed.version_id
    assert (hist["recorded_by"] != "killed").all()
    # and the store still takes writes
    nxt = constraints.record_road_status(
        store,
        axis_id="RN16-SEV-DOU",
        status="open",
        cause="security",
        valid_from="2025-12-01",
        source="after the crash",
        recorded_by="ok",
    )
    assert nxt.version_id == committed.version_id + 1


def test_kill_9_at_random_points_of_a_write_loop(store: Path) -> None:
    """Kill the writer after it reported k commits: the kill lands inside write k + 1 or between writes."""
    written = 0
    for run, commits in enumerate((3, 25, 60)):
        name = f"loop{run}"
        proc = _spawn(WRITER, str(store), name, "100000", "report")
        assert proc.stdout is not None
        seen = 0
        for line in proc.stdout:  # synchronise on what the writer says it committed
            if line.startswith("committed "):
                seen = int(line.split()[1]) + 1
                if seen >= commits:
                    break
        _kill_9(proc)
        assert _integrity(store) == "ok"
        hist = constraints.road_status_history(store)
        mine = hist[hist["recorded_by"] == name]
        # every committed version is complete, in order, with no gap before the crash
        assert [int(n) for n in mine["note"]] == list(range(len(mine)))
        assert (mine["source"] == [f"{name} change {n}" for n in mine["note"]]).all()
        assert commits <= len(mine) <= commits + 1
        written += len(mine)
    assert len(constraints.road_status_history(store)) == SEED_ROAD + written
