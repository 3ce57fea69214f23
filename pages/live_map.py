"""Live map for access advisors: admin units, roads by status, incidents, encircled
localities, HAWG hubs and their reachable areas, as of a chosen date."""

import folium
import streamlit as st
from streamlit_folium import st_folium

from layers.admin import build_admin_layer
from layers.basemap import Legend, make_map
from layers.encircled import build_encircled_layer
from layers.hubs import build_hubs_layer
from layers.incidents import build_incidents_layer
from layers.reach import build_reach_layers
from layers.roads import build_roads_layer
from layers.style import ENCIRCLED_ACTIVE, ENCIRCLED_INACTIVE, ROAD_STATUS_COLOUR, ROAD_STATUS_LABEL, hub_colour
from pages import common

st.title("Live access map")
folder = str(common.guarded(common.data_dir))
hubs = common.guarded(common.hubs_table)

with st.sidebar:
    st.header("Map settings")
    as_of = st.date_input("As-of date", key="as_of", help="Constraints in force on this date apply.")
    hub_ids = st.multiselect("Hubs", list(hubs.index), default=list(hubs.index),
                             format_func=lambda h: hubs.at[h, "name"])
    hours = st.multiselect("Travel-time bands (hours)", [2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0],
                           default=[4.0, 8.0, 12.0])
    season = st.radio("Season", ["dry", "rainy"], horizontal=True, key="season")
    window = st.slider("Incidents: days before the as-of date", 30, 365 * 10, key="incident_days", step=30)
    show_admin3 = st.checkbox("Show communes (admin3)", value=False)

token = common.state_token()
inputs = common.guarded(common.model_inputs, folder)
axis_status, episodes = common.guarded(common.constraint_state, as_of)
bands, localities = (common.guarded(common.reach, folder, as_of, tuple(sorted(hours)), season,
                                    tuple(hub_ids), token) if hub_ids and hours else (None, None))
incidents = common.guarded(common.incidents, folder, f"{token}|{common.incidents_token()}")
from geo.incidents import time_window  # noqa: E402

recent = time_window(incidents, as_of=as_of, days=int(window))

m = make_map()
common_admin1 = common.admin(folder, 1)
build_admin_layer(common_admin1, level=1).add_to(m)
build_admin_layer(common.admin(folder, 2), level=2).add_to(m)
if show_admin3:
    build_admin_layer(common.admin(folder, 3), level=3, tolerance_m=400.0).add_to(m)
hub_order = list(hubs.index)
if bands is not None:
    for group in build_reach_layers(bands, hub_order):
        group.add_to(m)
build_roads_layer(inputs.roads, inputs.axes, axis_status).add_to(m)
build_incidents_layer(recent, name=f"Incidents ({len(recent)} in {window} days)").add_to(m)
build_encircled_layer(episodes).add_to(m)
build_hubs_layer(hubs.loc[hub_ids] if hub_ids else hubs.iloc[:0]).add_to(m)
folium.LayerControl(collapsed=True).add_to(m)
entries = [("line", ROAD_STATUS_COLOUR[s], f"Road {ROAD_STATUS_LABEL[s].lower()}") for s in ROAD_STATUS_COLOUR]
entries += [("dashed", "#555", "Schematic axis (off the road lines)"),
            ("fill", ENCIRCLED_ACTIVE, "No-entry zone (encircled, in force)"),
            ("ring", ENCIRCLED_INACTIVE, "Encircled earlier / unconfirmed"),
            ("dot", "#ffffff", "Incident (hollow: low precision)")]
entries += [("fill", hub_colour(hub_order.index(h)), f"Reach of {hubs.at[h, 'name']}") for h in hub_ids]
m.add_child(Legend(f"As of {as_of:%d %b %Y}", entries))

st_folium(m, key="live_map", height=640, use_container_width=True, returned_objects=[])

if bands is not None:
    st.subheader("Reachable areas")
    table = bands.drop(columns="geometry")[["hub", "hours", "area_km2", "population", "localities", "hub_status"]]
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"area_km2": st.column_config.NumberColumn("Area (km²)", format="%,.0f"),
                                "population": st.column_config.NumberColumn("Population", format="%,.0f"),
                                "hours": st.column_config.NumberColumn("Within (h)", format="%g")})
    blocked = table[~table["hub_status"].isin(["ok", "moved"])].drop_duplicates("hub")
    for _, row in blocked.iterrows():
        st.warning(f"{row['hub']}: {row['hub_status']}")
st.caption(f"Data folder: {folder}. Road status and encirclements as recorded in the store "
           f"(state {token}); as of {as_of:%Y-%m-%d}. Sources: OCHA COD-AB 2015, Who's On First, "
           "© OpenStreetMap contributors (via S. Krantz), WorldPop 2020, MODIS MCD12C1, UCDP GED 21.1, "
           "Natural Earth.")
