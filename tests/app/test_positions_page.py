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


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_scopes_show_names_and_dates_are_written_out(
    lang: str, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.products.i18n import format_date, tr

    store = tmp_path / "store.sqlite"
    for scope in ("admin:ML0502", "axis:RN16-SEV-DOU", "crossing:X-KORIOUME"):
        res = P.add_position(store, scope=scope, topic="checkpoint-payments", text_fr="Texte", text_en="Text",
                             visibility="public", recorded_by="A", meeting_date=dt.date(2025, 11, 5),
                             data_dir=data_dir)  # fmt: skip
        for action, day in (("propose", dt.date(2025, 11, 10)), ("endorse", dt.date(2025, 12, 1))):
            P.record_step(
                store, res.position_id, action, meeting_ref="HCT", recorded_by="A", meeting_date=day
            )
    monkeypatch.setenv("MALI_ACCESS_LANG", lang)
    at = _app("planner", store, data_dir, monkeypatch)
    table = at.dataframe[0].value
    scopes = list(table[tr("pos.col.scope", lang)])
    axis, crossing = ("Axe", "Franchissement") if lang == "fr" else ("Axis", "Crossing")
    unit = "Unité administrative" if lang == "fr" else "Admin unit"
    assert scopes == [
        f"{unit} Bandiagara ({tr('pos.level.2', lang)})",
        f"{axis} RN16 Sévaré–Douentza",
        f"{crossing} Bac de Korioumé",
    ]
    assert not any(ref in s for s in scopes for ref in ("ML0502", "RN16-SEV-DOU", "X-KORIOUME"))
    endorsed = set(table[tr("pos.col.endorsed", lang)])
    assert endorsed == {format_date(dt.date(2025, 12, 1), lang)}  # "1er décembre 2025", not 2025-12-01
    assert endorsed == {"1er décembre 2025" if lang == "fr" else "1 December 2025"}
    # the position picker and its heading name the place too
    pick = at.selectbox(key="positions_pick")
    assert pick.options[0].endswith(scopes[0])  # AppTest gives the formatted choices
    assert any(scopes[0] in m.value.replace("\\", "") for m in at.markdown)  # escaped Markdown
