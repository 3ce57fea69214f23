"""Severity page (map + table, changes between two dates) and the Incidents page's link panel (AppTest)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.store import constraints

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]


def _page(name: str, role: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_LANG", "en")
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / name), default_timeout=400)
    at.session_state["auth_role"] = role
    return at


def test_severity_page_map_table_and_changes(data_dir, isolated_store, monkeypatch) -> None:  # noqa: ANN001
    at = _page("severity.py", "planner", data_dir, monkeypatch)
    at.session_state["sev_as_of"] = dt.date(2025, 11, 30)
    at.run()
    assert not at.exception, at.exception
    # one metric per class; the classes count every cercle once
    counts = [int(m.value) for m in at.metric[:6]]
    assert sum(counts) == 50
    frame = at.dataframe[0].value
    assert len(frame) == 50 and frame["pcode"].is_unique
    script = next(
        json.loads(c.proto.json_args)["script"]
        for c in at.get("component_instance")
        if c.proto.component_name == "streamlit_folium.st_folium"
    )
    assert "Djenn" in script and "bindPopup" in script
    # changes between two dates of the seeded history: same key figures as geo changes
    at.date_input(key="chg_from").set_value(dt.date(2025, 3, 1))
    at.date_input(key="chg_to").set_value(dt.date(2025, 11, 30))
    next(b for b in at.button if b.label == "Compare").click().run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert "Constraint changes" in labels
    changes = int(next(m.value for m in at.metric if m.label == "Constraint changes"))
    assert changes == len(at.dataframe[2].value)  # the constraint-change table below
    assert any(b.label == "One-page PDF" for b in at.get("download_button"))


def test_severity_page_refused_below_planner(data_dir, isolated_store, monkeypatch) -> None:  # noqa: ANN001
    at = _page("severity.py", "viewer", data_dir, monkeypatch)
    at.run()
    assert at.title[0].value == "Restricted page"


def test_incidents_page_links_an_incident_to_an_encirclement(data_dir, isolated_store, monkeypatch) -> None:  # noqa: ANN001
    at = _page("incidents.py", "advisor", data_dir, monkeypatch)
    at.session_state["auth_user"] = "advisor <b>x</b>"
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="link_incident").set_value("curated:MLI-ACC-025").run()
    at.radio(key="link_kind").set_value("encirclement").run()
    locality = next(t for t in at.text_input if t.label == "Locality")
    locality.set_value("Léré")
    save = next(b for b in at.button if b.label == "Record and link")
    save.click().run()  # no status chosen: nothing is recorded
    assert any("Nothing recorded" in e.value for e in at.error), [e.value for e in at.error]
    assert constraints.incident_links(isolated_store).empty
    next(t for t in at.text_input if t.label == "Locality").set_value("Léré")
    at.selectbox(key="link_encircled_status").set_value("active")  # form widgets: sent with the click
    next(b for b in at.button if b.label == "Record and link").click().run()
    assert not at.exception, at.exception
    assert any("link kept" in s.value for s in at.success), [e.value for e in at.error]
    links = constraints.incident_links(isolated_store)
    assert list(links["incident_id"]) == ["curated:MLI-ACC-025"]
    assert links.iloc[0]["incident_date"] == "2025-10-27" and links.iloc[0]["kind"] == "encirclement"


def test_link_form_has_no_default_axis_or_status(data_dir, isolated_store, monkeypatch) -> None:  # noqa: ANN001
    """A click on the button with the defaults records nothing (the axis and status are chosen)."""
    at = _page("incidents.py", "advisor", data_dir, monkeypatch)
    at.session_state["auth_user"] = "ann"
    at.run()
    at.selectbox(key="link_incident").set_value("curated:MLI-ACC-025").run()
    assert at.selectbox(key="link_axis").value is None and at.selectbox(key="link_road_status").value is None
    next(b for b in at.button if b.label == "Record and link").click().run()
    assert not at.exception, at.exception
    assert any("Nothing recorded" in e.value for e in at.error)
    assert constraints.incident_links(isolated_store).empty
