"""Benchmark: how fast the command line answers, and the first (compiling) vs a later demo run.

Prints, each the median of several runs in this same session:

- the answer to a bad config (``hotspots weekly --config bad.toml``, exit 2), against the
  time of importing the analysis libraries (``import hotspots.pipeline``) and of an empty
  Python start — the bad config must be answered before the heavy imports;
- ``hotspots demo`` with an empty numba cache (the first run after installing: the kernels
  compile, and the run says so) against the same command with the cache filled.

    python benchmarks/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BAD = """[inputs]
incidents = "ocorrencias.csv"
streets = "ruas.gpkg"
[outputs]
include_incident_points = "false"
[geocoding]
max_distance_m = "fifty"
[weekly]
weeks_history = "8"
[parameters]
seed = "abc"
"""


def _time(cmd: list[str], *, env: dict | None = None, cwd: Path | None = None,
          expect: int = 0) -> tuple[float, str]:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    dt = time.perf_counter() - t0
    if res.returncode != expect:
        raise SystemExit(f"{' '.join(cmd)}: exit {res.returncode}, expected {expect}\n"
                         f"{res.stderr[-2000:]}")
    return dt, res.stderr


def _median(cmd, n, **kw) -> float:
    return statistics.median(_time(cmd, **kw)[0] for _ in range(n))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory(prefix="hotspots-startup-") as tmp:
        folder = Path(tmp)
        bad = folder / "bad.toml"
        bad.write_text(BAD, encoding="utf-8")
        empty = _median([py, "-c", "pass"], args.repeat, env=env)
        heavy = _median([py, "-c", "import hotspots.pipeline"], args.repeat, env=env)
        answer = _median([py, "-m", "hotspots", "weekly", "--config", str(bad)], args.repeat,
                         env=env, cwd=folder, expect=2)
        print(f"python start (empty)            {empty:6.2f} s")
        print(f"import hotspots.pipeline        {heavy:6.2f} s")
        print(f"bad config answered (exit 2)    {answer:6.2f} s   "
              f"{answer / heavy:.2f} × the analysis import; target well under 1 s: "
              f"{'met' if answer < 1.0 else 'NOT met'}")

        cache = folder / "numba-cache"
        cache.mkdir()
        nenv = {**env, "NUMBA_CACHE_DIR": str(cache)}
        cold, err = _time([py, "-m", "hotspots", "demo", "--out", str(folder / "d0")], env=nenv)
        said = "compiling" in err
        warm = statistics.median(
            _time([py, "-m", "hotspots", "demo", "--out", str(folder / f"d{i + 1}")],
                  env=nenv)[0] for i in range(max(1, args.repeat // 2)))
        print(f"demo, empty numba cache         {cold:6.2f} s   (said 'compiling': {said})")
        print(f"demo, cache filled              {warm:6.2f} s   cold/warm = {cold / warm:.2f}")
    return 0 if answer < 1.0 and said else 1


if __name__ == "__main__":
    sys.exit(main())
