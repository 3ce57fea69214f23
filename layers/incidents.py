"""Folium layers for incidents: points, grid clusters and a choropleth of counts.

Only CircleMarker / GeoJson are used, which need no asset beyond Leaflet itself (no
CDN plugin), so the maps draw offline. Every text from a file goes through
:func:`geo.escape.html_text` before it reaches a popup, tooltip or layer name, and reaches
the map script only as data (:func:`geo.escape.js_data`) or :func:`geo.escape.js_string`.
"""

from __future__ import annotations

import math

import folium
import geopandas as gpd
import pandas as pd

from geo.config import STORAGE_CRS
from layers.admin import build_admin_layer
from layers.style import POINT_PRECISION_DEG, esc, feature_layer, slim, tooltip, with_popup

#: Marker colour per source (``generic:*`` share one). None is the red of the no-entry zones
#: (``geo.products.cartography.ENCIRCLED_ACTIVE``): an incident never reads as an encirclement.
SOURCE_COLOURS = {"ucdp": "#6a3d9a", "acled": "#2166ac", "curated": "#e08214", "generic": "#1b7837"}
#: Colours cycled over event types when ``colour_by="event_type"``.
TYPE_PALETTE = (
    "#e41a1c",
    "#377eb8",
    "#4daf4a",
    "#984ea3",
    "#ff7f00",
    "#a65628",
    "#f781bf",
    "#999999",
    "#66c2a5",
    "#8da0cb",
)
DEFAULT_COLOUR = "#555555"
#: Radius (px) of a marker for an event without deaths, and the cap.
RADIUS_MIN_PX, RADIUS_MAX_PX = 4.0, 14.0
#: Low-precision events: hollow ring with a dashed outline.
LOW_PRECISION_STYLE = {"fill_opacity": 0.0, "dash_array": "3 3", "weight": 2}
PRECISE_STYLE = {"fill_opacity": 0.7, "dash_array": None, "weight": 1}
#: Choropleth classes (upper bounds, inclusive) and colours (light to dark red).
CHORO_BREAKS = (0, 2, 5, 10, 25, 50, math.inf)
CHORO_COLOURS = ("#f7f7f7", "#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15")


def source_colour(source: str) -> str:
    """Colour of a ``source`` value (``generic:<name>`` -> the generic colour)."""
    return SOURCE_COLOURS.get(str(source).split(":", 1)[0], DEFAULT_COLOUR)


def type_colours(event_types: pd.Series) -> dict[str, str]:
    """Stable colour per event type (sorted types, cycling over :data:`TYPE_PALETTE`)."""
    types = sorted(event_types.dropna().astype(str).unique())
    return {t: TYPE_PALETTE[i % len(TYPE_PALETTE)] for i, t in enumerate(types)}


def marker_radius(fatalities: int) -> float:
    """Marker radius in px: grows with the square root of deaths, capped."""
    return min(RADIUS_MAX_PX, RADIUS_MIN_PX + 1.5 * math.sqrt(max(int(fatalities), 0)))


def source_label(source: object, lang: str) -> str:
    """Return a record's ``source`` in words for ``lang`` (not escaped): ``curated`` -> its name.

    The family before ``:`` is named from the catalog (``incidents.source.<family>``, as the
    Incidents page's filter names it); the part after it, a file or feed name, is kept in
    brackets. A family without a catalog entry is shown as recorded.
    """
    from geo.products.i18n import has_key, tr

    family, _, rest = str(source).partition(":")
    key = f"incidents.source.{family}"
    label = tr(key, lang) if has_key(key, lang) else family
    return f"{label} ({rest})" if rest else label


#: Catalog text of a date known only to the week, month or year (a day needs none).
PRECISION_KEYS = {"week": "incpop.prec.week", "month": "incpop.prec.month", "year": "incpop.prec.year"}
#: How sources write an unknown actor.
_UNKNOWN = {"", "n/a", "na", "none", "unknown", "nan"}


def _known(value: object) -> bool:
    """Tell whether a source's value says something (not empty, ``n/a``, ``unknown``)."""
    return value is not None and not pd.isna(value) and str(value).strip().lower() not in _UNKNOWN


def popup_html(row: pd.Series, lang: str = "en") -> str:
    """Popup of one incident in ``lang`` (``{"fr", "en"}``): event type in words, every value escaped."""
    from geo.products.i18n import event_type_label, format_date, format_number, tr

    date = row.get("date")
    date_txt = format_date(date.date(), lang) if isinstance(date, pd.Timestamp) and not pd.isna(date) else ""
    prec = row.get("date_precision") or ""
    if date_txt and prec in PRECISION_KEYS:
        date_txt += " " + esc(tr(PRECISION_KEYS[prec], lang))
    elif date_txt and prec and prec != "day":
        date_txt += f" ({esc(prec)})"
    actors = " / ".join(esc(a) for a in (row.get("actor1"), row.get("actor2")) if _known(a))
    place = ", ".join(esc(p) for p in (row.get("location"), row.get("admin2"), row.get("admin1")) if p)
    source = f"{esc(source_label(row.get('source'), lang))} ({esc(row.get('incident_id'))})"
    fields = [
        ("incpop.date", date_txt),
        ("incpop.actors", actors),
        ("incpop.place", place),
        ("incpop.fatalities", esc(format_number(int(row.get("fatalities") or 0), lang))),
        ("incpop.source", source),
    ]
    lines = [f"<b>{esc(event_type_label(row.get('event_type'), lang))}</b>"]
    lines += [f"{esc(tr(key, lang))} {value}" for key, value in fields if value]
    if bool(row.get("low_precision")):
        lines.append(f"<i>{esc(tr('incpop.low_precision', lang))}</i>")
    return "<br>".join(line for line in lines if line)


def build_incidents_layer(
    incidents: gpd.GeoDataFrame,
    *,
    name: str = "Incidents",
    show: bool = True,
    colour_by: str = "source",
    max_points: int = 20000,
    lang: str = "en",
) -> folium.FeatureGroup:
    """Incidents as circle markers in a feature group.

    Parameters
    ----------
    incidents
        Normalised incidents (:func:`geo.model.incidents.load_incidents`), any CRS (drawn in
        EPSG:4326).
    name
        Layer name in the layer control.
    show
        Visible when the map opens.
    colour_by
        ``"source"`` (:data:`SOURCE_COLOURS`) or ``"event_type"`` (:func:`type_colours`).
    max_points
        Draw at most this many (the most recent); a browser slows down beyond it.
    lang
        ``{"fr", "en"}``: popups and tooltips (event types in words, dates written out).

    Returns
    -------
    folium.FeatureGroup
        Holding one :func:`layers.style.feature_layer` whose points are drawn as circle
        markers (one feature per incident, properties ``incident_id``, ``colour``,
        ``radius``, ``low_precision``, ``tip``, ``popup``; :func:`incident_style`): radius
        by fatalities, filled when precise, hollow and dashed when ``low_precision``;
        popup and tooltip escaped.

    Raises
    ------
    ValueError
        Unknown ``colour_by``.
    """
    from geo.products.i18n import event_type_label

    if colour_by not in ("source", "event_type"):
        msg = f"colour_by must be 'source' or 'event_type', got {colour_by!r}"
        raise ValueError(msg)
    group = folium.FeatureGroup(name=esc(name), show=show)  # shown as HTML by Leaflet
    if len(incidents) == 0:
        return group
    gdf = incidents.to_crs(STORAGE_CRS) if incidents.crs is not None else incidents
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if len(gdf) > max_points:
        gdf = gdf.sort_values("date").iloc[-max_points:]
    if colour_by == "event_type":
        palette = type_colours(gdf["event_type"])
        colours = gdf["event_type"].astype(str).map(palette).fillna(DEFAULT_COLOUR)
    else:
        colours = gdf["source"].map(source_colour)
    from geo.products.i18n import format_day

    dates = gdf["date"].map(lambda d: format_day(d, lang) if not pd.isna(d) else "")
    props = gpd.GeoDataFrame(
        {
            "incident_id": gdf["incident_id"].astype(str).to_numpy(),
            "colour": colours.to_numpy(),
            "radius": gdf["fatalities"].map(marker_radius).to_numpy(),
            "low_precision": gdf["low_precision"].astype(bool).to_numpy(),
            "tip": (
                dates.map(esc) + " " + gdf["event_type"].map(lambda v: esc(event_type_label(v, lang)))
            ).to_numpy(),
            "popup": [popup_html(row, lang) for _, row in gdf.iterrows()],
        },
        geometry=gdf.geometry.to_numpy(),
        crs=STORAGE_CRS,
    )
    points = slim(props, tolerance_m=0.0, precision_deg=POINT_PRECISION_DEG)
    feature_layer(points, style=incident_style, popup_max_width=320, name=esc(name)).add_to(group)
    return group


def incident_style(feature: dict) -> dict:
    """Leaflet style of an incident's circle marker (properties ``colour``, ``radius``, ``low_precision``)."""
    p = feature["properties"]
    st = LOW_PRECISION_STYLE if p["low_precision"] else PRECISE_STYLE
    return {
        "color": p["colour"],
        "fillColor": p["colour"],
        "fill": True,
        "radius": p["radius"],
        "fillOpacity": st["fill_opacity"],
        "weight": st["weight"],
        "dashArray": st["dash_array"],
    }


def build_clusters_layer(
    clusters: gpd.GeoDataFrame, *, name: str = "Incident clusters", show: bool = True, lang: str = "en"
) -> folium.FeatureGroup:
    """Grid clusters (:func:`geo.model.incidents.cluster_points`) as circles sized by count.

    Parameters
    ----------
    clusters
        Cluster cells (``incidents``, ``fatalities``, ``low_precision``, ``first_date``,
        ``last_date``, ``event_types`` as the engine joins them), any CRS.
    name, show
        Layer name (escaped) and visibility when the map opens.
    lang
        ``{"fr", "en"}``: popup text and dates (give the clusters of incidents whose
        ``event_type`` is already in words, see ``views/incidents.py``).

    Returns
    -------
    folium.FeatureGroup
        One CircleMarker per cell, radius ~ sqrt(count), with the count as tooltip and a
        popup listing dates, fatalities and main event types (escaped).
    """
    from geo.products.i18n import format_date, format_number, tr, tr_count

    group = folium.FeatureGroup(name=esc(name), show=show)  # shown as HTML by Leaflet
    if len(clusters) == 0:
        return group
    gdf = clusters.to_crs(STORAGE_CRS)
    for _, row in gdf.iterrows():
        n = int(row["incidents"])
        first = format_date(pd.Timestamp(row["first_date"]).date(), lang)
        last = format_date(pd.Timestamp(row["last_date"]).date(), lang)
        lines = [
            f"<b>{esc(tr_count('incpop.n', n, lang))}</b>",
            esc(tr("incpop.period", lang, start=first, end=last)),
            f"{esc(tr('incpop.fatalities', lang))} {esc(format_number(int(row['fatalities']), lang))}",
            f"{esc(tr('incpop.low_precision_n', lang))} {esc(format_number(row['low_precision'], lang))}",
            f"{esc(tr('incpop.types', lang))} {esc(row['event_types'])}",
        ]
        popup = "<br>".join(lines)
        marker = folium.CircleMarker(
            location=(row.geometry.y, row.geometry.x),
            radius=min(30.0, 5.0 + 3.0 * math.sqrt(n)),
            color="#7f0000",
            fill=True,
            fill_color="#d7301f",
            fill_opacity=0.55,
            weight=1,
            tooltip=tooltip(esc(format_number(n, lang))),
        )
        with_popup(marker, popup, max_width=320).add_to(group)
    return group


def choropleth_colour(count: float) -> str:
    """Colour of a count in :data:`CHORO_BREAKS` classes."""
    for upper, colour in zip(CHORO_BREAKS, CHORO_COLOURS, strict=True):
        if count <= upper:
            return colour
    return CHORO_COLOURS[-1]  # pragma: no cover


def build_counts_choropleth(
    units: gpd.GeoDataFrame,
    counts: pd.DataFrame,
    *,
    level: int,
    name: str | None = None,
    show: bool = True,
    lang: str = "en",
) -> folium.FeatureGroup:
    """Admin units shaded by their number of incidents.

    Parameters
    ----------
    units
        Admin units of ``level`` (:func:`geo.sources.admin.load_admin`), with ``pcode``/``name``.
    counts
        :func:`geo.model.incidents.counts_by_admin` at the same level.
    level
        2 (cercle) or 3 (commune) usually.
    name
        Layer name (plain text; escaped here); None: "Nombre par unité administrative" in
        ``lang``.
    show
        Visible when the map opens.
    lang
        ``{"fr", "en"}``: layer name and tooltip labels ("Nom", "Code P", "Incidents", "Morts").

    Returns
    -------
    folium.FeatureGroup
        A GeoJson of the units (EPSG:4326) with fill by class and a tooltip
        (name, P-code, incidents, fatalities), names escaped.
    """
    from geo.products.i18n import tr

    key = f"adm{level}_pcode"
    table = counts[[key, "incidents", "fatalities"]].rename(columns={key: "pcode"})
    gdf = units[["pcode", "name", "geometry"]].to_crs(STORAGE_CRS).reset_index(drop=True)
    gdf = gdf.merge(table, on="pcode", how="left")
    gdf[["incidents", "fatalities"]] = gdf[["incidents", "fatalities"]].fillna(0).astype(int)
    gdf["name"] = gdf["name"].map(esc)
    gdf["pcode"] = gdf["pcode"].map(esc)
    label = name if name is not None else tr("incidents.counts", lang)
    group = folium.FeatureGroup(name=esc(label), show=show)  # shown as HTML by Leaflet
    folium.GeoJson(
        gdf,
        style_function=lambda f: {
            "fillColor": choropleth_colour(f["properties"]["incidents"]),
            "color": "#666666",
            "weight": 0.5,
            "fillOpacity": 0.7,
        },
        tooltip=folium.GeoJsonTooltip(
            ["name", "pcode", "incidents", "fatalities"],
            aliases=[
                esc(tr(key, lang))
                for key in (
                    "map.tip_name",
                    "map.tip_pcode",
                    "incidents.col.incidents",
                    "incidents.col.fatalities",
                )
            ],
        ),
    ).add_to(group)
    return group


def build_admin_outlines(
    admin1: gpd.GeoDataFrame,
    admin2: gpd.GeoDataFrame | None = None,
    *,
    show: bool = True,
    lang: str | None = None,
) -> list[folium.FeatureGroup]:
    """Region (and cercle) outlines for the incidents map, as boundary lines.

    Uses :func:`layers.admin.build_admin_layer` on the units' boundaries rather than their
    polygons: a line has no interior, so the outlines can sit over a choropleth without
    catching its hover tooltips, and under markers without hiding them.

    Parameters
    ----------
    admin1, admin2
        Admin units (:func:`geo.sources.admin.load_admin` schema, any CRS); ``admin2`` None for
        regions only.
    show
        Visible when the map opens.
    lang
        ``{"fr", "en"}``: layer names and tooltip labels (:func:`layers.admin.build_admin_layer`).

    Returns
    -------
    list of folium.FeatureGroup
        ``"Cercles (admin2)"`` (when given) then ``"Regions (admin1)"`` (drawn on top),
        with name and P-code tooltips.
    """
    out = []
    for level, units in ((2, admin2), (1, admin1)):
        if units is None:
            continue
        lines = units[["pcode", "name", "geometry"]].set_geometry(units.geometry.boundary)
        out.append(build_admin_layer(lines, level=level, show=show, lang=lang))
    return out


def legend_entries(colour_by: str = "source") -> list[tuple[str, str]]:
    """(label, colour) pairs for a legend of :func:`build_incidents_layer`."""
    if colour_by == "source":
        return [
            (k.upper() if k in ("ucdp", "acled") else k.capitalize(), v) for k, v in SOURCE_COLOURS.items()
        ]
    return []
