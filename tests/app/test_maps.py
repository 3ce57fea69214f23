"""views/maps.py: a map rendered once reaches the component as st_folium sends it (AppTest)."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import folium
    from streamlit_folium import st_folium

    from views import maps

    def build() -> folium.Map:
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

    st_folium(build(), key="direct", height=300, use_container_width=True, returned_objects=["last_clicked"])
    shown = maps.show_map(
        maps.shared_map(("test", 1), build), key="shared", height=300, returned_objects=["last_clicked"]
    )
    assert shown == {"last_clicked": None}


def _normalised(args: dict) -> dict:
    """Component arguments with folium's random element ids numbered in order of appearance."""
    text = json.dumps({k: v for k, v in args.items() if k != "key"}, sort_keys=True)
    ids: dict[str, str] = {}
    return json.loads(re.sub(r"[0-9a-f]{32}", lambda m: ids.setdefault(m.group(0), f"ID{len(ids)}"), text))


def test_shared_map_sends_what_st_folium_sends() -> None:
    at = AppTest.from_function(_page, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    direct, shared = (json.loads(c.proto.json_args) for c in at.get("component_instance"))
    assert "Mopti &lt;b&gt;" in shared["script"] or "Mopti \\u003cb\\u003e" in shared["script"]
    assert _normalised(shared) == _normalised(direct)
    assert shared["js_links"] == ["/app/static/leaflet/leaflet.js"]


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
