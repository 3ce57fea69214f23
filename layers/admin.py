"""Admin boundary outlines (admin1/admin2/admin3) with P-code tooltips."""

from __future__ import annotations

import folium
import geopandas as gpd

from layers.style import ADMIN_STYLE, esc, slim

#: Display tolerance of admin outlines, metres: about one pixel when the whole country is in view
#: (zoom 6, some 2.3 km per pixel at 15°N), the tolerance of the reach bands.
ADMIN_TOLERANCE_M = 1500.0


def build_admin_layer(
    admin: gpd.GeoDataFrame,
    *,
    level: int,
    show: bool = True,
    tolerance_m: float = ADMIN_TOLERANCE_M,
    name: str | None = None,
    tooltips: bool = True,
    lang: str | None = None,
) -> folium.FeatureGroup:
    """Outlines of one admin level, with name and P-code in the tooltip.

    Parameters
    ----------
    admin
        Internal admin schema (``geo.sources.admin.load_admin``).
    level
        1, 2 or 3 (sets the style).
    show
        Visible when the map opens.
    tolerance_m
        Display simplification (metres; the stored units are not changed).
    name
        Layer name (plain text; escaped here); default ``"Regions (admin1)"`` etc.
    tooltips
        Name and P-code on hover; False draws the outlines without tooltip or click
        (``interactive: false``), so they never catch a click meant for the layers below.
    lang
        ``{"fr", "en"}``: default layer name ("Régions") and tooltip labels from the catalogs;
        None: the English names with their level (``"Regions (admin1)"``), as the command
        line's HTML maps print them.
    """
    from geo.products.i18n import tr

    if lang is None:
        names = {1: "Regions (admin1)", 2: "Cercles (admin2)", 3: "Communes (admin3)"}
    else:
        names = {level: tr(f"map.layer_admin{level}", lang) for level in (1, 2, 3)}
    gdf = slim(admin[["pcode", "name", "geometry"]], tolerance_m=tolerance_m, precision_deg=1e-3)
    gdf = gdf.assign(pcode=gdf["pcode"].map(esc), name=gdf["name"].map(esc))
    label = esc(name if name is not None else names[level])
    group = folium.FeatureGroup(name=label, show=show)
    style = ADMIN_STYLE[level] if tooltips else {**ADMIN_STYLE[level], "interactive": False}
    folium.GeoJson(
        gdf.__geo_interface__,
        style_function=lambda _f, s=style: s,
        tooltip=folium.GeoJsonTooltip(
            ["name", "pcode"],
            aliases=[esc(tr("map.tip_name", lang or "en")), esc(tr("map.tip_pcode", lang or "en"))],
        )
        if tooltips
        else None,
        name=label,
    ).add_to(group)
    return group
