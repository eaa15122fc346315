"""The run manifest: inputs with hashes, the config, the seed, versions, counts and timings (strict JSON)."""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path

from hotspots._json import strict_json
from hotspots.pipeline.result import WeekResult

__all__ = ["build_manifest", "strict_json", "write_json"]

PACKAGES = ("hotspots", "numpy", "pandas", "shapely", "geopandas", "pyogrio", "pyproj",
            "libpysal", "esda", "scikit-learn", "rasterio", "folium", "scipy")


def build_manifest(result: WeekResult, summary: dict, timings: dict[str, float]) -> dict:
    """Everything needed to reproduce and audit a run; equal across runs except ``timings_s``."""
    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    config = result.config
    return {
        "tool": "hotspots",
        "week": summary.get("week"),
        "inputs": result.inputs.sources,
        "config": config.to_dict(),
        "seed": config.parameters.seed,
        "counts": {k: v for k, v in summary.items() if k != "top_segments"},
        "counts_by_step": result.step_counts,
        "versions": versions,
        "python": platform.python_version(),
        "timings_s": timings,
    }


def write_json(obj, path: Path) -> Path:
    """Write ``obj`` as strict, indented UTF-8 JSON (no NaN, no Infinity)."""
    text = json.dumps(strict_json(obj), indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path
