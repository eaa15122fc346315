"""Network kernel density on lixels: simple and equal-split discontinuous kernels (Okabe–Sugihara)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse import csgraph

from hotspots._errors import ValidationError
from hotspots.weights import _check_segments, _end_nodes

__all__ = [
    "GAUSS_SIGMAS", "KERNELS", "METHODS", "UNITS", "NetworkKDE", "kernel_values_1d", "lixelize",
    "network_kde", "segment_density"
]

KERNELS = ("quartic", "triangle", "epanechnikov", "gaussian")
METHODS = ("discontinuous", "simple")
UNITS = {"per_m": "incidents per metre of street", "per_km": "incidents per km of street"}
_ALIASES = {"triangular": "triangle"}  # the planar KDE's name for the triangle kernel
#: the Gaussian kernel has σ = bandwidth / 3 and is cut at the bandwidth (then rescaled to mass 1)
GAUSS_SIGMAS = 3.0
_CHUNK_ROWS = 4_000_000  # rows of (event, lixel) or Dijkstra cells handled at once
_DIST_KEY_M = 1e-6  # paths reaching the same half-edge at distances this close are merged


@dataclass(frozen=True)
class NetworkKDE:
    """Density at lixel centres (``lixels["density"]``, in ``units``) and the parameters used."""

    lixels: gpd.GeoDataFrame | pd.DataFrame
    bandwidth_m: float
    method: str
    kernel: str
    lixel_length_m: float
    units: str
    n_events: int
    total_weight: float


def lixelize(
    segments: gpd.GeoDataFrame,
    *,
    lixel_length_m: float = 10.0,
    min_length_m: float | None = None,
    geometry: bool = True,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Cut every segment into lixels of ``lixel_length_m`` from its first vertex.

    As spNetwork's ``lixelize_lines(lines, lx_length, mindist)``: a last piece shorter than
    ``min_length_m`` (default ``lixel_length_m / 10``) is merged into the previous lixel; a
    segment shorter than ``lixel_length_m`` is one lixel. Returns lixel_id (0.. in segment row
    order, the index), segment_id, start_m, end_m (along the segment), length_m and, unless
    ``geometry=False`` (a plain DataFrame, much faster when only densities are needed), the
    lixel's line.
    """
    _check_segments(segments, "lixelize", min_segments=1)
    lx, mind = _lixel_lengths(lixel_length_m, min_length_m)
    seg_len = segments["length_m"].to_numpy(dtype=float)
    seg_pos, start, end = _cut(seg_len, lx, mind)
    columns = {
        "segment_id": segments.index.to_numpy()[seg_pos],
        "start_m": start,
        "end_m": end,
        "length_m": end - start,
    }
    index = pd.RangeIndex(len(start), name="lixel_id")
    if not geometry:
        return pd.DataFrame(columns, index=index)
    geoms = _substrings(segments.geometry.values, seg_len, seg_pos, start, end)
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=segments.crs, index=index)


def network_kde(
    segments: gpd.GeoDataFrame,
    events: pd.DataFrame,
    *,
    bandwidth_m: float,
    method: str = "discontinuous",
    kernel: str = "quartic",
    lixel_length_m: float = 10.0,
    min_length_m: float | None = None,
    weight_column: str | None = None,
    units: str = "per_m",
    resolution_m: float = _DIST_KEY_M,
    max_states: int = 20_000_000,
    geometry: bool = True,
) -> NetworkKDE:
    """Network kernel density of ``events`` at the centres of the segments' lixels.

    ``events`` holds ``segment_id`` and ``position_m`` (metres from the segment's first vertex,
    as :mod:`hotspots.geocode` writes them) and optionally a ``weight_column``. Kernels are
    1-D with mass 1 on a line (u = d / ``bandwidth_m``, h = ``bandwidth_m``): quartic
    15/(16h)·(1 − u²)², triangle (1 − u)/h, epanechnikov 3/(4h)·(1 − u²), gaussian with
    σ = h/3 cut at h and rescaled to mass 1. Methods (spNetwork's names):

    - ``discontinuous`` (Okabe & Sugihara equal split): the kernel runs along every path from
      the event; at each node of degree k passed it divides equally among the k − 1 other
      edges, so the mass is conserved (Σ density × lixel length = total weight) wherever the
      bandwidth reaches no dead end. Every path within the bandwidth is followed (also ones
      coming back to the event's segment or meeting again around a block) and the shares are
      summed. Dead ends absorb: the mass that reaches a node of degree 1 is lost (nothing is
      reflected), so near dead ends the total is below the number of events. An event exactly
      at a node (position 0 or the length) sends the half of its mass that points away from
      its segment into the other k − 1 edges there.
    - ``simple``: the kernel of the shortest network distance (Dijkstra from the segment ends,
      or straight along the event's own segment when that is shorter). Every branch past an
      intersection gets the full value, so the mass is NOT conserved: past a degree-k node it
      is multiplied by k − 1.

    ``units``: ``per_m`` (incidents per metre of street) or ``per_km`` (× 1000).
    ``geometry=False`` leaves the lixel lines out of ``result.lixels`` (a plain DataFrame).

    ``resolution_m`` (discontinuous only): paths — from any event — that reach the same street
    end within ``resolution_m`` of each other travel on as one (their mass summed, their
    distance the mass-weighted mean). The default (1 µm) follows every distinct path exactly,
    whose number grows exponentially with bandwidth / segment length on dense real networks
    (OSM footways: 200 m over 10 m segments took 510 s and 12 GB); a resolution of a few
    decimetres bounds the work to (street ends × bandwidth / resolution) with kernel errors far
    below the lixel discretisation (the pipeline uses lixel_length_m / 10). ``max_states``
    stops a run whose wavefront grows past that many paths with a ValidationError saying how
    to proceed, instead of exhausting memory.
    """
    method, kernel = _check_options(method, kernel, bandwidth_m, units)
    _check_segments(segments, "network_kde", min_segments=1)
    lx, mind = _lixel_lengths(lixel_length_m, min_length_m)
    h = float(bandwidth_m)
    seg_len = segments["length_m"].to_numpy(dtype=float)
    ev_seg, ev_pos, ev_w = _events(events, segments.index, seg_len, weight_column)
    lix = lixelize(segments, lixel_length_m=lx, min_length_m=mind, geometry=geometry)
    seg_pos = segments.index.get_indexer(lix["segment_id"].to_numpy())
    centre = 0.5 * (lix["start_m"].to_numpy() + lix["end_m"].to_numpy())
    lix_first = np.searchsorted(seg_pos, np.arange(len(segments)))
    lix_count = np.bincount(seg_pos, minlength=len(segments))
    if not (np.isfinite(resolution_m) and resolution_m > 0):
        raise ValidationError(f"network_kde: resolution_m={resolution_m!r} must be > 0 metres")
    net = _Network(segments, seg_len, centre, lix_first, lix_count, h, kernel)
    if method == "simple":
        density = net.simple(ev_seg, ev_pos, ev_w)
    else:
        density = net.discontinuous(ev_seg, ev_pos, ev_w, resolution_m=float(resolution_m),
                                    max_states=int(max_states))
    if units == "per_km":
        density = density * 1000.0
    out = lix.copy()
    out["density"] = density
    return NetworkKDE(
        lixels=out,
        bandwidth_m=h,
        method=method,
        kernel=kernel,
        lixel_length_m=lx,
        units=UNITS[units],
        n_events=len(ev_seg),
        total_weight=float(ev_w.sum()),
    )


def segment_density(result: NetworkKDE, *, how: str = "mean") -> pd.Series:
    """Density per segment from its lixels: length-weighted ``mean`` (mass / length) or ``max``."""
    lix = result.lixels
    if how == "mean":
        mass = (lix["density"] * lix["length_m"]).groupby(lix["segment_id"], sort=False).sum()
        out = mass / lix.groupby("segment_id", sort=False)["length_m"].sum()
    elif how == "max":
        out = lix.groupby("segment_id", sort=False)["density"].max()
    else:
        raise ValidationError(f"segment_density: how={how!r}; use 'mean' or 'max'")
    out.name = "nkde"
    return out


def kernel_values_1d(d: np.ndarray, *, bandwidth_m: float, kernel: str = "quartic") -> np.ndarray:
    """1-D kernel (per metre of street) at network distances ``d``; zero from the bandwidth on."""
    d = np.abs(np.asarray(d, dtype=float))
    h = float(bandwidth_m)
    u = np.minimum(d / h, 1.0)
    kernel = _ALIASES.get(kernel, kernel)
    if kernel == "quartic":
        out = 15.0 / (16.0 * h) * (1 - u * u) ** 2
    elif kernel == "epanechnikov":
        out = 3.0 / (4.0 * h) * (1 - u * u)
    elif kernel == "triangle":
        out = (1 - u) / h
    elif kernel == "gaussian":
        sigma = h / GAUSS_SIGMAS
        norm = sigma * math.sqrt(2 * math.pi) * math.erf(GAUSS_SIGMAS / math.sqrt(2))
        out = np.exp(-0.5 * (d / sigma) ** 2) / norm
    else:
        raise ValidationError(f"network_kde: kernel={kernel!r}; use one of {list(KERNELS)}")
    return np.where(d < h, out, 0.0)


class _Network:
    """Street graph with half-edges (segment, end) and the lixel layout, for one density run."""

    def __init__(self, segments, seg_len, centre, lix_first, lix_count, h, kernel):
        self.n_seg = len(segments)
        self.seg_len = seg_len
        self.centre = centre
        self.lix_first = lix_first
        self.lix_count = lix_count
        self.h = h
        self.kernel = kernel
        start, end, self.n_nodes = _end_nodes(segments)
        self.node = np.c_[start, end]  # node of each segment's (first, last) end
        # half-edge id = 2 * segment + side (0 first vertex, 1 last vertex), grouped by node
        he_node = self.node.ravel()
        order = np.argsort(he_node, kind="stable")
        self.he_at = order
        self.he_ptr = np.r_[0, np.cumsum(np.bincount(he_node, minlength=self.n_nodes))]
        self.degree = np.diff(self.he_ptr)

    def _k(self, d):
        return kernel_values_1d(d, bandwidth_m=self.h, kernel=self.kernel)

    def _lixels_of(self, s):
        """For segments ``s``: (row in s, lixel index, lixel centre) of each of their lixels."""
        cnt = self.lix_count[s]
        row = np.repeat(np.arange(len(s)), cnt)
        lix = np.repeat(self.lix_first[s] - np.r_[0, np.cumsum(cnt)[:-1]], cnt)
        lix = lix + np.arange(len(row))
        return row, lix, self.centre[lix]

    def _deposit(self, density, seg, offset, sign, mass, direct_pos=None):
        """Add mass·K(offset + sign·centre) (or K(|centre − direct_pos|)) on each lixel of seg."""
        for lo in range(0, len(seg), max(1, _CHUNK_ROWS // 64)):
            sl = slice(lo, lo + max(1, _CHUNK_ROWS // 64))
            s = seg[sl]
            row, lix, c = self._lixels_of(s)
            if direct_pos is None:
                d = offset[sl][row] + np.where(sign[sl][row] > 0, c, self.seg_len[s][row] - c)
            else:
                d = np.abs(c - direct_pos[sl][row])
            density += np.bincount(lix, weights=mass[sl][row] * self._k(d), minlength=len(density))

    def discontinuous(self, ev_seg, ev_pos, ev_w, *, resolution_m=_DIST_KEY_M,
                      max_states=20_000_000) -> np.ndarray:
        density = np.zeros(len(self.centre))
        self._deposit(density, ev_seg, None, None, ev_w, direct_pos=ev_pos)
        # state: (event, half-edge arrived by, distance at its node, mass share)
        ev = np.arange(len(ev_seg))
        he = np.r_[2 * ev_seg, 2 * ev_seg + 1]
        dist = np.r_[ev_pos, self.seg_len[ev_seg] - ev_pos]
        mass = np.r_[ev_w, ev_w]
        ev = np.r_[ev, ev]
        # the density is linear in the mass: paths of different events travel together
        ev = np.zeros_like(ev)
        while len(ev):
            keep = dist < self.h
            ev, he, dist, mass = ev[keep], he[keep], dist[keep], mass[keep]
            ev, he, dist, mass = _merge(ev, he, dist, mass, resolution_m)
            if len(ev) > max_states:
                raise ValidationError(
                    f"network_kde: {len(ev):,} distinct paths are still within the bandwidth "
                    f"({self.h:g} m); the equal-split kernel grows exponentially on dense "
                    "networks. Fix: pass a coarser resolution_m (e.g. 0.5) or a smaller "
                    "bandwidth_m, or use method='simple'."
                )
            node = self.node.ravel()[he]
            deg = self.degree[node]
            n_out = deg - 1
            ok = n_out > 0  # degree 1: a dead end absorbs
            ev, he, dist, mass, node, n_out = (a[ok] for a in (ev, he, dist, mass, node, n_out))
            rep = self.degree[node]
            row = np.repeat(np.arange(len(ev)), rep)
            out = self.he_at[
                np.repeat(self.he_ptr[node] - np.r_[0, np.cumsum(rep)[:-1]], rep)
                + np.arange(len(row))
            ]
            other = out != he[row]
            row, out = row[other], out[other]
            seg, side = out // 2, out % 2
            share = mass[row] / n_out[row]
            self._deposit(density, seg, dist[row], np.where(side == 0, 1, -1), share)
            ev, he = ev[row], 2 * seg + (1 - side)
            dist, mass = dist[row] + self.seg_len[seg], share
        return density

    def simple(self, ev_seg, ev_pos, ev_w) -> np.ndarray:
        density = np.zeros(len(self.centre))
        reach = self._node_distances(np.unique(self.node[ev_seg].ravel()))
        # every event's own segment: straight along it, or out by one end and back by the other
        pairs = [
            (
                np.arange(len(ev_seg)),
                ev_seg,
                np.full(len(ev_seg), np.inf),
                np.full(len(ev_seg), np.inf),
            )
        ]
        for side, off in ((0, ev_pos), (1, self.seg_len[ev_seg] - ev_pos)):
            src = reach.indptr
            start = self.node[ev_seg, side]
            cnt = src[start + 1] - src[start]
            row = np.repeat(np.arange(len(ev_seg)), cnt)
            k = np.repeat(src[start] - np.r_[0, np.cumsum(cnt)[:-1]], cnt) + np.arange(len(row))
            d = off[row] + reach.data[k]
            near = d < self.h
            row, node, d = row[near], reach.indices[k][near], d[near]
            rep = self.degree[node]
            r2 = np.repeat(np.arange(len(row)), rep)
            he = self.he_at[
                np.repeat(self.he_ptr[node] - np.r_[0, np.cumsum(rep)[:-1]], rep)
                + np.arange(len(r2))
            ]
            a = np.where(he % 2 == 0, d[r2], np.inf)
            b = np.where(he % 2 == 1, d[r2], np.inf)
            pairs.append((row[r2], he // 2, a, b))
        ev, seg, a, b = (np.concatenate(x) for x in zip(*pairs))
        key = ev.astype(np.int64) * self.n_seg + seg
        order = np.argsort(key, kind="stable")
        key, ev, seg, a, b = key[order], ev[order], seg[order], a[order], b[order]
        first = np.r_[True, key[1:] != key[:-1]]
        starts = np.flatnonzero(first)
        ev, seg = ev[starts], seg[starts]
        a, b = np.minimum.reduceat(a, starts), np.minimum.reduceat(b, starts)
        own = np.where(seg == ev_seg[ev], ev_pos[ev], np.nan)
        for lo in range(0, len(ev), max(1, _CHUNK_ROWS // 64)):
            sl = slice(lo, lo + max(1, _CHUNK_ROWS // 64))
            s = seg[sl]
            row, lix, c = self._lixels_of(s)
            d = np.minimum(a[sl][row] + c, b[sl][row] + self.seg_len[s][row] - c)
            direct = np.abs(c - own[sl][row])
            d = np.where(np.isnan(direct), d, np.minimum(d, direct))
            w = ev_w[ev[sl]][row]
            density += np.bincount(lix, weights=w * self._k(d), minlength=len(density))
        return density

    def _node_distances(self, sources: np.ndarray) -> sp.csr_array:
        """Node × node shortest distances below the bandwidth, rows only for ``sources``."""
        u, v = self.node[:, 0], self.node[:, 1]
        w = np.maximum(self.seg_len, 1e-9)  # zero weights would mean "no edge" in csgraph
        loop = u == v
        u, v, w = u[~loop], v[~loop], w[~loop]
        a, b = np.minimum(u, v), np.maximum(u, v)
        order = np.lexsort((w, b, a))  # parallel edges: keep the shortest
        a, b, w = a[order], b[order], w[order]
        first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
        a, b, w = a[first], b[first], w[first]
        g = sp.csr_array((w, (a, b)), shape=(self.n_nodes, self.n_nodes))
        rows, cols, vals = [], [], []
        chunk = max(1, _CHUNK_ROWS // max(self.n_nodes, 1))
        for lo in range(0, len(sources), chunk):
            src = sources[lo : lo + chunk]
            dist = csgraph.dijkstra(g, directed=False, indices=src, limit=self.h)
            r, c = np.nonzero(np.isfinite(dist))
            rows.append(src[r])
            cols.append(c)
            vals.append(dist[r, c])
        r, c, d = (np.concatenate(x) for x in (rows, cols, vals))
        return _csr_keep_zeros(r, c, d, self.n_nodes)


def _csr_keep_zeros(r, c, d, n) -> sp.csr_array:
    """A CSR matrix that keeps explicit zero distances (a node's distance to itself)."""
    order = np.lexsort((c, r))
    r, c, d = r[order], c[order], d[order]
    indptr = np.r_[0, np.cumsum(np.bincount(r, minlength=n))]
    return sp.csr_array((d, c, indptr), shape=(n, n))


def _merge(ev, he, dist, mass, resolution_m=_DIST_KEY_M):
    """Sum the mass of paths reaching the same half-edge within ``resolution_m`` of each other.

    The merged path's distance is the mass-weighted mean of the distances it replaces (equal to
    them when they coincide, as with the default 1 µm).
    """
    if len(ev) == 0:
        return ev, he, dist, mass
    dkey = np.round(dist / resolution_m).astype(np.int64)
    order = np.lexsort((dkey, he, ev))
    ev, he, dist, mass, dkey = ev[order], he[order], dist[order], mass[order], dkey[order]
    first = np.r_[True, (ev[1:] != ev[:-1]) | (he[1:] != he[:-1]) | (dkey[1:] != dkey[:-1])]
    starts = np.flatnonzero(first)
    total = np.add.reduceat(mass, starts)
    if resolution_m <= _DIST_KEY_M:
        merged = dist[starts]
    else:
        wsum = np.add.reduceat(mass * dist, starts)
        merged = np.where(total > 0, wsum / np.where(total > 0, total, 1.0), dist[starts])
    return ev[starts], he[starts], merged, total


def _check_options(method, kernel, bandwidth_m, units) -> tuple[str, str]:
    problems = []
    if method not in METHODS:
        problems.append(f"method={method!r}; use one of {list(METHODS)}")
    kernel = _ALIASES.get(kernel, kernel)
    if kernel not in KERNELS:
        problems.append(f"kernel={kernel!r}; use one of {list(KERNELS)}")
    try:
        ok = math.isfinite(float(bandwidth_m)) and float(bandwidth_m) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        problems.append(f"bandwidth_m={bandwidth_m!r} must be a positive number of metres")
    if units not in UNITS:
        problems.append(f"units={units!r}; use one of {list(UNITS)}")
    if problems:
        raise ValidationError("network_kde: " + "; ".join(problems))
    return method, kernel


def _lixel_lengths(lixel_length_m, min_length_m) -> tuple[float, float]:
    try:
        lx = float(lixel_length_m)
    except (TypeError, ValueError):
        lx = math.nan
    if not math.isfinite(lx) or lx <= 0:
        raise ValidationError(
            f"lixelize: lixel_length_m={lixel_length_m!r} must be a positive number of metres"
        )
    mind = lx / 10.0 if min_length_m is None else float(min_length_m)
    if not math.isfinite(mind) or mind < 0 or mind > lx:
        raise ValidationError(
            f"lixelize: min_length_m={min_length_m!r} must be between 0 and lixel_length_m ({lx:g})"
        )
    return lx, mind


def _cut(seg_len, lx, mind):
    """(segment position, start_m, end_m) of every lixel, in segment order."""
    n_full = np.floor(seg_len / lx + 1e-9).astype(np.int64)
    rest = seg_len - n_full * lx
    extra = (rest > 1e-9) & ((rest >= mind) | (n_full == 0))
    count = np.maximum(n_full + extra, 1)
    seg_pos = np.repeat(np.arange(len(seg_len)), count)
    k = np.arange(len(seg_pos)) - np.repeat(np.r_[0, np.cumsum(count)[:-1]], count)
    start = k * lx
    last = k == count[seg_pos] - 1
    end = np.where(last, seg_len[seg_pos], (k + 1) * lx)
    return seg_pos, start, end


def _substrings(geoms, seg_len, seg_pos, start, end) -> np.ndarray:
    """The pieces [start, end] (metres from the first vertex) of each segment, vectorised."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    step = np.r_[0.0, np.hypot(*np.diff(coords, axis=0).T)]
    first = np.r_[True, idx[1:] != idx[:-1]]
    step[first] = 0.0
    cum = np.cumsum(step)
    cum -= np.repeat(cum[first], np.bincount(idx, minlength=len(geoms))[idx[first]])
    span = float(seg_len.max()) + 1.0 if len(seg_len) else 1.0
    key = idx * span + cum  # increasing: segment by segment, then along each
    lo = np.searchsorted(key, seg_pos * span + start + 1e-9, side="left")
    hi = np.searchsorted(key, seg_pos * span + end - 1e-9, side="right")
    n_inner = np.maximum(hi - lo, 0)
    g = geoms[seg_pos]
    p0 = shapely.get_coordinates(shapely.line_interpolate_point(g, start))
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(g, end))
    n_pts = n_inner + 2
    total = int(n_pts.sum())
    offs = np.r_[0, np.cumsum(n_pts)[:-1]]
    out = np.empty((total, 2))
    out[offs] = p0
    out[offs + n_pts - 1] = p1
    inner_row = np.repeat(np.arange(len(seg_pos)), n_inner)
    k = np.arange(len(inner_row)) - np.repeat(np.r_[0, np.cumsum(n_inner)[:-1]], n_inner)
    out[offs[inner_row] + 1 + k] = coords[lo[inner_row] + k]
    return shapely.linestrings(out, indices=np.repeat(np.arange(len(seg_pos)), n_pts))


def _events(events, index, seg_len, weight_column):
    """(segment position, position_m, weight) arrays of the events, validated."""
    if not isinstance(events, pd.DataFrame):
        raise ValidationError(
            f"network_kde: events must be a DataFrame with segment_id and position_m, got "
            f"{type(events).__name__}"
        )
    missing = [c for c in ("segment_id", "position_m", weight_column) if c and c not in events]
    if missing:
        raise ValidationError(
            f"network_kde: events lack columns {missing}; columns are {list(events.columns)}. "
            "Geocode incidents with hotspots.geocode (it writes segment_id and position_m)."
        )
    if len(events) == 0:
        raise ValidationError("network_kde: no events; nothing to estimate")
    problems = []
    pos_seg = index.get_indexer(events["segment_id"])
    unknown = pos_seg < 0
    if unknown.any():
        ids = pd.unique(events["segment_id"][unknown])[:5].tolist()
        problems.append(
            f"{int(unknown.sum())} events have a segment_id not in the segments (e.g. {ids})"
        )
    pos = pd.to_numeric(events["position_m"], errors="coerce").to_numpy(dtype=float)
    length = np.where(unknown, np.inf, seg_len[np.maximum(pos_seg, 0)])
    bad = ~np.isfinite(pos) | (pos < -1e-3) | (pos > length + 1e-3)
    if bad.any():
        rows = events.index[bad][:5].tolist()
        problems.append(
            f"{int(bad.sum())} events have a position_m missing or outside 0..segment length "
            f"(rows {rows})"
        )
    if weight_column:
        w = pd.to_numeric(events[weight_column], errors="coerce").to_numpy(dtype=float)
        badw = ~np.isfinite(w) | (w < 0)
        if badw.any():
            problems.append(
                f"{int(badw.sum())} events have a missing or negative {weight_column!r} "
                f"(rows {events.index[badw][:5].tolist()})"
            )
    else:
        w = np.ones(len(events))
    if problems:
        raise ValidationError(
            "network_kde: unusable events: "
            + "; ".join(problems)
            + ". Fix: drop or re-geocode these rows against the same segments."
        )
    return pos_seg, np.clip(pos, 0.0, seg_len[pos_seg]), w
