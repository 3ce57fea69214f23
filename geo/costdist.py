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

Friction values must be finite and > 0, or ``inf`` (impassable); NaN, zero or negative
values raise, so no negative or zero-cost loop can occur.

The kernel keeps a binary heap with lazy deletion in flat numpy arrays; memory is the
output (8 bytes per cell) plus the heap (16 bytes per queued entry). Measured figures
are in ``bench/bench_reach.py``; the choice of method is explained in ``../shared/PERF.md``
(numba grid Dijkstra 2-4.5x faster than scipy csgraph or MCP, without a graph to build).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from geo.errors import HubError

_SQRT2 = math.sqrt(2.0)


@numba.njit(cache=True, nogil=True)
def _heap_push(hc, hi, size, cost, idx):  # noqa: ANN001, ANN202
    if size >= hc.shape[0]:
        nc = np.empty(hc.shape[0] * 2, dtype=hc.dtype)
        ni = np.empty(hi.shape[0] * 2, dtype=hi.dtype)
        nc[: hc.shape[0]] = hc
        ni[: hi.shape[0]] = hi
        hc, hi = nc, ni
    pos = size
    hc[pos] = cost
    hi[pos] = idx
    while pos > 0:
        parent = (pos - 1) >> 1
        if hc[parent] <= hc[pos]:
            break
        hc[parent], hc[pos] = hc[pos], hc[parent]
        hi[parent], hi[pos] = hi[pos], hi[parent]
        pos = parent
    return hc, hi, size + 1


@numba.njit(cache=True, nogil=True)
def _heap_pop(hc, hi, size):  # noqa: ANN001, ANN202
    cost, idx = hc[0], hi[0]
    size -= 1
    hc[0], hi[0] = hc[size], hi[size]
    pos = 0
    while True:
        left = 2 * pos + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and hc[left + 1] < hc[left]:
            child = left + 1
        if hc[pos] <= hc[child]:
            break
        hc[child], hc[pos] = hc[pos], hc[child]
        hi[child], hi[pos] = hi[pos], hi[child]
        pos = child
    return cost, idx, size


@numba.njit(cache=True, nogil=True)
def _dijkstra(fric, start_rows, start_cols, start_costs, cell_km, max_h):  # noqa: ANN001, ANN202
    nrows, ncols = fric.shape
    cost = np.full((nrows, ncols), np.inf)
    done = np.zeros((nrows, ncols), dtype=np.bool_)
    hc = np.empty(4096, dtype=np.float64)
    hi = np.empty(4096, dtype=np.int64)
    size = 0
    for k in range(start_rows.shape[0]):
        r, c = start_rows[k], start_cols[k]
        if start_costs[k] < cost[r, c]:
            cost[r, c] = start_costs[k]
            hc, hi, size = _heap_push(hc, hi, size, start_costs[k], r * ncols + c)
    drs = np.array([-1, 1, 0, 0, -1, -1, 1, 1])
    dcs = np.array([0, 0, -1, 1, -1, 1, -1, 1])
    diag = _SQRT2 * cell_km
    while size > 0:
        cur, idx, size = _heap_pop(hc, hi, size)
        r = idx // ncols
        c = idx - r * ncols
        if done[r, c] or cur > cost[r, c]:
            continue
        if cur > max_h:
            break
        done[r, c] = True
        fa = fric[r, c]
        for k in range(8):
            rr = r + drs[k]
            cc = c + dcs[k]
            if rr < 0 or rr >= nrows or cc < 0 or cc >= ncols or done[rr, cc]:
                continue
            fb = fric[rr, cc]
            if not math.isfinite(fb):
                continue
            if k >= 4:
                if not (math.isfinite(fric[r + drs[k], c]) and math.isfinite(fric[r, c + dcs[k]])):
                    continue
                step = diag
            else:
                step = cell_km
            new = cur + 0.5 * (fa + fb) * step
            if new < cost[rr, cc]:
                cost[rr, cc] = new
                hc, hi, size = _heap_push(hc, hi, size, new, rr * ncols + cc)
    # cells queued but never settled (beyond the bound) are not reached
    for r in range(nrows):
        for c in range(ncols):
            if not done[r, c]:
                cost[r, c] = np.inf
    return cost


def check_friction(friction: np.ndarray) -> np.ndarray:
    """Validate a friction grid and return it as C-contiguous float64.

    Raises
    ------
    ValueError
        If it is not 2-D, or holds NaN, zero, negative or ``-inf`` values (only finite
        values > 0 and ``+inf`` for impassable cells are allowed).
    """
    f = np.ascontiguousarray(friction, dtype=np.float64)
    if f.ndim != 2:
        msg = f"friction must be a 2-D grid, got shape {f.shape}"
        raise ValueError(msg)
    bad = np.isnan(f) | (f <= 0)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        msg = (f"friction has {int(bad.sum())} NaN, zero or negative cells (first at row {r}, "
               f"col {c}: {f[r, c]!r}); use inf for impassable cells")
        raise ValueError(msg)
    return f


def travel_time_h(friction: np.ndarray, starts: list[tuple[int, int]] | np.ndarray, *,
                  cell_km: float, max_h: float = math.inf,
                  start_costs_h: np.ndarray | None = None) -> np.ndarray:
    """Travel time from the nearest start cell to every cell, in hours.

    Parameters
    ----------
    friction
        (rows, cols) hours per km; ``inf`` = impassable (see :func:`check_friction`).
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
    f = check_friction(friction)
    st = np.asarray(starts, dtype=np.int64).reshape(-1, 2)
    if len(st) == 0:
        msg = "at least one start cell is needed"
        raise ValueError(msg)
    if not cell_km > 0 or not max_h > 0:
        msg = f"cell_km and max_h must be > 0, got {cell_km!r}, {max_h!r}"
        raise ValueError(msg)
    rows, cols = st[:, 0], st[:, 1]
    off = (rows < 0) | (rows >= f.shape[0]) | (cols < 0) | (cols >= f.shape[1])
    if off.any():
        msg = f"start cell {tuple(st[off][0])} is outside the {f.shape} grid"
        raise HubError(msg)
    if not np.isfinite(f[rows, cols]).all():
        k = int(np.argmin(np.isfinite(f[rows, cols])))
        msg = f"start cell {tuple(st[k])} is impassable"
        raise HubError(msg)
    costs = np.zeros(len(st)) if start_costs_h is None else np.asarray(start_costs_h, dtype=np.float64)
    return _dijkstra(f, rows.copy(), cols.copy(), costs, float(cell_km), float(max_h))
