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
    (``Name@lat lon;Name@lat lon;...``), ``source_refs``. Geometry is built by
    :func:`geo.sources.roads.build_axes`.
``road_status.csv``
    Status versions per axis: ``axis_id``, ``status`` (``geo.vocab.ROAD_STATUS``: open,
    constrained, closed, unknown), ``status_raw`` (publisher's wording), ``cause``
    (``geo.vocab.CAUSE``: security, physical, administrative, seasonal), ``valid_from``,
    ``valid_to`` (empty = open-ended), ``confidence`` (``geo.vocab.CONFIDENCE``: low,
    medium, high), ``source``, ``note``, ``recorded_by``, ``recorded_at``, and optionally
    ``escort_kmh`` (escorted/convoy speed on a constrained axis, km/h; empty = the
    status factor applies).
``encircled.csv``
    NSAG-encircled / blockaded localities, one row per episode: ``locality``, ``lon``,
    ``lat``, ``coord_confidence``, ``status`` (``geo.vocab.ENCIRCLED_STATUS``: active, lifted,
    unknown), ``since``,
    ``until`` (empty = not lifted), ``last_confirmed``, ``armed_group`` (restricted),
    ``radius_km`` (no-entry zone; empty = default), ``public`` (bool), ``source``,
    ``note``, ``recorded_by``, ``recorded_at``.

``network.csv``
    Roads and tracks the main-road skeleton misses: ``segment_id``, ``name``,
    ``route_ref``, ``surface`` {paved, laterite, track}, ``season`` {all_year, dry_only},
    ``snap`` {yes, no}, ``waypoints`` (as in axes.csv), ``schematic`` {true, false},
    ``source_refs``, ``as_of`` (YYYY-MM-DD), ``note``. Read by :func:`read_network`.
``crossings.csv``
    River crossings: ``crossing_id``, ``name``, ``river``, ``kind`` {bridge, ferry,
    pirogue, ford}, ``lon``, ``lat``, ``crossing_h``, ``wait_h`` (hours), ``hours``
    (``HH:MM-HH:MM``, empty = always), ``season`` {all_year, dry_only, wet_only},
    ``vehicles`` {true, false}, ``segment_id``, ``schematic``, ``source_refs``,
    ``as_of``, ``note``. Read by :func:`read_crossings`.
``crossing_status.csv``
    Status versions per crossing, the columns of ``road_status.csv`` with
    ``crossing_id`` for ``axis_id`` (same statuses, same as-of rule).
``flood_zones.csv``
    Land flooded in some months: ``zone_id``, ``name``, ``months`` (``MM-MM``,
    wrapping allowed), ``effect`` {impassable, slow}, ``factor`` (friction multiplier
    > 1 for slow), ``wkt`` (POLYGON/MULTIPOLYGON, EPSG:4326), ``schematic``,
    ``source_refs``, ``note``. Read by :func:`read_flood_zones`.
``seasons.csv``
    The season calendar: ``month`` (1-12), ``season`` {dry, rainy}, ``source``. Read
    by :func:`read_season_calendar`; :func:`season_for_date` applies it.

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
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.config import CURATED_DIR, DEFAULT_NO_ENTRY_RADIUS_KM, STORAGE_CRS
from geo.errors import DataFileError, InputError
from geo.text import Keyed
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
#: Optional column of road-status versions (escorted/convoy speed, km/h).
ESCORT_COLUMN = "escort_kmh"
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


_ROUTE_REF = re.compile(r"^(RN\d+)\b")


def axis_label(axis_id: str, axis_name: object, route_ref: object) -> str:
    """Return a curated axis as people read it: ``"RN16 Sévaré–Douentza"``.

    The one name of an axis on every page, table and product: the route number first when
    the reference is a national road (``RN16``), place names joined by en dashes, a trailing
    remark in brackets dropped (``"Sévaré - Koro (route des poissons)"``: ``RN15 Sévaré–Koro``).

    Parameters
    ----------
    axis_id
        Used when the name is empty.
    axis_name
        Curated name (``"Sévaré - Douentza"``).
    route_ref
        Curated route reference (``"RN16"``, ``"track"``, NaN).
    """
    name = axis_name if isinstance(axis_name, str) else ""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip() or str(axis_id)
    name = re.sub(r"\s+-\s+", "–", name)
    ref = _ROUTE_REF.match(route_ref if isinstance(route_ref, str) else "")
    return f"{ref.group(1)} {name}" if ref and not name.startswith(ref.group(1)) else name


def crossing_label(crossing_id: str, name: object, river: object) -> str:
    """Return a curated crossing as people read it, with its river: ``"Bac de Korioumé (Niger)"``.

    ``crossing_id`` is used when the name is empty; the river is left out when the name
    already holds it.
    """
    text = name.strip() if isinstance(name, str) and name.strip() else str(crossing_id)
    return f"{text} ({river})" if isinstance(river, str) and river.strip() and river not in text else text


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
        raise DataFileError(
            path, Keyed(f"cannot read CSV ({exc})", "err.csv_unreadable", detail=str(exc))
        ) from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        msg = Keyed(
            f"missing column(s) {missing}; expected {columns}",
            "err.missing_columns",
            missing=", ".join(missing),
            expected=", ".join(columns),
        )
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
            self.flag(idx, field, Keyed("required value is empty", "err.required_empty"))

    def choice(self, field: str, allowed: Collection[str], *, allow_empty: bool = False) -> None:
        for idx, value in self.df[field].items():
            if value == "" and allow_empty:
                continue
            if value not in allowed:
                reason = f"{value!r} is not one of {list(allowed)}"
                self.flag(
                    idx, field, Keyed(reason, "err.not_one_of", value=repr(value), allowed=", ".join(allowed))
                )

    def date(self, field: str, *, allow_empty: bool = True) -> pd.Series:
        parsed = pd.to_datetime(self.df[field], format="%Y-%m-%d", errors="coerce")
        for idx, value in self.df[field].items():
            if value == "" and allow_empty:
                continue
            if pd.isna(parsed[idx]):
                self.flag(
                    idx,
                    field,
                    Keyed(f"{value!r} is not a date YYYY-MM-DD", "err.not_a_date", value=repr(value)),
                )
        return parsed.dt.date

    def number(self, field: str, lo: float, hi: float, *, allow_empty: bool = False) -> pd.Series:
        parsed = pd.to_numeric(self.df[field], errors="coerce")
        for idx, value in self.df[field].items():
            if value == "" and allow_empty:
                continue
            if pd.isna(parsed[idx]) or not lo <= parsed[idx] <= hi:
                reason = f"{value!r} is not a number in [{lo}, {hi}]"
                self.flag(
                    idx,
                    field,
                    Keyed(reason, "err.not_in_range", value=repr(value), lo=f"{lo:g}", hi=f"{hi:g}"),
                )
        return parsed

    def order(self, first: pd.Series, second: pd.Series, field: str) -> None:
        for idx in self.df.index:
            a, b = first[idx], second[idx]
            if pd.notna(a) and pd.notna(b) and b < a:
                self.flag(idx, field, Keyed(f"{b} is before {a}", "err.before", a=a, b=b))

    def split(self) -> tuple[pd.Index, pd.DataFrame]:
        bad = sorted(self.problems)
        rejected = self.df.loc[bad].copy()
        rejected.insert(0, "file", str(self.path))
        rejected.insert(1, "row", [i + 1 for i in bad])
        rejected["field"] = [self.problems[i][0] for i in bad]
        # object dtype keeps geo.text.Keyed reasons (a string column would turn them into str)
        rejected["reason"] = pd.Series([self.problems[i][1] for i in bad], index=rejected.index, dtype=object)
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
    """Return the valid hubs, optionally only ``hub_ids`` (in that order; ids are not case-sensitive).

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
        known = ", ".join(f"{h} ({hubs.at[h, 'name']})" for h in hubs.index)
        raise InputError(msg).keyed(key="err.unknown_hub", text=", ".join(map(repr, unknown)), known=known)
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
    df: pd.DataFrame,
    *,
    path: Path | str = "<memory>",
    known_axes: set[str] | None = None,
    id_field: str = "axis_id",
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
    id_field
        ``axis_id``, or ``crossing_id`` for crossing-status versions (same schema).

    Returns
    -------
    Checked
        ``valid`` with ``valid_from``/``valid_to`` as ``datetime.date`` (``valid_to``
        None when open-ended).
    """
    df = df.reset_index(drop=True)
    chk = _RowChecker(Path(path), df)
    for f in (id_field, "source", "valid_from"):
        chk.require(f)
    chk.choice("status", ROAD_STATUS)
    chk.choice("cause", CAUSE)
    chk.choice("confidence", CONFIDENCE)
    start = chk.date("valid_from", allow_empty=False)
    end = chk.date("valid_to")
    chk.order(start, end, "valid_to")
    if ESCORT_COLUMN not in df.columns:
        df[ESCORT_COLUMN] = ""
    df[ESCORT_COLUMN] = df[ESCORT_COLUMN].fillna("").astype(str).str.strip()
    escort = chk.number(ESCORT_COLUMN, 1.0, 130.0, allow_empty=True)
    for idx in df.index[(df[ESCORT_COLUMN] != "") & (df["status"] != "constrained")]:
        chk.flag(
            idx,
            ESCORT_COLUMN,
            Keyed("an escort speed applies only to a constrained axis", "err.escort_constrained"),
        )
    if known_axes is not None:
        what = "axis" if id_field == "axis_id" else "crossing"
        for idx, axis in df[id_field].items():
            if axis and axis not in known_axes:
                chk.flag(
                    idx, id_field, Keyed(f"unknown {what} {axis!r}", f"err.unknown_{what}", id=repr(axis))
                )
    ok, rejected = chk.split()
    out = df.loc[ok].copy()
    out["valid_from"] = start[ok]
    out["valid_to"] = end[ok].map(lambda d: None if pd.isna(d) else d)
    out[ESCORT_COLUMN] = escort[ok].astype(float)
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
    id_field: str = "axis_id",
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
    id_field
        ``axis_id``, or ``crossing_id`` for crossing-status versions (same rule).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``axis_id``: ``status``, ``cause``, ``valid_from``, ``valid_to``,
        ``source``, ``note``, ``confidence``, ``status_raw``, then ``extra_columns``,
        then ``in_force`` (False where no version applies).
    """
    v = versions
    mask = (v["valid_from"] <= as_of) & v["valid_to"].map(lambda d: d is None or as_of <= d)
    cur = v[mask].sort_values(["valid_from", "recorded_at"]).groupby(id_field).tail(1)
    cur = cur.set_index(id_field)
    out = pd.DataFrame(index=pd.Index(list(axis_ids), name=id_field))
    cols = ["status", "cause", "valid_from", "valid_to", "source", "note", "confidence", "status_raw"]
    if ESCORT_COLUMN in cur.columns:
        cols.append(ESCORT_COLUMN)
    out = out.join(cur[cols + [c for c in extra_columns if c not in cols]])
    if ESCORT_COLUMN not in out.columns:
        out[ESCORT_COLUMN] = float("nan")
    out[ESCORT_COLUMN] = pd.to_numeric(out[ESCORT_COLUMN], errors="coerce").astype(float)
    out["in_force"] = out["status"].notna()
    out["status"] = out["status"].fillna("unknown")
    return out


def encircled_as_of(episodes: gpd.GeoDataFrame, as_of: dt.date) -> gpd.GeoDataFrame:
    """Add ``in_force`` (bool) to the episodes: whether each one applies on ``as_of``.

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


# --------------------------------------------------------------- secondary network

NETWORK_COLUMNS = [
    "segment_id",
    "name",
    "route_ref",
    "surface",
    "season",
    "snap",
    "waypoints",
    "schematic",
    "source_refs",
    "as_of",
    "note",
]
CROSSING_COLUMNS = [
    "crossing_id",
    "name",
    "river",
    "kind",
    "lon",
    "lat",
    "crossing_h",
    "wait_h",
    "hours",
    "season",
    "vehicles",
    "segment_id",
    "schematic",
    "source_refs",
    "as_of",
    "note",
]
CROSSING_STATUS_COLUMNS = ["crossing_id", *ROAD_STATUS_COLUMNS[1:]]
FLOOD_COLUMNS = ["zone_id", "name", "months", "effect", "factor", "wkt", "schematic", "source_refs", "note"]
SEASON_COLUMNS = ["month", "season", "source"]
SURFACES = ("paved", "laterite", "track")
SEGMENT_SEASONS = ("all_year", "dry_only")
CROSSING_KINDS = ("bridge", "ferry", "pirogue", "ford")
CROSSING_SEASONS = ("all_year", "dry_only", "wet_only")
FLOOD_EFFECTS = ("impassable", "slow")
MODEL_SEASONS = ("dry", "rainy")


def _raise_first(rejected: pd.DataFrame) -> None:
    """Raise :class:`DataFileError` for the first rejected row, if any."""
    if len(rejected):
        first = rejected.iloc[0]
        raise DataFileError(first["file"], first["reason"], row=int(first["row"]), field=first["field"])


def _read_optional(path: Path, columns: list[str]) -> pd.DataFrame:
    """Read the CSV's rows as strings, or return an empty table with ``columns`` if the file is absent."""
    if not path.exists():
        logger.info("%s not found: read as empty", path)
        return pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
    return _read_csv(path, columns)


def _flags(chk: _RowChecker, field: str) -> pd.Series:
    chk.choice(field, ("true", "false"))
    return chk.df[field] == "true"


def _unique(chk: _RowChecker, field: str) -> None:
    df = chk.df
    for idx in df.index[df[field].duplicated() & (df[field] != "")]:
        value = repr(df.at[idx, field])
        chk.flag(idx, field, Keyed(f"duplicate {field} {value}", "err.duplicate", field=field, value=value))


def _waypoint_lists(chk: _RowChecker, field: str = "waypoints") -> dict[int, list[tuple[str, float, float]]]:
    out: dict[int, list[tuple[str, float, float]]] = {}
    for idx, text in chk.df[field].items():
        try:
            pts = parse_waypoints(text)
        except ValueError as exc:
            chk.flag(idx, field, str(exc))
            continue
        if len(pts) < 2:
            chk.flag(idx, field, "a segment needs at least two waypoints")
        elif any(
            not (MALI_BOUNDS[0] <= x <= MALI_BOUNDS[2] and MALI_BOUNDS[1] <= y <= MALI_BOUNDS[3])
            for _, x, y in pts
        ):
            chk.flag(idx, field, "a waypoint lies outside Mali (expected 'lat lon' order)")
        out[idx] = pts
    return out


def read_network(path: Path | None = None) -> pd.DataFrame:
    """Read and validate the secondary network (``data/curated/network.csv``).

    Parameters
    ----------
    path
        CSV file; default ``data/curated/network.csv``. An absent file reads as an
        empty network.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``segment_id``; the columns of the file (``schematic`` as bool,
        ``as_of`` as ``datetime.date``) plus ``waypoint_list`` of ``(name, lon, lat)``
        tuples (EPSG:4326 degrees).

    Raises
    ------
    DataFileError
        Unreadable file, missing column, or the first bad row (file, row, field):
        empty id or name, duplicate id, unknown surface/season/snap, bad waypoints,
        bad date, no source.
    """
    path = Path(path or CURATED_DIR / "network.csv")
    df = _read_optional(path, NETWORK_COLUMNS)
    chk = _RowChecker(path, df)
    for f in ("segment_id", "name", "waypoints", "source_refs", "as_of"):
        chk.require(f)
    _unique(chk, "segment_id")
    chk.choice("surface", SURFACES)
    chk.choice("season", SEGMENT_SEASONS)
    chk.choice("snap", ("yes", "no"))
    schematic = _flags(chk, "schematic")
    as_of = chk.date("as_of", allow_empty=False)
    pts = _waypoint_lists(chk)
    ok, rejected = chk.split()
    _raise_first(rejected)
    out = df.loc[ok].copy()
    out["schematic"] = schematic[ok].astype(bool)
    out["as_of"] = as_of[ok]
    out["waypoint_list"] = [pts[i] for i in ok]
    return out.set_index("segment_id", drop=False).rename_axis(None)


def parse_hours(text: str) -> tuple[float, float] | None:
    """Parse operating hours ``HH:MM-HH:MM`` into ``(open_h, close_h)`` (0-24); empty -> None.

    A window that wraps past midnight (``20:00-06:00``) is allowed.

    Raises
    ------
    ValueError
        Not ``HH:MM-HH:MM`` with valid times, or an empty window (same open and close).
    """
    if not text:
        return None
    parts = text.split("-")
    if len(parts) != 2:
        msg = f"hours {text!r} are not 'HH:MM-HH:MM'"
        raise ValueError(msg)
    out = []
    for part in parts:
        try:
            t = dt.datetime.strptime(part.strip(), "%H:%M").time()
        except ValueError:
            msg = f"hours {text!r} are not 'HH:MM-HH:MM'"
            raise ValueError(msg) from None
        out.append(t.hour + t.minute / 60.0)
    if out[0] == out[1]:
        msg = f"hours {text!r} open and close at the same time (leave empty for always open)"
        raise ValueError(msg)
    return out[0], out[1]


def read_crossings(path: Path | None = None) -> gpd.GeoDataFrame:
    """Read and validate the river crossings (``data/curated/crossings.csv``).

    Parameters
    ----------
    path
        CSV file; default ``data/curated/crossings.csv``. An absent file reads as no
        crossing (every river is then a barrier).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``crossing_id``; Point geometry (EPSG:4326); ``lon``, ``lat``,
        ``crossing_h``, ``wait_h`` (hours) as floats; ``vehicles`` and ``schematic`` as
        bool; ``open_h``/``close_h`` (hours of the day, NaN when always open);
        ``as_of`` as ``datetime.date``.

    Raises
    ------
    DataFileError
        Unreadable file, missing column, or the first bad row (file, row, field).
    """
    path = Path(path or CURATED_DIR / "crossings.csv")
    df = _read_optional(path, CROSSING_COLUMNS)
    chk = _RowChecker(path, df)
    for f in ("crossing_id", "name", "river", "source_refs", "as_of"):
        chk.require(f)
    _unique(chk, "crossing_id")
    chk.choice("kind", CROSSING_KINDS)
    chk.choice("season", CROSSING_SEASONS)
    vehicles = _flags(chk, "vehicles")
    schematic = _flags(chk, "schematic")
    lon = chk.number("lon", MALI_BOUNDS[0], MALI_BOUNDS[2])
    lat = chk.number("lat", MALI_BOUNDS[1], MALI_BOUNDS[3])
    crossing_h = chk.number("crossing_h", 0.0, 48.0)
    wait_h = chk.number("wait_h", 0.0, 72.0)
    as_of = chk.date("as_of", allow_empty=False)
    windows: dict[int, tuple[float, float] | None] = {}
    for idx, text in df["hours"].items():
        try:
            windows[idx] = parse_hours(text)
        except ValueError as exc:
            chk.flag(idx, "hours", str(exc))
    ok, rejected = chk.split()
    _raise_first(rejected)
    out = df.loc[ok].copy()
    out["lon"], out["lat"] = lon[ok].astype(float), lat[ok].astype(float)
    out["crossing_h"], out["wait_h"] = crossing_h[ok].astype(float), wait_h[ok].astype(float)
    out["vehicles"], out["schematic"] = vehicles[ok].astype(bool), schematic[ok].astype(bool)
    out["open_h"] = [windows[i][0] if windows[i] else float("nan") for i in ok]
    out["close_h"] = [windows[i][1] if windows[i] else float("nan") for i in ok]
    out["as_of"] = as_of[ok]
    gdf = _points(out, out["lon"], out["lat"]).set_index("crossing_id", drop=False)
    gdf.index.name = None
    return gdf


#: Id prefixes of crossings that are model artefacts, not river crossings: rows that kept open a
#: road the generalised river centre line cuts although it stays on one bank. The engine now
#: handles such roads itself (bank roads) and the shipped file has none left, but a crossings
#: file of the older convention may still hold them: they must never be shown as a bridge.
ARTEFACT_PREFIXES = ("X-ARTEFACT-", "X-SK-ARTEFACT-")


def is_model_artefact(crossing_id: object) -> bool:
    """Return True when ``crossing_id`` names a model artefact (:data:`ARTEFACT_PREFIXES`), not a crossing."""
    return str(crossing_id).strip().upper().startswith(ARTEFACT_PREFIXES)


def real_crossings(crossings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``crossings`` without the model artefacts (what a map may show as crossings).

    Parameters
    ----------
    crossings
        :func:`read_crossings` output or the model's crossings (id in the index, or in a
        ``crossing_id`` column when it has one).

    Returns
    -------
    geopandas.GeoDataFrame
        The rows whose id is not an artefact, in their order.
    """
    ids = crossings["crossing_id"] if "crossing_id" in crossings.columns else crossings.index.to_series()
    return crossings[~ids.map(is_model_artefact).to_numpy()]


def read_crossing_status(path: Path | None = None, *, known_crossings: set[str] | None = None) -> Checked:
    """Read ``data/curated/crossing_status.csv`` (status versions per crossing).

    Same schema, validation and as-of rule as road status (:func:`validate_road_status`
    with ``id_field="crossing_id"``); an absent file reads as no version (every
    crossing then ``unknown``, which the model treats like open).
    """
    path = Path(path or CURATED_DIR / "crossing_status.csv")
    if known_crossings is None and (path.parent / "crossings.csv").exists():
        known_crossings = set(read_crossings(path.parent / "crossings.csv")["crossing_id"])
    df = _read_optional(path, CROSSING_STATUS_COLUMNS)
    return validate_road_status(df, path=path, known_axes=known_crossings, id_field="crossing_id")


def parse_months(text: str) -> frozenset[int]:
    """Months of a ``MM-MM`` span, both ends included, wrapping past December (``09-01``).

    Raises
    ------
    ValueError
        Not ``MM-MM`` with months 01-12.
    """
    parts = text.split("-")
    try:
        a, b = (int(p) for p in parts)
    except ValueError:
        msg = f"months {text!r} are not 'MM-MM'"
        raise ValueError(msg) from None
    if len(parts) != 2 or not (1 <= a <= 12 and 1 <= b <= 12):
        msg = f"months {text!r} are not 'MM-MM' with months 01-12"
        raise ValueError(msg)
    n = (b - a) % 12 + 1
    return frozenset((a - 1 + k) % 12 + 1 for k in range(n))


def read_flood_zones(path: Path | None = None) -> gpd.GeoDataFrame:
    """Read and validate the seasonal flood zones (``data/curated/flood_zones.csv``).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``zone_id``; polygon geometry from ``wkt`` (EPSG:4326); ``month_set``
        (frozenset of months 1-12); ``factor`` as float (1 for impassable zones, where
        it is not used); ``schematic`` as bool. An absent file reads as no zone.

    Raises
    ------
    DataFileError
        Unreadable file, missing column, or the first bad row (file, row, field): bad
        months, unknown effect, a slow zone without a factor > 1, a WKT that is not a
        valid polygon inside Mali's extent.
    """
    from shapely import wkt as shapely_wkt

    path = Path(path or CURATED_DIR / "flood_zones.csv")
    df = _read_optional(path, FLOOD_COLUMNS)
    chk = _RowChecker(path, df)
    for f in ("zone_id", "name", "source_refs"):
        chk.require(f)
    _unique(chk, "zone_id")
    chk.choice("effect", FLOOD_EFFECTS)
    schematic = _flags(chk, "schematic")
    factor = pd.to_numeric(df["factor"], errors="coerce")
    months: dict[int, frozenset[int]] = {}
    geoms: dict[int, object] = {}
    for idx in df.index:
        try:
            months[idx] = parse_months(df.at[idx, "months"])
        except ValueError as exc:
            chk.flag(idx, "months", str(exc))
        if df.at[idx, "effect"] == "slow" and not (pd.notna(factor[idx]) and 1.0 < factor[idx] <= 100.0):
            chk.flag(idx, "factor", f"{df.at[idx, 'factor']!r} is not a factor in (1, 100] for a slow zone")
        try:
            g = shapely_wkt.loads(df.at[idx, "wkt"])
        except Exception:  # noqa: BLE001 (shapely raises several kinds on bad WKT)
            chk.flag(idx, "wkt", "not valid WKT")
            continue
        minx, miny, maxx, maxy = g.bounds if not g.is_empty else (0, 0, 0, 0)
        if g.geom_type not in ("Polygon", "MultiPolygon") or not g.is_valid or g.is_empty:
            chk.flag(idx, "wkt", f"a valid POLYGON is expected, got {g.geom_type}")
        elif not (
            MALI_BOUNDS[0] <= minx
            and maxx <= MALI_BOUNDS[2]
            and MALI_BOUNDS[1] <= miny
            and maxy <= MALI_BOUNDS[3]
        ):
            chk.flag(idx, "wkt", "the polygon lies outside Mali (expected lon lat order)")
        geoms[idx] = g
    ok, rejected = chk.split()
    _raise_first(rejected)
    out = df.loc[ok].copy()
    out["month_set"] = [months[i] for i in ok]
    out["factor"] = factor[ok].fillna(1.0).astype(float)
    out["schematic"] = schematic[ok].astype(bool)
    gdf = gpd.GeoDataFrame(out.drop(columns=["wkt"]), geometry=[geoms[i] for i in ok], crs=STORAGE_CRS)
    gdf = gdf.set_index("zone_id", drop=False)
    gdf.index.name = None
    return gdf


def read_season_calendar(path: Path | None = None) -> dict[int, str]:
    """Read the season calendar (``data/curated/seasons.csv``): ``{month: "dry" | "rainy"}``.

    Raises
    ------
    DataFileError
        Missing file or column, a month not 1-12 or given twice, a month missing, an
        unknown season, or a row without source.
    """
    path = Path(path or CURATED_DIR / "seasons.csv")
    df = _read_csv(path, SEASON_COLUMNS)
    chk = _RowChecker(path, df)
    chk.require("source")
    chk.choice("season", MODEL_SEASONS)
    month = chk.number("month", 1, 12)
    for idx in df.index:
        if pd.notna(month[idx]) and month[idx] != int(month[idx]):
            chk.flag(idx, "month", f"{df.at[idx, 'month']!r} is not a whole month")
    _unique(chk, "month")
    ok, rejected = chk.split()
    _raise_first(rejected)
    out = {int(month[i]): df.at[i, "season"] for i in ok}
    missing = sorted(set(range(1, 13)) - set(out))
    if missing:
        raise DataFileError(path, f"months {missing} have no season", field="month")
    return out


def season_for_date(day: dt.date, calendar: dict[int, str] | None = None) -> str:
    """Return the season (``dry`` or ``rainy``) the calendar gives for ``day``'s month."""
    cal = read_season_calendar() if calendar is None else calendar
    return cal[day.month]
