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


#: SQLite result codes (primary) and what they mean for the advisor; ``{path}`` and ``{why}`` filled in.
_FAULTS = {
    "SQLITE_FULL": "the disk holding the store is full; nothing was saved and the store is unchanged. "
    "Free some space and save again",
    "SQLITE_READONLY": "the store is read-only ({why}); nothing was saved and the store is unchanged. "
    "Reading still works; to save, make the file and its folder writable",
    "SQLITE_CORRUPT": "the store file is damaged ({detail}); nothing was changed. Restore the file from "
    "a backup (check a copy with: sqlite3 FILE 'PRAGMA integrity_check')",
    "SQLITE_NOTADB": "not an SQLite database, or a damaged one ({detail}); nothing was changed",
    "SQLITE_CANTOPEN": "the store file cannot be opened ({why}); nothing was changed",
    "SQLITE_BUSY": f"another program held the store's write lock for more than {BUSY_TIMEOUT_S:.0f} s; "
    "nothing was saved, try again",
    "SQLITE_LOCKED": "the store is locked by another connection; nothing was saved, try again",
    "SQLITE_IOERR": "input/output error on the store's disk ({detail}); nothing was saved. Check the disk",
    "SQLITE_PERM": "access to the store file was denied ({why}); nothing was changed",
    "SQLITE_CONSTRAINT": "refused by the store's checks ({detail}); nothing was saved",
}


class StoreConnection(sqlite3.Connection):
    """An :class:`sqlite3.Connection` that knows its store file and whether it is read-only.

    Attributes
    ----------
    path
        The store file.
    read_only
        True when the store was opened read-only because its medium or folder is not
        writable (see :func:`connect`).
    """

    path: Path = Path("<store>")
    read_only: bool = False


def _primary_code(exc: BaseException) -> str | None:
    name = getattr(exc, "sqlite_errorname", None)
    if not name:
        return None
    # extended codes (SQLITE_READONLY_DBMOVED, SQLITE_IOERR_WRITE, ...) share their primary's meaning
    parts = name.split("_")
    return "_".join(parts[:2])


def _folder_state(path: Path) -> str:
    """Why a store file is not writable, in words (read-only medium, permissions, missing folder)."""
    folder = path.parent
    if not folder.exists():
        return f"its folder {folder} does not exist"
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"{folder} is on a read-only file system"
    except OSError:
        pass
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return "no write permission on the file or its folder"
    return "it could not be written"


def describe_fault(path: str | os.PathLike[str], exc: BaseException) -> str:
    """One line telling what a store fault means and what to do, naming the file.

    Parameters
    ----------
    path
        Store file.
    exc
        The :class:`sqlite3.Error` (or :class:`OSError`) raised.

    Returns
    -------
    str
        ``"<path>: <what happened>; <what was kept>. <what to do>"`` on one line.
    """
    path = Path(path)
    detail = " ".join(str(exc).split()) or type(exc).__name__
    code = _primary_code(exc)
    if isinstance(exc, OSError):
        import errno

        code = {
            errno.ENOSPC: "SQLITE_FULL",
            errno.EDQUOT: "SQLITE_FULL",
            errno.EROFS: "SQLITE_READONLY",
            errno.EACCES: "SQLITE_PERM",
            errno.EPERM: "SQLITE_PERM",
        }.get(exc.errno or 0, "SQLITE_IOERR")
    template = _FAULTS.get(code or "", "store error ({detail}); nothing was saved")
    text = template.format(why=_folder_state(path), detail=detail)
    return f"{path}: {text}"


@contextmanager
def store_errors(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn SQLite and file-system faults inside the block into one-line :class:`StoreError`.

    Use around every store operation an advisor or a command triggers; writes inside
    the block are in :func:`transaction`, so a fault leaves the store as it was.

    Raises
    ------
    StoreError
        With :func:`describe_fault`'s message, chained to the original error.
    """
    try:
        yield
    except StoreError:
        raise
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(describe_fault(path, exc)) from exc
    except Exception as exc:
        cause = exc.__cause__
        if isinstance(cause, sqlite3.Error):  # e.g. pandas.errors.DatabaseError wrapping it
            raise StoreError(describe_fault(path, cause)) from exc
        raise


def _medium_read_only(path: Path) -> bool:
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not os.access(path.parent, os.W_OK)


def _open(path: Path, *, read_only: bool, immutable: bool = True) -> StoreConnection:
    if read_only and not immutable:
        # a store file this account may not write, in a folder where SQLite can still
        # keep its -shm index: plain read-only, so other writers' changes are seen
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
            factory=StoreConnection,
        )
    elif read_only:
        # A WAL store needs its -shm index next to it; on read-only media that file
        # cannot be made, so the store is opened immutable (nobody can write it there).
        # Pending changes in a -wal file would be ignored that way: refuse instead.
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            msg = (
                f"{path}: the store is on read-only media with unsaved changes in {wal.name}; "
                "nothing was changed. Copy the store with its -wal and -shm files to a writable folder"
            )
            raise StoreError(msg)
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        conn = sqlite3.connect(
            uri,
            uri=True,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
            factory=StoreConnection,
        )
    else:
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
            factory=StoreConnection,
        )
    conn.path, conn.read_only = path, read_only
    conn.row_factory = sqlite3.Row
    return conn


def connect(path: str | os.PathLike[str], *, create: bool = True) -> StoreConnection:
    """Open (and on first use create) a project store.

    A store on a read-only medium or in a folder the program cannot write (a WAL store
    copied to a USB stick or a CD, say) is opened read-only: reading works and every
    write fails with a :class:`StoreError` saying so.

    Parameters
    ----------
    path
        SQLite file. Its folder is created when ``create`` is true.
    create
        Create the file when missing; with ``False`` a missing file raises.

    Returns
    -------
    StoreConnection
        In autocommit mode (``isolation_level=None``), WAL journal, foreign keys on,
        rows as :class:`sqlite3.Row`. Use :func:`transaction` for writes.

    Raises
    ------
    StoreError
        One line naming the file: not an SQLite database or damaged, belongs to another
        application, does not exist and ``create`` is false, cannot be created (disk
        full, read-only folder) or opened.
    """
    path = Path(path)
    with store_errors(path):
        if not path.exists():
            if not create:
                msg = f"{path}: store does not exist"
                raise StoreError(msg)
            make_private_dir(path.parent)
            try:
                _create_private(path)
            except OSError:  # read-only folder: reported when SQLite opens it below
                pass
        is_new = not path.exists() or path.stat().st_size == 0
        read_only = not is_new and _medium_read_only(path)
        conn = _open(path, read_only=read_only)
        try:
            try:
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if _primary_code(exc) not in ("SQLITE_CANTOPEN", "SQLITE_READONLY") or read_only:
                    raise
                if _medium_read_only(path):
                    immutable = True
                elif not os.access(path, os.W_OK):
                    immutable = False
                else:
                    raise
                conn.close()
                conn = _open(path, read_only=True, immutable=immutable)
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if conn.read_only:  # info, not warning: a command's output stays one line
                logger.info("store %s opened read-only (%s)", path, _folder_state(path))
            if is_new:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS store_components ("
                    " component TEXT PRIMARY KEY, version INTEGER NOT NULL,"
                    " migrated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))"
                )
            elif app_id != APPLICATION_ID:
                msg = (
                    f"{path}: not a Mali access store (application_id {app_id:#x}); "
                    "refusing to open or overwrite it"
                )
                raise StoreError(msg)
            if not conn.read_only:
                _narrow_modes(path)  # ours (checked above): others must not read it
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            conn.close()
            raise
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block as one write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``).

    The write lock is taken at the start, so two writers queue instead of failing
    half-way; on any exception (in the block or at ``COMMIT``, e.g. a full disk) the
    transaction is rolled back and the exception re-raised, so the store is unchanged.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may already have rolled back (e.g. SQLITE_FULL)
            conn.execute("ROLLBACK")
        raise


def _newer_schema(component: str, current: int, target: int) -> str:
    return (
        f"store component {component!r} is at schema version {current}, newer than "
        f"this program's {target}; upgrade the program, the store was not changed"
    )


def _has_components(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_components'")
    return row.fetchone() is not None


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
    if _has_components(conn):  # read first: a read-only store at the current version is fine
        current = component_version(conn, component)
        if current == target:
            return False
        if current > target:
            raise StoreError(_newer_schema(component, current, target))
    with transaction(conn):
        current = component_version(conn, component)
        if current > target:
            raise StoreError(_newer_schema(component, current, target))
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
