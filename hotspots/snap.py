"""Snapping points to their nearest street segment: one vectorised STRtree query, in parallel."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numba
import numpy as np
import shapely

from hotspots import _snapkernel
from hotspots._errors import ValidationError

__all__ = ["SegmentIndex", "SnapResult", "snap_points"]


@dataclass(frozen=True)
class SnapResult:
    """Per input point: the chosen segment (−1 when none within reach), distance and position."""

    segment_index: np.ndarray  #: row of the segment in the segments frame, −1 if none
    segment_id: np.ndarray  #: segment_id (int64), −1 if none
    distance_m: np.ndarray  #: distance to the segment (NaN if none)
    position_m: np.ndarray  #: distance along the segment from its first vertex (NaN if none)
    ties: np.ndarray  #: how many segments were equally near (1 = no tie, 0 = none)


class SegmentIndex:
    """Segments sorted by segment_id with their spatial indexes, reusable across snap calls.

    Two indexes: a uniform grid over the straight pieces of every segment (numba kernel, the
    default) and GEOS's STRtree (``method="strtree"``, an independent implementation kept for
    cross-checks and for the distance of far points); both are built on first use.
    """

    def __init__(self, segments: gpd.GeoDataFrame):
        if segments.index.name != "segment_id":
            raise ValidationError(
                "segments must be indexed by 'segment_id' (use hotspots.segments.build_segments)"
            )
        if not segments.index.is_monotonic_increasing:
            segments = segments.sort_index()
        self.segments = segments
        self.geoms = np.asarray(segments.geometry.values)
        self.ids = segments.index.to_numpy(dtype=np.int64)
        self._tree = None
        self._pieces = None
        self._grids: dict[float, tuple] = {}

    @property
    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    def pieces(self):
        """Vertex-to-vertex pieces: end points, owning segment row, distance along at start."""
        if self._pieces is None:
            coords, idx = shapely.get_coordinates(self.geoms, return_index=True)
            same = idx[1:] == idx[:-1]
            a, b, owner = coords[:-1][same], coords[1:][same], idx[1:][same]
            step = np.hypot(*(b - a).T)
            cum = np.cumsum(step)
            first = np.ones(len(owner), dtype=bool)
            first[1:] = owner[1:] != owner[:-1]
            base = np.maximum.accumulate(np.where(first, np.arange(len(owner)), 0))
            start_len = cum - step - (cum[base] - step[base])
            self._pieces = (np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(a[:, 1]),
                            np.ascontiguousarray(b[:, 0]), np.ascontiguousarray(b[:, 1]),
                            owner.astype(np.int64), start_len)
        return self._pieces

    def grid(self, max_distance_m: float):
        """A grid with cells ≥ max_distance_m (and ≤ ~4 cells per piece) over the pieces."""
        ax, ay, bx, by, _, _ = self.pieces()
        x0 = min(ax.min(), bx.min()) - max_distance_m
        y0 = min(ay.min(), by.min()) - max_distance_m
        w = max(ax.max(), bx.max()) + max_distance_m - x0
        h = max(ay.max(), by.max()) + max_distance_m - y0
        cell = max(max_distance_m, np.sqrt(w * h / (4.0 * len(ax))), 1e-6)
        key = float(cell)
        if key not in self._grids:
            nx = int(np.floor(w / cell)) + 1
            ny = int(np.floor(h / cell)) + 1
            start, items = _snapkernel.build_grid(ax, ay, bx, by, x0, y0, cell, nx, ny)
            self._grids[key] = (start, items, x0, y0, cell, nx, ny)
        return self._grids[key]


def snap_points(
    points: np.ndarray,
    segments: gpd.GeoDataFrame | SegmentIndex,
    *,
    max_distance_m: float = 50.0,
    n_jobs: int | None = None,
    chunk_size: int = 50_000,
    method: str = "grid",
) -> SnapResult:
    """Snap each point to its nearest segment within ``max_distance_m`` (same CRS, metres).

    Ties (segments exactly equally near, e.g. a point on an intersection node) go to the
    smallest ``segment_id``, so every point is counted once and the result does not depend on
    row order. Missing or empty points get no segment. ``method="grid"`` (default) runs a
    numba kernel over a uniform grid of segment pieces on ``n_jobs`` threads (default: all
    cores); ``method="strtree"`` uses GEOS's ``STRtree.query_nearest`` in threaded chunks (an
    independent implementation; results are the same).
    """
    if method not in {"grid", "strtree"}:
        raise ValidationError(f"method={method!r}: use 'grid' or 'strtree'")
    if not np.isfinite(max_distance_m) or max_distance_m <= 0:
        raise ValidationError(f"max_distance_m={max_distance_m!r}: must be a positive number of metres")
    index = segments if isinstance(segments, SegmentIndex) else SegmentIndex(segments)
    points = np.asarray(points, dtype=object)
    n = len(points)
    seg_idx = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    ties = np.zeros(n, dtype=np.int64)
    usable = ~(shapely.is_missing(points) | shapely.is_empty(points))
    todo = np.flatnonzero(usable)
    if method == "grid" and len(todo) and len(index.geoms):
        return _snap_grid(points, usable, index, max_distance_m, n_jobs)
    if len(todo) and len(index.geoms):
        jobs = n_jobs or os.cpu_count() or 1
        chunks = [todo[i : i + chunk_size] for i in range(0, len(todo), chunk_size)]

        def work(chunk):
            pairs, d = index.tree.query_nearest(
                points[chunk], max_distance=max_distance_m, return_distance=True, all_matches=True
            )
            return chunk, pairs, d

        if jobs > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                results = list(pool.map(work, chunks))
        else:
            results = [work(c) for c in chunks]
        for chunk, pairs, d in results:
            if pairs.shape[1] == 0:
                continue
            inp, tree_i = pairs
            # tie-break: per input point keep the smallest tree index (= smallest segment_id)
            order = np.lexsort((tree_i, inp))
            inp, tree_i, d = inp[order], tree_i[order], d[order]
            first = np.ones(len(inp), dtype=bool)
            first[1:] = inp[1:] != inp[:-1]
            counts = np.diff(np.append(np.flatnonzero(first), len(inp)))
            rows = chunk[inp[first]]
            seg_idx[rows] = tree_i[first]
            dist[rows] = d[first]
            ties[rows] = counts
    found = seg_idx >= 0
    seg_id = np.full(n, -1, dtype=np.int64)
    seg_id[found] = index.ids[seg_idx[found]]
    pos = np.full(n, np.nan)
    if found.any():
        pos[found] = shapely.line_locate_point(index.geoms[seg_idx[found]], points[found])
    return SnapResult(segment_index=seg_idx, segment_id=seg_id, distance_m=dist, position_m=pos,
                      ties=ties)


def _snap_grid(points, usable, index: SegmentIndex, max_distance_m: float, n_jobs) -> SnapResult:
    n = len(points)
    px = np.full(n, np.nan)
    py = np.full(n, np.nan)
    xy = shapely.get_coordinates(points[usable])
    px[usable], py[usable] = xy[:, 0], xy[:, 1]
    ax, ay, bx, by, owner, start_len = index.pieces()
    start, items, x0, y0, cell, nx, ny = index.grid(max_distance_m)
    threads = numba.get_num_threads()
    if n_jobs:
        numba.set_num_threads(max(1, min(int(n_jobs), numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
    try:
        seg_idx, dist, pos, ties = _snapkernel.nearest(
            px, py, ax, ay, bx, by, owner, start_len, start, items, x0, y0, cell, nx, ny,
            float(max_distance_m),
        )
    finally:
        numba.set_num_threads(threads)
    seg_id = np.full(n, -1, dtype=np.int64)
    found = seg_idx >= 0
    seg_id[found] = index.ids[seg_idx[found]]
    return SnapResult(segment_index=seg_idx, segment_id=seg_id, distance_m=dist, position_m=pos,
                      ties=ties)
