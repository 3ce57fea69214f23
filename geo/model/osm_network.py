"""OpenStreetMap roads in the access model: the road layers friction rasterises, from OSM.

When the data folder holds OSM roads (role ``roads_osm``, normalised by
:mod:`geo.sources.osm_roads`), :func:`road_layers` turns them into the three tables the
friction surface already reads, so :mod:`geo.model.friction` only chooses the source:

``network``
    The curated secondary-network table (``geo.sources.roads.build_network`` columns, WORK_CRS):
    one row per OSM way, ``segment_id`` ``osm-<osm_id>``, ``surface`` and ``season`` from the
    tag mapping (``data/curated/osm_road_classes.csv``), ``schematic`` false. Each row runs at
    its surface class speed for the season and a ``dry_only`` row is no road in the rains,
    exactly as a curated segment. The curated segments stay, minus the stretches an OSM way
    runs along (below).
``roads``
    The OSRM main-road skeleton minus the stretches an OSM road of a main class runs along.
``crossings``
    The curated crossings (``geo.sources.curated.read_crossings`` format) plus one crossing per
    place where an OSM bridge, ford or ferry way meets a river of the data folder: a bridge
    (all year, no time), a ford (dry season only) or a ferry (season from ``seasonal``), with
    the default times of the mapping table. A curated crossing within
    :data:`CURATED_WINS_KM` of such a place wins (it carries status history, hours and times).

Overlap (the buffer test)
-------------------------
A skeleton or curated line is cut into pieces of at most :data:`PIECE_KM`; a piece whose
midpoint lies within the buffer of an OSM way running along it (at most
:data:`MAX_ANGLE_DEG` apart, so a road that only crosses it does not cut it) is dropped
(OSM carries that stretch), the others are kept and merged back per line. Buffers:
:data:`SKELETON_BUFFER_KM` around OSM ways of :data:`MAIN_HIGHWAYS` for the skeleton (OSRM
routes on OSM, simplified: they lie within a few hundred metres of the way),
:data:`CURATED_BUFFER_KM` around any OSM way for the curated segments (schematic straight
lines between localities). Town streets alone therefore
never replace a main road.

Axes still lay onto the roads (``geo.sources.roads.build_axes``): first onto the skeleton
remainder and the OSM ways of :data:`AXIS_HIGHWAYS` (the named national and regional roads),
then onto those with the tertiary ways and the curated segments kept. Streets and tracks are
left out of the snapping graph: axes are named inter-town roads, and joining every vertex
of a national street network within a kilometre would take minutes.

Without OSM roads in the folder, :func:`road_layers` returns the skeleton, the curated network
and the curated crossings unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.config import STORAGE_CRS, WORK_CRS
from geo.errors import MissingDataError
from geo.sources.curated import CROSSING_COLUMNS
from geo.sources.osm_roads import load_osm_roads, osm_mapping

logger = logging.getLogger(__name__)

#: Skeleton and curated lines are tested for overlap in pieces of at most this length (km).
PIECE_KM = 0.5
#: A skeleton piece within this distance of an OSM main-class way is carried by OSM (km).
SKELETON_BUFFER_KM = 1.0
#: A curated (schematic) piece within this distance of any OSM way is carried by OSM (km).
CURATED_BUFFER_KM = 2.0
#: A way replaces a piece only where it runs along it: at most this angle between them (degrees).
MAX_ANGLE_DEG = 30.0
#: OSM ways that may replace the main-road skeleton, and on which axes are laid first.
MAIN_HIGHWAYS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
    }
)
#: OSM ways axes are laid onto first (then with the tertiary ways and the curated segments).
AXIS_HIGHWAYS = frozenset(MAIN_HIGHWAYS - {"tertiary", "tertiary_link"})
#: A bridge, ford or ferry way within this distance of a river line crosses it (km). Natural
#: Earth 1:10m centre lines lie up to about a kilometre from the real channel.
RIVER_SNAP_KM = 1.5
#: OSM crossings of one kind closer than this are one crossing (dual carriageways, split ways; km).
MERGE_KM = 1.0
#: A curated crossing within this distance of an OSM crossing replaces it (km).
CURATED_WINS_KM = 2.0

NETWORK_SOURCE = "OSM"


@dataclass(frozen=True)
class RoadLayers:
    """The road inputs of the friction surface.

    Attributes
    ----------
    roads
        Main-road skeleton lines (``geo.sources.roads`` schema, WORK_CRS).
    network
        Secondary network table (``build_network`` columns, WORK_CRS), curated and/or OSM rows.
    crossings
        Crossings in the ``read_crossings`` format (EPSG:4326 points, indexed by ``crossing_id``).
    axis_lines
        ``(roads, network)`` arguments of ``geo.sources.roads.build_axes``: the lines axes
        are laid onto first, and the further lines tried with them.
    source
        ``"osm"`` when OSM roads were used, else ``"skeleton"``.
    """

    roads: gpd.GeoDataFrame
    network: gpd.GeoDataFrame
    crossings: gpd.GeoDataFrame
    axis_lines: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]
    source: str


def road_layers(
    data_dir: Path,
    roads: gpd.GeoDataFrame,
    network: gpd.GeoDataFrame,
    crossings: gpd.GeoDataFrame,
    rivers: gpd.GeoDataFrame,
) -> RoadLayers:
    """Choose the road inputs: OSM roads when the data folder holds them, else the given ones.

    Parameters
    ----------
    data_dir
        Data folder (OSM roads are its ``roads_osm`` role).
    roads
        Skeleton lines (``geo.sources.roads.load_roads``, WORK_CRS).
    network
        Curated network laid out (``geo.sources.roads.build_network``, WORK_CRS).
    crossings
        Curated crossings (``geo.sources.curated.read_crossings``).
    rivers
        River centre lines (WORK_CRS, ``name`` column when known).

    Returns
    -------
    RoadLayers

    Raises
    ------
    DataFileError
        The OSM road file exists but fails its schema (``load_osm_roads``).
    """
    try:
        osm = load_osm_roads(Path(data_dir))
    except MissingDataError:
        return RoadLayers(roads, network, crossings, (roads, network), "skeleton")
    return merge_osm_roads(osm, roads, network, crossings, rivers, as_of=_osm_date(Path(data_dir)))


def _osm_date(data_dir: Path) -> dt.date:
    """Date the folder recorded the OSM roads (lock), else the file's modification date."""
    from geo.sources.datasets import dataset_path, read_lock

    rec = read_lock(data_dir)["datasets"].get("roads_osm", {})
    text = str(rec.get("recorded_at", ""))[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return dt.date.fromtimestamp(dataset_path(data_dir, "roads_osm").stat().st_mtime)


def merge_osm_roads(
    osm: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    network: gpd.GeoDataFrame,
    crossings: gpd.GeoDataFrame,
    rivers: gpd.GeoDataFrame,
    *,
    as_of: dt.date,
) -> RoadLayers:
    """Lay OSM roads over the skeleton and the curated network (see the module docstring).

    Parameters
    ----------
    osm
        Normalised OSM roads (``geo.sources.osm_roads.load_osm_roads``, EPSG:4326).
    roads, network, crossings, rivers
        As for :func:`road_layers`.
    as_of
        Date of the OSM extract (``as_of`` of the rows and crossings made from it).

    Returns
    -------
    RoadLayers
        With ``source`` ``"osm"``.
    """
    osm_work = osm.to_crs(WORK_CRS)
    osm_net = osm_network_table(osm_work, as_of=as_of)
    main = osm_net[osm_net["highway"].isin(MAIN_HIGHWAYS).to_numpy()]
    kept_roads = drop_overlaps(roads, main.geometry, buffer_km=SKELETON_BUFFER_KM)
    kept_net = drop_overlaps(network, osm_net.geometry, buffer_km=CURATED_BUFFER_KM)
    merged = pd.concat([kept_net, osm_net], sort=False)
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=WORK_CRS)
    new_cr = osm_crossings(osm_work, rivers, existing=crossings, as_of=as_of)
    all_cr = pd.concat([crossings, new_cr], sort=False) if len(new_cr) else crossings
    all_cr = gpd.GeoDataFrame(all_cr, geometry="geometry", crs=crossings.crs or STORAGE_CRS)
    on_axes = osm_net["highway"].isin(AXIS_HIGHWAYS).to_numpy()
    first = gpd.GeoDataFrame(
        geometry=pd.concat([kept_roads.geometry, osm_net.geometry[on_axes]], ignore_index=True), crs=WORK_CRS
    )
    then = gpd.GeoDataFrame(
        geometry=pd.concat(
            [main.geometry[~main["highway"].isin(AXIS_HIGHWAYS).to_numpy()], kept_net.geometry],
            ignore_index=True,
        ),
        crs=WORK_CRS,
    )
    logger.info(
        "OSM roads: %d ways (%d of main classes); skeleton %.0f -> %.0f km, curated network "
        "%.0f -> %.0f km kept; %d crossings from OSM",
        len(osm_net),
        len(main),
        roads.length.sum() / 1000,
        kept_roads.length.sum() / 1000,
        network.length.sum() / 1000 if len(network) else 0.0,
        kept_net.length.sum() / 1000 if len(kept_net) else 0.0,
        len(new_cr),
    )
    return RoadLayers(kept_roads, merged, all_cr, (first, then), "osm")


def osm_network_table(osm_work: gpd.GeoDataFrame, *, as_of: dt.date) -> gpd.GeoDataFrame:
    """OSM ways (WORK_CRS, normalised columns) as rows of the network table.

    Ferry routes are left out (they are crossings, not roads). Returns the columns of
    ``geo.sources.roads.build_network`` plus ``highway`` and ``osm_id``, indexed by
    ``segment_id`` (``osm-<osm_id>``, suffixed ``-2``, ``-3`` ... if an id repeats).
    """
    ways = osm_work[~osm_work["ferry"].to_numpy(dtype=bool) & (osm_work["surface"] != "").to_numpy()]
    ids = "osm-" + ways["osm_id"].astype(str)
    dup = ids.groupby(ids).cumcount().to_numpy()
    ids = ids.where(dup == 0, ids + "-" + (dup + 1).astype(str))
    length_km = ways.geometry.length.to_numpy() / 1000.0
    out = gpd.GeoDataFrame(
        {
            "segment_id": ids.to_numpy(),
            "name": ways["name"].to_numpy(),
            "route_ref": ways["ref"].to_numpy(),
            "surface": ways["surface"].to_numpy(),
            "season": ways["season"].to_numpy(),
            "snap": "no",
            "schematic": False,
            "source_refs": NETWORK_SOURCE,
            "as_of": as_of,
            "note": ways["rule"].to_numpy(),
            "schematic_km": 0.0,
            "length_km": length_km,
            "highway": ways["highway"].to_numpy(),
            "osm_id": ways["osm_id"].to_numpy(),
        },
        geometry=ways.geometry.to_numpy(),
        crs=WORK_CRS,
    )
    return out.set_index(pd.Index(out["segment_id"].to_numpy()))


def drop_overlaps(
    lines: gpd.GeoDataFrame,
    cover: gpd.GeoSeries,
    *,
    buffer_km: float,
    max_angle_deg: float = MAX_ANGLE_DEG,
    piece_km: float = PIECE_KM,
) -> gpd.GeoDataFrame:
    """Remove from each line the stretches that run within ``buffer_km`` of ``cover``.

    Parameters
    ----------
    lines
        Lines (WORK_CRS) with any columns.
    cover
        Lines (WORK_CRS) that carry the road where they are near.
    buffer_km
        Buffer distance (km).
    max_angle_deg
        A way carries a piece only if it runs along it: the angle between the piece and
        the way at the way's point nearest the piece's midpoint is at most this (degrees).
        A road crossing the line does not cut it.
    piece_km
        Length of the pieces tested (km): a piece goes when its midpoint is within the
        buffer of a way that runs along it.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of ``lines`` that keep some length, their geometry the kept pieces merged
        (MultiLineString where they are apart); ``length_km`` updated when present. Rows
        with no piece near ``cover`` keep their geometry unchanged.
    """
    if lines.empty or len(cover) == 0:
        return lines
    parts, part_row = shapely.get_parts(lines.geometry.to_numpy(), return_index=True)
    dense = shapely.segmentize(parts, piece_km * 1000.0)
    coords, part_of = shapely.get_coordinates(dense, return_index=True)
    same = part_of[:-1] == part_of[1:]
    a, b = coords[:-1][same], coords[1:][same]
    piece_row = part_row[part_of[:-1][same]]
    mids = shapely.points((a + b) / 2.0)
    cover = np.asarray(cover)
    near, way = shapely.STRtree(cover).query(mids, predicate="dwithin", distance=buffer_km * 1000.0)
    # the way must run along the piece, not across it: compare directions at the nearest point
    along = shapely.line_locate_point(cover[way], mids[near])
    step_m = 50.0
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(cover[way], np.maximum(along - step_m, 0.0)))
    p2 = shapely.get_coordinates(shapely.line_interpolate_point(cover[way], along + step_m))
    dw, dp = p2 - p1, (b - a)[near]
    norm = np.hypot(*dw.T) * np.hypot(*dp.T)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.abs((dw * dp).sum(axis=1)) / norm
    hit = np.zeros(len(mids), dtype=bool)
    hit[near[np.nan_to_num(cos) >= np.cos(np.radians(max_angle_deg))]] = True
    touched = np.zeros(len(lines), dtype=bool)
    touched[piece_row[hit]] = True
    keep_rows = ~touched | np.isin(np.arange(len(lines)), piece_row[~hit])
    geoms = lines.geometry.to_numpy().copy()
    if touched.any():
        sel = ~hit & touched[piece_row]
        pieces = shapely.linestrings(np.stack([a[sel], b[sel]], axis=1))
        rows_t = np.flatnonzero(touched & keep_rows)
        if len(rows_t):
            multi = shapely.multilinestrings(pieces, indices=np.searchsorted(rows_t, piece_row[sel]))
            geoms[rows_t] = shapely.line_merge(multi)
    out = lines.copy()
    out = out.set_geometry(gpd.GeoSeries(geoms, index=lines.index, crs=lines.crs))
    out = out[keep_rows]
    if "length_km" in out.columns:
        out["length_km"] = out.geometry.length.to_numpy() / 1000.0
    return out


def osm_crossings(
    osm_work: gpd.GeoDataFrame,
    rivers: gpd.GeoDataFrame,
    *,
    existing: gpd.GeoDataFrame,
    as_of: dt.date,
) -> gpd.GeoDataFrame:
    """Crossings where OSM bridge, ford and ferry ways meet a river line.

    Parameters
    ----------
    osm_work
        Normalised OSM roads in WORK_CRS.
    rivers
        River centre lines (WORK_CRS); ``name`` names the river when present.
    existing
        Curated crossings (``read_crossings`` format): an OSM crossing within
        :data:`CURATED_WINS_KM` of one of them is left out.
    as_of
        Date of the OSM extract.

    Returns
    -------
    geopandas.GeoDataFrame
        ``read_crossings`` columns, EPSG:4326 points, indexed by ``crossing_id``
        (``OSM-<KIND>-<osm_id>``); the point is the river point nearest the way. Crossings of
        one kind closer than :data:`MERGE_KM` are kept once (lowest ``osm_id`` first).
    """
    m = osm_mapping()
    columns = [*CROSSING_COLUMNS, "open_h", "close_h"]  # the curated schema, plus parsed hours
    empty = gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=STORAGE_CRS))
    kinds = {
        "bridge": osm_work["bridge"].to_numpy(dtype=bool),
        "ford": osm_work["ford"].to_numpy(dtype=bool),
        "ferry": osm_work["ferry"].to_numpy(dtype=bool),
    }
    flagged = kinds["bridge"] | kinds["ford"] | kinds["ferry"]
    if not flagged.any() or rivers.empty:
        return empty
    ways = osm_work[flagged]
    river_geoms = rivers.geometry.to_numpy()
    river_names = (
        rivers["name"].fillna("").astype(str).to_numpy() if "name" in rivers.columns else [""] * len(rivers)
    )
    tree = shapely.STRtree(river_geoms)
    wi, ri = tree.query(ways.geometry.to_numpy(), predicate="dwithin", distance=RIVER_SNAP_KM * 1000.0)
    if len(wi) == 0:
        return empty
    link = shapely.shortest_line(ways.geometry.to_numpy()[wi], river_geoms[ri])
    at = shapely.get_coordinates(link)[1::2]
    rows = []
    for k, (w, r) in enumerate(zip(wi, ri, strict=True)):
        way = ways.iloc[w]
        kind = "ferry" if way["ferry"] else ("ford" if way["ford"] else "bridge")
        if kind == "ford":
            season = "dry_only"
        elif kind == "ferry":
            season = {"dry_only": "dry_only", "wet_only": "wet_only"}.get(
                m.season.get(("seasonal", str(way["seasonal"]).lower()), ""), "all_year"
            )
        else:
            season = "all_year"
        rows.append(
            {
                "crossing_id": f"OSM-{kind.upper()}-{way['osm_id']}",
                "name": way["name"] or f"{kind} (OSM {way['osm_id']})",
                "river": river_names[r],
                "kind": kind,
                "x": at[k, 0],
                "y": at[k, 1],
                "crossing_h": m.crossing_h.get(kind, 0.0),
                "wait_h": m.wait_h.get(kind, 0.0),
                "hours": "",
                "season": season,
                "vehicles": True,
                "segment_id": f"osm-{way['osm_id']}",
                "schematic": False,
                "source_refs": NETWORK_SOURCE,
                "as_of": as_of,
                "note": f"OpenStreetMap way {way['osm_id']} ({kind}) meets the river line here; "
                "times are the defaults of data/curated/osm_road_classes.csv",
                "open_h": float("nan"),
                "close_h": float("nan"),
                "order": (kind, _id_key(way["osm_id"])),
            }
        )
    df = pd.DataFrame(rows).sort_values("order", kind="stable").drop(columns="order")
    df = df.drop_duplicates("crossing_id", keep="first").reset_index(drop=True)
    xy = df[["x", "y"]].to_numpy()
    drop = np.zeros(len(df), dtype=bool)
    for i, j in sorted(cKDTree(xy).query_pairs(MERGE_KM * 1000.0)):
        if df.at[i, "kind"] == df.at[j, "kind"] and not drop[i]:
            drop[j] = True
    if len(existing):
        cur = existing.to_crs(WORK_CRS)
        d, _ = cKDTree(np.column_stack([cur.geometry.x, cur.geometry.y])).query(xy)
        drop |= d <= CURATED_WINS_KM * 1000.0
    df = df[~drop]
    if df.empty:
        return empty
    pts = gpd.GeoSeries(shapely.points(df[["x", "y"]].to_numpy()), crs=WORK_CRS).to_crs(STORAGE_CRS)
    df = df.drop(columns=["x", "y"]).assign(lon=pts.x.to_numpy(), lat=pts.y.to_numpy())
    out = gpd.GeoDataFrame(df[columns], geometry=pts.to_numpy(), crs=STORAGE_CRS)
    return out.set_index(pd.Index(out["crossing_id"].to_numpy()))


def _id_key(osm_id: object) -> tuple[int, str]:
    """Sort key of an OSM id: numeric ids in numeric order, then any other text."""
    text = str(osm_id)
    return (int(text), "") if text.lstrip("-").isdigit() else (2**63, text)
