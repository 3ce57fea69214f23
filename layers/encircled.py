"""NSAG-encircled localities: no-entry zones in force and other recorded episodes."""

from __future__ import annotations

import folium
import geopandas as gpd

from layers.style import ENCIRCLED_ACTIVE, ENCIRCLED_INACTIVE, esc, popup_table, tooltip, with_popup


def build_encircled_layer(
    episodes: gpd.GeoDataFrame, *, show: bool = True, restricted: bool = True
) -> folium.FeatureGroup:
    """Encircled localities: a red no-entry disc for episodes in force, a grey ring otherwise.

    Parameters
    ----------
    episodes
        ``geo.sources.curated.encircled_as_of`` output (needs ``in_force``, ``radius_km``).
    show
        Visible when the map opens.
    restricted
        Show restricted fields (armed group, note); False for viewers and the public.
    """
    group = folium.FeatureGroup(name="Encircled localities", show=show)
    pts = episodes.to_crs(4326)
    # one marker per locality: the episode in force, else the latest
    pts = pts.sort_values(["in_force", "since"]).groupby("locality", sort=False).tail(1)
    for _, row in pts.iterrows():
        colour = ENCIRCLED_ACTIVE if row["in_force"] else ENCIRCLED_INACTIVE
        fields = [
            ("Status", row["status"] + (" (in force)" if row["in_force"] else " (not in force)")),
            ("Since", row["since"]),
            ("Until", row["until"] or "not lifted"),
            ("Last confirmed", row["last_confirmed"]),
            ("No-entry radius", f"{row['radius_km']:g} km"),
            ("Source", row.get("source")),
        ]
        if restricted:
            fields += [("Armed group", row.get("armed_group")), ("Note", row.get("note"))]
        popup = popup_table(fields, title=row["locality"])
        y, x = row.geometry.y, row.geometry.x
        if row["in_force"]:
            with_popup(
                folium.Circle(
                    (y, x),
                    radius=float(row["radius_km"]) * 1000.0,
                    color=colour,
                    weight=2,
                    fill=True,
                    fill_opacity=0.35,
                    tooltip=tooltip(f"{esc(row['locality'])}: encircled"),
                ),
                popup,
            ).add_to(group)
        with_popup(
            folium.CircleMarker(
                (y, x),
                radius=5,
                color=colour,
                weight=2,
                fill=row["in_force"],
                fill_color=colour,
                fill_opacity=0.9,
                tooltip=tooltip(esc(row["locality"])),
            ),
            popup,
        ).add_to(group)
    return group
