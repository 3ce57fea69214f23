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
from geo.products.i18n import event_type_label, has_key, tr
from geo.sources.amrf import read_typology
from geo.sources.incident_files import FORMATS, MAX_FILE_BYTES, check_upload, limits_text, too_large_message
from geo.store.incidents import import_result
from layers.basemap import fit_country, make_map
from layers.incidents import (
    build_admin_outlines,
    build_clusters_layer,
    build_counts_choropleth,
    build_incidents_layer,
)
from views import auth, common
from views.charts import month_bars
from views.common import t
from views.incident_link import link_panel

auth.require_role("advisor")  # before any data is loaded (views/auth.py)
st.title(t("incidents.title"))
folder = str(common.guarded(common.data_dir))
store = common.store_path()
lang = common.lang()
typology = read_typology()


@st.cache_data(show_spinner=False)
def _outline(data_folder: str):  # noqa: ANN202
    return country_outline(data_folder)


@st.cache_data(show_spinner=False, max_entries=8)
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


@st.cache_data(show_spinner=False, max_entries=4)
def _placed(data_folder: str, token: str):  # noqa: ANN202
    return assign_admin(common.incidents(data_folder, token), common.admin(data_folder, 3))


token = f"{common.state_token()}|{common.incidents_token()}"

common.show_notice("incidents")  # the last import's outcome, until the user moves on
with st.expander(t("incidents.import"), expanded=False):
    upload = st.file_uploader(
        t("incidents.file", limits=limits_text()),
        type=["csv", "txt", "tsv", "xlsx"],
        key="incident_upload",
    )
    c1, c2, c3 = st.columns(3)
    fmt = c1.selectbox(
        t("incidents.format"),
        FORMATS,
        format_func=lambda f: t("incidents.format_auto") if f == "auto" else f.upper(),
        help=t("incidents.format_help"),
        filter_mode=None,
    )
    order = c2.selectbox(
        t("incidents.slash_dates"),
        ["not declared", "dmy", "mdy"],
        format_func=lambda o: t(f"incidents.order_{o.replace(' ', '_')}"),
        help=t("incidents.slash_dates_help"),
        filter_mode=None,
    )
    fix = c3.checkbox(t("incidents.fix_swapped"), value=False)
    mapping = st.file_uploader(t("incidents.mapping"), type=["toml"], key="incident_mapping")
    if upload is not None:
        data = upload.getvalue()
        if len(data) > MAX_FILE_BYTES:
            st.error(f"{md(upload.name)}: {md(too_large_message(len(data)))}")
        else:
            digest = hashlib.sha256(data).hexdigest()
            mapping_text = mapping.getvalue().decode("utf-8-sig") if mapping is not None else None
            try:
                with st.spinner(t("incidents.checking")):
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
                st.error(t("incidents.unreadable", problem=md(exc)))
                result = None
            if result is not None:
                rep = result.report()
                m1, m2, m3, m4 = st.columns(4)
                m1.metric(t("incidents.format"), str(rep["format"]).upper())
                m2.metric(t("incidents.rows"), common.num(rep["rows"]))
                m3.metric(t("incidents.accepted"), common.num(rep["accepted"]))
                m4.metric(t("incidents.rejected_rows"), common.num(rep["rejected_rows"]))
                for w in rep["warnings"]:
                    st.warning(md(w))
                if rep["rejected"]:
                    st.dataframe(
                        common.labelled(pd.DataFrame(rep["rejected"]), "incidents.col"),
                        hide_index=True,
                        width="stretch",
                    )
                if rep["duplicates"]:
                    st.caption(t("incidents.duplicates"))
                    st.dataframe(
                        common.labelled(pd.DataFrame(rep["duplicates"]), "incidents.col"),
                        hide_index=True,
                        width="stretch",
                    )
                if result.format == "acled":
                    st.info(t("incidents.acled_restricted"))
                if st.button(
                    common.tn("incidents.import_n", rep["accepted"]),
                    type="primary",
                    disabled=rep["accepted"] == 0 and rep["rejected_rows"] == 0,
                ):
                    summary = common.guarded(import_result, store, result, data)
                    common.notify(
                        "incidents",
                        t(
                            "incidents.imported",
                            file=upload.name,
                            added=common.num(summary.added),
                            present=common.num(summary.already_present),
                            rejected=common.num(summary.rejected_rows),
                        ),
                    )
                    st.rerun()

with st.spinner(t("incidents.placing")):
    incidents = common.guarded(_placed, folder, token)
if incidents.empty:
    st.info(t("incidents.none"))
    st.stop()

lo, hi = incidents["date"].min().date(), incidents["date"].max().date()
with st.sidebar:
    st.header(t("incidents.filters"))
    default_start = max(lo, hi - dt.timedelta(days=int(st.session_state.get("incident_days", 365 * 6))))
    start, end = st.slider(
        t("incidents.date_range"),
        min_value=lo,
        max_value=hi,
        value=(default_start, hi),
        format=common.date_format(),
        key="incident_range",
    )
    families = sorted(incidents["source"].str.split(":").str[0].unique())
    sources = common.pick_many(
        t("incidents.sources"),
        families,
        default=families,
        format_func=lambda k: t(f"incidents.source.{k}")
        if has_key(f"incidents.source.{k}", common.lang())
        else k,
    )
    types = sorted(incidents["event_type"].unique())
    chosen_types = common.pick_many(
        t("incidents.event_types"), types, format_func=lambda v: event_type_label(v, lang)
    )
    amrf_codes = [c for c in typology.categories.index if (incidents["amrf"] == c).any()]
    chosen_amrf = common.pick_many(
        tr("page.amrf", lang), amrf_codes, format_func=lambda c: typology.label(c, lang)
    )
    low = st.checkbox(t("incidents.low_precision"), value=True)
    view = st.radio(
        t("incidents.map"),
        ["clusters", "points", "admin2", "admin3"],
        format_func=lambda v: t(f"incidents.view_{v}"),
    )
    cell_km = st.select_slider(t("incidents.cluster_km"), [10, 25, 50, 100], value=25)

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
    t(
        "incidents.summary",
        n=common.num(len(shown)),
        start=common.day(start),
        end=common.day(end),
        fatalities=common.num(int(shown["fatalities"].sum())),
        low=common.num(int(shown["low_precision"].sum())),
    )
)

m = make_map()
fit_country(m, common.admin(folder, 1), legend_room_px=0)  # the whole country, as the live map
if view in ("admin2", "admin3"):
    level = 2 if view == "admin2" else 3
    counts = counts_by_admin(shown, level=level, admin=common.admin(folder, level))
    build_counts_choropleth(common.admin(folder, level), counts, level=level, lang=common.lang()).add_to(m)
# Region and cercle outlines (lines): over the choropleth, under the markers.
for group in build_admin_outlines(common.admin(folder, 1), common.admin(folder, 2), lang=common.lang()):
    group.add_to(m)
if view == "clusters":
    # event types in words before they are joined into the clusters' popups
    in_words = shown.assign(event_type=[event_type_label(v, lang) for v in shown["event_type"]])
    build_clusters_layer(
        cluster_points(in_words, cell_km=float(cell_km)), name=t("incidents.view_clusters"), lang=lang
    ).add_to(m)
elif view == "points":
    build_incidents_layer(shown, name=t("incidents.view_points"), lang=lang).add_to(m)
folium.LayerControl(collapsed=True).add_to(m)
st_folium(m, key="incidents_map", height=560, use_container_width=True, returned_objects=[])

st.subheader(t("incidents.trend"))
trend = monthly_trend(shown, start=start, end=end)
st.altair_chart(  # months and counts written for the language (views.charts)
    month_bars(
        trend.assign(month=pd.to_datetime(trend["month"] + "-01")),
        value="incidents",
        value_label=t("incidents.col.incidents"),
        lang=lang,
    ),
    width="stretch",
)

st.subheader(t("incidents.counts"))
level = st.radio(
    t("incidents.level"), [1, 2, 3], index=1, horizontal=True, format_func=lambda n: t(f"incidents.level_{n}")
)
by_type = counts_by_admin(shown, level=level, by=("amrf", "event_type"))
common.table(
    common.labelled(
        by_type.assign(
            amrf=[typology.label(c, lang) if c in typology.categories.index else c for c in by_type["amrf"]],
            event_type=[event_type_label(v, lang) for v in by_type["event_type"]],
        ),
        "incidents.col",
    ),
    t("incidents.no_counts"),
    hide_index=True,
    width="stretch",
)

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
    t("incidents.dl_filtered"),
    to_hxl_csv(table),
    file_name="incidents_filtered.csv",
    mime="text/csv",
    on_click="ignore",
)
d2.download_button(
    t("incidents.dl_counts", level=t(f"incidents.level_{level}")),
    to_hxl_csv(by_type),
    file_name=f"incident_counts_adm{level}.csv",
    mime="text/csv",
    on_click="ignore",
)
if table["restricted"].any():
    st.caption(t("incidents.restricted_rows"))
st.caption(t("incidents.sources_note"))

link_panel(shown, store, lang)
