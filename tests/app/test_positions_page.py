"""Positions page (AppTest): advisors draft, propose and endorse; viewers read without restricted fields."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.store import positions as P

PAGE = str(PROJECT_ROOT / "views" / "positions.py")
HOSTILE = "<script>alert(1)</script> **bold** [x](javascript:alert(1)) l'accès & co\n# heading"
pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]


def _app(role: str, store: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MALI_ACCESS_STORE", str(store))
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["as_of"] = dt.date(2025, 12, 1)
    at.session_state["auth_role"] = role
    at.run()
    assert not at.exception, at.exception
    return at


def _widgets(at: AppTest) -> dict[str, object]:
    return {w.label: w for w in [*at.selectbox, *at.text_input, *at.text_area, *at.date_input]}


def test_advisor_drafts_proposes_and_endorses(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.sqlite"
    at = _app("advisor", store, data_dir, monkeypatch)
    w = _widgets(at)
    w["Scope"].set_value("axis")
    w["Reference"].input("RN16-SEV-DOU")
    w["Topic"].set_value("checkpoint-payments")
    w["Text (French) *"].input(HOSTILE)
    w["Text (English) *"].input("No payment at checkpoints.")
    w["Visibility"].set_value("public")
    w["Recorded by *"].input("Advisor A")
    at.button(key="FormSubmitter:position_new-Save draft").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    reg = P.current_positions(store)
    assert list(reg["status"]) == ["draft"] and reg["text_fr"].iloc[0] == HOSTILE.strip()
    # user text is never rendered as HTML or Markdown
    rendered = "\n".join(m.value for m in at.markdown)
    unescaped = re.sub(r"\\.", "", rendered)  # drop every backslash-escaped character
    assert "<" not in unescaped and "\\<script\\>" in rendered and "\\*\\*bold\\*\\*" in rendered
    assert "&#" not in rendered and "l\\'accès \\& co" in rendered  # apostrophes stay readable
    for action, meeting in (("propose", "HAWG 2025-11"), ("endorse", "HCT 2025-12")):
        w = _widgets(at)
        w["Step"].set_value(action)
        w["Meeting reference *"].input(meeting)
        w["Recorded by *"].input("Advisor A")
        at.button(key="FormSubmitter:position_step-Save step").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    hist = P.position_history(store, 1)
    assert list(hist["status"]) == ["draft", "proposed", "endorsed"]
    assert list(hist["meeting_ref"]) == ["", "HAWG 2025-11", "HCT 2025-12"]
    # from endorsed, only a revision or retirement is offered (the store refuses the rest anyway)
    w = _widgets(at)
    assert w["Step"].options == ["Revise the text, scope or visibility", "Retire"]


def test_viewer_reads_without_forms_or_restricted_fields(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.sqlite"
    P.add_position(store, scope="country", topic="female-staff", text_fr="Texte", text_en="Text",
                   visibility="restricted", recorded_by="Secret Recorder")  # fmt: skip
    at = _app("viewer", store, data_dir, monkeypatch)
    assert at.title[0].value == "Common positions and red lines"
    assert not [f for f in at.button if "FormSubmitter" in str(f.key)]
    table = at.dataframe[0].value
    assert list(table["No."]) == [1] and "Recorded by" not in table.columns  # headers from the catalogs
    assert "Review" not in [h.value for h in at.subheader]
    planner = _app("planner", store, data_dir, monkeypatch)
    assert "Review" in [h.value for h in planner.subheader]
    assert not [f for f in planner.button if "FormSubmitter" in str(f.key)]


def test_public_role_is_stopped(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app("public", tmp_path / "store.sqlite", data_dir, monkeypatch)
    assert at.title[0].value == "Restricted page"
