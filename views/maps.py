"""Folium maps drawn once per state for every session.

``streamlit_folium.st_folium`` renders its folium map (branca elements, one jinja
template compiled per element) on every run of a page, twice: about a second of one core
per run for the live map (its layers written once per theme, :func:`layers.style.feature_layer`),
for each viewer, although every viewer looking at the same state gets the same map.
:func:`shared_map` builds and renders a map once per key (``st.cache_resource``: one copy
for every session, read-only) and hands the rendered text to the same streamlit-folium
component; a rerun with the same key only sends it again.

The rendering follows ``st_folium`` of streamlit-folium 0.27 (its helpers that write the
header, the HTML and the Leaflet script); ``tests/app/test_maps.py`` checks that the
component receives the same arguments as from ``st_folium``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from views.common import counted


def folium_payload(m: Any) -> dict[str, Any]:
    """Render folium map ``m`` as the streamlit-folium component draws it.

    Parameters
    ----------
    m
        A ``folium.Map`` (rendered here: do not render or change it afterwards).

    Returns
    -------
    dict
        ``script`` (the Leaflet JavaScript), ``header``, ``html``, ``id`` (the map's
        element id), ``bounds`` (``[[south, west], [north, east]]``, degrees, EPSG:4326),
        ``zoom``, ``css_links`` and ``js_links`` (the map's assets, deduplicated, in order).
    """
    import branca
    import folium
    from streamlit_folium import _get_header, _get_html, _get_map_string, get_full_id

    m.get_root().render()
    m.render()
    html, header = _get_html(m), _get_header(m)  # before _get_map_string, which changes the map
    script = _get_map_string(m)

    def walk(element: Any) -> Iterable[Any]:
        if isinstance(element, branca.colormap.ColorMap | folium.elements.JSCSSMixin):
            yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    css: list[str] = []
    js: list[str] = []
    for element in walk(m):
        if isinstance(element, branca.colormap.ColorMap):  # as st_folium: d3 for colour scales
            js[:0] = [
                "https://d3js.org/d3.v4.min.js",
                "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js",
            ]
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    try:
        bounds = m.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]
    return {
        "script": script,
        "header": header,
        "html": html,
        "id": get_full_id(m),
        "bounds": bounds,
        "zoom": m.options.get("zoom") if hasattr(m, "options") else {},
        "css_links": list(dict.fromkeys(css)),
        "js_links": list(dict.fromkeys(js)),
    }


@st.cache_resource(show_spinner=False, max_entries=16)
def _shared_payload(key: tuple, _build: Callable[[], Any]) -> dict[str, Any]:
    with counted(f"map_{key[0]}"):
        return folium_payload(_build())


def shared_map(key: tuple, build: Callable[[], Any]) -> dict[str, Any]:
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
    dict
        :func:`folium_payload` of the map (shared and read-only).
    """
    return _shared_payload(key, build)


def show_map(
    payload: dict[str, Any],
    *,
    key: str,
    height: int,
    returned_objects: Iterable[str] = (),
) -> Any:
    """Draw a rendered map (:func:`shared_map`) with the streamlit-folium component, full width.

    Returns what the component returns (``st_folium``'s value): the ``returned_objects``
    of the user's last interaction, or their defaults.
    """
    from streamlit_folium import _component_func, generate_js_hash

    returned = list(returned_objects)
    (south, west), (north, east) = payload["bounds"]
    defaults = {
        "last_clicked": None,
        "last_object_clicked": None,
        "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None,
        "all_drawings": None,
        "last_active_drawing": None,
        "bounds": {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}},
        "zoom": payload["zoom"],
        "last_circle_radius": None,
        "last_circle_polygon": None,
        "selected_layers": None,
        "selected_tags": None,
        "last_geocoder_result": None,
    }
    hash_key = generate_js_hash(payload["script"], key, False)

    def changed() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return _component_func(
        script=payload["script"],
        header=payload["header"],
        html=payload["html"],
        id=payload["id"],
        key=hash_key,
        height=height,
        width=None,
        returned_objects=returned,
        default={k: v for k, v in defaults.items() if k in returned},
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=payload["css_links"],
        js_links=payload["js_links"],
        on_change=changed,
        wrap_longitude=False,
    )
