"""Point symbols of the interactive maps: one shape per kind of feature, drawn offline.

Every symbol is a Leaflet ``divIcon`` styled by CSS (no image, no icon font, no CDN):
hubs are squares in the hub's colour, encircled localities a no-entry sign (a disc
crossed by a white bar), towns small white dots, and river crossings a bar (bridge), a
diamond (ferry), a small diamond (pirogue) or a down triangle (ford), the shapes of the
print maps (``geo.products.printmap.CROSSING_MARKER``). Incidents stay circle markers
(:mod:`layers.incidents`), so no two kinds of point share a shape.

The same HTML draws the legend swatches (:func:`swatch_html`), so the legend shows
exactly what the map shows. The symbol HTML holds only colours chosen by the code; names
reach the map as a feature's escaped ``label`` or ``tip`` (:func:`layers.style.feature_layer`),
never through the icon.
"""

from __future__ import annotations

import re

import folium

from layers.style import esc

#: CSS of the symbols and of the permanent labels (added once per map by :func:`add_symbol_css`).
SYMBOL_CSS = """<style>
.map-sym{box-sizing:border-box;display:block}
.map-sym-hub{width:16px;height:16px;border:2px solid #111;box-shadow:0 0 0 1.5px #fff}
.map-sym-noentry{width:16px;height:16px;border-radius:50%;border:1.5px solid #5a0010;position:relative}
.map-sym-noentry:after{content:"";position:absolute;left:2px;right:2px;top:5.5px;height:2.5px;background:#fff}
.map-sym-town{width:7px;height:7px;border-radius:50%;background:#fff;border:1.5px solid #222}
.map-sym-bridge{width:14px;height:6px;border:1.5px solid #111}
.map-sym-ferry{width:10px;height:10px;border:1.5px solid #0b3d66;transform:rotate(45deg)}
.map-sym-pirogue{width:7px;height:7px;border:1.5px solid #0b3d66;transform:rotate(45deg)}
.map-sym-ford{width:0;height:0;border-left:6px solid transparent;border-right:6px solid transparent;
  border-top:10px solid var(--c)}
.map-swatch{display:inline-flex;align-items:center;justify-content:center;width:18px;height:13px;
  vertical-align:middle;margin-right:4px}
.map-swatch .map-sym{transform:scale(.8)}
.leaflet-tooltip.hub-label{background:rgba(255,255,255,.9);border:1px solid #333;border-radius:3px;
  padding:1px 5px;font:bold 12px/1.2 sans-serif;color:#111;box-shadow:none}
.leaflet-tooltip.town-label{background:transparent;border:none;box-shadow:none;padding:0 2px;
  font:11px/1.1 sans-serif;color:#222;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff}
.leaflet-tooltip.hub-label:before,.leaflet-tooltip.town-label:before{display:none}
</style>"""

#: Symbol kind -> (width, height) of the icon box in px (the anchor is its centre).
SIZES = {
    "hub": (16, 16),
    "noentry": (16, 16),
    "town": (7, 7),
    "bridge": (14, 6),
    "ferry": (10, 10),
    "pirogue": (7, 7),
    "ford": (12, 10),
}
#: Crossing kinds (``data/curated/crossings.csv``) that have a symbol.
CROSSING_KINDS = ("bridge", "ferry", "pirogue", "ford")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")


def _colour(value: str) -> str:
    """``value`` if it is a ``#rgb``/``#rrggbb`` colour (symbols are built by code, never from data)."""
    if not _COLOUR.match(str(value)):
        msg = f"not a hex colour: {value!r}"
        raise ValueError(msg)
    return str(value)


def symbol_html(kind: str, colour: str = "#ffffff") -> str:
    """Return the HTML of one symbol.

    Parameters
    ----------
    kind
        A key of :data:`SIZES`.
    colour
        Fill colour ``#rrggbb`` (hub colour, status colour...); the town dot ignores it.

    Returns
    -------
    str
        A ``<span>`` styled by :data:`SYMBOL_CSS`.

    Raises
    ------
    KeyError
        Unknown kind.
    ValueError
        ``colour`` is not a hex colour.
    """
    SIZES[kind]  # noqa: B018  (KeyError on an unknown kind)
    c = _colour(colour)
    if kind == "ford":
        style = f"--c:{c}"
    elif kind == "town":
        style = ""
    else:
        style = f"background:{c}"
    return f'<span class="map-sym map-sym-{kind}" style="{style}"></span>'


def swatch_html(kind: str, colour: str = "#ffffff") -> str:
    """Return the symbol of ``kind`` sized for a legend row (see :class:`layers.basemap.Legend`)."""
    return f'<span class="map-swatch">{symbol_html(kind, colour)}</span>'


def add_symbol_css(m: folium.Map) -> None:
    """Add :data:`SYMBOL_CSS` to the page of ``m`` (once)."""
    header = m.get_root().header
    if "map_symbol_css" not in header._children:
        header.add_child(folium.Element(SYMBOL_CSS), name="map_symbol_css")


def symbol_icon(kind: str, colour: str = "#ffffff") -> dict:
    """Return the ``L.divIcon`` options that draw the symbol of ``kind`` (a point's ``icon`` property).

    Parameters
    ----------
    kind, colour
        See :func:`symbol_html`.

    Returns
    -------
    dict
        ``html`` (:func:`symbol_html`), ``iconSize`` and ``iconAnchor`` (its centre), px, and
        ``className``: a feature's ``icon`` of :func:`layers.style.feature_layer`.
    """
    w, h = SIZES[kind]
    return {
        "html": symbol_html(kind, colour),
        "iconSize": [w, h],
        "iconAnchor": [w // 2, h // 2],
        "className": "map-sym-box",
    }


def label_dx(kind: str) -> int:
    """Offset (px) of a permanent label right of the symbol of ``kind`` (half its width, plus 2)."""
    return SIZES[kind][0] // 2 + 2


__all__ = [
    "CROSSING_KINDS",
    "SIZES",
    "SYMBOL_CSS",
    "add_symbol_css",
    "esc",
    "swatch_html",
    "label_dx",
    "symbol_html",
    "symbol_icon",
]
