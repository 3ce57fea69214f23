"""Reachability: hubs, bands, season and a what-if scenario built here; before/after map and tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.config import DEFAULT_NO_ENTRY_RADIUS_KM
from geo.escape import markdown_text as md
from geo.products.i18n import format_hours
from geo.sources.curated import season_for_date
from geo.vocab import ROAD_STATUS
from layers.scenario import NoEntryZone, axis_towns, build_scenario_map
from views import auth, common
from views.access_panels import criticality_panel, series_panel
from views.common import t
from views.positions_panel import located_positions, pcodes_of_hubs, positions_panel

common.init_state()
auth.require_role("planner")  # before any data is loaded (views/auth.py)
st.title(t("reach.title"))
folder = str(common.guarded(common.data_dir))
inputs = common.guarded(common.model_inputs, folder)
hubs = common.hubs_table()


top = st.columns([1, 4], vertical_alignment="bottom")
as_of = top[0].date_input(
    t("common.as_of"), key="as_of", help=t("reach.as_of_help"), format=common.date_format()
)
axis_status, episodes = common.guarded(common.constraint_state, as_of)
axes = inputs.axes
status_now = axis_status["status"].reindex(axes.index).fillna("unknown")
zones_now = episodes[episodes["in_force"]].drop_duplicates("locality")
in_force = sorted(zones_now["locality"])
counts = status_now.value_counts()
top[1].caption(
    t(
        "reach.state",
        date=common.day(as_of),
        closed=common.tn("reach.n_closed", int(counts.get("closed", 0))),
        constrained=common.tn("reach.n_constrained", int(counts.get("constrained", 0))),
        open=common.tn("reach.n_open", int(counts.get("open", 0))),
        unknown=common.tn("reach.n_unknown", int(counts.get("unknown", 0))),
        zones=common.tn("reach.n_zones", len(in_force)),
    )
)
short = {a: common.axis_label(a, axes.at[a, "axis_name"], axes.at[a, "route_ref"]) for a in axes.index}
status_text = {a: ROAD_STATUS.label(status_now[a], common.lang()) for a in axes.index}
axis_label = {a: f"{short[a]} · {status_text[a]}" for a in axes.index}
places = common.place_choices(folder)
place_label = common.place_labels(folder)


@st.fragment
def blockade_picker() -> None:
    """Places to blockade in the scenario: search and pick (reruns alone; applied with the form).

    Outside the scenario form, so a search lists its matches at once; the choice and the
    radius are kept in the session (``scenario_add``, ``scenario_radius``) and taken by
    the next computation. Every visible text is the catalogs' (see ``common.search_pick``).
    """
    with st.container(border=True):
        st.markdown(t("reach.add_head"))
        left, right = st.columns([5, 1])
        with left:
            common.search_pick(
                t("reach.add"),
                place_label,
                key="scenario_add",
                search_label=t("reach.add_search"),
                none_text=t("reach.add_none"),
                help=t("reach.add_help"),
            )
        right.number_input(
            t("reach.radius"),
            min_value=0.5,
            max_value=100.0,
            value=float(DEFAULT_NO_ENTRY_RADIUS_KM),
            step=0.5,
            format="%g",  # "5", "5.5": not "5.00" (Streamlit writes its numbers with a point)
            help=t("reach.radius_help"),
            key="scenario_radius",
        )
        st.caption(t("reach.add_applied"))


blockade_picker()
with st.form("scenario", enter_to_submit=False):
    c1, c2, c3 = st.columns(3)
    hub_ids = common.pick_many(
        t("common.hubs"),
        list(hubs.index),
        default=list(hubs.index),
        format_func=lambda h: hubs.at[h, "name"],
        container=c1,
        key="reach_hubs",
    )
    hours = common.pick_many(
        t("reach.bands"),
        [2.0, 4.0, 6.0, 8.0, 12.0],
        default=[4.0, 8.0, 12.0],
        format_func=lambda h: f"{h:g} h",
        container=c2,
        key="reach_bands",
    )
    season = c3.radio(
        t("reach.season"),
        common.SEASON_CHOICES,
        horizontal=True,
        format_func=common.season_label,
        key="reach_season",
    )
    st.markdown(t("reach.scenario_on", date=common.day(as_of)))
    pick, status_table = st.columns([5, 4])
    # every widget of the form keyed: a widget without a key is named by its label, so a
    # language switch made new, empty widgets and dropped the scenario (French trial)
    # only the axes not closed on the as-of date can be closed; an axis chosen before the date
    # changed and closed on the new one is taken out of the choice, and said so
    closable = [a for a in axes.index if status_now[a] != "closed"]
    dropped = [a for a in st.session_state.get("reach_close", []) if a not in closable]
    if dropped:
        st.session_state["reach_close"] = [a for a in st.session_state["reach_close"] if a in closable]
    close = pick.multiselect(
        t("reach.close"),
        closable,
        format_func=axis_label.get,
        key="reach_close",
        placeholder=common.t("common.choose_options"),
        filter_mode=None,  # no typing, no "Select all": Streamlit's drop-down texts are English only
        select_all=False,
    )
    if n_closed := len(axes.index) - len(closable):
        pick.caption(common.tn("reach.close_closed", n_closed, date=common.day(as_of)))
    if dropped:
        names = ", ".join(md(short.get(a, a)) for a in dropped)
        pick.warning(t("reach.close_dropped", date=common.day(as_of), axes=names))
    constrain = pick.multiselect(
        t("reach.constrain"),
        list(axes.index),
        format_func=axis_label.get,
        key="reach_constrain",
        help=t("reach.constrain_help"),
        placeholder=common.t("common.choose_options"),
        filter_mode=None,
        select_all=False,
    )
    reopen = pick.multiselect(
        t("reach.open"),
        list(axes.index),
        format_func=axis_label.get,
        key="reach_open",
        placeholder=common.t("common.choose_options"),
        filter_mode=None,  # no typing, no "Select all": Streamlit's drop-down texts are English only
        select_all=False,
    )
    lift = (
        common.pick_many(
            t("reach.lift"), in_force, help=t("reach.lift_help"), container=pick, key="reach_lift"
        )
        if in_force
        else []
    )
    scen_season = pick.radio(
        t("reach.scenario_season"),
        ["same", "dry", "rainy"],
        horizontal=True,
        format_func=lambda v: t(f"reach.season_{v}"),
        key="reach_scenario_season",
    )
    since = axis_status["valid_from"].reindex(axes.index)
    status_table.table(
        pd.DataFrame(
            {
                t("reach.col_status"): [status_text[a] for a in axes.index],
                t("reach.col_since"): [
                    common.day(pd.Timestamp(since[a]).date()) if pd.notna(since[a]) else ""
                    for a in axes.index
                ],
            },
            index=pd.Index([short[a] for a in axes.index], name=t("reach.col_axis", date=common.day(as_of))),
        )
    )
    st.form_submit_button(t("reach.compute"), type="primary")

add = [p for p in st.session_state.get("scenario_add", []) or [] if p in place_label]
radius = float(st.session_state.get("scenario_radius", DEFAULT_NO_ENTRY_RADIUS_KM))
if not hub_ids or not hours:
    st.info(t("reach.choose"))
    st.stop()
picked = {"close": close, "constrain": constrain, "open": reopen}
twice = sorted({a for ids in picked.values() for a in ids if sum(a in v for v in picked.values()) > 1})
if twice:
    st.warning(t("reach.twice") + " " + ", ".join(md(short[a]) for a in twice))
same = [
    t("reach.already", axis=short[a], status=ROAD_STATUS.label(status, common.lang()))
    for ids, status in ((close, "closed"), (constrain, "constrained"), (reopen, "open"))
    for a in ids
    if status_now[a] == status
]
if same:
    st.info(t("reach.no_change_on", date=common.day(as_of)) + " " + "; ".join(md(x) for x in same) + ".")
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
    [t("reach.part_close", axes=", ".join(short[a] for a in close))] * bool(close)
    + [t("reach.part_constrain", axes=", ".join(short[a] for a in constrain))] * bool(constrain)
    + [t("reach.part_open", axes=", ".join(short[a] for a in reopen))] * bool(reopen)
    + [t("reach.part_lift", places=", ".join(lift))] * bool(lift)
    + [
        t(
            "reach.part_add",
            km=format_hours(radius, common.lang()),
            places=", ".join(b[0] for b in blockades),
        )
    ]
    * bool(blockades)
    + [t(f"reach.season_{scen_season}")] * (scen_season != "same")
)
st.markdown(f"**{t('reach.scenario')}** " + (md("; ".join(parts)) if parts else t("reach.no_change")))

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
role = auth.current_role()
store = str(common.store_path())
lang = common.lang()
located = common.guarded(located_positions, store, folder, role)
aor = pcodes_of_hubs(hubs, hub_ids)
aor_units = [common.admin(folder, 1), common.admin(folder, 2)]
aor_area = pd.concat([u[u["pcode"].isin(aor)] for u in aor_units]).union_all() if aor else None


@st.fragment
def map_panel() -> None:
    """Band picker and the before/after map (reruns alone when the band changes)."""
    band = st.select_slider(
        t("reach.band_shown"), options=sorted(hours), value=max(hours), format_func=lambda h: f"{h:g} h"
    )
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
        positions=located,
        lang=lang,
    )
    st_folium(m, key="reach_map", height=600, use_container_width=True, returned_objects=[], render=False)
    st.caption(t("reach.map_caption"))


map_panel()
positions_panel(
    store,
    role=role,
    axes=set(close)
    | set(constrain)
    | set(reopen)
    | set(status_now[status_now.isin(["closed", "constrained"])].index),
    pcodes=aor | {str(p) for p in zones_now.get("adm3_pcode", []) if p},
    localities={z.locality for z in zones},
    located=located,
    area=aor_area,
    lang=lang,
)

state_label = t(
    "reach.state_label",
    date=common.day(as_of),
    season=common.season_label(common.season_arg(season) or season_for_date(as_of)),
)
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
band_cols = ["hub", "hours", "area_km2", "population", "localities", "hub_status"]
change_table = common.shown_numbers(
    table.assign(
        hours=[format_hours(h, common.lang()) for h in table["hours"]],
        recomputed=[t("common.yes") if r else t("common.no") for r in table["recomputed"]],
    ),
    {c: 0 for c in table.columns if c.startswith(("area_", "km2_", "population_", "localities_"))},
)

st.subheader(t("reach.changes_title"))
# One tab per measure (before, under the scenario, lost, gained): the fifteen columns side by
# side ran past the page's edge at 1440 px; figures aligned right (French trial).
measure_tabs = st.tabs([t("bands.col.area_km2"), t("bands.col.population"), t("bands.col.localities")])
for tab, figures in zip(
    measure_tabs,
    (
        ["area_before_km2", "area_after_km2", "km2_lost", "km2_gained"],
        ["population_before", "population_after", "population_lost", "population_gained"],
        ["localities_before", "localities_after", "localities_lost", "localities_gained"],
    ),
    strict=True,
):
    common.table(
        common.labelled(change_table[["hub", "hours", *figures, "recomputed"]], "reach.col"),
        t("common.no_rows"),
        where=tab,
        hide_index=True,
        width="stretch",
        column_config=common.right_aligned(t(f"reach.col.{c}") for c in ["hours", *figures]),
    )
st.caption(t("reach.changes_caption"))
before_tab, after_tab = st.tabs(
    [
        t("reach.before_tab", state=state_label),
        t("reach.after_tab") + ("" if has_scenario else " " + t("reach.after_same")),
    ]
)
for tab, bands in ((before_tab, out["before"]), (after_tab, out["after"])):
    common.show_band_table(bands, t("common.no_rows"), where=tab)

limit = max(hours)
cercle = inputs.places["adm2_name"].reindex(loc["place_id"]).to_numpy() if len(loc) else []
# One row per locality (the engine has one per hub, band and locality): a planner counts villages.
per_place = {
    c: common.localities_by_change(loc.assign(cercle=cercle), c, limit_h=limit) for c in ("lost", "gained")
}
lost_tab, gained_tab = st.tabs(
    [t("reach.lost_tab", n=len(per_place["lost"])), t("reach.gained_tab", n=len(per_place["gained"]))]
)
# Travel times per hub run long ("Bamako : non atteint (> 12 h) ; Tombouctou : ..."): fixed widths
# (px) that add up to the page's width at 1440 px, and rows of up to three lines in which the text wraps.
for tab, change, bands_key, what, none in (
    (lost_tab, "lost", "bands_lost", t("reach.lost_rows"), t("reach.lost_none")),
    (gained_tab, "gained", "bands_gained", t("reach.gained_rows"), t("reach.gained_none")),
):
    widths = {bands_key if c == "bands" else c: w for c, w in common.PLACE_WIDTHS.items()}
    common.table(
        common.labelled(per_place[change].rename(columns={"bands": bands_key}), "reach.col"),
        none,
        where=tab,
        hide_index=True,
        width="stretch",
        column_config={t(f"reach.col.{c}"): st.column_config.Column(width=w) for c, w in widths.items()},
        row_height=66,  # Streamlit wraps cell text only in rows taller than 4rem (64 px)
    )
    tab.caption(what)
st.caption(t("reach.limit_caption", h=format_hours(limit, common.lang())))

# Files are built only when a button is clicked (deferred), once per scenario (cached on its key).
d1, d2 = st.columns(2)
d1.download_button(
    t("reach.dl_gpkg"),
    lambda: common.scenario_downloads(scenario_key, out)[0],
    "reach_scenario.gpkg",
    mime="application/geopackage+sqlite3",
    on_click="ignore",
)
d2.download_button(
    t("reach.dl_csv"),
    lambda: common.scenario_downloads(scenario_key, out)[1],
    "reach_scenario_localities.csv",
    mime="text/csv",
    on_click="ignore",
)

# Which axes and crossings matter most, and access over time (python -m geo criticality / series)
lang = common.lang()
criticality_panel(folder, as_of=as_of, hours=hours, season=season, hub_ids=hub_ids, lang=lang)
series_panel(folder, as_of=as_of, hours=hours, season=season, hub_ids=hub_ids, lang=lang)
