"""The public snapshot's ``index.html``: the app's folium layer builders, rendered to one offline file.

``geo.products.snapshot`` builds the sanitised public layers and the page's texts
(:class:`geo.products.snapshot.SnapshotPage`); this module draws them with the same
builders as the app (:mod:`layers.admin`, :mod:`layers.reach`, :mod:`layers.roads`,
:class:`layers.basemap.Legend`) plus two builders for the public per-cercle layers, and
renders a single self-contained HTML file: Leaflet's JS and CSS (icons as ``data:`` URIs)
are inlined from the vendored copy, there are no tiles, and a Content-Security-Policy
forbids every network request. The page works opened from disk, and embedded in the app
(an iframe ``srcdoc``), where its relative download links are replaced by a note at run
time (they would resolve against the app's URL).

Only the fields of the public allow-list reach this module, and every text from the data
is HTML-escaped before it reaches a tooltip, popup or the side panel.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import Element, MacroElement, Template

from geo.config import WORK_CRS
from geo.products.cartography import BAND_OPACITY, ENCIRCLED_UNIT_COLOUR, ROAD_STATUS_COLOUR, hub_colour
from geo.products.i18n import credit_lines, format_date, tr
from geo.products.snapshot import (
    INCIDENT_CLASSES,
    CercleFigures,
    SnapshotPage,
    cercle_figures,
    incident_count_text,
    situation_text,
    sparse_note,
)
from geo.vocab import ROAD_STATUS
from layers.admin import build_admin_layer
from layers.basemap import Legend, fit_country, make_map
from layers.hubs import build_hubs_layer, hub_label
from layers.places import build_towns_layer
from layers.roads import build_roads_layer
from layers.style import esc, popup_table, slim, tooltip, with_popup
from layers.symbols import add_symbol_css

#: Id of the SVG pattern that hatches the cercles with public encircled localities.
HATCH_ID = "snapshot-encircled-hatch"
#: That pattern (in the page once): lines of ``ENCIRCLED_UNIT_COLOUR`` each on a pale halo, so
#: the hatching reads over every incident class, the darkest included, and the class shows
#: between the lines.
HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    f'<pattern id="{HATCH_ID}" patternUnits="userSpaceOnUse" width="8" height="8" '
    'patternTransform="rotate(45)">'
    '<line x1="4" y1="0" x2="4" y2="8" stroke="#ffffff" stroke-width="4.5" stroke-opacity="0.75"/>'
    f'<line x1="4" y1="0" x2="4" y2="8" stroke="{ENCIRCLED_UNIT_COLOUR}" stroke-width="2"/>'
    "</pattern></defs></svg>"
)
#: Outline and fill of the cercles with public encircled localities: hatched, dashed outline,
#: in a colour no incident class is near (``geo.products.cartography.ENCIRCLED_UNIT_COLOUR``).
ENCIRCLED_UNIT_STYLE = {
    "color": ENCIRCLED_UNIT_COLOUR,
    "weight": 2.5,
    "fillColor": f"url(#{HATCH_ID})",
    "fillOpacity": 1.0,
    "dashArray": "6 4",
}
#: Width of the side panel, px.
PANEL_PX = 300
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
)


def incident_colour(n_min: int) -> str:
    """Colour of a public incident count (its lower bound) in ``INCIDENT_CLASSES``."""
    colour = INCIDENT_CLASSES[0][1]
    for lower, c in INCIDENT_CLASSES:
        if n_min >= lower:
            colour = c
    return colour


#: Colour of the "reachable from any hub" layer: no hub's own colour (it is every hub's), and
#: none of the map's others: a dark teal, at least 22 CIEDE2000 from every hub colour, road
#: status and incident class (tests/products/test_snapshot_figures.py), filled more where the
#: time is shorter, so reached land stands out from the rest of the country.
ANY_HUB_COLOUR = "#01665e"
#: Fill opacity of the "any hub" bands, shortest first (they stack: about 0.33 within 4 h).
ANY_HUB_FILL = (0.14, 0.10, 0.12)


def cercle_popup(fig: CercleFigures, labels: dict[str, str], lang: str, sparse: dt.date | None) -> str:
    """Return the figures of one cercle as popup HTML (every value escaped).

    Parameters
    ----------
    fig
        :func:`geo.products.snapshot.cercle_figures` of the cercle.
    labels
        Snapshot texts.
    lang
        Language of the texts and dates.
    sparse
        Incident data are sparse after this date (the count then reads "0 incident
        enregistré — données d'incidents lacunaires après ...", :func:`incident_count_text`), or None.
    """
    start, end = (dt.date.fromisoformat(d) for d in fig.period.split("/"))
    period = tr("snapmap.period_text", lang, start=format_date(start, lang), end=format_date(end, lang))
    count = incident_count_text(fig.incidents, fig.incidents_max, sparse, lang)
    rows = [
        (tr("snapmap.region", lang), fig.adm1_name),
        (tr("map.tip_pcode", lang), fig.adm2_pcode),
        (tr("snapmap.incidents_in_period", lang, period=period), count),
        (
            labels["localities_encircled"],
            tr("snapmap.count_names", lang, n=fig.localities_encircled, names=fig.named_localities)
            if fig.localities_encircled and fig.named_localities
            else (
                str(fig.localities_encircled)
                if fig.localities_encircled
                else tr("snapmap.no_encircled", lang)
            ),
        ),
    ]
    rows += [
        (tr("snapmap.reach_share", lang, h=f"{h:g}"), f"{round(100 * v):d} %")
        for h, v in sorted(fig.reach_share.items())
    ]
    return popup_table(rows, title=tr("snapmap.cercle_title", lang, name=fig.adm2_name))


def build_public_incidents_layer(
    units: gpd.GeoDataFrame,
    labels: dict[str, str],
    *,
    figures: dict[str, CercleFigures] | None = None,
    lang: str = "en",
    sparse: dt.date | None = None,
) -> folium.FeatureGroup:
    """Cercles shaded by their public incident count (ranges for 1-4); a click shows the cercle's figures.

    Parameters
    ----------
    units
        The ``incidents_admin2`` public layer (EPSG:4326).
    labels
        Snapshot texts (``geo.products.snapshot.labels``).
    figures
        :func:`geo.products.snapshot.cercle_figures` (popup content); None: count and period only.
    lang
        Language of the popups.
    sparse
        Incident data are sparse after this date, or None.
    """
    group = folium.FeatureGroup(name=esc(labels["incidents"]), show=True)
    for _, row in units.iterrows():
        fill = incident_colour(int(row["incidents_min"]))
        fig = (figures or {}).get(str(row["adm2_pcode"]))
        popup = (
            cercle_popup(fig, labels, lang, sparse)
            if fig is not None
            else popup_table(
                [
                    (tr("map.tip_pcode", lang), row["adm2_pcode"]),
                    (labels["incidents_label"], row["incidents"]),
                    (labels["period"], row["period"]),
                ],
                title=row["adm2_name"],
            )
        )
        shape = folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _f, c=fill: {
                "color": "#777",
                "weight": 0.6,
                "fillColor": c,
                "fillOpacity": 0.7,
            },
            tooltip=tooltip(
                esc(
                    tr(
                        "snapmap.name_value",
                        lang,
                        name=row["adm2_name"],
                        # plural by the upper bound: "0 incident", "1-4 incidents" (French); with
                        # sparse data, "0 incident enregistré — données d'incidents lacunaires ..."
                        value=incident_count_text(row["incidents"], int(row["incidents_max"]), sparse, lang),
                    )
                )
            ),
        )
        with_popup(shape, popup).add_to(group)
    return group


def build_public_encircled_layer(
    units: gpd.GeoDataFrame,
    labels: dict[str, str],
    *,
    figures: dict[str, CercleFigures] | None = None,
    lang: str = "en",
    sparse: dt.date | None = None,
) -> folium.FeatureGroup:
    """Cercles holding public encircled localities in force; a click shows the cercle's figures.

    Parameters
    ----------
    units
        The ``encircled_admin2`` public layer (EPSG:4326): public episodes only.
    labels
        Snapshot texts.
    figures, lang, sparse
        As for :func:`build_public_incidents_layer`.
    """
    group = folium.FeatureGroup(name=esc(labels["encircled"]), show=True)
    for _, row in units.iterrows():
        fig = (figures or {}).get(str(row["adm2_pcode"]))
        popup = (
            cercle_popup(fig, labels, lang, sparse)
            if fig is not None
            else popup_table(
                [
                    (labels["localities_encircled"], row["localities_encircled"]),
                    (labels["named_localities"], row["named_localities"]),
                ],
                title=row["adm2_name"],
            )
        )
        shape = folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _f: ENCIRCLED_UNIT_STYLE,
            tooltip=tooltip(
                esc(tr("snapmap.name_value", lang, name=row["adm2_name"], value=row["localities_encircled"]))
            ),
        )
        with_popup(shape, popup).add_to(group)
    return group


def _band_style(colour: str, opacity: float) -> dict:
    # not interactive: a click goes through to the cercle below, which shows its own figures
    return {"color": colour, "weight": 1, "fillColor": colour, "fillOpacity": opacity, "interactive": False}


def build_public_reach_layers(reach: gpd.GeoDataFrame, page: SnapshotPage) -> list[folium.FeatureGroup]:
    """Reachable areas: one layer "from any hub" shown, one per hub hidden until asked for.

    The bands are drawn without tooltip or click (``interactive: false``), so they never
    hide the cercles' figures; the per-hub layers are in each hub's own colour
    (:func:`geo.products.cartography.hub_colour`).

    Parameters
    ----------
    reach
        The public ``reach`` layer (``hub``, ``hours``, EPSG:4326).
    page
        Texts, language and hub ids.

    Returns
    -------
    list of folium.FeatureGroup
        The "any hub" layer first (shown), then one per hub (hidden).
    """
    lang = page.lang
    if reach is None or not len(reach):
        return []
    hours = sorted(reach["hours"].unique())
    hmax = f"{hours[-1]:g}"
    ids = dict(page.hub_ids)
    groups = []
    union = folium.FeatureGroup(name=esc(tr("snapmap.reach_any", lang, h=hmax)), show=True)
    for k, h in enumerate(reversed(hours)):  # largest band first, so the inner ones stay visible
        geom = shapely.union_all(reach[reach["hours"] <= h].to_crs(WORK_CRS).geometry.make_valid().values)
        band = slim(gpd.GeoDataFrame(geometry=[geom], crs=WORK_CRS), tolerance_m=2500.0, precision_deg=1e-2)
        if band.empty:
            continue
        # outlines with a light fill, denser towards the hubs: reached land differs from the
        # rest, and the incident counts under it stay readable
        inner = len(hours) - 1 - k  # 0 for the shortest band
        style = {
            **_band_style(ANY_HUB_COLOUR, ANY_HUB_FILL[min(inner, len(ANY_HUB_FILL) - 1)]),
            "weight": 2.6 if inner == 0 else 1.8,
            "dashArray": None if inner == 0 else ("6 4" if inner == 1 else "2 4"),
        }
        folium.GeoJson(
            band.geometry.iloc[0].__geo_interface__,
            style_function=lambda _f, st=style: st,
        ).add_to(union)
    groups.append(union)
    for hub, sub in reach.groupby("hub", sort=True):
        colour = hub_colour(ids.get(str(hub), str(hub)))
        label = tr("snapmap.reach_hub", lang, hub=hub_label(hub), h=hmax)
        group = folium.FeatureGroup(name=esc(label), show=False)
        for k, h in enumerate(reversed(hours)):
            part = sub[sub["hours"] == h]
            if not len(part):
                continue
            opacity = BAND_OPACITY[min(len(hours) - 1 - k, len(BAND_OPACITY) - 1)]
            outer = k == 0  # the largest band's edge, thick: the hub's reach at a glance
            folium.GeoJson(
                part.geometry.iloc[0].__geo_interface__,
                style_function=lambda _f, c=colour, o=opacity, w=2.5 if outer else 1.0: {
                    **_band_style(c, o),
                    "weight": w,
                },
            ).add_to(group)
        groups.append(group)
    return groups


class _Ready(MacroElement):
    """Exposes the map as ``window.snapshotMap`` and sets ``window.snapshotReady`` once drawn."""

    _template = Template("""
{% macro script(this, kwargs) %}
window.snapshotMap = {{ this._parent.get_name() }};
window.snapshotReady = true;
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "SnapshotReady"


def _legend_entries(
    page: SnapshotPage, reach: gpd.GeoDataFrame, hubs: gpd.GeoDataFrame | None
) -> list[tuple[str, str, str]]:
    """Rows of the snapshot's legend, compact: classes, hours, hubs and statuses side by side.

    Incidents (their classes in a row; with sparse data, :func:`geo.products.snapshot.sparse_note`
    under them) and the hatched encircled cercles; the "any hub" reach bands; the hubs, each
    in its colour, which is also the colour of its reach (layer menu); road status.
    """
    labels, lang = page.labels, page.lang
    entries: list[tuple[str, str, str]] = [("head", "", labels["incidents"])]
    for j, (lower, colour) in enumerate(INCIDENT_CLASSES):
        upper = INCIDENT_CLASSES[j + 1][0] - 1 if j + 1 < len(INCIDENT_CLASSES) else None
        span = "0" if lower == 0 else (f"{lower}-{upper}" if upper is not None else f"{lower}+")
        entries.append(("inline:fill", colour, span))
    if page.sparse_after is not None:
        entries.append(("note", "", sparse_note(page.sparse_after, lang)))
    entries.append(("hatch", ENCIRCLED_UNIT_COLOUR, tr("snapmap.encircled_cercle", lang)))
    hours = sorted(reach["hours"].unique()) if reach is not None and len(reach) else []
    if hours:
        entries.append(("head", "", tr("snapmap.reach_any_head", lang)))
        # the bands' own lines, shortest first (build_public_reach_layers): solid, dashed, dotted
        kinds = ("inline:line", "inline:dashed", "inline:dotted")
        for j, h in enumerate(hours):
            entries.append((kinds[min(j, 2)], ANY_HUB_COLOUR, tr("snapmap.within_h", lang, h=f"{h:g}")))
    if hubs is not None and len(hubs):
        head = tr("snapmap.hubs_head", lang, h=f"{hours[-1]:g}") if hours else tr("map.layer_hubs", lang)
        entries.append(("head", "", head))
        entries += [
            ("inline:symbol:hub", hub_colour(str(i)), hub_label(n))
            for i, n in zip(hubs["hub_id"], hubs["name"], strict=True)
        ]
    entries.append(("head", "", labels["roads"]))
    entries += [("inline:line", ROAD_STATUS_COLOUR[s], labels[s]) for s in ROAD_STATUS]
    entries.append(("note", "", tr("snapmap.click", lang)))
    return entries


def _day(value: object, lang: str) -> str:
    """Write an ISO date (``2025-12-01``) for ``lang`` (``1er décembre 2025``); other text as it is."""
    import datetime as dt

    from geo.products.i18n import format_date

    try:
        return format_date(dt.date.fromisoformat(str(value)[:10]), lang)
    except ValueError:
        return str(value)


def _positions_html(positions: pd.DataFrame | None, page: SnapshotPage) -> str:
    """Return the side-panel list of the published positions (topic, scope, text in the page language)."""
    t = page.labels
    lang = page.lang if page.lang in ("fr", "en") else "en"
    if positions is None or len(positions) == 0:
        return f'<h2>{esc(t["positions"])}</h2><p class="small">{esc(t["positions_none"])}</p>'
    from geo.products.positions_map import table

    rows = table(positions, lang, names=dict(page.scope_names))  # "Axe Sévaré - Koro", not an id
    items = "".join(
        f"<li><b>{esc(r['topic'])}</b> &middot; {esc(r['scope'])}<br>{esc(r['text'])}"
        f'<br><span class="small">'
        f"{esc(tr('positions.endorsed_on', lang, date=_day(r['endorsed'], lang)))} "
        f"({esc(r['meeting_ref'])})</span></li>"
        for _, r in rows.iterrows()
    )
    return f'<h2>{esc(t["positions"])}</h2><ul id="snapshot-positions">{items}</ul>'


def _side_panel(page: SnapshotPage, positions: pd.DataFrame | None = None) -> str:
    t, lang = page.labels, page.lang
    links = "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>' for href, label in page.downloads)
    # one line per publisher and licence (the COD-AB regions and cercles share one)
    lines = credit_lines(page.sources, lang if lang in ("fr", "en") else "en")
    sources = "".join(f"<li>{esc(line)}</li>" for line in lines)
    # shown instead of the download links when the page is embedded (srcdoc): names the app's tab
    note = tr("snapmap.embed_note", lang, tab=tr("public.tab_downloads", lang))
    # the situation shown is the release date; the publication date and delay follow, once
    situation = situation_text(page.as_of, page.release_date, page.delay_days, lang)
    sparse = ""
    if page.sparse_after is not None:
        text = tr("snapmap.sparse", lang, date=format_date(page.sparse_after, lang))
        sparse = f'<p class="sparse" id="snapshot-sparse">{esc(text)}</p>'
    return (
        f'<div id="side"><h1>{esc(t["title"])}</h1>'
        f'<p id="snapshot-situation"><b>{esc(situation)}</b></p>'
        f"{sparse}"
        f'<p class="small">{esc(t["note"])} {esc(tr("snapmap.click", lang))}</p>'
        f"{_positions_html(positions, page)}"
        f"<h2>{esc(t['downloads'])}</h2>"
        f'<ul id="snapshot-downloads">{links}</ul>'
        f'<p class="small" id="snapshot-embed-note" hidden>{esc(note)}</p>'
        f'<h2>{esc(t["sources"])}</h2><ul class="small">{sources}</ul>'
        f'<p class="small">{esc(t["policy"])} v{esc(page.policy_version)} &middot; {esc(page.generator)}</p>'
        "</div>"
    )


#: In an iframe ``srcdoc`` (the app) relative links would load the app itself: swap them for the note.
_EMBED_SCRIPT = """<script>
(function () {
  if (window.location.protocol !== "about:") { return; }
  var list = document.getElementById("snapshot-downloads");
  if (list) { list.remove(); }
  var note = document.getElementById("snapshot-embed-note");
  if (note) { note.hidden = false; }
})();
</script>"""


#: branca's Figure template, with ``<html lang>`` (folium has no option for it).
_PAGE_TEMPLATE = Template(
    "<!DOCTYPE html>\n"
    '<html lang="{{ this.page_lang }}">\n'
    "<head>\n"
    "    {{ this.header.render(**kwargs) }}\n"
    "</head>\n"
    "<body>\n"
    "    {{ this.html.render(**kwargs) }}\n"
    "</body>\n"
    "<script>\n"
    "    {{ this.script.render(**kwargs) }}\n"
    "</script>\n"
    "</html>\n"
)


def _page_css() -> str:
    return (
        "<style>html,body{margin:0;height:100%;font:14px/1.4 sans-serif;color:#222}"
        f"#side{{position:absolute;left:0;top:0;bottom:0;width:{PANEL_PX - 29}px;overflow:auto;"
        "padding:10px 14px;border-right:1px solid #ccc;background:#fafafa}"
        "#side h1{font-size:17px;margin:4px 0 8px}#side h2{font-size:14px;margin:14px 0 4px}"
        "#side ul{padding-left:18px;margin:4px 0}.small{font-size:12px;color:#555}"
        ".sparse{font-size:12.5px;background:#fff7e6;border:1px solid #e08214;border-radius:4px;"
        "padding:6px 8px;color:#5a2d00}"
        # a cercle's tooltip wraps (a count with the sparse-data words is long); labels do not
        ".leaflet-tooltip:not(.town-label):not(.hub-label){white-space:normal;width:max-content;"
        "max-width:260px}"
        f"html body .folium-map{{position:absolute!important;left:{PANEL_PX}px!important;right:0;top:0;"
        "bottom:0;width:auto!important;height:auto!important}</style>"
    )


def inline_leaflet(leaflet_dir: Path) -> tuple[str, str]:
    """Leaflet's JS and CSS as ``<script>`` and ``<style>`` elements (icons as ``data:`` URIs).

    Raises
    ------
    FileNotFoundError
        ``leaflet.js`` or ``leaflet.css`` missing.
    """
    leaflet_dir = Path(leaflet_dir)
    js = (leaflet_dir / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    css = (leaflet_dir / "leaflet.css").read_text(encoding="utf-8")
    images = leaflet_dir / "images"
    for img in sorted(images.glob("*.png")) if images.is_dir() else []:
        uri = "data:image/png;base64," + base64.b64encode(img.read_bytes()).decode("ascii")
        css = css.replace(f"url(images/{img.name})", f"url({uri})")
    licence = leaflet_dir / "LICENSE"
    notice = ""
    if licence.is_file():  # BSD-2-Clause: the notice travels with the inlined copy
        notice = (
            "<!-- Leaflet licence:\n" + licence.read_text(encoding="utf-8").replace("--", "- -") + "-->\n"
        )
    css = css.replace("</style", "<\\/style")
    return f"{notice}<script>{js}</script>", f"<style>{css}</style>"


def build_snapshot_map(layers: dict[str, pd.DataFrame], page: SnapshotPage) -> folium.Map:
    """Build the snapshot's folium map: public layers, layer control and legend (no asset links).

    Parameters
    ----------
    layers
        Sanitised public layers (``geo.products.snapshot.build_public_layers``), EPSG:4326.
    page
        Texts, dates and links.
    """
    t = page.labels
    m = make_map(asset_base="")
    m.default_js, m.default_css = [], []  # Leaflet is inlined by render_snapshot_html
    # the view keeps the unfolded legend (top left) off the country (folded if it cannot)
    fit_country(m, layers["admin1"], clear_legend=True)
    m.get_root().html.add_child(Element(HATCH_SVG), name="encircled_hatch")
    figures = cercle_figures(layers)
    kw = {"figures": figures, "lang": page.lang, "sparse": page.sparse_after}
    build_public_incidents_layer(layers["incidents_admin2"], t, **kw).add_to(m)
    for group in build_public_reach_layers(layers["reach"], page):
        group.add_to(m)
    build_public_encircled_layer(layers["encircled_admin2"], t, **kw).add_to(m)
    roads = layers["road_status"]
    axes = roads.drop(columns="status").set_index("axis_name", drop=False)
    status = pd.DataFrame({"status": roads["status"].to_numpy()}, index=axes.index)
    build_roads_layer(None, axes, status, name=t["roads"], lang=page.lang, popups=False).add_to(m)
    admin1 = layers["admin1"].rename(columns={"adm1_pcode": "pcode", "adm1_name": "name"})
    # outlines only: a click inside a region reaches the cercle below it (its figures)
    build_admin_layer(admin1, level=1, tolerance_m=0.0, name=t["admin1"], tooltips=False).add_to(m)
    towns, hubs = layers.get("towns"), layers.get("hubs")
    hubs = hubs.set_index("hub_id", drop=False) if hubs is not None and len(hubs) else None
    if (towns is not None and len(towns)) or hubs is not None:
        add_symbol_css(m)
    if towns is not None and len(towns):  # named as on the live map, labels decluttered
        build_towns_layer(towns, skip_near=hubs, lang=page.lang).add_to(m)
    if hubs is not None:  # each in its own colour, as on every page and product
        build_hubs_layer(hubs, lang=page.lang, popups=False).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)  # folded: it never covers the north-east
    m.add_child(Legend(t["legend"], _legend_entries(page, layers["reach"], hubs), folded=False))
    m.add_child(_Ready())
    return m


def render_snapshot_html(layers: dict[str, pd.DataFrame], page: SnapshotPage) -> str:
    """``index.html`` of a snapshot: one self-contained offline page (see the module docstring).

    Parameters
    ----------
    layers
        Sanitised public layers, EPSG:4326.
    page
        Texts, dates, links and the vendored Leaflet folder.

    Returns
    -------
    str
        The HTML page (UTF-8 text).
    """
    m = build_snapshot_map(layers, page)
    root = m.get_root()
    js, css = inline_leaflet(page.leaflet_dir)
    header = root.header
    header.add_child(Element(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'), index=0)
    header.add_child(Element(f"<title>{html.escape(page.labels['title'])}</title>"))
    header.add_child(Element(css), name="leaflet_css_inline")
    header.add_child(Element(js), name="leaflet_js_inline")
    header.add_child(Element(_page_css()), name="snapshot_css")
    root.html.add_child(
        Element(_side_panel(page, layers.get("positions")) + _EMBED_SCRIPT), name="snapshot_panel"
    )
    root._template = _PAGE_TEMPLATE  # branca's page template with a lang attribute
    root.page_lang = html.escape(page.lang)
    return root.render()


__all__ = [
    "build_public_encircled_layer",
    "build_public_incidents_layer",
    "build_snapshot_map",
    "inline_leaflet",
    "render_snapshot_html",
]
