"""OpenStreetMap roads (HOT export or Geofabrik) in the classes of the curated network.

The curated network (``data/curated/network.csv``) describes a road by a *surface* class
(``paved`` | ``laterite`` | ``track``) and a *season* (``all_year`` | ``dry_only``), plus
bridges, ferries and fords as crossings. This module gives OSM lines the same description,
so the engine can read both with one speed table.

Accepted layouts
----------------
``hot``
    The Humanitarian OpenStreetMap Team export (HDX ``hotosm_mli_roads``, zipped shapefile
    or GeoPackage): ``osm_id``, ``highway`` and, when the export kept them, ``surface``,
    ``smoothness``, ``tracktype``, ``seasonal``, ``ford``, ``bridge``, ``route``, ``name``,
    ``ref``.
``geofabrik``
    Geofabrik's free shapefiles (``gis_osm_roads_free_1``): ``osm_id``, ``fclass``
    (``track_grade1`` .. ``track_grade5`` carry the track type), ``name``, ``ref``,
    ``bridge`` (``T``/``F``), ``tunnel``. Geofabrik drops the ``surface`` tag, so its
    classes come from ``fclass`` alone.

Mapping (``data/curated/osm_road_classes.csv``)
-------------------------------------------------
The mapping is a data table, one row per tag value, each with its source (the OSM wiki
pages of ``highway``, ``surface``, ``smoothness``, ``tracktype``, ``seasonal``, ``ford``,
``bridge`` and ``route=ferry``, Geofabrik's layer description) and a note. Its ``step``
column says when a row applies; the steps run in this order and the row that decides is
kept in ``rule``:

1. ``flag`` ``route=ferry`` -> a ferry (``ferry`` true, ``surface`` empty): a crossing,
   not a road class (``geo.model.osm_network`` turns it into a ferry crossing).
2. ``drop``: ``highway`` (Geofabrik ``fclass``) not a vehicle road (footway, path,
   construction ...), and ``smoothness=impassable`` -> the line is dropped. A ``highway``
   value the table does not know is dropped too (it is not a road class).
3. ``surface`` tag -> its class (sealed values ``paved``, the hard unpaved ones
   ``laterite``, the soft ones ``track``).
4. else ``tracktype`` (or ``fclass=track_gradeN``) -> its class (grade1-2 ``laterite``,
   grade3-5 ``track``).
5. else the ``default`` class of the ``highway`` value (project assumption for Mali:
   national classes sealed, lower classes laterite, ``track`` the track class).
6. ``smoothness``: ``down`` lowers the class one step (paved -> laterite -> track),
   ``track`` sets the track class.

Season (``season`` step): ``dry_only`` when a ``seasonal`` or ``ford`` row says so, or
when the class is ``track`` (the ``class`` row: earth tracks are cut in the rains, as in
the curated network); ``all_year`` otherwise (``seasonal=wet_season`` is kept in
``seasonal`` for the crossing of a ferry).

Flags (``flag`` step): ``bridge`` for the ``bridge`` values listed (Geofabrik ``T``),
``ford`` for the ``ford`` values, ``ferry`` as in 1. The ``crossing_h``/``wait_h`` of
those rows are the default times of the crossings made from them.

Output (:func:`normalise_osm_roads`, and the ``roads_osm`` role written by ``geo fetch``
and ``geo data add roads``): layer ``osm_roads`` in ``roads/mli_roads_osm.gpkg``, EPSG:4326,
columns :data:`OSM_ROAD_COLUMNS`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import CURATED_DIR, STORAGE_CRS
from geo.errors import DataFileError
from geo.text import Keyed

logger = logging.getLogger(__name__)

#: Layer name and default path of the normalised OSM roads in a data folder.
OSM_ROADS_LAYER = "osm_roads"
OSM_ROADS_PATH = "roads/mli_roads_osm.gpkg"

#: Columns of the normalised layer (plus ``geometry``).
OSM_ROAD_COLUMNS = [
    "osm_id",
    "name",
    "ref",
    "highway",
    "surface",
    "season",
    "bridge",
    "ferry",
    "ford",
    "surface_tag",
    "smoothness",
    "tracktype",
    "seasonal",
    "rule",
    "schema",
]

SURFACE_CLASSES = ("paved", "laterite", "track")
SEASONS = ("all_year", "dry_only")
#: The mapping table (see the module docstring).
MAPPING_PATH = CURATED_DIR / "osm_road_classes.csv"
MAPPING_COLUMNS = ["step", "tag", "value", "result", "crossing_h", "wait_h", "source_refs", "note"]
#: Allowed ``result`` values per ``step`` of the mapping table.
STEP_RESULTS = {
    "drop": ("drop",),
    "default": SURFACE_CLASSES,
    "surface": SURFACE_CLASSES,
    "tracktype": SURFACE_CLASSES,
    "smoothness": ("down", "track", "drop"),
    "season": ("dry_only", "wet_only"),
    "flag": ("bridge", "ford", "ferry"),
}
_DOWN = {"paved": "laterite", "laterite": "track", "track": "track"}


@dataclass(frozen=True)
class OsmMapping:
    """The OSM tag mapping read from :data:`MAPPING_PATH` (all lookups lower case).

    Attributes
    ----------
    drop
        ``highway`` values that are not vehicle roads.
    default, surface, tracktype
        Value -> surface class.
    smoothness
        Value -> ``down`` | ``track`` | ``drop``.
    season
        ``(tag, value)`` -> ``dry_only`` | ``wet_only`` (tag ``class`` for a surface class).
    flags
        ``(tag, value)`` -> ``bridge`` | ``ford`` | ``ferry``.
    crossing_h, wait_h
        Crossing kind -> default crossing and waiting time (hours).
    """

    drop: frozenset[str]
    default: dict[str, str]
    surface: dict[str, str]
    tracktype: dict[str, str]
    smoothness: dict[str, str]
    season: dict[tuple[str, str], str]
    flags: dict[tuple[str, str], str]
    crossing_h: dict[str, float]
    wait_h: dict[str, float]

    def flag_values(self, tag: str, kind: str) -> frozenset[str]:
        """Lower-case values of ``tag`` that raise the flag ``kind``."""
        return frozenset(v for (t, v), k in self.flags.items() if t == tag and k == kind)


def read_osm_mapping(path: Path | None = None) -> OsmMapping:
    """Read and check the OSM tag mapping table.

    Parameters
    ----------
    path
        CSV file; default :data:`MAPPING_PATH` (``data/curated/osm_road_classes.csv``).

    Returns
    -------
    OsmMapping

    Raises
    ------
    DataFileError
        Unreadable file, missing column, unknown step, a result not allowed for its step,
        a duplicate (step, tag, value), a bad crossing time, or a row without source
        (the message names the row and field).
    """
    path = Path(path or MAPPING_PATH)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise DataFileError(path, f"cannot read the OSM mapping ({exc})") from exc
    for c in MAPPING_COLUMNS:
        if c not in df.columns:
            raise DataFileError(path, "missing column in the OSM mapping", field=c)
    seen: set[tuple[str, str, str]] = set()
    out: dict[str, dict] = {k: {} for k in STEP_RESULTS}
    times: dict[str, dict[str, float]] = {"crossing_h": {}, "wait_h": {}}
    for i, r in enumerate(df.itertuples(index=False), start=1):
        step, tag, value, result = (str(getattr(r, c)).strip() for c in ("step", "tag", "value", "result"))
        key = (step, tag.lower(), value.lower())
        if step not in STEP_RESULTS:
            raise DataFileError(
                path, f"unknown step {step!r}; expected {sorted(STEP_RESULTS)}", row=i, field="step"
            )
        if result not in STEP_RESULTS[step]:
            msg = f"result {result!r} not allowed for step {step}; expected {STEP_RESULTS[step]}"
            raise DataFileError(path, msg, row=i, field="result")
        if not tag or not value:
            raise DataFileError(path, "empty tag or value", row=i, field="value" if tag else "tag")
        if key in seen:
            raise DataFileError(path, f"duplicate row for {tag}={value} in step {step}", row=i, field="value")
        seen.add(key)
        if not str(r.source_refs).strip():
            raise DataFileError(path, "every mapping row needs a source", row=i, field="source_refs")
        out[step][(tag.lower(), value.lower())] = result
        if step == "flag":
            for col in ("crossing_h", "wait_h"):
                text = str(getattr(r, col)).strip()
                try:
                    hours = float(text)
                except ValueError:
                    hours = float("nan")
                if not 0 <= hours <= 72:
                    raise DataFileError(path, f"{col} {text!r} is not hours in 0-72", row=i, field=col)
                times[col].setdefault(result, hours)

    def by_value(step: str) -> dict[str, str]:
        return {v: res for (_t, v), res in out[step].items()}

    return OsmMapping(
        drop=frozenset(v for (_t, v) in out["drop"]),
        default=by_value("default"),
        surface=by_value("surface"),
        tracktype=by_value("tracktype"),
        smoothness=by_value("smoothness"),
        season=dict(out["season"]),
        flags=dict(out["flag"]),
        crossing_h=times["crossing_h"],
        wait_h=times["wait_h"],
    )


@functools.cache
def osm_mapping() -> OsmMapping:
    """Return the shipped mapping (:func:`read_osm_mapping` of :data:`MAPPING_PATH`), read once."""
    return read_osm_mapping()


def detect_schema(columns: list[str] | pd.Index) -> str:
    """Tell which export layout a road layer has.

    Parameters
    ----------
    columns
        Column names of the layer.

    Returns
    -------
    str
        ``"hot"`` (has ``highway``) or ``"geofabrik"`` (has ``fclass``).

    Raises
    ------
    ValueError
        Neither ``highway`` nor ``fclass`` is present, or ``osm_id`` is missing.
    """
    cols = {str(c).lower() for c in columns}
    if "osm_id" not in cols:
        msg = "not an OSM road export: no osm_id column (expected the HOT or Geofabrik layout)"
        raise ValueError(msg)
    if "highway" in cols:
        return "hot"
    if "fclass" in cols:
        return "geofabrik"
    msg = "not an OSM road export: neither highway (HOT) nor fclass (Geofabrik) column"
    raise ValueError(msg)


def _text(raw: pd.DataFrame, name: str) -> pd.Series:
    cols = {str(c).lower(): c for c in raw.columns}
    if name not in cols:
        return pd.Series([""] * len(raw), index=raw.index, dtype=object)
    s = raw[cols[name]]
    return s.where(s.notna(), "").astype(str).str.strip()


def classify(
    highway: str,
    surface: str = "",
    tracktype: str = "",
    smoothness: str = "",
    seasonal: str = "",
    ford: str = "",
    route: str = "",
    *,
    mapping: OsmMapping | None = None,
) -> tuple[str, str, str] | None:
    """Class one OSM way by the mapping table (tags as in OSM; case does not matter).

    Parameters
    ----------
    highway
        ``highway`` value (Geofabrik ``fclass`` values ``track_gradeN`` are accepted).
    surface, tracktype, smoothness, seasonal, ford, route
        The tags of the same name, empty when absent.
    mapping
        The mapping; default the shipped table (:func:`osm_mapping`).

    Returns
    -------
    tuple or None
        ``(surface_class, season, rule)``: ``surface_class`` in :data:`SURFACE_CLASSES`
        (empty for a ferry), ``season`` in :data:`SEASONS`, ``rule`` naming the tags that
        decided; ``None`` when the way is not a vehicle road (step 2 of the module doc).
    """
    m = mapping or osm_mapping()
    hw, sf, tt, sm = highway.lower(), surface.lower(), tracktype.lower(), smoothness.lower()
    if hw.startswith("track_grade"):
        tt, hw = "grade" + hw.removeprefix("track_grade"), "track"
    if m.flags.get(("route", route.lower())) == "ferry":
        dry = m.season.get(("seasonal", seasonal.lower())) == "dry_only"
        return "", ("dry_only" if dry else "all_year"), "route=ferry"
    if hw in m.drop or hw not in m.default or m.smoothness.get(sm) == "drop":
        return None
    if sf in m.surface:
        cls, rule = m.surface[sf], f"surface={sf}"
    elif tt in m.tracktype:
        cls, rule = m.tracktype[tt], f"tracktype={tt}"
    else:
        cls, rule = m.default[hw], f"highway={hw} default"
    effect = m.smoothness.get(sm)
    if effect:
        cls, rule = (_DOWN[cls] if effect == "down" else "track"), f"{rule}; smoothness={sm}"
    dry = (
        m.season.get(("seasonal", seasonal.lower())) == "dry_only"
        or m.season.get(("ford", ford.lower())) == "dry_only"
        or m.season.get(("class", cls)) == "dry_only"
    )
    return cls, ("dry_only" if dry else "all_year"), rule


def normalise_osm_roads(raw: gpd.GeoDataFrame, *, path: Path | str = "<memory>") -> gpd.GeoDataFrame:
    """Turn a HOT or Geofabrik road layer into the normalised OSM road layer.

    Parameters
    ----------
    raw
        Line layer as read (any CRS; a CRS is required).
    path
        Source file, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`OSM_ROAD_COLUMNS` + ``geometry`` (LineString/MultiLineString, EPSG:4326);
        one row per kept way; ``bridge``/``ferry``/``ford`` booleans; ``osm_id`` string.
        ``gdf.attrs["dropped"]`` counts the ways dropped by ``highway`` value.

    Raises
    ------
    DataFileError
        Not an OSM road export (no ``osm_id``, or neither ``highway`` nor ``fclass``),
        no CRS, no line in the layer, or an empty ``osm_id`` (the message names the row).
    """
    try:
        schema = detect_schema(raw.columns)
    except ValueError as exc:
        raise DataFileError(path, str(exc), field="highway") from exc
    if raw.crs is None:
        msg = Keyed("road layer has no CRS; expected EPSG:4326", "err.src.roads_no_crs")
        raise DataFileError(path, msg, field="geometry")
    osm_id = _text(raw, "osm_id")
    empty_id = (osm_id == "") | (osm_id.str.lower() == "nan")
    if empty_id.any():
        row = int(np.flatnonzero(empty_id.to_numpy())[0]) + 1
        raise DataFileError(path, Keyed("empty osm_id", "err.src.empty_osm_id"), row=row, field="osm_id")
    hw = _text(raw, "highway" if schema == "hot" else "fclass").str.lower()
    tags = {k: _text(raw, k) for k in ("surface", "tracktype", "smoothness", "seasonal", "ford", "route")}
    # classify each distinct tag combination once (a national export has a few hundred)
    names = ("surface", "tracktype", "smoothness", "seasonal", "ford", "route")
    combos = pd.MultiIndex.from_arrays([hw.to_numpy(), *(tags[k].to_numpy() for k in names)])
    codes, uniques = pd.factorize(combos)
    classes = [classify(*combo) for combo in uniques]
    results = [classes[c] for c in codes]
    keep = np.array([r is not None for r in results], dtype=bool)
    geom_ok = raw.geometry.notna().to_numpy() & ~raw.geometry.is_empty.to_numpy()
    geom_ok &= raw.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    keep &= geom_ok
    m = osm_mapping()
    bridge_raw = _text(raw, "bridge").str.lower()
    kept = [r for r, k in zip(results, keep, strict=True) if k]
    out = pd.DataFrame(
        {
            "osm_id": osm_id[keep].str.removesuffix(".0").to_numpy(),
            "name": _text(raw, "name")[keep].to_numpy(),
            "ref": _text(raw, "ref")[keep].to_numpy(),
            "highway": hw[keep].to_numpy(),
            "surface": [r[0] for r in kept],
            "season": [r[1] for r in kept],
            "bridge": bridge_raw.isin(m.flag_values("bridge", "bridge"))[keep].to_numpy(),
            "ferry": tags["route"].str.lower().isin(m.flag_values("route", "ferry"))[keep].to_numpy(),
            "ford": tags["ford"].str.lower().isin(m.flag_values("ford", "ford"))[keep].to_numpy(),
            "surface_tag": tags["surface"][keep].to_numpy(),
            "smoothness": tags["smoothness"][keep].to_numpy(),
            "tracktype": tags["tracktype"][keep].to_numpy(),
            "seasonal": tags["seasonal"][keep].to_numpy(),
            "rule": [r[2] for r in kept],
            "schema": schema,
        }
    )
    gdf = gpd.GeoDataFrame(out, geometry=raw.geometry[keep].to_numpy(), crs=raw.crs).to_crs(STORAGE_CRS)
    if gdf.empty:
        msg = "no vehicle road line in the layer (after dropping footways, paths ...)"
        raise DataFileError(path, Keyed(msg, "err.src.no_vehicle_road"))
    gdf.attrs["dropped"] = int((~keep).sum())
    logger.info("OSM roads (%s): %d kept, %d dropped", schema, len(gdf), int((~keep).sum()))
    return gdf


def read_osm_road_file(path: Path) -> gpd.GeoDataFrame:
    """Read a road export as published: zipped shapefile, shapefile, GeoPackage or GeoJSON.

    In a zip or a multi-layer GeoPackage the road layer is the one whose name contains
    ``roads`` (HOT ``hotosm_mli_roads_lines``, Geofabrik ``gis_osm_roads_free_1``), else
    the only layer.

    Raises
    ------
    DataFileError
        Unreadable file, or several candidate layers and none named ``roads``.
    """
    import pyogrio

    from geo.sources.process import open_vector

    path = Path(path)
    try:
        return open_vector(path, prefer="roads")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        msg = Keyed(f"cannot read road layer ({exc})", "err.src.roads_unreadable", detail=str(exc))
        raise DataFileError(path, msg) from exc


def load_osm_roads(data_dir: Path) -> gpd.GeoDataFrame:
    """Load the ``roads_osm`` role of a data folder (the normalised layer), EPSG:4326.

    Raises
    ------
    MissingDataError
        The folder holds no OSM roads (neither its lock nor the manifest names a file that exists).
    DataFileError
        The file lacks a column of :data:`OSM_ROAD_COLUMNS` or has a value outside the classes.
    """
    from geo.sources.datasets import dataset_path, read_vector

    gdf = read_vector(data_dir, "roads_osm", columns=OSM_ROAD_COLUMNS)
    path = dataset_path(data_dir, "roads_osm")
    for col, allowed in (("surface", (*SURFACE_CLASSES, "")), ("season", SEASONS)):
        bad = ~gdf[col].fillna("").isin(allowed)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            value = repr(gdf[col].iloc[row - 1])
            msg = Keyed(
                f"value {value} not in {allowed}",
                "err.not_one_of",
                value=value,
                allowed=", ".join(map(str, allowed)),
            )
            raise DataFileError(path, msg, row=row, field=col)
    for col in ("bridge", "ferry", "ford"):
        gdf[col] = gdf[col].astype(bool)
    return gdf
