"""Reachability page panels: critical axes and crossings (table, map), access over time (chart).

Both run the engine's batches in this process (``geo.model.batch.LocalRunner``, the
reference path of ``python -m geo criticality`` / ``series``, identical results) behind
a button, with a progress bar, and are cached on every input (data files, store state,
date, bands, season, hubs). Visible text comes from ``geo.products.i18n.tr`` (fr, en).
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.escape import markdown_text as md
from geo.products.i18n import format_date, tr
from views import common
from views.charts import rainy_months, season_spans, series_chart


def _context(folder: str, hours: tuple[float, ...], hub_ids: tuple[str, ...]):  # noqa: ANN202
    from geo.model.batch import make_context

    inputs = common.model_inputs(folder)
    return make_context(inputs, common.hubs_table().loc[list(hub_ids)], hours=hours)


def _versions(token: str):  # noqa: ANN202
    return common.versions(str(common.store_path()), token)


@st.cache_data(show_spinner=False, max_entries=8)
def _criticality(
    folder: str,
    fingerprint: str,
    as_of: dt.date,
    hours: tuple[float, ...],
    season: str,
    hub_ids: tuple[str, ...],
    token: str,
    progress_label: str,
) -> gpd.GeoDataFrame:
    from geo.model.batch import LocalRunner
    from geo.model.criticality import criticality
    from geo.model.reach import base_state

    v = _versions(token)
    ctx = _context(folder, hours, hub_ids)
    state = base_state(
        ctx.inputs,
        v.road_status,
        v.encircled,
        as_of,
        season=common.season_arg(season),
        crossing_versions=v.crossing_status,
    )
    return criticality(ctx, state, LocalRunner(), as_of=as_of, progress=common.st_progress(progress_label))


@st.cache_data(show_spinner=False, max_entries=8)
def _series(
    folder: str,
    fingerprint: str,
    dates: tuple[dt.date, ...],
    hours: tuple[float, ...],
    season: str,
    hub_ids: tuple[str, ...],
    token: str,
    progress_label: str,
) -> pd.DataFrame:
    from geo.model.batch import LocalRunner, reach_series

    v = _versions(token)
    return reach_series(
        _context(folder, hours, hub_ids),
        list(dates),
        LocalRunner(),
        v,
        season=common.season_arg(season),
        progress=common.st_progress(progress_label),
    )


#: Widths (px) of the criticality table's columns: the ranking of all hubs (rank to hub, the
#: figures but km² and the hubs affected) and one hub's table (no hub, km² lost) each fit in the
#: page's width at 1440 px (960 px), each column wide enough for its header in French and
#: English (7.5 px a character plus the cell's padding).
CRIT_WIDTHS = {
    "rank": 56,
    "kind": 80,
    "item_name": 204,
    "status": 105,
    "hub": 105,
    "population_lost": 144,
    "localities_lost": 152,
    "km2_lost": 190,
    "hubs_affected": 114,
}


def criticality_view(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return the criticality rows as the panel shows them: kind and status in words, figures for ``lang``.

    Parameters
    ----------
    table
        :func:`geo.model.criticality.criticality` rows (or :func:`~geo.model.criticality.most_critical`),
        with or without a geometry.
    lang
        ``{"fr", "en"}``.

    Returns
    -------
    pandas.DataFrame
        Same columns without the geometry; ``kind`` and ``status`` labels (``axe``, ``ouverte``),
        people, km² and counts written with Babel (``12 400`` / ``12,400``), no ``None``.
    """
    from geo.products.i18n import format_number
    from geo.vocab import ROAD_STATUS

    view = pd.DataFrame(table.drop(columns="geometry", errors="ignore")).copy()
    view["kind"] = [tr(f"kind_{k}", lang) for k in view["kind"]]
    view["status"] = [ROAD_STATUS.label(s, lang) if s in ROAD_STATUS else "" for s in view["status"]]
    for c in ("population_lost", "localities_lost", "km2_lost", "hubs_affected"):
        if c in view.columns:
            view[c] = [format_number(v, lang) if pd.notna(v) else "" for v in view[c]]
    for c in ("item_name", "hub", "localities_named"):
        if c in view.columns:
            view[c] = ["" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in view[c]]
    return view


def criticality_map(items: gpd.GeoDataFrame, folder: str, lang: str):  # noqa: ANN201
    """Return the criticality map: the items over the offline background of the other maps.

    Parameters
    ----------
    items
        Rows shown (:func:`geo.model.criticality.most_critical` or one hub's rows), with geometry.
    folder
        Data folder (admin units, rivers, towns).
    lang
        ``{"fr", "en"}``.

    Returns
    -------
    folium.Map
        Whole country; cercle and region outlines, rivers, the items, town names, a layer
        control and a folding legend (folded on a small map).
    """
    import folium

    from layers.basemap import Legend, fit_country, make_map
    from layers.criticality import build_criticality_layer, criticality_legend_entries
    from layers.incidents import build_admin_outlines
    from layers.places import build_towns_layer
    from layers.symbols import add_symbol_css
    from layers.water import build_water_layer

    m = make_map()
    add_symbol_css(m)  # the town labels' style (as the live map)
    fit_country(m, common.admin(folder, 1), legend_room_px=0)  # the whole country, as the live map
    for group in build_admin_outlines(common.admin(folder, 1), common.admin(folder, 2), lang=lang):
        group.add_to(m)
    build_water_layer(common.guarded(common.water, folder), lang=lang).add_to(m)
    build_criticality_layer(items, lang=lang).add_to(m)
    build_towns_layer(common.guarded(common.towns, folder), lang=lang).add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(Legend(tr("crit_layer", lang), criticality_legend_entries(lang)))
    return m


def named_localities(rows: pd.DataFrame, hub: str, lang: str) -> None:
    """List, in a folded section, the localities each closure cuts off from ``hub`` (ten names at most).

    ``rows``: one hub's :func:`geo.model.criticality.criticality` rows, ranked; a row that
    cuts no named locality is left out. Names beyond those listed are counted
    (``localities_lost``): "et 12 autres".
    """
    from geo.products.i18n import tr_count

    lines = []
    for r in rows.sort_values("rank").itertuples(index=False):
        names = [n for n in str(r.localities_named or "").split("; ") if n]
        if not names:
            continue
        more = int(r.localities_lost) - len(names)
        text = ", ".join(md(n) for n in names)
        if more > 0:
            text += " " + tr_count("changes.and_more", more, lang)
        lines.append(tr("crit_named_line", lang, rank=int(r.rank), item=md(r.item_name), names=text))
    if lines:
        with st.expander(tr("crit_named_head", lang, hub=hub)):
            st.markdown("  \n".join(lines))  # one line each, numbered by rank (no list bullets)


def criticality_panel(
    folder: str, *, as_of: dt.date, hours: list[float], season: str, hub_ids: list[str], lang: str
) -> None:
    """Button, ranking table, map and CSV download of the critical axes and crossings."""
    from geo.model.criticality import most_critical
    from geo.tables import csv_text

    st.subheader(tr("crit_title", lang))
    band = max(hours)
    st.caption(md(tr("crit_intro", lang, date=format_date(as_of, lang), hours=f"{band:g}")))
    key = (folder, as_of, tuple(sorted(hours)), season, tuple(hub_ids), common.state_token())
    if st.session_state.get("criticality_key") != key:
        if not st.button(tr("crit_button", lang), key="criticality_run"):
            return
        st.session_state["criticality_key"] = key
    table = common.guarded(
        _criticality,
        folder,
        common.data_fingerprint(folder),
        *key[1:],
        tr("crit_running", lang),
    )
    if table.empty:
        st.info(tr("crit_none", lang))
        return
    hubs = list(dict.fromkeys(table["hub"]))
    choice = st.selectbox(
        tr("crit_hub", lang),
        [None, *hubs],
        format_func=lambda h: h or tr("crit_all_hubs", lang),
        filter_mode=None,
    )
    if choice is None:
        shown = most_critical(table)
        shown.insert(0, "rank", range(1, len(shown) + 1))
    else:
        shown = table[table["hub"] == choice].reset_index(drop=True)
    shown = gpd.GeoDataFrame(shown, geometry="geometry", crs=table.crs)
    view = criticality_view(shown, lang)
    text = st.column_config.TextColumn
    # Widths (px) of CRIT_WIDTHS, the ranking of all hubs filling the page at 1440 px; long
    # axis names, statuses and hubs wrap in rows tall enough for Streamlit to wrap them.
    # Figures are Babel text ("291 000" in French: Streamlit's number formats write "291,000"),
    # aligned right as in the other tables of figures (common.right_aligned).
    figure = {"alignment": "right"}
    config = {
        "rank": st.column_config.NumberColumn(tr("col_rank", lang)),
        "kind": text(tr("col_kind", lang)),
        "item_name": text(tr("col_item", lang)),
        "status": text(tr("col_status", lang)),
        "hub": text(tr("col_hub", lang)),
        "population_lost": text(tr("col_people_cut", lang), **figure),
        "localities_lost": text(tr("col_localities_cut", lang), **figure),
        "km2_lost": text(tr("col_km2_lost", lang), **figure),
        "localities_named": text(tr("col_localities_named", lang), width="large"),
        "hubs_affected": text(tr("col_hubs_affected", lang), **figure),
    }
    for c, width in CRIT_WIDTHS.items():
        config[c]["width"] = width
    # one hub: its name is the choice above, and the localities cut are listed under the table
    # (a ninth column ran past the page)
    per_hub = ("hub", "localities_named") if choice is not None else ()
    cols = [c for c in config if c in view.columns and c not in per_hub]
    common.table(
        view[cols],
        tr("common.no_rows", lang),
        hide_index=True,
        width="stretch",
        column_config=config,
        row_height=66,  # Streamlit wraps cell text only in rows taller than 4rem (64 px)
    )
    if choice is not None:
        named_localities(shown, choice, lang)
    m = criticality_map(shown, folder, lang)
    st_folium(m, key="criticality_map", height=480, use_container_width=True, returned_objects=[])
    st.caption(tr("crit_map_caption", lang))
    st.download_button(
        tr("crit_download", lang),
        csv_text(table.drop(columns="geometry")),
        f"criticality_{as_of.isoformat()}.csv",
        mime="text/csv",
        on_click="ignore",
    )


def series_panel(
    folder: str, *, as_of: dt.date, hours: list[float], season: str, hub_ids: list[str], lang: str
) -> None:
    """Period inputs, chart and CSV download of access over time (one point per date and hub)."""
    from geo.model.batch import weekly_dates
    from geo.tables import csv_text

    st.subheader(tr("series_title", lang))
    st.caption(tr("series_intro", lang))
    with st.form("series", enter_to_submit=False):
        c1, c2, c3 = st.columns(3)
        start = c1.date_input(
            tr("series_from", lang),
            value=as_of - dt.timedelta(days=364),
            key="series_from",
            format=common.date_format(),
        )
        end = c2.date_input(tr("series_to", lang), value=as_of, key="series_to", format=common.date_format())
        every = c3.number_input(
            tr("series_every", lang), min_value=1, max_value=92, value=7, key="series_every"
        )
        run = st.form_submit_button(tr("series_button", lang))
    if end < start:
        st.warning(tr("series_bad_period", lang))
        return
    dates = tuple(weekly_dates(start, end, every_days=int(every)))
    key = (folder, dates, tuple(sorted(hours)), season, tuple(hub_ids), common.state_token())
    if run:
        st.session_state["series_key"] = key
    if st.session_state.get("series_key") != key:
        return
    table = common.guarded(
        _series, folder, common.data_fingerprint(folder), *key[1:], tr("series_running", lang)
    )
    measure = st.radio(
        tr("series_measure", lang),
        ["population", "area_km2", "localities"],
        horizontal=True,
        format_func=lambda m: tr(f"measure_{m}", lang),
        key="series_measure",
    )
    band = max(hours)
    long = table[table["hours"] == band].assign(as_of=lambda d: pd.to_datetime(d["as_of"]))
    # the rainy months of the seasonal calendar (the table's own season per date): shaded and said
    rainy = season_spans(long["as_of"], long["season"])
    chart = series_chart(
        long[["as_of", "hub_id", "hub", measure]],
        measure=measure,
        measure_label=tr(f"measure_{measure}", lang),
        lang=lang,
        rainy=rainy,
    )
    st.altair_chart(chart, width="stretch")
    st.caption(tr("series_caption", lang, hours=f"{band:g}"))
    if len(rainy):
        first, last = rainy_months(lang)
        st.caption(tr("series_rainy_note", lang, first=first, last=last))
    st.download_button(
        tr("series_download", lang),
        csv_text(table),
        f"access_series_{dates[0].isoformat()}_{dates[-1].isoformat()}.csv",
        mime="text/csv",
        on_click="ignore",
    )
