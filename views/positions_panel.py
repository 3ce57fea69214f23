"""The panel of common positions that apply to what a page shows (Reachability, live map).

Not a page: :func:`positions_panel` is called by the pages. Text typed by users (position
texts, meeting references) is escaped for Markdown with :func:`geo.escape.markdown_text` (``md``) before it is
shown (``geo.escape`` has no Markdown function on main yet; when it gains one, use it here).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from geo.escape import markdown_text as md
from geo.products import policy
from geo.store import positions as P
from views.common import lang as session_lang
from views.common import t


@st.cache_data(show_spinner=False)
def register(store: str, token: str) -> pd.DataFrame:
    """Return the register (cached on the positions' state token)."""
    return P.current_positions(store)


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
    lang: str | None = None,
    title: str | None = None,
) -> pd.DataFrame:
    """Show the positions that apply to the axes, admin units and localities in view.

    Parameters
    ----------
    store
        Project store.
    role
        Session role: fields the role may not receive are dropped
        (:func:`geo.products.policy.for_role`, kind ``positions``).
    axes, pcodes, localities
        What the page shows (axis ids, P-codes at any level, locality names or place ids).
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
    rows = P.applicable(reg, axes=set(axes), pcodes=set(pcodes), localities=set(localities))
    rows = policy.for_role(rows, "positions", role)
    order = {s: i for i, s in enumerate(("endorsed", "revised", "proposed", "draft"))}
    rows = rows.assign(_o=rows["status"].map(order)).sort_values(["_o", "id"]).drop(columns="_o")
    n_end = int((rows["status"] == "endorsed").sum())
    with st.expander(t("panel.head", title=title, n=n_end, other=len(rows) - n_end), expanded=n_end > 0):
        if rows.empty:
            st.caption(t("panel.none"))
        for _, r in rows.iterrows():
            status = t(f"panel.status.{r['status']}", date=r["endorsed"])
            flag = " · " + t("pos.vis.restricted") if r["visibility"] == "restricted" else ""
            topic, scope = md(P.topic_label(r["topic"], lang)), md(P.scope_label(r["scope"], lang))
            head = f"**#{r['id']} · {topic}** · {scope}"
            st.markdown(f"{head}  \n*{md(status)}{flag}*")
            first, other = ("text_fr", "text_en") if lang == "fr" else ("text_en", "text_fr")
            st.markdown(md(r[first]))
            st.caption(md(r[other]))
        st.caption(t("panel.note"))
    return rows
