"""Severity page (map + table, changes between two dates) and the Incidents page's link panel (AppTest)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.store import constraints

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]


def _page(name: str, role: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, lang: str = "en") -> AppTest:
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_LANG", lang)
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
    assert len(frame) == 50 and frame["P-code"].is_unique
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
    listed = at.dataframe[2].value  # the constraint-change table below
    assert changes == len(listed)
    assert {"Kind", "Item", "Change", "Status before", "Status after"} <= set(listed.columns)
    assert set(listed["Kind"]) <= {"axis", "encirclement"}  # words of the catalog, not store codes
    assert not (listed.astype(str) == "None").any().any()
    assert any(b.label == "One-page PDF" for b in at.get("download_button"))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_severity_table_headers_classes_and_data_notes_in_the_language(
    lang: str, data_dir: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.model.severity import SCALE
    from geo.products.i18n import format_date, tr

    at = _page("severity.py", "planner", data_dir, monkeypatch, lang=lang)
    at.session_state["sev_as_of"] = dt.date(2025, 11, 30)
    at.run()
    assert not at.exception, at.exception
    frame = at.dataframe[0].value
    head = ["pcode", "name", "adm1_name", "score", "label", "index"]
    assert list(frame.columns[: len(head)]) == [tr(f"sev.col.{c}", lang) for c in head]
    assert list(frame.columns[-2:]) == [tr("sev.col.info_gaps", lang), tr("sev.col.data_sparse", lang)]
    # the index written for the language with two decimals ("3,48" in French, as the command line prints it)
    index = frame[tr("sev.col.index", lang)]
    assert index.str.fullmatch(r"\d,\d\d" if lang == "fr" else r"\d\.\d\d").all(), list(index[:5])
    # the class in the language, matching the score
    classes = {SCALE[k][0 if lang == "fr" else 1] for k in SCALE}
    label, score = tr("sev.col.label", lang), tr("sev.col.score", lang)
    assert set(frame[label]) <= classes
    assert all(
        SCALE[int(s)][0 if lang == "fr" else 1] == c for s, c in zip(frame[score], frame[label], strict=True)
    )
    # the engine's data notes in words of the language, dates written out
    plain = [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]  # Markdown escapes removed
    notes = [c for c in plain if c.startswith(tr("page.sev_sparse", lang))]
    assert notes
    axis_note = tr("sev.note.no_axis", lang)
    assert any(axis_note in n for n in notes)
    assert any(axis_note in v for v in frame[tr("sev.col.data_sparse", lang)])
    if lang == "fr":
        assert not any("incidents counted over" in n or "no HAWG axis" in n for n in notes)
        assert not any("no HAWG axis" in v for v in frame[tr("sev.col.data_sparse", lang)])
        # the older window the files cover: French dates, no ISO
        older = [n for n in notes if "comptés du" in n]
        assert older and not any(re.search(r"\d{4}-\d{2}-\d{2}", n) for n in older)
        assert any(format_date(dt.date(2021, 6, 20), "fr") in n for n in older)
    gaps = tr("sev.col.info_gaps", lang)
    assert not frame[gaps].str.contains("_").any()  # indicator names in words, not column names
    assert not (frame.astype(str) == "None").any().any()


def test_sparse_notes_read_back_and_translate() -> None:
    from geo.model.severity import SPARSE_NOTES, parse_sparse_note
    from layers.severity import sparse_note_text

    note = SPARSE_NOTES["older_window"].format(
        group="violence", start="2020-06-21", end="2021-06-20", days=365
    )
    assert parse_sparse_note(note) == (
        "older_window",
        {"group": "violence", "start": "2020-06-21", "end": "2021-06-20", "days": "365"},
    )
    assert sparse_note_text(note, "fr") == (
        "incidents de violence comptés du 21 juin 2020 au 20 juin 2021, "
        "les 365 derniers jours que couvrent les fichiers d'incidents"
    )
    assert sparse_note_text(note, "en") == (
        "violence incidents counted from 21 June 2020 to 20 June 2021, "
        "the last 365 days the incident files cover"
    )
    none = SPARSE_NOTES["no_incident"].format(group="restriction", latest="none")
    assert sparse_note_text(none, "fr") == (
        "aucun incident de restriction enregistré dans la période (aucun dans les fichiers)"
    )
    assert sparse_note_text("a note of another wording", "fr") == "a note of another wording"


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
