"""Common positions on the map: one marker per axis, crossing, locality or area that carries a position.

The scopes are placed by :func:`geo.products.positions_map.locate` (middle of an axis,
inside point of an admin unit, the crossing or locality itself). Positions on the whole
country or on a kind of actor have no place: the page's panel lists them. Every text
typed by users (position texts, meeting references) reaches the popup HTML-escaped
(:func:`layers.style.esc`) and the map script as JSON (:func:`layers.style.feature_layer`).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
from shapely import Point

from geo.products.i18n import tr
from geo.store.positions import scope_label, status_label, topic_label
from layers.style import POINT_PRECISION_DEG, esc, feature_layer, slim

#: Marker colour of a place carrying at least one HCT-endorsed position, and of one carrying only others.
ENDORSED_COLOUR = "#1f3b5a"
PENDING_COLOUR = "#8c8c8c"


def _day(value: object, lang: str) -> str:
    """Write an ISO date (``2025-12-01``) for ``lang`` (``1er décembre 2025``); other text as it is."""
    import datetime as dt

    from geo.products.i18n import format_date

    try:
        return format_date(dt.date.fromisoformat(str(value)[:10]), lang)
    except ValueError:
        return str(value)


def _badge(n: int, colour: str, endorsed: bool) -> str:
    """Marker icon HTML (a numbered square; no user text)."""
    fill = colour if endorsed else "#ffffff"
    ink = "#ffffff" if endorsed else colour
    return (
        f'<div style="width:18px;height:18px;border:2px solid {colour};background:{fill};color:{ink};'
        "font:bold 11px/18px sans-serif;text-align:center;border-radius:3px;"
        f'box-shadow:0 0 2px #fff">{int(n)}</div>'
    )


def _popup(rows: pd.DataFrame, lang: str) -> str:
    """Popup HTML of the positions at one place (every value escaped)."""
    first = rows.iloc[0]
    names = {str(first["scope"]): str(first.get("place_name", "") or "")}
    parts = [f"<b>{esc(scope_label(str(first['scope']), lang, names))}</b>"]
    for _, r in rows.iterrows():
        status = status_label(r["status"], lang)
        if r["status"] == "endorsed" and r.get("endorsed"):
            status = tr("positions.endorsed_on", lang, date=_day(r["endorsed"], lang))
        flag = f" · {tr('positions.restricted', lang)}" if r.get("visibility") == "restricted" else ""
        meeting = f" ({esc(r['meeting_ref'])})" if r.get("meeting_ref") else ""
        parts.append(
            f"<div style='margin-top:6px'><b>#{int(r['id'])} · {esc(topic_label(r['topic'], lang))}</b><br>"
            f"<i>{esc(status)}{esc(flag)}</i>{meeting}<br>{esc(r[f'text_{lang}'])}</div>"
        )
    return "<div style='font-size:12px;max-height:260px;overflow:auto'>" + "".join(parts) + "</div>"


def build_positions_layer(
    located: gpd.GeoDataFrame | None, *, lang: str = "en", show: bool = True
) -> folium.FeatureGroup:
    """Markers for the places that carry a position (retired ones and place-less scopes left out).

    Parameters
    ----------
    located
        :func:`geo.products.positions_map.locate` output (EPSG:4326), already cut to the
        fields the viewer's role may receive; None or empty gives an empty layer.
    lang
        ``fr`` or ``en``: labels, and the text shown.
    show
        Visible when the map opens.

    Returns
    -------
    folium.FeatureGroup
        One :func:`layers.style.feature_layer`, a marker per scope: a filled square with
        the number of positions when at least one is endorsed by the HCT, a hollow one
        otherwise; tooltip with the place and the topics, popup with every position
        (status, meeting, text).
    """
    group = folium.FeatureGroup(name=tr("positions.layer", lang), show=show)
    if located is None or len(located) == 0:
        return group
    live = located[(located["status"] != "retired") & located["marker_lat"].notna()]
    if live.empty:
        return group
    order = {"endorsed": 0, "revised": 1, "proposed": 2, "draft": 3}
    rows, points = [], []
    for scope, at in live.groupby("scope", sort=True):
        at = at.assign(_o=at["status"].map(order).fillna(9)).sort_values(["_o", "id"])
        endorsed = bool((at["status"] == "endorsed").any())
        colour = ENDORSED_COLOUR if endorsed else PENDING_COLOUR
        first = at.iloc[0]
        topics = ", ".join(dict.fromkeys(topic_label(t, lang) for t in at["topic"]))
        names = {str(scope): str(first.get("place_name", "") or "")}
        tip = f"{esc(scope_label(str(scope), lang, names))}<br>" + esc(
            tr("positions.marker", lang, n=len(at), topics=topics)
        )
        icon = {
            "html": _badge(len(at), colour, endorsed),
            "iconSize": [22, 22],
            "iconAnchor": [11, 11],
            "className": "empty",
        }
        rows.append({"tip": tip, "popup": _popup(at, lang), "icon": icon})
        points.append(Point(float(first["marker_lon"]), float(first["marker_lat"])))
    markers = gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:4326")
    feature_layer(
        slim(markers, tolerance_m=0.0, precision_deg=POINT_PRECISION_DEG), popup_max_width=380
    ).add_to(group)
    return group


__all__ = ["ENDORSED_COLOUR", "PENDING_COLOUR", "build_positions_layer"]
