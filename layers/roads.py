"""Road lines and named axes coloured by the status in force; river crossings by theirs."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from layers.style import (
    BASE_ROAD_COLOUR,
    ROAD_STATUS_COLOUR,
    ROAD_STATUS_LABEL,
    esc,
    popup_table,
    slim,
    with_popup,
)


def build_roads_layer(
    roads: gpd.GeoDataFrame,
    axes: gpd.GeoDataFrame,
    axis_status: pd.DataFrame,
    *,
    show: bool = True,
    network: gpd.GeoDataFrame | None = None,
) -> folium.FeatureGroup:
    """Base road lines (grey) under the curated axes coloured by status.

    Parameters
    ----------
    roads
        Internal road lines (any CRS).
    axes
        Axes from ``geo.sources.roads.build_axes`` (``axis_name``, ``route_ref``, ``schematic``).
    axis_status
        Effective status per axis (``geo.sources.curated.road_status_as_of``): ``status``,
        ``cause``, ``valid_from``, ``valid_to``, ``source``, ``note`` and optionally
        ``escort_kmh`` (shown when set).
    show
        Visible when the map opens.
    network
        The curated secondary network (``geo.sources.roads.build_network``), drawn thin
        under the axes (dashed when schematic) with its surface and season in the popup.

    Returns
    -------
    folium.FeatureGroup
        Schematic axes (not on the road lines) are dashed.
    """
    group = folium.FeatureGroup(name="Roads and axis status", show=show)
    base = slim(roads[["geometry"]], tolerance_m=300.0)
    folium.GeoJson(
        base.__geo_interface__,
        name="Main roads",
        style_function=lambda _f: {"color": BASE_ROAD_COLOUR, "weight": 1.5, "opacity": 0.7},
    ).add_to(group)
    if network is not None and len(network):
        for seg_id, seg in slim(network, tolerance_m=300.0).iterrows():
            popup = popup_table(
                [
                    ("Segment", seg_id),
                    ("Route", seg.get("route_ref")),
                    ("Surface", seg.get("surface")),
                    ("Season", "dry season only" if seg.get("season") == "dry_only" else "all year"),
                    ("Sources", seg.get("source_refs")),
                    ("Information of", seg.get("as_of")),
                    ("Geometry", "schematic (through the localities)" if seg["schematic"] else "on road lines"),
                ],
                title=str(seg.get("name", seg_id)),
            )
            style = {
                "color": BASE_ROAD_COLOUR,
                "weight": 1.5,
                "opacity": 0.8,
                "dashArray": "4 4" if seg["schematic"] else None,
            }
            line = folium.GeoJson(
                seg["geometry"].__geo_interface__,
                style_function=lambda _f, s=style: s,
                tooltip=esc(seg.get("name", seg_id)),
            )
            with_popup(line, popup, max_width=360).add_to(group)
    joined = axes.join(axis_status, how="left")
    joined["status"] = joined["status"].fillna("unknown")
    for axis_id, row in slim(joined, tolerance_m=300.0).iterrows():
        status = row["status"]
        popup = popup_table(
            [
                ("Axis", axis_id),
                ("Route", row.get("route_ref")),
                ("Status", ROAD_STATUS_LABEL.get(status, status)),
                ("Escort speed", _kmh(row.get("escort_kmh"))),
                ("Cause", row.get("cause")),
                ("Valid from", row.get("valid_from")),
                ("Valid to", row.get("valid_to") or "open-ended"),
                ("Source", row.get("source")),
                ("Note", row.get("note")),
                ("Geometry", "schematic (through the localities)" if row["schematic"] else "on road lines"),
            ],
            title=row["axis_name"],
        )
        style = {
            "color": ROAD_STATUS_COLOUR.get(status, "#000"),
            "weight": 4.5,
            "opacity": 0.95,
            "dashArray": "8 6" if row["schematic"] else None,
        }
        line = folium.GeoJson(
            row["geometry"].__geo_interface__,
            style_function=lambda _f, s=style: s,
            tooltip=f"{esc(row['axis_name'])}: {esc(ROAD_STATUS_LABEL.get(status, status))}",
        )
        with_popup(line, popup, max_width=360).add_to(group)
    return group


def _kmh(value: object) -> str | None:
    """``"25 km/h"`` for a speed, None when empty (the row is then left out)."""
    v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return f"{v:g} km/h (escorted)" if pd.notna(v) and v > 0 else None


def build_crossings_layer(
    crossings: gpd.GeoDataFrame, crossing_status: pd.DataFrame | None, *, show: bool = True
) -> folium.FeatureGroup:
    """River crossings (bridges, ferries, pirogues, fords) as dots coloured by their status.

    Parameters
    ----------
    crossings
        ``geo.sources.curated.read_crossings()`` or the model's crossings (any CRS).
    crossing_status
        Effective status per crossing (indexed by ``crossing_id``: ``status``,
        ``cause``, ``valid_from``, ``source``), or None (all unknown).
    show
        Visible when the map opens.

    Returns
    -------
    folium.FeatureGroup
        One circle per crossing; the popup gives kind, river, times, hours, season and
        whether it carries vehicles.
    """
    group = folium.FeatureGroup(name="River crossings", show=show)
    if crossings is None or crossings.empty:
        return group
    pts = crossings.to_crs("EPSG:4326")
    status = crossing_status if crossing_status is not None else pd.DataFrame(columns=["status"])
    for cid, row in pts.iterrows():
        st = status["status"].get(cid, "unknown") if "status" in status else "unknown"
        st = st if isinstance(st, str) else "unknown"
        info = status.loc[cid] if cid in status.index else pd.Series(dtype=object)
        info = info.where(info.notna(), None) if len(info) else info
        popup = popup_table(
            [
                ("Crossing", cid),
                ("Kind", row.get("kind")),
                ("River", row.get("river")),
                ("Status", ROAD_STATUS_LABEL.get(st, st)),
                ("Cause", info.get("cause")),
                ("Valid from", info.get("valid_from")),
                ("Crossing time", f"{float(row['crossing_h']):g} h"),
                ("Waiting time", f"{float(row['wait_h']):g} h"),
                ("Hours", row.get("hours") or "always"),
                ("Season", row.get("season")),
                ("Vehicles", "yes" if bool(row.get("vehicles")) else "no (people only)"),
                ("Source", info.get("source") or row.get("source_refs")),
            ],
            title=str(row.get("name", cid)),
        )
        dot = folium.CircleMarker(
            location=(row.geometry.y, row.geometry.x),
            radius=6,
            color="#222",
            weight=1.5,
            fill=True,
            fill_color=ROAD_STATUS_COLOUR.get(st, "#000"),
            fill_opacity=0.95,
            tooltip=f"{esc(row.get('name', cid))}: {esc(ROAD_STATUS_LABEL.get(st, st))}",
        )
        with_popup(dot, popup, max_width=360).add_to(group)
    return group
