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
    at.selectbox(key="pos_new_kind").set_value("axis").run()  # the kind first: the list offers its axes
    picker = at.selectbox(key="pos_new_scope_axis")
    assert picker.value is None and "RN16 Sévaré–Douentza" in picker.options  # names, not ids
    w = _widgets(at)
    picker.set_value("axis:RN16-SEV-DOU")
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
        at.selectbox(key="pos_step_1").set_value(action).run()
        w = _widgets(at)
        w["Meeting reference *"].input(meeting)
        w["Recorded by *"].input("Advisor A")
        at.button(key="FormSubmitter:position_step-Save step").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    hist = P.position_history(store, 1)
    assert list(hist["status"]) == ["draft", "proposed", "endorsed"]
    assert list(hist["meeting_ref"]) == ["", "HAWG 2025-11", "HCT 2025-12"]
    # from endorsed, only a revision or retirement is offered (the store refuses the rest anyway)
    assert at.selectbox(key="pos_step_1").options == ["Revise the text, scope or visibility", "Retire"]


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


def _fr_app(store: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    return _app("advisor", store, data_dir, monkeypatch)


def _fill(at: AppTest, prefix: str, value: str) -> None:
    next(w for w in at.text_input if w.label.startswith(prefix)).input(value)


def test_visibility_chosen_on_the_page_is_the_one_stored_and_published(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """French page: public drafts are stored public, restricted ones restricted; only endorsed public go out.

    A step other than a revision shows no text, scope or visibility field, so a visibility
    picked there can never be dropped silently; the fields of one position never carry
    over to another (keys hold the position's id).
    """
    store = tmp_path / "store.sqlite"
    at = _fr_app(store, data_dir, monkeypatch)
    for vis, text in (("public", "Position publique"), ("restricted", "Position interne")):
        at.selectbox(key="pos_new_kind").set_value("country").run()
        at.selectbox(key="pos_new_vis").set_value(vis)
        for area, value in zip(at.text_area[-2:], (text, text + " (en)"), strict=True):
            area.input(value)
        _fill(at, "Enregistré par", "Conseillère A")
        at.button(key="FormSubmitter:position_new-Enregistrer le projet").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    reg = P.current_positions(store).set_index("text_fr")
    assert reg.at["Position publique", "visibility"] == "public"
    assert reg.at["Position interne", "visibility"] == "restricted"
    public_id, restricted_id = int(reg.at["Position publique", "id"]), int(reg.at["Position interne", "id"])
    # propose then endorse both: a step that is not a revision offers no visibility to change
    for pid in (public_id, restricted_id):
        at.selectbox(key="positions_pick").set_value(pid).run()
        for action, meeting in (("propose", "GTAH 1"), ("endorse", "EHP 1")):
            at.selectbox(key=f"pos_step_{pid}").set_value(action).run()
            assert [w for w in at.selectbox if w.key == f"pos_rev_vis_{pid}"] == []
            assert not [w for w in at.text_area if str(w.key).startswith("pos_rev_")]
            _fill(at, "Référence de la réunion", meeting)
            _fill(at, "Enregistré par", "Conseillère A")
            at.button(key="FormSubmitter:position_step-Enregistrer l'étape").click().run()
            assert not at.exception and not at.error, [e.value for e in at.error]
    reg = P.current_positions(store).set_index("id")
    assert list(reg.loc[[public_id, restricted_id], "visibility"]) == ["public", "restricted"]
    published = P.public_positions(P.current_positions(store))
    assert list(published["position_id"]) == [public_id]  # the restricted one never reaches a public output
    # a revision made public on the restricted one is stored public but waits for a new endorsement
    at.selectbox(key="positions_pick").set_value(restricted_id).run()
    at.selectbox(key=f"pos_step_{restricted_id}").set_value("revise").run()
    at.selectbox(key=f"pos_rev_vis_{restricted_id}").set_value("public")
    _fill(at, "Référence de la réunion", "GTAH 2")
    _fill(at, "Enregistré par", "Conseillère A")
    at.button(key="FormSubmitter:position_step-Enregistrer l'étape").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    after = P.current_positions(store).set_index("id").loc[restricted_id]
    assert (after["visibility"], after["status"]) == ("public", "revised")
    assert list(P.public_positions(P.current_positions(store))["position_id"]) == [public_id]
    # the other position's revision form starts from its own visibility, not the one just chosen
    at.selectbox(key="positions_pick").set_value(public_id).run()
    at.selectbox(key=f"pos_step_{public_id}").set_value("revise").run()
    assert at.selectbox(key=f"pos_rev_vis_{public_id}").value == "public"


def test_revision_scope_is_picked_from_a_list_not_typed(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.sqlite"
    P.add_position(store, scope="axis:RN16-SEV-DOU", topic="armed-escorts", text_fr="Texte", text_en="Text",
                   visibility="restricted", recorded_by="A")  # fmt: skip
    at = _fr_app(store, data_dir, monkeypatch)
    at.selectbox(key="pos_step_1").set_value("revise").run()
    assert not [w for w in at.text_input if w.label == "Portée"]  # no scope typed as text
    assert at.selectbox(key="pos_rev_kind_1").value == "axis"
    picker = at.selectbox(key="pos_rev_scope_1_axis")
    assert picker.value == "axis:RN16-SEV-DOU"  # the current scope, first
    at.selectbox(key="pos_rev_kind_1").set_value("admin").run()
    picker = at.selectbox(key="pos_rev_scope_1_admin")
    assert picker.value is None and any(o.startswith("Bandiagara (") for o in picker.options)
    picker.set_value("admin:ML0502")
    _fill(at, "Référence de la réunion", "GTAH 3")
    _fill(at, "Enregistré par", "Conseillère A")
    at.button(key="FormSubmitter:position_step-Enregistrer l'étape").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert P.current_positions(store).at[0, "scope"] == "admin:ML0502"


def test_french_review_names_axes_and_says_empty_tables_in_words(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.products.i18n import tr, tr_count
    from geo.store import constraints
    from views.common import axis_label

    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    store = tmp_path / "store.sqlite"
    at = _app("advisor", store, data_dir, monkeypatch)
    # an empty register and no position to review: a caption each, never Streamlit's "empty" table
    captions = [c.value for c in at.caption]
    assert tr("pos.none_listed", "fr") in captions
    assert tr("pos.stale_none", "fr", months=6) in captions
    assert all(len(d.value) for d in at.dataframe)
    # the constraints without a position: axes by the names the Constraints page gives them
    axes = constraints.known_axes()
    labels = {
        axis_label(a, n, r)
        for a, n, r in zip(axes["axis_id"], axes["axis_name"], axes["route_ref"], strict=True)
    }
    uncovered = at.dataframe[0].value
    assert tr("pos.col.ref", "fr") not in uncovered.columns
    names = uncovered.loc[
        uncovered[tr("pos.col.kind", "fr")] == tr("pos.kind.axis", "fr"), tr("pos.col.name", "fr")
    ]
    assert len(names) and set(names) <= labels
    said = " ".join(uncovered.astype(str).to_numpy().ravel())
    assert not any(a in said for a in axes["axis_id"])  # no internal reference, in any column
    # a step saved is said in agreement whatever the step's wording
    P.add_position(store, scope="country", topic="female-staff", text_fr="Texte", text_en="Text",
                   visibility="public", recorded_by="A")  # fmt: skip
    at.run()
    at.selectbox(key="pos_step_1").set_value("propose").run()
    _widgets(at)[tr("pos.meeting_ref", "fr")].input("GTAH 2025-11")
    for by in [x for x in at.text_input if x.label == tr("cons.recorded_by", "fr")]:  # step and draft forms
        by.input("A")
    next(b for b in at.button if b.label == tr("pos.save_step", "fr")).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    expected = tr(
        "pos.step_saved",
        "fr",
        id=1,
        step=tr("pos.step.propose", "fr"),
        status=tr("pos.status.proposed", "fr"),
    )
    assert expected in [s.value for s in at.success]
    assert expected == (
        "Position n° 1\u202f: étape enregistrée (Proposée par le GTAH). Statut actuel\u202f: proposée."
    )
    # counts of positions agree with their number
    assert tr_count("panel.endorsed", 1, "fr") == "1 endossée par l'EHP"
    assert tr_count("panel.endorsed", 2, "fr") == "2 endossées par l'EHP"
    assert tr_count("panel.other", 1, "en") == "1 other" and tr_count("panel.other", 3, "en") == "3 others"


def _panel_app() -> None:  # run by AppTest.from_function: the panel alone, on the store of the env
    import os

    from views.positions_panel import positions_panel

    positions_panel(os.environ["MALI_ACCESS_STORE"], role="advisor", pcodes=["ML05"])


def test_the_positions_panel_counts_agree_with_their_number(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.products.i18n import tr, tr_count

    store = tmp_path / "store.sqlite"
    monkeypatch.setenv("MALI_ACCESS_STORE", str(store))
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    for text in ("Un", "Deux"):
        P.add_position(store, scope="country", topic="female-staff", text_fr=text, text_en=text,
                       visibility="public", recorded_by="A")  # fmt: skip
    for action, meeting in (("propose", "GTAH 1"), ("endorse", "EHP 1")):
        P.record_step(store, 1, action, meeting_ref=meeting, recorded_by="A")
    at = AppTest.from_function(_panel_app, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    expected = tr(
        "panel.head",
        "fr",
        title=tr("panel.title", "fr"),
        endorsed=tr_count("panel.endorsed", 1, "fr"),
        other=tr_count("panel.other", 1, "fr"),
    )
    assert [e.label for e in at.expander] == [expected]
    assert "1 endossée par l'EHP, 1 autre" in expected


def test_a_refused_step_names_the_field_in_french(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step without the recorder's name: one French line naming the field as the form shows it."""
    from geo.products.i18n import tr

    store = tmp_path / "store.sqlite"
    P.add_position(store, scope="country", topic="checkpoint-payments", text_fr="Aucun paiement.",
                   text_en="No payment.", visibility="public", recorded_by="Awa")  # fmt: skip
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    at = _app("advisor", store, data_dir, monkeypatch)
    at.selectbox(key="pos_step_1").set_value("propose").run()
    w = _widgets(at)
    w[tr("pos.meeting_ref", "fr")].input("GTAH 2025-11")
    w[tr("cons.recorded_by", "fr")].input("   ")
    next(b for b in at.button if b.label == tr("pos.save_step", "fr")).click().run()
    (error,) = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]  # Markdown escapes dropped
    assert tr("err.required_empty", "fr") in error and tr("cons.recorded_by", "fr") in error
    assert "recorded_by" not in error and "required value" not in error  # no code, no English
    assert list(P.position_history(store, 1)["status"]) == ["draft"]  # nothing recorded
