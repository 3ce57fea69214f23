"""The live access map: every layer assembled in one folium map (used by the page and the bench)."""

from __future__ import annotations

import datetime as dt

import folium
import geopandas as gpd
import pandas as pd

from geo.vocab import ROAD_STATUS
from layers.admin import build_admin_layer
from layers.basemap import Legend, make_map
from layers.encircled import build_encircled_layer
from layers.hubs import build_hubs_layer
from layers.incidents import build_incidents_layer
from layers.reach import build_reach_layers
from layers.roads import build_roads_layer
from layers.style import (
    ENCIRCLED_ACTIVE,
    ENCIRCLED_INACTIVE,
    ROAD_STATUS_COLOUR,
    hub_colour,
)


def build_live_map(
    *,
    as_of: dt.date,
    admin1: gpd.GeoDataFrame,
    admin2: gpd.GeoDataFrame,
    admin3: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame,
    axes: gpd.GeoDataFrame,
    axis_status: pd.DataFrame,
    episodes: gpd.GeoDataFrame,
    hubs: gpd.GeoDataFrame,
    hub_ids: list[str],
    bands: gpd.GeoDataFrame | None,
    incidents: gpd.GeoDataFrame,
    incidents_label: str = "Incidents",
    restricted: bool = True,
    asset_base: str | None = None,
) -> folium.Map:
    """Assemble the live map.

    Parameters
    ----------
    as_of
        Date shown in the legend title.
    admin1, admin2, admin3
        Admin units (internal schema); ``admin3`` None to leave communes out.
    roads, axes, axis_status
        Road lines, curated axes and the effective status per axis.
    episodes
        Encircled episodes with ``in_force``.
    hubs
        All hubs, in legend order (a hub's position fixes its colour).
    hub_ids
        The hubs to draw.
    bands
        Reach bands, or None.
    incidents
        Incidents to draw (already filtered to the time window).
    incidents_label
        Layer name of the incidents.
    restricted
        Show restricted fields in popups (armed groups, notes).
    asset_base
        Where Leaflet is served from (default: the app's static folder).

    Returns
    -------
    folium.Map
        With a layer control and a legend.
    """
    m = make_map() if asset_base is None else make_map(asset_base=asset_base)
    build_admin_layer(admin1, level=1).add_to(m)
    build_admin_layer(admin2, level=2).add_to(m)
    if admin3 is not None:
        build_admin_layer(admin3, level=3, tolerance_m=400.0).add_to(m)
    hub_order = list(hubs.index)
    if bands is not None:
        for group in build_reach_layers(bands, hub_order):
            group.add_to(m)
    build_roads_layer(roads, axes, axis_status).add_to(m)
    build_incidents_layer(incidents, name=incidents_label).add_to(m)
    build_encircled_layer(episodes, restricted=restricted).add_to(m)
    build_hubs_layer(hubs, hub_ids=hub_ids).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    entries = [("line", ROAD_STATUS_COLOUR[s], f"Road {ROAD_STATUS.label(s).lower()}") for s in ROAD_STATUS]
    entries += [
        ("dashed", "#555", "Schematic axis (off the road lines)"),
        ("fill", ENCIRCLED_ACTIVE, "No-entry zone (encircled, in force)"),
        ("ring", ENCIRCLED_INACTIVE, "Encircled earlier / unconfirmed"),
        ("dot", "#ffffff", "Incident (hollow: low precision)"),
    ]
    if bands is not None:
        shown = [h for h in hub_order if h in set(bands["hub_id"]) and h in hub_ids]
        entries += [("fill", hub_colour(hub_order.index(h)), f"Reach of {hubs.at[h, 'name']}") for h in shown]
    m.add_child(Legend(f"As of {as_of:%d %b %Y}", entries))
    return m
