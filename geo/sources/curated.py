"""The curated access layers this project authors (``data/curated/*.csv``).

Files and schemas
-----------------
``hubs.csv``
    HAWG hubs: ``hub_id``, ``name``, ``level`` {national, subnational}, ``lon``, ``lat``,
    ``aor_adm1_pcodes``/``aor_adm2_pcodes`` (``;``-separated COD-AB 2015 P-codes),
    ``status`` {confirmed, inferred, unconfirmed}, ``source_refs``, ``as_of``.
``axes.csv``
    Named road axes: ``axis_id``, ``axis_name``, ``route_ref``, ``road_class``
    {main, secondary, track}, ``snap`` {yes, no} (lay it onto the road lines, or draw it
    through its waypoints because it is another road than the skeleton's), ``waypoints``
    (``Name@lat lon;Name@lat lon;...``), ``source_refs``. Geometry is built by :func:`geo.sources.roads.build_axes`.
``road_status.csv``
    Status versions per axis: ``axis_id``, ``status`` (``geo.vocab.ROAD_STATUS``: open,
    constrained, closed, unknown), ``status_raw`` (publisher's wording), ``cause``
    (``geo.vocab.CAUSE``: security, physical, administrative, seasonal), ``valid_from``,
    ``valid_to`` (empty = open-ended), ``confidence`` (``geo.vocab.CONFIDENCE``: low,
    medium, high), ``source``, ``note``, ``recorded_by``, ``recorded_at``.
``encircled.csv``
    NSAG-encircled / blockaded localities, one row per episode: ``locality``, ``lon``,
    ``lat``, ``coord_confidence``, ``status`` (``geo.vocab.ENCIRCLED_STATUS``: active, lifted,
    unknown), ``since``,
    ``until`` (empty = not lifted), ``last_confirmed``, ``armed_group`` (restricted),
    ``radius_km`` (no-entry zone; empty = default), ``public`` (bool), ``source``,
    ``note``, ``recorded_by``, ``recorded_at``.

Source keys (``S-...``) resolve in ``sources.csv`` (from shared
``reference/access_facts.md``). Readers return :class:`Checked`: the valid rows and the
rejected ones with file, row, field and reason; nothing is dropped silently.

As-of rule
----------
A road-status version is in force on date *d* when ``valid_from <= d`` and
(``valid_to`` is empty or ``d <= valid_to``); when several are, the latest
``valid_from`` wins (then the latest ``recorded_at``). An encirclement applies on *d*
when ``since <= d`` and (``until`` empty or ``d <= until``), except that an ``unknown``
episode applies only up to its ``last_confirmed`` date: a blockade nobody has
confirmed since is shown, not modelled.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.config import CURATED_DIR, DEFAULT_NO_ENTRY_RADIUS_KM, STORAGE_CRS
from geo.errors import DataFileError, InputError
from geo.vocab import CAUSE, CONFIDENCE, ENCIRCLED_STATUS, ROAD_STATUS

logger = logging.getLogger(__name__)

ROAD_CLASSES = ("main", "secondary", "track")
HUB_LEVELS = ("national", "subnational")

#: Mali's extent with a margin, lon/lat degrees: coordinates outside it are rejected.
MALI_BOUNDS = (-12.5, 10.0, 4.5, 25.2)

HUB_COLUMNS = [
    "hub_id",
    "name",
    "level",
    "lon",
    "lat",
    "aor_adm1_pcodes",
    "aor_adm2_pcodes",
    "status",
    "source_refs",
    "as_of",
]
AXIS_COLUMNS = ["axis_id", "axis_name", "route_ref", "road_class", "snap", "waypoints", "source_refs"]
ROAD_STATUS_COLUMNS = [
    "axis_id",
    "status",
    "status_raw",
    "cause",
    "valid_from",
    "valid_to",
    "confidence",
    "source",
    "note",
    "recorded_by",
    "recorded_at",
]
ENCIRCLED_COLUMNS = [
    "locality",
    "lon",
    "lat",
    "coord_confidence",
    "status",
    "since",
    "until",
    "last_confirmed",
    "armed_group",
    "radius_km",
    "public",
    "source",
    "note",
    "recorded_by",
    "recorded_at",
]


@dataclass(frozen=True)
class Checked:
    """Result of reading a curated or imported table.

    Attributes
    ----------
    valid
        Rows that passed every check (a DataFrame or GeoDataFrame).
    rejected
        Rows that failed, with the original values plus ``file``, ``row`` (1-based data
        row), ``field`` and ``reason``.
    """

    valid: pd.DataFrame
    rejected: pd.DataFrame


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataFileError(path, f"cannot read CSV ({exc})") from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        msg = f"missing column(s) {missing}; expected {columns}"
        raise DataFileError(path, msg, field=missing[0])
    return df.apply(lambda s: s.str.strip())


class _RowChecker:
    """Collects per-row problems while a table is validated."""

    def __init__(self, path: Path, df: pd.DataFrame) -> None:
        self.path, self.df = path, df
        self.problems: dict[int, tuple[str, str]] = {}

    def flag(self, idx: int, field: str, reason: str) -> None:
        self.problems.setdefault(idx, (field, reason))

    def require(self, field: str) -> None:
        for idx in self.df.index[self.df[field] == ""]:
            self.flag(idx, field, "required value is empty")

    def choice(self, field: str, allowed: Collection[str], *, allow_empty: bool = False) -> None:
        for idx, value in self.df[field].items():
            if value == "" and allow_empty:
                continue
            if value not in allowed:
                self.flag(idx, field, f"{value!r} is not one of {list(allowed)}")

    def date(self, field: str, *, allow_empty: bool = True) -> pd.Series:
        parsed = pd.to_datetime(self.df[field], format="%Y-%m-%d", errors="coerce")
        for idx, value in self.df[field].items():
            if value == "" and allow_empty:
                continue
            if pd.isna(parsed[idx]):
                self.flag(idx, field, f"{value!r} is not a date YYYY-MM-DD")
        return parsed.dt.date

    def number(self, field: str, lo: float, hi: float, *, allow_empty: bool = False) -> pd.Series:
        parsed = pd.to_numeric(self.df[field], errors="coerce")
        for idx, value in self.df[field].items():
            if value == "" and allow_empty:
                continue
            if pd.isna(parsed[idx]) or not lo <= parsed[idx] <= hi:
                self.flag(idx, field, f"{value!r} is not a number in [{lo}, {hi}]")
        return parsed

    def order(self, first: pd.Series, second: pd.Series, field: str) -> None:
        for idx in self.df.index:
            a, b = first[idx], second[idx]
            if pd.notna(a) and pd.notna(b) and b < a:
                self.flag(idx, field, f"{b} is before {a}")

    def split(self) -> tuple[pd.Index, pd.DataFrame]:
        bad = sorted(self.problems)
        rejected = self.df.loc[bad].copy()
        rejected.insert(0, "file", str(self.path))
        rejected.insert(1, "row", [i + 1 for i in bad])
        rejected["field"] = [self.problems[i][0] for i in bad]
        rejected["reason"] = [self.problems[i][1] for i in bad]
        for i in bad:
            logger.info("%s row %d field %s: %s", self.path.name, i + 1, *self.problems[i])
        return self.df.index.difference(bad), rejected.reset_index(drop=True)


def _points(df: pd.DataFrame, lon: pd.Series, lat: pd.Series) -> gpd.GeoDataFrame:
    geom = [Point(x, y) if pd.notna(x) and pd.notna(y) else None for x, y in zip(lon, lat, strict=True)]
    return gpd.GeoDataFrame(df, geometry=geom, crs=STORAGE_CRS)


def read_hubs(path: Path | None = None) -> Checked:
    """Read and validate the HAWG hubs table.

    Parameters
    ----------
    path
        CSV file; default ``data/curated/hubs.csv``.

    Returns
    -------
    Checked
        ``valid`` is a GeoDataFrame indexed by ``hub_id`` with Point geometry (EPSG:4326),
        ``lon``/``lat`` as floats and the P-code lists split into Python lists.

    Raises
    ------
    DataFileError
        Unreadable file or missing column; a duplicate ``hub_id`` is a row rejection.
    """
    path = Path(path or CURATED_DIR / "hubs.csv")
    df = _read_csv(path, HUB_COLUMNS)
    chk = _RowChecker(path, df)
    for f in ("hub_id", "name", "source_refs"):
        chk.require(f)
    chk.choice("level", HUB_LEVELS)
    chk.choice("status", ("confirmed", "inferred", "unconfirmed"))
    lon = chk.number("lon", MALI_BOUNDS[0], MALI_BOUNDS[2])
    lat = chk.number("lat", MALI_BOUNDS[1], MALI_BOUNDS[3])
    for idx in df.index[df["hub_id"].duplicated()]:
        chk.flag(idx, "hub_id", f"duplicate hub_id {df.at[idx, 'hub_id']!r}")
    ok, rejected = chk.split()
    out = df.loc[ok].copy()
    out["lon"], out["lat"] = lon[ok], lat[ok]
    for c in ("aor_adm1_pcodes", "aor_adm2_pcodes"):
        out[c] = out[c].map(lambda s: [p.strip() for p in s.split(";") if p.strip()])
    gdf = _points(out, out["lon"], out["lat"]).set_index("hub_id", drop=False)
    gdf.index.name = None
    return Checked(gdf, rejected)


def select_hubs(hub_ids: list[str] | None = None, *, path: Path | None = None) -> gpd.GeoDataFrame:
    """Valid hubs, optionally only ``hub_ids`` (in that order; ids are not case-sensitive).

    Raises
    ------
    InputError
        If an id is unknown (the message lists the known ids).
    """
    hubs = read_hubs(path).valid
    if not hub_ids:
        return hubs
    by_fold = {str(h).casefold(): h for h in hubs.index}
    unknown = [h for h in hub_ids if h.strip().casefold() not in by_fold]
    if unknown:
        msg = f"unknown hub id(s) {unknown}; known: {list(hubs.index)}"
        raise InputError(msg)
    return hubs.loc[[by_fold[h.strip().casefold()] for h in hub_ids]]


def parse_waypoints(text: str) -> list[tuple[str, float, float]]:
    """Parse ``Name@lat lon;Name@lat lon`` into ``[(name, lon, lat), ...]``.

    Raises
    ------
    ValueError
        If an item is not ``Name@lat lon`` with numeric coordinates.
    """
    out = []
    for item in text.split(";"):
        name, _, coords = item.partition("@")
        parts = coords.split()
        if not name.strip() or len(parts) != 2:
            msg = f"waypoint {item!r} is not 'Name@lat lon'"
            raise ValueError(msg)
        lat, lon = float(parts[0]), float(parts[1])
        out.append((name.strip(), lon, lat))
    return out


def read_axes(path: Path | None = None) -> Checked:
    """Read and validate the road axes table (``data/curated/axes.csv`` by default).

    Returns
    -------
    Checked
        ``valid`` is a DataFrame indexed by ``axis_id`` with a ``waypoint_list`` column
        of ``(name, lon, lat)`` tuples (at least two, inside Mali's extent).
    """
    path = Path(path or CURATED_DIR / "axes.csv")
    df = _read_csv(path, AXIS_COLUMNS)
    chk = _RowChecker(path, df)
    for f in ("axis_id", "axis_name", "waypoints"):
        chk.require(f)
    chk.choice("road_class", ROAD_CLASSES)
    chk.choice("snap", ("yes", "no"))
    for idx in df.index[df["axis_id"].duplicated()]:
        chk.flag(idx, "axis_id", f"duplicate axis_id {df.at[idx, 'axis_id']!r}")
    waypoints: dict[int, list[tuple[str, float, float]]] = {}
    for idx, text in df["waypoints"].items():
        try:
            pts = parse_waypoints(text)
        except ValueError as exc:
            chk.flag(idx, "waypoints", str(exc))
            continue
        if len(pts) < 2:
            chk.flag(idx, "waypoints", "an axis needs at least two waypoints")
        elif any(
            not (MALI_BOUNDS[0] <= x <= MALI_BOUNDS[2] and MALI_BOUNDS[1] <= y <= MALI_BOUNDS[3])
            for _, x, y in pts
        ):
            chk.flag(idx, "waypoints", "a waypoint lies outside Mali (expected 'lat lon' order)")
        waypoints[idx] = pts
    ok, rejected = chk.split()
    out = df.loc[ok].copy()
    out["waypoint_list"] = [waypoints[i] for i in ok]
    return Checked(out.set_index("axis_id", drop=False).rename_axis(None), rejected)


def validate_road_status(
    df: pd.DataFrame, *, path: Path | str = "<memory>", known_axes: set[str] | None = None
) -> Checked:
    """Validate road-status versions (schema in the module docstring).

    Parameters
    ----------
    df
        Rows as strings, columns ``ROAD_STATUS_COLUMNS``.
    path
        Origin, for messages.
    known_axes
        Axis ids that exist; a version for any other axis is rejected.

    Returns
    -------
    Checked
        ``valid`` with ``valid_from``/``valid_to`` as ``datetime.date`` (``valid_to``
        None when open-ended).
    """
    df = df.reset_index(drop=True)
    chk = _RowChecker(Path(path), df)
    for f in ("axis_id", "source", "valid_from"):
        chk.require(f)
    chk.choice("status", ROAD_STATUS)
    chk.choice("cause", CAUSE)
    chk.choice("confidence", CONFIDENCE)
    start = chk.date("valid_from", allow_empty=False)
    end = chk.date("valid_to")
    chk.order(start, end, "valid_to")
    if known_axes is not None:
        for idx, axis in df["axis_id"].items():
            if axis and axis not in known_axes:
                chk.flag(idx, "axis_id", f"unknown axis {axis!r}")
    ok, rejected = chk.split()
    out = df.loc[ok].copy()
    out["valid_from"] = start[ok]
    out["valid_to"] = end[ok].map(lambda d: None if pd.isna(d) else d)
    return Checked(out.reset_index(drop=True), rejected)


def read_road_status(path: Path | None = None, *, known_axes: set[str] | None = None) -> Checked:
    """Read ``data/curated/road_status.csv`` (or ``path``); see :func:`validate_road_status`."""
    path = Path(path or CURATED_DIR / "road_status.csv")
    if known_axes is None:
        known_axes = (
            set(read_axes(path.parent / "axes.csv").valid["axis_id"])
            if (path.parent / "axes.csv").exists()
            else None
        )
    return validate_road_status(_read_csv(path, ROAD_STATUS_COLUMNS), path=path, known_axes=known_axes)


def validate_encircled(df: pd.DataFrame, *, path: Path | str = "<memory>") -> Checked:
    """Validate encircled-locality episodes (schema in the module docstring).

    Returns
    -------
    Checked
        ``valid`` is a GeoDataFrame (Point, EPSG:4326) with dates as ``datetime.date``
        (None when empty), ``radius_km`` as float (default filled in) and ``public`` as bool.
    """
    df = df.reset_index(drop=True)
    chk = _RowChecker(Path(path), df)
    for f in ("locality", "source", "since"):
        chk.require(f)
    chk.choice("status", ENCIRCLED_STATUS)
    chk.choice("coord_confidence", CONFIDENCE)
    chk.choice("public", ("true", "false"))
    lon = chk.number("lon", MALI_BOUNDS[0], MALI_BOUNDS[2])
    lat = chk.number("lat", MALI_BOUNDS[1], MALI_BOUNDS[3])
    radius = chk.number("radius_km", 0.5, 100.0, allow_empty=True)
    since = chk.date("since", allow_empty=False)
    until = chk.date("until")
    confirmed = chk.date("last_confirmed")
    chk.order(since, until, "until")
    for idx in df.index:
        if df.at[idx, "status"] == "lifted" and df.at[idx, "until"] == "":
            chk.flag(idx, "until", "a lifted episode needs its until date")
    ok, rejected = chk.split()
    out = df.loc[ok].copy()
    out["lon"], out["lat"] = lon[ok], lat[ok]
    out["radius_km"] = radius[ok].fillna(DEFAULT_NO_ENTRY_RADIUS_KM)
    out["public"] = out["public"] == "true"
    out["since"] = since[ok]
    for name, series in (("until", until), ("last_confirmed", confirmed)):
        out[name] = series[ok].map(lambda d: None if pd.isna(d) else d)
    return Checked(_points(out, out["lon"], out["lat"]).reset_index(drop=True), rejected)


def read_encircled(path: Path | None = None) -> Checked:
    """Read ``data/curated/encircled.csv`` (or ``path``); see :func:`validate_encircled`."""
    path = Path(path or CURATED_DIR / "encircled.csv")
    return validate_encircled(_read_csv(path, ENCIRCLED_COLUMNS), path=path)


def road_status_as_of(
    versions: pd.DataFrame,
    axis_ids: list[str] | pd.Index,
    as_of: dt.date,
    *,
    extra_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Effective status of each axis on ``as_of``.

    Parameters
    ----------
    versions
        Valid road-status versions (``Checked.valid`` of :func:`read_road_status` or
        the store's history).
    axis_ids
        Every known axis; axes without a version in force get ``unknown``.
    as_of
        Date the state is reconstructed for.
    extra_columns
        Further columns of ``versions`` to carry over (e.g. ``recorded_by``,
        ``recorded_at``, ``version_id``); empty where no version applies.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``axis_id``: ``status``, ``cause``, ``valid_from``, ``valid_to``,
        ``source``, ``note``, ``confidence``, ``status_raw``, then ``extra_columns``,
        then ``in_force`` (False where no version applies).
    """
    v = versions
    mask = (v["valid_from"] <= as_of) & v["valid_to"].map(lambda d: d is None or as_of <= d)
    cur = v[mask].sort_values(["valid_from", "recorded_at"]).groupby("axis_id").tail(1)
    cur = cur.set_index("axis_id")
    out = pd.DataFrame(index=pd.Index(list(axis_ids), name="axis_id"))
    cols = ["status", "cause", "valid_from", "valid_to", "source", "note", "confidence", "status_raw"]
    out = out.join(cur[cols + [c for c in extra_columns if c not in cols]])
    out["in_force"] = out["status"].notna()
    out["status"] = out["status"].fillna("unknown")
    return out


def encircled_as_of(episodes: gpd.GeoDataFrame, as_of: dt.date) -> gpd.GeoDataFrame:
    """Add ``in_force`` (bool) to the episodes: does each one apply on ``as_of``?

    See the as-of rule in the module docstring. Returns a copy with the column added.
    """
    e = episodes.copy()

    def applies(row: pd.Series) -> bool:
        if row["since"] > as_of:
            return False
        if row["until"] is not None and as_of > row["until"]:
            return False
        if row["status"] == "unknown":
            return row["last_confirmed"] is not None and as_of <= row["last_confirmed"]
        return True

    e["in_force"] = e.apply(applies, axis=1) if len(e) else pd.Series(dtype=bool)
    return e


def read_sources(path: Path | None = None) -> pd.DataFrame:
    """Source keys (``S-...``) with publisher, title, date and URL, indexed by key."""
    path = Path(path or CURATED_DIR / "sources.csv")
    return _read_csv(path, ["key", "publisher", "title", "date", "url"]).set_index("key")
