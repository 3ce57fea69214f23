"""Access severity per cercle/commune (map + table) and what changed between two dates."""

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.escape import markdown_text as md
from geo.model.severity import DIMENSIONS, SCALE
from geo.products.i18n import tr
from geo.tables import csv_text
from layers.basemap import make_map
from layers.incidents import build_admin_outlines
from layers.severity import build_severity_layer
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


c1, c2, c3 = st.columns(3)
level = c1.radio(
    tr("page.sev_level", lang), [2, 3], format_func=lambda n: tr(f"level_{n}", lang), horizontal=True
)
as_of = c2.date_input(tr("page.sev_as_of", lang), value=dt.date.today(), key="sev_as_of")
window = int(c3.number_input(tr("page.sev_window", lang), 1, 3650, value=365, step=30))
fp = common.data_fingerprint(folder)
table = common.guarded(_severity, folder, int(level), as_of, window, token, fp)

counts = table["score"].value_counts().reindex(range(6), fill_value=0)
cols = st.columns(6)
for k, col in enumerate(cols):
    col.metric(f"{k} {SCALE[k][0 if lang == 'fr' else 1]}", int(counts[k]))
notes = table["data_sparse"].str.split("; ").explode()
for note, n in notes[notes.astype(bool)].value_counts().items():
    st.caption(f"{tr('page.sev_sparse', lang)}: {md(note)} ({n}/{len(table)})")

m = make_map()
build_severity_layer(table, lang=lang).add_to(m)
for group in build_admin_outlines(common.admin(folder, 1)):
    group.add_to(m)
st_folium(m, key="severity_map", height=520, use_container_width=True, returned_objects=[])

shown = table.drop(columns="geometry").sort_values(["index", "pcode"], ascending=[False, True])
head = ["pcode", "name", "adm1_name", "score", "label", "index", *[f"dim_{d}" for d in DIMENSIONS]]
st.dataframe(shown[[*head, "info_gaps", "data_sparse"]], hide_index=True, width="stretch")
with st.expander(tr("page.sev_indicators", lang), expanded=False):
    st.dataframe(shown, hide_index=True, width="stretch")
st.download_button(
    tr("page.sev_download", lang),
    csv_text(shown),
    file_name=f"severity_adm{level}_{as_of.isoformat()}.csv",
    mime="text/csv",
)

st.subheader(tr("page.chg_head", lang))
d1, d2, d3 = st.columns(3)
d_from = d1.date_input(tr("page.chg_from", lang), value=as_of - dt.timedelta(days=90), key="chg_from")
d_to = d2.date_input(tr("page.chg_to", lang), value=as_of, key="chg_to")
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
    m1.metric(tr("page.kf_changes", lang), k["changes"])
    m2.metric(tr("page.kf_km2", lang), f"−{k['km2_lost']:,.0f} / +{k['km2_gained']:,.0f}")
    m3.metric(tr("page.kf_people", lang), f"−{k['population_lost']:,.0f} / +{k['population_gained']:,.0f}")
    m4.metric(tr("page.kf_severity", lang), f"{k['severity_up']} / {k['severity_down']}")
    for key, df in (
        ("page.chg_changes", report.constraints),
        ("page.chg_hubs", report.hubs),
        ("page.chg_admin2", report.admin2),
        ("page.chg_severity", pd.DataFrame(report.severity.drop(columns="geometry", errors="ignore"))),
    ):
        st.markdown(f"**{md(tr(key, lang))}**")
        st.dataframe(df, hide_index=True, width="stretch")
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
    )
