"""Reachable-area bands per hub."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.products.cartography import hub_short_name
from geo.products.i18n import format_hours, format_number, tr, tr_count
from layers.style import BAND_OPACITY, esc, feature_layer, hub_colour, slim


def build_reach_layers(
    bands: gpd.GeoDataFrame,
    hub_order: list[str] | None = None,
    *,
    show: bool = True,
    lang: str = "en",
) -> list[folium.FeatureGroup]:
    """One layer per hub with its bands, largest drawn first so the inner ones stay visible.

    Parameters
    ----------
    bands
        ``geo.model.reach`` band rows (``hub_id``, ``hub``, ``hours``, ``area_km2``,
        ``population``, geometry in any CRS; ``localities`` shown when present).
    hub_order
        Hub ids in the order of the layers (hubs not listed come last). A hub's colour
        follows its id (:func:`geo.products.cartography.hub_colour`), never this order.
    show
        Visible when the map opens.
    lang
        Language of the layer names and tooltips.

    Returns
    -------
    list of folium.FeatureGroup
        One per hub holding one :func:`layers.style.feature_layer` of its bands (the
        hub's colour, fill opacity by band, tooltip with area, people and localities).
    """
    groups = []
    order = {h: i for i, h in enumerate(hub_order or [])}
    ids = sorted(dict.fromkeys(bands["hub_id"]), key=lambda h: order.get(h, len(order)))
    for hub_id in ids:
        sub = bands[bands["hub_id"] == hub_id]
        colour = hub_colour(str(hub_id))
        name = esc(
            tr("map.layer_reach", lang, hub=hub_short_name(sub["hub"].iloc[0]))
        )  # Leaflet shows names as HTML
        group = folium.FeatureGroup(name=name, show=show)
        sub = sub.sort_values("hours")
        hours = list(sub["hours"])
        # bands are unions of 1 km cells: a 1.5 km tolerance removes the staircase, 0.001 deg is about 110 m
        drawable = slim(sub[~sub.geometry.is_empty], tolerance_m=1500.0, precision_deg=1e-3)
        if not drawable.empty:
            drawable = drawable.sort_values("hours", ascending=False)  # largest first
            rows = []
            for _, row in drawable.iterrows():
                within = tr("map.within", lang, hub=row["hub"], h=format_hours(row["hours"], lang))
                figures = tr(
                    "map.band_figures",
                    lang,
                    area=format_number(row["area_km2"], lang),
                    people=format_number(row["population"], lang),
                )
                if "localities" in row.index:
                    figures += ", " + tr_count("map.band_localities", int(row["localities"]), lang)
                tip = f"{esc(within)}<br>{esc(figures)}"
                rows.append(
                    {
                        "opacity": BAND_OPACITY[min(hours.index(row["hours"]), len(BAND_OPACITY) - 1)],
                        "tip": tip,
                    }
                )
            feature_layer(
                gpd.GeoDataFrame(rows, geometry=drawable.geometry.to_numpy(), crs=drawable.crs),
                style=lambda f, c=colour: {
                    "color": c,
                    "weight": 1,
                    "fillColor": c,
                    "fillOpacity": f["properties"]["opacity"],
                },
            ).add_to(group)
        groups.append(group)
    return groups
