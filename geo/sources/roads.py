"""Road lines and the named access axes laid onto them.

Internal road schema (WORK_CRS lines)
-------------------------------------
``road_id`` (str, index), ``road_class`` {main, secondary, track}, ``speed_src_kmh``
(average speed the source gives for the line, NaN if none), ``geometry``
(LineString/MultiLineString).

Adapters
--------
``osrm_edges``
    The main-road skeleton in the data folder (S. Krantz, OSRM routes on OSM). It has
    no highway class: every line is ``main``; ``route_km_src / route_min_src`` gives
    OSRM's average speed on the whole edge, kept for information.
``hotosm_roads``
    HOT OSM export (``osm_id``, ``highway``): classes mapped by ``OSM_HIGHWAY_CLASS``.

Axes
----
A curated axis (``data/curated/axes.csv``) is a list of waypoints. Each leg between two
waypoints is snapped to the road lines (shortest path on the line network, scipy's csgraph);
a leg whose ends are more than ``MAX_SNAP_KM`` from any road, that finds no path, or
whose path is more than ``MAX_DETOUR`` times the straight distance, is drawn as a
straight line through the waypoints and flagged schematic (e.g. the tracks to
Tombouctou and Léré, which the skeleton does not reach).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely import LineString, MultiLineString, get_coordinates, line_merge

from geo.config import STORAGE_CRS, WORK_CRS
from geo.errors import DataFileError
from geo.sources.datasets import dataset_path, load_manifest, read_vector

logger = logging.getLogger(__name__)

#: OSM ``highway`` values -> project road class (HOT OSM exports).
OSM_HIGHWAY_CLASS = {
    "motorway": "main",
    "trunk": "main",
    "primary": "main",
    "secondary": "secondary",
    "tertiary": "secondary",
    "unclassified": "track",
    "track": "track",
    "residential": "track",
    "road": "track",
}
#: A waypoint farther than this from the road lines makes its legs schematic (km).
MAX_SNAP_KM = 10.0
#: A snapped leg longer than this multiple of the straight distance (+ 20 km) is rejected as a detour.
MAX_DETOUR = 2.0
#: Vertices of different lines closer than this are joined in the snapping graph (km).
JOIN_KM = 1.0
#: Longest edge of the road graph axes are snapped on (longer line segments are split), km.
GRAPH_STEP_KM = 0.5


def normalise_roads(
    raw: gpd.GeoDataFrame, *, adapter: str, path: Path | str = "<memory>"
) -> gpd.GeoDataFrame:
    """Turn a source road layer into the internal schema, in WORK_CRS.

    Parameters
    ----------
    raw
        Line layer as read (CRS required).
    adapter
        ``{"osrm_edges", "hotosm_roads"}``.
    path
        Source file, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``road_class``, ``speed_src_kmh``, ``geometry``; index ``road_id``; CRS
        ESRI:102022; empty geometries dropped.

    Raises
    ------
    DataFileError
        Unknown adapter or missing column.
    """
    if adapter == "osrm_edges":
        for c in ("route_km_src", "route_min_src"):
            if c not in raw.columns:
                raise DataFileError(path, "missing column in road layer", field=c)
        speed = raw["route_km_src"] / (raw["route_min_src"] / 60.0)
        df = pd.DataFrame(
            {
                "road_id": [f"osrm-{i}" for i in range(len(raw))],
                "road_class": "main",
                "speed_src_kmh": speed.to_numpy(),
            }
        )
    elif adapter == "hotosm_roads":
        for c in ("osm_id", "highway"):
            if c not in raw.columns:
                raise DataFileError(path, "missing column in road layer", field=c)
        cls = raw["highway"].map(OSM_HIGHWAY_CLASS)
        df = pd.DataFrame(
            {"road_id": "osm-" + raw["osm_id"].astype(str), "road_class": cls, "speed_src_kmh": np.nan}
        )
    else:
        msg = f"unknown roads adapter {adapter!r}; expected osrm_edges or hotosm_roads"
        raise DataFileError(path, msg, field="adapter")
    gdf = gpd.GeoDataFrame(df, geometry=raw.geometry.values, crs=raw.crs).to_crs(WORK_CRS)
    keep = gdf["road_class"].notna() & gdf.geometry.notna() & ~gdf.geometry.is_empty
    return gdf[keep].set_index("road_id")


def load_roads(data_dir: Path) -> gpd.GeoDataFrame:
    """Road lines of the data folder in the internal schema (WORK_CRS)."""
    ds = load_manifest()["roads"]
    raw = read_vector(data_dir, "roads")
    gdf = normalise_roads(raw, adapter=ds.adapter, path=dataset_path(data_dir, "roads"))
    logger.info("roads: %d lines, %.0f km", len(gdf), gdf.length.sum() / 1000)
    return gdf


@dataclass(frozen=True)
class LineGraph:
    """The road lines as a graph for snapping axes (:func:`road_graph`).

    Attributes
    ----------
    nodes
        (n, 2) vertex coordinates, WORK_CRS metres (rounded to the metre).
    edges
        Symmetric sparse matrix of edge lengths (metres) between vertex numbers.
    tree
        KD-tree of ``nodes``.
    """

    nodes: np.ndarray
    edges: sparse.csr_matrix
    tree: cKDTree


def road_graph(roads: gpd.GeoDataFrame | gpd.GeoSeries) -> LineGraph:
    """Graph of the lines' vertices, at most ``GRAPH_STEP_KM`` apart, edges weighted by length (m).

    Consecutive vertices of a line are joined, and so are vertices of any lines closer
    than ``JOIN_KM``. Built with numpy and scipy (about 0.05 s for the 26,000 vertices of
    the skeleton and the network, against 0.4 s for the same graph in networkx).

    Parameters
    ----------
    roads
        Lines (LineString/MultiLineString) in WORK_CRS.

    Returns
    -------
    LineGraph
    """
    geoms = roads.geometry.to_numpy() if hasattr(roads, "geometry") else np.asarray(roads)
    parts = shapely.get_parts(geoms)
    # vertices at most GRAPH_STEP_KM apart: a road that joins a generalised line mid-edge
    # (RN15 at Sévaré on the RN6) then meets it where it does, not at the edge's far
    # vertex, which made the axis run out along the other road and back
    xy, part = get_coordinates(shapely.segmentize(parts, GRAPH_STEP_KM * 1000.0), return_index=True)
    xy = np.round(xy, 0)
    same_part = part[1:] == part[:-1]
    keys, vertex = np.unique(xy, axis=0, return_inverse=True)
    vertex = vertex.reshape(-1)
    a, b = vertex[:-1][same_part], vertex[1:][same_part]
    a, b = a[a != b], b[a != b]
    used, renum = np.unique(np.concatenate((a, b)), return_inverse=True)  # vertices on an edge
    nodes = keys[used]
    a, b = renum[: len(a)], renum[len(a) :]
    tree = cKDTree(nodes)
    pairs = tree.query_pairs(JOIN_KM * 1000.0, output_type="ndarray")
    lo = np.minimum(np.concatenate((a, pairs[:, 0])), np.concatenate((b, pairs[:, 1])))
    hi = np.maximum(np.concatenate((a, pairs[:, 0])), np.concatenate((b, pairs[:, 1])))
    pair = np.unique(np.column_stack((lo, hi)), axis=0)  # each edge once
    w = np.hypot(*(nodes[pair[:, 0]] - nodes[pair[:, 1]]).T)
    n = len(nodes)
    upper = sparse.csr_matrix((w, (pair[:, 0], pair[:, 1])), shape=(n, n))
    return LineGraph(nodes, (upper + upper.T).tocsr(), tree)


def _snap_leg(graph: LineGraph, a: tuple, b: tuple, straight: float) -> LineString | None:
    """Shortest path on the line graph between the vertices nearest ``a`` and ``b``, or None.

    None when an end is more than ``MAX_SNAP_KM`` from the lines, both ends snap to one
    vertex, there is no path, or the path is a detour (see the module docstring).
    """
    (da, ia), (db, ib) = graph.tree.query(a), graph.tree.query(b)
    if max(da, db) > MAX_SNAP_KM * 1000.0 or ia == ib:
        return None
    limit = MAX_DETOUR * straight + 20_000.0
    dist, pred = dijkstra(graph.edges, indices=int(ia), return_predecessors=True, limit=limit)
    if not dist[ib] <= limit:  # no path, or a detour
        return None
    path = [int(ib)]
    while path[-1] != ia:
        path.append(int(pred[path[-1]]))
    return LineString(graph.nodes[path[::-1]])


def build_axes(
    axes: pd.DataFrame, roads: gpd.GeoDataFrame, network: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Lay each curated axis onto the road lines.

    Parameters
    ----------
    axes
        ``geo.sources.curated.read_axes().valid`` (``waypoint_list`` of ``(name, lon, lat)``).
    roads
        Internal road lines in WORK_CRS.
    network
        Optional further lines (the curated secondary network, WORK_CRS): a leg that
        cannot be snapped to ``roads`` alone is snapped to ``roads`` and ``network``
        together before it is drawn straight. Legs the skeleton carries stay on it, so
        closing an axis closes the skeleton road, not a line beside it.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``axis_id``; columns of ``axes`` (without ``waypoint_list``) plus
        ``schematic`` (bool: at least one leg not on the road lines),
        ``schematic_km``, ``length_km``, ``geometry`` (LineString/MultiLineString, WORK_CRS).
    """
    graphs = [road_graph(roads)]
    if network is not None and len(network):
        graphs.append(road_graph(pd.concat([roads[["geometry"]], network[["geometry"]]])))
    to_work = Transformer.from_crs(STORAGE_CRS, WORK_CRS, always_xy=True)
    rows = []
    for _axis_id, axis in axes.iterrows():
        pts = [to_work.transform(lon, lat) for _, lon, lat in axis["waypoint_list"]]
        legs, schematic_m = [], 0.0
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            straight = float(np.hypot(a[0] - b[0], a[1] - b[1]))
            leg = None
            for graph in graphs if axis.get("snap", "yes") == "yes" else []:
                leg = _snap_leg(graph, a, b, straight)
                if leg is not None:
                    break
            if leg is None:
                leg = LineString([a, b])
                schematic_m += leg.length
            legs.append(leg)
        merged = line_merge(MultiLineString(legs))
        record = axis.drop(labels=["waypoint_list"]).to_dict()
        record.update(
            schematic=schematic_m > 0,
            schematic_km=schematic_m / 1000.0,
            length_km=merged.length / 1000.0,
            geometry=merged,
        )
        rows.append(record)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=WORK_CRS)
    gdf.index = pd.Index(axes.index, name=None)
    logger.info("axes: %d built, %d schematic", len(gdf), int(gdf["schematic"].sum()))
    return gdf


def build_network(network: pd.DataFrame, roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lay the curated secondary network out as lines (WORK_CRS).

    Segments with ``snap`` yes are laid onto the road lines like axes
    (:func:`build_axes`: each leg snapped, or drawn straight when the skeleton does
    not carry it); the others are drawn straight through their waypoints.

    Parameters
    ----------
    network
        ``geo.sources.curated.read_network()`` (with ``waypoint_list``).
    roads
        Internal road lines in WORK_CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``segment_id``; the network's columns (without ``waypoint_list``),
        ``schematic`` (the file's flag, or True when a leg could not be snapped),
        ``schematic_km``, ``length_km`` and ``geometry`` (WORK_CRS). Empty (with those
        columns) for an empty network.
    """
    if network.empty:
        cols = [c for c in network.columns if c != "waypoint_list"]
        empty = gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in cols}, geometry=gpd.GeoSeries([], crs=WORK_CRS)
        )
        return empty.assign(schematic_km=pd.Series(dtype=float), length_km=pd.Series(dtype=float))
    declared = network["schematic"].astype(bool)
    built = build_axes(network, roads)
    built["schematic"] = built["schematic"].astype(bool) | declared.reindex(built.index).to_numpy()
    logger.info("network: %d segments, %.0f km", len(built), built["length_km"].sum())
    return built
