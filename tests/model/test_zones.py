"""Access-zone rules: first matching rule wins, each unit names its rule, bad tables are reported."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import DataFileError
from geo.model.zones import RULES_PATH, ZONES, classify_zones, read_rules


@pytest.fixture
def metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pcode": ["A", "B", "C", "D", "E", "F"],
            "share_pop_4h": [0.9, 0.1, 0.0, 0.6, 0.3, 0.9],
            "share_pop_12h": [1.0, 0.9, 0.05, 0.8, 0.4, 1.0],
            "share_area_12h": [1.0, 0.9, 0.02, 0.8, 0.5, 1.0],
            "blockades": [0, 1, 0, 0, 0, 0],
            "incidents": [0, 0, 0, 12, 0, 4],
        }
    )


def test_project_rules_place_every_unit_and_name_the_rule(metrics: pd.DataFrame) -> None:
    out = classify_zones(metrics, read_rules(RULES_PATH))
    assert list(out["zone"].astype(str)) == [
        "accessible",
        "inaccessible",
        "inaccessible",
        "hard_to_reach",
        "hard_to_reach",
        "constrained",
    ]
    assert list(out["rule_id"]) == [
        "Z8-DEFAULT",
        "Z1-BLOCKADE",
        "Z2-NO-REACH",
        "Z5-INCIDENTS",
        "Z3-FAR",
        "Z7-INCIDENTS",
    ]
    assert out["rule"].str.len().min() > 10
    assert list(out["zone"].cat.categories) == list(ZONES)


def test_first_matching_rule_wins_and_unmatched_units_say_none(tmp_path, metrics: pd.DataFrame) -> None:
    path = tmp_path / "rules.csv"
    path.write_text(
        "rule_id,zone,condition,description\n"
        "R1,hard_to_reach,incidents >= 4,many incidents\n"
        "R2,constrained,incidents >= 1,some incidents\n",
        encoding="utf-8",
    )
    out = classify_zones(metrics, read_rules(path))
    assert list(out["rule_id"]) == ["none", "none", "none", "R1", "none", "R1"]
    assert out["zone"].isna().sum() == 4


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("R1,safe,all,x\n", "row 1, field 'zone': unknown zone 'safe'"),
        ("R1,accessible,,x\n", "row 1, field 'condition'"),
        ("R1,accessible,all,x\nR1,accessible,all,y\n", "row 2, field 'rule_id': duplicate"),
    ],
)
def test_bad_rule_tables_name_row_and_field(tmp_path, body: str, match: str) -> None:
    path = tmp_path / "rules.csv"
    path.write_text("rule_id,zone,condition,description\n" + body, encoding="utf-8")
    with pytest.raises(DataFileError, match=match):
        read_rules(path)


def test_unknown_metric_in_a_condition_is_reported(tmp_path, metrics: pd.DataFrame) -> None:
    path = tmp_path / "rules.csv"
    path.write_text(
        "rule_id,zone,condition,description\nR1,accessible,share_pop_2h > 0.5,x\n", encoding="utf-8"
    )
    with pytest.raises(DataFileError, match="row 1, field 'condition'.*R1"):
        classify_zones(metrics, read_rules(path))


def test_real_zones_cover_every_commune(data_dir, model_inputs) -> None:  # noqa: ANN001
    import datetime as dt

    from geo.model.reach import compute_reach
    from geo.model.zones import access_zones
    from geo.sources.curated import select_hubs
    from geo.store.constraints import load_versions

    v = load_versions(None)
    result = compute_reach(
        model_inputs,
        select_hubs(None),
        v,
        as_of=dt.date(2025, 11, 30),
    )
    z3 = access_zones(model_inputs, result, level=3)
    assert len(z3) == 701
    assert z3["zone"].notna().all()
    # the commune holding Bamako's hub is accessible (everyone within 4 h)
    bko = z3[z3["pcode"].str.startswith("ML09")]
    assert (bko["zone"] == "accessible").all()
    z2 = access_zones(model_inputs, result, level=2)
    assert len(z2) == 50
    assert z2["share_pop_12h"].between(0, 1).all()
