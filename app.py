"""Streamlit entry point: page config, shared sidebar state, and the page router.

Served by ``streamlit run server.py`` (its warm-up done before the first visitor); ``streamlit
run app.py`` also works, the warm-up then starting with the first visit. UI only: analysis lives
in ``geo/``, map layers in ``layers/``.
"""

from pathlib import Path

import streamlit as st

from geo.products.i18n import LANG_NAMES, LANGS
from views.auth import JUST_SIGNED_IN_KEY, login_sidebar, save_language, visible_pages
from views.common import (
    LANG_KEY,
    PILLS_CSS,
    init_state,
    keep_notice_for,
    lang,
    relabel_widgets,
    start_warm_up,
    t,
    widget_texts_css,
)

init_state()
start_warm_up()  # once per server: the live map's default state computed before its first viewer
# default favicon: served locally
st.set_page_config(page_title=t("app.page_title"), layout="wide")
# empty date fields written in the session's language (jj/mm/aaaa), not Streamlit's fixed dd/mm/yyyy.
# Streamlit's help icons keep its fixed English name ("Help for ..."): a script renaming them
# made each page cost 40-55 % more browser CPU (Chromium, per page), too much for 10 viewers
st.html(f"<style>{widget_texts_css()}\n{PILLS_CSS}</style>")  # and toggles whose text wraps

ROOT = Path(__file__).resolve().parent
#: (script, catalog key of the title). A page is listed only when its script exists. No page
#: icons: Streamlit's Material icons are fetched from a font CDN, and emoji need a colour-emoji font.
PAGES = [
    ("views/live_map.py", "nav.live_map"),
    ("views/reachability.py", "nav.reachability"),
    ("views/constraints.py", "nav.constraints"),
    ("views/incidents.py", "nav.incidents"),
    ("views/severity.py", "nav.severity"),
    ("views/export.py", "nav.export"),
    ("views/positions.py", "nav.positions"),
    ("views/public.py", "nav.public"),
]
#: Widget key of the language control (the session's language is kept under LANG_KEY).
LANG_WIDGET = "lang_choice"


def _language_changed() -> None:
    """Apply the language picked in the sidebar and keep it with the user's account."""
    chosen = st.session_state[LANG_WIDGET]
    st.session_state[LANG_KEY] = chosen
    relabel_widgets(skip=(LANG_WIDGET, LANG_KEY))
    problem = save_language(chosen)
    if problem:
        st.session_state["lang_problem"] = problem


role = login_sidebar()  # sign-in widgets; the role decides which pages are listed (views/auth.py)
st.session_state[LANG_WIDGET] = lang()  # the saved or default language, before the widget is drawn
st.sidebar.radio(
    "Langue · Language",
    LANGS,
    format_func=LANG_NAMES.get,
    horizontal=True,
    key=LANG_WIDGET,
    on_change=_language_changed,
)
if problem := st.session_state.pop("lang_problem", None):
    st.sidebar.warning(problem)
pages = [
    st.Page(str(ROOT / script), title=t(key), url_path=Path(script).stem)
    for script, key in visible_pages(PAGES, role)
    if (ROOT / script).exists()
]
st.session_state["nav_pages"] = [p.title for p in pages]  # what this role was offered (tests read it)
page = st.navigation(pages)  # the first page listed opens at the app's address
if st.session_state.pop(JUST_SIGNED_IN_KEY, False) and page.url_path != pages[0].url_path:
    st.switch_page(pages[0])  # signed in from the public page: on to the live map
keep_notice_for(page.url_path)  # a confirmation stays on its page until the user moves on
page.run()
