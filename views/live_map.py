"""Live map for signed-in users: admin units, roads, incidents, encirclements, hubs, reach.

As of a chosen date; the fields each role receives follow geo/products/policy.py.
"""

import pandas as pd
import streamlit as st

from geo.escape import markdown_text as md
from geo.sources.curated import season_for_date
from views import auth, common, maps
from views.common import t
from views.live_content import live_map_payload, live_state
from views.positions_panel import pcodes_of_hubs, positions_panel

auth.require_role("viewer")  # before any data is loaded (views/auth.py)
st.title(t("live.title"))
folder = str(common.guarded(common.data_dir))
hubs = common.guarded(common.hubs_table)

# The map's settings open from a button (a popover): Streamlit draws a popover's widgets only
# when it is open, and these six cost about a quarter of the page's browser CPU on each visit
# (bench/bench_load.py); what is in force is written under the button.
with st.sidebar.popover(t("live.settings"), width="stretch"):
    as_of = st.date_input(
        t("common.as_of"), key="as_of", help=t("live.as_of_help"), format=common.date_format()
    )
    # keyed: the choices survive a language switch and a visit to another page (common.init_state)
    if "hub_ids" in st.session_state:  # a hub taken out of the hubs table since the last visit
        st.session_state["hub_ids"] = [h for h in st.session_state["hub_ids"] if h in hubs.index]
    hub_ids = common.pick_many(
        t("common.hubs"),
        list(hubs.index),
        default=list(hubs.index),
        format_func=lambda h: hubs.at[h, "name"],
        key="hub_ids",
    )
    hours = common.pick_many(
        t("live.bands"),
        list(common.LIVE_BANDS_H),
        default=list(common.DEFAULT_BANDS_H),
        format_func=lambda h: f"{h:g} h",
        key="hours",
    )
    season = st.radio(
        t("common.season"),
        common.SEASON_CHOICES,
        horizontal=True,
        key="season",
        format_func=common.season_label,
    )
    # day counts written in the session's language ("2 190 jours", not Streamlit's "2190")
    window = st.select_slider(
        t("live.window"),
        common.LIVE_WINDOW_DAYS,
        key="incident_days",
        format_func=lambda d: t("live.window_days", days=common.num(d)),
    )
    show_admin3 = st.checkbox(t("live.show_admin3"), value=False)

role = auth.current_role()
lang = common.lang()
choices = {"as_of": as_of, "hub_ids": tuple(hub_ids), "hours": tuple(hours), "season": season}
state = common.guarded(live_state, folder, **choices, role=role)
inputs, episodes, bands, located = state.inputs, state.episodes, state.bands, state.located
# what is in force, under the settings button (the season of the date from the model's calendar)
season_now = common.season_arg(season) or season_for_date(as_of, inputs.season_calendar)
st.sidebar.caption(
    t(
        "live.settings_now",
        date=common.day(as_of),
        hubs=common.tn("live.hubs_count", len(hub_ids)),
        bands=",\u00a0".join(f"{h:g}" for h in sorted(hours)) or "-",  # kept on one line
        season=common.season_label(season_now),
        days=common.num(window),
    )
)
store = str(common.store_path())
aor = pcodes_of_hubs(hubs, hub_ids)
units = [common.admin(folder, 1), common.admin(folder, 2)]
aor_area = pd.concat([u[u["pcode"].isin(aor)] for u in units]).union_all() if aor else None

# Rendering the map is the page's heaviest step: done once per state, role and language for
# every session (views/live_content.py).
payload = common.guarded(
    live_map_payload,
    folder,
    state,
    **choices,
    window=int(window),
    show_admin3=bool(show_admin3),
    role=role,
    lang=lang,
)
maps.show_map(payload, height=680)

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
    # a Markdown table: the interactive grid took a quarter of the live map's browser CPU,
    # st.table's Arrow code a sixth (bench/bench_load.py), for 3 rows per hub
    figures = [t(f"bands.col.{c}") for c in ("hours", *common.BAND_FIGURES)]  # as common.show_band_table
    common.text_table(common.band_table(bands), right=figures)
    blocked = bands[~bands["hub_status"].isin(["ok", "moved"])].drop_duplicates("hub")
    for _, row in blocked.iterrows():
        reason = common.hub_reason(str(row["hub_status"]))
        st.warning(md(t("bands.hub_cannot_start", hub=row["hub"], reason=reason)))
st.caption(t("live.caption", date=common.day(as_of)))
