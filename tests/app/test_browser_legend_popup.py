"""The open legend of a map never hides a popup opened near the map's left edge (headless Chromium).

A map with the live map's legend (top left, unfolded) and points under it: each point's
popup is opened as a reader's click does, and once Leaflet's auto-pan and ours have ended,
the popup's box and the legend's box do not overlap (or the legend is folded).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from browser_app import CHROMIUM, LAUNCH_ARGS, require_chromium

from geo.config import PROJECT_ROOT
from layers.basemap import POPUP_GAP_PX, POPUP_WAIT_MS, Legend, make_map
from layers.style import feature_layer, popup_table

pytestmark = pytest.mark.e2e

#: Opens the popup of point ``i`` of the map's feature layer; returns after both pans.
OPEN = """
async (i) => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const leaves = [];
  map.eachLayer(l => { if (l.getPopup && l.getPopup() && !l.getLayers) leaves.push(l); });
  leaves[i].openPopup();
  await new Promise(r => setTimeout(r, %d));
  const box = document.querySelector(".map-legend").getBoundingClientRect();
  const pop = document.querySelector(".leaflet-popup").getBoundingClientRect();
  const open = document.querySelector(".map-legend details").open;
  return {n: leaves.length, box: [box.left, box.top, box.right, box.bottom],
          pop: [pop.left, pop.top, pop.right, pop.bottom], open: open};
}
"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_popups_near_the_left_edge_are_moved_clear_of_the_open_legend(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    m = make_map(asset_base=(PROJECT_ROOT / "static" / "vendor").as_uri(), height=600)
    m.fit_bounds([[10.0, -12.4], [25.1, 4.4]])
    entries = [("line", "#d7191c", f"Entrée de légende {i}") for i in range(14)]
    m.add_child(Legend("Situation au 29 novembre 2025", entries, folded=False))
    # points at the far west of the view (under the legend), from north to south
    lats = [24.0, 22.0, 20.0, 17.0]
    points = gpd.GeoDataFrame(
        {
            "popup": [
                popup_table([("Statut", "Fermée"), ("Note", "x " * 40)], title=f"P{i}") for i in range(4)
            ],
            "tip": [f"P{i}" for i in range(4)],
        },
        geometry=gpd.points_from_xy([-11.8] * 4, lats),
        crs=4326,
    )
    feature_layer(points).add_to(m)
    page_file = tmp_path / "map.html"
    m.save(str(page_file))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 600})
            page.goto(page_file.as_uri())
            page.wait_for_selector(".map-legend details[open]")
            for i in range(len(lats)):
                got = page.evaluate(OPEN % (POPUP_WAIT_MS + 500), i)
                assert got["n"] == len(lats)
                legend_open = got["open"]
                box = got["box"]
                grown = [box[0], box[1], box[2] + POPUP_GAP_PX - 1, box[3] + POPUP_GAP_PX - 1]
                assert not (legend_open and _overlap(grown, got["pop"])), (i, got)
        finally:
            browser.close()


def test_legend_unfolds_only_on_a_map_large_enough_until_the_reader_decides(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    from layers.basemap import SMALL_MAP_PX

    m = make_map(asset_base=(PROJECT_ROOT / "static" / "vendor").as_uri(), height=640)
    m.fit_bounds([[10.0, -12.4], [25.1, 4.4]])
    m.add_child(Legend("Situation", [("head", "", "Routes"), ("line", "#d7191c", "Fermée")]))
    page_file = tmp_path / "map.html"
    m.save(str(page_file))
    is_open = "() => document.querySelector('.map-legend details').open"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": SMALL_MAP_PX + 100, "height": 700})
            page.goto(page_file.as_uri())
            page.wait_for_selector(".map-legend")
            assert page.evaluate(is_open)
            page.set_viewport_size({"width": SMALL_MAP_PX - 100, "height": 700})  # the map shrinks
            page.wait_for_function(f"() => !({is_open[6:]})")
            page.set_viewport_size({"width": SMALL_MAP_PX + 100, "height": 700})
            page.wait_for_function(is_open)
            page.click(".map-legend summary")  # the reader folds it: it stays folded
            page.set_viewport_size({"width": SMALL_MAP_PX + 200, "height": 700})
            page.wait_for_timeout(500)
            assert not page.evaluate(is_open)
        finally:
            browser.close()
