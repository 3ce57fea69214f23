"""Fastest route between two cells of a friction grid, and why there is none.

The route is recovered from the settled travel-time raster by walking back from the
end: at each cell, the predecessor is the neighbour *p* whose time plus the cost of the
move *p* -> cell (``0.5 * (f[p] + f[c]) * step``, plus a crossing's toll when the move
enters its cells; diagonal moves only where both side cells are passable) equals the
cell's time -- the same cost model as ``geo.model.costdist``, so the walk follows a
fastest path exactly (the first exact predecessor in the order up, down, left, right,
then diagonals, when several are).

When the end is not reached, the reason is read from the impassable cells that bound
the region the start reaches (or from the end cell itself when it is impassable): a
crossing that exists but is not usable (closed, out of season, no vehicles), a
no-entry zone, a river or lake, or the edge of Mali.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pyproj import Transformer
from scipy import ndimage
from shapely.geometry import LineString

from geo.config import STORAGE_CRS, WORK_CRS
from geo.model.costdist import SearchGrid, prepare_friction, settle
from geo.model.friction import ModelInputs, speed_grids

_SQRT2 = math.sqrt(2.0)
#: Neighbour offsets (row, col) in the search's move order.
_MOVES = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))

REASON_NO_ENTRY = "no-entry zone"
REASON_CROSSING = "closed crossing"
REASON_RIVER = "river"
REASON_OUTSIDE = "outside Mali"


@dataclass(frozen=True)
class RouteResult:
    """A fastest route, or why there is none.

    Attributes
    ----------
    time_h
        Travel time in hours from the start cell to the end cell; None when not reachable.
    cells
        int64 ``(n, 2)`` row/col of the route, start first (empty when not reachable).
    line
        The route through the cell centres as a LineString in EPSG:4326 (None when not
        reachable or a single cell).
    length_km
        Length of the route through the cell centres, km.
    road_km
        Part of it on road cells (each move counts half for each of its two cells), km.
    crossings
        Ids of the crossings used, in route order.
    reason
        Empty when reached; else one of ``no-entry zone``, ``closed crossing``,
        ``river``, ``outside Mali``.
    note
        A sentence for people (names the crossings when one is the cause).
    blocking_crossings
        Ids of the unusable crossings that bound the start's region (closed crossing case).
    """

    time_h: float | None
    cells: np.ndarray
    line: LineString | None
    length_km: float
    road_km: float
    crossings: list[str] = field(default_factory=list)
    reason: str = ""
    note: str = ""
    blocking_crossings: list[str] = field(default_factory=list)

    @property
    def reached(self) -> bool:
        """Whether the end was reached."""
        return self.time_h is not None


def trace_path(
    time_h: np.ndarray, grid: SearchGrid, end: tuple[int, int], cell_km: float
) -> list[tuple[int, int]]:
    """Walk back from ``end`` along exact predecessors (see the module docstring); start first.

    Parameters
    ----------
    time_h
        Dense travel-time raster (hours) of a search from the start(s) on ``grid``.
    grid
        The prepared friction (with its tolls).
    end
        ``(row, col)`` of a reached cell.
    cell_km
        Cell size, km.

    Returns
    -------
    list of (int, int)
        The cells, start first.
    """
    f = grid.friction
    nrows, ncols = f.shape
    gate = grid.gate if grid.tolls is not None else None
    toll = grid.toll_h
    r, c = end
    path = [(r, c)]
    for _ in range(time_h.size):
        t = time_h[r, c]
        if t == 0.0:
            break
        best, best_err = None, math.inf
        for dr, dc in _MOVES:
            pr, pc = r + dr, c + dc
            if not (0 <= pr < nrows and 0 <= pc < ncols) or not math.isfinite(time_h[pr, pc]):
                continue
            if dr and dc and not (math.isfinite(f[r, pc]) and math.isfinite(f[pr, c])):
                continue
            step = cell_km * (_SQRT2 if dr and dc else 1.0)
            cost = (f[pr, pc] + f[r, c]) * (0.5 * step)
            if gate is not None:
                g = gate[r * ncols + c]
                if g != 0 and gate[pr * ncols + pc] != g:
                    cost += toll[g]
            err = abs(time_h[pr, pc] + cost - t)
            if err < best_err:
                best, best_err = (pr, pc), err
        if best is None or best_err > 1e-9 * max(1.0, t):
            break  # a start cell
        r, c = best
        path.append(best)
    return path[::-1]


def _why_not(
    inputs: ModelInputs, grid: SearchGrid, reached: np.ndarray, end: tuple[int, int]
) -> tuple[str, list[str]]:
    """Reason the end is not reached, and the unusable crossings involved."""
    crossings = inputs.crossings
    closed_cells: dict[int, str] = {}
    if crossings is not None and len(crossings):
        open_ids = set(grid.tolls.ids[1:]) if grid.tolls is not None else set()
        for cid, cells in zip(crossings.index, crossings["cells"], strict=True):
            if str(cid) not in open_ids:
                for k in cells:
                    closed_cells[int(k)] = str(cid)
    f = grid.friction
    er, ec = end
    if not math.isfinite(f[er, ec]):
        ring = np.zeros(f.shape, dtype=bool)
        ring[er, ec] = True
    else:
        ring = ndimage.binary_dilation(reached, structure=np.ones((3, 3), dtype=bool)) & ~reached
    idx = np.flatnonzero(ring.reshape(-1))
    idx = idx[~np.isfinite(f.reshape(-1)[idx])]
    blocking = sorted({closed_cells[int(k)] for k in idx if int(k) in closed_cells})
    if blocking:
        return REASON_CROSSING, blocking
    water = inputs.water.reshape(-1)[idx]
    inside = inputs.inside.reshape(-1)[idx]
    land = idx[inside & ~water]
    if len(land):
        return REASON_NO_ENTRY, []
    if (inside & water).any():
        return REASON_RIVER, []
    return REASON_OUTSIDE, []


def route_between(
    inputs: ModelInputs,
    friction: np.ndarray | SearchGrid,
    start_rc: tuple[int, int],
    end_rc: tuple[int, int],
    *,
    road: np.ndarray | None = None,
    state: object | None = None,
) -> RouteResult:
    """Fastest route from ``start_rc`` to ``end_rc`` on a friction grid.

    Parameters
    ----------
    inputs
        Static model inputs (grid, water, crossings).
    friction
        The state's friction (``geo.model.friction.build_friction``, h/km, with its
        crossings' tolls) or its prepared ``SearchGrid``.
    start_rc, end_rc
        ``(row, col)`` of the start and end cells on ``inputs.grid``.
    road
        Optional bool grid of road cells for ``road_km``; default: the road speed of
        ``state`` (a ``geo.model.reach.ReachState``) when given, else the dry-season
        base roads and axes, plus the crossings' cells.
    state
        Optional ``ReachState`` the friction was built from (for ``road``).

    Returns
    -------
    RouteResult
        ``time_h`` None with ``reason`` and ``note`` when the end is not reached or a
        cell is impassable.

    Raises
    ------
    ValueError
        A cell outside the grid.
    """
    grid = prepare_friction(friction)
    f = grid.friction
    shape = f.shape
    for name, (r, c) in (("start", start_rc), ("end", end_rc)):
        if not (0 <= r < shape[0] and 0 <= c < shape[1]):
            msg = f"{name} cell {(r, c)} is outside the {shape} grid"
            raise ValueError(msg)
    cell_km = inputs.grid.cell_km
    empty = np.empty((0, 2), dtype=np.int64)
    sr, sc = int(start_rc[0]), int(start_rc[1])
    er, ec = int(end_rc[0]), int(end_rc[1])
    if not math.isfinite(f[sr, sc]):
        reached = np.zeros(shape, dtype=bool)
        reason, blocking = _why_not(inputs, grid, reached, (sr, sc))
        return RouteResult(None, empty, None, 0.0, 0.0, [], reason, f"the start lies in a {reason}", blocking)
    settled = settle(grid, [(sr, sc)], cell_km=cell_km)
    time_h = settled.raster()
    if not math.isfinite(time_h[er, ec]):
        reason, blocking = _why_not(inputs, grid, np.isfinite(time_h), (er, ec))
        where = "the end lies in" if not math.isfinite(f[er, ec]) else "the way is cut by"
        what = f"{reason} ({', '.join(blocking)})" if blocking else f"a {reason}"
        return RouteResult(
            None, empty, None, 0.0, 0.0, [], reason, f"not reachable: {where} {what}", blocking
        )
    path = np.asarray(trace_path(time_h, grid, (er, ec), cell_km), dtype=np.int64)
    steps = np.hypot(*np.diff(path, axis=0).T) * cell_km if len(path) > 1 else np.zeros(0)
    if road is None:
        road = _road_mask(inputs, grid, state)
    on_road = road[path[:, 0], path[:, 1]].astype(float)
    road_km = float((steps * 0.5 * (on_road[:-1] + on_road[1:])).sum()) if len(steps) else 0.0
    used: list[str] = []
    if grid.tolls is not None:
        gates = grid.gate[path[:, 0] * shape[1] + path[:, 1]]
        prev = 0
        for g in gates:
            if g != 0 and g != prev and grid.tolls.ids:
                used.append(grid.tolls.ids[int(g)])
            prev = g
    line = None
    if len(path) > 1:
        t = inputs.grid.transform
        xs = t.c + (path[:, 1] + 0.5) * t.a
        ys = t.f + (path[:, 0] + 0.5) * t.e
        lon, lat = Transformer.from_crs(WORK_CRS, STORAGE_CRS, always_xy=True).transform(xs, ys)
        line = LineString(np.column_stack((lon, lat)))
    return RouteResult(float(time_h[er, ec]), path, line, float(steps.sum()), road_km, used)


def _road_mask(inputs: ModelInputs, grid: SearchGrid, state: object | None) -> np.ndarray:
    """Road cells: the state's road speed > 0 (or the dry base roads and axes), plus crossing cells."""
    if state is not None:
        road, _ = speed_grids(inputs, axis_status=state.axis_status, season=state.season)
        mask = road > 0
    else:
        mask = inputs.road_speed_base["dry"] > 0
        if inputs.axis_cells is not None:
            mask = mask | (inputs.axis_cells > 0)
    mask = mask & np.isfinite(grid.friction)
    if grid.tolls is not None and len(grid.tolls.cells):
        flat = mask.reshape(-1).copy()
        flat[grid.tolls.cells] = True
        mask = flat.reshape(mask.shape)
    return mask
