"""Close pairs of incidents: planar (Euclidean, Manhattan) by a grid join, along streets by Dijkstra.

Only pairs within a maximum distance are enumerated (never all n² pairs): a numba join over a
grid of cells as wide as the limit for planar distances (a k-d tree when the limit is tiny
against the extent), and for network distances a cut-off Dijkstra between street nodes
followed by a numba join of the incidents hanging off each node. Every pair is returned once,
``first < second``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from hotspots.weights import _end_nodes

METRICS = ("euclidean", "manhattan")
_MIN_EDGE_M = 1e-9  # csgraph reads a zero weight as "no edge"
_MAX_GRID_CELLS = 2**20  # cells per axis of the planar grid join (else a k-d tree)


@dataclass(frozen=True, eq=False)
class ClosePairs:
    """Pairs of incident positions (``first < second``, in no particular order) at ``distance_m``
    ≤ the enumeration limit.

    When asked for bands (``planar_pairs(band_edges_m=...)``), ``band`` holds each pair's
    distance band (int8, see :func:`distance_band`) and ``distance_m`` is empty: the distances
    are not kept, only the pairs in a finite band.
    """

    first: np.ndarray
    second: np.ndarray
    distance_m: np.ndarray
    max_distance_m: float
    band: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.first)

    def subset(self, keep: np.ndarray, new_position: np.ndarray | None = None) -> ClosePairs:
        """The pairs where ``keep``; positions renumbered through ``new_position`` when given."""
        first, second = self.first[keep], self.second[keep]
        if new_position is not None:
            first, second = new_position[first], new_position[second]
        dist = self.distance_m[keep] if len(self.distance_m) else self.distance_m
        band = None if self.band is None else self.band[keep]
        return ClosePairs(first, second, dist, self.max_distance_m, band)


@numba.njit(cache=True, nogil=True, inline="always")
def distance_band(d, edges_m, left):  # pragma: no cover - numba
    """Band of a distance: 0 same location (exactly 0), 1…k finite bands, k + 1 "more than".

    ``edges_m`` are the k upper edges; ``left``: band i holds [e(i−1), e(i)) (band 1 (0, e1)),
    else (e(i−1), e(i)]. Band = 1 + the edges below (or, left-closed, at) the distance.
    """
    band = 1
    for e in edges_m:
        band += (e < d) | (left & (e == d))
    return 0 if d == 0 else band


def planar_distances(xy: np.ndarray, first: np.ndarray, second: np.ndarray, *, metric: str,
                     single_precision: bool = False) -> np.ndarray:
    """Distances between rows ``first`` and ``second`` of ``xy``: √(dx²+dy²) or |dx|+|dy|.

    ``single_precision`` rounds the coordinates to float32 and computes in float32, as Ratcliffe's
    Near Repeat Calculator does (see :mod:`hotspots.stats.near_repeat`).
    """
    pts = xy.astype(np.float32) if single_precision else xy
    dx = pts[first, 0] - pts[second, 0]
    dy = pts[first, 1] - pts[second, 1]
    if metric == "euclidean":
        d = np.sqrt(dx * dx + dy * dy)
    else:
        d = np.abs(dx) + np.abs(dy)
    return d.astype(np.float64)


def planar_pairs(xy: np.ndarray, *, max_distance_m: float, metric: str = "euclidean",
                 single_precision: bool = False, band_edges_m: np.ndarray | None = None,
                 left_closed: bool = True) -> ClosePairs:
    """Every pair of points within ``max_distance_m`` (inclusive) in the given metric.

    Candidates come from a grid of cells slightly wider than the limit (numba, each pair of
    touching cells joined once; a k-d tree when the limit is tiny against the extent); the
    distances are then computed as :func:`planar_distances` computes them (the single
    definition used everywhere) and cut at the limit, so no index's rounding decides a pair at
    the limit.

    ``band_edges_m`` (the k upper band edges, the last one ``max_distance_m``): keep each pair's
    :func:`distance_band` (``left_closed`` as there) instead of its distance, and only the
    pairs in a finite band (a pair exactly at the last edge of left-closed bands is dropped);
    the ends are then int32 (the near-repeat table needs no more, in a third of the memory).
    """
    xy = np.asarray(xy, dtype=np.float64)
    banded = band_edges_m is not None
    edges = np.ascontiguousarray(band_edges_m if banded else [], dtype=np.float64)
    if len(xy) < 2:
        empty = np.empty(0, dtype=np.int32 if banded else np.int64)
        return ClosePairs(empty, empty, np.empty(0), float(max_distance_m),
                          np.empty(0, dtype=np.int8) if banded else None)
    p = 2.0 if metric == "euclidean" else 1.0
    scale = max(1.0, float(np.abs(xy).max()))
    slack = 1e-7 * scale  # float32 rounds each coordinate by up to half its spacing
    if single_precision:
        slack += 4.0 * float(np.spacing(np.float32(scale)))
    pts = xy.astype(np.float32) if single_precision else xy  # as planar_distances
    limit, euclidean = np.float64(max_distance_m), metric == "euclidean"
    if banded:  # the finite bands only: up to the last edge, or below it when left-closed
        limit = min(limit, edges[-1])
        limit = np.nextafter(limit, -np.inf) if left_closed and limit == edges[-1] else limit
    reach = float(max_distance_m) + slack
    span = float(np.ptp(xy, axis=0).max())
    if reach > 0 and span / reach < _MAX_GRID_CELLS:  # the usual case: a grid of reach cells
        cells = np.floor((xy - xy.min(axis=0)) / reach).astype(np.int64)
        key = cells[:, 0] * (int(cells[:, 1].max()) + 3) + cells[:, 1]
        order = np.argsort(key, kind="stable")
        cell_key, cell_start = np.unique(key[order], return_index=True)
        first, second, d, band = _grid_pairs(
            pts, order, cell_key, np.r_[cell_start, len(order)], int(cells[:, 1].max()) + 3,
            limit, euclidean, edges, bool(left_closed),
            np.empty(0, dtype=np.int32 if banded else np.int64))
        return ClosePairs(first, second, d, float(max_distance_m), band if banded else None)
    raw = cKDTree(xy).query_pairs(r=reach, p=p, output_type="ndarray")
    first, second, d = _cut_pairs(raw, pts, limit, euclidean)
    if not banded:
        return ClosePairs(first, second, d, float(max_distance_m))
    return ClosePairs(first.astype(np.int32), second.astype(np.int32), np.empty(0),
                      float(max_distance_m), _bands_of(d, edges, bool(left_closed)))


@numba.njit(cache=True, nogil=True)
def _bands_of(distance_m, edges_m, left):  # pragma: no cover - numba
    """:func:`distance_band` of every distance (int8: the config allows at most 100 bands)."""
    out = np.empty(len(distance_m), dtype=np.int8)
    for p in range(len(distance_m)):
        out[p] = distance_band(distance_m[p], edges_m, left)
    return out


@numba.njit(cache=True, nogil=True)
def _grid_pairs(pts, order, cell_key, cell_start, stride, limit, euclidean, edges, left,
                ends):  # pragma: no cover
    """Every pair within ``limit`` from a grid of cells at least ``limit`` wide (with slack).

    Points ``order[cell_start[c]:cell_start[c + 1]]`` lie in cell ``cell_key[c]`` (key = column
    × ``stride`` + row). A pair within the limit lies in one cell or in two touching cells,
    so each cell is joined with itself and its four forward neighbours (each pair seen once).
    The distance of (a, b) is computed as in :func:`_cut_pairs` (the coordinates' own
    precision; |dx| and dx² do not depend on the order of the ends), so the same pairs are
    kept. Two passes: count, then fill. With band ``edges``
    (non-empty) each pair's band is stored (no distance; ``limit`` then keeps the finite bands
    only), else the distances (no band). The ends have the type of ``ends`` (empty).
    """
    n_cells = len(cell_key)
    offsets = np.array([stride - 1, stride, stride + 1, 1], dtype=np.int64)
    banded = len(edges) > 0
    xs = np.empty(len(order), dtype=pts.dtype)  # the coordinates in cell order (contiguous)
    ys = np.empty(len(order), dtype=pts.dtype)
    for u in range(len(order)):
        xs[u] = pts[order[u], 0]
        ys[u] = pts[order[u], 1]
    total = 0
    for sweep in range(2):
        if sweep == 1:
            first = np.empty(total, dtype=ends.dtype)
            second = np.empty(total, dtype=ends.dtype)
            dist = np.empty(0 if banded else total, dtype=np.float64)
            band = np.empty(total if banded else 0, dtype=np.int8)
        k = 0
        for c in range(n_cells):
            lo, hi = cell_start[c], cell_start[c + 1]
            for o in range(-1, 4):
                if o < 0:
                    olo, ohi = lo, hi
                else:
                    target = cell_key[c] + offsets[o]
                    q = np.searchsorted(cell_key, target)
                    if q >= n_cells or cell_key[q] != target:
                        continue
                    olo, ohi = cell_start[q], cell_start[q + 1]
                for u in range(lo, hi):
                    xu = xs[u]
                    yu = ys[u]
                    for w in range(u + 1 if o < 0 else olo, ohi):
                        dx = xu - xs[w]
                        dy = yu - ys[w]
                        v = np.sqrt(dx * dx + dy * dy) if euclidean else np.abs(dx) + np.abs(dy)
                        d = np.float64(v)
                        if d <= limit:
                            if sweep == 1:
                                i = order[u]
                                j = order[w]
                                first[k] = min(i, j)
                                second[k] = max(i, j)
                                if banded:
                                    band[k] = distance_band(d, edges, left)
                                else:
                                    dist[k] = v
                            k += 1
        total = k
    return first, second, dist, band


@numba.njit(cache=True, nogil=True)
def _cut_pairs(raw, pts, limit, euclidean):  # pragma: no cover
    """The rows of ``raw`` (i, j) within ``limit``, ordered first < second, with distances.

    One pass over the pairs in the arithmetic of :func:`planar_distances` (the coordinates'
    own precision, float32 in NRC mode), so a pair at the limit is decided as there.
    """
    n = raw.shape[0]
    d = np.empty(n, dtype=np.float64)
    keep = 0
    for r in range(n):
        a = raw[r, 0]
        b = raw[r, 1]
        if a > b:
            a, b = b, a
        dx = pts[a, 0] - pts[b, 0]
        dy = pts[a, 1] - pts[b, 1]
        v = np.sqrt(dx * dx + dy * dy) if euclidean else np.abs(dx) + np.abs(dy)
        if np.float64(v) <= limit:
            d[keep] = v
            raw[keep, 0] = a
            raw[keep, 1] = b
            keep += 1
    return raw[:keep, 0].copy(), raw[:keep, 1].copy(), d[:keep].copy()


def morton_order(xy: np.ndarray) -> np.ndarray:
    """Positions of the points along a Z-order (Morton) curve over their bounding box.

    Neighbours in space end up near each other in the order (16 bits per axis), which keeps the
    permutation recount's memory accesses local; ties keep the input order.
    """
    xy = np.asarray(xy, dtype=np.float64)
    if len(xy) == 0:
        return np.empty(0, dtype=np.int64)
    span = float(np.ptp(xy, axis=0).max()) or 1.0
    q = np.clip((xy - xy.min(axis=0)) / span * 65535.0, 0, 65535).astype(np.uint64)
    key = _spread_bits(q[:, 0]) | (_spread_bits(q[:, 1]) << np.uint64(1))
    return np.argsort(key, kind="stable").astype(np.int64)


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """Insert a zero bit between the 16 low bits of ``v``."""
    v = v & np.uint64(0xFFFF)
    for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


# --- street network ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StreetGraph:
    """Street nodes and segment ends of a segments table, and the node graph (shortest parallels)."""

    index: pd.Index
    start_node: np.ndarray
    end_node: np.ndarray
    length_m: np.ndarray
    n_nodes: int
    adjacency: sp.csr_array


def street_graph(segments) -> StreetGraph:
    """Node graph of the segments: end points within 1 mm are one node; each segment is an edge
    of its ``length_m`` (parallel segments: the shortest; loops dropped, they shorten nothing)."""
    start, end, n_nodes = _end_nodes(segments)
    length = segments["length_m"].to_numpy(dtype=np.float64)
    u, v = np.minimum(start, end), np.maximum(start, end)
    edge = u != v
    u, v, w = u[edge], v[edge], np.maximum(length[edge], _MIN_EDGE_M)
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])] if len(u) else np.empty(0, bool)
    u, v, w = u[first], v[first], w[first]
    adj = sp.csr_array((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(n_nodes, n_nodes))
    return StreetGraph(index=segments.index, start_node=start, end_node=end, length_m=length,
                       n_nodes=n_nodes, adjacency=adj)


def node_distances(graph: StreetGraph, sources: np.ndarray, *, max_distance_m: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shortest street distances ≤ ``max_distance_m`` from each node in ``sources``.

    Returns CSR arrays (indptr over all nodes, target nodes, distances); rows of nodes not in
    ``sources`` are empty. Every source holds itself at distance 0. A Dijkstra per source that
    stops at the cut-off (numba), so the work grows with the nodes within reach, not with the
    size of the network.
    """
    n_nodes = graph.n_nodes
    sources = np.unique(np.asarray(sources, dtype=np.int64))
    adj = graph.adjacency
    ptr, node, dist = _bounded_dijkstra(adj.indptr.astype(np.int64), adj.indices.astype(np.int64),
                                        adj.data.astype(np.float64), sources, float(max_distance_m))
    counts = np.zeros(n_nodes, dtype=np.int64)
    counts[sources] = np.diff(ptr)
    return np.r_[0, np.cumsum(counts)].astype(np.int64), node, dist


@numba.njit(cache=True)
def _bounded_dijkstra(indptr, indices, weights, sources, max_d):  # pragma: no cover - numba
    """For each source (in order): the nodes within max_d and their distance, sorted by node."""
    n = len(indptr) - 1
    best = np.full(n, np.inf)
    done = np.zeros(n, dtype=np.bool_)
    seen = np.empty(n, dtype=np.int64)
    cap = max(1024, 16 * len(sources))
    out_node = np.empty(cap, dtype=np.int64)
    out_dist = np.empty(cap, dtype=np.float64)
    ptr = np.zeros(len(sources) + 1, dtype=np.int64)
    heap_d = np.empty(64, dtype=np.float64)
    heap_v = np.empty(64, dtype=np.int64)
    m = 0
    for k in range(len(sources)):
        src = sources[k]
        n_seen = 0
        size = 0
        heap_d[0] = 0.0
        heap_v[0] = src
        size = 1
        best[src] = 0.0
        seen[n_seen] = src
        n_seen += 1
        while size > 0:
            d = heap_d[0]
            u = heap_v[0]
            size -= 1
            if size > 0:  # move the last item to the root and sift it down
                hd, hv = heap_d[size], heap_v[size]
                i = 0
                while True:
                    c = 2 * i + 1
                    if c >= size:
                        break
                    if c + 1 < size and heap_d[c + 1] < heap_d[c]:
                        c += 1
                    if heap_d[c] >= hd:
                        break
                    heap_d[i], heap_v[i] = heap_d[c], heap_v[c]
                    i = c
                heap_d[i], heap_v[i] = hd, hv
            if done[u] or d > best[u]:
                continue
            done[u] = True
            for q in range(indptr[u], indptr[u + 1]):
                v = indices[q]
                nd = d + weights[q]
                if nd <= max_d and nd < best[v]:
                    if best[v] == np.inf:
                        seen[n_seen] = v
                        n_seen += 1
                    best[v] = nd
                    if size == len(heap_d):  # grow the heap
                        grown_d = np.empty(2 * size, dtype=np.float64)
                        grown_v = np.empty(2 * size, dtype=np.int64)
                        grown_d[:size] = heap_d
                        grown_v[:size] = heap_v
                        heap_d, heap_v = grown_d, grown_v
                    i = size  # push and sift up
                    size += 1
                    while i > 0:
                        parent = (i - 1) // 2
                        if heap_d[parent] <= nd:
                            break
                        heap_d[i], heap_v[i] = heap_d[parent], heap_v[parent]
                        i = parent
                    heap_d[i], heap_v[i] = nd, v
        if m + n_seen > cap:
            cap = max(2 * cap, m + n_seen)
            new_node = np.empty(cap, dtype=np.int64)
            new_dist = np.empty(cap, dtype=np.float64)
            new_node[:m] = out_node[:m]
            new_dist[:m] = out_dist[:m]
            out_node, out_dist = new_node, new_dist
        found = np.sort(seen[:n_seen])
        for q in range(n_seen):
            v = found[q]
            out_node[m] = v
            out_dist[m] = best[v]
            m += 1
            best[v] = np.inf
            done[v] = False
        ptr[k + 1] = m
    return ptr, out_node[:m].copy(), out_dist[:m].copy()


def network_pairs(graph: StreetGraph, segment_position: np.ndarray, position_m: np.ndarray, *,
                  max_distance_m: float) -> ClosePairs:
    """Every pair of incidents within ``max_distance_m`` (inclusive) along the streets.

    An incident sits on segment row ``segment_position`` at ``position_m`` from the segment's first
    vertex. The distance of a pair is the shortest path: out of the first incident's segment by
    either end (``position`` or ``length − position``), along the node graph, into the second's by
    either end; for two incidents on the same segment also straight along it (|Δposition|), the
    smaller of the two winning. Pairs in different connected parts of the network are never
    within any distance.
    """
    seg = np.asarray(segment_position, dtype=np.int64)
    pos = np.asarray(position_m, dtype=np.float64)
    n = len(seg)
    if n < 2:
        empty = np.empty(0, dtype=np.int64)
        return ClosePairs(empty, empty, np.empty(0), float(max_distance_m))
    start, end = graph.start_node[seg], graph.end_node[seg]
    off_start = pos
    off_end = graph.length_m[seg] - pos
    # incidents hanging off each node, sorted by their distance to it
    att_node = np.r_[start, end]
    att_off = np.r_[off_start, off_end]
    att_inc = np.r_[np.arange(n), np.arange(n)]
    order = np.lexsort((att_off, att_node))
    att_node, att_off, att_inc = att_node[order], att_off[order], att_inc[order]
    att_ptr = np.r_[0, np.cumsum(np.bincount(att_node, minlength=graph.n_nodes))].astype(np.int64)
    # incidents per segment (the straight path along a shared segment)
    n_seg = len(graph.length_m)
    by_seg = np.argsort(seg, kind="stable").astype(np.int64)
    seg_ptr = np.r_[0, np.cumsum(np.bincount(seg, minlength=n_seg))].astype(np.int64)
    reach = np.unique(np.r_[start[off_start <= max_distance_m], end[off_end <= max_distance_m]])
    nd_ptr, nd_node, nd_dist = node_distances(graph, reach, max_distance_m=max_distance_m)
    first, second, dist = _join_network(
        seg, pos, start, end, off_start, off_end, seg_ptr, by_seg, nd_ptr, nd_node, nd_dist,
        att_ptr, att_inc, att_off, float(max_distance_m))
    return ClosePairs(first, second, dist, float(max_distance_m))


@numba.njit(cache=True)
def _join_network(seg, pos, start, end, off_start, off_end, seg_ptr, by_seg, nd_ptr, nd_node,
                  nd_dist, att_ptr, att_inc, att_off, max_d):  # pragma: no cover - numba
    """For each incident a, the shortest distance to every incident b > a within max_d."""
    n = len(seg)
    best = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    cap = max(1024, 8 * n)
    out_a = np.empty(cap, dtype=np.int64)
    out_b = np.empty(cap, dtype=np.int64)
    out_d = np.empty(cap, dtype=np.float64)
    m = 0
    for a in range(n):
        nt = 0
        s = seg[a]
        pa = pos[a]
        for q in range(seg_ptr[s], seg_ptr[s + 1]):  # straight along the shared segment
            b = by_seg[q]
            if b <= a:
                continue
            d = abs(pa - pos[b])
            if d <= max_d and d < best[b]:
                if best[b] == np.inf:
                    touched[nt] = b
                    nt += 1
                best[b] = d
        for side in range(2):
            u = start[a] if side == 0 else end[a]
            oa = off_start[a] if side == 0 else off_end[a]
            if oa > max_d:
                continue
            for k in range(nd_ptr[u], nd_ptr[u + 1]):
                base = oa + nd_dist[k]
                if base > max_d:
                    continue
                v = nd_node[k]
                for q in range(att_ptr[v], att_ptr[v + 1]):
                    d = base + att_off[q]
                    if d > max_d:
                        break  # sorted by offset: the rest are farther
                    b = att_inc[q]
                    if b <= a:
                        continue
                    if d < best[b]:
                        if best[b] == np.inf:
                            touched[nt] = b
                            nt += 1
                        best[b] = d
        if m + nt > cap:
            cap = max(2 * cap, m + nt)
            new_a = np.empty(cap, dtype=np.int64)
            new_b = np.empty(cap, dtype=np.int64)
            new_d = np.empty(cap, dtype=np.float64)
            new_a[:m] = out_a[:m]
            new_b[:m] = out_b[:m]
            new_d[:m] = out_d[:m]
            out_a, out_b, out_d = new_a, new_b, new_d
        for q in range(nt):
            b = touched[q]
            out_a[m] = a
            out_b[m] = b
            out_d[m] = best[b]
            best[b] = np.inf
            m += 1
    return out_a[:m].copy(), out_b[:m].copy(), out_d[:m].copy()


def segment_reach(graph: StreetGraph, segment_position: np.ndarray, position_m: np.ndarray, *,
                  max_distance_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source row, segment row, distance) for every segment part of which lies within
    ``max_distance_m`` along the streets of each source point (distance = to its nearest point:
    0 for the source's own segment, else the nearer of the segment's two ends)."""
    seg = np.asarray(segment_position, dtype=np.int64)
    pos = np.asarray(position_m, dtype=np.float64)
    n = len(seg)
    if n == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e, np.empty(0)
    start, end = graph.start_node[seg], graph.end_node[seg]
    off = np.c_[pos, graph.length_m[seg] - pos]
    nodes = np.unique(np.r_[start, end])
    nd_ptr, nd_node, nd_dist = node_distances(graph, nodes, max_distance_m=max_distance_m)
    # node reach of each source: min over its two ends of offset + node distance
    src_parts, node_parts, dist_parts = [], [], []
    for side, ends in ((0, start), (1, end)):
        cnt = nd_ptr[ends + 1] - nd_ptr[ends]
        row = np.repeat(np.arange(n), cnt)
        k = np.repeat(nd_ptr[ends] - np.r_[0, np.cumsum(cnt)[:-1]], cnt) + np.arange(len(row))
        src_parts.append(row)
        node_parts.append(nd_node[k])
        dist_parts.append(off[row, side] + nd_dist[k])
    src = np.concatenate(src_parts)
    node = np.concatenate(node_parts)
    dist = np.concatenate(dist_parts)
    keep = dist <= max_distance_m
    src, node, dist = src[keep], node[keep], dist[keep]
    # segments touching a reached node
    n_seg = len(graph.length_m)
    seg_at = np.r_[np.arange(n_seg), np.arange(n_seg)]
    node_of = np.r_[graph.start_node, graph.end_node]
    order = np.argsort(node_of, kind="stable")
    seg_at, node_of = seg_at[order], node_of[order]
    ptr = np.r_[0, np.cumsum(np.bincount(node_of, minlength=graph.n_nodes))]
    cnt = ptr[node + 1] - ptr[node]
    row = np.repeat(np.arange(len(node)), cnt)
    k = np.repeat(ptr[node] - np.r_[0, np.cumsum(cnt)[:-1]], cnt) + np.arange(len(row))
    out_src = np.r_[src[row], np.arange(n)]
    out_seg = np.r_[seg_at[k], seg]
    out_d = np.r_[dist[row], np.zeros(n)]
    frame = pd.DataFrame({"src": out_src, "seg": out_seg, "d": out_d})
    frame = frame.groupby(["src", "seg"], sort=True, as_index=False)["d"].min()
    return (frame["src"].to_numpy(np.int64), frame["seg"].to_numpy(np.int64),
            frame["d"].to_numpy(np.float64))
