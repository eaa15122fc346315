"""Spatial weights on street segments (network contiguity, network distance, k nearest) and polygons."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from libpysal.graph import Graph
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from tqdm.auto import tqdm

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError
from hotspots.blockfaces import grid_node_ids

__all__ = [
    "IslandsWarning", "default_network_distance_m", "knn", "midpoints", "network_contiguity",
    "network_distance_band", "network_distances", "polygon_contiguity", "street_graph", "to_sparse"
]

_GRID_M = 1e-3  # end points closer than 1 mm are the same street node (as in segments.py)
_CHUNK_CELLS = 20_000_000  # dense Dijkstra rows are computed in chunks of at most this many cells


class IslandsWarning(UserWarning):
    """Some features have no neighbour; their ids are in ``.islands``."""

    def __init__(self, message: str, islands: list):
        super().__init__(message)
        self.islands = islands


def network_contiguity(segments: gpd.GeoDataFrame) -> Graph:
    """Binary weights: two segments are neighbours when they share an end point (1 mm tolerance).

    Segments with no neighbour are kept as isolates (``graph.isolates``) and reported with an
    :class:`IslandsWarning`.

    Parameters
    ----------
    segments : GeoDataFrame
        Street segments (lines) in a metric CRS, indexed by ``segment_id``.

    Returns
    -------
    Graph
        A libpysal ``Graph`` indexed by ``segment_id`` with binary weights.
    """
    _check_segments(segments, "network_contiguity")
    inc = _incidence(segments)
    adj = (inc @ inc.T).tocsr()
    adj = sp.csr_array(adj - sp.diags_array(adj.diagonal()))
    adj.eliminate_zeros()
    adj.data[:] = 1.0
    return _graph(adj, segments.index, what="network contiguity")


def network_distance_band(
    segments: gpd.GeoDataFrame,
    *,
    distance_m: float | None = None,
) -> Graph:
    """Binary weights: segments whose midpoints are within ``distance_m`` along the streets.

    Distances are shortest paths on the street graph (end points as nodes, each segment split
    at its midpoint into two halves), computed with ``scipy.sparse.csgraph.dijkstra``. With
    ``distance_m=None`` the band is, as in ArcGIS, the smallest distance giving every segment at
    least one neighbour: the largest over segments of (own length + shortest touching
    segment's length) / 2. Segments that touch no other segment can never have a neighbour
    along the network; they are isolates, reported with an :class:`IslandsWarning`.
    :func:`default_network_distance_m` gives the default band on its own.
    """
    _check_segments(segments, "network_distance_band")
    if distance_m is None:
        distance_m = default_network_distance_m(segments)
    elif not np.isfinite(distance_m) or distance_m <= 0:
        raise ValidationError(
            f"network_distance_band: distance_m={distance_m!r} must be a positive number of "
            "metres (or None for the ArcGIS default)"
        )
    dist = network_distances(segments, max_distance_m=float(distance_m))
    adj = sp.csr_array((np.ones(dist.nnz), dist.indices, dist.indptr), shape=dist.shape)
    return _graph(adj, segments.index, what=f"network distance band {distance_m:.1f} m")


def network_distances(
    segments: gpd.GeoDataFrame,
    *,
    max_distance_m: float | None,
    sources: np.ndarray | None = None,
) -> sp.csr_array:
    """Shortest distances along the streets between segment midpoints, up to ``max_distance_m``.

    Rows are ``sources`` (positions into ``segments``; default all), columns all segments;
    entries are metres, only pairs within ``max_distance_m`` (``None``: no limit) are stored
    and a segment's distance to itself is left out. The street graph has the segments' end
    points as nodes and each segment split at its midpoint into two halves; Dijkstra
    (``scipy.sparse.csgraph``) runs in chunks of rows so memory stays bounded.
    """
    _check_segments(segments, "network_distances", min_segments=1)
    n = len(segments)
    inc = _incidence(segments)
    n_nodes = inc.shape[1]
    half = segments["length_m"].to_numpy(dtype=float) / 2.0
    seg_idx, node_idx = inc.nonzero()
    mid = n_nodes + seg_idx
    w = np.maximum(half[seg_idx], 1e-9)  # zero weights would mean "no edge" in csgraph
    g = sp.coo_array(
        (np.r_[w, w], (np.r_[mid, node_idx], np.r_[node_idx, mid])),
        shape=(n_nodes + n, n_nodes + n),
    ).tocsr()
    src_all = np.arange(n) if sources is None else np.asarray(sources, dtype=np.int64)
    limit = np.inf if max_distance_m is None else float(max_distance_m)
    rows, cols, vals = [], [], []
    chunk = max(1, _CHUNK_CELLS // (n_nodes + n))
    starts = range(0, len(src_all), chunk)
    for start in tqdm(
        starts, desc="network distances", unit="chunk", disable=len(starts) < 10, leave=False
    ):
        src = src_all[start : start + chunk]
        dist = csgraph.dijkstra(g, directed=False, indices=n_nodes + src, limit=limit)
        d_mid = dist[:, n_nodes:]
        r, c = np.nonzero(np.isfinite(d_mid) & (d_mid <= limit))
        keep = src[r] != c
        rows.append(start + r[keep])
        cols.append(c[keep])
        vals.append(d_mid[r[keep], c[keep]])
    r = np.concatenate(rows) if rows else np.empty(0, int)
    c = np.concatenate(cols) if cols else np.empty(0, int)
    v = np.concatenate(vals) if vals else np.empty(0)
    return sp.csr_array((v, (r, c)), shape=(len(src_all), n))


def default_network_distance_m(segments: gpd.GeoDataFrame) -> float:
    """ArcGIS-style default band: the smallest network distance giving every segment a neighbour.

    The nearest other midpoint along the network is always on a segment sharing an end point,
    at (own length + its length) / 2, so the default is the largest of those minima (segments
    with no touching segment are ignored: no distance gives them a neighbour).
    """
    _check_segments(segments, "default_network_distance_m")
    inc = _incidence(segments)
    adj = (inc @ inc.T).tocoo()
    off = adj.row != adj.col
    r, c = adj.row[off], adj.col[off]
    if len(r) == 0:
        raise ValidationError(
            "network distance band: no two segments share an end point, so no distance along the "
            "streets gives any segment a neighbour. Check that the street layer is noded "
            "(build_segments(split='planar')) or use knn weights."
        )
    length = segments["length_m"].to_numpy(dtype=float)
    pair = (length[r] + length[c]) / 2.0
    nearest = pd.Series(pair).groupby(r).min()
    return float(nearest.max())


def knn(segments: gpd.GeoDataFrame, *, k: int) -> Graph:
    """Binary weights: the ``k`` segments with the nearest midpoints (straight-line distance).

    Ties at the k-th distance are broken by position (as scipy's KD-tree returns them).
    """
    _check_segments(segments, "knn")
    n = len(segments)
    if not isinstance(k, int | np.integer) or k < 1 or k >= n:
        raise ValidationError(
            f"knn: k={k!r} must be an integer between 1 and the number of segments − 1 ({n - 1})"
        )
    xy = midpoints(segments)
    _, nbr = cKDTree(xy).query(xy, k=k + 1)
    focal = np.repeat(np.arange(n), k + 1)
    nbr = nbr.ravel()
    keep = focal != nbr
    focal, nbr = focal[keep], nbr[keep]
    # if duplicates made self not come first, a row may hold k+1 others: keep the first k
    order = np.lexsort((np.arange(len(focal)), focal))
    focal, nbr = focal[order], nbr[order]
    rank = np.arange(len(focal)) - np.searchsorted(focal, focal)
    focal, nbr = focal[rank < k], nbr[rank < k]
    adj = sp.csr_array((np.ones(len(focal)), (focal, nbr)), shape=(n, n))
    return _graph(adj, segments.index, what=f"{k} nearest neighbours")


def polygon_contiguity(polys: gpd.GeoDataFrame | gpd.GeoSeries, *, rook: bool = False) -> Graph:
    """Queen (shared vertex; default) or rook (shared edge) contiguity of polygons.

    For aggregations such as bairros, police sectors or hexagon/fishnet grids; indexed like
    ``polys``; isolates reported with an :class:`IslandsWarning`.
    """
    geoms = polys.geometry if isinstance(polys, gpd.GeoDataFrame) else polys
    if not isinstance(geoms, gpd.GeoSeries):
        raise ValidationError("polygon_contiguity: give a GeoDataFrame or GeoSeries of polygons")
    bad = ~geoms.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        raise ValidationError(
            f"polygon_contiguity: {int(bad.sum())} geometries are not polygons (first: index "
            f"{geoms.index[bad][0]!r}, {geoms.geom_type[bad].iloc[0]}); give polygons"
        )
    _unique_index(geoms.index, "polygon_contiguity")
    g = Graph.build_contiguity(geoms, rook=rook, strict=False)
    adj = g.sparse.tocsr()
    adj.data[:] = 1.0
    adj.eliminate_zeros()
    return _graph(adj, geoms.index, what="rook contiguity" if rook else "queen contiguity")


def midpoints(segments: gpd.GeoDataFrame) -> np.ndarray:
    """(n, 2) coordinates of each segment's midpoint along its length."""
    pts = shapely.line_interpolate_point(segments.geometry.values, 0.5, normalized=True)
    return shapely.get_coordinates(pts)


def to_sparse(w: Graph | object, index: pd.Index, *, what: str = "weights") -> sp.csr_array:
    """The weights as a CSR matrix whose rows and columns follow ``index`` (ids must match)."""
    if isinstance(w, Graph):
        ids = pd.Index(w.unique_ids)
        mat = w.sparse
    elif hasattr(w, "sparse") and hasattr(w, "id_order"):
        ids = pd.Index(w.id_order)
        mat = w.sparse
    else:
        raise ValidationError(
            f"{what}: expected a libpysal Graph or W (see hotspots.weights), got {type(w).__name__}"
        )
    index = pd.Index(index)
    if len(ids) != len(index) or not ids.isin(index).all():
        missing = index.difference(ids)
        extra = ids.difference(index)
        raise ValidationError(
            f"{what}: the weights' ids do not match the data's index ({len(ids)} ids vs "
            f"{len(index)} rows; {len(missing)} rows without weights, e.g. {list(missing[:3])}; "
            f"{len(extra)} weight ids not in the data, e.g. {list(extra[:3])}). Build the "
            "weights from the same table."
        )
    mat = sp.csr_array(mat)
    if not ids.equals(index):
        pos = ids.get_indexer(index)
        mat = mat[pos][:, pos]
    return sp.csr_array(mat)


def _graph(adj: sp.csr_array, index: pd.Index, *, what: str) -> Graph:
    adj = sp.csr_array(adj, dtype=float)
    graph = Graph.from_sparse(adj, ids=np.asarray(index))
    islands = list(graph.isolates)
    if islands:
        warnings.warn(
            IslandsWarning(
                f"{what}: {len(islands)} of {len(index)} features have no neighbour (islands; "
                f"first ids {islands[:5]}). Their local statistics use only their own value; "
                "consider a distance band or knn weights.",
                islands,
            ),
            stacklevel=3,
        )
    return graph


def _end_nodes(segments: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """Street node of each segment's first and last vertex (1 mm tolerance), and the node count."""
    coords, idx = shapely.get_coordinates(segments.geometry.values, return_index=True)
    n = len(segments)
    first = np.searchsorted(idx, np.arange(n))
    last = np.searchsorted(idx, np.arange(n), side="right") - 1
    node = grid_node_ids(np.vstack([coords[first], coords[last]]), _GRID_M)
    return node[:n], node[n:], int(node.max()) + 1


def _incidence(segments: gpd.GeoDataFrame) -> sp.csr_array:
    """Segment × street-node incidence (1 where the node is an end point of the segment)."""
    n = len(segments)
    start, end, _ = _end_nodes(segments)
    node = np.r_[start, end]
    seg = np.r_[np.arange(n), np.arange(n)]
    inc = sp.csr_array((np.ones(2 * n), (seg, node)), shape=(n, int(node.max()) + 1))
    inc.data[:] = 1.0  # a loop segment has the same node twice: still one incidence
    return inc


def _check_segments(segments: gpd.GeoDataFrame, what: str, *, min_segments: int = 2) -> None:
    if not isinstance(segments, gpd.GeoDataFrame):
        raise ValidationError(
            f"{what}: expected the segments GeoDataFrame, got {type(segments).__name__}"
        )
    if len(segments) < min_segments:
        raise ValidationError(
            f"{what}: need at least {min_segments} segments, got {len(segments)}"
        )
    if segments.crs is None:
        raise ValidationError(f"{what}: the segments have no CRS; build them with build_segments")
    crs_mod.require_metric(segments.crs, what=f"{what}: segments CRS")
    types = set(segments.geom_type.unique())
    if not types <= {"LineString"}:
        raise ValidationError(
            f"{what}: segments must be LineStrings, found {sorted(types)}; build them with "
            "hotspots.segments.build_segments"
        )
    if shapely.is_empty(segments.geometry.values).any():
        raise ValidationError(f"{what}: some segments have empty geometries; drop them first")
    if "length_m" not in segments.columns:
        raise ValidationError(f"{what}: segments need a 'length_m' column (from build_segments)")
    _unique_index(segments.index, what)


def _unique_index(index: pd.Index, what: str) -> None:
    if index.has_duplicates:
        dup = index[index.duplicated()][:3].tolist()
        raise ValidationError(
            f"{what}: the index has duplicate ids (e.g. {dup}); ids must be unique"
        )


def street_graph(segments: gpd.GeoDataFrame) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """The street network as a graph of street nodes joined by segments (1 mm node tolerance).

    Returns the symmetric node × node CSR matrix of segment lengths in metres (the shortest one
    where two segments join the same nodes; loops are left out), and each segment's start and
    end node. ``scipy.sparse.csgraph.dijkstra`` on it gives network distances between end points.
    """
    _check_segments(segments, "street_graph", min_segments=1)
    start, end, n_nodes = _end_nodes(segments)
    length = np.maximum(segments["length_m"].to_numpy(dtype=float), 1e-9)
    ok = start != end
    r = np.r_[start[ok], end[ok]]
    c = np.r_[end[ok], start[ok]]
    w = np.r_[length[ok], length[ok]]
    # keep the shortest of parallel segments: sort by weight, first of each (r, c) pair wins
    order = np.lexsort((w, c, r))
    r, c, w = r[order], c[order], w[order]
    first = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
    graph = sp.csr_array((w[first], (r[first], c[first])), shape=(n_nodes, n_nodes))
    return graph, start, end
