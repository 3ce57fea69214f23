"""HAWG hubs as labelled points."""

from __future__ import annotations

import folium
import geopandas as gpd

from layers.style import esc, hub_colour, popup_table, tooltip, with_popup


def build_hubs_layer(
    hubs: gpd.GeoDataFrame, *, hub_ids: list[str] | None = None, show: bool = True
) -> folium.FeatureGroup:
    """One dot per hub, in the hub's colour, with its status and area of responsibility.

    Parameters
    ----------
    hubs
        All hubs (``geo.sources.curated.read_hubs().valid``); a hub's position fixes its colour.
    hub_ids
        Hubs to draw (default: all).
    show
        Visible when the map opens.
    """
    group = folium.FeatureGroup(name="HAWG hubs", show=show)
    for i, (hub_id, row) in enumerate(hubs.to_crs(4326).iterrows()):
        if hub_ids is not None and hub_id not in hub_ids:
            continue
        aor = ", ".join(row["aor_adm1_pcodes"] + row["aor_adm2_pcodes"])
        popup = popup_table(
            [
                ("Hub id", hub_id),
                ("Level", row["level"]),
                ("Status", row["status"]),
                ("Area of responsibility", aor),
                ("Sources", row["source_refs"]),
            ],
            title=row["name"],
        )
        marker = folium.CircleMarker(
            (row.geometry.y, row.geometry.x),
            radius=8,
            color="#111",
            weight=2,
            fill=True,
            fill_color=hub_colour(i),
            fill_opacity=1.0,
            tooltip=tooltip(esc(row["name"])),
        )
        with_popup(marker, popup).add_to(group)
    return group
