"""Benchmark: Emerging Hot Spot Analysis, 20,000 segments × 52 weeks end to end, and against PyEhsa.

Run: .venv/bin/python benchmarks/bench_emerging.py [--n-side 100] [--weeks 52]
        [--pyehsa-budget-s 60] [--skip-pyehsa]
Prints, for the Pelotas-scale street grid (default mode and sfdep-compatible mode with 199
permutations), the wall time and peak memory (traced NumPy/Python allocations and the
process's maximum resident set); then PyEhsa (199 simulations, its only supported setup:
polygons in EPSG:4326) on growing lattices until a run passes the budget, and hotspots'
sfdep-compatible mode on the largest lattice PyEhsa finished within about the budget, with
the speed-up and the largest |ΔGi*| between the two.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import resource
import time
import tracemalloc
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from bench_gistar import street_grid

from hotspots import weights
from hotspots.stats.emerging import EmergingSettings, emerging_hot_spots

TZ = "America/Sao_Paulo"
END = pd.Timestamp("2026-11-23", tz=TZ)


def incidents_for(counts: np.ndarray, ids: np.ndarray, *, seed: int = 1) -> pd.DataFrame:
    """One incident row per count, at a random instant of its week (steps end at END)."""
    rng = np.random.default_rng(seed)
    t_steps = counts.shape[0]
    week, col = np.nonzero(counts)
    reps = counts[week, col]
    week, col = np.repeat(week, reps), np.repeat(col, reps)
    start = END - pd.Timedelta(weeks=t_steps)
    offset = week * 7 * 86400 + rng.uniform(0, 7 * 86400 - 1, len(week))
    frame = pd.DataFrame({"segment_id": ids[col],
                          "occurred_at": start + pd.to_timedelta(offset, unit="s")})
    frame.index = pd.Index(np.arange(len(frame)) + 1, name="incident_id")
    return frame


def pelotas_counts(segs: gpd.GeoDataFrame, weeks: int, *, seed: int = 2) -> np.ndarray:
    """Weekly counts: the grid's clustered intensity, some clusters growing, some fading."""
    rng = np.random.default_rng(seed)
    base = segs["count"].to_numpy(float) / 40.0 + 0.005
    ramp = np.linspace(0.3, 1.7, weeks)[:, None]
    kind = rng.integers(0, 3, len(segs))  # 0 steady, 1 growing, 2 fading
    shape = np.where(kind == 1, ramp, np.where(kind == 2, ramp[::-1], 1.0))
    return rng.poisson(base[None, :] * shape)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def traced_peak_mib(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def lattice(side: int) -> gpd.GeoDataFrame:
    cells = [shapely.box((c - 5240) / 100, (r - 3180) / 100, (c + 1 - 5240) / 100,
                         (r + 1 - 3180) / 100) for r in range(side) for c in range(side)]
    ids = [f"r{i:04d}" for i in range(side * side)]
    return gpd.GeoDataFrame({"region_id": ids}, geometry=cells, crs=4326)


def run_pyehsa(geo: gpd.GeoDataFrame, counts: np.ndarray, nsim: int) -> tuple[np.ndarray, float]:
    from pyehsa import EmergingHotspotAnalysis

    t_steps = counts.shape[0]
    times = pd.date_range(END - pd.Timedelta(weeks=t_steps), periods=t_steps, freq="7D")
    ids = geo["region_id"].to_numpy()
    long = gpd.GeoDataFrame(
        {"region_id": np.tile(ids, t_steps), "time_period": np.repeat(times, len(ids)),
         "value": counts.ravel().astype(float),
         "geometry": np.tile(geo.geometry.to_numpy(), t_steps)},
        geometry="geometry", crs=4326)
    logging.disable(logging.CRITICAL)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, seconds = timed(lambda: EmergingHotspotAnalysis.emerging_hotspot_analysis(
                long, "region_id", "time_period", "value", k=1, nsim=nsim, seed=5))
    finally:
        logging.disable(logging.NOTSET)
    gi = np.full(counts.shape, np.nan)
    step = {str(t): j for j, t in enumerate(times)}
    pos = {r: i for i, r in enumerate(ids)}
    for region, data in zip(out["region_id"], out["location_data"]):
        for item in data:
            gi[step[item["time_period"]], pos[region]] = item["value"]
    return gi, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-side", type=int, default=100, help="grid nodes per side (100: 19,800)")
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--pyehsa-budget-s", type=float, default=60.0)
    ap.add_argument("--pyehsa-weeks", type=int, default=12)
    ap.add_argument("--skip-pyehsa", action="store_true")
    args = ap.parse_args()

    segs = street_grid(args.n_side)
    w = weights.network_contiguity(segs)
    counts = pelotas_counts(segs, args.weeks)
    inc = incidents_for(counts, segs.index.to_numpy())
    print(f"street grid: {len(segs):,} segments × {args.weeks} weeks = "
          f"{len(segs) * args.weeks:,} bins; {len(inc):,} incidents")
    sfdep = EmergingSettings(n_steps=args.weeks, sfdep_compatible=True,
                             global_window="individual_time_step", fdr=False)
    emerging_hot_spots(inc.iloc[:2000], segs, w, end=END, settings=sfdep)  # compile numba
    for label, settings in (("default (entire cube, analytic, FDR)",
                             EmergingSettings(n_steps=args.weeks)),
                            ("sfdep-compatible, 199 permutations", sfdep)):
        res, seconds = timed(lambda s=settings: emerging_hot_spots(inc, segs, w, end=END,
                                                                  settings=s))
        peak = traced_peak_mib(lambda s=settings: emerging_hot_spots(inc, segs, w, end=END,
                                                                    settings=s))
        top = {k: v for k, v in res.counts().items() if v}
        print(f"hotspots {label}: {seconds:.2f} s, traced peak {peak:.0f} MiB; {top}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max resident set so far: {rss:.0f} MiB")
    if args.skip_pyehsa:
        return

    t_steps = args.pyehsa_weeks
    best = None
    last_t = None
    for side in range(4, 40):
        bins = side * side * t_steps
        if last_t is not None and last_t[1] * (bins / last_t[0]) ** 2 > 2 * args.pyehsa_budget_s:
            break  # PyEhsa's permutations cost grows with the square of the bins
        geo = lattice(side)
        rng = np.random.default_rng(side)
        cnt = rng.poisson(1.5, (t_steps, side * side))
        cnt[t_steps // 2:, : side] += rng.poisson(4.0, (t_steps - t_steps // 2, side))
        gi, seconds = run_pyehsa(geo, cnt, nsim=199)
        print(f"PyEhsa {side}×{side} regions × {t_steps} weeks ({bins} bins), 199 simulations: "
              f"{seconds:.1f} s")
        last_t = (bins, seconds)
        if seconds <= 1.25 * args.pyehsa_budget_s:
            best = (side, geo, cnt, gi, seconds)
        if seconds > args.pyehsa_budget_s:
            break
    side, geo, cnt, gi, seconds = best
    wq = weights.polygon_contiguity(geo.set_index("region_id"))
    cells = pd.DataFrame({"length_m": 1.0}, index=pd.Index(geo["region_id"], name="segment_id"))
    cell_inc = incidents_for(cnt, geo["region_id"].to_numpy())
    settings = EmergingSettings(n_steps=t_steps, sfdep_compatible=True, variable="count",
                                global_window="individual_time_step", fdr=False)
    res, ours = timed(lambda: emerging_hot_spots(cell_inc, cells, wq, end=END,
                                                 settings=settings))
    dz = np.abs(res.gi.z - gi).max()
    print(f"hotspots sfdep-compatible on the same {side}×{side} × {t_steps} cube: {ours:.3f} s; "
          f"speed-up vs PyEhsa {seconds / ours:.0f}x; max |ΔGi*| = {dz:.1e}")


if __name__ == "__main__":
    main()
