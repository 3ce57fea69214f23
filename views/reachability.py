"""Reachability: hubs, bands, season and a what-if scenario built here; before/after map and tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.config import DEFAULT_NO_ENTRY_RADIUS_KM
from geo.escape import markdown_text as md
from geo.sources.curated import season_for_date
from layers.scenario import NoEntryZone, axis_towns, build_scenario_map
from views import auth, common
from views.access_panels import criticality_panel, series_panel
from views.positions_panel import pcodes_of_hubs, positions_panel

common.init_state()
auth.require_role("planner")  # before any data is loaded (views/auth.py)
st.title("Reachability")
folder = str(common.guarded(common.data_dir))
inputs = common.guarded(common.model_inputs, folder)
hubs = common.hubs_table()


top = st.columns([1, 4], vertical_alignment="bottom")
as_of = top[0].date_input(
    "As-of date",
    key="as_of",
    help="The constraints in force on this date are the 'before' state; the scenario "
    "below is applied on top of them. The live map uses the same date.",
)
axis_status, episodes = common.guarded(common.constraint_state, as_of)
axes = inputs.axes
status_now = axis_status["status"].reindex(axes.index).fillna("unknown")
zones_now = episodes[episodes["in_force"]].drop_duplicates("locality")
in_force = sorted(zones_now["locality"])
counts = status_now.value_counts()
top[1].caption(
    f"State on {as_of:%d %b %Y}: {counts.get('closed', 0)} axes closed, "
    f"{counts.get('constrained', 0)} constrained, {counts.get('open', 0)} open, "
    f"{counts.get('unknown', 0)} unknown; {len(in_force)} no-entry zones in force."
)
short = {a: common.axis_label(a, axes.at[a, "axis_name"], axes.at[a, "route_ref"]) for a in axes.index}
axis_label = {a: f"{short[a]} · {status_now[a]}" for a in axes.index}
places = common.place_choices(folder)
place_label = common.place_labels(folder)

with st.form("scenario"):
    c1, c2, c3 = st.columns(3)
    hub_ids = c1.multiselect(
        "Hubs", list(hubs.index), default=list(hubs.index), format_func=lambda h: hubs.at[h, "name"]
    )
    hours = c2.multiselect("Bands (hours)", [2.0, 4.0, 6.0, 8.0, 12.0], default=[4.0, 8.0, 12.0])
    season = c3.radio(
        "Season (as-of state)", common.SEASON_CHOICES, horizontal=True, format_func=common.season_label
    )
    st.markdown(f"**Scenario** on top of the state on {as_of:%d %b %Y}")
    pick, status_table = st.columns([5, 4])
    close = pick.multiselect("Close axes", list(axes.index), format_func=axis_label.get)
    constrain = pick.multiselect(
        "Constrain axes",
        list(axes.index),
        format_func=axis_label.get,
        help="Constrained: the axis stays usable at reduced speed.",
    )
    reopen = pick.multiselect("Open axes", list(axes.index), format_func=axis_label.get)
    b1, b2, b3 = pick.columns([2, 3, 1.3])
    lift = b1.multiselect("Lift blockades", in_force, help="No-entry zones in force on the date.")
    add = b2.multiselect(
        "Add blockades at",
        list(place_label),
        format_func=place_label.get,
        placeholder="Type a locality name",
        help="A new no-entry zone centred on each locality.",
    )
    radius = b3.number_input(
        "Radius (km)",
        min_value=0.5,
        max_value=100.0,
        value=float(DEFAULT_NO_ENTRY_RADIUS_KM),
        step=0.5,
        help="No-entry radius of the blockades added here.",
    )
    scen_season = pick.radio("Scenario season", ["same", "dry", "rainy"], horizontal=True)
    since = axis_status["valid_from"].reindex(axes.index)
    status_table.table(
        pd.DataFrame(
            {
                "Status": status_now.to_numpy(),
                "Since": [str(since[a]) if pd.notna(since[a]) else "" for a in axes.index],
            },
            index=pd.Index([short[a] for a in axes.index], name=f"Axis (on {as_of:%d %b %Y})"),
        )
    )
    st.form_submit_button("Compute", type="primary")

if not hub_ids or not hours:
    st.info("Choose at least one hub and one band.")
    st.stop()
picked = {"close": close, "constrain": constrain, "open": reopen}
twice = sorted({a for ids in picked.values() for a in ids if sum(a in v for v in picked.values()) > 1})
if twice:
    st.warning(
        "Picked in more than one list (closed wins over constrained, constrained over open): "
        + ", ".join(md(short[a]) for a in twice)
    )
same = [
    f"{short[a]} is already {status}"
    for ids, status in ((close, "closed"), (constrain, "constrained"), (reopen, "open"))
    for a in ids
    if status_now[a] == status
]
if same:
    st.info(f"No change on {as_of:%d %b %Y}: " + "; ".join(md(t) for t in same) + ".")
blockades = tuple(
    (str(places.at[p, "name"]), float(places.at[p, "lon"]), float(places.at[p, "lat"]), float(radius))
    for p in add
)
key = (
    folder,
    as_of,
    tuple(sorted(hours)),
    season,
    tuple(hub_ids),
    common.state_token(),
    tuple(close),
    tuple(reopen),
    tuple(lift),
    None if scen_season == "same" else scen_season,
)
out = common.guarded(common.reach_scenario, *key, constrain_axes=tuple(constrain), add_blockades=blockades)
scenario_key = (*key, tuple(constrain), blockades)  # every input of the scenario (map and file caches)
changes, loc = out["changes"], out["localities"]
has_scenario = bool(close or reopen or constrain or lift or blockades or scen_season != "same")
parts = (
    [f"close {', '.join(short[a] for a in close)}"] * bool(close)
    + [f"constrain {', '.join(short[a] for a in constrain)}"] * bool(constrain)
    + [f"open {', '.join(short[a] for a in reopen)}"] * bool(reopen)
    + [f"lift the blockade of {', '.join(lift)}"] * bool(lift)
    + [f"add a {radius:g} km blockade at {', '.join(b[0] for b in blockades)}"] * bool(blockades)
    + [f"{scen_season} season"] * (scen_season != "same")
)
st.markdown(
    "**Scenario:** " + (md("; ".join(parts)) if parts else "no change entered (same as the as-of state).")
)

zones = [
    NoEntryZone(
        r["locality"],
        float(r["lon"]),
        float(r["lat"]),
        float(r["radius_km"]),
        "lifted" if r["locality"] in lift else "in_force",
    )
    for _, r in zones_now.iterrows()
]
zones += [NoEntryZone(name, lon, lat, r, "added") for name, lon, lat, r in blockades]
towns = axis_towns(axes)
base = common.map_base(folder)
frames = common.scenario_map_frames(scenario_key, out)


@st.fragment
def map_panel() -> None:
    """Band picker and the before/after map (reruns alone when the band changes)."""
    band = st.select_slider("Band shown on the map (hours)", options=sorted(hours), value=max(hours))
    m = build_scenario_map(
        as_of=as_of,
        hours=band,
        base=base,
        frames=frames,
        hubs=hubs,
        hub_ids=hub_ids,
        changes=changes,
        status_before=axis_status,
        status_after=out["axis_status_after"],
        zones=zones,
        towns=towns,
    )
    st_folium(m, key="reach_map", height=600, use_container_width=True, returned_objects=[], render=False)
    st.caption(
        "Filled: reach under the scenario; dashed outline: the same band before it. Black "
        "hatching: area lost against the as-of state; green hatching: area gained. Hover or click "
        "an area for its hub, band and km² (areas of several hubs overlap; the table below lists "
        "them all)."
    )


map_panel()
positions_panel(
    str(common.store_path()),
    role=auth.current_role(),
    axes=set(close)
    | set(constrain)
    | set(reopen)
    | set(status_now[status_now.isin(["closed", "constrained"])].index),
    pcodes=pcodes_of_hubs(hubs, hub_ids) | {str(p) for p in zones_now.get("adm3_pcode", []) if p},
    localities={z.locality for z in zones},
)

state_label = f"as-of state on {as_of:%d %b %Y}, {common.season_arg(season) or season_for_date(as_of)} season"
# Areas before/after are the band polygons clipped to Mali (``area_km2``, as `python -m geo reach`
# and the live map print them), not the cell counts of ``changes`` (whole border cells).
band_keys = ["hub_id", "hours"]
table = (
    changes.drop(columns=["area_before_km2", "area_after_km2"])
    .merge(
        out["before"][[*band_keys, "area_km2"]].rename(columns={"area_km2": "area_before_km2"}),
        on=band_keys,
        how="left",
    )
    .merge(
        out["after"][[*band_keys, "area_km2"]].rename(columns={"area_km2": "area_after_km2"}),
        on=band_keys,
        how="left",
    )
)
table = table[
    [
        "hub",
        "hours",
        "area_before_km2",
        "area_after_km2",
        "km2_lost",
        "km2_gained",
        "population_before",
        "population_after",
        "population_lost",
        "population_gained",
        "localities_before",
        "localities_after",
        "localities_lost",
        "localities_gained",
        "recomputed",
    ]
]
NUM = st.column_config.NumberColumn
HUB = st.column_config.TextColumn("Hub", width="medium")
CHANGE_CONFIG = {
    "hub": HUB,
    "hours": NUM("Within (h)", format="%g"),
    "area_before_km2": NUM("Area before (km²)", format="%,.0f"),
    "area_after_km2": NUM("Area under scenario (km²)", format="%,.0f"),
    "km2_lost": NUM("Area lost (km²)", format="%,.0f"),
    "km2_gained": NUM("Area gained (km²)", format="%,.0f"),
    "population_before": NUM("Population before", format="%,.0f"),
    "population_after": NUM("Population under scenario", format="%,.0f"),
    "population_lost": NUM("Population lost", format="%,.0f"),
    "population_gained": NUM("Population gained", format="%,.0f"),
    "localities_before": NUM("Localities before"),
    "localities_after": NUM("Localities under scenario"),
    "localities_lost": NUM("Localities lost"),
    "localities_gained": NUM("Localities gained"),
    "recomputed": st.column_config.CheckboxColumn("Recomputed"),
}
BAND_CONFIG = {
    "hub": HUB,
    "hours": NUM("Within (h)", format="%g"),
    "area_km2": NUM("Area (km²)", format="%,.0f"),
    "population": NUM("Population", format="%,.0f"),
    "localities": NUM("Localities"),
    "hub_status": st.column_config.TextColumn("Hub status"),
}
TEXT = st.column_config.TextColumn
LOCALITY_CONFIG = {
    "hub": HUB,
    "hours": NUM("Within (h)", format="%g"),
    "locality": TEXT("Locality", width="medium"),
    "cercle": TEXT("Cercle", width="medium"),
    "adm3_pcode": TEXT("Commune P-code"),
    "before": TEXT("Travel time before"),
    "after": TEXT("Travel time under scenario"),
}
band_cols = ["hub", "hours", "area_km2", "population", "localities", "hub_status"]

st.subheader("Scenario against the as-of state, per hub and band")
st.dataframe(table, hide_index=True, width="stretch", column_config=CHANGE_CONFIG)
st.caption(
    "Areas before and under the scenario: band polygons clipped to Mali's outline (the figures of "
    "`python -m geo reach` and the live map). Area lost/gained: whole grid cells (cell-exact, not "
    "clipped), so *after − before* can differ from *gained − lost* by the part of border cells "
    "outside Mali (well under 1 %). Population and localities count whole cells in both."
)
before_tab, after_tab = st.tabs(
    [
        f"Before: reachable areas ({state_label})",
        "After: reachable areas under the scenario"
        + ("" if has_scenario else " (no change entered: same as before)"),
    ]
)
before_tab.dataframe(out["before"][band_cols], hide_index=True, width="stretch", column_config=BAND_CONFIG)
after_tab.dataframe(out["after"][band_cols], hide_index=True, width="stretch", column_config=BAND_CONFIG)

limit = max(hours)
cercle = inputs.places["adm2_name"].reindex(loc["place_id"]).to_numpy() if len(loc) else []
shown = loc.assign(
    cercle=cercle,
    before=[common.hours_text(v, limit_h=limit) for v in loc["travel_time_h_before"]],
    after=[common.hours_text(v, limit_h=limit) for v in loc["travel_time_h_after"]],
)
cols = ["hub", "hours", "locality", "cercle", "adm3_pcode", "before", "after"]
n_lost, n_gained = int((loc["change"] == "lost").sum()), int((loc["change"] == "gained").sum())
lost_tab, gained_tab = st.tabs(
    [f"Localities lost under the scenario ({n_lost})", f"Localities gained under the scenario ({n_gained})"]
)
for tab, change in ((lost_tab, "lost"), (gained_tab, "gained")):
    tab.dataframe(
        shown[shown["change"] == change][cols],
        hide_index=True,
        width="stretch",
        column_config=LOCALITY_CONFIG,
    )
st.caption(
    f"Travel times are searched up to the largest band ({limit:g} h): a locality beyond it is "
    "shown as not reached."
)

# Files are built only when a button is clicked (deferred), once per scenario (cached on its key).
d1, d2 = st.columns(2)
d1.download_button(
    "GeoPackage (bands, lost, gained, localities)",
    lambda: common.scenario_downloads(scenario_key, out)[0],
    "reach_scenario.gpkg",
    mime="application/geopackage+sqlite3",
    on_click="ignore",
)
d2.download_button(
    "Localities gained/lost (CSV + HXL)",
    lambda: common.scenario_downloads(scenario_key, out)[1],
    "reach_scenario_localities.csv",
    mime="text/csv",
    on_click="ignore",
)

# Which axes and crossings matter most, and access over time (python -m geo criticality / series)
lang = common.settings().lang
criticality_panel(folder, as_of=as_of, hours=hours, season=season, hub_ids=hub_ids, lang=lang)
series_panel(folder, as_of=as_of, hours=hours, season=season, hub_ids=hub_ids, lang=lang)
