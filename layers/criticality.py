"""Critical axes and crossings: each item drawn by the people its closure cuts off."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np

from geo.config import STORAGE_CRS
from geo.products.i18n import format_number, tr
from geo.vocab import ROAD_STATUS
from layers.style import esc, tooltip

#: Colour ramp from "cuts nobody off" to "cuts the most people off".
RAMP = ("#9e9e9e", "#fdae61", "#f46d43", "#d73027", "#7f0000")


def criticality_colour(share: float) -> str:
    """Colour of an item whose loss is ``share`` (0-1) of the largest loss shown; grey for none."""
    if not share > 0:
        return RAMP[0]
    return RAMP[1 + min(int(share * (len(RAMP) - 1)), len(RAMP) - 2)]


def criticality_legend_entries(lang: str) -> list[tuple[str, str, str]]:
    """Return the legend rows of :func:`build_criticality_layer` (``layers.basemap.Legend``), in ``lang``."""
    return [
        ("line", RAMP[-1], tr("crit_legend_most", lang)),
        ("line", RAMP[2], tr("crit_legend_some", lang)),
        ("line", RAMP[0], tr("crit_legend_none", lang)),
        ("dot", RAMP[2], tr("crit_legend_crossing", lang)),
    ]


def build_criticality_layer(items: gpd.GeoDataFrame, *, lang: str, show: bool = True) -> folium.FeatureGroup:
    """One line per axis and one dot per crossing, thicker and redder as its closure cuts off more people.

    Parameters
    ----------
    items
        One row per item (``geo.model.criticality.most_critical``, or the rows of one hub of
        ``geo.model.criticality.criticality``): ``kind``, ``item_name``, ``status``, ``hub``,
        ``population_lost``, ``localities_lost``, geometry (any CRS).
    lang
        ``{"fr", "en"}``: language of the layer name and tooltips.
    show
        Visible when the map opens.

    Returns
    -------
    folium.FeatureGroup
        Items drawn least critical first, so the most critical stay on top; every text
        from the data escaped (tooltips through ``layers.style.tooltip``).
    """
    group = folium.FeatureGroup(name=tr("crit_layer", lang), show=show)
    if items.empty:
        return group
    data = items.to_crs(STORAGE_CRS).sort_values("population_lost", kind="stable")
    top = float(data["population_lost"].max())
    for row in data.itertuples(index=False):
        share = float(row.population_lost) / top if top > 0 else 0.0
        colour = criticality_colour(share)
        tip = tr(
            "crit_tooltip",
            lang,
            item=esc(row.item_name),
            kind=tr(f"kind_{row.kind}", lang),
            status=esc(ROAD_STATUS.label(row.status, lang) if row.status in ROAD_STATUS else row.status),
            people=format_number(row.population_lost, lang),
            localities=int(row.localities_lost),
            hub=esc(row.hub),
        )
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type == "Point":
            folium.CircleMarker(
                (geom.y, geom.x),
                radius=float(4 + 8 * np.sqrt(share)),
                color="#222",
                weight=1,
                fill=True,
                fill_color=colour,
                fill_opacity=0.95,
                tooltip=tooltip(tip),
            ).add_to(group)
        else:
            folium.GeoJson(
                geom.__geo_interface__,
                tooltip=tooltip(tip),
                style_function=lambda _f, c=colour, w=2 + 6 * share: {
                    "color": c,
                    "weight": w,
                    "opacity": 0.9,
                },
            ).add_to(group)
    return group
