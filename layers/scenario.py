"""Scenario difference layers: area lost (red) and gained (green) per hub and band."""

from __future__ import annotations

import folium
import geopandas as gpd

from layers.style import esc, slim

LOST_COLOUR = "#d7301f"
GAINED_COLOUR = "#1a9850"


def build_scenario_layers(lost: gpd.GeoDataFrame, gained: gpd.GeoDataFrame, *, hours: float,
                          show: bool = True) -> list[folium.FeatureGroup]:
    """Two layers highlighting what a scenario changes within the ``hours`` band.

    Parameters
    ----------
    lost, gained
        ``geo.scenario.ScenarioResult.lost`` / ``.gained`` (``hub``, ``hours``, ``area_km2``,
        geometry in any CRS).
    hours
        Band to draw.
    show
        Visible when the map opens.

    Returns
    -------
    list of folium.FeatureGroup
        ``"Scenario: area lost"`` and ``"Scenario: area gained"``.
    """
    out = []
    for gdf, name, colour in ((lost, "lost", LOST_COLOUR), (gained, "gained", GAINED_COLOUR)):
        group = folium.FeatureGroup(name=f"Scenario: area {name}", show=show)
        sub = gdf[(gdf["hours"] == hours) & ~gdf.geometry.is_empty]
        for _, row in slim(sub, tolerance_m=300.0).iterrows():
            tip = f"{esc(row['hub'])}, {row['hours']:g} h: {row['area_km2']:,.0f} km² {name}"
            folium.GeoJson(row.geometry.__geo_interface__, tooltip=tip,
                           style_function=lambda _f, c=colour: {"color": c, "weight": 2, "fillColor": c,
                                                                "fillOpacity": 0.55}).add_to(group)
        out.append(group)
    return out
