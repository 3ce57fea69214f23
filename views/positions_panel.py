"""The panel of common positions that apply to what a page shows (Reachability, live map), and their markers.

Not a page: :func:`positions_panel` and :func:`located_positions` are called by the pages.
Text typed by users (position texts, meeting references) is escaped for Markdown with
:func:`geo.escape.markdown_text` (``md``) before it is shown; labels come from the one
vocabulary (:mod:`geo.vocab`) and the catalogs, in the session's language.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.escape import markdown_text as md
from geo.products import policy
from geo.store import positions as P
from views import common
from views.common import lang as session_lang
from views.common import t


@st.cache_data(show_spinner=False)
def register(store: str, token: str) -> pd.DataFrame:
    """Return the register (cached on the positions' state token)."""
    return P.current_positions(store)


@st.cache_data(show_spinner=False, max_entries=8)
def _located(store: str, token: str, folder: str, constraints_token: str) -> gpd.GeoDataFrame:
    from geo.products.positions_map import locate

    inputs = common.model_inputs(folder)
    return locate(
        register(store, token),
        axes=inputs.axes,
        crossings=getattr(inputs, "crossings", None),
        admin=[common.admin(folder, level) for level in (1, 2, 3)],
        places=inputs.places,
        episodes=common.versions(store, constraints_token).encircled,
    )


def located_positions(store: str, folder: str, role: str) -> gpd.GeoDataFrame:
    """Return the register placed on the map (:func:`geo.products.positions_map.locate`), role's fields only.

    Cached on the positions' and the constraints' state tokens (a new step or a new
    encirclement places the scopes again).
    """
    located = _located(store, P.state_version(store), folder, common.state_token())
    return policy.for_role(located, "positions", role)


def pcodes_of_hubs(hubs: pd.DataFrame, hub_ids: Iterable[str]) -> set[str]:
    """P-codes of the areas of responsibility (admin1 and admin2) of the chosen hubs."""
    out: set[str] = set()
    for h in hub_ids:
        if h not in hubs.index:
            continue
        for col in ("aor_adm1_pcodes", "aor_adm2_pcodes"):
            value = hubs.at[h, col] if col in hubs.columns else ""
            items = value if isinstance(value, list | tuple) else str(value or "").split(";")
            out |= {str(p).strip() for p in items if str(p).strip()}
    return out


def positions_panel(
    store: str,
    *,
    role: str,
    axes: Iterable[str] = (),
    pcodes: Iterable[str] = (),
    localities: Iterable[str] = (),
    crossings: Iterable[str] = (),
    located: gpd.GeoDataFrame | None = None,
    area: object | None = None,
    lang: str | None = None,
    title: str | None = None,
) -> pd.DataFrame:
    """Show the positions that apply to the hubs, axes, crossings, localities and areas in view.

    Parameters
    ----------
    store
        Project store.
    role
        Session role: fields the role may not receive are dropped
        (:func:`geo.products.policy.for_role`, kind ``positions``).
    axes, pcodes, localities, crossings
        What the page shows (axis ids, P-codes at any level, locality names or place ids,
        crossing ids).
    located, area
        :func:`located_positions` and an area in view (shapely geometry, EPSG:4326, e.g. the
        hubs' areas of responsibility): positions whose place lies in it apply too (a
        crossing or a locality given by place id inside the area).
    lang
        Language of the text shown first (default: the session's).
    title
        Heading of the panel (default: the catalog's ``panel.title``).

    Returns
    -------
    pandas.DataFrame
        The rows shown (retired positions excluded).
    """
    lang = lang or session_lang()
    title = title or t("panel.title")
    reg = register(store, P.state_version(store))
    rows = P.applicable(
        reg, axes=set(axes), pcodes=set(pcodes), localities=set(localities), crossings=set(crossings)
    )
    if located is not None and area is not None and len(located):
        from geo.products.positions_map import in_area

        inside = set(in_area(located, area)["id"])
        extra = reg[reg["id"].isin(inside - set(rows["id"])) & (reg["status"] != "retired")]
        rows = pd.concat([rows, extra], ignore_index=True) if len(extra) else rows
    rows = policy.for_role(rows, "positions", role)
    names = {}
    if located is not None and len(located):
        names = dict(zip(located["scope"].astype(str), located["place_name"].astype(str), strict=False))
    order = {s: i for i, s in enumerate(("endorsed", "revised", "proposed", "draft"))}
    rows = rows.assign(_o=rows["status"].map(order)).sort_values(["_o", "id"]).drop(columns="_o")
    n_end = int((rows["status"] == "endorsed").sum())
    head = t(
        "panel.head",
        title=title,
        endorsed=common.tn("panel.endorsed", n_end),
        other=common.tn("panel.other", len(rows) - n_end),
    )
    with st.expander(head, expanded=n_end > 0):
        if rows.empty:
            st.caption(t("panel.none"))
        for _, r in rows.iterrows():
            status = t(f"panel.status.{r['status']}", date=common.date_text(r["endorsed"]))
            flag = " · " + t("pos.vis.restricted") if r["visibility"] == "restricted" else ""
            topic, scope = md(P.topic_label(r["topic"], lang)), md(P.scope_label(r["scope"], lang, names))
            head = f"**#{r['id']} · {topic}** · {scope}"
            st.markdown(f"{head}  \n*{md(status)}{flag}*")
            first, other = ("text_fr", "text_en") if lang == "fr" else ("text_en", "text_fr")
            st.markdown(md(r[first]))
            st.caption(md(r[other]))
        st.caption(t("panel.note"))
    return rows
