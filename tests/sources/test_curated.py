"""Curated layers: validation reports every bad row; the as-of rules on hand-made cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from geo.errors import DataFileError
from geo.sources import curated


def test_seed_files_are_valid() -> None:
    hubs, axes = curated.read_hubs(), curated.read_axes()
    status, encircled = curated.read_road_status(), curated.read_encircled()
    assert (len(hubs.valid), len(axes.valid), len(status.valid), len(encircled.valid)) == (7, 13, 19, 18)
    for checked in (hubs, axes, status, encircled):
        assert checked.rejected.empty
    sources = curated.read_sources()
    cited = {k.strip() for refs in status.valid["source"] for k in refs.split(";")}
    cited |= {k.strip() for refs in encircled.valid["source"] for k in refs.split(";")}
    assert cited <= set(sources.index)


def _status_rows(**overrides: str) -> pd.DataFrame:
    row = {c: "" for c in curated.ROAD_STATUS_COLUMNS}
    row.update(
        axis_id="RN16-SEV-DOU",
        status="closed",
        cause="security",
        valid_from="2025-11-01",
        confidence="medium",
        source="test source",
        recorded_by="t",
        recorded_at="2025-11-02",
    )
    row.update(overrides)
    return pd.DataFrame([row])


@pytest.mark.parametrize(
    ("override", "field", "reason"),
    [
        ({"status": "shut"}, "status", "'shut' is not one of"),
        ({"valid_from": "01/11/2025"}, "valid_from", "is not a date YYYY-MM-DD"),
        ({"valid_to": "2025-10-01"}, "valid_to", "2025-10-01 is before 2025-11-01"),
        ({"source": ""}, "source", "required value is empty"),
        ({"axis_id": "RN99"}, "axis_id", "unknown axis 'RN99'"),
    ],
)
def test_bad_status_rows_are_rejected_with_field(override: dict, field: str, reason: str) -> None:
    checked = curated.validate_road_status(
        _status_rows(**override), path="status.csv", known_axes={"RN16-SEV-DOU"}
    )
    assert checked.valid.empty
    rej = checked.rejected.iloc[0]
    assert (rej["file"], rej["row"], rej["field"]) == ("status.csv", 1, field)
    assert reason in rej["reason"]


def test_missing_column_raises(tmp_path: Path) -> None:
    path = tmp_path / "hubs.csv"
    path.write_text("hub_id,name\nX,Y\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"hubs\.csv, field 'level': missing column"):
        curated.read_hubs(path)


def test_road_status_as_of_picks_latest_version_in_force() -> None:
    versions = pd.concat(
        [
            _status_rows(status="constrained", valid_from="2022-01-01", recorded_at="2022-01-02"),
            _status_rows(status="closed", valid_from="2025-11-01", valid_to="2025-12-31"),
        ]
    )
    valid = curated.validate_road_status(versions).valid
    axes = ["RN16-SEV-DOU", "OTHER"]
    assert curated.road_status_as_of(valid, axes, dt.date(2021, 6, 1))["status"].tolist() == [
        "unknown",
        "unknown",
    ]
    assert (
        curated.road_status_as_of(valid, axes, dt.date(2025, 6, 1)).at["RN16-SEV-DOU", "status"]
        == "constrained"
    )
    assert (
        curated.road_status_as_of(valid, axes, dt.date(2025, 12, 31)).at["RN16-SEV-DOU", "status"] == "closed"
    )
    assert (
        curated.road_status_as_of(valid, axes, dt.date(2026, 1, 1)).at["RN16-SEV-DOU", "status"]
        == "constrained"
    )


def test_encircled_as_of_rules() -> None:
    eps = curated.read_encircled().valid.set_index("locality", drop=False)
    on = curated.encircled_as_of(eps, dt.date(2024, 1, 1))
    assert bool(on.loc["Ménaka", "in_force"]) is True  # 2023-04-10 .. 2024-10-15
    assert bool(on.loc["Farabougou", "in_force"]) is True  # open-ended, active
    assert bool(on.loc["Tombouctou", "in_force"]) is False  # unknown after last confirmation 2023-12-11
    later = curated.encircled_as_of(eps, dt.date(2025, 11, 29))
    assert bool(later.loc["Ménaka", "in_force"]) is False
    lere = later[later["locality"] == "Léré"]["in_force"].tolist()
    assert lere == [False, True]  # first episode lifted, second active
