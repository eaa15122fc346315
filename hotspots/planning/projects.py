"""Lighting projects: broken-lamp repairs and new lights over contiguous dark stretches of a street."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from hotspots._errors import ValidationError, problems_message
from hotspots.config.planning import PlanningSettings
from hotspots.overlays import lighting as light_mod
from hotspots.planning.network import StreetNodes

__all__ = ["LightingProjects", "join_groups", "lighting_projects", "locate"]

_TOL_M = 1e-6  # positions closer than a micrometre are the same point


@dataclass(frozen=True)
class LightingProjects:
    """Repair and new-lighting projects, the dark pieces each one covers and their lamps."""

    projects: pd.DataFrame  #: index project_id: kind, length_m, lamps_new, lamps_repair, segments
    pieces: pd.DataFrame  #: one row per dark piece: project_id, seg (row), start_m, end_m
    repair_lamps: gpd.GeoDataFrame  #: broken lamps of repair projects: project_id, lamp_id
    counts: dict  #: broken lamps lighting nothing dark, short stretches left out, ...


def _stable_id(prefix: str, text: str) -> str:
    digest = hashlib.blake2b(text.encode(), digest_size=6).hexdigest()
    return f"{prefix}-{digest}"


def _project_ids(prefix: str, group: np.ndarray, parts: list[np.ndarray]) -> np.ndarray:
    """Stable id per group: a hash of its members' sorted descriptions ("L-3f9a1c2b7d4e")."""
    n = int(group.max()) + 1 if len(group) else 0
    if n == 0:
        return np.empty(0, dtype=object)
    text = parts[0].astype(object)
    for p in parts[1:]:
        text = text + ":" + p.astype(object)
    joined = join_groups(group, text, n, sep="|")
    return np.array([_stable_id(prefix, t) for t in joined], dtype=object)


def _one_decimal(values: np.ndarray) -> np.ndarray:
    """``'%.1f' % v`` of every value (as ``np.char.mod``, without a NumPy scalar per value)."""
    return np.array([f"{v:.1f}" for v in values.tolist()], dtype=object)


def join_groups(group: np.ndarray, text: np.ndarray, n: int, *, sep: str) -> list[str]:
    """The sorted texts of each group 0 … n−1 joined by ``sep`` ('' for an empty group)."""
    out = [""] * n
    if len(group) == 0:
        return out
    order = np.lexsort((np.asarray(text, dtype=str), group))
    g, t = np.asarray(group)[order], np.asarray(text, dtype=object)[order].tolist()
    cuts = np.flatnonzero(g[1:] != g[:-1]) + 1
    starts, ends = np.r_[0, cuts], np.r_[cuts, len(g)]
    for k, lo, hi in zip(g[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
        out[int(k)] = sep.join(t[lo:hi])  # slices of one list, not one array per group
    return out


def _keys(seg: np.ndarray, pos: np.ndarray, stride: float) -> np.ndarray:
    """One monotone number per (segment row, position): segments laid end to end."""
    return seg.astype(float) * stride + pos


def _chords(pieces: dict, lamp_xy: np.ndarray, reach_m: float):
    """(lamp, segment row, start_m, end_m) of each segment part within reach of each lamp.

    The chord of the disc of radius r around lamp P on a straight piece A→B of length L is
    t ∈ [τ − c, τ + c] ∩ [0, L], τ the projection of P, c = √(r² − h²), h its distance to
    the piece's line (the rule of :func:`hotspots.overlays.lighting.lit_intervals`, keeping
    which lamp lights what).
    """
    empty = (np.empty(0, np.int64),) * 2 + (np.empty(0),) * 2
    if len(pieces["seg"]) == 0 or len(lamp_xy) == 0:
        return empty
    lines = shapely.linestrings(np.stack([pieces["x0"], pieces["y0"], pieces["x1"],
                                          pieces["y1"]], axis=1).reshape(-1, 2, 2))
    li, pi = shapely.STRtree(lines).query(shapely.points(lamp_xy), predicate="dwithin",
                                          distance=reach_m)
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
    return li[keep], pieces["seg"][pi][keep], start[keep] + off, end[keep] + off


def _intersect(a_seg, a_s, a_e, b_seg, b_s, b_e, stride):
    """Pairs (i, j) and overlaps of intervals a_i with the sorted disjoint intervals b_j."""
    kb_s, kb_e = _keys(b_seg, b_s, stride), _keys(b_seg, b_e, stride)
    lo = np.searchsorted(kb_e, _keys(a_seg, a_s, stride), side="right")
    hi = np.searchsorted(kb_s, _keys(a_seg, a_e, stride), side="left")
    n = np.maximum(hi - lo, 0)
    i = np.repeat(np.arange(len(a_seg)), n)
    j = np.repeat(lo, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    s = np.maximum(a_s[i], b_s[j])
    e = np.minimum(a_e[i], b_e[j])
    ok = (e - s > _TOL_M) & (a_seg[i] == b_seg[j])
    return i[ok], j[ok], s[ok], e[ok]


def _subtract(g_seg, g_s, g_e, c_seg, c_s, c_e):
    """Parts of the disjoint intervals g not covered by the disjoint intervals c (same rows)."""
    seg = np.r_[g_seg, g_seg, c_seg, c_seg]
    pos = np.r_[g_s, g_e, c_s, c_e]
    order = np.lexsort((pos, seg))
    seg, pos = seg[order], pos[order]
    same = seg[1:] == seg[:-1]
    a_seg, a, b = seg[:-1][same], pos[:-1][same], pos[1:][same]
    ok = b - a > _TOL_M
    a_seg, a, b = a_seg[ok], a[ok], b[ok]
    mid = (a + b) / 2

    def inside(i_seg, i_s, i_e):
        if len(i_seg) == 0:
            return np.zeros(len(mid), dtype=bool)
        o = np.lexsort((i_s, i_seg))
        i_seg, i_s, i_e = i_seg[o], i_s[o], i_e[o]
        k = np.searchsorted(_keys(i_seg, i_s, stride), _keys(a_seg, mid, stride),
                            side="right") - 1
        kk = np.clip(k, 0, None)
        return (k >= 0) & (i_seg[kk] == a_seg) & (mid < i_e[kk])

    stride = float(max(np.max(pos, initial=0.0), 0.0) + 1.0)
    keep = inside(g_seg, g_s, g_e) & ~inside(c_seg, c_s, c_e)
    a_seg, a, b = a_seg[keep], a[keep], b[keep]
    if len(a_seg) == 0:
        return a_seg, a, b
    new = np.r_[True, (a_seg[1:] != a_seg[:-1]) | (a[1:] > b[:-1] + _TOL_M)]
    idx = np.flatnonzero(new)
    return a_seg[idx], a[idx], np.maximum.reduceat(b, idx)


def locate(seg: np.ndarray, pos: np.ndarray, pieces: pd.DataFrame) -> np.ndarray:
    """Row of ``pieces`` (seg, start_m, end_m; disjoint) holding each position, or −1.

    Positions on a piece's ends belong to it (within 1e-9 m), as in
    :func:`hotspots.overlays.lighting.on_dark_stretch`.
    """
    out = np.full(len(seg), -1, dtype=np.int64)
    if len(pieces) == 0 or len(seg) == 0:
        return out
    p_seg = pieces["seg"].to_numpy(dtype=np.int64)
    p_s = pieces["start_m"].to_numpy(dtype=float)
    p_e = pieces["end_m"].to_numpy(dtype=float)
    order = np.lexsort((p_s, p_seg))
    ok = (seg >= 0) & np.isfinite(pos)
    stride = float(max(p_e.max(), np.nanmax(np.where(ok, pos, 0.0), initial=0.0)) + 1.0)
    keys = _keys(p_seg[order], p_s[order], stride)
    k = np.searchsorted(keys, _keys(np.where(ok, seg, 0), np.where(ok, pos, 0.0), stride) + 1e-9,
                        side="right") - 1
    kk = order[np.clip(k, 0, None)]
    hit = ok & (k >= 0) & (p_seg[kk] == seg) & (pos <= p_e[kk] + 1e-9)
    out[hit] = kk[hit]
    return out


def _check_gaps(gaps: pd.DataFrame, segments: gpd.GeoDataFrame) -> np.ndarray:
    need = [c for c in ("segment_id", "start_m", "end_m") if c not in gaps.columns]
    if need:
        raise ValidationError(f"planning: the gaps table lacks {need}; pass "
                              "hotspots.overlays.lighting.lighting(...).gaps")
    seg = segments.index.get_indexer(gaps["segment_id"])
    length = segments.geometry.length.to_numpy()
    problems = []
    if (seg < 0).any():
        problems.append(f"{int((seg < 0).sum())} dark stretches name segments that are not in "
                        f"the segments table (e.g. {gaps['segment_id'][seg < 0].iloc[0]})")
    s, e = gaps["start_m"].to_numpy(float), gaps["end_m"].to_numpy(float)
    bad = (seg >= 0) & ((s < -1e-6) | (e > length[np.clip(seg, 0, None)] + 1e-6) | (e < s))
    if bad.any():
        problems.append(f"{int(bad.sum())} dark stretches lie outside their segment "
                        f"(gap_id {gaps.index[bad][:5].tolist()})")
    if problems:
        raise ValidationError(problems_message(
            "planning: the dark stretches do not match the segments", problems,
            "compute lighting(...) on the same segments that are passed to plan()"))
    return seg


def _repairs(geoms, broken_xy, g_seg, g_s, g_e, reach_m, stride):
    """Repair groups: broken lamps whose lit parts of dark stretches overlap form one project."""
    lamp, seg, s, e = _chords(light_mod.segment_pieces(geoms), broken_xy, reach_m)
    i, _, s, e = _intersect(seg, s, e, g_seg, g_s, g_e, stride)
    lamp, seg = lamp[i], seg[i]
    if len(lamp) == 0:
        none = np.empty(0, np.int64)
        return none, none, np.empty(0), np.empty(0), none, none
    order = np.lexsort((s, seg))
    lamp, seg, s, e = lamp[order], seg[order], s[order], e[order]
    first = np.r_[True, seg[1:] != seg[:-1]]
    shift = np.cumsum(first) * (stride + 1.0)
    run_end = np.maximum.accumulate(e + shift) - shift
    new_run = first.copy()
    new_run[1:] |= s[1:] > run_end[:-1] + _TOL_M
    run = np.cumsum(new_run) - 1
    n_lamps, n_runs = len(broken_xy), int(run.max()) + 1
    # lamps and runs as one graph: a lamp is joined to every run it lights
    graph = coo_array((np.ones(len(lamp)), (lamp, n_lamps + run)),
                      shape=(n_lamps + n_runs, n_lamps + n_runs))
    _, label = connected_components(graph, directed=False)
    group_of_run = label[n_lamps + run]
    starts = np.flatnonzero(new_run)
    r_seg, r_s = seg[starts], s[starts]
    r_e = np.maximum.reduceat(e, starts)
    lamp_of = np.unique(lamp)
    return group_of_run[starts], r_seg, r_s, r_e, lamp_of, label[lamp_of]


def _chains(st_seg, st_s, st_e, names, nodes: StreetNodes, length):
    """Component label of each stretch: stretches of one street meeting at a node are joined."""
    n = len(st_seg)
    at_u = st_s <= _TOL_M * 10
    at_v = st_e >= length[st_seg] - _TOL_M * 10
    ends = pd.DataFrame({
        "stretch": np.r_[np.flatnonzero(at_u), np.flatnonzero(at_v)],
        "node": np.r_[nodes.u[st_seg[at_u]], nodes.v[st_seg[at_v]]],
    })
    ends["name"] = names[st_seg[ends["stretch"].to_numpy()]]
    ends = ends[ends["name"] != ""].sort_values(["node", "name", "stretch"])
    key = ends["node"].astype(str) + "\x00" + ends["name"]
    same = (key.to_numpy()[1:] == key.to_numpy()[:-1])
    a = ends["stretch"].to_numpy()[:-1][same]
    b = ends["stretch"].to_numpy()[1:][same]
    graph = coo_array((np.ones(len(a)), (a, b)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    return label, np.c_[a, b]


def _greedy_runs(lengths: np.ndarray, cap: float) -> np.ndarray:
    """Run number of each block: a new run starts when the next block would pass ``cap``."""
    part = np.zeros(len(lengths), dtype=np.int64)
    total, k = 0.0, 0
    for i, x in enumerate(lengths):
        if total > 0 and total + x > cap + 1e-9:
            k += 1
            total = 0.0
        total += x
        part[i] = k
    return part


def _balanced_runs(lengths: np.ndarray, max_m: float) -> np.ndarray:
    """Consecutive runs of at most ``max_m`` (a single longer block stays whole): the fewest
    runs, and among those the smallest longest run (bisection on the cap)."""
    k_min = int(_greedy_runs(lengths, max_m).max())
    lo = max(float(lengths.max()), float(lengths.sum()) / (k_min + 1))
    hi = float(max_m)
    if lo >= hi:
        return _greedy_runs(lengths, max_m)
    for _ in range(50):
        mid = (lo + hi) / 2
        if int(_greedy_runs(lengths, mid).max()) <= k_min:
            hi = mid
        else:
            lo = mid
    return _greedy_runs(lengths, hi)


def _split_long(label, edges, length, max_m):
    """Split components longer than ``max_m`` into balanced runs of blocks along the street."""
    if max_m is None:
        return label
    total = np.bincount(label, weights=length)
    long_ones = np.flatnonzero(total > max_m)
    if len(long_ones) == 0:
        return label
    out = label.copy()
    nxt = int(label.max()) + 1
    adj: dict[int, list[int]] = {}
    for a, b in edges:
        adj.setdefault(int(a), []).append(int(b))
        adj.setdefault(int(b), []).append(int(a))
    for comp in long_ones:  # few components exceed the limit: a loop over them is cheap
        members = np.flatnonzero(label == comp)
        ends = [m for m in members if len(adj.get(int(m), [])) <= 1] or [members[0]]
        order, seen, stack = [], set(), [int(min(ends))]
        while stack:  # depth-first walk from an end: the order along the street
            m = stack.pop()
            if m in seen:
                continue
            seen.add(m)
            order.append(m)
            stack.extend(sorted((x for x in adj.get(m, []) if x not in seen), reverse=True))
        part = _balanced_runs(length[np.asarray(order)], max_m)
        for k in range(1, int(part.max()) + 1):
            out[np.asarray(order)[part == k]] = nxt
            nxt += 1
    _, out = np.unique(out, return_inverse=True)
    return out


def lighting_projects(
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame | None,
    gaps: pd.DataFrame,
    nodes: StreetNodes,
    *,
    settings: PlanningSettings,
) -> LightingProjects:
    """Repair and new-lighting projects from the dark stretches and the broken lamps.

    Parameters
    ----------
    segments : GeoDataFrame
        Street segments (analysis CRS, index ``segment_id``, ``street_name``).
    lamps : GeoDataFrame or None
        Lamps from :func:`hotspots.overlays.lighting.prepare_lamps` (``working`` column,
        optional ``lamp_id``); None when there is no inventory (no repair projects).
    gaps : DataFrame
        Dark stretches (``segment_id``, ``start_m``, ``end_m``) of
        :func:`hotspots.overlays.lighting.lighting` computed with ``settings.reach_m``.
    nodes : StreetNodes
        End nodes of ``segments`` (:func:`hotspots.planning.network.street_nodes`).
    settings : PlanningSettings

    Returns
    -------
    LightingProjects
        *Repairs*: a broken lamp lights the parts of dark stretches within ``reach_m``; lamps
        whose lit parts overlap form one project (a row of broken lamps is one job). *New
        lights*: what stays dark when every broken lamp works, joined across consecutive
        segments of the same (named) street that meet at a node, split at block ends when
        longer than ``max_project_m``; lamps needed = ⌈length / spacing⌉ over the whole
        project. Every dark metre is in exactly one project, so their values add up.
    """
    seg_of_gap = _check_gaps(gaps, segments)
    geoms = segments.geometry.to_numpy()
    length = shapely.length(geoms)
    names = segments["street_name"].astype("string").fillna("").str.strip().to_numpy(
        dtype=object) if "street_name" in segments.columns else np.full(len(geoms), "", object)
    keyname = np.array([str(x).casefold() for x in names], dtype=object)
    order = np.lexsort((gaps["start_m"].to_numpy(float), seg_of_gap))
    g_seg = seg_of_gap[order].astype(np.int64)
    g_s = np.clip(gaps["start_m"].to_numpy(float)[order], 0.0, None)
    g_e = np.minimum(gaps["end_m"].to_numpy(float)[order], length[g_seg])
    stride = float(np.max(length, initial=0.0) + 1.0)

    counts = {"broken_lamps": 0, "broken_lamps_lighting_dark": 0}
    lamp_ids = np.empty(0, dtype=object)
    r_group = r_seg = lamp_of = group_of = np.empty(0, np.int64)
    r_s = r_e = np.empty(0)
    broken = gpd.GeoDataFrame(geometry=[], crs=segments.crs)
    if lamps is not None and len(lamps):
        working = (lamps["working"].to_numpy(dtype=bool) if "working" in lamps.columns
                   else np.ones(len(lamps), dtype=bool))
        broken = lamps[~working]
        ids = broken["lamp_id"] if "lamp_id" in broken.columns else broken.index.to_series()
        lamp_ids = ids.to_numpy(dtype=object)
        xy = shapely.get_coordinates(broken.geometry.to_numpy()) if len(broken) else np.empty(
            (0, 2))
        r_group, r_seg, r_s, r_e, lamp_of, group_of = _repairs(
            geoms, xy, g_seg, g_s, g_e, settings.reach_m, stride)
        counts["broken_lamps"] = len(broken)
        counts["broken_lamps_lighting_dark"] = len(lamp_of)

    st_seg, st_s, st_e = _subtract(g_seg, g_s, g_e, r_seg, r_s, r_e)
    st_len = st_e - st_s
    label, edges = _chains(st_seg, st_s, st_e, keyname, nodes, length)
    label = _split_long(label, edges, st_len, settings.max_project_m)
    n_new = int(label.max()) + 1 if len(label) else 0
    proj_len = np.bincount(label, weights=st_len, minlength=n_new)
    planned = proj_len >= settings.min_stretch_m
    counts["short_stretches_left_out"] = int((~planned).sum())
    counts["short_stretches_m"] = float(proj_len[~planned].sum())  # type: ignore[assignment]
    keep = planned[label]
    _, label = np.unique(label[keep], return_inverse=True)
    st_seg, st_s, st_e, st_len = st_seg[keep], st_s[keep], st_e[keep], st_len[keep]
    proj_len = proj_len[planned]

    seg_ids = segments.index.to_numpy()
    spacing = settings.lamp_spacing_m
    new_pieces = pd.DataFrame({"proj": label, "seg": st_seg, "start_m": st_s, "end_m": st_e})
    new_ids = _project_ids("L", new_pieces["proj"].to_numpy(), [
        seg_ids[st_seg].astype(str), _one_decimal(st_s), _one_decimal(st_e)])
    new_pieces["project_id"] = new_ids[label] if len(label) else np.empty(0, dtype=object)
    new_tab = pd.DataFrame({
        "project_id": new_ids, "kind": "new_lights", "length_m": proj_len,
        "lamps_new": np.ceil(proj_len / spacing - 1e-9).astype(np.int64), "lamps_repair": 0,
        "lamp_ids": [()] * len(new_ids)})

    _, r_group = np.unique(np.r_[group_of, r_group], return_inverse=True)
    group_of, r_group = r_group[:len(group_of)], r_group[len(group_of):]
    rep_ids = _project_ids("R", group_of, [lamp_ids[lamp_of].astype(str)])
    rep_pieces = pd.DataFrame({"project_id": rep_ids[r_group] if len(r_group) else
                               np.empty(0, dtype=object),
                               "seg": r_seg, "start_m": r_s, "end_m": r_e})
    members = pd.Series(lamp_ids[lamp_of], index=group_of).groupby(level=0)
    rep_tab = pd.DataFrame({
        "project_id": rep_ids, "kind": "repair",
        "length_m": np.bincount(r_group, weights=r_e - r_s, minlength=len(rep_ids)),
        "lamps_new": 0,
        "lamps_repair": np.bincount(group_of, minlength=len(rep_ids)).astype(np.int64),
        "lamp_ids": [tuple(sorted(v, key=str)) for _, v in members] if len(rep_ids) else []})
    lamps_out = gpd.GeoDataFrame(
        {"project_id": rep_ids[group_of] if len(group_of) else np.empty(0, dtype=object),
         "lamp_id": lamp_ids[lamp_of]},
        geometry=broken.geometry.to_numpy()[lamp_of] if len(lamp_of) else [],
        crs=segments.crs)
    projects = pd.concat([rep_tab, new_tab], ignore_index=True).set_index("project_id")
    if projects.index.duplicated().any():  # pragma: no cover - 48-bit hash collision
        raise ValidationError("planning: two projects got the same id; please report this")
    pieces = pd.concat([rep_pieces, new_pieces.drop(columns="proj")], ignore_index=True)
    pieces["segment_id"] = seg_ids[pieces["seg"].to_numpy(dtype=np.int64)]
    pieces = pieces[["project_id", "seg", "segment_id", "start_m", "end_m"]]
    pieces["seg"] = pieces["seg"].astype(np.int64)
    return LightingProjects(projects=projects, pieces=pieces, repair_lamps=lamps_out,
                            counts=counts)
