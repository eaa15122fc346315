"""Golden snapshots of a run folder: every layer of both GeoPackages, the CSVs and the manifest.

A snapshot is plain JSON: per table its columns, dtypes and values (floats kept to full
precision, geometries as a SHA-1 of their WKB with coordinates rounded to 1 µm), and the
manifest without what legitimately differs between two runs (timings, package versions,
absolute paths). ``compare`` lists every difference (floats within a relative 1e-9).

Regenerate the stored snapshots (only when a change of behaviour is intended, and say why in
the commit message)::

    .venv/bin/python tests/golden/snapshot.py --write
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
#: the runs frozen by the golden comparison: name -> CLI arguments (the output folder appended)
RUNS = {
    "demo": ["demo", "--out", "{out}", "-q"],
    "weekly_2026-W47": ["weekly", "--config", str(REPO / "examples" / "sample_city.toml"),
                        "--week", "2026-W47", "--out", "{out}", "-q"],
}
#: manifest keys that differ between two identical runs, or that record the implementation
#: rather than the result (``counts_by_stage`` listed the old blackboard's table sizes)
MANIFEST_SKIP = {"timings_s", "versions", "python", "counts_by_stage", "counts_by_step"}
REL_TOL = 1e-9


def _geometry_hash(geom) -> str | None:
    import shapely

    if geom is None or shapely.is_empty(geom):
        return None
    rounded = shapely.transform(geom, lambda xy: np.round(xy, 6))
    return hashlib.sha1(shapely.to_wkb(rounded, hex=False)).hexdigest()[:16]


def _cell(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def table_snapshot(frame: pd.DataFrame) -> dict:
    """Columns, dtypes and values of one table (geometry hashed)."""
    out: dict = {"rows": len(frame), "columns": {}}
    for col in frame.columns:
        series = frame[col]
        if col == "geometry" or getattr(series, "geom_type", None) is not None:
            values = [_geometry_hash(g) for g in series.to_numpy()]
            dtype = "geometry"
        else:
            values = [_cell(v) for v in series.to_numpy()]
            dtype = str(series.dtype)
        out["columns"][str(col)] = {"dtype": dtype, "values": values}
    return out


def gpkg_snapshot(path: Path) -> dict:
    """Every layer of a GeoPackage (including non-spatial tables such as layer_styles rows)."""
    import pyogrio

    layers = {}
    for name, _geom_type in pyogrio.list_layers(path):
        if name == "layer_styles":
            continue
        frame = pyogrio.read_dataframe(path, layer=name, fid_as_index=False)
        layers[str(name)] = table_snapshot(frame)
    return layers


def _normalise(obj, *, out_dir: str):
    """Manifest values with machine-specific paths replaced and NaN as null."""
    if isinstance(obj, dict):
        return {k: _normalise(v, out_dir=out_dir) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_normalise(v, out_dir=out_dir) for v in obj]
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, str):
        return obj.replace(out_dir, "<out>").replace(str(REPO), "<repo>")
    return obj


def upgrade_manifest(manifest: dict) -> dict:
    """A stored manifest in the current format (every change of format is listed here).

    - redesign of the orchestration (issue 11): ``config`` went from one flat table to one
      table per section (``[inputs]``, ``[statistics]``…; a few keys renamed, see
      ``hotspots.config.RENAMED``), and the top-level ``parameters`` block, which repeated
      seven config values, was dropped (they are in ``config``).
    """
    manifest = dict(manifest)
    config = manifest.get("config")
    if isinstance(config, dict) and "incidents" in config:  # the flat format
        from hotspots.config import RENAMED, SECTIONS, InputSettings, RunConfig

        new = RunConfig(inputs=InputSettings(incidents="x", streets="y")).to_dict()
        home = {f: name for name, table in new.items() if isinstance(table, dict)
                for f in table}
        nested: dict = {name: {} for name in SECTIONS}
        for key, value in config.items():
            if key == "columns":
                nested["columns"].update(value)
            elif key == "title":
                nested["title"] = value
            elif key in RENAMED:
                sec, name = RENAMED[key]
                nested[sec][name] = value
            elif key in home:
                nested[home[key]][key] = value
            else:
                nested.setdefault("_unplaced", {})[key] = value
        manifest["config"] = nested
        manifest.pop("parameters", None)
    return manifest


def manifest_snapshot(path: Path, *, out_dir: Path) -> dict:
    """The manifest minus timings, versions and implementation records (NaN read as null)."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)  # accepts bare NaN, so older manifests can be compared
    data = {k: v for k, v in data.items() if k not in MANIFEST_SKIP}
    return _normalise(data, out_dir=str(out_dir))


def folder_snapshot(folder: Path) -> dict:
    """Snapshot of a finished run folder (analyst and liaison outputs)."""
    snap: dict = {"layers": gpkg_snapshot(folder / "layers.gpkg"),
                  "liaison_layers": gpkg_snapshot(folder / "liaison" / "layers.gpkg")}
    for name in ("plan.csv", "rejects.csv"):
        if (folder / name).exists():
            snap[name] = table_snapshot(pd.read_csv(folder / name, dtype=str,
                                                    keep_default_na=False))
    snap["manifest"] = manifest_snapshot(folder / "manifest.json", out_dir=folder.parent)
    return snap


def run_and_snapshot(name: str, out_root: Path) -> dict:
    """Run one of ``RUNS`` through the real CLI into ``out_root/name`` and snapshot it."""
    from click.testing import CliRunner

    from hotspots.cli import main

    out = out_root / name
    args = [a.replace("{out}", str(out)) for a in RUNS[name]]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"{name}: exit {result.exit_code}\n{result.output}")
    folder = out if (out / "manifest.json").exists() else next(out.glob("*/manifest.json")).parent
    return folder_snapshot(folder)


def stored_path(name: str) -> Path:
    """Where the stored snapshot of run ``name`` lives."""
    return HERE / f"{name}.json.gz"


def load(name: str) -> dict:
    """The stored golden snapshot of run ``name`` (its manifest in the current format)."""
    with gzip.open(stored_path(name), "rt", encoding="utf-8") as fh:
        snap = json.load(fh)
    snap["manifest"] = upgrade_manifest(snap["manifest"])
    return snap


def save(name: str, snap: dict) -> Path:
    """Store a snapshot (sorted keys, compact) as the golden for run ``name``."""
    path = stored_path(name)
    raw = json.dumps(snap, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        fh.write(raw.encode("utf-8"))
    return path


def _close(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or isinstance(a, str) or isinstance(b, str):
            return a == b
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-12)
    return a == b


#: where a value present only in the new snapshot is not a difference (new information)
ADDITIONS_OK = ("manifest",)


def compare(expected, actual, path: str = "") -> list[str]:
    """Every difference between two snapshots, as readable lines (empty when equal).

    Layers and CSVs must be equal (a new column is a difference); in the manifest, keys that
    only the new snapshot has are new information, not differences.
    """
    diffs: list[str] = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        if "values" in expected and "dtype" in expected and "values" in actual:
            if expected["dtype"] != actual.get("dtype"):
                diffs.append(f"{path}: dtype {expected['dtype']} → {actual.get('dtype')}")
            ev, av = expected["values"], actual["values"]
            if len(ev) != len(av):
                return [*diffs, f"{path}: {len(ev)} rows → {len(av)}"]
            bad = [i for i, (x, y) in enumerate(zip(ev, av)) if not _close(x, y)]
            if bad:
                i = bad[0]
                diffs.append(f"{path}: {len(bad)} of {len(ev)} values differ (first row {i}: "
                             f"{ev[i]!r} → {av[i]!r})")
            return diffs
        for key in sorted(set(expected) | set(actual)):
            sub = f"{path}.{key}" if path else str(key)
            if key not in actual:
                diffs.append(f"{sub}: missing")
            elif key not in expected:
                if not sub.startswith(ADDITIONS_OK):
                    diffs.append(f"{sub}: new")
            else:
                diffs.extend(compare(expected[key], actual[key], sub))
        return diffs
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: list of {len(expected)} → {len(actual)}"]
        for i, (x, y) in enumerate(zip(expected, actual)):
            diffs.extend(compare(x, y, f"{path}[{i}]"))
        return diffs
    if not _close(expected, actual):
        diffs.append(f"{path}: {expected!r} → {actual!r}")
    return diffs


def main(argv: list[str]) -> int:
    import tempfile

    write = "--write" in argv
    differing = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in RUNS:
            snap = run_and_snapshot(name, Path(tmp))
            if write:
                print(f"wrote {save(name, snap)}")
            else:
                diffs = compare(load(name), snap)
                print(f"{name}: {'equal' if not diffs else f'{len(diffs)} differences'}")
                for line in diffs[:50]:
                    print("   ", line)
                differing += bool(diffs)
    return 1 if differing else 0  # compare mode: exit 1 when a run differs


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main(sys.argv[1:]))
