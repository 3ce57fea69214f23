"""Incident -> constraint links: date and source carried over, link kept, hostile input, nothing lost."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from geo.errors import DataFileError
from geo.store import constraints
from geo.store.links import link_incident

HOSTILE = '=HYPERLINK("http://x")<script>alert(1)</script>\'; DROP TABLE x;--\u202e'


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    with constraints.open_store(path, seed_dir=None):
        pass
    return path


def incident(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "incident_id": "curated:MLI-ACC-901",
        "date": pd.Timestamp("2025-10-27"),
        "source": "curated",
        "source_ref": "https://example.org/lere",
        "amrf": "population_access",
        "latitude": 15.7118,
        "longitude": -4.9118,
    }
    row.update(kw)
    return row


def counts(path: Path) -> tuple[int, int, int]:
    con = sqlite3.connect(path)
    try:
        return tuple(
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (constraints.ROAD_TABLE, constraints.ENCIRCLED_TABLE, constraints.LINK_TABLE)
        )
    finally:
        con.close()


def test_road_status_from_an_incident_carries_date_and_source(store: Path) -> None:
    inc = incident(amrf="movement_within")
    res = link_incident(store, inc, kind="road_status", recorded_by="advisor", axis_id="LERE-NIONO")
    hist = constraints.road_status_history(store, "LERE-NIONO")
    assert len(hist) == 1
    v = hist.iloc[0]
    assert v["valid_from"] == dt.date(2025, 10, 27)
    assert v["status"] == "closed"
    assert "curated:MLI-ACC-901" in v["source"] and "https://example.org/lere" in v["source"]
    links = constraints.incident_links(store)
    assert list(links["incident_id"]) == ["curated:MLI-ACC-901"]
    assert links.iloc[0]["version_id"] == res.version_id == int(v["version_id"])
    assert (links.iloc[0]["kind"], links.iloc[0]["target"], links.iloc[0]["amrf"]) == (
        "road_status",
        "LERE-NIONO",
        "movement_within",
    )
    assert links.iloc[0]["incident_date"] == "2025-10-27"


def test_encirclement_of_a_new_locality_takes_the_incident_point(store: Path) -> None:
    res = link_incident(store, incident(), kind="encirclement", recorded_by="advisor", locality="Léré")
    enc = constraints.encircled_history(store, "lere")
    assert len(enc) == 1
    e = enc.iloc[0]
    assert (e["since"], e["status"], e["lon"], e["lat"]) == (
        dt.date(2025, 10, 27),
        "active",
        -4.9118,
        15.7118,
    )
    assert res.target == e["episode_id"] and res.kind == "encirclement"


def test_hostile_text_is_stored_as_typed(store: Path) -> None:
    inc = incident(incident_id=HOSTILE, source_ref=HOSTILE)
    link_incident(store, inc, kind="road_status", recorded_by=HOSTILE, axis_id="LERE-NIONO", note=HOSTILE)
    v = constraints.road_status_history(store, "LERE-NIONO").iloc[0]
    assert v["note"] == HOSTILE and HOSTILE in v["source"]
    link = constraints.incident_links(store, HOSTILE).iloc[0]
    assert link["incident_id"] == HOSTILE and link["linked_by"] == HOSTILE.strip()


@pytest.mark.parametrize(
    ("inc", "kw", "field"),
    [
        (incident(incident_id="  "), {"kind": "road_status", "axis_id": "LERE-NIONO"}, "incident_id"),
        (incident(date="not a date"), {"kind": "road_status", "axis_id": "LERE-NIONO"}, "date"),
        (incident(date=None), {"kind": "road_status", "axis_id": "LERE-NIONO"}, "date"),
        (incident(amrf="not_access"), {"kind": "road_status", "axis_id": "LERE-NIONO"}, "incident_id"),
        (incident(), {"kind": "checkpoint"}, "kind"),
        (incident(), {"kind": "road_status"}, "axis_id"),
        (incident(), {"kind": "road_status", "axis_id": "NO-SUCH-AXIS"}, "axis_id"),
        (incident(), {"kind": "road_status", "axis_id": "LERE-NIONO", "status": "<b>"}, "status"),
        (incident(), {"kind": "road_status", "axis_id": "LERE-NIONO", "cause": "x"}, "cause"),
        (incident(), {"kind": "encirclement"}, "locality"),
        (incident(), {"kind": "encirclement", "locality": "Léré", "status": "besieged"}, "status"),
        (incident(latitude=48.85, longitude=2.35), {"kind": "encirclement", "locality": "Paris"}, "l"),
        (
            incident(latitude=None, longitude=None),
            {"kind": "encirclement", "locality": "Nowhere"},
            "locality",
        ),
    ],
)
def test_bad_input_writes_nothing(store: Path, inc: dict, kw: dict, field: str) -> None:
    with pytest.raises(DataFileError, match=f"field '{field}"):
        link_incident(store, inc, recorded_by="advisor", **kw)
    assert counts(store) == (0, 0, 0)


def test_empty_recorder_is_refused(store: Path) -> None:
    with pytest.raises(DataFileError, match="recorded_by"):
        link_incident(store, incident(), kind="road_status", recorded_by=" ", axis_id="LERE-NIONO")
    assert counts(store) == (0, 0, 0)


def test_same_incident_twice_to_same_target_is_refused_and_first_link_kept(store: Path) -> None:
    link_incident(store, incident(), kind="road_status", recorded_by="a", axis_id="LERE-NIONO")
    with pytest.raises(DataFileError, match="already linked"):
        link_incident(store, incident(), kind="road_status", recorded_by="b", axis_id="LERE-NIONO", note="x")
    link_incident(store, incident(), kind="encirclement", recorded_by="a", locality="Léré")
    with pytest.raises(DataFileError, match="already linked"):
        link_incident(store, incident(), kind="encirclement", recorded_by="a", locality="LERE")
    assert counts(store) == (1, 1, 2)


def test_links_are_append_only(store: Path) -> None:
    link_incident(store, incident(), kind="road_status", recorded_by="a", axis_id="LERE-NIONO")
    con = sqlite3.connect(store)
    try:
        for sql in (
            f"UPDATE {constraints.LINK_TABLE} SET target = 'X'",
            f"DELETE FROM {constraints.LINK_TABLE}",
        ):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                con.execute(sql)
    finally:
        con.close()
    assert counts(store) == (1, 0, 1)


def test_cli_link_and_list(tmp_path: Path, data_dir, capsys) -> None:
    from geo.cli import main

    store = tmp_path / "s.sqlite"
    args = ["--data", str(data_dir), "--store", str(store)]
    link = ["incidents", "link", "curated:MLI-ACC-003", "--encircled", "Farabougou", "--by", "adv", *args]
    rc = main(["--lang", "fr", *link])
    out = capsys.readouterr().out
    assert rc == 0 and "population_access" in out
    # the incident's date is written out for people (the store keeps ISO)
    from geo.model.incidents import load_incidents
    from geo.products.i18n import format_date

    day = load_incidents(data_dir).loc["curated:MLI-ACC-003", "date"].date()
    assert out.startswith(f"incident curated:MLI-ACC-003 ({format_date(day, 'fr')}, AMRF ")
    assert main(["incidents", "link", "curated:NOPE", "--road", "LERE-NIONO", "--by", "a", *args]) == 2
    assert main(["incidents", "links", "--store", str(store)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 3 and "curated:MLI-ACC-003" in listed[2]
