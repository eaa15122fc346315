"""Placing house numbers by the address ranges of a street's segments (numba search).

For a number on a candidate street every side range of the street holding it (right parity
unless the side mixes parities) is a hit. Among hits the tightest range wins; equally tight ones
are told apart by the distance from the interpolated point to a hint (the bairro's or CEP's
centre, when the address gave one), then by how far inside its range the number falls (a number
at a range's end is often the next block's first), then by the smaller segment id. Sides with a
flagged range (:data:`hotspots.numbering.RANGE_FLAGS`) are left out of the first search and used,
repaired where possible, only by the fallback search, whose placements need a review.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import shapely

from hotspots.address.reference import StreetIndex

__all__ = ["RangeHits", "estimate_precision", "search_ranges", "side_of_number"]


@dataclass(frozen=True)
class RangeHits:
    """Per (row, street) pair: the chosen side (−1 none), how many sides held the number."""

    side: np.ndarray  #: index into the StreetIndex side arrays, −1 when no range holds it
    hits: np.ndarray  #: sides holding the number
    tied: np.ndarray  #: sides as tight as the chosen one (1 = no tie)
    spread_m: np.ndarray  #: farthest interpolated point among the tied sides from the chosen
    frac: np.ndarray  #: position of the number along the chosen segment (0 first vertex, 1 last)


@numba.njit(cache=True, nogil=True)
def _search(pair_row, pair_street, number, hint_x, hint_y, ptr, use, lo, hi, start, end,
            parity, seg, seg_id, x0, y0, x1, y1, check_parity):  # pragma: no cover - numba
    n = len(pair_row)
    best = np.full(n, -1, np.int64)
    hits = np.zeros(n, np.int64)
    tied = np.zeros(n, np.int64)
    spread = np.zeros(n)
    frac = np.full(n, np.nan)
    for p in range(n):
        r = pair_row[p]
        s = pair_street[p]
        num = number[r]
        hx = hint_x[r]
        hy = hint_y[r]
        has_hint = not np.isnan(hx)
        bw = np.inf
        bh = np.inf
        be = np.inf
        bid = np.iinfo(np.int64).max
        bj = -1
        bf = np.nan
        for j in range(ptr[s], ptr[s + 1]):
            if not use[j] or num < lo[j] or num > hi[j]:
                continue
            if check_parity and parity[j] >= 0 and parity[j] != num % 2:
                continue
            hits[p] += 1
            w = hi[j] - lo[j]
            f = 0.5 if end[j] == start[j] else (num - start[j]) / (end[j] - start[j])
            k = seg[j]
            h = 0.0
            if has_hint:
                px = x0[k] + f * (x1[k] - x0[k])
                py = y0[k] + f * (y1[k] - y0[k])
                h = np.hypot(px - hx, py - hy)
            e = -min(f, 1.0 - f)
            if w < bw or (w == bw and (h < bh - 1e-6 or (abs(h - bh) <= 1e-6 and (
                    e < be - 1e-12 or (abs(e - be) <= 1e-12 and seg_id[k] < bid))))):
                bw, bh, be, bid, bj, bf = w, h, e, seg_id[k], j, f
        if bj < 0:
            continue
        best[p] = bj
        frac[p] = bf
        kb = seg[bj]
        bx = x0[kb] + bf * (x1[kb] - x0[kb])
        by = y0[kb] + bf * (y1[kb] - y0[kb])
        for j in range(ptr[s], ptr[s + 1]):
            if not use[j] or num < lo[j] or num > hi[j] or hi[j] - lo[j] != bw:
                continue
            if check_parity and parity[j] >= 0 and parity[j] != num % 2:
                continue
            tied[p] += 1
            f = 0.5 if end[j] == start[j] else (num - start[j]) / (end[j] - start[j])
            k = seg[j]
            d = np.hypot(x0[k] + f * (x1[k] - x0[k]) - bx, y0[k] + f * (y1[k] - y0[k]) - by)
            if d > spread[p]:
                spread[p] = d
    return best, hits, tied, spread, frac


def search_ranges(index: StreetIndex, pair_row, pair_street, number, hint_x, hint_y, *,
                  fallback: bool = False) -> RangeHits:
    """The best side range holding each row's number on each candidate street.

    ``fallback=False`` searches the sound sides only; ``True`` searches only the flagged sides
    that can be used (0 ends repaired from the other side of the block, mixed parity holding
    either parity, reversed or over-wide spans as written).
    """
    use = index.side_repairable if fallback else index.side_usable
    best, hits, tied, spread, frac = _search(
        np.asarray(pair_row, dtype=np.int64), np.asarray(pair_street, dtype=np.int64),
        np.asarray(number, dtype=np.float64), np.asarray(hint_x, dtype=np.float64),
        np.asarray(hint_y, dtype=np.float64), index.side_ptr.astype(np.int64),
        np.ascontiguousarray(use), index.side_lo, index.side_hi, index.side_start,
        index.side_end, index.side_parity, index.side_seg, index.ids, index.x0, index.y0,
        index.x1, index.y1, True)
    return RangeHits(side=best, hits=hits, tied=tied, spread_m=spread, frac=frac)


def side_of_number(index: StreetIndex, side: np.ndarray, *, even_side: str) -> np.ndarray:
    """+1 (left of the digitised line) or −1 (right) for the chosen sides.

    Left/right ranges say it; for odd/even ranges the even numbers are on ``even_side`` seen
    walking towards increasing numbers (so the side flips where a block is digitised against
    its numbering).
    """
    side = np.asarray(side, dtype=np.int64)
    if index.range_spec is not None and index.range_spec.convention == "left_right":
        return index.side_side[side].astype(float)
    direction = np.sign(index.side_end[side] - index.side_start[side])
    direction[direction == 0] = 1.0
    base = -1.0 if even_side == "right" else 1.0
    even = index.side_is_even[side]
    parity = index.side_parity[side]
    even = np.where(parity >= 0, parity == 0, even)
    return np.where(even, base, -base) * direction


def estimate_precision(index: StreetIndex, points) -> dict | None:
    """How often the address ranges put a known address point's number on its own segment.

    Every usable address point (street matched, number known) is geocoded by the ranges of its
    street as an address would be; the share landing on the point's own segment and the
    distances between the interpolated point and the true point's foot on its segment (both on
    the centreline: the error along the street) estimate the precision of range placements.
    None without ranges or points.
    """
    if index.sides is None or points is None or not len(points.table):
        return None
    t = points.table
    rows = np.arange(len(t))
    nan = np.full(len(t), np.nan)
    num = t["number"].to_numpy(dtype=float)
    hits = search_ranges(index, rows, t["street"].to_numpy(), num, nan, nan)
    found = hits.side >= 0
    seg = np.where(found, index.side_seg[np.clip(hits.side, 0, None)], -1)
    same = found & (seg == t["seg"].to_numpy())
    if not found.any():
        return {"address_points_compared": len(t), "in_a_range": 0,
                "same_segment_rate": None, "median_error_m": None, "p95_error_m": None}
    k = seg[found]
    f = hits.frac[found]
    px = index.x0[k] + f * (index.x1[k] - index.x0[k])
    py = index.y0[k] + f * (index.y1[k] - index.y0[k])
    # the true point's foot on its own segment (both on centrelines: error along the street)
    own = t["seg"].to_numpy()[found]
    foot = shapely.get_coordinates(shapely.line_interpolate_point(
        index.geoms[own], t["position_m"].to_numpy()[found]))
    err = np.hypot(px - foot[:, 0], py - foot[:, 1])
    return {
        "address_points_compared": len(t),
        "in_a_range": int(found.sum()),
        "same_segment_rate": round(float(same[found].mean()), 4),
        "median_error_m": round(float(np.median(err)), 1),
        "p95_error_m": round(float(np.quantile(err, 0.95)), 1),
    }
