"""Print-ready maps (PDF/PNG) of the access picture, drawn offline with matplotlib.

A page is an A4 or A3 landscape sheet: title and subtitle with the as-of date, a main
map (reachable bands of the hubs or access zones, roads by status, encircled localities,
hubs, admin1 boundaries with their names, main towns), a legend, a scale bar in km, a
north arrow, an inset locating Mali in West Africa, the sources and licences, the
standard disclaimer and the production date. Every word comes from :mod:`geo.products.i18n` in
one language. No tiles and no network: only the vectors passed in are drawn.

What is drawn is exactly what the caller passes in a :class:`MapLayers`; with
``public=True`` incident points and encircled episodes flagged non-public are dropped
as well, and the page is marked as the public version (armed-group names are never
printed in either mode).

Projection
----------
Pages are drawn in :data:`PRINT_CRS`, a Lambert azimuthal equal-area projection centred
on Mali (17 N, 4 W): areas are true, shapes and the km scale bar are within about 2 %
across the country, and grid north is true north at the centre (the arrow is turned by
the local convergence of the page's centre anyway).

Entry points
------------
:func:`render_map` gives one page as PNG or PDF bytes (and writes it if asked);
:func:`render_pack` gives a multi-page PDF, one page per hub, for a meeting pack;
:func:`build_map_layers` gathers the layers from the engine's outputs.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import Transformer

from geo.config import DEFAULT_CELL_KM, STORAGE_CRS
from geo.escape import mpl_text
from geo.products.cartography import (
    BAND_OPACITY,
    BASE_ROAD_COLOUR,
    ENCIRCLED_ACTIVE,
    ENCIRCLED_UNIT_COLOUR,
    FOREIGN_LAND,
    HUB_NEUTRAL,
    INCIDENT_CLASSES,
    MALI_LAND,
    RIVER_COLOUR,  # noqa: F401  (re-exported)
    ROAD_STATUS_COLOUR,
    SEVERITY_COLOUR,
    STALE_RING_COLOUR,
    WATER,
    ZONE_COLOUR,
    hub_colour,
)
from geo.products.cartography import NETWORK_STYLE as SCREEN_NETWORK_STYLE
from geo.products.i18n import check_lang, format_date, format_hours, tr, tr_count
from geo.products.staleness import episode_stale, status_stale
from geo.vocab import ROAD_STATUS

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

#: Projection of print maps: Lambert azimuthal equal-area centred on Mali (metres).
PRINT_CRS = "+proj=laea +lat_0=17 +lon_0=-4 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
#: Landscape paper sizes, millimetres (width, height).
PAPER_MM = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}
#: Simplification tolerance of drawn polygons and lines, metres in PRINT_CRS (well under 0.1 mm at 1:5M).
DRAW_TOLERANCE_M = 250.0
#: Capitals of the regions (COD-AB 2015 and the 2021 regions Ménaka and Taoudénit): first of
#: :data:`MAIN_TOWNS`; on the web maps their label may cross a symbol where no side is free.
REGION_CAPITALS = (
    "Bamako",
    "Kayes",
    "Koulikoro",
    "Sikasso",
    "Ségou",
    "Mopti",
    "Tombouctou",
    "Gao",
    "Kidal",
    "Ménaka",
    "Taoudenni",
)
#: Regional and cercle capitals labelled as main towns when found among the localities.
MAIN_TOWNS = (
    *REGION_CAPITALS,
    "Nioro du Sahel",
    "Kita",
    "Koutiala",
    "San",
    "Douentza",
    "Bandiagara",
    "Niono",
    "Ansongo",
    "Bourem",
    "Diré",
    "Goundam",
    "Léré",
    "Tessalit",
    "Bougouni",
    "Koro",
    "Djenné",
    "Niafunké",
    "Youwarou",
    "Ténenkou",
    "Gourma-Rharous",
)
#: Secondary network on print maps: (surface, colour, line width in pt at A4, line style).
NETWORK_STYLE = (
    ("paved", SCREEN_NETWORK_STYLE["paved"][0], 1.0, "-"),
    ("laterite", SCREEN_NETWORK_STYLE["laterite"][0], 0.9, "-"),
    ("track", SCREEN_NETWORK_STYLE["track"][0], 0.8, (0, (3, 2))),
)
#: Crossing symbols: kind -> (matplotlib marker, size in pt² at A4). One shape per kind, so
#: that a black-and-white copy still tells them apart: a bar (bridge) and a diamond (ferry)
#: as on the live map (:mod:`layers.symbols`), a boat hull, flat side up (pirogue), and a
#: down triangle (ford). A marker given as vertices is scaled by matplotlib to its widest
#: extent, so the bar and the hull are as wide as the diamond is tall.
CROSSING_MARKER = {
    "bridge": ([(-1.0, -0.4), (1.0, -0.4), (1.0, 0.4), (-1.0, 0.4), (-1.0, -0.4)], 26),
    "ferry": ("D", 16),
    "pirogue": ([(-1.0, 0.4), (1.0, 0.4), (0.65, -0.4), (-0.65, -0.4), (-1.0, 0.4)], 32),
    "ford": ("v", 14),
}
#: Mali's neighbours: Natural Earth name -> (``geo.products.i18n`` key of the name, inset label lon/lat).
#: Only these are named on a page (inset and the edges of the main map), in the page's language.
NEIGHBOURS = {
    "Algeria": ("country_dz", (1.0, 25.5)),
    "Niger": ("country_ne", (9.5, 17.0)),
    "Burkina Faso": ("country_bf", (-1.6, 12.4)),
    "Côte d'Ivoire": ("country_ci", (-5.5, 7.6)),
    "Guinea": ("country_gn", (-11.2, 10.3)),
    "Senegal": ("country_sn", (-15.3, 14.1)),
    "Mauritania": ("country_mr", (-10.5, 20.3)),
}
#: Extent of the inset map (lon/lat).
INSET_BOUNDS = (-18.5, 4.0, 16.5, 27.5)

_SHOWS = ("bands", "zones", "severity")
_FORMATS = ("png", "pdf")


@dataclass(frozen=True)
class MapLayers:
    """Everything a print map may draw; every field but ``admin1`` is optional.

    All frames may be in any CRS (they are reprojected); ``None`` or an empty frame
    leaves the layer (and its legend entry) out.

    Attributes
    ----------
    admin1
        Regions: ``name`` and polygons (``geo.sources.admin.load_admin(data_dir, 1)``). Drawn as
        boundaries with their names.
    admin2
        Cercles (boundaries only; drawn thinner). Optional.
    bands
        Reachable areas, ``geo.model.reach.BAND_COLUMNS`` (``hub_id``, ``hub``, ``hours``,
        ``hub_status``, geometry), one row per (hub, band).
    zones
        Access zones from :func:`geo.model.zones.classify_zones` (``zone`` and polygons).
    roads
        Base road lines (grey).
    axes
        Curated axes indexed by ``axis_id`` with ``schematic`` (lines); coloured by
        ``axis_status``.
    axis_status
        Effective status per axis, indexed by ``axis_id``, column ``status``
        (``geo.model.reach.state_as_of``).
    encircled
        Encircled localities in force (points; ``locality``, optional ``radius_km`` in km
        and ``public``). Rows with ``public`` false are dropped in public mode.
    hubs
        HAWG hubs (points; ``hub_id``, ``name``).
    towns
        Main towns (points; ``name``), e.g. :func:`main_towns`.
    network
        Secondary roads and tracks (``geo.sources.curated.read_network`` laid by the model):
        ``surface`` {paved, laterite, track}; tracks are drawn dashed.
    rivers
        Rivers and lakes (lines or polygons), drawn in blue under the roads.
    crossings
        River crossings (points; ``kind`` {bridge, ferry, pirogue, ford}, optional ``status``);
        closed ones get a red cross.
    incidents
        Incident points already filtered to the window; never drawn in public mode.
    incident_units
        Public incident counts per cercle (the snapshot's ``incidents_admin2``: ``incidents``,
        ``incidents_min``, polygons), drawn as a choropleth in the classes of
        ``geo.products.cartography.INCIDENT_CLASSES``; reach bands are then drawn as outlines
        so the counts stay readable.
    encircled_units
        Cercles holding public encircled localities (the snapshot's ``encircled_admin2``),
        hatched with a dashed outline in ``geo.products.cartography.ENCIRCLED_UNIT_COLOUR``.
    incident_note
        A line of the legend under the incident classes of ``incident_units`` (the
        snapshot's words for sparse incident data: "0" is no incident recorded), or None.
    note
        A sentence printed in a box at the bottom right of the map (e.g. that the incident
        data are sparse), or None.
        Incident points already filtered to the window; never drawn as points in public
        mode. Counted per cercle (``admin2``) and drawn as a choropleth
        (:func:`incident_counts`, classes :data:`COUNT_CLASSES`) when ``admin2`` is given.
    incident_window
        ``(first day, last day)`` of the incident window: with no incident in it, the
        legend and the key figures say so ("no incident recorded in the window").
    incident_data_end
        Date of the last incident the data hold (:func:`geo.model.incidents.data_end`),
        or None when unknown. When the window ends after it, the legend and the key
        figures say the data stop on that date ("no incident data after ...") rather
        than that nothing happened.
    incident_category
        AMRF category counted by the choropleth (:mod:`geo.sources.amrf`), or None for
        every access category (``not_access`` events are never counted).
    stale_days
        Constraints whose last confirmation (encirclement ``last_confirmed``, else
        ``since``; road status ``valid_from``) is more than this many days before the
        as-of date are marked "not confirmed" (``geo.config.Settings.stale_days``); None:
        no mark.
    reference
        Map reference number printed in the footer (default :func:`map_reference`).
    contact
        Contact line printed in the footer (``geo.config.Settings.contact``); empty: no
        contact line (the footer gives the map reference only).
    positions
        Common positions placed by :func:`geo.products.positions_map.locate` (already the
        public cut, :func:`geo.products.positions_map.product_positions`, for a public
        map), or None. Those that apply to the mapped area are numbered on the map and
        listed in a table page after the map in a PDF (:func:`mapped_positions`,
        :func:`draw_positions_pages`).
    season
        ``"dry"`` or ``"rainy"`` (subtitle).
    cell_km
        Cell size of the model grid (method note), km.
    zone_level
        Admin level of ``zones`` (2 or 3), for the subtitle.
    """

    admin1: gpd.GeoDataFrame
    admin2: gpd.GeoDataFrame | None = None
    bands: gpd.GeoDataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    axes: gpd.GeoDataFrame | None = None
    axis_status: pd.DataFrame | None = None
    encircled: gpd.GeoDataFrame | None = None
    hubs: gpd.GeoDataFrame | None = None
    towns: gpd.GeoDataFrame | None = None
    incidents: gpd.GeoDataFrame | None = None
    network: gpd.GeoDataFrame | None = None
    rivers: gpd.GeoDataFrame | None = None
    crossings: gpd.GeoDataFrame | None = None
    incident_units: gpd.GeoDataFrame | None = None
    encircled_units: gpd.GeoDataFrame | None = None
    incident_note: str | None = None
    note: str | None = None
    positions: gpd.GeoDataFrame | None = None
    season: str = "dry"
    cell_km: float = DEFAULT_CELL_KM
    zone_level: int = 2
    incident_window: tuple[dt.date, dt.date] | None = None
    incident_data_end: dt.date | None = None
    incident_category: str | None = None
    stale_days: int | None = None
    reference: str | None = None
    contact: str = ""
    _prepared: dict = field(default_factory=dict, init=False, repr=False, compare=False)


#: Classes of the incident choropleth: (lowest count, highest count or None, colour).
COUNT_CLASSES = (
    (1, 2, "#fdd0a2"),
    (3, 5, "#fdae6b"),
    (6, 10, "#f16913"),
    (11, 25, "#d94801"),
    (26, None, "#8c2d04"),
)


def incident_counts(
    incidents: gpd.GeoDataFrame | None, units: gpd.GeoDataFrame, *, category: str | None = None
) -> gpd.GeoDataFrame:
    """Incidents per admin unit and per AMRF category (inputs of the choropleth and key figures).

    Parameters
    ----------
    incidents
        Incident points of the window (any CRS), with ``amrf`` (added by
        :func:`geo.sources.amrf.classify` when absent); None or empty: every count is 0.
    units
        Admin units (polygons, any CRS) with ``pcode`` and ``name``.
    category
        AMRF category counted in ``count``; None: every access category (all but
        ``not_access`` and ``unclassified``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``units``' ``pcode``, ``name``, ``count`` (incidents of ``category``) and one
        ``amrf_<code>`` column per AMRF category, geometry; same order as ``units``. A point
        on the border of two units counts in the first one only; points outside every
        unit are not counted.
    """
    from geo.sources.amrf import NOT_ACCESS, UNCLASSIFIED, classify, read_typology

    typology = read_typology()
    out = gpd.GeoDataFrame(
        {"pcode": units["pcode"].to_numpy(), "name": units["name"].to_numpy()},
        geometry=units.geometry.to_numpy(),
        crs=units.crs,
    )
    k = len(out)
    codes = typology.constraint_codes
    counts = {c: np.zeros(k, dtype=np.int64) for c in codes}
    if incidents is not None and len(incidents):
        amrf = (incidents["amrf"] if "amrf" in incidents else classify(incidents, typology)).astype(str)
        pts = incidents.geometry.to_crs(units.crs).to_numpy()
        tree = shapely.STRtree(out.geometry.to_numpy())
        ip, iu = tree.query(pts, predicate="intersects")
        first = np.full(len(pts), -1, dtype=np.int64)
        if len(ip):
            order = np.lexsort((iu, ip))  # per point, the lowest unit index first
            ip, iu = ip[order], iu[order]
            head = np.ones(len(ip), dtype=bool)
            head[1:] = ip[1:] != ip[:-1]
            first[ip[head]] = iu[head]
        for c in codes:
            sel = (amrf.to_numpy() == c) & (first >= 0)
            counts[c] = np.bincount(first[sel], minlength=k).astype(np.int64)
    for c in codes:
        out[f"amrf_{c}"] = counts[c]
    if category is None:
        out["count"] = sum(
            (counts[c] for c in codes if c not in (NOT_ACCESS, UNCLASSIFIED)), np.zeros(k, np.int64)
        )
    else:
        if category not in counts:
            msg = f"unknown AMRF category {category!r}; known: {', '.join(codes)}"
            raise ValueError(msg)
        out["count"] = counts[category]
    return out


def stale_constraints(
    axis_status: pd.DataFrame | None,
    encircled: gpd.GeoDataFrame | None,
    as_of: dt.date,
    stale_days: int,
) -> tuple[list[str], list[int]]:
    """Constraints in force not confirmed for more than ``stale_days`` days on ``as_of``.

    The rule is :mod:`geo.products.staleness` (the live map's popups use it too).

    Parameters
    ----------
    axis_status
        Axis status in force, indexed by ``axis_id`` (``status``, ``valid_from``); only
        ``constrained`` and ``closed`` axes are checked (an open road needs no confirmation).
    encircled
        Encirclements in force (``last_confirmed``, ``since``).
    as_of
        Date of the map.
    stale_days
        Days (>= 0).

    Returns
    -------
    (list of str, list of int)
        Stale axis ids, and the positions (0-based) of stale encirclements in ``encircled``.
    """
    axes: list[str] = []
    if axis_status is not None and len(axis_status) and "valid_from" in axis_status:
        for aid, row in axis_status.iterrows():
            if status_stale(row.get("status"), row.get("valid_from"), as_of, stale_days):
                axes.append(str(aid))
    enc: list[int] = []
    if encircled is not None and len(encircled):
        for i, (_, row) in enumerate(encircled.iterrows()):
            if episode_stale(row.get("last_confirmed"), row.get("since"), as_of, stale_days):
                enc.append(i)
    return axes, enc


def map_reference(as_of: dt.date, *, show: str, focus_hub: str | None, lang: str, public: bool) -> str:
    """Return the reference number of a map: ``MLI-HAWG-<YYYYMMDD>-<kind>-<LANG>`` (``-P``: public).

    The same map of the same date always gets the same number, so a printed copy can be
    matched with its file.
    """
    kind = (focus_hub or "NAT").upper() if show == "bands" else {"zones": "ZONES", "severity": "SEV"}[show]
    return f"MLI-HAWG-{as_of:%Y%m%d}-{kind}-{lang.upper()}" + ("-P" if public else "")


def main_towns(places: gpd.GeoDataFrame, *, names: Sequence[str] = MAIN_TOWNS) -> gpd.GeoDataFrame:
    """Return the localities named in ``names``, as ``name`` + points.

    Where several localities bear a name, the one in the cercle of that name is kept, else
    the one in the region of that name, else the first.

    Parameters
    ----------
    places
        Localities (``geo.sources.places.load_places`` or ``ModelInputs.places``), any CRS.
    names
        Town names to keep (exact match).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``geometry`` in the CRS of ``places``.
    """
    from geo.sources.places import fold_name

    folded = places["name"].astype(str).map(fold_name)
    wanted = {fold_name(n): n for n in names}
    sel = places[folded.isin(list(wanted))]
    sel = sel.assign(name=folded[sel.index].map(wanted))  # the accented spelling of ``names``
    # A name borne by several localities (three "Diré", six "Koro"): the towns listed are
    # cercle or region capitals, so the one in the cercle (else the region) of that name wins.
    rank = pd.Series(2, index=sel.index)
    for col, value in (("adm1_name", 1), ("adm2_name", 0)):
        if col in sel.columns:
            same = sel[col].fillna("").astype(str).map(fold_name) == sel["name"].map(fold_name)
            rank = rank.where(~same | (rank < value), value)
    order = rank.reset_index(drop=True).sort_values(kind="stable").index
    sel = sel.iloc[order]
    sel = sel[~sel["name"].duplicated()]
    return gpd.GeoDataFrame(
        {"name": sel["name"].to_numpy()}, geometry=sel.geometry.to_numpy(), crs=places.crs
    )


def build_map_layers(
    inputs: Any,
    result: Any,
    hubs: gpd.GeoDataFrame,
    *,
    admin1: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    zone_level: int = 2,
    incident_window: tuple[dt.date, dt.date] | None = None,
    incident_category: str | None = None,
    stale_days: int | None = None,
    contact: str = "",
    positions: gpd.GeoDataFrame | None = None,
    incident_data_end: dt.date | None = None,
) -> MapLayers:
    """Gather the layers of a print map from the engine's outputs.

    Parameters
    ----------
    inputs
        ``geo.model.friction.ModelInputs`` (roads, axes, places, admin2, grid).
    result
        ``geo.model.reach.ReachResult`` (bands, state with axis status and encirclements in force).
    hubs
        Hubs drawn (EPSG:4326; ``hub_id``, ``name``).
    admin1
        Regions (``geo.sources.admin.load_admin(data_dir, 1)``).
    incidents
        Incident points of the window (restricted maps only), or None.
    zones
        Access zones (:func:`geo.model.zones.classify_zones`), or None.
    zone_level
        Admin level of ``zones``.
    incident_window, incident_category, stale_days, contact, incident_data_end
        See :class:`MapLayers` (the sign-off elements: choropleth window and category,
        staleness marks, contact line; the last date of the incident data).
    positions
        Placed positions (:func:`geo.products.positions_map.product_positions`), or None.

    Returns
    -------
    MapLayers
    """
    state = result.state
    return MapLayers(
        admin1=admin1,
        admin2=inputs.admin2,
        bands=result.bands,
        zones=zones,
        roads=inputs.roads,
        axes=inputs.axes,
        axis_status=None if state is None else state.axis_status,
        encircled=None if state is None else state.no_entry,
        hubs=hubs,
        towns=main_towns(inputs.places),
        incidents=incidents,
        network=getattr(inputs, "network", None),
        rivers=_water_lines(inputs),
        crossings=_crossings_with_status(getattr(inputs, "crossings", None), state),
        positions=positions,
        season=result.season,
        cell_km=inputs.grid.cell_km,
        zone_level=zone_level,
        incident_window=incident_window,
        incident_data_end=incident_data_end,
        incident_category=incident_category,
        stale_days=stale_days,
        contact=contact,
    )


def _water_lines(inputs: Any) -> gpd.GeoDataFrame | None:
    """Rivers and lakes of the data folder (None when the folder has none)."""
    from geo.errors import AccessMapError
    from geo.sources.datasets import read_vector

    try:
        parts = [read_vector(inputs.data_dir, role)[["geometry"]] for role in ("rivers", "lakes")]
    except (AccessMapError, AttributeError, OSError):
        return None
    return gpd.GeoDataFrame(pd.concat([f.to_crs(STORAGE_CRS) for f in parts]), crs=STORAGE_CRS)


def _crossings_with_status(crossings: gpd.GeoDataFrame | None, state: Any) -> gpd.GeoDataFrame | None:
    """Crossings with the status in force in ``state`` (``unknown`` when none is recorded)."""
    if _empty(crossings):
        return None
    from geo.sources.curated import real_crossings

    out = real_crossings(crossings)[["crossing_id", "name", "kind", "geometry"]].copy()  # no artefacts
    if out.empty:
        return None
    status = getattr(state, "crossing_status", None)
    if status is not None and "status" in status:
        out["status"] = out["crossing_id"].map(status["status"]).fillna("unknown")
    else:
        out["status"] = "unknown"
    return out


# --------------------------------------------------------------------------- preparation


def _empty(gdf: Any) -> bool:
    return gdf is None or len(gdf) == 0


def _to_print(gdf: gpd.GeoDataFrame, *, simplify: bool = True) -> gpd.GeoDataFrame:
    out = gdf.to_crs(PRINT_CRS) if gdf.crs is not None else gdf.set_crs(STORAGE_CRS).to_crs(PRINT_CRS)
    if simplify:
        out = out.set_geometry(out.geometry.simplify(DRAW_TOLERANCE_M, preserve_topology=True))
    return out[~(out.geometry.is_empty | out.geometry.isna())]


def _prepare(layers: MapLayers) -> dict[str, Any]:
    """Project and simplify every layer once (kept on the MapLayers for further pages)."""
    if layers._prepared:
        return layers._prepared
    p: dict[str, Any] = {}
    p["admin1"] = _to_print(layers.admin1)
    p["admin2"] = None if _empty(layers.admin2) else _to_print(layers.admin2)
    p["outline"] = shapely.union_all(p["admin1"].geometry.buffer(0).values)
    p["bands"] = None if _empty(layers.bands) else _to_print(layers.bands)
    p["zones"] = None if _empty(layers.zones) else _to_print(layers.zones)
    p["roads"] = None if _empty(layers.roads) else _to_print(layers.roads)
    if not _empty(layers.axes):
        axes = layers.axes
        if layers.axis_status is not None and "status" in layers.axis_status:
            axes = axes.drop(columns=[c for c in ("status",) if c in axes]).join(
                layers.axis_status[["status"]], how="left"
            )
        if "status" not in axes:
            axes = axes.assign(status="unknown")
        axes = axes.assign(status=axes["status"].fillna("unknown"))
        if "schematic" not in axes:
            axes = axes.assign(schematic=False)
        p["axes"] = _to_print(axes)
    else:
        p["axes"] = None
    p["encircled"] = None if _empty(layers.encircled) else _to_print(layers.encircled, simplify=False)
    p["hubs"] = None if _empty(layers.hubs) else _to_print(layers.hubs, simplify=False)
    p["towns"] = None if _empty(layers.towns) else _to_print(layers.towns, simplify=False)
    p["incidents"] = None if _empty(layers.incidents) else _to_print(layers.incidents, simplify=False)
    p["counts"] = (
        None
        if _empty(layers.admin2)
        else _to_print(incident_counts(layers.incidents, layers.admin2, category=layers.incident_category))
    )
    p["network"] = None if _empty(layers.network) else _to_print(layers.network)
    p["rivers"] = None if _empty(layers.rivers) else _to_print(layers.rivers)
    p["crossings"] = None if _empty(layers.crossings) else _to_print(layers.crossings, simplify=False)
    p["incident_units"] = None if _empty(layers.incident_units) else _to_print(layers.incident_units)
    p["encircled_units"] = None if _empty(layers.encircled_units) else _to_print(layers.encircled_units)
    p["hub_order"] = (
        list(layers.hubs["hub_id"])
        if not _empty(layers.hubs)
        else (list(dict.fromkeys(layers.bands["hub_id"])) if not _empty(layers.bands) else [])
    )
    layers._prepared.update(p)
    return layers._prepared


# --------------------------------------------------------------------------- drawing helpers


def _check(paper: str, show: str, fmt: str | None = None) -> None:
    if paper not in PAPER_MM:
        msg = f"paper must be one of {', '.join(PAPER_MM)}, got {paper!r}"
        raise ValueError(msg)
    if show not in _SHOWS:
        msg = f"show must be one of {', '.join(_SHOWS)}, got {show!r}"
        raise ValueError(msg)
    if fmt is not None and fmt not in _FORMATS:
        msg = f"format must be one of {', '.join(_FORMATS)}, got {fmt!r}"
        raise ValueError(msg)


def _halo(width: float = 2.5) -> list:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


def _fit_extent(
    bounds: tuple[float, float, float, float], box_w: float, box_h: float, pad: float = 0.04
) -> tuple[float, float, float, float]:
    """Expand ``bounds`` so that their aspect equals the axes box (``box_w / box_h``)."""
    minx, miny, maxx, maxy = bounds
    w, h = (maxx - minx) * (1 + 2 * pad), (maxy - miny) * (1 + 2 * pad)
    w, h = max(w, 1.0), max(h, 1.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if w / h < box_w / box_h:
        w = h * box_w / box_h
    else:
        h = w * box_h / box_w
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _nice_length_km(width_km: float) -> float:
    target = width_km / 5.0
    for v in (10, 20, 25, 50, 100, 150, 200, 250, 300, 400, 500, 1000):
        if v >= target * 0.75:
            return float(v)
    return 1000.0


def _scale_bar(ax: Any, extent: tuple[float, float, float, float], s: float, lang: str) -> None:
    from matplotlib.patches import Rectangle

    minx, miny, maxx, maxy = extent
    length_km = _nice_length_km((maxx - minx) / 1000.0)
    length = length_km * 1000.0
    x0 = minx + (maxx - minx) * 0.03
    y0 = miny + (maxy - miny) * 0.035
    bar_h = (maxy - miny) * 0.008
    ax.add_patch(
        Rectangle(
            (x0 - (maxx - minx) * 0.012, y0 - bar_h * 2.4),
            length + (maxx - minx) * 0.045,
            bar_h * 6.2,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=20,
        )
    )
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (x0 + i * length / 4, y0),
                length / 4,
                bar_h,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=21,
            )
        )
    for frac in (0.0, 0.5, 1.0):
        label = f"{length_km * frac:g}" + (f" {tr('km', lang)}" if frac == 1.0 else "")
        ax.text(
            x0 + frac * length, y0 + bar_h * 1.6, label, ha="center", va="bottom", fontsize=6.5 * s, zorder=22
        )


def _north_angle_deg(extent: tuple[float, float, float, float]) -> float:
    """Angle (degrees, counter-clockwise from the page's up) of true north at the map centre."""
    cx, cy = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    back = Transformer.from_crs(PRINT_CRS, STORAGE_CRS, always_xy=True)
    fwd = Transformer.from_crs(STORAGE_CRS, PRINT_CRS, always_xy=True)
    lon, lat = back.transform(cx, cy)
    x2, y2 = fwd.transform(lon, lat + 0.5)
    return math.degrees(math.atan2(-(x2 - cx), y2 - cy))


def _north_arrow(ax: Any, extent: tuple[float, float, float, float], s: float, lang: str) -> None:
    from matplotlib.patches import Polygon as MplPolygon
    from matplotlib.transforms import Affine2D

    angle = _north_angle_deg(extent)
    cx, cy, size = 0.955, 0.90, 0.035
    pts_left = np.array([[0, size], [-size * 0.4, -size * 0.6], [0, -size * 0.25]])
    pts_right = pts_left * np.array([-1, 1])
    rot = Affine2D().rotate_deg(angle).translate(cx, cy) + ax.transAxes
    box = ax.get_position()
    aspect = Affine2D().scale(
        1.0, box.width / box.height * (ax.figure.get_figwidth() / ax.figure.get_figheight())
    )
    for pts, face in ((pts_left, "black"), (pts_right, "white")):
        ax.add_patch(
            MplPolygon(
                pts,
                closed=True,
                facecolor=face,
                edgecolor="black",
                linewidth=0.7,
                transform=aspect + rot,
                zorder=22,
            )
        )
    ax.text(
        cx,
        cy + size * 1.05 * box.width / box.height * (ax.figure.get_figwidth() / ax.figure.get_figheight()),
        tr("north", lang),
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=9 * s,
        fontweight="bold",
        zorder=22,
        path_effects=_halo(),
    )


def _poly_path(geoms: Any) -> Any:
    """One compound matplotlib Path of (Multi)Polygons (exteriors CCW, holes CW: nonzero fill)."""
    from matplotlib.path import Path as MplPath

    verts, codes = [], []
    polys = shapely.get_parts(shapely.orient_polygons(np.asarray(geoms, dtype=object)))
    for poly in polys:
        if poly is None or poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 3:
                continue
            c = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            c[0] = MplPath.MOVETO
            c[-1] = MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _plot_polys(
    ax: Any,
    gdf: gpd.GeoDataFrame | gpd.GeoSeries | None,
    *,
    facecolor: str = "none",
    edgecolor: str = "none",
    linewidth: float = 0.0,
    alpha: float | None = None,
    zorder: float = 2,
    **style: Any,
) -> None:
    """Fill polygons as one patch (fast, no per-feature artists); ``style``: more PathPatch options."""
    from matplotlib.patches import PathPatch

    if gdf is None or len(gdf) == 0:
        return
    geoms = gdf.geometry.values if hasattr(gdf, "geometry") else gdf.values
    path = _poly_path(geoms)
    if path is None:
        return
    # add_artist, not add_patch: no data-limit update (it walks every vertex); limits are set by hand
    ax.add_artist(
        PathPatch(
            path,
            facecolor=facecolor,
            edgecolor=edgecolor,
            linewidth=linewidth,
            alpha=alpha,
            zorder=zorder,
            transform=ax.transData,
            **style,
        )
    )


def _plot_lines(
    ax: Any,
    geoms: Any,
    *,
    color: str,
    linewidth: float,
    linestyle: Any = "-",
    alpha: float | None = None,
    zorder: float = 4,
) -> None:
    """Draw (Multi)LineStrings (or polygon boundaries) as one LineCollection."""
    from matplotlib.collections import LineCollection

    arr = np.asarray(geoms.values if hasattr(geoms, "values") else geoms, dtype=object)
    if not len(arr):
        return
    parts = shapely.get_parts(arr)
    segs = [np.asarray(g.coords)[:, :2] for g in parts if g is not None and not g.is_empty]
    if not segs:
        return
    ax.add_collection(
        LineCollection(
            segs, colors=color, linewidths=linewidth, linestyles=linestyle, alpha=alpha, zorder=zorder
        ),
        autolim=False,
    )


class _LabelPlacer:
    """Greedy label placement.

    A label is drawn at the first candidate offset that does not overlap a label already
    placed (display coordinates); otherwise it is left out.
    """

    def __init__(self, ax: Any) -> None:
        self.ax = ax
        self.renderer = ax.figure.canvas.get_renderer()
        self.boxes: list[Any] = []
        self.skipped: list[str] = []

    def add(
        self,
        x: float,
        y: float,
        text: str,
        *,
        offsets: Sequence[tuple[float, float, str, str]] = (
            (4, 3, "left", "bottom"),
            (4, -3, "left", "top"),
            (-4, 3, "right", "bottom"),
            (-4, -3, "right", "top"),
        ),
        **kw: Any,
    ) -> bool:
        xmin, xmax = self.ax.get_xlim()
        ymin, ymax = self.ax.get_ylim()
        if not (xmin <= x <= xmax and ymin <= y <= ymax):
            return False
        axbox = self.ax.get_window_extent(self.renderer)
        for dx, dy, ha, va in offsets:
            t = self.ax.annotate(
                mpl_text(text),  # names from data: never mathtext
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                annotation_clip=True,
                **kw,
            )
            bb = t.get_window_extent(self.renderer).expanded(1.05, 1.1)
            inside = bb.x0 >= axbox.x0 and bb.x1 <= axbox.x1 and bb.y0 >= axbox.y0 and bb.y1 <= axbox.y1
            if inside and not any(bb.overlaps(o) for o in self.boxes):
                self.boxes.append(bb)
                return True
            t.remove()
        self.skipped.append(text)
        return False

    def reserve(self, frac_box: tuple[float, float, float, float]) -> None:
        """Keep labels out of an area given in axes fractions (x0, y0, x1, y1)."""
        from matplotlib.transforms import Bbox

        p0 = self.ax.transAxes.transform(frac_box[:2])
        p1 = self.ax.transAxes.transform(frac_box[2:])
        self.boxes.append(Bbox([p0, p1]))

    def block(self, x: float, y: float, r_pt: float = 4.0) -> None:
        """Reserve a small square around a symbol so labels avoid it."""
        from matplotlib.transforms import Bbox

        px, py = self.ax.transData.transform((x, y))
        r = r_pt * self.ax.figure.dpi / 72.0
        self.boxes.append(Bbox([[px - r, py - r], [px + r, py + r]]))


def _quiet_canvas_class() -> type:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    class QuietCanvas(FigureCanvasAgg):
        """Agg canvas whose ``draw_idle`` does nothing (non-interactive: we save once at the end)."""

        def draw_idle(self, *args: Any, **kwargs: Any) -> None:
            return None

    return QuietCanvas


def _QuietCanvas(fig: Any) -> Any:  # noqa: N802
    return _quiet_canvas_class()(fig)


# --------------------------------------------------------------------------- legend


#: Legend text at print size, pt on an A4 page (an A3 page scales them by 420/297 like all its
#: text): rows at :data:`LEGEND_PT`, shrunk in steps to :data:`LEGEND_MIN_PT` at the least
#: when the rows do not fit; headings at :data:`LEGEND_HEAD_PT`.
LEGEND_PT = 7.5
LEGEND_MIN_PT = 7.0
LEGEND_HEAD_PT = 8.5
#: Legend columns in the side panel, and the width of a row's symbol (inches at A4).
LEGEND_COLUMNS = 2
LEGEND_SYMBOL_IN = 0.26


def _text_width_in(
    renderer: Any, text: str, size_pt: float, *, style: str = "normal", weight: str = "normal"
) -> float:
    """Width of ``text`` drawn at ``size_pt`` (inches), measured by the page's renderer."""
    from matplotlib.font_manager import FontProperties

    w_px, _, _ = renderer.get_text_width_height_descent(
        text, FontProperties(size=size_pt, style=style, weight=weight), ismath=False
    )
    return w_px / renderer.points_to_pixels(72.0)


def _wrap_to_width(
    renderer: Any,
    text: str,
    width_in: float,
    size_pt: float,
    *,
    style: str = "normal",
    weight: str = "normal",
) -> list[str]:
    """Greedy word wrap of ``text`` to lines no wider than ``width_in`` inches at ``size_pt``.

    A single word wider than the width keeps a line to itself.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if line and _text_width_in(renderer, trial, size_pt, style=style, weight=weight) > width_in:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def _legend(ax: Any, entries: list[tuple[str, dict[str, Any], str]], s: float) -> None:
    """Draw a legend in the side-panel axes, in :data:`LEGEND_COLUMNS` balanced columns.

    Entries are (kind, style, label); kind is ``head``, ``note`` (a line of italic text),
    ``fill``, ``line``, ``marker`` or ``gap``. A ``head`` starts a section; the columns
    break between sections when the sections fit that way, else between rows. Labels are
    wrapped to their column (measured) and drawn literally (:func:`geo.escape.mpl_text`).
    Row text is :data:`LEGEND_PT` pt times ``s`` (the page's scale to A4), made smaller
    down to :data:`LEGEND_MIN_PT` times ``s`` only when the rows do not fit.
    """
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    box = ax.get_position()
    w_in, h_in = box.width * fig.get_figwidth(), box.height * fig.get_figheight()
    gutter_in = 0.12 * s
    col_in = (w_in - gutter_in * (LEGEND_COLUMNS - 1)) / LEGEND_COLUMNS
    sym_in = LEGEND_SYMBOL_IN * s
    text_in = col_in - sym_in - 0.06 * s
    rows = [e for e in entries if e[0] != "gap"]
    head_pt = LEGEND_HEAD_PT * s
    layouts = []
    for font in np.arange(LEGEND_PT, LEGEND_MIN_PT - 1e-9, -0.25) * s:
        units = []  # (entry, wrapped lines, height in inches)
        for kind, style, label in rows:
            if kind == "head":
                lines = _wrap_to_width(renderer, label, col_in, head_pt, weight="bold")
                units.append(((kind, style, label), lines, len(lines) * head_pt * 1.25 / 72 + 0.05 * s))
            elif kind == "note":
                lines = _wrap_to_width(renderer, label, col_in, font * 0.92, style="italic")
                units.append(((kind, style, label), lines, len(lines) * font * 0.92 * 1.25 / 72 + 0.03 * s))
            else:
                lines = _wrap_to_width(renderer, label, text_in, font)
                symbol_pt = style.get("ms", 0) * s + 1.0
                h = max(len(lines) * font * 1.2, symbol_pt, font * 1.2) / 72 + 0.022 * s
                units.append(((kind, style, label), lines, h))
        layouts.append((font, units))
    # whole sections per column at the largest font that allows it; else any row may start a column
    gap_in = 0.07 * s
    font, layout = layouts[-1][0], _legend_columns(layouts[-1][1], by_section=False, gap_in=gap_in)
    fitted = False
    for by_section in (True, False):
        for size, units in layouts:
            cols = _legend_columns(units, by_section=by_section, gap_in=gap_in)
            if not fitted and _column_height(cols, gap_in) <= h_in:
                font, layout, fitted = size, cols, True
    if not fitted:
        logger.warning("legend: %d rows do not fit the panel at %.1f pt", len(rows), font)
    for c, column in enumerate(layout):
        x0 = c * (col_in + gutter_in) / w_in
        y = 1.0
        for (kind, style, _label), lines, h in column:
            if kind == "head" and y < 1.0:
                y -= gap_in / h_in
            top, mid = y, y - h / 2 / h_in
            y -= h / h_in
            if kind == "head":
                ax.text(
                    x0,
                    top,
                    mpl_text("\n".join(lines)),
                    fontsize=head_pt,
                    fontweight="bold",
                    va="top",
                    ha="left",
                )
                continue
            if kind == "note":
                ax.text(
                    x0,
                    top,
                    mpl_text("\n".join(lines)),
                    fontsize=font * 0.92,
                    fontstyle="italic",
                    va="top",
                    ha="left",
                )
                continue
            _legend_symbol(ax, kind, style, x0, mid, sym_in / w_in, font / 72 / h_in, s)
            # hub names inside labels: drawn literally
            ax.text(
                x0 + (sym_in + 0.06 * s) / w_in,
                mid,
                mpl_text("\n".join(lines)),
                fontsize=font,
                va="center",
                ha="left",
            )


def _column_height(columns: list[list[Any]], gap_in: float) -> float:
    """Height of the tallest legend column, inches (``gap_in`` above each heading but a column's first)."""
    return max(sum(u[2] for u in c) + gap_in * sum(1 for u in c[1:] if u[0][0] == "head") for c in columns)


def _legend_columns(units: list[Any], *, by_section: bool, gap_in: float) -> list[list[Any]]:
    """Split legend units (entry, lines, height in inches) into :data:`LEGEND_COLUMNS` columns.

    The split keeps the tallest column lowest; it falls before a heading when ``by_section``,
    else before any row that does not follow a heading.
    """
    if LEGEND_COLUMNS == 1 or len(units) < 2:
        return [units]
    cands = [
        k
        for k in range(1, len(units))
        if (units[k][0][0] == "head" if by_section else units[k - 1][0][0] != "head")
    ]
    return min(
        ([units[:k], units[k:]] for k in cands),
        key=lambda cols: _column_height(cols, gap_in),
        default=[units],
    )


def _legend_symbol(
    ax: Any, kind: str, style: dict[str, Any], x0: float, ym: float, w: float, h: float, s: float
) -> None:
    """Draw a legend row's symbol from ``x0``, ``w`` wide, centred on ``ym`` (axes fractions).

    ``h`` is the height of a line of the row's text (axes fraction).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    if kind == "fill":
        ax.add_patch(
            Rectangle(
                (x0 + 0.08 * w, ym - h * 0.4),
                0.84 * w,
                h * 0.8,
                facecolor=style.get("color"),
                alpha=style.get("alpha", 1.0),
                edgecolor=style.get("edge", "#555555"),
                linewidth=0.5,
                hatch=style.get("hatch"),
            )
        )
    elif kind == "line":
        ax.add_line(
            Line2D(
                [x0 + 0.08 * w, x0 + 0.92 * w],
                [ym, ym],
                color=style.get("color"),
                linewidth=style.get("lw", 2.0) * s,
                linestyle=style.get("ls", "-"),
            )
        )
    elif kind == "marker":
        ax.add_line(
            Line2D(
                [x0 + 0.5 * w],
                [ym],
                marker=style.get("marker", "o"),
                markersize=style.get("ms", 6) * s,
                markerfacecolor=style.get("color"),
                markeredgecolor=style.get("edge", "black"),
                markeredgewidth=0.7,
                linestyle="none",
            )
        )


# --------------------------------------------------------------------------- the page


def _page_text(
    layers: MapLayers,
    show: str,
    lang: str,
    as_of: dt.date,
    hub_name: str | None,
    title: str | None,
    subtitle: str | None,
) -> tuple[str, str]:
    if title is None and show == "severity":
        title = tr("title_severity", lang)
    if subtitle is None and show == "severity":
        subtitle = tr(
            "subtitle_severity",
            lang,
            date=format_date(as_of, lang),
            level=tr(f"level_{layers.zone_level}", lang),
        )
    if title is None:
        if show == "zones":
            title = tr("title_zones", lang)
        elif hub_name:
            title = tr("title_hub", lang, hub=hub_name)
        else:
            title = tr("title_national", lang)
    if subtitle is None:
        date = format_date(as_of, lang)
        if show == "zones":
            subtitle = tr("subtitle_zones", lang, date=date, level=tr(f"level_{layers.zone_level}", lang))
        else:
            season = (
                tr(f"season_{layers.season}", lang) if layers.season in ("dry", "rainy") else layers.season
            )
            subtitle = tr("subtitle", lang, date=date, season=season)
    return title, subtitle


def draw_map(
    layers: MapLayers,
    *,
    as_of: dt.date,
    lang: str = "en",
    paper: str = "A4",
    dpi: int = 150,
    show: str = "bands",
    focus_hub: str | None = None,
    public: bool = False,
    title: str | None = None,
    subtitle: str | None = None,
    produced: dt.date | None = None,
    page: tuple[int, int] | None = None,
) -> Any:
    """Draw one map page and return the matplotlib Figure (caller saves and closes it).

    Parameters are those of :func:`render_map` (``page`` is ``(n, total)`` for the
    footer of a multi-page pack). The page is drawn in steps: header, map frame and
    extent, land, reach bands or zones, boundaries and roads, points (incidents,
    encircled localities, hubs, towns), labels, then the side panel and the footer.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    check_lang(lang)
    _check(paper, show)
    p = _prepare(layers)
    w_mm, h_mm = PAPER_MM[paper]
    s = w_mm / 297.0  # font and line scale: A3 keeps the A4 look
    # whole pixels: an A4 page at 300 dpi is 3508 x 2480 px (matplotlib truncates, so add a hair)
    fig = Figure(
        figsize=(round(w_mm / 25.4 * dpi) / dpi + 1e-6, round(h_mm / 25.4 * dpi) / dpi + 1e-6), dpi=dpi
    )
    _QuietCanvas(fig)  # Agg canvas for text measurement, without a redraw per artist
    hub_names = {r["hub_id"]: r["name"] for _, r in layers.hubs.iterrows()} if not _empty(layers.hubs) else {}
    if not hub_names and p["bands"] is not None:
        hub_names = dict(zip(p["bands"]["hub_id"], p["bands"]["hub"], strict=False))
    hub_name = hub_names.get(focus_hub, focus_hub) if focus_hub else None
    title, subtitle = _page_text(layers, show, lang, as_of, hub_name, title, subtitle)
    _draw_header(fig, title, subtitle, public=public, lang=lang, s=s)
    # public pages count and mark only public episodes: a restricted one must not show, even as a number
    enc_shown = _public_only(layers.encircled) if public else layers.encircled
    stale_axes, stale_enc = (
        stale_constraints(layers.axis_status, enc_shown, as_of, layers.stale_days)
        if layers.stale_days is not None
        else ([], [])
    )
    key_figures = key_figure_lines(p, layers, stale_axes, stale_enc, public=public, lang=lang)
    ax, extent, key_box = _map_frame(fig, p, focus_hub, key_figures, s=s)
    countries = _draw_land(ax, p, extent)
    legend: list[tuple[str, dict[str, Any], str]] = []
    _draw_units(ax, p, legend, lang=lang, s=s, note=layers.incident_note)
    counts_box = None if public else _draw_incident_counts(ax, p, layers, lang=lang, s=s)
    _draw_reach(ax, p, legend, show=show, focus_hub=focus_hub, hub_names=hub_names, lang=lang, s=s)
    _draw_encircled_units(ax, p, legend, lang=lang, s=s)
    _draw_lines(ax, p, legend, lang=lang, s=s)
    if layers.note:
        _draw_note(ax, layers.note, s=s)
    _draw_stale(ax, p, legend, stale_axes, stale_enc, layers, public=public, lang=lang, s=s)
    _draw_water(ax, p, legend, lang=lang, s=s)
    placer = _LabelPlacer(ax)
    placer.reserve((0.0, 0.0, 0.30, 0.11))  # scale bar
    if counts_box is not None:
        placer.reserve(counts_box)
    if key_box is not None:
        placer.reserve(key_box)
    placer.reserve((0.91, 0.78, 1.0, 1.0))  # north arrow
    hubs, enc, towns = _draw_points(
        ax,
        p,
        legend,
        placer,
        extent,
        public=public,
        show=show,
        focus_hub=focus_hub,
        hub_names=hub_names,
        lang=lang,
        s=s,
    )
    # position numbers before the other labels: they tie the map to the positions table
    _draw_position_marks(ax, _mapped_rows(layers, extent), legend, placer, lang=lang, s=s)
    _base_map_legend(p, legend, lang=lang)
    _draw_labels(placer, p, hubs, enc, towns, s=s)
    _label_neighbours(placer, countries, p["outline"], extent, lang, s)
    if placer.skipped:
        logger.debug("labels left out to avoid overlaps: %s", ", ".join(placer.skipped))
    _scale_bar(ax, extent, s, lang)
    _north_arrow(ax, extent, s, lang)
    _draw_side_panel(
        fig, p, legend, extent if focus_hub is not None else None, cell_km=layers.cell_km, lang=lang, s=s
    )
    _draw_footer(fig, produced or dt.date.today(), page, lang=lang, s=s)
    reference = layers.reference or map_reference(
        as_of, show=show, focus_hub=focus_hub, lang=lang, public=public
    )
    # No contact set: the reference line only (readers of an HCT map never see a setting's name;
    # the setting is described in the README, for advisors).
    footer = [tr("reference", lang, ref=reference)]
    if layers.contact.strip():
        footer.append(tr("contact", lang, contact=layers.contact.strip()))
    fig.text(
        0.988,
        0.088,
        "\n".join(mpl_text(line) for line in footer),
        fontsize=6.3 * s,
        va="top",
        ha="right",
        color="#222222",
        linespacing=1.4,
    )
    fig.add_artist(Rectangle((0.0, 0.0), 1.0, 1.0, transform=fig.transFigure, fill=False, edgecolor="none"))
    return fig


def _draw_units(ax: Any, p: dict[str, Any], legend: list, *, lang: str, s: float, note: str | None) -> None:
    """Public incident counts per cercle as a choropleth (``INCIDENT_CLASSES``), with legend rows.

    ``note``, when given, is a legend line under the classes (:attr:`MapLayers.incident_note`).
    """
    units = p.get("incident_units")
    if units is None:
        return
    lows = units["incidents_min"].astype(int).to_numpy()
    legend.append(("head", {}, tr("snapshot.incidents", lang)))
    for j, (lower, colour) in enumerate(INCIDENT_CLASSES):
        upper = INCIDENT_CLASSES[j + 1][0] if j + 1 < len(INCIDENT_CLASSES) else None
        inside = (lows >= lower) & (lows < upper) if upper is not None else (lows >= lower)
        _plot_polys(ax, units[inside], facecolor=colour, edgecolor="#8c8c8c", linewidth=0.25 * s, zorder=1.9)
        span = "0" if lower == 0 else (f"{lower}-{upper - 1}" if upper is not None else f"{lower}+")
        legend.append(("fill", {"color": colour, "alpha": 1.0}, span))
    if note:
        legend.append(("note", {}, note))


def _draw_encircled_units(ax: Any, p: dict[str, Any], legend: list, *, lang: str, s: float) -> None:
    """Cercles holding public encircled localities: hatching and a dashed outline (``ENCIRCLED_UNIT_COLOUR``).

    The colour of the interactive snapshot map, far from every incident class under it.
    """
    units = p.get("encircled_units")
    if units is None:
        return
    colour = ENCIRCLED_UNIT_COLOUR
    _plot_polys(ax, units, facecolor="none", edgecolor=colour, linewidth=1.1 * s, linestyle="--", zorder=3.4)
    _plot_polys(ax, units, facecolor="none", edgecolor=colour, hatch="///", linewidth=0, zorder=3.4)
    legend.append(
        (
            "fill",
            {"color": "none", "edge": colour, "hatch": "///", "alpha": 1.0},
            tr("snapmap.encircled_cercle", lang),
        )
    )


def _draw_note(ax: Any, note: str, *, s: float) -> None:
    """Draw a boxed note at the bottom right of the map frame (drawn literally)."""
    ax.text(
        0.99,
        0.015,
        mpl_text("\n".join(textwrap.wrap(note, 62))),
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=6.6 * s,
        color="#5a2d00",
        zorder=40,
        bbox={"boxstyle": "round,pad=0.4", "facecolor": "#fff7e6", "edgecolor": "#e08214", "linewidth": 0.8},
    )


def _draw_incident_counts(
    ax: Any, p: dict[str, Any], layers: MapLayers, *, lang: str, s: float
) -> tuple[float, float, float, float] | None:
    """Draw incidents per cercle as a choropleth (:data:`COUNT_CLASSES`) with its own key.

    The key sits in the map's lower right corner; with no incident in the window it holds the
    empty-window line instead. Returns the key's box (axes fraction) for the label placer.
    """
    from matplotlib.patches import Rectangle

    counts = p["counts"]
    if counts is None or (layers.incidents is None and layers.incident_window is None):
        return None
    from geo.sources.amrf import read_typology

    what = (
        read_typology().label(layers.incident_category, lang)
        if layers.incident_category
        else tr("all_categories", lang)
    )
    # The box is laid out from its top down, each text block taking the height of its lines
    # (font size x line spacing over the map frame's height, points), so a wrapped category name or a
    # two- or three-line data-gap sentence pushes what follows down and the box grows upward.
    # Every text is wrapped to the box's inner width (its width less a margin each side, in inches
    # on the page), measured by the page's renderer at the size it is drawn.
    ax.apply_aspect()
    frame_pt = ax.get_position().height * ax.figure.get_figheight() * 72.0
    x0, y0, w, margin = 0.60, 0.015, 0.385, 0.01
    inner_in = (w - 2 * margin) * ax.get_position().width * ax.figure.get_figwidth()
    renderer = ax.figure.canvas.get_renderer()

    def lines_h(n: int, size: float) -> float:  # matplotlib: 1.2 x the "lp" height, about 1.17 x size
        return n * size * s * 1.4 / frame_pt

    title_lines = _wrap_to_width(renderer, tr("legend_counts", lang), inner_in, 7.0 * s, weight="bold")
    what_lines = _wrap_to_width(renderer, what, inner_in, 5.6 * s, style="italic")
    empty = int(counts["count"].sum()) == 0
    if empty:
        body = _wrap_to_width(renderer, _empty_window_text(layers, lang), inner_in, 6.6 * s)
        body_h = lines_h(len(body), 6.6)
    else:
        swatch_h, label_gap = 0.022, 0.006
        body_h = swatch_h + label_gap + lines_h(1, 5.8)
    pad, gap = 0.012, 0.008
    title_h, what_h = lines_h(len(title_lines), 7.0), lines_h(len(what_lines), 5.6)
    h = max(0.105, pad + title_h + gap + what_h + gap + body_h + pad)
    top = y0 + h
    ax.add_patch(
        Rectangle(
            (x0, y0),
            w,
            h,
            transform=ax.transAxes,
            facecolor="white",
            edgecolor="#777777",
            linewidth=0.6,
            alpha=0.92,
            zorder=19,
        )
    )
    y = top - pad
    ax.text(
        x0 + margin,
        y,
        mpl_text("\n".join(title_lines)),
        transform=ax.transAxes,
        fontsize=7 * s,
        fontweight="bold",
        va="top",
        ha="left",
        linespacing=1.2,
        zorder=20,
    )
    y -= title_h + gap
    ax.text(
        x0 + margin,
        y,
        mpl_text("\n".join(what_lines)),
        transform=ax.transAxes,
        fontsize=5.6 * s,
        fontstyle="italic",
        va="top",
        ha="left",
        linespacing=1.2,
        zorder=20,
    )
    y -= what_h + gap
    if empty:
        ax.text(
            x0 + margin,
            y,
            mpl_text("\n".join(body)),
            transform=ax.transAxes,
            fontsize=6.6 * s,
            va="top",
            ha="left",
            color="#b2182b",
            linespacing=1.2,
            zorder=20,
        )
        return (x0, y0, x0 + w, y0 + h)
    cw = (w - 0.02) / len(COUNT_CLASSES)
    for i, (lo, hi, colour) in enumerate(COUNT_CLASSES):
        sel = counts[(counts["count"] >= lo) & ((counts["count"] <= hi) if hi is not None else True)]
        if len(sel):
            _plot_polys(
                ax, sel, facecolor=colour, edgecolor="#5a1e02", linewidth=0.9 * s, alpha=0.85, zorder=2.4
            )
        label = f"{lo}–{hi}" if hi is not None else f"≥ {lo}"
        ax.add_patch(
            Rectangle(
                (x0 + 0.01 + i * cw, y - swatch_h),
                cw * 0.92,
                swatch_h,
                transform=ax.transAxes,
                facecolor=colour,
                edgecolor="#7a2a22",
                linewidth=0.4,
                zorder=20,
            )
        )
        ax.text(
            x0 + 0.01 + i * cw + cw * 0.46,
            y - swatch_h - label_gap,
            label,
            transform=ax.transAxes,
            fontsize=5.8 * s,
            va="top",
            ha="center",
            zorder=20,
        )
    return (x0, y0, x0 + w, y0 + h)


def _public_only(enc: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Episodes flagged public (all of them when there is no ``public`` column)."""
    if enc is None or "public" not in enc:
        return enc
    return enc[enc["public"].astype(str).str.lower().isin(["true", "1", "yes"])]


def encircled_count(layers: MapLayers, *, public: bool) -> int:
    """Return the number of encircled localities in force given by the key figures (what the map shows).

    Counted from the episodes when the map has them (public ones only on a public map);
    otherwise from the per-cercle layer (``encircled_units``, the public snapshot's
    ``encircled_admin2``, already public only): the sum of its ``localities_encircled``, so the
    key figure, the hatched cercles and the snapshot's files give one number.

    Parameters
    ----------
    layers
        The map's layers.
    public
        Public map: episodes not flagged public are not counted.

    Returns
    -------
    int
        Localities (0 when the map holds neither layer).
    """
    if layers.encircled is not None:
        enc = _public_only(layers.encircled) if public else layers.encircled
        return 0 if enc is None else len(enc)
    units = layers.encircled_units
    if units is None or not len(units) or "localities_encircled" not in units:
        return 0
    return int(pd.to_numeric(units["localities_encircled"], errors="coerce").fillna(0).sum())


def _empty_window_text(layers: MapLayers, lang: str) -> str:
    """Say that the window holds no incident, or that the data stop before or inside it (a data gap)."""
    end = layers.incident_data_end
    if layers.incident_window is None:
        if end is not None:
            return tr("no_incident_data_after", lang, date=format_date(end, lang))
        return tr("no_incident", lang)
    a, b = layers.incident_window
    start, stop = format_date(a, lang), format_date(b, lang)
    if end is not None and end < a:
        return tr("no_incident_data_window", lang, date=format_date(end, lang), start=start, end=stop)
    if end is not None and end < b:
        return tr("no_incident_until", lang, date=format_date(end, lang), start=start)
    return tr("no_incident_window", lang, start=start, end=stop)


def _incidents_text(layers: MapLayers, n: int, lang: str) -> str:
    """Key figure of the incidents of the window: their number, and where the data stop inside the window."""
    if not n:
        return _empty_window_text(layers, lang)
    end, window = layers.incident_data_end, layers.incident_window
    if end is not None and window is not None and end < window[1]:
        return tr_count("kf_incidents_until", n, lang, date=format_date(end, lang))
    return tr_count("kf_incidents", n, lang)


def _draw_stale(
    ax: Any,
    p: dict[str, Any],
    legend: list,
    stale_axes: list[str],
    stale_enc: list[int],
    layers: MapLayers,
    *,
    public: bool,
    lang: str,
    s: float,
) -> None:
    """Dotted white overlay on axes, dashed grey ring on encirclements not confirmed for N days."""
    shown = False
    if stale_axes and p["axes"] is not None:
        part = p["axes"][p["axes"].index.astype(str).isin(stale_axes)]
        if len(part):
            _plot_lines(
                ax, part.geometry, color="white", linewidth=1.0 * s, linestyle=(0, (1, 2)), zorder=5.5
            )
            shown = True
    enc = _public_only(p["encircled"]) if public else p["encircled"]
    if stale_enc and enc is not None:
        part = enc.iloc[[i for i in stale_enc if i < len(enc)]]
        if len(part):
            ax.scatter(
                part.geometry.x,
                part.geometry.y,
                s=130 * s * s,
                marker="o",
                facecolor="none",
                edgecolor=STALE_RING_COLOUR,
                linewidths=1.0 * s,
                linestyle=(0, (2, 2)),
                zorder=7.2,
            )
            shown = True
    if shown:
        legend.append(
            (
                "marker",
                {"marker": "o", "color": "none", "edge": STALE_RING_COLOUR, "ms": 9},
                tr("stale", lang, days=tr_count("count.days", layers.stale_days, lang)),
            )
        )


def key_figure_lines(
    p: dict[str, Any],
    layers: MapLayers,
    stale_axes: list[str],
    stale_enc: list[int],
    *,
    public: bool,
    lang: str,
) -> list[str]:
    """Return the texts of the key-figures box: its heading, then one line per figure.

    Parameters
    ----------
    p
        The prepared layers (``_prepare``).
    layers
        The map's layers.
    stale_axes, stale_enc
        Constraints not confirmed for ``layers.stale_days`` (:func:`stale_constraints`).
    public
        Public map (no incident figure; public encirclements only).
    lang
        ``"fr"`` or ``"en"``.
    """
    lines = [tr("key_figures", lang)]
    n_enc = encircled_count(layers, public=public)
    if not n_enc:
        lines.append(tr("kf_no_encircled", lang))
    elif layers.encircled is None:  # counted from the hatched cercles: say how many they are
        cercles = tr_count("kf_cercles", len(layers.encircled_units), lang)
        lines.append(tr_count("kf_encircled_cercles", n_enc, lang, cercles=cercles))
    else:
        lines.append(tr_count("kf_encircled", n_enc, lang))
    status = layers.axis_status
    if status is not None and "status" in status:
        closed = int((status["status"] == "closed").sum())
        constrained = int((status["status"] == "constrained").sum())
        lines.append(
            tr(
                "kf_axes",
                lang,
                closed=tr_count("kf_axes_closed", closed, lang),
                constrained=tr_count("kf_axes_constrained", constrained, lang),
            )
        )
    if layers.stale_days is not None and (stale_axes or stale_enc):
        days = tr_count("count.days", layers.stale_days, lang)
        lines.append(tr_count("kf_stale", len(stale_axes) + len(stale_enc), lang, days=days))
    if not public and (layers.incidents is not None or layers.incident_window is not None):
        counts = p["counts"]
        total = (
            int(counts["count"].sum())
            if counts is not None
            else (0 if layers.incidents is None else len(layers.incidents))
        )
        lines.append(_incidents_text(layers, total, lang))
    if layers.hubs is not None and len(layers.hubs):
        lines.append(tr_count("kf_hubs", len(layers.hubs), lang))
    return lines


def _mapped_rows(layers: MapLayers, extent: tuple[float, float, float, float]) -> pd.DataFrame | None:
    """Positions (not retired) of ``layers.positions`` that apply to the extent (PRINT_CRS), or None."""
    if layers.positions is None:
        return None
    from geo.products.positions_map import in_area

    located = layers.positions
    if "status" in located.columns:
        located = located[located["status"] != "retired"]
    return in_area(located, shapely.box(*extent), crs=PRINT_CRS)


def mapped_positions(
    layers: MapLayers, *, focus_hub: str | None = None, paper: str = "A4"
) -> pd.DataFrame | None:
    """Return the positions that apply to the area a page maps (the table printed after it).

    Parameters
    ----------
    layers
        With ``positions`` (:func:`geo.products.positions_map.locate` output).
    focus_hub, paper
        As for :func:`render_map`: the page's extent (a hub's surroundings, or Mali).

    Returns
    -------
    pandas.DataFrame or None
        The rows of ``layers.positions`` not retired whose place meets the mapped extent,
        plus every ``country`` and ``actor-type`` position; None without ``layers.positions``
        or when the register holds no position at all (no empty table pages in a pack).
    """
    _check(paper, "bands")
    if getattr(layers, "positions", None) is None or len(layers.positions) == 0:
        return None
    p = _prepare(layers)
    w_mm, h_mm = PAPER_MM[paper]
    return _mapped_rows(layers, _extent_for(p, focus_hub, MAP_BOX[2] * w_mm / 25.4, MAP_BOX[3] * h_mm / 25.4))


#: Colour of the position marks on print maps (as on the live map: filled when endorsed by the HCT).
POSITION_COLOUR = "#1f3b5a"


def _draw_position_marks(
    ax: Any, rows: pd.DataFrame | None, legend: list, placer: Any, *, lang: str, s: float
) -> None:
    """Draw a square on each place carrying a position that applies, labelled with the table numbers."""
    if rows is None or len(rows) == 0:
        return
    placed = rows[rows["marker_lat"].notna()]
    if len(placed) == 0:
        return
    pts = gpd.GeoSeries(
        gpd.points_from_xy(placed["marker_lon"], placed["marker_lat"]), crs=STORAGE_CRS, index=placed.index
    ).to_crs(PRINT_CRS)
    for _scope, grp in placed.groupby("scope", sort=True):
        pt = pts.loc[grp.index[0]]
        endorsed = bool((grp["status"] == "endorsed").any()) if "status" in grp else True
        ax.plot(
            [pt.x],
            [pt.y],
            marker="h",
            markersize=8.0 * s,
            markerfacecolor=POSITION_COLOUR if endorsed else "white",
            markeredgecolor=POSITION_COLOUR,
            markeredgewidth=1.1,
            linestyle="none",
            zorder=11,
        )
        placer.block(pt.x, pt.y, 4 * s)
        ids = ", ".join(f"P{int(i)}" for i in sorted(grp["id"].astype(int)))
        placer.add(
            pt.x,
            pt.y,
            ids,
            fontsize=6.5 * s,
            color=POSITION_COLOUR,
            fontweight="bold",
            path_effects=_halo(2.2),
            zorder=12,
            offsets=(
                (5, -3, "left", "top"),
                (5, 3, "left", "bottom"),
                (-5, -3, "right", "top"),
                (-5, 3, "right", "bottom"),
                (0, -7, "center", "top"),
                (0, 7, "center", "bottom"),
            ),
        )
    legend.append(
        (
            "marker",
            {"marker": "h", "color": POSITION_COLOUR, "edge": POSITION_COLOUR, "ms": 7},
            tr("positions.mark", lang),
        )
    )


def _wrap_cell(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for para in str(text).split("\n"):
        lines += textwrap.wrap(para, width, break_long_words=True) or [""]
    return lines


#: Columns of the positions table: (key of geo.products.positions_map.table, heading key, width fraction).
_POSITION_COLUMNS = (
    ("position_id", "positions.col_id", 0.035),
    ("topic", "positions.col_topic", 0.15),
    ("status", "positions.col_status", 0.115),
    ("scope", "positions.col_scope", 0.205),
    ("text", "positions.col_text", 0.415),
    ("endorsed", "positions.col_endorsed", 0.08),
)


def draw_positions_pages(
    rows: pd.DataFrame,
    *,
    as_of: dt.date,
    lang: str = "en",
    paper: str = "A4",
    public: bool = False,
    map_title: str = "",
    produced: dt.date | None = None,
    dpi: int = 150,
    numbering: tuple[int, int] | None = None,
) -> list[Any]:
    """Draw the table of the positions that apply to a mapped area (one or more pages).

    Parameters
    ----------
    rows
        :func:`mapped_positions` (placed register rows, or the public cut).
    as_of
        Date of the map.
    lang
        ``fr`` or ``en``: headings, labels (:mod:`geo.vocab`) and the text of each position.
    paper
        ``A4`` or ``A3`` landscape, as the map.
    public
        Public version (mark and note).
    map_title
        Title of the map the table belongs to (subtitle).
    produced
        Production date in the footer (default today).
    dpi
        Resolution of a PNG rendering.
    numbering
        ``(first, total)``: the pages are numbered ``first`` ... of ``total`` in the footer
        (pages of a longer document, :func:`render_pack`); None: numbered among themselves
        when there is more than one.

    Returns
    -------
    list of matplotlib.figure.Figure
        Each with the title, the distribution mark, the table (wrapped text, every user
        text drawn literally) and the footer; at least one page (saying that no position
        applies when ``rows`` is empty).
    """
    from matplotlib.figure import Figure

    check_lang(lang)
    _check(paper, "bands")
    w_mm, h_mm = PAPER_MM[paper]
    s = w_mm / 297.0
    font, usable, line_h = _positions_metrics(paper)
    pages = _positions_pages(rows, lang=lang, paper=paper)
    cells = [row for page in pages for row in page]
    top = _POSITIONS_TOP
    first, total = numbering if numbering is not None else (1, len(pages))
    figs = []
    title = tr("positions.title", lang)
    sub = tr_count("positions.subtitle", len(cells), lang, map=map_title, date=format_date(as_of, lang))
    for i, page in enumerate(pages, start=1):
        fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4), dpi=dpi)
        head = title + (f" {tr('positions.continued', lang)}" if i > 1 else "")
        _draw_header(fig, head, sub, public=public, lang=lang, s=s, title_size=13.0)
        note = tr("positions.public_note", lang) if public else tr("positions.internal_note", lang)
        fig.text(0.012, 0.895, mpl_text(note), fontsize=7.5 * s, va="top", ha="left", color="#555555")
        x0 = 0.012
        xs = [x0]
        for _, _, f in _POSITION_COLUMNS:
            xs.append(xs[-1] + f * usable)
        y = top
        for (_, key, _), x in zip(_POSITION_COLUMNS, xs, strict=False):
            fig.text(x, y, tr(key, lang), fontsize=font, fontweight="bold", va="top", ha="left")
        y -= 1.3 * line_h
        fig.add_artist(_rule(x0, xs[-1], y + 0.2 * line_h, "#1f3b5a", 0.8))
        y -= 0.3 * line_h
        if not page:
            fig.text(x0, y, tr("positions.none", lang), fontsize=font * 1.1, va="top", ha="left")
        for row in page:
            for lines, x in zip(row, xs, strict=False):
                fig.text(
                    x, y, mpl_text("\n".join(lines)), fontsize=font, va="top", ha="left", linespacing=1.32
                )
            y -= (max(len(c) for c in row) + 0.3) * line_h
            fig.add_artist(_rule(x0, xs[-1], y + 0.15 * line_h, "#cccccc", 0.4))
            y -= 0.3 * line_h
        number = (first + i - 1, total) if total > 1 else None
        _draw_footer(fig, produced or dt.date.today(), number, lang=lang, s=s)
        figs.append(fig)
    return figs


#: Top and bottom of the positions table (figure fractions).
_POSITIONS_TOP, _POSITIONS_BOTTOM = 0.85, 0.075


def _positions_metrics(paper: str) -> tuple[float, float, float]:
    """Font size (pt), usable width (figure fraction) and line height (figure fraction) of the table."""
    w_mm, h_mm = PAPER_MM[paper]
    font = 7.0 * w_mm / 297.0
    return font, 0.976, font * 1.32 / 72 * 25.4 / h_mm


def _positions_pages(rows: pd.DataFrame, *, lang: str, paper: str) -> list[list[list[list[str]]]]:
    """Cut the positions table into pages: per page, per row, per column, the wrapped lines.

    The scope reads as the place (``Axe Sévaré - Koro``: :func:`geo.products.positions_map.table`),
    the endorsement date as a date of ``lang`` (``2 décembre 2026``). Always at least one page
    (empty when ``rows`` is).
    """
    from geo.products.i18n import format_day
    from geo.products.positions_map import table

    w_mm, _ = PAPER_MM[paper]
    font, usable, line_h = _positions_metrics(paper)
    char_mm = font * 0.55 * 25.4 / 72  # average DejaVu Sans glyph width
    widths = [max(4, int(f * usable * w_mm / char_mm)) for _, _, f in _POSITION_COLUMNS]
    cells: list[list[list[str]]] = []
    for _, r in (table(rows, lang) if len(rows) else pd.DataFrame()).iterrows():
        place = str(r["place"])
        scope = str(r["scope"]) + (f" ({place})" if place and not str(r["scope"]).endswith(place) else "")
        values = {
            **r.to_dict(),
            "scope": scope,
            "position_id": f"P{r['position_id']}",
            "endorsed": format_day(r["endorsed"], lang, long=True),
        }
        cells.append(
            [_wrap_cell(values[k], wdt) for (k, _, _), wdt in zip(_POSITION_COLUMNS, widths, strict=True)]
        )
    pages: list[list[list[list[str]]]] = [[]]
    y = _POSITIONS_TOP - 1.6 * line_h
    for row in cells:
        need = (max(len(c) for c in row) + 0.6) * line_h
        if y - need < _POSITIONS_BOTTOM and pages[-1]:
            pages.append([])
            y = _POSITIONS_TOP - 1.6 * line_h
        pages[-1].append(row)
        y -= need
    return pages


def _rule(x0: float, x1: float, y: float, colour: str, lw: float) -> Any:
    """Return a horizontal rule across a figure, in figure fractions."""
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], color=colour, linewidth=lw)


def _draw_header(
    fig: Any, title: str, subtitle: str, *, public: bool, lang: str, s: float, title_size: float = 17.0
) -> None:
    """Title, subtitle and the distribution mark (public or restricted) at the top of the page."""
    # hub names and caller-given titles are text, never mathtext
    fig.text(0.012, 0.975, mpl_text(title), fontsize=title_size * s, fontweight="bold", va="top", ha="left")
    fig.text(0.012, 0.925, mpl_text(subtitle), fontsize=10.5 * s, va="top", ha="left", color="#333333")
    mark = tr("public", lang) if public else tr("restricted", lang)
    fig.text(
        0.988,
        0.975,
        mark,
        fontsize=8.5 * s,
        va="top",
        ha="right",
        fontweight="bold",
        color="#1a5276" if public else "#b2182b",
    )


#: Key figures at print size, pt on an A4 page (times 420/297 on A3).
KEY_FIGURES_PT = 7.5
#: Widths tried, widest first, for the key-figures text in a corner of the map, inches at A4
#: (66, 58 and 51 mm): narrower wraps to more lines, and may clear the country where wider does not.
KEY_FIGURES_CORNER_IN = (2.6, 2.3, 2.0)
#: Room kept between the key-figures box and the country's outline or the frame, mm on paper.
KEY_FIGURES_CLEAR_MM = 1.5


def _key_figures_text(
    fig: Any, lines: list[str], xy: tuple[float, float], width_in: float, *, s: float, ha: str = "left"
) -> Any:
    """Draw the key figures (heading, then one bullet per figure) as a boxed figure text.

    ``xy`` is the top-left (``ha="left"``) or top-right corner of the text, figure
    fractions; every line is wrapped to ``width_in`` inches. Returns the Text.
    """
    renderer = fig.canvas.get_renderer()
    size = KEY_FIGURES_PT * s
    body = [lines[0]]
    for line in lines[1:]:
        wrapped = _wrap_to_width(renderer, "• " + line, width_in, size)
        body += [wrapped[0]] + ["   " + w for w in wrapped[1:]]
    return fig.text(
        *xy,
        "\n".join(mpl_text(x) for x in body),
        fontsize=size,
        va="top",
        ha=ha,
        multialignment="left",
        linespacing=1.3,
        zorder=20,
        bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "#777777", "alpha": 0.92},
    )


def _key_figures_box(fig: Any, text: Any) -> tuple[float, float, float, float]:
    """Box drawn around the key-figures text (its ``pad`` included), figure fractions (x0, y0, x1, y1)."""
    renderer = fig.canvas.get_renderer()
    bb = text.get_window_extent(renderer)
    pad = 0.4 * text.get_fontsize() * renderer.points_to_pixels(1.0)
    w, h = fig.bbox.width, fig.bbox.height
    return ((bb.x0 - pad) / w, (bb.y0 - pad) / h, (bb.x1 + pad) / w, (bb.y1 + pad) / h)


def _map_frame(
    fig: Any, p: dict[str, Any], focus_hub: str | None, key_figures: list[str], *, s: float
) -> tuple[Any, tuple, tuple[float, float, float, float] | None]:
    """Add the map axes, fit the extent and draw the key figures where they hide no part of Mali.

    The key figures go in the frame's upper left corner, else its upper right one (left of
    the north arrow), at the first width of :data:`KEY_FIGURES_CORNER_IN` whose box there,
    :data:`KEY_FIGURES_CLEAR_MM` apart, misses Mali's outline at the page's extent (the
    national map: over Mauritania). When the
    country fills both corners (a hub's page), a margin is kept for them at the top of the
    frame, across its width, and the map is drawn below it, smaller, over the same extent.

    Returns
    -------
    tuple
        The map axes, the extent (PRINT_CRS metres: xmin, ymin, xmax, ymax), and the
        key-figures box in axes fractions (x0, y0, x1, y1) for the label placer, or None when
        the box sits in the margin, off the map.
    """
    fw, fh = fig.get_figwidth(), fig.get_figheight()
    left, bottom, width, height = MAP_BOX
    extent = _extent_for(p, focus_hub, width * fw, height * fh)
    inset_x, inset_y = 0.012 * width, 0.015 * height  # the text's corner from the frame's
    m_per_in = (extent[2] - extent[0]) / (width * fw)
    country = p["outline"].buffer(KEY_FIGURES_CLEAR_MM / 25.4 * m_per_in)
    key_box = None
    corners = [
        (ha, x, w_in)
        for w_in in KEY_FIGURES_CORNER_IN
        for ha, x in (("left", left + inset_x), ("right", left + width * 0.90))
    ]
    for ha, x, w_in in corners:
        text = _key_figures_text(fig, key_figures, (x, bottom + height - inset_y), w_in * s, s=s, ha=ha)
        x0, y0, x1, y1 = _key_figures_box(fig, text)
        xs = extent[0] + (np.array([x0, x1]) - left) / width * (extent[2] - extent[0])
        ys = extent[1] + (np.array([y0, y1]) - bottom) / height * (extent[3] - extent[1])
        if x0 >= left and not country.intersects(shapely.box(xs[0], ys[0], xs[1], ys[1])):
            key_box = ((x0 - left) / width, (y0 - bottom) / height, (x1 - left) / width, 1.0)
            break
        text.remove()
    else:  # a margin at the top of the frame, the figures packed across its width
        text = _key_figures_strip(fig, key_figures, (left + inset_x, bottom + height - inset_y), width, s=s)
        y0 = _key_figures_box(fig, text)[1]
        # the map below keeps the frame's aspect, centred: same extent, so the page's
        # positions (mapped_positions, from MAP_BOX) are the ones marked on it
        shrink = (y0 - inset_y - bottom) / height
        left, width, height = left + width * (1 - shrink) / 2, width * shrink, height * shrink
    ax = fig.add_axes((left, bottom, width, height))
    ax.set_facecolor(FOREIGN_LAND)  # land outside Mali: neutral, never the blue of water
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", adjustable="box")
    return ax, extent, key_box


def _key_figures_strip(fig: Any, lines: list[str], xy: tuple[float, float], width: float, *, s: float) -> Any:
    """Draw the key figures across the map frame (``width``, figure fraction): heading, then rows of figures.

    Figures are packed side by side, three spaces apart, as many to a row as fit; a figure
    wider than the row is wrapped. ``xy`` is the text's top-left corner (figure fractions).
    """
    renderer = fig.canvas.get_renderer()
    size = KEY_FIGURES_PT * s
    width_in = width * fig.get_figwidth() - 2 * 0.4 * size / 72 - 0.1
    rows: list[str] = []
    for line in lines[1:]:
        item = "• " + line
        trial = f"{rows[-1]}     {item}" if rows else item
        if rows and _text_width_in(renderer, trial, size) <= width_in:
            rows[-1] = trial
        else:
            rows += _wrap_to_width(renderer, item, width_in, size)
    return fig.text(
        *xy,
        "\n".join(mpl_text(x) for x in [lines[0], *rows]),
        fontsize=size,
        va="top",
        ha="left",
        linespacing=1.3,
        zorder=20,
        bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "#777777", "alpha": 0.92},
    )


#: Map frame on the page, figure fractions (left, bottom, width, height). Mali's extent is
#: about 1.07 times as wide as tall: a frame 0.62 of the landscape page wide still fits it by
#: its height, and leaves the side panel room for a legend in two columns.
MAP_BOX = (0.012, 0.105, 0.62, 0.78)
#: Side panel (inset, legend, sources) on the right of the page: left edge and width, figure fractions.
SIDE_PANEL_X = (0.645, 0.343)


def _extent_for(
    p: dict[str, Any], focus_hub: str | None, ax_w_in: float, ax_h_in: float
) -> tuple[float, float, float, float]:
    """Extent of a map frame ``ax_w_in`` by ``ax_h_in`` inches (PRINT_CRS metres).

    It holds the focus hub's bands, its surroundings, or Mali, at the frame's aspect.
    """
    bands = p["bands"]
    focus_bands = None
    if focus_hub is not None and bands is not None:
        focus_bands = bands[bands["hub_id"] == focus_hub]
    if focus_bands is not None and len(focus_bands) and not focus_bands.geometry.is_empty.all():
        b = focus_bands.total_bounds
        b = (b[0] - 60e3, b[1] - 60e3, b[2] + 60e3, b[3] + 60e3)
    elif focus_hub is not None and p["hubs"] is not None and (p["hubs"]["hub_id"] == focus_hub).any():
        pt = p["hubs"][p["hubs"]["hub_id"] == focus_hub].geometry.iloc[0]
        b = (pt.x - 250e3, pt.y - 250e3, pt.x + 250e3, pt.y + 250e3)
    else:
        b = tuple(p["admin1"].total_bounds)
    return _fit_extent(b, ax_w_in, ax_h_in)


def _draw_land(ax: Any, p: dict[str, Any], extent: tuple) -> Any:
    """Mali light, neighbours neutral grey-beige, sea (if any in the frame) blue; returns the countries."""
    countries = _region_countries()
    if countries is not None:
        frame = shapely.box(*extent)
        sea = frame.difference(shapely.union_all(countries.geometry.buffer(0).values))
        if not sea.is_empty:
            _plot_polys(ax, gpd.GeoSeries([sea], crs=PRINT_CRS), facecolor=WATER, zorder=0.5)
    _plot_polys(ax, gpd.GeoSeries([p["outline"]], crs=PRINT_CRS), facecolor=MALI_LAND, zorder=1)

    return countries


#: Outline of each hub's largest band over the incident choropleth (national public map):
#: width (pt, A4) and dash (matplotlib on-off in line widths). Roads are solid lines of the
#: status colours; a hub's reach is a dashed, thicker line in the hub's colour (legend alike).
HUB_OUTLINE_LW = 2.2
HUB_OUTLINE_DASH = (0, (4, 1.5))


def _draw_reach(
    ax: Any,
    p: dict[str, Any],
    legend: list,
    *,
    show: str,
    focus_hub: str | None,
    hub_names: dict[str, str],
    lang: str,
    s: float,
) -> None:
    """Reach bands of every hub (or the focus hub's, graded) or the access zones, with their legend."""
    bands = p["bands"]
    hub_order: list[str] = p["hub_order"]
    if show == "severity" and p["zones"] is not None:
        from geo.model.severity import SCALE

        z = p["zones"]
        legend.append(("head", {}, tr("legend_severity", lang)))
        for score, colour in SEVERITY_COLOUR.items():
            part = z[z["score"].astype(int) == score]
            _plot_polys(ax, part, facecolor=colour, edgecolor="white", linewidth=0.25, alpha=0.9, zorder=2)
            label = SCALE[score][0 if lang == "fr" else 1]
            legend.append(("fill", {"color": colour, "alpha": 0.9}, f"{score} {label}"))
        for span in _stale_incident_spans(z):
            dates = {"start": format_date(span[0], lang), "end": format_date(span[1], lang)}
            legend.append(("note", {}, tr("severity_sparse", lang, **dates)))
    elif show == "zones" and p["zones"] is not None:
        z = p["zones"]
        legend.append(("head", {}, tr("legend_zones", lang)))
        for zone, colour in ZONE_COLOUR.items():
            part = z[z["zone"] == zone]
            _plot_polys(ax, part, facecolor=colour, edgecolor="white", linewidth=0.25, alpha=0.85, zorder=2)
            legend.append(("fill", {"color": colour, "alpha": 0.85}, tr(f"zone_{zone}", lang)))
    elif bands is not None:
        shown = (
            [focus_hub] if focus_hub is not None else [h for h in hub_order if (bands["hub_id"] == h).any()]
        )
        hours = sorted(bands["hours"].unique(), reverse=True)
        legend.append(("head", {}, tr("legend_reach", lang)))
        # over a choropleth of incident counts the bands are outlines only (fills would mix colours)
        outline_only = p.get("incident_units") is not None and focus_hub is None
        for hid in shown:
            colour = hub_colour(str(hid))
            hb = bands[bands["hub_id"] == hid]
            for k, h in enumerate([] if outline_only else hours):
                part = hb[hb["hours"] == h]
                alpha = BAND_OPACITY[min(len(hours) - 1 - k, len(BAND_OPACITY) - 1)]
                if focus_hub is not None:
                    alpha = [0.55, 0.35, 0.18, 0.1, 0.07][min(len(hours) - 1 - k, 4)]
                _plot_polys(ax, part, facecolor=colour, edgecolor="none", alpha=alpha, zorder=2 + k * 0.01)
            outer = hb[hb["hours"] == hours[0]]
            if outline_only:  # dashed, thick and haloed: never read as a road of a status colour
                lw = HUB_OUTLINE_LW * s
                _plot_polys(
                    ax,
                    outer,
                    facecolor="none",
                    edgecolor=colour,
                    linewidth=lw,
                    linestyle=HUB_OUTLINE_DASH,
                    zorder=2.2,
                    path_effects=_halo(lw + 1.6 * s),
                )
            else:
                _plot_polys(ax, outer, facecolor="none", edgecolor=colour, linewidth=0.6 * s, zorder=2.2)
        if focus_hub is not None:
            colour = hub_colour(str(focus_hub))
            for k, h in enumerate(sorted(hours)):
                alpha = [0.55, 0.35, 0.18, 0.1, 0.07][min(k, 4)]
                legend.append(
                    ("fill", {"color": colour, "alpha": alpha}, tr("within_h", lang, h=format_hours(h)))
                )
            status = bands[bands["hub_id"] == focus_hub]["hub_status"]
            if len(status) and status.iloc[0] not in ("ok", "moved"):
                ax.text(
                    0.5,
                    0.5,
                    mpl_text(tr("no_reach", lang, status=status.iloc[0])),
                    transform=ax.transAxes,
                    ha="center",
                    fontsize=9 * s,
                    color="#b2182b",
                    wrap=True,
                    zorder=30,
                )
        else:
            hmax = format_hours(hours[0])
            for hid in shown:
                colour = hub_colour(str(hid))
                legend.append(
                    (
                        "line" if outline_only else "fill",
                        {"color": colour, "lw": HUB_OUTLINE_LW, "ls": HUB_OUTLINE_DASH}
                        if outline_only
                        else {"color": colour, "alpha": 0.45},
                        tr("reach_of", lang, hub=hub_names.get(hid, hid), h=hmax),
                    )
                )
            if not outline_only:  # darker = faster says nothing of outlines
                legend.append(
                    (
                        "fill",
                        {"color": "#777777", "alpha": 0.3},
                        tr("bands_note", lang, hours=", ".join(format_hours(h) for h in sorted(hours))),
                    )
                )


def _stale_incident_spans(table: pd.DataFrame) -> list[tuple[dt.date, dt.date]]:
    """Older incident windows the severity fell back on (from its ``data_sparse`` notes), oldest first."""
    import re

    if "data_sparse" not in table:
        return []
    found = set()
    for text in table["data_sparse"].astype(str):
        for a, b in re.findall(r"incidents counted over (\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            found.add((dt.date.fromisoformat(a), dt.date.fromisoformat(b)))
    return sorted(found)


def _draw_lines(ax: Any, p: dict[str, Any], legend: list, *, lang: str, s: float) -> None:
    """Admin boundaries, base roads and named axes by status (dashed where schematic).

    The boundaries' legend rows go under the base map heading (:func:`_base_map_legend`).
    """
    if p["admin2"] is not None:
        _plot_lines(ax, p["admin2"].boundary, color="#9a9a9a", linewidth=0.3 * s, zorder=3)
    _plot_lines(ax, p["admin1"].boundary, color="#3b3b3b", linewidth=0.9 * s, zorder=3.1)
    _plot_lines(ax, [p["outline"].boundary], color="black", linewidth=1.3 * s, zorder=3.2)

    # roads
    legend.append(("gap", {}, ""))
    legend.append(("head", {}, tr("legend_roads", lang)))
    if p["network"] is not None:
        net = p["network"]
        for surface, colour, width, style in NETWORK_STYLE:
            part = net[net["surface"] == surface]
            if len(part):
                _plot_lines(ax, part.geometry, color=colour, linewidth=width * s, linestyle=style, zorder=4.1)
                legend.append(
                    ("line", {"color": colour, "lw": width + 0.2, "ls": style}, tr(f"net_{surface}", lang))
                )
    if p["roads"] is not None:
        _plot_lines(ax, p["roads"].geometry, color=BASE_ROAD_COLOUR, linewidth=0.7 * s, alpha=0.8, zorder=4)
        legend.append(("line", {"color": BASE_ROAD_COLOUR, "lw": 0.9}, tr("road_base", lang)))
    if p["axes"] is not None:
        axes = p["axes"]
        for status in ROAD_STATUS:  # geo.vocab order; labels from geo.products.i18n (from the vocab)
            part = axes[axes["status"] == status]
            if not len(part):
                continue
            colour = ROAD_STATUS_COLOUR[status]
            solid = part[~part["schematic"].astype(bool)]
            dashed = part[part["schematic"].astype(bool)]
            if len(solid):
                _plot_lines(ax, solid.geometry, color=colour, linewidth=2.2 * s, zorder=5)
            if len(dashed):
                _plot_lines(
                    ax, dashed.geometry, color=colour, linewidth=2.0 * s, linestyle=(0, (4, 2.5)), zorder=5
                )
            legend.append(("line", {"color": colour, "lw": 2.4}, ROAD_STATUS.label(status, lang)))
        if axes["schematic"].astype(bool).any():
            legend.append(("line", {"color": "#555555", "lw": 2.0, "ls": (0, (3, 2))}, tr("schematic", lang)))


def _draw_points(
    ax: Any,
    p: dict[str, Any],
    legend: list,
    placer: Any,
    extent: tuple,
    *,
    public: bool,
    show: str,
    focus_hub: str | None,
    hub_names: dict[str, str],
    lang: str,
    s: float,
) -> tuple[Any, Any, Any]:
    """Incidents (restricted maps only), encircled localities, hubs and towns; returns what was drawn."""
    legend.append(("gap", {}, ""))
    legend.append(("head", {}, tr("legend_other", lang)))
    bands = p["bands"]
    hub_order: list[str] = p["hub_order"]
    # incidents (restricted only)
    inc = p["incidents"]
    if inc is not None and not public:
        pts = inc[inc.geometry.geom_type == "Point"]
        ax.scatter(
            pts.geometry.x,
            pts.geometry.y,
            s=5 * s,
            c="#222222",
            marker="x",
            linewidths=0.5,
            alpha=0.7,
            zorder=6,
        )
        legend.append(("marker", {"marker": "x", "color": "#222222", "ms": 5}, tr("incident", lang)))
    # encircled
    enc = p["encircled"]
    if enc is not None and public and "public" in enc:
        enc = enc[enc["public"].astype(str).str.lower().isin(["true", "1", "yes"])]
    if enc is not None and len(enc):
        if "radius_km" in enc:
            r = pd.to_numeric(enc["radius_km"], errors="coerce")
            discs = enc[r.notna() & (r > 0)]
            if len(discs):
                _plot_polys(
                    ax,
                    discs.geometry.buffer(r[discs.index].to_numpy() * 1000.0),
                    facecolor=ENCIRCLED_ACTIVE,
                    alpha=0.3,
                    zorder=6,
                )
        ax.scatter(
            enc.geometry.x,
            enc.geometry.y,
            s=34 * s * s,
            marker="o",
            facecolor="white",
            edgecolor=ENCIRCLED_ACTIVE,
            linewidths=1.8 * s,
            zorder=7,
        )
        ax.scatter(
            enc.geometry.x, enc.geometry.y, s=6 * s * s, marker="o", color=ENCIRCLED_ACTIVE, zorder=7.1
        )
        legend.append(
            (
                "marker",
                {"marker": "o", "color": "white", "edge": ENCIRCLED_ACTIVE, "ms": 7},
                tr("encircled", lang),
            )
        )
    # hubs
    hubs = p["hubs"]
    if hubs is not None and len(hubs):
        legend.extend(
            _draw_hubs(
                ax,
                hubs,
                hub_order,
                hub_names,
                placer,
                extent,
                s,
                lang,
                coloured=show == "bands" and bands is not None,
                focus_hub=focus_hub,
            )
        )
    # towns
    towns = p["towns"]
    hub_pts = hubs.geometry if hubs is not None else gpd.GeoSeries([], crs=PRINT_CRS)
    if towns is not None and len(towns):
        if len(hub_pts):  # a town on a hub is labelled by the hub
            near = np.array([hub_pts.distance(g).min() < 8e3 for g in towns.geometry])
            towns = towns[~near]
        ax.scatter(towns.geometry.x, towns.geometry.y, s=9 * s * s, color="black", zorder=8)
        for g in towns.geometry:
            placer.block(g.x, g.y, 2.5 * s)
        legend.append(("marker", {"marker": "o", "color": "black", "ms": 3.5}, tr("town", lang)))
    if enc is not None:
        for g in enc.geometry:
            placer.block(g.x, g.y, 4 * s)
    return hubs, enc, towns


def _base_map_legend(p: dict[str, Any], legend: list, *, lang: str) -> None:
    """Legend rows of the base map (boundaries, neighbouring countries), under their own heading."""
    legend.append(("gap", {}, ""))
    legend.append(("head", {}, tr("legend_base", lang)))
    legend.append(("line", {"color": "#3b3b3b", "lw": 1.2}, tr("admin1", lang)))
    if p["admin2"] is not None:
        legend.append(("line", {"color": "#9a9a9a", "lw": 0.6}, tr("admin2", lang)))
    legend.append(("fill", {"color": FOREIGN_LAND, "edge": "#8c8c8c"}, tr("foreign_land", lang)))


def _draw_water(ax: Any, p: dict[str, Any], legend: list, *, lang: str, s: float) -> None:
    """Rivers and lakes, and the river crossings by kind (closed ones crossed in red).

    Their legend rows go under their own heading (``map.head_water``, as on the live map),
    never under the roads'.
    """
    rivers, crossings = p["rivers"], p["crossings"]
    if rivers is None and crossings is None:
        return
    legend.append(("gap", {}, ""))
    legend.append(("head", {}, tr("map.head_water", lang)))
    if rivers is not None:
        is_lake = rivers.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        _plot_polys(
            ax, rivers[is_lake], facecolor=WATER, edgecolor=RIVER_COLOUR, linewidth=0.3 * s, zorder=3.3
        )
        _plot_lines(ax, rivers[~is_lake].geometry, color=RIVER_COLOUR, linewidth=0.9 * s, zorder=3.3)
        legend.append(("line", {"color": RIVER_COLOUR, "lw": 1.0}, tr("river", lang)))
    if crossings is not None:
        for kind, (marker, size) in CROSSING_MARKER.items():
            part = crossings[crossings["kind"] == kind]
            if not len(part):
                continue
            ax.scatter(
                part.geometry.x,
                part.geometry.y,
                s=size * s * s,
                marker=marker,
                facecolor="white",
                edgecolor=RIVER_COLOUR,
                linewidths=1.0 * s,
                zorder=6.5,
            )
            legend.append(
                (
                    "marker",
                    {"marker": marker, "color": "white", "edge": RIVER_COLOUR, "ms": 1.25 * math.sqrt(size)},
                    tr(f"crossing_{kind}", lang),
                )
            )
        closed = crossings[crossings["status"] == "closed"]
        if len(closed):
            ax.scatter(
                closed.geometry.x,
                closed.geometry.y,
                s=30 * s * s,
                marker="x",
                c="#b2182b",
                linewidths=1.4 * s,
                zorder=6.6,
            )
            legend.append(
                ("marker", {"marker": "x", "color": "#b2182b", "ms": 6}, tr("crossing_closed", lang))
            )


def _draw_labels(placer: Any, p: dict[str, Any], hubs: Any, enc: Any, towns: Any, *, s: float) -> None:
    """Place labels by priority: hubs, encircled localities, region names, towns."""
    if hubs is not None:
        for _, hub in hubs.iterrows():
            name = str(hub["name"]).split(" (")[0]
            placer.add(
                hub.geometry.x,
                hub.geometry.y,
                name,
                fontsize=9 * s,
                fontweight="bold",
                path_effects=_halo(2.8),
                zorder=12,
                offsets=(
                    (7, 4, "left", "bottom"),
                    (7, -4, "left", "top"),
                    (-7, 4, "right", "bottom"),
                    (-7, -4, "right", "top"),
                    (0, 8, "center", "bottom"),
                    (0, -8, "center", "top"),
                ),
            )
    if enc is not None:
        for _, row in enc.iterrows():
            placer.add(
                row.geometry.x,
                row.geometry.y,
                str(row.get("locality", "")),
                fontsize=7 * s,
                fontstyle="italic",
                color=ENCIRCLED_ACTIVE,
                path_effects=_halo(2.2),
                zorder=11,
                offsets=(
                    (7, -3, "left", "top"),
                    (-7, -3, "right", "top"),
                    (7, 3, "left", "bottom"),
                    (-7, 3, "right", "bottom"),
                ),
            )
    for _, reg in p["admin1"].iterrows():
        pt = reg.geometry.representative_point()
        placer.add(
            pt.x,
            pt.y,
            str(reg["name"]).upper(),
            fontsize=8.5 * s,
            color="#6b6b6b",
            fontweight="bold",
            path_effects=_halo(2.0),
            zorder=10,
            offsets=(
                (0, 0, "center", "center"),
                (0, 14, "center", "center"),
                (0, -14, "center", "center"),
                (30, 0, "center", "center"),
                (-30, 0, "center", "center"),
                (0, 28, "center", "center"),
                (0, -28, "center", "center"),
                (30, 20, "center", "center"),
                (-30, -20, "center", "center"),
                (30, -20, "center", "center"),
                (-30, 20, "center", "center"),
            ),
        )
    if towns is not None:
        for _, town in towns.iterrows():
            placer.add(
                town.geometry.x,
                town.geometry.y,
                str(town["name"]),
                fontsize=7 * s,
                path_effects=_halo(2.0),
                zorder=11,
            )


def _draw_side_panel(
    fig: Any,
    p: dict[str, Any],
    legend: list,
    focus_extent: tuple | None,
    *,
    cell_km: float,
    lang: str,
    s: float,
) -> None:
    """Inset locator map, legend, sources and method note on the right of the page."""
    x0, width = SIDE_PANEL_X
    inset = fig.add_axes((x0, 0.735, width, 0.15))
    _draw_inset(inset, p, focus_extent, lang, s)
    leg_ax = fig.add_axes((x0, 0.285, width, 0.43))
    _legend(leg_ax, legend, s)
    src = "\n".join(textwrap.wrap(tr("sources", lang), 98))
    method = "\n".join(textwrap.wrap(tr("method", lang, cell=f"{cell_km:g}"), 98))
    fig.text(x0, 0.268, tr("sources_head", lang), fontsize=7 * s, fontweight="bold", va="top")
    fig.text(
        x0,
        0.243,
        src + "\n\n" + method,
        fontsize=5.3 * s,
        va="top",
        ha="left",
        color="#333333",
        linespacing=1.25,
    )


def _draw_footer(fig: Any, produced: dt.date, page: tuple[int, int] | None, *, lang: str, s: float) -> None:
    """Disclaimer, production date and page number under the map."""
    disc = "\n".join(textwrap.wrap(tr("disclaimer", lang), 175))
    fig.text(0.012, 0.088, disc, fontsize=6.3 * s, va="top", ha="left", color="#333333", fontstyle="italic")
    footer = tr("produced", lang, date=format_date(produced, lang), product=tr("product_name", lang))
    fig.text(0.012, 0.038, footer, fontsize=6.3 * s, va="top", ha="left", color="#444444")
    if page is not None:
        fig.text(
            0.988,
            0.038,
            tr("page", lang, n=page[0], total=page[1]),
            fontsize=6.3 * s,
            va="top",
            ha="right",
            color="#444444",
        )


def _draw_inset(
    ax: Any, p: dict[str, Any], focus_extent: tuple[float, float, float, float] | None, lang: str, s: float
) -> None:
    """West Africa with Mali highlighted (and the page's extent when it is a zoom)."""
    from matplotlib.patches import Rectangle

    countries = _region_countries()
    ax.set_facecolor(WATER)
    ax.set_xticks([])
    ax.set_yticks([])
    fwd = Transformer.from_crs(STORAGE_CRS, PRINT_CRS, always_xy=True)
    x0, y0 = fwd.transform(INSET_BOUNDS[0], INSET_BOUNDS[1])
    x1, y1 = fwd.transform(INSET_BOUNDS[2], INSET_BOUNDS[3])
    box = ax.get_position()
    fig = ax.figure
    ext = _fit_extent(
        (x0, y0, x1, y1), box.width * fig.get_figwidth(), box.height * fig.get_figheight(), pad=0.0
    )
    if countries is not None:
        _plot_polys(ax, countries, facecolor=FOREIGN_LAND, edgecolor="#8c8c8c", linewidth=0.4)
    _plot_polys(
        ax,
        gpd.GeoSeries([p["outline"]], crs=PRINT_CRS),
        facecolor="#d7191c",
        edgecolor="black",
        linewidth=0.6,
        alpha=0.85,
        zorder=3,
    )
    centre = p["outline"].representative_point()
    ax.text(
        centre.x,
        centre.y,
        tr("country", lang).upper(),
        fontsize=6.5 * s,
        fontweight="bold",
        ha="center",
        va="center",
        color="white",
    )
    if focus_extent is not None:
        ax.add_patch(
            Rectangle(
                (focus_extent[0], focus_extent[1]),
                focus_extent[2] - focus_extent[0],
                focus_extent[3] - focus_extent[1],
                fill=False,
                edgecolor="black",
                linewidth=1.2,
                zorder=6,
            )
        )
    ax.set_xlim(ext[0], ext[2])
    ax.set_ylim(ext[1], ext[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_title(tr("inset", lang), fontsize=7 * s, loc="left", pad=2)
    # only Mali's neighbours are named, in the page's language, whole and inside the frame
    ax.apply_aspect()
    renderer = ax.figure.canvas.get_renderer()
    for key, (lon, lat) in NEIGHBOURS.values():
        x, y = fwd.transform(lon, lat)
        t = ax.text(
            x,
            y,
            tr(key, lang),
            fontsize=4.8 * s,
            ha="center",
            va="center",
            color="#555555",
            path_effects=_halo(1.2),
            zorder=7,
            clip_on=False,
        )
        _keep_inside(ax, t, renderer)


def _keep_inside(ax: Any, text: Any, renderer: Any, margin_px: float = 2.0) -> None:
    """Shift a text so that its whole box lies inside the axes (never clipped or cut)."""
    frame = ax.get_window_extent(renderer)
    bb = text.get_window_extent(renderer)
    dx = max(0.0, frame.x0 + margin_px - bb.x0) - max(0.0, bb.x1 - (frame.x1 - margin_px))
    dy = max(0.0, frame.y0 + margin_px - bb.y0) - max(0.0, bb.y1 - (frame.y1 - margin_px))
    if dx or dy:
        px, py = ax.transData.transform(text.get_position())
        text.set_position(ax.transData.inverted().transform((px + dx, py + dy)))


def _draw_hubs(
    ax: Any,
    hubs: gpd.GeoDataFrame,
    hub_order: list[str],
    hub_names: dict[str, str],
    placer: _LabelPlacer,
    extent: tuple[float, float, float, float],
    s: float,
    lang: str,
    *,
    coloured: bool,
    focus_hub: str | None,
) -> list[tuple[str, dict[str, Any], str]]:
    """Draw the hub squares and return legend entries that say what their colour means.

    A hub is filled with its own colour only where that colour means something: on the
    national bands map (colour = its reach, the same as its bands) and for the focus hub
    of a hub page. Other hubs of a hub page and every hub of a zones map are white.
    """
    drawn_other = False
    for _, hub in hubs.iterrows():
        hid = hub["hub_id"]
        own = hub_colour(str(hid))
        if focus_hub is None:
            colour = own if coloured else HUB_NEUTRAL
            size = 80
        elif hid == focus_hub:
            colour, size = (own if coloured else HUB_NEUTRAL), 80
        else:
            colour, size = HUB_NEUTRAL, 40
            x, y = hub.geometry.x, hub.geometry.y
            drawn_other |= bool(extent[0] <= x <= extent[2] and extent[1] <= y <= extent[3])
        ax.scatter(
            [hub.geometry.x],
            [hub.geometry.y],
            s=size * s * s,
            marker="s",
            facecolor=colour,
            edgecolor="black",
            linewidths=1.0,
            zorder=9,
        )
        placer.block(hub.geometry.x, hub.geometry.y, 5 * s)
    entries: list[tuple[str, dict[str, Any], str]] = []
    if focus_hub is None:
        label = tr("hub_coloured", lang) if coloured else tr("hub", lang)
        entries.append(("marker", {"marker": "s", "color": HUB_NEUTRAL, "ms": 8}, label))
    else:
        own = hub_colour(str(focus_hub))
        name = str(hub_names.get(focus_hub, focus_hub)).split(" (")[0]
        entries.append(
            (
                "marker",
                {"marker": "s", "color": own if coloured else HUB_NEUTRAL, "ms": 8},
                tr("hub_named", lang, hub=name),
            )
        )
        if drawn_other:
            entries.append(
                ("marker", {"marker": "s", "color": HUB_NEUTRAL, "ms": 5.5}, tr("hub_other", lang))
            )
    return entries


def _label_neighbours(
    placer: _LabelPlacer,
    countries: gpd.GeoDataFrame | None,
    outline: Any,
    extent: tuple[float, float, float, float],
    lang: str,
    s: float,
) -> None:
    """Name the neighbouring countries seen at the edges of the main map (lowest label priority)."""
    frame = shapely.box(*extent)
    min_area = frame.area * 0.01
    mali = outline.buffer(15e3)
    for ne_name, (key, (lon, lat)) in NEIGHBOURS.items():
        if countries is not None:
            geom = countries.loc[countries["name"] == ne_name, "geometry"]
            if not len(geom):
                continue
            part = geom.iloc[0].buffer(0).intersection(frame).difference(mali)
            if part.is_empty or part.area < min_area:
                continue
            largest = max(shapely.get_parts(part), key=lambda g: g.area)
            pt = (
                shapely.ops.polylabel(largest, tolerance=5e3)
                if largest.geom_type == "Polygon"
                else largest.representative_point()
            )
        else:
            fx, fy = Transformer.from_crs(STORAGE_CRS, PRINT_CRS, always_xy=True).transform(lon, lat)
            pt = shapely.Point(fx, fy)
            if not frame.contains(pt) or mali.contains(pt):
                continue
        placer.add(
            pt.x,
            pt.y,
            tr(key, lang).upper(),
            fontsize=7.5 * s,
            color="#8a8577",
            fontstyle="italic",
            path_effects=_halo(1.8),
            zorder=10,
            offsets=((0, 0, "center", "center"), (0, 12, "center", "center"), (0, -12, "center", "center")),
        )


_COUNTRIES_CACHE: dict[str, gpd.GeoDataFrame | None] = {}


def _region_countries() -> gpd.GeoDataFrame | None:
    """Natural Earth low-resolution countries of West Africa (public domain), projected.

    Read from the copy that ships inside the installed ``pyogrio`` package (its test
    fixture); None when it is not there, and the inset then names the neighbours at fixed
    positions instead.
    """
    if "ne" in _COUNTRIES_CACHE:
        return _COUNTRIES_CACHE["ne"]
    out = None
    try:
        import pyogrio

        path = (
            Path(pyogrio.__file__).parent
            / "tests"
            / "fixtures"
            / "naturalearth_lowres"
            / "naturalearth_lowres.shp"
        )
        if path.exists():
            world = gpd.read_file(path, engine="pyogrio", bbox=(-30, -5, 30, 40))
            out = world[["name", "geometry"]].to_crs(PRINT_CRS)
    except Exception as exc:  # noqa: BLE001  (an optional decoration; fall back quietly)
        logger.debug("inset countries unavailable: %s", exc)
    _COUNTRIES_CACHE["ne"] = out
    return out


# --------------------------------------------------------------------------- output


def _pdf_rc() -> dict[str, Any]:
    # TrueType (Type 42) fonts: text stays extractable and searchable in the PDF.
    return {"pdf.fonttype": 42, "ps.fonttype": 42, "font.family": "DejaVu Sans"}


def _metadata(title: str, as_of: dt.date, lang: str) -> dict[str, str]:
    """PDF document information in ``lang``: title, subject (``Accès humanitaire au 30 novembre 2025``)."""
    return {
        "Title": title,
        "Subject": tr("print.pdf_subject", lang, date=format_date(as_of, lang)),
        "Creator": tr("product_name", lang),
    }


def render_map(
    layers: MapLayers,
    *,
    as_of: dt.date,
    lang: str = "en",
    paper: str = "A4",
    dpi: int = 150,
    fmt: str | None = None,
    out: str | Path | None = None,
    show: str = "bands",
    focus_hub: str | None = None,
    public: bool = False,
    title: str | None = None,
    subtitle: str | None = None,
    produced: dt.date | None = None,
) -> bytes:
    """Render one print-ready map page to PNG or PDF.

    Parameters
    ----------
    layers
        What to draw (:class:`MapLayers`; build it with :func:`build_map_layers` or by hand).
        Only what it holds is drawn.
    as_of
        Date of the situation shown (title block).
    lang
        ``{"fr", "en"}``: language of every text on the page.
    paper
        ``{"A4", "A3"}``, landscape.
    dpi
        Resolution of a PNG (pixels per inch): an A4 page at 300 dpi is 3508 x 2480 px.
        A PDF is vector; ``dpi`` only affects the rasterised parts.
    fmt
        ``{"png", "pdf"}``; default: from the suffix of ``out``, else ``"png"``.
    out
        File to write (atomically), or None to only return the bytes.
    show
        ``"bands"`` (reachable areas of the hubs) or ``"zones"`` (access zones of
        ``layers.zones``).
    focus_hub
        A ``hub_id``: zoom on that hub's reachable area and draw only its bands, with one
        shade per band; None: all of Mali, all hubs' bands.
    public
        Public version: incident points and encircled episodes whose ``public`` flag is
        false are not drawn, and the page is marked "public version" instead of
        "restricted". Armed-group names are never printed in either mode.
    title, subtitle
        Override the generated title and subtitle.
    produced
        Production date printed in the footer (default: today).

    Notes
    -----
    With ``layers.positions``, the positions that apply to the mapped area are marked on
    the map; a PDF then carries their table on the page(s) after the map
    (:func:`draw_positions_pages`). A PNG holds the map only: write the table with
    :func:`render_positions_table`.

    Returns
    -------
    bytes
        The PNG or PDF file content.

    Raises
    ------
    ValueError
        Unknown language, paper, format or ``show``.
    """
    if fmt is None:
        fmt = Path(out).suffix.lower().lstrip(".") if out is not None else "png"
    _check(paper, show, fmt)
    import matplotlib

    rows = mapped_positions(layers, focus_hub=focus_hub, paper=paper) if fmt == "pdf" else None
    # a PDF with the positions table: pages numbered over the whole document, the map first
    total = 1 + (len(_positions_pages(rows, lang=lang, paper=paper)) if rows is not None else 0)
    with matplotlib.rc_context(_pdf_rc()):
        fig = draw_map(
            layers,
            as_of=as_of,
            lang=lang,
            paper=paper,
            dpi=dpi,
            show=show,
            focus_hub=focus_hub,
            public=public,
            title=title,
            subtitle=subtitle,
            produced=produced,
            page=(1, total) if total > 1 else None,
        )
        buf = io.BytesIO()
        map_title = fig.texts[0].get_text().replace("\\$", "$")
        if rows is None:
            kwargs: dict[str, Any] = {"format": fmt, "dpi": dpi}
            if fmt == "pdf":
                kwargs["metadata"] = _metadata(map_title, as_of, lang)
            fig.savefig(buf, **kwargs)
        else:  # the map, then the table of the positions that apply to the mapped area
            from matplotlib.backends.backend_pdf import PdfPages

            with PdfPages(buf, metadata=_metadata(map_title, as_of, lang)) as pdf:
                pdf.savefig(fig)
                for page in draw_positions_pages(
                    rows, as_of=as_of, lang=lang, paper=paper, public=public, map_title=map_title,
                    produced=produced, dpi=dpi, numbering=(2, total),
                ):  # fmt: skip
                    pdf.savefig(page)
    data = buf.getvalue()
    if out is not None:
        _write_bytes(Path(out), data)
    logger.info("rendered %s map (%s, %s, %d bytes)", fmt, paper, lang, len(data))
    return data


def render_pack(
    layers: MapLayers,
    *,
    hub_ids: Sequence[str],
    as_of: dt.date,
    lang: str = "en",
    paper: str = "A4",
    dpi: int = 150,
    out: str | Path | None = None,
    public: bool = False,
    produced: dt.date | None = None,
    progress: Progress | None = None,
) -> bytes:
    """Render a multi-page PDF meeting pack: one page per hub, zoomed on its reachable area.

    Parameters
    ----------
    layers
        What to draw (as for :func:`render_map`).
    hub_ids
        Hubs, one page each, in this order.
    as_of, lang, paper, dpi, public, produced
        As for :func:`render_map`.
    out
        PDF file to write (atomically), or None.
    progress
        Optional ``progress(done, total, label)`` after each page.

    Returns
    -------
    bytes
        The PDF content: one page per hub, each followed by the table of the positions
        that apply to its mapped area when ``layers.positions`` is given.

    Raises
    ------
    ValueError
        No hub, or an unknown language or paper.
    """
    from matplotlib.backends.backend_pdf import PdfPages

    hub_ids = list(hub_ids)
    if not hub_ids:
        msg = "a meeting pack needs at least one hub"
        raise ValueError(msg)
    check_lang(lang)
    _check(paper, "bands", "pdf")
    import matplotlib

    buf = io.BytesIO()
    title = tr("title_national", lang)
    # pages numbered over the whole document: each hub's map, then its positions table
    rows_of = [mapped_positions(layers, focus_hub=hid, paper=paper) for hid in hub_ids]
    tables = [0 if rows is None else len(_positions_pages(rows, lang=lang, paper=paper)) for rows in rows_of]
    total = len(hub_ids) + sum(tables)
    number = 0
    with matplotlib.rc_context(_pdf_rc()), PdfPages(buf, metadata=_metadata(title, as_of, lang)) as pdf:
        for i, hid in enumerate(hub_ids, start=1):
            number += 1
            fig = draw_map(
                layers,
                as_of=as_of,
                lang=lang,
                paper=paper,
                dpi=dpi,
                focus_hub=hid,
                public=public,
                produced=produced,
                page=(number, total),
            )
            pdf.savefig(fig)
            rows = rows_of[i - 1]
            if rows is not None:
                map_title = fig.texts[0].get_text().replace("\\$", "$")
                for page in draw_positions_pages(
                    rows, as_of=as_of, lang=lang, paper=paper, public=public, map_title=map_title,
                    produced=produced, dpi=dpi, numbering=(number + 1, total),
                ):  # fmt: skip
                    pdf.savefig(page)
                number += tables[i - 1]
            if progress:
                progress(i, len(hub_ids), str(hid))
    data = buf.getvalue()
    if out is not None:
        _write_bytes(Path(out), data)
    logger.info(
        "rendered a %d-page pack (%d hubs, %s, %s, %d bytes)", total, len(hub_ids), paper, lang, len(data)
    )
    return data


def render_positions_table(
    layers: MapLayers,
    *,
    as_of: dt.date,
    lang: str = "en",
    paper: str = "A4",
    dpi: int = 150,
    fmt: str = "png",
    out: str | Path | None = None,
    focus_hub: str | None = None,
    public: bool = False,
    map_title: str | None = None,
    produced: dt.date | None = None,
) -> bytes:
    """Render the table of the positions that apply to a map's area on its own (PNG: first page; PDF: all).

    Parameters are those of :func:`render_map` (``map_title`` defaults to the map's
    generated title). Used for a PNG map, whose file holds the map only.

    Raises
    ------
    ValueError
        ``layers.positions`` is None, or an unknown language, paper or format.
    """
    _check(paper, "bands", fmt)
    rows = mapped_positions(layers, focus_hub=focus_hub, paper=paper)
    if rows is None:
        msg = "no positions given (MapLayers.positions is None)"
        raise ValueError(msg)
    if map_title is None:
        hub = None
        if focus_hub is not None and not _empty(layers.hubs):
            hub = dict(zip(layers.hubs["hub_id"], layers.hubs["name"], strict=False)).get(
                focus_hub, focus_hub
            )
        map_title = _page_text(layers, "bands", lang, as_of, hub, None, None)[0]
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context(_pdf_rc()):
        pages = draw_positions_pages(
            rows, as_of=as_of, lang=lang, paper=paper, public=public, map_title=map_title,
            produced=produced, dpi=dpi,
        )  # fmt: skip
        if fmt == "pdf":
            from matplotlib.backends.backend_pdf import PdfPages

            with PdfPages(buf, metadata=_metadata(tr("positions.title", lang), as_of, lang)) as pdf:
                for page in pages:
                    pdf.savefig(page)
        else:
            if len(pages) > 1:
                logger.warning("positions table: %d pages; the PNG holds the first (use a PDF)", len(pages))
            pages[0].savefig(buf, format="png", dpi=dpi)
    data = buf.getvalue()
    if out is not None:
        _write_bytes(Path(out), data)
    return data


def _write_bytes(target: Path, data: bytes) -> None:
    from geo.io import atomic_path

    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


__all__ = [
    "MAIN_TOWNS",
    "REGION_CAPITALS",
    "PAPER_MM",
    "PRINT_CRS",
    "MapLayers",
    "build_map_layers",
    "draw_map",
    "draw_positions_pages",
    "main_towns",
    "mapped_positions",
    "render_map",
    "render_pack",
    "render_positions_table",
]
