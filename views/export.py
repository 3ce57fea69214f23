"""Export page for planners.

Print maps (PDF/PNG, French or English) and GIS files of the state on a date. Nothing is
computed until the user asks for it. Each product is built once per state (date, hubs,
public or not, data files, store) and print options, for every session
(``views.common.export_state``/``export_print``), and the data files are offered in every
format at once, each written when first downloaded (``views.common.export_file``).
"""

import datetime as dt
import functools

import pandas as pd
import streamlit as st

from geo.errors import AccessMapError
from geo.escape import markdown_text as md
from geo.products.export import rule_text
from geo.products.i18n import LANG_NAMES, LANGS, tr
from views import auth, common
from views.common import t, tn

auth.require_role("planner")  # before any data is loaded (views/auth.py)
st.title(t("export.title"))
folder = str(common.guarded(common.data_dir))
hubs = common.guarded(common.hubs_table)
#: Media type of each data format.
MIME = {
    "gpkg": "application/geopackage+sqlite3",
    "kml": "application/vnd.google-earth.kml+xml",
    "geojson": "application/geo+json",
    "csv": "text/csv",
}

with st.form("export_form", enter_to_submit=False):
    c1, c2, c3 = st.columns(3)
    as_of = c1.date_input(
        t("common.as_of"), value=st.session_state.get("as_of", dt.date.today()), format=common.date_format()
    )
    lang = c2.radio(
        t("export.language"),
        LANGS,
        index=LANGS.index(common.lang()),
        horizontal=True,
        format_func=LANG_NAMES.get,
    )
    paper = c3.radio(t("export.paper"), ["A4", "A3"], horizontal=True)
    hub_ids = common.pick_many(
        t("export.hubs"), list(hubs.index), default=list(hubs.index), format_func=lambda h: hubs.at[h, "name"]
    )
    c5, c6 = st.columns(2)
    dpi = c5.select_slider(t("export.dpi"), [100, 150, 200, 300], value=150)
    public = c6.checkbox(t("export.public"), value=False, help=t("export.public_help"))
    submitted = st.form_submit_button(t("export.build"), type="primary")


def build(request: dict) -> dict:
    """Build (or find built) the state and the print products of ``request``, with a progress bar.

    Each product is built once per state for every session (``views.common.export_state``,
    ``export_print``); the data files are written when first downloaded (``export_file``).
    """
    bar = common.st_progress(t("export.building"))
    bar(0, 2, t("export.state_step", date=common.day(request["as_of"])))
    common.export_state(request["key"])
    bar(1, 2, tn("export.pack", len(request["pages"])))
    out = common.export_print(
        request["key"], request["pages"], request["lang"], request["paper"], request["dpi"]
    )
    bar(2, 2, t("export.done"))
    return out


if submitted:
    if not hub_ids:
        st.warning(t("export.no_hub"))
    else:
        request = {
            "key": common.export_key(folder, as_of, tuple(hub_ids), bool(public)),
            "as_of": as_of,
            "pages": tuple(hub_ids),
            "lang": lang,
            "paper": paper,
            "dpi": int(dpi),
            "public": bool(public),
        }
        try:
            build(request)
        except AccessMapError as exc:
            common.show_error(exc)
        st.session_state["export_request"] = request

request = st.session_state.get("export_request")
if not request:
    st.info(t("export.intro", button=t("export.build")))
else:
    try:  # built above or on an earlier run (by this session or another): found in the shared caches
        with st.spinner(t("export.building")):
            state, _ = common.export_state(request["key"])
            out = common.export_print(
                request["key"], request["pages"], request["lang"], request["paper"], request["dpi"]
            )
    except AccessMapError as exc:
        common.show_error(exc)
    a_of, lg, pp, pub = request["as_of"], request["lang"], request["paper"], request["public"]
    stem = f"mali_access_{a_of:%Y%m%d}_{lg}" + ("_public" if pub else "")
    if common.export_key_token(request["key"]) != common.export_key_token(
        common.export_key(folder, a_of, request["pages"], pub)
    ):
        st.info(t("export.store_changed", button=t("export.build")))
    st.image(out["preview"], caption=t("export.preview", lang=LANG_NAMES[lg], paper=pp), width="stretch")
    # A download changes nothing on the page, so it does not rerun it ("ignore"): a rerun gave the
    # data buttons new file ids, and a data file clicked during that rerun asked for the old one
    # ("Deferred file ... not found", the French trial: PDF, PNG, then GeoPackage, which never came).
    d1, d2 = st.columns(2)
    d1.download_button(
        tn("export.pack_positions", len(request["pages"])),
        out["pack"],
        file_name=f"{stem}_pack.pdf",
        mime="application/pdf",
        on_click="ignore",
    )
    d2.download_button(
        t("export.png"), out["preview"], file_name=f"{stem}.png", mime="image/png", on_click="ignore"
    )
    st.caption(t("export.data_files"))
    data_stem = f"mali_access_{a_of:%Y%m%d}" + ("_public" if pub else "")
    for column, fmt in zip(st.columns(len(common.EXPORT_FORMATS)), common.EXPORT_FORMATS, strict=True):
        column.download_button(
            t("export.data", fmt=t(f"export.fmt_{fmt}")),
            functools.partial(
                common.export_file, request["key"], fmt, common.lang()
            ),  # written when clicked, once
            file_name=f"{data_stem}.{fmt}",
            mime=MIME[fmt],
            on_click="ignore",
            key=f"export_data_{fmt}",
        )
    for note in state.notes:
        st.caption(md(note))
    with st.expander(t("export.positions", n=len(out["positions"]))):
        st.caption(t("export.positions_public") if pub else t("export.positions_internal"))
        st.dataframe(common.labelled(out["positions"], "export.pos_col"), hide_index=True, width="stretch")
    with st.expander(t("export.zones")):
        ui = common.lang()
        zones = state.zones_adm2.drop(columns="geometry")
        # the rule in words ("Moins de la moitié des habitants ..."), not its code (Z3-FAR)
        zones = pd.DataFrame(
            {
                "pcode": zones["pcode"],
                "name": zones["name"],
                "zone": [tr(f"zone_{z}", ui) for z in zones["zone"]],
                "rule": [rule_text(i, d, ui) for i, d in zip(zones["rule_id"], zones["rule"], strict=True)],
            }
        )
        st.dataframe(common.labelled(zones, "export.col"), hide_index=True, width="stretch")
