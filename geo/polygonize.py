"""Boolean raster to polygons, compiled with numba and run without the GIL.

:func:`mask_polygons` gives the same polygons as GDAL's polygonize with 4-connectivity
(``rasterio.features.shapes(..., connectivity=4)``, the reference in the tests): one
polygon per 4-connected group of cells, holes for the enclosed background, vertices at
cell corners only where the boundary turns. It exists because ``rasterio.features.shapes``
holds Python's GIL for the whole GDAL call and builds every ring as Python tuples: on
2 cores the band polygons of 7 hubs then run one at a time. This version releases the
GIL, so two hubs are vectorised at once, and hands shapely flat coordinate arrays.

Method
------
1. Label the 4-connected groups of cells (breadth-first search).
2. Every side of a cell that faces the background (or the grid's edge) is a directed
   boundary edge between two cell corners, going clockwise round the cell in row/col
   space (the cell on the right of the direction of travel, image y pointing down).
3. Follow the edges from corner to corner. A corner has one outgoing edge, or two at a
   "saddle" where two cells touch only diagonally; there the walk takes the edge of the
   same cell it arrived by, so diagonal neighbours are never joined (4-connectivity).
   Straight runs are merged: a vertex is kept only where the direction turns.
4. Each closed ring belongs to the group of its cells. A ring going clockwise round its
   cells (positive area with x = col, y = row) is the group's outer ring; the others are
   its holes. Rings go to shapely in one ``from_ragged_array`` call.

A group that touches itself diagonally round a background pocket makes the walk pass
twice through one corner; GEOS would call such a ring invalid. The walk is split there
into simple rings (the outer ring and a hole touching it at that corner, or two holes),
which OGC allows, so the output is valid by construction and no validity check (as
costly as the tracing itself) nor ``make_valid`` is run.
"""

from __future__ import annotations

import numba
import numpy as np
import shapely
from rasterio.transform import Affine

# side k of a cell: 0 top (left to right), 1 right (down), 2 bottom (right to left), 3 left (up);
# start corner of side k, as (row offset, col offset), and the move along it
_START = np.array([[0, 0], [0, 1], [1, 1], [1, 0]], dtype=np.int64)
_STEP = np.array([[0, 1], [1, 0], [0, -1], [-1, 0]], dtype=np.int64)


@numba.njit(cache=True, nogil=True)
def _label4(mask):  # noqa: ANN001, ANN202
    """4-connected labels (0 background, 1..n groups) and the group count."""
    h, w = mask.shape
    lab = np.zeros((h, w), dtype=np.int32)
    stack = np.empty(h * w, dtype=np.int32)
    n = 0
    for r0 in range(h):
        for c0 in range(w):
            if not mask[r0, c0] or lab[r0, c0]:
                continue
            n += 1
            lab[r0, c0] = n
            top = 0
            stack[top] = r0 * w + c0
            top += 1
            while top > 0:
                top -= 1
                r = stack[top] // w
                c = stack[top] - r * w
                if r > 0 and mask[r - 1, c] and not lab[r - 1, c]:
                    lab[r - 1, c] = n
                    stack[top] = (r - 1) * w + c
                    top += 1
                if r < h - 1 and mask[r + 1, c] and not lab[r + 1, c]:
                    lab[r + 1, c] = n
                    stack[top] = (r + 1) * w + c
                    top += 1
                if c > 0 and mask[r, c - 1] and not lab[r, c - 1]:
                    lab[r, c - 1] = n
                    stack[top] = r * w + c - 1
                    top += 1
                if c < w - 1 and mask[r, c + 1] and not lab[r, c + 1]:
                    lab[r, c + 1] = n
                    stack[top] = r * w + c + 1
                    top += 1
    return lab, n


@numba.njit(cache=True, nogil=True)
def _trace(mask):  # noqa: ANN001, ANN202
    """Rings of the 4-connected groups of ``mask``.

    Returns ``(xy, ring_end, ring_group, ring_area2)``: ring vertices as (col, row)
    cell-corner coordinates, closed (last = first), concatenated; the end offset of
    each ring in ``xy``; the group label of each ring; and twice its signed area
    (x = col, y = row; > 0 for an outer ring). A walk passing twice through a corner
    (a saddle) is split there into simple rings.
    """
    h, w = mask.shape
    lab, n = _label4(mask)
    # boundary edges: one per (cell, side) facing the background; at most 2 leave a corner
    nv = (h + 1) * (w + 1)
    out_cell = np.full((nv, 2), -1, dtype=np.int32)  # cell (row * w + col) of each outgoing edge
    out_side = np.full((nv, 2), -1, dtype=np.int8)
    n_edges = 0
    for r in range(h):
        for c in range(w):
            if not mask[r, c]:
                continue
            for k in range(4):
                if k == 0:
                    bg = r == 0 or not mask[r - 1, c]
                elif k == 1:
                    bg = c == w - 1 or not mask[r, c + 1]
                elif k == 2:
                    bg = r == h - 1 or not mask[r + 1, c]
                else:
                    bg = c == 0 or not mask[r, c - 1]
                if not bg:
                    continue
                v = (r + _START[k, 0]) * (w + 1) + c + _START[k, 1]
                slot = 0 if out_cell[v, 0] < 0 else 1
                out_cell[v, slot] = r * w + c
                out_side[v, slot] = k
                n_edges += 1
    xy = np.empty((n_edges + 2 * n_edges // 4 + 8, 2), dtype=np.float64)
    ring_end = np.empty(n_edges // 4 + 1, dtype=np.int64)
    ring_group = np.empty(n_edges // 4 + 1, dtype=np.int32)
    ring_area2 = np.empty(n_edges // 4 + 1, dtype=np.float64)
    used = np.zeros((nv, 2), dtype=np.bool_)
    ring_of = np.full((nv, 2), -1, dtype=np.int32)  # ring that used each edge (saddles only)
    xv = np.empty(xy.shape[0], dtype=np.int64)  # corner id of each kept vertex
    pos = np.full(nv, -1, dtype=np.int32)  # scratch for splitting pinched rings
    ring_id = 0
    n_xy = 0
    n_rings = 0
    for v0 in range(nv):
        for s0 in range(2):
            if out_cell[v0, s0] < 0 or used[v0, s0]:
                continue
            # walk one ring from this unused edge until the walk comes back to it
            v = v0
            slot = s0
            cell = out_cell[v, slot]
            group = lab[cell // w, cell - (cell // w) * w]
            start = n_xy
            prev_side = -1
            ring_pinched = False
            while not used[v, slot]:
                used[v, slot] = True
                cell = out_cell[v, slot]
                side = out_side[v, slot]
                r = v // (w + 1)
                c = v - r * (w + 1)
                if side != prev_side:  # the boundary turns here: keep the corner
                    if n_xy + 1 >= xy.shape[0]:
                        xy = _grow2(xy, n_xy)
                        xv = _grow1(xv, n_xy)
                    xy[n_xy, 0] = c
                    xy[n_xy, 1] = r
                    xv[n_xy] = v
                    n_xy += 1
                prev_side = side
                v = (r + _STEP[side, 0]) * (w + 1) + c + _STEP[side, 1]
                # next edge: the only one leaving v, or at a saddle the one of the same cell
                slot = 1 if out_cell[v, 1] == cell else 0
                if out_cell[v, 1] >= 0:  # a saddle: does this ring pass here twice?
                    ring_of[v, slot] = ring_id
                    if ring_of[v, 1 - slot] == ring_id:
                        ring_pinched = True
            ring_id += 1
            # split a ring passing twice through a corner into simple loops there (an
            # outer ring gives its outer loop and a hole; a hole gives two holes)
            n_seg = n_xy - start
            seg_xy = xy[start:n_xy].copy() if ring_pinched else xy[:0]
            seg_v = xv[start:n_xy].copy() if ring_pinched else xv[:0]
            loop_from = np.zeros(1, dtype=np.int64)
            n_loops = 1
            if ring_pinched:
                n_xy = start
                stack = np.empty(n_seg, dtype=np.int64)  # positions in seg
                top = 0
                loops = np.empty(n_seg + 1, dtype=np.int64)  # loop boundaries in a flat order
                order = np.empty(2 * n_seg, dtype=np.int64)
                n_order = 0
                n_loops = 0
                for j in range(n_seg):
                    p = pos[seg_v[j]]
                    if p >= 0:  # back at a corner of the current path: a loop closes
                        loops[n_loops] = n_order
                        n_loops += 1
                        for q in range(p, top):
                            order[n_order] = stack[q]
                            n_order += 1
                        for q in range(p + 1, top):
                            pos[seg_v[stack[q]]] = -1
                        top = p + 1
                    else:
                        pos[seg_v[j]] = top
                        stack[top] = j
                        top += 1
                loops[n_loops] = n_order
                n_loops += 1
                for q in range(top):
                    order[n_order] = stack[q]
                    n_order += 1
                    pos[seg_v[stack[q]]] = -1
                loop_from = loops[: n_loops + 1].copy()
                loop_from[n_loops] = n_order
            for lp in range(n_loops):
                if ring_pinched:
                    a0, a1 = loop_from[lp], loop_from[lp + 1]
                    for q in range(a0, a1):
                        if n_xy + 1 >= xy.shape[0]:
                            xy = _grow2(xy, n_xy)
                            xv = _grow1(xv, n_xy)
                        xy[n_xy, 0] = seg_xy[order[q], 0]
                        xy[n_xy, 1] = seg_xy[order[q], 1]
                        n_xy += 1
                    loop_start = n_xy - (a1 - a0)
                else:
                    loop_start = start
                # close the loop (its first corner may sit on a straight side: harmless)
                if n_xy + 1 >= xy.shape[0]:
                    xy = _grow2(xy, n_xy)
                    xv = _grow1(xv, n_xy)
                xy[n_xy, 0] = xy[loop_start, 0]
                xy[n_xy, 1] = xy[loop_start, 1]
                n_xy += 1
                area2 = 0.0
                for q in range(loop_start, n_xy - 1):
                    area2 += xy[q, 0] * xy[q + 1, 1] - xy[q + 1, 0] * xy[q, 1]
                if n_rings >= ring_end.shape[0]:
                    ring_end = _grow1(ring_end, n_rings)
                    ring_group = _grow1(ring_group, n_rings)
                    ring_area2 = _grow1(ring_area2, n_rings)
                ring_end[n_rings] = n_xy
                ring_group[n_rings] = group
                ring_area2[n_rings] = area2
                n_rings += 1
    return xy[:n_xy].copy(), ring_end[:n_rings].copy(), ring_group[:n_rings].copy(), ring_area2[:n_rings].copy()


@numba.njit(cache=True, nogil=True)
def _grow2(a, n):  # noqa: ANN001, ANN202
    b = np.empty((a.shape[0] * 2 + 8, a.shape[1]), dtype=a.dtype)
    b[:n] = a[:n]
    return b


@numba.njit(cache=True, nogil=True)
def _grow1(a, n):  # noqa: ANN001, ANN202
    b = np.empty(max(a.shape[0] * 2, 4), dtype=a.dtype)
    b[:n] = a[:n]
    return b


def mask_polygons(mask: np.ndarray, transform: Affine) -> shapely.Geometry:
    """The 4-connected groups of cells of a boolean raster as one valid (Multi)Polygon.

    Parameters
    ----------
    mask
        2-D bool (rows, cols).
    transform
        Affine transform of the raster (cell corners to map coordinates, any CRS).

    Returns
    -------
    shapely.Geometry
        Polygon or MultiPolygon in the transform's CRS; empty Polygon when no cell is
        set. Its area is the cell count times the cell area; parts meet at most at a
        corner.
    """
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    if mask.ndim != 2:
        msg = f"mask must be 2-D, got shape {mask.shape}"
        raise ValueError(msg)
    xy, ring_end, group, area2 = _trace(mask)
    if len(ring_end) == 0:
        return shapely.Polygon()
    # order rings by group, outer ring first; the ragged-array offsets follow
    order = np.lexsort((area2 < 0, group))
    starts = np.concatenate(([0], ring_end[:-1]))
    lengths = ring_end - starts
    ring_offsets = np.concatenate(([0], np.cumsum(lengths[order])))
    idx = np.arange(ring_offsets[-1]) + np.repeat(starts[order] - ring_offsets[:-1], lengths[order])
    coords = xy[idx]
    a, b, c, d, e, f = transform.a, transform.b, transform.c, transform.d, transform.e, transform.f
    world = np.column_stack((a * coords[:, 0] + b * coords[:, 1] + c, d * coords[:, 0] + e * coords[:, 1] + f))
    g = group[order]
    poly_offsets = np.concatenate(([0], np.flatnonzero(np.diff(g)) + 1, [len(g)]))
    parts = shapely.from_ragged_array(shapely.GeometryType.POLYGON, world, (ring_offsets, poly_offsets))
    geom = parts[0] if len(parts) == 1 else shapely.MultiPolygon(list(parts))
    if np.bincount(group[area2 > 0]).max() > 1:  # never seen; kept as a safety net
        geom = shapely.make_valid(geom, method="structure")
    return geom
