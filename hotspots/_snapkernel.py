"""Numba kernels for snapping: a uniform grid over segment pieces and a parallel nearest search."""

from __future__ import annotations

import numba
import numpy as np

MAX_TIES = 16


@numba.njit(cache=True)
def _cell_range(ax, ay, bx, by, x0, y0, cell, nx, ny):
    """Grid cells (clipped) covered by the bounding box of one piece."""
    ix0 = max(int(np.floor((min(ax, bx) - x0) / cell)), 0)
    ix1 = min(int(np.floor((max(ax, bx) - x0) / cell)), nx - 1)
    iy0 = max(int(np.floor((min(ay, by) - y0) / cell)), 0)
    iy1 = min(int(np.floor((max(ay, by) - y0) / cell)), ny - 1)
    return ix0, ix1, iy0, iy1


@numba.njit(cache=True)
def build_grid(ax, ay, bx, by, x0, y0, cell, nx, ny):
    """CSR lists of the pieces whose bounding box touches each grid cell."""
    n = len(ax)
    counts = np.zeros(nx * ny + 1, dtype=np.int64)
    for i in range(n):
        ix0, ix1, iy0, iy1 = _cell_range(ax[i], ay[i], bx[i], by[i], x0, y0, cell, nx, ny)
        for iy in range(iy0, iy1 + 1):
            for ix in range(ix0, ix1 + 1):
                counts[iy * nx + ix + 1] += 1
    start = np.cumsum(counts)
    fill = start[:-1].copy()
    items = np.empty(start[-1], dtype=np.int64)
    for i in range(n):
        ix0, ix1, iy0, iy1 = _cell_range(ax[i], ay[i], bx[i], by[i], x0, y0, cell, nx, ny)
        for iy in range(iy0, iy1 + 1):
            for ix in range(ix0, ix1 + 1):
                c = iy * nx + ix
                items[fill[c]] = i
                fill[c] += 1
    return start, items


@numba.njit(parallel=True, cache=True)
def nearest(px, py, ax, ay, bx, by, piece_seg, piece_start, start, items, x0, y0, cell, nx, ny,
            max_d):
    """For each point: nearest segment (smallest index on exact ties), distance, position, ties.

    Distances are exact point-to-segment distances; a projection that falls on a piece's end
    uses the vertex itself, so points on a shared node tie exactly.
    """
    n = len(px)
    out_seg = np.full(n, -1, dtype=np.int64)
    out_d = np.full(n, np.nan)
    out_pos = np.full(n, np.nan)
    out_ties = np.zeros(n, dtype=np.int64)
    for i in numba.prange(n):
        x = px[i]
        y = py[i]
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        cx = int(np.floor((x - x0) / cell))
        cy = int(np.floor((y - y0) / cell))
        best = np.inf
        bseg = -1
        bpos = np.nan
        tied = np.empty(MAX_TIES, dtype=np.int64)
        ntied = 0
        for gy in range(cy - 1, cy + 2):
            if gy < 0 or gy >= ny:
                continue
            for gx in range(cx - 1, cx + 2):
                if gx < 0 or gx >= nx:
                    continue
                c = gy * nx + gx
                for k in range(start[c], start[c + 1]):
                    p = items[k]
                    dx = bx[p] - ax[p]
                    dy = by[p] - ay[p]
                    L2 = dx * dx + dy * dy
                    t = 0.0
                    if L2 > 0.0:
                        t = ((x - ax[p]) * dx + (y - ay[p]) * dy) / L2
                    if t <= 0.0:
                        qx = ax[p]
                        qy = ay[p]
                        t = 0.0
                    elif t >= 1.0:
                        qx = bx[p]
                        qy = by[p]
                        t = 1.0
                    else:
                        qx = ax[p] + t * dx
                        qy = ay[p] + t * dy
                    d = np.hypot(x - qx, y - qy)
                    if d > max_d:
                        continue
                    s = piece_seg[p]
                    pos = piece_start[p] + t * np.sqrt(L2)
                    if d < best:
                        best = d
                        bseg = s
                        bpos = pos
                        tied[0] = s
                        ntied = 1
                    elif d == best:
                        seen = False
                        for j in range(ntied):
                            if tied[j] == s:
                                seen = True
                        if not seen and ntied < MAX_TIES:
                            tied[ntied] = s
                            ntied += 1
                        if s < bseg or (s == bseg and pos < bpos):
                            bseg = s
                            bpos = pos
        if bseg >= 0:
            out_seg[i] = bseg
            out_d[i] = best
            out_pos[i] = bpos
            out_ties[i] = ntied
    return out_seg, out_d, out_pos, out_ties
