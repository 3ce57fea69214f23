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


def test_seeded_note_is_labelled_as_the_source_english_one_a_user_note_is_not() -> None:
    from geo.products.i18n import tr

    seeded = _episodes(note="Blockade by JNIM since October 2020", origin="seed", armed_group="X")
    html = _popups(build_encircled_layer(seeded, lang="fr", restricted=True))[0]
    assert (
        tr("mpop.source_note", "fr") == "Note de la source (en anglais)"
        and tr("mpop.source_note", "fr") in html
    )
    assert "Blockade by JNIM since October 2020" in html  # the data itself is not translated
    typed = _episodes(note="Convoi bloqué au poste", origin="user", armed_group="X")
    html = _popups(build_encircled_layer(typed, lang="fr", restricted=True))[0]
    assert tr("mpop.note", "fr") in html and tr("mpop.source_note", "fr") not in html


def test_axis_popup_labels_a_seeded_note_as_the_source_english_one() -> None:
    import pandas as pd

    from geo.products.i18n import tr
    from layers.roads import _axis_popup

    row = pd.Series(
        {"axis_name": "Sévaré - Douentza", "status": "closed", "note": "IED on the bridge", "origin": "seed"}
    )
    assert tr("mpop.source_note", "fr") in _axis_popup("RN16", row, "fr")
    assert tr("mpop.source_note", "en") in _axis_popup("RN16", row, "en")
    user = _axis_popup("RN16", row.copy().set_axis(row.index).replace({"seed": "user"}), "fr")
    assert tr("mpop.note", "fr") in user and tr("mpop.source_note", "fr") not in user


def test_range_is_given_with_the_figure_it_brackets() -> None:
    from geo.products.i18n import format_number, tr

    # the localities' figure is shown first; the grid range goes with the grid estimate, named
    ep = _episodes(
        population=12000.0,
        population_method="settlement",
        population_grid=1963.0,
        population_grid_low=500.0,
        population_grid_high=3000.0,
    )
    html = _popups(build_encircled_layer(ep, lang="fr"))[0]
    said = tr(
        "layer.people_grid_range",
        "fr",
        grid=format_number(1963.0, "fr"),
        low=format_number(500.0, "fr"),
        high=format_number(3000.0, "fr"),
    )
    assert f"{format_number(12000.0, 'fr')} ({tr('layer.method_settlement', 'fr')}{said})" in html
