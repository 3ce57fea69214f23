"""Export page for planners.

Print maps (PDF/PNG, French or English) and GIS files of the state on a date. Nothing is
computed until the user asks for it.
"""

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.errors import AccessMapError
from geo.escape import markdown_text as md
from geo.products.i18n import LANG_NAMES, LANGS, tr
from views import auth, common
from views.common import t

auth.require_role("planner")  # before any data is loaded (views/auth.py)
st.title(t("export.title"))
folder = str(common.guarded(common.data_dir))
hubs = common.guarded(common.hubs_table)

with st.form("export_form"):
    c1, c2, c3 = st.columns(3)
    as_of = c1.date_input(t("common.as_of"), value=st.session_state.get("as_of", dt.date.today()))
    lang = c2.radio(
        t("export.language"),
        LANGS,
        index=LANGS.index(common.lang()),
        horizontal=True,
        format_func=LANG_NAMES.get,
    )
    paper = c3.radio(t("export.paper"), ["A4", "A3"], horizontal=True)
    hub_ids = st.multiselect(
        t("export.hubs"),
        list(hubs.index),
        default=list(hubs.index),
        format_func=lambda h: hubs.at[h, "name"],
    )
    c4, c5, c6 = st.columns(3)
    fmt = c4.selectbox(
        t("export.data_format"),
        ["gpkg", "kml", "geojson", "csv"],
        format_func=lambda f: t(f"export.fmt_{f}"),
    )
    dpi = c5.select_slider(t("export.dpi"), [100, 150, 200, 300], value=150)
    public = c6.checkbox(t("export.public"), value=False, help=t("export.public_help"))
    submitted = st.form_submit_button(t("export.build"), type="primary")


def build(
    data_folder: str,
    as_of: dt.date,
    hub_ids: tuple[str, ...],
    lang: str,
    paper: str,
    dpi: int,
    fmt: str,
    public: bool,
) -> dict:
    """Render the pack, the national preview and the data export, with a progress bar."""
    from geo.products.export import collect_state, themes_from_state, write_export
    from geo.products.positions_map import table
    from geo.products.printmap import build_map_layers, mapped_positions, render_map, render_pack

    bar = common.st_progress(t("export.building"))
    total = 6 + 1 + len(hub_ids) + 1  # state steps, preview, one per page, data file
    state = collect_state(
        Path(data_folder),
        as_of=as_of,
        store_path=common.store_path(),
        hub_ids=list(hub_ids),
        inputs=common.model_inputs(data_folder),
        progress=lambda d, _t, label: bar(d, total, label),
        public=public,
    )
    layers = build_map_layers(
        state.inputs,
        state.result,
        state.hubs,
        admin1=state.admin1,
        incidents=None if public else state.incidents,
        incident_window=(as_of - dt.timedelta(days=364), as_of),
        stale_days=common.settings().stale_days,
        contact=common.settings().contact,
        positions=state.positions,
    )
    preview = render_map(layers, as_of=as_of, lang=lang, paper=paper, dpi=dpi, fmt="png", public=public)
    bar(7, total, t("export.national_map"))
    pack = render_pack(
        layers,
        hub_ids=list(hub_ids),
        as_of=as_of,
        lang=lang,
        paper=paper,
        dpi=dpi,
        public=public,
        progress=lambda d, n, label: bar(7 + d, total, t("export.page_of", d=d, n=n)),
    )
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"mali_access_{as_of:%Y%m%d}.{fmt}"
        write_export(themes_from_state(state, public=public), target)
        data = target.read_bytes()
    bar(total, total, t("export.done"))
    rows = mapped_positions(layers, paper=paper) if state.positions is not None else None
    return {
        "preview": preview,
        "pack": pack,
        "data": data,
        "notes": list(state.notes),
        "zones": state.zones_adm2.drop(columns="geometry")[["pcode", "name", "zone", "rule_id"]],
        "positions": table(rows, lang) if rows is not None else pd.DataFrame(),
    }


if submitted:
    args = (folder, as_of, tuple(hub_ids), lang, paper, int(dpi), fmt, bool(public))
    if not hub_ids:
        st.warning(t("export.no_hub"))
    else:
        try:
            st.session_state["export_out"] = (args, build(*args))
        except AccessMapError as exc:
            common.show_error(exc)

done = st.session_state.get("export_out")
if not done:
    st.info(t("export.intro", button=t("export.build")))
else:
    args, out = done
    _, a_of, ids, lg, pp, _, fm, pub = args
    stem = f"mali_access_{a_of:%Y%m%d}_{lg}" + ("_public" if pub else "")
    st.image(out["preview"], caption=t("export.preview", lang=LANG_NAMES[lg], paper=pp), width="stretch")
    d1, d2, d3 = st.columns(3)
    d1.download_button(
        t("export.pack_positions", n=len(ids)),
        out["pack"],
        file_name=f"{stem}_pack.pdf",
        mime="application/pdf",
    )
    d2.download_button(t("export.png"), out["preview"], file_name=f"{stem}.png", mime="image/png")
    d3.download_button(
        t("export.data", fmt=t(f"export.fmt_{fm}")),
        out["data"],
        file_name=f"mali_access_{a_of:%Y%m%d}.{fm}",
        mime="application/octet-stream",
    )
    for note in out["notes"]:
        st.caption(md(note))
    with st.expander(t("export.positions", n=len(out["positions"]))):
        st.caption(t("export.positions_public") if pub else t("export.positions_internal"))
        st.dataframe(common.labelled(out["positions"], "export.pos_col"), hide_index=True, width="stretch")
    with st.expander(t("export.zones")):
        zones = out["zones"].assign(zone=out["zones"]["zone"].map(lambda z: tr(f"zone_{z}", common.lang())))
        st.dataframe(common.labelled(zones, "export.col"), hide_index=True, width="stretch")
