"""The project store: one embedded SQLite database shared by every component.

Each component (``constraints``, ``incidents``, ...) owns its tables and declares its
schema version through :func:`ensure_component`; the store records the versions in
``store_components``. The database is marked as ours with SQLite's ``application_id``
so a foreign file is refused, never overwritten. Writes use WAL mode and explicit
transactions (:func:`transaction`), so concurrent writers from several processes both
succeed and a process killed mid-write leaves the database consistent.

A PostGIS backend would implement the same component functions; pages never issue
SQL themselves.

Permissions: the store holds restricted records (armed groups, notes, blockaded
localities). A new store is created owner-only (mode 0600, and SQLite gives its ``-wal``
and ``-shm`` files the same mode); folders the store creates are 0700. An existing store
file of ours that is readable by others is narrowed to 0600 when opened (never a folder
that already existed).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from geo.errors import StoreError

logger = logging.getLogger(__name__)

#: SQLite ``PRAGMA application_id`` of our stores ("MALA" in ASCII).
APPLICATION_ID = 0x4D414C41
#: Seconds a writer waits for another writer's lock before failing.
BUSY_TIMEOUT_S = 30.0

#: Mode of store files (``-wal``/``-shm`` included) and of folders created for them.
FILE_MODE, DIR_MODE = 0o600, 0o700


def make_private_dir(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` and its missing parents with mode 0700 (owner only).

    Folders that already exist are left as they are (a shared parent such as ``/tmp``
    must keep its mode).

    Parameters
    ----------
    folder
        Folder to create.

    Returns
    -------
    Path
        ``folder``.
    """
    folder = Path(folder)
    missing = []
    for p in (folder, *folder.parents):
        if p.exists():
            break
        missing.append(p)
    for p in reversed(missing):
        try:
            p.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(p, DIR_MODE)  # mkdir's mode is filtered by the umask; this one is exact
    return folder


def _create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (SQLite then opens that file)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.fchmod(fd, FILE_MODE)  # exact, whatever the umask
    os.close(fd)


def _narrow_modes(path: Path) -> None:
    """Narrow the store file and its ``-wal``/``-shm`` to 0600 when others can read them."""
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            st = p.stat()
            if st.st_mode & 0o077 and st.st_uid == os.geteuid():
                os.chmod(p, FILE_MODE)
        except OSError:  # missing, or on read-only media: nothing to narrow
            continue


def connect(path: str | os.PathLike[str], *, create: bool = True) -> sqlite3.Connection:
    """Open (and on first use create) a project store.

    Parameters
    ----------
    path
        SQLite file. Its folder is created when ``create`` is true.
    create
        Create the file when missing; with ``False`` a missing file raises.

    Returns
    -------
    sqlite3.Connection
        In autocommit mode (``isolation_level=None``), WAL journal, foreign keys on,
        rows as :class:`sqlite3.Row`. Use :func:`transaction` for writes.

    Raises
    ------
    StoreError
        If the file is not an SQLite database, belongs to another application, or
        does not exist and ``create`` is false.
    """
    path = Path(path)
    if not path.exists():
        if not create:
            msg = f"{path}: store does not exist"
            raise StoreError(msg)
        make_private_dir(path.parent)
        try:
            _create_private(path)
        except OSError:  # read-only folder: sqlite3 reports it below
            pass
    is_new = not path.exists() or path.stat().st_size == 0
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if is_new:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS store_components ("
                " component TEXT PRIMARY KEY, version INTEGER NOT NULL,"
                " migrated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))"
            )
        elif app_id != APPLICATION_ID:
            conn.close()
            msg = (
                f"{path}: not a Mali access store (application_id {app_id:#x}); "
                "refusing to open or overwrite it"
            )
            raise StoreError(msg)
    except sqlite3.DatabaseError as exc:
        msg = f"{path}: not a readable SQLite database ({exc})"
        raise StoreError(msg) from exc
    _narrow_modes(path)  # ours (checked above): others must not read it
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block as one write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``).

    The write lock is taken at the start, so two writers queue instead of failing
    half-way; on any exception the transaction is rolled back and re-raised.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def component_version(conn: sqlite3.Connection, component: str) -> int:
    """Return the schema version of ``component`` in this store, 0 when absent."""
    row = conn.execute("SELECT version FROM store_components WHERE component = ?", (component,)).fetchone()
    return int(row[0]) if row else 0


def ensure_component(conn: sqlite3.Connection, component: str, migrations: Sequence[Sequence[str]]) -> bool:
    """Create or migrate one component's tables.

    Parameters
    ----------
    conn
        An open store.
    component
        Component name, e.g. ``"constraints"``.
    migrations
        ``migrations[i]`` is the list of SQL statements taking the component from
        version ``i`` to ``i + 1``. The current version is ``len(migrations)``.

    Returns
    -------
    bool
        True if any migration ran.

    Raises
    ------
    StoreError
        If the store holds a newer version of the component than this code knows
        (written by a newer release): it is left untouched.
    """
    target = len(migrations)
    with transaction(conn):
        current = component_version(conn, component)
        if current > target:
            msg = (
                f"store component {component!r} is at schema version {current}, newer than "
                f"this program's {target}; upgrade the program, the store was not changed"
            )
            raise StoreError(msg)
        if current == target:
            return False
        for version in range(current, target):
            for statement in migrations[version]:
                conn.execute(statement)
        conn.execute(
            "INSERT INTO store_components(component, version) VALUES(?, ?) "
            "ON CONFLICT(component) DO UPDATE SET version = excluded.version, "
            "migrated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
            (component, target),
        )
    logger.info("store: %s migrated from v%d to v%d", component, current, target)
    return True
