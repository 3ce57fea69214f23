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
import html
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, MacroElement, Template

from geo.products.cartography import ROAD_STATUS_COLOUR
from geo.products.snapshot import INCIDENT_CLASSES, SnapshotPage
from geo.vocab import ROAD_STATUS
from layers.admin import build_admin_layer
from layers.basemap import Legend, make_map
from layers.reach import build_reach_layers
from layers.roads import build_roads_layer
from layers.style import esc, popup_table, tooltip, with_popup

#: Outline and fill of the cercles with public encircled localities.
ENCIRCLED_UNIT_STYLE = {
    "color": "#b2182b",
    "weight": 2.5,
    "fillColor": "#b2182b",
    "fillOpacity": 0.25,
    "dashArray": "6 4",
}
#: Width of the side panel, px.
PANEL_PX = 300
#: Shown instead of the download links when the page is embedded (srcdoc), per language.
EMBED_NOTE = {
    "en": "In the app, download these files from the Downloads tab of this page.",
    "fr": "Dans l'application, téléchargez ces fichiers depuis l'onglet « Downloads » de cette page.",
}
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


def build_public_incidents_layer(units: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.FeatureGroup:
    """Cercles shaded by their public incident count (ranges for 1-4), with tooltip and popup.

    Parameters
    ----------
    units
        The ``incidents_admin2`` public layer (EPSG:4326).
    labels
        Snapshot texts (``geo.products.snapshot.labels``).
    """
    group = folium.FeatureGroup(name=labels["incidents"], show=True)
    for _, row in units.iterrows():
        fill = incident_colour(int(row["incidents_min"]))
        popup = popup_table(
            [
                ("P-code", row["adm2_pcode"]),
                (labels["incidents_label"], row["incidents"]),
                (labels["period"], row["period"]),
            ],
            title=row["adm2_name"],
        )
        shape = folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _f, c=fill: {
                "color": "#777",
                "weight": 0.6,
                "fillColor": c,
                "fillOpacity": 0.7,
            },
            tooltip=tooltip(f"{esc(row['adm2_name'])}: {esc(row['incidents'])}"),
        )
        with_popup(shape, popup).add_to(group)
    return group


def build_public_encircled_layer(units: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.FeatureGroup:
    """Cercles holding public encircled localities in force, with their number and names.

    Parameters
    ----------
    units
        The ``encircled_admin2`` public layer (EPSG:4326): public episodes only.
    labels
        Snapshot texts.
    """
    group = folium.FeatureGroup(name=labels["encircled"], show=True)
    for _, row in units.iterrows():
        popup = popup_table(
            [
                (labels["localities_encircled"], row["localities_encircled"]),
                (labels["named_localities"], row["named_localities"]),
            ],
            title=row["adm2_name"],
        )
        shape = folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _f: ENCIRCLED_UNIT_STYLE,
            tooltip=tooltip(f"{esc(row['adm2_name'])}: {esc(row['localities_encircled'])}"),
        )
        with_popup(shape, popup).add_to(group)
    return group


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


def _legend_entries(labels: dict[str, str]) -> list[tuple[str, str, str]]:
    entries = []
    for j, (lower, colour) in enumerate(INCIDENT_CLASSES):
        upper = INCIDENT_CLASSES[j + 1][0] - 1 if j + 1 < len(INCIDENT_CLASSES) else None
        span = "0" if lower == 0 else (f"{lower}-{upper}" if upper is not None else f"{lower}+")
        entries.append(("fill", colour, f"{labels['incidents_label']} {span}"))
    entries.append(("fill", ENCIRCLED_UNIT_STYLE["color"], labels["encircled"]))
    entries += [("line", ROAD_STATUS_COLOUR[s], f"{labels['roads']}: {labels[s]}") for s in ROAD_STATUS]
    return entries


def _side_panel(page: SnapshotPage) -> str:
    t = page.labels
    links = "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>' for href, label in page.downloads)
    sources = "".join(
        f"<li>{esc(s.get('publisher', ''))} &mdash; {esc(s.get('licence', ''))}</li>" for s in page.sources
    )
    note = EMBED_NOTE.get(page.lang, EMBED_NOTE["en"])
    return (
        f'<div id="side"><h1>{esc(t["title"])}</h1>'
        f"<p>{esc(t['as_of'])} <b>{page.as_of.isoformat()}</b><br>{esc(t['release'])} "
        f"<b>{page.release_date.isoformat()}</b> "
        f"({esc(t['delay'])}: {int(page.delay_days)} {esc(t['days'])})</p>"
        f'<p class="small">{esc(t["note"])}</p>'
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
    m.fit_bounds([[10.1, -12.3], [25.0, 4.3]])
    build_public_incidents_layer(layers["incidents_admin2"], t).add_to(m)
    reach = layers["reach"]
    if len(reach):
        hubs = list(dict.fromkeys(reach["hub"]))
        bands = reach.assign(hub_id=reach["hub"])
        for group in build_reach_layers(bands, hubs):
            group.add_to(m)
    build_public_encircled_layer(layers["encircled_admin2"], t).add_to(m)
    roads = layers["road_status"]
    axes = roads.drop(columns="status").set_index("axis_name", drop=False)
    status = pd.DataFrame({"status": roads["status"].to_numpy()}, index=axes.index)
    build_roads_layer(None, axes, status, name=t["roads"]).add_to(m)
    admin1 = layers["admin1"].rename(columns={"adm1_pcode": "pcode", "adm1_name": "name"})
    build_admin_layer(admin1, level=1, tolerance_m=0.0).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(Legend(t["legend"], _legend_entries(t)))
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
    root.html.add_child(Element(_side_panel(page) + _EMBED_SCRIPT), name="snapshot_panel")
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
