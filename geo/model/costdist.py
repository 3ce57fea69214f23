"""Cost-distance on a friction grid: an 8-connected grid Dijkstra compiled with numba.

Cost model
----------
The move from cell *a* to its neighbour *b* costs ``0.5 * (f[a] + f[b]) * step``, with
``step`` the cell size in km (x sqrt 2 on diagonals) and ``f`` in hours per km, so
cumulative costs are hours. This is scikit-image ``MCP_Geometric``'s model and GRASS
``r.cost``'s without ``-k``; on grids without barriers the results are identical to
MCP_Geometric (tested). Two rules differ from MCP, on purpose:

* **No corner cutting.** A diagonal move is allowed only when both cells it passes
  between are passable, so a barrier one cell wide (a river, a no-entry ring), which
  is 4-connected when burnt with ``all_touched``, is never crossed diagonally.
* **Bounded search.** Cells whose cost exceeds ``max_h`` are never settled (the search
  stops there), so a 12 h run touches only the cells within 12 h. A cell at exactly
  ``max_h`` is included.

Friction values must be finite and > 0, or ``+inf`` (impassable); NaN, zero, negative
or ``-inf`` values raise, so no negative or zero-cost loop can occur and no time is
ever negative.

Implementation
--------------
A circular bucket queue (Dial; a binary heap when the friction range is too wide),
with lazy deletion in flat numpy arrays, over the friction array itself (no graph is
built). The search writes into a pooled *workspace* (cost: 8 bytes per cell, plus
a 4-byte label once a labelled search runs) that is allocated once per grid size and
reset only on the cells the search touched, so a bounded run costs O(cells reached),
not O(grid). No "settled" flag is kept: costs only decrease strictly, so a popped
entry is stale exactly when its cost is above the cell's. The moves allowed out of
each cell (impassable neighbours, corner cutting, grid edge) are worked out once per
friction grid into one byte per cell (:func:`prepare_friction`), so the inner loop
reads one byte instead of testing up to 8 neighbours and needs no bounds checks on
any grid (the speed at 1 km is the same within the machine's noise; the gain is one
kernel for every grid). The result is *sparse*: the settled cells in the order they
were settled (non-decreasing time) with their times, the move that reached each one
(one byte, packed with the cell's index in the queue entry: about 2 % on a search),
and optionally the index of the start that reached them (catchments).
:meth:`Settled.raster` makes the dense raster when needed. After a change of the
constraints, :func:`update` follows those moves to find the cells whose time can
change (a cell reached through a changed move, or from such a cell), searches again
only those, and gives a result equal to a search from scratch.

Why this method: ``../shared/PERF.md`` measured numba grid Dijkstra 2-4.5x faster than
scipy csgraph or MCP, with no graph to build; the O(N) set-up that remained for
bounded runs is removed here by the workspace. ``bench/bench_reach.py`` prints the
figures (and GRASS ``r.cost`` side by side) that decided it.
"""

from __future__ import annotations

import functools
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numba
import numpy as np

from geo.errors import HubError
from geo.model.jit import CACHE as JIT_CACHE

_SQRT2 = math.sqrt(2.0)
#: Largest bucket count for the bucket queue; beyond it (friction ratio > ~2 900) the heap is used.
MAX_BUCKETS = 4096
#: Largest grid a search takes (2**28 cells): a queue entry packs the cell and its move in
#: 32 bits. The box around Mali, Burkina Faso and Niger takes about 85 million at 250 m.
MAX_CELLS = 2**28 - 1


@numba.njit(cache=JIT_CACHE, nogil=True)
def _push(hc, hi, size, cost, idx):  # noqa: ANN001, ANN202
    if size >= hc.shape[0]:
        nc = np.empty(hc.shape[0] * 2, dtype=hc.dtype)
        ni = np.empty(hi.shape[0] * 2, dtype=hi.dtype)
        nc[: hc.shape[0]] = hc
        ni[: hi.shape[0]] = hi
        hc, hi = nc, ni
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        pc = hc[parent]
        if pc <= cost:
            break
        hc[pos] = pc
        hi[pos] = hi[parent]
        pos = parent
    hc[pos] = cost
    hi[pos] = idx
    return hc, hi, size + 1


@numba.njit(cache=JIT_CACHE, nogil=True)
def _pop(hc, hi, size):  # noqa: ANN001, ANN202
    cost, idx = hc[0], hi[0]
    size -= 1
    lc, li = hc[size], hi[size]
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and hc[child + 1] < hc[child]:
            child += 1
        if lc <= hc[child]:
            break
        hc[pos] = hc[child]
        hi[pos] = hi[child]
        pos = child
    if size > 0:
        hc[pos] = lc
        hi[pos] = li
    return cost, idx, size


@numba.njit(cache=JIT_CACHE, nogil=True)
def _prepare_kernel(f, nrows, ncols, moves, i0, i1):  # noqa: ANN001, ANN202
    """One pass over cells ``i0 <= idx < i1``: the first bad value, the finite range, the move bit sets.

    ``moves[idx]`` (uint8) bit k tells that move k out of cell ``idx`` is allowed: moves
    0-3 are up, down, left, right; 4-7 the diagonals up-left, up-right, down-left,
    down-right, allowed only between two passable orthogonal cells (no corner cutting).
    An impassable cell has no move, nor has a move leaving the grid. The cells next to a
    crossing's cells are marked afterwards in a bit set of their own (:func:`_mark_gates`).
    Returns ``(first index not > 0 or -1, smallest finite, largest finite)``.
    Reads ``f`` only and writes ``moves[i0:i1]`` only: ranges can run on parallel threads.
    """
    lo = np.inf
    hi = 0.0
    for idx in range(i0, i1):
        v = f[idx]
        if not v > 0:
            return idx, lo, hi
        if not math.isfinite(v):
            moves[idx] = 0
            continue
        lo = min(lo, v)
        hi = max(hi, v)
        moves[idx] = np.uint8(_cell_moves(f, idx, nrows, ncols))
    return -1, lo, hi


@numba.njit(cache=JIT_CACHE, nogil=True, inline="always")
def _cell_moves(f, idx, nrows, ncols):  # noqa: ANN001, ANN202
    """``moves[idx]`` (see :func:`_prepare_kernel`) for a passable cell."""
    r = idx // ncols
    c = idx - r * ncols
    up = r > 0 and math.isfinite(f[idx - ncols])
    dn = r < nrows - 1 and math.isfinite(f[idx + ncols])
    lf = c > 0 and math.isfinite(f[idx - 1])
    rt = c < ncols - 1 and math.isfinite(f[idx + 1])
    m = np.int64(up) | (np.int64(dn) << 1) | (np.int64(lf) << 2) | (np.int64(rt) << 3)
    if up and lf and math.isfinite(f[idx - ncols - 1]):
        m |= 16
    if up and rt and math.isfinite(f[idx - ncols + 1]):
        m |= 32
    if dn and lf and math.isfinite(f[idx + ncols - 1]):
        m |= 64
    if dn and rt and math.isfinite(f[idx + ncols + 1]):
        m |= 128
    return m


@numba.njit(cache=JIT_CACHE, nogil=True)
def _mark_gates(moves, gate, ncols, nrows, near):  # noqa: ANN001, ANN202
    """Set the bit in ``near`` (a bit set) of every passable cell on or next to a gate cell (8 neighbours)."""
    for idx in range(gate.shape[0]):
        if gate[idx] == 0:
            continue
        r = idx // ncols
        c = idx - r * ncols
        for dr in range(-1, 2):
            for dc in range(-1, 2):
                rr, cc = r + dr, c + dc
                if 0 <= rr < nrows and 0 <= cc < ncols:
                    j = rr * ncols + cc
                    if moves[j]:
                        near[j >> 3] |= np.uint8(1 << (j & 7))


@numba.njit(cache=JIT_CACHE, nogil=True, inline="always")
def _toll(gate, toll_h, a, b):  # noqa: ANN001, ANN202
    """Return the fixed cost (h) of the move a -> b: a toll when b is a crossing cell and a is not of it."""
    g = gate[b]
    if g != 0 and gate[a] != g:
        return toll_h[g]
    return 0.0


@numba.njit(cache=JIT_CACHE, nogil=True)
def _search_heap(
    f,
    moves,
    near,
    ncols,
    start_idx,
    start_costs,
    start_labels,
    start_via,
    cell_km,
    max_h,  # noqa: ANN001, ANN202
    gate,
    toll_h,
    cost,
    labels,
    track,
):
    """Bounded multi-source Dijkstra (binary heap); returns the settled cells.

    A cell is settled when an entry whose cost equals its current cost is popped: costs
    only ever decrease strictly, so each cell has at most one such entry and no
    "settled" flag is needed (a settled neighbour never improves, its cost being <= the
    current one). An entry holds its cell and, above bit 32, the move that queued it.
    """
    cap = 1 << 16
    hc = np.empty(cap, dtype=np.float64)
    hi = np.empty(cap, dtype=np.int64)
    out_i, out_c, out_l, out_v = _outputs(f.shape[0], track)
    n_out = 0
    size = 0
    for k in range(start_idx.shape[0]):
        i = start_idx[k]
        if start_costs[k] < cost[i]:
            cost[i] = start_costs[k]
            if track:
                labels[i] = start_labels[k]
            hc, hi, size = _push(hc, hi, size, start_costs[k], i | (np.int64(start_via[k]) << 32))
    offs = np.array([-ncols, ncols, -1, 1, -ncols - 1, -ncols + 1, ncols - 1, ncols + 1], dtype=np.int64)
    steps = np.array([cell_km] * 4 + [_SQRT2 * cell_km] * 4)
    broken = -1
    while size > 0:
        cur, entry, size = _pop(hc, hi, size)
        idx = entry & 0xFFFFFFFF
        if cur > cost[idx]:
            continue
        if cur > max_h:
            broken = idx
            break
        lab = labels[idx] if track else 0
        n_out = _record(out_i, out_c, out_l, out_v, n_out, idx, cur, lab, entry >> 32, track)
        fa = f[idx]
        m = moves[idx]
        at_gate = near[idx >> 3] & (1 << (idx & 7))
        for k in range(8):
            if not (m >> k) & 1:
                continue
            nb = idx + offs[k]
            new = cur + 0.5 * (fa + f[nb]) * steps[k]
            if at_gate:
                new += _toll(gate, toll_h, idx, nb)
            if new < cost[nb]:
                cost[nb] = new
                if track:
                    labels[nb] = lab
                hc, hi, size = _push(hc, hi, size, new, nb | (np.int64(k) << 32))
    for k in range(n_out):
        cost[out_i[k]] = np.inf
    for k in range(size):
        cost[hi[k] & 0xFFFFFFFF] = np.inf
    if broken >= 0:
        cost[broken] = np.inf
    return out_i[:n_out], out_c[:n_out], out_l[: (n_out if track else 0)], out_v[:n_out]


@numba.njit(cache=JIT_CACHE, nogil=True)
def _grow(a, n):  # noqa: ANN001, ANN202
    """Double an array's capacity, keeping its first ``n`` items (numba compiles one per dtype)."""
    b = np.empty(a.shape[0] * 2, dtype=a.dtype)
    b[:n] = a[:n]
    return b


@numba.njit(cache=JIT_CACHE, nogil=True)
def _outputs(n_cells, track):  # noqa: ANN001, ANN202
    """Arrays of a search's settled cells (index, time, label, move), sized for every cell of the grid.

    No search settles a cell twice, so they never grow, and the search returns views of
    their first ``n`` entries (no copy). Their pages are mapped only as they are written:
    a search holds memory for the cells it settles, not for the grid (it reserves 12 bytes of
    address space per grid cell, 600 MB at 250 m, which it does not use). Growing them by
    doubling instead wrote about 4 times as many bytes of new memory (the copies): all hubs at
    250 m took 3.6-3.9 s that way against 2.8-2.9 s now, the same peak (bench_reach.py).
    """
    out_i = np.empty(n_cells, dtype=np.int32)  # grids below MAX_CELLS
    out_c = np.empty(n_cells, dtype=np.float64)
    out_l = np.empty(n_cells if track else 0, dtype=np.int32)
    out_v = np.empty(n_cells, dtype=np.uint8)
    return out_i, out_c, out_l, out_v


@numba.njit(cache=JIT_CACHE, nogil=True, inline="always")
def _record(out_i, out_c, out_l, out_v, n_out, idx, cur, lab, via, track):  # noqa: ANN001, ANN202
    """Append a settled cell (index, time, label, move) to :func:`_outputs` arrays; return the count."""
    out_i[n_out] = idx
    out_c[n_out] = cur
    out_v[n_out] = via
    if track:
        out_l[n_out] = lab
    return n_out + 1


@numba.njit(cache=JIT_CACHE, nogil=True)
def _search_buckets(
    f,
    moves,
    near,
    ncols,
    start_idx,
    start_costs,
    start_labels,
    start_via,
    cell_km,
    max_h,  # noqa: ANN001, ANN202
    gate,
    toll_h,
    width,
    n_buckets,
    cost,
    labels,
    track,
):
    """Bounded multi-source Dijkstra with a circular bucket queue (Dial).

    ``width`` is below the smallest move cost (by a relative margin of 1e-9, far above
    rounding), so every entry of the current bucket is final when it is popped: the
    result equals the heap version's exactly. Entries live in a pool of linked lists
    with a free list (memory ~ the frontier). Starts may have any costs: they join the
    queue in order of cost as its window reaches them. Stale entries are recognised by a cost
    above the cell's current cost (costs only decrease strictly), so no settled flag
    is kept.
    """
    head = np.full(n_buckets, -1, dtype=np.int32)
    # the pool and the cells beyond the bound are sized once, never grown: an array
    # assigned again inside the loop made numba's loop about 20 % slower (7 hubs at
    # 250 m: 2.35 s against 1.95 s). Only the pages written take memory (the pool holds
    # the frontier); a pool filled up (more queued entries than cells, never seen) stops
    # the search, and settle() runs the heap version instead.
    cap = f.shape[0]
    e_idx = np.empty(cap, dtype=np.uint32)  # cell index | the move that queued it << 28
    e_cost = np.empty(cap, dtype=np.float64)
    e_next = np.empty(cap, dtype=np.int32)  # next entry in the bucket, or -1
    full = False
    n_pool = 0
    free = -1
    n_live = 0
    out_i, out_c, out_l, out_v = _outputs(f.shape[0], track)
    beyond = np.empty(f.shape[0], dtype=np.int32)  # each cell popped beyond max_h once at most
    n_beyond = 0
    n_out = 0
    inv_w = 1.0 / width
    # starts enter in order of cost, each once the window of n_buckets buckets reaches it
    # (the circular queue holds only entries less than n_buckets buckets apart)
    order = np.argsort(start_costs, kind="mergesort")
    n_starts = order.shape[0]
    ps = 0
    cur_b = np.int64(start_costs[order[0]] * inv_w)
    offs = np.array([-ncols, ncols, -1, 1, -ncols - 1, -ncols + 1, ncols - 1, ncols + 1], dtype=np.int64)
    half = np.array([0.5 * cell_km] * 4 + [0.5 * _SQRT2 * cell_km] * 4)  # half the step, km
    while True:
        while ps < n_starts:
            k = order[ps]
            c0 = start_costs[k]
            b = np.int64(c0 * inv_w)
            if b >= cur_b + n_buckets - 1:
                break
            ps += 1
            i = start_idx[k]
            if c0 < cost[i]:
                if free < 0 and n_pool >= cap:
                    full = True
                    break
                cost[i] = c0
                if track:
                    labels[i] = start_labels[k]
                if free >= 0:
                    e = free
                    free = e_next[e]
                else:
                    e = n_pool
                    n_pool += 1
                e_idx[e] = np.uint32(i | (np.int64(start_via[k]) << 28))
                e_cost[e] = c0
                e_next[e] = head[b % n_buckets]
                head[b % n_buckets] = e
                n_live += 1
        if full:
            break
        if n_live == 0:
            if ps >= n_starts:
                break
            cur_b = np.int64(start_costs[order[ps]] * inv_w)  # jump to the next start
            continue
        slot = cur_b % n_buckets
        e = head[slot]
        if e < 0:
            cur_b += 1
            if cur_b * width > max_h:
                break
            continue
        head[slot] = e_next[e]
        packed = np.int64(e_idx[e])
        idx = packed & 0xFFFFFFF
        cur = e_cost[e]
        e_next[e] = free
        free = e
        n_live -= 1
        if cur > cost[idx]:
            continue  # stale: the cell was reached faster later
        if cur > max_h:
            beyond[n_beyond] = idx
            n_beyond += 1
            continue
        lab = labels[idx] if track else 0
        n_out = _record(out_i, out_c, out_l, out_v, n_out, idx, cur, lab, packed >> 28, track)
        if n_pool + 8 > cap:  # no room for 8 new entries (free ones not counted)
            full = True
            break
        fa = f[idx]
        m = moves[idx]
        at_gate = near[idx >> 3] & (1 << (idx & 7))
        for k in range(8):
            if not (m >> k) & 1:
                continue
            nb = idx + offs[k]
            new = cur + (fa + f[nb]) * half[k]
            if at_gate:
                new += _toll(gate, toll_h, idx, nb)
            if new < cost[nb]:
                cost[nb] = new
                if track:
                    labels[nb] = lab
                if free >= 0:
                    e = free
                    free = e_next[e]
                else:
                    e = n_pool
                    n_pool += 1
                b = np.int64(new * inv_w)
                if b <= cur_b:  # floating-point guard; cannot happen with width < min move
                    b = cur_b
                s = b % n_buckets
                e_idx[e] = np.uint32(nb | (k << 28))
                e_cost[e] = new
                e_next[e] = head[s]
                head[s] = e
                n_live += 1
    # reset the workspace on every cell touched
    for k in range(n_out):
        cost[out_i[k]] = np.inf
    for k in range(n_beyond):
        cost[beyond[k]] = np.inf
    for s in range(n_buckets):
        e = head[s]
        while e >= 0:
            cost[np.int64(e_idx[e]) & 0xFFFFFFF] = np.inf
            e = e_next[e]
    return out_i[:n_out], out_c[:n_out], out_l[: (n_out if track else 0)], out_v[:n_out], full


@numba.njit(cache=JIT_CACHE, nogil=True, inline="always")
def _append_pair(cells, bands, n, cell, band):  # noqa: ANN001, ANN202
    """Append ``(cell, band)`` at ``n`` of two parallel arrays (grown when full); return them, ``n + 1``."""
    if n >= cells.shape[0]:
        cells = _grow(cells, n)
        bands = _grow(bands, n)
    cells[n] = cell
    bands[n] = band
    return cells, bands, n + 1


@numba.njit(cache=JIT_CACHE, nogil=True)
def _band_changes(idx_a, t_a, idx_b, t_b, hours, scratch):  # noqa: ANN001, ANN202
    """Cells within each band in a but not in b, and the reverse: two ``(idx, band)`` pairs.

    ``scratch`` is an all-``inf`` array of the grid's size, left so on return. It first
    holds b's times; each cell of a, once compared, is overwritten with ``-t_a`` (sign
    bit set, ``-0.0`` for a start: "in a"; exact, where ``-1 - t_a`` rounded and put a
    cell at exactly a band's limit on the wrong side), so one table serves both directions.
    """
    for i in range(idx_b.shape[0]):
        scratch[idx_b[i]] = t_b[i]
    nb = hours.shape[0]
    a_i = np.empty(16, dtype=np.int64)
    a_k = np.empty(16, dtype=np.int64)
    b_i = np.empty(16, dtype=np.int64)
    b_k = np.empty(16, dtype=np.int64)
    na = 0
    nbo = 0
    for i in range(idx_a.shape[0]):
        ta = t_a[i]
        tb = scratch[idx_a[i]]
        for k in range(nb):
            if ta <= hours[k] and not tb <= hours[k]:
                a_i, a_k, na = _append_pair(a_i, a_k, na, idx_a[i], k)
        scratch[idx_a[i]] = -ta
    for i in range(idx_b.shape[0]):
        v = scratch[idx_b[i]]
        ta = -v if math.copysign(1.0, v) < 0 else np.inf
        tb = t_b[i]
        for k in range(nb):
            if tb <= hours[k] and not ta <= hours[k]:
                b_i, b_k, nbo = _append_pair(b_i, b_k, nbo, idx_b[i], k)
    for i in range(idx_a.shape[0]):
        scratch[idx_a[i]] = np.inf
    for i in range(idx_b.shape[0]):
        scratch[idx_b[i]] = np.inf
    return a_i[:na].copy(), a_k[:na].copy(), b_i[:nbo].copy(), b_k[:nbo].copy()


@numba.njit(cache=JIT_CACHE, nogil=True)
def _scatter(out, idx, values):  # noqa: ANN001, ANN202
    for k in range(idx.shape[0]):
        out[idx[k]] = values[k]


class _Workspace:
    """Scratch arrays for one search at a time, kept clean (all ``inf``) between uses.

    ``cost`` (8 bytes per cell) always; ``labels`` (4 bytes per cell) only once a
    search with labels (catchments) asks for it; ``bits`` (1 bit per cell) once an
    update does.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.cost = np.full(n, np.inf)
        self._labels: np.ndarray | None = None
        self._bits: np.ndarray | None = None
        self._dummy = np.zeros(1, dtype=np.int32)

    @property
    def bits(self) -> np.ndarray:
        """A bit set of the cells (uint8, 1 bit per cell), all clear between uses (made on first use)."""
        if self._bits is None:
            self._bits = np.zeros((self.n + 7) // 8, dtype=np.uint8)
        return self._bits

    @property
    def labels(self) -> np.ndarray:
        if self._labels is None:
            self._labels = np.zeros(self.n, dtype=np.int32)
        return self._labels

    def labels_for(self, track: bool) -> np.ndarray:
        """Return the label array when tracking, else a 1-cell stand-in (never read then)."""
        return self.labels if track else self._dummy


#: Workspaces kept for reuse between calls (one per thread that searches at the same time).
MAX_KEPT_WORKSPACES = 2
_pool: list[_Workspace] = []
_pool_lock = threading.Lock()


@contextmanager
def _borrowed(n: int) -> Iterator[_Workspace]:
    """Lend a clean workspace for a grid of ``n`` cells, taken back afterwards.

    Workspaces live in a small process-wide pool, not one per thread: a new thread
    (each ``ThreadPoolExecutor`` makes some) reuses one instead of allocating and
    filling 8 bytes per cell again, and no more exist than searches run at once (one
    at 250 m: 372 MB). One left dirty by an error is dropped, never lent again.
    """
    with _pool_lock:
        ws = next((w for w in _pool if w.n == n), None)
        if ws is not None:
            _pool.remove(ws)
        else:  # another grid size: free the kept workspaces of the previous size first
            _pool[:] = [w for w in _pool if w.n == n]
    if ws is None:
        ws = _Workspace(n)
    try:
        yield ws
    except BaseException:
        raise  # the workspace may hold costs of an unfinished search: not returned
    else:
        with _pool_lock:
            _pool.append(ws)
            del _pool[:-MAX_KEPT_WORKSPACES]


def release_workspace() -> None:
    """Free the kept search workspaces (8 bytes per grid cell each, 12 after a search with labels)."""
    with _pool_lock:
        _pool.clear()


#: :attr:`Settled.via` of a start cell (no move led there).
START = 8


class Settled:
    """Cells reached by a search, in the order they were settled.

    Attributes
    ----------
    idx
        int32 flat indices (row * cols + col) of the cells reached (grids are limited
        to ``MAX_CELLS``: 46 million at 250 m for Mali).
    time_h
        float64 travel time of each, hours (settling order: non-decreasing by bucket,
        not sorted within a bucket; after :func:`update`, the kept and the new cells
        merged by time).
    label
        int32 index of the start that reached each cell first (``None`` unless asked).
    shape
        ``(rows, cols)`` of the grid.
    max_h
        The bound of the search (hours).
    via
        uint8 move that gave each cell its time: ``k`` (0-7, the order of
        ``geo.model.costdist`` moves: up, down, left, right, up-left, up-right, down-left,
        down-right) from the cell at ``idx - offset[k]``, which comes earlier in the
        order and whose time plus the move's cost is this cell's, summed as the search
        summed it; ``START`` for a start. :func:`update` follows these links: 1 byte per
        cell.

    Notes
    -----
    An update's result (:meth:`later`) makes its three arrays on first use, by whichever
    thread asks first: a scenario whose figures and polygons come from the cells that
    moved never copies the millions of cells kept. Pickling makes them.
    """

    __slots__ = ("_arrays", "_lock", "_make", "_n", "label", "max_h", "shape")

    def __init__(
        self,
        idx: np.ndarray,
        time_h: np.ndarray,
        label: np.ndarray | None,
        shape: tuple[int, int],
        max_h: float,
        via: np.ndarray,
    ) -> None:
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = (idx, time_h, via)
        self._make: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
        self._lock: threading.Lock | None = None
        self._n = int(idx.shape[0])
        self.label, self.shape, self.max_h = label, (int(shape[0]), int(shape[1])), float(max_h)

    @classmethod
    def later(
        cls,
        make: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]],
        n: int,
        shape: tuple[int, int],
        max_h: float,
    ) -> Settled:
        """Return a result of ``n`` cells (no labels) whose ``(idx, time_h, via)`` ``make()`` gives on use."""
        out = cls.__new__(cls)
        out._arrays, out._make, out._lock, out._n = None, make, threading.Lock(), int(n)
        out.label, out.shape, out.max_h = None, (int(shape[0]), int(shape[1])), float(max_h)
        return out

    def _get(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        arrays = self._arrays
        if arrays is None:
            with self._lock:
                if self._arrays is None:
                    self._arrays, self._make = self._make(), None
                arrays = self._arrays
        return arrays

    @property
    def idx(self) -> np.ndarray:
        """int32 flat indices of the cells reached (see the class docstring)."""
        return self._get()[0]

    @property
    def time_h(self) -> np.ndarray:
        """float64 travel time of each cell, hours (see the class docstring)."""
        return self._get()[1]

    @property
    def via(self) -> np.ndarray:
        """uint8 move that gave each cell its time (see the class docstring)."""
        return self._get()[2]

    def __reduce__(self) -> tuple:
        return (Settled, (self.idx, self.time_h, self.label, self.shape, self.max_h, self.via))

    def __len__(self) -> int:
        return self._n

    def raster(self, fill: float = np.inf) -> np.ndarray:
        """Dense float64 travel-time raster (hours), ``fill`` where not reached."""
        out = np.full(self.shape[0] * self.shape[1], fill)
        _scatter(out, self.idx, self.time_h)
        return out.reshape(self.shape)

    def label_raster(self, fill: int = -1) -> np.ndarray:
        """Dense int32 raster of the start index that reaches each cell first (``fill`` elsewhere)."""
        if self.label is None:
            msg = "the search was run without labels"
            raise ValueError(msg)
        out = np.full(self.shape[0] * self.shape[1], fill, dtype=np.int32)
        out[self.idx] = self.label
        return out.reshape(self.shape)

    def values_at(self, flat_idx: np.ndarray) -> np.ndarray:
        """Travel time (hours, ``inf`` if not reached) at the given flat cell indices.

        Uses a search workspace as a lookup table, so it costs O(cells reached +
        queries), not O(grid).
        """
        with _borrowed(self.shape[0] * self.shape[1]) as ws:
            _scatter(ws.cost, self.idx, self.time_h)
            out = ws.cost[np.asarray(flat_idx, dtype=np.int64)].copy()
            _scatter(ws.cost, self.idx, np.full(len(self.idx), np.inf))
        return out

    def band_changes(
        self, other: Settled, hours: Sequence[float]
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per band, the cells within ``T`` hours here and not in ``other``, and the reverse.

        O(cells of both), no sorting: the times go into a search workspace as a
        lookup table (a time of ``self`` is written there negated, which is exact).

        Parameters
        ----------
        other
            Another search result on the same grid.
        hours
            Band limits, hours.

        Returns
        -------
        (list of numpy.ndarray, list of numpy.ndarray)
            Per band, int64 flat indices: within here only ("lost" when ``self`` is the
            before), within ``other`` only ("gained").
        """
        with _borrowed(self.shape[0] * self.shape[1]) as ws:
            a_i, a_k, b_i, b_k = _band_changes(
                self.idx, self.time_h, other.idx, other.time_h, np.asarray(hours, dtype=np.float64), ws.cost
            )
        return [a_i[a_k == k] for k in range(len(hours))], [b_i[b_k == k] for k in range(len(hours))]

    def labels_at(self, flat_idx: np.ndarray) -> np.ndarray:
        """Start index (-1 if not reached) at the given flat cell indices."""
        if self.label is None:
            msg = "the search was run without labels"
            raise ValueError(msg)
        t = self.values_at(flat_idx)
        with _borrowed(self.shape[0] * self.shape[1]) as ws:
            lab = ws.labels  # never read where not written: reached cells are written first
            lab[self.idx] = self.label
            out = lab[np.asarray(flat_idx, dtype=np.int64)].copy()
        out[~np.isfinite(t)] = -1
        return out


@dataclass(frozen=True, eq=False)
class Tolls:
    """Fixed crossing costs: hours added once when a route enters a crossing's cells.

    Attributes
    ----------
    cells
        int64 flat indices (row * cols + col) of the cells of every crossing.
    gate
        int32, for each of ``cells``, the crossing's number (1-based; at most 65 535).
    toll_h
        float64 hours per crossing number, ``toll_h[0] == 0`` (no crossing).
    ids
        Name (crossing id) per crossing number, ``ids[0] == ""``; may be empty.

    Notes
    -----
    A move from cell *a* to cell *b* costs its friction part plus ``toll_h[g]`` when *b*
    belongs to crossing *g* and *a* does not: a river crossed through one crossing's
    cells pays its time once, whatever the direction and the number of cells.
    """

    cells: np.ndarray
    gate: np.ndarray
    toll_h: np.ndarray
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Check the arrays agree (raises ValueError)."""
        if self.cells.shape != self.gate.shape:
            msg = "tolls: one crossing number per cell is needed"
            raise ValueError(msg)
        if (
            len(self.toll_h) == 0
            or self.toll_h[0] != 0
            or not (np.isfinite(self.toll_h) & (self.toll_h >= 0)).all()
        ):
            msg = "tolls: toll_h[0] must be 0 and every toll a finite number of hours >= 0"
            raise ValueError(msg)
        if len(self.gate) and (self.gate.min() < 1 or self.gate.max() >= min(len(self.toll_h), 65_536)):
            msg = "tolls: crossing numbers must be in 1..len(toll_h) - 1 (at most 65 535)"
            raise ValueError(msg)


class Friction(np.ndarray):
    """A friction grid (float64, h/km) that carries its crossings' :class:`Tolls`.

    Behaves as a plain ``numpy.ndarray``; :func:`prepare_friction` reads ``tolls``. Built
    by ``geo.model.friction.build_friction``; ``Friction.of(array, tolls)`` wraps one.
    """

    tolls: Tolls | None

    @classmethod
    def of(cls, array: np.ndarray, tolls: Tolls | None) -> Friction:
        """View ``array`` as a :class:`Friction` with ``tolls`` (no copy)."""
        out = np.asarray(array, dtype=np.float64).view(cls)
        out.tolls = tolls
        return out

    def __array_finalize__(self, obj: object) -> None:
        """Keep the tolls on views of the same shape; drop them otherwise."""
        tolls = getattr(obj, "tolls", None)
        self.tolls = tolls if getattr(obj, "shape", None) == self.shape else None


def tolls_of(friction: object) -> Tolls | None:
    """Return the :class:`Tolls` a friction grid carries (None for a plain array)."""
    return getattr(friction, "tolls", None)


@dataclass(frozen=True, eq=False)
class SearchGrid:
    """A friction grid checked and prepared for searches (see :func:`prepare_friction`).

    Attributes
    ----------
    friction
        (rows, cols) float64 hours per km, C-contiguous; ``inf`` = impassable.
    moves
        uint8 (rows * cols,): per cell, the bit set of the allowed moves (see
        ``_prepare_kernel``): impassable neighbours, corner cutting and the grid's edge
        are resolved once here, not at every step of every search.
    near
        uint8 bit set over the cells (bit ``idx & 7`` of byte ``idx >> 3``): the cells
        next to a crossing or on one (tolls are looked up only there); all zero without
        tolls (``np.zeros``: its pages then take no memory).
    lo, hi
        Smallest and largest finite friction (h/km); ``lo`` is ``inf`` when no cell is
        passable.
    tolls
        The crossings' tolls, or None.
    gate
        uint16 (rows * cols,) crossing number per cell (0 = none), or an empty array
        when there is no toll.
    """

    friction: np.ndarray
    moves: np.ndarray
    near: np.ndarray
    lo: float
    hi: float
    tolls: Tolls | None = None
    gate: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.uint16))

    @property
    def toll_h(self) -> np.ndarray:
        """Hours per crossing number (``[0.0]`` when there is no toll)."""
        return self.tolls.toll_h if self.tolls is not None else np.zeros(1)

    @property
    def max_toll_h(self) -> float:
        """Largest toll (h), 0 without tolls."""
        return float(self.toll_h.max())

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)``."""
        return (int(self.friction.shape[0]), int(self.friction.shape[1]))


#: Grids of more cells than this are prepared on two threads (``_prepare_kernel`` releases the GIL).
PREPARE_SPLIT_CELLS = 4_000_000


def _prepare_all(f: np.ndarray, moves: np.ndarray) -> tuple[int, float, float]:
    """Run ``_prepare_kernel`` over the whole grid, in two halves on two threads when it is large."""
    flat = f.reshape(-1)
    nrows, ncols = f.shape
    if f.size <= PREPARE_SPLIT_CELLS or (os.cpu_count() or 1) < 2:
        return _prepare_kernel(flat, nrows, ncols, moves, 0, f.size)
    mid = f.size // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(_prepare_kernel, flat, nrows, ncols, moves, mid, f.size)
        bad0, lo0, hi0 = _prepare_kernel(flat, nrows, ncols, moves, 0, mid)
        bad1, lo1, hi1 = second.result()
    return (bad0 if bad0 >= 0 else bad1), min(lo0, lo1), max(hi0, hi1)


@numba.njit(cache=JIT_CACHE, nogil=True)
def _patch_moves(f, moves, near, gate, seeds, nrows, ncols):  # noqa: ANN001, ANN202
    """Set ``moves`` (and, with crossings, the ``near`` bit) of the ``seeds`` cells again from ``f``.

    What ``_prepare_kernel`` and ``_mark_gates`` give those cells; every other cell is left.
    """
    with_gates = gate.shape[0] == f.shape[0]
    for j in range(seeds.shape[0]):
        i = seeds[j]
        m = _cell_moves(f, i, nrows, ncols) if math.isfinite(f[i]) else 0
        moves[i] = np.uint8(m)
        if not with_gates:
            continue
        bit = np.uint8(1 << (i & 7))
        on = False
        if m:
            r = i // ncols
            c = i - r * ncols
            for dr in range(-1, 2):
                for dc in range(-1, 2):
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < nrows and 0 <= cc < ncols and gate[rr * ncols + cc] != 0:
                        on = True
        near[i >> 3] = (near[i >> 3] | bit) if on else (near[i >> 3] & ~bit)


def _neighbourhood(cells: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Sorted unique flat indices of ``cells`` and their 8 neighbours inside a grid of ``shape``."""
    nrows, ncols = shape
    r, c = np.divmod(np.asarray(cells, dtype=np.int64), ncols)
    parts = []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            rr, cc = r + dr, c + dc
            ok = (rr >= 0) & (rr < nrows) & (cc >= 0) & (cc < ncols)
            parts.append(rr[ok] * ncols + cc[ok])
    return np.unique(np.concatenate(parts))


def _same_tolls(a: Tolls | None, b: Tolls | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(np.array_equal(x, y) for x, y in ((a.cells, b.cells), (a.gate, b.gate), (a.toll_h, b.toll_h)))


def _patched(f: np.ndarray, tolls: Tolls | None, like: SearchGrid, cells: np.ndarray) -> SearchGrid | None:
    """``like`` prepared again where ``f`` may differ from its friction (``cells``), or None.

    None when a value at ``cells`` is not valid (the full pass names it) or was the
    smallest or largest finite value and is no more (then only a full pass finds the new
    one).
    """
    cells = np.asarray(cells, dtype=np.int64)
    flat, old = f.reshape(-1), like.friction.reshape(-1)
    new_v, old_v = flat[cells], old[cells]
    if not (new_v > 0).all():
        return None
    moved = new_v != old_v
    gone = old_v[moved]
    if ((gone == like.lo) | (gone == like.hi)).any():
        return None
    fin = new_v[np.isfinite(new_v)]
    lo = min(like.lo, float(fin.min())) if len(fin) else like.lo
    hi = max(like.hi, float(fin.max())) if len(fin) else like.hi
    seeds = _neighbourhood(cells, f.shape)
    moves = like.moves.copy()
    if tolls is None or len(tolls.cells) == 0:
        _patch_moves(flat, moves, like.near, np.zeros(0, dtype=np.uint16), seeds, *f.shape)
        return SearchGrid(f, moves, np.zeros_like(like.near), lo, hi)
    if _same_tolls(tolls, like.tolls):
        near, gate = like.near.copy(), like.gate
        _patch_moves(flat, moves, near, gate, seeds, *f.shape)
    else:  # the crossings differ: their gates are marked again over the grid
        _patch_moves(flat, moves, like.near, np.zeros(0, dtype=np.uint16), seeds, *f.shape)
        near = np.zeros_like(like.near)
        gate = np.zeros(f.size, dtype=np.uint16)
        gate[tolls.cells] = tolls.gate
        _mark_gates(moves, gate, f.shape[1], f.shape[0], near)
    return SearchGrid(f, moves, near, lo, hi, tolls, gate)


def prepare_friction(
    friction: np.ndarray | SearchGrid, *, like: SearchGrid | None = None, cells: np.ndarray | None = None
) -> SearchGrid:
    """Validate a friction grid and prepare it for :func:`settle` (one O(grid) pass).

    Prepare a grid once when it serves several searches (hubs, scenarios): each search
    then costs O(cells reached) only. About 20 ms and 1 byte per cell for Mali at 1 km.
    A grid differing from an earlier prepared one at a few known cells (a scenario) is
    prepared from it in O(those cells): 0.01 s instead of 0.16 s at 250 m.

    Parameters
    ----------
    friction
        (rows, cols) hours per km; ``+inf`` marks impassable cells. A ``SearchGrid``
        comes back unchanged.
    like, cells
        An earlier :class:`SearchGrid` of the same shape and the flat indices of every
        cell where ``friction`` may differ from its friction (elsewhere the values are
        the same: not checked). The result is the same as without them.

    Returns
    -------
    SearchGrid
        Holding the values as C-contiguous float64 (no copy if already so).

    Raises
    ------
    ValueError
        If it is not 2-D, or holds NaN, zero, negative or ``-inf`` values (only finite
        values > 0 and ``+inf`` for impassable cells are allowed).
    """
    if isinstance(friction, SearchGrid):
        return friction
    tolls = tolls_of(friction)
    f = np.ascontiguousarray(np.asarray(friction).view(np.ndarray), dtype=np.float64)
    if f.ndim != 2:
        msg = f"friction must be a 2-D grid, got shape {f.shape}"
        raise ValueError(msg)
    if like is not None and cells is not None and like.shape == f.shape:
        out = _patched(f, tolls, like, cells)
        if out is not None:
            return out
    moves = np.empty(f.size, dtype=np.uint8)
    near = np.zeros((f.size + 7) // 8, dtype=np.uint8)
    first_bad, lo, hi = _prepare_all(f, moves)
    if first_bad >= 0:
        bad = ~(f > 0)  # NaN, zero, negative and -inf all fail "> 0"
        r, c = np.argwhere(bad)[0]
        msg = (
            f"friction has {int(bad.sum())} NaN, zero or negative cells (first at row {r}, "
            f"col {c}: {f[r, c]!r}); use inf for impassable cells"
        )
        raise ValueError(msg)
    if tolls is None or len(tolls.cells) == 0:
        return SearchGrid(f, moves, near, float(lo), float(hi))
    if tolls.cells.min() < 0 or tolls.cells.max() >= f.size:
        msg = "tolls: a crossing cell lies outside the grid"
        raise ValueError(msg)
    gate = np.zeros(f.size, dtype=np.uint16)
    gate[tolls.cells] = tolls.gate
    _mark_gates(moves, gate, f.shape[1], f.shape[0], near)
    return SearchGrid(f, moves, near, float(lo), float(hi), tolls, gate)


def _check_starts(f: np.ndarray, starts: list[tuple[int, int]] | np.ndarray) -> np.ndarray:
    st = np.asarray(starts, dtype=np.int64).reshape(-1, 2)
    if len(st) == 0:
        msg = "at least one start cell is needed"
        raise ValueError(msg)
    rows, cols = st[:, 0], st[:, 1]
    off = (rows < 0) | (rows >= f.shape[0]) | (cols < 0) | (cols >= f.shape[1])
    if off.any():
        msg = f"start cell {tuple(int(v) for v in st[off][0])} is outside the {f.shape} grid"
        raise HubError(msg)
    passable = np.isfinite(f[rows, cols])
    if not passable.all():
        k = int(np.argmin(passable))
        msg = f"start cell {tuple(int(v) for v in st[k])} is impassable"
        raise HubError(msg)
    return rows * f.shape[1] + cols


def settle(
    friction: np.ndarray | SearchGrid,
    starts: list[tuple[int, int]] | np.ndarray,
    *,
    cell_km: float,
    max_h: float = math.inf,
    start_costs_h: np.ndarray | None = None,
    labels: bool = False,
    method: str = "auto",
    _ws: _Workspace | None = None,
    _start_via: np.ndarray | None = None,
) -> Settled:
    """Bounded multi-source search; returns the cells reached (sparse).

    Parameters
    ----------
    friction
        (rows, cols) hours per km; ``inf`` = impassable; or a :class:`SearchGrid` from
        :func:`prepare_friction` (otherwise each call prepares it: an O(grid) pass).
    starts
        Start cells as ``(row, col)`` pairs; several starts give the time to the nearest.
    cell_km
        Cell size in km.
    max_h
        Cells farther than this many hours are not settled.
    start_costs_h
        Optional initial cost of each start (hours, >= 0).
    labels
        Also return, per cell, the index (in ``starts``) of the start reaching it first.
    method
        ``"auto"`` (bucket queue when the ratio of the largest to the smallest finite
        friction gives at most ``MAX_BUCKETS`` buckets, else binary heap), ``"heap"`` or
        ``"buckets"``. Results are identical; only the speed differs.

    Returns
    -------
    Settled

    Raises
    ------
    ValueError
        Bad friction, no start, negative or non-finite start costs, or ``cell_km``/``max_h``
        not positive.
    HubError
        A start outside the grid or on an impassable cell.
    """
    grid = prepare_friction(friction)
    f = grid.friction
    if f.size > MAX_CELLS:
        msg = f"grid of {f.size} cells is too large (at most {MAX_CELLS} cells)"
        raise ValueError(msg)
    if not cell_km > 0 or not max_h > 0:
        msg = f"cell_km and max_h must be > 0, got {cell_km!r}, {max_h!r}"
        raise ValueError(msg)
    sidx = _check_starts(f, starts)
    costs = np.zeros(len(sidx)) if start_costs_h is None else np.asarray(start_costs_h, dtype=np.float64)
    if costs.shape != sidx.shape or not (np.isfinite(costs) & (costs >= 0)).all():
        msg = f"start_costs_h must be one finite value >= 0 per start, got {costs!r}"
        raise ValueError(msg)
    if _ws is None:
        with _borrowed(f.size) as ws:
            return settle(
                grid,
                starts,
                cell_km=cell_km,
                max_h=max_h,
                start_costs_h=costs,
                labels=labels,
                method=method,
                _ws=ws,
                _start_via=_start_via,
            )
    flat = f.reshape(-1)
    lo, hi = grid.lo, grid.hi
    # the circular queue spans the largest move cost: friction part plus the largest toll
    n_buckets = (
        int(math.ceil((hi * _SQRT2 * cell_km + grid.max_toll_h) / (lo * cell_km * (1.0 - 1e-9)))) + 2
        if math.isfinite(lo)
        else 0
    )
    args = (
        flat,
        grid.moves,
        grid.near,
        f.shape[1],
        sidx,
        costs,
        np.arange(len(sidx), dtype=np.int32),
        np.full(len(sidx), START, dtype=np.uint8) if _start_via is None else _start_via,
        float(cell_km),
        float(max_h),
        grid.gate,
        grid.toll_h,
    )
    full = False
    if method != "heap" and 0 < n_buckets <= MAX_BUCKETS:
        width = lo * float(cell_km) * (1.0 - 1e-9)
        out_i, out_c, out_l, out_v, full = _search_buckets(
            *args, width, n_buckets, _ws.cost, _ws.labels_for(labels), bool(labels)
        )
    if method == "heap" or not 0 < n_buckets <= MAX_BUCKETS or full:  # full: its pool (never seen)
        out_i, out_c, out_l, out_v = _search_heap(*args, _ws.cost, _ws.labels_for(labels), bool(labels))
    return Settled(out_i, out_c, out_l if labels else None, (f.shape[0], f.shape[1]), float(max_h), out_v)


#: Bits of the change flags (:func:`change_flags`): the cell's moves or their costs differ ...
CHANGED = 1
#: ... or the cell is one of the 8 neighbours of such a cell (or such a cell itself).
NEAR_CHANGE = 2


@numba.njit(cache=JIT_CACHE, nogil=True)
def _friction_diff(f_old, f_new, flags):  # noqa: ANN001, ANN202
    """Set ``CHANGED`` where the friction differs (``inf == inf``: a barrier kept is no change)."""
    n = 0
    for i in range(f_new.shape[0]):
        if f_old[i] != f_new[i]:
            flags[i] = 1
            n += 1
    out = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(f_new.shape[0]):
        if flags[i]:
            out[k] = i
            k += 1
    return out


@numba.njit(cache=JIT_CACHE, nogil=True)
def _moves_diff(cells, f_old, moves_new, nrows, ncols, flags):  # noqa: ANN001, ANN202
    """Set ``CHANGED`` on the 8 neighbours of ``cells`` whose moves differ between the two grids.

    Returns whether a move was added (allowed now, not before).
    """
    added = False
    for j in range(cells.shape[0]):
        r = cells[j] // ncols
        c = cells[j] - r * ncols
        for dr in range(-1, 2):
            for dc in range(-1, 2):
                rr, cc = r + dr, c + dc
                if 0 <= rr < nrows and 0 <= cc < ncols:
                    i = rr * ncols + cc
                    old = _cell_moves(f_old, i, nrows, ncols) if math.isfinite(f_old[i]) else 0
                    if old != moves_new[i]:
                        flags[i] |= 1
                        if moves_new[i] & ~old:
                            added = True
    return added


@numba.njit(cache=JIT_CACHE, nogil=True)
def _dilate_changes(flags, nrows, ncols):  # noqa: ANN001, ANN202
    """Set ``NEAR_CHANGE`` on every ``CHANGED`` cell and its 8 neighbours; return the changed cells."""
    n = 0
    for i in range(flags.shape[0]):
        if flags[i] & 1:
            n += 1
    out = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(flags.shape[0]):
        if flags[i] & 1:
            out[k] = i
            k += 1
    _dilate_at(flags, out, nrows, ncols)
    return out


@numba.njit(cache=JIT_CACHE, nogil=True)
def _dilate_at(flags, cells, nrows, ncols):  # noqa: ANN001, ANN202
    """Set ``NEAR_CHANGE`` on ``cells`` and their 8 neighbours."""
    for j in range(cells.shape[0]):
        r = cells[j] // ncols
        c = cells[j] - r * ncols
        for dr in range(-1, 2):
            for dc in range(-1, 2):
                rr, cc = r + dr, c + dc
                if 0 <= rr < nrows and 0 <= cc < ncols:
                    flags[rr * ncols + cc] |= 2


def _toll_per_cell(tolls: Tolls | None) -> dict[int, tuple[float, str]]:
    if tolls is None:
        return {}
    return {
        int(c): (float(tolls.toll_h[g]), str(g))
        for c, g in zip(tolls.cells.tolist(), tolls.gate.tolist(), strict=True)
    }


@dataclass(frozen=True, eq=False)
class Change:
    """Where a friction grid differs from an earlier one, as the searches see it (see :func:`change_flags`).

    Attributes
    ----------
    flags
        uint8 (rows * cols,): ``CHANGED`` | ``NEAR_CHANGE`` bits per cell.
    cells
        int64 flat indices of the ``CHANGED`` cells, ascending.
    shape
        ``(rows, cols)``.
    slower
        No move got cheaper: no friction fell, no move was added, no toll fell or changed
        its cells (a closure, a blockade, a slower road). No earlier time can then get
        shorter, which :func:`update` uses.
    """

    flags: np.ndarray
    cells: np.ndarray
    shape: tuple[int, int]
    slower: bool = False

    @functools.cached_property
    def near_cells(self) -> np.ndarray:
        """int64 flat indices of the ``NEAR_CHANGE`` cells (changed, or next to one), ascending."""
        return _neighbourhood(self.cells, self.shape)

    @functools.cached_property
    def near_bits(self) -> np.ndarray:
        """The ``NEAR_CHANGE`` cells as a bit set (uint8, 1 bit per cell: 6 MB at 250 m, 46 for the flags)."""
        bits = np.zeros((self.shape[0] * self.shape[1] + 7) // 8, dtype=np.uint8)
        near = self.near_cells
        np.bitwise_or.at(bits, near >> 3, (1 << (near & 7)).astype(np.uint8))
        return bits


def change_flags(old: np.ndarray, new: np.ndarray | SearchGrid, *, cells: np.ndarray | None = None) -> Change:
    """Cells whose moves or move costs differ between two friction grids of the same shape.

    A move a -> b costs ``0.5 (f[a] + f[b]) step`` plus the toll of b's crossing when a
    is not of it, and is allowed when both are passable (no corner cutting). So a move's
    cost can differ only when a or b is ``CHANGED``: its friction differs, its set of
    moves differs (a neighbour turned passable or impassable), or its toll (crossing
    membership or hours) differs. O(grid) once, then O(changed cells).

    Parameters
    ----------
    old
        The earlier friction (h/km; a ``Friction`` carries its tolls).
    new
        The later friction, or its :class:`SearchGrid`.
    cells
        Flat indices of every cell where the two frictions may differ (elsewhere they
        are the same: not checked), e.g. from ``geo.model.friction.changed_friction_cells``:
        then O(those cells), not O(grid). The result is the same.

    Returns
    -------
    Change

    Raises
    ------
    ValueError
        The shapes differ.
    """
    grid = prepare_friction(new)
    f_old = np.ascontiguousarray(np.asarray(old).view(np.ndarray), dtype=np.float64)
    if f_old.shape != grid.shape:
        msg = f"cannot compare friction grids of shapes {f_old.shape} and {grid.shape}"
        raise ValueError(msg)
    nrows, ncols = grid.shape
    # np.full writes every page now: the kernels' vectorised conditional stores (masked
    # stores) into pages not yet touched (np.zeros) cost ~30x more on AVX-512 AMD CPUs
    # (1.6 s instead of 0.05 s for 46 M cells at 250 m; bench/bench_reach.py)
    flags = np.full(f_old.size, 0, dtype=np.uint8)
    if cells is None:
        diff = _friction_diff(f_old.reshape(-1), grid.friction.reshape(-1), flags)
    else:
        cells = np.asarray(cells, dtype=np.int64)
        diff = cells[f_old.reshape(-1)[cells] != grid.friction.reshape(-1)[cells]]
        flags[diff] = CHANGED
    slower = bool((grid.friction.reshape(-1)[diff] >= f_old.reshape(-1)[diff]).all())
    slower = not _moves_diff(diff, f_old.reshape(-1), grid.moves, nrows, ncols, flags) and slower
    t_old, t_new = _toll_per_cell(tolls_of(old)), _toll_per_cell(grid.tolls)
    tolled: list[int] = []
    if t_old or t_new:
        # a crossing's number may differ between the grids (crossings are numbered in order
        # of use): compare the hours, and which cells share a crossing
        def members(table: dict[int, tuple[float, str]]) -> dict[int, frozenset]:
            groups: dict[str, set] = {}
            for c, (_, g) in table.items():
                groups.setdefault(g, set()).add(c)
            return {c: frozenset(groups[g]) for c, (_, g) in table.items()}

        m_old, m_new = members(t_old), members(t_new)
        f_new = grid.friction.reshape(-1)
        # a crossing cell that closed (impassable now) takes no move: its toll going costs nothing
        gone = frozenset(c for c in set(t_old) - set(t_new) if not math.isfinite(f_new[c]))
        for c in set(t_old) | set(t_new):
            if c not in t_old or c not in t_new or t_old[c][0] != t_new[c][0] or m_old[c] != m_new[c]:
                flags[c] |= CHANGED
                tolled.append(c)
                if c not in gone and (
                    c not in t_old
                    or c not in t_new
                    or t_new[c][0] < t_old[c][0]
                    or m_new[c] != m_old[c] - gone
                ):
                    slower = False
    if cells is None:
        changed = _dilate_changes(flags, nrows, ncols)
    else:  # the changed cells lie among the given ones, their neighbours and the crossings'
        seen = _neighbourhood(np.concatenate([cells, np.asarray(tolled, dtype=np.int64)]), grid.shape)
        changed = seen[(flags[seen] & CHANGED) != 0]
        _dilate_at(flags, changed, nrows, ncols)
    return Change(flags, changed, grid.shape, slower)


@numba.njit(cache=JIT_CACHE, nogil=True)
def _first_near(idx, time_h, bits):  # noqa: ANN001, ANN202
    t = np.inf
    for i in range(idx.shape[0]):
        j = idx[i]
        if bits[j >> 3] & (1 << (j & 7)) and time_h[i] < t:
            t = time_h[i]
    return t


def first_near_change(cells: Settled, change: Change) -> float:
    """Earliest time (h) at which a search reached a cell ``NEAR_CHANGE``; ``inf`` if none.

    Below that time the search's cells and times are the same on the changed grid (see
    :func:`update`). One pass over the cells, no temporary array.
    """
    return float(_first_near(cells.idx, cells.time_h, change.near_bits))


@numba.njit(cache=JIT_CACHE, nogil=True)
def _leading_run(time_h, since_h):  # noqa: ANN001, ANN202
    """Return how many leading cells were settled before ``since_h`` (times are unsorted within a bucket)."""
    i = 0
    while i < time_h.shape[0] and time_h[i] < since_h:
        i += 1
    return i


@numba.njit(cache=JIT_CACHE, nogil=True)
def _mark_dirty(prev_idx, prev_via, changed, bits, ncols, i0, keep, dirty_pos):  # noqa: ANN001, ANN202
    """Split the cells of an earlier search into clean (time kept) and dirty (searched again).

    A cell is clean when the move that gave it its time (``prev_via``, see
    :attr:`Settled.via`) did not change and came from a clean cell: its earlier time is
    then a sum of unchanged moves through clean cells, which the new grid still offers.
    A move changed exactly when one of its two cells is ``CHANGED``, so with the changed
    cells (``changed``) set in the bit set ``bits`` (all clear on entry) and each dirty
    cell set there as it is found, a cell is dirty when its bit or the bit of the cell it
    came from is set: two reads from a bit set of 1 bit per grid cell (6 MB at 250 m, which
    stays in cache where an 8-byte table did not). The cells are visited in the order they
    were settled, in which each comes after the cell it came from. The start (the first
    cell) is clean, the same start at the same cost: if changed, its bit is cleared on
    return. Every cell of the leading run ``prev_idx[:i0]`` (settled before any cell near
    a change was reached) is clean too, and not visited at all.

    ``keep[i0:]`` gets whether each cell is clean, ``dirty_pos`` the positions of the
    dirty ones, ascending. Returns ``(n_dirty, first, last)``: the number of dirty cells,
    and the lowest and highest index set in ``bits`` (for :func:`_seeds`, which clears
    them).
    """
    offs = np.array([-ncols, ncols, -1, 1, -ncols - 1, -ncols + 1, ncols - 1, ncols + 1], dtype=np.int64)
    first, last = np.int64(bits.shape[0]) * 8, np.int64(-1)
    for j in range(changed.shape[0]):
        c = changed[j]
        bits[c >> 3] |= np.uint8(1 << (c & 7))
        first, last = min(first, c), max(last, c)
    n_dirty = 0
    for i in range(i0, prev_idx.shape[0]):
        v = prev_via[i]
        b = np.int64(prev_idx[i])
        if v == START:
            keep[i] = True
            continue
        a = b - offs[v]
        if not ((bits[b >> 3] >> (b & 7)) & 1) and not ((bits[a >> 3] >> (a & 7)) & 1):
            keep[i] = True
            continue
        bits[b >> 3] |= np.uint8(1 << (b & 7))
        first, last = min(first, b), max(last, b)
        keep[i] = False
        dirty_pos[n_dirty] = i
        n_dirty += 1
    if prev_idx.shape[0]:  # the start, if changed, was set for the cells it leads to; it is clean
        c = np.int64(prev_idx[0])
        bits[c >> 3] &= np.uint8(~(1 << (c & 7)) & 0xFF)
    return n_dirty, first, last


@numba.njit(cache=JIT_CACHE, nogil=True)
def _seeds(bits, first, last, n_set, near_cells, table, f, moves, near, ncols, cell_km, gate, toll_h, max_h):  # noqa: ANN001, ANN202, E501
    """Return the starts of an update's search: where a clean cell's move may now give a shorter time.

    ``bits`` holds the dirty and the changed cells (:func:`_mark_dirty`: ``n_set`` of
    them at most, between ``first`` and ``last``); ``table`` the earlier times. One
    sweep over those cells in grid order (neighbours close in memory, unlike the order
    of settling) sets their time in ``table`` to ``inf`` and starts each one next to a
    clean cell (not set, with a time) at its best time over the moves in from clean
    cells; ``bits`` is then cleared (all clear on return). A clean cell near a change
    (``near_cells``) may also reach any neighbour sooner than the table says through a
    move that got cheaper. Every other clean cell's moves are unchanged and lead to
    clean cells. The times are summed as the search sums them (bit for bit). Returns
    ``(cells, times, via)`` (a cell may come more than once), ``via`` the move as in
    :attr:`Settled.via`; starts beyond ``max_h`` are left out.
    """
    offs = np.array([-ncols, ncols, -1, 1, -ncols - 1, -ncols + 1, ncols - 1, ncols + 1], dtype=np.int64)
    half = np.array([0.5 * cell_km] * 4 + [0.5 * _SQRT2 * cell_km] * 4)
    back = np.array([1, 0, 3, 2, 7, 6, 5, 4], dtype=np.uint8)  # the reverse of each move
    n_near = near_cells.shape[0]
    cap = n_set + 8 * n_near  # each set cell once, each near cell's moves: only the pages written take memory
    out_i = np.empty(cap, dtype=np.int64)
    out_t = np.empty(cap, dtype=np.float64)
    out_v = np.empty(cap, dtype=np.uint8)
    n_out = 0
    w0, w1 = first >> 3, (last >> 3) + 1 if last >= 0 else 0
    for w in range(w0, w1):
        byte = bits[w]
        if byte == 0:
            continue
        for bit in range(8):
            if not (byte >> bit) & 1:
                continue
            b = np.int64(w * 8 + bit)
            table[b] = np.inf
            m = moves[b]  # moves are symmetric: b -> a is allowed exactly when a -> b is
            fb = f[b]
            best = np.inf
            via = START
            for k in range(8):
                if not (m >> k) & 1:
                    continue
                a = b + offs[k]
                if (bits[a >> 3] >> (a & 7)) & 1:  # dirty or changed
                    continue
                ta = table[a]
                if ta == np.inf:  # not reached before
                    continue
                new = ta + (f[a] + fb) * half[k]
                if near[a >> 3] & (1 << (a & 7)):
                    new += _toll(gate, toll_h, a, b)
                if new < best:
                    best = new
                    via = back[k]
            if best <= max_h:
                out_i[n_out] = b
                out_t[n_out] = best
                out_v[n_out] = via
                n_out += 1
    bits[w0:w1] = 0
    for j in range(n_near):
        a = near_cells[j]
        ta = table[a]
        if ta == np.inf:
            continue
        m = moves[a]
        at_gate = near[a >> 3] & (1 << (a & 7))
        fa = f[a]
        for k in range(8):
            if not (m >> k) & 1:
                continue
            b = a + offs[k]
            new = ta + (fa + f[b]) * half[k]
            if at_gate:
                new += _toll(gate, toll_h, a, b)
            if new <= max_h and new < table[b]:
                out_i[n_out] = b
                out_t[n_out] = new
                out_v[n_out] = k
                n_out += 1
    return out_i[:n_out].copy(), out_t[:n_out].copy(), out_v[:n_out].copy()


@numba.njit(cache=JIT_CACHE, nogil=True, inline="always")
def _crossed(hours, moved, t_in, t_out):  # noqa: ANN001, ANN202
    """Whether a band of ``hours`` holds time ``t_in`` and not ``t_out`` (h), marking each in ``moved``."""
    hit = False
    for k in range(hours.shape[0]):
        if t_in <= hours[k] and not t_out <= hours[k]:
            moved[k] = hit = True
    return hit


@numba.njit(cache=JIT_CACHE, nogil=True)
def _gains(found_idx, found_t, table, hours, moved, gain_i, gain_t):  # noqa: ANN001, ANN202
    """Write the found cells that entered a band into ``gain_i``/``gain_t``; return how many.

    ``table`` holds, for each found cell, its earlier time (sign bit clear) or its found
    time negated (not reached before); it is set back to ``inf`` there.
    """
    n_gain = 0
    for j in range(found_idx.shape[0]):
        c = found_idx[j]
        v = table[c]
        old = np.inf if v < 0 else v
        table[c] = np.inf
        if _crossed(hours, moved, found_t[j], old):
            gain_i[n_gain] = c
            gain_t[n_gain, 0] = old
            gain_t[n_gain, 1] = found_t[j]
            n_gain += 1
    return n_gain


@numba.njit(cache=JIT_CACHE, nogil=True)
def _merge_keep(prev_idx, prev_t, i0, found_idx, found_t, table, hours, keep, lost_i, lost_t, gain_i, gain_t):  # noqa: ANN001, ANN202, E501
    """Decide which earlier cells an update keeps (the part of its merge that needs the table).

    ``table`` holds the times of the clean cells on entry (``inf`` elsewhere: see
    :func:`_seeds`) and is all ``inf`` on return; the leading run
    ``prev_idx[:i0]`` is clean and no cell is found again before it. Sets ``keep``
    (clean, not found again); writes the cells leaving a band (in the earlier search's
    order) into ``lost_i``/``lost_t`` and those entering one (in the order found) into
    ``gain_i``/``gain_t``, each once with its times before and after (``inf``: not
    reached). Returns ``(n_keep, n_lost, n_gain, moved)``, ``moved`` per band of
    ``hours``: a cell entered or left it.

    One table serves every lookup, each cell read and written back in one visit: it
    first gets the new times, negated (sign bit set: "found again"; found times are
    > 0); an earlier cell is kept when its time is still there, and a cell found again
    gets its earlier time back (sign bit clear: "was reached, at t_old").
    """
    nh = hours.shape[0]
    n_prev, n_found = prev_idx.shape[0], found_idx.shape[0]
    moved = np.zeros(nh, dtype=np.bool_)
    for i in range(i0):
        table[prev_idx[i]] = np.inf
        keep[i] = True
    for j in range(n_found):
        table[found_idx[j]] = -found_t[j]
    n_lost = 0
    n_keep = i0
    for i in range(i0, n_prev):
        b = prev_idx[i]
        t_old = prev_t[i]
        t_new = table[b]
        if t_new == t_old:  # clean, not found again (a dirty one has inf or a found time)
            keep[i] = True
            n_keep += 1
            table[b] = np.inf
            continue
        keep[i] = False
        if t_new < 0:  # found again: the table now keeps the earlier time
            t_new = -t_new
            table[b] = t_old
        if _crossed(hours, moved, t_old, t_new):
            lost_i[n_lost] = b
            lost_t[n_lost, 0] = t_old
            lost_t[n_lost, 1] = t_new
            n_lost += 1
    n_gain = _gains(found_idx, found_t, table, hours, moved, gain_i, gain_t)
    return n_keep, n_lost, n_gain, moved


@numba.njit(cache=JIT_CACHE, nogil=True)
def _merge_slower(
    prev_idx, prev_t, keep, dirty_pos, found_idx, found_t, table, hours, lost_i, lost_t, gain_i, gain_t
):  # noqa: ANN001, ANN202, E501
    """:func:`_merge_keep` when no move got cheaper (``Change.slower``): the kept cells are the clean ones.

    No clean cell can then be found again (its time was the shortest over moves that
    cost no more now), so ``keep`` from :func:`_mark_dirty` stands and only the dirty
    cells (``dirty_pos``) and the found ones are looked up in the table; the clean cells'
    times are cleared from it without a read. Same results as :func:`_merge_keep`.
    """
    nh = hours.shape[0]
    n_prev, n_found, n_dirty = prev_idx.shape[0], found_idx.shape[0], dirty_pos.shape[0]
    moved = np.zeros(nh, dtype=np.bool_)
    for i in range(n_prev):
        if keep[i]:
            table[prev_idx[i]] = np.inf
    for j in range(n_found):  # sign bit set: "found again" (found times are > 0)
        table[found_idx[j]] = -found_t[j]
    n_lost = 0
    for j in range(n_dirty):
        i = dirty_pos[j]
        b = prev_idx[i]
        t_old = prev_t[i]
        t_new = table[b]  # a found time (negated), or inf
        if t_new < 0:  # found again: the table now keeps the earlier time
            t_new = -t_new
            table[b] = t_old
        # the same steps as _merge_keep's, written out: an inline kernel shared by both made
        # both merges twice as slow (0.06 to 0.15 s and 0.14 to 0.22 s for RN16 at 250 m)
        if _crossed(hours, moved, t_old, t_new):
            lost_i[n_lost] = b
            lost_t[n_lost, 0] = t_old
            lost_t[n_lost, 1] = t_new
            n_lost += 1
    n_gain = _gains(found_idx, found_t, table, hours, moved, gain_i, gain_t)
    return n_prev - n_dirty, n_lost, n_gain, moved


@numba.njit(cache=JIT_CACHE, nogil=True)
def _merge_out(prev_idx, prev_t, prev_v, i0, keep, found_idx, found_t, found_v, out_i, out_t, out_v):  # noqa: ANN001, ANN202, E501
    """Kept cells merged with the cells found again, by time (no table: any thread, any time).

    Each found cell is placed after every kept cell of no longer time, and before the
    kept cells after them: so every cell still comes after the cell it came from
    (:attr:`Settled.via`; a found cell may come from a kept one, a kept cell only from a
    kept one), which :func:`_mark_dirty` relies on. The kept cells are in the earlier
    search's order, sorted only bucket by bucket, so the smallest time of the kept cells
    from each position on tells where a run of them must stop.
    """
    n_prev, n_found = prev_idx.shape[0], found_idx.shape[0]
    out_i[:i0] = prev_idx[:i0]
    out_t[:i0] = prev_t[:i0]
    out_v[:i0] = prev_v[:i0]
    rest = np.empty(n_prev - i0 + 1)  # rest[i - i0]: smallest time of a kept cell at i or later
    rest[n_prev - i0] = np.inf
    for i in range(n_prev - 1, i0 - 1, -1):
        t = prev_t[i] if keep[i] else np.inf
        rest[i - i0] = min(t, rest[i - i0 + 1])
    o = i0
    i = i0
    for j in range(n_found + 1):
        limit = found_t[j] if j < n_found else np.inf
        while i < n_prev and rest[i - i0] <= limit:
            if keep[i]:
                out_i[o] = prev_idx[i]
                out_t[o] = prev_t[i]
                out_v[o] = prev_v[i]
                o += 1
            i += 1
        if j < n_found:
            out_i[o] = found_idx[j]
            out_t[o] = found_t[j]
            out_v[o] = found_v[j]
            o += 1


@dataclass(frozen=True, eq=False)
class Updated:
    """A search updated after a change (:func:`update`).

    Attributes
    ----------
    settled
        The new search: kept cells and cells found again, merged in order of time
        (:meth:`Settled.later`: a copy of every cell kept, made on first use by whichever
        thread asks, with no search workspace).
    moved
        bool per band of the ``hours`` asked: a cell entered or left the band.
    lost, gained
        Per band, int64 flat indices of the cells within it before and not now (in the
        earlier search's order), and the reverse (in the new order): what
        ``previous.band_changes(settled, hours)`` gives.
    dropped
        int32 flat indices of the earlier cells whose time no longer holds (searched
        again: each has the time in ``found`` if reached now, else none).
    found
        The cells the update searched (one search from the cells around the change):
        every cell whose time differs from the earlier one, with its new time.
    """

    settled: Settled
    moved: np.ndarray
    lost: list[np.ndarray]
    gained: list[np.ndarray]
    dropped: np.ndarray
    found: Settled


def update(
    friction: np.ndarray | SearchGrid,
    previous: Settled,
    change: Change,
    *,
    start: tuple[int, int],
    cell_km: float,
    max_h: float,
    hours: Sequence[float] = (),
    since_h: float = -math.inf,
) -> Updated:
    """Search again after a change of the friction, only where times can differ.

    ``previous`` is a one-start search (no labels) on the earlier grid, ``change`` the
    difference of the two grids (:func:`change_flags`). A cell of ``previous`` is
    *clean* when the move that gave it its time (:attr:`Settled.via`) did not change and
    came from a clean cell: a chain of unchanged moves through clean cells still gives it
    its earlier time, summed as the search summed it, so its time cannot be longer now.
    Only the *dirty* cells (the rest) and cells a changed move may now reach sooner are
    searched again, from the clean cells around them. A cell's time from a
    grid search is the one value that no move can improve (the costs are > 0 and
    summed one move at a time), so the result equals a full :func:`settle` from the same
    start on the new grid, cell by cell and bit for bit, at a cost of the earlier cells
    (one light pass) plus the cells whose time changes, instead of every cell.

    Parameters
    ----------
    friction
        The new friction grid (h/km) or its :class:`SearchGrid`.
    previous
        The earlier result (one start, without labels), on a grid of the same shape.
    change
        :func:`change_flags` of the earlier friction against ``friction``.
    start
        ``(row, col)`` of the start cell, the same in both searches (at the same cost):
        the first cell of ``previous``.
    cell_km, max_h
        As for :func:`settle` (``max_h`` the bound ``previous`` was searched with).
    hours
        Band limits (hours): the second result tells which bands gained or lost a cell.
    since_h
        A time (h) no cell of ``previous`` near the change was reached before
        (:func:`first_near_change`, or lower): the cells settled before it are kept
        without a look. The result does not depend on it.

    Returns
    -------
    Updated
        The new search, and per band of ``hours`` whether it changed and the cells lost
        and gained.

    Raises
    ------
    ValueError
        Shapes differ, ``previous`` carries labels or does not start at ``start``, or
        ``max_h`` differs from its bound.
    """
    grid = prepare_friction(friction)
    nrows, ncols = grid.shape
    s = int(start[0]) * ncols + int(start[1])
    prev_i, prev_t, prev_v = previous.idx, previous.time_h, previous.via
    if grid.shape != previous.shape or change.shape != grid.shape or previous.label is not None:
        msg = f"cannot update: grid {grid.shape}, previous {previous.shape}, change {change.shape}, labels"
        raise ValueError(msg)
    if len(prev_i) and (prev_i[0] != s or prev_v[0] != START):
        msg = f"cannot update: the earlier search did not start at cell {start}"
        raise ValueError(msg)
    if max_h != previous.max_h:
        msg = f"cannot update a search bounded at {previous.max_h} h to {max_h} h"
        raise ValueError(msg)
    hours_arr = np.asarray(sorted(float(h) for h in hours), dtype=np.float64)
    f = grid.friction.reshape(-1)
    i0 = _leading_run(prev_t, float(since_h))
    with _borrowed(f.size) as ws:
        _scatter(ws.cost, prev_i, prev_t)
        keep = np.empty(len(prev_i), dtype=np.bool_)  # numpy: huge pages (see below)
        keep[:i0] = True
        # worst case: only the pages written take memory
        dirty_pos = np.empty(len(prev_i) - i0, dtype=np.int64)
        n_dirty, first, last = _mark_dirty(prev_i, prev_v, change.cells, ws.bits, ncols, i0, keep, dirty_pos)
        args = (f, grid.moves, grid.near, ncols, float(cell_km), grid.gate, grid.toll_h)
        n_set = n_dirty + len(change.cells)  # cells set in ws.bits, at most
        seed_i, seed_t, seed_v = _seeds(
            ws.bits, first, last, n_set, change.near_cells, ws.cost, *args, float(max_h)
        )
        dirty = dirty_pos[:n_dirty]
        if len(seed_i):
            found = settle(
                grid,
                np.column_stack((seed_i // ncols, seed_i % ncols)),
                cell_km=cell_km,
                max_h=max_h,
                start_costs_h=seed_t,
                _ws=ws,
                _start_via=seed_v,
            )
            f_idx, f_t, f_v = found.idx, found.time_h, found.via
        else:
            f_idx, f_t, f_v = np.empty(0, dtype=np.int32), np.empty(0), np.empty(0, dtype=np.uint8)
        n_prev, n_found = len(prev_i), len(f_idx)
        # the arrays are made by numpy, not in the kernels: numpy asks for transparent huge
        # pages, so a first write faults once per 2 MB instead of once per 4 KB (a 5 M-cell
        # hub's 60 MB of output: about 3 ms instead of 20 ms on the reference VM)
        lost_i = np.empty(n_prev - i0, dtype=np.int64)  # worst cases: only the pages written take memory
        lost_t = np.empty((n_prev - i0, 2), dtype=np.float64)
        gain_i = np.empty(n_found, dtype=np.int64)
        gain_t = np.empty((n_found, 2), dtype=np.float64)
        if change.slower:
            n_keep, n_lost, n_gain, moved = _merge_slower(
                prev_i,
                prev_t,
                keep,
                dirty,
                f_idx,
                f_t,
                ws.cost,
                hours_arr,
                lost_i,
                lost_t,
                gain_i,
                gain_t,
            )
        else:
            n_keep, n_lost, n_gain, moved = _merge_keep(
                prev_i, prev_t, i0, f_idx, f_t, ws.cost, hours_arr, keep, lost_i, lost_t, gain_i, gain_t
            )

    def make() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        out_i = np.empty(n_keep + n_found, dtype=np.int32)
        out_t = np.empty(n_keep + n_found, dtype=np.float64)
        out_v = np.empty(n_keep + n_found, dtype=np.uint8)
        _merge_out(prev_i, prev_t, prev_v, i0, keep, f_idx, f_t, f_v, out_i, out_t, out_v)
        return out_i, out_t, out_v

    l_i, l_t, g_i, g_t = lost_i[:n_lost], lost_t[:n_lost], gain_i[:n_gain], gain_t[:n_gain]
    return Updated(
        Settled.later(make, n_keep + n_found, previous.shape, max_h),
        moved,
        [l_i[(l_t[:, 0] <= h) & ~(l_t[:, 1] <= h)] for h in hours_arr],
        [g_i[(g_t[:, 1] <= h) & ~(g_t[:, 0] <= h)] for h in hours_arr],
        prev_i[dirty],
        Settled(f_idx, f_t, None, previous.shape, max_h, f_v),
    )


def travel_time_h(
    friction: np.ndarray,
    starts: list[tuple[int, int]] | np.ndarray,
    *,
    cell_km: float,
    max_h: float = math.inf,
    start_costs_h: np.ndarray | None = None,
) -> np.ndarray:
    """Travel time from the nearest start cell to every cell, in hours.

    Parameters
    ----------
    friction
        (rows, cols) hours per km; ``inf`` = impassable (see :func:`prepare_friction`).
    starts
        Start cells as ``(row, col)`` pairs; several starts give the time to the nearest.
    cell_km
        Cell size in km.
    max_h
        Stop the search beyond this many hours; farther cells come back as ``inf``.
    start_costs_h
        Optional initial cost of each start (hours), e.g. the time to walk from a hub
        to the cell it was moved to.

    Returns
    -------
    numpy.ndarray
        float64 (rows, cols), hours; ``inf`` where unreachable or beyond ``max_h``.

    Raises
    ------
    ValueError
        Bad friction, no start, or ``cell_km``/``max_h`` not positive.
    HubError
        A start outside the grid or on an impassable cell.
    """
    return settle(friction, starts, cell_km=cell_km, max_h=max_h, start_costs_h=start_costs_h).raster()


def trace_route(
    time_h: np.ndarray, friction: np.ndarray, target: tuple[int, int], *, cell_km: float
) -> np.ndarray:
    """Cells of a fastest route from the start(s) to ``target``, start first.

    Walks back from ``target`` to the neighbour whose time plus the move's cost equals
    the target's time (the Dijkstra predecessor, recovered without storing it).

    Parameters
    ----------
    time_h
        Dense travel-time raster from :func:`travel_time_h` (hours).
    friction
        The friction grid it was computed on (h/km).
    target
        ``(row, col)`` of the end cell.
    cell_km
        Cell size in km.

    Returns
    -------
    numpy.ndarray
        int64 (n, 2) ``(row, col)`` of the route.

    Raises
    ------
    ValueError
        If ``target`` is not reached.
    """
    r, c = int(target[0]), int(target[1])
    if not np.isfinite(time_h[r, c]):
        msg = f"target cell {(r, c)} is not reached"
        raise ValueError(msg)
    nrows, ncols = time_h.shape
    path = [(r, c)]
    moves = [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]
    for _ in range(time_h.size):
        t = time_h[r, c]
        best, best_err = None, math.inf
        for dr, dc in moves:
            rr, cc = r + dr, c + dc
            if not (0 <= rr < nrows and 0 <= cc < ncols) or not np.isfinite(time_h[rr, cc]):
                continue
            if time_h[rr, cc] >= t:
                continue
            if dr and dc and not (np.isfinite(friction[r + dr, c]) and np.isfinite(friction[r, c + dc])):
                continue
            step = cell_km * (_SQRT2 if dr and dc else 1.0)
            err = abs(time_h[rr, cc] + 0.5 * (friction[r, c] + friction[rr, cc]) * step - t)
            if err < best_err:
                best, best_err = (rr, cc), err
        if best is None or best_err > 1e-9 * max(1.0, t):
            break  # a start cell (or a start with an initial cost)
        r, c = best
        path.append(best)
    return np.asarray(path[::-1], dtype=np.int64)
