"""Reachable-area bands per hub."""

from __future__ import annotations

import folium
import geopandas as gpd

from layers.style import BAND_OPACITY, esc, hub_colour, slim, tooltip


def build_reach_layers(
    bands: gpd.GeoDataFrame, hub_order: list[str], *, show: bool = True
) -> list[folium.FeatureGroup]:
    """One layer per hub with its bands, largest drawn first so the inner ones stay visible.

    Parameters
    ----------
    bands
        ``geo.model.reach`` band rows (``hub_id``, ``hub``, ``hours``, ``area_km2``,
        ``population``, geometry in any CRS; ``localities`` shown when present).
    hub_order
        Hub ids in legend order (fixes each hub's colour).
    show
        Visible when the map opens.
    """
    groups = []
    for hub_id, sub in bands.groupby("hub_id", sort=False):
        colour = hub_colour(hub_order.index(hub_id) if hub_id in hub_order else len(hub_order))
        name = f"Reach: {esc(sub['hub'].iloc[0])}"  # Leaflet shows layer names as HTML
        group = folium.FeatureGroup(name=name, show=show)
        sub = sub.sort_values("hours")
        hours = list(sub["hours"])
        # bands are unions of 1 km cells: a 1.5 km tolerance removes the staircase, 0.001 deg is about 110 m
        drawable = slim(sub[~sub.geometry.is_empty], tolerance_m=1500.0, precision_deg=1e-3)
        for _, row in drawable.sort_values("hours", ascending=False).iterrows():
            opacity = BAND_OPACITY[min(hours.index(row["hours"]), len(BAND_OPACITY) - 1)]
            tip = (
                f"{esc(row['hub'])}: within {row['hours']:g} h<br>{row['area_km2']:,.0f} km²,"
                f" {row['population']:,.0f} people"
            )
            if "localities" in row.index:
                tip += f", {row['localities']} localities"
            folium.GeoJson(
                row.geometry.__geo_interface__,
                tooltip=tooltip(tip),
                style_function=lambda _f, c=colour, o=opacity: {
                    "color": c,
                    "weight": 1,
                    "fillColor": c,
                    "fillOpacity": o,
                },
            ).add_to(group)
        groups.append(group)
    return groups
