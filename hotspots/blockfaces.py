"""Street segments as criminologists count them: pieces merged from intersection to intersection.

A street layer (OSM ways, municipal centrelines) is cut into *pieces* wherever two lines share
a vertex, including where one way simply continues as the next. Crime-and-place research counts
on *street segments*: both block faces of a street between two intersections (Weisburd et al.
2004, 2012). :func:`merge_pieces` joins pieces across every node where exactly two pieces meet
and the street continues (same name, or both unnamed; a name change stays a boundary unless
``merge_across_name_change``), keeping every intersection (degree ≥ 3) and every dead end
(degree 1). Closed loops (a ring street with no junction) become one closed segment.

Optionally (``SegmentSettings.consolidate_m`` > 0, off by default) intersections closer than a
tolerance become one junction first (:func:`consolidate_nodes`): a side street offset by a few
metres, or the two crossings of a dual carriageway, then bound one segment instead of leaving a
few-metre piece between them. Dual carriageways themselves are not collapsed into one line.

Ids are a hash of the merged line's coordinates (rounded to 1 cm, below 2**53), so the same
streets give the same ids whatever the row order and editing one street renumbers only the
segments it belongs to. The orientation of a merged line is canonical: that of the greater
length of its pieces (ties: the lexicographically smaller end first), whatever the row order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
import shapely
from scipy import sparse as sp
from scipy.sparse import csgraph

from hotspots._errors import ValidationError
from hotspots.config import SegmentSettings
from hotspots.numbering import LEFT_RIGHT, RangeColumns, find_range_columns, merge_range_columns

__all__ = [
    "UNITS",
    "BlockFaceMerge",
    "ConsolidatedPieces",
    "SegmentSettings",
    "consolidate_nodes",
    "grid_node_ids",
    "grid_nodes",
    "junction_segments",
    "line_ends",
    "merge_address_ranges",
    "merge_pieces",
    "node_degrees",
    "segment_ids",
]

#: the units a street layer can be analysed on
UNITS = ("block_face", "piece")
#: left/right address-range columns (TIGER names); odd/even and mapped names are merged too
LEFT_RIGHT_RANGES = LEFT_RIGHT
_GRID_M = 1e-3  # end points closer than 1 mm are one node (as in segments.py and weights.py)


@dataclass(frozen=True)
class BlockFaceMerge:
    """Merged segments, the pieces they are made of, and the mapping piece → segment.

    ``segments``: GeoDataFrame indexed by ``segment_id`` (geometry, ``length_m``,
    ``street_name``, ``n_pieces`` and the carried columns). ``piece_segment``: DataFrame
    indexed by ``piece_id`` with ``segment_id``, ``order`` (0-based position of the piece along
    the segment), ``reversed`` (piece digitised against the segment's direction),
    ``offset_m`` (distance along the segment where the piece begins, in the segment's
    direction) and ``length_m``. A point at ``position_m`` along a piece lies at
    ``offset_m + position_m`` (or ``offset_m + length_m − position_m`` when ``reversed``)
    along its segment: :meth:`segment_position`.
    """

    segments: gpd.GeoDataFrame
    piece_segment: pd.DataFrame
    merge_across_name_change: bool

    def segment_position(self, piece_id: np.ndarray, position_m: np.ndarray) -> np.ndarray:
        """Distance along the merged segment of a point ``position_m`` along piece ``piece_id``."""
        rows = self.piece_segment.loc[np.asarray(piece_id)]
        pos = np.asarray(position_m, dtype=float)
        along = np.where(rows["reversed"].to_numpy(), rows["length_m"].to_numpy() - pos, pos)
        return rows["offset_m"].to_numpy() + along


def segment_ids(geometries: np.ndarray) -> np.ndarray:
    """Stable integer ids from each line's coordinates rounded to 1 cm.

    Ids stay below 2**53 so that JavaScript (web maps, GeoJSON readers) keeps them exact.
    """
    coords, idx = shapely.get_coordinates(geometries, return_index=True)
    rounded = np.round(coords, 2).astype(np.float64)
    rounded[rounded == 0] = 0.0  # -0.0 and 0.0 hash alike
    starts = np.searchsorted(idx, np.arange(len(geometries)))
    ends = np.append(starts[1:], len(idx))
    buf = rounded.tobytes()
    width = rounded.itemsize * 2
    out = np.empty(len(geometries), dtype=np.int64)
    for i, (a, b) in enumerate(zip(starts, ends)):
        digest = hashlib.blake2b(buf[a * width : b * width], digest_size=8).digest()
        out[i] = int.from_bytes(digest, "little") & 0x1F_FFFF_FFFF_FFFF  # 53 bits
    return out


def grid_node_ids(coords: np.ndarray, grid_m: float = _GRID_M) -> np.ndarray:
    """Node number of each (x, y): points on the same ``grid_m`` cell share one (numbered in
    x-then-y order, as ``np.unique(axis=0)`` would, but sorting two int64 keys is ~10× faster)."""
    return grid_nodes(coords, grid_m)[1]


def grid_nodes(coords: np.ndarray, grid_m: float = _GRID_M) -> tuple[np.ndarray, np.ndarray]:
    """(cells, node of each point): the distinct ``grid_m`` cells (integer (i, j) keys, in
    x-then-y order) and the node number of each (x, y) as :func:`grid_node_ids` gives it —
    ``np.unique(keys, axis=0, return_inverse=True)`` by one lexsort."""
    keys = np.round(np.asarray(coords, dtype=float)[:, :2] / grid_m).astype(np.int64)
    if len(keys) == 0:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    k = keys[order]
    new = np.ones(len(k), dtype=bool)
    new[1:] = (k[1:, 0] != k[:-1, 0]) | (k[1:, 1] != k[:-1, 1])
    ids = np.empty(len(k), dtype=np.int64)
    ids[order] = np.cumsum(new) - 1
    return k[new], ids


def line_ends(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) vertex coordinates of each LineString, as two (n, 2) arrays.

    One vectorised coordinate read (no Point objects made: several times faster than
    ``shapely.get_point``); for a geometry that is not a LineString, ``get_point``'s answer.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    first, last = np.full((n, 2), np.nan), np.full((n, 2), np.nan)
    if n == 0:
        return first, last
    line = shapely.get_type_id(geoms) == 1
    if line.any():
        coords, owner = shapely.get_coordinates(geoms[line], return_index=True)
        counts = np.bincount(owner, minlength=int(line.sum()))
        end = np.cumsum(counts) - 1
        ok = counts > 0
        rows = np.flatnonzero(line)[ok]
        first[rows] = coords[(end - counts + 1)[ok]]
        last[rows] = coords[end[ok]]
    other = ~line
    if other.any():
        first[other] = shapely.get_coordinates(shapely.get_point(geoms[other], 0))
        last[other] = shapely.get_coordinates(shapely.get_point(geoms[other], -1))
    return first, last


def node_degrees(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start node, end node, degree per node) of lines, nodes keyed on a 1 mm grid.

    The degree counts line ends at the node (a closed loop line counts twice at its node).
    """
    n = len(geoms)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    ends = np.vstack(line_ends(geoms))
    node = grid_node_ids(ends)
    degree = np.bincount(node)
    return node[:n], node[n:], degree


def merge_pieces(
    pieces: gpd.GeoDataFrame,
    *,
    merge_across_name_change: bool = False,
    carry: tuple[str, ...] | list[str] = (),
    range_spec: RangeColumns | None = None,
) -> BlockFaceMerge:
    """Merge street pieces into segments from intersection to intersection (see module doc).

    Parameters
    ----------
    pieces : GeoDataFrame
        LineString pieces indexed by their id (``segment_id`` of the piece build), in a metric
        CRS, with ``street_name`` ("" when unknown) and ``length_m`` (metres).
    merge_across_name_change : bool
        Also merge where the two pieces meeting at a node have different names.
    carry : sequence of str
        Columns copied to the merged segment from its longest piece (ties: smallest piece id);
        house-number range columns are merged per side by :func:`merge_address_ranges`
        instead.
    range_spec : RangeColumns, optional
        Which columns hold house-number ranges (``hotspots.numbering``); default: those of
        ``carry`` found by their usual names (left/right ``from_left``…, odd/even
        ``NUM_IMPAR_INI``…).

    Returns
    -------
    BlockFaceMerge
        The merged segments (index ``segment_id``), and ``piece_segment`` (index ``piece_id``).
    """
    _check_pieces(pieces)
    n = len(pieces)
    geoms = np.asarray(pieces.geometry.values)
    piece_ids = pieces.index.to_numpy(dtype=np.int64)
    length = shapely.length(geoms)
    start, end, degree = node_degrees(geoms)
    names = pieces["street_name"].astype("string").fillna("").str.strip().str.casefold()
    name_code = pd.factorize(names.to_numpy())[0]

    # the two line ends at each degree-2 node: (piece, which end) pairs
    end_piece = np.r_[np.arange(n), np.arange(n)]
    end_side = np.r_[np.zeros(n, np.int64), np.ones(n, np.int64)]
    end_node = np.r_[start, end]
    at2 = degree[end_node] == 2
    order = np.argsort(end_node[at2], kind="stable")
    pairs = np.flatnonzero(at2)[order].reshape(-1, 2)
    pa, pb = end_piece[pairs[:, 0]], end_piece[pairs[:, 1]]
    ok = pa != pb  # a closed loop piece alone at its node merges with nothing
    if not merge_across_name_change:
        ok &= name_code[pa] == name_code[pb]
    pairs = pairs[ok]
    link_piece = np.full((n, 2), -1, dtype=np.int64)
    link_end = np.full((n, 2), -1, dtype=np.int64)
    a, b = pairs[:, 0], pairs[:, 1]
    link_piece[end_piece[a], end_side[a]] = end_piece[b]
    link_end[end_piece[a], end_side[a]] = end_side[b]
    link_piece[end_piece[b], end_side[b]] = end_piece[a]
    link_end[end_piece[b], end_side[b]] = end_side[a]

    adj = sp.coo_array((np.ones(len(pairs)), (end_piece[a], end_piece[b])), shape=(n, n))
    n_comp, comp = csgraph.connected_components(adj, directed=False)
    # start of each chain: the terminal piece (a free end) with the smallest id; cycles (no
    # terminal) start at their smallest id, forwards
    terminal = (link_piece < 0).any(axis=1)
    rank = np.lexsort((piece_ids, ~terminal, comp))
    first_of_comp = np.ones(n, dtype=bool)
    first_of_comp[1:] = comp[rank][1:] != comp[rank][:-1]
    starts = rank[first_of_comp]
    start_rev = terminal[starts] & (link_piece[starts, 0] >= 0)  # type: ignore[index]
    walk, rev, chain = _walk(link_piece, link_end, starts.astype(np.int64), start_rev)
    if len(walk) != n:  # pragma: no cover - every piece is on exactly one chain
        raise RuntimeError(f"block-face merge visited {len(walk)} of {n} pieces")
    size = np.bincount(chain, minlength=n_comp)
    pos = np.arange(n) - np.searchsorted(chain, chain)
    cyclic = ~terminal[starts]  # type: ignore[index]
    walk, rev, pos = _canonical_direction(walk, rev, chain, pos, size, cyclic, length, geoms)

    coords, piece_of = _chain_coordinates(geoms, walk, rev, pos)
    merged = shapely.linestrings(coords, indices=piece_of)
    # a chain of one piece keeps the piece's coordinates (never flipped), hence its id
    single = size == 1
    seg_ids = np.empty(n_comp, dtype=np.int64)
    seg_ids[single] = piece_ids[walk[np.searchsorted(chain, np.flatnonzero(single))]]
    seg_ids[~single] = segment_ids(merged[~single])
    seg_of_piece = np.empty(n, dtype=np.int64)
    seg_of_piece[walk] = seg_ids[chain]
    offset = np.zeros(n)
    cum = np.cumsum(length[walk])
    base = np.repeat(cum[np.searchsorted(chain, np.arange(n_comp))] -
                     length[walk][np.searchsorted(chain, np.arange(n_comp))], size)
    offset[walk] = cum - length[walk] - base
    reversed_ = np.zeros(n, dtype=bool)
    reversed_[walk] = rev
    order_in = np.zeros(n, dtype=np.int64)
    order_in[walk] = pos
    piece_segment = pd.DataFrame(
        {"segment_id": seg_of_piece, "order": order_in, "reversed": reversed_,
         "offset_m": offset, "length_m": length},
        index=pd.Index(piece_ids, name="piece_id"),
    )

    # the walk numbers chains in component order (starts are sorted by component)
    longest = _longest_piece(comp, length, piece_ids, n_comp)
    out = gpd.GeoDataFrame(
        {
            "length_m": shapely.length(merged),
            "street_name": pieces["street_name"].astype(str).to_numpy()[longest],
            "n_pieces": size.astype(np.int64),
        },
        geometry=merged,
        crs=pieces.crs,
        index=pd.Index(seg_ids, name="segment_id"),
    )
    if range_spec is None:
        range_spec = find_range_columns([c for c in (*LEFT_RIGHT_RANGES, *carry)
                                         if c in pieces.columns])
    range_cols = range_spec.names if range_spec is not None else []
    for col in carry:
        if col in range_cols or col not in pieces.columns:
            continue
        out[col] = pieces[col].to_numpy()[longest]
    if range_spec is not None:
        ranges = merge_address_ranges(pieces, piece_segment, spec=range_spec)
        for col in range_cols:
            out[col] = ranges[col].reindex(out.index).to_numpy()
    if out.index.has_duplicates:  # the same street digitised twice merges to the same line
        out = out[~out.index.duplicated(keep="first")]
    return BlockFaceMerge(segments=out.sort_index(), piece_segment=piece_segment,
                          merge_across_name_change=merge_across_name_change)


@dataclass(frozen=True)
class ConsolidatedPieces:
    """Pieces after :func:`consolidate_nodes`: ``pieces`` kept (end points moved to junction
    centroids) and ``dropped`` (index piece id; ``junction`` number, its centroid ``x``/``y``)."""

    pieces: gpd.GeoDataFrame
    dropped: pd.DataFrame
    dropped_length_m: float
    n_junctions: int


def consolidate_nodes(pieces: gpd.GeoDataFrame, *, tolerance_m: float) -> ConsolidatedPieces:
    """Treat intersections (nodes of degree ≥ 3) closer than ``tolerance_m`` (single linkage)
    as one junction; dead ends and degree-2 nodes are never moved.

    Every piece end in a junction of two or more nodes moves to the junction's centroid
    (lengths change by at most the tolerance); pieces with both ends in one junction and no
    longer than 2 × ``tolerance_m`` (links inside a complex intersection, the crossing between
    two carriageways) are dropped unless nothing else touches the junction. Returns the kept
    pieces (``length_m`` recomputed) and the dropped ones with their junction number.
    """
    from scipy.spatial import cKDTree

    geoms = np.asarray(pieces.geometry.values)
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    n = len(geoms)
    first = np.searchsorted(idx, np.arange(n))
    last = np.searchsorted(idx, np.arange(n), side="right") - 1
    ends = np.vstack([coords[first], coords[last]])
    node = grid_node_ids(ends)
    n_nodes = int(node.max()) + 1
    node_xy = np.zeros((n_nodes, 2))
    node_xy[node] = ends
    junction = np.flatnonzero(np.bincount(node, minlength=n_nodes) >= 3)  # intersections only
    pairs = cKDTree(node_xy[junction]).query_pairs(float(tolerance_m), output_type="ndarray")
    pairs = junction[pairs] if len(pairs) else np.empty((0, 2), dtype=np.int64)
    adj = sp.coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                       shape=(n_nodes, n_nodes))
    _, cluster = csgraph.connected_components(adj, directed=False)
    size = np.bincount(cluster)
    cx = np.bincount(cluster, weights=node_xy[:, 0]) / size
    cy = np.bincount(cluster, weights=node_xy[:, 1]) / size
    c_start, c_end = cluster[node[:n]], cluster[node[n:]]
    length = shapely.length(geoms)
    internal = (c_start == c_end) & (size[c_start] >= 2) & (length <= 2 * tolerance_m)
    touched = np.zeros(len(size), dtype=bool)
    touched[c_start[~internal]] = True
    touched[c_end[~internal]] = True
    drop = internal & touched[c_start]
    moved = coords.copy()
    for pos, c in ((first, c_start), (last, c_end)):
        big = size[c] >= 2
        moved[pos[big], 0] = cx[c[big]]
        moved[pos[big], 1] = cy[c[big]]
    keep_rows = ~drop[idx]
    new_geoms = shapely.linestrings(moved[keep_rows], indices=np.cumsum(~drop)[idx[keep_rows]] - 1)
    kept = pieces[~drop].copy()
    kept = kept.set_geometry(gpd.GeoSeries(new_geoms, index=kept.index, crs=pieces.crs))
    kept["length_m"] = shapely.length(new_geoms)
    kept = kept[kept["length_m"] > _GRID_M]
    dropped = pd.DataFrame({"junction": c_start[drop], "x": cx[c_start[drop]],
                            "y": cy[c_start[drop]]}, index=pieces.index[drop])
    return ConsolidatedPieces(
        pieces=kept,
        dropped=dropped,
        dropped_length_m=float(length[drop].sum()),
        n_junctions=int((size >= 2).sum()),
    )


def junction_segments(segments: gpd.GeoDataFrame, junction_xy: np.ndarray) -> np.ndarray:
    """For each junction point, the longest segment ending there (ties: smallest id)."""
    from scipy.spatial import cKDTree

    geoms = np.asarray(segments.geometry.values)
    ends = np.vstack(line_ends(geoms))
    owner = np.r_[np.arange(len(geoms)), np.arange(len(geoms))]
    hits = cKDTree(ends).query_ball_point(junction_xy, r=1e-3)
    length = segments["length_m"].to_numpy()
    ids = segments.index.to_numpy()
    out = np.full(len(junction_xy), -1, dtype=np.int64)
    for j, h in enumerate(hits):  # one entry per junction: few
        if h:
            cand = owner[h]
            best = cand[np.lexsort((ids[cand], -length[cand]))[0]]
            out[j] = ids[best]
    return out


def merge_address_ranges(pieces: pd.DataFrame, piece_segment: pd.DataFrame, *,
                         spec: RangeColumns | None = None) -> pd.DataFrame:
    """House-number ranges of merged segments: min/max per side over their pieces.

    A piece digitised against its segment's direction has its from/to exchanged and, for
    left/right ranges, its sides swapped (its left is the segment's right). Per segment and
    side the range spans the smallest to the largest number of its pieces, written in the
    direction the numbers run along the segment (:func:`hotspots.numbering.merge_ranges`;
    empty and 0 ends facing odd numbers are left out). ``spec`` says which columns are ranges
    (default: the left/right columns). Returns a frame indexed by ``segment_id`` with the
    range columns (NaN where no piece has numbers on that side).
    """
    spec = spec or RangeColumns("left_right", tuple(zip(LEFT_RIGHT_RANGES, LEFT_RIGHT_RANGES)))
    ps = piece_segment.loc[pieces.index]
    out = merge_range_columns(pieces[spec.names], spec, ps["segment_id"].to_numpy(),
                              order=ps["order"].to_numpy(), flipped=ps["reversed"].to_numpy())
    out.index.name = "segment_id"
    return out


@numba.njit(cache=True)
def _walk(link_piece, link_end, starts, start_rev):  # pragma: no cover - numba
    """Follow each chain from its start piece: pieces in order, reversed flags, chain number."""
    n = link_piece.shape[0]
    walk = np.empty(n, dtype=np.int64)
    rev = np.empty(n, dtype=np.bool_)
    chain = np.empty(n, dtype=np.int64)
    k = 0
    for c in range(len(starts)):
        p = starts[c]
        r = start_rev[c]
        first = p
        while k < n:
            walk[k] = p
            rev[k] = r
            chain[k] = c
            k += 1
            exit_end = 0 if r else 1
            q = link_piece[p, exit_end]
            if q < 0 or q == first:
                break
            r = link_end[p, exit_end] == 1  # entered at its end: traversed backwards
            p = q
    return walk[:k], rev[:k], chain[:k]


def _canonical_direction(walk, rev, chain, pos, size, cyclic, length, geoms):
    """Flip chains whose pieces run mostly against the walk (ties: smaller end first)."""
    n_chain = len(size)
    fw = np.bincount(chain, weights=np.where(rev, 0.0, length[walk]), minlength=n_chain)
    bw = np.bincount(chain, weights=np.where(rev, length[walk], 0.0), minlength=n_chain)
    tie = np.isclose(fw, bw, rtol=1e-12, atol=1e-9)
    flip = (bw > fw) & ~tie
    if tie.any():
        first_idx = np.searchsorted(chain, np.arange(n_chain))
        last_idx = first_idx + size - 1
        a = _chain_end_xy(geoms, walk[first_idx], rev[first_idx], start=True)
        b = _chain_end_xy(geoms, walk[last_idx], rev[last_idx], start=False)
        later = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
        flip |= tie & later & ~cyclic
    if not flip.any():
        return walk, rev, pos
    f = flip[chain]
    k = size[chain]
    new_pos = np.where(f, np.where(cyclic[chain], (k - pos) % k, k - 1 - pos), pos)
    new_rev = np.where(f, ~rev, rev)
    order = np.lexsort((new_pos, chain))
    return walk[order], new_rev[order], new_pos[order]


def _chain_end_xy(geoms, piece, rev, *, start: bool) -> np.ndarray:
    first, last = line_ends(geoms[piece])
    use_first = rev != start  # the chain starts at a piece's first vertex unless it is reversed
    return np.where(use_first[:, None], first, last)


def _chain_coordinates(geoms, walk, rev, pos):
    """Coordinates of each chain in order (the shared vertex between pieces kept once)."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    n_geo = len(geoms)
    first = np.searchsorted(idx, np.arange(n_geo))
    count = np.diff(np.append(first, len(idx)))
    c = count[walk]
    skip = (pos > 0).astype(np.int64)
    take = c - skip
    chain_no = np.cumsum(pos == 0) - 1
    rep = np.repeat(np.arange(len(walk)), take)
    local = np.arange(take.sum()) - np.repeat(np.cumsum(take) - take, take) + skip[rep]
    src = np.where(rev[rep], first[walk][rep] + c[rep] - 1 - local, first[walk][rep] + local)
    return coords[src], chain_no[rep]


def _longest_piece(comp, length, piece_ids, n_comp) -> np.ndarray:
    """Per component: the piece with the greatest length (ties: smallest id)."""
    order = np.lexsort((piece_ids, -length, comp))
    first = np.ones(len(order), dtype=bool)
    first[1:] = comp[order][1:] != comp[order][:-1]
    out = np.empty(n_comp, dtype=np.int64)
    out[comp[order][first]] = order[first]
    return out


def _check_pieces(pieces: gpd.GeoDataFrame) -> None:
    problems = []
    if not isinstance(pieces, gpd.GeoDataFrame):
        raise ValidationError(f"merge_pieces: expected a GeoDataFrame of pieces, got "
                              f"{type(pieces).__name__}")
    if len(pieces) == 0:
        raise ValidationError("merge_pieces: no pieces to merge (the street layer is empty)")
    if pieces.index.has_duplicates:
        problems.append("the piece index has duplicate ids")
    if "street_name" not in pieces.columns:
        problems.append("no 'street_name' column (use '' for unnamed streets)")
    types = set(pieces.geom_type.unique())
    if not types <= {"LineString"}:
        problems.append(f"pieces must be LineStrings, found {sorted(map(str, types))}")
    if problems:
        raise ValidationError("merge_pieces: " + "; ".join(problems)
                              + ". Build pieces with hotspots.segments.build_segments(unit='piece').")
