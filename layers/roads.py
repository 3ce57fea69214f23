"""Road lines and named axes coloured by the status in force."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from geo.vocab import ROAD_STATUS
from layers.style import (
    BASE_ROAD_COLOUR,
    ROAD_STATUS_COLOUR,
    esc,
    popup_table,
    slim,
    tooltip,
    with_popup,
)


def build_roads_layer(
    roads: gpd.GeoDataFrame | None,
    axes: gpd.GeoDataFrame,
    axis_status: pd.DataFrame,
    *,
    show: bool = True,
    name: str = "Roads and axis status",
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
        ``cause``, ``valid_from``, ``valid_to``, ``source``, ``note``.
    show
        Visible when the map opens.
    name
        Layer name in the layer control.

    Returns
    -------
    folium.FeatureGroup
        Schematic axes (not on the road lines) are dashed.
    """
    group = folium.FeatureGroup(name=esc(name), show=show)  # shown as HTML by Leaflet
    if roads is not None:
        base = slim(roads[["geometry"]], tolerance_m=300.0)
        folium.GeoJson(
            base.__geo_interface__,
            name="Main roads",
            style_function=lambda _f: {"color": BASE_ROAD_COLOUR, "weight": 1.5, "opacity": 0.7},
        ).add_to(group)
    joined = axes.join(axis_status, how="left")
    joined["status"] = joined["status"].fillna("unknown")
    for axis_id, row in slim(joined, tolerance_m=300.0).iterrows():
        status = row["status"]
        popup = popup_table(
            [
                ("Axis", axis_id),
                ("Route", row.get("route_ref")),
                ("Status", ROAD_STATUS.label(status)),
                ("Cause", row.get("cause")),
                ("Valid from", row.get("valid_from")),
                ("Valid to", row.get("valid_to") or "open-ended"),
                ("Source", row.get("source")),
                ("Note", row.get("note")),
                (
                    "Geometry",
                    None
                    if "schematic" not in row.index
                    else "schematic (through the localities)"
                    if row["schematic"]
                    else "on road lines",
                ),
            ],
            title=row["axis_name"],
        )
        style = {
            "color": ROAD_STATUS_COLOUR.get(status, "#000"),
            "weight": 4.5,
            "opacity": 0.95,
            "dashArray": "8 6" if bool(row.get("schematic", False)) else None,
        }
        line = folium.GeoJson(
            row["geometry"].__geo_interface__,
            style_function=lambda _f, s=style: s,
            tooltip=tooltip(f"{esc(row['axis_name'])}: {esc(ROAD_STATUS.label(status))}"),
        )
        with_popup(line, popup, max_width=360).add_to(group)
    return group
