"""Benchmark: 20,000,000 incidents snapped onto 1,000,000 segments in partitions on dask, against
the in-memory path on the largest size that fits.

One synthetic city: a 707 × 707 grid of 100 m blocks (1,001,112 segments, SIRGAS 2000 / UTM 22S),
20,000,000 incidents over 52 weeks of 2026 (a third on 2 % of the segments, 5 % exactly on
intersections: ties), written as one Parquet file with row groups of ``--partition`` rows
(x, y in metres, local timestamps). The partitioned path
(:func:`hotspots.state.partitioned.weekly_counts_partitioned`) runs on
``LocalCluster(n_workers=2, threads_per_worker=1)``; it reports the wall time and each worker's
peak resident memory. The in-memory path (:func:`weekly_counts_in_memory`, every point at once)
runs in a subprocess on the first 2, 5, 10 and 20 million incidents while its resident memory
stays under ``--memory-limit`` (GiB; watched and killed above it); at the largest size that fits
the two results are compared (they must be identical).

    python benchmarks/bench_partitioned_snap.py [--incidents 20000000] [--partition 1000000]
        [--memory-limit 8] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CENTER = (600_000.0, 6_600_000.0)
SEGMENTS = 1_000_000


def make(folder: Path, n: int, partition: int, seed: int = 20260,
         segments: int = SEGMENTS) -> tuple[Path, Path]:
    """Streets (GeoParquet) and incidents (Parquet, row groups of ``partition``), in chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hotspots.state.synthetic import grid_streets, synthetic_incidents

    streets = folder / "streets.parquet"
    grid_streets(CENTER, segments).to_parquet(streets)
    weeks = [f"2026-W{w:02d}" for w in range(1, 53)]
    path = folder / "incidents.parquet"
    writer = None
    done = 0
    k = 0
    while done < n:
        m = min(partition, n - done)
        inc = synthetic_incidents(CENTER, segments, m, weeks=weeks, timezone="America/Sao_Paulo",
                                  seed=seed + k, at_nodes=0.05, hot_share=0.33)
        table = pa.table({"x": inc["x"].to_numpy(), "y": inc["y"].to_numpy(),
                          "occurred_at": pd.to_datetime(inc["data_hora"],
                                                        format="%d/%m/%Y %H:%M").to_numpy()})
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=partition)
        done += m
        k += 1
    writer.close()
    return streets, path


def segments_of(streets: Path):
    import geopandas as gpd

    from hotspots import segments as segmod

    return segmod.build_segments(gpd.read_parquet(streets), crs="EPSG:31982",
                                 name_column="nome")


IN_MEMORY = r"""
import sys, time, pandas as pd, pyarrow.parquet as pq
sys.path.insert(0, {repo!r})
from bench_partitioned_snap import segments_of
from hotspots.state.partitioned import weekly_counts_in_memory
seg = segments_of({streets!r})
pf = pq.ParquetFile({path!r})
groups = [i for i in range(pf.num_row_groups)][: {groups}]
frame = pf.read_row_groups(groups).to_pandas()
t = time.perf_counter()
res = weekly_counts_in_memory(frame, seg, x="x", y="y", time="occurred_at")
took = time.perf_counter() - t
res.counts.to_parquet({out!r})
from hotspots.state.partitioned import _peak_rss
print("RESULT", len(frame), round(took, 2), _peak_rss() * 1024, res.snapped, res.ties, flush=True)
"""


def run_in_memory(folder, streets, path, groups, limit_bytes):
    """(rows, seconds, peak bytes, snapped, ties) of the in-memory path, None when over limit."""
    import psutil

    out = folder / f"in_memory_{groups}.parquet"
    code = IN_MEMORY.format(repo=str(REPO / "benchmarks"), streets=str(streets), path=str(path),
                            groups=groups, out=str(out))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(REPO))
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss
        except psutil.NoSuchProcess:
            break
        peak = max(peak, rss)
        if rss > limit_bytes:
            proc.kill()
            proc.wait()
            return None, peak
        time.sleep(0.2)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(stderr[-3000:])
    line = next(ln for ln in stdout.splitlines() if ln.startswith("RESULT"))
    _, rows, took, rss, snapped, ties = line.split()
    # VmHWM of the child (its own peak; the watchdog samples may miss a spike)
    return (int(rows), float(took), max(int(rss), peak), int(snapped), int(ties), out), peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=20_000_000)
    ap.add_argument("--partition", type=int, default=1_000_000)
    ap.add_argument("--memory-limit", type=float, default=8.0, help="GiB for the in-memory path")
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--segments", type=int, default=SEGMENTS)
    args = ap.parse_args()
    import distributed

    from hotspots.state.partitioned import weekly_counts_partitioned

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-psnap-"))
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    made = folder / "made.json"
    key = {"incidents": args.incidents, "partition": args.partition, "segments": args.segments}
    if made.is_file() and json.loads(made.read_text()) == key:  # --keep DIR: reuse the data
        streets, path = folder / "streets.parquet", folder / "incidents.parquet"
    else:
        streets, path = make(folder, args.incidents, args.partition, segments=args.segments)
        made.write_text(json.dumps(key))
    print(f"generated {args.incidents:,} incidents in {time.perf_counter() - t:.1f} s "
          f"({path.stat().st_size / 2**20:.0f} MiB Parquet, row groups of {args.partition:,})")
    seg = segments_of(streets)
    print(f"segments: {len(seg):,}")
    out: dict = {"segments": len(seg), "incidents": args.incidents, "partition": args.partition}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", memory_limit="8GiB",
                                  env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
                                  ) as cluster, distributed.Client(cluster) as client:
        t = time.perf_counter()
        part = weekly_counts_partitioned(path, seg, x="x", y="y", time="occurred_at",
                                         client=client, measure_memory=True)
        t_part = time.perf_counter() - t
    rss = [v / 2**30 for v in part.peak_rss_bytes.values()]
    print(f"partitioned: {t_part:.1f} s for {part.rows_read:,} incidents in {part.partitions} "
          f"partitions ({part.rows_read / t_part / 1e6:.2f} M/s); {len(part.counts):,} "
          f"(segment, week) cells; ties {part.ties:,}; peak memory per worker "
          f"{', '.join(f'{r:.2f} GiB' for r in rss)}")
    out.update(partitioned_s=round(t_part, 1), partitioned_rss_GiB=[round(r, 2) for r in rss],
               ties=part.ties, cells=len(part.counts))
    limit = args.memory_limit * 2**30
    groups_total = int(np.ceil(args.incidents / args.partition))
    best = None
    for millions in (2, 5, 10, 20):
        groups = min(groups_total, int(np.ceil(millions * 1e6 / args.partition)))
        res, peak = run_in_memory(folder, streets, path, groups, limit)
        if res is None:
            print(f"in memory, {millions} M: over {args.memory_limit:g} GiB "
                  f"(killed at {peak / 2**30:.1f} GiB)")
            out[f"in_memory_{millions}M"] = "over limit"
            break
        rows, took, rss_b, _snapped, _ties, counts_path = res
        print(f"in memory, {rows:,} incidents: {took:.1f} s ({rows / took / 1e6:.2f} M/s), peak "
              f"memory {rss_b / 2**30:.2f} GiB")
        out[f"in_memory_{millions}M"] = {"s": took, "rss_GiB": round(rss_b / 2**30, 2)}
        best = (rows, groups, counts_path)
        if groups == groups_total:
            break
    if best is not None:
        rows, groups, counts_path = best
        mem_counts = pd.read_parquet(counts_path)
        if rows == part.rows_read:
            same = part.counts
        else:  # the partitioned path on the same prefix
            import pyarrow.parquet as pq

            prefix = folder / f"prefix_{groups}.parquet"
            pf = pq.ParquetFile(path)
            pq.write_table(pf.read_row_groups(list(range(groups))), prefix,
                           row_group_size=args.partition)
            with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                          dashboard_address=":0",
                                          env={"NUMBA_NUM_THREADS": "1",
                                               "OMP_NUM_THREADS": "1"}) as c2, \
                    distributed.Client(c2) as client:
                t = time.perf_counter()
                small = weekly_counts_partitioned(prefix, seg, x="x", y="y",
                                                  time="occurred_at", client=client,
                                                  measure_memory=True)
                took = time.perf_counter() - t
            same = small.counts
            rss_small = [v / 2**30 for v in small.peak_rss_bytes.values()]
            print(f"partitioned on the first {rows:,}: {took:.1f} s, peak memory per worker "
                  f"{', '.join(f'{r:.2f} GiB' for r in rss_small)} (same partitions: the "
                  "worker's memory does not grow with the city)")
            out["partitioned_prefix"] = {"rows": rows, "s": round(took, 1),
                                         "rss_GiB": [round(r, 2) for r in rss_small]}
        pd.testing.assert_frame_equal(same.reset_index(drop=True),
                                      mem_counts.reset_index(drop=True))
        print(f"identical counts on {rows:,} incidents: partitioned == in memory")
        out["identical_on"] = rows
    print(json.dumps(out))


if __name__ == "__main__":
    main()
