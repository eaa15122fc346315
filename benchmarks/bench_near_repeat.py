"""Benchmark: near-repeat Knox table at Pelotas scale (20,000-segment grid, 50,000 incidents, 999 perms).

Run: .venv/bin/python benchmarks/bench_near_repeat.py [--segments 20000] [--incidents 50000]

Prints, for Euclidean and network distances: close pairs enumerated, wall time of the whole
``near_repeat`` call, and the time per permutation of the numba recount against a plain-NumPy
recount of the same pairs measured in the same run (the reference; ratios cancel machine load).
Then a small set (default 2,000 incidents) is checked against brute force: every cell of the
observed table from all n(n−1)/2 pairs (scipy ``pdist`` for planar distances, all-pairs
Dijkstra on a graph with the incidents inserted as nodes for network distances).
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse import csgraph
from scipy.spatial.distance import pdist

from hotspots.stats import _knox, _pairs
from hotspots.stats import _near_repeat_inputs as _inputs
from hotspots.stats.near_repeat import NearRepeatSettings, near_repeat


def grid(n_segments: int, *, step_m: float = 100.0) -> gpd.GeoDataFrame:
    """A square street grid with about ``n_segments`` blocks' sides of ``step_m``."""
    k = round((n_segments / 2) ** 0.5) + 1  # k × k nodes: 2·k·(k − 1) segments
    i, j = np.meshgrid(np.arange(k), np.arange(k - 1), indexing="ij")
    i, j = i.ravel(), j.ravel()
    horiz = np.stack([j * step_m, i * step_m, (j + 1) * step_m, i * step_m], axis=1)
    vert = np.stack([i * step_m, j * step_m, i * step_m, (j + 1) * step_m], axis=1)
    lines = shapely.linestrings(np.vstack([horiz, vert]).reshape(-1, 2, 2))
    seg = gpd.GeoDataFrame(geometry=lines, crs="EPSG:31982")
    seg["length_m"] = shapely.length(lines)
    seg.index = pd.Index(np.arange(len(seg), dtype=np.int64) * 7 + 1000, name="segment_id")
    return seg


def incidents(seg: gpd.GeoDataFrame, n: int, *, seed: int = 1) -> gpd.GeoDataFrame:
    """Concentrated incidents over a year: half on 5 % of the segments, 10 % near-repeat copies."""
    rng = np.random.default_rng(seed)
    hot = rng.choice(len(seg), max(1, len(seg) // 20), replace=False)
    pick = np.where(rng.random(n) < 0.5, rng.choice(hot, n), rng.integers(0, len(seg), n))
    day = rng.integers(0, 365, n)
    follow = rng.random(n) < 0.10  # a follow-up of an earlier incident, same segment, 0–6 days
    parent = rng.integers(0, n, n)
    pick = np.where(follow, pick[parent], pick)
    day = np.where(follow, np.minimum(day[parent] + rng.integers(0, 7, n), 364), day)
    length = seg["length_m"].to_numpy()[pick]
    pos = rng.uniform(0, 1, n) * length
    pts = shapely.line_interpolate_point(seg.geometry.to_numpy()[pick], pos)
    when = pd.Timestamp("2025-01-01", tz="America/Sao_Paulo") + pd.to_timedelta(day, unit="D")
    when = when + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")
    return gpd.GeoDataFrame(
        {"occurred_at": when, "segment_id": seg.index.to_numpy()[pick], "position_m": pos},
        geometry=pts, crs=seg.crs,
        index=pd.Index([f"BO-{i:06d}" for i in range(n)], name="incident_id"))


def numpy_recount(first, second, sband, t, t_edges, n_spatial, perms) -> np.ndarray:
    """Reference: the finite cells per permutation with plain NumPy (bincount per permutation)."""
    m = len(t_edges)
    out = np.empty((len(perms), n_spatial, m), dtype=np.int64)
    for r, perm in enumerate(perms):
        tp = t[perm]
        tb = np.searchsorted(t_edges, np.abs(tp[first] - tp[second]), side="right")
        ok = tb < m
        cells = np.bincount(sband[ok] * m + tb[ok], minlength=n_spatial * m)
        out[r] = cells.reshape(n_spatial, m)
    return out


def brute_network(seg: gpd.GeoDataFrame, inc: pd.DataFrame) -> np.ndarray:
    """All-pairs network distances with each incident inserted as a node of its segment."""
    from hotspots.weights import _end_nodes

    start, end, n_nodes = _end_nodes(seg)
    s = seg.index.get_indexer(inc["segment_id"])
    pos = inc["position_m"].to_numpy()
    n = len(inc)
    rows, cols, w = [], [], []
    length = seg["length_m"].to_numpy()
    for j in range(len(seg)):  # split every segment at its incidents, sorted by position
        on = np.flatnonzero(s == j)
        on = on[np.argsort(pos[on], kind="stable")]
        chain = [start[j], *(n_nodes + on), end[j]]
        at = [0.0, *pos[on], length[j]]
        for a, b, x, y in zip(chain[:-1], chain[1:], at[:-1], at[1:]):
            rows.append(a)
            cols.append(b)
            w.append(max(y - x, 1e-12))
    g = sp.coo_array((w, (rows, cols)), shape=(n_nodes + n, n_nodes + n)).tocsr()
    d = csgraph.dijkstra(g, directed=False, indices=n_nodes + np.arange(n))[:, n_nodes:]
    iu = np.triu_indices(n, 1)
    return d[iu]


def brute_table(d: np.ndarray, t: np.ndarray, s_edges, t_edges, closed: str) -> np.ndarray:
    dt = pdist(t[:, None].astype(float), "cityblock")
    sb = _knox.spatial_bands(d, s_edges, closed=closed)
    tb = _knox.temporal_bands(dt, t_edges, closed=closed)
    out = np.zeros((len(s_edges) + 2, len(t_edges) + 1), dtype=np.int64)
    np.add.at(out, (sb, tb), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=20_000)
    ap.add_argument("--incidents", type=int, default=50_000)
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--small", type=int, default=2_000)
    args = ap.parse_args()
    seg = grid(args.segments)
    inc = incidents(seg, args.incidents)
    print(f"{len(seg):,} segments, {len(inc):,} incidents, {args.permutations} permutations, "
          "bands 100 m × 3, 7 days × 3")
    for distance in ("euclidean", "network"):  # compile the serial and the parallel kernels
        for size in (50, len(inc) // 2):
            near_repeat(inc.iloc[:size], segments=seg,
                        settings=NearRepeatSettings(distance=distance, permutations=99))
    for distance in ("euclidean", "network"):
        settings = NearRepeatSettings(distance=distance, permutations=args.permutations)
        t0, c0 = time.perf_counter(), time.process_time()
        res = near_repeat(inc, segments=seg, settings=settings)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        tab = res.overall
        # the recount of the same pairs, numba against plain NumPy, on 32 permutations
        prep = _inputs.prepare(inc, seg, settings)
        pairs = _inputs.close_pairs(prep, settings, 300.0)
        sb = _knox.spatial_bands(pairs.distance_m, np.array([100.0, 200.0, 300.0]),
                                 closed="left")
        keep = sb <= 3
        first, second, sb = pairs.first[keep], pairs.second[keep], sb[keep]
        rng = np.random.default_rng(0)
        perms = np.stack([rng.permutation(len(inc)) for _ in range(32)])
        t_edges = np.array([7, 14, 21])
        t1 = time.perf_counter()
        ref = numpy_recount(first, second, sb, prep["t"], t_edges, 4, perms[:4])
        t_ref = (time.perf_counter() - t1) / 4
        recount = _knox._Recount.prepare(first, second, sb, prep["t"], t_edges, closed="left",
                                         n_spatial=4, locality=_pairs.morton_order(prep["xy"]))
        t2 = time.perf_counter()
        fast = recount.cells(perms)
        t_fast = (time.perf_counter() - t2) / len(perms)
        assert (ref == fast[:4]).all()
        print(f"{distance:9s}: {tab.n_close_pairs:,} close pairs, near_repeat {wall:6.1f} s "
              f"(CPU {cpu:6.1f} s); recount per permutation numba {t_fast * 1e3:6.2f} ms vs "
              f"numpy {t_ref * 1e3:6.1f} ms (×{t_ref / t_fast:.0f}); zone "
              f"{res.zone.distance_m:g} m / {res.zone.days:g} d")
    # brute force on a small set
    small = inc.iloc[: args.small]
    for distance in ("euclidean", "manhattan", "network"):
        for closed in ("left", "right"):
            settings = NearRepeatSettings(distance=distance, closed=closed, permutations=99)
            res = near_repeat(small, segments=seg, settings=settings)
            ordered = small.sort_index()
            if distance == "network":
                d = brute_network(seg, ordered)
            else:
                xy = shapely.get_coordinates(ordered.geometry.to_numpy())
                d = pdist(xy, "euclidean" if distance == "euclidean" else "cityblock")
            t = ordered["occurred_at"].dt.tz_localize(None).to_numpy().astype(
                "datetime64[D]").astype(np.int64)
            ref = brute_table(d, t, np.array([100.0, 200.0, 300.0]), np.array([7, 14, 21]),
                              closed)
            same = bool((ref == res.overall.observed).all())
            print(f"brute force {distance:9s} closed={closed:5s}: {len(d):,} pairs, "
                  f"{res.overall.n_close_pairs:,} close; every cell equal: {same}")


if __name__ == "__main__":
    main()
