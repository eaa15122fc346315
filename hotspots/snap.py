"""Snapping points to their nearest street segment: one vectorised STRtree query, in parallel."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from hotspots._errors import ValidationError


@dataclass(frozen=True)
class SnapResult:
    """Per input point: the chosen segment (−1 when none within reach), distance and position."""

    segment_index: np.ndarray  #: row of the segment in the segments frame, −1 if none
    segment_id: np.ndarray  #: segment_id (int64), −1 if none
    distance_m: np.ndarray  #: distance to the segment (NaN if none)
    position_m: np.ndarray  #: distance along the segment from its first vertex (NaN if none)
    ties: np.ndarray  #: how many segments were equally near (1 = no tie, 0 = none)


class SegmentIndex:
    """An STRtree over segments sorted by segment_id, reusable across many snap calls."""

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
        self.tree = shapely.STRtree(self.geoms)


def snap_points(
    points: np.ndarray,
    segments: gpd.GeoDataFrame | SegmentIndex,
    *,
    max_distance_m: float = 50.0,
    n_jobs: int | None = None,
    chunk_size: int = 50_000,
) -> SnapResult:
    """Snap each point to its nearest segment within ``max_distance_m`` (same CRS, metres).

    Ties (segments exactly equally near, e.g. a point on an intersection node) go to the
    smallest ``segment_id``, so every point is counted once and the result does not depend on
    row order. Missing or empty points get no segment. ``n_jobs`` threads (default: all
    cores) query the tree in chunks; shapely releases the GIL during the queries.
    """
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
