"""Rivers and lakes on the interactive maps (Natural Earth lines and polygons, drawn offline)."""

from __future__ import annotations

from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from geo.config import STORAGE_CRS
from geo.products.cartography import RIVER_COLOUR, WATER
from geo.products.i18n import tr
from layers.style import esc, slim


def load_water(data_dir: Path) -> gpd.GeoDataFrame | None:
    """Rivers and lakes of the data folder (``rivers`` and ``lakes`` of data/manifest.toml), EPSG:4326.

    Parameters
    ----------
    data_dir
        Data folder.

    Returns
    -------
    geopandas.GeoDataFrame or None
        ``geometry`` only; None when the folder has neither layer.
    """
    from geo.errors import AccessMapError
    from geo.sources.datasets import read_vector

    parts = []
    for role in ("rivers", "lakes"):
        try:
            parts.append(read_vector(Path(data_dir), role)[["geometry"]].to_crs(STORAGE_CRS))
        except (AccessMapError, OSError):
            continue
    if not parts:
        return None
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=STORAGE_CRS)


def build_water_layer(
    water: gpd.GeoDataFrame | None, *, show: bool = True, lang: str = "en"
) -> folium.FeatureGroup:
    """Rivers (blue lines) and lakes (light blue fills), not interactive (clicks go to the layers below).

    Parameters
    ----------
    water
        :func:`load_water` output (any CRS), or None.
    show
        Visible when the map opens.
    lang
        Language of the layer name.

    Returns
    -------
    folium.FeatureGroup
        One GeoJson of the simplified lines and polygons (500 m tolerance).
    """
    group = folium.FeatureGroup(name=esc(tr("map.layer_rivers", lang)), show=show)
    if water is None or water.empty:
        return group
    gdf = slim(water[["geometry"]], tolerance_m=500.0, precision_deg=1e-3)
    folium.GeoJson(
        gdf.__geo_interface__,
        style_function=lambda f: {
            "color": RIVER_COLOUR,
            "weight": 1.6,
            "opacity": 0.9,
            "fillColor": WATER,
            "fillOpacity": 0.8 if f["geometry"]["type"] in ("Polygon", "MultiPolygon") else 0.0,
            "interactive": False,
        },
    ).add_to(group)
    return group
