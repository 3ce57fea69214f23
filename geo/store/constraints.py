"""Live constraints: dated, audited road status and encircled localities in the store.

Advisors record changes; every change is a new row (a *version*). History is
append-only: the tables refuse UPDATE and DELETE (triggers in the database, SQLite or
PostgreSQL, :meth:`geo.store.db.Dialect.append_only`), and a correction
is a new version whose ``supersedes`` column names the version it replaces. The state
on any date is rebuilt from the non-superseded versions with the as-of rules of
:mod:`geo.sources.curated` (:func:`geo.sources.curated.road_status_as_of`,
:func:`geo.sources.curated.encircled_as_of`); validation is :mod:`geo.sources.curated`'s too.

Tables (component ``constraints`` of :mod:`geo.store.db`, schema version 1)
-----------------------------------------------------------------------
``constraint_road_status``
    One row per road-status version: ``version_id`` (autoincrement), the columns of
    ``geo.sources.curated.ROAD_STATUS_COLUMNS`` (dates as ISO text, ``valid_to`` NULL when
    open-ended), ``supersedes`` (version id or NULL), ``origin`` {seed, user}.
``constraint_encircled``
    One row per version of an encirclement *episode*: ``version_id``, ``episode_id``
    (stable across the versions of one episode, ``locality@since`` of its first
    version), the columns of ``geo.sources.curated.ENCIRCLED_COLUMNS`` (``radius_km`` NULL =
    project default), ``adm3_pcode`` (COD-AB 2015 commune containing the point, by a
    spatial join to :func:`geo.sources.admin.load_admin` level 3; NULL when no boundaries were
    available), ``confidence`` (of the report; {low, medium, high} or NULL),
    ``supersedes``, ``origin``.
``constraint_crossing_status`` (schema version 2)
    One row per river-crossing status version: the road-status columns with
    ``crossing_id`` for ``axis_id`` (``geo.sources.curated.CROSSING_STATUS_COLUMNS``),
    ``supersedes``, ``origin``; append-only, same as-of rule as axes.
``constraint_incident_link`` (schema version 3)
    One row per incident turned into a constraint version: ``link_id``, ``incident_id``,
    ``incident_date``, ``incident_source`` (as the incident layer gives them), ``amrf``
    (its AMRF category), ``kind`` {road_status, encirclement}, ``target`` (axis id or
    episode id), ``version_id`` (the version written with it, in the same transaction),
    ``linked_by``, ``linked_at``. Append-only.
``constraint_meta``
    Key/value: ``seeded_at``, ``seed_road_status``, ``seed_encircled``,
    ``seed_rejected``, ``seeded_crossings`` (crossing statuses are seeded from
    ``crossing_status.csv`` once, also into stores created before schema version 2).

Schema version 2 also adds ``escort_kmh`` (REAL, NULL = none) to the road-status table:
the escorted/convoy speed of a constrained axis, km/h.

On first use the store is seeded from ``data/curated/road_status.csv`` and
``encircled.csv`` (valid rows; rejected rows are logged with file, row and field and
counted in ``seed_rejected``). ``recorded_at`` of new versions is UTC,
``YYYY-MM-DDTHH:MM:SSZ``.

Every function takes the store location (a SQLite file or a ``postgresql://`` URL,
:mod:`geo.store.db`) and opens its own connection, so it is safe to call from several
threads (Streamlit sessions), processes or servers at once; writes are transactions that
hold the store's write lock (:func:`geo.store.db.transaction`), so the ``based_on`` and
``supersedes`` checks see every version committed before them.

PostGIS (PostgreSQL stores only; component ``constraints_gis``)
--------------------------------------------------------------
``constraint_axes`` (axis lines straight through the waypoints of ``axes.csv``) and
``constraint_crossings`` (points of ``crossings.csv``), EPSG:4326, reloaded when those
files change; the views ``live_road_status``, ``live_crossing_status`` and
``live_encircled`` (with its ``no_entry_zone`` disc) give the constraints in force on the
server's current date (UTC) by the as-of rules above, for QGIS.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.config import CURATED_DIR, DEFAULT_NO_ENTRY_RADIUS_KM, STORAGE_CRS
from geo.errors import AccessMapError, DataFileError, StoreError
from geo.sources import curated
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
from geo.text import Keyed, joined
from geo.vocab import CAUSE, CONFIDENCE, ENCIRCLED_STATUS, ROAD_STATUS

logger = logging.getLogger(__name__)

COMPONENT = "constraints"
ROAD_TABLE = "constraint_road_status"
ENCIRCLED_TABLE = "constraint_encircled"
META_TABLE = "constraint_meta"

#: Columns added to the curated schemas by the store (both modes of :func:`load_versions`).
CROSSING_TABLE = "constraint_crossing_status"
#: Incident -> constraint links (schema version 3), append-only like the history.
LINK_TABLE = "constraint_incident_link"
ROAD_EXTRA_COLUMNS = ["version_id", "supersedes", "origin"]
ENCIRCLED_EXTRA_COLUMNS = ["episode_id", "adm3_pcode", "confidence", "version_id", "supersedes", "origin"]


def _append_only(d: Dialect, table: str) -> list[str]:
    return d.append_only(
        table,
        "constraint history is append-only: write a new version",
        "constraint history is append-only: nothing is deleted",
    )


def migrations(d: Dialect) -> list[list[str]]:
    """Return the schema migrations in a backend's dialect: ``[i]`` takes version i to i + 1.

    The same tables, checks (:meth:`geo.vocab.Vocab.sql_in`), append-only triggers and
    version numbers on both backends; only the dialect's pieces differ.
    """
    return [
        [
            f"""CREATE TABLE {ROAD_TABLE} (
            {d.key_column("version_id")},
            axis_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK ({ROAD_STATUS.sql_in("status")}),
            status_raw TEXT NOT NULL DEFAULT '',
            cause TEXT NOT NULL CHECK ({CAUSE.sql_in("cause")}),
            valid_from TEXT NOT NULL,
            valid_to TEXT,
            confidence TEXT NOT NULL CHECK ({CONFIDENCE.sql_in("confidence")}),
            source TEXT NOT NULL CHECK (source <> ''),
            note TEXT NOT NULL DEFAULT '',
            recorded_by TEXT NOT NULL CHECK (recorded_by <> ''),
            recorded_at TEXT NOT NULL,
            supersedes INTEGER REFERENCES {ROAD_TABLE}(version_id),
            origin TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('seed','user')),
            CHECK (valid_to IS NULL OR valid_to >= valid_from)
        )""",
            f"CREATE INDEX {ROAD_TABLE}_axis ON {ROAD_TABLE}(axis_id)",
            f"CREATE UNIQUE INDEX {ROAD_TABLE}_supersedes ON {ROAD_TABLE}(supersedes) "
            "WHERE supersedes IS NOT NULL",
            *d.key_triggers(ROAD_TABLE, "version_id"),
            *_append_only(d, ROAD_TABLE),
            f"""CREATE TABLE {ENCIRCLED_TABLE} (
            {d.key_column("version_id")},
            episode_id TEXT NOT NULL,
            locality TEXT NOT NULL CHECK (locality <> ''),
            lon {d.real} NOT NULL,
            lat {d.real} NOT NULL,
            coord_confidence TEXT NOT NULL CHECK ({CONFIDENCE.sql_in("coord_confidence")}),
            status TEXT NOT NULL CHECK ({ENCIRCLED_STATUS.sql_in("status")}),
            since TEXT NOT NULL,
            until TEXT,
            last_confirmed TEXT,
            armed_group TEXT NOT NULL DEFAULT '',
            radius_km {d.real},
            public INTEGER NOT NULL CHECK (public IN (0, 1)),
            adm3_pcode TEXT,
            confidence TEXT CHECK (confidence IS NULL OR {CONFIDENCE.sql_in("confidence")}),
            source TEXT NOT NULL CHECK (source <> ''),
            note TEXT NOT NULL DEFAULT '',
            recorded_by TEXT NOT NULL CHECK (recorded_by <> ''),
            recorded_at TEXT NOT NULL,
            supersedes INTEGER REFERENCES {ENCIRCLED_TABLE}(version_id),
            origin TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('seed','user')),
            CHECK (until IS NULL OR until >= since)
        )""",
            f"CREATE INDEX {ENCIRCLED_TABLE}_episode ON {ENCIRCLED_TABLE}(episode_id)",
            f"CREATE INDEX {ENCIRCLED_TABLE}_locality ON {ENCIRCLED_TABLE}(locality)",
            f"CREATE UNIQUE INDEX {ENCIRCLED_TABLE}_supersedes ON {ENCIRCLED_TABLE}(supersedes) "
            "WHERE supersedes IS NOT NULL",
            *d.key_triggers(ENCIRCLED_TABLE, "version_id"),
            *_append_only(d, ENCIRCLED_TABLE),
            f"CREATE TABLE {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ],
        [
            f"ALTER TABLE {ROAD_TABLE} ADD COLUMN escort_kmh {d.real} "
            "CHECK (escort_kmh IS NULL OR escort_kmh > 0)",
            f"""CREATE TABLE {CROSSING_TABLE} (
            {d.key_column("version_id")},
            crossing_id TEXT NOT NULL CHECK (crossing_id <> ''),
            status TEXT NOT NULL CHECK ({ROAD_STATUS.sql_in("status")}),
            status_raw TEXT NOT NULL DEFAULT '',
            cause TEXT NOT NULL CHECK ({CAUSE.sql_in("cause")}),
            valid_from TEXT NOT NULL,
            valid_to TEXT,
            confidence TEXT NOT NULL CHECK ({CONFIDENCE.sql_in("confidence")}),
            source TEXT NOT NULL CHECK (source <> ''),
            note TEXT NOT NULL DEFAULT '',
            recorded_by TEXT NOT NULL CHECK (recorded_by <> ''),
            recorded_at TEXT NOT NULL,
            supersedes INTEGER REFERENCES {CROSSING_TABLE}(version_id),
            origin TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('seed','user')),
            CHECK (valid_to IS NULL OR valid_to >= valid_from)
        )""",
            f"CREATE INDEX {CROSSING_TABLE}_crossing ON {CROSSING_TABLE}(crossing_id)",
            f"CREATE UNIQUE INDEX {CROSSING_TABLE}_supersedes ON {CROSSING_TABLE}(supersedes) "
            "WHERE supersedes IS NOT NULL",
            *d.key_triggers(CROSSING_TABLE, "version_id"),
            *_append_only(d, CROSSING_TABLE),
        ],
        [
            f"""CREATE TABLE {LINK_TABLE} (
            {d.key_column("link_id")},
            incident_id TEXT NOT NULL CHECK (incident_id <> ''),
            incident_date TEXT NOT NULL,
            incident_source TEXT NOT NULL CHECK (incident_source <> ''),
            amrf TEXT NOT NULL CHECK (amrf <> ''),
            kind TEXT NOT NULL CHECK (kind IN ('road_status', 'encirclement')),
            target TEXT NOT NULL CHECK (target <> ''),
            version_id INTEGER NOT NULL,
            linked_by TEXT NOT NULL CHECK (linked_by <> ''),
            linked_at TEXT NOT NULL
        )""",
            f"CREATE INDEX {LINK_TABLE}_incident ON {LINK_TABLE}(incident_id)",
            *d.key_triggers(LINK_TABLE, "link_id"),
            *_append_only(d, LINK_TABLE),
        ],
    ]


#: The SQLite migrations (``len(MIGRATIONS)`` is the schema version of both backends).
MIGRATIONS: list[list[str]] = migrations(SQLITE)

_ROAD_DB_COLUMNS = [*curated.ROAD_STATUS_COLUMNS, "supersedes", "origin"]
_ENC_DB_COLUMNS = [
    "episode_id",
    *curated.ENCIRCLED_COLUMNS,
    "adm3_pcode",
    "confidence",
    "supersedes",
    "origin",
]


@dataclass(frozen=True)
class ConstraintVersions:
    """Every non-superseded constraint version.

    Attributes
    ----------
    road_status
        Schema of ``geo.sources.curated.read_road_status().valid`` (``valid_from``/``valid_to``
        as ``datetime.date``, ``valid_to`` None when open-ended) plus ``version_id``,
        ``supersedes`` and ``origin``; rows in recording order.
    encircled
        Schema of ``geo.sources.curated.read_encircled().valid`` (Point, EPSG:4326) plus
        ``episode_id``, ``adm3_pcode``, ``confidence``, ``version_id``, ``supersedes``
        and ``origin``; one row per episode.
    crossing_status
        River-crossing status versions: the road-status schema with ``crossing_id``
        (``geo.sources.curated.read_crossing_status().valid``) plus ``version_id``,
        ``supersedes`` and ``origin``.
    """

    road_status: pd.DataFrame
    encircled: gpd.GeoDataFrame
    crossing_status: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=[*curated.CROSSING_STATUS_COLUMNS, *ROAD_EXTRA_COLUMNS])
    )


@dataclass(frozen=True)
class WriteResult:
    """What a write stored.

    Attributes
    ----------
    version_id
        Id of the new version.
    supersedes
        Version it replaces, or None.
    recorded_at
        UTC timestamp written.
    """

    version_id: int
    supersedes: int | None
    recorded_at: str


#: Reason of a required value left empty (the row checker's, ``geo.sources.curated``).
REQUIRED = Keyed("required value is empty", "err.required_empty")


class ConflictError(AccessMapError, RuntimeError):
    """A save was based on a version of an axis or episode that someone has changed since.

    Optimistic concurrency: a form remembers the version it was loaded from
    (:func:`axis_head`, :func:`episode_head`) and names it in the save (``based_on``);
    if another advisor saved a change to the same item in between, nothing is written
    and this error shows the newer version instead of silently layering one change on
    the other.

    Attributes
    ----------
    item
        Axis id or episode id.
    based_on
        Version the save was based on (0: no version existed).
    current
        The newer version (a row of the history as a dict: ``version_id``,
        ``recorded_by``, ``recorded_at`` and the item's fields).
    """

    def __init__(
        self,
        item: str,
        based_on: int,
        current: dict[str, object],
        summary: str,
        numbers: tuple[int, int] | None = None,
    ) -> None:
        self.item, self.based_on, self.current = item, based_on, current
        # people see each item's own version numbers (version_numbers), not the store ids
        shown, now = numbers if numbers is not None else (based_on, current["version_id"])
        super().__init__(
            f"{item} was changed since your form was loaded (version {shown}): version "
            f"{now} {summary}, recorded by {current['recorded_by']} at "
            f"{current['recorded_at']}; nothing was saved. Review it and save again"
        )
        self.keyed(
            key="err.conflict",
            item=item,
            n=shown,
            current=now,
            summary=summary,
            by=current["recorded_by"],
            at=current["recorded_at"],
        )


# ---------------------------------------------------------------------------- helpers


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso(value: dt.date | str | None) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value).strip()


def _parse_date(value: object) -> dt.date | None:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None
    return dt.date.fromisoformat(str(value))


def _frame(rows: list[sqlite3.Row], columns: list[str], text: list[str]) -> pd.DataFrame:
    """Rows to a DataFrame with ``text`` columns as ``str`` (as the curated readers give)."""
    df = pd.DataFrame([tuple(r[c] for c in columns) for r in rows], columns=columns, dtype=object)
    for c in text:
        df[c] = df[c].fillna("").astype(str)
    return df


def _raise_rejected(rejected: pd.DataFrame, label: str) -> None:
    if len(rejected):
        first = rejected.iloc[0]
        raise DataFileError(label, first["reason"], field=str(first["field"]))


@functools.lru_cache(maxsize=4)
def _admin3(data_dir: str) -> gpd.GeoDataFrame:
    from geo.sources.admin import load_admin  # local: boundaries are only needed on write

    return load_admin(Path(data_dir), 3)[["pcode", "geometry"]]


def _data_dir_or_none(data_dir: Path | None) -> Path | None:
    if data_dir is not None:
        return Path(data_dir)
    from geo.config import Settings

    try:
        return Settings.resolve().require_data_dir()
    except AccessMapError:
        return None


def adm3_pcodes(lon: pd.Series, lat: pd.Series, *, data_dir: Path | None) -> list[str | None]:
    """COD-AB 2015 admin3 (commune) P-code containing each point.

    Parameters
    ----------
    lon, lat
        Coordinates in degrees (EPSG:4326).
    data_dir
        Data folder with the admin boundaries; None tries the default folder.

    Returns
    -------
    list
        P-code per point; None where no commune contains it or no boundaries are
        available (logged as a warning).
    """
    folder = _data_dir_or_none(data_dir)
    if folder is None:
        logger.warning("constraints: no data folder, admin3 P-codes left empty")
        return [None] * len(lon)
    try:
        admin3 = _admin3(str(folder))
    except AccessMapError as exc:
        logger.warning("constraints: admin3 boundaries unavailable (%s), P-codes left empty", exc)
        return [None] * len(lon)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(list(lon), list(lat)), crs=STORAGE_CRS)
    joined = gpd.sjoin(pts, admin3, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    out = [None if pd.isna(p) else str(p) for p in joined["pcode"]]
    for i, p in enumerate(out):
        if p is None:
            logger.warning("constraints: point %.4f %.4f lies in no admin3 commune", lon.iloc[i], lat.iloc[i])
    return out


def locality_key(name: str) -> str:
    """Comparison key of a locality name: NFC-cleaned, accents dropped, case-folded, spaces collapsed.

    ``"Farabougou"``, ``" farabougou\u00a0"`` and ``"FARABOUGOU"`` share a key, as do
    ``"Ségou"`` (composed or decomposed accent) and ``"Segou"``.
    """
    import unicodedata

    from geo.sources.incident_files import clean_text

    text = unicodedata.normalize("NFKD", clean_text(str(name)))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def _canonical_locality(conn: sqlite3.Connection, name: str) -> str:
    """Return the stored spelling of ``name`` (same :func:`locality_key`), else ``name`` cleaned."""
    from geo.sources.incident_files import clean_text

    key = locality_key(name)
    for (stored,) in conn.execute(f"SELECT DISTINCT locality FROM {ENCIRCLED_TABLE} ORDER BY locality"):
        if locality_key(stored) == key:
            return str(stored)
    return clean_text(name)


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, object]) -> int:
    return insert_row(conn, table, row, "version_id")


def _road_db_row(rec: pd.Series, *, origin: str, supersedes: int | None) -> dict[str, object]:
    row: dict[str, object] = {c: rec[c] for c in curated.ROAD_STATUS_COLUMNS}
    row["valid_from"] = _iso(rec["valid_from"])
    row["valid_to"] = _iso(rec["valid_to"]) or None
    escort = rec.get(curated.ESCORT_COLUMN)
    row[curated.ESCORT_COLUMN] = float(escort) if escort is not None and pd.notna(escort) else None
    row["supersedes"], row["origin"] = supersedes, origin
    return row


def _crossing_db_row(rec: pd.Series, *, origin: str, supersedes: int | None) -> dict[str, object]:
    row: dict[str, object] = {c: rec[c] for c in curated.CROSSING_STATUS_COLUMNS}
    row["valid_from"] = _iso(rec["valid_from"])
    row["valid_to"] = _iso(rec["valid_to"]) or None
    row["supersedes"], row["origin"] = supersedes, origin
    return row


def _seed_crossings(conn: sqlite3.Connection, seed_dir: Path | None) -> None:
    """Seed crossing-status versions once (new stores and stores from schema version 1)."""
    n = 0
    path = Path(seed_dir) / "crossing_status.csv" if seed_dir is not None else None
    if path is not None and path.exists():
        checked = curated.read_crossing_status(path)
        for _, rec in checked.valid.iterrows():
            _insert(conn, CROSSING_TABLE, _crossing_db_row(rec, origin="seed", supersedes=None))
            n += 1
        if len(checked.rejected):
            logger.warning("constraints: %d crossing-status rows rejected in %s", len(checked.rejected), path)
    conn.execute(f"INSERT INTO {META_TABLE} VALUES ('seeded_crossings', ?)", (str(n),))


def _encircled_db_row(
    rec: pd.Series,
    raw: pd.Series,
    *,
    episode_id: str,
    adm3: str | None,
    confidence: str | None,
    origin: str,
    supersedes: int | None,
) -> dict[str, object]:
    row: dict[str, object] = {"episode_id": episode_id}
    for c in curated.ENCIRCLED_COLUMNS:
        row[c] = rec[c]
    for c in ("since", "until", "last_confirmed"):
        row[c] = _iso(rec[c]) or None
    row["lon"], row["lat"] = float(rec["lon"]), float(rec["lat"])
    row["radius_km"] = float(raw["radius_km"]) if str(raw["radius_km"]).strip() else None
    row["public"] = int(bool(rec["public"]))
    row.update(adm3_pcode=adm3, confidence=confidence or None, supersedes=supersedes, origin=origin)
    return row


def _seed(conn: sqlite3.Connection, seed_dir: Path | None, data_dir: Path | None) -> None:
    """Fill an empty store from the curated CSVs (inside the caller's transaction)."""
    if seed_dir is None:
        conn.execute(f"INSERT INTO {META_TABLE} VALUES ('seeded_at', 'not seeded')")
        return
    axes_path = Path(seed_dir) / "axes.csv"
    known = set(curated.read_axes(axes_path).valid["axis_id"]) if axes_path.exists() else None
    roads = curated.read_road_status(Path(seed_dir) / "road_status.csv", known_axes=known)
    enc_path = Path(seed_dir) / "encircled.csv"
    raw = curated._read_csv(enc_path, curated.ENCIRCLED_COLUMNS)  # noqa: SLF001 (raw radius)
    enc = curated.validate_encircled(raw, path=enc_path)
    for _, rec in roads.valid.iterrows():
        _insert(conn, ROAD_TABLE, _road_db_row(rec, origin="seed", supersedes=None))
    # validate_encircled keeps row order, so valid rows map back to raw rows by position
    valid_raw = raw.drop(index=[r - 1 for r in enc.rejected["row"]]).reset_index(drop=True)
    pcodes = adm3_pcodes(enc.valid["lon"], enc.valid["lat"], data_dir=data_dir) if len(enc.valid) else []
    for i, rec in enc.valid.iterrows():
        episode = f"{rec['locality']}@{_iso(rec['since'])}"
        _insert(
            conn,
            ENCIRCLED_TABLE,
            _encircled_db_row(
                rec,
                valid_raw.loc[i],
                episode_id=episode,
                adm3=pcodes[i],
                confidence=None,
                origin="seed",
                supersedes=None,
            ),
        )
    n_rejected = len(roads.rejected) + len(enc.rejected)
    conn.executemany(
        f"INSERT INTO {META_TABLE} VALUES (?, ?)",
        [
            ("seeded_at", _utc_now()),
            ("seed_dir", str(seed_dir)),
            ("seed_road_status", str(len(roads.valid))),
            ("seed_encircled", str(len(enc.valid))),
            ("seed_rejected", str(n_rejected)),
        ],
    )
    logger.info(
        "constraints: seeded %d road-status versions and %d encircled episodes from %s (%d rows rejected)",
        len(roads.valid),
        len(enc.valid),
        seed_dir,
        n_rejected,
    )


@contextmanager
def open_store(
    store_path: Path | str, *, seed_dir: Path | None = CURATED_DIR, data_dir: Path | None = None
) -> Iterator[sqlite3.Connection]:
    """Open the store, creating, migrating and seeding the constraints component.

    Parameters
    ----------
    store_path
        SQLite file (created on first use).
    seed_dir
        Folder of the curated CSVs used to seed an empty store; None leaves a new
        store empty (it is then never seeded).
    data_dir
        Data folder with the admin3 boundaries for ``adm3_pcode`` (default: the
        project's data-folder rule; P-codes stay empty when none is found).

    Yields
    ------
    sqlite3.Connection
        Closed on exit.

    Raises
    ------
    StoreError
        The file is not one of our stores, or its constraints schema is newer than
        this program's; the file is left untouched. Any SQLite or file-system fault
        inside the block (disk full, read-only store, damaged file) is raised as one
        line naming the file (:func:`geo.store.db.store_errors`), after the write
        transaction was rolled back.
    """
    with store_errors(store_path):
        conn = connect(store_path)
        try:
            ensure_component(conn, COMPONENT, migrations)
            if conn.execute(f"SELECT 1 FROM {META_TABLE} WHERE key = 'seeded_at'").fetchone() is None:
                with transaction(conn):
                    if conn.execute(f"SELECT 1 FROM {META_TABLE} WHERE key = 'seeded_at'").fetchone() is None:
                        _seed(conn, seed_dir, data_dir)
            seeded = f"SELECT 1 FROM {META_TABLE} WHERE key = 'seeded_crossings'"
            if conn.execute(seeded).fetchone() is None:
                with transaction(conn):
                    if conn.execute(seeded).fetchone() is None:
                        _seed_crossings(conn, seed_dir)
            if dialect_of(conn).spatial:
                _ensure_postgis(conn)
                ensure_component(conn, GIS_COMPONENT, GIS_MIGRATIONS)
                _refresh_reference(conn, seed_dir)
            yield conn
        finally:
            conn.close()


# ---------------------------------------------------------------------------- PostGIS views (server store)

#: Component of the PostGIS reference tables and views (PostgreSQL stores only).
GIS_COMPONENT = "constraints_gis"
AXES_TABLE = "constraint_axes"
CROSSINGS_TABLE = "constraint_crossings"
#: Views QGIS opens: the constraints in force on the server's current date (UTC).
LIVE_VIEWS = ("live_road_status", "live_crossing_status", "live_encircled")

_TODAY = "to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')"


def _in_force_today(table: str, key: str) -> str:
    """Return the SELECT of the version in force today per item (rule of :func:`curated.road_status_as_of`).

    Among the non-superseded versions whose validity covers the day, the latest
    ``valid_from``, then ``recorded_at``, then version id (the order the Python rule keeps).
    """
    return (
        f"SELECT DISTINCT ON (t.{key}) t.* FROM {table} t "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE s.supersedes = t.version_id) "
        f"AND t.valid_from <= {_TODAY} AND (t.valid_to IS NULL OR {_TODAY} <= t.valid_to) "
        f"ORDER BY t.{key}, t.valid_from DESC, t.recorded_at DESC, t.version_id DESC"
    )


#: ``GIS_MIGRATIONS[i]`` takes the PostGIS component from version i to i + 1 (PostgreSQL only).
GIS_MIGRATIONS: list[list[str]] = [
    [
        f"""CREATE TABLE {AXES_TABLE} (
            axis_id TEXT PRIMARY KEY,
            axis_name TEXT NOT NULL,
            route_ref TEXT NOT NULL DEFAULT '',
            road_class TEXT NOT NULL DEFAULT '',
            geom geometry(LineString, 4326) NOT NULL
        )""",
        f"CREATE INDEX {AXES_TABLE}_geom ON {AXES_TABLE} USING GIST (geom)",
        f"""CREATE TABLE {CROSSINGS_TABLE} (
            crossing_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            river TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT '',
            geom geometry(Point, 4326) NOT NULL
        )""",
        f"CREATE INDEX {CROSSINGS_TABLE}_geom ON {CROSSINGS_TABLE} USING GIST (geom)",
        f"""CREATE VIEW live_road_status AS
            SELECT a.axis_id, a.axis_name, coalesce(v.status, 'unknown') AS status, v.cause,
                v.valid_from, v.valid_to, v.confidence, v.source, v.note, v.status_raw, v.escort_kmh,
                v.recorded_by, v.recorded_at, v.version_id, v.version_id IS NOT NULL AS in_force, a.geom
            FROM {AXES_TABLE} a LEFT JOIN ({_in_force_today(ROAD_TABLE, "axis_id")}) v USING (axis_id)""",
        f"""CREATE VIEW live_crossing_status AS
            SELECT c.crossing_id, c.name, c.river, c.kind, coalesce(v.status, 'unknown') AS status,
                v.cause, v.valid_from, v.valid_to, v.confidence, v.source, v.note, v.status_raw,
                v.recorded_by, v.recorded_at, v.version_id, v.version_id IS NOT NULL AS in_force, c.geom
            FROM {CROSSINGS_TABLE} c
            LEFT JOIN ({_in_force_today(CROSSING_TABLE, "crossing_id")}) v USING (crossing_id)""",
        # the as-of rule of geo.sources.curated.encircled_as_of, on today's date
        f"""CREATE VIEW live_encircled AS
            SELECT t.version_id, t.episode_id, t.locality, t.status, t.since, t.until, t.last_confirmed,
                coalesce(t.radius_km, {DEFAULT_NO_ENTRY_RADIUS_KM}) AS radius_km, t.public = 1 AS public,
                t.adm3_pcode, t.confidence, t.coord_confidence, t.armed_group, t.source, t.note,
                t.recorded_by, t.recorded_at,
                (t.since <= {_TODAY} AND (t.until IS NULL OR {_TODAY} <= t.until)
                 AND (t.status <> 'unknown' OR {_TODAY} <= t.last_confirmed)) IS TRUE AS in_force,
                ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)::geometry(Point, 4326) AS geom,
                ST_Buffer(ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)::geography,
                          1000.0 * coalesce(t.radius_km, {DEFAULT_NO_ENTRY_RADIUS_KM}))
                    ::geometry(Polygon, 4326) AS no_entry_zone
            FROM {ENCIRCLED_TABLE} t
            WHERE NOT EXISTS (SELECT 1 FROM {ENCIRCLED_TABLE} s WHERE s.supersedes = t.version_id)""",
    ],
]


def _ensure_postgis(conn: sqlite3.Connection) -> None:
    """Create the PostGIS extension in the store's database when missing.

    Raises
    ------
    StoreError
        PostGIS is not installed on the server, or this user may not create it.
    """
    has = "SELECT 1 FROM pg_extension WHERE extname = 'postgis'"
    if conn.execute(has).fetchone() is not None:
        return
    try:
        with transaction(conn):  # the write lock: two first openings do not race
            if conn.execute(has).fetchone() is None:
                conn.execute("CREATE EXTENSION postgis")
    except Exception as exc:
        detail = " ".join(str(exc).split())
        msg = (
            f"{getattr(conn, 'path', 'store')}: PostGIS is not available in this database ({detail}); "
            "nothing was changed. Install PostGIS on the server and run CREATE EXTENSION postgis; "
            "in the database as a superuser"
        )
        raise StoreError(msg) from exc


def _reference_sha(seed_dir: Path | None) -> str:
    import hashlib

    folder = Path(seed_dir or CURATED_DIR)
    digest = hashlib.sha256()
    for name in ("axes.csv", "crossings.csv"):
        path = folder / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def _refresh_reference(conn: sqlite3.Connection, seed_dir: Path | None) -> None:
    """Load the axes' lines and the crossings' points for the PostGIS views when their files changed.

    Axis lines are drawn straight through the waypoints of ``axes.csv`` (the same line
    whatever the road data); crossings are the points of ``crossings.csv``; EPSG:4326.
    """
    sha = _reference_sha(seed_dir)
    key = "gis_reference_sha256"
    row = conn.execute(f"SELECT value FROM {META_TABLE} WHERE key = ?", (key,)).fetchone()
    if row is not None and row[0] == sha:
        return
    axes = known_axes(seed_dir)
    crossings = known_crossings(seed_dir)
    with transaction(conn):
        conn.execute(f"DELETE FROM {AXES_TABLE}")
        conn.execute(f"DELETE FROM {CROSSINGS_TABLE}")
        for _, a in axes.iterrows():
            wkt = "LINESTRING(" + ", ".join(f"{x!r} {y!r}" for _, x, y in a["waypoint_list"]) + ")"
            conn.execute(
                f"INSERT INTO {AXES_TABLE} VALUES (?, ?, ?, ?, ST_GeomFromText(?, 4326))",
                (str(a["axis_id"]), str(a["axis_name"]), str(a["route_ref"]), str(a["road_class"]), wkt),
            )
        for _, c in crossings.iterrows():
            conn.execute(
                f"INSERT INTO {CROSSINGS_TABLE} VALUES (?, ?, ?, ?, ST_SetSRID(ST_MakePoint(?, ?), 4326))",
                (
                    str(c["crossing_id"]),
                    str(c["name"]),
                    str(c["river"]),
                    str(c["kind"]),
                    float(c["lon"]),
                    float(c["lat"]),
                ),
            )
        conn.execute(
            f"INSERT INTO {META_TABLE} VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, sha),
        )
    logger.info("constraints: PostGIS reference loaded (%d axes, %d crossings)", len(axes), len(crossings))


# ---------------------------------------------------------------------------- reading


def _road_frame(rows: list[sqlite3.Row], *, key: str = "axis_id") -> pd.DataFrame:
    base = [key, *curated.ROAD_STATUS_COLUMNS[1:]]
    escort = [curated.ESCORT_COLUMN] if key == "axis_id" else []
    cols = [*base, *escort, *ROAD_EXTRA_COLUMNS, "superseded_by"]
    text = [c for c in base if c not in ("valid_from", "valid_to")]
    df = _frame(rows, cols, [*text, "origin"])
    for c in escort:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    df["valid_from"] = df["valid_from"].map(_parse_date)
    df["valid_to"] = df["valid_to"].map(_parse_date)
    for c in ("version_id", "supersedes", "superseded_by"):
        df[c] = df[c].astype("Int64")
    return df


def _encircled_frame(rows: list[sqlite3.Row]) -> gpd.GeoDataFrame:
    cols = [*curated.ENCIRCLED_COLUMNS, *ENCIRCLED_EXTRA_COLUMNS, "superseded_by"]
    text = [
        "locality",
        "coord_confidence",
        "status",
        "armed_group",
        "source",
        "note",
        "recorded_by",
        "recorded_at",
        "episode_id",
        "origin",
    ]
    df = _frame(rows, cols, text)
    for c in ("since", "until", "last_confirmed"):
        df[c] = df[c].map(_parse_date)
    df["lon"], df["lat"] = df["lon"].astype(float), df["lat"].astype(float)
    df["radius_km"] = df["radius_km"].astype(float).fillna(DEFAULT_NO_ENTRY_RADIUS_KM)
    df["public"] = df["public"].astype(int).astype(bool)
    for c in ("adm3_pcode", "confidence"):
        df[c] = df[c].map(lambda v: None if v is None or v == "" else str(v)).astype(object)
    for c in ("version_id", "supersedes", "superseded_by"):
        df[c] = df[c].astype("Int64")
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=STORAGE_CRS)


def _select(table: str, *, where: str = "", params: tuple = (), current_only: bool) -> str:
    cond = [f"NOT EXISTS (SELECT 1 FROM {table} s WHERE s.supersedes = t.version_id)"] if current_only else []
    if where:
        cond.append(where)
    return (
        f"SELECT t.*, (SELECT s.version_id FROM {table} s WHERE s.supersedes = t.version_id) "
        f"AS superseded_by FROM {table} t"
        + (f" WHERE {' AND '.join(cond)}" if cond else "")
        + " ORDER BY t.version_id"
    )


def load_versions(
    store_path: Path | str | None, *, seed_dir: Path | None = CURATED_DIR, data_dir: Path | None = None
) -> ConstraintVersions:
    """Every non-superseded road-status version and encirclement episode.

    Parameters
    ----------
    store_path
        Project store; None reads the curated CSVs of ``data/curated`` instead (no
        store involved; ``version_id``/``supersedes``/``adm3_pcode`` are then empty).
    seed_dir, data_dir
        See :func:`open_store`.

    Returns
    -------
    ConstraintVersions
        Apply :func:`geo.sources.curated.road_status_as_of` / :func:`geo.sources.curated.encircled_as_of`
        for the state on a date.

    Raises
    ------
    StoreError
        Store not ours or from a newer schema (see :func:`open_store`).
    DataFileError
        With ``store_path=None``: a curated CSV is unreadable or lacks a column.
    """
    if store_path is None:
        roads = curated.read_road_status().valid.copy()
        for c in ROAD_EXTRA_COLUMNS:
            roads[c] = pd.Series([pd.NA] * len(roads), dtype="Int64") if c != "origin" else "seed"
        enc = curated.read_encircled().valid.copy()
        enc["episode_id"] = [f"{loc}@{_iso(s)}" for loc, s in zip(enc["locality"], enc["since"], strict=True)]
        enc["adm3_pcode"], enc["confidence"] = None, None
        for c in ("version_id", "supersedes"):
            enc[c] = pd.Series([pd.NA] * len(enc), dtype="Int64")
        enc["origin"] = "seed"
        cols = [*curated.ENCIRCLED_COLUMNS, *ENCIRCLED_EXTRA_COLUMNS, "geometry"]
        cross = curated.read_crossing_status().valid.copy()
        for c in ROAD_EXTRA_COLUMNS:
            cross[c] = pd.Series([pd.NA] * len(cross), dtype="Int64") if c != "origin" else "seed"
        return ConstraintVersions(
            roads, gpd.GeoDataFrame(enc[cols], geometry="geometry", crs=STORAGE_CRS), cross
        )
    with open_store(store_path, seed_dir=seed_dir, data_dir=data_dir) as conn:
        road_rows = conn.execute(_select(ROAD_TABLE, current_only=True)).fetchall()
        enc_rows = conn.execute(_select(ENCIRCLED_TABLE, current_only=True)).fetchall()
        cross_rows = conn.execute(_select(CROSSING_TABLE, current_only=True)).fetchall()
    roads = _road_frame(road_rows).drop(columns="superseded_by")
    enc = _encircled_frame(enc_rows).drop(columns="superseded_by")
    cross = _road_frame(cross_rows, key="crossing_id").drop(columns="superseded_by")
    logger.info(
        "constraints: %d road-status versions, %d encircled episodes in %s", len(roads), len(enc), store_path
    )
    return ConstraintVersions(roads, enc, cross)


def state_version(store_path: Path | str | None) -> str:
    """Cheap token that changes whenever a constraint version is written.

    Parameters
    ----------
    store_path
        Project store; None (curated CSVs) gives the CSV files' modification times.

    Returns
    -------
    str
        ``"<max road version>.<count>:<max encircled version>.<count>"``; ``"absent"``
        when the file does not exist, ``"empty"`` before the component is created.
        Use it as a cache key (history is append-only, so it only grows).

    Raises
    ------
    StoreError
        The store is damaged, foreign or cannot be opened (one line naming the file).
    """
    if store_path is None:
        names = ("road_status.csv", "encircled.csv", "axes.csv", "crossing_status.csv", "crossings.csv")
        files = [CURATED_DIR / n for n in names]
        return "csv:" + ":".join(str(f.stat().st_mtime_ns) for f in files if f.exists())
    if not store_exists(store_path):
        return "absent"
    with store_errors(store_path):
        try:
            conn = connect(store_path, create=False)
        except StoreError:
            if is_server_url(store_path):  # a database without store tables yet
                return "empty"
            raise
        try:
            tables = dialect_of(conn).table_names(conn)
            if not {ROAD_TABLE, ENCIRCLED_TABLE} <= tables:
                return "empty"
            parts = []
            for table in (ROAD_TABLE, ENCIRCLED_TABLE, CROSSING_TABLE):
                if table not in tables:  # crossings: a store from before schema version 2
                    continue
                row = conn.execute(f"SELECT coalesce(max(version_id), 0), count(*) FROM {table}").fetchone()
                parts.append(f"{row[0]}.{row[1]}")
        finally:
            conn.close()
    return ":".join(parts)


def road_status_history(store_path: Path | str, axis_id: str | None = None) -> pd.DataFrame:
    """Every road-status version (superseded ones included), oldest first.

    Parameters
    ----------
    store_path
        Project store.
    axis_id
        Only this axis; None for all.

    Returns
    -------
    pandas.DataFrame
        The :attr:`ConstraintVersions.road_status` columns plus ``superseded_by``
        (version id, or <NA> for current versions).
    """
    with open_store(store_path) as conn:
        if axis_id is None:
            rows = conn.execute(_select(ROAD_TABLE, current_only=False)).fetchall()
        else:
            rows = conn.execute(
                _select(ROAD_TABLE, where="t.axis_id = ?", current_only=False), (axis_id,)
            ).fetchall()
    return _road_frame(rows)


def encircled_history(store_path: Path | str, locality: str | None = None) -> gpd.GeoDataFrame:
    """Every encirclement version (superseded ones included), oldest first.

    Parameters
    ----------
    store_path
        Project store.
    locality
        Only this locality (compared by :func:`locality_key`: case, accents, spaces
        and Unicode forms do not matter); None for all.

    Returns
    -------
    geopandas.GeoDataFrame
        The :attr:`ConstraintVersions.encircled` columns plus ``superseded_by``.
    """
    with open_store(store_path) as conn:
        if locality is None:
            rows = conn.execute(_select(ENCIRCLED_TABLE, current_only=False)).fetchall()
        else:
            rows = conn.execute(
                _select(ENCIRCLED_TABLE, where="t.locality = ?", current_only=False),
                (_canonical_locality(conn, locality),),
            ).fetchall()
    return _encircled_frame(rows)


def known_axes(seed_dir: Path | None = CURATED_DIR) -> pd.DataFrame:
    """Return the named road axes a status may be recorded for (``axes.csv``), by ``axis_id``."""
    return curated.read_axes(Path(seed_dir or CURATED_DIR) / "axes.csv").valid


def effective_road_status(
    versions: ConstraintVersions, as_of: dt.date, *, axes: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Status of every axis on ``as_of`` (:func:`geo.sources.curated.road_status_as_of`).

    Parameters
    ----------
    versions
        From :func:`load_versions`.
    as_of
        Date.
    axes
        Known axes (default :func:`known_axes`); axes without a version in force are
        ``unknown``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``axis_id``; ``axis_name`` first, then the as-of columns with
        ``recorded_by``, ``recorded_at`` and ``version_id`` of the version in force.
    """
    axes = known_axes() if axes is None else axes
    ids = list(dict.fromkeys([*axes["axis_id"], *versions.road_status["axis_id"]]))
    out = curated.road_status_as_of(
        versions.road_status, ids, as_of, extra_columns=("recorded_by", "recorded_at", "version_id")
    )
    out.insert(0, "axis_name", axes["axis_name"].reindex(out.index).fillna(""))
    return out


def effective_encircled(versions: ConstraintVersions, as_of: dt.date) -> gpd.GeoDataFrame:
    """Episodes with ``in_force`` on ``as_of`` (:func:`geo.sources.curated.encircled_as_of`)."""
    return curated.encircled_as_of(versions.encircled, as_of)


def pick_nearest(
    lon: float, lat: float, *, axes: gpd.GeoDataFrame, localities: gpd.GeoDataFrame, max_km: float = 15.0
) -> tuple[str, str] | None:
    """Find the axis or encircled locality nearest to a clicked point.

    Parameters
    ----------
    lon, lat
        Clicked point, degrees (EPSG:4326).
    axes
        Axis lines indexed by ``axis_id`` (any CRS, e.g. ``ModelInputs.axes``).
    localities
        Encircled episodes with ``locality`` (any CRS).
    max_km
        Nothing farther than this is picked, km (measured in WORK_CRS).

    Returns
    -------
    tuple or None
        ``("axis", axis_id)`` or ``("locality", name)``, whichever is nearer; None when
        nothing lies within ``max_km``.
    """
    from geo.config import WORK_CRS

    point = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=STORAGE_CRS).to_crs(WORK_CRS).iloc[0]
    best: tuple[float, tuple[str, str]] | None = None
    if len(axes):
        d = axes.geometry.to_crs(WORK_CRS).distance(point)
        best = (float(d.min()), ("axis", str(d.idxmin())))
    if len(localities):
        d = localities.geometry.to_crs(WORK_CRS).distance(point).reset_index(drop=True)
        cand = (float(d.min()), ("locality", str(localities["locality"].iloc[int(d.idxmin())])))
        if best is None or cand[0] < best[0]:
            best = cand
    if best is None or best[0] > max_km * 1000.0:
        return None
    return best[1]


def change_day(
    before: ConstraintVersions,
    after: ConstraintVersions,
    *,
    as_of: dt.date,
    axis_id: str | None = None,
    episode_id: str | None = None,
    crossing_id: str | None = None,
) -> dt.date:
    """Pick a date on which a change shows: ``as_of`` if it does, else the nearest that does.

    Parameters
    ----------
    before, after
        Versions before and after the write (:func:`load_versions`).
    as_of
        Preferred date (the page's as-of date).
    axis_id, episode_id, crossing_id
        The item changed: an axis or a crossing (its effective status is compared) or
        an encirclement episode (in force, radius and point are compared).

    Returns
    -------
    datetime.date
        ``as_of`` when the item's state differs there; otherwise the validity
        boundary of the item's versions nearest to ``as_of`` where it differs; ``as_of``
        if the change alters no date (e.g. a note corrected).
    """
    day = dt.timedelta(days=1)
    if axis_id is not None:
        rows = [v.road_status[v.road_status["axis_id"] == axis_id] for v in (before, after)]
        cands = {d for r in rows for d in r["valid_from"]}
        cands |= {e for r in rows for d in r["valid_to"] if d for e in (d, d + day)}

        def state(v: pd.DataFrame, d: dt.date) -> object:
            return curated.road_status_as_of(v, [axis_id], d).iloc[0][["status", "cause"]].tolist()
    elif crossing_id is not None:
        rows = [v.crossing_status[v.crossing_status["crossing_id"] == crossing_id] for v in (before, after)]
        cands = {d for r in rows for d in r["valid_from"]}
        cands |= {e for r in rows for d in r["valid_to"] if d for e in (d, d + day)}

        def state(v: pd.DataFrame, d: dt.date) -> object:
            cur = curated.road_status_as_of(v, [crossing_id], d, id_field="crossing_id")
            return cur.iloc[0][["status", "cause"]].tolist()
    elif episode_id is not None:
        rows = [v.encircled[v.encircled["episode_id"] == episode_id] for v in (before, after)]
        cands = {d for r in rows for d in r["since"]}
        cands |= {
            e for r in rows for c in ("until", "last_confirmed") for d in r[c] if d for e in (d, d + day)
        }

        def state(v: pd.DataFrame, d: dt.date) -> object:
            e = curated.encircled_as_of(v, d)
            return [
                (bool(f), float(rad), float(x), float(y))
                for f, rad, x, y in zip(e["in_force"], e["radius_km"], e["lon"], e["lat"], strict=True)
            ]
    else:
        msg = "give axis_id, crossing_id or episode_id"
        raise ValueError(msg)
    for d in [as_of, *sorted(cands, key=lambda c: (abs((c - as_of).days), c))]:
        if state(rows[0], d) != state(rows[1], d):
            return d
    return as_of


# ---------------------------------------------------------------------------- versions a form is based on


#: Kinds of item whose versions are numbered, and the table and column that hold them.
ITEM_TABLES = {
    "axis": (ROAD_TABLE, "axis_id"),
    "crossing": (CROSSING_TABLE, "crossing_id"),
    "episode": (ENCIRCLED_TABLE, "episode_id"),
}


def version_numbers(history: pd.DataFrame, item_column: str) -> dict[int, int]:
    """Return store version id -> the version's number within its item (1, 2, 3 in order of recording).

    People see these numbers ("version 2 of RN16-SEV-DOU"); the store's ``version_id`` is
    one sequence shared by every item, so "version 57" of an axis with two versions would
    mislead.

    Parameters
    ----------
    history
        Versions with ``version_id`` and ``item_column``: every version of the items
        concerned (superseded ones included), as :func:`road_status_history` gives them.
    item_column
        ``axis_id``, ``crossing_id`` or ``episode_id``.
    """
    if history.empty:
        return {}
    ids = history[[item_column, "version_id"]].dropna().drop_duplicates().sort_values("version_id")
    ranks = ids.groupby(item_column).cumcount() + 1
    return {int(v): int(n) for v, n in zip(ids["version_id"], ranks, strict=True)}


def _number(conn: sqlite3.Connection, table: str, key: str, item: object, version_id: object) -> int:
    """Return the number of ``version_id`` within its item (1, 2, 3 in order of recording)."""
    row = conn.execute(
        f"SELECT COUNT(*) FROM {table} WHERE {key} = ? AND version_id <= ?", (item, int(version_id))
    ).fetchone()
    return int(row[0])


def version_number(store_path: Path | str, kind: str, item: str, version_id: int) -> int:
    """Return the number people see of the store version ``version_id`` of ``item`` (:func:`version_numbers`).

    Parameters
    ----------
    store_path
        Project store.
    kind
        ``"axis"``, ``"crossing"`` or ``"episode"``.
    item
        The axis, crossing or episode id.
    version_id
        Store version id of one of its versions.
    """
    table, key = ITEM_TABLES[kind]
    with open_store(store_path) as conn:
        return _number(conn, table, key, item, version_id)


def version_id_of(
    store_path: Path | str, kind: str, item: str, number: int, *, field: str = "supersedes"
) -> int:
    """Return the store version id of version ``number`` of ``item`` (the reverse of :func:`version_number`).

    ``0`` stays ``0`` (no version, for ``based_on`` of an item never recorded).

    Raises
    ------
    DataFileError
        ``item`` has no version ``number`` (names ``field``).
    """
    if int(number) == 0:
        return 0
    table, key = ITEM_TABLES[kind]
    with open_store(store_path) as conn:
        rows = conn.execute(
            f"SELECT version_id FROM {table} WHERE {key} = ? ORDER BY version_id", (item,)
        ).fetchall()
    if not 1 <= int(number) <= len(rows):
        msg = f"{item} has no version {number} (it has {len(rows)})"
        raise DataFileError(
            Keyed("version number", "err.where.version_number"),
            Keyed(msg, "err.no_version_number", item=item, n=number, count=len(rows)),
            field=field,
        )
    return int(rows[int(number) - 1][0])


def _head(conn: sqlite3.Connection, table: str, key: str, value: str) -> sqlite3.Row | None:
    return conn.execute(
        f"SELECT * FROM {table} WHERE {key} = ? ORDER BY version_id DESC LIMIT 1", (value,)
    ).fetchone()


def axis_head(store_path: Path | str, axis_id: str) -> int:
    """Latest version id recorded for an axis (a change or a correction), 0 if none.

    A form that records a status for ``axis_id`` keeps this value when it is loaded and
    passes it as ``based_on`` to :func:`record_road_status`.

    Raises
    ------
    StoreError
        Store fault (one line naming the file).
    """
    with open_store(store_path) as conn:
        row = _head(conn, ROAD_TABLE, "axis_id", axis_id)
    return 0 if row is None else int(row["version_id"])


def episode_head(store_path: Path | str, episode_id: str | None) -> int:
    """Latest version id of an encirclement episode, 0 for a new episode (None) or an unknown one.

    Pass it as ``based_on`` to :func:`record_encircled`.

    Raises
    ------
    StoreError
        Store fault (one line naming the file).
    """
    if episode_id is None:
        return 0
    with open_store(store_path) as conn:
        row = _head(conn, ENCIRCLED_TABLE, "episode_id", episode_id)
    return 0 if row is None else int(row["version_id"])


def _check_based_on(
    head: sqlite3.Row | None,
    based_on: int | None,
    item: str,
    summary: list[str],
    label: str,
    *,
    conn: sqlite3.Connection | None = None,
    kind: str | None = None,
) -> None:
    """Raise :class:`ConflictError` when the item's latest version is not ``based_on``.

    With ``conn`` and ``kind`` (:data:`ITEM_TABLES`) the message gives the item's own version
    numbers (:func:`version_numbers`) rather than store ids.
    """
    if based_on is None:
        return
    now = 0 if head is None else int(head["version_id"])
    if now == int(based_on):
        return
    if head is None:  # the based-on version does not exist for this item
        msg = f"{item} has no version {based_on} (nothing recorded yet); nothing was saved"
        raise DataFileError(label, Keyed(msg, "err.no_version_yet", item=item, n=based_on), field="based_on")
    current = dict(head)
    words = " ".join(str(current[c]) for c in summary if current.get(c) not in (None, ""))
    numbers = None
    if conn is not None and kind is not None:
        table, key = ITEM_TABLES[kind]
        numbers = (_number(conn, table, key, item, based_on), _number(conn, table, key, item, now))
    raise ConflictError(item, int(based_on), current, words, numbers)


# ---------------------------------------------------------------------------- writing


def record_road_status(
    store_path: Path | str,
    *,
    axis_id: str,
    status: str,
    cause: str,
    valid_from: dt.date | str,
    source: str,
    recorded_by: str,
    valid_to: dt.date | str | None = None,
    confidence: str = "medium",
    note: str = "",
    status_raw: str = "",
    supersedes: int | None = None,
    based_on: int | None = None,
    seed_dir: Path | None = CURATED_DIR,
    escort_kmh: float | None = None,
    incident_link: dict[str, str] | None = None,
) -> WriteResult:
    """Append a road-status version (a change, or with ``supersedes`` a correction).

    Parameters
    ----------
    store_path
        Project store.
    axis_id
        A known axis of ``axes.csv``.
    status, cause, confidence
        From ``geo.vocab.ROAD_STATUS``, ``CAUSE``, ``CONFIDENCE``.
    valid_from, valid_to
        Validity (``YYYY-MM-DD``); ``valid_to`` None for open-ended, never before
        ``valid_from``.
    source
        Required: text or URL of the report.
    recorded_by
        Required: who records it.
    note, status_raw
        Free text; the publisher's wording in ``status_raw``.
    supersedes
        Version id this one corrects (same axis, not already superseded); the
        superseded version no longer counts but stays in the history.
    based_on
        The axis's latest version id when the advisor's form was loaded
        (:func:`axis_head`; 0 when the axis had none). None skips the check.
    seed_dir
        Folder of ``axes.csv`` (and the seed of a new store).
    escort_kmh
        Escorted/convoy speed (km/h) of a constrained axis, used instead of the
        constrained factor; None for none.
    incident_link
        ``incident_id``, ``incident_date``, ``incident_source``, ``amrf`` of the incident
        this version comes from (:func:`geo.store.links.link_incident`): the link is
        written in the same transaction as the version, or neither is.

    Returns
    -------
    WriteResult

    Raises
    ------
    DataFileError
        Invalid input, naming the field (``axis_id``, ``status``, ``cause``,
        ``valid_from``, ``valid_to``, ``source``, ``recorded_by``, ``supersedes``,
        ``escort_kmh``, ``based_on``); nothing is written.
    ConflictError
        The axis has a newer version than ``based_on`` (checked inside the write
        transaction, so of two advisors saving at once exactly one succeeds); nothing
        is written and the message shows that version.
    StoreError
        Store not ours, newer schema, or a store fault (disk full, read-only, damaged).
    """
    label = Keyed("road-status input", "err.where.road_input")
    row = {
        "axis_id": axis_id,
        "status": status,
        "status_raw": status_raw,
        "cause": cause,
        "valid_from": _iso(valid_from),
        "valid_to": _iso(valid_to),
        "confidence": confidence,
        "source": source,
        "note": note,
        "recorded_by": recorded_by,
        "recorded_at": "",
        curated.ESCORT_COLUMN: escort_kmh,
    }
    df = pd.DataFrame([{k: ("" if v is None else str(v).strip()) for k, v in row.items()}])
    checked = curated.validate_road_status(df, path=label, known_axes=set(known_axes(seed_dir)["axis_id"]))
    _raise_rejected(checked.rejected, label)
    if not df.at[0, "recorded_by"]:
        raise DataFileError(label, REQUIRED, field="recorded_by")
    rec = checked.valid.iloc[0].copy()
    with open_store(store_path, seed_dir=seed_dir) as conn, transaction(conn):
        _check_based_on(
            _head(conn, ROAD_TABLE, "axis_id", str(rec["axis_id"])),
            based_on,
            str(rec["axis_id"]),
            ["status", "cause", "valid_from"],
            label,
            conn=conn,
            kind="axis",
        )
        if supersedes is not None:
            _check_supersedes(conn, ROAD_TABLE, supersedes, "axis_id", rec["axis_id"], label)
        rec["recorded_at"] = _utc_now()
        new_row = _road_db_row(rec, origin="user", supersedes=supersedes)
        if supersedes is None:
            _refuse_repeat(conn, new_row, label)
        vid = _insert(conn, ROAD_TABLE, new_row)
        if incident_link is not None:
            _insert_link(conn, incident_link, "road_status", str(rec["axis_id"]), vid, recorded_by, rec)
    logger.info(
        "constraints: road status v%d %s=%s from %s by %s",
        vid,
        axis_id,
        status,
        rec["valid_from"],
        recorded_by,
    )
    return WriteResult(vid, supersedes, str(rec["recorded_at"]))


#: Fields that make two road-status versions the same statement.
_SAME_STATEMENT = (
    "axis_id",
    "status",
    "status_raw",
    "cause",
    "valid_from",
    "valid_to",
    "confidence",
    "source",
    "note",
)


def _refuse_repeat(
    conn: sqlite3.Connection, row: dict[str, object], label: str, *, table: str = ROAD_TABLE
) -> None:
    """Refuse a new version that repeats a current one word for word (a double submit).

    A road status's escort speed is part of the statement: a new escort speed alone is a
    new version.
    """
    if table == ROAD_TABLE:
        fields = (*_SAME_STATEMENT, curated.ESCORT_COLUMN)
    else:
        fields = ("crossing_id", *_SAME_STATEMENT[1:])
    d = dialect_of(conn)
    cond = " AND ".join(d.same(c, "?") for c in fields)
    same = conn.execute(
        f"SELECT version_id, recorded_by, recorded_at FROM {table} WHERE {cond} AND version_id NOT IN "
        f"(SELECT supersedes FROM {table} WHERE supersedes IS NOT NULL)",
        [row[c] for c in fields],
    ).fetchone()
    if same is not None:
        n = _number(conn, table, fields[0], row[fields[0]], same[0])  # the item's own version number
        msg = (
            f"identical to version {n} recorded by {same[1]} at {same[2]}; nothing written "
            "(change a field, or correct that version)"
        )
        msg = Keyed(msg, "err.identical_version", n=n, by=same[1], at=same[2])
        raise DataFileError(label, msg, field="status")


def _check_supersedes(
    conn: sqlite3.Connection, table: str, version: int, key: str, value: str, label: str
) -> None:
    old = conn.execute(f"SELECT {key} FROM {table} WHERE version_id = ?", (int(version),)).fetchone()
    if old is None:
        msg = Keyed(f"version {version} does not exist", "err.no_such_version", n=version)
        raise DataFileError(label, msg, field="supersedes")
    if old[0] != value:
        msg = f"version {version} is for {old[0]!r}, not {value!r}"
        msg = Keyed(msg, "err.version_of_other", n=version, item=repr(old[0]), given=repr(value))
        raise DataFileError(label, msg, field="supersedes")
    later = conn.execute(f"SELECT version_id FROM {table} WHERE supersedes = ?", (int(version),)).fetchone()
    if later is not None:
        msg = (
            f"version {version} was already superseded by version {later[0]} "
            "(someone else changed it); correct the current version instead"
        )
        msg = Keyed(msg, "err.already_superseded", n=version, later=later[0])
        raise DataFileError(label, msg, field="supersedes")


def record_encircled(
    store_path: Path | str,
    *,
    locality: str,
    source: str,
    recorded_by: str,
    status: str | None = None,
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
    last_confirmed: dt.date | str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    coord_confidence: str | None = None,
    armed_group: str | None = None,
    radius_km: float | None = None,
    public: bool | None = None,
    confidence: str | None = None,
    note: str | None = None,
    episode_id: str | None = None,
    based_on: int | None = None,
    seed_dir: Path | None = CURATED_DIR,
    data_dir: Path | None = None,
    incident_link: dict[str, str] | None = None,
    places: gpd.GeoDataFrame | None = None,
) -> WriteResult:
    """Record a new encirclement episode or a new version of an existing one.

    The episode is ``episode_id`` when given, else the current episode of
    ``locality`` that started on ``since``; if there is none a new episode starts.
    A new version of an episode supersedes its current version (found inside the write
    transaction, so two advisors editing the same episode both get a version and the
    later one is current). Fields left None are taken from the current version (or,
    for a new episode of a known locality, its latest coordinates).

    Parameters
    ----------
    store_path
        Project store.
    locality
        Name, compared with the stored ones by :func:`locality_key` (case, accents,
        no-break spaces and Unicode forms do not matter; the stored spelling is kept).
        A locality not yet in the store is looked up in the gazetteer (``places``, else
        the one of ``data_dir``; :func:`geo.sources.places.resolve_place`, so corrected
        spellings such as ``Dialoube`` find ``Dialloubé``) when ``lon``/``lat`` are not
        given: its name and coordinates are then the gazetteer's. A place in no
        gazetteer needs ``lon``/``lat``.
    source, recorded_by
        Required on every write.
    status
        ``active``, ``lifted`` or ``unknown`` (reported, unconfirmed); required for a
        new episode. ``lifted`` needs ``until``.
    since, until, last_confirmed
        Dates ``YYYY-MM-DD``; ``until`` not before ``since``.
    lon, lat
        Degrees (EPSG:4326), inside Mali.
    coord_confidence, confidence
        {low, medium, high}: of the coordinates, of the report.
    armed_group
        Restricted field (never exported publicly).
    radius_km
        No-entry radius, km (0.5-100); None = project default.
    public
        May the episode appear in public products (snapshots, public exports). A new
        episode is restricted (False) unless this says True; a new version keeps the
        current version's flag when None. Only an advisor marks an episode public.
    note
        Free text.
    episode_id
        Explicit episode to change.
    based_on
        The episode's latest version id when the advisor's form was loaded
        (:func:`episode_head`; 0 for a new episode). None skips the check.
    seed_dir, data_dir
        See :func:`open_store`; ``data_dir`` also gives ``adm3_pcode``.
    incident_link
        As for :func:`record_road_status` (target: the episode id).
    places
        Gazetteer localities (``geo.sources.places.load_places``, any CRS) to look a new
        locality up in; None: read from ``data_dir`` when needed (none: no look-up).

    Returns
    -------
    WriteResult

    Raises
    ------
    DataFileError
        Invalid input naming the field (``locality`` unknown to the store and the
        gazetteer, or naming several gazetteer localities, ``status``, ``since``,
        ``until``, ``source``, ``lon``/``lat``, ...); nothing is written.
    ConflictError
        The episode has a newer version than ``based_on`` (or, for a new episode, one
        with the same locality and start was recorded meanwhile); nothing is written.
    StoreError
        Store not ours, newer schema, or a store fault (disk full, read-only, damaged).
    """
    label = Keyed("encircled input", "err.where.encircled_input")
    locality = (locality or "").strip()
    if not locality:
        raise DataFileError(label, REQUIRED, field="locality")
    if not (recorded_by or "").strip():
        raise DataFileError(label, REQUIRED, field="recorded_by")
    if confidence not in (None, "", *CONFIDENCE):
        msg = Keyed(
            f"{confidence!r} is not one of {list(CONFIDENCE)}",
            "err.not_one_of",
            value=repr(confidence),
            allowed=", ".join(CONFIDENCE),
        )
        raise DataFileError(label, msg, field="confidence")
    given = {
        "status": status,
        "since": since,
        "until": until,
        "last_confirmed": last_confirmed,
        "lon": lon,
        "lat": lat,
        "coord_confidence": coord_confidence,
        "armed_group": armed_group,
        "radius_km": radius_km,
        "public": public,
        "note": note,
    }
    consulted = False  # the gazetteer was consulted for a locality the store does not know
    if (lon is None or lat is None) and episode_id is None and (places is not None or data_dir is not None):
        with open_store(store_path, seed_dir=seed_dir, data_dir=data_dir) as conn:
            stored = _stored_localities(conn)
        if locality_key(locality) not in stored:  # read outside the write lock (the gazetteer is slow)
            place, consulted = _gazetteer_place(locality, places, data_dir, label), True
            if place is not None:
                locality = place.name  # the gazetteer's spelling (Dialoube -> Dialloubé)
                if locality_key(locality) not in stored:
                    lon, lat = place.lon, place.lat
                    given["lon"], given["lat"] = lon, lat
    with open_store(store_path, seed_dir=seed_dir, data_dir=data_dir) as conn, transaction(conn):
        locality = _canonical_locality(conn, locality)  # "farabougou " is the stored "Farabougou"
        if not locality:
            raise DataFileError(label, REQUIRED, field="locality")
        current = _current_episode(conn, locality, episode_id, since, label)
        if based_on is not None:
            head = (
                _head(conn, ENCIRCLED_TABLE, "episode_id", str(current["episode_id"]))
                if current is not None
                else None
            )
            item = str(current["episode_id"]) if current is not None else f"{locality}@{_iso(since)}"
            _check_based_on(
                head, based_on, item, ["status", "since", "until"], label, conn=conn, kind="episode"
            )
        base: dict[str, object]
        if current is not None:
            base = dict(current)
            supersedes: int | None = int(current["version_id"])
            episode = str(current["episode_id"])
            if confidence is None:
                confidence = current["confidence"]
        else:
            if status is None or since is None:
                field = "status" if status is None else "since"
                msg = Keyed(
                    f"required for a new episode of {locality!r}",
                    "err.new_episode_needs",
                    name=repr(locality),
                )
                raise DataFileError(label, msg, field=field)
            latest = conn.execute(
                f"SELECT * FROM {ENCIRCLED_TABLE} WHERE locality = ? ORDER BY version_id DESC LIMIT 1",
                (locality,),
            ).fetchone()
            if latest is None and (lon is None or lat is None):
                if consulted:
                    msg = (
                        f"unknown locality {locality!r}: neither recorded nor in the gazetteer; "
                        "give lon and lat to add a new one"
                    )
                    msg = Keyed(msg, "err.new_locality_not_in_gazetteer", name=repr(locality))
                else:
                    msg = f"unknown locality {locality!r}: give lon and lat to add a new one"
                    msg = Keyed(msg, "err.new_locality_needs_point", name=repr(locality))
                raise DataFileError(label, msg, field="locality")
            base = (
                {"lon": latest["lon"], "lat": latest["lat"], "coord_confidence": latest["coord_confidence"]}
                if latest is not None
                else {}
            )
            base.setdefault("coord_confidence", "medium")
            base.update(armed_group="", radius_km=None, public=0, note="", until=None, last_confirmed=None)
            supersedes, episode = None, f"{locality}@{_iso(since)}"
        merged = {k: (base.get(k) if v is None else v) for k, v in given.items()}
        raw = pd.Series(
            {
                "locality": locality,
                "source": source or "",
                "recorded_by": recorded_by,
                "recorded_at": "",
                "lon": _num(merged["lon"]),
                "lat": _num(merged["lat"]),
                "coord_confidence": merged["coord_confidence"] or "",
                "status": merged["status"] or "",
                "since": _iso(merged["since"]),
                "until": _iso(merged["until"]),
                "last_confirmed": _iso(merged["last_confirmed"]),
                "armed_group": merged["armed_group"] or "",
                "radius_km": _num(merged["radius_km"]),
                "public": "true" if merged["public"] in (True, 1, "true") else "false",
                "note": merged["note"] or "",
            }
        )
        frame = pd.DataFrame([raw[curated.ENCIRCLED_COLUMNS].map(lambda v: str(v).strip())])
        checked = curated.validate_encircled(frame, path=label)
        _raise_rejected(checked.rejected, label)
        rec = checked.valid.iloc[0].copy()
        rec["recorded_at"] = _utc_now()
        same_point = (
            current is not None
            and current["adm3_pcode"] is not None
            and (float(current["lon"]), float(current["lat"])) == (float(rec["lon"]), float(rec["lat"]))
        )
        pcode = (
            current["adm3_pcode"]
            if same_point
            else adm3_pcodes(pd.Series([rec["lon"]]), pd.Series([rec["lat"]]), data_dir=data_dir)[0]
        )
        vid = _insert(
            conn,
            ENCIRCLED_TABLE,
            _encircled_db_row(
                rec,
                frame.iloc[0],
                episode_id=episode,
                adm3=pcode,
                confidence=confidence,
                origin="user",
                supersedes=supersedes,
            ),
        )
        if incident_link is not None:
            _insert_link(conn, incident_link, "encirclement", episode, vid, recorded_by, rec)
    logger.info(
        "constraints: encircled v%d %s (%s) %s by %s", vid, locality, episode, rec["status"], recorded_by
    )
    return WriteResult(vid, supersedes, str(rec["recorded_at"]))


def _insert_link(
    conn: sqlite3.Connection,
    link: dict[str, str],
    kind: str,
    target: str,
    version_id: int,
    recorded_by: str,
    rec: pd.Series,
) -> None:
    """Write the incident link of a version inside the caller's transaction."""
    row = {
        "incident_id": str(link["incident_id"]),
        "incident_date": str(link["incident_date"]),
        "incident_source": str(link["incident_source"]),
        "amrf": str(link["amrf"]),
        "kind": kind,
        "target": target,
        "version_id": version_id,
        "linked_by": recorded_by.strip(),
        "linked_at": str(rec["recorded_at"]),
    }
    insert_row(conn, LINK_TABLE, row, "link_id")


def incident_links(store_path: Path | str, incident_id: str | None = None) -> pd.DataFrame:
    """Every incident -> constraint link, oldest first.

    Parameters
    ----------
    store_path
        Project store.
    incident_id
        Only this incident's links; None for all.

    Returns
    -------
    pandas.DataFrame
        Columns of ``constraint_incident_link`` (``link_id``, ``incident_id``,
        ``incident_date``, ``incident_source``, ``amrf``, ``kind``, ``target``,
        ``version_id``, ``linked_by``, ``linked_at``).
    """
    cols = [
        "link_id",
        "incident_id",
        "incident_date",
        "incident_source",
        "amrf",
        "kind",
        "target",
        "version_id",
        "linked_by",
        "linked_at",
    ]
    with open_store(store_path) as conn:
        sql = f"SELECT {', '.join(cols)} FROM {LINK_TABLE}"
        params: tuple = ()
        if incident_id is not None:
            sql += " WHERE incident_id = ?"
            params = (incident_id,)
        rows = conn.execute(sql + " ORDER BY link_id", params).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=cols)


def _num(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _stored_localities(conn: sqlite3.Connection) -> dict[str, str]:
    """Return :func:`locality_key` -> stored spelling of every locality of the store."""
    rows = conn.execute(f"SELECT DISTINCT locality FROM {ENCIRCLED_TABLE} ORDER BY locality")
    return {locality_key(name): str(name) for (name,) in rows}


def _gazetteer_place(name: str, places: gpd.GeoDataFrame | None, data_dir: Path | None, label: object):  # noqa: ANN202
    """Return the gazetteer's one locality named ``name`` (``geo.sources.places.Place``), or None.

    None when there is no gazetteer to read or it does not know the name (the caller then
    asks for coordinates); a typed ``lat,lon`` or a hub id is not a locality name.

    Raises
    ------
    DataFileError
        Field ``locality``: the name is that of several gazetteer localities (each listed
        with its cercle and region).
    """
    from geo.errors import InputError
    from geo.sources.places import AmbiguousPlaceError, load_places, resolve_place

    if places is None:
        try:
            places = load_places(Path(data_dir)) if data_dir is not None else None
        except AccessMapError as exc:  # no gazetteer in this data folder: coordinates are needed
            logger.info("constraints: no gazetteer to look %r up in (%s)", name, exc)
            return None
    if places is None or places.empty:
        return None
    try:
        place = resolve_place(name, places)
    except AmbiguousPlaceError as exc:
        labels = joined([c.label for c in exc.candidates], "; ")
        msg = Keyed(
            f"{name!r} is the name of {len(exc.candidates)} localities of the gazetteer ({labels}): "
            "pick one, or give lon and lat",
            "err.locality_ambiguous",
            name=repr(name),
            n=len(exc.candidates),
            places=labels,
        )
        raise DataFileError(label, msg, field="locality") from None
    except InputError:
        return None
    return place if place.kind == "locality" else None


def _current_episode(
    conn: sqlite3.Connection, locality: str, episode_id: str | None, since: dt.date | str | None, label: str
) -> sqlite3.Row | None:
    cur = f"NOT EXISTS (SELECT 1 FROM {ENCIRCLED_TABLE} s WHERE s.supersedes = t.version_id)"
    if episode_id is not None:
        row = conn.execute(
            f"SELECT * FROM {ENCIRCLED_TABLE} t WHERE episode_id = ? AND {cur}", (episode_id,)
        ).fetchone()
        if row is None:
            msg = Keyed(f"unknown episode {episode_id!r}", "err.unknown_episode", id=repr(episode_id))
            raise DataFileError(label, msg, field="episode_id")
        if row["locality"] != locality:
            msg = f"episode {episode_id!r} is of {row['locality']!r}, not {locality!r}"
            msg = Keyed(
                msg,
                "err.episode_of_other",
                id=repr(episode_id),
                of=repr(row["locality"]),
                name=repr(locality),
            )
            raise DataFileError(label, msg, field="locality")
        return row
    if since is None:
        return None
    return conn.execute(
        f"SELECT * FROM {ENCIRCLED_TABLE} t WHERE locality = ? AND since = ? "
        f"AND {cur} ORDER BY version_id DESC LIMIT 1",
        (locality, _iso(since)),
    ).fetchone()


__all__ = [
    "ConflictError",
    "ConstraintVersions",
    "WriteResult",
    "adm3_pcodes",
    "axis_head",
    "change_day",
    "effective_encircled",
    "effective_road_status",
    "encircled_history",
    "episode_head",
    "known_axes",
    "load_versions",
    "locality_key",
    "open_store",
    "pick_nearest",
    "record_encircled",
    "record_road_status",
    "road_status_history",
    "state_version",
]


# ---------------------------------------------------------------------------- crossings


def known_crossings(seed_dir: Path | None = CURATED_DIR) -> pd.DataFrame:
    """Return the river crossings a status may be recorded for (``crossings.csv``), by ``crossing_id``."""
    return curated.read_crossings(Path(seed_dir or CURATED_DIR) / "crossings.csv")


def crossing_status_history(store_path: Path | str, crossing_id: str | None = None) -> pd.DataFrame:
    """Every crossing-status version (superseded ones included), oldest first.

    Parameters
    ----------
    store_path
        Project store.
    crossing_id
        Only this crossing; None for all.

    Returns
    -------
    pandas.DataFrame
        The :attr:`ConstraintVersions.crossing_status` columns plus ``superseded_by``.
    """
    with open_store(store_path) as conn:
        if crossing_id is None:
            rows = conn.execute(_select(CROSSING_TABLE, current_only=False)).fetchall()
        else:
            rows = conn.execute(
                _select(CROSSING_TABLE, where="t.crossing_id = ?", current_only=False), (crossing_id,)
            ).fetchall()
    return _road_frame(rows, key="crossing_id")


def effective_crossing_status(
    versions: ConstraintVersions, as_of: dt.date, *, crossings: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Status of every crossing on ``as_of`` (the axes' as-of rule).

    Parameters
    ----------
    versions
        From :func:`load_versions`.
    as_of
        Date.
    crossings
        Known crossings (default :func:`known_crossings`); crossings without a version
        in force are ``unknown``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``crossing_id``; ``name``, ``river``, ``kind`` first, then the as-of
        columns with ``recorded_by``, ``recorded_at`` and ``version_id``.
    """
    crossings = known_crossings() if crossings is None else crossings
    ids = list(dict.fromkeys([*crossings["crossing_id"], *versions.crossing_status["crossing_id"]]))
    out = curated.road_status_as_of(
        versions.crossing_status,
        ids,
        as_of,
        extra_columns=("recorded_by", "recorded_at", "version_id"),
        id_field="crossing_id",
    ).drop(columns=[curated.ESCORT_COLUMN])
    for pos, c in enumerate(("name", "river", "kind")):
        out.insert(pos, c, crossings[c].reindex(out.index).fillna(""))
    return out


def record_crossing_status(
    store_path: Path | str,
    *,
    crossing_id: str,
    status: str,
    cause: str,
    valid_from: dt.date | str,
    source: str,
    recorded_by: str,
    valid_to: dt.date | str | None = None,
    confidence: str = "medium",
    note: str = "",
    status_raw: str = "",
    supersedes: int | None = None,
    seed_dir: Path | None = CURATED_DIR,
) -> WriteResult:
    """Append a crossing-status version (a change, or with ``supersedes`` a correction).

    Same rules as :func:`record_road_status`: validated like the curated file (an
    unknown ``crossing_id``, status, cause, confidence or date is refused, naming the
    field), append-only, a word-for-word repeat of a current version refused. A
    ``closed`` crossing cuts the routes through it; ``constrained`` doubles its time.

    Returns
    -------
    WriteResult

    Raises
    ------
    DataFileError
        Invalid input, naming the field; nothing is written.
    StoreError
        Store not ours or newer schema.
    """
    label = Keyed("crossing-status input", "err.where.crossing_input")
    row = {
        "crossing_id": crossing_id,
        "status": status,
        "status_raw": status_raw,
        "cause": cause,
        "valid_from": _iso(valid_from),
        "valid_to": _iso(valid_to),
        "confidence": confidence,
        "source": source,
        "note": note,
        "recorded_by": recorded_by,
        "recorded_at": "",
    }
    df = pd.DataFrame([{k: ("" if v is None else str(v).strip()) for k, v in row.items()}])
    known = set(known_crossings(seed_dir)["crossing_id"])
    checked = curated.validate_road_status(df, path=label, known_axes=known, id_field="crossing_id")
    _raise_rejected(checked.rejected, label)
    if not df.at[0, "recorded_by"]:
        raise DataFileError(label, REQUIRED, field="recorded_by")
    rec = checked.valid.iloc[0].copy()
    with open_store(store_path, seed_dir=seed_dir) as conn, transaction(conn):
        if supersedes is not None:
            _check_supersedes(conn, CROSSING_TABLE, supersedes, "crossing_id", rec["crossing_id"], label)
        rec["recorded_at"] = _utc_now()
        new_row = _crossing_db_row(rec, origin="user", supersedes=supersedes)
        if supersedes is None:
            _refuse_repeat(conn, new_row, label, table=CROSSING_TABLE)
        vid = _insert(conn, CROSSING_TABLE, new_row)
    logger.info(
        "constraints: crossing status v%d %s=%s from %s by %s",
        vid,
        crossing_id,
        status,
        rec["valid_from"],
        recorded_by,
    )
    return WriteResult(vid, supersedes, str(rec["recorded_at"]))
