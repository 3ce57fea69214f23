"""Point symbols of the interactive maps: one shape per kind of feature, drawn offline.

Every symbol is a Leaflet ``divIcon`` styled by CSS (no image, no icon font, no CDN):
hubs are squares in the hub's colour, encircled localities a no-entry sign (a disc
crossed by a white bar; ringed by a dashed grey circle, kind ``noentry_unconfirmed``, when
the encirclement in force is not confirmed for ``Settings.stale_days``, the print map's
mark: ``geo.products.printmap``), towns small white dots, and river crossings a bar (bridge), a
diamond (ferry), a boat hull (pirogue: the outline of the print maps' marker) or a down
triangle (ford), the shapes of the print maps (``geo.products.printmap.CROSSING_MARKER``),
so that no two kinds share a shape. Incidents stay circle markers
(:mod:`layers.incidents`), so no two kinds of point share a shape.

The same HTML draws the legend swatches (:func:`swatch_html`), so the legend shows
exactly what the map shows. The symbol HTML holds only colours chosen by the code; names
reach the map as a feature's escaped ``label`` or ``tip`` (:func:`layers.style.feature_layer`),
never through the icon.

Permanent labels never overlap: :class:`LabelDeclutter` (added with the CSS by
:func:`add_symbol_css`) hides, at each zoom, the labels that would cover a label or a
symbol of more importance, and shows them again when zooming in gives them room.
"""

from __future__ import annotations

import re

import folium
from branca.element import MacroElement, Template

from geo.products.cartography import STALE_RING_COLOUR
from geo.products.printmap import CROSSING_MARKER
from layers.style import esc


def _clip_polygon(vertices: list[tuple[float, float]]) -> str:
    """CSS ``clip-path`` polygon of a marker outline: (x, y) vertices, y up, the closing one dropped."""
    xs, ys = [x for x, _ in vertices], [y for _, y in vertices]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    points = ",".join(f"{(x - min(xs)) / w * 100:g}% {(max(ys) - y) / h * 100:g}%" for x, y in vertices[:-1])
    return f"polygon({points})"


#: The pirogue's hull, as on the print maps.
_HULL = _clip_polygon(CROSSING_MARKER["pirogue"][0])

#: CSS of the symbols and of the permanent labels (added once per map by :func:`add_symbol_css`).
SYMBOL_CSS = """<style>
.map-sym{box-sizing:border-box;display:block}
.map-sym-hub{width:16px;height:16px;border:2px solid #111;box-shadow:0 0 0 1.5px #fff}
.map-sym-noentry{width:16px;height:16px;border-radius:50%;border:1.5px solid #5a0010;position:relative}
.map-sym-noentry:after{content:"";position:absolute;left:2px;right:2px;top:5.5px;height:2.5px;background:#fff}
.map-sym-unconfirmed{box-shadow:0 0 0 4.5px rgba(255,255,255,.85)}
.map-sym-unconfirmed:before{content:"";position:absolute;left:-6px;right:-6px;top:-6px;bottom:-6px;
  border:2px dashed STALE;border-radius:50%}
.map-sym-town{width:7px;height:7px;border-radius:50%;background:#fff;border:1.5px solid #222}
.map-sym-bridge{width:14px;height:6px;border:1.5px solid #111}
.map-sym-ferry{width:10px;height:10px;border:1.5px solid #0b3d66;transform:rotate(45deg)}
.map-sym-pirogue{width:13px;height:6px;background:#0b3d66;clip-path:HULL;position:relative}
.map-sym-pirogue:after{content:"";position:absolute;left:2.4px;right:2.4px;top:1.5px;bottom:1.5px;
  background:var(--c);clip-path:HULL}
.map-sym-ford{width:0;height:0;border-left:6px solid transparent;border-right:6px solid transparent;
  border-top:10px solid var(--c)}
.map-swatch{display:inline-flex;align-items:center;justify-content:center;width:18px;height:13px;
  vertical-align:middle;margin-right:4px}
.map-swatch .map-sym{transform:scale(.8)}
.map-swatch .map-sym-ferry{transform:scale(.8) rotate(45deg)}
.map-swatch .map-sym-unconfirmed{transform:scale(.65)}
.map-swatch:has(.map-sym-unconfirmed){height:20px}
.leaflet-tooltip.hub-label{background:rgba(255,255,255,.9);border:1px solid #333;border-radius:3px;
  padding:1px 5px;font:bold 12px/1.2 sans-serif;color:#111;box-shadow:none}
.leaflet-tooltip.town-label{background:transparent;border:none;box-shadow:none;padding:0 2px;
  font:11px/1.1 sans-serif;color:#222;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff}
.leaflet-tooltip.hub-label:before,.leaflet-tooltip.town-label:before{display:none}
.leaflet-tooltip.hub-label,.leaflet-tooltip.town-label{margin-left:0}
.leaflet-tooltip.map-label-hidden{visibility:hidden}
</style>""".replace("HULL", _HULL).replace("STALE", STALE_RING_COLOUR)

#: Symbol kind -> (width, height) of the icon box in px (the anchor is its centre).
SIZES = {
    "hub": (16, 16),
    "noentry": (16, 16),
    "noentry_unconfirmed": (16, 16),
    "town": (7, 7),
    "bridge": (14, 6),
    "ferry": (10, 10),
    "pirogue": (13, 6),
    "ford": (12, 10),
}
#: Symbol kind -> its CSS classes, when not ``map-sym-<kind>`` alone (the ring of an
#: unconfirmed sign lies outside its box: the anchor stays the sign's centre).
CLASSES = {"noentry_unconfirmed": "map-sym-noentry map-sym-unconfirmed"}
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
    if kind in ("ford", "pirogue"):  # drawn by a border or a clip-path: the fill is a variable
        style = f"--c:{c}"
    elif kind == "town":
        style = ""
    else:
        style = f"background:{c}"
    classes = CLASSES.get(kind, f"map-sym-{kind}")
    return f'<span class="map-sym {classes}" style="{style}"></span>'


def swatch_html(kind: str, colour: str = "#ffffff") -> str:
    """Return the symbol of ``kind`` sized for a legend row (see :class:`layers.basemap.Legend`)."""
    return f'<span class="map-swatch">{symbol_html(kind, colour)}</span>'


def add_symbol_css(m: folium.Map) -> None:
    """Add :data:`SYMBOL_CSS` to the page of ``m`` and :class:`LabelDeclutter` to the map (once each)."""
    header = m.get_root().header
    if "map_symbol_css" not in header._children:
        header.add_child(folium.Element(SYMBOL_CSS), name="map_symbol_css")
    if "label_declutter" not in m._children:
        m.add_child(LabelDeclutter(), name="label_declutter")


#: Room kept free around a placed label, px.
LABEL_GAP_PX = 2
#: A symbol whose centre is this close (px) to a label's point is that place's own (an
#: encircled town's no-entry sign): it never hides the label.
OWN_SYMBOL_PX = 10


class LabelDeclutter(MacroElement):
    """Hide the permanent labels that would overlap, as a cartographer does; run at each zoom.

    The map's permanent tooltips of class ``hub-label`` or ``town-label`` (a feature's
    ``label`` in :func:`layers.style.feature_layer`) are placed greedily, most important
    first: hub labels (always shown), then towns by their ``label_rank`` property (0 first;
    :func:`layers.places.label_ranks`), then in the order drawn. A label goes right of its
    point, else left of it; a town label that fits on neither side is hidden (class
    ``map-label-hidden``; its dot stays) until zooming in gives it room.

    A side fits when its box, :data:`LABEL_GAP_PX` apart, meets no label already placed,
    no hub square (or hub circle, the scenario map's), no other symbol (no-entry sign,
    crossing) and no other town's dot (a name never sits on a place it does not name).
    Hub labels and the labels whose feature has ``label_keep`` (regional capitals,
    :data:`geo.products.printmap.REGION_CAPITALS`) may, when neither side fits, cross a
    symbol or a dot (never a label or a hub square): they are hidden only by a label, hubs
    never. A place's own symbol (closer than
    :data:`OWN_SYMBOL_PX` to its point, an encircled town's sign) is no obstacle.

    It runs when the map opens, after each zoom or resize and when a layer is shown or
    hidden (the layer control). Boxes come from each label's point in Leaflet layer pixels
    and its size, read once per label: a pass reads no layout, sorts the labels only when
    the map's layers change, and tests each box against those placed (a few hundred labels
    at most). The script holds no text from data or users (class names and numbers of this
    module only), so nothing in it needs escaping.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
    var GAP = {{ this.gap_px }}, OWN = {{ this.own_px }}, DOT = {{ this.dot_px }};
    var SYM = /map-sym-(hub|noentry|bridge|ferry|pirogue|ford)\\b/;
    var labels = null, symbols = null, pending = false;
    function collect() {
        // labels sorted by importance, once per change of the map's layers
        labels = []; symbols = [];
        map.eachLayer(function (layer) {
            var tip = layer.getTooltip && layer.getTooltip(), icon = layer.options && layer.options.icon;
            if (layer instanceof L.Marker && icon && SYM.test(icon.options.html || "")) {
                var size = L.point(icon.options.iconSize || [0, 0]);
                symbols.push({layer: layer, w: size.x, h: size.y, kind: SYM.exec(icon.options.html)[1]});
            }
            if (!tip || !tip.options.permanent) { return; }
            var cls = tip.options.className || "";
            if (cls !== "hub-label" && cls !== "town-label") { return; }
            var p = (layer.feature && layer.feature.properties) || {};
            if (tip._dx === undefined) { tip._dx = Math.abs(L.point(tip.options.offset).x); }
            var hub = cls === "hub-label";
            if (hub && layer instanceof L.CircleMarker && !(layer instanceof L.Circle)) {  // hub as a circle
                var d = 2 * layer.getRadius();
                symbols.push({layer: layer, w: d, h: d, kind: "hub"});
            }
            labels.push({tip: tip, hub: hub, keep: hub || !!p.label_keep, rank: +(p.label_rank || 0),
                         i: labels.length});
        });
        labels.sort(function (a, b) { return (b.hub - a.hub) || (a.rank - b.rank) || (a.i - b.i); });
    }
    function hits(box, boxes) {
        for (var k = 0; k < boxes.length; k++) {
            var o = boxes[k];
            if (box[0] < o[2] + GAP && o[0] < box[2] + GAP && box[1] < o[3] + GAP && o[1] < box[3] + GAP) {
                return true;
            }
        }
        return false;
    }
    function place(tip, direction) {
        if (tip.options.direction === direction) { return; }
        tip.options.direction = direction;
        tip.options.offset = [direction === "left" ? -tip._dx : tip._dx, 0];
        tip.update();
    }
    function run() {
        pending = false;
        if (!labels) { collect(); }
        var taken = [], squares = [], signs = [], dots = [];
        symbols.forEach(function (s) {
            var p = map.latLngToLayerPoint(s.layer.getLatLng());
            var mark = {p: p, box: [p.x - s.w / 2, p.y - s.h / 2, p.x + s.w / 2, p.y + s.h / 2]};
            (s.kind === "hub" ? squares : signs).push(mark);
        });
        labels.forEach(function (l) {
            var p = l.p = l.tip._map ? map.latLngToLayerPoint(l.tip.getLatLng()) : null;
            if (p && !l.hub) { dots.push({p: p, box: [p.x - DOT, p.y - DOT, p.x + DOT, p.y + DOT]}); }
        });
        function near(marks, p) {
            // boxes of the symbols other than the place's own
            var far = marks.filter(function (m) { return m.p.distanceTo(p) > OWN; });
            return far.map(function (m) { return m.box; });
        }
        labels.forEach(function (l) {
            var el = l.tip.getElement(), p = l.p;
            if (!el || !p) { return; }
            if (!l.w) { l.w = el.offsetWidth; l.h = el.offsetHeight; }  // size read once
            if (!l.w) { return; }  // not laid out yet (hidden map): left as drawn
            var y0 = p.y - l.h / 2, y1 = p.y + l.h / 2;
            var sides = {right: [p.x + l.tip._dx, y0, p.x + l.tip._dx + l.w, y1],
                         left: [p.x - l.tip._dx - l.w, y0, p.x - l.tip._dx, y1]};
            var hard = taken.concat(near(squares, p)), soft = near(signs, p).concat(near(dots, p));
            var side = null;
            ["right", "left"].forEach(function (d) {
                if (!side && !hits(sides[d], hard) && !hits(sides[d], soft)) { side = d; }
            });
            if (l.keep) {  // a hub or a regional capital may cross a symbol or a town's dot
                ["right", "left"].forEach(function (d) { if (!side && !hits(sides[d], hard)) { side = d; } });
            }
            if (!side && l.hub) { side = "right"; }  // hubs always shown
            if (side) { place(l.tip, side); taken.push(sides[side]); }
            L.DomUtil[side ? "removeClass" : "addClass"](el, "map-label-hidden");
        });
    }
    function schedule() { if (!pending) { pending = true; setTimeout(run, 0); } }
    map.on("zoomend viewreset resize", schedule);
    map.on("layeradd layerremove", function () { labels = null; schedule(); });
    schedule();
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "LabelDeclutter"
        self.gap_px = int(LABEL_GAP_PX)
        self.own_px = int(OWN_SYMBOL_PX)
        self.dot_px = -(-SIZES["town"][0] // 2)  # half a town dot, rounded up


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
    """Offset (px) of a permanent label right of the symbol of ``kind`` (half its width, plus 8).

    The whole gap between point and label: the labels' CSS takes off Leaflet's 6 px margin
    of a tooltip's arrow (:data:`SYMBOL_CSS`), so :class:`LabelDeclutter` knows each box.
    """
    return SIZES[kind][0] // 2 + 8


__all__ = [
    "CLASSES",
    "CROSSING_KINDS",
    "LABEL_GAP_PX",
    "OWN_SYMBOL_PX",
    "SIZES",
    "SYMBOL_CSS",
    "add_symbol_css",
    "LabelDeclutter",
    "esc",
    "swatch_html",
    "label_dx",
    "symbol_html",
    "symbol_icon",
]
