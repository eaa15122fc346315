"""Placing parsed addresses on segments: address points, ranges, metric numbers, corners.

Each ``place_*`` function takes the rows still open and their candidate streets, places those it
can (segment, position, point, method, status, review) on an :class:`Outcome`, and rejects the
ones it can prove wrong (a number in range on two different streets is ambiguous, not a guess).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from hotspots.address.candidates import distinct_pair_groups
from hotspots.address.interpolate import offset_points_xy
from hotspots.address.intersections import Meeting, meet
from hotspots.address.messages import Detail
from hotspots.address.messages import detail as D
from hotspots.address.ranges import search_ranges, side_of_number
from hotspots.address.reference import StreetIndex, offset_points

__all__ = ["Outcome", "Rows", "place_by_metric", "place_by_points", "place_by_ranges",
           "place_intersections", "place_street_only"]


class Rows:
    """Parallel arrays (a light, column-only frame for the per-call hot path)."""

    def __init__(self, **cols):
        self.cols = {k: np.asarray(v) for k, v in cols.items()}

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.cols[key]
        return Rows(**{k: v[key] for k, v in self.cols.items()})

    def __len__(self) -> int:
        return len(next(iter(self.cols.values()))) if self.cols else 0

    def with_(self, **cols) -> Rows:
        return Rows(**self.cols, **cols)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.cols)

    @staticmethod
    def concat(parts: list[Rows]) -> Rows:
        parts = [p for p in parts if len(p)] or parts[:1]
        return Rows(**{k: np.concatenate([p.cols[k] for p in parts]) for k in parts[0].cols})


class Outcome:
    """Per-row outcome while geocoding: placed (segment, position, point, method) or a reason."""

    def __init__(self, n: int):
        self.n = n
        self.reason = np.full(n, "", dtype=object)
        self.detail = np.full(n, "", dtype=object)
        self.seg = np.full(n, -1, dtype=np.int64)
        self.position = np.full(n, np.nan)
        self.geometry = np.full(n, None, dtype=object)
        self.method = np.full(n, "", dtype=object)
        self.status = np.full(n, "", dtype=object)
        self.score = np.zeros(n)
        self.street = np.full(n, -1, dtype=np.int64)
        self.review = np.full(n, "", dtype=object)

    def open(self) -> np.ndarray:
        return (self.reason == "") & (self.seg < 0)

    def reject(self, mask, reason, detail) -> None:
        mask = np.asarray(mask, bool) & self.open()
        self.reason[mask] = reason
        if isinstance(detail, np.ndarray):
            self.detail[mask] = detail[mask]
        else:
            for i in np.flatnonzero(mask):
                self.detail[i] = detail

    def reject_rows(self, rows, reason, detail) -> None:
        mask = np.zeros(self.n, bool)
        mask[np.asarray(rows, dtype=np.int64)] = True
        self.reject(mask, reason, detail)

    def place(self, rows, *, seg, position_m, geometry, method, status, street,
              review="") -> None:
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        self.seg[rows] = seg
        self.position[rows] = position_m
        self.geometry[rows] = geometry
        self.method[rows] = method
        self.status[rows] = status
        self.street[rows] = street
        self.add_review(rows, review)

    def add_review(self, rows, why) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        why = np.broadcast_to(np.asarray(why, dtype=object), rows.shape)
        some = why != ""  # most rows have no reason: skip them without a Python step
        for r, w in zip(rows[some].tolist(), why[some].tolist()):
            if w and w not in self.review[r].split(", "):
                self.review[r] = f"{self.review[r]}, {w}" if self.review[r] else w


def _single_street(pairs: Rows, out: Outcome, detail: Detail | str) -> Rows:
    """Keep rows whose hits lie on one street; reject the others as ambiguous_street."""
    if not len(pairs):
        return pairs
    row = pairs["row"]
    nst = np.bincount(distinct_pair_groups(row, pairs["street"]), minlength=out.n)[row]
    amb = np.unique(row[nst > 1])
    if len(amb):
        out.reject_rows(amb, "ambiguous_street", detail)
    return pairs[nst == 1]


def _fuzzy_review(kind: np.ndarray, fallback: bool) -> np.ndarray:
    loose = np.isin(kind, ["fuzzy", "alt_fuzzy", "short"])
    return np.where(loose & fallback, "fuzzy_name", "")


def place_by_points(pairs: Rows, number, suffix, points, streets: StreetIndex,
                    out: Outcome, *, same_address_max_m: float) -> None:
    """Rows whose number is an address point of a candidate street (same suffix first)."""
    if not len(pairs):
        return
    q = pairs.frame().assign(number=number[pairs["row"]], suffix=suffix[pairs["row"]])
    t = points.table[["street", "number", "suffix", "seg", "x", "y", "position_m", "point",
                      "geometry"]]
    exact = q.merge(t, on=["street", "number", "suffix"])
    rest = q[~q["row"].isin(exact["row"])]
    anysfx = rest.drop(columns="suffix").merge(t.sort_values(["suffix", "point"]),
                                               on=["street", "number"])
    hits = pd.concat([exact, anysfx], ignore_index=True)
    if not len(hits):
        return
    g = hits.groupby("row")
    spread = np.hypot(g["x"].transform("max") - g["x"].transform("min"),
                      g["y"].transform("max") - g["y"].transform("min"))
    far = (g["street"].transform("nunique") > 1) & (spread > same_address_max_m)
    amb = hits.loc[far, "row"].unique()
    if len(amb):
        out.reject_rows(amb, "ambiguous_street",
                        D("points_several"))
    hits = hits[~far]
    g = hits.groupby("row")
    d = np.hypot(hits["x"] - g["x"].transform("mean"), hits["y"] - g["y"].transform("mean"))
    tie = (g["street"].transform("nunique") > 1).to_numpy()
    hits = hits.assign(_d=np.where(tie, d, 0.0), tie=tie)
    hits = hits.sort_values(["row", "_d", "suffix", "point"]).drop_duplicates("row")
    out.place(hits["row"], seg=hits["seg"].to_numpy(),
              position_m=hits["position_m"].to_numpy(), geometry=hits["geometry"].to_numpy(),
              method="address_point",
              status=np.where(hits["tie"].to_numpy(), "matched_tie", "matched"),
              street=hits["street"])


def place_by_ranges(pairs: Rows, number, hint_x, hint_y, streets: StreetIndex,
                    out: Outcome, *, fallback: bool, end_offset_fraction: float,
                    side_offset_m: float, even_side: str, same_address_max_m: float) -> None:
    """Rows whose number lies in a side range of a candidate street (see ``ranges``)."""
    if not len(pairs) or streets.sides is None:
        return
    hits = search_ranges(streets, pairs["row"], pairs["street"], number, hint_x, hint_y,
                         fallback=fallback)
    found = hits.side >= 0
    p = pairs.with_(side=hits.side, tied=hits.tied, spread=hits.spread_m, frac=hits.frac)[found]
    p = _single_street(p, out, D("ranges_several"))
    if not len(p):
        return
    side = p["side"]
    seg = streets.side_seg[side]
    length = streets.lengths[seg]
    e = end_offset_fraction
    pos = length * (e + p["frac"] * (1 - 2 * e))
    sign = side_of_number(streets, side, even_side=even_side)
    geom = shapely.points(offset_points_xy(streets.coords, seg, streets.lengths, pos, sign,
                                           side_offset_m=side_offset_m))
    tie = p["tied"] > 1
    far = p["spread"] > same_address_max_m
    review = np.where(far, "tie_far_apart", "")
    rows = p["row"]
    out.place(rows, seg=seg, position_m=pos, geometry=geom, method="address_range",
              status=np.where(tie, "matched_tie", "matched"), street=p["street"],
              review=review)
    if fallback:
        out.add_review(rows, "invalid_range")
    out.add_review(rows, _fuzzy_review(p["kind"], fallback))


def _street_axes(streets: StreetIndex, street_ids, number_start, origin):
    """Merged line per street, oriented so that it starts where numbering starts."""
    lines = []
    for s in street_ids:
        line = streets.street_line(int(s))
        if number_start == "last":
            line = shapely.reverse(line)
        elif number_start != "first":
            a, b = shapely.get_point(line, 0), shapely.get_point(line, -1)
            if shapely.distance(b, origin) < shapely.distance(a, origin):
                line = shapely.reverse(line)
        lines.append(line)
    return np.array(lines, dtype=object)


def _segment_at(points, street, streets: StreetIndex):
    """Segment of ``street`` nearest each point (points lie on the street's axis)."""
    out = np.full(len(points), -1, dtype=np.int64)
    for i, (pt, s) in enumerate(zip(points, street)):
        segs = streets.segments_of(int(s))
        d = shapely.distance(pt, streets.geoms[segs])
        order = np.lexsort((streets.ids[segs], np.round(d, 6)))
        out[i] = segs[order[0]]
    return out


def place_by_metric(pairs: Rows, number, streets: StreetIndex, out: Outcome, *,
                    number_start, origin, metric_tolerance_m: float, end_offset_fraction: float,
                    side_offset_m: float, even_side: str) -> None:
    """Metric numbering: the number is the distance in metres from the street's start."""
    if not len(pairs):
        return
    ust = np.unique(pairs["street"])
    axes = dict(zip(ust, _street_axes(streets, ust, number_start, origin)))
    length = np.array([axes[s].length for s in pairs["street"]])
    n = number[pairs["row"]].astype(float)
    cand = pairs[n <= length + metric_tolerance_m]
    cand = _single_street(cand, out, D("metric_several"))
    if not len(cand):
        return
    r = cand["row"]
    lines = np.array([axes[s] for s in cand["street"]], dtype=object)
    total = shapely.length(lines)
    end = np.minimum(end_offset_fraction * total, 15.0)
    d = np.clip(number[r].astype(float), end, total - end)
    even = number[r] % 2 == 0
    even_sign = -1.0 if even_side == "right" else 1.0
    side = np.where(even, even_sign, -even_sign)
    geom = offset_points(lines, d, side, side_offset_m=side_offset_m)
    on_axis = shapely.line_interpolate_point(lines, d)
    seg = _segment_at(on_axis, cand["street"], streets)
    pos = shapely.line_locate_point(streets.geoms[seg], on_axis)
    out.place(r, seg=seg, position_m=pos, geometry=geom, method="metric_number",
              status="matched", street=cand["street"])
    out.add_review(r, _fuzzy_review(cand["kind"], True))


def place_street_only(pairs: Rows, streets: StreetIndex, out: Outcome) -> None:
    """No number: the middle of the street, when the name points to a single street."""
    if not len(pairs):
        return
    cand = _single_street(pairs, out, D("no_number_several"))
    cand = cand[np.unique(cand["row"], return_index=True)[1]]
    if not len(cand):
        return
    lines = np.array([streets.street_line(int(s)) for s in cand["street"]], dtype=object)
    mid = shapely.line_interpolate_point(lines, 0.5, normalized=True)
    seg = _segment_at(mid, cand["street"], streets)
    pos = shapely.line_locate_point(streets.geoms[seg], mid)
    out.place(cand["row"], seg=seg, position_m=pos, geometry=mid,
              method="street_centroid", status="matched_street_only",
              street=cand["street"], review="street_only")


def _apart(streets: StreetIndex, sa: int, sb: int, gap: float) -> bool:
    """True when the bounding boxes of two streets are farther apart than ``gap``."""
    a, b = streets.street_bounds[sa], streets.street_bounds[sb]
    dx = max(a[0] - b[2], b[0] - a[2], 0.0)
    dy = max(a[1] - b[3], b[1] - a[3], 0.0)
    return dx * dx + dy * dy > gap * gap


def place_intersections(first: Rows, second: Rows, streets: StreetIndex,
                        out: Outcome, *, min_score: float, max_gap_m: float,
                        reference_xy: dict, review: str = "", cache: dict | None = None
                        ) -> None:
    """Corners: the node where a candidate street of each side meets the other.

    ``first``/``second`` hold (row, street, score) candidates of the two streets; when each side
    has several streets (same name in several bairros) every pair is tried and the rows with
    meetings on more than one pair are ambiguous.
    """
    if not len(first) or not len(second):
        return
    pairs = first.frame().merge(second.frame(), on="row", suffixes=("_a", "_b"))
    cache = {} if cache is None else cache
    far = Meeting(None, -1, np.nan, 0, 0.0, D("corner_far", gap=max_gap_m))
    found = []
    for r, sa, sb, score_a, score_b in zip(pairs["row"], pairs["street_a"], pairs["street_b"],
                                           pairs["score_a"], pairs["score_b"]):
        ref = reference_xy.get(int(r))
        # the reference point only chooses among several nodes: a meeting with at most one
        # is stored once for the street pair, whatever the point
        mt = cache.get((int(sa), int(sb), "any"))
        if mt is None:
            key = (int(sa), int(sb), ref)
            if key not in cache:
                cache[key] = far if _apart(streets, int(sa), int(sb), max_gap_m) else meet(
                    streets, streets.segments_of(int(sa)), streets.segments_of(int(sb)),
                    reference_xy=ref, max_gap_m=max_gap_m)
                if cache[key].n_nodes <= 1:
                    cache[(int(sa), int(sb), "any")] = cache[key]
            mt = cache[key]
        found.append((r, sa, mt, min(score_a, score_b) - mt.penalty))
    by_row: dict[int, list] = {}
    for r, sa, mt, score in found:
        by_row.setdefault(int(r), []).append((sa, mt, score))
    placed = []
    for r, options in by_row.items():
        ok = [o for o in options if o[1].seg >= 0]
        if not ok:
            out.reject_rows([r], "intersection_not_found", options[0][1].detail)
            continue
        if len(ok) > 1:
            out.reject_rows([r], "ambiguous_street", D("corner_several"))
            continue
        sa, mt, score = ok[0]
        score = round(float(score), 1)
        if score < min_score:
            out.reject_rows([r], "low_score", D("corner_low", score=score, minimum=min_score,
                                                inner=mt.detail or D("corner_no_node")))
            continue
        out.score[r] = score
        placed.append((r, sa, mt))
    if not placed:
        return
    rows = np.array([p[0] for p in placed], dtype=np.int64)
    mts = [p[2] for p in placed]
    xy = np.array([m.xy for m in mts], dtype=float)
    several = np.array([m.n_nodes > 1 for m in mts])
    apart = np.array([m.n_nodes <= 1 and m.penalty > 0 for m in mts])
    out.place(rows, seg=np.array([m.seg for m in mts]),
              position_m=np.array([m.position_m for m in mts]),
              geometry=shapely.points(xy), method="intersection",
              status=np.where(several, "matched_tie", "matched"),
              street=np.array([p[1] for p in placed]), review=review)
    out.add_review(rows, np.where(several, "several_corners",
                                  np.where(apart, "streets_do_not_touch", "")))
