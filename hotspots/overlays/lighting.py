"""Street lighting per segment: lamps within reach, lamps per 100 m and exact dark gaps."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError
from hotspots._validate import prepare_layer

__all__ = [
    "LIGHTING_COLUMNS", "LIT_NO", "LIT_YES", "NOT_WORKING", "Lighting", "dark_gaps_from_lit",
    "lighting", "lighting_from_lit_tag", "line_substrings", "lit_intervals", "on_dark_stretch",
    "prepare_lamps", "segment_pieces", "union_intervals"
]

#: lamp ``status`` values (lower-cased) that mean the lamp gives no light
NOT_WORKING = frozenset({
    "broken", "off", "out", "faulty", "failed", "damaged", "removed", "disused", "dark",
    "quebrada", "quebrado", "apagada", "apagado", "queimada", "queimado", "defeito",
})
#: OSM ``lit`` values that mean the street is lit / unlit (anything else is unknown)
LIT_YES = frozenset({"yes", "24/7", "automatic", "sunset-sunrise", "dusk-dawn", "limited",
                     "interval"})
LIT_NO = frozenset({"no", "disused"})

LIGHTING_COLUMNS = ["lamps_within_reach", "broken_within_reach", "lights_per_100m", "lit_m",
                    "dark_gap_m", "dark_fraction", "longest_dark_gap_m", "lamps_needed"]

_EPS_M = 1e-6  # stretches shorter than a micrometre are rounding noise, not gaps


@dataclass(frozen=True)
class Lighting:
    """Lighting of every segment (``frame``), its dark stretches (``gaps``) and the parameters."""

    frame: pd.DataFrame  #: index segment_id; LIGHTING_COLUMNS
    gaps: gpd.GeoDataFrame  #: one row per dark stretch: segment_id, start_m, end_m, length_m
    reach_m: float
    lamps_used: int  #: working lamps that light the street


def prepare_lamps(lamps: gpd.GeoDataFrame, crs: object, *, source: str = "lamps") -> gpd.GeoDataFrame:
    """Lamps in the analysis CRS with a boolean ``working`` column (a copy; input untouched).

    ``status`` values in :data:`NOT_WORKING` (e.g. "broken") mark lamps that give no light;
    a missing status counts as working. Raises CRSError for a layer without CRS and
    ValidationError for an empty layer or non-point geometries.
    """
    out = prepare_layer(lamps, crs, geometry_types=("Point", "MultiPoint"), source=source,
                        what="lamp", empty_hint="give at least one lamp point or leave the lamps "
                        "input unset to use the streets' OSM lit tag")
    types = out.geometry.geom_type
    if (types == "MultiPoint").any():
        out = out.explode(index_parts=False)
    if "status" in out.columns:
        status = out["status"].astype("string").str.strip().str.lower()
        out["working"] = ~status.isin(NOT_WORKING).fillna(False).to_numpy(dtype=bool)
    else:
        out["working"] = True
    return out


def segment_pieces(geoms: np.ndarray) -> dict[str, np.ndarray]:
    """Every straight piece (vertex to vertex) of every line: owner, start/end points, offsets."""
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    same = owner[1:] == owner[:-1]
    x0, y0 = coords[:-1, 0][same], coords[:-1, 1][same]
    x1, y1 = coords[1:, 0][same], coords[1:, 1][same]
    seg = owner[:-1][same]
    length = np.hypot(x1 - x0, y1 - y0)
    # offset of each piece's start along its line: cumulative length within the line
    cum = np.cumsum(length)
    first = np.r_[True, seg[1:] != seg[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(seg)), 0))
    before = np.r_[0.0, cum[:-1]]
    offset = before - before[group_start]
    return {"seg": seg, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "length": length,
            "offset": offset}


def lit_intervals(
    geoms: np.ndarray, lamp_xy: np.ndarray, *, reach_m: float, lamp_points=None, pairs=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intervals (line index, start_m, end_m) along each line within ``reach_m`` of a lamp.

    One STRtree query pairs every straight piece with the lamps within reach; on a piece from
    A to B of length L the points within r of lamp P are the chord t ∈ [τ − c, τ + c] ∩ [0, L],
    with τ the projection of P on the piece and c = √(r² − h²), h the distance of P from the
    piece's line. The returned intervals are not merged (see :func:`union_intervals`).
    ``lamp_points`` are the lamps as shapely points when the caller has them already;
    ``pairs`` = (lamp, line) of every lamp within reach of a line, when every line has two
    vertices (then a line is its one piece) and the caller queried them already.
    """
    pieces = segment_pieces(geoms)
    n_pc = len(pieces["seg"])
    empty = (np.empty(0, np.int64), np.empty(0), np.empty(0))
    if n_pc == 0 or len(lamp_xy) == 0:
        return empty
    if pairs is not None:
        li, pi = pairs
    else:
        piece_geoms = shapely.linestrings(np.stack(
            [pieces["x0"], pieces["y0"], pieces["x1"], pieces["y1"]], axis=1).reshape(-1, 2, 2))
        tree = shapely.STRtree(piece_geoms)
        lamp_pts = shapely.points(lamp_xy) if lamp_points is None else lamp_points
        li, pi = tree.query(lamp_pts, predicate="dwithin", distance=reach_m)
    if len(pi) == 0:
        return empty
    x0, y0 = pieces["x0"][pi], pieces["y0"][pi]
    dx, dy = pieces["x1"][pi] - x0, pieces["y1"][pi] - y0
    length = pieces["length"][pi]
    px, py = lamp_xy[li, 0] - x0, lamp_xy[li, 1] - y0
    safe = np.where(length > 0, length, 1.0)
    tau = (px * dx + py * dy) / safe
    h = np.abs(px * dy - py * dx) / safe
    half = np.sqrt(np.clip(reach_m * reach_m - h * h, 0.0, None))
    start = np.clip(tau - half, 0.0, length)
    end = np.clip(tau + half, 0.0, length)
    keep = (end - start > 0) & (h <= reach_m)
    off = pieces["offset"][pi][keep]
    return pieces["seg"][pi][keep], start[keep] + off, end[keep] + off


def union_intervals(
    owner: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge overlapping or touching intervals per owner with one sorted sweep (vectorised)."""
    if len(owner) == 0:
        return owner.astype(np.int64), start, end
    order = np.lexsort((start, owner))
    o, s, e = owner[order], start[order], end[order]
    first = np.r_[True, o[1:] != o[:-1]]
    # running maximum of end within each owner: shift each owner's values above all earlier ones
    shift = np.cumsum(first) * (np.max(e) - np.min(s) + 1.0)
    run_end = np.maximum.accumulate(e + shift) - shift
    new_run = first.copy()
    new_run[1:] |= s[1:] > run_end[:-1] + _EPS_M * 1e-3
    idx = np.flatnonzero(new_run)
    return o[idx], s[idx], np.maximum.reduceat(e, idx)


def dark_gaps_from_lit(
    n_lines: int, lengths: np.ndarray, owner: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The complement of merged lit intervals in [0, length] of each line: (line, start, end)."""
    # candidate gap before each lit run, after the last run of each line, and whole unlit lines
    prev_same = np.r_[False, owner[1:] == owner[:-1]][:len(owner)]
    gap_start = np.where(prev_same, np.r_[0.0, end[:-1]][:len(owner)], 0.0)
    before = (owner, gap_start, start)
    last = np.r_[owner[1:] != owner[:-1], True] if len(owner) else np.empty(0, bool)
    after = (owner[last], end[last], lengths[owner[last]])
    unlit = np.setdiff1d(np.arange(n_lines), owner)
    whole = (unlit, np.zeros(len(unlit)), lengths[unlit])
    g_own = np.concatenate([before[0], after[0], whole[0]]).astype(np.int64)
    g_s = np.concatenate([before[1], after[1], whole[1]])
    g_e = np.concatenate([before[2], after[2], whole[2]])
    keep = g_e - g_s > _EPS_M
    g_own, g_s, g_e = g_own[keep], g_s[keep], g_e[keep]
    order = np.lexsort((g_s, g_own))
    return g_own[order], g_s[order], g_e[order]


def line_substrings(geoms: np.ndarray, owner: np.ndarray, start: np.ndarray,
                    end: np.ndarray) -> np.ndarray:
    """LineStrings of the stretches [start, end] (metres from the start) of ``geoms[owner]``."""
    if len(owner) == 0:
        return np.empty(0, dtype=object)
    coords, vowner = shapely.get_coordinates(geoms, return_index=True)
    step = np.r_[0.0, np.hypot(*np.diff(coords, axis=0).T)]
    step[np.r_[True, vowner[1:] != vowner[:-1]]] = 0.0
    cum = np.cumsum(step)
    vfirst = np.searchsorted(vowner, np.arange(len(geoms)))
    # interior vertices strictly inside each stretch, found in the global (monotone) chainage
    gap_base = cum[vfirst[owner]]
    lo = np.searchsorted(cum, gap_base + start, side="right")
    hi = np.searchsorted(cum, gap_base + end, side="left")
    lo = np.maximum(lo, vfirst[owner])
    vlast = np.r_[vfirst[1:], len(coords)][owner]
    hi = np.minimum(hi, vlast)
    n_inner = np.maximum(hi - lo, 0)
    a = shapely.line_interpolate_point(geoms[owner], start)
    b = shapely.line_interpolate_point(geoms[owner], end)
    counts = n_inner + 2
    total = int(counts.sum())
    out = np.empty((total, 2))
    pos = np.r_[0, np.cumsum(counts)[:-1]]
    out[pos] = shapely.get_coordinates(a)
    out[pos + counts - 1] = shapely.get_coordinates(b)
    if n_inner.sum():
        k = np.arange(int(n_inner.sum())) - np.repeat(np.r_[0, np.cumsum(n_inner)[:-1]], n_inner)
        out[np.repeat(pos + 1, n_inner) + k] = coords[np.repeat(lo, n_inner) + k]
    return shapely.linestrings(out, indices=np.repeat(np.arange(len(owner)), counts))


def lighting(
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame,
    *,
    reach_m: float = 30.0,
    spacing_m: float | None = None,
) -> Lighting:
    """Lighting of each segment from lamp points (analysis CRS, from :func:`prepare_lamps`).

    Per segment: ``lamps_within_reach`` (working lamps within ``reach_m`` of the segment),
    ``broken_within_reach``, ``lights_per_100m`` (working lamps whose nearest segment is this one,
    within reach, per 100 m — every lamp counted once), ``lit_m``, ``dark_gap_m`` (exact total
    length farther than ``reach_m`` from every working lamp), ``dark_fraction``,
    ``longest_dark_gap_m`` and ``lamps_needed`` (new lamps to light every gap, one per
    ``spacing_m`` of gap, default 2 × reach, rounded up per gap).
    """
    if not np.isfinite(reach_m) or reach_m <= 0:
        raise ValidationError(f"reach_m={reach_m!r}: must be a distance in metres > 0")
    spacing_m = 2.0 * reach_m if spacing_m is None else spacing_m
    if not np.isfinite(spacing_m) or spacing_m <= 0:
        raise ValidationError(f"spacing_m={spacing_m!r}: must be a distance in metres > 0")
    crs_mod.require_metric(segments.crs, what="segments CRS")
    if lamps.crs is not None and not crs_mod.as_crs(lamps.crs).equals(crs_mod.as_crs(segments.crs)):
        raise ValidationError("lamps and segments are in different CRSs; pass lamps through "
                              "prepare_lamps(lamps, segments.crs) first")
    geoms = segments.geometry.to_numpy()
    n = len(geoms)
    lengths = shapely.length(geoms)
    if "working" in lamps.columns:
        working = lamps["working"].to_numpy(dtype=bool)
    else:
        working = np.ones(len(lamps), dtype=bool)
    xy = shapely.get_coordinates(lamps.geometry.to_numpy()) if len(lamps) else np.empty((0, 2))
    work_xy, broken_xy = xy[working], xy[~working]

    tree = shapely.STRtree(geoms)
    work_pts = shapely.points(work_xy)  # made once: the queries below use them
    li, si = tree.query(work_pts, predicate="dwithin", distance=reach_m)
    within = np.bincount(si, minlength=n)
    bi, bsi = tree.query(shapely.points(broken_xy), predicate="dwithin", distance=reach_m)
    broken = np.bincount(bsi, minlength=n)
    nearest_s = _nearest_within(tree, work_pts, li, si, geoms, reach_m)
    del bi
    per100 = np.bincount(nearest_s, minlength=n) / np.where(lengths > 0, lengths, np.nan) * 100.0

    # a line of two vertices is its own single piece: the pairs above are the pieces' pairs
    straight = len(geoms) > 0 and bool((shapely.get_num_coordinates(geoms) == 2).all())
    own, s, e = union_intervals(*lit_intervals(geoms, work_xy, reach_m=reach_m,
                                               lamp_points=work_pts,
                                               pairs=(li, si) if straight else None))
    lit = np.bincount(own, weights=e - s, minlength=n)
    g_own, g_s, g_e = dark_gaps_from_lit(n, lengths, own, s, e)
    glen = g_e - g_s
    dark = np.bincount(g_own, weights=glen, minlength=n)
    longest = np.zeros(n)
    np.maximum.at(longest, g_own, glen)
    needed = np.bincount(g_own, weights=np.ceil(glen / spacing_m - 1e-9), minlength=n)
    frame = pd.DataFrame({
        "lamps_within_reach": within.astype(np.int64),
        "broken_within_reach": broken.astype(np.int64),
        "lights_per_100m": per100,
        "lit_m": lit,
        "dark_gap_m": dark,
        "dark_fraction": dark / np.where(lengths > 0, lengths, np.nan),
        "longest_dark_gap_m": longest,
        "lamps_needed": needed.astype(np.int64),
    }, index=segments.index)
    gaps = gpd.GeoDataFrame({
        "segment_id": segments.index.to_numpy()[g_own],
        "start_m": g_s,
        "end_m": g_e,
        "length_m": glen,
    }, geometry=line_substrings(geoms, g_own, g_s, g_e), crs=segments.crs)
    gaps.index = pd.RangeIndex(len(gaps), name="gap_id")
    return Lighting(frame=frame, gaps=gaps, reach_m=float(reach_m), lamps_used=int(working.sum()))


def _nearest_within(tree: shapely.STRtree, points: np.ndarray, pi: np.ndarray, gi: np.ndarray,
                    geoms: np.ndarray, reach_m: float) -> np.ndarray:
    """The nearest line of each point within ``reach_m`` (as ``tree.query_nearest`` with
    ``max_distance``, first match), from the pairs (``pi``, ``gi``) of every point and line
    within reach: the line at the smallest distance when it is the only one and well inside
    the reach; GEOS's own search for the points with a tie or near the reach."""
    if len(pi) == 0:
        return np.empty(0, dtype=np.int64)
    dist = shapely.distance(points[pi], geoms[gi])
    order = np.lexsort((dist, pi))
    p, g, d = pi[order], gi[order], dist[order]
    first = np.r_[True, p[1:] != p[:-1]]
    start = np.flatnonzero(first)
    best_d = d[start]
    nxt = start + 1
    has_next = nxt < len(p)
    nxt = np.minimum(nxt, len(p) - 1)
    tie = has_next & (p[nxt] == p[start]) & (d[nxt] == best_d)
    unsure = tie | ~(best_d < reach_m - 1e-6)
    nearest = g[start[~unsure]]
    if unsure.any():
        _, again = tree.query_nearest(points[p[start[unsure]]], max_distance=reach_m,
                                      all_matches=False, return_distance=False)
        nearest = np.concatenate([nearest, again])
    return nearest


def lighting_from_lit_tag(segments: gpd.GeoDataFrame, lit: pd.Series) -> pd.DataFrame:
    """Fallback without a lamp inventory: OSM ``lit`` per segment (aligned to its index).

    Lit streets (``yes``, ``24/7``, ...) get ``dark_gap_m`` 0, unlit ones (``no``) their whole
    length; unknown values give NaN (not assumed dark or lit).
    """
    tag = lit.reindex(segments.index).astype("string").str.strip().str.lower()
    length = segments["length_m"].to_numpy(dtype=float)
    is_yes = tag.isin(LIT_YES).fillna(False).to_numpy(dtype=bool)
    is_no = tag.isin(LIT_NO).fillna(False).to_numpy(dtype=bool)
    dark = np.where(is_no, length, np.where(is_yes, 0.0, np.nan))
    return pd.DataFrame({
        "lit_tag": tag.fillna("").to_numpy(),
        "dark_gap_m": dark,
        "dark_fraction": dark / length,
        "longest_dark_gap_m": dark,
    }, index=segments.index)


def on_dark_stretch(segment_id: pd.Series, position_m: pd.Series, gaps: pd.DataFrame) -> pd.Series:
    """True where a position (metres along its segment) lies in one of the dark ``gaps``.

    ``gaps`` is :attr:`Lighting.gaps` (segment_id, start_m, end_m); the result is aligned to
    ``segment_id``'s index; a missing position gives False.
    """
    left = pd.DataFrame({"segment_id": segment_id.to_numpy(),
                         "pos": position_m.to_numpy(dtype=float),
                         "_row": np.arange(len(segment_id))})
    result = np.zeros(len(left), dtype=bool)
    ok = left["pos"].notna() & left["segment_id"].isin(gaps["segment_id"])
    if ok.any() and len(gaps):
        lhs = left[ok].sort_values("pos")
        rhs = gaps[["segment_id", "start_m", "end_m"]].sort_values("start_m")
        rhs = rhs.astype({"segment_id": lhs["segment_id"].dtype})
        m = pd.merge_asof(lhs, rhs, left_on="pos", right_on="start_m", by="segment_id",
                          direction="backward")
        inside = (m["pos"] <= m["end_m"] + 1e-9).fillna(False).to_numpy(dtype=bool)
        result[m["_row"].to_numpy()[inside]] = True
    return pd.Series(result, index=segment_id.index, name="on_dark_stretch")
