"""Constraints: record road status, crossing status and encircled localities, see history and reach impact.

Records are dated, audited and append-only. Every save goes to the shared store; other
sessions see it on their next interaction (the cached loaders are keyed on the store's
state token).
"""

import time

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.errors import AccessMapError
from geo.escape import markdown_text as md
from geo.store import constraints
from geo.store.db import display_location
from geo.vocab import CAUSE, CONFIDENCE, ENCIRCLED_STATUS, ROAD_STATUS
from layers.basemap import make_map
from layers.encircled import build_encircled_layer
from layers.roads import build_crossings_layer, build_roads_layer
from views import auth, common

AXES, CROSSINGS, LOCALITIES = "Road axes", "River crossings", "Encircled localities"
NEW = "➕ new"

common.init_state()
auth.require_role("advisor")  # before any data is loaded (views/auth.py)
st.title("Access constraints")
folder = str(common.guarded(common.data_dir))
store = common.store_path()
token = common.state_token()
versions = common.guarded(common.versions, str(store), token)
inputs = common.guarded(common.model_inputs, folder)
with st.sidebar:
    as_of = st.date_input("As-of date", key="as_of", help="Statuses in force on this date are listed.")
axis_status, episodes = common.guarded(common.constraint_state, as_of)


def form_base(kind: str, item: str, head: int) -> int:
    """Return the version the open form is based on: the item's latest version when first shown.

    Kept in the session per item until a save succeeds or a conflict is shown, so a save
    names the version the advisor saw (optimistic check in ``geo.store.constraints``).
    """
    key = f"based_on_{kind}"
    held = st.session_state.get(key)
    if not held or held[0] != item:
        st.session_state[key] = (item, head)
    return int(st.session_state[key][1])


def show_conflict(kind: str, exc: constraints.ConflictError, columns: list[str]) -> None:
    """Show a refused save and the newer version; the next save is based on that version."""
    st.error(f"Not saved: someone else changed it first. {md(exc)}")
    newer = {c: exc.current.get(c) for c in ["version_id", *columns, "recorded_by", "recorded_at"]}
    st.dataframe(pd.DataFrame([newer]), hide_index=True, width="stretch")
    st.session_state[f"based_on_{kind}"] = (exc.item, int(exc.current["version_id"]))


def report_impact(
    label: str,
    *,
    axis_id: str | None = None,
    episode_id: str | None = None,
    crossing_id: str | None = None,
) -> None:
    """Recompute the reach after a save and keep its cell-exact difference for the next run.

    The difference is ``geo.model.scenario.run_change`` (the one used by the Reachability
    page and ``python -m geo reach --scenario``): the as-of reach before the save (cached
    with its cells) against the state read back from the store, recomputing only the
    hubs the change can reach.
    """
    from geo.model.reach import base_state
    from geo.model.scenario import Scenario, run_change, summarise_changes

    hours, season = tuple(sorted(st.session_state["hours"])), st.session_state["season"]
    hubs = common.hubs_table()
    new_token = common.state_token()
    after_versions = common.versions(str(store), new_token)
    day = constraints.change_day(
        versions,
        after_versions,
        as_of=as_of,
        axis_id=axis_id,
        episode_id=episode_id,
        crossing_id=crossing_id,
    )
    before = common.reach_before(folder, day, hours, season, tuple(hubs.index), token)
    t0 = time.perf_counter()
    state = base_state(
        inputs,
        after_versions.road_status,
        after_versions.encircled,
        day,
        season=common.season_arg(season),
        crossing_versions=after_versions.crossing_status,
    )
    result = run_change(inputs, hubs, before, state, scenario=Scenario(name=label))
    seconds = time.perf_counter() - t0
    recomputed = result.changes.loc[result.changes["recomputed"], "hub"].drop_duplicates()
    # the last save's figures, kept for the session (the same tables as the Reachability page's)
    st.session_state["constraints_last_change"] = {"changes": result.changes, "localities": result.localities}
    st.session_state["constraints_report"] = (  # plain text, escaped where it is shown
        f"Saved: {label}. Reach as of {day:%d %b %Y} recomputed for the hubs it can affect "
        f"({', '.join(recomputed) or 'none'}) in {seconds:.1f} s.",
        summarise_changes(result) or ["No reachable area changed."],
    )


if "constraints_report" in st.session_state:
    head, lines = st.session_state.pop("constraints_report")
    st.success(md(head) + "\n\n" + "\n".join(f"- {md(line)}" for line in lines))

# ------------------------------------------------------------------ map: click to pick an item
m = make_map()
build_roads_layer(inputs.roads, inputs.axes, axis_status, network=inputs.network).add_to(m)
build_crossings_layer(inputs.crossings, constraints.effective_crossing_status(versions, as_of)).add_to(m)
build_encircled_layer(common.guarded(common.encircled_with_population, folder, as_of)).add_to(m)
clicked = (
    st_folium(m, key="constraints_map", height=420, width="stretch", returned_objects=["last_clicked"]) or {}
).get("last_clicked")
if clicked and clicked != st.session_state.get("_constraints_click"):
    st.session_state["_constraints_click"] = clicked
    picked = constraints.pick_nearest(
        clicked["lng"], clicked["lat"], axes=inputs.axes, localities=versions.encircled
    )
    if picked:
        st.session_state["constraints_kind"] = AXES if picked[0] == "axis" else LOCALITIES
        st.session_state[f"pick_{picked[0]}"] = picked[1]
st.caption("Click near an axis or a locality to select it, or pick it from the lists below.")

kind = st.radio("Constraint", [AXES, CROSSINGS, LOCALITIES], horizontal=True, key="constraints_kind")
signed_in = st.session_state.get(auth.USER_KEY)  # the account name when signed in
who = signed_in or st.session_state.get("advisor_name", "")

if kind == AXES:
    axes = constraints.known_axes()
    table = constraints.effective_road_status(versions, as_of, axes=axes)
    shown = st.multiselect(
        "Status", ROAD_STATUS.codes, default=list(ROAD_STATUS), format_func=ROAD_STATUS.label
    )
    st.dataframe(
        table[table["status"].isin(shown)],
        width="stretch",
        column_order=[
            "axis_name",
            "status",
            "escort_kmh",
            "cause",
            "valid_from",
            "valid_to",
            "confidence",
            "source",
            "recorded_by",
            "recorded_at",
            "version_id",
        ],
    )
    axis = st.selectbox(
        "Axis", list(axes.index), key="pick_axis", format_func=lambda a: f"{a} — {axes.at[a, 'axis_name']}"
    )
    history = constraints.road_status_history(store, axis)
    with st.expander(f"History of {md(axis)} ({len(history)} versions)", expanded=False):
        st.dataframe(history, hide_index=True, width="stretch")
    current = [int(v) for v in history.loc[history["superseded_by"].isna(), "version_id"]]
    based_on = form_base("axis", axis, int(history["version_id"].max()) if len(history) else 0)
    with st.form("road_status_form", clear_on_submit=False):
        st.subheader(f"Record a status for {md(axis)}")
        st.caption(
            f"Based on version {based_on} of {md(axis)}" if based_on else f"No version of {md(axis)} yet"
        )
        c1, c2, c3 = st.columns(3)
        status = c1.selectbox(
            "Status", ROAD_STATUS.codes, index=ROAD_STATUS.index("closed"), format_func=ROAD_STATUS.label
        )
        cause = c2.selectbox("Cause", CAUSE.codes, format_func=CAUSE.label)
        confidence = c3.selectbox("Confidence", CONFIDENCE.codes, index=1, format_func=CONFIDENCE.label)
        valid_from = c1.date_input("Valid from", value=as_of)
        valid_to = c2.date_input("Valid to (empty = open-ended)", value=None)
        supersedes = c3.selectbox(
            "Correction of",
            [None, *current],
            format_func=lambda v: "— (a new version)" if v is None else f"version {v}",
        )
        escort = c1.number_input(
            "Escort speed (km/h, constrained only; 0 = none)",
            0.0,
            130.0,
            value=0.0,
            help="Convoy/escort speed used instead of the constrained factor",
        )
        source = st.text_input("Source (report, URL) *")
        note = st.text_input("Note")
        by = st.text_input(
            "Recorded by *",
            value=who,
            disabled=bool(signed_in),
            help="The signed-in account" if signed_in else "Your name (no account signed in)",
        )
        submitted = st.form_submit_button("Save status", type="primary")
    if submitted:
        try:
            res = constraints.record_road_status(
                store,
                axis_id=axis,
                status=status,
                cause=cause,
                valid_from=valid_from,
                valid_to=valid_to,
                source=source,
                recorded_by=by,
                confidence=confidence,
                note=note,
                supersedes=supersedes,
                escort_kmh=escort or None,
                based_on=based_on,
            )
        except constraints.ConflictError as exc:
            show_conflict("axis", exc, ["status", "cause", "valid_from", "valid_to", "source", "note"])
        except AccessMapError as exc:
            st.error(f"Not saved. {md(exc)}")
        else:
            st.session_state["advisor_name"] = by
            st.session_state["based_on_axis"] = (axis, res.version_id)
            report_impact(f"{axis} {status} from {valid_from} (version {res.version_id})", axis_id=axis)
            st.rerun()
elif kind == CROSSINGS:
    crossings = constraints.known_crossings()
    table = constraints.effective_crossing_status(versions, as_of, crossings=crossings)
    shown = st.multiselect(
        "Status",
        ROAD_STATUS.codes,
        default=list(ROAD_STATUS),
        format_func=ROAD_STATUS.label,
        key="crossing_shown",
    )
    st.dataframe(
        table[table["status"].isin(shown)],
        width="stretch",
        column_order=[
            "name",
            "river",
            "kind",
            "status",
            "cause",
            "valid_from",
            "valid_to",
            "confidence",
            "source",
            "recorded_by",
            "recorded_at",
            "version_id",
        ],
    )
    crossing = st.selectbox(
        "Crossing",
        list(crossings.index),
        key="pick_crossing",
        format_func=lambda c: f"{c} — {crossings.at[c, 'name']}",
    )
    history = constraints.crossing_status_history(store, crossing)
    with st.expander(f"History of {crossing} ({len(history)} versions)", expanded=False):
        st.dataframe(history, hide_index=True, width="stretch")
    current = [int(v) for v in history.loc[history["superseded_by"].isna(), "version_id"]]
    with st.form("crossing_status_form", clear_on_submit=False):
        st.subheader(f"Record a status for {crossing}")
        c1, c2, c3 = st.columns(3)
        status = c1.selectbox(
            "Status", ROAD_STATUS.codes, index=ROAD_STATUS.index("closed"), format_func=ROAD_STATUS.label
        )
        cause = c2.selectbox("Cause", CAUSE.codes, format_func=CAUSE.label)
        confidence = c3.selectbox("Confidence", CONFIDENCE.codes, index=1, format_func=CONFIDENCE.label)
        valid_from = c1.date_input("Valid from", value=as_of)
        valid_to = c2.date_input("Valid to (empty = open-ended)", value=None)
        supersedes = c3.selectbox(
            "Correction of",
            [None, *current],
            format_func=lambda v: "— (a new version)" if v is None else f"version {v}",
        )
        source = st.text_input("Source (report, URL) *")
        note = st.text_input("Note")
        by = st.text_input(
            "Recorded by *",
            value=who,
            disabled=bool(signed_in),
            help="The signed-in account" if signed_in else "Your name (no account signed in)",
        )
        submitted = st.form_submit_button("Save crossing status", type="primary")
    if submitted:
        try:
            res = constraints.record_crossing_status(
                store,
                crossing_id=crossing,
                status=status,
                cause=cause,
                valid_from=valid_from,
                valid_to=valid_to,
                source=source,
                recorded_by=by,
                confidence=confidence,
                note=note,
                supersedes=supersedes,
            )
        except AccessMapError as exc:
            st.error(f"Not saved. {exc}")
        else:
            st.session_state["advisor_name"] = by
            report_impact(
                f"{crossing} {status} from {valid_from} (version {res.version_id})", crossing_id=crossing
            )
            st.rerun()
else:
    only_now = st.checkbox("Only episodes in force on the as-of date", value=True)
    listed = episodes[episodes["in_force"]] if only_now else episodes
    st.dataframe(
        listed.drop(columns="geometry"),
        hide_index=True,
        width="stretch",
        column_order=[
            "locality",
            "adm3_pcode",
            "status",
            "since",
            "until",
            "last_confirmed",
            "radius_km",
            "armed_group",
            "public",
            "source",
            "recorded_by",
            "recorded_at",
        ],
    )
    names = sorted(set(versions.encircled["locality"]))
    locality = st.selectbox("Locality", [NEW, *names], key="pick_locality")
    history = constraints.encircled_history(store, None if locality == NEW else locality)
    history = history.iloc[:0] if locality == NEW else history
    current = history[history["superseded_by"].isna()]
    if locality != NEW:
        with st.expander(f"History of {md(locality)} ({len(history)} versions)", expanded=False):
            st.dataframe(history.drop(columns="geometry"), hide_index=True, width="stretch")
    episode = st.selectbox("Episode", [NEW, *current["episode_id"]], key="pick_episode")
    base = current.set_index("episode_id").loc[episode] if episode != NEW else None
    episode_versions = history[history["episode_id"] == episode]["version_id"]
    based_on = form_base(
        "episode", f"{locality}|{episode}", int(episode_versions.max()) if len(episode_versions) else 0
    )
    with st.form("encircled_form"):
        st.subheader("Record an encirclement" if base is None else f"Update {md(episode)}")
        if based_on:
            st.caption(f"Based on version {based_on} of {md(episode)}")
        name = st.text_input(
            "Locality *", value="" if locality == NEW else locality, disabled=locality != NEW
        )
        c1, c2, c3 = st.columns(3)
        status = c1.selectbox(
            "Status",
            ENCIRCLED_STATUS.codes,
            index=ENCIRCLED_STATUS.index(base["status"]) if base is not None else 0,
            format_func=ENCIRCLED_STATUS.label,
        )
        since = c2.date_input("Since", value=base["since"] if base is not None else as_of)
        until = c3.date_input("Until (empty = not lifted)", value=base["until"] if base is not None else None)
        last_confirmed = c1.date_input(
            "Last confirmed", value=base["last_confirmed"] if base is not None else None
        )
        radius = c2.number_input(
            "No-entry radius (km)", 0.5, 100.0, value=float(base["radius_km"]) if base is not None else 5.0
        )
        confidence = c3.selectbox(
            "Confidence of the report", CONFIDENCE.codes, index=1, format_func=CONFIDENCE.label
        )
        lon = c1.number_input("Longitude (new locality)", -12.5, 4.5, value=None, format="%.4f")
        lat = c2.number_input("Latitude (new locality)", 10.0, 25.2, value=None, format="%.4f")
        group = c3.text_input(
            "Armed group (restricted)", value=base["armed_group"] if base is not None else ""
        )
        source = st.text_input("Source (report, URL) *")
        note = st.text_input("Note", value=base["note"] if base is not None else "")
        public = st.checkbox(
            "Public: may appear in public snapshots and public exports",
            value=bool(base["public"]) if base is not None else False,
            help="Leave unticked to keep this encirclement internal (the default for a new one). "
            "Public products then carry no trace of it: no name, count, coordinates or no-entry "
            "hole in the public reachable areas.",
        )
        by = st.text_input(
            "Recorded by *",
            value=who,
            disabled=bool(signed_in),
            help="The signed-in account" if signed_in else "Your name (no account signed in)",
        )
        submitted = st.form_submit_button("Save encirclement", type="primary")
    if submitted:
        loc = name if locality == NEW else locality
        try:
            res = constraints.record_encircled(
                store,
                locality=loc,
                episode_id=None if episode == NEW else episode,
                status=status,
                since=since,
                until=until,
                last_confirmed=last_confirmed,
                radius_km=radius,
                confidence=confidence,
                lon=lon,
                lat=lat,
                armed_group=group,
                note=note,
                public=public,
                source=source,
                recorded_by=by,
                based_on=based_on,
                data_dir=inputs.data_dir,
            )
        except constraints.ConflictError as exc:
            show_conflict("episode", exc, ["locality", "status", "since", "until", "radius_km", "source"])
            st.session_state["based_on_episode"] = (f"{locality}|{episode}", int(exc.current["version_id"]))
        except AccessMapError as exc:
            st.error(f"Not saved. {md(exc)}")
        else:
            st.session_state["advisor_name"] = by
            st.session_state.pop("based_on_episode", None)
            zones = constraints.encircled_history(store, loc)
            episode_id = zones.loc[zones["version_id"] == res.version_id, "episode_id"].iloc[-1]
            report_impact(
                f"{loc} {status} since {since} (version {res.version_id})", episode_id=str(episode_id)
            )
            st.rerun()
st.caption(
    f"Store: {md(display_location(store))} (state {md(token)}). History is append-only: a correction "
    "supersedes a version, nothing is deleted."
)
