"""Benchmark: a state run shaped like Rio Grande do Sul, sequential vs a LocalCluster of 2 workers,
and a measured cost model that predicts the wall time on 16 and 64 workers.

The synthetic state: the 496 municipalities of the IBGE 1:2.5M mesh of RS
(``data/boundaries/rs_municipios_ibge.geojson``; the 497th, Pinto Bandeira, is younger than the
mesh), about 1,000,000 street segments in all with a Zipf rank–size spread (Porto Alegre, Caxias
do Sul, Canoas, Pelotas, Santa Maria… first), 3,000,000 incidents a year in all (9 weeks written:
the analysed week 2026-W47 and its 8 weeks of history), one state-wide CSV with an IBGE-code
column split by the prepare step. Each city's incidents per segment is drawn lognormal
(``--rate-spread``, log-sd 0.6), so a city's incidents vary apart from its size and the cost
model can tell the two apart. Default city settings (999 permutations, network KDE…).

Running all 496 cities twice takes hours on 2 shared cores, so the benchmark runs a sample of
municipalities spread over the size range (``--cities``, the largest included with
``--with-largest``) once sequentially (``hotspots state --sequential``, a subprocess) and once on
``LocalCluster(n_workers=2, threads_per_worker=1)``, and fits the per-city time on the cluster
t = a + b·segments + c·incidents (non-negative least squares) on each city's CPU seconds (its
cost apart from the load of this shared machine; the wall-time fit is printed too). The model
predicts each of the 496 cities; the wall time on W workers, one free core each, is the prepare
step (the split of the whole state file, measured) + a longest-first list schedule of the
predicted times on W workers + the summary. The model is checked against the measured 2-worker
wall time of the sample (equal only when the 2 cores were free: the contention factor, wall /
CPU per city, says how loaded the machine was).

    python benchmarks/bench_state.py [--cities 24] [--with-largest] [--rate-spread 0.6] [--full]
        [--keep DIR]
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BOUNDARIES = REPO / "data" / "boundaries" / "rs_municipios_ibge.geojson"
WEEK = "2026-W47"
NOW = "2026-12-01T09:00:00-03:00"


def schedule(times: np.ndarray, workers: int) -> float:
    """Makespan of a longest-first list schedule of ``times`` on ``workers`` (dask's own
    scheduling is greedy too; LPT is within 4/3 of the optimum)."""
    loads = [0.0] * workers
    heapq.heapify(loads)
    for t in sorted(times, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + float(t))
    return max(loads)


def _watch(proc) -> int:
    """Peak resident memory of a running subprocess (sampled every 0.2 s), in bytes.
    (``ru_maxrss`` of a child starts from its parent's size at fork, so it is not used.)"""
    import psutil

    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    return peak


def sample_codes(sizes: pd.DataFrame, n: int, with_largest: bool) -> list[str]:
    """``n`` municipalities spread over the size range (quantiles of segments)."""
    ordered = sizes.sort_values("segments").reset_index(drop=True)
    top = ordered.iloc[-1]
    pool = ordered.iloc[:-1] if not with_largest else ordered
    picks = np.unique(np.linspace(0, len(pool) - 1, n).round().astype(int))
    codes = pool.iloc[picks]["code"].tolist()
    if with_largest and top["code"] not in codes:
        codes[-1] = top["code"]
    return sorted(codes)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cities", type=int, default=24)
    ap.add_argument("--with-largest", action="store_true",
                    help="include the largest city (Porto Alegre, ~147,000 segments) in the sample")
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--segments", type=int, default=1_000_000)
    ap.add_argument("--incidents", type=int, default=3_000_000)
    ap.add_argument("--rate-spread", type=float, default=0.6,
                    help="log-sd of each city's incidents per segment (0: the same everywhere; "
                    "then incidents are proportional to segments and the model cannot tell the "
                    "two apart)")
    ap.add_argument("--full", action="store_true",
                    help="also run every municipality on the LocalCluster(2) and compare the "
                    "wall time with the model's prediction")
    args = ap.parse_args()
    import distributed

    from hotspots.state import load_state_config
    from hotspots.state.partitioned import _peak_rss
    from hotspots.state.runner import plan_state, run_state
    from hotspots.state.sources import prepare
    from hotspots.state.synthetic import synthetic_state

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-state-"))
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    made = synthetic_state(folder, boundaries=BOUNDARIES, segments_total=args.segments,
                           incidents_per_year=args.incidents, seed=20260,
                           rate_spread=args.rate_spread)
    t_gen = time.perf_counter() - t
    sizes = made.sizes
    print(f"synthetic state: {len(sizes)} municipalities, {sizes['segments'].sum():,} segments, "
          f"{sizes['incidents'].sum():,} incidents in 9 weeks "
          f"({sizes['incidents'].sum() * 52 / 9:,.0f} a year); generated in {t_gen:.1f} s")
    print(f"  largest: {sizes.nlargest(3, 'segments')[['name', 'segments']].to_dict('records')}")
    per_seg = sizes["incidents"] / sizes["segments"]
    print(f"  incidents per segment in 9 weeks: median {per_seg.median():.2f}, "
          f"5–95 % {per_seg.quantile(0.05):.2f}–{per_seg.quantile(0.95):.2f} "
          f"(--rate-spread {args.rate_spread})")
    config = load_state_config(made.config)
    now = pd.Timestamp(NOW)

    # the prepare step on the whole state file (split of every municipality's rows)
    spec, _ = plan_state(config, week=WEEK, now=now)
    t = time.perf_counter()
    prepared = prepare(spec)
    t_prepare = time.perf_counter() - t
    print(f"prepare (split {prepared['_summary']['rows_read']:,} rows into {len(sizes)} files "
          f"+ boundaries): {t_prepare:.1f} s")

    codes = sample_codes(sizes, args.cities, args.with_largest)
    sample = sizes.set_index("code").loc[codes]
    print(f"sample: {len(codes)} municipalities, {sample['segments'].sum():,} segments "
          f"({sample['segments'].min()}–{sample['segments'].max()} each), "
          f"{sample['incidents'].sum():,} incidents")

    # sequential: the command line, one process
    only = [a for c in codes for a in ("--only", c)]
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "hotspots", "state", "--config",
                             str(made.config), "--week", WEEK, "--sequential", "-q", *only],
                            env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rss_seq = _watch(proc)
    _, stderr = proc.communicate()
    t_seq = time.perf_counter() - t
    if proc.returncode not in (0, 7):
        raise SystemExit(stderr[-3000:])
    seq_table = pd.read_csv(folder / "runs" / "state" / WEEK / "state.csv", dtype={"code": str})
    print(f"sequential: {t_seq:.1f} s wall, {seq_table['seconds'].sum():.1f} s in cities "
          f"({seq_table['cpu_seconds'].sum():.1f} CPU s), "
          f"peak memory {rss_seq / 2**30:.2f} GiB; status "
          f"{seq_table['status'].value_counts().to_dict()}")

    # LocalCluster(2 workers): the same cities again (overwrite)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0",
                                  env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
                                  ) as cluster, distributed.Client(cluster) as client:
        client.run(lambda: __import__("hotspots.pipeline"))  # warm imports, as a long-lived cluster
        t = time.perf_counter()
        result = run_state(config, week=WEEK, now=now, overwrite=True, client=client,
                           only=tuple(codes))
        t_cluster = time.perf_counter() - t
        rss = {k: v * 1024 for k, v in client.run(_peak_rss).items()}
    ok = [o for o in result.outcomes if o.ok]
    print(f"LocalCluster(2): {t_cluster:.1f} s wall ({result.timings}); speed-up "
          f"{t_seq / t_cluster:.2f}× over sequential; peak memory per worker "
          f"{', '.join(f'{v / 2**30:.2f} GiB' for v in rss.values())}; "
          f"{len(ok)}/{len(result.outcomes)} ok")

    # cost model from the cluster's per-city times: CPU seconds (the city's own cost, apart
    # from how loaded this shared machine is) and wall seconds (as measured here)
    from scipy.optimize import nnls

    per = pd.DataFrame([{"code": o.code, "seconds": o.seconds, "cpu": o.cpu_seconds}
                        for o in ok]).set_index("code")
    per = per.join(sizes.set_index("code")[["segments", "incidents"]])
    A = np.column_stack([np.ones(len(per)), per["segments"], per["incidents"]])
    full_A = np.column_stack([np.ones(len(sizes)), sizes["segments"], sizes["incidents"]])
    models = {}
    for name in ("cpu", "seconds"):
        y = per[name].to_numpy()
        coef, _ = nnls(A, y)
        fitted = A @ coef
        r2 = 1 - np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2)
        models[name] = (coef, fitted, float(r2))
        print(f"cost model ({'CPU' if name == 'cpu' else 'wall'} s per city): t = {coef[0]:.2f} s "
              f"+ {coef[1] * 1000:.3f} s per 1,000 segments + {coef[2] * 1000:.3f} s per 1,000 "
              f"incidents  (R² {r2:.3f} on {len(per)} cities)")
    load = float(np.median(per["seconds"] / per["cpu"]))
    print(f"contention: a city's wall time was {load:.2f}× its CPU time (median; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    t_summary = result.timings.get("summary", 0.0) * len(sizes) / max(1, len(codes))
    for name, what in (("seconds", "wall model, as loaded as now"),
                       ("cpu", "CPU model, one free core per worker")):
        pred = result.timings.get("prepare", 0.0) + schedule(models[name][1], 2) + \
            result.timings.get("summary", 0.0)
        print(f"model check, the sample on 2 workers: {what}: {pred:.1f} s predicted, "
              f"{t_cluster:.1f} s measured")
    coef, _, r2 = models["cpu"]
    full = full_A @ coef
    out = {"cities": len(sizes), "segments": int(sizes["segments"].sum()),
           "incidents": int(sizes["incidents"].sum()), "prepare_s": round(t_prepare, 1),
           "sample": len(codes), "sequential_s": round(t_seq, 1),
           "sequential_cpu_s": round(float(seq_table["cpu_seconds"].sum()), 1),
           "cluster2_s": round(t_cluster, 1), "cluster2_cpu_s": round(float(per["cpu"].sum()), 1),
           "contention": round(load, 2), "peak_rss_worker_GiB":
           [round(v / 2**30, 2) for v in rss.values()], "coef_cpu": coef.tolist(),
           "coef_wall": models["seconds"][0].tolist(), "r2_cpu": round(r2, 3),
           "r2_wall": round(models["seconds"][2], 3),
           "largest_city_cpu_s": round(float(full.max()), 1)}
    print(f"predicted for the whole state ({len(sizes)} cities; largest city "
          f"{full.max():.0f} CPU s), one free core per worker:")
    for w in (1, 2, 16, 64):
        wall = t_prepare + schedule(full, w) + t_summary
        out[f"predicted_{w}_workers_s"] = round(wall, 1)
        print(f"  {w:>3} workers: {wall / 60:7.1f} min  (prepare {t_prepare:.0f} s + cities "
              f"{schedule(full, w):.0f} s + summary {t_summary:.0f} s)")
    if args.full:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=":0",
                                      env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
                                      ) as cluster, distributed.Client(cluster) as client:
            t = time.perf_counter()
            result = run_state(config, week=WEEK, now=now, overwrite=True, client=client)
            t_full = time.perf_counter() - t
            rss = {k: v * 1024 for k, v in client.run(_peak_rss).items()}
        n_ok = sum(o.ok for o in result.outcomes)
        print(f"whole state on LocalCluster(2): {t_full / 60:.1f} min measured vs "
              f"{out['predicted_2_workers_s'] / 60:.1f} min predicted; {n_ok}/"
              f"{len(result.outcomes)} ok; peak memory per worker "
              f"{', '.join(f'{v / 2**30:.2f} GiB' for v in rss.values())}; {result.timings}")
        out.update(full_cluster2_s=round(t_full, 1), full_ok=n_ok,
                   full_rss_GiB=[round(v / 2**30, 2) for v in rss.values()])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
