"""Headless Chromium, in French at 1440x900: town and hub labels never overlap on the maps.

The live map and the Constraints page's map open on the whole country, where the centre of
Mali (Tombouctou, Goundam, Diré, Mopti, Ténenkou, Djenné...) has more names than room:
:class:`layers.symbols.LabelDeclutter` hides the less important ones, hubs always shown, and
shows them again when zooming in gives them room.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_app import (
    ARTIFACTS,
    MAP_FRAME,
    browser_page,
    labels,
    overlaps,
    require_chromium,
    running_app,
    sign_in,
)

from geo.products.i18n import tr

pytestmark = pytest.mark.e2e
USER, PASSWORD, ROLE = "awa", "correct horse battery", "advisor"


@pytest.fixture(scope="module")
def french_app(data_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    require_chromium()
    tmp = tmp_path_factory.mktemp("labels_fr")
    with running_app(data_dir, tmp, user=USER, password=PASSWORD, role=ROLE, lang="fr") as url:
        yield url


def open_map(page, nav_key: str):  # noqa: ANN001, ANN201
    """Open the page of ``nav_key`` and return its map's frame once its labels are drawn."""
    page.get_by_test_id("stSidebar").get_by_role("link", name=tr(nav_key, "fr")).click(timeout=30_000)
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator(".leaflet-tooltip.town-label").first.wait_for(state="attached", timeout=120_000)
    page.wait_for_timeout(2000)  # the country fitted to the iframe's size, labels placed
    return frame


def zoom_in(page, frame, times: int) -> None:  # noqa: ANN001
    """Zoom the map in by its + button, ``times`` steps, and let the labels be placed again."""
    for _ in range(times):
        frame.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(800)
    page.wait_for_timeout(1000)


def test_labels_never_overlap_and_come_back_when_zooming_in(french_app: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as (page, errors):
        page.goto(french_app)
        sign_in(page, USER, PASSWORD, ROLE, "fr")
        # the live map at whole-country zoom
        frame = open_map(page, "nav.live_map")
        country = labels(frame)
        page.screenshot(path=str(ARTIFACTS / "labels_live_country_fr.png"))
        assert overlaps(country) == []
        shown = {lab["text"] for lab in country if lab["shown"]}
        hubs = {lab["text"] for lab in country if lab["hub"]}
        assert hubs and hubs <= shown  # hubs always win
        assert len(shown) < len(country)  # the centre has more names than room: some wait
        # zoomed in twice: more room, more names, still none over another
        zoom_in(page, frame, 2)
        closer = labels(frame)
        page.screenshot(path=str(ARTIFACTS / "labels_live_zoom2_fr.png"))
        assert overlaps(closer) == []
        assert len([lab for lab in closer if lab["shown"]]) > len(shown)
        # the smaller map of the Constraints page
        frame = open_map(page, "nav.constraints")
        small = labels(frame)
        page.screenshot(path=str(ARTIFACTS / "labels_constraints_fr.png"))
        assert overlaps(small) == []
        assert 0 < len([lab for lab in small if lab["shown"]]) < len(small)
    assert errors == []
