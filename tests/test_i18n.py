"""Translations: gettext catalogs complete for fr and en, and Babel's numbers and dates."""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import shutil
import string
from pathlib import Path

import pytest

from geo.products import i18n

ROOT = Path(__file__).resolve().parent.parent
NNBSP = "\u202f"  # narrow no-break space: CLDR's French group separator


def _script():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_key_used_in_the_code_has_a_french_and_an_english_translation() -> None:
    script = _script()
    used = script.used_keys()
    # extraction sees the pages, the layers and the engine (not only one of them)
    assert any(p.startswith("views/") for places in used.values() for p in places)
    assert any(p.startswith("geo/") for places in used.values() for p in places)
    assert script.check() == []


def test_catalogs_hold_the_same_keys_with_no_empty_or_fuzzy_entry_and_the_same_fields() -> None:
    cats = {lang: i18n.read_catalog(lang) for lang in i18n.LANGS}
    ids = {lang: {m.id for m in cat if m.id} for lang, cat in cats.items()}
    assert ids["fr"] == ids["en"]
    assert len(ids["fr"]) > 100
    for lang, cat in cats.items():
        empty = [m.id for m in cat if m.id and not m.string]
        fuzzy = [m.id for m in cat if m.id and m.fuzzy]
        assert empty == [] and fuzzy == [], lang

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for key in ids["fr"]:
        assert fields(cats["fr"].get(key).string) == fields(cats["en"].get(key).string), key


def test_french_catalog_is_french_and_keeps_its_accents() -> None:
    cat = i18n.read_catalog("fr")
    text = " ".join(m.string for m in cat if m.id)
    assert all(ch in text for ch in "éèàçô")
    assert i18n.tr("legend", "fr") == "Légende" and i18n.tr("legend", "en") == "Legend"
    # translations differ from English for most keys (a catalog copied over would not)
    same = [m.id for m in cat if m.id and m.string == i18n.tr(m.id, "en")]
    assert len(same) < 0.25 * len(cat)


def test_tr_fills_fields_and_refuses_unknown_keys_and_languages() -> None:
    assert i18n.tr("title_hub", "fr", hub="Ségou") == "Mali\u202f: accès humanitaire depuis Ségou"
    assert i18n.tr("title_hub", "en", hub="Ségou") == "Mali: humanitarian access from Ségou"
    with pytest.raises(KeyError):
        i18n.tr("no.such.key", "fr")
    with pytest.raises(ValueError, match="language"):
        i18n.tr("legend", "de")


def test_catalogs_are_read_from_the_package_and_loaded_as_babel_translations() -> None:
    from babel.support import Translations

    path = i18n.catalog_path("fr")
    assert Path(str(path)) == ROOT / "geo" / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
    catalog, keys = i18n.translations("fr")
    assert isinstance(catalog, Translations)
    assert catalog.gettext("legend") == "Légende"
    assert "legend" in keys and i18n.has_key("legend", "en")
    assert i18n.keys("snapshot.") and all(k.startswith("snapshot.") for k in i18n.keys("snapshot."))


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (291000, "fr", 0, f"291{NNBSP}000"),
        (291000, "en", 0, "291,000"),
        (1234567.891, "fr", 2, f"1{NNBSP}234{NNBSP}567,89"),
        (1234567.891, "en", 2, "1,234,567.89"),
        (12.5, "fr", 1, "12,5"),
        (-4200, "en", 0, "-4,200"),
        (999, "fr", 0, "999"),
        (0, "en", 0, "0"),
    ],
)
def test_numbers_are_grouped_and_pointed_for_the_language(
    value: float, lang: str, decimals: int, expected: str
) -> None:
    assert i18n.format_number(value, lang, decimals=decimals) == expected


def test_missing_numbers_are_blank_and_areas_carry_their_unit() -> None:
    assert i18n.format_number(float("nan"), "fr") == ""
    assert i18n.format_number(None, "en") == ""
    assert i18n.format_area(12345.4, "fr") == f"12{NNBSP}345 km²"
    assert i18n.format_area(12345.6, "en") == "12,346 km²"


@pytest.mark.parametrize(
    ("day", "lang", "expected"),
    [
        (dt.date(2026, 12, 1), "fr", "1er décembre 2026"),
        (dt.date(2026, 12, 1), "en", "1 December 2026"),
        (dt.date(2025, 8, 15), "fr", "15 août 2025"),
        (dt.date(2025, 2, 28), "fr", "28 février 2025"),
        (dt.date(2025, 11, 30), "en", "30 November 2025"),
        (dt.date(2024, 1, 11), "fr", "11 janvier 2024"),  # 11, not the first: no "er"
    ],
)
def test_dates_are_written_out_with_babel_month_names(day: dt.date, lang: str, expected: str) -> None:
    assert i18n.format_date(day, lang) == expected


def test_datetimes_and_hours_for_the_language() -> None:
    assert i18n.format_datetime(dt.datetime(2026, 3, 1, 9, 5), "fr") == "1er mars 2026, 09:05"
    assert i18n.format_hours(2.5, "fr") == "2,5" and i18n.format_hours(2.5) == "2.5"
    assert i18n.format_hours(4.0, "en") == "4"


@pytest.mark.parametrize(
    ("hours", "fr", "en"),
    [
        (4 + 40 / 60, "4 h 40", "4 h 40 min"),
        (4.6667, "4 h 40", "4 h 40 min"),  # rounded to the minute
        (3.0, "3 h", "3 h"),
        (0.75, "45 min", "45 min"),
        (1 + 5 / 60, "1 h 05", "1 h 05 min"),
        (2.9999, "3 h", "3 h"),  # 179.99 min round to 3 h, not "2 h 60"
    ],
)
def test_durations_in_hours_and_minutes(hours: float, fr: str, en: str) -> None:
    assert i18n.format_duration(hours, "fr") == fr and i18n.format_duration(hours, "en") == en


@pytest.mark.parametrize("bad", [-0.5, math.inf, math.nan])
def test_a_duration_must_be_finite_and_not_negative(bad: float) -> None:
    with pytest.raises(ValueError, match="finite number of hours"):
        i18n.format_duration(bad, "fr")


def test_counted_texts_follow_each_language_s_plural_rules() -> None:
    # French: 0 and 1 are singular; English: only 1 (Babel's CLDR rules)
    assert i18n.tr_count("cons.history", 1, "fr", item="Bac de Korioumé") == (
        "Historique de Bac de Korioumé (1 version)"
    )
    assert i18n.tr_count("cons.history", 0, "fr", item="X") == "Historique de X (0 version)"
    assert i18n.tr_count("cons.history", 3, "fr", item="X") == "Historique de X (3 versions)"
    assert i18n.tr_count("cons.history", 1, "en", item="X") == "History of X (1 version)"
    assert i18n.tr_count("cons.history", 0, "en", item="X") == "History of X (0 versions)"
    assert i18n.tr_count("pos.history", 1, "en") == "History (1 step)"
    assert i18n.tr_count("pos.history", 2, "fr") == "Historique (2 étapes)"
    # the count is written for the language; French "many" (1 000 000) falls back to "other"
    assert i18n.tr_count("public.days", 1200, "fr") == f"1{NNBSP}200 jours"
    assert i18n.tr_count("public.days", 1_000_000, "fr") == f"1{NNBSP}000{NNBSP}000 jours"
    assert i18n.tr_count("public.days", 1200, "en") == "1,200 days"
    with pytest.raises(KeyError):
        i18n.tr_count("no.such.count", 2, "fr")


def test_every_counted_text_in_the_code_has_a_singular_and_a_plural_entry() -> None:
    script = _script()
    used = script.plural_keys_used()
    assert "cons.history" in used and "pos.history" in used
    for key in used:
        for lang in i18n.LANGS:
            assert i18n.has_key(f"{key}.one", lang) and i18n.has_key(f"{key}.other", lang), (key, lang)
    # the catalogs hold no half pair
    for key in i18n.keys():
        stem, _, form = key.rpartition(".")
        if form in ("one", "other"):
            assert i18n.has_key(f"{stem}.one", "fr") and i18n.has_key(f"{stem}.other", "fr"), key


def _catalogs_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN202
    """The maintenance script working on copies of the checkout's catalogs under ``tmp_path``."""
    script = _script()
    for lang in script.LANGS:
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
        shutil.copy(script.po_path(lang), tmp_path / lang / "LC_MESSAGES" / "messages.po")
    monkeypatch.setattr(script, "LOCALE_DIR", tmp_path)
    return script


def test_check_names_each_french_entry_with_a_plain_or_no_break_space_before_a_colon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _catalogs_in(tmp_path, monkeypatch)
    assert script.check() == []
    entries = {
        "zz.plain_colon": ("Connecté : {who}", "Signed in: {who}"),
        "zz.nbsp_semicolon": ("diffèrent\u00a0; rien n'est écrit", "differ; nothing written"),
        "zz.guillemets": ("le compte « {name} »", "the account '{name}'"),
        # no space before the sign: a band list, an address, fields: not French spacing to fix
        "zz.not_prose": (
            "--bands 4:8 https://example.org/a?b=1 {a}:{b}",
            "--bands 4:8 https://example.org/a?b=1 {a}:{b}",
        ),
        "zz.already": ("Connecté\u202f: «\u202f{who}\u202f»", "Signed in: “{who}”"),
    }
    cats = {lang: script.read(lang) for lang in script.LANGS}
    for key, (fr, en) in entries.items():
        cats["fr"].add(key, fr)
        cats["en"].add(key, en)
    for lang, cat in cats.items():
        script.write(cat, lang)
    problems = script.check()
    assert [p.split(":")[0] for p in problems] == [
        "key 'zz.guillemets'",
        "key 'zz.nbsp_semicolon'",
        "key 'zz.plain_colon'",
    ]
    assert script.main(["check"]) == 1
    assert capsys.readouterr().out.splitlines() == problems


def test_add_writes_the_french_text_with_narrow_no_break_spaces_and_the_english_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = _catalogs_in(tmp_path, monkeypatch)
    fr = "Connecté : « {who} » ; encore ? oui ! (--bands 4:8, https://example.org/a?b=1)"
    en = "Signed in: “{who}”; again? yes! (--bands 4:8, https://example.org/a?b=1)"
    assert script.main(["add", "zz.added", "--fr", fr, "--en", en]) == 0
    assert script.read("fr").get("zz.added").string == (
        "Connecté\u202f: «\u202f{who}\u202f»\u202f; encore\u202f? oui\u202f! (--bands 4:8, https://example.org/a?b=1)"
    )
    assert script.read("en").get("zz.added").string == en
    assert script.french_spacing_problems(script.read("fr")) == []
