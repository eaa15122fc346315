"""Noding of street lines: pieces cut where lines share a vertex or cross (the piece build)."""

from __future__ import annotations

import numpy as np
import shapely

from hotspots.blockfaces import grid_node_ids

__all__ = ["merge_slivers", "split_at_shared_vertices", "split_planar"]

_GRID_M = 1e-3  # vertices closer than 1 mm are the same node (as hotspots.segments)


def split_at_shared_vertices(
    parts: np.ndarray, part_src: np.ndarray, min_length_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split each line at interior vertices that are nodes (shared or another line's end)."""
    coords, line = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    n_lines = len(parts)
    first = np.zeros(len(coords), dtype=bool)
    first[np.searchsorted(line, np.arange(n_lines))] = True
    last = np.zeros(len(coords), dtype=bool)
    last[np.searchsorted(line, np.arange(n_lines), side="right") - 1] = True

    node = grid_node_ids(coords, _GRID_M)
    # distinct lines through each node: sort (node, line) pairs once
    order = np.lexsort((line, node))
    sn, sl = node[order], line[order]
    distinct = np.ones(len(sn), dtype=bool)
    distinct[1:] = (sn[1:] != sn[:-1]) | (sl[1:] != sl[:-1])
    lines_per_node = np.bincount(sn[distinct], minlength=node.max() + 1)
    is_end_node = np.zeros(node.max() + 1, dtype=bool)
    is_end_node[node[first | last]] = True
    # a vertex visited twice by the same line (a loop) is also a node
    visits = np.bincount(node, minlength=node.max() + 1)
    is_node = (lines_per_node >= 2) | is_end_node | (visits > lines_per_node)
    brk = is_node[node] & ~first & ~last

    brk = merge_slivers(coords, line, first, brk, min_length_m)
    # duplicate break vertices: end of one piece, start of the next
    rep = np.where(brk, 2, 1)
    c2 = np.repeat(coords, rep, axis=0)
    line2 = np.repeat(line, rep)
    starts_piece = np.repeat(first, rep).copy()
    # the second copy of each break vertex starts a new piece
    second = np.zeros(len(c2), dtype=bool)
    pos = np.cumsum(rep) - 1
    second[pos[brk]] = True
    starts_piece |= second
    piece = np.cumsum(starts_piece) - 1
    pieces = shapely.linestrings(c2, indices=piece)
    piece_line = line2[np.searchsorted(piece, np.arange(piece.max() + 1))]
    return pieces, part_src[piece_line]


def merge_slivers(
    coords: np.ndarray, line: np.ndarray, first: np.ndarray, brk: np.ndarray, min_length_m: float
) -> np.ndarray:
    """Drop break flags that would leave a piece shorter than min_length_m inside a line."""
    if min_length_m <= 0 or not brk.any():
        return brk
    step = np.zeros(len(coords))
    step[1:] = np.hypot(*(coords[1:] - coords[:-1]).T)
    step[first] = 0.0
    along = np.cumsum(step)
    line_start = along[np.searchsorted(line, line)]  # cumulative distance at each line's start
    along = along - line_start
    brk = brk.copy()
    for _ in range(8):  # each pass removes the breaks around slivers; converges in a few
        idx = np.flatnonzero(brk)
        if len(idx) == 0:
            break
        # piece boundaries per line: line start, breaks, line end
        bounds_idx = np.sort(np.concatenate([idx, np.flatnonzero(first), np.flatnonzero(
            np.append(first[1:], True))]))
        b_line = line[bounds_idx]
        b_along = along[bounds_idx]
        seg_len = np.diff(b_along)
        same_line = b_line[1:] == b_line[:-1]
        short = same_line & (seg_len < min_length_m)
        if not short.any():
            break
        # for each short piece, remove the break at its end if that is a break, else at its start
        end_v = bounds_idx[1:][short]
        start_v = bounds_idx[:-1][short]
        end_is_brk = brk[end_v]
        remove = np.where(end_is_brk, end_v, start_v)
        removable = brk[remove]
        if not removable.any():
            break
        brk[remove[removable]] = False
    return brk


def split_planar(parts: np.ndarray, part_src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node all lines (split at every crossing) and give each piece the line it came from."""
    noded = shapely.get_parts(shapely.node(shapely.multilinestrings(parts)))
    tree = shapely.STRtree(parts)
    mid = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    pairs = tree.query_nearest(mid, all_matches=False)
    piece_src = np.empty(len(noded), dtype=np.int64)
    piece_src[pairs[0]] = part_src[pairs[1]]
    return noded, piece_src
