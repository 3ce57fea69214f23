"""Town names on the interactive maps (no web tiles: the map carries its own labels)."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from geo.products.i18n import tr
from geo.products.printmap import REGION_CAPITALS
from layers.style import POINT_PRECISION_DEG, esc, feature_layer, slim
from layers.symbols import label_dx, symbol_icon


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
        One :func:`layers.style.feature_layer`: a dot per town, its name (escaped) always
        shown, its ``label_rank`` (:func:`label_ranks`: where labels would overlap, the map
        shows the lower rank, :class:`layers.symbols.LabelDeclutter`) and ``label_keep``
        (a regional capital, :data:`geo.products.printmap.REGION_CAPITALS`).
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
    if pts.empty:
        return group
    points = gpd.GeoDataFrame(
        {
            "label": pts["name"].map(esc).to_numpy(),
            "label_class": "town-label",
            "label_dx": label_dx("town"),
            "label_rank": label_ranks(pts["name"]),
            "label_keep": pts["name"].isin(REGION_CAPITALS).to_numpy(),
            "icon": [symbol_icon("town")] * len(pts),
        },
        geometry=pts.geometry.to_numpy(),
        crs=pts.crs,
    )
    feature_layer(slim(points, tolerance_m=0.0, precision_deg=POINT_PRECISION_DEG)).add_to(group)
    return group


def label_ranks(names: pd.Series) -> list[int]:
    """Return the importance of each town's label, 0 first (shown first where labels collide).

    The order of :data:`geo.products.printmap.MAIN_TOWNS`: the regional capitals, then the
    cercle capitals; other places (the gazetteer localities named around a point, most
    populous first) after them, in the order given.

    Parameters
    ----------
    names
        Town names, in the order of the rows.

    Returns
    -------
    list of int
        One rank per name, all distinct.
    """
    from geo.products.printmap import MAIN_TOWNS

    main = {name: i for i, name in enumerate(MAIN_TOWNS)}
    return [main.get(str(n), len(MAIN_TOWNS) + i) for i, n in enumerate(names)]
