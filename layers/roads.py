"""Road lines and named axes coloured by the status in force; river crossings by theirs."""

from __future__ import annotations

import datetime as dt

import folium
import geopandas as gpd
import pandas as pd

from geo.model.osm_network import MAIN_HIGHWAYS
from geo.model.osm_network import NETWORK_SOURCE as OSM_SOURCE
from geo.products.cartography import NETWORK_STYLE
from geo.products.i18n import format_number, tr
from geo.products.staleness import status_stale
from geo.sources.curated import real_crossings
from geo.vocab import CAUSE, ROAD_STATUS, crossing_agreement, road_status_label
from layers.style import (
    BASE_ROAD_COLOUR,
    POINT_PRECISION_DEG,
    ROAD_STATUS_COLOUR,
    esc,
    feature_layer,
    popup_day,
    popup_table,
    season_label,
    slim,
    stale_text,
)


def build_roads_layer(
    roads: gpd.GeoDataFrame | None,
    axes: gpd.GeoDataFrame,
    axis_status: pd.DataFrame,
    *,
    show: bool = True,
    name: str = "Roads and axis status",
    network: gpd.GeoDataFrame | None = None,
    lang: str = "en",
    popups: bool = True,
    as_of: dt.date | None = None,
    stale_days: int | None = None,
) -> folium.FeatureGroup:
    """Draw base road lines (grey) under the curated axes coloured by status.

    Parameters
    ----------
    roads
        Internal road lines (any CRS), or None for the axes only.
    axes
        Axes from ``geo.sources.roads.build_axes`` (``axis_name``, ``route_ref``, ``schematic``).
    axis_status
        Effective status per axis (``geo.sources.curated.road_status_as_of``): ``status``,
        ``cause``, ``valid_from``, ``valid_to``, ``source``, ``note`` and optionally
        ``escort_kmh`` (shown when set).
    show
        Visible when the map opens.
    name
        Layer name in the layer control.
    network
        The curated secondary network (``geo.sources.roads.build_network``), drawn thin
        under the axes, styled by surface (:func:`network_style`), with its surface and
        season in the popup.
    lang
        Language of the status in the axes' tooltips and of the network's surfaces.
    popups
        Give each axis a popup of its record (False: the tooltip only, e.g. public maps).
        Rows from OpenStreetMap (``geo.model.osm_network``) are drawn as one layer, their
        national and regional roads only, without popups.
    as_of, stale_days
        Date of the map and the days (>= 0) after which a closed or constrained axis not
        confirmed since reads stale (:mod:`geo.products.staleness`, as on the print map):
        its popup says so and its tooltip adds "to be confirmed". None: no staleness mark.

    Returns
    -------
    folium.FeatureGroup
        The base roads, the network, then the axes as one :func:`layers.style.feature_layer`
        coloured by status; schematic axes (not on the road lines) are dashed.
    """
    group = folium.FeatureGroup(name=esc(name), show=show)  # shown as HTML by Leaflet
    if roads is not None:
        base = slim(roads[["geometry"]], tolerance_m=300.0)
        folium.GeoJson(
            base.__geo_interface__,
            name="Main roads",
            style_function=lambda _f: {"color": BASE_ROAD_COLOUR, "weight": 1.5, "opacity": 0.7},
        ).add_to(group)
    if network is not None and len(network):
        _add_network(network, group, lang=lang)
    joined = axes.join(axis_status, how="left")
    joined["status"] = joined["status"].fillna("unknown")
    lines = slim(joined, tolerance_m=300.0)
    if lines.empty:
        return group
    rows = []
    for axis_id, row in lines.iterrows():
        status = row["status"]
        stale = _stale(row, as_of, stale_days)
        tip = tr("map.axis_status", lang, name=row["axis_name"], status=ROAD_STATUS.label(status, lang))
        rows.append(
            {
                "status": status,
                "schematic": bool(row.get("schematic", False)),
                "tip": esc(tip + (f" ({tr('mpop.stale_tip', lang)})" if stale else "")),
                "popup": _axis_popup(axis_id, row, lang, stale_days if stale else None) if popups else None,
            }
        )
    feature_layer(
        gpd.GeoDataFrame(rows, geometry=lines.geometry.to_numpy(), crs=lines.crs),
        style=_axis_style,
        popup_max_width=360,
    ).add_to(group)
    return group


def _stale(row: pd.Series, as_of: dt.date | None, stale_days: int | None) -> bool:
    """Whether a status record reads stale on ``as_of`` (:func:`geo.products.staleness.status_stale`)."""
    if as_of is None or stale_days is None:
        return False
    return status_stale(row.get("status"), row.get("valid_from"), as_of, stale_days)


def _axis_popup(axis_id: object, row: pd.Series, lang: str, stale_days: int | None = None) -> str:
    """Popup of one axis in ``lang``: its status record (every value escaped).

    ``stale_days`` given: the status is stale, a line says it is not confirmed for that long.
    """
    cause = row.get("cause")
    return popup_table(
        [
            (tr("mpop.axis", lang), axis_id),
            (tr("mpop.route", lang), row.get("route_ref")),
            (tr("mpop.status", lang), ROAD_STATUS.label(row["status"], lang)),
            (tr("mpop.escort_speed", lang), _kmh(row.get("escort_kmh"), lang)),
            (tr("mpop.cause", lang), CAUSE.label(cause, lang) if isinstance(cause, str) else cause),
            (tr("mpop.valid_from", lang), popup_day(row.get("valid_from"), lang)),
            (tr("mpop.confirmation", lang), stale_text(stale_days, lang) if stale_days is not None else None),
            (tr("mpop.valid_to", lang), popup_day(row.get("valid_to"), lang) or tr("mpop.open_ended", lang)),
            (tr("mpop.source", lang), row.get("source")),
            # a note seeded from data/curated is the source's, in English; one recorded later is the user's
            (_note_header(row, lang), row.get("note")),
            (tr("mpop.geometry", lang), _geometry_text(row.get("schematic"), lang)),
        ],
        title=row["axis_name"],
    )


def _geometry_text(schematic: object, lang: str) -> str | None:
    """Say how a line was drawn, in ``lang`` (schematic or on road lines); None if unknown."""
    if schematic is None or (not isinstance(schematic, str) and pd.isna(schematic)):
        return None
    return tr("mpop.schematic", lang) if bool(schematic) else tr("mpop.on_roads", lang)


def _axis_style(feature: dict) -> dict:
    """Leaflet style of an axis: the colour of its status, dashed when schematic."""
    p = feature["properties"]
    return {
        "color": ROAD_STATUS_COLOUR.get(p["status"], "#000"),
        "weight": 4.5,
        "opacity": 0.95,
        "dashArray": "8 6" if p["schematic"] else None,
    }


def _kmh(value: object, lang: str) -> str | None:
    """``"25 km/h"`` (``"22,5 km/h"`` in French) for a speed, None when empty (the row is then left out).

    The row's label already says it is the escort's speed.
    """
    v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.isna(v) or v <= 0:
        return None
    return f"{format_number(float(v), lang, decimals=0 if float(v).is_integer() else 1)} km/h"


def network_style(surface: object) -> dict:
    """Leaflet style of a secondary-network line by its surface (``geo.products.cartography.NETWORK_STYLE``).

    Paved roads are dark grey, laterite roads brown, tracks brown and dashed; an unknown
    surface is drawn as a track.
    """
    colour, dashed = NETWORK_STYLE.get(str(surface), NETWORK_STYLE["track"])
    return {
        "color": colour,
        "weight": 2.0 if surface == "paved" else 1.6,
        "opacity": 0.9,
        "dashArray": "5 4" if dashed else None,
    }


def build_network_layer(
    network: gpd.GeoDataFrame | None, *, show: bool = True, lang: str = "en"
) -> folium.FeatureGroup:
    """Draw the curated secondary network (``data/curated/network.csv`` laid out) styled by surface.

    Parameters
    ----------
    network
        ``geo.sources.roads.build_network`` output (``ModelInputs.network``; any CRS), or None.
    show
        Visible when the map opens.
    lang
        Language of the layer name.

    Returns
    -------
    folium.FeatureGroup
        The OpenStreetMap overview, then one :func:`layers.style.feature_layer` of the
        curated segments: styled by surface (:func:`network_style`), name as tooltip, and a
        popup with route, surface, season, sources, date and geometry (schematic or not).
    """
    group = folium.FeatureGroup(name=esc(tr("map.layer_network", lang)), show=show)
    if network is None or not len(network):
        return group
    _add_network(network, group, lang=lang)
    return group


def _add_network(network: gpd.GeoDataFrame, group: folium.FeatureGroup, *, lang: str) -> None:
    """Draw the network's OpenStreetMap overview, then its curated segments as one layer, in ``group``.

    Each curated segment is styled by surface (:func:`network_style`), named in its
    tooltip, with a popup of route, surface, season, sources, date and (when known)
    whether its line is schematic.
    """
    network = slim(_draw_osm_overview(network, group), tolerance_m=300.0)
    if network.empty:
        return
    rows = []
    for seg_id, seg in network.iterrows():
        surface = seg.get("surface")
        schematic = seg.get("schematic")
        popup = popup_table(
            [
                (tr("mpop.segment", lang), seg_id),
                (tr("mpop.route", lang), seg.get("route_ref")),
                (
                    tr("mpop.surface", lang),
                    tr(f"net_{surface}", lang) if surface in NETWORK_STYLE else surface,
                ),
                (tr("mpop.season", lang), season_label(seg.get("season") or "all_year", lang)),
                (tr("mpop.sources", lang), seg.get("source_refs")),
                (tr("mpop.info_of", lang), popup_day(seg.get("as_of"), lang)),
                (tr("mpop.geometry", lang), _geometry_text(schematic, lang)),
            ],
            title=str(seg.get("name", seg_id)),
        )
        rows.append({"surface": surface, "tip": esc(seg.get("name", seg_id)), "popup": popup})
    feature_layer(
        gpd.GeoDataFrame(rows, geometry=network.geometry.to_numpy(), crs=network.crs),
        style=lambda f: network_style(f["properties"]["surface"]),
        popup_max_width=360,
    ).add_to(group)


def build_crossings_layer(
    crossings: gpd.GeoDataFrame | None,
    crossing_status: pd.DataFrame | None,
    *,
    show: bool = True,
    lang: str = "en",
    as_of: dt.date | None = None,
    stale_days: int | None = None,
) -> folium.FeatureGroup:
    """River crossings, one symbol per kind (bridge, ferry, pirogue, ford) filled by their status.

    Model artefacts (:func:`geo.sources.curated.is_model_artefact`: a road that the
    generalised river line cuts without crossing the river) are not drawn: they are no
    bridge.

    Parameters
    ----------
    crossings
        ``geo.sources.curated.read_crossings()`` or the model's crossings (any CRS), or None.
    crossing_status
        Effective status per crossing (indexed by ``crossing_id``: ``status``,
        ``cause``, ``valid_from``, ``source``), or None (all unknown).
    show
        Visible when the map opens.
    lang
        Language of the layer name.
    as_of, stale_days
        Date of the map and the days (>= 0) after which a closed or constrained crossing
        not confirmed since reads stale (:mod:`geo.products.staleness`): its popup says so
        and its tooltip adds "to be confirmed". None: no staleness mark.

    Returns
    -------
    folium.FeatureGroup
        One :func:`layers.style.feature_layer`: a symbol per real crossing
        (:func:`layers.symbols.symbol_icon`, shape by kind, fill by status); the popup
        gives kind, river, times, hours, season and whether it carries vehicles.
    """
    from layers.symbols import CROSSING_KINDS, symbol_icon

    group = folium.FeatureGroup(name=esc(tr("map.layer_crossings", lang)), show=show)
    if crossings is None or crossings.empty:
        return group
    pts = real_crossings(crossings).to_crs("EPSG:4326")
    if pts.empty:
        return group
    status = crossing_status if crossing_status is not None else pd.DataFrame(columns=["status"])
    rows = []
    for cid, row in pts.iterrows():
        st = status["status"].get(cid, "unknown") if "status" in status else "unknown"
        st = st if isinstance(st, str) else "unknown"
        info = status.loc[cid] if cid in status.index else pd.Series(dtype=object)
        info = info.where(info.notna(), None) if len(info) else info
        kind = str(row.get("kind"))
        cause = info.get("cause")
        kind_label = tr(f"crossing_{kind}", lang) if kind in CROSSING_KINDS else kind
        stale = _stale(pd.Series({"status": st, "valid_from": info.get("valid_from")}), as_of, stale_days)
        popup = popup_table(
            [
                (tr("mpop.crossing", lang), cid),
                (tr("mpop.kind", lang), kind_label),
                (tr("mpop.river", lang), row.get("river")),
                (
                    tr("mpop.status", lang),
                    road_status_label(st, lang, crossing_agreement(kind, row.get("name"))),
                ),
                (tr("mpop.cause", lang), CAUSE.label(cause, lang) if isinstance(cause, str) else cause),
                (tr("mpop.valid_from", lang), popup_day(info.get("valid_from"), lang)),
                (tr("mpop.confirmation", lang), stale_text(stale_days, lang) if stale else None),
                (
                    tr("mpop.crossing_time", lang),
                    f"{format_number(float(row['crossing_h']), lang, decimals=1)} h",
                ),
                (tr("mpop.waiting_time", lang), f"{format_number(float(row['wait_h']), lang, decimals=1)} h"),
                (tr("mpop.hours", lang), row.get("hours") or tr("mpop.always", lang)),
                (tr("mpop.season", lang), season_label(row.get("season"), lang)),
                (
                    tr("mpop.vehicles", lang),
                    tr("mpop.yes", lang) if bool(row.get("vehicles")) else tr("mpop.people_only", lang),
                ),
                (tr("mpop.source", lang), info.get("source") or row.get("source_refs")),
            ],
            title=str(row.get("name", cid)),
        )
        rows.append(
            {
                "popup": popup,
                "tip": esc(
                    tr(
                        "map.crossing_status",
                        lang,
                        name=row.get("name", cid),
                        status=road_status_label(st, lang, crossing_agreement(kind, row.get("name"))),
                    )
                    + (f" ({tr('mpop.stale_tip', lang)})" if stale else "")
                ),
                "icon": symbol_icon(
                    kind if kind in CROSSING_KINDS else "ford", ROAD_STATUS_COLOUR.get(st, "#000000")
                ),
                # above the no-entry sign (z 500, 16 px): a crossing's smaller symbol inside an
                # encircled locality (the Diafarabé ferry) stays clickable, and so does the sign's rim
                "z": 600,
            }
        )
    points = gpd.GeoDataFrame(rows, geometry=pts.geometry.to_numpy(), crs=pts.crs)
    feature_layer(slim(points, tolerance_m=0.0, precision_deg=POINT_PRECISION_DEG)).add_to(group)
    return group


def _draw_osm_overview(network: gpd.GeoDataFrame, group: folium.FeatureGroup) -> gpd.GeoDataFrame:
    """Draw the OpenStreetMap rows of ``network`` as one layer; return the other rows.

    A national OSM network has some 300,000 ways: only its national and regional roads
    (``geo.model.osm_network.MAIN_HIGHWAYS``) are drawn, as one GeoJSON without popups
    (streets and tracks are in the model, not on the overview map).
    """
    if "source_refs" not in network.columns:
        return network
    from_osm = network["source_refs"].eq(OSM_SOURCE).to_numpy()
    if not from_osm.any():
        return network
    osm = network[from_osm]
    major = slim(osm.loc[osm["highway"].isin(MAIN_HIGHWAYS).to_numpy(), ["geometry"]], tolerance_m=300.0)
    if len(major):
        folium.GeoJson(
            major.__geo_interface__,
            name="OpenStreetMap roads",
            style_function=lambda _f: {"color": BASE_ROAD_COLOUR, "weight": 1.2, "opacity": 0.7},
        ).add_to(group)
    return network[~from_osm]


def _note_header(row: pd.Series, lang: str) -> str:
    """Header of a version's note: the source's note (English data) for a seeded version, else "Note"."""
    return tr("mpop.source_note", lang) if row.get("origin") == "seed" else tr("mpop.note", lang)
