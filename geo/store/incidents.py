"""Incidents in the project store: import log, accepted and rejected rows (component ``incidents``).

Rows come checked from :mod:`geo.sources.incident_files`; importing the same file twice adds
nothing (key: source + event id, or source + a hash of the row's content).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import StoreError
from geo.sources.incident_files import INCIDENT_COLUMNS, CheckResult, Progress, normalise_types
from geo.store.db import (
    SQLITE,
    Dialect,
    connect,
    dialect_of,
    ensure_component,
    insert_row,
    is_server_url,
    store_errors,
    store_exists,
    transaction,
)

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- store


def _migrations(d: Dialect) -> list[list[str]]:
    """Return the schema migrations in a backend's dialect: ``[i]`` takes version i to i + 1."""
    return [
        [
            f"""CREATE TABLE incident_imports (
        {d.key_column("import_id")},
        file_name TEXT NOT NULL, file_sha256 TEXT NOT NULL, format TEXT NOT NULL,
        source TEXT NOT NULL, rows INTEGER NOT NULL, accepted INTEGER NOT NULL,
        added INTEGER NOT NULL, rejected_rows INTEGER NOT NULL, report_json TEXT NOT NULL,
        imported_at TEXT NOT NULL DEFAULT ({d.utc_now_text()}),
        UNIQUE (file_sha256, source))""",
            *d.key_triggers("incident_imports", "import_id"),
            f"""CREATE TABLE incidents (
        incident_id TEXT PRIMARY KEY, source TEXT NOT NULL, source_event_id TEXT NOT NULL,
        date TEXT NOT NULL, date_end TEXT, date_precision TEXT NOT NULL,
        event_type TEXT NOT NULL, sub_event_type TEXT NOT NULL, actor1 TEXT NOT NULL,
        actor2 TEXT NOT NULL, fatalities INTEGER NOT NULL, fatalities_low INTEGER,
        fatalities_high INTEGER, geo_precision INTEGER, geo_precision_src TEXT NOT NULL,
        time_precision_src TEXT NOT NULL, low_precision INTEGER NOT NULL, notes TEXT NOT NULL,
        source_ref TEXT NOT NULL, location TEXT NOT NULL, admin1 TEXT NOT NULL,
        admin2 TEXT NOT NULL, admin3 TEXT NOT NULL, latitude {d.real} NOT NULL,
        longitude {d.real} NOT NULL, restricted INTEGER NOT NULL, licence TEXT NOT NULL,
        content_hash TEXT NOT NULL, row INTEGER NOT NULL, duplicate_of TEXT,
        import_id INTEGER NOT NULL REFERENCES incident_imports(import_id))""",
            "CREATE INDEX incidents_date ON incidents(date)",
            """CREATE TABLE incident_rejects (
        import_id INTEGER NOT NULL REFERENCES incident_imports(import_id),
        row INTEGER NOT NULL, field TEXT NOT NULL, reason TEXT NOT NULL, value TEXT NOT NULL,
        raw_json TEXT NOT NULL, PRIMARY KEY (import_id, row, field, reason))""",
        ]
    ]


#: The SQLite migrations (``len(_MIGRATIONS)`` is the schema version of both backends).
_MIGRATIONS: list[list[str]] = _migrations(SQLITE)


def open_store(path: str | Path) -> sqlite3.Connection:
    """Open (create) the store and make sure the ``incidents`` tables exist.

    Raises
    ------
    StoreError
        The store cannot be opened or migrated (one line naming the file).
    """
    with store_errors(path):
        conn = connect(path)
        try:
            ensure_component(conn, "incidents", _migrations)
        except BaseException:
            conn.close()
            raise
    return conn


def _conn_path(conn: sqlite3.Connection) -> Path:
    return getattr(conn, "path", Path("<store>"))


def _query_frame(conn: sqlite3.Connection, sql: str) -> pd.DataFrame:
    """Run a SELECT and return its rows as a DataFrame (store faults as one-line StoreError)."""
    with store_errors(_conn_path(conn)):
        cur = conn.execute(sql)
        rows = cur.fetchall()
        columns = [d[0] for d in cur.description]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


@dataclass(frozen=True)
class ImportSummary:
    """What :func:`import_checked` did.

    Attributes
    ----------
    import_id
        Row of ``incident_imports`` (the earlier one when the file was imported before).
    added
        Incidents new to the store.
    already_present
        Accepted rows whose ``incident_id`` was already stored.
    rejected_rows
        Rejected rows kept in ``incident_rejects`` for this import.
    repeated_file
        True when the same file (SHA-256) had been imported for this source before.
    """

    import_id: int
    added: int
    already_present: int
    rejected_rows: int
    repeated_file: bool


def _sql_value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, (np.integer, np.bool_, bool)):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def import_checked(
    conn: sqlite3.Connection, result: CheckResult, *, file_sha256: str, progress: Progress | None = None
) -> ImportSummary:
    """Store a checked file's accepted and rejected rows, idempotently.

    Parameters
    ----------
    conn
        Store from :func:`open_store`.
    result
        From :func:`check_table`.
    file_sha256
        Checksum of the file's bytes (import log key with the source).
    progress
        Optional ``(done, total, label)`` callback.

    Returns
    -------
    ImportSummary

    Notes
    -----
    One transaction: a failure (a store fault too: disk full, read-only, damaged, raised
    as a one-line :class:`geo.errors.StoreError`) leaves the store unchanged. Existing ``incident_id``
    values are skipped (``INSERT OR IGNORE``), so re-importing a file, or a later
    export overlapping an earlier one, adds only new events.
    """
    report = result.report()
    dup_of = dict(zip(result.duplicates["incident_id"], result.duplicates["duplicate_of"], strict=True))
    cols = INCIDENT_COLUMNS + ["duplicate_of", "import_id"]
    with store_errors(_conn_path(conn)), transaction(conn):
        row = conn.execute(
            "SELECT import_id FROM incident_imports WHERE file_sha256=? AND source=?",
            (file_sha256, result.source),
        ).fetchone()
        repeated = row is not None
        if repeated:
            import_id = int(row[0])
        else:
            import_id = insert_row(
                conn,
                "incident_imports",
                {
                    "file_name": result.path.name,
                    "file_sha256": file_sha256,
                    "format": result.format,
                    "source": result.source,
                    "rows": int(result.rows),
                    "accepted": len(result.accepted),
                    "added": 0,
                    "rejected_rows": int(report["rejected_rows"]),
                    "report_json": json.dumps(report, ensure_ascii=False),
                },
                "import_id",
            )
        count = "SELECT count(*) FROM incidents"
        before = int(conn.execute(count).fetchone()[0])  # writers queue on the lock: only ours change it
        acc = result.accepted
        total = len(acc)
        batch = 5000
        for start in range(0, total, batch):
            chunk = acc.iloc[start : start + batch]
            rows = [
                [_sql_value(v) for v in rec] + [dup_of.get(rec[0]), import_id]
                for rec in chunk[INCIDENT_COLUMNS].itertuples(index=False, name=None)
            ]
            conn.executemany(
                f"INSERT INTO incidents({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                "ON CONFLICT DO NOTHING",
                rows,
            )
            if progress:
                progress(min(start + batch, total), total, "incidents")
        added = int(conn.execute(count).fetchone()[0]) - before
        raw_by_row = {int(r["row"]): r for r in result.raw_rejected.to_dict("records")}
        rej = [
            (
                import_id,
                int(r.row),
                str(r.field),
                str(r.reason),
                str(r.value),
                json.dumps(
                    {k: str(v) for k, v in raw_by_row.get(int(r.row), {}).items()}, ensure_ascii=False
                ),
            )
            for r in result.rejected.itertuples()
        ]
        if rej:
            conn.executemany("INSERT INTO incident_rejects VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING", rej)
        if not repeated:
            conn.execute("UPDATE incident_imports SET added=? WHERE import_id=?", (added, import_id))
    logger.info(
        "import %s: %d added, %d already present, %d rejected rows",
        result.path.name,
        added,
        total - added,
        report["rejected_rows"],
    )
    return ImportSummary(
        import_id=import_id,
        added=added,
        already_present=total - added,
        rejected_rows=report["rejected_rows"],
        repeated_file=repeated,
    )


def read_store(conn: sqlite3.Connection, *, include_restricted: bool = True) -> pd.DataFrame:
    """Incidents in the store as a normalised DataFrame (plus ``duplicate_of``, ``import_id``)."""
    sql = "SELECT * FROM incidents" + ("" if include_restricted else " WHERE restricted = 0")
    df = _query_frame(conn, sql + " ORDER BY date, incident_id")
    return normalise_types(df)


def read_rejects(conn: sqlite3.Connection) -> pd.DataFrame:
    """Rejected rows kept in the store, with the file they came from."""
    return _query_frame(
        conn,
        "SELECT i.file_name, i.source, r.row, r.field, r.reason, r.value, r.raw_json "
        "FROM incident_rejects r JOIN incident_imports i USING(import_id) "
        "ORDER BY r.import_id, r.row",
    )


def store_token(path: str | Path) -> str:
    """Token that changes whenever incidents are imported into the store at ``path``.

    ``"none"`` when the store does not exist or has no incidents component yet; use it as
    a cache key next to the data folder.
    """
    if not store_exists(path):
        return "none"
    with store_errors(path):
        try:
            conn = connect(path, create=False)
        except StoreError:
            if is_server_url(path):  # a database without store tables yet
                return "none"
            raise
        try:
            if "incident_imports" not in dialect_of(conn).table_names(conn):
                return "none"
            row = conn.execute(
                "SELECT COUNT(*), COALESCE(MAX(import_id), 0) FROM incident_imports"
            ).fetchone()
            n = conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
            return f"{row[0]}:{row[1]}:{n}"
        finally:
            conn.close()


def import_result(
    store_path: str | Path, result: CheckResult, data: bytes, *, progress: Progress | None = None
) -> ImportSummary:
    """Open the store at ``store_path`` and import a checked upload (key: SHA-256 of ``data``)."""
    conn = open_store(store_path)
    try:
        return import_checked(conn, result, file_sha256=hashlib.sha256(data).hexdigest(), progress=progress)
    finally:
        conn.close()
