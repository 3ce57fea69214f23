"""The Reachability page in French in Chromium at 1440x900: tables that fit, in French then English.

Its scenario map names hubs and towns without overlap (the live map's declutter pass).

Found in a French trial: the scenario's before/after table ran past the page's edge at 1440 px
(fifteen columns; now one tab per measure) and its figures were aligned left.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_app import ARTIFACTS, browser_page, labels, overlaps, require_chromium, running_app, sign_in

from geo.products.i18n import tr

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

USER, PASSWORD = "awa", "correct horse battery"
#: A glide grid (st.dataframe) whose columns run past its box scrolls sideways.
OVERFLOW_JS = """els => els.map(e => {
  const s = e.querySelector('.dvn-scroller');
  return s ? [s.scrollWidth, s.clientWidth] : null;
})"""


@pytest.fixture(scope="module")
def french_app(data_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    require_chromium()
    tmp = tmp_path_factory.mktemp("reach_fr")
    with running_app(data_dir, tmp, user=USER, password=PASSWORD, role="planner", lang="fr") as url:
        yield url


def test_reach_tables_fit_in_french_and_english(french_app: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as (page, errors):
        try:
            page.goto(french_app)
            sign_in(page, USER, PASSWORD, "planner", "fr")
            page.get_by_test_id("stSidebar").get_by_role("link", name=tr("nav.reachability", "fr")).click()
            page.get_by_text(tr("reach.changes_title", "fr")).wait_for(timeout=120_000)
            picker = page.get_by_test_id("stMultiSelect").filter(has_text=tr("reach.close", "fr"))
            picker.click()
            page.get_by_role("option", name=re.compile("RN16 Sévaré–Douentza")).first.click()
            page.keyboard.press("Escape")
            compute = page.get_by_test_id("stBaseButton-primaryFormSubmit")
            compute.filter(has_text=tr("reach.compute", "fr")).click()
            summary = tr("reach.part_close", "fr", axes="RN16 Sévaré–Douentza")
            page.get_by_text(summary).first.wait_for(timeout=120_000)
            # the scenario map: hub and town names placed by the live map's declutter pass
            frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
            frame.locator(".leaflet-tooltip.town-label").first.wait_for(state="attached", timeout=120_000)
            page.wait_for_timeout(2000)  # the view fitted to the scenario, labels placed
            for zoom_out in range(3):  # the scenario's view, then zoomed out towards the whole country
                if zoom_out:
                    frame.locator(".leaflet-control-zoom-out").click()
                    page.wait_for_timeout(1500)
                found = labels(frame)
                assert overlaps(found) == [], zoom_out
                hubs = [lab for lab in found if lab["hub"]]
                assert hubs and all(lab["shown"] for lab in hubs), zoom_out
                assert any(lab["shown"] for lab in found if not lab["hub"]), zoom_out
            frame.locator(".leaflet-container").screenshot(path=str(ARTIFACTS / "reachability_map_fr.png"))
            # the scenario table: one tab per measure, each table within its box (no sideways scroll)
            measures = [tr(f"bands.col.{c}", "fr") for c in ("area_km2", "population", "localities")]
            for measure in measures:
                page.get_by_role("tab", name=measure, exact=True).click()
                page.wait_for_timeout(500)
                grids = page.get_by_test_id("stDataFrame").filter(visible=True)
                sizes = [s for s in grids.evaluate_all(OVERFLOW_JS) if s is not None]
                assert sizes, measure
                assert all(scroll <= client + 1 for scroll, client in sizes), (measure, sizes)
            page.get_by_text(tr("reach.changes_title", "fr")).scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "reachability_tables_fr.png"))
            # the language switched in the sidebar: the page and its tables in English
            page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
            page.get_by_role("heading", name=tr("reach.title", "en")).wait_for(timeout=120_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "reachability_tables.png"))
    assert errors == []
