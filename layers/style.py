"""Shared cartography: colours, line styles, legend entries, escaping and geometry slimming."""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement, Template
from folium.template import Template as FoliumTemplate  # has the ``tojavascript`` filter

from geo.config import STORAGE_CRS, WORK_CRS
from geo.escape import html_text, js_string
from geo.products.cartography import (  # noqa: F401  (re-exported for the layers)
    BAND_OPACITY,
    BASE_ROAD_COLOUR,
    ENCIRCLED_ACTIVE,
    ENCIRCLED_INACTIVE,
    HUB_COLOURS,
    ROAD_STATUS_COLOUR,
    ZONE_COLOUR,
    hub_colour,
)

ADMIN_STYLE = {
    1: {"color": "#3b3b3b", "weight": 1.6, "fillOpacity": 0.0},
    2: {"color": "#6b6b6b", "weight": 0.8, "fillOpacity": 0.0, "dashArray": "4 3"},
    3: {"color": "#9b9b9b", "weight": 0.5, "fillOpacity": 0.0},
}
#: Tolerance used to simplify geometries for display (metres, WORK_CRS).
DISPLAY_TOLERANCE_M = 800.0
#: Decimal degrees kept in displayed coordinates (1e-4 deg is about 11 m).
DISPLAY_PRECISION_DEG = 1e-4


def esc(value: Any) -> str:
    """HTML-escape any value for a popup, tooltip or layer name (:func:`geo.escape.html_text`).

    None and NaN become an empty string. The result is HTML: put it into the map script
    only through :func:`geo.escape.js_string` (:class:`HtmlPopup`, :class:`HtmlTooltip`,
    ``tojson`` in a template), never into a JavaScript template literal as is.
    """
    return html_text(value)


def slim(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance_m: float = DISPLAY_TOLERANCE_M,
    precision_deg: float = DISPLAY_PRECISION_DEG,
) -> gpd.GeoDataFrame:
    """Simplify (in WORK_CRS) and round (in EPSG:4326) geometries for a light map payload.

    Parameters
    ----------
    gdf
        Any CRS.
    tolerance_m
        Douglas-Peucker tolerance in metres (topology preserved).
    precision_deg
        Grid the output coordinates are snapped to, in degrees.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in EPSG:4326, empty geometries dropped; attributes untouched.
    """
    if gdf.empty:
        return gdf.to_crs(STORAGE_CRS)
    work = gdf.to_crs(WORK_CRS)
    geom = work.geometry.simplify(tolerance_m, preserve_topology=True)
    out = work.set_geometry(geom).to_crs(STORAGE_CRS)
    out = out.set_geometry(shapely.set_precision(out.geometry.values, precision_deg))
    return out[~out.geometry.is_empty]


def popup_table(rows: list[tuple[str, Any]], *, title: str | None = None) -> str:
    """Return a small HTML table for a popup; every label and value is escaped."""
    head = f"<b>{esc(title)}</b><br>" if title else ""
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:6px'>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in rows
        if v not in (None, "")
    )
    return f"{head}<table style='font-size:12px'>{body}</table>"


class HtmlPopup(MacroElement):
    """A popup bound to its parent layer with Leaflet's own ``bindPopup``.

    folium's ``Popup`` builds its content with jQuery (``$(...)``), which is not loaded
    offline; this binds an HTML string directly. The string must already be escaped
    (build it with :func:`popup_table`).

    Parameters
    ----------
    html_text
        Popup HTML (escaped).
    max_width
        Pixels.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.bindPopup({{ this.html_js }}, {maxWidth: {{ this.max_width }}});
{% endmacro %}
""")

    def __init__(self, html_text: str, *, max_width: int = 340) -> None:
        super().__init__()
        self._name = "HtmlPopup"
        self.html_text = html_text
        self.html_js = js_string(html_text)
        self.max_width = int(max_width)


class HtmlTooltip(folium.Tooltip):
    """A tooltip whose HTML reaches the map script as a JavaScript string literal.

    folium's :class:`folium.Tooltip` writes its text inside a JavaScript template literal
    as is: an HTML-escaped name holding a backtick or ``${...}`` still ends the literal or
    runs code. This subclass writes the text with :func:`geo.escape.js_string` instead.
    Pass it as the ``tooltip=`` of any folium layer (folium adds a ``Tooltip`` instance
    as given).

    Parameters
    ----------
    html_text
        Tooltip HTML, already escaped (build it with :func:`esc`).
    sticky
        Follow the mouse.
    **kwargs
        Leaflet tooltip options (``permanent``, ``direction``, ``className``, ...).
    """

    _template = FoliumTemplate("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.bindTooltip({{ this.html_js }}, {{ this.options|tojavascript }});
{% endmacro %}
""")

    def __init__(self, html_text: str, *, sticky: bool = True, **kwargs: Any) -> None:
        super().__init__(html_text, sticky=sticky, **kwargs)
        self.html_js = js_string(f"<div>{html_text}</div>")


def tooltip(html_text: str, **kwargs: Any) -> HtmlTooltip:
    """Return an :class:`HtmlTooltip` for ``html_text`` (escaped HTML) to pass as ``tooltip=``."""
    return HtmlTooltip(html_text, **kwargs)


def with_popup(layer: Any, html_text: str, *, max_width: int = 340) -> Any:
    """Attach an :class:`HtmlPopup` to a folium layer and return the layer."""
    layer.add_child(HtmlPopup(html_text, max_width=max_width))
    return layer
