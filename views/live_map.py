"""Live map for signed-in users: admin units, roads, incidents, encirclements, hubs, reach.

As of a chosen date; the fields each role receives follow geo/products/policy.py.
"""

import pandas as pd
import streamlit as st

from geo.escape import markdown_text as md
from geo.model.incidents import time_window
from geo.products import policy
from geo.products.i18n import format_number, tr
from layers.live import build_live_map
from views import auth, common, maps
from views.common import t
from views.positions_panel import located_positions, pcodes_of_hubs, positions_panel

auth.require_role("viewer")  # before any data is loaded (views/auth.py)
st.title(t("live.title"))
folder = str(common.guarded(common.data_dir))
hubs = common.guarded(common.hubs_table)

with st.sidebar:
    st.header(t("live.settings"))
    as_of = st.date_input(
        t("common.as_of"), key="as_of", help=t("live.as_of_help"), format=common.date_format()
    )
    hub_ids = common.pick_many(
        t("common.hubs"), list(hubs.index), default=list(hubs.index), format_func=lambda h: hubs.at[h, "name"]
    )
    hours = common.pick_many(
        t("live.bands"),
        [2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0],
        default=[4.0, 8.0, 12.0],
        format_func=lambda h: f"{h:g} h",
    )
    season = st.radio(
        t("common.season"),
        common.SEASON_CHOICES,
        horizontal=True,
        key="season",
        format_func=common.season_label,
    )
    window = st.slider(t("live.window"), 30, 365 * 10, key="incident_days", step=30)
    show_admin3 = st.checkbox(t("live.show_admin3"), value=False)

role = auth.current_role()
token = common.state_token()
inputs = common.guarded(common.model_inputs, folder)
axis_status, _ = common.guarded(common.constraint_state, as_of)
episodes = common.guarded(common.encircled_with_population, folder, as_of)
# The policy decides which fields this role receives: dropped here, before any layer is
# built, so they are in no popup and nowhere in the page data (geo/products/policy.py).
axis_status = policy.for_role(axis_status, "road_status", role)
episodes = policy.for_role(episodes, "encircled", role)
bands, localities = (
    common.guarded(common.reach, folder, as_of, tuple(sorted(hours)), season, tuple(hub_ids), token)
    if hub_ids and hours
    else (None, None)
)
incidents_key = f"{token}|{common.incidents_token()}"

store = str(common.store_path())
lang = common.lang()
located = common.guarded(located_positions, store, folder, role)
aor = pcodes_of_hubs(hubs, hub_ids)
units = [common.admin(folder, 1), common.admin(folder, 2)]
aor_area = pd.concat([u[u["pcode"].isin(aor)] for u in units]).union_all() if aor else None


def build():  # noqa: ANN202
    """Build the folium map (called once per key below, by the first session that asks).

    The inputs only the map needs (incidents, towns, rivers, crossings' status, communes)
    are read here, so a session whose map is already built does not read them.
    """
    incidents = common.incidents(folder, incidents_key)
    recent = policy.for_role(time_window(incidents, as_of=as_of, days=int(window)), "incidents", role)
    return build_live_map(
        as_of=as_of,
        admin1=units[0],
        admin2=units[1],
        admin3=common.admin(folder, 3) if show_admin3 else None,
        roads=inputs.roads,
        axes=inputs.axes,
        axis_status=axis_status,
        episodes=episodes,
        hubs=hubs,
        hub_ids=hub_ids,
        bands=bands,
        incidents=recent,
        incidents_label=tr(
            "map.layer_incidents", lang, n=format_number(len(recent), lang), days=format_number(window, lang)
        ),
        restricted=policy.may_see_restricted(role),
        towns=common.towns(folder),
        network=inputs.network,
        crossings=inputs.crossings,
        crossing_status=common.crossing_status(as_of),
        water=common.water(folder),
        positions=located,
        lang=lang,
        stale_days=common.settings().stale_days,
    )


# Rendering the map is the page's heaviest step: done once per state, role and language for every
# session (views/maps.py); the key holds every input of the map.
map_key = (
    "live",
    common.data_fingerprint(folder),
    token,
    incidents_key,
    common.positions_token(),
    as_of,
    tuple(hub_ids),
    tuple(sorted(hours)),
    season,
    int(window),
    bool(show_admin3),
    role,
    lang,
)
maps.show_map(common.guarded(maps.shared_map, map_key, build), key="live_map", height=680)

live = episodes[episodes["in_force"]] if "in_force" in episodes.columns else episodes.iloc[:0]
positions_panel(
    store,
    role=role,
    axes=inputs.axes.index,
    pcodes=aor | {str(p) for p in live.get("adm3_pcode", []) if p},
    localities=live["locality"],
    located=located,
    area=aor_area,
    lang=lang,
)

if bands is not None:
    st.subheader(t("live.reachable"))
    # a static table: the page's heaviest widget in the browser was the interactive grid
    # (a quarter of the live map's browser CPU, bench/bench_load.py), for 3 rows per hub
    st.table(common.band_table(bands), hide_index=True, border="horizontal")
    blocked = bands[~bands["hub_status"].isin(["ok", "moved"])].drop_duplicates("hub")
    for _, row in blocked.iterrows():
        reason = common.hub_reason(str(row["hub_status"]))
        st.warning(md(t("bands.hub_cannot_start", hub=row["hub"], reason=reason)))
st.caption(t("live.caption", date=common.day(as_of)))
