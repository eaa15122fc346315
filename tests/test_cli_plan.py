"""`hotspots plan`: the council plan of a week through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "examples" / "sample_city.toml"

pytestmark = pytest.mark.slow


def _plan(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hotspots", "plan", "--config", str(CONFIG),
                           "--week", "2026-W47", "--out", str(out), *args],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.mark.browser
def test_plan_writes_the_council_products_within_the_budget(tmp_path, chromium_path):
    res = _plan(tmp_path, "--budget", "120000")
    assert res.returncode == 0, res.stderr
    folder = tmp_path / "plan-2026-W47"
    names = {p.name for p in folder.iterdir()}
    assert {"plan.csv", "council_sheet.html", "council_sheet.pdf", "plan.gpkg",
            "manifest.json"} <= names
    plan = pd.read_csv(folder / "plan.csv")
    funded = plan[plan["funded"].astype(str).str.lower() == "true"]
    assert 0 < funded["cost"].sum() <= 120000
    # ranks follow value per R$: no unfunded project is worth more per R$ than a funded one
    # unless it does not fit in what is left
    left = 120000 - funded["cost"].sum()
    worst = funded["value_per_10k"].min()
    better = plan[(plan["funded"].astype(str).str.lower() == "false")
                  & (plan["value_per_10k"] > worst)]
    assert (better["cost"] > left).all()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["planning"]["totals"]["lighting"]["budget_brl"] == 120000
    assert (folder / "council_sheet.pdf").read_bytes().startswith(b"%PDF")
    assert "R$ 120,000" in res.stdout


def test_plan_without_a_budget_ranks_and_funds_nothing(tmp_path):
    cfg = tmp_path / "city.toml"
    text = CONFIG.read_text(encoding="utf-8").replace("budget_brl = 250000.0", "")
    text = text.replace('"../hotspots/', f'"{REPO}/hotspots/')
    cfg.write_text(text, encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "hotspots", "plan", "--config", str(cfg),
                          "--week", "2026-W47", "--out", str(tmp_path / "out"), "--no-pdf"],
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert res.returncode == 0, res.stderr
    assert "no budget given" in res.stdout
    plan = pd.read_csv(tmp_path / "out" / "plan-2026-W47" / "plan.csv")
    assert len(plan) > 10 and (plan["funded"].astype(str).str.lower() == "false").all()
    assert not (tmp_path / "out" / "plan-2026-W47" / "council_sheet.pdf").exists()
