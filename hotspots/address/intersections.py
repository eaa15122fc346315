"""Street intersections ("Rua A esquina Rua B"): the node where two named streets meet."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from hotspots.address.messages import Detail
from hotspots.address.messages import detail as D

__all__ = ["GAP_PENALTY", "SEVERAL_NODES_PENALTY", "Meeting", "meet"]

#: score taken off when two streets meet at several nodes and the nearest one was chosen
SEVERAL_NODES_PENALTY = 10.0
#: score taken off when the streets do not touch and the gap between them was bridged
GAP_PENALTY = 15.0


@dataclass(frozen=True)
class Meeting:
    """Where two streets meet: the node, the segment (of the first street) holding it, how sure."""

    point: shapely.Point | None  #: None on the fast path (see ``xy``)
    seg: int  #: row of the segment in the StreetIndex, −1 when the streets do not meet
    position_m: float
    n_nodes: int  #: how many distinct meeting nodes there were
    penalty: float  #: points to take off the name-match score
    detail: Detail | str  #: why there is no meeting (or "")
    xy: tuple[float, float] | None = None  #: the node's coordinates


def meet(streets, a: np.ndarray, b: np.ndarray, *,
         reference_xy: tuple[float, float] | None = None, max_gap_m: float = 25.0) -> Meeting:
    """Meeting node of two streets given by the rows ``a`` and ``b`` of their segments.

    Shared end points of their segments come first, then crossings without a shared vertex,
    then (lower score) the closest approach if under ``max_gap_m``. With several nodes the one
    nearest ``reference_xy`` (e.g. the bairro's centre) is chosen, else the one nearest the
    middle of the two streets, with a lower score.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if not len(a) or not len(b) or np.array_equal(np.sort(a), np.sort(b)):
        return Meeting(None, -1, np.nan, 0, 0.0, D("corner_same"))
    node_a = np.concatenate([streets.node0[a], streets.node1[a]])
    common = np.intersect1d(node_a, np.concatenate([streets.node0[b], streets.node1[b]]))
    if len(common) == 1:  # the usual corner: one shared node, no geometry needed
        at0 = streets.node0[a] == common[0]
        at1 = streets.node1[a] == common[0]
        touching = np.flatnonzero(at0 | at1)
        k = touching[np.argmin(streets.ids[a[touching]])]
        seg = int(a[k])
        pos = 0.0 if at0[k] else float(streets.lengths[seg])
        xy = (streets.x0[seg], streets.y0[seg]) if at0[k] else (streets.x1[seg], streets.y1[seg])
        return Meeting(None, seg, pos, 1, 0.0, "", xy=(float(xy[0]), float(xy[1])))
    ends_a = _ends(streets.geoms[a])
    ends_b = _ends(streets.geoms[b])
    common = np.array(sorted(set(map(tuple, ends_a)) & set(map(tuple, ends_b))), dtype=float)
    penalty = 0.0
    if len(common):
        nodes = common * 0.01
    else:
        ua, ub = shapely.union_all(streets.geoms[a]), shapely.union_all(streets.geoms[b])
        inter = shapely.intersection(ua, ub)
        pts = [g for g in shapely.get_parts(inter) if g.geom_type == "Point"]
        if pts:
            nodes = shapely.get_coordinates(np.array(pts, dtype=object))
        else:
            gap = shapely.distance(ua, ub)
            if not np.isfinite(gap) or gap > max_gap_m:
                return Meeting(None, -1, np.nan, 0, 0.0,
                               D("corner_gap", gap=float(gap), max_gap=max_gap_m))
            line = shapely.shortest_line(ua, ub)
            nodes = shapely.get_coordinates(shapely.line_interpolate_point(line, 0.5,
                                                                           normalized=True))
            penalty += GAP_PENALTY
    nodes = np.unique(np.round(nodes, 2), axis=0)
    if len(nodes) > 1:
        penalty += SEVERAL_NODES_PENALTY
        if reference_xy is None:
            both = shapely.union_all(streets.geoms[np.concatenate([a, b])])
            c = both.centroid
            reference_xy = (c.x, c.y)
        d = np.hypot(nodes[:, 0] - reference_xy[0], nodes[:, 1] - reference_xy[1])
        node = nodes[np.lexsort((nodes[:, 1], nodes[:, 0], d))[0]]
    else:
        node = nodes[0]
    point = shapely.Point(node)
    dist = shapely.distance(point, streets.geoms[a])
    order = np.lexsort((streets.ids[a], np.round(dist, 3)))
    seg = int(a[order[0]])
    pos = float(shapely.line_locate_point(streets.geoms[seg], point))
    return Meeting(point, seg, pos, len(nodes), penalty,
                   D("corner_nodes", n=len(nodes)) if len(nodes) > 1 else "",
                   xy=(float(node[0]), float(node[1])))


def _ends(geoms: np.ndarray) -> np.ndarray:
    first = shapely.get_coordinates(shapely.get_point(geoms, 0))
    last = shapely.get_coordinates(shapely.get_point(geoms, -1))
    return np.round(np.vstack([first, last]) / 0.01).astype(np.int64)
