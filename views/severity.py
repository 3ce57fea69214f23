"""Access severity per cercle/commune (map + table) and what changed between two dates."""

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.escape import markdown_text as md
from geo.model.severity import DIMENSIONS, SCALE
from geo.products.i18n import has_key, tr
from geo.products.severity_text import severity_for_lang
from geo.tables import csv_text
from layers.basemap import fit_country, make_map
from layers.incidents import build_admin_outlines
from layers.severity import build_severity_layer, indicator_label, sparse_note_text
from views import auth, common

auth.require_role("planner")  # before any data is loaded (views/auth.py)
lang = common.lang()
st.title(tr("page.sev_title", lang))
st.caption(tr("page.sev_caption", lang))
folder = str(common.guarded(common.data_dir))
store = str(common.store_path())
token = f"{common.state_token()}|{common.incidents_token()}"


@st.cache_data(show_spinner="…", max_entries=8)
def _severity(data_folder: str, level: int, as_of: dt.date, window: int, token: str, fingerprint: str):  # noqa: ANN202
    from geo.model.severity import severity_on
    from geo.sources.datasets import dataset_path

    table, _ = severity_on(
        common.model_inputs(data_folder),
        common.hubs_table(),
        common.versions(store, common.state_token()),
        as_of=as_of,
        level=level,
        density_path=dataset_path(Path(data_folder), "population"),
        incidents=common.incidents(data_folder, token),
        window_days=window,
    )
    return table


@st.cache_data(show_spinner="…", max_entries=4)
def _changes(data_folder: str, d_from: dt.date, d_to: dt.date, known_on: bool, token: str, fingerprint: str):  # noqa: ANN202
    from geo.model.changes import compare_dates, versions_for
    from geo.sources.datasets import dataset_path

    before, after = versions_for(Path(store), d_from, d_to, known_on=known_on)
    return compare_dates(
        common.model_inputs(data_folder),
        common.hubs_table(),
        before,
        after,
        d_from,
        d_to,
        known_on=known_on,
        density_path=dataset_path(Path(data_folder), "population"),
        incidents=common.incidents(data_folder, token),
    )


def severity_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the severity table as the page shows it: class, gaps and notes in words, headers."""
    out = severity_for_lang(frame, lang)
    if "info_gaps" in out:
        out["info_gaps"] = [
            ", ".join(indicator_label(g, lang) for g in str(v).split(";") if g)
            for v in out["info_gaps"].fillna("")
        ]
    if "zone" in out:
        out["zone"] = [tr(f"zone_{z}", lang) if has_key(f"zone_{z}", lang) else z for z in out["zone"]]
    if "as_of" in out:
        out["as_of"] = [common.date_text(v) for v in out["as_of"]]
    if "level" in out:
        out["level"] = [tr(f"level_{int(v)}", lang) for v in out["level"]]
    out = common.shown_numbers(
        out, {"population": 0, "area_km2": 0, "encircled_people": 0, "axis_km": 0, "axis_closed_km": 0,
              "axis_constrained_km": 0, "axis_physical_km": 0, "axis_security_km": 0,
              "index": 2, **{f"dim_{d}": 2 for d in DIMENSIONS}}
    )  # fmt: skip
    names = {}
    for c in out.columns:
        if c.startswith("value_"):
            names[c] = tr("sev.col.value", lang, indicator=indicator_label(c.removeprefix("value_"), lang))
        elif c.startswith("score_"):
            names[c] = tr("sev.col.score_of", lang, indicator=indicator_label(c.removeprefix("score_"), lang))
        elif c.startswith("incidents_amrf_"):
            names[c] = tr("sev.col.amrf", lang, category=c.removeprefix("incidents_amrf_"))
    return common.labelled(out, "sev.col").rename(columns=names)


def change_table(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Return a table of the changes report: statuses and kinds in words, headers from the catalogs."""
    from geo.vocab import ROAD_STATUS

    def word(value: object) -> object:
        """Write a status or change in words: the road vocabulary, else the changes report's ("in force")."""
        if value in ROAD_STATUS:
            return ROAD_STATUS.label(value, lang)
        key = f"changes.{str(value).replace(' ', '_')}"
        return tr(key, lang) if isinstance(value, str) and has_key(key, lang) else value

    out = frame.drop(columns=[c for c in ("hub_id", "geometry") if c in frame.columns]).copy()
    for c in ("status", "status_before", "status_after", "change"):
        if c in out:
            out[c] = [word(v) for v in out[c]]
    if "kind" in out:
        out["kind"] = [tr(f"changes.{v}", lang) if has_key(f"changes.{v}", lang) else v for v in out["kind"]]
    if "recomputed" in out:
        out["recomputed"] = [
            tr("common.yes", lang) if bool(v) else tr("common.no", lang) for v in out["recomputed"]
        ]
    if "hours" in out:
        out["hours"] = [f"{float(v):g} h" for v in out["hours"]]
    for c in ("date", "valid_from", "valid_to", "recorded_at"):
        if c in out:
            out[c] = [common.date_text(v) for v in out[c]]
    figures = [c for c in out.columns if c.startswith(("km2_", "population_", "area_"))]
    out = common.shown_numbers(out, dict.fromkeys(figures, 0))
    return common.labelled(out, prefix)


c1, c2, c3 = st.columns(3)
level = c1.radio(
    tr("page.sev_level", lang), [2, 3], format_func=lambda n: tr(f"level_{n}", lang), horizontal=True
)
as_of = c2.date_input(
    tr("page.sev_as_of", lang), value=dt.date.today(), key="sev_as_of", format=common.date_format()
)
window = int(c3.number_input(tr("page.sev_window", lang), 1, 3650, value=365, step=30))
fp = common.data_fingerprint(folder)
table = common.guarded(_severity, folder, int(level), as_of, window, token, fp)

counts = table["score"].value_counts().reindex(range(6), fill_value=0)
with st.container(horizontal=True, wrap=True, key="severity_classes"):  # labels never cut, row wraps
    for k in range(6):
        st.metric(f"{k} {SCALE[k][0 if lang == 'fr' else 1]}", common.num(int(counts[k])), width="content")
notes = table["data_sparse"].str.split("; ").explode()
for note, n in notes[notes.astype(bool)].value_counts().items():
    line = tr(
        "sev.note_line",
        lang,
        note=sparse_note_text(note, lang),
        n=common.num(n),
        total=common.num(len(table)),
    )
    st.caption(md(tr("page.sev_sparse_line", lang, note=line)))

m = make_map()
fit_country(m, common.admin(folder, 1), legend_room_px=0)  # the whole country, as the live map
build_severity_layer(table, lang=lang).add_to(m)
for group in build_admin_outlines(common.admin(folder, 1), lang=lang):
    group.add_to(m)
st_folium(m, key="severity_map", height=520, use_container_width=True, returned_objects=[])

shown = table.drop(columns="geometry").sort_values(["index", "pcode"], ascending=[False, True])
head = ["pcode", "name", "adm1_name", "score", "label", "index", *[f"dim_{d}" for d in DIMENSIONS]]
# every header and value readable: widths fitted to the headers and values (common.readable_columns)
main = severity_table(shown[[*head, "info_gaps", "data_sparse"]])
st.dataframe(main, hide_index=True, width="stretch", column_config=common.readable_columns(main))
with st.expander(tr("page.sev_indicators", lang), expanded=False):
    full = severity_table(shown)
    st.dataframe(full, hide_index=True, width="stretch", column_config=common.readable_columns(full))
st.download_button(
    tr("page.sev_download", lang),
    csv_text(severity_for_lang(shown, lang)),  # machine headers and codes, class names and notes in words
    file_name=f"severity_adm{level}_{as_of.isoformat()}.csv",
    mime="text/csv",
    on_click="ignore",
)

st.subheader(tr("page.chg_head", lang))
d1, d2, d3 = st.columns(3)
d_from = d1.date_input(
    tr("page.chg_from", lang),
    value=as_of - dt.timedelta(days=90),
    key="chg_from",
    format=common.date_format(),
)
d_to = d2.date_input(tr("page.chg_to", lang), value=as_of, key="chg_to", format=common.date_format())
known_on = d3.checkbox(tr("page.chg_known", lang), value=False)
if st.button(tr("page.chg_run", lang), type="primary") or st.session_state.get("chg_shown"):
    if not d_from < d_to:
        st.error(tr("page.chg_order", lang))
        st.stop()
    st.session_state["chg_shown"] = True
    from geo.products import changes_report as cr

    report = common.guarded(_changes, folder, d_from, d_to, bool(known_on), token, fp)
    k = cr.key_figures(report)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(tr("page.kf_changes", lang), common.num(k["changes"]))
    m2.metric(tr("page.kf_km2", lang), f"−{common.num(k['km2_lost'])} / +{common.num(k['km2_gained'])}")
    m3.metric(
        tr("page.kf_people", lang),
        f"−{common.num(k['population_lost'])} / +{common.num(k['population_gained'])}",
    )
    m4.metric(
        tr("page.kf_severity", lang), f"{common.num(k['severity_up'])} / {common.num(k['severity_down'])}"
    )
    severity_changes = pd.DataFrame(report.severity.drop(columns="geometry", errors="ignore"))
    for key, df in (
        ("page.chg_changes", change_table(report.constraints, "chg.col")),
        ("page.chg_hubs", change_table(report.hubs, "reach.col")),
        ("page.chg_admin2", change_table(report.admin2, "reach.col")),
        ("page.chg_severity", change_table(severity_changes, "chg.col")),
    ):
        st.markdown(f"**{md(tr(key, lang))}**")
        common.table(
            df,
            tr("common.no_rows", lang),
            hide_index=True,
            width="stretch",
            column_config=common.readable_columns(df),
        )
    with tempfile.TemporaryDirectory() as tmp:
        from geo.sources.admin import load_admin

        target = Path(tmp) / "changes.pdf"
        cr.write_pdf(
            report,
            target,
            lang=lang,
            axes=common.model_inputs(folder).axes,
            outline=load_admin(Path(folder), 1),
        )
        pdf = target.read_bytes()
    st.download_button(
        tr("page.chg_pdf", lang),
        pdf,
        file_name=f"changes_{d_from.isoformat()}_{d_to.isoformat()}_{lang}.pdf",
        mime="application/pdf",
        on_click="ignore",
    )
