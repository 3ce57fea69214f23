"""The Reachability page: as-of date, scenario builder, before/after map, tables and downloads.

AppTest for the page, plain tests for the file builders and the map layers, and one
headless-Chromium run (marked e2e).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from browser_app import CHROMIUM, LAUNCH_ARGS, require_chromium, running_app, sign_in
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.products.i18n import tr, tr_count

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]

PAGE = str(PROJECT_ROOT / "views" / "reachability.py")
AS_OF = dt.date(2025, 11, 29)


@pytest.fixture
def page(data_dir: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["auth_role"] = "planner"
    at.session_state["as_of"] = AS_OF
    return at


def _multiselect(at: AppTest, label: str):  # noqa: ANN202
    return next(m for m in at.multiselect if m.label == label)


def _map_script(at: AppTest) -> str:
    comp = next(
        c for c in at.get("component_instance") if c.proto.component_name == "streamlit_folium.st_folium"
    )
    return json.loads(comp.proto.json_args)["script"]


def test_as_of_date_is_on_the_page_and_shared_with_the_live_map(page: AppTest) -> None:
    page.run()
    assert not page.exception, page.exception
    date = page.date_input(key="as_of")
    assert date.value == AS_OF
    assert "State on 29 November 2025" in " ".join(c.value for c in page.caption)
    # axis labels are short and carry the status on the date
    every = _multiselect(page, "Constrain axes").options  # every axis
    assert "RN16 Sévaré–Douentza · Constrained" in every  # the vocabulary's label
    assert "Route secondaire Bankass–Koro · Closed" in every
    # the state line counts the axes of each status, each number with its own singular or plural
    n = {s: sum(o.endswith(f" · {s}") for o in every) for s in ("Closed", "Constrained", "Open", "Unknown")}
    figures = ", ".join(
        tr_count(key, n[s], "en")
        for key, s in (
            ("reach.n_closed", "Closed"),
            ("reach.n_constrained", "Constrained"),
            ("reach.n_open", "Open"),
            ("reach.n_unknown", "Unknown"),
        )
    )
    assert n["Closed"] >= 1 and f"State on 29 November 2025: {figures}; " in " ".join(
        c.value for c in page.caption
    )
    date.set_value(dt.date(2020, 1, 1)).run()
    assert not page.exception, page.exception
    assert page.session_state["as_of"] == dt.date(2020, 1, 1)
    assert (
        "Route secondaire Bankass–Koro · Unknown" in _multiselect(page, "Close axes").options
    )  # not closed then
    assert [t.label for t in page.tabs][3].startswith(  # after the three measures of the scenario table
        "Before: reachable areas (as-of state on 1 January 2020"
    )


def test_close_offers_the_axes_not_closed_and_drops_one_closed_on_a_new_date(
    page: AppTest, isolated_store: Path
) -> None:
    """Axes closed on the as-of date are not offered to close (French trial).

    A closure chosen for an earlier date is taken out, with a note, when the axis is closed
    on the new one.
    """
    from geo.escape import markdown_text
    from geo.store import constraints

    versions = constraints.load_versions(isolated_store)
    old_date = dt.date(2020, 1, 1)
    then, now = (
        constraints.effective_road_status(versions, d, axes=constraints.known_axes())["status"]
        for d in (old_date, AS_OF)
    )
    page.run()
    assert not page.exception, page.exception
    close = page.multiselect(key="reach_close")
    closed = sorted(now.index[now == "closed"])
    assert closed and not [o for o in close.options if o.endswith(" · Closed")]
    assert len(close.options) == len(_multiselect(page, "Constrain axes").options) - len(closed)
    captions = [c.value for c in page.caption]
    assert tr_count("reach.close_closed", len(closed), "en", date="29 November 2025") in captions
    # chosen on a date when it was open, closed on the as-of date: dropped with a note
    axis = next(a for a in closed if then.get(a) != "closed")
    page.date_input(key="as_of").set_value(old_date).run()
    page.multiselect(key="reach_close").set_value([axis, "RN16-SEV-DOU"])
    page.button[0].click().run()
    assert not page.exception, page.exception
    assert page.session_state["reach_close"] == [axis, "RN16-SEV-DOU"]
    label = page.multiselect(key="reach_close").format_func(axis).split(" · ")[0]
    page.date_input(key="as_of").set_value(AS_OF).run()
    assert not page.exception, page.exception
    assert page.session_state["reach_close"] == ["RN16-SEV-DOU"]  # the other choice kept
    note = tr("reach.close_dropped", "en", date="29 November 2025", axes=markdown_text(label))
    assert note in [w.value for w in page.warning]


def test_constrain_an_axis_and_add_a_blockade(page: AppTest, model_inputs) -> None:  # noqa: ANN001
    page.run()
    assert not page.exception, page.exception
    # the closed Bankass-Koro road becomes constrained (area gained); a blockade at Douentza (area lost)
    # blockades: a search lists matching localities as toggles (texts all ours, no drop-down)
    page.text_input(key="scenario_add_search").input("douentza").run()
    add = page.pills(key="scenario_add")
    assert "Douentza (Mopti region)" in add.options  # a cercle capital: its region, not its cercle again
    places = model_inputs.places
    douentza = places.index[(places["name"] == "Douentza") & (places["adm2_name"] == "Douentza")][0]
    add.set_value([douentza]).run()
    page.text_input(key="scenario_add_search").input("zzzz-nowhere").run()
    assert page.pills(key="scenario_add").value == [douentza]  # a new search keeps the chosen place
    assert any("No locality matches" in c.value for c in page.caption)
    _multiselect(page, "Constrain axes").set_value(["BANKASS-KORO-SEC"])  # in the form: sent by its button
    radius = next(n for n in page.number_input if n.label == "Radius (km)")
    assert radius.value == 5.0  # geo.config.DEFAULT_NO_ENTRY_RADIUS_KM
    radius.set_value(15.0)
    page.button[0].click().run()
    assert not page.exception, page.exception

    summary = " ".join(m.value for m in page.markdown)
    assert "constrain Route secondaire Bankass–Koro" in summary and "15 km blockade at Douentza" in summary
    # the scenario against the as-of state: one tab per measure (15 columns side by side ran past
    # the page at 1440 px), each with hub, band, before, under the scenario, lost, gained, recomputed
    assert [t.label for t in page.tabs][:3] == ["Area (km²)", "Population", "Localities"]
    for i, measure in enumerate(("Area", "Population", "Localities")):
        shown = page.dataframe[i]
        unit = " (km²)" if measure == "Area" else ""
        assert list(shown.value.columns) == [
            "Hub",
            "Within (h)",
            f"{measure} before{unit}",
            f"{measure} under scenario{unit}",
            f"{measure} lost{unit}",
            f"{measure} gained{unit}",
            "Recomputed",
        ]
        config = json.loads(shown.proto.columns)  # figures (Babel text) aligned right
        assert {h for h, c in config.items() if c.get("alignment") == "right"} == set(
            shown.value.columns[1:6]
        )
    change = page.dataframe[0].value  # labelled headers, figures written with Babel (English here)

    def km2(column: pd.Series) -> pd.Series:
        return column.str.replace(",", "").astype(float)

    mopti = change[change["Hub"] == "Mopti (Sévaré)"].set_index("Within (h)")
    assert km2(mopti["Area lost (km²)"])["12"] > 0 and km2(mopti["Area gained (km²)"])["12"] > 0
    assert (km2(change["Area lost (km²)"]) > 0).any() and (km2(change["Area gained (km²)"]) > 0).any()

    # localities lost/gained, one row per locality: per hub "Hub: 5.3 h" or "Hub: not reached (> 12 h)"
    lost = page.dataframe[5].value  # after the 3 measures and the before/after band tables
    assert page.dataframe[5].proto.row_height > 64  # rows tall enough for Streamlit to wrap long times
    after = lost["Travel time under scenario"]
    assert len(lost) > 0 and after.map(lambda v: isinstance(v, str)).all()
    per_hub = after.str.split("; ").explode()
    # a figure and its unit joined by a no-break space: "h" never wraps alone onto a line
    assert per_hub.str.contains(r"^.+: (?:\d+\.\d\u00a0h|not reached \(>\u00a012\u00a0h\))$").all()
    assert per_hub.str.endswith(": not reached (>\u00a012\u00a0h)").any()
    assert list(lost.columns) == [
        tr(f"reach.col.{c}", "en")
        for c in ("locality", "cercle", "adm3_pcode", "bands_lost", "before", "after")
    ]
    assert [t.label for t in page.tabs][5] == f"Localities lost under the scenario ({len(lost)})"

    script = _map_script(page)
    for needle in (
        "scenario-hatch-lost",
        "scenario-hatch-gained",
        "Area lost",
        "Area gained",
        "Regions (admin1)",
        "Mali (country outline)",
        "hub-label",
        "Douentza",
    ):
        assert needle in script, needle
    assert "FitBounds" in script or "fitBounds" in script  # zoomed to the change


def test_conflicting_picks_are_reported(page: AppTest) -> None:
    page.run()
    _multiselect(page, "Close axes").set_value(["RN16-SEV-DOU"])
    _multiselect(page, "Open axes").set_value(["RN16-SEV-DOU"])
    page.button[0].click().run()
    assert not page.exception, page.exception
    assert any("more than one list" in w.value for w in page.warning)


def test_a_language_switch_keeps_the_scenario(page: AppTest) -> None:
    # the form's widgets are keyed: unkeyed, they were named by their labels, so switching to
    # French made new, empty widgets and the scenario lost its closure (French trial: 0 lost)
    from views.common import LANG_KEY

    page.session_state[LANG_KEY] = "en"
    page.run()
    page.multiselect(key="reach_close").set_value(["RN16-SEV-DOU"])
    page.pills(key="reach_bands").set_value([4.0, 12.0])
    page.button[0].click().run()
    assert not page.exception, page.exception
    english = " ".join(m.value for m in page.markdown)
    assert "close RN16 Sévaré–Douentza" in english
    page.session_state[LANG_KEY] = "fr"
    for key in ("reach_close", "reach_bands", "reach_hubs", "reach_season"):
        page.session_state[key] = page.session_state[key]  # what relabel_widgets does
    page.run()
    assert not page.exception, page.exception
    assert page.multiselect(key="reach_close").value == ["RN16-SEV-DOU"]
    assert page.pills(key="reach_bands").value == [4.0, 12.0]
    french = " ".join(m.value for m in page.markdown)
    assert "RN16 Sévaré–Douentza" in french and "close RN16" not in french


@pytest.fixture(scope="module")
def scenario_out(model_inputs, data_dir: Path) -> dict:  # noqa: ANN001
    """Build a reach_scenario-shaped result: RN16 closed and a blockade at Boni, on the curated state."""
    from geo.model.reach import compute_reach
    from geo.model.scenario import Blockade, Scenario, run_scenario
    from geo.sources.curated import read_hubs
    from geo.store.constraints import load_versions

    hubs = read_hubs().valid
    v = load_versions(Path(os.environ["MALI_ACCESS_STORE"]))
    before = compute_reach(
        model_inputs,
        hubs,
        v,
        as_of=AS_OF,
        hours=(4.0, 8.0, 12.0),
        season="dry",
    )
    scenario = Scenario(close_axes=("RN16-SEV-DOU",), add_blockades=(Blockade("Boni", -2.2198, 15.0766),))
    out = run_scenario(model_inputs, hubs, before, scenario)
    assert out.lost.geometry.is_empty.any(), "the raw result has empty rows (bands without change)"
    return {
        "before": before.bands,
        "after": out.after.bands,
        "changes": out.changes,
        "localities": out.localities,
        "lost": out.lost,
        "gained": out.gained,
    }


def test_geopackage_has_no_empty_geometries(scenario_out: dict, tmp_path: Path) -> None:
    from views.common import scenario_gpkg

    path = tmp_path / "s.gpkg"
    path.write_bytes(scenario_gpkg(scenario_out))
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert layers == [
        "reachable_areas",
        "reachable_areas_before",
        "area_lost",
        "area_gained",
        "scenario_localities",
        "scenario_changes",
    ]  # as `geo reach --scenario` writes them
    for name in ("area_lost", "area_gained", "scenario_localities"):
        gdf = gpd.read_file(path, layer=name)
        geoms = gdf.geometry.to_numpy()
        assert not (shapely.is_missing(geoms) | shapely.is_empty(geoms)).any(), name
        assert gdf.crs.to_epsg() == 4326
    lost = gpd.read_file(path, layer="area_lost")
    raw = scenario_out["lost"]
    assert len(lost) == int((~raw.geometry.is_empty & (raw["area_km2"] > 0)).sum()) > 0
    assert (lost["area_km2"] > 0).all()


def test_csv_keeps_place_id_and_tags_the_band_apart_from_travel_times(scenario_out: dict) -> None:
    from views.common import scenario_csv

    text = scenario_csv(scenario_out["localities"]).decode("utf-8")
    header, tags = (row.split(",") for row in text.splitlines()[:2])
    tag = dict(zip(header, tags, strict=True))
    assert "place_id" in header and "hours" not in header
    assert tag["place_id"] == "#loc+code" and tag["band_h"] == "#indicator+band_h"
    assert not tag["band_h"].startswith("#indicator+travel_time")
    assert tag["travel_time_h_before"].startswith("#indicator+travel_time_h")
    table = pd.read_csv(io.StringIO(text), skiprows=[1])
    assert len(table) == len(scenario_out["localities"])
    expected = scenario_out["localities"]["place_id"].astype(str).tolist()
    assert table["place_id"].astype(str).tolist() == expected


def test_axis_label_and_hours_text() -> None:
    from views.common import axis_label, hours_text

    label = axis_label("RN16-SEV-DOU", "Sévaré - Douentza", "RN16", "closed")
    assert label == "RN16 Sévaré–Douentza · closed"
    assert axis_label("X", "Sévaré - Koro (route des poissons)", "RN15") == "RN15 Sévaré–Koro"
    assert axis_label("X", "Léré - Niono (- Bamako)", "regional", "open") == "Léré–Niono · open"
    assert axis_label("X", "", float("nan")) == "X"
    assert hours_text(5.26, limit_h=12) == "5.3\u00a0h"  # no-break space: the unit stays with its figure
    assert hours_text(float("nan"), limit_h=12) == "not reached (>\u00a012\u00a0h)"


def test_diff_tooltips_name_the_hub_and_are_escaped() -> None:
    from layers.scenario import build_scenario_layers

    poly = shapely.box(-4.0, 14.0, -3.5, 14.5)
    lost = gpd.GeoDataFrame(
        {"hub_id": ["X"], "hub": ["<img src=x>`${alert(1)}`"], "hours": [8.0], "area_km2": [1234.0]},
        geometry=[poly],
        crs=4326,
    )
    gained = lost.iloc[:0]
    lost_group, gained_group = build_scenario_layers(lost, gained, hours=8.0, simplify=False)
    import folium

    layer = next(iter(lost_group._children.values()))
    props = layer.data["features"][0]["properties"]
    for text in (props["tip"], props["popup"]):
        assert "&lt;img src=x&gt;" in text and "1,234 km²" in text and "within 8 h" in text
        assert "<img" not in text and "`" not in text and "${" not in text
    assert not gained_group._children  # nothing gained: no empty layer
    m = folium.Map()
    lost_group.add_to(m)
    gained_group.add_to(m)
    html = m.get_root().render()
    assert "<img src=x>" not in html and "${alert" not in html


# --- one end-to-end run in Chromium --------------------------------------------------------------------

PASSWORD = "correct horse battery 43"


@pytest.fixture(scope="module")
def app_url(data_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    require_chromium()
    with running_app(
        data_dir, tmp_path_factory.mktemp("reach_app"), user="pia", password=PASSWORD, role="planner"
    ) as url:
        yield url


@pytest.mark.e2e
def test_scenario_map_in_chromium(app_url: str) -> None:
    from playwright.sync_api import sync_playwright

    artifacts = PROJECT_ROOT / "tests" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(app_url)
            sign_in(page, "pia", PASSWORD, "planner")
            sidebar = page.get_by_test_id("stSidebar")
            sidebar.get_by_role("link", name="Reachability").click(timeout=30_000)
            page.get_by_role("spinbutton", name="year, As-of date").wait_for(timeout=120_000)
            picker = page.get_by_test_id("stMultiSelect").filter(has_text="Close axes")
            picker.locator("input").click()
            picker.locator("input").type("Sévaré–Douentza")
            page.get_by_role("option", name="RN16 Sévaré–Douentza").first.click()
            page.keyboard.press("Escape")
            page.get_by_role("button", name="Compute", exact=True).click()
            page.get_by_text("Scenario: close RN16 Sévaré–Douentza").wait_for(timeout=120_000)
            # the run may still be drawing: wait for one map holding the hatched lost areas
            page.wait_for_function(
                """() => { const f = document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]');
                   return f.length === 1 && f[0].contentDocument
                     && f[0].contentDocument.querySelector("path[fill='url(#scenario-hatch-lost)']"); }""",
                timeout=120_000,
            )
            frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
            lost = frame.locator("path[fill='url(#scenario-hatch-lost)']")
            lost.first.wait_for(timeout=60_000)
            assert frame.locator("pattern#scenario-hatch-lost").count() == 1
            legend = frame.locator(".map-legend").inner_text()
            assert "Area lost" in legend and "Area gained" in legend
            assert frame.locator(".leaflet-tooltip.hub-label").filter(has_text="Mopti (Sévaré)").count() == 1
            lost.first.dispatch_event("mouseover")  # the path itself (an axis may lie on top of its centre)
            tip = frame.locator(".leaflet-tooltip").filter(has_text="area lost within 12 h")
            tip.first.wait_for(timeout=10_000)
            assert "km²" in tip.first.inner_text()
        finally:
            page.screenshot(path=str(artifacts / "reachability.png"))
            browser.close()
    assert failed == []
    assert errors == []
