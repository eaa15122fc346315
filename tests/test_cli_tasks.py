"""`hotspots near-repeat` and `hotspots evaluate` through the real entry point (sample city)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "examples" / "sample_city.toml"

pytestmark = pytest.mark.slow


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hotspots", *args], capture_output=True,
                          text=True, timeout=900, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_near_repeat_writes_the_knox_table_and_the_zones(tmp_path):
    res = _cli("near-repeat", "--config", str(CONFIG), "--week", "2026-W47", "--out",
               str(tmp_path))
    assert res.returncode == 0, res.stderr
    folder = tmp_path / "near-repeat-2026-W47"
    table = pd.read_csv(folder / "knox_table.csv")
    # 4 spatial bands (same location, 3 × 100 m) + "more than", 3 temporal bands + "more than"
    assert len(table) == 5 * 4
    assert {"observed", "expected_mean", "knox_ratio", "p_value"} <= set(table.columns)
    assert table["observed"].sum() == 5924 * 5923 // 2  # every pair of the 52 weeks, once
    assert (folder / "knox_ratio.png").read_bytes().startswith(b"\x89PNG")
    assert "near-repeat" in res.stdout.lower() or "quase-repetição" in res.stdout.lower() \
        or "repeat" in res.stdout.lower()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["near_repeat"]["incidents"] == 5924
    assert "near_repeat_zones" in dict(pyogrio.list_layers(folder / "zones.gpkg"))


def test_evaluate_writes_the_report_for_a_synthetic_intervention(tmp_path):
    from hotspots import pipeline
    from hotspots.config import load_config

    cfg = load_config(CONFIG)
    seg = pipeline.read_inputs(cfg).segments
    lights = tmp_path / "lights.csv"
    top = seg.sort_values("length_m", ascending=False).index[:12]
    pd.DataFrame({"segment_id": top, "kind": "new_lights", "start": "2026-10-12"}).to_csv(
        lights, index=False)
    out = tmp_path / "evaluation"
    res = _cli("evaluate", "--config", str(CONFIG), "--interventions", str(lights), "--out",
               str(out))
    assert res.returncode == 0, res.stderr
    html = (out / "evaluation.html").read_text(encoding="utf-8")
    assert "<html" in html and "WDD" in html
    effects = pd.read_csv(out / "effects.csv").set_index("term")
    treated = effects.loc["treated"]
    # nothing was done to these streets: the interval of the effect covers zero
    assert treated["ci_low_pct"] < 0 < treated["ci_high_pct"]
    assert {"buffer", "night_treated"} <= set(effects.index)
    areas = pyogrio.read_dataframe(out / "intervention_areas.gpkg", layer="intervention_areas")
    assert (areas["role"] == "treated").sum() == 12


def test_evaluate_refuses_a_missing_interventions_file(tmp_path):
    res = _cli("evaluate", "--config", str(CONFIG), "--interventions",
               str(tmp_path / "nope.gpkg"))
    assert res.returncode == 2 and "--interventions: file not found" in res.stderr
