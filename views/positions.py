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

from geo.errors import AccessMapError
from geo.escape import markdown_text as md
from geo.products import policy
from geo.products.positions_map import axis_areas
from geo.store import constraints
from geo.store import positions as P
from geo.vocab import ROAD_STATUS
from views import auth, common
from views.common import t
from views.positions_panel import register

common.init_state()
auth.require_role("viewer")  # before any data is loaded (views/auth.py)
st.title(t("pos.title"))
role = auth.current_role()
is_advisor = role == "advisor"
store = str(common.store_path())
lang = common.lang()  # topic labels, the text shown first and the printed register follow the interface
reg = register(store, P.state_version(store))
shown = policy.for_role(reg, "positions", role)

common.show_notice("positions")


@st.cache_data(show_spinner=False, max_entries=4)
def form_fields() -> dict[str, str]:
    """Field code -> its label in the forms of this page (errors name the field as shown)."""
    return {
        "recorded_by": t("cons.recorded_by"),
        "meeting_ref": t("pos.meeting_ref"),
        "meeting_date": t("pos.meeting_date"),
        "text_fr": t("pos.text_fr"),
        "text_en": t("pos.text_en"),
        "scope": t("pos.scope"),
        "topic": t("pos.topic"),
        "visibility": t("pos.visibility"),
        "motivated_by": t("pos.motivated_by"),
    }


def _scope_names(scopes: tuple[str, ...], folder: str, fingerprint: str, token: str) -> dict[str, str]:
    from geo.store.constraints import known_crossings

    kinds = {s.partition(":")[0] for s in scopes}
    names: dict[str, str] = {}
    if "axis" in kinds:
        axes = constraints.known_axes()
        names |= {
            f"axis:{a}": common.axis_label(a, r["axis_name"], r["route_ref"]) for a, r in axes.iterrows()
        }
    if "crossing" in kinds:
        names |= {f"crossing:{c}": str(r["name"]) for c, r in known_crossings().iterrows()}
    if "admin" in kinds:
        for level in (1, 2, 3):
            units = common.admin(folder, level)
            word = t(f"pos.level.{level}")
            names |= {
                f"admin:{p}": f"{n} ({word})" for p, n in zip(units["pcode"], units["name"], strict=True)
            }
    refs = [s.partition(":")[2] for s in scopes if s.startswith("locality:")]
    recorded = set(common.versions(store, token).encircled["locality"]) if refs else set()
    unknown = [r for r in refs if r not in recorded]
    labels = common.place_labels(folder) if unknown else {}
    for ref in refs:
        names[f"locality:{ref}"] = ref if ref in recorded else labels.get(ref, ref)
    return names


def scope_names(scopes) -> dict[str, str]:  # noqa: ANN001
    """Return scope -> readable name (axis label, crossing, admin unit with its level, locality)."""
    folder = str(common.guarded(common.data_dir))
    wanted = tuple(sorted({str(s) for s in scopes}))
    return _scope_names(wanted, folder, common.data_fingerprint(folder), common.state_token())


@st.cache_data(show_spinner=False, max_entries=4)
def _scope_choices(kind: str, folder: str, fingerprint: str, token: str, lang: str) -> dict[str, str]:
    from geo.store.constraints import known_crossings

    if kind == "country":
        return {"country": t("pos.kind.country")}
    if kind == "axis":
        axes = constraints.known_axes()
        return {f"axis:{a}": common.axis_label(a, r["axis_name"], r["route_ref"]) for a, r in axes.iterrows()}
    if kind == "crossing":
        return {f"crossing:{c}": str(r["name"]) for c, r in known_crossings().iterrows()}
    if kind == "admin":
        out: dict[str, str] = {}
        for level in (1, 2, 3):
            units = common.admin(folder, level).sort_values("name")
            word = t(f"pos.level.{level}")
            out |= {f"admin:{p}": f"{n} ({word})" for p, n in zip(units["pcode"], units["name"], strict=True)}
        return out
    if kind == "locality":  # the localities recorded in the constraints first, then the model's places
        recorded = sorted(set(common.versions(store, token).encircled["locality"]))
        out = {f"locality:{name}": name for name in recorded}
        return out | {f"locality:{p}": label for p, label in common.place_labels(folder).items()}
    return {f"actor-type:{a}": P.ACTOR_TYPES.label(a, lang) for a in P.ACTOR_TYPES}


def scope_choices(kind: str) -> dict[str, str]:
    """Return the scopes of ``kind`` an advisor may pick -> their names (no scope is typed).

    Axes and crossings of the curated lists, admin units of the three levels, the localities
    recorded in the constraints then the model's places, the kinds of actor; ``country``
    alone. Cached per data files, store state and language.
    """
    folder = str(common.guarded(common.data_dir))
    return _scope_choices(kind, folder, common.data_fingerprint(folder), common.state_token(), lang)


def scope_picker(kind: str, *, key: str, current: str | None = None) -> str | None:
    """Select box of the scopes of ``kind`` (in a form); the current scope first when of that kind."""
    choices = scope_choices(kind)
    if kind == "country":
        return "country"
    options = list(choices)
    if current is not None and current in choices:
        options.remove(current)
        options.insert(0, current)
    return st.selectbox(
        t("pos.reference"),
        options,
        index=0 if current in choices else None,
        format_func=choices.get,
        placeholder=t("page.link_pick"),
        key=key,
    )


def scope_text(scope: str) -> str:
    """Return a position's scope in words (``Axe RN16 Sévaré–Douentza``), never its internal id alone."""
    return P.scope_label(scope, lang, names)


def status_label(status: str) -> str:
    """Return a position status in the interface language."""
    return t(f"pos.status.{status}")


names = scope_names(reg["scope"]) if len(reg) else {}
st.caption(t("pos.intro"))
c1, c2, c3 = st.columns(3)
statuses = common.pick_many(
    t("pos.status"),
    list(P.STATUSES),
    default=[s for s in P.STATUSES if s != "retired"],
    format_func=lambda s: t(f"pos.status.{s}"),
    container=c1,
)
topics = common.pick_many(
    t("pos.topic"), list(P.TOPICS), format_func=lambda x: P.topic_label(x, lang), container=c2
)
kinds = common.pick_many(
    t("pos.scope"), list(P.SCOPE_KINDS), format_func=lambda k: t(f"pos.kind.{k}"), container=c3
)
view = shown[shown["status"].isin(statuses)]
if topics:
    view = view[view["topic"].isin(topics)]
if kinds:
    view = view[view["scope"].map(lambda s: s.partition(":")[0]).isin(kinds)]
columns = [
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
]
common.table(
    common.labelled(
        view.assign(
            topic=view["topic"].map(lambda x: P.topic_label(x, lang)),
            scope=view["scope"].map(scope_text),
            status=view["status"].map(lambda x: t(f"pos.status.{x}")),
            visibility=view["visibility"].map(lambda x: t(f"pos.vis.{x}")),
            **{c: view[c].map(common.date_text) for c in ("endorsed", "meeting_date") if c in view.columns},
        )[columns],
        "pos.col",
    ),
    t("pos.none_listed"),
    hide_index=True,
    width="stretch",
)
d1, d2 = st.columns(2)
d1.download_button(
    t("pos.dl_csv"),
    P.register_csv(shown),
    "positions.csv",
    mime="text/csv",
    on_click="ignore",
)


@st.cache_data(show_spinner=False, max_entries=4)
def _pdf(token: str, lang: str, role: str) -> bytes:
    from geo.products.positions_print import render_register

    return render_register(policy.for_role(register(store, token), "positions", role), lang=lang)


d2.download_button(
    t("pos.dl_pdf", lang=lang.upper()),
    lambda: _pdf(P.state_version(store), lang, role),
    f"positions_{lang}.pdf",
    mime="application/pdf",
    on_click="ignore",
)

if reg.empty:
    st.info(t("pos.empty") + (" " + t("pos.empty_advisor") if is_advisor else ""))
else:
    if "_positions_new" in st.session_state:
        st.session_state["positions_pick"] = st.session_state.pop("_positions_new")
    by_id = reg.set_index("id")
    pid = st.selectbox(
        t("pos.position"),
        list(reg["id"]),
        format_func=lambda i: (
            f"#{i} · {status_label(by_id.at[i, 'status'])} · {scope_text(by_id.at[i, 'scope'])}"
        ),
        key="positions_pick",
    )
    cur = shown.set_index("id").loc[pid]
    st.markdown(
        f"**#{pid} · {md(P.topic_label(cur['topic'], lang))}** · {md(scope_text(cur['scope']))} · "
        f"*{md(status_label(cur['status']))}*"
        + (" · " + t("pos.vis.restricted") if cur["visibility"] == "restricted" else "")
    )
    st.markdown(md(cur["text_fr"]))
    st.markdown(md(cur["text_en"]))
    hist = policy.for_role(P.position_history(store, pid), "positions", role)
    with st.expander(common.tn("pos.history", len(hist))):
        hist_shown = hist.drop(columns=["position_id"])
        for c, prefix in (("status", "pos.status."), ("visibility", "pos.vis."), ("action", "pos.action.")):
            if c in hist_shown.columns:
                hist_shown[c] = [t(prefix + v) if isinstance(v, str) and v else "" for v in hist_shown[c]]
        for c in ("meeting_date", "recorded_at", "endorsed", "created"):
            if c in hist_shown.columns:
                hist_shown[c] = [common.date_text(v) for v in hist_shown[c]]
        if "scope" in hist_shown.columns:
            hist_shown["scope"] = [scope_text(str(v)) if v else "" for v in hist_shown["scope"]]
        st.dataframe(common.labelled(hist_shown, "pos.col"), hide_index=True, width="stretch")

    if is_advisor:
        allowed = [a for a, moves in P.TRANSITIONS.items() if cur["status"] in moves]
        who_default = st.session_state.get(auth.USER_KEY) or st.session_state.get("advisor_name", "")
        if not allowed:
            st.caption(t("pos.retired_no_step"))
        else:
            st.subheader(t("pos.record_step", id=pid, status=t(f"pos.status.{cur['status']}")))
            # The step is chosen outside the form: the text, scope and visibility fields show only
            # for a revision, so no change is typed into a step that would not record it. Keys hold
            # the position's id: nothing chosen for one position carries over to another.
            s1, s2 = st.columns([1, 2])
            action = s1.selectbox(
                t("pos.step"),
                allowed,
                format_func=lambda a: t(f"pos.step.{a}"),
                key=f"pos_step_{pid}",
                filter_mode=None,
            )
            cur_kind = str(cur["scope"]).partition(":")[0]
            if action == "revise":
                new_kind = s2.selectbox(
                    t("pos.scope"),
                    list(P.SCOPE_KINDS),
                    index=list(P.SCOPE_KINDS).index(cur_kind),
                    format_func=lambda k: t(f"pos.kind.{k}"),
                    key=f"pos_rev_kind_{pid}",
                    filter_mode=None,
                )
            with st.form("position_step", enter_to_submit=False):
                a1, a2 = st.columns(2)
                meeting = a1.text_input(t("pos.meeting_ref"), placeholder=t("pos.meeting_placeholder"))
                day = a2.date_input(
                    t("pos.meeting_date"),
                    value=dt.date.today(),
                    max_value=dt.date.today(),
                    format=common.date_format(),
                )
                if action == "revise":
                    st.caption(t("pos.revision_only"))
                    new_fr = st.text_area(t("pos.text_fr"), value=cur["text_fr"], key=f"pos_rev_fr_{pid}")
                    new_en = st.text_area(t("pos.text_en"), value=cur["text_en"], key=f"pos_rev_en_{pid}")
                    r1, r2 = st.columns(2)
                    with r1:
                        new_scope = scope_picker(new_kind, key=f"pos_rev_scope_{pid}_{new_kind}",
                                                 current=str(cur["scope"]))  # fmt: skip
                    new_vis = r2.selectbox(
                        t("pos.visibility"),
                        list(P.VISIBILITIES),
                        index=P.VISIBILITIES.index(cur["visibility"]),
                        format_func=lambda v: t(f"pos.vis.{v}"),
                        help=t("pos.visibility_help"),
                        key=f"pos_rev_vis_{pid}",
                        filter_mode=None,
                    )
                by = st.text_input(
                    t("cons.recorded_by"),
                    value=who_default,
                    disabled=bool(st.session_state.get(auth.USER_KEY)),
                )
                go = st.form_submit_button(t("pos.save_step"), type="primary")
            if go and action == "revise" and new_scope is None:
                st.error(t("pos.pick_scope"))
            elif go:
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
                    st.error(t("cons.not_saved", problem=common.error_text(exc, form_fields())))
                else:
                    st.session_state["advisor_name"] = by
                    common.notify(
                        "positions",
                        t(
                            "pos.step_saved",
                            id=pid,
                            step=t(f"pos.step.{action}"),
                            status=t(f"pos.status.{res.status}"),
                        ),
                    )
                    st.rerun()

if is_advisor:
    with st.expander(t("pos.draft_new"), expanded=reg.empty):
        # the kind is chosen outside the form, so the list below offers the places of that kind
        kind = st.selectbox(
            t("pos.scope"),
            list(P.SCOPE_KINDS),
            format_func=lambda k: t(f"pos.kind.{k}"),
            key="pos_new_kind",
            filter_mode=None,
        )
        with st.form("position_new", enter_to_submit=False):
            new_scope = scope_picker(kind, key=f"pos_new_scope_{kind}")
            topic = st.selectbox(
                t("pos.topic"), list(P.TOPICS), format_func=lambda x: P.topic_label(x, lang), filter_mode=None
            )
            text_fr = st.text_area(t("pos.text_fr_required"))
            text_en = st.text_area(t("pos.text_en_required"))
            m1, m2 = st.columns(2)
            visibility = m1.selectbox(
                t("pos.visibility"),
                list(P.VISIBILITIES),
                help=t("pos.visibility_help"),
                format_func=lambda v: t(f"pos.vis.{v}"),
                key="pos_new_vis",
                filter_mode=None,
            )
            motivated = m2.text_input(t("pos.motivated_by"), help=t("pos.motivated_help"))
            by = st.text_input(
                t("cons.recorded_by"),
                value=st.session_state.get(auth.USER_KEY) or st.session_state.get("advisor_name", ""),
                disabled=bool(st.session_state.get(auth.USER_KEY)),
            )
            new = st.form_submit_button(t("pos.save_draft"), type="primary")
        if new and new_scope is None:
            st.error(t("pos.pick_scope"))
        elif new:
            try:
                res = P.add_position(
                    store,
                    scope=new_scope,
                    topic=topic,
                    text_fr=text_fr,
                    text_en=text_en,
                    visibility=visibility,
                    recorded_by=by,
                    motivated_by=[m for m in motivated.split(";") if m.strip()],
                    data_dir=common.data_dir(),
                )
            except AccessMapError as exc:
                st.error(t("cons.not_saved", problem=common.error_text(exc, form_fields())))
            else:
                st.session_state["advisor_name"] = by
                st.session_state["_positions_new"] = res.position_id  # picked on the next run
                common.notify("positions", t("pos.drafted", id=res.position_id))
                st.rerun()

if role in ("advisor", "planner"):
    st.subheader(t("pos.review"))
    months = st.number_input(t("pos.review_months"), 1, 36, 6)
    as_of = st.session_state["as_of"]
    v = common.versions(store, common.state_token())
    axes = constraints.known_axes()
    folder = str(common.guarded(common.data_dir))
    admin2 = common.admin(folder, 2)
    uncovered, stale = P.review(
        reg,
        axis_status=constraints.effective_road_status(v, as_of, axes=axes),
        episodes=constraints.effective_encircled(v, as_of),
        as_of=as_of,
        months=int(months),
        axis_names=dict(zip(axes["axis_id"], axes["axis_name"], strict=True)),
        axis_areas=axis_areas(common.model_inputs(folder).axes, admin2),
        area_names=dict(zip(admin2["pcode"], admin2["name"], strict=True)),
    )

    # axes by the names the Constraints page's selector gives them, never their ids
    axis_labels = {
        str(a): common.axis_label(str(a), name, ref)
        for a, name, ref in zip(axes["axis_id"], axes["axis_name"], axes["route_ref"], strict=True)
    }

    def constraint_label(text: str) -> str:
        """Write ``closed: AXIS; encircled: X`` with the vocabulary's words and the axes' names."""
        parts = []
        for part in str(text).split("; "):
            word, sep, rest = part.partition(": ")
            if word in ROAD_STATUS:
                word, rest = ROAD_STATUS.label(word, lang), axis_labels.get(rest, rest)
            elif word == "encircled":
                word = t("pos.encircled")
            parts.append(word + sep + rest)
        return "; ".join(parts)

    st.markdown(t("pos.uncovered", date=common.day(as_of), n=len(uncovered)))
    uncovered = uncovered.assign(
        kind=[t("pos.kind.area") if k == "area" else t(f"pos.kind.{k}") for k in uncovered["kind"]],
        name=[
            axis_labels.get(r, n) if k == "axis" else f"{n} ({r})" if k == "area" and n else n or r
            for k, r, n in zip(uncovered["kind"], uncovered["ref"], uncovered["name"], strict=True)
        ],  # an axis by its label, an area with its P-code: no column of internal references
        constraint=[constraint_label(c) for c in uncovered["constraint"]],
    ).drop(columns="ref")
    common.table(
        common.labelled(uncovered, "pos.col"), t("pos.uncovered_none"), hide_index=True, width="stretch"
    )
    st.markdown(t("pos.stale", months=int(months), n=len(stale)))
    stale = stale.assign(
        topic=[P.topic_label(x, lang) for x in stale["topic"]],
        scope=[scope_text(x) for x in stale["scope"]],
        status=[status_label(x) for x in stale["status"]],
        visibility=[t(f"pos.vis.{x}") for x in stale["visibility"]],
        **{c: stale[c].map(common.date_text) for c in ("endorsed", "meeting_date") if c in stale.columns},
    )
    common.table(
        common.labelled(stale[[c for c in columns if c in stale.columns] + ["months_since"]], "pos.col"),
        t("pos.stale_none", months=int(months)),
        hide_index=True,
        width="stretch",
    )
