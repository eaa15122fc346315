"""Benchmark: network KDE at Pelotas scale (20,000-segment grid, 60,000 events, 300 m bandwidth).

Run: /work/venv/bin/python benchmarks/bench_nkde.py [--segments 20000] [--events 60000]
Prints one line per method: lixels, wall time and the kept mass (events within no dead end's reach).
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.stats.nkde import network_kde


def grid(n_segments: int, *, step_m: float = 100.0) -> gpd.GeoDataFrame:
    """A square street grid with about ``n_segments`` blocks' sides of ``step_m``."""
    k = round((n_segments / 2) ** 0.5) + 1  # k × k nodes: 2·k·(k − 1) segments
    i, j = np.meshgrid(np.arange(k), np.arange(k - 1), indexing="ij")
    i, j = i.ravel(), j.ravel()
    horiz = np.stack([j * step_m, i * step_m, (j + 1) * step_m, i * step_m], axis=1)
    vert = np.stack([i * step_m, j * step_m, i * step_m, (j + 1) * step_m], axis=1)
    xy = np.vstack([horiz, vert]).reshape(-1, 2, 2)
    lines = shapely.linestrings(xy)
    seg = gpd.GeoDataFrame(geometry=lines, crs="EPSG:31982")
    seg["length_m"] = shapely.length(lines)
    seg.index = pd.Index(np.arange(len(seg), dtype=np.int64) * 7 + 1000, name="segment_id")
    return seg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=20_000)
    ap.add_argument("--events", type=int, default=60_000)
    ap.add_argument("--bandwidth-m", type=float, default=300.0)
    ap.add_argument("--lixel-m", type=float, default=10.0)
    args = ap.parse_args()
    seg = grid(args.segments)
    rng = np.random.default_rng(1)
    # clustered: 70 % of the events on 2 % of the segments, the rest uniform
    hot = rng.choice(len(seg), max(1, len(seg) // 50), replace=False)
    pick = np.where(
        rng.random(args.events) < 0.7,
        rng.choice(hot, args.events),
        rng.integers(0, len(seg), args.events),
    )
    events = pd.DataFrame(
        {
            "segment_id": seg.index[pick],
            "position_m": rng.uniform(0, 1, args.events) * seg["length_m"].to_numpy()[pick],
        }
    )
    print(f"{len(seg):,} segments, {len(events):,} events, bandwidth {args.bandwidth_m:g} m")
    for method in ("discontinuous", "simple"):
        t = time.perf_counter()
        res = network_kde(
            seg, events, bandwidth_m=args.bandwidth_m, method=method, lixel_length_m=args.lixel_m
        )
        dt = time.perf_counter() - t
        lix = res.lixels
        mass = float((lix["density"] * lix["length_m"]).sum())
        print(
            f"nkde {method:13s} {len(lix):,} lixels  {dt:6.2f} s  "
            f"mass {mass:,.0f} of {len(events):,} events"
        )


if __name__ == "__main__":
    main()
