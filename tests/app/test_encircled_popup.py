"""Encircled-locality popups carry the people inside the no-entry zone, with method and range."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd

from layers.encircled import build_encircled_layer
from layers.style import feature_popups as _popups


def _episodes(**extra: object) -> gpd.GeoDataFrame:
    base = {
        "locality": ["Farabougou"],
        "status": ["active"],
        "since": [dt.date(2020, 10, 6)],
        "until": [None],
        "last_confirmed": [dt.date(2025, 6, 30)],
        "radius_km": [5.0],
        "in_force": [True],
        "source": ["S"],
    }
    base.update({k: [v] for k, v in extra.items()})
    return gpd.GeoDataFrame(base, geometry=gpd.points_from_xy([-6.14], [14.89]), crs="EPSG:4326")


def test_population_line_with_method_and_range() -> None:
    ep = _episodes(
        population=1323.0, population_method="grid", population_grid_low=319.0, population_grid_high=9175.0
    )
    en = _popups(build_encircled_layer(ep))
    assert len(en) == 2 * len(ep)  # the no-entry sign and, in force, its disc
    assert all("People inside the no-entry zone" in p for p in en)
    assert "1,323 (population grid estimate; grid range 319–9,175)" in en[0]
    fr = _popups(build_encircled_layer(ep, lang="fr"))
    assert "Personnes dans la zone d&#x27;interdiction" in fr[0]  # the apostrophe is escaped


def test_hostile_method_is_escaped_and_no_population_no_line() -> None:
    ep = _episodes(population=10.0, population_method="<img src=x onerror=alert(1)>")
    html = _popups(build_encircled_layer(ep))[0]
    assert "<img" not in html and "&lt;img" in html
    assert "People inside" not in _popups(build_encircled_layer(_episodes()))[0]
