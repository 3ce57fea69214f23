"""Register of common positions: workflow, refused steps, append-only history, hostile text, coverage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo.errors import DataFileError
from geo.store import constraints
from geo.store import positions as P
from tests.store.pg_server import refused_error, run_query, run_sql

AXIS = "RN16-SEV-DOU"
HOSTILE = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x";"y")',
    "**gras** _it_ [lien](javascript:alert(1)) `code` | a | b |",
    "Ligne 1\nLigne 2 « guillemets » ; l'apostrophe & <b>",
    "'; DROP TABLE position_events; --",
    "{{7*7}} ${x} %s \\x00",
]


@pytest.fixture
def store(new_store: Callable[[str], Path]) -> Path:
    return new_store("store")


def add(store: Path, **kw: object) -> int:
    args: dict[str, object] = {
        "scope": f"axis:{AXIS}",
        "topic": "checkpoint-payments",
        "text_fr": "Aucun paiement aux points de contrôle.",
        "text_en": "No payment at checkpoints.",
        "visibility": "public",
        "recorded_by": "Awa",
        "meeting_date": "2025-10-01",
    }
    args.update(kw)
    return P.add_position(store, **args).position_id  # type: ignore[arg-type]


def step(store: Path, pid: int, action: str, day: str = "2025-11-01", **kw: object) -> P.StepResult:
    return P.record_step(store, pid, action, meeting_ref=f"{action} meeting", recorded_by="Moussa",
                         meeting_date=day, **kw)  # fmt: skip


def status(store: Path, pid: int) -> str:
    reg = P.current_positions(store)
    return str(reg.set_index("id").at[pid, "status"])


# ----------------------------------------------------------------------------- workflow


def test_full_workflow_records_every_step(store: Path) -> None:
    pid = add(store)
    assert status(store, pid) == "draft"
    assert step(store, pid, "propose", "2025-10-10").status == "proposed"
    assert step(store, pid, "endorse", "2025-10-20").status == "endorsed"
    assert (
        step(store, pid, "revise", "2025-11-05", text_en="No payment at any checkpoint.").status == "revised"
    )
    assert step(store, pid, "propose", "2025-11-10").status == "proposed"
    assert step(store, pid, "endorse", "2025-11-20").status == "endorsed"
    assert step(store, pid, "retire", "2025-12-01").status == "retired"
    hist = P.position_history(store, pid)
    assert list(hist["action"]) == ["add", "propose", "endorse", "revise", "propose", "endorse", "retire"]
    assert list(hist["status"]) == [
        "draft",
        "proposed",
        "endorsed",
        "revised",
        "proposed",
        "endorsed",
        "retired",
    ]
    assert list(hist["meeting_date"]) == [
        "2025-10-01", "2025-10-10", "2025-10-20", "2025-11-05", "2025-11-10", "2025-11-20", "2025-12-01",
    ]  # fmt: skip
    assert hist["meeting_ref"].iloc[2] == "endorse meeting" and hist["recorded_by"].iloc[2] == "Moussa"
    # the revision's text is carried by every later step; the first text stays in the history
    assert hist["text_en"].iloc[2] == "No payment at checkpoints."
    assert set(hist["text_en"].iloc[3:]) == {"No payment at any checkpoint."}
    reg = P.current_positions(store).set_index("id")
    assert reg.at[pid, "endorsed"] == "2025-11-20" and reg.at[pid, "created"] == "2025-10-01"


def test_ids_are_sequential_and_independent(store: Path) -> None:
    a, b = add(store), add(store, scope="country", topic="armed-escorts")
    assert (a, b) == (1, 2)
    step(store, b, "propose")
    assert status(store, a) == "draft" and status(store, b) == "proposed"
    assert list(P.current_positions(store, status="proposed")["id"]) == [b]


@pytest.mark.parametrize(
    ("path", "action", "before"),
    [
        ([], "endorse", "draft"),  # the HCT endorses only what the HAWG proposed
        (["propose"], "propose", "proposed"),
        (["propose", "endorse"], "endorse", "endorsed"),
        (["propose", "endorse"], "propose", "endorsed"),
        (["retire"], "propose", "retired"),
        (["retire"], "revise", "retired"),
        (["retire"], "retire", "retired"),
    ],
)
def test_refused_transitions_name_the_status(store: Path, path: list[str], action: str, before: str) -> None:
    pid = add(store)
    for a in path:
        step(store, pid, a)
    n = len(P.position_history(store, pid))
    kw = {"text_en": "changed"} if action == "revise" else {}
    with pytest.raises(
        DataFileError, match=f"position {pid} is {before}; {action} is allowed only from"
    ) as err:
        step(store, pid, action, **kw)
    assert err.value.field == "status" and "\n" not in str(err.value)
    assert len(P.position_history(store, pid)) == n  # nothing written


def test_revision_of_draft_stays_draft_and_empty_revision_refused(store: Path) -> None:
    pid = add(store)
    assert step(store, pid, "revise", text_fr="Nouveau texte").status == "draft"
    with pytest.raises(DataFileError, match="changes nothing"):
        step(store, pid, "revise", text_fr="Nouveau texte")
    with pytest.raises(DataFileError, match="only a revision"):
        step(store, pid, "propose", text_fr="x")


def test_step_checks(store: Path) -> None:
    pid = add(store)
    with pytest.raises(DataFileError, match="no position 99"):
        step(store, 99, "propose")
    with pytest.raises(DataFileError, match="meeting_ref"):
        P.record_step(store, pid, "propose", meeting_ref="  ", recorded_by="x", meeting_date="2025-11-01")
    with pytest.raises(DataFileError, match="recorded_by"):
        P.record_step(store, pid, "propose", meeting_ref="HAWG", recorded_by="", meeting_date="2025-11-01")
    with pytest.raises(DataFileError, match="before the position's previous step"):
        step(store, pid, "propose", "2025-09-30")
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    with pytest.raises(DataFileError, match="in the future"):
        step(store, pid, "propose", future)
    assert status(store, pid) == "draft"


# ----------------------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("actor-type:Iyad Ag Ghaly", "not a kind of actor"),
        ("actor-type:JNIM", "not a kind of actor"),
        ("person:Amadou", "expected country"),
        ("Amadou Koufa", "expected country"),
        ("axis:NOT-AN-AXIS", "unknown axis"),
        ("crossing:X-NOWHERE", "unknown crossing"),
        ("admin:Mopti", "not a Mali P-code"),
        ("admin:", "reference is empty"),
        ("country:ML", "takes no reference"),
        ("axis:a b<c>", "not a valid axis id"),
    ],
)
def test_bad_scopes_refused(store: Path, scope: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message) as err:
        add(store, scope=scope)
    assert err.value.field == "scope"
    assert P.current_positions(store).empty


def test_scope_forms_normalised() -> None:
    assert str(P.parse_scope(" Country ")) == "country"
    assert str(P.parse_scope("admin:ml07")) == "admin:ML07"
    assert str(P.parse_scope("actor-type:De-Facto-Authority")) == "actor-type:de-facto-authority"
    assert P.parse_scope("crossing:X-DABI") == P.Scope("crossing", "X-DABI")


def test_actor_type_scope_label_puts_a_narrow_no_break_space_before_the_french_colon() -> None:
    scope = "actor-type:de-facto-authority"
    for lang, colon in (("fr", "\u202f: "), ("en", ": ")):
        head = P.SCOPE_KINDS.label("actor-type", lang)
        kind = P.ACTOR_TYPES.label("de-facto-authority", lang)
        assert P.scope_label(scope, lang) == f"{head}{colon}{kind}"
    assert P.scope_label(scope, "fr").startswith("Type d'acteur\u202f: ")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("topic", "bribes", "not one of"),
        ("visibility", "secret", "not one of"),
        ("text_fr", "  ", "required value is empty"),
        ("text_en", "x" * (P.MAX_TEXT + 1), "at most"),
        ("text_fr", "abc\x00def", "control character U\\+0000"),
        ("text_en", "abc\u202edef", "control character U\\+202E"),
        ("recorded_by", "a\nb", "control character U\\+000A"),
    ],
)
def test_bad_fields_refused(store: Path, field: str, value: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message) as err:
        add(store, **{field: value})
    assert err.value.field == field


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_round_trips_exactly(store: Path, text: str) -> None:
    pid = add(store, text_fr=text, text_en=text, recorded_by=text.replace("\n", " "))
    step(store, pid, "revise", text_en=text + " (rev)")
    reg = P.current_positions(store).set_index("id")
    assert reg.at[pid, "text_fr"] == text
    assert reg.at[pid, "text_en"] == text + " (rev)"
    assert P.position_history(store, pid)["text_fr"].tolist() == [text] * 2


def test_motivations_must_exist_in_store(store: Path) -> None:
    res = constraints.record_road_status(
        store, axis_id=AXIS, status="closed", cause="security", valid_from="2025-11-01",
        source="report", recorded_by="x", seed_dir=None,
    )  # fmt: skip
    pid = add(store, motivated_by=[f"road:{res.version_id}", f"road:{res.version_id}"])
    assert P.current_positions(store).set_index("id").at[pid, "motivated_by"] == f"road:{res.version_id}"
    for bad, msg in (("road:99999", "not in the store"), ("incident:ACLED-1", "not in the store"),
                     ("rumour:x", "expected road"), ("road:abc", "is a number")):  # fmt: skip
        with pytest.raises(DataFileError, match=msg) as err:
            add(store, motivated_by=[bad])
        assert err.value.field == "motivated_by"


def test_admin_and_locality_scopes_checked_against_data(store: Path, data_dir: Path) -> None:
    assert add(store, scope="admin:ML0501", data_dir=data_dir)
    with pytest.raises(DataFileError, match="unknown admin2 P-code 'ML0799'"):
        add(store, scope="admin:ML0799", data_dir=data_dir)
    with pytest.raises(DataFileError, match="unknown locality"):
        add(store, scope="locality:Nowhere-At-All", data_dir=data_dir)


# ----------------------------------------------------------------------------- append-only


def test_history_is_append_only_for_any_writer(store: Path) -> None:
    pid = add(store)
    step(store, pid, "propose")
    refused = refused_error(store)
    with pytest.raises(refused, match="append-only"):
        run_sql(store, "UPDATE position_events SET text_fr = 'changed'")
    with pytest.raises(refused, match="append-only"):
        run_sql(store, "DELETE FROM position_events")
    # a hand-written INSERT that skips the HAWG/HCT workflow is refused by the store itself
    row = run_query(store, "SELECT * FROM position_events ORDER BY event_id DESC LIMIT 1")[0]
    cols = "position_id, action, status, scope, topic, text_fr, text_en, visibility, meeting_ref, " \
           "meeting_date, recorded_by, recorded_at"  # fmt: skip
    forged = (pid, "retire", "endorsed", *row[4:9], "x", "2025-11-02", "x", "x")
    insert = f"INSERT INTO position_events ({cols}) VALUES ({','.join('?' * 12)})"
    with pytest.raises(refused, match="step not allowed"):
        run_sql(store, insert, forged)
    with pytest.raises(refused, match="step not allowed"):
        run_sql(store, insert, (pid, "add", "draft", *row[4:9], "", "2025-11-02", "x", "x"))
    assert list(P.position_history(store, pid)["status"]) == ["draft", "proposed"]


# ----------------------------------------------------------------------------- public, coverage, review


def test_only_endorsed_public_positions_are_public(store: Path) -> None:
    ids = {}
    for name, vis, steps in [
        ("endorsed_public", "public", ["propose", "endorse"]),
        ("endorsed_restricted", "restricted", ["propose", "endorse"]),
        ("proposed_public", "public", ["propose"]),
        ("draft_public", "public", []),
        ("revised_public", "public", ["propose", "endorse", "revise"]),
        ("retired_public", "public", ["propose", "endorse", "retire"]),
        ("reendorsed_public", "public", ["propose", "endorse", "revise", "propose", "endorse"]),
    ]:
        ids[name] = add(store, visibility=vis, text_en=f"text of {name}")
        for a in steps:
            step(store, ids[name], a, **({"text_fr": f"révisé {name}"} if a == "revise" else {}))
    pub = P.public_positions(P.current_positions(store))
    assert sorted(pub["position_id"]) == sorted([ids["endorsed_public"], ids["reendorsed_public"]])
    assert list(pub.columns) == P.PUBLIC_COLUMNS
    assert "recorded_by" not in pub.columns and "motivated_by" not in pub.columns
    # a public position revised to restricted leaves public products at once
    step(store, ids["endorsed_public"], "revise", visibility="restricted")
    step(store, ids["endorsed_public"], "propose")
    step(store, ids["endorsed_public"], "endorse")
    assert list(P.public_positions(P.current_positions(store))["position_id"]) == [ids["reendorsed_public"]]


def test_covers_scopes() -> None:
    assert P.covers("country")
    assert P.covers("actor-type:de-facto-authority")
    assert P.covers("admin:ML05", pcodes={"ML050101"})  # a region covers its communes
    assert P.covers("admin:ML050101", pcodes={"ML05"})  # a commune applies when its region is in view
    assert not P.covers("admin:ML05", pcodes={"ML0601"})
    assert P.covers(f"axis:{AXIS}", axes={AXIS}) and not P.covers(f"axis:{AXIS}", axes={"X"})
    assert P.covers("locality:Boni", localities={"Boni"}) and not P.covers("crossing:X-DABI", axes={"X-DABI"})


def test_review_lists_uncovered_constraints_and_stale_positions(store: Path) -> None:
    status = pd.DataFrame({"status": ["closed", "constrained", "open"]}, index=["A1", "A2", "A3"])
    episodes = gpd.GeoDataFrame(
        {
            "locality": ["Boni", "Léré", "Gone"],
            "adm3_pcode": ["ML050301", "ML060501", "ML010101"],
            "in_force": [True, True, False],
        },  # fmt: skip
        geometry=gpd.points_from_xy([0, 0, 0], [0, 0, 0]),
    )
    reg = pd.DataFrame(
        [
            (1, "endorsed", "axis:A1", "2025-06-01"),
            (2, "proposed", "axis:A2", "2025-11-01"),  # not endorsed: does not cover
            (3, "endorsed", "admin:ML0503", "2025-11-01"),  # the cercle of Boni
            (4, "endorsed", "actor-type:de-facto-authority", "2025-11-01"),  # covers no place
            (5, "retired", "country", "2020-01-01"),
        ],
        columns=["id", "status", "scope", "meeting_date"],
    )
    uncovered, stale = P.review(
        reg, axis_status=status, episodes=episodes, as_of=dt.date(2025, 12, 15), months=6
    )
    assert list(zip(uncovered["kind"], uncovered["ref"], strict=True)) == [
        ("axis", "A2"),
        ("locality", "Léré"),
        ("area", "ML0605"),  # Léré's cercle; Boni's (ML0503) has an endorsed position
    ]
    # with the cercles each axis crosses: A1 is closed in ML0503 (covered) and ML0601 (not);
    # a position on the axis itself does not cover the cercle, one on its region does
    areas = {"A1": {"ML0503", "ML0601"}, "A2": {"ML0601"}}
    uncovered, _ = P.review(
        reg, axis_status=status, episodes=episodes, as_of=dt.date(2025, 12, 15), axis_areas=areas,
        area_names={"ML0601": "Tombouctou"},
    )  # fmt: skip
    area = uncovered[uncovered["kind"] == "area"].set_index("ref")
    assert list(area.index) == ["ML0601", "ML0605"]
    assert area.at["ML0601", "constraint"] == "closed: A1; constrained: A2"
    assert area.at["ML0601", "name"] == "Tombouctou" and area.at["ML0605", "constraint"] == "encircled: Léré"
    reg2 = pd.concat([reg, pd.DataFrame([(6, "endorsed", "admin:ML06", "2025-11-01")], columns=reg.columns)])
    uncovered, _ = P.review(reg2, axis_status=status, episodes=episodes, as_of=dt.date(2025, 12, 15),
                            axis_areas=areas)  # fmt: skip
    assert "area" not in set(uncovered["kind"])
    assert list(stale["id"]) == [1]  # 2025-06-01 is before 2025-06-15; the retired one is not listed
    assert stale["months_since"].iloc[0] == pytest.approx(197 / 30.44, abs=0.05)
    # a country-wide endorsed position covers everything
    reg.loc[4, "status"] = "endorsed"
    uncovered, _ = P.review(reg, axis_status=status, episodes=episodes, as_of=dt.date(2025, 12, 15))
    assert uncovered.empty
