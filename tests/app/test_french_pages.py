"""Every page rendered in French shows no untranslated English; the language is kept with the account.

The check reads what a user sees: titles, headers, Markdown, captions, messages, widget
labels and help, tab and expander labels, metrics and table headers (not the cells
and choices that hold data: place, hub and axis names, sources typed by advisors).
A text fails when it holds an English catalog text that differs from its French one
(catalog-based) or an English-only word (word list).
"""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.products import i18n
from views.accounts import add_user, load_users
from views.auth import ROLE_KEY, SESSION_KEY, LocalSession

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]

PW = "correct horse battery"
APP = str(PROJECT_ROOT / "app.py")
PAGES = [
    "views/live_map.py",
    "views/reachability.py",
    "views/constraints.py",
    "views/incidents.py",
    "views/severity.py",
    "views/export.py",
    "views/positions.py",
    "views/public.py",
]
#: Words that are English and never French (checked as whole words, case-insensitive).
ENGLISH_ONLY = {
    "the", "and", "with", "from", "of", "for", "this", "these", "which", "choose", "click",
    "save", "show", "hours", "days", "people", "reachable", "within", "yes", "none", "closed",
    "unknown", "since", "until", "before", "after", "lost", "gained", "record", "recorded",
    "history", "area", "areas", "road", "roads", "crossing", "locality", "localities",
    "settings", "season", "dry", "rainy", "download", "build", "sign", "password", "user",
    "name", "signed", "only", "not", "yet", "no-entry", "band", "bands", "travel",
    "time", "map", "maps", "data", "files", "level", "counts", "filters", "trend",
}  # fmt: skip


def _en_patterns() -> list[tuple[str, re.Pattern]]:
    """English catalog texts that differ from French, as patterns (fields match anything)."""
    out = []
    for key in i18n.keys():
        en, fr = i18n.tr(key, "en"), i18n.tr(key, "fr")
        if en == fr or len(en) < 8 or " " not in en.strip():
            continue  # same in both, or too short to be told apart from data
        literal_text = "".join(lit for lit, _, _, _ in string.Formatter().parse(en))
        if len(literal_text.strip()) < 8 or " " not in literal_text.strip():
            continue  # mostly fields ("{status}"): would match any text
        parts = []
        for literal, field, _, _ in string.Formatter().parse(en):
            parts.append(re.escape(literal))
            if field is not None:
                parts.append(".*?")
        out.append((key, re.compile("".join(parts))))
    return out


def visible_texts(at: AppTest) -> list[str]:
    """Return the interface texts of a run (not the data in table cells and choices)."""
    texts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
    ):
        texts += [str(e.value) for e in at.get(kind)]
    for kind in (
        "button",
        "checkbox",
        "toggle",
        "radio",
        "selectbox",
        "multiselect",
        "text_input",
        "text_area",
        "number_input",
        "date_input",
        "slider",
        "select_slider",
        "expandable",
        "tab",
        "download_button",
        "button_group",
    ):
        for e in at.get(kind):
            if getattr(e, "key", None) == "lang_choice":
                continue  # the language picker names both languages
            texts += [str(x) for x in (getattr(e, "label", None), getattr(e, "help", None)) if x]
            proto = getattr(e, "proto", None)
            if proto is not None and getattr(proto, "placeholder", ""):
                texts.append(proto.placeholder)
    for e in at.get("metric"):
        texts.append(str(e.label))
    for e in [*at.get("arrow_data_frame"), *at.get("table")]:
        texts += [str(c) for c in e.value.columns]
    for e in at.get("spinner"):
        texts.append(str(getattr(e, "text", "")))
    return [t for t in texts if t]


def english_in(texts: list[str]) -> list[str]:
    """Return one line per visible text that still holds English."""
    patterns = _en_patterns()
    found = []
    for text in texts:
        for key, pattern in patterns:
            if pattern.search(text):
                found.append(f"{text!r} holds the English of {key}")
                break
        else:
            prose = re.sub(r"`[^`]*`", "", text)  # code spans (commands, syntax) are not prose
            words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]*", prose)}
            english = sorted(words & ENGLISH_ONLY)
            if english:
                found.append(f"{text!r} has English words {english}")
    return found


@pytest.fixture
def env(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    users = tmp_path / "users.toml"
    add_user("ann", PW, "advisor", path=users)
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    monkeypatch.setenv("MALI_ACCESS_USERS", str(users))
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(tmp_path / "snapshots"))
    return users


def test_the_checker_catches_english_and_passes_french() -> None:
    assert english_in(["Choose at least one hub."])  # a catalog text in English
    assert english_in(["Reach as of tomorrow"])  # an English word
    assert english_in([i18n.tr("incidents.summary", "en", n=3, start="a", end="b", fatalities=1, low=0)])
    assert english_in(["Ségou, Mopti, Tombouctou", i18n.tr("reach.choose", "fr")]) == []


@pytest.mark.parametrize("script", PAGES)
def test_every_page_in_french_shows_no_english(env: Path, script: str) -> None:
    at = AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=600)
    at.user = {"is_logged_in": False}
    user = load_users(env).users["ann"]
    at.session_state[SESSION_KEY] = LocalSession("ann", user.role, user.session_version)
    at.session_state[ROLE_KEY] = "advisor"
    at.run()
    assert not at.exception, at.exception
    texts = visible_texts(at)
    assert at.title and at.title[0].value == i18n.tr(
        {
            "views/live_map.py": "live.title",
            "views/reachability.py": "reach.title",
            "views/constraints.py": "cons.title",
            "views/incidents.py": "incidents.title",
            "views/severity.py": "page.sev_title",
            "views/export.py": "export.title",
            "views/positions.py": "pos.title",
            "views/public.py": "public.title",
        }[script],
        "fr",
    )
    assert len(texts) >= 3
    assert english_in(texts) == []


def test_app_shell_restricted_page_and_sign_in_are_french(env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=300)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["nav_pages"] == [i18n.tr("nav.public", "fr")]
    assert english_in(visible_texts(at)) == []
    restricted = AppTest.from_file(str(PROJECT_ROOT / "views" / "constraints.py"), default_timeout=60)
    restricted.user = {"is_logged_in": False}
    restricted.run()
    assert restricted.title[0].value == "Page réservée"
    assert english_in(visible_texts(restricted)) == []


def _sign_in(at: AppTest, name: str, password: str) -> None:
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label in ("Connexion", "Sign in")).click()
    at.run()


def test_language_chosen_is_kept_with_the_account_across_visits(env: Path) -> None:
    first = AppTest.from_file(APP, default_timeout=300)
    first.user = {"is_logged_in": False}
    first.run()
    _sign_in(first, "ann", PW)
    assert first.session_state["auth_role"] == "advisor"
    assert first.radio(key="lang_choice").value == "fr"  # the settings' default
    # the reach page is named for what it shows: "Accessibilité" reads as disability access
    assert "Zones atteignables" in first.session_state["nav_pages"]
    assert not [p for p in first.session_state["nav_pages"] if "ccessibilit" in p]
    first.radio(key="lang_choice").set_value("en").run()
    assert not first.exception, first.exception
    assert load_users(env).users["ann"].lang == "en"  # kept with the account
    assert {"Live map", "Reachability"} <= set(first.session_state["nav_pages"])

    second = AppTest.from_file(APP, default_timeout=300)  # a new visit: a new session
    second.user = {"is_logged_in": False}
    second.run()
    assert second.radio(key="lang_choice").value == "fr"  # nobody signed in yet: the default
    _sign_in(second, "ann", PW)
    assert second.radio(key="lang_choice").value == "en"
    assert "Live map" in second.session_state["nav_pages"]


def test_a_confirmation_stays_until_dismissed_or_the_user_moves_on() -> None:
    def script() -> None:
        import streamlit as st

        from views import common

        page = st.session_state.get("page", "incidents")
        common.keep_notice_for(page)
        common.show_notice(page)
        if st.button("import", key="do"):
            common.notify("incidents", "**3** incidents added")
        st.checkbox("other widget", key="other")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    at.button(key="do").click().run()
    at.run()  # the run after the import
    assert [s.value for s in at.success] == ["**3** incidents added"]
    at.checkbox(key="other").check().run()  # another interaction on the same page
    assert [s.value for s in at.success] == ["**3** incidents added"]
    at.button(key="notice_ok_incidents").click().run()  # dismissed
    assert at.success == [] or [s.value for s in at.success] == []
    at.button(key="do").click().run()
    at.session_state["page"] = "live_map"  # the user opens another page
    at.run()
    at.session_state["page"] = "incidents"
    at.run()
    assert [s.value for s in at.success] == []


def test_language_switch_sets_choice_widgets_again_and_leaves_buttons_alone() -> None:
    """relabel_widgets re-sets keyed choices (same values) and skips booleans, None and objects."""

    def page() -> None:
        import streamlit as st

        from views.common import relabel_widgets

        names = {"fr": {"a": "Pomme", "b": "Poire"}, "en": {"a": "Apple", "b": "Pear"}}
        lang = st.radio("lang", ["fr", "en"], key="lang", on_change=lambda: relabel_widgets(skip=("lang",)))
        st.selectbox("fruit", ["a", "b"], format_func=names[lang].get, key="fruit")
        st.button("go", key="go")
        st.file_uploader("file", key="upload")
        st.checkbox("tick", key="tick")

    at = AppTest.from_function(page)
    at.run()
    at.selectbox(key="fruit").set_value("b").run()
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.selectbox(key="fruit").value == "b"
    assert at.session_state["fruit"] == "b"
    assert at.session_state["go"] is False and at.session_state["tick"] is False


def test_switching_language_on_the_publish_form_sets_no_widget_twice(
    env: Path, widget_warnings: list[str]
) -> None:
    """The publish form's keyed widgets take their defaults from the session state only.

    The language control sets keyed widgets again from the session state
    (``views.common.relabel_widgets``); a widget also given a value made Streamlit log
    'The widget with key "publish_as_of" was created with a default value but also had its
    value set via the Session State API' (the French trial's server log).
    """
    at = AppTest.from_file(APP, default_timeout=300)
    at.user = {"is_logged_in": False}
    at.run()
    _sign_in(at, "ann", PW)
    at.switch_page("views/public.py").run()
    assert at.date_input(key="publish_as_of").value == dt.date.today()
    assert at.selectbox(key="publish_lang").value == "fr"  # the snapshot in the page's language
    at.radio(key="lang_choice").set_value("en").run()
    assert not at.exception, at.exception
    assert not [m for m in widget_warnings if "default value" in m], widget_warnings
    assert at.date_input(key="publish_as_of").value == dt.date.today()


def test_live_map_choices_survive_a_language_switch_and_another_page(
    env: Path, widget_warnings: list[str]
) -> None:
    """The live map's hubs and bands are keyed: kept across a language switch and a page visit.

    The Constraints page reads the bands and season in force (``st.session_state``) for the
    change a save makes: they are the live map's, not the defaults. No widget is given a
    value both from the code and from the session state (Streamlit's warning, read here
    as the server logs it).
    """
    from geo.sources.curated import read_hubs

    hubs = list(read_hubs().valid.index)
    at = AppTest.from_file(APP, default_timeout=600)
    at.user = {"is_logged_in": False}
    at.run()
    _sign_in(at, "ann", PW)
    at.switch_page("views/live_map.py").run()
    assert not at.exception, at.exception
    assert at.button_group(key="hub_ids").value == hubs  # every hub at first
    assert at.button_group(key="hours").value == [4.0, 8.0, 12.0]
    at.button_group(key="hub_ids").set_value(hubs[:2])
    at.button_group(key="hours").set_value([2.0, 6.0]).run()
    assert not at.exception, at.exception
    at.switch_page("views/positions.py").run()
    assert at.session_state["hours"] == [2.0, 6.0]  # what the Constraints page reads
    at.switch_page("views/live_map.py").run()
    assert at.button_group(key="hub_ids").value == hubs[:2]
    assert at.button_group(key="hours").value == [2.0, 6.0]
    # last: AppTest sends the radios' French labels again after a switch to English
    at.radio(key="lang_choice").set_value("en").run()
    assert not at.exception, at.exception
    assert at.button_group(key="hub_ids").value == hubs[:2]
    assert at.button_group(key="hours").value == [2.0, 6.0]
    assert not [m for m in widget_warnings if "default value" in m], widget_warnings


def test_a_search_with_matches_but_nothing_clicked_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Places a search lists count only once clicked: the page says so until one is (the trial's blockade)."""
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")

    def script() -> None:
        from views import common

        common.search_pick(
            "Lieux",
            {"a": "Douentza (Douentza, Mopti)", "b": "Douentza Fulbe (Douentza)", "c": "Gao (Gao, Gao)"},
            key="places",
            search_label="Chercher",
            none_text="Rien pour {query}",
        )

    hint = i18n.tr("common.pick_to_add", "fr")
    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert hint not in [c.value for c in at.caption]  # no search yet
    at.text_input(key="places_search").input("douentza").run()
    assert at.button_group(key="places").value == []  # two matches listed, none chosen
    assert hint in [c.value for c in at.caption]
    at.button_group(key="places").set_value(["a"]).run()
    assert at.session_state["places"] == ["a"]
    assert hint not in [c.value for c in at.caption]
