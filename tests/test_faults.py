"""Honest failures of a run: disk full, read-only or forbidden output, SIGTERM, two runs of one
week, leftovers of killed runs, strict JSON, future-dated records and the first week of data."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections import namedtuple
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from hotspots import pipeline
from hotspots._errors import DiskFullError, OutputLocationError, RunLockedError
from hotspots.cli import EXIT_DISK_FULL, EXIT_LOCKED, EXIT_NOT_WRITABLE, EXIT_TERMINATED, main
from hotspots.config import load_config
from hotspots.pipeline import atomic

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "examples" / "sample_city.toml"
NOW = pd.Timestamp("2026-12-01 09:00", tz="Europe/Helsinki")


def _env(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), **extra}


def _previous_week(root: Path) -> Path:
    """A finished week folder standing in for last run's good outputs."""
    week = root / "2026-W47"
    week.mkdir(parents=True)
    (week / "manifest.json").write_text('{"week": "2026-W47", "previous": true}')
    return week


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _no_analysis(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the analysis ran although the output location was unusable")

    monkeypatch.setattr(pipeline.run, "analyse", refuse)


# --- the output location, checked before the analysis ------------------------------------------


def test_too_little_free_space_exits_5_before_the_analysis(tmp_path, monkeypatch):
    _no_analysis(monkeypatch)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(atomic.shutil, "disk_usage", lambda p: usage(10**9, 10**9, 5 * 2**20))
    res = _invoke("weekly", "--config", str(CONFIG), "--week", "2026-W47", "--out",
                  str(tmp_path / "runs"))
    assert res.exit_code == EXIT_DISK_FULL
    assert "only 5 MB free" in res.output and "Fix:" in res.output
    assert "a bug" not in res.output
    assert not list((tmp_path / "runs").glob("2026-W47*"))


@pytest.mark.parametrize(("code", "words"), [(errno.EROFS, "read-only file system"),
                                             (errno.EACCES, "permission denied")])
def test_unwritable_output_exits_4_before_the_analysis(tmp_path, monkeypatch, code, words):
    _no_analysis(monkeypatch)

    def refuse(*a, **k):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    res = _invoke("demo", "--out", str(tmp_path / "demo"))
    assert res.exit_code == EXIT_NOT_WRITABLE
    assert words in res.output and "Fix:" in res.output and "a bug" not in res.output


def _readonly_dir(tmp_path: Path) -> Path:
    """A folder this process really cannot write: chmod for a normal user, a read-only tmpfs
    for root (root ignores permissions); skipped where neither is possible."""
    target = tmp_path / "ro"
    target.mkdir()
    if os.geteuid() != 0:
        target.chmod(0o555)
        return target
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {res.stderr.strip()}")
    return target


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_a_really_read_only_folder_exits_4(tmp_path):
    target = _readonly_dir(tmp_path)
    try:
        res = subprocess.run([sys.executable, "-m", "hotspots", "demo", "--out",
                              str(target / "demo"), "-q"], capture_output=True, text=True,
                             env=_env(), timeout=120)
        assert res.returncode == EXIT_NOT_WRITABLE, res.stderr
        assert "Traceback" not in res.stderr and "a bug" not in res.stderr
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(target)], check=False)
        else:
            target.chmod(0o755)


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_a_really_full_disk_exits_5(tmp_path):
    """A 2 MB tmpfs (root only): the outputs do not fit, the run says so and cleans up."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    target = tmp_path / "small"
    target.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(target)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        res = subprocess.run([sys.executable, "-m", "hotspots", "demo", "--out",
                              str(target / "demo"), "-q"], capture_output=True, text=True,
                             env=_env(), timeout=300)
        assert res.returncode == EXIT_DISK_FULL, res.stderr
        assert "free" in res.stderr and "a bug" not in res.stderr
        assert not [p for p in target.iterdir() if p.name.startswith(".demo.tmp-")]
    finally:
        subprocess.run(["umount", str(target)], check=False)


@pytest.mark.slow
def test_disk_full_while_writing_exits_5_and_keeps_the_previous_outputs(tmp_path, monkeypatch):
    root = tmp_path / "runs"
    week = _previous_week(root)
    before = (week / "manifest.json").read_bytes()
    from hotspots import export

    real = export.write_geopackage

    def full(tables, path, **kw):
        if "liaison" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(tables, path, **kw)

    monkeypatch.setattr(export, "write_geopackage", full)
    res = _invoke("weekly", "--config", str(CONFIG), "--week", "2026-W47", "--out", str(root),
                  "--overwrite", "-q")
    assert res.exit_code == EXIT_DISK_FULL, res.output
    assert "no space left" in res.output and "previous outputs are untouched" in res.output
    assert (week / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in root.iterdir()) == [".locks", "2026-W47"]


# --- signals and concurrent runs -------------------------------------------------------------


def _start_paused(root: Path, step: str, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotspots", "weekly", "--config", str(CONFIG), "--week",
         "2026-W47", "--out", str(root), "-q", *extra],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env=_env(HOTSPOTS_TEST_PAUSE_AT=step))
    deadline = time.monotonic() + 300
    line = ""
    while time.monotonic() < deadline and f"paused at {step}" not in line:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise AssertionError(f"the run ended before reaching {step}: {proc.returncode}")
    return proc


@pytest.mark.slow
def test_sigterm_is_handled_like_sigint(tmp_path):
    root = tmp_path / "runs"
    week = _previous_week(root)
    proc = _start_paused(root, "write outputs", "--overwrite")
    try:
        assert any(".tmp-" in p.name for p in root.iterdir())
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == EXIT_TERMINATED
    assert "terminated (SIGTERM)" in err and "previous outputs are untouched" in err
    assert json.loads((week / "manifest.json").read_text())["previous"] is True
    assert sorted(p.name for p in root.iterdir()) == [".locks", "2026-W47"]


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_a_second_run_of_the_same_week_exits_6_naming_the_first(tmp_path):
    root = tmp_path / "runs"
    first = _start_paused(root, "ingest")
    try:
        t0 = time.monotonic()
        res = subprocess.run([sys.executable, "-m", "hotspots", "weekly", "--config",
                              str(CONFIG), "--week", "2026-W47", "--out", str(root), "-q",
                              "--wait", "1"], capture_output=True, text=True, env=_env(),
                             timeout=120)
        waited = time.monotonic() - t0
        assert res.returncode == EXIT_LOCKED, res.stderr
        assert f"pid {first.pid}" in res.stderr and "--wait" in res.stderr
        assert waited >= 1.0
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        first.stderr.close()
    # the kernel released the killed run's lock: nothing stale to clear by hand
    with atomic.folder_lock(root / "2026-W47"):
        pass


def test_the_lock_is_exclusive_in_process(tmp_path):
    folder = tmp_path / "2026-W47"
    with atomic.folder_lock(folder), pytest.raises(RunLockedError, match="being written"):
        with atomic.folder_lock(folder, wait_s=0.3):
            pass


# --- leftovers of killed runs ------------------------------------------------------------------


def test_leftovers_are_recovered_under_the_lock_whatever_pid_they_carry(tmp_path):
    """After a reboot or in a container, a leftover's pid may belong to a live process (pid 1,
    this very process): under the lock nothing else is writing, so they all go."""
    week = tmp_path / "2026-W47"
    week.mkdir()
    (week / "manifest.json").write_text("current")
    live = [tmp_path / ".2026-W47.tmp-1-abc", tmp_path / f".2026-W47.tmp-{os.getpid()}-x",
            tmp_path / f".2026-W47.old-{os.getpid()}-1"]
    for p in live:
        p.mkdir()
        (p / "big.bin").write_bytes(b"0" * 1000)
    with atomic.folder_lock(week):
        done = atomic.recover(week)
    assert len(done) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [".locks", "2026-W47"]
    assert (week / "manifest.json").read_text() == "current"


def test_a_folder_set_aside_by_a_killed_swap_comes_back(tmp_path):
    week = tmp_path / "2026-W47"
    aside = tmp_path / ".2026-W47.old-1-1"
    aside.mkdir()
    (aside / "manifest.json").write_text("good")
    with atomic.folder_lock(week):
        atomic.recover(week)
    assert (week / "manifest.json").read_text() == "good"
    with pytest.raises(RuntimeError), atomic.swap_in(week, overwrite=True) as tmp:
        (tmp / "manifest.json").write_text("new")
        raise RuntimeError("a step failed")
    assert (week / "manifest.json").read_text() == "good"
    with atomic.swap_in(week, overwrite=True) as tmp:
        (tmp / "manifest.json").write_text("new")
    assert (week / "manifest.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".locks", "2026-W47"]


def test_oserrors_become_user_errors():
    assert isinstance(atomic.os_error(OSError(errno.ENOSPC, "x"), where="/r"), DiskFullError)
    assert isinstance(atomic.os_error(OSError(errno.EDQUOT, "x"), where="/r"), DiskFullError)
    err = atomic.os_error(OSError(errno.EACCES, "x"), where="/r")
    assert isinstance(err, OutputLocationError) and "permission denied" in str(err)


# --- what the run computes at the edges of the data --------------------------------------------


def _strict(text: str):
    def no_constant(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=no_constant)


@pytest.mark.slow
def test_the_first_week_of_the_data_says_no_previous_week(tmp_path):
    cfg = load_config(CONFIG)
    res = pipeline.run_week(cfg, week="2026-W36", out_root=tmp_path, now=NOW)
    s = res.summary
    assert s["weeks_window"] == ["2026-W36"]
    assert "week_over_week" not in s and "evaluation" not in s
    assert "first week of the data" in s["week_over_week_skipped"]
    manifest = _strict((tmp_path / "2026-W36" / "manifest.json").read_text())
    assert manifest["counts"]["week_over_week_skipped"] == s["week_over_week_skipped"]
    assert "first week of the data" in (tmp_path / "2026-W36" / "report.html").read_text()


@pytest.mark.slow
def test_future_dated_records_are_rejected_and_do_not_move_latest(tmp_path):
    from hotspots import sample

    csv = tmp_path / "incidents.csv"
    text = sample.incidents_path().read_text(encoding="utf-8")
    text += "BO-2062-000001,14/11/2062 21:00,furto,60.168,24.945,,,,,,\n"
    csv.write_text(text, encoding="utf-8")
    cfg = load_config(CONFIG).with_changes(inputs={"incidents": str(csv)})
    res = pipeline.run_week(cfg, week="latest", out_root=tmp_path / "runs", now=NOW)
    assert res.summary["week"] == "2026-W47"
    assert res.summary["rejected_by_reason"]["future_time"] == 1
    rejects = pd.read_csv(res.files["rejects"])
    row = rejects[rejects["reason"] == "future_time"].iloc[0]
    assert row["incident_id"] == "BO-2062-000001" and "2062-11-14" in row["detail"]
    assert res.summary["accounted"]
    assert res.summary["week_dates"] == {"first": "2026-11-16", "last": "2026-11-22"}


def test_latest_is_the_last_finished_week_with_incidents():
    from hotspots.weekly import resolve_week

    tz = "America/Sao_Paulo"
    times = pd.Series(pd.to_datetime(["2026-11-10 10:00", "2026-11-18 23:00",
                                      "2026-11-24 08:00"]).tz_localize(tz))
    # on Tuesday 24/11 the week of the 24th is still running: the week that ended is W47
    assert resolve_week("latest", times, timezone=tz,
                        now=pd.Timestamp("2026-11-24 09:00", tz=tz)).label == "2026-W47"
    # weeks with no incident are skipped: W48 and W49 are empty, W47 holds the last ones
    assert resolve_week("latest", times.iloc[:2], timezone=tz,
                        now=pd.Timestamp("2026-12-09 09:00", tz=tz)).label == "2026-W47"
    with pytest.raises(Exception, match="no finished week"):
        resolve_week("latest", times.iloc[2:], timezone=tz,
                     now=pd.Timestamp("2026-11-25 09:00", tz=tz))


def test_week_ranges_are_inclusive_and_day_first_in_portuguese():
    from hotspots.weekly import date_range_text, parse_week

    w47 = parse_week("2026-W47", timezone="America/Sao_Paulo")
    assert date_range_text(w47, "en") == "2026-11-16 – 2026-11-22"
    assert date_range_text(w47, "pt") == "16/11/2026 – 22/11/2026"


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_a_file_with_latitude_and_longitude_swapped_stops_with_its_rejects(tmp_path):
    """The Pelotas case: lat −52 / lon −31 are both valid numbers, every row is rejected as
    swapped. The run stops (exit 2) naming the cause and the fix, and still writes the rejects."""
    import geopandas as gpd
    import shapely

    streets = tmp_path / "ruas.gpkg"
    lines = [shapely.LineString([(-52.34 + 0.001 * i, -31.77), (-52.34 + 0.001 * (i + 1), -31.77)])
             for i in range(5)]
    gpd.GeoDataFrame({"nome": [f"Rua {i}" for i in range(5)]}, geometry=lines,
                     crs=4326).to_file(streets, engine="pyogrio")
    rows = ["id;data;lat;lon"] + [f"{i};20/11/2026 2{i % 4}:00;{-52.3395 + 0.0008 * i:.6f};"
                                  f"-31.770050" for i in range(6)]
    csv = tmp_path / "bo.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "runs" / "semana"
    res = subprocess.run([sys.executable, "-m", "hotspots", "snap", str(csv), "--streets",
                          str(streets), "--time-format", "%d/%m/%Y %H:%M", "--out", str(out),
                          "-q"], capture_output=True, text=True, env=_env(), timeout=300)
    assert res.returncode == 2, res.stderr
    assert "swapped" in res.stderr and "lat_column='lon'" in res.stderr
    assert "Traceback" not in res.stderr and "a bug" not in res.stderr
    written = out.with_name("semana-rejects.csv")
    assert str(written) in res.stderr
    rejects = pd.read_csv(written)
    assert len(rejects) == 6 and set(rejects["reason"]) == {"latlon_swapped"}
    assert not out.exists()
