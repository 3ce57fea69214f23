"""Town names on the interactive maps (no web tiles: the map carries its own labels)."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.products.i18n import tr
from layers.style import esc
from layers.symbols import symbol_marker


def build_towns_layer(
    towns: gpd.GeoDataFrame,
    *,
    skip_near: gpd.GeoDataFrame | None = None,
    skip_km: float = 8.0,
    show: bool = True,
    lang: str = "en",
) -> folium.FeatureGroup:
    """Draw the main towns as small white dots with their name always shown.

    Parameters
    ----------
    towns
        Towns with ``name`` (``geo.products.printmap.main_towns``), any CRS.
    skip_near
        Points already labelled (the hubs): a town closer than ``skip_km`` to one is left
        out, so "Gao" is not written twice.
    skip_km
        Distance, km.
    show
        Visible when the map opens.
    lang
        Language of the layer name.

    Returns
    -------
    folium.FeatureGroup
        One :func:`layers.symbols.symbol_marker` per town, name escaped.
    """
    from geo.config import WORK_CRS

    group = folium.FeatureGroup(name=esc(tr("map.layer_towns", lang)), show=show)
    if towns is None or towns.empty:
        return group
    pts = towns.to_crs(WORK_CRS)
    if skip_near is not None and len(skip_near):
        near = skip_near.to_crs(WORK_CRS).geometry
        keep = [near.distance(g).min() >= skip_km * 1000.0 for g in pts.geometry]
        pts = pts[keep]
    for _, row in pts.to_crs(4326).iterrows():
        symbol_marker(row.geometry.y, row.geometry.x, "town", label=esc(row["name"])).add_to(group)
    return group
