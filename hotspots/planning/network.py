"""The street network of the segments: shared end nodes and walking distances along the streets."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse import csgraph

from hotspots.blockfaces import grid_nodes, line_ends

__all__ = ["StreetNodes", "node_distances", "street_nodes"]

_GRID_M = 1e-3  # end points closer than 1 mm are one node (as hotspots.segments)


@dataclass(frozen=True)
class StreetNodes:
    """End nodes of every segment (positional, aligned to the segments' rows)."""

    u: np.ndarray  #: node of each segment's first vertex
    v: np.ndarray  #: node of each segment's last vertex
    xy: np.ndarray  #: (n_nodes, 2) node coordinates (analysis CRS)
    length_m: np.ndarray  #: length of each segment

    @property
    def n_nodes(self) -> int:
        """Number of distinct end nodes."""
        return len(self.xy)


def street_nodes(segments: gpd.GeoDataFrame) -> StreetNodes:
    """End nodes of the segments: first and last vertices snapped to a 1 mm grid."""
    geoms = segments.geometry.to_numpy()
    first, last = line_ends(geoms)
    keys, inverse = grid_nodes(np.vstack([first, last]), _GRID_M)
    n = len(geoms)
    return StreetNodes(u=inverse[:n], v=inverse[n:], xy=keys.astype(float) * _GRID_M,
                       length_m=shapely.length(geoms))


def node_distances(
    nodes: StreetNodes,
    sources: np.ndarray,
    source_nodes: np.ndarray,
    source_offsets_m: np.ndarray,
    *,
    n_sources: int,
    limit_m: float,
    chunk: int = 64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shortest walking distance from each source to every node, up to ``limit_m``.

    A source (e.g. a green area) is reached from its entry nodes: ``sources[i]`` enters the
    network at node ``source_nodes[i]`` after ``source_offsets_m[i]`` metres. Distances run
    along the segments (both directions, their lengths as weights), with scipy's Dijkstra from
    one virtual node per source that has edges only out of it (so no path passes through a
    source). Returns the long table (source, node, distance_m) of every distance ≤ ``limit_m``.
    """
    n_nodes = nodes.n_nodes
    w = np.maximum(nodes.length_m, 1e-9)  # zero-length loops: keep the edge, tiny weight
    rows = np.r_[nodes.u, nodes.v, n_nodes + sources]
    cols = np.r_[nodes.v, nodes.u, source_nodes]
    vals = np.r_[w, w, np.maximum(source_offsets_m, 1e-12)]
    size = n_nodes + n_sources
    # parallel edges (two segments between the same nodes): keep the shortest, since a sparse
    # matrix would add them up
    order = np.lexsort((vals, cols, rows))
    r, c, d = rows[order], cols[order], vals[order]
    first = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
    graph = sp.csr_array((d[first], (r[first], c[first])), shape=(size, size))
    out_r, out_c, out_d = [], [], []
    for lo in range(0, n_sources, chunk):
        idx = np.arange(lo, min(lo + chunk, n_sources))
        dist = csgraph.dijkstra(graph, directed=True, indices=n_nodes + idx, limit=limit_m)
        dist = dist[:, :n_nodes]
        rr, cc = np.nonzero(np.isfinite(dist))
        out_r.append(idx[rr])
        out_c.append(cc)
        out_d.append(dist[rr, cc])
    if not out_r:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_d)
