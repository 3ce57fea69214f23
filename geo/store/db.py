"""The project store: one database shared by every component, SQLite or PostgreSQL/PostGIS.

Two backends behind one API, chosen by the store's *location*:

- a file path: an embedded SQLite database (the default, ``var/store.sqlite``);
- a URL ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?options]``: a PostgreSQL
  server with PostGIS (several app instances and command-line writers on one database;
  QGIS opens the live constraints, :mod:`geo.store.constraints`).

Components (``constraints``, ``incidents``, ``positions``) write their SQL once, with ``?``
placeholders and the dialect's pieces (:class:`Dialect`: key columns, triggers that refuse
a change, null-safe comparisons, table listing); the PostgreSQL connection translates the
placeholders. Each component declares its schema through :func:`ensure_component`; the
store records the versions in ``store_components``. A SQLite store is marked as ours
with SQLite's ``application_id`` (a PostgreSQL one with the table ``store_application``)
so a foreign database is refused, never overwritten. Writes run in explicit transactions
(:func:`transaction`) that take the store's write lock first (SQLite ``BEGIN IMMEDIATE``
in WAL mode; on PostgreSQL a transaction-level advisory lock), so concurrent writers from
several processes queue instead of interleaving their checks, and a process killed
mid-write leaves the database consistent. Pages never issue SQL themselves.

Permissions: the store holds restricted records (armed groups, notes, blockaded
localities). A new store is created owner-only (mode 0600, and SQLite gives its ``-wal``
and ``-shm`` files the same mode); folders the store creates are 0700. An existing store
file of ours that is readable by others is narrowed to 0600 when opened (never a folder
that already existed).
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from geo.errors import StoreError
from geo.text import Keyed

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


# ---------------------------------------------------------------------------- locations

#: URL schemes of a PostgreSQL store.
SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(location: object) -> bool:
    """Return True when ``location`` is a PostgreSQL URL (``postgresql://...``), not a file."""
    return isinstance(location, str) and location.strip().lower().startswith(SERVER_SCHEMES)


def store_location(value: str | os.PathLike[str]) -> Path | str:
    """Normalise a store location: a PostgreSQL URL stays a string, anything else is a :class:`Path`."""
    if is_server_url(value):
        return str(value).strip()
    return Path(value)


def store_exists(location: str | os.PathLike[str] | None) -> bool:
    """Return True when there may be a store to read: the file exists, or a PostgreSQL URL is given."""
    if location is None:
        return False
    loc = store_location(location)
    return isinstance(loc, str) or loc.is_file()


def display_location(location: str | os.PathLike[str]) -> str:
    """Return the location as messages show it: a URL without its password.

    ``postgresql://hawg:secret@db:5432/access`` -> ``postgresql://hawg@db:5432/access``; a
    ``password=`` query parameter is dropped too. A path is returned as it is.
    """
    if not is_server_url(location):
        return str(location)
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(str(location).strip())
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


# ---------------------------------------------------------------------------- dialects


class Dialect:
    """The SQL that differs between the backends; components write the rest once.

    Attributes
    ----------
    name
        ``"sqlite"`` or ``"postgresql"``.
    real
        Column type of a double-precision number (SQLite ``REAL`` is 8 bytes; PostgreSQL
        ``real`` is 4, so ``DOUBLE PRECISION`` there).
    spatial
        True when the backend has PostGIS geometry (views QGIS can open).
    """

    name = "sqlite"
    real = "REAL"
    spatial = False

    def key_column(self, column: str) -> str:
        """Column definition of an integer key numbered 1, 2, ... in insertion order, never reused."""
        return f"{column} INTEGER PRIMARY KEY AUTOINCREMENT"

    def key_triggers(self, table: str, column: str) -> list[str]:
        """Statements that number :meth:`key_column` (none on SQLite: AUTOINCREMENT does)."""
        return []

    def utc_now_text(self) -> str:
        """Return the SQL expression of the current UTC time as text ``YYYY-MM-DDTHH:MM:SSZ``."""
        return "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

    def same(self, a: str, b: str) -> str:
        """Null-safe equality of two SQL expressions (NULL equals NULL)."""
        return f"{a} IS {b}"

    def differs(self, a: str, b: str) -> str:
        """Null-safe inequality of two SQL expressions."""
        return f"{a} IS NOT {b}"

    def refuse(self, name: str, table: str, event: str, message: str, when: str | None = None) -> list[str]:
        """Trigger statements that refuse ``event`` (INSERT, UPDATE, DELETE) on ``table``.

        Parameters
        ----------
        name
            Trigger name (unique in the store).
        table
            Table guarded.
        event
            ``INSERT``, ``UPDATE`` or ``DELETE``.
        message
            Error text the refused statement fails with (no quote characters).
        when
            Condition on ``NEW``/``OLD`` under which the statement is refused; None always.
        """
        cond = f"WHEN {when} " if when else ""
        return [
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} {cond}"
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        ]

    def append_only(self, table: str, on_update: str, on_delete: str) -> list[str]:
        """Triggers that make ``table`` append-only: UPDATE and DELETE (and TRUNCATE) refused.

        Parameters
        ----------
        table
            History table.
        on_update, on_delete
            Messages of a refused UPDATE and of a refused DELETE (or TRUNCATE).
        """
        return [
            *self.refuse(f"{table}_no_update", table, "UPDATE", on_update),
            *self.refuse(f"{table}_no_delete", table, "DELETE", on_delete),
        ]

    def table_names(self, conn: object) -> set[str]:
        """Names of the tables of the store (views excluded)."""
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()  # type: ignore[attr-defined]
        return {r[0] for r in rows}


class PostgresDialect(Dialect):
    """PostgreSQL 13+ with PostGIS 3 (tables in the connection's ``search_path``)."""

    name = "postgresql"
    real = "DOUBLE PRECISION"
    spatial = True

    def key_column(self, column: str) -> str:  # noqa: D102
        return f"{column} INTEGER PRIMARY KEY"

    def key_triggers(self, table: str, column: str) -> list[str]:
        """Return a trigger numbering the key max + 1 (writers hold the write lock, :func:`transaction`).

        A sequence would leave gaps after a refused insert; SQLite's AUTOINCREMENT does
        not, and the history's version ids stay identical on both backends.
        """
        return [
            f"CREATE FUNCTION {table}_{column}_next() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.{column} IS NULL THEN "
            f"SELECT coalesce(max({column}), 0) + 1 INTO NEW.{column} FROM {table}; END IF; "
            "RETURN NEW; END $$",
            f"CREATE TRIGGER {table}_{column}_next BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_{column}_next()",
        ]

    def utc_now_text(self) -> str:  # noqa: D102
        return "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

    def same(self, a: str, b: str) -> str:  # noqa: D102
        return f"{a} IS NOT DISTINCT FROM {b}"

    def differs(self, a: str, b: str) -> str:  # noqa: D102
        return f"{a} IS DISTINCT FROM {b}"

    def refuse(  # noqa: D102
        self, name: str, table: str, event: str, message: str, when: str | None = None
    ) -> list[str]:
        row = "OLD" if event == "DELETE" else "NEW"
        check = f"IF {when} THEN " if when else ""
        end = " END IF;" if when else ""
        level = "STATEMENT" if event == "TRUNCATE" else "ROW"
        # SQLSTATE 23000 (integrity_constraint_violation), as SQLite's RAISE(ABORT) is SQLITE_CONSTRAINT
        return [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{check}RAISE EXCEPTION '{message}' USING ERRCODE = '23000';{end} "
            f"RETURN {row if level == 'ROW' else 'NULL'}; END $$",
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH {level} EXECUTE FUNCTION {name}()",
        ]

    def append_only(self, table: str, on_update: str, on_delete: str) -> list[str]:  # noqa: D102
        return [
            *super().append_only(table, on_update, on_delete),
            *self.refuse(f"{table}_no_truncate", table, "TRUNCATE", on_delete),
        ]

    def table_names(self, conn: object) -> set[str]:  # noqa: D102
        rows = conn.execute(  # type: ignore[attr-defined]
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') "
            "AND relnamespace = current_schema()::regnamespace"
        ).fetchall()
        return {r[0] for r in rows}


SQLITE, POSTGRES = Dialect(), PostgresDialect()


def dialect_of(conn: object) -> Dialect:
    """Return the dialect of a store connection (a plain :class:`sqlite3.Connection` is SQLite)."""
    return getattr(conn, "dialect", SQLITE)


def insert_row(conn: object, table: str, row: dict[str, object], key: str) -> int:
    """Insert one row and return its key (``lastrowid`` on SQLite, ``RETURNING`` on PostgreSQL).

    Parameters
    ----------
    conn
        Open store connection, inside :func:`transaction`.
    table
        Table name.
    row
        Column -> value (Python ``str``, ``int``, ``float`` or None).
    key
        Key column filled by the store (:meth:`Dialect.key_column`).

    Returns
    -------
    int
        The new row's key.
    """
    cols = list(row)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    values = [row[c] for c in cols]
    if dialect_of(conn).name == "postgresql":
        return int(conn.execute(f"{sql} RETURNING {key}", values).fetchone()[0])  # type: ignore[attr-defined]
    return int(conn.execute(sql, values).lastrowid)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- PostgreSQL connection


class PgRow(tuple):
    """A result row read by position or by column name, like :class:`sqlite3.Row` (``dict(row)`` works)."""

    _names: dict[str, int]

    def __new__(cls, names: dict[str, int], values: Sequence[object]) -> PgRow:  # noqa: D102
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: object) -> object:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)  # type: ignore[index]

    def keys(self) -> list[str]:
        """Column names, in order."""
        return list(self._names)


def _pg_row_factory(cursor: object) -> object:
    desc = getattr(cursor, "description", None)
    names = {d.name: i for i, d in enumerate(desc or ())}
    return lambda values: PgRow(names, values)


@functools.lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    """Translate ``?`` placeholders to psycopg's ``%s`` (``%`` doubled), outside quoted text."""
    out, quote = [], ""
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append("%%" if ch == "%" else ch)
    return "".join(out)


class PgCursor:
    """The cursor a :class:`PgConnection` returns: ``fetchone``, ``fetchall``, iteration, ``rowcount``."""

    def __init__(self, cursor: object) -> None:
        self._cur = cursor

    def fetchone(self) -> PgRow | None:  # noqa: D102
        return self._cur.fetchone() if self._cur.description else None  # type: ignore[attr-defined]

    def fetchall(self) -> list[PgRow]:  # noqa: D102
        return self._cur.fetchall() if self._cur.description else []  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[PgRow]:
        return iter(self.fetchall())

    @property
    def description(self) -> list[tuple[str, ...]] | None:  # noqa: D102
        desc = self._cur.description  # type: ignore[attr-defined]
        return None if desc is None else [(d.name,) for d in desc]

    @property
    def rowcount(self) -> int:  # noqa: D102
        return int(self._cur.rowcount)  # type: ignore[attr-defined]


class PgConnection:
    """A PostgreSQL store connection with the part of the :class:`sqlite3.Connection` API the components use.

    Autocommit outside :func:`transaction` (like the SQLite store's ``isolation_level=None``);
    statements take ``?`` placeholders.

    Attributes
    ----------
    path
        The store's location as messages show it (URL without password).
    read_only
        Always False (a read-only server fails the write with a one-line message).
    dialect
        :data:`POSTGRES`.
    """

    dialect = POSTGRES
    read_only = False

    def __init__(self, raw: object, location: str) -> None:
        self._raw = raw
        self.location = location
        self.path = display_location(location)

    def execute(self, sql: str, params: Sequence[object] | None = None) -> PgCursor:
        """Run one statement (``?`` placeholders) and return its cursor."""
        if not params:
            return PgCursor(self._raw.execute(sql))  # type: ignore[attr-defined]
        return PgCursor(self._raw.execute(_pg_sql(sql), list(params)))  # type: ignore[attr-defined]

    def executemany(self, sql: str, seq: object) -> PgCursor:
        """Run one statement for each parameter row."""
        cur = self._raw.cursor()  # type: ignore[attr-defined]
        cur.executemany(_pg_sql(sql), [list(p) for p in seq])  # type: ignore[attr-defined]
        return PgCursor(cur)

    @property
    def in_transaction(self) -> bool:
        """True between ``BEGIN`` and ``COMMIT``/``ROLLBACK`` (also after a failed statement)."""
        from psycopg.pq import TransactionStatus

        return self._raw.info.transaction_status != TransactionStatus.IDLE  # type: ignore[attr-defined]

    def commit(self) -> None:
        """Commit an open transaction (no-op in autocommit, as on a SQLite store)."""
        if self.in_transaction:
            self._raw.execute("COMMIT")  # type: ignore[attr-defined]

    def close(self) -> None:  # noqa: D102
        self._raw.close()  # type: ignore[attr-defined]

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _psycopg() -> object:
    try:
        import psycopg
    except ImportError as exc:
        msg = (
            "a PostgreSQL store needs the psycopg package: pip install 'mali-access[server]' "
            "(or pip install 'psycopg[binary]')"
        )
        raise StoreError(Keyed(msg, "err.store_psycopg")) from exc
    return psycopg


def _driver_errors() -> tuple[type[BaseException], ...]:
    try:
        import psycopg
    except ImportError:
        return (sqlite3.Error, OSError)
    return (sqlite3.Error, OSError, psycopg.Error)


#: PostgreSQL SQLSTATE (exact code, else its two-character class) -> what it means for the advisor.
_PG_FAULTS = {
    "08": "cannot reach the PostgreSQL server ({detail}); nothing was changed. Check the URL, that the "
    "server runs and that it accepts connections from this machine",
    "28": "the PostgreSQL server refused the login ({detail}); nothing was changed. Check the user and "
    "password of the store URL",
    "3D000": "the database does not exist ({detail}); nothing was changed. Create it (createdb NAME) "
    "or fix the store URL",
    "53100": "the disk of the PostgreSQL server is full; nothing was saved and the store is unchanged. "
    "Ask the server's administrator to free space",
    "53": "the PostgreSQL server is out of resources ({detail}); nothing was saved, try again",
    "25006": "the database is read-only ({detail}; a standby server?); nothing was saved. Reading still "
    "works; to save, point the store URL at the primary server",
    "42501": "permission denied on the PostgreSQL store ({detail}); nothing was changed. Grant this "
    "user rights on the store's tables, or use the store owner's account",
    "55P03": f"another program held the store's write lock for more than {BUSY_TIMEOUT_S:.0f} s; "
    "nothing was saved, try again",
    "40": "the server cancelled the write to resolve a conflict with another writer ({detail}); nothing "
    "was saved, try again",
    "57": "the PostgreSQL server stopped or cancelled the request ({detail}); nothing was saved, try again",
    "23": "refused by the store's checks ({detail}); nothing was saved",
    "XX": "internal error or damaged data on the PostgreSQL server ({detail}); nothing was changed. "
    "Ask the server's administrator to check the database",
}


def _describe_pg_fault(location: str | os.PathLike[str], exc: BaseException) -> str:
    detail = " ".join(str(exc).split()) or type(exc).__name__
    code = getattr(exc, "sqlstate", None) or ""
    if not code and type(exc).__name__ == "OperationalError":
        # no SQLSTATE: the connection itself failed; libpq's message says why
        low = detail.lower()
        if "database" in low and "does not exist" in low:
            code = "3D000"
        elif "authentication failed" in low or "pg_hba.conf" in low or "password" in low:
            code = "28"
        else:
            code = "08"
    found = code if code in _PG_FAULTS else code[:2] if code[:2] in _PG_FAULTS else ""
    template = _PG_FAULTS.get(found, "store error ({detail}); nothing was saved")
    where = display_location(location)
    text = Keyed(template.format(detail=detail), f"err.store.pg_{found or 'other'}".lower(), detail=detail)
    return Keyed(f"{where}: {text}", "err.store_fault", where=where, text=text)


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
        return Keyed(f"its folder {folder} does not exist", "err.store_why.no_folder", folder=str(folder))
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return Keyed(
                f"{folder} is on a read-only file system", "err.store_why.read_only", folder=str(folder)
            )
    except OSError:
        pass
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return Keyed("no write permission on the file or its folder", "err.store_why.permission")
    return Keyed("it could not be written", "err.store_why.unwritable")


def describe_fault(path: str | os.PathLike[str], exc: BaseException) -> str:
    """One line telling what a store fault means and what to do, naming the file.

    Parameters
    ----------
    path
        Store file or PostgreSQL URL (shown without its password).
    exc
        The :class:`sqlite3.Error`, :class:`psycopg.Error` (or :class:`OSError`) raised.

    Returns
    -------
    str
        ``"<path>: <what happened>; <what was kept>. <what to do>"`` on one line.
    """
    if is_server_url(path):
        return _describe_pg_fault(path, exc)
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
    why = _folder_state(path)
    key = f"err.store.{(code if code in _FAULTS else 'unknown').lower()}"
    text = Keyed(template.format(why=why, detail=detail), key, why=why, detail=detail)
    return Keyed(f"{path}: {text}", "err.store_fault", where=str(path), text=text)


@contextmanager
def store_errors(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn SQLite, PostgreSQL and file-system faults inside the block into one-line :class:`StoreError`.

    Use around every store operation an advisor or a command triggers; writes inside
    the block are in :func:`transaction`, so a fault leaves the store as it was.

    Raises
    ------
    StoreError
        With :func:`describe_fault`'s message, chained to the original error.
    """
    errors = _driver_errors()
    try:
        yield
    except StoreError:
        raise
    except errors as exc:
        raise StoreError(describe_fault(path, exc)) from exc
    except Exception as exc:
        cause = exc.__cause__
        if isinstance(cause, errors):  # e.g. pandas.errors.DatabaseError wrapping it
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
            raise StoreError(Keyed(msg, "err.store_wal_read_only", path=str(path), wal=wal.name))
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


def connect(path: str | os.PathLike[str], *, create: bool = True) -> StoreConnection | PgConnection:
    """Open (and on first use create) a project store.

    A store on a read-only medium or in a folder the program cannot write (a WAL store
    copied to a USB stick or a CD, say) is opened read-only: reading works and every
    write fails with a :class:`StoreError` saying so.

    Parameters
    ----------
    path
        SQLite file (its folder is created when ``create`` is true), or a PostgreSQL URL
        ``postgresql://...`` (:func:`is_server_url`): the database must exist; its store
        tables are created in the connection's current schema on first use.
    create
        Create the file when missing; with ``False`` a missing file raises (a PostgreSQL
        store is then not marked as ours either).

    Returns
    -------
    StoreConnection or PgConnection
        In autocommit mode (``isolation_level=None``), WAL journal, foreign keys on,
        rows as :class:`sqlite3.Row` (PostgreSQL: rows read by position or name too).
        Use :func:`transaction` for writes.

    Raises
    ------
    StoreError
        One line naming the file (or the URL without its password): not an SQLite
        database or damaged, belongs to another application, does not exist and
        ``create`` is false, cannot be created (disk full, read-only folder) or opened;
        the server cannot be reached or refuses the login; psycopg is not installed.
    """
    if is_server_url(path):
        return _connect_pg(str(path), create=create)
    path = Path(path)
    with store_errors(path):
        if not path.exists():
            if not create:
                msg = f"{path}: store does not exist"
                raise StoreError(Keyed(msg, "err.store_missing", path=str(path)))
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
                _initialise_sqlite(conn)
            elif app_id != APPLICATION_ID:
                msg = (
                    f"{path}: not a Mali access store (application_id {app_id:#x}); "
                    "refusing to open or overwrite it"
                )
                raise StoreError(Keyed(msg, "err.store_not_ours", path=str(path), id=f"{app_id:#x}"))
            if not conn.read_only:
                _narrow_modes(path)  # ours (checked above): others must not read it
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            conn.close()
            raise
    return conn


def _initialise_sqlite(conn: sqlite3.Connection) -> None:
    """Mark a new SQLite store as ours, in WAL mode, with its components table (idempotent).

    Two writers may create the same new store at once (two advisors' first saves): the
    switch to WAL answers ``SQLITE_BUSY`` at once, without waiting, while the other
    connection creates it. Each step is repeated for up to :data:`BUSY_TIMEOUT_S` s until
    it goes through; every step can run twice.
    """
    import time

    steps = (
        f"PRAGMA application_id = {APPLICATION_ID}",
        "PRAGMA journal_mode = WAL",
        "CREATE TABLE IF NOT EXISTS store_components ("
        " component TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " migrated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))",
    )
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    for sql in steps:
        while True:
            try:
                conn.execute(sql)
                break
            except sqlite3.OperationalError as exc:
                if _primary_code(exc) not in ("SQLITE_BUSY", "SQLITE_LOCKED") or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


#: Key of the PostgreSQL advisory lock every store writer takes (:func:`transaction`).
WRITE_LOCK_KEY = APPLICATION_ID


def _connect_pg(url: str, *, create: bool) -> PgConnection:
    """Open a PostgreSQL store; on first use mark the database (``store_application``)."""
    psycopg = _psycopg()
    with store_errors(url):
        raw = psycopg.connect(  # type: ignore[attr-defined]
            url,
            autocommit=True,
            row_factory=_pg_row_factory,
            connect_timeout=int(BUSY_TIMEOUT_S),
            application_name="mali-access",
        )
        conn = PgConnection(raw, url)
        try:
            conn.execute(f"SET lock_timeout = '{int(BUSY_TIMEOUT_S * 1000)}ms'")
            conn.execute("SET client_min_messages = warning")  # no NOTICE chatter on "IF NOT EXISTS"
            tables = POSTGRES.table_names(conn)
            if "store_application" in tables:
                row = conn.execute("SELECT application_id FROM store_application").fetchone()
                app_id = int(row[0]) if row else 0
            else:
                app_id = 0 if "store_components" in tables else None
            if app_id is None and create:
                with transaction(conn):
                    if "store_application" not in POSTGRES.table_names(conn):
                        conn.execute("CREATE TABLE store_application (application_id INTEGER NOT NULL)")
                        conn.execute("INSERT INTO store_application VALUES (?)", (APPLICATION_ID,))
                        conn.execute(
                            "CREATE TABLE IF NOT EXISTS store_components ("
                            " component TEXT PRIMARY KEY, version INTEGER NOT NULL,"
                            f" migrated_at TEXT NOT NULL DEFAULT ({POSTGRES.utc_now_text()}))"
                        )
            elif app_id is None:
                msg = f"{conn.path}: store does not exist (no store tables in this database)"
                raise StoreError(Keyed(msg, "err.store_no_tables", path=str(conn.path)))
            elif app_id != APPLICATION_ID:
                msg = (
                    f"{conn.path}: not a Mali access store (application_id {app_id:#x}); "
                    "refusing to open or overwrite it"
                )
                raise StoreError(Keyed(msg, "err.store_not_ours", path=str(conn.path), id=f"{app_id:#x}"))
        except BaseException:
            conn.close()
            raise
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection | PgConnection) -> Iterator[sqlite3.Connection | PgConnection]:
    """Run a block as one write transaction holding the store's write lock.

    SQLite: ``BEGIN IMMEDIATE`` ... ``COMMIT``. PostgreSQL: ``BEGIN``, then the
    transaction-level advisory lock :data:`WRITE_LOCK_KEY` (waits at most
    :data:`BUSY_TIMEOUT_S` s), ``COMMIT``. The write lock is taken at the start, so two
    writers queue instead of failing half-way, and the checks a write makes (``based_on``,
    ``supersedes``, repeats) see every version committed before it; on any exception (in
    the block or at ``COMMIT``, e.g. a full disk) the transaction is rolled back and the
    exception re-raised, so the store is unchanged. Readers are never blocked.
    """
    if dialect_of(conn).name == "postgresql":
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK_KEY,))
        except BaseException:
            _rollback_quietly(conn)
            raise
    else:
        conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        _rollback_quietly(conn)
        raise


def _rollback_quietly(conn: sqlite3.Connection | PgConnection) -> None:
    """Roll back if a transaction is open (SQLite may already have, e.g. on SQLITE_FULL).

    A connection the server dropped cannot roll back: the server discards the transaction.
    """
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except _driver_errors():
        if dialect_of(conn).name != "postgresql":
            raise


def _newer_schema(component: str, current: int, target: int) -> str:
    text = (
        f"store component {component!r} is at schema version {current}, newer than "
        f"this program's {target}; upgrade the program, the store was not changed"
    )
    return Keyed(text, "err.store_newer", component=repr(component), current=current, target=target)


def _has_components(conn: sqlite3.Connection | PgConnection) -> bool:
    return "store_components" in dialect_of(conn).table_names(conn)


def component_version(conn: sqlite3.Connection | PgConnection, component: str) -> int:
    """Return the schema version of ``component`` in this store, 0 when absent."""
    row = conn.execute("SELECT version FROM store_components WHERE component = ?", (component,)).fetchone()
    return int(row[0]) if row else 0


Migrations = Sequence[Sequence[str]] | Callable[[Dialect], Sequence[Sequence[str]]]


def ensure_component(conn: sqlite3.Connection | PgConnection, component: str, migrations: Migrations) -> bool:
    """Create or migrate one component's tables.

    Parameters
    ----------
    conn
        An open store.
    component
        Component name, e.g. ``"constraints"``.
    migrations
        ``migrations[i]`` is the list of SQL statements taking the component from
        version ``i`` to ``i + 1``. The current version is ``len(migrations)``. A
        function of the :class:`Dialect` returning that list when the statements differ
        between the backends (the same number of versions on both).

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
    dialect = dialect_of(conn)
    if callable(migrations):
        migrations = migrations(dialect)
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
            f"migrated_at = {dialect.utc_now_text()}",
            (component, target),
        )
    logger.info("store: %s migrated from v%d to v%d", component, current, target)
    return True
