"""Benchmark: the full weekly run at Pelotas scale (≈20,000 segments, ≈60,000 incidents a year).

A synthetic city in SIRGAS 2000 / UTM 22S around Pelotas' coordinates: a 100 × 100 grid of
streets with 100 m blocks (19,800 segments), 60,000 incidents over 2026 concentrated on a few
hundred segments (negative-binomial weights around seeded centres), 15,000 lamps (8 % broken),
200 green areas, and the boundary. Runs ``hotspots weekly`` for 2026-W47 on 2 cores and prints
the time per stage. Target: under 30 s in total.

The analysis part (issue 11 point 7, target ≤ 5 s): after the run, ``pipeline.analyse`` of the
same week runs ``--analyse N`` more times (numba compiled by then) with a clock that also reads
the process CPU time; the best wall and CPU seconds of every step are printed. Compare CPU
times before/after a change in the same session: on a shared machine the wall time mostly
measures the others' load.

The output part (issue 17): ``--outputs N`` analyses the week once, then writes every output
of the run folder (analyst layers, map, bulletin, CSVs, patrol cards, council sheet, and the
liaison folder: layers, GeoJSON, KML, map, cards, README) N times into fresh folders: first
in one process (``[outputs] writer_processes = 1``) with the best wall and CPU time of each
writer, then as a run writes them (``writer_processes = 2``: the liaison folder in a forked
second process) with the best wall time of the whole (target: ≤ 3 s) and the CPU time of both
processes. The CPU time is what the shared machine's load changes least; ``--profile`` adds
cProfile's top functions of the last one-process repetition.

The disclosure part (issue 13): ``--disclosure N`` times the liaison release
(:func:`hotspots.pipeline.release.release_for`: every layer under its rules, the classes and the
density raster recomputed on the protected counts, the week slider) N times against the same
rules without recomputed statistics (``privacy.liaison_tables`` + ``suppress_weekly_counts``,
a superset of the allow-list filter they replaced), best of N, and prints the seconds the
release takes in the run (an upper bound of what it adds) and per part.

    python benchmarks/bench_weekly.py [--keep DIR] [--analyse 3] [--outputs 3] [--profile] [--disclosure 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

if hasattr(os, "sched_setaffinity"):  # 2 cores, as the target says
    cpus = sorted(os.sched_getaffinity(0))[:2]
    os.sched_setaffinity(0, cpus)
    for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(len(cpus)))

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CRS = "EPSG:31982"
X0, Y0 = 370_000.0, 6_480_000.0  # near central Pelotas in UTM 22S
GRID, BLOCK_M = 100, 100.0
N_INCIDENTS, SEED = 60_000, 20260
CATEGORIES = ["furto", "roubo", "lesão corporal", "roubo de veículo", "perturbação do sossego"]


def make_city(folder: Path) -> Path:
    """Write the synthetic city (GeoPackage layers, incidents CSV) and its config; return it."""
    rng = np.random.default_rng(SEED)
    ticks = np.arange(GRID) * BLOCK_M
    streets = [shapely.LineString([(X0 + x, Y0 + t) for x in ticks]) for t in ticks]
    streets += [shapely.LineString([(X0 + t, Y0 + y) for y in ticks]) for t in ticks]
    names = [f"Rua {i + 1}" for i in range(GRID)] + [f"Avenida {i + 1}" for i in range(GRID)]
    gpkg = folder / "city.gpkg"
    gpd.GeoDataFrame({"nome": names}, geometry=streets, crs=CRS).to_file(
        gpkg, layer="logradouros", engine="pyogrio")
    extent = shapely.box(X0, Y0, X0 + ticks[-1], Y0 + ticks[-1]).buffer(60)
    gpd.GeoDataFrame({"nome": ["Pelotas sintética"]}, geometry=[extent], crs=CRS).to_file(
        gpkg, layer="limite", engine="pyogrio")

    # incidents: segment = one block of one street; weights concentrated around 25 centres
    n_seg = 2 * GRID * (GRID - 1)
    horiz = rng.random(N_INCIDENTS) < 0.5
    street = rng.integers(0, GRID, N_INCIDENTS)
    block = rng.integers(0, GRID - 1, N_INCIDENTS)
    centres = rng.uniform(0, ticks[-1], size=(25, 2))
    along = (block + rng.random(N_INCIDENTS)) * BLOCK_M
    x = np.where(horiz, along, street * BLOCK_M)
    y = np.where(horiz, street * BLOCK_M, along)
    d = np.min(np.hypot(x[:, None] - centres[:, 0], y[:, None] - centres[:, 1]), axis=1)
    keep_p = 0.04 + 0.96 * np.exp(-d / 180.0)
    pool = rng.random(N_INCIDENTS) < keep_p
    # resample until N incidents: accepted points, repeated with jitter
    idx = rng.choice(np.flatnonzero(pool), size=N_INCIDENTS, replace=True)
    jitter = rng.uniform(-30, 30, N_INCIDENTS)
    x = np.clip(x[idx] + np.where(horiz[idx], jitter, 0), 0, ticks[-1])
    y = np.clip(y[idx] + np.where(horiz[idx], 0, jitter), 0, ticks[-1])
    side = rng.choice([-1, 1], N_INCIDENTS) * rng.uniform(2, 12, N_INCIDENTS)
    x = x + np.where(horiz[idx], 0, side)
    y = y + np.where(horiz[idx], side, 0)
    pts = gpd.GeoSeries(shapely.points(X0 + x, Y0 + y), crs=CRS).to_crs(4326)
    start = pd.Timestamp("2026-01-01")
    when = start + pd.to_timedelta(rng.uniform(0, 365 * 24 * 60, N_INCIDENTS).round(), "min")
    order = np.argsort(when.to_numpy(), kind="stable")
    frame = pd.DataFrame({
        "numero_ocorrencia": [f"BO-2026-{i + 1:06d}" for i in range(N_INCIDENTS)],
        "data_hora_fato": when[order].strftime("%d/%m/%Y %H:%M"),
        "natureza": rng.choice(CATEGORIES, N_INCIDENTS, p=[0.4, 0.3, 0.15, 0.1, 0.05]),
        "latitude": pts.y.to_numpy()[order].round(6),
        "longitude": pts.x.to_numpy()[order].round(6),
    })
    frame.to_csv(folder / "ocorrencias.csv", sep=";", index=False, encoding="utf-8")

    # lamps along the streets (8 % broken) and green areas between them
    n_lamps = 15_000
    lh = rng.random(n_lamps) < 0.5
    ls, la = rng.integers(0, GRID, n_lamps) * BLOCK_M, rng.uniform(0, ticks[-1], n_lamps)
    lx, ly = np.where(lh, la, ls) + rng.normal(0, 4, n_lamps), np.where(lh, ls, la)
    lamps = gpd.GeoDataFrame(
        {"lamp_id": np.arange(1, n_lamps + 1),
         "status": np.where(rng.random(n_lamps) < 0.08, "broken", "working")},
        geometry=shapely.points(X0 + lx, Y0 + ly), crs=CRS)
    lamps.to_file(gpkg, layer="pontos_luz", engine="pyogrio")
    bx, by = rng.integers(0, GRID - 1, 200), rng.integers(0, GRID - 1, 200)
    parks = [shapely.box(X0 + i * BLOCK_M + 15, Y0 + j * BLOCK_M + 15,
                         X0 + (i + 1) * BLOCK_M - 15, Y0 + (j + 1) * BLOCK_M - 15)
             for i, j in zip(bx, by)]
    gpd.GeoDataFrame({"area_id": np.arange(1, 201), "name": [f"Praça {k}" for k in range(200)],
                      "adopted": rng.random(200) < 0.3},
                     geometry=parks, crs=CRS).to_file(gpkg, layer="areas_verdes", engine="pyogrio")

    config = folder / "pelotas_bench.toml"
    config.write_text(f"""title = "Pelotas sintética (benchmark)"
[inputs]
incidents = "ocorrencias.csv"
streets = "city.gpkg"
streets_layer = "logradouros"
streets_name_column = "nome"
boundary = "city.gpkg"
boundary_layer = "limite"
lamps = "city.gpkg"
lamps_layer = "pontos_luz"
green_areas = "city.gpkg"
green_areas_layer = "areas_verdes"
time_format = "%d/%m/%Y %H:%M"
delimiter = ";"
[columns]
id = "numero_ocorrencia"
time = "data_hora_fato"
category = "natureza"
lat = "latitude"
lon = "longitude"
[parameters]
timezone = "America/Sao_Paulo"
crs = "{CRS}"
language = "pt"
[weekly]
weeks_history = 8
output_root = "runs"
""", encoding="utf-8")
    print(f"synthetic city: {n_seg:,} street blocks, {N_INCIDENTS:,} incidents in 2026, "
          f"{n_lamps:,} lamps, 200 green areas")
    return config


#: the writers timed one by one by --outputs (module, attribute)
WRITERS = [
    ("hotspots.export", "write_geopackage"), ("hotspots.export", "write_geojson"),
    ("hotspots.export", "write_kml"), ("hotspots.export", "write_raster"),
    ("hotspots.maps", "build_map"), ("hotspots.maps", "save_map"),
    ("hotspots.pipeline.outputs", "_write_report"), ("hotspots.pipeline.outputs", "write_cards"),
    ("hotspots.pipeline.cards", "write_cards"), ("hotspots.pipeline.outputs", "_write_rejects"),
    ("hotspots.pipeline.outputs", "_write_hot_segments"),
    ("hotspots.planning.sheet", "write_council_sheet"),
    ("hotspots.planning.table", "write_plan_csv"),
]


def time_analysis(config, *, week: str, repeat: int) -> dict[str, list[float]]:
    """Best wall/CPU seconds of every step of ``pipeline.analyse`` over ``repeat`` runs, and
    of the whole analysis (key ``"analysis"``)."""
    from contextlib import contextmanager

    import pandas as pd

    from hotspots import pipeline
    from hotspots.pipeline.run import Clock

    class CpuClock(Clock):
        """The pipeline's clock, also reading the process CPU time of each step."""

        def __init__(self):
            super().__init__()
            self.cpu: dict[str, float] = {}

        @contextmanager
        def __call__(self, name):
            c0 = time.process_time()
            with super().__call__(name):
                yield
            self.cpu[name] = time.process_time() - c0

    now = pd.Timestamp.now(tz=config.parameters.timezone)
    best: dict[str, list[float]] = {}
    for _ in range(repeat):
        clock = CpuClock()
        t0, c0 = time.perf_counter(), time.process_time()
        pipeline.analyse(config, week=week, now=now, clock=clock)
        runs = {name: [clock.timings[name], clock.cpu[name]] for name in clock.timings}
        runs["analysis"] = [time.perf_counter() - t0, time.process_time() - c0]
        for name, (wall, cpu) in runs.items():
            old = best.get(name)
            if old is None or cpu < old[1]:
                best[name] = [wall, cpu]
    return best


def _with_writers(result, processes: int):
    """A new result with ``[outputs] writer_processes`` set (its summary computed: a run
    computes it before writing, it is not an output cost). One per repetition: what the
    writers cache on the result (the street labels, the cards' cross streets) is computed
    once per run, so each repetition must compute it again."""
    import dataclasses

    cfg = result.config
    out = dataclasses.replace(result, config=dataclasses.replace(
        cfg, outputs=dataclasses.replace(cfg.outputs, writer_processes=processes)))
    out.summary()
    return out


def time_outputs_parallel(result, root: Path, *, repeat: int) -> list[float]:
    """Best [wall, CPU of the run's process and its children] seconds of ``write_outputs`` as
    a run calls it (``writer_processes = 2``) over ``repeat`` runs."""
    import resource
    import shutil

    from hotspots.pipeline import forked
    from hotspots.pipeline.outputs import write_outputs

    if not forked.can_fork(2):
        print("  (no fork or one core here: written in one process)")
    best: list[float] = []
    for k in range(repeat):
        folder = root / f"parallel-{k}"
        folder.mkdir(parents=True)
        run = _with_writers(result, 2)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0, c0 = time.perf_counter(), time.process_time()
        write_outputs(run, folder)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += (after.ru_utime - kids.ru_utime) + (after.ru_stime - kids.ru_stime)
        if not best or wall < best[0]:
            best = [wall, cpu]
        shutil.rmtree(folder)
    return best


def time_outputs(result, root: Path, *, repeat: int, profile: bool = False) -> dict:
    """Best wall/CPU seconds of ``write_outputs`` in one process and of each writer over
    ``repeat`` runs."""
    import cProfile
    import importlib
    import pstats
    import shutil

    from hotspots.pipeline.outputs import write_outputs

    spent: dict[str, list[float]] = {}
    originals = []

    def wrap(module, name):
        func = getattr(module, name)

        def timed(*args, **kwargs):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                run = spent.setdefault(name, [0.0, 0.0])
                run[0] += time.perf_counter() - t0
                run[1] += time.process_time() - c0
        return timed

    best: dict[str, list[float]] = {}
    prof = None
    for k in range(repeat):
        spent.clear()
        for mod_name, name in WRITERS:
            module = importlib.import_module(mod_name)
            originals.append((module, name, getattr(module, name)))
            setattr(module, name, wrap(module, name))
        folder = root / f"outputs-{k}"
        folder.mkdir(parents=True)
        run = _with_writers(result, 1)
        if profile and k == repeat - 1:
            prof = cProfile.Profile()
            prof.enable()
        t0, c0 = time.perf_counter(), time.process_time()
        write_outputs(run, folder)
        total = [time.perf_counter() - t0, time.process_time() - c0]
        if prof is not None:
            prof.disable()
        for module, name, func in reversed(originals):
            setattr(module, name, func)
        originals.clear()
        spent["total"] = total
        for name, (wall, cpu) in spent.items():
            old = best.get(name)
            if old is None or cpu < old[1]:
                best[name] = [wall, cpu]
        shutil.rmtree(folder)
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return best


def time_disclosure(result, *, repeat: int) -> dict:
    """Best wall/CPU seconds of the liaison release, with and without recomputed statistics."""
    import functools

    from hotspots import privacy
    from hotspots.disclosure import release as release_mod
    from hotspots.disclosure import statistics as stats_mod
    from hotspots.pipeline.release import release_for

    tables = result.layers()
    k = result.config.outputs.privacy_k

    def reference():
        privacy.liaison_tables({**tables, **result.liaison_overrides()}, k=k,
                               include_incident_points=False)
        if tables.get("weekly_counts") is not None:
            privacy.suppress_weekly_counts(tables["weekly_counts"], k=k)

    spent: dict[str, float] = {}

    def wrap(module, name):
        func = getattr(module, name)

        @functools.wraps(func)
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
        setattr(module, name, timed)
        return func

    # protect_layer includes the classes recomputed (Gi*, local Moran, night Gi*), these
    # include the emerging categories; _rasters is the liaison density raster
    parts = [(release_mod, "protect_layer"), (stats_mod.ReleaseStatistics, "classes"),
             (stats_mod, "protected_emerging"), (release_mod, "_rasters")]
    best: dict[str, list[float]] = {}
    for _ in range(repeat):
        for label, fn in (("rules only, no statistics", reference),
                          ("disclosure release", lambda: release_for(result))):
            spent.clear()
            saved = [(m, n, wrap(m, n)) for m, n in parts] if label != "rules only, no statistics" \
                else []
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            for m, n, func in saved:
                setattr(m, n, func)
            if label not in best or cpu < best[label][1]:
                best[label] = [wall, cpu]
                if label == "disclosure release":
                    best.update({f"  {n}": [v, float("nan")] for n, v in spent.items()})
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, default=None, help="keep the city and runs here")
    parser.add_argument("--week", default="2026-W47")
    parser.add_argument("--analyse", type=int, default=3, metavar="N",
                        help="time pipeline.analyse N more times, per step (best of N; 0: no)")
    parser.add_argument("--outputs", type=int, default=0, metavar="N",
                        help="time writing the outputs N times (best of N)")
    parser.add_argument("--disclosure", type=int, default=0, metavar="N",
                        help="time the liaison release N times (and without recomputed statistics)")
    parser.add_argument("--profile", action="store_true",
                        help="with --outputs: cProfile of the last repetition")
    args = parser.parse_args()
    from hotspots import pipeline
    from hotspots.config import load_config

    with tempfile.TemporaryDirectory(prefix="hotspots-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        config = load_config(make_city(folder))
        print(f"city written in {time.perf_counter() - t0:.1f} s; cores: "
              f"{len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}")
        t0 = time.perf_counter()
        result = pipeline.run_week(config, week=args.week, overwrite=True)
        total = time.perf_counter() - t0
        s = result.summary
        print(f"\nweekly run {s['week']}: {s['segments']:,} segments, {s['rows_read']:,} "
              f"incidents read, {s['incidents_week']:,} in the week")
        for stage, seconds in result.timings.items():
            print(f"  {stage:<16} {seconds:7.2f} s")
        print(f"  {'total':<16} {total:7.2f} s   (target < 30 s: "
              f"{'met' if total < 30 else 'NOT met'})")
        ev, conc = s.get("evaluation", {}), s.get("concentration_weisburd", {})
        if ev:
            print(f"hit rate {ev['hit_rate']:.1%}, PAI (length) {ev['pai_length']:.2f}, "
                  f"PAI (area) {ev['pai_area']:.2f}, RRI {ev['rri']:.2f}; 50 % of the week's "
                  f"incidents on {conc.get('share_for_50pct', float('nan')):.1%} of segments")
            print(f"hot = {s['week_over_week']['hot_rule']}; statistics: "
                  f"{ {k: v for k, v in s.get('gi_parameters', {}).items() if k != 'n'} }")
        if args.analyse:
            best = time_analysis(config, week=args.week, repeat=args.analyse)
            print(f"\nthe analysis again (pipeline.analyse, best of {args.analyse}): "
                  "wall / CPU seconds per step")
            for name, (wall, cpu) in best.items():
                if name != "analysis":
                    print(f"  {name:<16} {wall:7.2f} {cpu:7.2f}")
            wall, cpu = best["analysis"]
            print(f"  analysis total {wall:.2f} s wall, {cpu:.2f} s CPU (target ≤ 5 s on an "
                  f"idle machine: {'met' if wall <= 5 else 'NOT met'} here)")
        if args.outputs:
            best = time_outputs(result.result, folder / "bench-outputs", repeat=args.outputs,
                                profile=args.profile)
            print(f"\nwriting every output in one process (best of {args.outputs}): wall / "
                  "CPU seconds")
            for name, (wall, cpu) in sorted(best.items(), key=lambda kv: -kv[1][1]):
                print(f"  {name:<22} {wall:7.2f} {cpu:7.2f}")
            wall, cpu = best["total"]
            print(f"  one process: {wall:.2f} s wall, {cpu:.2f} s CPU")
            wall, cpu = time_outputs_parallel(result.result, folder / "bench-outputs",
                                              repeat=args.outputs)
            print(f"writing every output as a run does (writer_processes = 2, best of "
                  f"{args.outputs}): {wall:.2f} s wall, {cpu:.2f} s CPU in both processes "
                  f"(target ≤ 3 s: {'met' if wall <= 3 else 'NOT met'})")
        if args.disclosure:
            best = time_disclosure(result.result, repeat=args.disclosure)
            print(f"\nliaison release (best of {args.disclosure}): wall / CPU seconds")
            for name, (wall, cpu) in best.items():
                print(f"  {name:<24} {wall:7.2f} {cpu:7.2f}")
            whole = best["disclosure release"][0]
            stats = whole - best["rules only, no statistics"][0]
            print(f"  the liaison release takes {whole:.2f} s of the weekly run ({whole / total:.1%}"
                  f" of its {total:.1f} s), {stats:.2f} s of it the recomputed statistics")
        return 0 if total < 30 else 1


if __name__ == "__main__":
    sys.exit(main())
