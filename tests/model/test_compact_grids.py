"""The compact forms of the model's grids hold the same values as the dense ones."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from geo.model.friction import RoadSpeeds, _mostly_zero, _nearest_land


def test_road_speeds_decode_to_the_grids_they_encode() -> None:
    rng = np.random.default_rng(3)
    dry = np.where(rng.random((40, 50)) < 0.2, rng.choice([15.0, 30.0, 47.3, 70.0], (40, 50)), 0.0)
    rainy = np.where(rng.random((40, 50)) < 0.5, dry / 2, 0.0)  # some roads closed in the rains
    rs = RoadSpeeds.from_grids({"dry": dry, "rainy": rainy})
    assert rs.codes.dtype == np.uint8
    np.testing.assert_array_equal(rs["dry"], dry.astype(np.float32))
    np.testing.assert_array_equal(rs["rainy"], rainy.astype(np.float32))
    np.testing.assert_array_equal(rs.any_road(), (dry > 0) | (rainy > 0))
    np.testing.assert_array_equal(
        rs.at("dry", (slice(5, 9), slice(10, 20))), dry[5:9, 10:20].astype(np.float32)
    )
    assert rs.table["dry"][0] == 0 and rs.table["rainy"][0] == 0


def test_road_speeds_take_two_bytes_beyond_255_speed_pairs() -> None:
    dry = np.arange(1, 601, dtype=float).reshape(20, 30)
    rs = RoadSpeeds.from_grids({"dry": dry, "rainy": np.zeros_like(dry)})
    assert rs.codes.dtype == np.uint16
    np.testing.assert_array_equal(rs["dry"], dry.astype(np.float32))


def test_mostly_zero_copies_values_and_refuses_what_does_not_fit() -> None:
    a = np.zeros((30, 30), dtype=np.int32)
    a[3, 4], a[20, 7] = 5, 300
    out = _mostly_zero(a, np.int16)
    assert out.dtype == np.int16
    np.testing.assert_array_equal(out, a)
    a[0, 0] = 70_000
    with pytest.raises(ValueError, match="int16"):
        _mostly_zero(a, np.int16)


def test_nearest_land_is_as_near_as_a_whole_grid_distance_transform() -> None:
    water = np.zeros((300, 300), dtype=bool)
    water[:, 100:180] = True  # an 80-cell wide river: land is beyond the first windows
    water[140:160, :] = True
    dist = ndimage.distance_transform_edt(water)
    for r, c in [(150, 140), (10, 101), (299, 179), (150, 5)]:
        rr, cc = _nearest_land(water, r, c)
        assert not water[rr, cc]
        assert np.hypot(rr - r, cc - c) == pytest.approx(dist[r, c])
    assert _nearest_land(np.ones((5, 5), dtype=bool), 2, 2) == (2, 2)
