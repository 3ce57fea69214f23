"""What French and English readers see on the maps and pages the HAWG uses (issue 17).

The scenario map's legend, layers and tooltips, the maps' scale bar and view, the
Constraints page's headings (names, never internal ids), its tables (no ``None``) and
counted texts, and the public page's key figures; each in French and English.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo.products.i18n import format_date, tr

pytestmark = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")
NNBSP = "\u202f"


def _has(html: str, text: str) -> bool:
    """Tell whether ``text`` is in the map page, as written or JSON-escaped (layer names, tooltips)."""
    return text in html or json.dumps(text)[1:-1] in html


def _scenario_map(lang: str) -> str:
    from layers.scenario import NoEntryZone, base_frames, build_scenario_map

    def band(area: float, hours: float = 8.0) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {"hub_id": ["mopti"], "hub": ["Mopti (Sévaré)"], "hours": [hours], "area_km2": [area],
             "population": [291000.0], "localities": [1234]},
            geometry=[box(-4.5, 14.0, -3.0, 15.0)], crs=4326,
        )  # fmt: skip

    admin0 = gpd.GeoDataFrame(geometry=[box(-12.2, 10.2, 4.2, 25.0)], crs=4326)
    admin1 = gpd.GeoDataFrame(
        {"pcode": ["ML05"], "name": ["Mopti"]}, geometry=[box(-5, 13, -1, 16)], crs=4326
    )
    hubs = pd.DataFrame({"name": ["Mopti (Sévaré)"], "lon": [-4.1], "lat": [14.5]}, index=["mopti"])
    frames = {
        "before": band(12345.0),
        "after": band(11000.0),
        "lost": band(1345.0),
        "gained": band(0.0).iloc[:0],
    }
    m = build_scenario_map(
        as_of=dt.date(2025, 12, 1), hours=8.0, base=base_frames(admin0, admin1), frames=frames, hubs=hubs,
        hub_ids=["mopti"], zones=[NoEntryZone("Boni", -2.2, 15.1, 5.0, "added")], lang=lang,
    )  # fmt: skip
    return m.get_root().render()


def test_scenario_map_speaks_french() -> None:
    html = _scenario_map("fr")
    legend = json.loads(re.search(r"div\.innerHTML = (\".*?\");", html).group(1))
    assert "En moins de 8 h, situation au 1er décembre 2025" in legend
    for key in ("scen.legend_after", "scen.legend_before", "scen.legend_lost", "scen.legend_gained",
                "scen.legend_zone", "scen.legend_hub"):  # fmt: skip
        assert tr(key, "fr") in legend
    for english in ("Within", "Reach under", "Area lost", "Same band", "No-entry", "HAWG hub"):
        assert english not in legend and english not in html
    assert _has(html, "Scénario\u202f: superficie perdue") and _has(html, "Zones interdites")
    # figures written by Babel for French in tooltips and popups
    for text in (f"1{NNBSP}345 km²", f"11{NNBSP}000 km²", f"291{NNBSP}000 personnes", "en moins de 8 h"):
        assert _has(html, text), text
    assert "1,345" not in html


def test_scenario_map_speaks_english() -> None:
    html = _scenario_map("en")
    legend = json.loads(re.search(r"div\.innerHTML = (\".*?\");", html).group(1))
    assert "Within 8 h, as of 1 December 2025" in legend and "Area lost" in legend
    assert "superficie" not in html and "En moins" not in legend
    assert _has(html, "1,345 km²") and _has(html, "291,000 people") and _has(html, "Scenario: area lost")


def test_maps_scale_in_kilometres_only() -> None:
    from layers.basemap import make_map

    html = make_map(asset_base="static/vendor").get_root().render()
    assert "L.control.scale({metric: true, imperial: false" in html
    assert "L.control.scale()" not in html  # Leaflet's default adds miles


# --------------------------------------------------------------------------- pages (AppTest)


def _map_script(at) -> str:  # noqa: ANN001
    return next(
        json.loads(c.proto.json_args)["script"]
        for c in at.get("component_instance")
        if c.proto.component_name == "streamlit_folium.st_folium"
    )


def _country_in_view(script: str) -> None:
    (south, west), (north, east) = json.loads(
        re.search(r"fitBounds\(\s*(\[\[.*?\]\])", script, re.S).group(1)
    )
    # the whole of Mali: Kayes in the west (-12.2), Sikasso in the south (10.2), Taoudénit and Kidal
    assert west <= -12.2 and south <= 10.2 and north >= 24.9 and east >= 4.2
    assert "imperial: false" in script


@pytest.fixture
def seeded(data_dir: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from geo.store import constraints as C

    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    day = dt.date(2025, 11, 1)
    C.record_road_status(isolated_store, axis_id="RN16-SEV-DOU", status="closed", cause="security",
                         valid_from=day, source="OCHA", recorded_by="ann")  # fmt: skip
    C.record_crossing_status(isolated_store, crossing_id="X-KORIOUME", status="closed", cause="security",
                             valid_from=day, source="OCHA", recorded_by="ann")  # fmt: skip
    return isolated_store


def _page(name: str, lang: str, role: str, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN202
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT

    monkeypatch.setenv("MALI_ACCESS_LANG", lang)
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / name), default_timeout=400)
    at.session_state["auth_role"] = role
    at.session_state["as_of"] = dt.date(2025, 12, 1)
    return at


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_constraints_page_names_items_and_shows_no_none(
    lang: str, seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page("constraints.py", lang, "advisor", monkeypatch)
    at.run()
    assert not at.exception, at.exception
    assert "imperial: false" in _map_script(at)  # its view: test_constraints_page (the records listed)
    # axis heading: the route and places, not the id
    assert at.subheader[0].value == tr("cons.record_status", lang, item="RN16 Sévaré–Douentza")
    axes = at.table[0].value
    escort = axes[tr("cons.col.escort_kmh", lang)]
    assert escort.str.fullmatch(r"\d*").all()  # km/h, or empty when no escort applies: never "None"
    seeded_row = axes[axes[tr("cons.col.axis_name", lang)] == "RN16 Sévaré–Douentza"]  # the selector's name
    assert list(seeded_row[tr("cons.col.escort_kmh", lang)]) == [""]
    assert not (axes.astype(str).isin(["None", "nan", "NaT"])).any().any()
    from geo.products.i18n import tr_count
    from geo.store import constraints as C

    n = len(C.road_status_history(seeded, "RN16-SEV-DOU"))
    assert tr_count("cons.history", n, lang, item="RN16 Sévaré–Douentza") in [e.label for e in at.expander]
    # crossing: its name and river in the selector and the heading, never X-KORIOUME
    at.radio(key="constraints_kind").set_value("crossings").run()
    assert not at.exception, at.exception
    at.selectbox(key="pick_crossing").set_value("X-KORIOUME").run()
    heading = tr("cons.record_status", lang, item="Bac de Korioumé (Niger)")
    plain = lambda x: x.replace("\\", "")  # noqa: E731  (Markdown escapes of the item's name)
    assert heading in [plain(h.value) for h in at.subheader]
    texts = (
        [h.value for h in at.subheader]
        + [e.label for e in at.expander]
        + list(at.selectbox(key="pick_crossing").options)
    )
    assert not any("X-KORIOUME" in x for x in texts)
    assert any(x == "Bac de Korioumé (Niger)" for x in at.selectbox(key="pick_crossing").options)
    # one recorded version: singular in both languages (not "1 versions")
    assert len(C.crossing_status_history(seeded, "X-KORIOUME")) == 1
    one = "Historique de Bac de Korioumé (Niger) (1 version)" if lang == "fr" else (
        "History of Bac de Korioumé (Niger) (1 version)")  # fmt: skip
    assert one in [plain(e.label) for e in at.expander]
    # placeholders of the status filter in the language
    assert all(ms.proto.placeholder == tr("common.choose_options", lang) for ms in at.multiselect)


@pytest.mark.slow
@pytest.mark.parametrize("page", ["incidents.py", "severity.py"])
def test_incident_and_severity_maps_hold_the_whole_country(
    page: str, data_dir: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    at = _page(page, "fr", "advisor", monkeypatch)
    at.run()
    assert not at.exception, at.exception
    script = _map_script(at)
    _country_in_view(script)
    # region outlines named and labelled in French (layer control, tooltips)
    assert _has(script, "Code P") and "Regions (admin1)" not in script
    if page == "incidents.py":  # the one with a layer control
        assert _has(script, "Régions")
        from geo.sources.amrf import read_typology

        typology = read_typology()
        counts = next(d.value for d in at.dataframe if tr("incidents.col.amrf", "fr") in d.value.columns)
        labels = {typology.label(c, "fr") for c in typology.categories.index}
        assert len(counts) and set(counts[tr("incidents.col.amrf", "fr")]) <= labels  # words, not codes


@pytest.fixture(scope="module")
def snapshot_root(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One published snapshot (French map), built once for the module."""
    from geo.products import snapshot as S

    root = tmp_path_factory.mktemp("snapshots")
    S.build_snapshot(
        S.load_snapshot_inputs(data_dir), root, as_of=dt.date(2025, 11, 30), delay_days=30, lang="fr"
    )
    return root


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_public_key_figures_are_whole_and_wrap(
    lang: str, snapshot_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key figures sit in a row that wraps, each as wide as its text ("2 novembre 2025" never cut)."""
    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(snapshot_root))
    at = _page("public.py", lang, "public", monkeypatch)
    at.run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        # the situation is the release date (as-of minus the delay); the as-of date is the publication
        tr("snapshot.release", lang): format_date(dt.date(2025, 10, 31), lang),
        tr("snapshot.as_of", lang): format_date(dt.date(2025, 11, 30), lang),
        tr("public.m_delay", lang): "30 jours" if lang == "fr" else "30 days",
        tr("public.policy", lang): metrics[tr("public.policy", lang)],
    }
    # (their layout, a row that wraps at 800 px, is checked on the Chromium screenshots)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_public_page_says_a_snapshot_is_in_another_language(
    lang: str, snapshot_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a French snapshot: the English page says so before showing it; the French page does not."""
    from geo.products.snapshot import language_name, list_snapshots

    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(snapshot_root))
    (published,) = [s.lang for s in list_snapshots(snapshot_root)]
    at = _page("public.py", lang, "public", monkeypatch)
    at.run()
    assert not at.exception, at.exception
    named = language_name(published, lang)  # the snapshot's language, named in the page's
    note = tr("public.snapshot_lang_only", lang, lang=named)
    infos = [i.value for i in at.info]
    if published == lang:
        assert note not in infos and not [i for i in infos if named in i]
    else:
        assert note in infos
        assert note == "This snapshot is published in French only: its map, texts and files are in French."


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_incident_picker_reads_date_place_and_category_in_words(lang: str) -> None:
    """The link form's incident choices: the date written out, the place, the AMRF category, the source."""
    from geo.sources.amrf import read_typology
    from layers.incidents import source_label
    from views.incident_link import incident_label

    typology = read_typology()
    code = typology.constraint_codes[0]
    row = pd.Series(
        {"date": pd.Timestamp("2025-10-01"), "location": "Léré", "amrf": code, "event_type": "blockade_start",
         "incident_id": "curated:MLI-ACC-038", "source": "curated"}
    )  # fmt: skip
    label = incident_label(row, lang, typology)
    assert label.split(" · ") == [
        format_date(dt.date(2025, 10, 1), lang),
        "Léré",
        typology.label(code, lang),
        source_label("curated", lang),
    ]
    assert "MLI-ACC-038" not in label and "curated" not in label  # no internal id
    assert label.startswith("1er octobre 2025" if lang == "fr" else "1 October 2025")
    assert "blockade_start" not in label
    # no place: the part is left out, not shown as "nan"
    nowhere = row.copy()
    nowhere["location"] = float("nan")
    assert incident_label(nowhere, lang, typology).split(" · ")[1] == typology.label(code, lang)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_why_a_hub_cannot_start_is_said_in_the_page_language(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine's reasons (``place_hub``, ``locate_hub``) on the live map, translated; figures in Babel."""
    import numpy as np
    from rasterio.transform import from_origin

    from geo.model.friction import Grid
    from geo.model.reach import _no_entry_status, place_hub
    from views import common

    monkeypatch.setattr(common, "lang", lambda: lang)
    grid = Grid(from_origin(0.0, 10_000.0, 1000.0, 1000.0), (10, 10), 1.0)
    friction = np.full((10, 10), np.inf)
    friction[0, 0] = 0.1
    far = place_hub(friction, grid, 2_500_000.0, 5_000.0).status  # off the grid
    blocked = place_hub(friction, grid, 9_500.0, 500.0, max_snap_km=2.0).status  # nearest passable 12.7 km
    none = place_hub(np.full((10, 10), np.inf), grid, 5_500.0, 5_500.0).status
    zones = gpd.GeoDataFrame(
        {"locality": ["Léré"], "since": [dt.date(2025, 10, 1)], "radius_km": [5.0]},
        geometry=gpd.points_from_xy([5_000.0], [5_000.0]),
        crs="ESRI:102022",
    )
    inside = _no_entry_status(zones, 5_500.0, 5_500.0)
    assert inside is not None
    said = [common.hub_reason(s) for s in (far, blocked, none, inside)]
    # the nearest passable cell's centre is (500, 9 500) m: 2 499.5 km away, written for the language
    far_km = {"fr": f"2{NNBSP}500", "en": "2,500"}[lang]
    if lang == "fr":
        assert said[0].startswith(f"hors de la grille, à {far_km} km de la cellule praticable la plus proche")
        assert said[1] == (
            "sur une cellule impraticable\u202f; la cellule praticable la plus proche est à 12,7 km"
        )
        assert said[2] == "aucune cellule praticable sur la grille"
        assert said[3] == "dans la zone d'interdiction d'accès de Léré (encerclée depuis le 1er octobre 2025)"
    else:
        assert said[0].startswith(f"off the grid, {far_km} km from the nearest passable cell")
        assert said[1] == "on an impassable cell; nearest passable cell is 12.7 km away"
        assert said[2] == "no passable cell on the grid"
        assert said[3] == "inside the no-entry zone of Léré (encircled since 1 October 2025)"
    assert common.hub_reason("something new") == "something new"  # an unknown sentence is shown as it is
