"""Benchmark: snap 1,000,000 incidents onto a 100,000-segment grid; ratio against spaghetti.

Run: python benchmarks/bench_snap.py [--points 1000000] [--grid 224] [--spaghetti-budget-s 60]

Prints the time of hotspots' snapping (STRtree nearest + tie-break + positions, threads over
chunks) and of the whole geocode stage (rejects, output frame), then times spaghetti's
`Network` + `snapobservations` on growing sizes until one takes longer than the budget and
prints the per-point ratio on the largest size spaghetti finished, measured in the same run.
Targets (issue 3): whole 1M job < 15 s on 2 cores; ≥ 100× spaghetti per point.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.geocode import geocode_incidents
from hotspots.segments import build_segments
from hotspots.snap import SegmentIndex, snap_points

CRS = "EPSG:31982"


def grid_segments(n: int, spacing_m: float = 100.0) -> gpd.GeoDataFrame:
    """An n × n node street grid: 2·n·(n−1) segments of spacing_m."""
    ticks = np.arange(n) * spacing_m
    # give every line all grid vertices so build_segments splits at every crossing
    rows = [shapely.linestrings(np.column_stack([ticks, np.full(n, y)])) for y in ticks]
    cols = [shapely.linestrings(np.column_stack([np.full(n, x), ticks])) for x in ticks]
    lines = gpd.GeoDataFrame({"name": [f"Rua {i}" for i in range(2 * n)]},
                             geometry=rows + cols, crs=CRS)
    return build_segments(lines)


def random_points(n: int, extent: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return shapely.points(rng.uniform(0, extent, n), rng.uniform(0, extent, n))


def time_hotspots(segs, pts, max_distance_m=60.0, method="grid"):
    t0 = time.perf_counter()
    index = SegmentIndex(segs)
    if method == "grid":
        index.grid(max_distance_m)
    else:
        _ = index.tree
    t_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = snap_points(pts, index, max_distance_m=max_distance_m, method=method)
    t_snap = time.perf_counter() - t0
    return t_index, t_snap, res


def time_geocode(segs, pts, max_distance_m=60.0):
    n = len(pts)
    inc = gpd.GeoDataFrame(
        {"source_row": np.arange(1, n + 1),
         "occurred_at": pd.Timestamp("2026-11-20 22:00", tz="America/Sao_Paulo"),
         "category": "roubo", "address": "", "has_coordinates": True},
        geometry=pts, crs=CRS, index=pd.Index(np.arange(n).astype(str), name="incident_id"))
    t0 = time.perf_counter()
    res = geocode_incidents(inc, segs, max_distance_m=max_distance_m)
    return time.perf_counter() - t0, res


def time_spaghetti(n_grid: int, n_points: int):
    import spaghetti

    segs = grid_segments(n_grid)
    pts = random_points(n_points, (n_grid - 1) * 100.0, seed=1)
    lines = gpd.GeoDataFrame(geometry=segs.geometry.values, crs=CRS)
    obs = gpd.GeoDataFrame(geometry=pts, crs=CRS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        net = spaghetti.Network(in_data=lines)
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        net.snapobservations(obs, "crimes")
        t_snap = time.perf_counter() - t0
    _ti, t_ours, _ = time_hotspots(segs, pts)
    return len(segs), n_points, t_build, t_snap, t_ours


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--grid", type=int, default=224, help="nodes per side (224 → 99,904 segments)")
    ap.add_argument("--spaghetti-budget-s", type=float, default=60.0)
    args = ap.parse_args()

    print(f"cores: {os.cpu_count()}")
    t0 = time.perf_counter()
    segs = grid_segments(args.grid)
    print(f"grid: {len(segs):,} segments built in {time.perf_counter() - t0:.2f} s")
    pts = random_points(args.points, (args.grid - 1) * 100.0)
    time_hotspots(segs, pts[:1000])  # compile the numba kernels (cached on disk afterwards)
    t_index, t_snap, res = time_hotspots(segs, pts)
    t_index_tree, t_tree, res_tree = time_hotspots(segs, pts, method="strtree")
    same = np.array_equal(res.segment_id, res_tree.segment_id)
    print(f"GEOS STRtree.query_nearest path (threaded): {t_tree:.2f} s "
          f"(+ {t_index_tree:.2f} s tree); same segments as the grid kernel: {same}")
    snapped = int((res.segment_id >= 0).sum())
    print(f"hotspots snap_points (numba grid kernel): {args.points:,} points in {t_snap:.2f} s "
          f"(+ {t_index:.2f} s index) → {args.points / t_snap:,.0f} points/s; "
          f"{snapped:,} within 60 m, {int((res.ties > 1).sum()):,} ties broken")
    t_geo, geo = time_geocode(segs, pts)
    print(f"hotspots geocode_incidents (whole 1M job: snap + rejects + frames): {t_geo:.2f} s "
          f"[target < 15 s] → geocoded {geo.counts['geocoded']:,}, rejected {geo.counts['rejected']:,}")

    best = None
    for n_grid, n_points in [(16, 1_000), (32, 2_000), (50, 5_000), (71, 10_000), (100, 20_000)]:
        t0 = time.perf_counter()
        try:
            row = time_spaghetti(n_grid, n_points)
        except ImportError:
            print("spaghetti not installed (pip install spaghetti): no ratio")
            return
        n_seg, n_pts, t_build, t_sp, t_ours = row
        print(f"spaghetti: {n_pts:,} points onto {n_seg:,} segments: network {t_build:.1f} s + "
              f"snapobservations {t_sp:.1f} s; hotspots {t_ours:.3f} s on the same data")
        best = row
        if time.perf_counter() - t0 > args.spaghetti_budget_s:
            break
    n_seg, n_pts, t_build, t_sp, t_ours = best
    sp_rate = n_pts / t_sp
    ours_rate = args.points / t_snap
    print(f"ratio (points/s, snapping only, largest spaghetti size {n_pts:,}/{n_seg:,}): "
          f"hotspots at 1M/{len(segs):,} is {ours_rate / sp_rate:,.0f}× spaghetti "
          f"(same-size ratio {t_sp / t_ours:,.0f}×; with spaghetti's network build "
          f"{(t_sp + t_build) / t_ours:,.0f}×) [target ≥ 100×]")


if __name__ == "__main__":
    main()
