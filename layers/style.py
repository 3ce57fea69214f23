"""Shared cartography: colours, line styles, legend entries, escaping and geometry slimming."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import MacroElement, Template
from folium.template import Template as FoliumTemplate  # has the ``tojavascript`` filter

from geo.config import STORAGE_CRS, WORK_CRS
from geo.escape import html_text, js_data, js_string
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
#: Decimal degrees kept for displayed points (1e-5 deg is about 1.1 m).
POINT_PRECISION_DEG = 1e-5


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
        Douglas-Peucker tolerance in metres (topology preserved); 0 rounds only (points).
    precision_deg
        Grid the output coordinates are snapped to, in degrees.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in EPSG:4326, empty geometries dropped; attributes untouched.
    """
    if gdf.empty:
        return gdf.to_crs(STORAGE_CRS)
    if tolerance_m > 0:
        work = gdf.to_crs(WORK_CRS)
        out = work.set_geometry(work.geometry.simplify(tolerance_m, preserve_topology=True)).to_crs(
            STORAGE_CRS
        )
    else:
        out = gdf.to_crs(STORAGE_CRS)
    out = out.set_geometry(shapely.set_precision(out.geometry.values, precision_deg))
    return out[~out.geometry.is_empty]


def feature_layer(
    features: gpd.GeoDataFrame,
    *,
    style: dict | Callable[[dict], dict] | None = None,
    popup_max_width: int = 340,
    name: str | None = None,
) -> FeatureLayer:
    """One Leaflet GeoJSON layer for every row of ``features``: its look and texts come from the row.

    A map of one folium object per feature repeats the same script for each (a style
    function, a popup, a tooltip): hundreds of Leaflet layers and most of the page's bytes.
    Here each row is a GeoJSON feature and one function binds, for each, what its
    properties hold:

    ``popup``
        Popup HTML, escaped (:func:`popup_table`).
    ``tip``
        Hover text, escaped HTML.
    ``label``, ``label_class``, ``label_dx``
        A label always shown right of the feature (escaped HTML), its CSS class
        (``"town-label"``, ``"hub-label"``) and offset in px; replaces ``tip``.
    ``icon``
        A point drawn as a ``L.divIcon`` of these options (:func:`layers.symbols.symbol_icon`,
        HTML built by code, never from data), ``z`` its ``zIndexOffset``.
    ``radius_m``
        A point drawn as a circle of this radius (metres, ``L.circle``).

    Other points are circle markers. Texts reach the script as data
    (:func:`geo.escape.js_data`), never as code.

    Parameters
    ----------
    features
        EPSG:4326 (:func:`slim` first for lines and polygons); every column is a property.
    style
        Leaflet path style, or a function of a feature (``{"properties": ...}``) returning it.
    popup_max_width
        Popup width limit, px.
    name
        Layer name (escaped HTML), or None.

    Returns
    -------
    FeatureLayer
        ``.data`` holds the features, ``.styles`` their distinct styles.
    """
    gdf = features.reset_index(drop=True)
    data = json.loads(gdf.to_json(drop_id=True, na="null"))
    if style is None:
        style = {}
    styles: list[dict] = []
    keys: dict[str, int] = {}
    for feature in data["features"]:
        look = style if isinstance(style, dict) else style(feature)
        key = json.dumps(look, sort_keys=True)
        feature["properties"]["s"] = keys.setdefault(key, len(keys))
        if keys[key] == len(styles):
            styles.append(look)
    return FeatureLayer(data, styles=styles, popup_max_width=popup_max_width, name=name)


class FeatureLayer(folium.GeoJson):
    """The Leaflet GeoJSON layer of :func:`feature_layer` (build it with that function).

    Its script is one ``L.geoJson`` over the features (written by :func:`geo.escape.js_data`),
    the distinct styles once (``styles``, a feature's property ``s`` is its index) and the
    functions that draw points and bind texts (see :func:`feature_layer`).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }}_styles = {{ this.styles_js }};
var {{ this.get_name() }} = L.geoJson({{ this.data_js }}, {
    style: function (feature) { return {{ this.get_name() }}_styles[feature.properties.s]; },
    pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        if (p.icon) { return L.marker(latlng, {icon: L.divIcon(p.icon), zIndexOffset: p.z || 0}); }
        if (p.radius_m) { return L.circle(latlng, {radius: p.radius_m}); }
        return new L.CircleMarker(latlng);
    },
    onEachFeature: function (feature, layer) {
        var p = feature.properties;
        if (p.popup) { layer.bindPopup(p.popup, {maxWidth: {{ this.popup_max_width }}}); }
        if (p.label) {
            layer.bindTooltip(p.label, {permanent: true, sticky: false, direction: "right",
                                        offset: [p.label_dx || 0, 0], className: p.label_class});
        } else if (p.tip) {
            layer.bindTooltip("<div>" + p.tip + "</div>", {sticky: true});
        }
    }
});
{% endmacro %}
""")

    def __init__(
        self, data: dict, *, styles: list[dict], popup_max_width: int = 340, name: str | None = None
    ) -> None:
        super().__init__(data, name=name)
        self._name = "FeatureLayer"
        self.styles = styles
        self.popup_max_width = int(popup_max_width)

    def render(self, **kwargs: Any) -> None:
        """Write the features and styles as script data, then render (folium adds the layer to its parent)."""
        self.data_js = js_data(self.data)
        self.styles_js = js_data(self.styles)
        super().render(**kwargs)


def feature_styles(layer: Any) -> list[dict]:
    """Leaflet style of every feature of the :func:`feature_layer` layers in ``layer`` and its children."""
    out: list[dict] = []
    if isinstance(layer, FeatureLayer):
        out += [layer.styles[f["properties"]["s"]] for f in layer.data["features"]]
    for child in getattr(layer, "_children", {}).values():
        out += feature_styles(child)
    return out


def feature_popups(layer: Any) -> list[str]:
    """Popup HTML of every feature of the :func:`feature_layer` layers in ``layer`` (a group, a map...)."""
    return [p["popup"] for p in feature_properties(layer) if p.get("popup")]


def feature_properties(layer: Any) -> list[dict]:
    """Properties of every feature of the :func:`feature_layer` layers in ``layer`` and its children."""
    out: list[dict] = []
    if isinstance(layer, FeatureLayer):
        out += [f["properties"] for f in layer.data["features"]]
    for child in getattr(layer, "_children", {}).values():
        out += feature_properties(child)
    return out


def popup_day(value: Any, lang: str) -> Any:
    """Write a date of a popup for ``lang`` (``1er décembre 2026``); other values as given."""
    from geo.products.i18n import format_date, is_day

    if isinstance(value, str) and is_day(value):
        value = dt.date.fromisoformat(value.strip()[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, lang) if isinstance(value, dt.date) else value


def stale_text(stale_days: int, lang: str) -> str:
    """Popup line of a constraint not confirmed for more than ``stale_days`` days, in ``lang``.

    The rule that decides it is :mod:`geo.products.staleness` (the print map's too).
    """
    from geo.products.i18n import tr_count

    return "⚠ " + tr_count("mpop.stale", int(stale_days), lang)


def season_label(code: Any, lang: str) -> Any:
    """``dry_only``/``wet_only``/``all_year`` (curated season codes) in words; others as given."""
    from geo.products.i18n import tr

    keys = {"dry_only": "mpop.dry_only", "wet_only": "mpop.wet_only", "all_year": "mpop.all_year"}
    return tr(keys[code], lang) if code in keys else code


def _says(value: Any) -> bool:
    """Tell whether a popup value shows something (not None, NaN, NaT or blank text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays and other objects: shown
        return True


def popup_table(rows: list[tuple[str, Any]], *, title: str | None = None) -> str:
    """Return a small HTML table for a popup; every label and value is escaped.

    Rows whose value says nothing (None, NaN, blank) are left out.

    Styled by the class ``map-popup`` (:data:`layers.basemap.MAP_CSS`, on every map), not
    per row: a map holds hundreds of popups.
    """
    head = f"<b>{esc(title)}</b><br>" if title else ""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if _says(v))
    return f"{head}<table class=map-popup>{body}</table>"


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
