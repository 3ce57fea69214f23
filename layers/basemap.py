"""Base folium map that works offline: Leaflet served locally, no online tiles by default."""

from __future__ import annotations

import folium
from branca.element import MacroElement, Template

from geo.escape import js_string

#: Where the app serves the vendored Leaflet (``static/vendor/leaflet`` via Streamlit static serving).
APP_VENDOR_BASE = "/app/static/vendor"
MALI_CENTRE = (16.9, -4.0)


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
        ``layers.style.HtmlPopup``, not ``folium.Popup`` (which needs jQuery).
    """
    m = folium.Map(
        location=location,
        zoom_start=zoom_start,
        tiles=None,
        control_scale=True,
        height=height,
        prefer_canvas=False,
    )
    m.default_js = [("leaflet", f"{asset_base}/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", f"{asset_base}/leaflet/leaflet.css")]
    # A plain background so the map reads without tiles.
    m.get_root().header.add_child(folium.Element("<style>.leaflet-container{background:#eef1f4}</style>"))
    return m


class Legend(MacroElement):
    """A legend drawn as a Leaflet control (part of the map script, so st_folium shows it).

    Parameters
    ----------
    title
        Legend title (escaped).
    entries
        ``(kind, colour, label)``: kind is ``"line"``, ``"dashed"``, ``"fill"`` or ``"dot"``.
    position
        Leaflet control position.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: "{{ this.position }}"});
{{ this.get_name() }}.onAdd = function (map) {
    var div = L.DomUtil.create("div", "map-legend");
    div.innerHTML = {{ this.html_js }};
    div.style.background = "rgba(255,255,255,0.92)";
    div.style.padding = "6px 8px";
    div.style.font = "12px/1.35 sans-serif";
    div.style.borderRadius = "4px";
    div.style.boxShadow = "0 1px 4px rgba(0,0,0,0.3)";
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(
        self, title: str, entries: list[tuple[str, str, str]], *, position: str = "bottomright"
    ) -> None:
        super().__init__()
        from layers.style import esc

        self._name = "Legend"
        self.position = position
        swatch = {
            "line": "<span style='display:inline-block;width:22px;height:0;border-top:3px solid {c};"
            "vertical-align:middle;margin-right:5px'></span>",
            "dashed": "<span style='display:inline-block;width:22px;height:0;border-top:3px dashed {c};"
            "vertical-align:middle;margin-right:5px'></span>",
            "fill": "<span style='display:inline-block;width:14px;height:12px;background:{c};"
            "opacity:.6;border:1px solid {c};vertical-align:middle;margin-right:5px'></span>",
            "dot": "<span style='display:inline-block;width:11px;height:11px;border-radius:50%;"
            "background:{c};border:1px solid #222;vertical-align:middle;margin-right:5px'></span>",
            "ring": "<span style='display:inline-block;width:11px;height:11px;border-radius:50%;"
            "border:2px solid {c};vertical-align:middle;margin-right:5px'></span>",
        }
        rows = "".join(f"<div>{swatch[k].format(c=esc(c))}{esc(label)}</div>" for k, c, label in entries)
        self.html = f"<div style='font-weight:bold;margin-bottom:3px'>{esc(title)}</div>{rows}"

    @property
    def html_js(self) -> str:
        """The legend HTML as a JavaScript string literal (:func:`geo.escape.js_string`)."""
        return js_string(self.html)
