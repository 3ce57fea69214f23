"""AppTest smoke test of the live map page (no browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.products.i18n import tr

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")  # the default for Mali: this module checks the French map


@pytest.fixture
def app(data_dir: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "live_map.py"), default_timeout=180)
    at.session_state["as_of"] = __import__("datetime").date(2025, 11, 29)
    at.session_state["auth_role"] = "viewer"
    return at


def test_live_map_renders_layers_and_table(app: AppTest, n_hubs: int) -> None:
    app.run()
    assert not app.exception
    assert app.title[0].value == "Carte de l'accès en direct"
    (frame,) = app.get("iframe")  # views.maps.show_map: the map's own document in a frame
    script = frame.proto.srcdoc
    for name in (  # French by default (MALI_ACCESS_LANG unset)
        "Régions",
        "Cercles",
        "Routes principales et état des axes",
        "Routes secondaires et pistes",
        "Fleuves et lacs",
        "Traversées de fleuve",
        "Localités encerclées",
        "Villes",
        "Hubs du GTAH",
        "Portée\u202f: Mopti",
        "Portée\u202f: Gao",
    ):
        assert json.dumps(name)[1:-1] in script or name in script
    # popups in the page's language too (they are read only on a click): no row header of
    # the map popups in English where French differs, and the French ones present
    from geo.products.i18n import keys

    english = {tr(k, "en") for k in keys("mpop.") + keys("incpop.")} - {
        tr(k, "fr") for k in keys("mpop.") + keys("incpop.")
    }
    headers = {json.loads(f'"{h}"') for h in re.findall(r"<th>(.*?)<\\/th>", script)}
    assert {tr("mpop.aor", "fr"), tr("mpop.season", "fr"), tr("mpop.status", "fr")} <= headers
    assert not headers & english
    # region and cercle tooltips labelled in French ("Nom", "Code P"), no English field label
    aliases = [json.loads(a) for a in re.findall(r"let aliases = (\[.*?\]);", script)]
    assert aliases and all(a == [tr("map.tip_name", "fr"), tr("map.tip_pcode", "fr")] for a in aliases)
    assert aliases[0] == ["Nom", "Code P"]
    assert not re.search(r'"(Name|P-code)"', script)
    # the vendored Leaflet and nothing else: no CDN, no other script or stylesheet
    assert re.findall(r'<script src="([^"]*)"', script) == ["/app/static/vendor/leaflet/leaflet.js"]
    css = re.findall(r'<link rel="stylesheet" href="([^"]*)"', script)
    assert css == ["/app/static/vendor/leaflet/leaflet.css"]
    assert "$(" not in script  # no jQuery needed
    # the band table, in Markdown (no Arrow code for the browser): cells escaped, figures right
    text = next(m.value for m in app.markdown if m.value.startswith("| "))
    lines = text.split("\n")
    split = [re.split(r"(?<!\\) \| ", line.strip("| ")) for line in lines]
    cells = [[re.sub(r"\\(.)", r"\1", c) for c in row] for row in split]
    header, rule, rows = cells[0], cells[1], cells[2:]
    table = pd.DataFrame(rows, columns=header)
    assert len(table) == 3 * n_hubs and set(table["Hub"]) >= {"Gao", "Mopti (Sévaré)"}
    cols = ("hub", "hours", "area_km2", "population", "localities", "hub_status")
    assert header == [tr(f"bands.col.{c}", "fr") for c in cols]
    assert rule == [":---", "---:", "---:", "---:", "---:", ":---"]  # hours right, as the other figures
    assert table["Superficie (km²)"].str.fullmatch(r"\d{1,3}(\u202f\d{3})*").all()  # Babel's French grouping


def test_logged_out_user_sees_no_data(app: AppTest) -> None:
    app.session_state["auth_role"] = "public"
    app.run()
    assert not app.exception
    assert not app.get("iframe") and not app.get("component_instance") and not app.dataframe and not app.table


def test_blocked_hub_is_reported_in_the_page(app: AppTest) -> None:
    app.session_state["as_of"] = __import__("datetime").date(2024, 1, 1)
    app.run()
    assert not app.exception
    warnings = [_plain(w.value) for w in app.warning]
    # the engine's reason in the page's language (French in this module), the since date written out
    said = tr("bands.why_no_entry", "fr", locality="Ménaka", since="")
    assert any(w.startswith("Ménaka\u202f: ") and said.split("(")[0] in w for w in warnings), warnings


def test_bad_data_folder_is_shown_in_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "admin").mkdir()
    monkeypatch.setenv("MALI_ACCESS_DATA", str(tmp_path))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "live_map.py"), default_timeout=120)
    at.session_state["auth_role"] = "viewer"
    at.run()
    assert not at.exception
    assert tr("common.data_error", "fr") in at.error[0].value
    assert "file missing" in at.error[0].value


def _plain(markdown: str) -> str:
    """Markdown source as the reader sees it (backslash escapes of geo.escape.markdown_text removed)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def test_warm_up_leaves_nothing_for_the_first_viewer(
    data_dir: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's first run starts the warm-up; the live map's first viewer then computes nothing shared."""
    import threading

    from views import common

    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_WARM_UP", "1")
    monkeypatch.chdir(ROOT)
    from views import maps

    common._warm_up_thread.clear()
    common.reach.clear()
    common.reach_before.clear()
    common._encircled_population.clear()  # filled by an earlier test in this process otherwise
    maps._shared_document.clear()
    before = dict(common.COMPUTED)
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()  # the sign-in page
    (thread,) = [t for t in threading.enumerate() if t.name == common.WARM_UP_THREAD]
    thread.join(timeout=600)
    assert not thread.is_alive()
    warmed = {k: common.COMPUTED[k] - before.get(k, 0) for k in ("reach_before", "encircled_population")}
    assert warmed == {"reach_before": 1, "encircled_population": 1}

    at = AppTest.from_file(str(ROOT / "views" / "live_map.py"), default_timeout=180)
    at.session_state["auth_role"] = "viewer"  # today's date, every hub, 4/8/12 h: the defaults
    at.session_state["incident_days"] = common.LIVE_INCIDENT_DAYS  # as app.py's init_state sets it
    at.run()
    assert not at.exception
    assert at.get("iframe"), "the map is drawn"
    after = {k: common.COMPUTED[k] - before.get(k, 0) for k in warmed}
    assert after == warmed, "the first viewer recomputed what the warm-up had computed"


def test_incident_window_is_written_with_group_separators(app: AppTest) -> None:
    """The window's day counts are written in the language ('2 190 jours', never '2190'); kept in days."""
    from geo.products.i18n import format_number
    from views import common

    app.session_state["incident_days"] = common.LIVE_INCIDENT_DAYS
    app.run()
    assert not app.exception, app.exception
    window = app.select_slider(key="incident_days")
    assert window.value == common.LIVE_INCIDENT_DAYS == 2190
    days = tr("live.window_days", "fr", days=format_number(2190, "fr"))
    assert days in window.options and "2190" not in " ".join(window.options)
    assert format_number(2190, "fr") != "2190"
    caption = " ".join(c.value for c in app.sidebar.caption)
    assert format_number(2190, "fr") in caption
    window.set_value(3000).run()
    assert not app.exception, app.exception
    assert app.session_state["incident_days"] == 3000  # days, as the Incidents page reads it
    assert app.select_slider(key="incident_days").value == 3000


@pytest.mark.parametrize("role", ["planner", "viewer"])
def test_popups_name_sources_by_title_for_the_roles_that_see_them(
    app: AppTest, isolated_store: Path, role: str
) -> None:
    """An encirclement's sources read as in the Constraints tables (their titles), never for a viewer."""
    from geo.escape import html_text
    from geo.sources.curated import read_sources
    from geo.store import constraints

    app.session_state["auth_role"] = role
    app.run()
    assert not app.exception, app.exception
    (frame,) = app.get("iframe")
    script = frame.proto.srcdoc
    history = constraints.encircled_history(isolated_store, "Farabougou")
    (recorded,) = set(history.loc[history["superseded_by"].isna(), "source"])  # seeded from data/curated
    keys = [k.strip() for k in recorded.split(";")]
    titles = [read_sources().at[k, "title"] for k in keys]  # as the page's popup writes them
    assert keys[0].startswith("S-") and all(titles) and not set(titles) & set(keys)
    assert json.dumps(html_text(recorded))[1:-1] not in script  # not the keys, as recorded

    def drawn(
        text: str,
    ) -> bool:  # escaped for HTML, then written in the map's script as it is or JSON-encoded
        return any(v in script for v in (html_text(text), json.dumps(html_text(text))[1:-1]))

    if role == "viewer":  # sources are restricted fields (geo/products/policy.py)
        assert not [t for t in titles if drawn(t)]
    else:
        assert drawn("; ".join(titles)), titles
