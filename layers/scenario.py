"""What-if scenario map: reach under the scenario, the band before it, and what it loses or gains.

Colours are chosen so a change cannot be mistaken for a hub: the hubs' bands are flat
fills in the hub palette (``geo.products.cartography.HUB_COLOURS``, which holds a wine, a pink
and a green), so the area **lost** is black hatching with a black outline and the area
**gained** dark-green cross-hatching with a dark-green outline; the band **before** the
scenario is a dashed outline in the hub's colour, so a reader sees where the lost area
used to be reached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement, Template

from geo.products.i18n import format_date, format_hours, format_number, tr
from geo.sources.curated import parse_waypoints
from geo.vocab import ROAD_STATUS
from layers.basemap import Legend, make_map
from layers.style import (
    ADMIN_STYLE,
    BAND_OPACITY,
    ENCIRCLED_ACTIVE,
    ENCIRCLED_INACTIVE,
    ROAD_STATUS_COLOUR,
    esc,
    hub_colour,
    popup_table,
    slim,
)
from layers.symbols import add_symbol_css

#: Outline and hatching of the area lost (never a hub colour: hubs are flat fills).
LOST_COLOUR = "#111111"
#: Outline and hatching of the area gained (darker than the hub green #009e73, CIEDE2000 over 20 apart).
GAINED_COLOUR = "#00662e"
#: SVG pattern ids the diff polygons are filled with (see :class:`HatchPatterns`).
LOST_PATTERN = "scenario-hatch-lost"
GAINED_PATTERN = "scenario-hatch-gained"
COUNTRY_COLOUR = "#1f1f1f"


def _tip(value: object) -> str:
    """Escape text for a folium tooltip (HTML, and the JS template literal folium puts it in)."""
    return _js_safe(esc(value))


def _js_safe(html_text: str) -> str:
    """Entity-encode backticks and dollars of already escaped HTML (safe in any JS string form)."""
    return html_text.replace("`", "&#96;").replace("$", "&#36;")


class HatchPatterns(MacroElement):
    """SVG hatch patterns for the lost and gained areas, added once to the map's document.

    Leaflet's SVG renderer writes ``fillColor`` into the path's ``fill`` attribute, so a
    polygon styled with ``fillColor: "url(#id)"`` is filled with the pattern ``id``.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
    if (document.getElementById({{ this.lost_id|tojson }})) { return; }
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.style.position = "absolute";
    svg.innerHTML = {{ this.defs|tojson }};
    (document.body || document.documentElement).appendChild(svg);
})();
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "HatchPatterns"
        self.lost_id = LOST_PATTERN
        self.defs = (
            "<defs>"
            f"<pattern id='{LOST_PATTERN}' patternUnits='userSpaceOnUse' width='7' height='7' "
            "patternTransform='rotate(45)'>"
            f"<rect width='7' height='7' fill='{LOST_COLOUR}' fill-opacity='0.12'/>"
            f"<rect width='2.6' height='7' fill='{LOST_COLOUR}' fill-opacity='0.85'/></pattern>"
            f"<pattern id='{GAINED_PATTERN}' patternUnits='userSpaceOnUse' width='7' height='7' "
            "patternTransform='rotate(-45)'>"
            f"<rect width='7' height='7' fill='{GAINED_COLOUR}' fill-opacity='0.18'/>"
            f"<rect width='2.2' height='7' fill='{GAINED_COLOUR}' fill-opacity='0.9'/>"
            f"<rect width='7' height='1.4' fill='{GAINED_COLOUR}' fill-opacity='0.6'/></pattern>"
            "</defs>"
        )


def build_scenario_layers(
    lost: gpd.GeoDataFrame,
    gained: gpd.GeoDataFrame,
    *,
    hours: float,
    changes: pd.DataFrame | None = None,
    simplify: bool = True,
    show: bool = True,
    lang: str = "en",
) -> list[folium.FeatureGroup]:
    """Two layers showing what a scenario changes within the ``hours`` band, one polygon per hub.

    Parameters
    ----------
    lost, gained
        ``geo.model.scenario.ScenarioResult.lost`` / ``.gained`` (``hub_id``, ``hub``, ``hours``,
        ``area_km2``, geometry in any CRS). Empty geometries are skipped.
    hours
        Band to draw.
    changes
        ``geo.model.scenario.ScenarioResult.changes``; when given, the tooltip and popup also
        give the population lost or gained.
    simplify
        Simplify for display (False when the frames come from :func:`display_frames`).
    show
        Visible when the map opens.
    lang
        ``{"fr", "en"}``: layer names, tooltips and popups (figures written with Babel).

    Returns
    -------
    list of folium.FeatureGroup
        ``"Scenario: area lost"`` (black hatching) and ``"Scenario: area gained"``
        (dark-green hatching). Each hub's polygon has a tooltip and a popup naming the
        hub, the band and the km² (escaped), since the areas of several hubs overlap.
        The patterns need a :class:`HatchPatterns` on the map (:func:`build_scenario_map`
        adds it); without it the areas show their outline only.
    """
    people = {}
    if changes is not None and not changes.empty:
        for row in changes.itertuples(index=False):
            people[(row.hub_id, float(row.hours), "lost")] = row.population_lost
            people[(row.hub_id, float(row.hours), "gained")] = row.population_gained
    out = []
    for gdf, name, colour, pattern in (
        (lost, "lost", LOST_COLOUR, LOST_PATTERN),
        (gained, "gained", GAINED_COLOUR, GAINED_PATTERN),
    ):
        group = folium.FeatureGroup(name=esc(tr(f"scen.layer_{name}", lang)), show=show)
        sub = gdf[(gdf["hours"] == hours) & ~gdf.geometry.is_empty & (gdf["area_km2"] > 0)]
        if simplify:
            sub = slim(sub, tolerance_m=300.0)
        if not sub.empty:
            tips, popups = [], []
            rows = zip(sub["hub_id"], sub["hub"], sub["hours"], sub["area_km2"], strict=True)
            for hub_id, hub, t, km2 in rows:
                pop = people.get((hub_id, float(t), name))
                h = format_hours(t, lang)
                pop_text = "" if pop is None else tr("scen.tip_people", lang, n=format_number(pop, lang))
                tips.append(
                    tr(
                        f"scen.tip_{name}",
                        lang,
                        hub=_tip(hub),
                        h=h,
                        km2=format_number(km2, lang),
                        people=pop_text,
                    )
                )
                popups.append(
                    _js_safe(
                        popup_table(
                            [
                                (tr("scen.hub", lang), hub),
                                (tr("scen.band", lang), tr("scen.within", lang, h=h)),
                                (tr(f"scen.area_{name}", lang), f"{format_number(km2, lang)} km²"),
                                (
                                    tr(f"scen.population_{name}", lang),
                                    None if pop is None else format_number(pop, lang),
                                ),
                            ],
                            title=tr(f"scen.popup_{name}", lang),
                        )
                    )
                )
            feats = gpd.GeoDataFrame(
                {"tip": tips, "popup": popups}, geometry=sub.geometry.to_numpy(), crs=sub.crs
            )
            style = {
                "color": colour,
                "weight": 1.6,
                "opacity": 0.95,
                "fillColor": f"url(#{pattern})",
                "fillOpacity": 1.0,
            }
            layer = folium.GeoJson(
                feats.__geo_interface__,
                name=f"area {name}",
                style_function=lambda _f, s=style: s,
                tooltip=folium.GeoJsonTooltip(["tip"], labels=False),
            )
            layer.add_child(FeaturePopup("popup"))
            layer.add_to(group)
        out.append(group)
    return out


class FeaturePopup(MacroElement):
    """A popup per feature of a GeoJson layer, from one property holding escaped HTML.

    Uses Leaflet's ``bindPopup`` with a function (folium's ``GeoJsonPopup`` and ``Popup``
    need jQuery, which the offline map does not load).

    Parameters
    ----------
    field
        Property with the popup HTML (built with ``layers.style.popup_table``).
    max_width
        Pixels.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.bindPopup(function (layer) {
    return layer.feature.properties[{{ this.field|tojson }}];
}, {maxWidth: {{ this.max_width }}});
{% endmacro %}
""")

    def __init__(self, field: str, *, max_width: int = 340) -> None:
        super().__init__()
        self._name = "FeaturePopup"
        self.field = field
        self.max_width = int(max_width)


def _hub_colours(hub_ids: pd.Series, hub_order: list[str]) -> list[str]:
    return [hub_colour(str(h)) for h in hub_ids]


def _band_rows(bands: gpd.GeoDataFrame, hours: float, *, simplify: bool) -> gpd.GeoDataFrame:
    """Return the non-empty rows of one band, simplified for display unless already so."""
    sub = bands[(bands["hours"] == hours) & ~bands.geometry.is_empty]
    return slim(sub, tolerance_m=1500.0, precision_deg=1e-3) if simplify else sub


def build_before_outline_layer(
    before: gpd.GeoDataFrame,
    hub_order: list[str],
    *,
    hours: float,
    simplify: bool = True,
    show: bool = True,
    lang: str = "en",
) -> folium.FeatureGroup:
    """Draw the ``hours`` band of each hub before the scenario as a dashed outline in the hub's colour.

    Parameters
    ----------
    before
        Band rows under the as-of state (``geo.model.reach`` schema, any CRS).
    hub_order
        Hub ids in legend order (fixes each hub's colour, as in ``layers.reach``).
    hours
        Band to draw.
    simplify
        Simplify for display (False when the frame comes from :func:`display_frames`).
    show
        Visible when the map opens.
    lang
        ``{"fr", "en"}``: layer name.

    Returns
    -------
    folium.FeatureGroup
        Outlines only (no fill, not interactive), so the fills and diff areas under them
        keep their tooltips.
    """
    group = folium.FeatureGroup(
        name=esc(tr("scen.layer_before", lang, h=format_hours(hours, lang))), show=show
    )
    sub = _band_rows(before, hours, simplify=simplify)
    if not sub.empty:
        feats = gpd.GeoDataFrame(
            {"colour": _hub_colours(sub["hub_id"], hub_order)}, geometry=sub.geometry.to_numpy(), crs=sub.crs
        )
        folium.GeoJson(
            feats.__geo_interface__,
            interactive=False,
            style_function=lambda f: {
                "color": f["properties"]["colour"],
                "weight": 2.2,
                "opacity": 0.95,
                "dashArray": "6 4",
                "fill": False,
            },
        ).add_to(group)
    return group


def build_after_fill_layer(
    after: gpd.GeoDataFrame,
    hub_order: list[str],
    *,
    hours: float,
    simplify: bool = True,
    show: bool = True,
    lang: str = "en",
) -> folium.FeatureGroup:
    """Fill the ``hours`` band of each hub under the scenario in the hub's colour.

    Parameters
    ----------
    after
        Band rows under the scenario (``geo.model.reach`` schema: ``hub``, ``area_km2``,
        ``population``, ``localities``; any CRS).
    hub_order
        Hub ids in legend order (fixes each hub's colour).
    hours
        Band to draw.
    simplify
        Simplify for display (False when the frame comes from :func:`display_frames`).
    show
        Visible when the map opens.
    lang
        ``{"fr", "en"}``: layer name and tooltips (figures written with Babel).

    Returns
    -------
    folium.FeatureGroup
        One feature per hub, with a tooltip (hub, band, km², people, localities).
    """
    group = folium.FeatureGroup(
        name=esc(tr("scen.layer_after", lang, h=format_hours(hours, lang))), show=show
    )
    sub = _band_rows(after, hours, simplify=simplify)
    if not sub.empty:
        tips = [
            tr(
                "scen.tip_after",
                lang,
                hub=_tip(h),
                h=format_hours(t, lang),
                km2=format_number(a, lang),
                people=format_number(p, lang),
                localities=format_number(n, lang),
            )
            for h, t, a, p, n in zip(
                sub["hub"], sub["hours"], sub["area_km2"], sub["population"], sub["localities"], strict=True
            )
        ]
        feats = gpd.GeoDataFrame(
            {
                "colour": _hub_colours(sub["hub_id"], hub_order),
                "tip": tips,
                "area_km2": sub["area_km2"].to_numpy(),
            },
            geometry=sub.geometry.to_numpy(),
            crs=sub.crs,
        ).sort_values("area_km2", ascending=False)
        folium.GeoJson(
            feats.drop(columns="area_km2").__geo_interface__,
            style_function=lambda f: {
                "color": f["properties"]["colour"],
                "weight": 1,
                "fillColor": f["properties"]["colour"],
                "fillOpacity": BAND_OPACITY[0],
            },
            tooltip=folium.GeoJsonTooltip(["tip"], labels=False),
        ).add_to(group)
    return group


def display_frames(frames: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """Simplify a scenario's polygons for the map, every band at once (compute once, cache).

    Parameters
    ----------
    frames
        Any of ``before`` and ``after`` (band rows under the as-of state and under the
        scenario) and ``lost`` and ``gained`` (the difference polygons), in any CRS.

    Returns
    -------
    dict of geopandas.GeoDataFrame
        The same keys, in EPSG:4326 without empty geometries, ready for the builders
        with ``simplify=False``: bands at 1.5 km (their 1 km staircase removed), the
        smaller difference polygons at 300 m.
    """
    cols = {
        "before": ["hub_id", "hub", "hours", "area_km2", "population", "localities", "geometry"],
        "lost": ["hub_id", "hub", "hours", "area_km2", "geometry"],
    }
    out = {}
    for key, gdf in frames.items():
        if key in ("before", "after"):
            out[key] = slim(
                gdf[cols["before"]][~gdf.geometry.is_empty], tolerance_m=1500.0, precision_deg=1e-3
            )
        elif key in ("lost", "gained"):
            keep = ~gdf.geometry.is_empty & (gdf["area_km2"] > 0)
            out[key] = slim(gdf[cols["lost"]][keep], tolerance_m=300.0)
        else:
            msg = f"unknown frame {key!r}; expected before, after, lost or gained"
            raise ValueError(msg)
    return out


def base_frames(
    admin0: gpd.GeoDataFrame, admin1: gpd.GeoDataFrame, axes: gpd.GeoDataFrame | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """Simplified EPSG:4326 country outline, regions and axes for :func:`build_scenario_map` (cache it).

    Parameters
    ----------
    admin0, admin1
        Internal admin schema (``geo.sources.admin.load_admin``).
    axes
        Curated axes (``ModelInputs.axes``: ``axis_name``, ``schematic``), or None.

    Returns
    -------
    dict of geopandas.GeoDataFrame
        ``country`` (geometry), ``regions`` (``pcode``, ``name`` escaped, geometry) and,
        with ``axes``, ``axes`` (indexed by axis id: ``axis_name``, ``schematic``, geometry).
    """
    regions = slim(admin1[["pcode", "name", "geometry"]], tolerance_m=800.0, precision_deg=1e-3)
    regions = regions.assign(pcode=regions["pcode"].map(esc), name=regions["name"].map(esc))
    out = {"country": slim(admin0[["geometry"]], tolerance_m=800.0, precision_deg=1e-3), "regions": regions}
    if axes is not None:
        out["axes"] = slim(axes[["axis_name", "schematic", "geometry"]], tolerance_m=300.0)
    return out


def _admin_layers(admin: dict[str, gpd.GeoDataFrame], lang: str = "en") -> list[folium.FeatureGroup]:
    regions = folium.FeatureGroup(name=esc(tr("scen.layer_regions", lang)), show=True)
    folium.GeoJson(
        admin["regions"].__geo_interface__,
        style_function=lambda _f: ADMIN_STYLE[1],
        tooltip=folium.GeoJsonTooltip(
            ["name", "pcode"], aliases=[esc(tr("scen.region", lang)), esc(tr("scen.pcode", lang))]
        ),
    ).add_to(regions)
    country = folium.FeatureGroup(name=esc(tr("scen.layer_country", lang)), show=True)
    folium.GeoJson(
        admin["country"].__geo_interface__,
        interactive=False,
        style_function=lambda _f: {"color": COUNTRY_COLOUR, "weight": 2.6, "fill": False},
    ).add_to(country)
    return [regions, country]


def _axes_layer(
    axes: gpd.GeoDataFrame, before: pd.DataFrame, after: pd.DataFrame, lang: str = "en"
) -> folium.FeatureGroup:
    """Curated axes in their status under the scenario; axes the scenario changes drawn thicker."""
    group = folium.FeatureGroup(name=esc(tr("scen.layer_axes", lang)), show=True)
    was = before["status"].reindex(axes.index).fillna("unknown")
    now = after["status"].reindex(axes.index).fillna("unknown")
    changed = (was != now).to_numpy()
    labels = [ROAD_STATUS.label(s, lang).lower() for s in now]
    colon = tr("common.sep_colon", lang)  # French: U+202F before the colon
    tips = [
        f"{_tip(n)}{colon}{_tip(lab)}"
        + (_tip(tr("scen.axis_was", lang, status=ROAD_STATUS.label(w, lang).lower())) if c else "")
        for n, lab, w, c in zip(axes["axis_name"], labels, was, changed, strict=True)
    ]
    feats = gpd.GeoDataFrame(
        {
            "tip": tips,
            "colour": [ROAD_STATUS_COLOUR.get(s, "#000") for s in now],
            "changed": changed,
            "schematic": axes["schematic"].astype(bool).to_numpy(),
        },
        geometry=axes.geometry.to_numpy(),
        crs=axes.crs,
    )
    feats = feats.sort_values("changed")  # changed axes on top

    def style(f: dict) -> dict:
        p = f["properties"]
        return {
            "color": p["colour"],
            "weight": 6.0 if p["changed"] else 3.0,
            "opacity": 0.95 if p["changed"] else 0.8,
            "dashArray": "8 6" if p["schematic"] else None,
        }

    folium.GeoJson(
        feats.__geo_interface__, style_function=style, tooltip=folium.GeoJsonTooltip(["tip"], labels=False)
    ).add_to(group)
    return group


@dataclass(frozen=True)
class NoEntryZone:
    """A no-entry zone drawn on the scenario map.

    Attributes
    ----------
    locality
        Name (escaped when drawn).
    lon, lat
        Centre, EPSG:4326.
    radius_km
        No-entry radius.
    kind
        ``"in_force"`` (as-of state, kept), ``"added"`` (by the scenario) or
        ``"lifted"`` (in force on the date, lifted by the scenario).
    """

    locality: str
    lon: float
    lat: float
    radius_km: float
    kind: str


class PointLayer(MacroElement):
    """Many circles or circle markers drawn by one script (a folium element each is slow to render).

    Parameters
    ----------
    items
        One dict per point: ``lat``, ``lon``, ``style`` (Leaflet path options), optional
        ``radius_m`` (a ground-size ``L.circle``; else an ``L.circleMarker`` whose
        ``style.radius`` is in pixels), ``tooltip`` and ``popup`` (escaped HTML) and
        ``tooltip_options`` (Leaflet tooltip options, e.g. ``permanent``).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this.items|tojson }}.forEach(function (d) {
    var layer = d.radius_m ? L.circle([d.lat, d.lon], Object.assign({radius: d.radius_m}, d.style))
                           : L.circleMarker([d.lat, d.lon], d.style);
    if (d.tooltip) { layer.bindTooltip(d.tooltip, d.tooltip_options || {}); }
    if (d.popup) { layer.bindPopup(d.popup, {maxWidth: 340}); }
    layer.addTo({{ this._parent.get_name() }});
});
{% endmacro %}
""")

    def __init__(self, items: list[dict]) -> None:
        super().__init__()
        self._name = "PointLayer"
        self.items = items


ZONE_STYLE = {
    "in_force": {"color": ENCIRCLED_ACTIVE, "weight": 2, "fill": True, "fillOpacity": 0.35},
    "added": {"color": ENCIRCLED_ACTIVE, "weight": 3, "fill": True, "fillOpacity": 0.55, "dashArray": "5 4"},
    "lifted": {"color": ENCIRCLED_INACTIVE, "weight": 2, "fill": False, "dashArray": "4 4"},
}


def _zones_layer(zones: Sequence[NoEntryZone], lang: str = "en") -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=esc(tr("scen.layer_zones", lang)), show=True)
    items = []
    colon = tr("common.sep_colon", lang)  # French: U+202F before the colon
    for z in zones:
        style = ZONE_STYLE[z.kind]
        label = tr(f"scen.zone_{z.kind}", lang)
        radius = f"{format_hours(z.radius_km, lang)} km"  # no trailing zeros, decimal mark of the language
        tip = f"{_tip(z.locality)}{colon}{_tip(label)} ({radius})"
        popup = _js_safe(
            popup_table([(tr("scen.zone", lang), label), (tr("scen.radius", lang), radius)], title=z.locality)
        )
        items.append(
            {
                "lat": z.lat,
                "lon": z.lon,
                "radius_m": z.radius_km * 1000.0,
                "style": style,
                "tooltip": tip,
                "popup": popup,
            }
        )
        # a dot keeps small zones visible at country zoom
        items.append(
            {
                "lat": z.lat,
                "lon": z.lon,
                "tooltip": tip,
                "popup": popup,
                "style": {
                    "radius": 4,
                    "color": style["color"],
                    "weight": 2,
                    "fill": z.kind != "lifted",
                    "fillColor": style["color"],
                    "fillOpacity": 0.9,
                },
            }
        )
    group.add_child(PointLayer(items))
    return group


#: Radius (px) of a town's and of a hub's circle on the scenario map.
TOWN_RADIUS_PX, HUB_RADIUS_PX = 2.5, 7


def _labels_layer(
    hubs: gpd.GeoDataFrame, hub_ids: list[str], towns: Sequence[tuple[str, float, float]], lang: str = "en"
) -> folium.FeatureGroup:
    """Hub markers with their names always shown, and small town labels.

    The labels are the live map's (:data:`layers.symbols.SYMBOL_CSS`), placed by its
    :class:`layers.symbols.LabelDeclutter`: hubs always shown, a town whose name would overlap
    another hidden until zooming in gives it room. Each label starts 6 px right of its circle.
    """
    group = folium.FeatureGroup(name=esc(tr("scen.layer_labels", lang)), show=True)
    hub_names = [str(n).casefold() for n in hubs["name"]]
    items, seen = [], set()
    for name, lon, lat in towns:
        key = str(name).casefold()
        if key in seen or any(key in h for h in hub_names):
            continue
        seen.add(key)
        items.append(
            {
                "lat": lat,
                "lon": lon,
                "tooltip": _tip(name),
                "style": {
                    "radius": TOWN_RADIUS_PX,
                    "color": "#333",
                    "weight": 1,
                    "fill": True,
                    "fillColor": "#fff",
                    "fillOpacity": 1.0,
                },
                "tooltip_options": {
                    "permanent": True,
                    "direction": "right",
                    "offset": [TOWN_RADIUS_PX + 6, 0],
                    "className": "town-label",
                },
            }
        )
    for hub_id, row in hubs.iterrows():
        if hub_id in hub_ids:
            items.append(
                {
                    "lat": float(row["lat"]),
                    "lon": float(row["lon"]),
                    "tooltip": _tip(row["name"]),
                    "style": {
                        "radius": HUB_RADIUS_PX,
                        "color": "#111",
                        "weight": 2,
                        "fill": True,
                        "fillColor": hub_colour(str(hub_id)),
                        "fillOpacity": 1.0,
                    },
                    "tooltip_options": {
                        "permanent": True,
                        "direction": "right",
                        "offset": [HUB_RADIUS_PX + 6, 0],
                        "className": "hub-label",
                    },
                }
            )
    group.add_child(PointLayer(items))
    return group


def axis_towns(axes: pd.DataFrame) -> list[tuple[str, float, float]]:
    """List the named waypoints of the curated axes, ``(name, lon, lat)`` (the towns axis names cite).

    Parameters
    ----------
    axes
        Curated axes with a ``waypoints`` column (``data/curated/axes.csv`` format).

    Returns
    -------
    list of (str, float, float)
        In axis order, first occurrence of each name.
    """
    out, seen = [], set()
    for text in axes.get("waypoints", pd.Series(dtype=object)).dropna():
        for name, lon, lat in parse_waypoints(str(text)):
            if name not in seen:
                seen.add(name)
                out.append((name, lon, lat))
    return out


def _swatch(kind: str, colour: str) -> str:
    if "," in colour:  # several swatches of one kind side by side
        return "".join(_swatch(kind, c) for c in colour.split(","))
    c = esc(colour)
    box = "display:inline-block;width:16px;height:12px;vertical-align:middle;margin-right:4px;"
    return {
        "fill": f"<span style='{box}width:10px;background:{c};opacity:.7;border:1px solid {c}'></span>",
        "outline": f"<span style='{box}border:2px dashed {c}'></span>",
        "hatch_lost": f"<span style='{box}border:1.5px solid {c};background:repeating-linear-gradient("
        f"45deg,{c} 0 2px,rgba(0,0,0,.1) 2px 5px)'></span>",
        "hatch_gained": f"<span style='{box}border:1.5px solid {c};background:repeating-linear-gradient("
        f"-45deg,{c} 0 2px,rgba(0,102,46,.15) 2px 5px)'></span>",
        "line": f"<span style='{box}width:12px;height:0;border-top:4px solid {c}'></span>",
        "disc": f"<span style='{box}width:12px;border-radius:50%;background:{c};opacity:.7;"
        f"border:2px dashed {c}'></span>",
        "ring": f"<span style='{box}width:12px;border-radius:50%;border:2px dashed {c}'></span>",
        "dot": f"<span style='{box}width:11px;height:11px;border-radius:50%;background:{c};"
        "border:2px solid #111'></span>",
    }[kind]


def scenario_legend(title: str, entries: list[tuple[str, str, str]], *, position: str = "topleft") -> Legend:
    """Build a map legend with the scenario's swatches (hatching, dashed outlines, no-entry discs).

    Parameters
    ----------
    title
        Legend title (escaped).
    entries
        ``(kind, colour, label)``; kind is one of ``fill``, ``outline``, ``hatch_lost``,
        ``hatch_gained``, ``line``, ``disc``, ``ring``, ``dot``; several colours separated
        by commas draw several swatches. Labels are escaped.
    position
        Leaflet control position.

    Returns
    -------
    layers.basemap.Legend
        Drawn as a Leaflet control, like the live map's legend.
    """
    legend = Legend(title, [], position=position)
    legend.body = "".join(f"<div>{_swatch(k, c)}{esc(label)}</div>" for k, c, label in entries)
    return legend


#: Smallest view when the map zooms to a scenario's changes (degrees of longitude, latitude).
FOCUS_MIN_SPAN_DEG = (5.0, 3.5)


def _focus_bounds(
    frames: dict[str, gpd.GeoDataFrame],
    hours: float,
    zones: Sequence[NoEntryZone],
    axes: gpd.GeoDataFrame | None,
    status_before: pd.DataFrame | None,
    status_after: pd.DataFrame | None,
) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` around what the scenario changes (None: nothing changed)."""
    boxes = [
        f[f["hours"] == hours].total_bounds
        for f in (frames["lost"], frames["gained"])
        if (f["hours"] == hours).any()
    ]
    boxes += [(z.lon - 0.1, z.lat - 0.1, z.lon + 0.1, z.lat + 0.1) for z in zones if z.kind != "in_force"]
    if axes is not None and status_after is not None:
        before = (status_before if status_before is not None else status_after)["status"]
        after = status_after["status"]
        changed = [a for a in axes.index if before.get(a, "unknown") != after.get(a, "unknown")]
        if changed:
            boxes.append(axes.loc[changed].total_bounds)
    if not boxes:
        return None
    w, s, e, n = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    cx, cy = (w + e) / 2, (s + n) / 2
    half_x = max((e - w) * 0.6, FOCUS_MIN_SPAN_DEG[0] / 2)
    half_y = max((n - s) * 0.6, FOCUS_MIN_SPAN_DEG[1] / 2)
    return [[cy - half_y, cx - half_x], [cy + half_y, cx + half_x]]


def build_scenario_map(
    *,
    as_of: dt.date,
    hours: float,
    base: dict[str, gpd.GeoDataFrame],
    frames: dict[str, gpd.GeoDataFrame],
    hubs: gpd.GeoDataFrame,
    hub_ids: list[str],
    changes: pd.DataFrame | None = None,
    status_before: pd.DataFrame | None = None,
    status_after: pd.DataFrame | None = None,
    zones: Sequence[NoEntryZone] = (),
    towns: Sequence[tuple[str, float, float]] = (),
    asset_base: str | None = None,
    positions: gpd.GeoDataFrame | None = None,
    lang: str = "en",
) -> folium.Map:
    """Build the before/after map of a what-if scenario for one band.

    Parameters
    ----------
    as_of
        Date of the as-of state (legend title).
    hours
        Band drawn.
    base
        :func:`base_frames` (country, regions, axes).
    frames
        :func:`display_frames` of the scenario (before, after, lost, gained).
    hubs
        All hubs, in legend order (a hub's position fixes its colour); needs ``name``,
        ``lon`` and ``lat``.
    hub_ids
        The hubs of the scenario.
    changes
        ``geo.model.scenario.ScenarioResult.changes`` (population lost/gained in tooltips).
    status_before, status_after
        Status of each axis (``status`` column, indexed by axis id) on the date and under
        the scenario; axes are drawn when ``base`` has them and ``status_after`` is given.
    zones
        No-entry zones to draw (in force, added, lifted).
    towns
        ``(name, lon, lat)`` of small town labels (e.g. :func:`axis_towns`).
    asset_base
        Where Leaflet is served from (default: the app's static folder).
    positions
        Common positions placed on the map (:func:`geo.products.positions_map.locate`, cut
        to the role's fields), or None: a marker on each axis, crossing, locality or area
        that carries one (:func:`layers.positions.build_positions_layer`).
    lang
        ``{"fr", "en"}``: legend, layer names, tooltips and popups, the positions' labels and
        texts; figures and the date written with Babel.

    Returns
    -------
    folium.Map
        Layers from bottom to top: regions and country outline, reach under the scenario
        (filled), the band before (dashed outline), area lost and gained (hatched), axes,
        no-entry zones, hub and town labels; a layer control and a legend.
    """
    m = make_map() if asset_base is None else make_map(asset_base=asset_base)
    add_symbol_css(m)  # the live map's labels and their declutter pass
    m.add_child(HatchPatterns())
    hub_order = list(hubs.index)
    for group in _admin_layers(base, lang):
        group.add_to(m)
    build_after_fill_layer(frames["after"], hub_order, hours=hours, simplify=False, lang=lang).add_to(m)
    build_before_outline_layer(frames["before"], hub_order, hours=hours, simplify=False, lang=lang).add_to(m)
    for group in build_scenario_layers(
        frames["lost"], frames["gained"], hours=hours, changes=changes, simplify=False, lang=lang
    ):
        group.add_to(m)
    with_axes = "axes" in base and status_after is not None
    if with_axes:
        _axes_layer(
            base["axes"], status_before if status_before is not None else status_after, status_after, lang
        ).add_to(m)
    if zones:
        _zones_layer(zones, lang).add_to(m)
    _labels_layer(hubs, hub_ids, towns, lang).add_to(m)
    if positions is not None:
        from layers.positions import build_positions_layer

        build_positions_layer(positions, lang=lang).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)

    drawn = set(frames["after"].loc[frames["after"]["hours"] == hours, "hub_id"])
    colours = [hub_colour(str(h)) for h in hub_order if h in hub_ids and h in drawn]
    entries = [("fill", ",".join(colours), tr("scen.legend_after", lang))] if colours else []
    entries += [
        ("outline", "#555555", tr("scen.legend_before", lang)),
        ("hatch_lost", LOST_COLOUR, tr("scen.legend_lost", lang)),
        ("hatch_gained", GAINED_COLOUR, tr("scen.legend_gained", lang)),
    ]
    if with_axes:
        entries.append(
            (
                "line",
                ",".join(ROAD_STATUS_COLOUR[s] for s in ROAD_STATUS if s != "unknown"),
                tr("scen.legend_axes", lang),
            )
        )
    kinds = {z.kind for z in zones}
    if "in_force" in kinds or "added" in kinds:
        entries.append(("disc", ENCIRCLED_ACTIVE, tr("scen.legend_zone", lang)))
    if "lifted" in kinds:
        entries.append(("ring", ENCIRCLED_INACTIVE, tr("scen.legend_zone_lifted", lang)))
    entries.append(("dot", "#ffffff", tr("scen.legend_hub", lang)))
    if positions is not None and len(positions):
        from layers.positions import ENDORSED_COLOUR

        entries.append(("fill", ENDORSED_COLOUR, tr("positions.legend", lang)))
    bounds = _focus_bounds(
        frames, hours, zones, base.get("axes") if with_axes else None, status_before, status_after
    )
    if bounds is not None:
        m.add_child(folium.FitBounds(bounds))
    title = tr("scen.legend_title", lang, h=format_hours(hours, lang), date=format_date(as_of, lang))
    m.add_child(scenario_legend(title, entries, position="topleft"))
    return m
