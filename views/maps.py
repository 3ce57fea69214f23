"""Read-only folium maps: drawn as a plain HTML frame, rendered once for every session.

A map whose page reads nothing back from it (no click, no drawing) is drawn by
:func:`show_map` as folium's own document (``Figure.render``: the vendored Leaflet, the
map's header and its script) in ``st.iframe``. The streamlit-folium component
(``st_folium``) loads its own React bundle in every frame it draws and talks to the page
both ways; for the live map that cost the browser about 0.2 s more CPU per visit
(``bench/bench_load.py``; README, "Speed"). ``st_folium`` stays where a page reads a click.

Rendering a folium map (branca elements, one jinja template compiled per element) takes
about a second of one core for the live map, and every viewer looking at the same state
gets the same map: :func:`shared_map` builds and renders a map once per key
(``st.cache_resource``: one copy for every session, read-only); a rerun with the same key
sends the same document again, and the browser keeps its frame.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from views.common import counted


def map_document(m: Any) -> str:
    """Return folium map ``m`` as a whole HTML document (what ``Map.save`` writes).

    Parameters
    ----------
    m
        A ``folium.Map`` whose assets point at the app's vendored Leaflet
        (``layers.basemap.make_map``); rendered here, do not change it afterwards.

    Returns
    -------
    str
        The document: Leaflet's ``<link>``/``<script>`` tags, the map's header (its CSS),
        its ``<div>`` and its script.
    """
    return m.get_root().render()


@st.cache_resource(show_spinner=False, max_entries=16)
def _shared_document(key: tuple, _build: Callable[[], Any]) -> str:
    with counted(f"map_{key[0]}"):
        return map_document(_build())


def shared_map(key: tuple, build: Callable[[], Any]) -> str:
    """Return the rendered map of ``key``, built by ``build()`` by the first session that asks.

    Parameters
    ----------
    key
        Everything the map depends on, hashable: the map's name first (``"live"``), then
        the data fingerprint, the store tokens, the page's choices, the role (the fields
        the policy lets it see) and the language. Two sessions with the same key get the
        same map, so a key that misses an input shows one session another's map.
    build
        Returns the ``folium.Map`` (called once per key, with no Streamlit call inside).

    Returns
    -------
    str
        :func:`map_document` of the map (shared).
    """
    return _shared_document(key, build)


def show_map(document: str, *, height: int) -> None:
    """Draw a rendered map (:func:`map_document`) in a frame, full width, ``height`` pixels high.

    The frame runs the map's script with the page's origin (``st.iframe``): every text in
    the document must already be escaped for HTML or JavaScript where it lands, as the
    ``layers`` builders do (``geo.escape``).
    """
    st.iframe(document, height=height)
