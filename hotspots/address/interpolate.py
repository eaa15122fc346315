"""Points along the reference's segment lines and offset to one side (numba, GEOS arithmetic).

The segments' vertices are kept once, at ``prepare``, as one coordinate array with a pointer
per segment (CSR). :func:`offset_points_xy` then interpolates many positions in one compiled
pass, with the arithmetic of GEOS ``Interpolate`` (``LengthIndexedLine.extractPoint``:
segment lengths ``sqrt(dx² + dy²)`` summed from the first vertex, the first segment whose
running length passes the position, ``p0 + (p1 − p0) × fraction``), so the points are those
``shapely.line_interpolate_point`` gives, without building a point object per position.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["LineCoords", "offset_points_xy"]


class LineCoords:
    """The vertices of many lines: ``xy`` (m × 2) and ``ptr`` (first vertex of line i)."""

    def __init__(self, lines: np.ndarray):
        import shapely

        xy, owner = shapely.get_coordinates(np.asarray(lines, dtype=object), return_index=True)
        self.xy = np.ascontiguousarray(xy, dtype=np.float64)
        counts = np.bincount(owner, minlength=len(lines))
        self.ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


@numba.njit(cache=True, nogil=True)
def _point_at(xy, a, b, d):  # pragma: no cover - numba
    """GEOS LengthIndexedLine.extractPoint on the vertices xy[a:b] at distance d ≥ 0."""
    if d <= 0.0:
        return xy[a, 0], xy[a, 1]
    total = 0.0
    for j in range(a, b - 1):
        x0 = xy[j, 0]
        y0 = xy[j, 1]
        x1 = xy[j + 1, 0]
        y1 = xy[j + 1, 1]
        dx = x1 - x0
        dy = y1 - y0
        seg = math.sqrt(dx * dx + dy * dy)
        if total + seg > d:
            frac = (d - total) / seg
            if frac <= 0.0:
                return x0, y0
            if frac >= 1.0:
                return x1, y1
            return (x1 - x0) * frac + x0, (y1 - y0) * frac + y0
        total += seg
    return xy[b - 1, 0], xy[b - 1, 1]


@numba.njit(cache=True, nogil=True)
def _offset(xy, ptr, rows, length, position, side, offset):  # pragma: no cover - numba
    n = len(rows)
    out = np.empty((n, 2))
    for i in range(n):
        k = rows[i]
        a = ptr[k]
        b = ptr[k + 1]
        ln = length[k]
        pos = min(max(position[i], 0.0), ln)
        step = min(0.5, ln / 4)
        bx, by = _point_at(xy, a, b, pos)
        ax_, ay_ = _point_at(xy, a, b, min(max(pos - step, 0.0), ln))
        cx, cy = _point_at(xy, a, b, min(max(pos + step, 0.0), ln))
        dx = cx - ax_
        dy = cy - ay_
        norm = np.hypot(dx, dy)
        if norm == 0:
            norm = 1.0
        s = side[i] * offset
        out[i, 0] = bx + (-dy / norm) * s
        out[i, 1] = by + (dx / norm) * s
    return out


def offset_points_xy(coords: LineCoords, rows: np.ndarray, length_m: np.ndarray,
                     position_m: np.ndarray, side: np.ndarray, *,
                     side_offset_m: float) -> np.ndarray:
    """(x, y) at ``position_m`` along lines ``rows`` moved ``side_offset_m`` to the left (+1) or
    right (−1), as :func:`hotspots.address.reference.offset_points` computes them.

    Parameters
    ----------
    coords
        The lines' vertices (:class:`LineCoords`).
    rows
        Line of each point (index into ``coords``).
    length_m
        Length of every line (``shapely.length``), metres.
    position_m
        Distance along the line from its first vertex, metres (clipped to the line).
    side
        +1 left, −1 right of the digitised direction (0: on the line).
    side_offset_m
        Distance from the line, metres.

    Returns
    -------
    numpy.ndarray
        (n, 2) coordinates.
    """
    rows = np.asarray(rows, dtype=np.int64)
    return _offset(coords.xy, coords.ptr, rows, np.asarray(length_m, dtype=np.float64),
                   np.asarray(position_m, dtype=np.float64),
                   np.asarray(side, dtype=np.float64), float(side_offset_m))
