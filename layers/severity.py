"""Access severity per admin unit (0-5) as a folium choropleth with traceable popups."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.model.severity import DIMENSIONS, SCALE
from geo.products.cartography import SEVERITY_COLOUR
from geo.products.i18n import has_key, tr
from geo.products.severity_text import sparse_note_text
from layers.style import esc, popup_table, slim, tooltip, with_popup


def indicator_label(name: str, lang: str) -> str:
    """Return the name of a severity indicator in ``lang`` ("incidents de violence")."""
    key = f"sev.ind.{name}"
    return tr(key, lang) if has_key(key, lang) else name


def build_severity_layer(
    table: gpd.GeoDataFrame, *, lang: str = "fr", show: bool = True
) -> folium.FeatureGroup:
    """Admin units filled by their severity class, with the scores behind it in the popup.

    Parameters
    ----------
    table
        :func:`geo.model.severity.severity` output (any CRS): ``pcode``, ``name``,
        ``score``, ``label``, ``index``, ``dim_*``, ``info_gaps``, ``data_sparse``.
    lang
        ``{"fr", "en"}``: class names and popup labels.
    show
        Layer visible at start.

    Returns
    -------
    folium.FeatureGroup
        One GeoJson per unit (EPSG:4326, slimmed), fill :data:`SEVERITY_COLOUR`; tooltip
        "name: score class"; popup with P-code, index, dimension scores, information gaps and
        sparse-data notes. Every text is escaped (HTML, then a JavaScript string).
    """
    group = folium.FeatureGroup(name=esc(tr("legend_severity", lang)), show=show)
    units = slim(table)
    for _, row in units.iterrows():
        score = int(row["score"])
        label = SCALE[score][0 if lang == "fr" else 1]
        gaps = str(row.get("info_gaps") or "").split(";")
        notes = str(row.get("data_sparse") or "").split("; ")
        rows = [
            (tr("sev.col.pcode", lang), row["pcode"]),
            (tr("page.sev_index", lang), f"{float(row['index']):.2f}"),
            *[(tr(f"page.dim_{d}", lang), row.get(f"dim_{d}")) for d in DIMENSIONS],
            (tr("page.sev_gaps", lang), ", ".join(indicator_label(g, lang) for g in gaps if g)),
            (tr("page.sev_sparse", lang), "; ".join(sparse_note_text(n, lang) for n in notes if n)),
        ]
        shape = folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _f, c=SEVERITY_COLOUR[score]: {
                "color": "#777",
                "weight": 0.6,
                "fillColor": c,
                "fillOpacity": 0.75,
            },
            tooltip=tooltip(f"{esc(row['name'])}: {score} {esc(label)}"),
        )
        with_popup(shape, popup_table(rows, title=f"{row['name']} — {score} {label}")).add_to(group)
    return group
