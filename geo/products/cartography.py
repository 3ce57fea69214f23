"""Colours and line styles shared by the interactive map and the print maps.

Used by ``layers/`` and ``geo.products.printmap``.

Pure constants only (no folium, no matplotlib), so both the engine and the map layers
can import them and a road or a hub has the same colour on screen and on paper.
"""

from __future__ import annotations

import zlib

from geo.vocab import ROAD_STATUS

#: Road status (``geo.vocab.ROAD_STATUS``, in its order) -> line colour (ColorBrewer
#: RdYlGn-derived, colour-blind safe with the dash pattern). Labels: ``ROAD_STATUS.label``.
ROAD_STATUS_COLOUR = dict(zip(ROAD_STATUS, ("#1a9641", "#f28e2b", "#d7191c", "#8c8c8c"), strict=True))
BASE_ROAD_COLOUR = "#5b5b5b"
#: Hub id -> colour of the hub and its reachable areas, on every page and product (live map,
#: reachability, the series chart, scenarios, print maps, public snapshots). Fixed per hub id,
#: never by the order in which hubs are listed or selected, so Mopti is the same green
#: everywhere. Colours of the colour-blind-safe palettes of Okabe & Ito (2008: #009e73,
#: #f0e442) and Paul Tol (2021: #332288, #88ccee, #999933) with Tableau's purple and pink;
#: no red or orange (no-entry zones and constrained or closed roads use those). Any two of them
#: differ by a CIEDE2000 of at least 13 for normal vision and under simulated protanopia,
#: deuteranopia and tritanopia (Machado et al. 2009), which ``tests/app/test_maps_glance.py``
#: checks; Bamako's indigo and Ménaka's light blue differ by more than 50.
HUB_COLOUR: dict[str, str] = {
    "BKO": "#332288",
    "MOP": "#009e73",
    "GAO": "#b07aa1",
    "TBK": "#f0e442",
    "MEN": "#88ccee",
    "SEG": "#999933",
    "KID": "#ff9da7",
}
#: Colours of hubs not in :data:`HUB_COLOUR` (a hub added to data/curated/hubs.csv later): the
#: id picks one through a checksum, so it too keeps its colour whatever the selection. Each
#: differs from every colour of :data:`HUB_COLOUR` by a CIEDE2000 of at least 9, under the same
#: four visions.
EXTRA_HUB_COLOURS = ("#aa4499", "#882255", "#0072b2", "#8c6d31")
#: Every hub colour (legends of several hubs).
HUB_COLOURS = [*HUB_COLOUR.values(), *EXTRA_HUB_COLOURS]
#: Secondary network (``data/curated/network.csv``) by surface: (colour, dashed). Tracks are dashed.
NETWORK_STYLE: dict[str, tuple[str, bool]] = {
    "paved": ("#4d4d4d", False),
    "laterite": ("#a0522d", False),
    "track": ("#a0522d", True),
}
RIVER_COLOUR = "#4a90c2"
#: Public incident classes per cercle (lower bound of the public count, fill colour), light to dark:
#: the snapshot's interactive map and its static picture share them.
INCIDENT_CLASSES = ((0, "#f7f7f7"), (1, "#fdd49e"), (5, "#fc8d59"), (20, "#d7301f"), (50, "#7f0000"))
#: Fill opacity of the bands, innermost first.
BAND_OPACITY = [0.45, 0.28, 0.15, 0.1, 0.07]
ENCIRCLED_ACTIVE = "#b2182b"
ENCIRCLED_INACTIVE = "#8c8c8c"
#: Dashed ring around an encirclement in force not confirmed for ``Settings.stale_days``
#: (print map and live map alike: ``geo.products.staleness``).
STALE_RING_COLOUR = "#555555"
#: Cercles holding public encircled localities (the snapshot's map and its static picture):
#: hatched in this dark violet with a dashed outline, over the incident classes. The no-entry
#: red above sat within a CIEDE2000 of 12 of the "20-49" and "50+" classes; this colour is at
#: least 30 from every class for normal vision and at least 25 under simulated protanopia,
#: deuteranopia and tritanopia (tests/products/test_snapshot.py).
ENCIRCLED_UNIT_COLOUR = "#2d004b"
#: Access zone -> fill colour (print maps and exports), from most to least accessible.
ZONE_COLOUR = {
    "accessible": "#1a9641",
    "constrained": "#a6d96a",
    "hard_to_reach": "#fdae61",
    "inaccessible": "#d7191c",
}

#: Access severity class 0-5 (geo.model.severity.SCALE) -> fill colour, light to dark.
SEVERITY_COLOUR = {0: "#f7f7f7", 1: "#fee8c8", 2: "#fdbb84", 3: "#fc8d59", 4: "#d7301f", 5: "#7f0000"}


def hub_short_name(name: object) -> str:
    """Return a hub's name without its parenthesis, for labels (``"Mopti (Sévaré)"`` -> ``"Mopti"``)."""
    text = str(name)
    return text.split(" (")[0].strip() or text


def hub_colour(hub_id: str) -> str:
    """Return the colour of hub ``hub_id`` (the same on every map and product).

    Parameters
    ----------
    hub_id
        A ``hub_id`` of data/curated/hubs.csv (case-insensitive).

    Returns
    -------
    str
        ``#rrggbb``: :data:`HUB_COLOUR` for the curated hubs; for another id, one of
        :data:`EXTRA_HUB_COLOURS` chosen by the id's CRC-32 (stable across runs).

    Raises
    ------
    TypeError
        ``hub_id`` is not a string (a list position would make the colour follow the
        selection order).
    """
    if not isinstance(hub_id, str):
        msg = f"hub_colour takes a hub id (str), got {type(hub_id).__name__} {hub_id!r}"
        raise TypeError(msg)
    key = hub_id.strip().upper()
    if key in HUB_COLOUR:
        return HUB_COLOUR[key]
    return EXTRA_HUB_COLOURS[zlib.crc32(key.encode("utf-8")) % len(EXTRA_HUB_COLOURS)]


#: Print-map background fills: Mali's land, land outside Mali (neutral, never blue) and water.
MALI_LAND = "#fbfaf6"
FOREIGN_LAND = "#e3e0d8"
WATER = "#cfe0ec"
#: Hub marker in legends and in zone maps, where a hub's own colour has no meaning.
HUB_NEUTRAL = "#ffffff"
