"""Classifying and styling a Pelotas-size segment layer (20,000 segments) with the shared symbology.

Run: python benchmarks/bench_symbology.py [--side 100] [--repeat 5]
Prints, for the Gi*, rate and week-over-week status symbologies, the time of ``Symbology.classify`` against
a plain-NumPy classification written here (dictionary lookup of bins, ``np.digitize`` for
rates, a dictionary lookup of the status words — the reference, measured in the same run), checks both
give the same classes, then the time of ``layer_styles("segments")`` (one QML document per style) and
of ``write_geopackage`` with styles against without (the cost the styles add to an export).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_map_size import grid

from hotspots import export
from hotspots import symbology as sym
from hotspots.export.qgis_styles import layer_styles


def best(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def reference(key: str, frame, s) -> np.ndarray:
    """The same classes by plain NumPy (no suppressed rows in this frame)."""
    missing = len(s.all_classes) - 1
    if key == "gi":
        lookup = {c.value: i for i, c in enumerate(s.classes)}
        vals = frame["gi_bin"].to_numpy(dtype=float)
        out = np.full(len(vals), missing)
        ok = np.isfinite(vals)
        out[ok] = [lookup.get(int(v), missing) for v in vals[ok]]
        return out
    if key == "rate":
        vals = frame["rate_per_100m"].to_numpy(dtype=float)
        uppers = [c.upper for c in s.classes[1:-1]]  # (lower, upper] after the zero class
        out = np.digitize(vals, uppers, right=True) + 1
        out[vals == 0] = 0
        out[~np.isfinite(vals) | (vals < 0)] = missing
        return out
    lookup = {c.value: i for i, c in enumerate(s.classes)}  # status words, lower case
    vals = frame["hot_status"].to_numpy(dtype=object)
    return np.asarray([lookup.get(v.strip().lower(), missing) if isinstance(v, str) else missing
                       for v in vals])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", type=int, default=100, help="grid side (2·side² segments)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    seg = grid(args.side)
    print(f"{len(seg):,} segments")
    for key in ("gi", "rate", "hot_status"):
        s = sym.symbology(key, seg)
        got = s.classify(seg)
        want = reference(key, seg, s)
        assert (got == want).all(), f"{key}: classes differ from the NumPy reference"
        t_new = best(lambda s=s: s.classify(seg), args.repeat)
        t_ref = best(lambda key=key, s=s: reference(key, seg, s), args.repeat)
        print(f"classify {key:10s} {t_new * 1e3:8.1f} ms   numpy reference {t_ref * 1e3:8.1f} ms"
              f"   ratio {t_new / t_ref:6.2f}")
    t_qml = best(lambda: layer_styles("segments", seg), args.repeat)
    print(f"layer_styles(segments): {t_qml * 1e3:.1f} ms for "
          f"{len(layer_styles('segments', seg))} styles")
    with tempfile.TemporaryDirectory() as tmp:
        def write(styles: bool, n=[0]):  # noqa: B006 (a counter for fresh file names)
            n[0] += 1
            export.write_geopackage({"segments": seg}, Path(tmp) / f"{n[0]}.gpkg", styles=styles)
        t_with = best(lambda: write(True), max(2, args.repeat // 2))
        t_without = best(lambda: write(False), max(2, args.repeat // 2))
    print(f"write_geopackage: {t_with:.2f} s with styles, {t_without:.2f} s without, "
          f"ratio {t_with / t_without:.2f}")
    assert math.isfinite(t_with)


if __name__ == "__main__":
    main()
