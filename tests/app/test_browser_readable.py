"""Texts that read whole in Chromium at 1440x900, in English and French (French trial).

- The Constraints page's tables (``st.dataframe``) cut their columns at 1440 px ("Physical ("
  for the cause "Physical (road state, flooding)"); they are now static tables that wrap their
  text within the page (``views.common.wrapped_table``).
- The Incidents page's sidebar filters cut their long choices to one line ("UCDP GED
  (événements géolocali…", AMRF categories); they now wrap (``views.common.PILLS_CSS``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_app import ARTIFACTS, browser_page, require_chromium, running_app, sign_in

from geo.products.i18n import tr

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

USER, PASSWORD = "awa", "correct horse battery"
#: For each visible static table: its headers, whether its box stays within the page's main
#: column, and the texts of the header and body cells whose content runs past their box.
TABLES_JS = """els => els.filter(e => e.offsetParent !== null).map(e => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
  const box = e.getBoundingClientRect();
  const cells = [...e.querySelectorAll('th, td')];
  return {
    headers: [...e.querySelectorAll('thead th')].map(c => c.innerText.trim()),
    inside: box.left >= main.left - 1 && box.right <= main.right + 1,
    sideways: e.scrollWidth > e.clientWidth + 1,
    cut: cells.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText),
  };
})"""


@pytest.fixture(scope="module")
def app_url(data_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    require_chromium()
    tmp = tmp_path_factory.mktemp("readable")
    with running_app(data_dir, tmp, user=USER, password=PASSWORD, role="advisor", lang="en") as url:
        yield url


def _check_parts(page, lang: str) -> None:  # noqa: ANN001
    """Open each part of the page (axes, crossings, localities) and check its tables."""
    main = page.get_by_test_id("stMain")
    for part in ("axes", "crossings", "localities"):
        main.get_by_text(tr(f"cons.kind.{part}", lang), exact=True).click()
        page.get_by_test_id("stTable").first.wait_for(timeout=120_000)
        page.wait_for_timeout(2000)
        tables = page.get_by_test_id("stTable").evaluate_all(TABLES_JS)
        assert tables, (lang, part)
        for table in tables:
            assert table["inside"] and not table["sideways"], (lang, part, table["headers"])
            assert table["cut"] == [], (lang, part, table["cut"])
        headers = tables[0]["headers"]
        if part != "localities":  # the axes' and crossings' causes
            assert tr("cons.col.cause", lang) in headers, headers
        main.get_by_test_id("stTable").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"constraints_{part}_{lang}.png"))


#: The texts (choices of toggles, widget labels) run past their box, for the elements given.
CUT_JS = """els => els.filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.innerText)"""


def _sidebar_filters(page, lang: str) -> None:  # noqa: ANN001
    """Check the Incidents page's sidebar: every filter's label and choice reads whole."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(tr("incidents.filters", lang)).wait_for(timeout=120_000)
    page.wait_for_timeout(2000)
    choices = sidebar.locator('[data-testid="stButtonGroup"] button p')
    texts = choices.evaluate_all("els => els.map(e => e.innerText)")
    assert tr("incidents.source.ucdp", lang) in texts, texts  # the longest source name
    assert choices.evaluate_all(CUT_JS) == []
    labels = sidebar.get_by_test_id("stWidgetLabel").locator("p")
    assert tr("page.amrf", lang) in labels.evaluate_all("els => els.map(e => e.innerText)")
    assert labels.evaluate_all(CUT_JS) == []
    sidebar.screenshot(path=str(ARTIFACTS / f"incidents_sidebar_{lang}.png"))


def test_constraints_tables_and_incident_filters_read_whole_in_english_and_french(app_url: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def sidebar_link(page, key: str, lang: str):  # noqa: ANN001, ANN202
        return page.get_by_test_id("stSidebar").get_by_role("link", name=tr(key, lang))

    with browser_page() as (page, errors):
        page.goto(app_url)
        sign_in(page, USER, PASSWORD, "advisor", "en")
        sidebar_link(page, "nav.constraints", "en").click()
        page.get_by_role("heading", name=tr("cons.title", "en")).wait_for(timeout=120_000)
        _check_parts(page, "en")
        sidebar_link(page, "nav.incidents", "en").click()
        _sidebar_filters(page, "en")
        page.get_by_test_id("stSidebar").get_by_text("Français", exact=True).click()
        page.get_by_role("heading", name=tr("incidents.filters", "fr")).wait_for(timeout=120_000)
        _sidebar_filters(page, "fr")
        sidebar_link(page, "nav.constraints", "fr").click()
        page.get_by_role("heading", name=tr("cons.title", "fr")).wait_for(timeout=120_000)
        _check_parts(page, "fr")
    assert errors == []
