"""Correctness of the grid search (geo.model.costdist): cost model, bounds, barriers, bad costs."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from skimage.graph import MCP_Geometric

from geo.errors import HubError
from geo.model.costdist import change_flags, prepare_friction, settle, trace_route, travel_time_h, update


@pytest.fixture
def random_friction() -> np.ndarray:
    rng = np.random.default_rng(42)
    return rng.uniform(1 / 65, 1 / 3, size=(60, 80))


@pytest.mark.parametrize("method", ["heap", "buckets"])
def test_equals_mcp_geometric_on_barrier_free_grid(random_friction: np.ndarray, method: str) -> None:
    starts = [(5, 7), (40, 60)]
    ours = settle(random_friction, starts, cell_km=2.0, method=method).raster()
    mcp, _ = MCP_Geometric(random_friction, fully_connected=True, sampling=(2.0, 2.0)).find_costs(starts)
    assert np.array_equal(ours, mcp)  # bit-identical


def test_heap_and_buckets_identical_with_barriers(random_friction: np.ndarray) -> None:
    f = random_friction.copy()
    f[20, 5:70] = np.inf
    a = settle(f, [(2, 2)], cell_km=1.0, max_h=6.0, method="heap").raster()
    b = settle(f, [(2, 2)], cell_km=1.0, max_h=6.0, method="buckets").raster()
    assert np.array_equal(a, b)


def test_bounded_search_equals_full_search_cut(random_friction: np.ndarray) -> None:
    full = travel_time_h(random_friction, [(30, 30)], cell_km=1.0)
    bounded = travel_time_h(random_friction, [(30, 30)], cell_km=1.0, max_h=4.0)
    expected = np.where(full <= 4.0, full, np.inf)
    assert np.array_equal(bounded, expected)


def test_threshold_includes_cells_at_exactly_t() -> None:
    f = np.ones((1, 10))  # 1 h/km, 1 km cells: cell k is exactly k hours away
    t = travel_time_h(f, [(0, 0)], cell_km=1.0, max_h=3.0)
    assert t[0, :5].tolist() == [0.0, 1.0, 2.0, 3.0, math.inf]


def test_one_cell_diagonal_barrier_is_never_crossed() -> None:
    f = np.ones((6, 6))
    f[np.arange(6), np.arange(6)] = np.inf  # a diagonal line, one cell wide (8-connected)
    ours = travel_time_h(f, [(0, 5)], cell_km=1.0)
    below = np.tril(np.ones((6, 6), dtype=bool), k=-1)
    assert np.isinf(ours[below]).all()
    assert np.isfinite(ours[np.triu(np.ones((6, 6), dtype=bool), k=1)]).all()
    # MCP cuts the corner and leaks through; we do not
    mcp, _ = MCP_Geometric(f, fully_connected=True).find_costs([(0, 5)])
    assert np.isfinite(mcp[below]).any()


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, -np.inf])
def test_zero_negative_nan_costs_are_rejected(bad: float) -> None:
    f = np.ones((4, 4))
    f[2, 3] = bad
    with pytest.raises(ValueError, match=r"row 2, col 3"):
        travel_time_h(f, [(0, 0)], cell_km=1.0)


def test_infinite_cost_is_a_barrier_and_times_are_never_negative() -> None:
    f = np.ones((5, 5))
    f[:, 2] = np.inf
    t = travel_time_h(f, [(2, 0)], cell_km=1.0)
    assert np.isinf(t[:, 2:]).all()
    assert (t[np.isfinite(t)] >= 0).all()
    grid = prepare_friction(f)
    assert (grid.lo, grid.hi) == (1.0, 1.0)
    # no move enters or leaves the barrier column, nor leaves the grid
    moves = grid.moves.reshape(f.shape)
    assert (moves[:, 2] == 0).all()
    assert moves[0, 0] == 0b10001010  # down, right, down-right
    assert moves[2, 1] == 0b01010111  # up, down, left, up-left, down-left


def test_cells_next_to_a_crossing_are_marked_in_a_bit_set() -> None:
    from geo.model.costdist import Friction, Tolls

    f = np.ones((6, 7))
    f[:, 3] = np.inf  # a river
    f[0, 0] = np.inf
    crossing = np.array([2 * 7 + 3])  # the river cell at (2, 3), opened
    f.reshape(-1)[crossing] = 0.5
    grid = prepare_friction(Friction.of(f, Tolls(crossing, np.ones(1, dtype=np.int32), np.array([0.0, 1.0]))))
    assert grid.moves.dtype == np.uint8 and grid.moves.size == f.size  # one byte per cell
    near = np.unpackbits(grid.near, bitorder="little")[: f.size].reshape(f.shape).astype(bool)
    expected = np.zeros(f.shape, dtype=bool)
    expected[1:4, 2:5] = np.isfinite(f[1:4, 2:5])  # the crossing cell and its passable neighbours
    np.testing.assert_array_equal(near, expected)
    assert not prepare_friction(f).near.any()  # no toll: no cell marked


def test_bad_starts_are_reported() -> None:
    f = np.ones((5, 5))
    f[1, 1] = np.inf
    with pytest.raises(HubError, match="outside the"):
        travel_time_h(f, [(9, 0)], cell_km=1.0)
    with pytest.raises(HubError, match="impassable"):
        travel_time_h(f, [(1, 1)], cell_km=1.0)
    with pytest.raises(ValueError, match="start_costs_h"):
        travel_time_h(f, [(0, 0)], cell_km=1.0, start_costs_h=np.array([-1.0]))
    with pytest.raises(ValueError, match="at least one"):
        travel_time_h(f, [], cell_km=1.0)


def test_uniform_grid_straight_and_diagonal_times() -> None:
    f = np.full((21, 21), 0.5)  # 2 km/h... 0.5 h/km
    t = travel_time_h(f, [(10, 10)], cell_km=1.0)
    assert t[10, 20] == pytest.approx(5.0)
    assert t[0, 0] == pytest.approx(10 * math.sqrt(2) * 0.5)


def test_labels_give_the_nearest_start(random_friction: np.ndarray) -> None:
    starts = [(5, 5), (50, 70)]
    both = settle(random_friction, starts, cell_km=1.0, labels=True)
    a = travel_time_h(random_friction, [starts[0]], cell_km=1.0)
    b = travel_time_h(random_friction, [starts[1]], cell_km=1.0)
    assert np.array_equal(both.raster(), np.minimum(a, b))
    lab = both.label_raster()
    assert (lab[a < b] == 0).all() and (lab[b < a] == 1).all()
    flat = np.array([5 * 80 + 5, 50 * 80 + 70, 0])
    assert both.labels_at(flat).tolist() == [0, 1, 0]
    assert both.values_at(flat)[0] == 0.0


def test_trace_route_costs_add_up(random_friction: np.ndarray) -> None:
    t = travel_time_h(random_friction, [(0, 0)], cell_km=1.0)
    path = trace_route(t, random_friction, (59, 79), cell_km=1.0)
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (59, 79)
    steps = np.hypot(*np.diff(path, axis=0).T)
    fr = random_friction[path[:, 0], path[:, 1]]
    assert float((0.5 * (fr[:-1] + fr[1:]) * steps).sum()) == pytest.approx(t[59, 79])


@pytest.mark.parametrize("method", ["heap", "buckets"])
def test_impassable_outer_ring_path_equals_bounds_checked_path(
    random_friction: np.ndarray, method: str
) -> None:
    # with an inf ring the kernel skips bounds checks; the times must not change
    padded = np.full((62, 82), np.inf)
    padded[1:-1, 1:-1] = random_friction
    inner = settle(random_friction, [(5, 7), (40, 60)], cell_km=2.0, max_h=5.0, method=method).raster()
    ringed = settle(padded, [(6, 8), (41, 61)], cell_km=2.0, max_h=5.0, method=method).raster()
    assert np.array_equal(ringed[1:-1, 1:-1], inner)
    assert np.isinf(ringed[0]).all() and np.isinf(ringed[:, -1]).all()


def test_starts_with_far_apart_costs_are_queued_in_order(random_friction: np.ndarray) -> None:
    # start costs hours apart (beyond the bucket queue's window): same result as the heap,
    # each cell settled once
    starts, costs = [(5, 7), (40, 60), (50, 10)], np.array([6.0, 0.0, 2.5])
    a = settle(random_friction, starts, cell_km=2.0, start_costs_h=costs, method="heap")
    b = settle(random_friction, starts, cell_km=2.0, start_costs_h=costs, method="buckets")
    assert np.array_equal(a.raster(), b.raster())
    assert len(np.unique(b.idx)) == len(b.idx) == random_friction.size


def _patched_like_full(f0: np.ndarray, f1: np.ndarray) -> None:
    """f1 prepared from f0's grid and compared where it may differ equals f1 prepared and compared whole."""
    from geo.model.costdist import _patched, change_flags, tolls_of

    may_differ = np.flatnonzero(np.asarray(f0) != np.asarray(f1))
    for t in (tolls_of(f0), tolls_of(f1)):  # a toll may change with the friction kept
        if t is not None:
            may_differ = np.union1d(may_differ, t.cells)
    may_differ = np.union1d(may_differ, [0, 7, f1.size - 1])  # unchanged cells given too
    g0, full = prepare_friction(f0), prepare_friction(f1)
    if _patched(np.asarray(f1), tolls_of(f1), g0, may_differ) is None:
        assert ((np.asarray(f0) == g0.lo) | (np.asarray(f0) == g0.hi)).reshape(-1)[may_differ].any()
    part = prepare_friction(f1, like=g0, cells=may_differ)
    for name in ("moves", "near", "gate"):
        assert np.array_equal(getattr(part, name), getattr(full, name)), name
    assert (part.lo, part.hi) == (full.lo, full.hi)
    a, b = change_flags(f0, full), change_flags(f0, part, cells=may_differ)
    assert np.array_equal(a.flags, b.flags) and np.array_equal(a.cells, b.cells)


def _assert_via(cells, friction, cell_km: float = 1.0) -> None:  # noqa: ANN001
    """Each cell's ``via`` names a cell before it whose time plus the move's cost is its time, bit for bit."""
    from geo.model.costdist import START, _toll

    grid = prepare_friction(friction)
    ncols = grid.shape[1]
    offs = np.array([-ncols, ncols, -1, 1, -ncols - 1, -ncols + 1, ncols - 1, ncols + 1])
    half = np.array([0.5 * cell_km] * 4 + [0.5 * math.sqrt(2.0) * cell_km] * 4)
    idx, t, via = cells.idx.astype(np.int64), cells.time_h, cells.via
    assert len(via) == len(idx) and (via <= START).all()
    begun = via == START
    assert (t[begun] == 0).all() and begun.sum() == 1
    pos = np.full(grid.friction.size, -1)
    pos[idx] = np.arange(len(idx))
    b, v = idx[~begun], via[~begun]
    a = b - offs[v]
    assert (pos[a] >= 0).all() and (pos[a] < pos[b]).all()  # reached, and earlier in the order
    f = grid.friction.reshape(-1)
    expect = t[pos[a]] + (f[a] + f[b]) * half[v]
    at_gate = np.flatnonzero((grid.near[a >> 3] & (1 << (a & 7))) != 0)
    for j in at_gate.tolist():  # a toll where the move enters a crossing
        expect[j] += _toll.py_func(grid.gate, grid.toll_h, a[j], b[j])
    assert np.array_equal(expect, t[~begun])


def _update_case(f0: np.ndarray, f1: np.ndarray, start: tuple[int, int], hours=(3.0, 6.0, 12.0), **kw):  # noqa: ANN001, ANN003, ANN202
    """Search f0, update to f1, and return (updated, bands moved, full search of f1)."""
    from geo.model.costdist import _pool, change_flags, first_near_change, update

    _patched_like_full(f0, f1)
    before = settle(f0, [start], cell_km=1.0, max_h=12.0, **kw)
    change = change_flags(f0, prepare_friction(f1))
    up = update(f1, before, change, start=start, cell_km=1.0, max_h=12.0, hours=hours)
    # the kept workspaces are clean again: no time in the table
    assert all(np.isinf(w.cost).all() for w in _pool)
    if change.slower:  # no move got cheaper: the merge that trusts it gives what the general one gives
        general = update(
            f1, before, replace(change, slower=False), start=start, cell_km=1.0, max_h=12.0, hours=hours
        )
        assert np.array_equal(general.settled.idx, up.settled.idx)
        assert np.array_equal(general.settled.time_h, up.settled.time_h)
        pairs = zip(general.lost + general.gained, up.lost + up.gained, strict=True)
        assert all(np.array_equal(a, b) for a, b in pairs) and np.array_equal(general.moved, up.moved)
    full = settle(f1, [start], cell_km=1.0, max_h=12.0, **kw)
    _assert_via(before, f0)
    _assert_via(up.settled, f1)
    # the cells settled before the first one near the change are kept without a look: same result
    since = first_near_change(before, change)
    if since < math.inf:
        assert since > 0 or (before.raster() == 0).sum() == 1
        skip = update(f1, before, change, start=start, cell_km=1.0, max_h=12.0, hours=hours, since_h=since)
        assert np.array_equal(skip.settled.raster(), up.settled.raster())
        pairs = zip(skip.lost + skip.gained, up.lost + up.gained, strict=True)
        assert all(np.array_equal(a, b) for a, b in pairs)
    # the cells lost and gained per band are those of a diff of the two searches, in its order
    lost, gained = before.band_changes(up.settled, hours)
    assert all(np.array_equal(a, b) for a, b in zip(up.lost, lost, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(up.gained, gained, strict=True))
    return before, up.settled, up.moved, full


@pytest.mark.parametrize("change", ["slower", "faster", "barrier", "opened", "mixed", "none", "start"])
def test_update_after_a_change_equals_a_full_search(random_friction: np.ndarray, change: str) -> None:
    f0 = random_friction.copy()
    f0[20, 5:70] = np.inf  # a river with one ford at column 40
    f0[20, 40] = 1 / 20
    f1 = f0.copy()
    patch = (slice(30, 36), slice(50, 58))
    if change == "opened":
        f1[20, 10:14] = 1 / 60
    elif change == "mixed":
        f1[20, 40] = np.inf  # the ford closes
        f1[20, 12] = 1 / 30  # another opens
        f1[patch] = 1 / 80
    elif change == "start":  # the start cell and one next to it get slower
        f1[10, 10:12] = 1.0
    elif change != "none":
        f1[patch] = {"slower": 1.0, "faster": 1 / 80, "barrier": np.inf}[change]
    before, again, moved, full = _update_case(f0, f1, (10, 10))
    # closures and slower cells make no move cheaper; opening or speeding up does
    assert change_flags(f0, f1).slower == (change in ("slower", "barrier", "none", "start"))
    assert np.array_equal(again.raster(), full.raster())  # bit-identical
    assert len(np.unique(again.idx)) == len(again.idx) == len(full)
    assert (np.diff(again.time_h) >= -1.0 / 65).all()  # in settling order (by bucket)
    tb, ta = before.raster(), full.raster()
    assert moved.tolist() == [bool(((tb <= t) != (ta <= t)).any()) for t in (3.0, 6.0, 12.0)]
    # the workspace is clean afterwards: a fresh search is unaffected
    assert np.array_equal(settle(f0, [(10, 10)], cell_km=1.0, max_h=12.0).raster(), tb)


def test_update_of_an_updated_search_and_with_the_heap(random_friction: np.ndarray) -> None:
    f0, f1, f2 = random_friction, random_friction.copy(), random_friction.copy()
    f1[5:50, 30] = np.inf
    f2[5:50, 30] = np.inf
    f2[40:45, 10:60] = 1 / 2
    a = settle(f0, [(30, 5)], cell_km=1.0, max_h=12.0, method="heap")
    b = update(f1, a, change_flags(f0, f1), start=(30, 5), cell_km=1.0, max_h=12.0).settled
    c = update(f2, b, change_flags(f1, f2), start=(30, 5), cell_km=1.0, max_h=12.0).settled
    assert np.array_equal(c.raster(), settle(f2, [(30, 5)], cell_km=1.0, max_h=12.0).raster())


def test_updates_after_a_road_faster_than_any_before() -> None:
    # a road at 100 km/h, above every earlier speed (10-3 km/h): cells found on it run
    # ahead of the kept cells' buckets; each must still come after the cell it came from,
    # or a second update, here one slow cell, misses cells that depend on it (this case
    # gave 4 wrong cells with a merge that placed found cells by time alone)
    rng = np.random.default_rng(67)
    f0 = rng.uniform(1 / 10, 1 / 3, size=(12, 12))
    f1 = f0.copy()
    f1[11, :] = 1 / 100
    f2 = f1.copy()
    f2[9, 1] = 5.0
    runs = [settle(f0, [(6, 0)], cell_km=1.0, max_h=3.0)]
    for before, after in ((f0, f1), (f1, f2)):
        change = change_flags(before, after)
        runs.append(update(after, runs[-1], change, start=(6, 0), cell_km=1.0, max_h=3.0).settled)
        _assert_via(runs[-1], after)
        assert np.array_equal(runs[-1].raster(), settle(after, [(6, 0)], cell_km=1.0, max_h=3.0).raster())


def test_update_on_a_corridor_cut_analytic() -> None:
    # 1 h/km, 1 km cells, one row: cell k is k hours from the start; closing cell 4 cuts 5..
    f0 = np.ones((1, 10))
    f1 = f0.copy()
    f1[0, 4] = np.inf
    _, again, moved, _ = _update_case(f0, f1, (0, 0), hours=(3.0, 8.0))
    assert again.raster()[0].tolist() == [0.0, 1.0, 2.0, 3.0] + [math.inf] * 6
    assert moved.tolist() == [False, True]


def test_update_with_crossing_tolls_equals_a_full_search(random_friction: np.ndarray) -> None:
    from geo.model.costdist import Friction, Tolls

    f0 = random_friction.copy()
    f0[25:28, :] = np.inf  # a river three cells wide
    ferry = np.array([25 * 80 + 30, 26 * 80 + 30, 27 * 80 + 30])
    bridge = np.array([25 * 80 + 60, 26 * 80 + 60, 27 * 80 + 60])
    for cells in (ferry, bridge):
        f0.reshape(-1)[cells] = 1 / 10
    both = Tolls(np.concatenate([ferry, bridge]), np.repeat([1, 2], 3), np.array([0.0, 1.5, 0.2]))
    g0 = Friction.of(f0, both)
    # the ferry closes: the bridge is renumbered 1, its toll unchanged
    f1 = f0.copy()
    f1.reshape(-1)[ferry] = np.inf
    g1 = Friction.of(f1, Tolls(bridge, np.ones(3, dtype=np.int32), np.array([0.0, 0.2])))
    # the ferry's toll rises, the friction is unchanged
    g2 = Friction.of(f0, Tolls(both.cells, both.gate, np.array([0.0, 4.0, 0.2])))
    # the ferry's toll falls: a move gets cheaper
    g3 = Friction.of(f0, Tolls(both.cells, both.gate, np.array([0.0, 0.5, 0.2])))
    for after, slower in ((g1, True), (g2, True), (g3, False)):
        assert change_flags(g0, after).slower == slower
        _, again, _, full = _update_case(g0, after, (5, 30))
        assert np.array_equal(again.raster(), full.raster())


def test_a_grid_prepared_from_an_earlier_one_falls_back_when_an_extreme_goes() -> None:
    from geo.model.costdist import _patched

    f0 = np.full((6, 6), 0.5)
    f0[2, 2] = 0.1  # the smallest value
    f0[0, 0] = 0.9  # the largest
    f1 = f0.copy()
    f1[2, 2] = np.inf
    g0 = prepare_friction(f0)
    assert _patched(f1, None, g0, np.array([14])) is None  # the new smallest needs a full pass
    assert prepare_friction(f1, like=g0, cells=np.array([14])).lo == 0.5
    f2 = f0.copy()
    f2[4, 4] = 0.05  # a new smallest value: found at the cell itself
    part = _patched(f2, None, g0, np.array([28]))
    assert part is not None and part.lo == 0.05 and np.array_equal(part.moves, prepare_friction(f2).moves)
    bad = f0.copy()
    bad[1, 1] = 0.0
    with pytest.raises(ValueError, match="row 1, col 1"):
        prepare_friction(bad, like=g0, cells=np.array([7]))


def test_band_changes_keep_a_cell_at_exactly_the_limit() -> None:
    # a time that 1 + t would round: the cell is within the band before and after, unchanged
    t = 1 / 6
    a = settle(np.full((1, 3), t), [(0, 0)], cell_km=1.0)
    assert a.raster()[0, 1] == t
    lost, gained = a.band_changes(a, [t])
    assert len(lost[0]) == 0 and len(gained[0]) == 0


def test_a_bucket_search_whose_pool_fills_up_gives_the_heap_result() -> None:
    # the bucket queue's pool holds one entry per grid cell; on a 1 x 3 grid it cannot
    # promise room for a cell's 8 moves, so the search falls back to the heap: same times
    f = np.array([[0.5, 1.0, 0.25]])
    a = settle(f, [(0, 0)], cell_km=2.0, method="buckets")
    b = settle(f, [(0, 0)], cell_km=2.0, method="heap")
    assert np.array_equal(a.raster(), b.raster())
    assert a.raster()[0].tolist() == [0.0, 1.5, 2.75]  # 2 km x (0.5 + 1) / 2, then + 2 x (1 + 0.25) / 2


def test_an_updated_search_is_copied_once_when_first_used(random_friction: np.ndarray) -> None:
    import pickle
    import threading

    f1 = random_friction.copy()
    f1[5:50, 30] = np.inf
    before = settle(random_friction, [(30, 5)], cell_km=1.0, max_h=12.0)
    up = update(f1, before, change_flags(random_friction, f1), start=(30, 5), cell_km=1.0, max_h=12.0)
    lazy = up.settled
    full = settle(f1, [(30, 5)], cell_km=1.0, max_h=12.0)
    assert lazy._arrays is None and len(lazy) == len(full)  # counted without the copy
    # every cell whose time changed was dropped; those still reached were found, at their new time
    tb, ta = before.raster().reshape(-1), full.raster().reshape(-1)
    moved = np.flatnonzero(tb != ta)
    assert np.isin(moved, up.dropped).all() and np.isin(up.dropped, before.idx).all()
    assert np.array_equal(up.found.time_h, ta[up.found.idx])
    assert np.isin(up.found.idx, up.dropped).all()  # a closure: no cell reached sooner or anew
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(lazy.idx)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(s is seen[0] for s in seen)  # made once, shared
    copy = pickle.loads(pickle.dumps(lazy))
    assert np.array_equal(copy.raster(), full.raster()) and np.array_equal(copy.via, lazy.via)
