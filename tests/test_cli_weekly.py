"""The weekly run through the real entry point: full run, week-over-week, kill, overwrite, repro."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "examples" / "sample_city.toml"
EXIT_BAD_INPUT, EXIT_EXISTS = 2, 3


def _env(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), **extra}


def weekly(out: Path, week: str = "2026-W47", *args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hotspots", "weekly", "--config", str(CONFIG), "--week", week,
         "--out", str(out), *args], capture_output=True, text=True, env=_env(**env), timeout=600)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """Weeks 2026-W47 and 2026-W46 of the sample city, run through the CLI."""
    out = tmp_path_factory.mktemp("runs")
    for week in ("2026-W47", "2026-W46"):
        res = weekly(out, week)
        assert res.returncode == 0, res.stderr
    return out


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_full_weekly_run_writes_every_output(runs):
    week = runs / "2026-W47"
    names = {p.name for p in week.iterdir()}
    assert {"layers.gpkg", "map.html", "report.html", "manifest.json", "rejects.csv"} <= names
    man = _manifest(week)
    assert man["week"] == "2026-W47" and man["seed"] == 20171
    c = man["counts"]
    assert c["accounted"] and c["rows_read"] == 6008
    # 12 weeks of sample data: W47 is the last, and nothing falls after it
    assert c["incidents_after_week"] == 0
    assert c["incidents_week"] + c["incidents_before_window"] + c["incidents_window"] - \
        c["incidents_week"] == c["used"]
    assert c["weeks_window"][0] == "2026-W39" and len(c["weeks_window"]) == 9
    # every input file hashed, counts per stage, timings, versions
    for key in ("incidents", "streets", "boundary", "lamps", "green_areas", "address_points"):
        assert len(man["inputs"][key]["sha256"]) == 64, key
    assert {"ingest", "geocode", "window", "weekly", "evaluation"} <= set(man["timings_s"])
    assert man["counts_by_step"]["aggregate"]["incidents"] == c["incidents_week"]
    assert man["versions"]["hotspots"]
    seg = pyogrio.read_dataframe(week / "layers.gpkg", layer="segments")
    assert len(seg) == 269 and seg["count"].sum() == c["incidents_week"]
    assert set(seg["hot_status"]) <= {"new", "persistent", "cooling", "not hot"}
    ev = c["evaluation"]
    assert ev["flagged_week"] == "2026-W46" and ev["evaluated_week"] == "2026-W47"
    assert 0 < ev["hit_rate"] < 1 and ev["pai_length"] > 1 and ev["pai_area"] > 1
    assert ev["n"] == int(seg.loc[seg["hot_prev"], "count"].sum())
    totals = pyogrio.read_dataframe(week / "layers.gpkg", layer="weekly_totals")
    assert totals["incidents"].iloc[-1] == c["incidents_week"]
    report = (week / "report.html").read_text(encoding="utf-8")
    assert "2026-W47" in report and "<svg" in report
    # the map's subtitle counts the week's incidents, not the whole file's
    page = (week / "map.html").read_text(encoding="utf-8")
    assert f"week 2026-W47, {c['incidents_week']} incidents" in page


@pytest.mark.slow  # uses the module's two CLI runs: out of the fast inner loop
def test_week_over_week_runs_agree(runs):
    """W47's view of the previous week equals the W46 run's own result."""
    w47 = pyogrio.read_dataframe(runs / "2026-W47" / "layers.gpkg", layer="segments")
    w46 = pyogrio.read_dataframe(runs / "2026-W46" / "layers.gpkg", layer="segments")
    a = w47.set_index("segment_id").sort_index()
    b = w46.set_index("segment_id").sort_index()
    assert (a["count_prev"] == b["count"]).all()
    assert (a["hot_prev"] == b["hot"]).all()
    if "gi_bin" in b.columns and "gi_bin_prev" in a.columns:
        assert (a["gi_bin_prev"] == b["gi_bin"]).all()
    m46, m47 = _manifest(runs / "2026-W46"), _manifest(runs / "2026-W47")
    assert m47["counts"]["week_over_week"]["incidents_prev"] == m46["counts"]["incidents_week"]
    assert m46["counts"]["evaluation"]["evaluated_week"] == "2026-W46"
    # status is consistent: new = hot now and not before, cooling = the reverse
    new = a["hot_status"] == "new"
    assert (a.loc[new, "hot"] & ~a.loc[new, "hot_prev"]).all()
    cooling = a["hot_status"] == "cooling"
    assert (~a.loc[cooling, "hot"] & a.loc[cooling, "hot_prev"]).all()


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_rerun_without_overwrite_is_refused(runs):
    before = (runs / "2026-W47" / "manifest.json").read_bytes()
    res = weekly(runs, "2026-W47", "-q")
    assert res.returncode == EXIT_EXISTS
    assert res.stderr.startswith("error:") and "--overwrite" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""
    assert (runs / "2026-W47" / "manifest.json").read_bytes() == before


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
@pytest.mark.parametrize("stage", ["geocode", "evaluation", "write outputs"])
def test_killed_run_leaves_previous_outputs_intact(tmp_path, stage):
    first = weekly(tmp_path, "2026-W47", "-q")
    assert first.returncode == 0, first.stderr
    week = tmp_path / "2026-W47"
    snapshot = _snapshot(week)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotspots", "weekly", "--config", str(CONFIG), "--week",
         "2026-W47", "--out", str(tmp_path), "--overwrite", "-q"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env=_env(HOTSPOTS_TEST_PAUSE_AT=stage))
    try:
        deadline = time.monotonic() + 300
        line = ""
        while time.monotonic() < deadline and f"paused at {stage}" not in line:
            line = proc.stderr.readline()
            assert line or proc.poll() is None, "the run ended before reaching the stage"
        assert f"paused at {stage}" in line
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(week) == snapshot
    leftovers = [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]
    if stage == "write outputs":  # the temp folder exists from "write outputs" on
        assert len(leftovers) == 1
    again = weekly(tmp_path, "2026-W47", "--overwrite", "-q")
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".locks", "2026-W47"]
    assert json.loads((week / "manifest.json").read_text())["week"] == "2026-W47"


def _layers(path: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name, _ in pyogrio.list_layers(path):
        frame = pyogrio.read_dataframe(path, layer=name)
        if "geometry" in frame.columns:
            wkb = frame.geometry.to_wkb()
            frame = pd.DataFrame(frame.drop(columns="geometry")).assign(geometry=wkb)
        if name == "layer_styles":  # QGIS style metadata: its update_time is the write time
            frame = frame.drop(columns=["update_time"], errors="ignore")
        out[name] = frame
    return out


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_two_runs_give_identical_tables_and_manifests(runs, tmp_path):
    res = weekly(tmp_path, "2026-W47", "-q")
    assert res.returncode == 0, res.stderr
    a, b = runs / "2026-W47", tmp_path / "2026-W47"
    la, lb = _layers(a / "layers.gpkg"), _layers(b / "layers.gpkg")
    assert list(la) == list(lb)
    for name in la:
        pd.testing.assert_frame_equal(la[name], lb[name], check_exact=True, obj=name)
    texts = sorted(str(p.relative_to(a)) for p in a.rglob("*")
                   if p.suffix in {".csv", ".geojson", ".kml", ".json"} and p.name != "manifest.json")
    assert "rejects.csv" in texts
    for rel in texts:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    ma, mb = _manifest(a), _manifest(b)
    assert ma.pop("timings_s").keys() == mb.pop("timings_s").keys()
    assert ma == mb
    assert (a / "report.html").read_bytes() == (b / "report.html").read_bytes()


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_bad_week_and_missing_config_exit_with_bad_input(tmp_path):
    res = weekly(tmp_path, "2026-47")
    assert res.returncode == EXIT_BAD_INPUT and "YYYY-Www" in res.stderr
    res = weekly(tmp_path, "2026-W10")
    assert res.returncode == EXIT_BAD_INPUT and "2026-W36 … 2026-W47" in res.stderr
    res = subprocess.run([sys.executable, "-m", "hotspots", "weekly", "--config",
                          str(tmp_path / "nope.toml")], capture_output=True, text=True,
                         env=_env())
    assert res.returncode == EXIT_BAD_INPUT and "hotspots init" in res.stderr
    assert "Traceback" not in res.stderr
    assert [p.name for p in tmp_path.iterdir()] == [".locks"]  # nothing written but the lock


def test_init_writes_a_loadable_commented_config(tmp_path):
    from hotspots.config import load_config

    path = tmp_path / "city.toml"
    res = subprocess.run([sys.executable, "-m", "hotspots", "init", str(path)],
                         capture_output=True, text=True, env=_env())
    assert res.returncode == 0, res.stderr
    text = path.read_text(encoding="utf-8")
    assert text.count("#") > 30 and "[postgis]" in text and "weeks_history" in text
    cfg = load_config(path)
    assert cfg.weekly.weeks_history == 8 and cfg.parameters.language == "en"
    assert Path(cfg.weekly.output_root) == tmp_path / "runs"
    again = subprocess.run([sys.executable, "-m", "hotspots", "init", str(path)],
                           capture_output=True, text=True, env=_env())
    assert again.returncode == EXIT_EXISTS


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_api_example_runs(tmp_path):
    res = subprocess.run([sys.executable, str(REPO / "examples" / "api_example.py")],
                         capture_output=True, text=True, env=_env(), cwd=tmp_path, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "hit rate" in res.stdout and "report.html" in res.stdout
    assert not list(tmp_path.iterdir())  # it writes only to a temporary folder
