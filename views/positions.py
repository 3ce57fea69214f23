"""Positions: the register of common positions and red lines (HAWG proposes, HCT endorses).

Viewers and planners read the register (viewers without the restricted fields of the
policy: motivating records and recorders); access advisors draft, propose, record the
HCT's endorsement, revise and retire. Every step is dated with its meeting and who
recorded it; the history is append-only (geo/store/positions.py). User text is escaped
for Markdown/HTML (``geo.escape.markdown_text``) wherever it is rendered as Markdown;
tables show it as plain text.
"""

import datetime as dt

import streamlit as st

from geo.cli.positions import csv_text
from geo.errors import AccessMapError
from geo.escape import markdown_text as md
from geo.products import policy
from geo.store import constraints
from geo.store import positions as P
from views import auth, common
from views.positions_panel import register

common.init_state()
auth.require_role("viewer")  # before any data is loaded (views/auth.py)
st.title("Common positions and red lines")
role = auth.current_role()
is_advisor = role == "advisor"
store = str(common.store_path())
lang = st.sidebar.radio("Language of the texts", ["fr", "en"], horizontal=True, key="positions_lang")
reg = register(store, P.state_version(store))
shown = policy.for_role(reg, "positions", role)

st.caption(
    "A position is drafted, proposed by the HAWG, endorsed by the HCT, revised (then proposed "
    "and endorsed again) and retired; each step is dated with its meeting. Only HCT-endorsed "
    "positions marked public reach the public snapshots."
)
c1, c2, c3 = st.columns(3)
statuses = c1.multiselect("Status", P.STATUSES, default=[s for s in P.STATUSES if s != "retired"])
topics = c2.multiselect("Topic", list(P.TOPICS), format_func=lambda t: P.topic_label(t, lang))
kinds = c3.multiselect("Scope", P.SCOPE_KINDS)
view = shown[shown["status"].isin(statuses)]
if topics:
    view = view[view["topic"].isin(topics)]
if kinds:
    view = view[view["scope"].map(lambda s: s.partition(":")[0]).isin(kinds)]
st.dataframe(
    view.assign(topic=view["topic"].map(lambda t: P.topic_label(t, lang))),
    hide_index=True,
    width="stretch",
    column_order=[
        c
        for c in (
            "id",
            "status",
            "topic",
            "scope",
            f"text_{lang}",
            "visibility",
            "endorsed",
            "meeting_ref",
            "meeting_date",
            "motivated_by",
            "recorded_by",
        )  # fmt: skip
        if c in view.columns
    ],
)
d1, d2 = st.columns(2)
d1.download_button(
    "Register (CSV + HXL)",
    csv_text(shown),
    "positions.csv",
    mime="text/csv",
    on_click="ignore",
)


@st.cache_data(show_spinner="Printing the register…", max_entries=4)
def _pdf(token: str, lang: str, role: str) -> bytes:
    from geo.products.positions_print import render_register

    return render_register(policy.for_role(register(store, token), "positions", role), lang=lang)


d2.download_button(
    f"Printable register (PDF, {lang.upper()})",
    lambda: _pdf(P.state_version(store), lang, role),
    f"positions_{lang}.pdf",
    mime="application/pdf",
    on_click="ignore",
)

if reg.empty:
    st.info("The register is empty." + (" Draft the first position below." if is_advisor else ""))
else:
    if "_positions_new" in st.session_state:
        st.session_state["positions_pick"] = st.session_state.pop("_positions_new")
    by_id = reg.set_index("id")
    pid = st.selectbox(
        "Position",
        list(reg["id"]),
        format_func=lambda i: f"#{i} · {by_id.at[i, 'status']} · {by_id.at[i, 'scope']}",
        key="positions_pick",
    )
    cur = shown.set_index("id").loc[pid]
    st.markdown(
        f"**#{pid} · {md(P.topic_label(cur['topic'], lang))}** · {md(P.scope_label(cur['scope'], lang))} · "
        f"*{md(cur['status'])}*" + (" · restricted" if cur["visibility"] == "restricted" else "")
    )
    st.markdown(md(cur["text_fr"]))
    st.markdown(md(cur["text_en"]))
    hist = policy.for_role(P.position_history(store, pid), "positions", role)
    with st.expander(f"History ({len(hist)} steps)"):
        st.dataframe(hist.drop(columns=["position_id"]), hide_index=True, width="stretch")

    if is_advisor:
        allowed = [a for a, moves in P.TRANSITIONS.items() if cur["status"] in moves]
        who_default = st.session_state.get(auth.USER_KEY) or st.session_state.get("advisor_name", "")
        if not allowed:
            st.caption("A retired position takes no further step.")
        else:
            with st.form("position_step"):
                st.subheader(f"Record a step for #{pid} (now {cur['status']})")
                a1, a2, a3 = st.columns(3)
                action = a1.selectbox(
                    "Step",
                    allowed,
                    format_func=lambda a: {
                        "propose": "Proposed by the HAWG",
                        "endorse": "Endorsed by the HCT",
                        "revise": "Revise the text, scope or visibility",
                        "retire": "Retire",
                    }[a],
                )
                meeting = a2.text_input("Meeting reference *", placeholder="e.g. HCT 14/2025")
                day = a3.date_input("Meeting date", value=dt.date.today(), max_value=dt.date.today())
                st.caption("For a revision only (left as is, a field keeps its value):")
                new_fr = st.text_area("Text (French)", value=cur["text_fr"])
                new_en = st.text_area("Text (English)", value=cur["text_en"])
                r1, r2 = st.columns(2)
                new_scope = r1.text_input("Scope", value=cur["scope"])
                new_vis = r2.selectbox(
                    "Visibility", P.VISIBILITIES, index=P.VISIBILITIES.index(cur["visibility"])
                )
                by = st.text_input(
                    "Recorded by *", value=who_default, disabled=bool(st.session_state.get(auth.USER_KEY))
                )
                go = st.form_submit_button("Save step", type="primary")
            if go:
                extra = {}
                if action == "revise":
                    extra = {
                        k: v
                        for k, v, old in (
                            ("text_fr", new_fr, cur["text_fr"]),
                            ("text_en", new_en, cur["text_en"]),
                            ("scope", new_scope, cur["scope"]),
                            ("visibility", new_vis, cur["visibility"]),
                        )
                        if v != old
                    }
                try:
                    res = P.record_step(
                        store, int(pid), action, meeting_ref=meeting, recorded_by=by, meeting_date=day,
                        data_dir=common.data_dir() if "scope" in extra else None, **extra,
                    )  # fmt: skip
                except AccessMapError as exc:
                    st.error(f"Not saved. {exc}")
                else:
                    st.session_state["advisor_name"] = by
                    st.success(f"Position #{pid}: {action} recorded, now {res.status}.")
                    st.rerun()

if is_advisor:
    with st.expander("Draft a new position", expanded=reg.empty):
        axes = constraints.known_axes()
        with st.form("position_new"):
            n1, n2 = st.columns(2)
            kind = n1.selectbox("Scope", P.SCOPE_KINDS)
            ref = n2.text_input(
                "Reference",
                help="admin: a P-code (e.g. ML05, ML0503); axis: an axis id; crossing: a crossing id; "
                "locality: a place id or a recorded locality; actor-type: one of "
                + ", ".join(P.ACTOR_TYPES)
                + ". Never a person's name.",
            )
            st.caption("Axes: " + md(", ".join(axes["axis_id"])))
            topic = st.selectbox("Topic", list(P.TOPICS), format_func=lambda t: P.topic_label(t, lang))
            text_fr = st.text_area("Text (French) *")
            text_en = st.text_area("Text (English) *")
            m1, m2 = st.columns(2)
            visibility = m1.selectbox(
                "Visibility", P.VISIBILITIES, help="Public: may reach public snapshots once endorsed."
            )
            motivated = m2.text_input(
                "Motivated by", help="road:VERSION, encircled:EPISODE or incident:ID, separated by ';'"
            )
            by = st.text_input(
                "Recorded by *",
                value=st.session_state.get(auth.USER_KEY) or st.session_state.get("advisor_name", ""),
                disabled=bool(st.session_state.get(auth.USER_KEY)),
            )
            new = st.form_submit_button("Save draft", type="primary")
        if new:
            try:
                res = P.add_position(
                    store,
                    scope=kind if kind == "country" else f"{kind}:{ref}",
                    topic=topic,
                    text_fr=text_fr,
                    text_en=text_en,
                    visibility=visibility,
                    recorded_by=by,
                    motivated_by=[m for m in motivated.split(";") if m.strip()],
                    data_dir=common.data_dir(),
                )
            except AccessMapError as exc:
                st.error(f"Not saved. {exc}")
            else:
                st.session_state["advisor_name"] = by
                st.session_state["_positions_new"] = res.position_id  # picked on the next run
                st.success(f"Drafted position #{res.position_id}.")
                st.rerun()

if role in ("advisor", "planner"):
    st.subheader("Review")
    months = st.number_input("Due for review after (months)", 1, 36, 6)
    as_of = st.session_state["as_of"]
    v = common.versions(store, common.state_token())
    axes = constraints.known_axes()
    uncovered, stale = P.review(
        reg,
        axis_status=constraints.effective_road_status(v, as_of, axes=axes),
        episodes=constraints.effective_encircled(v, as_of),
        as_of=as_of,
        months=int(months),
        axis_names=dict(zip(axes["axis_id"], axes["axis_name"], strict=True)),
    )
    st.markdown(
        f"Constraints in force on {as_of:%d %b %Y} without an HCT-endorsed position: **{len(uncovered)}**"
    )
    st.dataframe(uncovered, hide_index=True, width="stretch")
    st.markdown(f"Positions not reviewed for {int(months)} months: **{len(stale)}**")
    st.dataframe(stale, hide_index=True, width="stretch")
