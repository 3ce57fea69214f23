"""Findings of the second French user trial (pages, popups and forms), each checked in French.

Plain calls of the pages' helpers and of the map layers with small inputs built here; the
expected texts come from the catalogs and from the inputs, never copied from a screen.
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.products import i18n
from geo.products.printmap import stale_constraints
from geo.products.snapshot import DEFAULT_DELAY_DAYS
from geo.sources.curated import is_model_artefact, read_crossings
from geo.vocab import ENCIRCLED_STATUS, ROAD_STATUS
from layers.encircled import build_encircled_layer
from layers.roads import build_crossings_layer, build_roads_layer
from layers.style import esc, feature_properties, stale_text


@pytest.fixture
def fr(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    return "fr"


# 1. Lost localities: one row per locality, counted as villages, not hub x band x locality rows.
def test_lost_localities_are_counted_once_per_locality(fr: str) -> None:
    from views import common

    rows = [  # (hub, band h, place, time before h, time after h)
        ("Mopti", 4.0, "P1", 3.2, 9.5),
        ("Mopti", 8.0, "P1", 3.2, 9.5),
        ("Sévaré", 12.0, "P1", 11.0, np.nan),
        ("Mopti", 8.0, "P2", 7.5, 8.25),
        ("Mopti", 8.0, "P3", 6.0, 7.0),  # gained, not lost
    ]
    loc = pd.DataFrame(
        {
            "hub": [r[0] for r in rows],
            "hours": [r[1] for r in rows],
            "change": ["lost"] * 4 + ["gained"],
            "place_id": [r[2] for r in rows],
            "locality": [f"Village {r[2]}" for r in rows],
            "adm3_pcode": [f"ML{r[2]}" for r in rows],
            "cercle": ["Mopti"] * len(rows),
            "travel_time_h_before": [r[3] for r in rows],
            "travel_time_h_after": [r[4] for r in rows],
        }
    )
    lost = common.localities_by_change(loc, "lost", limit_h=12.0)
    assert len(loc[loc["change"] == "lost"]) == 4
    assert list(lost["locality"]) == ["Village P1", "Village P2"]  # two villages, not four rows
    p1 = lost.iloc[0]
    # no-break spaces: inside each figure ("4 h", U+00A0) and before French ":" and ";" (U+202F)
    nb, nn = "\u00a0", "\u202f"
    assert p1["bands"] == f"Mopti{nn}: 4{nb}h, 8{nb}h{nn}; Sévaré{nn}: 12{nb}h"
    assert p1["before"] == f"Mopti{nn}: 3,2{nb}h{nn}; Sévaré{nn}: 11,0{nb}h"
    not_reached = i18n.tr("common.not_reached", fr, h="12")
    assert not_reached == f"non atteint (>{nb}12{nb}h)"
    assert p1["after"] == f"Mopti{nn}: 9,5{nb}h{nn}; Sévaré{nn}: {not_reached}"
    assert lost.iloc[1]["after"] == f"Mopti{nn}: 8,2{nb}h"  # 8.25 rounded half to even, French mark
    gained = common.localities_by_change(loc, "gained", limit_h=12.0)
    assert list(gained["locality"]) == ["Village P3"]
    assert common.localities_by_change(loc.iloc[:0], "lost", limit_h=12.0).empty


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_lost_localities_headers_fit_their_columns(lang: str) -> None:
    from views import common

    # 7.5 px a character (common.readable_columns) plus the cell's padding (16 px)
    assert sum(common.PLACE_WIDTHS.values()) <= 960  # the page's width at 1440 px
    for column, width in common.PLACE_WIDTHS.items():
        keys = ("bands_lost", "bands_gained") if column == "bands" else (column,)
        for key in keys:
            header = i18n.tr(f"reach.col.{key}", lang)
            assert len(header) * 7.5 + 16 <= width, (header, width)


# --------------------------------------------------------------------------- popups (items 2, 3, 7, 8)
AS_OF = dt.date(2025, 11, 29)
STALE_DAYS = 90


def _episodes(rows: list[dict]) -> gpd.GeoDataFrame:
    base = {
        "status": "active",
        "until": None,
        "radius_km": 5.0,
        "in_force": True,
        "source": "S",
        "last_confirmed": AS_OF,
        "since": dt.date(2024, 1, 1),
    }
    frame = pd.DataFrame([{**base, **r} for r in rows])
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy([-4.0 - i for i in range(len(rows))], [14.0] * len(rows)), crs=4326
    )


def _by_locality(layer) -> dict[str, list[dict]]:  # noqa: ANN001
    out: dict[str, list[dict]] = {}
    for p in feature_properties(layer):
        name = html.unescape(re.search(r"<b>(.*?)</b>", p["popup"]).group(1))
        out.setdefault(name, []).append(p)
    return out


def test_encircled_state_is_said_once_in_french_and_lifted_reads_lifted() -> None:
    lifted_on = AS_OF - dt.timedelta(days=40)
    ep = _episodes(
        [
            {"locality": "Actif"},
            {"locality": "Levé", "status": "active", "until": lifted_on, "in_force": False},
            {"locality": "Futur", "since": AS_OF + dt.timedelta(days=3), "in_force": False},
            {"locality": "Inconnu", "status": "unknown", "in_force": False},
        ]
    )
    shown = _by_locality(build_encircled_layer(ep, lang="fr", as_of=AS_OF, stale_days=STALE_DAYS))
    active = ENCIRCLED_STATUS.label("active", "fr")
    in_force = i18n.tr("mpop.in_force", "fr")
    actif = shown["Actif"][0]
    assert esc(active) in actif["popup"] and f"{active} ({in_force})" not in html.unescape(actif["popup"])
    assert html.unescape(actif["tip"]) == i18n.tr("mpop.encircled_tip", "fr", name="Actif")
    lifted = shown["Levé"][-1]  # not in force: the sign only
    assert len(shown["Levé"]) == 1
    assert f"<td>{esc(ENCIRCLED_STATUS.label('lifted', 'fr'))}</td>" in lifted["popup"]
    assert html.unescape(lifted["tip"]) == i18n.tr("mpop.encircled_tip_lifted", "fr", name="Levé")
    future = shown["Futur"][0]
    assert f"{active} ({i18n.tr('mpop.not_yet_in_force', 'fr')})" in html.unescape(future["popup"])
    unknown = shown["Inconnu"][0]
    label = ENCIRCLED_STATUS.label("unknown", "fr")
    assert f"{label} ({i18n.tr('mpop.not_in_force', 'fr')})" in html.unescape(unknown["popup"])
    every = " ".join(p["popup"] + p["tip"] for ps in shown.values() for p in ps)
    assert "not in force" not in every and "encerclée" not in html.unescape(lifted["tip"] + future["tip"])


def test_people_inside_the_disc_in_french_numbers() -> None:
    pop, low, high = 1705.0, 518.0, 2420.0
    ep = _episodes(
        [
            {
                "locality": "Boni",
                "population": pop,
                "population_method": "grid",
                "population_grid_low": low,
                "population_grid_high": high,
            }
        ]
    )
    popup = html.unescape(feature_properties(build_encircled_layer(ep, lang="fr"))[0]["popup"])
    rng = i18n.tr(
        "layer.people_range", "fr", low=i18n.format_number(low, "fr"), high=i18n.format_number(high, "fr")
    )
    assert f"{i18n.format_number(pop, 'fr')} ({i18n.tr('layer.method_grid', 'fr')}{rng})" in popup
    assert "1,705" not in popup and "2,420" not in popup
    en = html.unescape(feature_properties(build_encircled_layer(ep, lang="en"))[0]["popup"])
    assert f"{i18n.format_number(pop, 'en')} (" in en


def test_stale_encirclement_is_marked_by_the_print_maps_rule() -> None:
    old = AS_OF - dt.timedelta(days=STALE_DAYS + 1)
    fresh = AS_OF - dt.timedelta(days=STALE_DAYS)  # exactly the limit: still confirmed
    ep = _episodes(
        [
            {"locality": "Ancien", "last_confirmed": old},
            {"locality": "Récent", "last_confirmed": fresh},
            {"locality": "Sans date", "last_confirmed": None, "since": old},  # since stands in
            {"locality": "Levé", "last_confirmed": old, "in_force": False, "until": old},
        ]
    )
    _axes, stale_rows = stale_constraints(None, ep[ep["in_force"]], AS_OF, STALE_DAYS)
    in_force = ep[ep["in_force"]].reset_index(drop=True)
    expected = {in_force.at[i, "locality"] for i in stale_rows}
    assert expected == {"Ancien", "Sans date"}
    for lang in ("fr", "en"):
        shown = _by_locality(build_encircled_layer(ep, lang=lang, as_of=AS_OF, stale_days=STALE_DAYS))
        line = esc(stale_text(STALE_DAYS, lang))
        marked = {name for name, ps in shown.items() if all(line in p["popup"] for p in ps)}
        assert marked == expected
        tip = i18n.tr("mpop.stale_tip", lang)
        assert {n for n, ps in shown.items() if tip in html.unescape(ps[0]["tip"])} == expected
    # no date or no threshold given: nothing marked
    assert not any(
        "⚠" in p["popup"] for p in feature_properties(build_encircled_layer(ep, lang="fr", as_of=AS_OF))
    )
    assert stale_text(STALE_DAYS, "fr") == "⚠ " + i18n.tr("mpop.stale.other", "fr", n=str(STALE_DAYS))
    assert stale_text(1, "en") == "⚠ " + i18n.tr("mpop.stale.one", "en", n="1")


def _axes() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    ids = ["A-OLD", "A-NEW", "A-OPEN"]
    axes = gpd.GeoDataFrame(
        {"axis_name": ["Axe ancien", "Axe récent", "Axe ouvert"], "route_ref": ["RN1", "RN2", "RN3"]},
        geometry=[LineString([(-4 - i, 14), (-3 - i, 15)]) for i in range(3)],
        index=pd.Index(ids, name="axis_id"),
        crs=4326,
    )
    old = AS_OF - dt.timedelta(days=STALE_DAYS + 30)
    status = pd.DataFrame(
        {
            "status": ["closed", "constrained", "open"],
            "valid_from": [old, AS_OF - dt.timedelta(days=3), old],
            "escort_kmh": [None, 22.5, None],
            "cause": ["security"] * 3,
            "source": ["S"] * 3,
        },
        index=pd.Index(ids, name="axis_id"),
    )
    return axes, status


def test_axis_popups_mark_stale_closures_and_escort_speed_has_no_english() -> None:
    axes, status = _axes()
    stale_axes, _enc = stale_constraints(status, None, AS_OF, STALE_DAYS)
    assert stale_axes == ["A-OLD"]  # an open road needs no confirmation
    for lang in ("fr", "en"):
        props = feature_properties(
            build_roads_layer(None, axes, status, lang=lang, as_of=AS_OF, stale_days=STALE_DAYS)
        )
        by_name = {html.unescape(re.search(r"<b>(.*?)</b>", p["popup"]).group(1)): p for p in props}
        line = esc(stale_text(STALE_DAYS, lang))
        marked = [a for a in axes.index if line in by_name[axes.at[a, "axis_name"]]["popup"]]
        assert marked == stale_axes
        escort = i18n.format_number(22.5, lang, decimals=1) + " km/h"
        recent = by_name["Axe récent"]["popup"]
        assert f"<td>{escort}</td>" in recent and "escorted" not in recent
        old_tip = html.unescape(by_name["Axe ancien"]["tip"])
        assert (
            old_tip
            == i18n.tr("map.axis_status", lang, name="Axe ancien", status=ROAD_STATUS.label("closed", lang))
            + f" ({i18n.tr('mpop.stale_tip', lang)})"
        )


def test_crossing_popups_mark_stale_closures() -> None:
    crossings = read_crossings()
    real = crossings[~crossings.index.map(is_model_artefact)]
    ids = list(real.index[:3])
    old = AS_OF - dt.timedelta(days=STALE_DAYS + 1)
    status = pd.DataFrame(
        {"status": ["closed", "closed", "open"], "valid_from": [old, AS_OF, old], "source": ["S"] * 3},
        index=pd.Index(ids, name="crossing_id"),
    )
    props = feature_properties(
        build_crossings_layer(real, status, lang="fr", as_of=AS_OF, stale_days=STALE_DAYS)
    )
    line = esc(stale_text(STALE_DAYS, "fr"))
    marked = [p for p in props if line in p["popup"]]
    assert len(marked) == 1 and esc(ids[0]) in marked[0]["popup"]
    assert i18n.tr("mpop.stale_tip", "fr") in html.unescape(marked[0]["tip"])


def test_incident_popup_names_its_source_in_french() -> None:
    from layers.incidents import popup_html, source_label

    row = pd.Series(
        {"source": "curated", "incident_id": "C-1", "event_type": "x", "fatalities": 0, "date": pd.NaT}
    )
    popup = html.unescape(popup_html(row, "fr"))
    assert f"{i18n.tr('incidents.source.curated', 'fr')} (C-1)" in popup and "curated" not in popup
    assert source_label("generic:terrain.csv", "fr") == i18n.tr("incidents.source.generic", "fr") + (
        " (terrain.csv)"
    )
    assert source_label("other", "en") == "other"  # a family the catalogs do not name: as recorded


# --------------------------------------------------------------------------- public page (item 8)
def _snapshot(delay_days: int) -> object:
    from geo.products.snapshot import SnapshotInfo

    as_of = dt.date(2025, 12, 1)
    return SnapshotInfo("s", Path("."), as_of, as_of - dt.timedelta(days=delay_days), "", "fr", 1, 1)


@pytest.mark.parametrize("delay", [0, 1, 7])
def test_public_page_says_the_real_release_delay(fr: str, delay: int) -> None:
    from views import common

    text = common.release_delay_text([_snapshot(delay)], fr)
    if delay == 0:
        assert text == i18n.tr("public.when_no_delay", fr)
    else:
        days = i18n.tr_count("public.days", delay, fr)
        assert text == i18n.tr("public.when_delay", fr, days=days)
        assert days == (f"{delay} jour" if delay == 1 else f"{delay} jours")  # French plural
    assert "30" not in text


def test_public_page_without_snapshot_says_the_default_delay(fr: str) -> None:
    from views import common

    days = i18n.tr_count("public.days", DEFAULT_DELAY_DAYS, fr)
    assert common.release_delay_text([], fr) == i18n.tr("public.when_default", fr, days=days)


@pytest.mark.slow
def test_publish_form_names_languages_and_says_seconds(
    fr: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MALI_ACCESS_USERS", str(tmp_path / "users.toml"))
    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(tmp_path / "snapshots"))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "public.py"), default_timeout=120)
    at.session_state["auth_role"] = "advisor"
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="publish_lang").options == [i18n.LANG_NAMES["fr"], i18n.LANG_NAMES["en"]]
    help_text = " ".join(c.value for c in at.caption)
    assert "secondes" in help_text and "minutes" not in help_text
    said = " ".join(m.value for m in at.markdown)
    days = i18n.tr_count("public.days", DEFAULT_DELAY_DAYS, fr)
    assert days in said.replace("\\", "")


# --------------------------------------------------------------------------- forms and widgets (items 2, 3)
def _calls(name: str) -> list[tuple[str, ast.Call]]:
    out = []
    for path in [*sorted((PROJECT_ROOT / "views").glob("*.py")), PROJECT_ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name:
                out.append((f"{path.name}:{node.lineno}", node))
    return out


def _keyword(call: ast.Call, name: str) -> object:
    kw = next((k for k in call.keywords if k.arg == name), None)
    return ast.literal_eval(kw.value) if kw is not None else "absent"


def test_forms_never_show_streamlits_english_enter_hint() -> None:
    # Streamlit's hint "Press Enter to submit form" is English and cannot be translated: the
    # work forms submit with their button only. The sign-in and password forms keep Enter
    # (what everyone presses after a password), and with it Streamlit's hint.
    forms = [(w, c) for w, c in _calls("form") if not w.startswith("auth.py")]
    assert len(forms) >= 9  # the pages' work forms
    assert [where for where, call in forms if _keyword(call, "enter_to_submit") is not False] == []


def test_decimal_number_inputs_have_a_format_not_two_zeros() -> None:
    # Streamlit writes a float input as "%0.2f" ("5.00") unless given a format
    def is_float(call: ast.Call) -> bool:
        values = [
            *call.args[1:],
            *(k.value for k in call.keywords if k.arg in ("min_value", "max_value", "value")),
        ]
        return any(isinstance(v, ast.Constant) and isinstance(v.value, float) for v in values) or any(
            isinstance(v, ast.Call) and getattr(v.func, "id", "") == "float" for v in values
        )

    floats = [(w, c) for w, c in _calls("number_input") if is_float(c)]
    assert len(floats) >= 3
    assert [w for w, c in floats if _keyword(c, "format") == "absent"] == []


def test_fixed_vocabulary_selects_take_no_typing() -> None:
    # typing in a select can end on Streamlit's own English "No results": short fixed lists
    # (statuses, causes, confidence, languages...) are picked, not typed
    vocab = ("ROAD_STATUS.codes", "CAUSE.codes", "CONFIDENCE.codes", "ENCIRCLED_STATUS.codes", "['fr', 'en']")
    fixed = [(w, c) for w, c in _calls("selectbox") if len(c.args) > 1 and ast.unparse(c.args[1]) in vocab]
    assert len(fixed) >= 10
    assert [w for w, c in fixed if _keyword(c, "filter_mode") is not None] == []


def test_reach_band_tooltips_in_french_numbers_and_words() -> None:
    from shapely import box

    from layers.reach import build_reach_layers

    area, people, n = 12345.4, 291000.0, 1
    bands = gpd.GeoDataFrame(
        {"hub_id": ["MOP"], "hub": ["Mopti"], "hours": [2.5], "area_km2": [area], "population": [people]},
        geometry=[box(-4.5, 14, -3.5, 15)],
        crs=4326,
    ).assign(localities=[n])
    (group,) = build_reach_layers(bands, ["MOP"], lang="fr")
    tip = html.unescape(feature_properties(group)[0]["tip"])
    figures = i18n.tr(
        "map.band_figures", "fr", area=i18n.format_number(area, "fr"), people=i18n.format_number(people, "fr")
    )
    assert i18n.tr("map.within", "fr", hub="Mopti", h="2,5") in tip
    assert f"{figures}, {i18n.tr_count('map.band_localities', n, 'fr')}" in tip
    assert "people" not in tip and "12,345" not in tip and "localité" in tip


# --------------------------------------------------------------------------- empty date fields (item 2)
def test_streamlits_own_widget_texts_are_drawn_in_french(
    fr: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # empty date segments (dd/mm/yyyy), "No results" of a typed search, "Press Enter ..." hints;
    # checked in Chromium when written: the rules' selectors match Streamlit 1.67's elements
    from views.common import WIDGET_TEXTS, widget_texts_css

    css = widget_texts_css(fr)
    for selector, key in WIDGET_TEXTS:
        assert f'{selector}::after {{ content: "{i18n.tr(key, fr)}";' in css
    assert {i18n.tr(k, fr) for k in ("common.date_ph_day", "common.date_ph_year", "common.no_results")} == {
        "jj",
        "aaaa",
        "Aucun résultat",
    }
    assert 'content: "dd"' in widget_texts_css("en") and 'content: "No results"' in widget_texts_css("en")
    date_rules = [sel for sel, key in WIDGET_TEXTS if key.startswith("common.date_ph")]
    assert all('[data-placeholder="true"]' in sel for sel in date_rules)  # typed dates show as typed
    empty = [sel for sel, key in WIDGET_TEXTS if key == "common.no_results"]
    assert all('[data-empty="true"]' in sel for sel in empty)  # only a list with no match
    # the app's entry point puts it on every page
    monkeypatch.setenv("MALI_ACCESS_USERS", str(tmp_path / "users.toml"))
    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(tmp_path / "snapshots"))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    assert any(css in h.proto.body for h in at.get("html"))


@pytest.mark.parametrize("delay", [0, 1, 30])
def test_snapshot_page_states_its_own_delay_plural_aware(delay: int) -> None:
    from geo.products.snapshot import SnapshotPage, labels
    from layers.snapshot import _side_panel

    as_of = dt.date(2025, 11, 30)
    page = SnapshotPage(
        lang="fr",
        labels=labels("fr"),
        as_of=as_of,
        release_date=as_of - dt.timedelta(days=delay),
        delay_days=delay,
        sources=(),
        downloads=(),
        policy_version="x",
        generator="test",
        leaflet_dir=PROJECT_ROOT / "static" / "vendor" / "leaflet",
        hub_ids=(),
        sparse_after=None,
        incident_period=(as_of, as_of),
    )
    text = html.unescape(_side_panel(page))
    said = i18n.tr_count("public.days", delay, "fr")
    assert said == (f"{delay} jours" if delay > 1 else f"{delay} jour")
    # one dated line: the situation (release date), then the publication and the delay
    release = i18n.format_date(page.release_date, "fr")
    if delay:
        assert f"Situation au {release} (publiée le " in text and f"avec {said} de délai)" in text
    else:
        assert i18n.tr("snapmap.situation_same_day", "fr", date=release) in text


def test_incident_popup_and_tooltip_read_in_french() -> None:
    """A month-precise date says so in French, an 'n/a' actor is left out, the tooltip date is dd/mm/yyyy."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from geo.products.i18n import format_date, format_day, tr
    from layers.incidents import build_incidents_layer, popup_html

    day = pd.Timestamp("2021-09-01")
    row = pd.Series(
        {
            "date": day,
            "date_precision": "month",
            "event_type": "non_state_violence",
            "actor1": "n/a",
            "actor2": None,
            "location": "Léré",
            "admin2": "Niafunké",
            "admin1": "Tombouctou",
            "fatalities": 1705,
            "source": "curated",
            "incident_id": "x1",
            "low_precision": False,
        }
    )
    html = popup_html(row, "fr")
    assert f"{format_date(day.date(), 'fr')} {tr('incpop.prec.month', 'fr')}" in html
    assert "(month)" not in html and "n/a" not in html and tr("incpop.actors", "fr") not in html
    assert "1 705" in html.replace("\u202f", " ").replace("\xa0", " ")
    gdf = gpd.GeoDataFrame(pd.DataFrame([row]), geometry=[Point(-4.0, 15.7)], crs="EPSG:4326")
    import folium

    m = folium.Map()
    build_incidents_layer(gdf, lang="fr").add_to(m)
    script = m.get_root().render()
    assert format_day(day, "fr") in script and "2021-09-01" not in script


def test_crossing_statuses_agree_with_the_crossing_on_the_constraints_page(
    fr: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bridge or a ferry is 'Fermé' in the crossings table and form, as on the map ('Fermée': a road)."""
    from geo.store import constraints
    from geo.vocab import crossing_agreement, road_status_label

    monkeypatch.setenv("MALI_ACCESS_STORE", str(tmp_path / "store.sqlite"))
    as_of = dt.date(2025, 11, 30)
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "constraints.py"), default_timeout=600)
    at.session_state["auth_role"] = "advisor"
    at.session_state["as_of"] = as_of
    at.run()
    at.radio(key="constraints_kind").set_value("crossings").run()
    assert not at.exception, at.exception
    crossings = constraints.known_crossings()
    state = constraints.effective_crossing_status(constraints.load_versions(None), as_of, crossings=crossings)
    name_col = i18n.tr("cons.col.name", "fr")
    status_col = i18n.tr("cons.col.status", "fr")
    table = next(
        d.value for d in at.table if name_col in d.value.columns and "Pont de Dabi" in set(d.value[name_col])
    ).map(lambda v: re.sub(r"\\(.)", r"\1", v))  # Markdown cells, escaped (views.common.wrapped_table)
    for name, shown_status in zip(table[name_col], table[status_col], strict=True):
        row = state[state["name"] == name].iloc[0]
        assert shown_status == road_status_label(row["status"], "fr", crossing_agreement(row["kind"], name))
    dabi = crossings.index[crossings["name"] == "Pont de Dabi"][0]
    at.selectbox(key="pick_crossing").set_value(dabi).run()
    options = next(
        s.options for s in at.selectbox if s.label == i18n.tr("cons.status", "fr") and "Fermé" in s.options
    )
    assert road_status_label("closed", "fr", "m") == "Fermé" and "Fermée" not in options


def test_popup_rows_that_say_nothing_are_left_out() -> None:
    from layers.style import popup_table

    html_text = popup_table(
        [("Cause", float("nan")), ("Source", "  "), ("Depuis", pd.NaT), ("Statut", "Fermée")]
    )
    assert "Cause" not in html_text and "Source" not in html_text and "Depuis" not in html_text
    assert "<th>Statut</th><td>Fermée</td>" in html_text
