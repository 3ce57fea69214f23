"""Constraints page (AppTest, French): a new encircled locality is picked from the gazetteer.

Its name and point are the gazetteer's (no coordinates to type); a refusal is said in French
from the catalogs, naming the field by its label on the form.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.escape import markdown_text as md
from geo.products.i18n import format_date, format_number, tr
from geo.sources.admin import load_admin
from geo.sources.places import load_places, resolve_place
from geo.store import constraints

PAGE = str(PROJECT_ROOT / "views" / "constraints.py")
pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]


@pytest.fixture
def page(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[AppTest, Path]:
    store = tmp_path / "store.sqlite"
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    monkeypatch.setenv("MALI_ACCESS_STORE", str(store))
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.session_state["as_of"] = dt.date(2025, 12, 1)
    at.session_state["auth_role"] = "advisor"
    at.run()
    assert not at.exception, at.exception
    at.radio(key="constraints_kind").set_value("localities").run()
    assert not at.exception, at.exception
    return at, store


def _plain(markdown: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def _fill(at: AppTest) -> None:
    w = {x.label: x for x in at.text_input}
    w[tr("cons.source", "fr")].input("OCHA, rapport d'accès")
    w[tr("cons.recorded_by", "fr")].input("Awa")


def _save(at: AppTest) -> None:
    next(b for b in at.button if b.label == tr("cons.save_encirclement", "fr")).click().run()
    assert not at.exception, at.exception


def test_a_new_locality_is_picked_in_the_gazetteer_with_its_point(
    page: tuple[AppTest, Path], data_dir: Path
) -> None:
    at, store = page
    assert at.selectbox(key="pick_locality").value == "__new__"
    assert "➕" not in tr("cons.new_locality", "fr")  # an empty box on Debian's Chromium fonts
    # the gazetteer's own spelling of a corrected name finds it (place_names.csv: Dialoube -> Dialloubé)
    at.text_input(key="encircle_place_search").input("Dialoube").run()
    dialloube = resolve_place("Dialoube", load_places(data_dir))
    assert any(o.startswith(f"{dialloube.name} (") for o in at.radio(key="encircle_place").options)
    at.text_input(key="encircle_place_search").input("konna").run()
    found = at.radio(key="encircle_place")
    place = resolve_place("Konna", load_places(data_dir))
    assert any(o.startswith("Konna (cercle et région de Mopti)") for o in found.options)  # said once
    found.set_value(place.place_id).run()
    assert not at.exception, at.exception
    name = next(x for x in at.text_input if x.label == tr("cons.locality_required", "fr"))
    assert name.value == "Konna" and name.disabled  # the gazetteer's name, not typed
    # the locked point written as the caption writes it: French decimal comma, 4 decimals
    lon = next(x for x in at.text_input if x.label == tr("cons.lon", "fr"))
    lat = next(x for x in at.text_input if x.label == tr("cons.lat", "fr"))
    assert lon.disabled and lat.disabled
    assert (lon.value, lat.value) == (
        format_number(place.lon, "fr", decimals=4),
        format_number(place.lat, "fr", decimals=4),
    )
    assert "," in lon.value and "." not in lon.value + lat.value
    assert float(lon.value.replace(",", ".")) == pytest.approx(place.lon, abs=1e-4)
    said = " ".join(m.value for m in at.markdown)
    assert lon.value in said and lat.value in said  # the same figures as the caption above
    said = " ".join(m.value for m in at.markdown)
    assert "cercle de Mopti" in said
    _fill(at)
    _save(at)
    assert not at.error, [e.value for e in at.error]
    hist = constraints.encircled_history(store, "Konna")
    assert len(hist) == 1 and hist["recorded_by"].iloc[0] == "Awa"
    assert float(hist["lon"].iloc[0]) == pytest.approx(place.lon, abs=1e-5)
    assert float(hist["lat"].iloc[0]) == pytest.approx(place.lat, abs=1e-5)


def test_the_first_match_is_picked_and_the_saved_locality_shown_after_saving(
    page: tuple[AppTest, Path], data_dir: Path
) -> None:
    at, store = page
    place = resolve_place("Dinangourou", load_places(data_dir))
    at.text_input(key="encircle_place_search").input("Dinangourou").run()
    found = at.radio(key="encircle_place")
    assert found.value == place.place_id  # picked without a click: the only match
    assert found.options[0].startswith("Dinangourou (")
    name = next(x for x in at.text_input if x.label == tr("cons.locality_required", "fr"))
    assert name.value == "Dinangourou" and name.disabled
    none = tr("cons.gazetteer_none", "fr").format(query="Dinangourou")
    assert none not in [c.value for c in at.caption]
    before = constraints.encircled_history(store, "Dinangourou")
    _fill(at)
    _save(at)
    assert not at.error, [e.value for e in at.error]
    hist = constraints.encircled_history(store, "Dinangourou")
    assert len(hist) == len(before) + 1
    hist = hist[hist["version_id"] == hist["version_id"].max()]  # the version just saved
    # after the save: the saved locality and its episode are selected, the search is cleared,
    # and no message says the gazetteer has no such locality
    assert at.selectbox(key="pick_locality").value == "Dinangourou"
    assert at.selectbox(key="pick_episode").value == str(hist["episode_id"].iloc[0])
    assert none not in [c.value for c in at.caption]
    assert not [r for r in at.radio if r.key == "encircle_place"]
    fields = {x.label: x.value for x in at.text_input}  # the record's own fields cleared, its signer kept
    assert (fields[tr("cons.source", "fr")], fields[tr("cons.recorded_by", "fr")]) == ("", "Awa")
    # the episode named as people name it (locality, cercle, start date written out), its id
    # ("Dinangourou@2025-12-01") kept internal: not in the picker, the heading or the caption
    episode_id = str(hist["episode_id"].iloc[0])
    communes = load_admin(data_dir, 3).set_index("pcode")["parent_pcode"]
    cercle = load_admin(data_dir, 2).set_index("pcode").at[communes[hist["adm3_pcode"].iloc[0]], "name"]
    since = format_date(hist["since"].iloc[0], "fr")
    label = tr("cons.episode_label", "fr", locality="Dinangourou", cercle=cercle, date=since)
    assert label == f"Dinangourou ({cercle}), depuis le {since}" and " 20" in since
    assert label in at.selectbox(key="pick_episode").options
    assert tr("cons.update", "fr", item=md(label)) in [h.value for h in at.subheader]
    assert tr("cons.based_on", "fr", n=1, item=md(label)) in [c.value for c in at.caption]
    shown = [o for o in at.selectbox(key="pick_episode").options] + [h.value for h in at.subheader]
    assert not [x for x in shown + [c.value for c in at.caption] if episode_id in _plain(x)]
    # in English as well
    at.session_state["lang"] = "en"
    at.run()
    english = tr(
        "cons.episode_label",
        "en",
        locality="Dinangourou",
        cercle=cercle,
        date=format_date(hist["since"].iloc[0], "en"),
    )
    assert english.endswith(f"), since {format_date(hist['since'].iloc[0], 'en')}")
    assert english in at.selectbox(key="pick_episode").options


def _current(store: Path, locality: str) -> pd.DataFrame:
    """The current version of each recorded episode of ``locality`` (the seeded history, data/curated)."""
    history = constraints.encircled_history(store, locality)
    return history[history["superseded_by"].isna()]


def test_a_locality_whose_episodes_are_all_lifted_gets_a_new_episode_beside_them(
    page: tuple[AppTest, Path],
) -> None:
    at, store = page
    as_of = at.session_state["as_of"]
    earlier = _current(store, "Boni")
    assert len(earlier) >= 2 and set(earlier["status"]) == {"lifted"}
    assert all(until <= as_of for until in earlier["until"])
    at.text_input(key="encircle_place_search").input("Boni").run()
    assert not at.warning  # nothing to update: no "open it rather than create a second one"
    assert [i.value for i in at.info] == [tr("cons.new_beside_earlier", "fr", name="Boni")]
    assert "nouvel épisode à côté des précédents" in tr("cons.new_beside_earlier", "fr", name="Boni")
    before = set(earlier["episode_id"])
    _fill(at)
    _save(at)
    assert not at.error, [e.value for e in at.error]
    after = _current(store, "Boni")
    assert set(after["episode_id"]) > before and len(after) == len(earlier) + 1  # what the message said


def test_a_locality_with_an_episode_in_force_points_to_it(page: tuple[AppTest, Path]) -> None:
    at, store = page
    as_of = at.session_state["as_of"]
    earlier = _current(store, "Tessalit")
    ongoing = earlier[(earlier["status"] == "active") & earlier["until"].isna()]
    assert len(ongoing) == 1  # in force since before as_of
    assert ongoing["since"].iloc[0] <= as_of
    at.text_input(key="encircle_place_search").input("Tessalit").run()
    assert [w.value for w in at.warning] == [tr("cons.already_in_force", "fr", name="Tessalit")]
    assert not at.info
    button = next(b for b in at.button if b.label.startswith(tr("cons.open_in_force", "fr", episode="")))
    button.click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="pick_locality").value == "Tessalit"
    assert at.selectbox(key="pick_episode").value == str(ongoing["episode_id"].iloc[0])  # opened to update


def test_a_recorded_locality_spelt_otherwise_in_the_gazetteer_is_recognised(
    page: tuple[AppTest, Path], data_dir: Path
) -> None:
    """The gazetteer's "Lere" (Niafunké) is the recorded "Léré": its episode in force is offered.

    The other "Lere" of the gazetteer (Koro, 260 km away) is another place: nothing is said.
    """
    at, store = page
    recorded = constraints.load_versions(store).encircled
    lere = recorded[recorded["locality"] == "Léré"]
    assert len(lere) and "Lere" not in set(recorded["locality"])  # seeded (data/curated) with its accents
    places = load_places(data_dir)
    niafunke = resolve_place("Lere, Niafunke", places)
    koro = resolve_place("Lere, Koro", places)
    assert abs(niafunke.lon - lere["lon"].iloc[0]) < 0.05 and abs(koro.lon - lere["lon"].iloc[0]) > 1
    ongoing = _current(store, "Léré")
    ongoing = ongoing[(ongoing["status"] == "active") & ongoing["until"].isna()]
    assert len(ongoing) == 1
    at.text_input(key="encircle_place_search").input("Lere").run()
    pick = at.radio(key="encircle_place")
    assert any("Koro" in o for o in pick.options) and any("Niafunke" in o for o in pick.options)
    pick.set_value(koro.place_id).run()  # the other Lere: nothing recorded there
    assert not at.warning and not at.info
    at.radio(key="encircle_place").set_value(niafunke.place_id).run()
    assert [w.value for w in at.warning] == [tr("cons.already_in_force", "fr", name="Léré")]
    button = next(b for b in at.button if b.label.startswith(tr("cons.open_in_force", "fr", episode="")))
    button.click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="pick_locality").value == "Léré"
    assert at.selectbox(key="pick_episode").value == str(ongoing["episode_id"].iloc[0])


def test_a_recorded_locality_found_again_is_opened_not_duplicated(page: tuple[AppTest, Path]) -> None:
    at, store = page
    recorded = sorted(set(constraints.load_versions(store).encircled["locality"]))
    assert "Dinangourou" in recorded  # seeded (data/curated), its one episode of unknown status not in force
    at.text_input(key="encircle_place_search").input("Dinangourou").run()
    assert [i.value for i in at.info] == [tr("cons.new_beside_earlier", "fr", name="Dinangourou")]
    next(b for b in at.button if b.label == tr("cons.open_recorded", "fr", name="Dinangourou")).click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="pick_locality").value == "Dinangourou"
    assert at.selectbox(key="pick_episode").value == "__new__"
    assert not [r for r in at.radio if r.key == "new_locality_origin"]  # no "new locality" questions


def test_refusals_are_said_in_french(page: tuple[AppTest, Path]) -> None:
    at, store = page
    before = constraints.state_version(store)
    # the gazetteer chosen but no locality picked: nothing is sent
    _fill(at)
    _save(at)
    assert [e.value for e in at.error] == [tr("cons.pick_gazetteer_first", "fr")]
    # a name in no gazetteer, without coordinates: the engine's refusal, from the catalogs
    at.radio(key="new_locality_origin").set_value("point").run()
    w = {x.label: x for x in at.text_input}
    w[tr("cons.locality_required", "fr")].input("Xyzzy")
    _fill(at)
    _save(at)
    where = ", ".join(
        [
            tr("err.where.encircled_input", "fr"),
            tr("cli.err_field", "fr", field=tr("common.quoted", "fr", text=tr("cons.locality", "fr"))),
        ]
    )
    reason = tr("err.new_locality_not_in_gazetteer", "fr", name="'Xyzzy'")
    expected = tr("cons.not_saved", "fr", problem=md(tr("cli.err_where", "fr", where=where, reason=reason)))
    assert [e.value for e in at.error] == [expected]
    assert "unknown" not in _plain(expected) and "localité inconnue" in _plain(expected)
    assert constraints.state_version(store) == before


def _maps(at: AppTest) -> list[str]:
    """The folium maps of the page: the script st_folium receives, its strings decoded."""
    import json

    return [
        json.loads(c.proto.json_args)["script"]
        for c in at.get("component_instance")
        if c.proto.component_name == "streamlit_folium.st_folium"
    ]


def _names(script: str, name: str) -> bool:
    """Whether a map's script writes ``name`` (as is, or as a JavaScript/JSON string escapes it)."""
    import json

    return name in script or json.dumps(name)[1:-1] in script


def test_maps_carry_symbols_names_and_a_legend(page: tuple[AppTest, Path], data_dir: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.config import WORK_CRS
    from geo.products.printmap import main_towns

    at, _ = page
    places = load_places(data_dir)
    picker = _maps(at)[0]
    assert "map-sym-noentry" in picker and "town-label" in picker  # symbols styled, towns named
    assert _names(picker, tr("cons.map_legend", "fr"))
    assert all(_names(picker, town) for town in main_towns(places)["name"])
    # the preview around a picked locality: its cercle's outline and the gazetteer's largest
    # localities within 25 km named
    place = resolve_place("Dinangourou", places)
    at.text_input(key="encircle_place_search").input("Dinangourou").run()
    preview = _maps(at)[1]
    assert "map-sym-noentry" in preview and "town-label" in preview
    assert _names(preview, str(places.at[place.place_id, "adm2_name"]))
    pts = places.to_crs(WORK_CRS)
    centre = gpd.GeoSeries([Point(place.lon, place.lat)], crs=4326).to_crs(WORK_CRS).iloc[0]
    dist = pts.geometry.distance(centre)
    near = pts[(dist <= 25_000) & (dist > 100)]
    largest = near.assign(p=near["population"].fillna(0)).sort_values("p", ascending=False).iloc[:3]
    assert len(largest) == 3 and all(_names(preview, n) for n in largest["name"])
