"""One vocabulary (geo.vocab) for road status, cause, confidence and encirclement status.

Every place that knows these codes takes them from ``geo.vocab``: the store's CHECK
constraints accept exactly them, the curated readers and the command line accept exactly
them, the map legends and labels cover every one, and no module spells the lists again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import LineString, Point, box

from geo.vocab import CAUSE, CONFIDENCE, ENCIRCLED_STATUS, ROAD_STATUS, VOCABULARIES, Vocab

ROOT = Path(__file__).resolve().parents[1]
AXIS = "RN16-SEV-DOU"


def test_vocab_behaves_as_its_codes_and_labels_in_both_languages() -> None:
    assert list(ROAD_STATUS) == ["open", "constrained", "closed", "unknown"]
    assert ROAD_STATUS.index("closed") == 2 and ROAD_STATUS[2] == "closed" and len(ROAD_STATUS) == 4
    assert "closed" in ROAD_STATUS and "shut" not in ROAD_STATUS and float("nan") not in ROAD_STATUS
    assert ROAD_STATUS.label("closed", "fr") == "Fermée" and ROAD_STATUS.label("closed") == "Closed"
    assert ROAD_STATUS.label("bogus") == "bogus" and ROAD_STATUS.label(None) == ""
    assert ROAD_STATUS.sql_in("status") == "status IN ('open','constrained','closed','unknown')"
    for vocab in VOCABULARIES.values():
        for lang in ("en", "fr"):
            labels = vocab.labels(lang)
            assert list(labels) == list(vocab) and all(labels.values())
    with pytest.raises(ValueError, match="language"):
        ROAD_STATUS.label("open", "de")
    with pytest.raises(ValueError, match="distinct identifiers"):
        Vocab("x", (("a", "A", "A"), ("a", "B", "B")))
    with pytest.raises(ValueError, match="distinct identifiers"):
        Vocab("x", (("it's", "A", "A"),))


def test_status_agrees_with_the_crossing_noun_in_french() -> None:
    from geo.sources.curated import CROSSING_KINDS
    from geo.vocab import CROSSING_KIND_AGREEMENT, ROAD_STATUS_FR_FORMS, crossing_agreement, road_status_label

    # the feminine singular is the vocabulary's own label (a road); English never varies
    for code in ROAD_STATUS:
        assert road_status_label(code, "fr") == ROAD_STATUS.label(code, "fr")
        assert {road_status_label(code, "en", a) for a in ("m", "f", "mp", "fp")} == {ROAD_STATUS.label(code)}
    assert set(ROAD_STATUS_FR_FORMS) == set(ROAD_STATUS) and set(CROSSING_KIND_AGREEMENT) == set(
        CROSSING_KINDS
    )
    assert road_status_label("closed", "fr", crossing_agreement("ferry", "Bac de Djenné (Bani)")) == "Fermé"
    assert road_status_label("open", "fr", crossing_agreement("bridge", "Pont de Dabi")) == "Ouvert"
    assert road_status_label("closed", "fr", crossing_agreement("ford", None)) == "Fermé"
    pirogue = crossing_agreement("pirogue", "Traversée en pirogue vers Aibongo")
    assert road_status_label("closed", "fr", pirogue) == "Fermée"
    # the name's noun wins over the kind's: a ferry called "Traversée ...", two bridges
    assert (
        road_status_label("closed", "fr", crossing_agreement("ferry", "Traversée du Niger à Mopti"))
        == "Fermée"
    )
    assert (
        road_status_label("open", "fr", crossing_agreement("bridge", "Ponts de Bamako (Niger)")) == "Ouverts"
    )
    assert road_status_label("constrained", "fr", "m") == "Sous contrainte"
    with pytest.raises(ValueError, match="agreement"):
        road_status_label("open", "fr", "n")


def _checks(store: Path) -> dict[tuple[str, str], list[str]]:
    """``(table, column) -> codes`` of every ``column IN ('a',...)`` CHECK in the store schema."""
    con = sqlite3.connect(store)
    try:
        rows = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        con.close()
    out = {}
    for table, sql in rows:
        for column, values in re.findall(r"(\w+) IN \(([^)]*)\)", sql or ""):
            if "'" in values:
                out[(table, column)] = re.findall(r"'([^']*)'", values)
    return out


def test_store_checks_accept_exactly_the_vocabulary(tmp_path: Path) -> None:
    from geo.store import constraints

    store = tmp_path / "s.sqlite"
    constraints.load_versions(store)
    checks = _checks(store)
    road, enc = constraints.ROAD_TABLE, constraints.ENCIRCLED_TABLE
    assert checks[(road, "status")] == list(ROAD_STATUS)
    assert checks[(road, "cause")] == list(CAUSE)
    assert checks[(road, "confidence")] == list(CONFIDENCE)
    assert checks[(enc, "status")] == list(ENCIRCLED_STATUS)
    assert checks[(enc, "coord_confidence")] == list(CONFIDENCE)
    assert checks[(enc, "confidence")] == list(CONFIDENCE)
    # each code is accepted by the store, one code outside the vocabulary by its CHECK alone
    for i, (status, cause) in enumerate(zip(ROAD_STATUS, [*CAUSE][: len(ROAD_STATUS)], strict=True)):
        res = constraints.record_road_status(
            store,
            axis_id=AXIS,
            status=status,
            cause=cause,
            valid_from=dt.date(2025, 1, 1) + dt.timedelta(days=i),
            confidence=CONFIDENCE[i % len(CONFIDENCE)],
            source="test",
            recorded_by="tester",
        )
        assert res.version_id > 0
    con = sqlite3.connect(store)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            con.execute(
                f"INSERT INTO {road} (axis_id, status, cause, valid_from, confidence, source, recorded_by, "
                "recorded_at) VALUES (?, 'shut', 'security', '2025-01-01', 'low', 's', 'b', 'x')",
                (AXIS,),
            )
    finally:
        con.close()


def test_curated_reader_accepts_exactly_the_vocabulary() -> None:
    from geo.sources.curated import ROAD_STATUS_COLUMNS, validate_road_status

    base = dict.fromkeys(ROAD_STATUS_COLUMNS, "")
    base |= {
        "axis_id": AXIS,
        "cause": "security",
        "confidence": "low",
        "source": "s",
        "valid_from": "2025-01-01",
    }
    rows = [base | {"status": s} for s in [*ROAD_STATUS, "shut"]]
    rows += [base | {"cause": c, "status": "open"} for c in [*CAUSE, "weather"]]
    rows += [base | {"confidence": c, "status": "open"} for c in [*CONFIDENCE, "sure"]]
    checked = validate_road_status(pd.DataFrame(rows))
    assert len(checked.valid) == len(ROAD_STATUS) + len(CAUSE) + len(CONFIDENCE)
    assert sorted(checked.rejected["field"]) == ["cause", "confidence", "status"]


def test_cli_choices_are_the_vocabulary() -> None:
    from geo.cli import build_parser

    parser = build_parser()

    def choices(*path: str) -> dict[str, list[str]]:
        p = parser
        for name in path:
            sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
            p = sub.choices[name]
        return {a.dest: list(a.choices) for a in p._actions if a.choices and not isinstance(a.choices, dict)}  # noqa: SLF001

    status = choices("status", "set")
    assert status["status"] == list(ROAD_STATUS) and status["cause"] == list(CAUSE)
    assert status["confidence"] == list(CONFIDENCE)
    enc = choices("encircled", "set")
    assert enc["status"] == list(ENCIRCLED_STATUS)
    assert enc["confidence"] == enc["coord_confidence"] == list(CONFIDENCE)
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["status", "set", "--axis", AXIS, "--status", "shut", "--cause", "security"])
    assert exc.value.code == 2


def test_colours_and_labels_cover_every_road_status() -> None:
    from geo.products.cartography import ROAD_STATUS_COLOUR
    from geo.products.i18n import has_key, tr

    assert list(ROAD_STATUS_COLOUR) == list(ROAD_STATUS)
    from geo.products.snapshot import labels as snapshot_labels

    for lang in ("en", "fr"):
        for s in ROAD_STATUS:
            # the catalogs hold no copy of the vocabulary: print maps and snapshots read geo.vocab
            assert not has_key(f"road_{s}", lang) and not has_key(f"snapshot.{s}", lang)
            assert snapshot_labels(lang)[s] == ROAD_STATUS.label(s, lang)
        assert tr("road_base", lang)  # the legend's other road entries stay in the catalogs


def test_live_map_and_roads_layer_show_the_vocabulary_labels() -> None:
    from layers.basemap import make_map
    from layers.roads import build_roads_layer

    axes = gpd.GeoDataFrame(
        {"axis_name": [f"Axis {s}" for s in ROAD_STATUS], "schematic": [False] * len(ROAD_STATUS)},
        geometry=[LineString([(-6 + i, 13), (-5 + i, 14)]) for i in range(len(ROAD_STATUS))],
        crs="EPSG:4326",
        index=pd.Index(list(ROAD_STATUS), name="axis_id"),
    )
    status = pd.DataFrame({"status": list(ROAD_STATUS)}, index=axes.index)
    roads = gpd.GeoDataFrame(geometry=[LineString([(-8, 12), (-7, 12.5)])], crs="EPSG:4326")
    m = make_map()
    build_roads_layer(roads, axes, status).add_to(m)
    html = m.get_root().render()
    for s in ROAD_STATUS:
        assert f"Axis {s}: {ROAD_STATUS.label(s)}" in html


def test_print_map_legend_covers_every_road_status() -> None:
    from pypdf import PdfReader

    from geo.products.printmap import MapLayers, render_map

    n = len(ROAD_STATUS)
    axes = gpd.GeoDataFrame(
        {"axis_name": [f"Axis {s}" for s in ROAD_STATUS], "schematic": [False] * n},
        geometry=[LineString([(-7 + i, 13), (-6 + i, 15)]) for i in range(n)],
        crs="EPSG:4326",
        index=pd.Index(list(ROAD_STATUS), name="axis_id"),
    )
    layers = MapLayers(
        admin1=gpd.GeoDataFrame({"name": ["Ségou"]}, geometry=[box(-8, 12, -2, 16)], crs="EPSG:4326"),
        axes=axes,
        axis_status=pd.DataFrame({"status": list(ROAD_STATUS)}, index=axes.index),
        hubs=gpd.GeoDataFrame(
            {"hub_id": ["SEG"], "name": ["Ségou"]}, geometry=[Point(-6.26, 13.44)], crs="EPSG:4326"
        ),
    )
    for lang in ("fr", "en"):
        pdf = render_map(layers, as_of=dt.date(2025, 11, 30), lang=lang, fmt="pdf", dpi=72)
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        for s in ROAD_STATUS:
            assert ROAD_STATUS.label(s, lang) in text, (lang, s)


def test_no_module_spells_a_vocabulary_again() -> None:
    spelled = {
        name: re.compile(r"""["']""" + r"""["']\s*,\s*["']""".join(vocab.codes[:2]) + r"""["']""")
        for name, vocab in VOCABULARIES.items()
    }
    found = []
    for folder in ("geo", "layers", "views"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel == "geo/vocab.py":
                continue
            text = path.read_text(encoding="utf-8")
            found += [(rel, name) for name, pattern in spelled.items() if pattern.search(text)]
    assert found == []
