"""Reachability: hubs, bands, season and a what-if scenario built here; before/after map and tables."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.hxl import hxl_row
from layers.basemap import make_map
from layers.reach import build_reach_layers
from layers.scenario import build_scenario_layers
from views import auth, common

common.init_state()
auth.require_role("planner")  # before any data is loaded (views/auth.py)
st.title("Reachability")
folder = str(common.guarded(common.data_dir))
inputs = common.guarded(common.model_inputs, folder)
hubs = common.hubs_table()
as_of = st.session_state["as_of"]
axis_status, episodes = common.guarded(common.constraint_state, as_of)
in_force = sorted(set(episodes.loc[episodes["in_force"], "locality"]))
axes = inputs.axes
axis_label = {a: f"{a} ({axes.at[a, 'axis_name']}, now {axis_status['status'].get(a, 'unknown')})"
              for a in axes.index}

with st.form("scenario"):
    c1, c2, c3 = st.columns(3)
    hub_ids = c1.multiselect("Hubs", list(hubs.index), default=list(hubs.index),
                             format_func=lambda h: hubs.at[h, "name"])
    hours = c2.multiselect("Bands (hours)", [2.0, 4.0, 6.0, 8.0, 12.0], default=[4.0, 8.0, 12.0])
    season = c3.radio("Season (as-of state)", ["dry", "rainy"], horizontal=True)
    st.markdown(f"**Scenario** on top of the state on {as_of:%d %b %Y}")
    s1, s2, s3, s4 = st.columns(4)
    close = s1.multiselect("Close axes", list(axes.index), format_func=axis_label.get)
    reopen = s2.multiselect("Open axes", list(axes.index), format_func=axis_label.get)
    lift = s3.multiselect("Lift blockades", in_force)
    scen_season = s4.radio("Scenario season", ["same", "dry", "rainy"], horizontal=True)
    submitted = st.form_submit_button("Compute")

if not hub_ids or not hours:
    st.info("Choose at least one hub and one band.")
    st.stop()
out = common.guarded(common.reach_scenario, folder, as_of, tuple(sorted(hours)), season, tuple(hub_ids),
                     common.state_token(), tuple(close), tuple(reopen), tuple(lift),
                     None if scen_season == "same" else scen_season)
changes, loc = out["changes"], out["localities"]
band = st.select_slider("Band shown on the map (hours)", options=sorted(hours), value=max(hours))

m = make_map()
order = list(hubs.index)
for group in build_reach_layers(out["after"][out["after"]["hours"] == band], order):
    group.add_to(m)
for group in build_scenario_layers(out["lost"], out["gained"], hours=band):
    group.add_to(m)
folium.LayerControl(collapsed=True).add_to(m)
st.caption("Filled: reach under the scenario. Red: area lost against the as-of state; green: area gained.")
st_folium(m, key="reach_map", height=560, use_container_width=True, returned_objects=[])

has_scenario = bool(close or reopen or lift or scen_season != "same")
state_label = f"as-of state on {as_of:%d %b %Y}, {season} season"
# Areas before/after are the band polygons clipped to Mali (``area_km2``, as `python -m geo reach`
# and the live map print them), not the cell counts of ``changes`` (whole border cells).
band_keys = ["hub_id", "hours"]
table = changes.drop(columns=["area_before_km2", "area_after_km2"]).merge(
    out["before"][[*band_keys, "area_km2"]].rename(columns={"area_km2": "area_before_km2"}), on=band_keys,
    how="left").merge(
    out["after"][[*band_keys, "area_km2"]].rename(columns={"area_km2": "area_after_km2"}), on=band_keys,
    how="left")
table = table[["hub", "hours", "area_before_km2", "area_after_km2", "km2_lost", "km2_gained",
               "population_before", "population_after", "population_lost", "population_gained",
               "localities_before", "localities_after", "localities_lost", "localities_gained", "recomputed"]]
NUM = st.column_config.NumberColumn
CHANGE_CONFIG = {
    "hub": st.column_config.TextColumn("Hub"), "hours": NUM("Within (h)", format="%g"),
    "area_before_km2": NUM("Area before (km²)", format="%,.0f"),
    "area_after_km2": NUM("Area under scenario (km²)", format="%,.0f"),
    "km2_lost": NUM("Area lost (km²)", format="%,.0f"),
    "km2_gained": NUM("Area gained (km²)", format="%,.0f"),
    "population_before": NUM("Population before", format="%,.0f"),
    "population_after": NUM("Population under scenario", format="%,.0f"),
    "population_lost": NUM("Population lost", format="%,.0f"),
    "population_gained": NUM("Population gained", format="%,.0f"),
    "localities_before": NUM("Localities before"), "localities_after": NUM("Localities under scenario"),
    "localities_lost": NUM("Localities lost"), "localities_gained": NUM("Localities gained"),
    "recomputed": st.column_config.CheckboxColumn("Recomputed"),
}
BAND_CONFIG = {
    "hub": st.column_config.TextColumn("Hub"), "hours": NUM("Within (h)", format="%g"),
    "area_km2": NUM("Area (km²)", format="%,.0f"), "population": NUM("Population", format="%,.0f"),
    "localities": NUM("Localities"), "hub_status": st.column_config.TextColumn("Hub status"),
}
LOCALITY_CONFIG = {
    "hub": st.column_config.TextColumn("Hub"), "hours": NUM("Within (h)", format="%g"),
    "locality": st.column_config.TextColumn("Locality"),
    "travel_time_h_before": NUM("Travel time before (h)", format="%.1f"),
    "travel_time_h_after": NUM("Travel time under scenario (h)", format="%.1f"),
}
band_cols = ["hub", "hours", "area_km2", "population", "localities", "hub_status"]

st.subheader("Scenario against the as-of state, per hub and band")
st.dataframe(table, hide_index=True, width="stretch", column_config=CHANGE_CONFIG)
st.caption("Areas before and under the scenario: band polygons clipped to Mali's outline (the figures of "
           "`python -m geo reach` and the live map). Area lost/gained: whole grid cells (cell-exact, not "
           "clipped), so *after − before* can differ from *gained − lost* by the part of border cells "
           "outside Mali (well under 1 %). Population and localities count whole cells in both.")
before_tab, after_tab = st.tabs([f"Before: reachable areas ({state_label})",
                                 "After: reachable areas under the scenario"
                                 + ("" if has_scenario else " (no change entered: same as before)")])
before_tab.dataframe(out["before"][band_cols], hide_index=True, width="stretch", column_config=BAND_CONFIG)
after_tab.dataframe(out["after"][band_cols], hide_index=True, width="stretch", column_config=BAND_CONFIG)

n_lost, n_gained = int((loc["change"] == "lost").sum()), int((loc["change"] == "gained").sum())
lost_tab, gained_tab = st.tabs([f"Localities lost under the scenario ({n_lost})",
                                f"Localities gained under the scenario ({n_gained})"])
cols = ["hub", "hours", "locality", "adm2_pcode", "adm3_pcode", "travel_time_h_before", "travel_time_h_after"]
lost_tab.dataframe(loc[loc["change"] == "lost"][cols], hide_index=True, width="stretch",
                   column_config=LOCALITY_CONFIG)
gained_tab.dataframe(loc[loc["change"] == "gained"][cols], hide_index=True, width="stretch",
                     column_config=LOCALITY_CONFIG)


def gpkg_bytes() -> bytes:
    """Scenario bands and the lost/gained polygons as one GeoPackage."""
    from geo.io import write_layers

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reach_scenario.gpkg"
        write_layers({"reach_before": out["before"], "reach_scenario": out["after"],
                      "area_lost": out["lost"], "area_gained": out["gained"]}, path)
        return path.read_bytes()


def csv_bytes() -> bytes:
    """Localities lost/gained as CSV with an HXL hashtag row."""
    buf = io.StringIO()
    table = loc.drop(columns=["hub_id", "place_id"])
    pd.DataFrame([table.columns, hxl_row(list(table.columns))]).to_csv(
        buf, index=False, header=False)
    table.to_csv(buf, index=False, header=False)
    return buf.getvalue().encode("utf-8")


d1, d2 = st.columns(2)
d1.download_button("GeoPackage (bands, lost, gained)", gpkg_bytes(), "reach_scenario.gpkg",
                   mime="application/geopackage+sqlite3")
d2.download_button("Localities gained/lost (CSV + HXL)", csv_bytes(), "reach_scenario_localities.csv",
                   mime="text/csv")
