"""Benchmark: Gi* with 999 permutations on ~100,000 street segments, hotspots vs esda G_Local.

Run: /work/venv/bin/python benchmarks/bench_gistar.py [--n-side 224] [--permutations 999]
Prints the times, the speed-up and the largest |Δz| between the two analytic z-scores.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
import shapely

from hotspots import weights
from hotspots.stats.gistar import gi_star


def street_grid(n_side: int, *, block_m: float = 100.0, seed: int = 1) -> gpd.GeoDataFrame:
    """A lattice of n_side × n_side intersections: about 2·n_side² segments, clustered counts."""
    xs = np.arange(n_side) * block_m
    gx, gy = np.meshgrid(xs, xs)
    h = np.stack(
        [
            np.c_[gx[:, :-1].ravel(), gy[:, :-1].ravel()],
            np.c_[gx[:, 1:].ravel(), gy[:, 1:].ravel()],
        ],
        axis=1,
    )
    v = np.stack(
        [
            np.c_[gx[:-1, :].ravel(), gy[:-1, :].ravel()],
            np.c_[gx[1:, :].ravel(), gy[1:, :].ravel()],
        ],
        axis=1,
    )
    lines = shapely.linestrings(np.concatenate([h, v]))
    segs = gpd.GeoDataFrame(geometry=lines, crs="EPSG:31982")
    segs.index = pd.Index(np.arange(len(segs), dtype=np.int64), name="segment_id")
    segs["length_m"] = block_m
    rng = np.random.default_rng(seed)
    mid = weights.midpoints(segs)
    centres = rng.uniform(0, xs[-1], (30, 2))
    lam = 0.2 + sum(3 * np.exp(-((mid - c) ** 2).sum(axis=1) / (2 * 400.0**2)) for c in centres)
    segs["count"] = rng.poisson(lam)
    return segs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-side", type=int, default=224)
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--skip-esda", action="store_true")
    args = ap.parse_args()
    import esda

    segs = street_grid(args.n_side)
    t0 = time.perf_counter()
    w = weights.network_contiguity(segs)
    t_w = time.perf_counter() - t0
    y = segs["count"].astype(float)
    print(
        f"segments: {len(segs):,}; permutations: {args.permutations}; "
        f"CPUs: {os.cpu_count()}; numba threads: {numba.get_num_threads()}"
    )
    print(f"network contiguity weights: {t_w:.2f} s (mean {w.cardinalities.mean():.2f} neighbours)")

    small = street_grid(10)
    ws = weights.network_contiguity(small)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gi_star(small["count"].astype(float), ws, permutations=9, seed=1)  # compile numba
        if not args.skip_esda:
            esda.G_Local(
                small["count"].to_numpy(float),
                ws,
                star=True,
                transform="B",
                permutations=9,
                seed=1,
                n_jobs=1,
            )  # compile esda's numba kernels

    times = {}
    for jobs in (1, None):
        t0 = time.perf_counter()
        res = gi_star(y, w, permutations=args.permutations, seed=1, n_jobs=jobs)
        times[jobs] = time.perf_counter() - t0
        label = "1 thread" if jobs == 1 else f"{numba.get_num_threads()} threads"
        print(f"hotspots gi_star ({label}): {times[jobs]:.2f} s")
    if args.skip_esda:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        ref = esda.G_Local(
            y.to_numpy(),
            w,
            star=True,
            transform="B",
            permutations=args.permutations,
            seed=1,
            n_jobs=1,
            keep_simulations=False,
        )
        t_esda = time.perf_counter() - t0
    dz = np.abs(res.frame["gi_z"].to_numpy() - ref.Zs).max()
    dp = np.abs(res.frame["gi_p_sim"].to_numpy() - ref.p_sim)
    print(f"esda G_Local (n_jobs=1): {t_esda:.2f} s")
    print(
        f"speed-up vs esda: {t_esda / times[1]:.1f}x single-threaded, "
        f"{t_esda / times[None]:.1f}x all threads (target >= 2x)"
    )
    print(
        f"max |dz| analytic vs esda: {dz:.2e}; p_sim |diff| mean {dp.mean():.4f}, "
        f"max {dp.max():.4f} (independent random draws)"
    )


if __name__ == "__main__":
    main()
