"""Place resolution (geo.sources.places.resolve_place) and the curated places supplement."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from geo.errors import DataFileError, InputError
from geo.sources.places import (
    CURATED_PLACE_COLUMNS,
    CURATED_PLACES,
    AmbiguousPlaceError,
    fold_name,
    parse_latlon,
    read_curated_places,
    resolve_place,
)


def _places() -> gpd.GeoDataFrame:
    rows = [
        # place_id, name, adm1, adm2, lon, lat
        ("1", "Diré", "Kayes", "Kéniéba", -10.967, 12.283),
        ("2", "Dire", "Tombouctou", "Diré", -3.401, 16.257),
        ("3", "Gao", "Gao", "Gao", -0.0447, 16.2717),
        ("4", "Gao", "Gao", "Gao", -0.0500, 16.2666),  # same town twice, 0.8 km apart
        ("5", "Gao", "Kayes", "Bafoulabé", -10.5, 13.9),
        ("6", "Ké-Macina", "Ségou", "Macina", -5.358, 13.964),
        ("7", "Gourma Rharous", "Tombouctou", "Gourma-Rharous", -1.923, 16.878),
        ("8", "Niafounké", "Tombouctou", "Niafunke", -3.9906, 15.9322),
        ("9", "Kouri", "Sikasso", "Yorosso", -4.803, 12.184),
        ("10", "Kouri", "Sikasso", "Yorosso", -4.60, 12.30),  # same cercle, 25 km apart: two places
        ("cur:gossi", "Gossi", "Tombouctou", "Gourma-Rharous", -1.2833, 15.8167),
    ]
    df = pd.DataFrame(rows, columns=["place_id", "name", "adm1_name", "adm2_name", "lon", "lat"])
    return gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]).assign(place_type="locality", population=float("nan")),
        geometry=[Point(x, y) for x, y in zip(df["lon"], df["lat"], strict=True)],
        crs="EPSG:4326",
    ).set_index("place_id")


def _hubs() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Mopti (Sévaré)", "Gao"]},
        geometry=[Point(-4.183, 14.4843), Point(-0.0447, 16.2717)],
        index=pd.Index(["MOP", "GAO"]),
        crs="EPSG:4326",
    )


@pytest.mark.parametrize(
    "typed",
    [
        "Niafounké",
        "niafounke",
        "NIAFOUNKÉ",
        unicodedata.normalize("NFD", "Niafounké"),
        "\u00a0 Niafounké \t",
        "Niafounke\u00a0",
    ],
)
def test_names_match_regardless_of_accents_case_form_and_spaces(typed: str) -> None:
    assert resolve_place(typed, _places()).place_id == "8"


def test_fold_name_treats_hyphens_and_apostrophes_as_spaces() -> None:
    assert fold_name("Gourma-Rharous") == fold_name("gourma  rharous") == "gourma rharous"
    assert fold_name("Cercle d’Ansongo") == fold_name("cercle d'ansongo")
    assert resolve_place("Gourma-Rharous", _places()).place_id == "7"


def test_ambiguous_name_lists_every_candidate_one_line_each() -> None:
    with pytest.raises(AmbiguousPlaceError) as info:
        resolve_place("Dire", _places())
    err = info.value
    assert sorted(c.place_id for c in err.candidates) == ["1", "2"]
    lines = str(err).splitlines()
    cand = [ln for ln in lines if "| cercle" in ln]
    assert len(cand) == 2
    assert any("cercle Kéniéba" in ln and "region Kayes" in ln and "id 1 " in ln for ln in cand)
    assert any(
        "cercle Diré" in ln and "region Tombouctou" in ln and "16.25700, -3.40100" in ln for ln in cand
    )
    assert isinstance(err, InputError)  # the CLI turns it into exit 2


@pytest.mark.parametrize(
    ("typed", "pid"),
    [
        ("Dire, Tombouctou", "2"),
        ("Diré, Diré", "2"),
        ("dire , KÉNIÉBA", "1"),
        ("Diré, Kayes", "1"),
        ("Gao, Bafoulabe", "5"),
    ],
)
def test_name_with_cercle_or_region_picks_one(typed: str, pid: str) -> None:
    assert resolve_place(typed, _places()).place_id == pid


def test_qualifier_that_matches_nothing_lists_the_homonyms() -> None:
    with pytest.raises(InputError, match="no 'Dire' in a cercle or region named 'Mopti'") as info:
        resolve_place("Dire, Mopti", _places())
    assert "cercle Diré" in str(info.value) and "cercle Kéniéba" in str(info.value)


def test_same_town_recorded_twice_is_one_place_but_distant_homonyms_are_not() -> None:
    assert resolve_place("Gao, Gao", _places()).place_id == "3"  # 0.8 km apart: one town
    with pytest.raises(AmbiguousPlaceError) as info:
        resolve_place("Gao", _places())  # the Gao in Bafoulabé is another place
    assert sorted(c.place_id for c in info.value.candidates) == ["3", "5"]
    with pytest.raises(AmbiguousPlaceError):
        resolve_place("Kouri", _places())  # same cercle but 25 km apart


def test_place_ids_and_hub_ids() -> None:
    p = _places()
    assert resolve_place("2", p).name == "Dire"
    assert resolve_place("cur:gossi", p).name == "Gossi"
    h = resolve_place("mop", p, hubs=_hubs())
    assert (h.kind, h.place_id, h.lat) == ("hub", "hub:MOP", 14.4843)
    assert resolve_place("Gossi", p, hubs=_hubs()).place_id == "cur:gossi"


def test_unknown_name_suggests_close_names_and_names_containing_it() -> None:
    with pytest.raises(InputError, match="close names: Niafounké") as info:
        resolve_place("Niafunké", _places())
    assert "Niafunke, Tombouctou" in str(info.value)
    with pytest.raises(InputError, match=r"names containing it: Ké-Macina \(Macina, Ségou\)"):
        resolve_place("Macina", _places())


@pytest.mark.parametrize(
    ("typed", "lon", "lat"),
    [
        ("14.4843,-4.1830", -4.1830, 14.4843),
        ("14.4843, -4.1830", -4.1830, 14.4843),
        (" 14.4843 -4.1830 ", -4.1830, 14.4843),
        ("14.4843;-4.1830", -4.1830, 14.4843),
        ("14,4843; -4,1830", -4.1830, 14.4843),
        ("14.4843° N, 4.1830° W", -4.1830, 14.4843),
        ("14.4843N 4.183W", -4.183, 14.4843),
        ("+16.77348, -3.00742", -3.00742, 16.77348),
    ],
)
def test_coordinates_as_a_phone_gives_them(typed: str, lon: float, lat: float) -> None:
    p = resolve_place(typed, _places())
    assert p.kind == "coordinates"
    assert (p.lon, p.lat) == pytest.approx((lon, lat))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-4.1830, 14.4843", "looks swapped"),
        ("-4.1830 14.4843", "did you mean '14.4843, -4.183'"),
        ("48.8566, 2.3522", "outside Mali"),
        ("0, 0", "outside Mali"),
        ("-14.48, -4.18", "outside Mali"),
        ("4.18 W, 14.48 N", "latitude first"),
        ("95.0, 14.0", "not a latitude, longitude pair"),
    ],
)
def test_coordinates_outside_mali_or_swapped_are_refused(typed: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        resolve_place(typed, _places())


def test_outline_refuses_a_point_inside_the_box_but_outside_mali() -> None:
    outline = shapely.box(-5.0, 14.0, -3.0, 17.0)  # stands in for Mali
    assert parse_latlon("14.5, -4.2", outline=outline) == (-4.2, 14.5)
    with pytest.raises(InputError, match="outside Mali"):
        parse_latlon("18.0, -10.0", outline=outline)  # in the bounding box (Mauritania)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "\u00a0",
        "'; DROP TABLE places; --",
        "<script>alert(1)</script>",
        "Gao\x00",
        "x" * 5000,
        "🙂",
    ],
)
def test_hostile_or_empty_text_is_a_clean_input_error(typed: str) -> None:
    with pytest.raises(InputError):
        resolve_place(typed, _places())


# ---------------------------------------------------------------------------------------------
# Curated supplement


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    good = {
        "place_id": "cur:youwarou",
        "name": "Youwarou",
        "lon": "-4.267",
        "lat": "15.383",
        "kind": "cercle_capital",
        "adm1_name": "Mopti",
        "adm2_name": "Youwarou",
        "coord_confidence": "low",
        "source_refs": "S-PLC-X",
        "note": "n, with a comma",
    }
    path = tmp_path / "places.csv"
    pd.DataFrame([{**good, **r} for r in rows], columns=CURATED_PLACE_COLUMNS).to_csv(path, index=False)
    return path


def test_curated_places_round_trip(tmp_path: Path) -> None:
    path = _write(
        tmp_path, [{}, {"place_id": "cur:gossi", "name": "Gossi", "lon": "-1.2833", "lat": "15.8167"}]
    )
    got = read_curated_places(path)
    assert list(got.index) == ["cur:youwarou", "cur:gossi"]
    assert got.crs.to_epsg() == 4326
    assert got.at["cur:gossi", "geometry"].x == pytest.approx(-1.2833)
    assert got.at["cur:youwarou", "place_type"] == "cercle_capital"
    assert resolve_place("youwarou", got).place_id == "cur:youwarou"


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"place_id": "youwarou"}, "place_id"),
        ({"place_id": "cur:You Warou"}, "place_id"),
        ({"name": ""}, "name"),
        ({"lon": "abc"}, "lon"),
        ({"lat": "45.0"}, "lat"),
        ({"lon": "nan"}, "lon"),
        ({"kind": "capital"}, "kind"),
        ({"coord_confidence": "exact"}, "coord_confidence"),
        ({"source_refs": ""}, "source_refs"),
        ({"adm2_name": " "}, "adm2_name"),
    ],
)
def test_bad_curated_row_names_file_row_and_field(tmp_path: Path, bad: dict, field: str) -> None:
    path = _write(tmp_path, [{"place_id": "cur:ok", "name": "Ok"}, bad])
    with pytest.raises(DataFileError) as info:
        read_curated_places(path)
    assert (info.value.row, info.value.field) == (2, field)
    assert str(path) in str(info.value)


def test_duplicate_curated_id_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="duplicate place_id"):
        read_curated_places(_write(tmp_path, [{}, {}]))
    path = tmp_path / "p.csv"
    path.write_text("place_id,name\ncur:a,A\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="missing column"):
        read_curated_places(path)


def test_every_curated_place_cites_a_known_source() -> None:
    from geo.sources.curated import read_sources

    places = pd.read_csv(CURATED_PLACES, dtype=str, keep_default_na=False)
    known = set(read_sources().index)
    for refs in places["source_refs"]:
        for key in (k.strip() for k in refs.split(";")):
            assert key in known, key
    read_curated_places()  # the shipped file is valid


# ---------------------------------------------------------------------------------------------
# Real data

#: Cercle capitals the gazetteer holds under another spelling (cercle -> gazetteer name).
SPELLED_OTHERWISE = {
    "Nioro": "Nioro du Sahel",
    "Macina": "Ké-Macina",
    "Niafunke": "Niafounké",
    "Gourma-Rharous": "Gourma Rharous",
    "Tin-Essako": "Ti-n-Essako",
}


@pytest.fixture(scope="module")
def real_places(data_dir: Path) -> gpd.GeoDataFrame:
    from geo.sources.places import load_places

    return load_places(data_dir)


def test_every_cercle_capital_is_a_place_inside_its_cercle(real_places, data_dir: Path) -> None:  # noqa: ANN001
    adm2 = gpd.read_file(data_dir / "admin" / "mli_adm2_ocha2015.gpkg")
    folded = real_places["name"].map(fold_name)
    missing = []
    for r in adm2.itertuples():
        name = SPELLED_OTHERWISE.get(r.adm2_name, r.adm2_name)
        cand = real_places[folded == fold_name(name)]
        if not cand.within(r.geometry).any():
            missing.append(r.adm2_name)
    assert missing == []
    assert len(adm2) == 50  # 49 cercles and the Bamako district


def test_issue_cases_on_the_real_gazetteer(real_places) -> None:  # noqa: ANN001
    for name in ("Dire", "Macina", "Kouri"):
        with pytest.raises(AmbiguousPlaceError) as info:
            resolve_place(name, real_places)
        assert {c.adm1_name for c in info.value.candidates} != {"Kayes"} or name == "Kouri"
    assert resolve_place("Diré, Tombouctou", real_places).place_id == "1326550143"
    for name, cercle in (("Youwarou", "Youwarou"), ("Kadiolo", "Kadiolo"), ("Gossi", "Gourma-Rharous")):
        p = resolve_place(name, real_places)
        assert p.place_id.startswith("cur:") and p.adm2_name == cercle


# ---------------------------------------------------------------------------------------------
# Spelling corrections and the order of homonyms (French user trial)


def test_homonyms_listed_by_importance_capital_then_population_then_name() -> None:
    from geo.sources.places import by_importance

    places = _places()
    places.loc["1", "population"] = 10943.0  # the Kayes Diré is a village with a population figure
    extra = places.loc[["1"]].rename(index={"1": "11"}).assign(name="Dire", population=float("nan"))
    extra.geometry = [Point(-11.08, 12.16)]
    places = pd.concat([places, extra])
    with pytest.raises(AmbiguousPlaceError) as info:
        resolve_place("Diré", places)
    # the chef-lieu of cercle Diré first although it has no population; then the populous one
    assert [c.place_id for c in info.value.candidates] == ["2", "1", "11"]
    ranked = by_importance(places.loc[["11", "1", "2"]])
    assert list(ranked.index) == ["2", "1", "11"]
    chef_lieu = places.loc[["11", "1"]].assign(population=float("nan"))
    chef_lieu.loc["11", "place_type"] = "localadmin"
    assert list(by_importance(chef_lieu).index) == ["11", "1"]  # a commune's chef-lieu before a village


def test_name_corrections_apply_where_the_gazetteer_spells_the_source_name(tmp_path: Path) -> None:
    from geo.sources.places import correct_names, read_place_names

    path = tmp_path / "names.csv"
    path.write_text(
        "target,source_name,name,source_refs,note\n"
        "2,Dire,Diré,S-X,cercle capital\n"
        "6,Macina,Kè-Macina,S-X,not the gazetteer's spelling: left\n"
        "adm2:Niafunke,Niafunke,Niafounké,S-X,\n",
        encoding="utf-8",
    )
    fixed = correct_names(_places(), read_place_names(path))
    assert fixed.loc["2", "name"] == "Diré" and fixed.loc["2", "source_name"] == "Dire"
    assert fixed.loc["6", "name"] == "Ké-Macina" and fixed.loc["6", "source_name"] == ""
    assert fixed.loc["8", "adm2_name"] == "Niafounké"
    # the gazetteer's spelling still finds the place; the corrected one is displayed
    assert resolve_place("Dire, Tombouctou", fixed).name == "Diré"
    path.write_text("target,source_name,name,source_refs,note\n2,Dire,Diré,,\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="empty value") as info:
        read_place_names(path)
    assert info.value.row == 1 and info.value.field == "source_refs"


def test_every_name_correction_cites_a_known_source() -> None:
    from geo.sources.curated import read_sources
    from geo.sources.places import read_place_names

    known = set(read_sources().index)
    for refs in read_place_names()["source_refs"]:
        for key in (k.strip() for k in refs.split(";")):
            assert key in known, key


def test_trial_spellings_on_the_real_gazetteer(real_places, data_dir: Path) -> None:  # noqa: ANN001
    from geo.sources.admin import load_admin
    from geo.sources.places import read_place_names

    adm2 = load_admin(data_dir, 2)
    adm3 = gpd.read_file(data_dir / "admin" / "mli_adm3_ocha2015.gpkg").set_index("adm3_pcode")
    # written as the product writes the cercles (OCHA COD-AB) whose chefs-lieux they are
    djenne = resolve_place("Djenné", real_places)
    assert djenne.name == adm2.at["ML0505", "name"] == "Djenné"
    tomb = resolve_place("Diré, Tombouctou", real_places)
    assert tomb.name == adm2.at["ML0602", "name"] == tomb.adm2_name == "Diré"
    # typed either way, the Tombouctou town leads the homonyms
    for typed in ("Diré", "Dire"):
        with pytest.raises(AmbiguousPlaceError) as info:
            resolve_place(typed, real_places)
        assert info.value.candidates[0].place_id == tomb.place_id
    # the commune of Mopti cercle the curated track is named after
    dial = resolve_place("Dialloubé", real_places)
    assert fold_name(dial.name) == fold_name(adm3.at["ML050103", "adm3_name"]) and dial.adm2_name == "Mopti"
    assert adm3.loc["ML050103"].geometry.contains(Point(dial.lon, dial.lat))
    shipped = read_place_names()
    for r in shipped[~shipped["target"].str.startswith("adm2:")].itertuples():
        assert (
            real_places.at[r.target, "name"] == r.name
            and real_places.at[r.target, "source_name"] == r.source_name
        )
    assert not (real_places["adm2_name"] == "Dire").any()


@pytest.mark.parametrize(
    ("cercle", "region", "en", "fr"),
    [
        ("Douentza", "Mopti", "Boni (Douentza, Mopti)", "Boni (Douentza, Mopti)"),
        ("Boni", "Mopti", "Boni (Mopti region)", "Boni (région de Mopti)"),
        ("Mopti", "Mopti", "Boni (Mopti cercle and region)", "Boni (cercle et région de Mopti)"),
        ("", "Mopti", "Boni (Mopti region)", "Boni (région de Mopti)"),
        ("Douentza", "", "Boni (Douentza cercle)", "Boni (cercle de Douentza)"),
        ("", "", "Boni (15.10000, -2.50000)", "Boni (15.10000, -2.50000)"),
    ],
)
def test_place_label_names_the_admin_units_only_where_they_add_something(
    cercle: str, region: str, en: str, fr: str
) -> None:
    from geo.products.i18n import text_in
    from geo.sources.places import Place

    place = Place("cur:boni", "Boni", -2.5, 15.1, adm2_name=cercle, adm1_name=region)
    assert str(place.label) == en == text_in(place.label, "en")
    assert text_in(place.label, "fr") == fr


def test_a_regional_capital_is_not_named_three_times() -> None:
    from geo.products.i18n import text_in
    from geo.sources.places import Place

    mopti = Place("gaz:1", "Mopti", -4.2, 14.5, adm2_name="MOPTI", adm1_name="Mopti")
    assert text_in(mopti.label, "fr") == "Mopti (région de Mopti)"
    assert text_in(mopti.label, "en") == "Mopti (Mopti region)"
