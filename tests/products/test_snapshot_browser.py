"""Headless Chromium: a snapshot's index.html opened from disk with the network blocked.

It must draw its polygons with zero failed requests (no CDN, no tiles), and names holding
``<script>``, HTML or quotes must show as text in tooltips and popups, never run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest

from geo.products import snapshot as S
from tests.app.browser_app import LEGEND_JS

CHROMIUM = Path("/usr/bin/chromium")
ON_CI = os.environ.get("CI", "").lower() == "true"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"),
    pytest.mark.skipif(
        not CHROMIUM.exists() and not ON_CI, reason="needs /usr/bin/chromium (scripts/setup.sh --test)"
    ),
]

HOSTILE_CERCLE = "<script>window.__xss=1</script>\"O'Brien & Co"
HOSTILE_LOCALITY = '<img src=x onerror="window.__xss=2">Kidal\'"'
HOSTILE_AXIS = "\"><svg onload=window.__xss=3>Route 'A'"


@pytest.fixture(scope="module")
def snapshot(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    inputs = S.load_snapshot_inputs(data_dir)
    admin2 = inputs.admin2.copy()
    enc = inputs.encircled_episodes.copy()
    first_public = enc.index[enc["public"]][0]
    locality = enc.at[first_public, "locality"]
    enc.loc[enc["locality"] == locality, "locality"] = HOSTILE_LOCALITY
    # the cercle of that locality gets the hostile name, so both layers carry it
    point = enc.loc[enc["locality"] == HOSTILE_LOCALITY].geometry.iloc[0]
    (pcode,) = admin2.index[admin2.contains(point)]
    admin2.loc[pcode, "name"] = HOSTILE_CERCLE
    axes = inputs.axes.copy()
    axes.iloc[0, axes.columns.get_loc("axis_name")] = HOSTILE_AXIS
    hostile = dataclasses.replace(inputs, admin2=admin2, encircled_episodes=enc, axes=axes)
    return S.build_snapshot(
        hostile, tmp_path_factory.mktemp("snap"), as_of=dt.date(2025, 11, 30), delay_days=30, lang="en"
    )


@pytest.fixture(scope="module")
def page(snapshot: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    failed: list[str] = []
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        pg = browser.new_page(viewport={"width": 1280, "height": 900})

        def route(r):  # noqa: ANN001, ANN202
            if r.request.url.startswith("file://"):
                return r.continue_()
            outside.append(r.request.url)
            return r.abort()

        pg.route("**/*", route)
        pg.on("requestfailed", lambda req: failed.append(req.url))
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto((snapshot / "index.html").as_uri())
        try:
            pg.wait_for_function("window.snapshotReady === true", timeout=30_000)
        except Exception:
            shot = tmp_path_factory.mktemp("shots") / "snapshot_failure.png"
            pg.screenshot(path=str(shot))
            raise
        yield pg, failed, outside, errors
        browser.close()


def test_map_renders_offline(page, snapshot: Path) -> None:  # noqa: ANN001
    pg, failed, outside, errors = page
    assert failed == [] and outside == [] and errors == []
    meta = S.read_metadata(snapshot)
    drawn = sum(
        meta["layers"][k] for k in ("admin1", "incidents_admin2", "encircled_admin2", "road_status", "reach")
    )
    assert drawn > 90  # 9 regions, 50 cercles, encircled cercles, 13 axes, 21 reach bands
    # what a click answers: the cercles (incidents, encircled) and the axes; region outlines and
    # reach bands are drawn without events, so they never hide a cercle's figures
    clickable = sum(meta["layers"][k] for k in ("incidents_admin2", "encircled_admin2", "road_status"))
    assert pg.locator("path.leaflet-interactive").count() == clickable
    bands = len({f["properties"]["hours"] for f in _reach_features(snapshot)})
    # shown at once: regions, cercles, encircled cercles, axes, and the "any hub" bands (per hub: hidden)
    assert pg.locator(".leaflet-overlay-pane path").count() == clickable + meta["layers"]["admin1"] + bands
    assert pg.locator(".leaflet-control-layers-overlays label").count() >= 5
    assert "Incidents" in pg.locator(".map-legend").inner_text()
    assert pg.evaluate("typeof window.__xss") == "undefined"


def _reach_features(snapshot: Path) -> list[dict]:
    import json

    return json.loads((snapshot / "downloads" / "reach.geojson").read_text(encoding="utf-8"))["features"]


#: Opens the tooltip and popup of every drawn feature (as a hover and a click would) and
#: returns the [tooltip, popup] texts of those mentioning the needle.
_OPEN_ALL = """(needle) => {
    const out = [];
    const last = sel => {
        const e = [...document.querySelectorAll(sel)].at(-1);
        return e ? e.textContent : null;
    };
    window.snapshotMap.eachLayer(l => {
        if (!l.feature) { return; }
        const at = l.getBounds ? l.getBounds().getCenter() : l.getLatLng();
        l.fire("mouseover", {latlng: at}, true);
        const tip = last(".leaflet-tooltip");
        l.fire("click", {latlng: at}, true);
        const popup = last(".leaflet-popup-content");
        l.fire("mouseout", {latlng: at}, true);
        window.snapshotMap.closePopup();
        if ((tip && tip.includes(needle)) || (popup && popup.includes(needle))) { out.push([tip, popup]); }
    });
    return out;
}"""


def _open(pg, value: str) -> list[tuple[str, str]]:  # noqa: ANN001
    return pg.evaluate(_OPEN_ALL, value)


@pytest.mark.parametrize(("prop", "value"), [("adm2_name", HOSTILE_CERCLE), ("axis_name", HOSTILE_AXIS)])
def test_hostile_names_render_as_text(page, prop: str, value: str) -> None:  # noqa: ANN001
    pg, failed, outside, errors = page
    found = _open(pg, value)
    assert found, prop
    assert any(tip is not None and value in tip for tip, _ in found)
    if prop == "adm2_name":  # a cercle's popup holds its figures; an axis has its tooltip only
        assert any(popup is not None and value in popup for _, popup in found)
    assert (
        pg.locator(
            ".leaflet-popup-content script, .leaflet-popup-content img, .leaflet-popup-content svg,"
            " .leaflet-tooltip script, .leaflet-tooltip img, .leaflet-tooltip svg"
        ).count()
        == 0
    )
    assert pg.evaluate("typeof window.__xss") == "undefined"
    assert failed == [] and outside == [] and errors == []


def test_hostile_locality_listed_as_text(page) -> None:  # noqa: ANN001
    pg, *_ = page
    found = _open(pg, HOSTILE_LOCALITY)
    assert any(popup is not None and HOSTILE_LOCALITY in popup for _, popup in found)
    assert pg.evaluate("typeof window.__xss") == "undefined"


def test_embedded_page_shows_a_note_instead_of_local_links(snapshot: Path, page) -> None:  # noqa: ANN001
    """In the app the page is an iframe ``srcdoc``: its relative download links must go."""
    pg, failed, outside, errors = page
    text = (snapshot / "index.html").read_text(encoding="utf-8")
    pg.set_content('<iframe id="f" style="width:1200px;height:800px"></iframe>')
    pg.evaluate("t => { document.getElementById('f').srcdoc = t; }", text)
    frame = pg.frame_locator("#f")
    frame.locator("#snapshot-embed-note").wait_for(state="visible", timeout=30_000)
    assert frame.locator("a[href^='downloads/'], a[href='map.png']").count() == 0
    assert frame.locator("path.leaflet-interactive").first.is_visible()
    assert failed == [] and outside == [] and errors == []


@pytest.mark.parametrize(
    ("width", "height", "embedded"),
    [
        (1366, 768, False),
        (1440, 900, False),
        # the app's public page at those windows: the snapshot in a 640 px high iframe beside the sidebar
        (906, 640, True),
        (980, 640, True),
    ],
)
def test_open_legend_reads_whole_and_hides_no_part_of_mali(
    snapshot: Path,
    page,  # noqa: ANN001 - the module's browser
    width: int,
    height: int,
    embedded: bool,
) -> None:
    """The legend opens unfolded, does not scroll and covers no cercle or road; so again once re-opened."""
    browser = page[0].context.browser
    pg = browser.new_page(viewport={"width": width + 40, "height": height + 40} if embedded else None)
    try:
        if not embedded:
            pg.set_viewport_size({"width": width, "height": height})
            pg.goto((snapshot / "index.html").as_uri())
            frame = pg.main_frame
        else:
            text = (snapshot / "index.html").read_text(encoding="utf-8")
            pg.set_content(f'<iframe id="f" style="width:{width}px;height:{height}px;border:0"></iframe>')
            pg.evaluate("t => { document.getElementById('f').srcdoc = t; }", text)
            pg.wait_for_timeout(500)
            frame = pg.frames[1]
        frame.wait_for_function("window.snapshotReady === true", timeout=30_000)
        pg.wait_for_timeout(300)
        seen = [frame.evaluate(LEGEND_JS)]
        summary = frame.locator(".map-legend summary").first
        for _ in range(2):  # the reader folds it, then unfolds it
            summary.click()
            pg.wait_for_timeout(300)
            seen.append(frame.evaluate(LEGEND_JS))
    finally:
        pg.close()
    first, folded, unfolded = seen
    assert first["open"] and unfolded["open"] and not folded["open"], seen
    for state in seen:
        assert state["scroll"] <= 1, state  # every row in view: no scrolling within the legend
        assert state["under"] == 0, state  # no cercle, encircled cercle or road under it
        assert state["outside"] == 0, state  # the whole country in view
    # the legend is no strip: its rows sit side by side
    assert first["legend"][1] < 0.5 * first["map"][1], first
