"""Benchmark: dark gaps for 100,000 street segments and 200,000 lamps (prints the times).

A synthetic grid city with 100 m blocks (each segment a 3-vertex polyline with a kinked middle
vertex), lamps every ~50 m along the streets with jitter, 8 % broken, reach 30 m. Target from
issue 6: under 10 s on 2 cores for the dark-gap computation.

    /work/venv/bin/python benchmarks/bench_dark_gaps.py [n_segments] [n_lamps]
"""

from __future__ import annotations

import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.overlays.lighting import (
    dark_gaps_from_lit,
    lighting,
    lit_intervals,
    prepare_lamps,
    union_intervals,
)


def grid_city(n_segments: int, n_lamps: int, *, block_m: float = 100.0, seed: int = 6):
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_segments / 2))) + 1
    i, j = np.meshgrid(np.arange(side - 1), np.arange(side), indexing="ij")
    horiz = np.stack([i.ravel(), j.ravel(), i.ravel() + 1, j.ravel()], axis=1)
    vert = np.stack([j.ravel(), i.ravel(), j.ravel(), i.ravel() + 1], axis=1)
    ends = np.concatenate([horiz, vert])[:n_segments].astype(float) * block_m
    mid = (ends[:, :2] + ends[:, 2:]) / 2 + rng.normal(0, 3, size=(len(ends), 2))
    coords = np.stack([ends[:, :2], mid, ends[:, 2:]], axis=1)
    geoms = shapely.linestrings(coords)
    segs = gpd.GeoDataFrame({"length_m": shapely.length(geoms)}, geometry=geoms,
                            crs="EPSG:31982", index=pd.RangeIndex(len(geoms), name="segment_id"))
    owner = rng.integers(0, len(geoms), n_lamps)
    along = shapely.line_interpolate_point(geoms[owner], rng.uniform(0, 1, n_lamps),
                                           normalized=True)
    xy = shapely.get_coordinates(along) + rng.normal(0, 6, size=(n_lamps, 2))
    status = np.where(rng.uniform(size=n_lamps) < 0.08, "broken", "working")
    lamps = gpd.GeoDataFrame({"status": status}, geometry=shapely.points(xy), crs="EPSG:31982")
    return segs, lamps


def main(n_segments: int = 100_000, n_lamps: int = 200_000) -> None:
    segs, lamps = grid_city(n_segments, n_lamps)
    lamps = prepare_lamps(lamps, segs.crs)
    geoms = segs.geometry.to_numpy()
    work = shapely.get_coordinates(lamps.geometry[lamps["working"]].to_numpy())
    t0 = time.perf_counter()
    own, s, e = lit_intervals(geoms, work, reach_m=30.0)
    t1 = time.perf_counter()
    own, s, e = union_intervals(own, s, e)
    gaps = dark_gaps_from_lit(len(geoms), shapely.length(geoms), own, s, e)
    t2 = time.perf_counter()
    res = lighting(segs, lamps, reach_m=30.0)
    t3 = time.perf_counter()
    print(f"{len(segs):,} segments, {len(lamps):,} lamps ({int(lamps['working'].sum()):,} working)")
    print(f"chord intervals (STRtree pairs + chords): {t1 - t0:.2f} s")
    print(f"union + dark gaps (sorted sweeps):        {t2 - t1:.2f} s")
    print(f"dark gaps total:                          {t2 - t0:.2f} s")
    print(f"full lighting() incl. counts + gap lines: {t3 - t2:.2f} s")
    print(f"dark: {res.frame['dark_gap_m'].sum() / 1000:,.1f} km of "
          f"{segs['length_m'].sum() / 1000:,.1f} km in {len(gaps[0]):,} stretches")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
