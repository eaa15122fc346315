"""Benchmark: street segments from ~1,000,000 OSM-style pieces; block faces vs the piece build.

Run: python benchmarks/bench_segments.py [--pieces 1000000] [--repeat 1]

The network is an n × n street grid drawn the way OSM draws it: every block edge is two ways
joined end to end (a degree-2 node in the middle, same street name), so the piece build
(``unit="piece"``, the reference: today's build) returns ~``--pieces`` pieces and the block-face
build (``unit="block_face"``) merges them into half as many segments. Each build runs in a fresh
process; the benchmark prints wall time and peak resident memory (getrusage, minus the memory
held before the build starts) of both and the ratios block_face / piece measured in this run.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

CRS = "EPSG:31982"


def osm_like_grid(n: int, spacing_m: float = 100.0):
    """Lines of an n × n grid, each block edge as two ways meeting at its midpoint."""
    import geopandas as gpd
    import numpy as np
    import shapely

    ticks = np.arange(n) * spacing_m
    half = spacing_m / 2
    a, b = np.meshgrid(ticks[:-1], ticks, indexing="ij")  # edge start along the street, street
    a, b = a.ravel(), b.ravel()
    starts = np.r_[a, a + half]
    ends = np.r_[a + half, a + spacing_m]
    street = np.r_[b, b]
    horiz = shapely.linestrings(np.stack([np.column_stack([starts, street]),
                                          np.column_stack([ends, street])], axis=1))
    vert = shapely.linestrings(np.stack([np.column_stack([street, starts]),
                                         np.column_stack([street, ends])], axis=1))
    names = np.r_[np.char.add("Rua ", (street / spacing_m).astype(int).astype(str)),
                  np.char.add("Avenida ", (street / spacing_m).astype(int).astype(str))]
    return gpd.GeoDataFrame({"name": names}, geometry=np.r_[horiz, vert], crs=CRS)


def child(unit: str, n: int) -> None:
    """Build once in this process; print time and memory as JSON."""
    import warnings

    lines = osm_like_grid(n)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    from hotspots.blockfaces import SegmentSettings
    from hotspots.segments import build_street_segments

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        built = build_street_segments(lines, settings=SegmentSettings(unit=unit),
                                      name_column="name")
        elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"unit": unit, "lines": len(lines), "pieces": len(built.pieces),
                      "segments": len(built.segments), "seconds": elapsed,
                      "peak_mib": (peak - base) / 1024.0}))


def run(unit: str, n: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", unit, "--n", str(n)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", choices=["piece", "block_face"])
    parser.add_argument("--n", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n)
        return
    n = max(3, round((1 + math.sqrt(1 + 4 * args.pieces / 4)) / 2))  # 4·n·(n−1) pieces
    # warm the numba cache once so compile time is not counted
    run("block_face", 5)
    results = {"piece": [], "block_face": []}
    for _ in range(args.repeat):
        for unit in ("piece", "block_face"):
            results[unit].append(run(unit, n))
    best = {u: min(r, key=lambda x: x["seconds"]) for u, r in results.items()}
    ref, new = best["piece"], best["block_face"]
    print(f"grid {n} × {n}: {ref['lines']:,} OSM-style lines")
    for r in (ref, new):
        print(f"  unit={r['unit']:<10} {r['pieces']:>9,} pieces → {r['segments']:>9,} segments  "
              f"{r['seconds']:7.2f} s  peak +{r['peak_mib']:8.0f} MiB")
    print(f"ratio block_face / piece: time {new['seconds'] / ref['seconds']:.2f}×, "
          f"peak memory {new['peak_mib'] / max(ref['peak_mib'], 1e-9):.2f}×")


if __name__ == "__main__":
    main()
