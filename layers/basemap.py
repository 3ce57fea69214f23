"""Base folium map that works offline: Leaflet served locally, no online tiles by default."""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement, Template

from geo.escape import js_string

#: Where the app serves the vendored Leaflet (``static/vendor/leaflet`` via Streamlit static serving).
APP_VENDOR_BASE = "/app/static/vendor"
MALI_CENTRE = (16.9, -4.0)
#: CSS of every map: a plain background (the map reads without tiles) and the popup tables
#: (:func:`layers.style.popup_table`).
MAP_CSS = (
    "<style>.leaflet-container{background:#eef1f4}"
    ".map-popup{font-size:12px}.map-popup th{text-align:left;padding-right:6px}</style>"
)


def make_map(
    *,
    asset_base: str = APP_VENDOR_BASE,
    location: tuple[float, float] = MALI_CENTRE,
    zoom_start: int = 6,
    height: str | int = "100%",
) -> folium.Map:
    """Return an empty map of Mali that loads Leaflet from ``asset_base`` (no CDN, no tiles).

    Parameters
    ----------
    asset_base
        URL prefix of the vendored assets ``leaflet/leaflet.js`` and ``leaflet/leaflet.css``
        (the app's static folder, or a relative folder beside an exported HTML file).
    location
        Initial centre (lat, lon).
    zoom_start
        Initial zoom.
    height
        Map height.

    Returns
    -------
    folium.Map
        With ``default_js``/``default_css`` pointing at the local Leaflet only (folium's
        jQuery/Bootstrap/awesome-markers CDN assets are dropped: a failing asset blanks
        the st_folium component, see ../shared/STACK.md). Popups therefore use
        ``layers.style.HtmlPopup`` or a feature's ``popup`` (``layers.style.feature_layer``),
        not ``folium.Popup`` (which needs jQuery). Its header holds :data:`MAP_CSS`. The
        mouse wheel zooms it only after a click on it (:class:`WheelAfterClick`); a popup
        opens below the controls of its top right corner (:class:`PopupsBelowControls`).
    """
    m = folium.Map(
        location=location,
        zoom_start=zoom_start,
        tiles=None,
        control_scale=False,  # Leaflet's default scale adds miles: MetricScale below
        height=height,
        prefer_canvas=False,
        zoom_snap=0.25,  # fit_country can then fill the view (whole zoom levels leave it half empty)
        scroll_wheel_zoom=False,  # until the reader clicks the map (WheelAfterClick)
    )
    m.add_child(MetricScale())
    m.add_child(WheelAfterClick())
    m.add_child(PopupsBelowControls())
    m.default_js = [("leaflet", f"{asset_base}/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", f"{asset_base}/leaflet/leaflet.css")]
    m.get_root().header.add_child(folium.Element(MAP_CSS))
    return m


class MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres and metres only (no miles), bottom left."""

    _template = Template("""
{% macro script(this, kwargs) %}
L.control.scale({metric: true, imperial: false, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class WheelAfterClick(MacroElement):
    """The mouse wheel zooms the map only once the reader has clicked it, until the pointer leaves it.

    A map in a page that scrolls (the criticality map under its table, the scenario map) would
    otherwise take the wheel that scrolls the page and zoom out to the whole world under the
    reader's pointer (found in a French trial). The zoom buttons, a double click and the
    keyboard zoom as always.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
    map.on("click focus", function () { map.scrollWheelZoom.enable(); });
    map.on("mouseout blur", function () { map.scrollWheelZoom.disable(); });
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "WheelAfterClick"


#: Room left between a popup and the controls above it (px).
CONTROL_GAP_PX = 6


class PopupsBelowControls(MacroElement):
    """A popup opens below the controls of the map's top right corner (the layer control).

    Leaflet pans a popup into the view :data:`CONTROL_GAP_PX` inside its edges only, so a
    popup opened near the top right had its close button under the layer control (found in a
    French trial). When a popup of this map pans itself into view (Leaflet's ``_adjustPan``),
    its top is kept below the lowest control of the top right corner, measured then (one
    box per control, no listener): the map pans down if needed. A popup's own
    ``autoPanPaddingTopLeft`` is kept when it asks for more room.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
    var gap = {{ this.gap_px }};
    map._popupTop = function () {
        // the bottom of the lowest control in the top right corner, px from the map's top
        var corner = map._controlCorners && map._controlCorners.topright;
        if (!corner) { return 0; }
        var top = map.getContainer().getBoundingClientRect().top, bottom = 0;
        for (var i = 0; i < corner.children.length; i++) {
            var b = corner.children[i].getBoundingClientRect();
            if (b.height) { bottom = Math.max(bottom, b.bottom - top); }
        }
        return bottom ? Math.ceil(bottom + gap) : 0;
    };
    if (!L.Popup.prototype._belowControls) {
        var adjust = L.Popup.prototype._adjustPan;
        L.Popup.include({_belowControls: true, _adjustPan: function () {
            var top = this._map && this._map._popupTop ? this._map._popupTop() : 0;
            if (this._ownPaddingTopLeft === undefined) {
                this._ownPaddingTopLeft = this.options.autoPanPaddingTopLeft || null;
            }
            if (top) {
                var own = L.point(this._ownPaddingTopLeft || this.options.autoPanPadding);
                this.options.autoPanPaddingTopLeft = L.point(own.x, Math.max(own.y, top));
            }
            return adjust.apply(this, arguments);
        }});
    }
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "PopupsBelowControls"
        self.gap_px = CONTROL_GAP_PX


#: Mali's extent with a margin, ``[[south, west], [north, east]]`` (degrees): the whole country,
#: Kidal and Taoudénit included, when no admin layer gives it.
MALI_BOUNDS = [[10.0, -12.4], [25.1, 4.4]]


#: Widest a legend gets (px); its rows wrap beyond.
LEGEND_MAX_WIDTH_PX = 215
#: Room kept free for the legend on the left of the view when the map opens (px): its width
#: and the margin Leaflet puts around a control.
LEGEND_ROOM_PX = LEGEND_MAX_WIDTH_PX + 25
#: Largest share of the map's width kept free for the legend when the country is fitted.
LEGEND_ROOM_SHARE = 0.25
#: Highest an unfolded legend gets, as a share of the map's height; it scrolls within beyond.
LEGEND_MAX_HEIGHT_SHARE = 0.55
#: A map at least this wide (px) sets the legend's groups in two columns: wider and half as
#: high, it stays in the empty north-west of the view (Mauritania) above Kayes.
LEGEND_TWO_COLUMNS_PX = 950
#: A map narrower (px) or lower (px) than these opens with its legend folded (the legend
#: would cover too much of it, or the country would be squeezed right of it).
SMALL_MAP_PX, SMALL_MAP_HEIGHT_PX = 900, 600
#: Largest share of the map's area an unfolded legend may cover when the map opens (else folded).
LEGEND_MAX_SHARE = 0.2
#: Room left between the legend and a popup moved clear of it (px).
POPUP_GAP_PX = 8
#: Wait after a popup opens before moving it clear of the legend (ms): Leaflet's auto-pan
#: (0.25 s) has ended, so both boxes are where the reader sees them.
POPUP_WAIT_MS = 300


def fit_country(
    m: folium.Map,
    admin: object | None = None,
    *,
    margin_deg: float = 0.3,
    legend_room_px: int = LEGEND_ROOM_PX,
    clear_legend: bool = False,
) -> None:
    """Open ``m`` on the whole of Mali (north included), from ``admin``'s extent or :data:`MALI_BOUNDS`.

    The fit runs in the browser, on the map's real size (:class:`FitCountry`): the country
    is fitted right of ``legend_room_px`` (at most :data:`LEGEND_ROOM_SHARE` of the map's
    width), so the legend (top left, unfolded) covers none of it when the map opens; a
    small map (:data:`SMALL_MAP_PX`, :data:`SMALL_MAP_HEIGHT_PX`), whose legend opens folded,
    keeps no room. Until the reader moves the map, it is fitted again when its size changes
    (an iframe or a page laid out after the map was drawn), so it never opens off-centre.

    With ``clear_legend`` the room is measured instead: the country's outline (``admin``'s
    union) is placed at the largest zoom where the legend, as it is drawn, covers no part of
    it (see :class:`FitCountry`).

    Parameters
    ----------
    m
        The map.
    admin
        Admin units (any CRS) whose extent is the country, or None.
    margin_deg
        Margin added on each side, degrees.
    legend_room_px
        Width kept free on the left for the legend, px (0: none); unused with ``clear_legend``.
    clear_legend
        Keep the legend off the country's outline (needs ``admin``).
    """
    bounds = MALI_BOUNDS
    rings = None
    if admin is not None and len(admin):
        w, s, e, n = admin.to_crs(4326).total_bounds
        bounds = [[s - margin_deg, w - margin_deg], [n + margin_deg, e + margin_deg]]
        if clear_legend:
            rings = outline_rings(admin)
    m.add_child(FitCountry(bounds, legend_room_px=int(legend_room_px), rings=rings))


#: Simplification of the country outline the view is fitted around (m, in geo.config.WORK_CRS):
#: a legend kept this far off it covers no land a reader could miss.
OUTLINE_TOLERANCE_M = 3000.0
#: Room kept between the legend and the country's outline (px).
LEGEND_GAP_PX = 6
#: Most zoom given up to keep an unfolded legend off the country (0.5: 71 % of the scale); beyond,
#: the legend opens folded (a click unfolds it, and the view makes room for it again).
LEGEND_MAX_ZOOM_LOSS = 0.5


def outline_rings(admin: object) -> list[list[list[float]]]:
    """Return the outer rings of the union of ``admin`` as ``[[lat, lon], ...]`` lists (degrees).

    Simplified by :data:`OUTLINE_TOLERANCE_M` in ``geo.config.WORK_CRS``, rounded to 0.01
    degree: the country's outline, for :class:`FitCountry` to keep a legend off it.
    """
    import geopandas as gpd
    import shapely

    from geo.config import WORK_CRS

    union = shapely.union_all(admin.to_crs(WORK_CRS).geometry.make_valid().to_numpy())
    simple = shapely.simplify(union, OUTLINE_TOLERANCE_M)
    geom = gpd.GeoSeries([simple], crs=WORK_CRS).to_crs(4326).iloc[0]
    polys = getattr(geom, "geoms", [geom])
    return [
        [[round(y, 2), round(x, 2)] for x, y in poly.exterior.coords]
        for poly in polys
        if poly.geom_type == "Polygon"
    ]


def fit_features(
    m: folium.Map,
    features: object | None,
    admin: object | None = None,
    *,
    margin_deg: float = 0.3,
    min_span_deg: float = 1.0,
    legend_room_px: int = LEGEND_ROOM_PX,
) -> None:
    """Open ``m`` on ``features`` (the records a page lists), or on Mali when there are none.

    The fit runs in the browser as :func:`fit_country`'s does (:class:`FitCountry`).

    Parameters
    ----------
    m
        The map.
    features
        A GeoDataFrame or GeoSeries (any CRS); None, empty or only empty geometries: the
        whole country (:func:`fit_country` with ``admin``).
    admin
        Admin units (any CRS) whose extent is the country, or None (:data:`MALI_BOUNDS`).
    margin_deg
        Margin added on each side of the features' extent, degrees.
    min_span_deg
        Least width and height of the view, degrees (one locality, or a short axis, is
        shown with its surroundings, not at the highest zoom).
    legend_room_px
        Width kept free on the left for the legend, px (0: none).
    """
    geoms = None if features is None else getattr(features, "geometry", features)
    if geoms is None or not len(geoms) or geoms.is_empty.all():
        fit_country(m, admin, legend_room_px=legend_room_px)
        return
    w, s, e, n = geoms[~geoms.is_empty].to_crs(4326).total_bounds
    half_w = max((e - w) / 2 + margin_deg, min_span_deg / 2)
    half_h = max((n - s) / 2 + margin_deg, min_span_deg / 2)
    x, y = (w + e) / 2, (s + n) / 2
    m.add_child(
        FitCountry([[y - half_h, x - half_w], [y + half_h, x + half_w]], legend_room_px=int(legend_room_px))
    )


class FitCountry(MacroElement):
    """Fit the map on ``bounds`` in the browser, on its real size, and again on resize until touched.

    Parameters
    ----------
    bounds
        ``[[south, west], [north, east]]``, degrees.
    legend_room_px
        Width kept free on the left for an unfolded legend, px; capped at
        :data:`LEGEND_ROOM_SHARE` of the map's width, and 0 on a small map (legend folded).
    rings
        The country's outline (:func:`outline_rings`), or None. Given, the legend's room is
        measured, not fixed: the country is placed at the largest zoom (from the one that fits
        ``bounds`` down by :data:`LEGEND_MAX_ZOOM_LOSS`) and, at that zoom, centred or moved
        right or down within the map, where no edge of the outline crosses the legend's box
        (:data:`LEGEND_GAP_PX` around it). An unfolded legend that no such view clears, or that
        would scroll, folds (unless the reader unfolded it) and is tried again when the map's
        size changes. The view is fitted again each time the legend folds, unfolds or is laid
        out anew (the ``legendchange`` event of :class:`Legend`), until the reader moves the map.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
    var touched = false, bounds = L.latLngBounds({{ this.bounds_js }});
{% if this.rings_js %}
    var rings = {{ this.rings_js }}, gap = {{ this.gap_px }}, foldedByFit = false;
    // where the country may sit in the room the view leaves (share of it left and above),
    // the centre first, then nearer the right and the bottom, away from the legend
    var offsets = [];
    [0.5, 0.625, 0.75, 0.875, 1].forEach(function (fx) {
        [0.5, 0.625, 0.75, 0.875, 1].forEach(function (fy) { offsets.push([fx, fy]); });
    });
    offsets.sort(function (a, b) {
        return (a[0] - 0.5) ** 2 + (a[1] - 0.5) ** 2 - (b[0] - 0.5) ** 2 - (b[1] - 0.5) ** 2;
    });
    function legendBox() {
        var box = map.getContainer().querySelector(".map-legend");
        if (!box) { return null; }
        var m = map.getContainer().getBoundingClientRect(), b = box.getBoundingClientRect();
        var x = b.left - m.left, y = b.top - m.top;
        return {details: box.querySelector("details"), scrolls: box.scrollHeight > box.clientHeight + 1,
                r: [x - gap, y - gap, x + b.width + gap, y + b.height + gap]};
    }
    function crosses(r, a, b) {
        // does segment ab meet rectangle r = [x0, y0, x1, y1]? (Liang-Barsky clipping)
        var t0 = 0, t1 = 1, dx = b.x - a.x, dy = b.y - a.y;
        var p = [-dx, dx, -dy, dy], q = [a.x - r[0], r[2] - a.x, a.y - r[1], r[3] - a.y];
        for (var i = 0; i < 4; i++) {
            if (p[i] === 0) { if (q[i] < 0) { return false; } continue; }
            var t = q[i] / p[i];
            if (p[i] < 0) { if (t > t1) { return false; } if (t > t0) { t0 = t; } }
            else { if (t < t0) { return false; } if (t < t1) { t1 = t; } }
        }
        return true;
    }
    function inside(x, y, pts) {
        var hit = false;
        for (var i = 0, j = pts.length - 1; i < pts.length; j = i++) {
            var a = pts[i], b = pts[j];
            if ((a.y > y) !== (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) { hit = !hit; }
        }
        return hit;
    }
    function clear(r, z, shift) {
        for (var k = 0; k < rings.length; k++) {
            var pts = rings[k].map(function (ll) { return map.project(ll, z).add(shift); });
            for (var i = 1; i < pts.length; i++) { if (crosses(r, pts[i - 1], pts[i])) { return false; } }
            if (inside((r[0] + r[2]) / 2, (r[1] + r[3]) / 2, pts)) { return false; }
        }
        return true;
    }
    function place(z, r, size) {
        // the centre of a view at zoom z where bounds fit and the legend clears the outline, or null
        var nw = map.project(bounds.getNorthWest(), z), se = map.project(bounds.getSouthEast(), z);
        var sx = size.x - (se.x - nw.x), sy = size.y - (se.y - nw.y);
        if (sx < -0.5 || sy < -0.5) { return null; }
        sx = Math.max(0, sx); sy = Math.max(0, sy);
        for (var i = 0; i < offsets.length; i++) {
            var shift = L.point(sx * offsets[i][0], sy * offsets[i][1]).subtract(nw);
            if (!r || clear(r, z, shift)) { return map.unproject(size.divideBy(2).subtract(shift), z); }
        }
        return null;
    }
    function fit(reopen) {
        var size = map.getSize();
        if (touched || !size.x || !size.y) { return; }
        var legend = legendBox(), details = legend && legend.details;
        if (reopen && foldedByFit && details && !details.dataset.held) {
            details.open = true;  // folded for a smaller map: tried again
            foldedByFit = false;
        }
        var snap = map.options.zoomSnap || 0.25, base = map.getBoundsZoom(bounds, false);
        for (var pass = 0; pass < 2; pass++) {
            var now = legend ? legendBox() : null, r = now ? now.r : null;
            // a legend that would scroll is too big for this map as well
            var lowest = now && now.scrolls && pass === 0 ? Infinity : base - {{ this.max_loss }} - 1e-9;
            for (var z = base; z >= lowest; z -= snap) {
                var centre = place(z, r, size);
                if (centre) { map.setView(centre, z, {animate: false}); return; }
            }
            if (!details || !details.open || details.dataset.held) { break; }
            details.open = false; foldedByFit = true;  // too big for this map: folded, tried again
        }
        map.fitBounds(bounds, {paddingTopLeft: [r ? Math.max(0, r[2]) : 0, 0], animate: false});
    }
    map.on("legendchange", function () { fit(false); });
    map.on("resize", function () { fit(true); });
{% else %}
    function fit() {
        var size = map.getSize();
        if (touched || !size.x || !size.y) { return; }
        var small = size.x < {{ this.small_px }} || size.y < {{ this.small_height_px }};
        var room = small ? 0 : Math.min({{ this.room_px }}, Math.round(size.x * {{ this.room_share }}));
        map.fitBounds({{ this.bounds_js }}, {paddingTopLeft: [room, 0], animate: false});
    }
    map.on("resize", function () { fit(); });
{% endif %}
    fit(false);
    // a wheel turn over the map scrolls the page until the map is clicked (WheelAfterClick)
    L.DomEvent.on(map.getContainer(), "mousedown touchstart keydown", function () { touched = true; });
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(
        self,
        bounds: list[list[float]],
        *,
        legend_room_px: int = LEGEND_ROOM_PX,
        rings: list[list[list[float]]] | None = None,
    ) -> None:
        super().__init__()
        self._name = "FitCountry"
        (s, w), (n, e) = bounds
        self.bounds_js = json.dumps([[float(s), float(w)], [float(n), float(e)]])
        self.room_px = max(0, int(legend_room_px))
        self.room_share = LEGEND_ROOM_SHARE
        self.small_px, self.small_height_px = SMALL_MAP_PX, SMALL_MAP_HEIGHT_PX
        self.rings_js = json.dumps(rings) if rings else ""
        self.gap_px = LEGEND_GAP_PX
        self.max_loss = LEGEND_MAX_ZOOM_LOSS


class Legend(MacroElement):
    """A legend drawn as a Leaflet control that folds (part of the map script, so st_folium shows it).

    The legend is an HTML ``<details>`` element: its title folds and unfolds it, so it never
    has to hide data; each group of rows under a sub-heading (points, roads, water, reach)
    folds the same way by its own heading. It is compact (10 px text, groups in two columns
    on a map at least :data:`LEGEND_TWO_COLUMNS_PX` wide, each column at most
    :data:`LEGEND_MAX_WIDTH_PX` wide, at most :data:`LEGEND_MAX_HEIGHT_SHARE` of the map's
    height, scrolling within), and clicks and wheel turns on it do not reach the map. By default it
    opens unfolded only on a map large enough for it: folded on a map narrower than
    :data:`SMALL_MAP_PX` or lower than :data:`SMALL_MAP_HEIGHT_PX`, and whenever unfolded it
    would cover more than :data:`LEGEND_MAX_SHARE` of the map (the title alone shows, a
    click unfolds it). It never hides a popup: one that opens under it (a feature near the
    map's left edge) is panned clear of it (right or down, :data:`POPUP_GAP_PX` apart), or,
    when neither fits, the legend folds; unfolding the legend over an open popup does the same.
    A click on its title holds the reader's choice (no size change folds or unfolds it again).
    It fires ``legendchange`` on its map once added, on each fold or unfold and after each
    new layout, so the view can keep room for it (:class:`FitCountry` with ``rings``).

    Parameters
    ----------
    title
        Legend title (escaped).
    entries
        ``(kind, colour, label)``: kind is ``"line"``, ``"dashed"``, ``"dotted"``, ``"fill"``,
        ``"hatch"`` (hatched in ``colour`` with a dashed outline), ``"dot"``, ``"ring"``,
        ``"symbol:<kind>"`` (a :mod:`layers.symbols` symbol), ``"head"`` (a sub-heading that
        folds the rows after it; colour ignored) or ``"note"`` (a line of text; colour
        ignored). A symbol kind prefixed ``"inline:"`` (``"inline:fill"``) is set beside the
        entries before and after it of that form, in a row that wraps, not on a line of its own.
    position
        Leaflet control position (default ``"topleft"``: with Mali fitted in the view, the
        north-west is Mauritania and the empty Taoudénit desert, where a legend hides the
        least of the map's data; ``tests/app/test_browser_live_map.py`` measures it).
    folded
        True: start folded (only the title shows); False: start unfolded whatever the map's
        size; None (default): folded on a small map or when it would cover too much of it.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: "{{ this.position }}"});
{{ this.get_name() }}.onAdd = function (map) {
    var div = L.DomUtil.create("div", "map-legend");
    div.innerHTML = {{ this.html_js }};
    div.style.background = "rgba(255,255,255,0.93)";
    div.style.padding = "3px 6px";
    div.style.font = "10px/1.25 sans-serif";
    div.style.borderRadius = "4px";
    div.style.boxShadow = "0 1px 4px rgba(0,0,0,0.3)";
    function layout() {
        // two columns of groups on a wide map, one on a narrow one; never higher than its share
        var size = map.getSize(), body = div.querySelector(".map-legend-body");
        var two = size.x >= {{ this.two_columns_px }};
        if (body) { body.style.columns = two ? "2" : ""; body.style.columnGap = "10px"; }
        div.style.maxWidth = (two ? 2 * {{ this.max_width_px }} + 10 : {{ this.max_width_px }}) + "px";
        div.style.maxHeight = Math.max(
            110, Math.min(size.y - 110, Math.round(size.y * {{ this.max_height_share }}))) + "px";
    }
    layout();
    map.on("resize", function () { layout(); map.fire("legendchange"); });
    div.style.overflowY = "auto";
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    var details = div.querySelector("details");
    if (details) {
        // the reader's choice holds: no size change folds or unfolds it again
        details.querySelector("summary").addEventListener("click", function () {
            details.dataset.held = "1";
        });
    }
    div.querySelectorAll("details").forEach(function (d) {
        d.addEventListener("toggle", function () { map.fire("legendchange"); });
    });
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{{ this._parent.get_name() }}.fire("legendchange");
{% if this.auto_fold %}
(function (map, control) {
    // Unfolded only on a map large enough for it; decided again when the map's size changes
    // (an iframe laid out after the map was drawn) until the reader folds or unfolds it.
    var box = control.getContainer(), details = box.querySelector("details");
    if (!details) { return; }
    function decide() {
        var size = map.getSize();
        if (details.dataset.held || !size.x || !size.y) { return; }
        details.open = true;
        var small = size.x < {{ this.small_px }} || size.y < {{ this.small_height_px }};
        var share = (box.offsetWidth * box.offsetHeight) / Math.max(1, size.x * size.y);
        details.open = !(small || share > {{ this.max_share }});
    }
    decide();
    map.on("resize", decide);
})({{ this._parent.get_name() }}, {{ this.get_name() }});
{% endif %}
(function (map, control) {
    // A popup opened under the legend (top left) is moved clear of it: once Leaflet's own
    // auto-pan has ended, the map pans right or down by the overlap (whichever is smaller and
    // keeps the popup in view), else the legend folds. Unfolding the legend does the same.
    var gap = {{ this.popup_gap_px }};
    function clear(popup) {
        var box = control.getContainer(), el = popup && popup.getElement && popup.getElement();
        if (!box || !el || !map.hasLayer(popup)) { return; }
        var b = box.getBoundingClientRect(), p = el.getBoundingClientRect();
        var m = map.getContainer().getBoundingClientRect();
        if (p.left >= b.right + gap || p.top >= b.bottom + gap || p.right <= b.left || p.bottom <= b.top) {
            return;
        }
        var dx = b.right + gap - p.left, dy = b.bottom + gap - p.top;
        var fitsRight = p.right + dx <= m.right - gap, fitsDown = p.bottom + dy <= m.bottom - gap;
        if (fitsRight && (dx <= dy || !fitsDown)) { map.panBy([-dx, 0]); }
        else if (fitsDown) { map.panBy([0, -dy]); }
        else {
            var details = box.querySelector("details");
            if (details) { details.open = false; details.dataset.held = "1"; }
        }
    }
    map.on("popupopen", function (e) {
        setTimeout(function () { clear(e.popup); }, {{ this.popup_wait_ms }});
    });
    control.getContainer().querySelectorAll("details").forEach(function (details) {
        details.addEventListener("toggle", function () {
            if (details.open && map._popup) { clear(map._popup); }
        });
    });
})({{ this._parent.get_name() }}, {{ this.get_name() }});
{% endmacro %}
""")

    def __init__(
        self,
        title: str,
        entries: list[tuple[str, str, str]],
        *,
        position: str = "topleft",
        folded: bool | None = None,
    ) -> None:
        super().__init__()
        from layers.style import esc
        from layers.symbols import swatch_html

        self._name = "Legend"
        self.position = position
        self.title = title
        self.folded = bool(folded)  # the HTML's own state; None opens it and the script decides
        self.auto_fold = folded is None
        self.max_width_px = LEGEND_MAX_WIDTH_PX
        self.max_height_share = LEGEND_MAX_HEIGHT_SHARE
        self.two_columns_px = LEGEND_TWO_COLUMNS_PX
        self.small_px, self.small_height_px = SMALL_MAP_PX, SMALL_MAP_HEIGHT_PX
        self.max_share = LEGEND_MAX_SHARE
        self.popup_gap_px = POPUP_GAP_PX
        self.popup_wait_ms = POPUP_WAIT_MS
        swatch = {
            "line": "<span style='display:inline-block;width:18px;height:0;border-top:3px solid {c};"
            "vertical-align:middle;margin-right:4px'></span>",
            "dashed": "<span style='display:inline-block;width:18px;height:0;border-top:3px dashed {c};"
            "vertical-align:middle;margin-right:4px'></span>",
            "dotted": "<span style='display:inline-block;width:18px;height:0;border-top:3px dotted {c};"
            "vertical-align:middle;margin-right:4px'></span>",
            "hatch": "<span style='display:inline-block;width:12px;height:10px;border:1.5px dashed {c};"
            "background:repeating-linear-gradient(135deg,{c} 0 2px,transparent 2px 5px);"
            "vertical-align:middle;margin-right:4px'></span>",
            "fill": "<span style='display:inline-block;width:12px;height:10px;background:{c};"
            "opacity:.6;border:1px solid {c};vertical-align:middle;margin-right:4px'></span>",
            "dot": "<span style='display:inline-block;width:9px;height:9px;border-radius:50%;"
            "background:{c};border:1px solid #222;vertical-align:middle;margin-right:4px'></span>",
            "ring": "<span style='display:inline-block;width:9px;height:9px;border-radius:50%;"
            "border:2px solid {c};vertical-align:middle;margin-right:4px'></span>",
        }
        parts, in_section, in_row = [], False, False
        for kind, colour, label in entries:
            inline = kind.startswith("inline:")
            kind = kind.removeprefix("inline:")
            if in_row and not inline:  # the end of a row of inline entries
                parts.append("</div>")
                in_row = False
            if kind == "head":  # a section that folds by its heading, open with the legend
                parts.append(
                    ("</details>" if in_section else "")
                    + "<details class='map-legend-section' open style='break-inside:avoid'>"
                    f"<summary style='font-weight:bold;cursor:pointer;margin-top:3px'>{esc(label)}</summary>"
                )
                in_section = True
                continue
            if kind == "note":
                parts.append(f"<div class='map-legend-note' style='color:#7a3b00'>{esc(label)}</div>")
                continue
            if kind.startswith("symbol:"):
                row = f"{swatch_html(kind.removeprefix('symbol:'), colour)}{esc(label)}"
            else:
                row = f"{swatch[kind].format(c=esc(colour))}{esc(label)}"
            if inline:  # side by side, wrapping within the legend's width
                if not in_row:
                    parts.append("<div class='map-legend-row'>")
                    in_row = True
                parts.append(
                    f"<span style='display:inline-block;white-space:nowrap;margin-right:7px'>{row}</span>"
                )
            else:
                parts.append(f"<div>{row}</div>")
        if in_row:
            parts.append("</div>")
        if in_section:
            parts.append("</details>")
        #: The legend's rows (escaped HTML); a caller may replace them (``layers.scenario``).
        self.body = "".join(parts)

    @property
    def html(self) -> str:
        """The legend as HTML: a ``<details>`` whose summary is the title."""
        from layers.style import esc

        return (
            f"<details{'' if self.folded else ' open'}><summary style='font-weight:bold;cursor:pointer;"
            f"margin-bottom:2px'>{esc(self.title)}</summary>"
            f"<div class='map-legend-body'>{self.body}</div></details>"
        )

    @property
    def html_js(self) -> str:
        """The legend HTML as a JavaScript string literal (:func:`geo.escape.js_string`)."""
        return js_string(self.html)
