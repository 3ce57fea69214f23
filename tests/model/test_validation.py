"""The model against published Malian town-to-town road distances and travel times.

Documented band (data/validation/README.md, "Model check"):

* route length: the model's fastest route is within 0.90-1.25x the published road km
  for every pair with a published distance (15 pairs);
* time: for the pairs with a published nominal driving time (8 pairs, P18's "2 days"
  elapsed with nights excluded), model time / published time is within 0.90-1.75;
  the median is 1.2 (the model is slower than the pre-2012 DLCA nominal times, which
  imply 78-81 km/h).
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo.config import PROJECT_ROOT

PAIRS = PROJECT_ROOT / "data" / "validation" / "town_pairs.csv"
ELAPSED = {"P18"}  # elapsed time incl. night stops, not a driving time


@pytest.fixture(scope="module")
def table(data_dir):  # noqa: ANN001, ANN201
    from geo.model.friction import load_model_inputs
    from geo.model.reach import validate_town_pairs

    return validate_town_pairs(load_model_inputs(data_dir), pd.read_csv(PAIRS))


def test_every_pair_is_routed(table: pd.DataFrame) -> None:
    assert len(table) >= 12
    assert table["model_h"].notna().all()
    assert (table["model_km"] >= table["straight_km"]).all()


def test_route_length_within_band(table: pd.DataFrame) -> None:
    km = table.dropna(subset=["road_km"])
    assert len(km) >= 12
    assert km["km_ratio"].between(0.90, 1.25).all(), km[["pair_id", "km_ratio"]]


def test_travel_time_within_band(table: pd.DataFrame) -> None:
    timed = table.dropna(subset=["travel_time_h"])
    timed = timed[~timed["pair_id"].isin(ELAPSED)]
    assert len(timed) >= 8
    assert timed["ratio"].between(0.90, 1.75).all(), timed[["pair_id", "ratio"]]
    assert 1.0 <= timed["ratio"].median() <= 1.4
    elapsed = table[table["pair_id"].isin(ELAPSED)]
    assert (elapsed["model_h"] < elapsed["travel_time_h"]).all()
