"""HAWG hubs as labelled squares in their own colour."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.products.cartography import hub_short_name
from geo.products.i18n import tr
from layers.style import POINT_PRECISION_DEG, esc, feature_layer, hub_colour, popup_table, slim
from layers.symbols import label_dx, symbol_icon

#: Hub levels and statuses of ``data/curated/hubs.csv`` with a label in the catalogs.
_LEVELS = ("national", "subnational")
_HUB_STATUS = ("confirmed", "inferred", "unconfirmed")


def hub_label(name: object) -> str:
    """Short name of a hub for its map label (:func:`geo.products.cartography.hub_short_name`)."""
    return hub_short_name(name)


def build_hubs_layer(
    hubs: gpd.GeoDataFrame,
    *,
    hub_ids: list[str] | None = None,
    show: bool = True,
    lang: str = "en",
    popups: bool = True,
) -> folium.FeatureGroup:
    """One square per hub in the hub's colour (:func:`geo.products.cartography.hub_colour`), named.

    Parameters
    ----------
    hubs
        Hubs (``geo.sources.curated.read_hubs().valid``), indexed by ``hub_id``; any CRS.
        Without popups only ``name`` and the geometry are read (the public ``hubs`` layer of
        a snapshot, indexed by ``hub_id``).
    hub_ids
        Hubs to draw (default: all).
    show
        Visible when the map opens.
    lang
        Language of the layer name and popups.
    popups
        A click shows the hub's status and area of responsibility.

    Returns
    -------
    folium.FeatureGroup
        One :func:`layers.style.feature_layer`: per hub a square (:func:`layers.symbols.symbol_icon`)
        with its short name always shown (:func:`hub_label`) and, with ``popups``, a popup of
        its status and area of responsibility.
    """
    group = folium.FeatureGroup(name=esc(tr("map.layer_hubs", lang)), show=show)
    drawn = hubs if hub_ids is None else hubs[hubs.index.isin(hub_ids)]
    if drawn.empty:
        return group
    rows = []
    for hub_id, row in drawn.iterrows():
        rows.append(
            {
                "label": esc(hub_label(row["name"])),
                "label_class": "hub-label",
                "label_dx": label_dx("hub"),
                "icon": symbol_icon("hub", hub_colour(str(hub_id))),
                "z": 1000,
            }
            | ({"popup": _hub_popup(str(hub_id), row, lang)} if popups else {})
        )
    points = gpd.GeoDataFrame(rows, geometry=drawn.geometry.to_numpy(), crs=drawn.crs)
    feature_layer(slim(points, tolerance_m=0.0, precision_deg=POINT_PRECISION_DEG)).add_to(group)
    return group


def _hub_popup(hub_id: str, row: object, lang: str) -> str:
    """Return the popup of one hub (``read_hubs`` row): id, level, status, area of responsibility."""
    aor = ", ".join(list(row["aor_adm1_pcodes"]) + list(row["aor_adm2_pcodes"]))
    level, status = str(row["level"]), str(row["status"])
    return popup_table(
        [
            (tr("mpop.hub_id", lang), hub_id),
            (tr("mpop.level", lang), tr(f"mpop.level_{level}", lang) if level in _LEVELS else level),
            (tr("mpop.status", lang), tr(f"mpop.hub_{status}", lang) if status in _HUB_STATUS else status),
            (tr("mpop.aor", lang), aor),
            (tr("mpop.sources", lang), row["source_refs"]),
        ],
        title=row["name"],
    )
