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

Mapping (first rule that applies wins; each row keeps it in ``rule``)
--------------------------------------------------------------------
1. ``route=ferry`` -> ``ferry`` true, ``surface`` empty (a crossing, not a road class).
2. ``highway`` (or ``fclass``) not a vehicle road (``footway``, ``path``, ``steps``,
   ``cycleway``, ``pedestrian``, ``bridleway``, ``construction``, ``proposed``,
   ``abandoned``, ``platform``, ``corridor``, ``raceway``, ``bus_guideway``, ``escape``,
   ``services``, ``rest_area``, ``unknown``) -> the line is dropped.
3. ``surface`` tag: sealed values (``asphalt``, ``paved``, ``concrete*``, ``chipseal``,
   ``paving_stones``, ``sett``, ``cobblestone``, ``metal``, ``wood``) -> ``paved``;
   ``unpaved``, ``compacted``, ``gravel``, ``fine_gravel``, ``laterite``, ``pebblestone``,
   ``rock`` -> ``laterite``; ``dirt``, ``earth``, ``ground``, ``mud``, ``sand``, ``grass``,
   ``soil``, ``clay`` -> ``track``.
4. ``tracktype`` (or ``fclass=track_gradeN``): ``grade1`` -> ``laterite`` (solid),
   ``grade2``..``grade5`` -> ``track``.
5. ``highway`` default (project assumption for Mali, where the national roads are mostly
   sealed and the lower classes mostly laterite): ``motorway``, ``trunk``, ``primary`` and
   their ``_link`` -> ``paved``; ``secondary``, ``tertiary``, ``unclassified``,
   ``residential``, ``living_street``, ``service``, ``road``, ``busway`` -> ``laterite``;
   ``track`` -> ``track``.
6. ``smoothness`` ``very_bad``, ``horrible``, ``very_horrible`` or ``impassable`` lowers the
   class by one step (``paved`` -> ``laterite`` -> ``track``).

Season: ``dry_only`` when ``seasonal`` is ``yes``/``dry_season``, when ``ford=yes`` (the
line fords a watercourse), or when the surface class is ``track`` (earth tracks are cut in
the rainy season, as for the curated network); ``all_year`` otherwise. ``seasonal=wet_season``
has no class of its own and is kept in ``seasonal`` for the reader.

Flags: ``bridge`` true for ``bridge`` in ``yes``/``viaduct``/``aqueduct``/``boardwalk``/
``movable``/``cantilever``/``covered``/``trestle``/``T``; ``ford`` true for ``ford`` in
``yes``/``stepping_stones``; ``ferry`` as rule 1.

Output (:func:`normalise_osm_roads`, and the ``roads_osm`` role written by ``geo fetch``
and ``geo data add roads``): layer ``osm_roads`` in ``roads/mli_roads_osm.gpkg``, EPSG:4326,
columns :data:`OSM_ROAD_COLUMNS`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import STORAGE_CRS
from geo.errors import DataFileError

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

NOT_ROADS = frozenset(
    {
        "footway",
        "path",
        "steps",
        "cycleway",
        "pedestrian",
        "bridleway",
        "construction",
        "proposed",
        "abandoned",
        "disused",
        "platform",
        "corridor",
        "raceway",
        "bus_guideway",
        "escape",
        "services",
        "rest_area",
        "elevator",
        "unknown",
    }
)
HIGHWAY_DEFAULT = {
    "motorway": "paved",
    "trunk": "paved",
    "primary": "paved",
    "motorway_link": "paved",
    "trunk_link": "paved",
    "primary_link": "paved",
    "secondary": "laterite",
    "secondary_link": "laterite",
    "tertiary": "laterite",
    "tertiary_link": "laterite",
    "unclassified": "laterite",
    "residential": "laterite",
    "living_street": "laterite",
    "service": "laterite",
    "road": "laterite",
    "busway": "laterite",
    "track": "track",
}
SURFACE_TAG = {
    **dict.fromkeys(
        (
            "asphalt",
            "paved",
            "concrete",
            "concrete:plates",
            "concrete:lanes",
            "chipseal",
            "paving_stones",
            "sett",
            "cobblestone",
            "metal",
            "wood",
        ),
        "paved",
    ),
    **dict.fromkeys(
        ("unpaved", "compacted", "gravel", "fine_gravel", "laterite", "pebblestone", "rock"), "laterite"
    ),
    **dict.fromkeys(("dirt", "earth", "ground", "mud", "sand", "grass", "soil", "clay"), "track"),
}
TRACKTYPE = {"grade1": "laterite", "grade2": "track", "grade3": "track", "grade4": "track", "grade5": "track"}
ROUGH = frozenset({"very_bad", "horrible", "very_horrible", "impassable"})
BRIDGE_YES = frozenset(
    {"yes", "viaduct", "aqueduct", "boardwalk", "movable", "cantilever", "covered", "trestle"}
)
FORD_YES = frozenset({"yes", "stepping_stones"})
SEASONAL_DRY = frozenset({"yes", "dry_season", "dry"})
_DOWN = {"paved": "laterite", "laterite": "track", "track": "track"}


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
) -> tuple[str, str, str] | None:
    """Class one OSM way (tags as in OSM, lower case).

    Parameters
    ----------
    highway
        ``highway`` value (Geofabrik ``fclass`` values ``track_gradeN`` are accepted).
    surface, tracktype, smoothness, seasonal, ford, route
        The tags of the same name, empty when absent.

    Returns
    -------
    tuple or None
        ``(surface_class, season, rule)``: ``surface_class`` in :data:`SURFACE_CLASSES`
        (empty for a ferry), ``season`` in :data:`SEASONS`, ``rule`` naming the tag that
        decided; ``None`` when the way is not a vehicle road (rule 2 of the module doc).
    """
    hw, sf, tt = highway.lower(), surface.lower(), tracktype.lower()
    if hw.startswith("track_grade"):
        tt, hw = "grade" + hw.removeprefix("track_grade"), "track"
    if route.lower() == "ferry":
        return "", "all_year", "route=ferry"
    if hw in NOT_ROADS or hw not in HIGHWAY_DEFAULT:
        return None
    if sf in SURFACE_TAG:
        cls, rule = SURFACE_TAG[sf], f"surface={sf}"
    elif tt in TRACKTYPE:
        cls, rule = TRACKTYPE[tt], f"tracktype={tt}"
    else:
        cls, rule = HIGHWAY_DEFAULT[hw], f"highway={hw} default"
    if smoothness.lower() in ROUGH:
        cls, rule = _DOWN[cls], f"{rule}; smoothness={smoothness.lower()}"
    dry = seasonal.lower() in SEASONAL_DRY or ford.lower() in FORD_YES or cls == "track"
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
        raise DataFileError(path, "road layer has no CRS; expected EPSG:4326", field="geometry")
    osm_id = _text(raw, "osm_id")
    empty_id = (osm_id == "") | (osm_id.str.lower() == "nan")
    if empty_id.any():
        row = int(np.flatnonzero(empty_id.to_numpy())[0]) + 1
        raise DataFileError(path, "empty osm_id", row=row, field="osm_id")
    hw = _text(raw, "highway" if schema == "hot" else "fclass").str.lower()
    tags = {k: _text(raw, k) for k in ("surface", "tracktype", "smoothness", "seasonal", "ford", "route")}
    results = [
        classify(
            h, *(tags[k].iat[i] for k in ("surface", "tracktype", "smoothness", "seasonal", "ford", "route"))
        )
        for i, h in enumerate(hw)
    ]
    keep = np.array([r is not None for r in results], dtype=bool)
    geom_ok = raw.geometry.notna().to_numpy() & ~raw.geometry.is_empty.to_numpy()
    geom_ok &= raw.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    keep &= geom_ok
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
            "bridge": (bridge_raw.isin(BRIDGE_YES) | (bridge_raw == "t"))[keep].to_numpy(),
            "ferry": (tags["route"].str.lower() == "ferry")[keep].to_numpy(),
            "ford": tags["ford"].str.lower().isin(FORD_YES)[keep].to_numpy(),
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
        raise DataFileError(path, "no vehicle road line in the layer (after dropping footways, paths ...)")
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
        raise DataFileError(path, f"cannot read road layer ({exc})") from exc


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
            msg = f"value {gdf[col].iloc[row - 1]!r} not in {allowed}"
            raise DataFileError(path, msg, row=row, field=col)
    for col in ("bridge", "ferry", "ford"):
        gdf[col] = gdf[col].astype(bool)
    return gdf
