"""Colours and line styles shared by the interactive map and the print maps.

Used by ``layers/`` and ``geo.products.printmap``.

Pure constants only (no folium, no matplotlib), so both the engine and the map layers
can import them and a road or a hub has the same colour on screen and on paper.
"""

from __future__ import annotations

from geo.vocab import ROAD_STATUS

#: Road status (``geo.vocab.ROAD_STATUS``, in its order) -> line colour (ColorBrewer
#: RdYlGn-derived, colour-blind safe with the dash pattern). Labels: ``ROAD_STATUS.label``.
ROAD_STATUS_COLOUR = dict(zip(ROAD_STATUS, ("#1a9641", "#f28e2b", "#d7191c", "#8c8c8c"), strict=True))
BASE_ROAD_COLOUR = "#5b5b5b"
#: Hub id -> colour of its reachable areas (Tableau 10).
HUB_COLOURS = [
    "#4e79a7",
    "#59a14f",
    "#e15759",
    "#b07aa1",
    "#edc948",
    "#76b7b2",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]
#: Fill opacity of the bands, innermost first.
BAND_OPACITY = [0.45, 0.28, 0.15, 0.1, 0.07]
ENCIRCLED_ACTIVE = "#b2182b"
ENCIRCLED_INACTIVE = "#8c8c8c"
#: Access zone -> fill colour (print maps and exports), from most to least accessible.
ZONE_COLOUR = {
    "accessible": "#1a9641",
    "constrained": "#a6d96a",
    "hard_to_reach": "#fdae61",
    "inaccessible": "#d7191c",
}


def hub_colour(index: int) -> str:
    """Colour of the ``index``-th hub (cycles through :data:`HUB_COLOURS`)."""
    return HUB_COLOURS[index % len(HUB_COLOURS)]


#: Print-map background fills: Mali's land, land outside Mali (neutral, never blue) and water.
MALI_LAND = "#fbfaf6"
FOREIGN_LAND = "#e3e0d8"
WATER = "#cfe0ec"
#: Hub marker in legends and in zone maps, where a hub's own colour has no meaning.
HUB_NEUTRAL = "#ffffff"
