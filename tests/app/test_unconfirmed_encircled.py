"""Encirclements in force but unconfirmed: a ringed red sign, a legend row, a table cell (French tester).

Tessalit, last confirmed on 31 March 2025, read as a plain red "no-entry zone in force" on
the live map while the grey row said "lifted or unconfirmed": the sign now keeps its red
(the model still blocks it) and carries the print map's dashed ring, the legend says what
grey and the ring mean, and the Constraints page's tables say for how long a row in force
has gone unconfirmed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pytest

from geo.products.cartography import ENCIRCLED_ACTIVE, ENCIRCLED_INACTIVE
from geo.products.i18n import tr, tr_count
from layers.encircled import build_encircled_layer
from layers.live import live_legend_entries
from layers.style import feature_properties
from layers.symbols import swatch_html

AS_OF = dt.date(2025, 12, 1)
STALE_DAYS = 90


def _episodes() -> gpd.GeoDataFrame:
    """Tessalit in force, unconfirmed; Léré in force, confirmed on the last fresh day; Dioura lifted."""
    fresh = AS_OF - dt.timedelta(days=STALE_DAYS)
    return gpd.GeoDataFrame(
        {
            "locality": ["Tessalit", "Léré", "Dioura"],
            "status": ["active", "active", "lifted"],
            "since": [dt.date(2024, 1, 10), dt.date(2025, 1, 5), dt.date(2023, 2, 1)],
            "until": [None, None, dt.date(2024, 6, 1)],
            "last_confirmed": [dt.date(2025, 3, 31), fresh, dt.date(2024, 5, 1)],
            "radius_km": [5.0, 5.0, 3.0],
            "in_force": [True, True, False],
            "source": ["S", "S", "S"],
        },
        geometry=gpd.points_from_xy([1.01, -4.91, -5.59], [20.25, 15.71, 14.43]),
        crs="EPSG:4326",
    )


def _signs(episodes: gpd.GeoDataFrame, lang: str) -> dict[str, str]:
    """Locality -> its sign's HTML (the marker with an icon), from the layer built for AS_OF."""
    layer = build_encircled_layer(episodes, lang=lang, as_of=AS_OF, stale_days=STALE_DAYS)
    signs = [p for p in feature_properties(layer) if p.get("icon")]
    names = {row.locality: row.locality for row in episodes.itertuples()}
    return {next(n for n in names if n in p["popup"]): p["icon"]["html"] for p in signs}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_unconfirmed_episode_in_force_keeps_its_red_sign_ringed(lang: str) -> None:
    episodes = _episodes()
    signs = _signs(episodes, lang)
    assert set(signs) == set(episodes["locality"])
    for row in episodes.itertuples():
        html = signs[row.locality]
        unconfirmed = row.in_force and (AS_OF - row.last_confirmed).days > STALE_DAYS
        colour = ENCIRCLED_ACTIVE if row.in_force else ENCIRCLED_INACTIVE
        assert "map-sym-noentry" in html and f"background:{colour}" in html, row.locality
        assert ("map-sym-unconfirmed" in html) == unconfirmed, row.locality
    assert "map-sym-unconfirmed" in signs["Tessalit"]  # 245 days, more than 90
    assert "map-sym-unconfirmed" not in signs["Léré"]  # 90 days exactly: still fresh
    # without a staleness rule, no ring
    plain = build_encircled_layer(episodes, lang=lang)
    assert not any(
        "map-sym-unconfirmed" in p["icon"]["html"] for p in feature_properties(plain) if p.get("icon")
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_legend_rows_say_what_the_ring_and_the_grey_sign_mean(lang: str) -> None:
    def rows(unconfirmed_days: int | None) -> list[tuple[str, str, str]]:
        return live_legend_entries(
            lang=lang,
            hubs=None,
            reach_hubs=[],
            crossing_kinds=set(),
            with_network=False,
            with_water=False,
            unconfirmed_days=unconfirmed_days,
        )

    ring_text = tr("stale", lang, days=tr_count("count.days", STALE_DAYS, lang))  # the print map's words
    assert (
        ring_text
        == {"fr": "Non confirmé depuis plus de 90 jours", "en": "Not confirmed for more than 90 days"}[lang]
    )
    signs = [r for r in rows(STALE_DAYS) if r[0].startswith("symbol:noentry")]
    assert signs == [
        ("symbol:noentry", ENCIRCLED_ACTIVE, tr("map.encircled_in_force", lang)),
        ("symbol:noentry_unconfirmed", ENCIRCLED_ACTIVE, ring_text),
        ("symbol:noentry", ENCIRCLED_INACTIVE, tr("map.encircled_not_in_force", lang)),
    ]
    grey = signs[2][2]
    # grey is "not in force": lifted, not yet begun, or a report of unknown status expired
    words = {
        "fr": ("hors vigueur", "levé", "à venir", "échu"),
        "en": ("not in force", "lifted", "not yet", "expired"),
    }[lang]
    assert all(w in grey for w in words)
    assert [r[0] for r in rows(None) if r[0].startswith("symbol:noentry")] == ["symbol:noentry"] * 2
    swatch = swatch_html("noentry_unconfirmed", ENCIRCLED_ACTIVE)
    assert "map-sym-noentry map-sym-unconfirmed" in swatch and ENCIRCLED_ACTIVE in swatch


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_constraints_tables_say_for_how_long_a_row_in_force_is_unconfirmed(
    lang: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT, Settings
    from geo.escape import markdown_text
    from geo.sources.curated import encircled_as_of
    from geo.store import constraints

    store = tmp_path / "store.sqlite"
    monkeypatch.setenv("MALI_ACCESS_STORE", str(store))
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_LANG", lang)
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "constraints.py"), default_timeout=120)
    at.session_state["as_of"] = AS_OF
    at.session_state["auth_role"] = "advisor"
    at.run()
    assert not at.exception, at.exception
    stale_days = Settings.resolve().stale_days
    versions = constraints.load_versions(store)

    def expected(confirmed: dt.date | None) -> str:
        days = None if confirmed is None else (AS_OF - confirmed).days
        if days is None or days <= stale_days:
            return ""
        return "⚠\u00a0" + tr_count("cons.unconfirmed_days", days, lang)

    header = tr("cons.col.confirmation", lang)
    # road axes: a closed or constrained status is confirmed on the day it took effect
    axes = constraints.effective_road_status(versions, AS_OF, axes=constraints.known_axes())
    table = at.table[0].value
    want = [
        expected(row.valid_from if row.status in ("closed", "constrained") else None)
        for row in axes.itertuples()
    ]
    assert list(table[header]) == [markdown_text(w) for w in want]
    assert any(want)  # the real data has axes closed for longer than stale_days
    # encircled localities in force: confirmed on their last confirmation
    at.radio(key="constraints_kind").set_value("localities").run()
    assert not at.exception, at.exception
    episodes = encircled_as_of(versions.encircled, AS_OF)
    in_force = episodes[episodes["in_force"]]
    table = at.table[0].value
    locality = tr("cons.col.locality", lang)
    cells = dict(zip(table[locality], table[header], strict=True))
    want = {  # cells are Markdown, escaped (views.common.wrapped_table)
        markdown_text(row.locality): markdown_text(expected(row.last_confirmed or row.since))
        for row in in_force.itertuples()
    }
    assert cells == want
    words = {"fr": "Non confirmé depuis 154 jours", "en": "Unconfirmed for 154 days"}[lang]
    assert cells["Farabougou"] == f"⚠\u00a0{words}"  # last confirmed on 30 June 2025


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_live_map_rings_every_unconfirmed_encirclement_in_force_and_says_so(
    lang: str, data_dir: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live page (build_live_map): one ringed sign per locality in force and unconfirmed, one row."""
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT, Settings
    from geo.products.staleness import episode_stale
    from geo.sources.curated import encircled_as_of
    from geo.store import constraints

    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_LANG", lang)
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "live_map.py"), default_timeout=180)
    at.session_state["as_of"] = AS_OF
    at.session_state["auth_role"] = "advisor"
    at.run()
    assert not at.exception, at.exception
    (frame,) = at.get("iframe")
    script = frame.proto.srcdoc
    stale_days = Settings.resolve().stale_days
    episodes = encircled_as_of(constraints.load_versions(isolated_store).encircled, AS_OF)
    in_force = episodes[episodes["in_force"]]
    unconfirmed = {
        row.locality
        for row in in_force.itertuples()
        if episode_stale(row.last_confirmed, row.since, AS_OF, stale_days)
    }
    assert "Farabougou" in unconfirmed  # last confirmed on 30 June 2025
    assert "Léré" in set(in_force["locality"]) - unconfirmed  # on 15 November 2025: fresh on 1 December
    # one ringed sign per unconfirmed locality, plus the legend's swatch
    assert script.count("map-sym-noentry map-sym-unconfirmed") == len(unconfirmed) + 1
    row = tr("stale", lang, days=tr_count("count.days", stale_days, lang))
    assert row in script or row.replace("'", "&#x27;") in script
    assert tr("map.encircled_not_in_force", lang).split(" (")[0] in script
