"""Store faults end in one clear line (CLI exit 2, StoreError in the API) and lose nothing.

Each case checks the message, and that the store is intact afterwards: the same bytes
for a file that is refused, or ``PRAGMA integrity_check`` = ok with the same row counts
for a store a write failed on. Read-only media and a full disk are real (a tmpfs, root
only); the other faults are made in the file itself.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import StoreError
from geo.store import constraints
from geo.store.db import APPLICATION_ID, connect

TABLES = ("store_components", "constraint_road_status", "constraint_encircled", "constraint_meta")
SET = [
    "status",
    "set",
    "--axis",
    "RN16-SEV-DOU",
    "--status",
    "closed",
    "--cause",
    "security",
    "--valid-from",
    "2025-12-01",
    "--source",
    "test report",
    "--by",
    "Advisor A",
]


def _seeded(path: Path) -> Path:
    constraints.load_versions(path)  # creates and seeds
    return path


def _snapshot(path: Path) -> tuple[str, dict[str, int]]:
    """integrity_check and row counts, read without writing anything (immutable on read-only media)."""
    ro = bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if ro else "")
    conn = sqlite3.connect(uri, uri=True)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()
    return check, counts


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(args: list[str], store: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main([*args, "--store", str(store)])
    out, err = capsys.readouterr()
    return rc, out, err


def _one_error_line(err: str, store: Path) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {store}: "), lines[0]
    assert "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------ faults in the file itself


def test_damaged_header_is_refused_and_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = _seeded(tmp_path / "store.sqlite")
    data = bytearray(store.read_bytes())
    data[:16] = b"\0" * 16  # the "SQLite format 3" magic
    store.write_bytes(bytes(data))
    before = _sha(store)
    rc, out, err = _cli(["status", "show"], store, capsys)
    line = _one_error_line(err, store)
    assert rc == 2 and out == ""
    assert "not an SQLite database, or a damaged one (file is not a database); nothing was changed" in line
    rc, _, err = _cli(SET, store, capsys)
    assert rc == 2 and "nothing was changed" in _one_error_line(err, store)
    assert _sha(store) == before


def test_damaged_pages_are_refused_and_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = _seeded(tmp_path / "store.sqlite")
    conn = sqlite3.connect(store)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'constraint_road_status'"
    ).fetchone()[0]
    conn.close()
    data = bytearray(store.read_bytes())
    start = (root - 1) * page
    data[start : start + page] = b"\xa5" * page  # the road-status table's root page is garbage
    store.write_bytes(bytes(data))
    before = _sha(store)
    rc, out, err = _cli(["status", "show"], store, capsys)
    line = _one_error_line(err, store)
    assert rc == 2 and out == ""
    assert "the store file is damaged (database disk image is malformed); nothing was changed" in line
    with pytest.raises(StoreError, match="store file is damaged"):
        constraints.record_road_status(
            store,
            axis_id="RN16-SEV-DOU",
            status="closed",
            cause="security",
            valid_from="2025-12-01",
            source="x",
            recorded_by="A",
        )
    assert _sha(store) == before


def test_foreign_sqlite_file_is_refused_and_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "other.sqlite"
    conn = sqlite3.connect(store)
    conn.execute("CREATE TABLE notes (x TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = _sha(store)
    rc, _, err = _cli(SET, store, capsys)
    line = _one_error_line(err, store)
    assert rc == 2
    assert (
        line
        == f"error: {store}: not a Mali access store (application_id 0x0); refusing to open or overwrite it"
    )
    assert _sha(store) == before


def test_newer_store_is_refused_and_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = _seeded(tmp_path / "store.sqlite")
    conn = sqlite3.connect(store)
    conn.execute("UPDATE store_components SET version = 99 WHERE component = 'constraints'")
    conn.commit()
    conn.close()
    before = _snapshot(store)
    rc, _, err = _cli(["status", "show"], store, capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert lines == [
        "error: store component 'constraints' is at schema version 99, newer than this program's "
        f"{len(constraints.MIGRATIONS)}; "
        "upgrade the program, the store was not changed"
    ]
    assert _snapshot(store) == before


def test_new_store_in_an_unmakeable_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    store = blocker / "var" / "store.sqlite"
    rc, _, err = _cli(SET, store, capsys)
    assert rc == 2
    line = _one_error_line(err, store)
    assert "nothing was" in line
    assert blocker.read_text() == "a file where the folder should be"


# ------------------------------------------------------------------ real media: read-only, full (root)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """Mount a 1 MiB tmpfs for the test (root only)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def _remount(mnt: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mnt)], check=True)


def test_read_only_medium_reads_and_refuses_writes_in_one_line(
    tmpfs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _seeded(tmpfs / "store.sqlite")
    assert sorted(p.name for p in tmpfs.iterdir()) == ["store.sqlite"]  # WAL checkpointed on close
    before = _snapshot(store)
    _remount(tmpfs, "ro")
    rc, out, err = _cli(["status", "show", "--format", "csv"], store, capsys)
    assert rc == 0 and err == ""
    assert "RN16-SEV-DOU" in out
    rc, out, err = _cli(SET, store, capsys)
    line = _one_error_line(err, store)
    assert rc == 2 and out == ""
    assert line == (
        f"error: {store}: the store is read-only ({tmpfs} is on a read-only file system); nothing was saved "
        "and the store is unchanged. Reading still works; to save, make the file and its folder writable"
    )
    with pytest.raises(StoreError, match="the store is read-only"):
        constraints.record_encircled(
            store,
            locality="Farabougou",
            status="lifted",
            since="2020-10-06",
            until="2025-12-01",
            source="x",
            recorded_by="A",
            episode_id=None,
        )
    conn = connect(store)
    assert conn.read_only
    conn.close()
    assert _snapshot(store) == before


def test_wal_store_with_pending_changes_on_read_only_medium_is_refused(tmp_path: Path, tmpfs: Path) -> None:
    src = _seeded(tmp_path / "store.sqlite")
    writer = connect(src)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("INSERT INTO constraint_meta VALUES ('pending', 'only in the WAL')")
    for suffix in ("", "-wal", "-shm"):  # copied while the writer is open: the change is in -wal only
        shutil.copyfile(f"{src}{suffix}", f"{tmpfs / 'store.sqlite'}{suffix}")
    writer.close()
    store = tmpfs / "store.sqlite"
    _remount(tmpfs, "ro")
    with pytest.raises(StoreError) as err:
        constraints.load_versions(store)
    assert str(err.value) == (
        f"{store}: the store is on read-only media with unsaved changes in store.sqlite-wal; nothing was "
        "changed. Copy the store with its -wal and -shm files to a writable folder"
    )


def test_full_disk_saves_nothing_and_the_store_recovers(
    tmpfs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _seeded(tmpfs / "store.sqlite")
    before = _snapshot(store)
    filler = tmpfs / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:  # take every free block
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    big_note = ["--note", "n" * 200_000]  # needs pages the disk no longer has
    rc, out, err = _cli([*SET, *big_note], store, capsys)
    line = _one_error_line(err, store)
    assert rc == 2 and out == ""
    assert line.startswith(f"error: {store}: the disk holding the store is full; nothing was saved")
    filler.unlink()
    assert _snapshot(store) == before  # nothing half-written
    rc, out, _ = _cli(SET, store, capsys)  # with space again, the same save works
    assert rc == 0 and out.startswith("recorded road-status version")
    check, counts = _snapshot(store)
    assert check == "ok"
    assert counts["constraint_road_status"] == before[1]["constraint_road_status"] + 1


def test_application_id_is_ours(tmp_path: Path) -> None:
    store = _seeded(tmp_path / "store.sqlite")
    conn = sqlite3.connect(store)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()


def test_store_file_of_another_account_reads_and_refuses_writes() -> None:
    """Read root's store file as nobody: reads work, a save ends in one line."""
    import sys
    import tempfile

    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("runs a command as another user: needs root and setpriv")
    folder = Path(tempfile.mkdtemp(prefix="store-ro-"))
    try:
        folder.chmod(0o777)  # the folder is writable, the file is not (0644, root's)
        store = _seeded(folder / "store.sqlite")
        store.chmod(0o644)
        before = _sha(store)
        env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "PYTHONPATH": str(Path(__file__).parents[2])}
        env["MALI_ACCESS_LANG"] = "en"  # the English lines are checked below
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "geo"]

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*nobody, *args, "--store", str(store)],
                env=env,
                cwd="/",
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )

        shown = run("status", "show", "--format", "csv")
        assert shown.returncode == 0, shown.stderr
        assert "RN16-SEV-DOU" in shown.stdout
        saved = run(*SET[:-4], "--source", "x", "--by", "nobody")
        assert saved.returncode == 2
        assert saved.stdout == ""
        assert saved.stderr.splitlines() == [
            f"error: {store}: the store is read-only (no write permission on the file or its folder); "
            "nothing was saved and the store is unchanged. Reading still works; to save, make the file and "
            "its folder writable"
        ]
        assert _sha(store) == before
    finally:
        shutil.rmtree(folder)
