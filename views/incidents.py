"""Incidents: import a file (check report first), filter by date, map, counts and trend."""

import datetime as dt
import hashlib

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.errors import AccessMapError
from geo.escape import markdown_text as md
from geo.model.incidents import (
    assign_admin,
    cluster_points,
    country_outline,
    counts_by_admin,
    filter_incidents,
    monthly_trend,
    to_hxl_csv,
)
from geo.products.i18n import tr
from geo.sources.amrf import read_typology
from geo.sources.incident_files import FORMATS, MAX_FILE_BYTES, check_upload, limits_text, too_large_message
from geo.store.incidents import import_result
from layers.basemap import make_map
from layers.incidents import (
    build_admin_outlines,
    build_clusters_layer,
    build_counts_choropleth,
    build_incidents_layer,
)
from views import auth, common
from views.incident_link import link_panel

auth.require_role("advisor")  # before any data is loaded (views/auth.py)
st.title("Incidents")
folder = str(common.guarded(common.data_dir))
store = common.store_path()
lang = common.settings().lang
typology = read_typology()


@st.cache_data(show_spinner=False)
def _outline(data_folder: str):  # noqa: ANN202
    return country_outline(data_folder)


@st.cache_data(show_spinner="Checking the file…", max_entries=8)
def _check(
    digest: str,
    _data: bytes,
    name: str,
    fmt: str,
    order: str | None,
    fix: bool,
    mapping_text: str | None,
    data_folder: str,
    token: str,
):  # noqa: ANN202
    known = common.incidents(data_folder, token)
    return check_upload(
        _data,
        name,
        mapping_text=mapping_text,
        fmt=fmt,
        date_order=order,
        fix_swapped=fix,
        country=_outline(data_folder),
        existing=known,
    )


@st.cache_data(show_spinner="Placing incidents in communes…", max_entries=4)
def _placed(data_folder: str, token: str):  # noqa: ANN202
    return assign_admin(common.incidents(data_folder, token), common.admin(data_folder, 3))


token = f"{common.state_token()}|{common.incidents_token()}"

with st.expander("Import an incident file (ACLED, UCDP GED, field CSV/XLSX)", expanded=False):
    upload = st.file_uploader(
        f"File (CSV or XLSX; {limits_text()})",
        type=["csv", "txt", "tsv", "xlsx"],
        key="incident_upload",
    )
    c1, c2, c3 = st.columns(3)
    fmt = c1.selectbox("Format", FORMATS, help="auto: detected from the header")
    order = c2.selectbox(
        "Slash dates (dd/mm vs mm/dd)",
        ["not declared", "dmy", "mdy"],
        help="Without a declaration, ambiguous dates such as 03/04/2021 are rejected.",
    )
    fix = c3.checkbox("Fix swapped latitude/longitude", value=False)
    mapping = st.file_uploader(
        "Column mapping for generic files (TOML)", type=["toml"], key="incident_mapping"
    )
    if upload is not None:
        data = upload.getvalue()
        if len(data) > MAX_FILE_BYTES:
            st.error(f"{md(upload.name)}: {md(too_large_message(len(data)))}")
        else:
            digest = hashlib.sha256(data).hexdigest()
            mapping_text = mapping.getvalue().decode("utf-8-sig") if mapping is not None else None
            try:
                result = _check(
                    digest,
                    data,
                    upload.name,
                    fmt,
                    None if order == "not declared" else order,
                    fix,
                    mapping_text,
                    folder,
                    token,
                )
            except AccessMapError as exc:
                st.error(f"The file cannot be read: {md(exc)}")
                result = None
            if result is not None:
                rep = result.report()
                m1, m2, m3, m4 = st.columns(4)
                m1.metric("Format", rep["format"])
                m2.metric("Rows", rep["rows"])
                m3.metric("Accepted", rep["accepted"])
                m4.metric("Rejected rows", rep["rejected_rows"])
                for w in rep["warnings"]:
                    st.warning(md(w))
                if rep["rejected"]:
                    st.dataframe(pd.DataFrame(rep["rejected"]), hide_index=True, width="stretch")
                if rep["duplicates"]:
                    st.caption("Possible duplicates of events from another source (kept):")
                    st.dataframe(pd.DataFrame(rep["duplicates"]), hide_index=True, width="stretch")
                if result.format == "acled":
                    st.info("ACLED rows are stored as restricted: they never go into public snapshots.")
                if st.button(
                    f"Import {rep['accepted']} accepted rows",
                    type="primary",
                    disabled=rep["accepted"] == 0 and rep["rejected_rows"] == 0,
                ):
                    summary = common.guarded(import_result, store, result, data)
                    st.success(
                        f"{summary.added} incidents added, {summary.already_present} already in the "
                        f"store, {summary.rejected_rows} rejected rows kept with their reasons."
                    )
                    st.rerun()

incidents = common.guarded(_placed, folder, token)
if incidents.empty:
    st.info("No incidents yet.")
    st.stop()

lo, hi = incidents["date"].min().date(), incidents["date"].max().date()
with st.sidebar:
    st.header("Incident filters")
    default_start = max(lo, hi - dt.timedelta(days=int(st.session_state.get("incident_days", 365 * 6))))
    start, end = st.slider(
        "Date range",
        min_value=lo,
        max_value=hi,
        value=(default_start, hi),
        format="YYYY-MM-DD",
        key="incident_range",
    )
    families = sorted(incidents["source"].str.split(":").str[0].unique())
    sources = st.multiselect("Sources", families, default=families)
    types = sorted(incidents["event_type"].unique())
    chosen_types = st.multiselect("Event types (empty = all)", types, default=[])
    amrf_codes = [c for c in typology.categories.index if (incidents["amrf"] == c).any()]
    chosen_amrf = st.multiselect(
        tr("page.amrf", lang), amrf_codes, default=[], format_func=lambda c: typology.label(c, lang)
    )
    low = st.checkbox("Include low-precision locations", value=True)
    view = st.radio(
        "Map", ["Clusters", "Points", "Counts per cercle (admin2)", "Counts per commune (admin3)"]
    )
    cell_km = st.select_slider("Cluster size (km)", [10, 25, 50, 100], value=25)

shown = filter_incidents(
    incidents,
    start=start,
    end=end,
    sources=sources,
    event_types=chosen_types or None,
    include_low_precision=low,
)
if chosen_amrf:
    shown = shown[shown["amrf"].isin(chosen_amrf)]
st.write(
    f"**{len(shown)}** incidents from {start:%d %b %Y} to {end:%d %b %Y}; "
    f"{int(shown['fatalities'].sum())} fatalities; {int(shown['low_precision'].sum())} "
    "with low-precision location (hollow, dashed)."
)

m = make_map()
if view.startswith("Counts"):
    level = 2 if "admin2" in view else 3
    counts = counts_by_admin(shown, level=level, admin=common.admin(folder, level))
    build_counts_choropleth(common.admin(folder, level), counts, level=level).add_to(m)
# Region and cercle outlines (lines): over the choropleth, under the markers.
for group in build_admin_outlines(common.admin(folder, 1), common.admin(folder, 2)):
    group.add_to(m)
if view == "Clusters":
    build_clusters_layer(cluster_points(shown, cell_km=float(cell_km))).add_to(m)
elif view == "Points":
    build_incidents_layer(shown).add_to(m)
folium.LayerControl(collapsed=True).add_to(m)
st_folium(m, key="incidents_map", height=560, use_container_width=True, returned_objects=[])

st.subheader("Monthly trend")
trend = monthly_trend(shown, start=start, end=end)
st.bar_chart(trend.set_index("month")["incidents"])

st.subheader("Counts per admin unit")
level = st.radio("Level", [1, 2, 3], index=1, horizontal=True, format_func=lambda n: f"admin{n}")
by_type = counts_by_admin(shown, level=level, by=("amrf", "event_type"))
st.dataframe(by_type, hide_index=True, width="stretch")

table = shown[
    [
        "incident_id",
        "source",
        "date",
        "date_precision",
        "event_type",
        "amrf",
        "actor1",
        "actor2",
        "fatalities",
        "geo_precision",
        "low_precision",
        "latitude",
        "longitude",
        "adm1_pcode",
        "adm1_name",
        "adm2_pcode",
        "adm2_name",
        "adm3_pcode",
        "adm3_name",
        "restricted",
    ]
]
d1, d2 = st.columns(2)
d1.download_button(
    "Filtered incidents (CSV + HXL)", to_hxl_csv(table), file_name="incidents_filtered.csv", mime="text/csv"
)
d2.download_button(
    f"Counts per admin{level} (CSV + HXL)",
    to_hxl_csv(by_type),
    file_name=f"incident_counts_adm{level}.csv",
    mime="text/csv",
)
if table["restricted"].any():
    st.caption("The filtered table holds restricted rows (ACLED or field files): for internal use only.")
st.caption(
    "Sources: UCDP GED 21.1 (CC BY 4.0; Sundberg & Melander 2013), project access events (cited "
    "publishers), and files imported by users. ACLED data © ACLED, used under its terms; "
    "not redistributed."
)

link_panel(shown, store, lang)
