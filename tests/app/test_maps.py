"""views/maps.py: a map rendered once for every session reaches the page as folium's own document."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest


def _build():  # noqa: ANN202
    import folium

    m = folium.Map(location=[17.0, -4.0], zoom_start=5, tiles=None)
    m.default_js = [("leaflet", "/app/static/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", "/app/static/leaflet/leaflet.css")]
    ring = [[-4.5, 14.2], [-3.9, 14.2], [-3.9, 14.8], [-4.5, 14.2]]
    feature = {
        "type": "Feature",
        "properties": {"name": "Mopti <b>"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    collection = {"type": "FeatureCollection", "features": [feature]}
    folium.GeoJson(collection, tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
    folium.CircleMarker([16.27, -0.04], radius=6, tooltip="Gao").add_to(m)
    return m


def _page() -> None:
    from tests.app.test_maps import _build
    from views import maps

    maps.show_map(maps.shared_map(("test", 1), _build), height=300)


def _numbered(text: str) -> str:
    """``text`` with folium's random element ids numbered in order of appearance."""
    ids: dict[str, str] = {}
    return re.sub(r"[0-9a-f]{32}", lambda m: ids.setdefault(m.group(0), f"ID{len(ids)}"), text)


def test_shared_map_is_drawn_as_folium_writes_it() -> None:
    at = AppTest.from_function(_page, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    (frame,) = at.get("iframe")
    document = frame.proto.srcdoc
    assert _numbered(document) == _numbered(_build().get_root().render())  # what Map.save writes
    assert "Mopti <b>" not in document  # the feature's name reaches the page as JSON text only
    assert re.findall(r'<script src="([^"]*)"', document) == ["/app/static/leaflet/leaflet.js"]


def test_map_built_once_per_key() -> None:
    from views import common

    def page() -> None:
        import folium

        from views import maps

        maps.shared_map(("once", 1), lambda: folium.Map(location=[17.0, -4.0], zoom_start=5, tiles=None))

    before = common.COMPUTED["map_once"]
    for _ in range(2):  # two sessions
        at = AppTest.from_function(page, default_timeout=60)
        at.run()
        at.run()  # and a rerun
        assert not at.exception, at.exception
    assert common.COMPUTED["map_once"] - before == 1
