"""Property tests (hypothesis) of the cost-distance search and the polygonizer.

The grids are small and random: friction drawn from road and off-road speeds, barriers
scattered at random. The properties hold for any grid, so no expected value is copied
from a run.
"""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin

from geo.model.costdist import settle, travel_time_h
from geo.model.polygonize import mask_polygons

SPEEDS_KMH = (3.0, 5.0, 15.0, 30.0, 65.0)


@st.composite
def friction_grids(draw: st.DrawFn) -> tuple[np.ndarray, tuple[int, int], float]:
    """A random friction grid (h/km, some inf), a passable start cell and a cell size (km)."""
    rows = draw(st.integers(3, 14))
    cols = draw(st.integers(3, 14))
    seed = draw(st.integers(0, 2**32 - 1))
    barrier_share = draw(st.sampled_from((0.0, 0.1, 0.3)))
    rng = np.random.default_rng(seed)
    f = 1.0 / rng.choice(SPEEDS_KMH, size=(rows, cols))
    f[rng.random((rows, cols)) < barrier_share] = np.inf
    start = (draw(st.integers(0, rows - 1)), draw(st.integers(0, cols - 1)))
    f[start] = 1.0 / 30.0
    cell_km = draw(st.sampled_from((0.25, 1.0, 2.0)))
    return f, start, cell_km


@settings(max_examples=60, deadline=None)
@given(friction_grids())
def test_times_are_consistent_with_every_orthogonal_step(case: tuple) -> None:
    """No cell can be improved through an orthogonal neighbour (moves always allowed)."""
    f, start, cell_km = case
    t = travel_time_h(f, [start], cell_km=cell_km)
    assert t[start] == 0.0 and (t >= 0).all()
    assert np.isinf(t[np.isinf(f)]).all()
    for dr, dc in ((0, 1), (1, 0)):
        a = t[: t.shape[0] - dr, : t.shape[1] - dc]
        b = t[dr:, dc:]
        w = 0.5 * (f[: f.shape[0] - dr, : f.shape[1] - dc] + f[dr:, dc:]) * cell_km
        both = np.isfinite(w)
        # a reached cell makes its passable orthogonal neighbour reached, within one step
        assert (np.isfinite(b) | ~(np.isfinite(a) & both)).all()
        assert (np.isfinite(a) | ~(np.isfinite(b) & both)).all()
        ok = both & np.isfinite(a) & np.isfinite(b)
        assert (b[ok] <= a[ok] + w[ok] + 1e-9).all()
        assert (a[ok] <= b[ok] + w[ok] + 1e-9).all()


@settings(max_examples=40, deadline=None)
@given(friction_grids(), st.sampled_from((0.5, 2.0, 10.0)))
def test_times_scale_with_friction(case: tuple, factor: float) -> None:
    f, start, cell_km = case
    base = travel_time_h(f, [start], cell_km=cell_km)
    scaled = travel_time_h(f * factor, [start], cell_km=cell_km)
    finite = np.isfinite(base)
    assert np.array_equal(finite, np.isfinite(scaled))
    assert np.allclose(scaled[finite], base[finite] * factor, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(friction_grids(), st.data())
def test_time_from_a_to_b_equals_time_from_b_to_a(case: tuple, data: st.DataObject) -> None:
    """The cost model is symmetric (half of each cell's friction), so times are too."""
    f, a, cell_km = case
    passable = np.argwhere(np.isfinite(f))
    b = tuple(passable[data.draw(st.integers(0, len(passable) - 1))])
    t_a = travel_time_h(f, [a], cell_km=cell_km)
    t_b = travel_time_h(f, [b], cell_km=cell_km)
    assert np.isfinite(t_a[b]) == np.isfinite(t_b[a])
    if np.isfinite(t_a[b]):
        assert abs(t_a[b] - t_b[a]) <= 1e-9 * max(1.0, t_a[b])


@settings(max_examples=40, deadline=None)
@given(friction_grids(), st.sampled_from((0.05, 0.2, 1.0)))
def test_bounded_search_is_the_full_search_cut_and_both_queues_agree(case: tuple, max_h: float) -> None:
    f, start, cell_km = case
    full = travel_time_h(f, [start], cell_km=cell_km)
    heap = settle(f, [start], cell_km=cell_km, max_h=max_h, method="heap").raster()
    buckets = settle(f, [start], cell_km=cell_km, max_h=max_h, method="buckets").raster()
    assert np.array_equal(heap, buckets)
    assert np.array_equal(heap, np.where(full <= max_h, full, np.inf))


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 24),
    st.integers(1, 24),
    st.integers(0, 2**32 - 1),
    st.sampled_from((0.2, 0.5, 0.8)),
    st.sampled_from((250.0, 1000.0)),
)
def test_polygon_area_equals_cell_count(rows: int, cols: int, seed: int, share: float, cell_m: float) -> None:
    mask = np.random.default_rng(seed).random((rows, cols)) < share
    geom = mask_polygons(mask, from_origin(-3_000_000.0, 2_000_000.0, cell_m, cell_m))
    assert shapely.is_valid(geom)
    assert geom.area == mask.sum() * cell_m * cell_m
    if mask.any():
        assert geom.covers(shapely.points(*_cell_centres(mask, cell_m))).all()


def _cell_centres(mask: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    r, c = np.nonzero(mask)
    return -3_000_000.0 + (c + 0.5) * cell_m, 2_000_000.0 - (r + 0.5) * cell_m
