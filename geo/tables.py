"""HXL hashtags (https://hxlstandard.org) of every column our CSV tables can carry.

One table for the whole project: incident tables, admin-unit summaries, access zones,
reach bands and road status all take their hashtag row from :func:`hxl_row`.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Column -> HXL hashtag.
HXL_TAGS = {
    "as_of": "#date+as_of",
    "pcode": "#adm+code",
    "name": "#adm+name",
    "level": "#adm+level",
    "adm1_name": "#adm1+name",
    "adm2_pcode": "#adm2+code",
    "adm3_pcode": "#adm3+code",
    "area_km2": "#indicator+area_km2",
    "population": "#population+total",
    "blockades": "#indicator+blockades+num",
    "incidents": "#event+num",
    "fatalities": "#affected+killed",
    "zone": "#access+zone",
    "rule_id": "#access+rule+code",
    "rule": "#access+rule+description",
    "hub_id": "#org+hub+code",
    "hub": "#org+hub+name",
    "hours": "#indicator+band_h",
    "localities": "#indicator+localities+num",
    "hub_status": "#status+hub",
    "axis_id": "#loc+axis+code",
    "axis_name": "#loc+axis+name",
    "route_ref": "#loc+route+code",
    "status": "#status",
    "cause": "#status+cause",
    "valid_from": "#date+start",
    "valid_to": "#date+end",
    "source": "#meta+source",
    "note": "#description",
    "locality": "#loc+name",
    "since": "#date+start",
    "until": "#date+end",
    "last_confirmed": "#date+confirmed",
    "radius_km": "#indicator+radius_km",
    "lon": "#geo+lon",
    "lat": "#geo+lat",
    "incident_id": "#event+id",
    "date": "#date",
    "month": "#date+month",
    "date_precision": "#date+precision",
    "event_type": "#event+type",
    "sub_event_type": "#event+type+sub",
    "actor1": "#org+actor1",
    "actor2": "#org+actor2",
    "geo_precision": "#geo+precision",
    "low_precision": "#geo+precision+low",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "location": "#loc+name",
    "admin1": "#adm1+name+source",
    "admin2": "#adm2+name+source",
    "admin3": "#adm3+name+source",
    "adm1_pcode": "#adm1+code",
    "adm2_name": "#adm2+name",
    "adm3_name": "#adm3+name",
    "notes": "#description",
    "licence": "#meta+licence",
    "restricted": "#meta+restricted",
    "period": "#date+period",
    "incidents_min": "#event+num+min",
    "incidents_max": "#event+num+max",
    "localities_encircled": "#loc+num+encircled",
    "named_localities": "#loc+name+encircled",
    "change": "#status+change",
    "band_h": "#indicator+band_h",  # a band's limit (hours), not a travel time
    "place_id": "#loc+code",
    "travel_time_h": "#indicator+travel_time_h",
    "travel_time_h_before": "#indicator+travel_time_h+before",
    "travel_time_h_after": "#indicator+travel_time_h+after",
}


def hxl_tag(column: str) -> str:
    """HXL hashtag of one column (``share_pop_4h`` -> ``#indicator+share_pop_4h``; "" if none)."""
    if column in HXL_TAGS:
        return HXL_TAGS[column]
    if column.startswith("share_"):
        return f"#indicator+{column}"
    return ""


def hxl_row(columns: Sequence[str]) -> list[str]:
    """The hashtag row for ``columns`` (blank for columns without a hashtag)."""
    return [hxl_tag(c) for c in columns]
