"""Incidents page panel: turn an incident into a road status or an encirclement (link kept).

UI only: the write is :func:`geo.store.links.link_incident` (one transaction: the constraint
version and its link, or nothing).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.errors import AccessMapError
from geo.escape import markdown_text as md
from geo.products.i18n import format_date, tr
from geo.sources.amrf import NOT_ACCESS, read_typology
from geo.store import constraints
from geo.store.links import link_incident
from geo.vocab import CAUSE, CONFIDENCE, ENCIRCLED_STATUS, ROAD_STATUS
from layers.incidents import source_label
from views import auth, common


def incident_label(row: pd.Series, lang: str, typology=None) -> str:  # noqa: ANN001
    """``27 octobre 2025 · Léré · Blocus · Événements d'accès du projet`` (shown as text in a select box).

    The date written out for the language, the place, the incident's AMRF category in words
    (``typology``: :func:`geo.sources.amrf.read_typology`; the source's event type when
    None) and its source in words (:func:`layers.incidents.source_label`), never the
    store's internal id (``curated:MLI-ACC-038``).
    """
    kind = typology.label(str(row["amrf"]), lang) if typology is not None else row["event_type"]
    source = source_label(row["source"], lang) if isinstance(row.get("source"), str) else ""
    parts = (format_date(row["date"].date(), lang), row.get("location", ""), kind, source)
    return " · ".join(x for x in parts if isinstance(x, str) and x.strip())


def link_panel(shown: pd.DataFrame, store, lang: str) -> None:  # noqa: ANN001
    """Form turning one of ``shown``'s incidents into a constraint, and the links recorded so far."""
    typology = read_typology()
    st.subheader(tr("page.link_head", lang))
    st.caption(tr("page.link_help", lang))
    candidates = shown[shown["amrf"] != NOT_ACCESS].sort_values("date", ascending=False)
    if candidates.empty:
        st.info(tr("page.link_none", lang))
    else:
        labels = pd.Series(
            [incident_label(r, lang, typology) for _, r in candidates.iterrows()], index=candidates.index
        )
        twice = labels.duplicated(keep=False)  # same day, place, category and source: numbered (1), (2)
        rank = labels.groupby(labels).cumcount() + 1
        labels[twice] = [f"{text} ({n})" for text, n in zip(labels[twice], rank[twice], strict=True)]
        pick = st.selectbox(
            tr("page.link_incident", lang),
            list(candidates.index),
            format_func=labels.get,
            key="link_incident",
        )
        row = candidates.loc[pick]
        st.caption(
            tr(
                "page.link_carried",
                lang,
                date=format_date(row["date"].date(), lang),
                source=md(source_label(row["source"], lang)),
                amrf=md(typology.label(str(row["amrf"]), lang)),
            )
        )
        kind = st.radio(
            tr("page.link_kind", lang),
            ["road_status", "encirclement"],
            format_func=lambda k: tr(f"page.link_{k}", lang),
            horizontal=True,
            key="link_kind",
        )
        signed_in = st.session_state.get(auth.USER_KEY)
        with st.form("incident_link_form", enter_to_submit=False):
            c1, c2, c3 = st.columns(3)
            if kind == "road_status":
                axes = constraints.known_axes()
                # no default axis or status: a link records a constraint, so both are chosen
                axis = c1.selectbox(
                    tr("page.link_axis", lang),
                    list(axes.index),
                    index=None,
                    placeholder=tr("page.link_pick", lang),
                    format_func=lambda a: str(axes.at[a, "axis_name"]),
                    key="link_axis",
                )
                status = c2.selectbox(
                    tr("page.link_status", lang),
                    ROAD_STATUS.codes,
                    index=None,
                    placeholder=tr("page.link_pick", lang),
                    format_func=lambda c: ROAD_STATUS.label(c, lang),
                    key="link_road_status",
                    filter_mode=None,
                )
                cause = c3.selectbox(
                    tr("page.link_cause", lang),
                    CAUSE.codes,
                    format_func=lambda c: CAUSE.label(c, lang),
                    filter_mode=None,
                )
                locality, radius = None, None
            else:
                locality = c1.text_input(tr("page.link_locality", lang), value=str(row.get("location", "")))
                status = c2.selectbox(
                    tr("page.link_status", lang),
                    ENCIRCLED_STATUS.codes,
                    index=None,
                    placeholder=tr("page.link_pick", lang),
                    format_func=lambda c: ENCIRCLED_STATUS.label(c, lang),
                    key="link_encircled_status",
                    filter_mode=None,
                )
                radius = c3.number_input(
                    tr("page.link_radius", lang), 0.0, 100.0, value=0.0, step=0.5, format="%g"
                )
                axis, cause = None, "security"
            confidence = c1.selectbox(
                tr("page.link_confidence", lang),
                CONFIDENCE.codes,
                index=1,
                format_func=lambda c: CONFIDENCE.label(c, lang),
                filter_mode=None,
            )
            note = st.text_input(tr("page.link_note", lang))
            by = st.text_input(
                tr("page.link_by", lang),
                value=signed_in or st.session_state.get("advisor_name", ""),
                disabled=bool(signed_in),
            )
            submitted = st.form_submit_button(tr("page.link_save", lang), type="primary")
        if submitted and (status is None or (kind == "road_status" and axis is None)):
            st.error(tr("page.link_missing", lang))
        elif submitted:
            try:
                res = link_incident(
                    store,
                    row.to_dict(),
                    kind=kind,
                    recorded_by=by,
                    axis_id=axis,
                    status=status,
                    cause=cause,
                    locality=locality,
                    radius_km=radius or None,
                    confidence=confidence,
                    note=note,
                )
            except constraints.ConflictError as exc:
                st.error(f"{tr('page.link_not_saved', lang)} {md(exc)}")
            except AccessMapError as exc:
                st.error(f"{tr('page.link_not_saved', lang)} {md(exc)}")
            else:
                st.session_state["advisor_name"] = by
                target = res.target if axis is None else str(constraints.known_axes().at[axis, "axis_name"])
                item_kind = "axis" if res.kind == "road_status" else "episode"  # numbered within the item
                number = constraints.version_number(store, item_kind, res.target, res.version_id)
                st.success(tr("page.link_saved", lang, target=md(target), version=number))
    links = constraints.incident_links(store)
    with st.expander(tr("page.links", lang, n=len(links)), expanded=False):
        common.table(
            links_view(links, lang, typology), tr("links.none", lang), hide_index=True, width="stretch"
        )


def links_view(links: pd.DataFrame, lang: str, typology=None) -> pd.DataFrame:  # noqa: ANN001
    """Return the incident links as the page shows them: words, written dates, translated headers.

    Parameters
    ----------
    links
        :func:`geo.store.constraints.incident_links` rows.
    lang
        ``{"fr", "en"}``.
    typology
        :func:`geo.sources.amrf.read_typology` (AMRF categories in words), or None to read it.

    Returns
    -------
    pandas.DataFrame
        AMRF category and constraint kind in words, the axis's name for a road status, dates
        written out for ``lang``, the curated seed's recorder as its label, headers from the
        catalogs (``links.col.<name>``).
    """
    from geo.products.i18n import recorder_label

    typology = typology if typology is not None else read_typology()
    axes = constraints.known_axes()
    out = links.copy()
    out["amrf"] = [typology.label(str(c), lang) if c in typology.categories.index else c for c in out["amrf"]]
    out["target"] = [
        str(axes.at[x, "axis_name"]) if k == "road_status" and x in axes.index else x
        for k, x in zip(out["kind"], out["target"], strict=True)
    ]
    out["kind"] = [
        tr(f"page.link_{k}", lang) if k in ("road_status", "encirclement") else k for k in out["kind"]
    ]
    out["linked_by"] = [recorder_label(v, lang) for v in out["linked_by"]]
    for c in ("incident_date", "linked_at"):
        out[c] = [common.date_text(v, lang) for v in out[c]]
    return out.rename(columns={c: tr(f"links.col.{c}", lang) for c in out.columns})
