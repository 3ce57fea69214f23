"""AMRF typology: the shipped tables are valid and cover the sources' event types; bad rows are named."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import DataFileError
from geo.sources.amrf import (
    CATEGORY_COLUMNS,
    MAPPING_COLUMNS,
    NOT_ACCESS,
    UNCLASSIFIED,
    classify,
    constraint_category,
    read_typology,
)

UCDP_TYPES = ("State-based violence", "Non-state violence", "One-sided violence")
ACLED_TYPES = (
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Riots",
    "Protests",
    "Strategic developments",
)


def test_project_tables_are_valid_with_nine_categories_and_sources() -> None:
    t = read_typology()
    assert len(t.constraint_codes) == 9
    assert NOT_ACCESS in t.categories.index
    assert t.categories["source"].str.len().gt(0).all()
    assert set(t.mapping["amrf"]) <= set(t.categories.index)
    # every category fed to severity is a constraint, and both groups are fed
    assert t.codes_for("violence_incidents") and t.codes_for("restriction_reports")
    assert NOT_ACCESS not in t.codes_for("violence_incidents") + t.codes_for("restriction_reports")


@pytest.mark.parametrize("event_type", UCDP_TYPES)
def test_every_ucdp_type_is_mapped(event_type: str) -> None:
    df = pd.DataFrame({"source": ["ucdp"], "event_type": [event_type]})
    assert classify(df).iloc[0] == "hostilities"


@pytest.mark.parametrize("event_type", ACLED_TYPES)
def test_every_acled_type_is_mapped(event_type: str) -> None:
    df = pd.DataFrame({"source": ["acled"], "event_type": [event_type], "sub_event_type": ["x"]})
    assert classify(df).iloc[0] != UNCLASSIFIED


def test_sub_event_type_rule_wins_and_case_does_not_matter() -> None:
    df = pd.DataFrame(
        {
            "source": ["acled", "acled", "ACLED", "generic:field"],
            "event_type": [
                "Explosions/Remote violence",
                "Explosions/Remote violence",
                " battles ",
                "Battles",
            ],
            "sub_event_type": ["Remote explosive/landmine/IED", "Air/drone strike", "", ""],
        }
    )
    assert list(classify(df)) == ["mines", "hostilities", "hostilities", UNCLASSIFIED]


def test_every_curated_event_type_of_the_real_file_is_mapped(data_dir) -> None:
    ev = pd.read_csv(data_dir / "incidents" / "mali_access_events_curated.csv", dtype=str)
    df = pd.DataFrame({"source": "curated", "event_type": ev["event_type"]})
    assert not (classify(df) == UNCLASSIFIED).any()


def _write(tmp_path, cats: list[list[str]], rules: list[list[str]]):
    c, m = tmp_path / "c.csv", tmp_path / "m.csv"
    pd.DataFrame(cats, columns=CATEGORY_COLUMNS).to_csv(c, index=False)
    pd.DataFrame(rules, columns=MAPPING_COLUMNS).to_csv(m, index=False)
    return c, m


GOOD_CATS = [
    ["hostilities", "Hostilités", "Hostilities", "violence_incidents", "d", "s"],
    [NOT_ACCESS, "Non", "Not", "", "d", "s"],
]


@pytest.mark.parametrize(
    ("cats", "rules", "where"),
    [
        (GOOD_CATS + [["hostilities", "a", "b", "", "d", "s"]], [], "row 3, field 'code'"),
        ([["x", "", "X", "", "d", "s"], *GOOD_CATS], [], "row 1, field 'label_fr'"),
        ([["x", "a", "X", "", "d", ""], *GOOD_CATS], [], "row 1, field 'source'"),
        ([["x", "a", "X", "bogus", "d", "s"], *GOOD_CATS], [], "row 1, field 'severity_indicator'"),
        (GOOD_CATS[:1], [], "field 'code'"),
        (GOOD_CATS, [["gdelt", "Battles", "", "hostilities", ""]], "row 1, field 'source'"),
        (GOOD_CATS, [["ucdp", "", "", "hostilities", ""]], "row 1, field 'event_type'"),
        (GOOD_CATS, [["ucdp", "Battles", "", "<script>", ""]], "row 1, field 'amrf'"),
        (
            GOOD_CATS,
            [["ucdp", "Battles", "", "hostilities", ""], ["ucdp", "BATTLES", "", "not_access", ""]],
            "row 2, field 'event_type'",
        ),
    ],
)
def test_bad_tables_name_file_row_and_field(tmp_path, cats, rules, where) -> None:
    if not rules:
        rules = [["ucdp", "Battles", "", "hostilities", ""]]
    c, m = _write(tmp_path, cats, rules)
    with pytest.raises(DataFileError, match=where):
        read_typology(c, m)


def test_constraints_are_classified_by_kind_and_cause() -> None:
    assert constraint_category("encirclement") == "population_access"
    assert constraint_category("road_status", "security") == "movement_within"
    assert constraint_category("road_status", "seasonal") == "physical_environment"
    assert constraint_category("crossing_status", "physical") == "physical_environment"
    with pytest.raises(ValueError, match="kind"):
        constraint_category("checkpoint")
