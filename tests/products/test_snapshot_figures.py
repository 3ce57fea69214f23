"""A snapshot says one thing: the same encircled count in its key figures, hatched cercles and files.

Built from a small set of encirclements around the release date (as-of minus the delay): in
force on the release date and public (counted), ended between the release date and the as-of
date (counted: the snapshot shows the release date), begun after the release date and
non-public (not counted). The dates read once: "Situation au <release> (publiée le <as-of> ...)".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo.products import printmap
from geo.products import snapshot as S
from geo.products.i18n import format_date, tr, tr_count

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")]

AS_OF = dt.date(2026, 12, 2)
DELAY = 30
RELEASE = AS_OF - dt.timedelta(days=DELAY)
NOW = dt.datetime(2026, 12, 2, 10, 0, 0, tzinfo=dt.UTC)


def _cercle_of(points: gpd.GeoSeries, admin2: gpd.GeoDataFrame) -> list[str]:
    """P-code of the cercle holding each point (the test's own join, on the raw admin2)."""
    joined = gpd.sjoin(gpd.GeoDataFrame(geometry=points, crs=points.crs), admin2[["geometry"]], how="left")
    return [str(v) for v in joined.groupby(level=0)["index_right"].first().loc[points.index]]


def _episodes(base: S.SnapshotInputs) -> gpd.GeoDataFrame:
    """Five episodes at real localities: two cercles share the counted ones, one is left out twice."""
    real = base.encircled_episodes.drop_duplicates("locality").reset_index(drop=True)
    real = real.assign(cercle=_cercle_of(real.geometry, base.admin2))
    shared = real.groupby("cercle")["locality"].transform("size") >= 2
    pair = real[shared & (real["cercle"] == real.loc[shared, "cercle"].iloc[0])].iloc[:2]
    others = real[~real["cercle"].isin(pair["cercle"])].drop_duplicates("cercle").iloc[:3]
    rows = pd.concat([pair, others])
    assert len(rows) == 5 and rows["cercle"].nunique() == 4
    old = dt.date(2020, 1, 1)
    specs = [  # (status, since, until, public)
        ("active", old, None, True),  # in force
        ("lifted", old, RELEASE + dt.timedelta(days=10), True),  # lifted after the release date
        ("active", RELEASE + dt.timedelta(days=5), None, True),  # begun after the release date
        ("active", old, None, False),  # not public
        ("active", old, None, True),  # in force
    ]
    out = rows.drop(columns="cercle").reset_index(drop=True).copy()
    out["status"] = [s[0] for s in specs]
    out["since"] = [s[1] for s in specs]
    out["until"] = [s[2] for s in specs]
    out["last_confirmed"] = [RELEASE] * len(specs)
    out["public"] = [s[3] for s in specs]
    out["episode_id"] = [f"{loc}@{s[1]}" for loc, s in zip(out["locality"], specs, strict=True)]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=base.encircled_episodes.crs)


def _expected(episodes: gpd.GeoDataFrame, admin2: gpd.GeoDataFrame) -> tuple[int, set[str]]:
    """Public episodes in force on the release date: their number and their cercles."""
    on = episodes["public"] & episodes["since"].le(RELEASE)
    on &= episodes["until"].map(lambda u: u is None or u >= RELEASE)
    kept = episodes[on]
    return len(kept), set(_cercle_of(kept.geometry, admin2))


@pytest.fixture(scope="module")
def built(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = S.load_snapshot_inputs(data_dir, with_reach=False)
    episodes = _episodes(base)
    inputs = dataclasses.replace(base, encircled_episodes=episodes)
    seen: dict[str, object] = {}
    mp = pytest.MonkeyPatch()
    lines_of, render_of = printmap.key_figure_lines, printmap.render_map

    def lines_spy(*a: object, **kw: object) -> list[str]:
        seen["key_figures"] = lines_of(*a, **kw)
        return seen["key_figures"]

    def render_spy(*a: object, **kw: object) -> bytes:
        seen["subtitle"] = kw.get("subtitle")
        return render_of(*a, **kw)

    mp.setattr(printmap, "key_figure_lines", lines_spy)
    mp.setattr(printmap, "render_map", render_spy)
    try:
        folder = S.build_snapshot(
            inputs, tmp_path_factory.mktemp("snap"), as_of=AS_OF, delay_days=DELAY, lang="fr", now=NOW
        )
    finally:
        mp.undo()
    return {"folder": folder, "episodes": episodes, "admin2": base.admin2, **seen}


def test_key_figures_hatched_cercles_and_files_give_one_count(built: dict) -> None:
    """Localities and cercles: the same numbers in the key figures, the CSV, the GeoJSON and the map."""
    n, cercles = _expected(built["episodes"], built["admin2"])
    assert n == 3 and len(cercles) == 2  # the fixture's design: release-date state, public only
    folder = built["folder"]
    table = pd.read_csv(folder / "downloads" / "encircled_admin2.csv", skiprows=[1])
    assert set(table["adm2_pcode"]) == cercles
    assert int(table["localities_encircled"].sum()) == n
    features = json.loads((folder / "downloads" / "encircled_admin2.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["adm2_pcode"] for f in features["features"]} == cercles
    assert json.loads((folder / "metadata.json").read_text(encoding="utf-8"))["layers"][
        "encircled_admin2"
    ] == len(cercles)
    expected = tr_count("kf_encircled_cercles", n, "fr", cercles=tr_count("kf_cercles", len(cercles), "fr"))
    assert expected in built["key_figures"]
    assert tr("kf_no_encircled", "fr") not in built["key_figures"]
    # the interactive map hatches exactly those cercles, each with its count in the tooltip
    page = (folder / "index.html").read_text(encoding="utf-8")
    for row in table.itertuples():
        text = tr("snapmap.name_value", "fr", name=row.adm2_name, value=row.localities_encircled)
        assert html.escape(text) in page or json.dumps(html.escape(text))[1:-1] in page


def test_no_public_encirclement_in_force_says_none(built: dict) -> None:
    """An empty public layer gives "no encircled locality", from the same count."""
    empty = printmap.MapLayers(
        admin1=gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"),
        encircled_units=gpd.GeoDataFrame({"localities_encircled": []}, geometry=[], crs="EPSG:4326"),
    )
    assert printmap.encircled_count(empty, public=True) == 0
    lines = printmap.key_figure_lines({"counts": None}, empty, [], [], public=True, lang="fr")
    assert lines[1] == tr("kf_no_encircled", "fr")


def test_dates_read_once_situation_first(built: dict) -> None:
    """PNG subtitle and HTML panel: the situation is the release date, then publication and delay."""
    situation = S.situation_text(AS_OF, RELEASE, DELAY, "fr")
    release, published = format_date(RELEASE, "fr"), format_date(AS_OF, "fr")
    assert situation.startswith(f"Situation au {release}")
    assert f"publiée le {published}" in situation and tr_count("public.days", DELAY, "fr") in situation
    assert built["subtitle"] == situation
    page = (built["folder"] / "index.html").read_text(encoding="utf-8")
    assert html.escape(situation) in page
    # the publication date is never called the situation
    assert f"Situation au {published}" not in page and f"Situation au {published}" not in built["subtitle"]
    assert S.situation_text(AS_OF, AS_OF, 0, "en") == tr(
        "snapmap.situation_same_day", "en", date=format_date(AS_OF, "en")
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_popup_words_one_code_term_and_french_colon(lang: str) -> None:
    """Cercle popups: the catalog's term for P-codes, and a no-break space before ':' in French."""
    from layers.snapshot import cercle_popup

    fig = S.CercleFigures(
        adm2_pcode="ML0505",
        adm2_name="Djenné",
        adm1_name="Mopti",
        incidents="1-4",
        incidents_max=4,
        period="2025-12-01/2026-11-02",
        localities_encircled=3,
        named_localities="Mourra; Sofara; Nouh-Bozo",
        reach_share={},
    )
    text = cercle_popup(fig, S.labels(lang), lang, None)
    term = tr("map.tip_pcode", lang)
    assert html.escape(term) in text
    assert ("P-code" in text) == (term == "P-code")
    colon = "\u202f: " if lang == "fr" else ": "
    assert html.escape(f"3{colon}Mourra; Sofara; Nouh-Bozo") in text
    if lang == "fr":
        assert "3: " not in text


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.e2e
@pytest.mark.timeout(300)
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (scripts/setup.sh --test)")
def test_map_opens_on_the_whole_country_centred(built: dict, tmp_path: Path) -> None:
    """At 1280x800 and 800x600 the view holds all of Mali, which fills most of the map, not a corner."""
    from playwright.sync_api import sync_playwright

    admin1 = gpd.read_file(built["folder"] / "downloads" / "incidents_admin2.geojson")
    west, south, east, north = admin1.total_bounds
    probe = """([s, w, n, e]) => { const m = window.snapshotMap, size = m.getSize();
        const a = m.latLngToContainerPoint([s, w]), b = m.latLngToContainerPoint([n, e]);
        return {w: size.x, h: size.y, x0: a.x, y0: b.y, x1: b.x, y1: a.y}; }"""
    corners = [float(south), float(west), float(north), float(east)]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for width, height in ((1280, 800), (800, 600)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.route(
                    "**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort()
                )
                page.goto((built["folder"] / "index.html").as_uri())
                page.wait_for_function("window.snapshotReady === true", timeout=60_000)
                box = page.evaluate(probe, corners)
                page.screenshot(path=str(tmp_path / f"map_{width}x{height}.png"))
                page.close()
                # whole country in view (east included), no corner left empty by a misplaced fit
                assert box["x0"] >= 0 and box["y0"] >= 0, box
                assert box["x1"] <= box["w"] and box["y1"] <= box["h"], box
                fills = max((box["x1"] - box["x0"]) / box["w"], (box["y1"] - box["y0"]) / box["h"])
                assert fills >= 0.7, box
                # centred: the space left on either side differs by at most the legend's room
                left, right = box["x0"], box["w"] - box["x1"]
                assert abs(left - right) <= 0.35 * box["w"], box
        finally:
            browser.close()
