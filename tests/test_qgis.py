"""layers.gpkg and the rasters opened in a real headless QGIS (Debian's python3-qgis 3.22).

QGIS's Python bindings live in the system interpreter, not in the venv: each test module runs
``/usr/bin/python3 tests/qgis_check.py`` once in a subprocess (``QT_QPA_PLATFORM=offscreen``)
and reads back its JSON report — per feature, the legend key QGIS's own renderer gives it —
then compares it with ``hotspots.symbology`` computed here (the classes the web map draws).
PNGs of every style go to ``test-artifacts/qgis/``. Skipped locally without QGIS, a failure
in CI (``CI=true``).
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
from shapely.geometry import LineString, Point, Polygon

from hotspots import export
from hotspots import symbology as sym

pytestmark = [pytest.mark.qgis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
RUNNER = Path(__file__).resolve().parent / "qgis_check.py"
ARTIFACTS = ROOT / "test-artifacts" / "qgis"
SYSTEM_PYTHON = os.environ.get("HOTSPOTS_QGIS_PYTHON", "/usr/bin/python3")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
#: QgsMessageLog levels: Info 0, Warning 1, Critical 2
WARNING = 1


def _qgis_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    runtime = tmp / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime))
    return env


@pytest.fixture(scope="session")
def qgis_python(tmp_path_factory) -> str:
    """The system interpreter with QGIS bindings (skipped locally, a failure in CI, if absent)."""
    probe = None
    if Path(SYSTEM_PYTHON).exists():
        probe = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True,
                               text=True, env=_qgis_env(tmp_path_factory.mktemp("probe")))
    if probe is None or probe.returncode != 0:
        why = (f"QGIS Python bindings not importable by {SYSTEM_PYTHON} "
               f"({probe.stderr.strip().splitlines()[-1] if probe else 'no such interpreter'}); "
               "apt-get install python3-qgis qgis-providers (bash .ci/run installs them)")
        if IN_CI:
            pytest.fail(why)
        pytest.skip(why)
    return SYSTEM_PYTHON


def run_qgis(python: str, tmp: Path, *, tag: str, vectors=(), rasters=()) -> dict:
    """Run the QGIS checker on files; returns its report with the process's stderr."""
    out = tmp / f"{tag}.json"
    cmd = [python, str(RUNNER), "--out", str(out), "--png-dir", str(ARTIFACTS), "--tag", tag]
    for v in vectors:
        cmd += ["--vector", str(v)]
    for r in rasters:
        cmd += ["--raster", str(r)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_qgis_env(tmp), timeout=900)
    if proc.returncode != 0:
        pytest.fail(f"QGIS checker failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    report["stderr"] = proc.stderr
    return report


# --- the runs (isolated here: the pipeline API changes with the redesign) --------------------


def produce_runs(root: Path) -> dict[str, Path]:
    """The demo run and the sample city's weekly run (2026-W47): {name: output folder}."""
    from hotspots import pipeline
    from hotspots.config import load_config

    demo = root / "demo"
    pipeline.run_all(pipeline.sample_config(), demo)
    weekly_root = root / "runs"
    pipeline.run_week(load_config(ROOT / "examples" / "sample_city.toml"), week="2026-W47",
                      out_root=weekly_root)
    return {"demo": demo, "weekly": weekly_root / "2026-W47"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, qgis_python) -> dict[str, Path]:
    return produce_runs(tmp_path_factory.mktemp("runs"))


def _outputs(runs: dict[str, Path]):
    gpkgs, rasters = [], []
    for folder in runs.values():
        for sub in (folder, folder / "liaison"):
            gpkgs.append(sub / "layers.gpkg")
            rasters += sorted(sub.glob("*.tif"))
    return gpkgs, rasters


@pytest.fixture(scope="module")
def report(runs, qgis_python, tmp_path_factory) -> dict:
    gpkgs, rasters = _outputs(runs)
    assert len(gpkgs) == 4 and len(rasters) >= 4
    return run_qgis(qgis_python, tmp_path_factory.mktemp("qgis"), tag="runs", vectors=gpkgs,
                    rasters=rasters)


def _styled_layers(report):
    for gp in report["geopackages"]:
        for name, info in gp["layers"].items():
            if info["data_type"] == "features":
                yield gp["path"], name, info


# --- every layer of every run -------------------------------------------------------------


def test_every_layer_opens_valid_with_all_its_rows(report, runs):
    gpkgs, _ = _outputs(runs)
    assert [gp["path"] for gp in report["geopackages"]] == [str(p) for p in gpkgs]
    for gp in report["geopackages"]:
        listed = {name for name, _ in pyogrio.list_layers(gp["path"])} - {"layer_styles"}
        assert set(gp["layers"]) == listed
        for name, info in gp["layers"].items():
            assert info["valid"], (gp["path"], name)
            assert info["features"] == pyogrio.read_info(gp["path"], layer=name)["features"]
    names = {n for gp in report["geopackages"] for n in gp["layers"]}
    assert {"segments", "lamps", "green_areas", "patrol", "plan_lighting", "dark_gaps",
            "boundary"} <= names


def test_geopackages_are_version_1_2_and_gdal_stays_quiet(report):
    for gp in report["geopackages"]:
        assert gp["header"] == {"user_version": 10200, "application_id": 0x47504B47}
    noisy = [line for line in report["stderr"].splitlines()
             if re.search(r"warning|error", line, re.IGNORECASE)]
    assert noisy == []


def test_qgis_message_log_stays_clean(report):
    assert [m for m in report["messages"] if m["level"] >= WARNING] == []


def test_default_style_is_applied_on_opening(report):
    for path, name, info in _styled_layers(report):
        default = [s for s in info["styles"] if s["default"]]
        assert len(default) == 1, (path, name)
        assert info["loaded_renderer"] == default[0]["renderer"] == "RuleRenderer"
        assert info["loaded_legend"] == default[0]["legend"], (path, name)
        assert info["loaded_labeling"] == default[0]["labeling"]
        assert all(s["import_error"] == "" for s in info["styles"])


def test_load_style_from_database_lists_each_style_once(report):
    for gp in report["geopackages"]:
        with closing(sqlite3.connect(gp["path"])) as con:
            rows = con.execute("SELECT id, f_table_name, styleName, update_time "
                               "FROM layer_styles").fetchall()
        assert len({r[3][:19] for r in rows}) == len(rows)  # distinct to the second
        for name, info in gp["layers"].items():
            if info["data_type"] != "features":
                continue
            listed = info["listed_styles"]
            assert sorted(map(int, listed["ids"])) == sorted(r[0] for r in rows)
            related = sorted(map(int, listed["ids"][:listed["related"]]))
            assert related == sorted(r[0] for r in rows if r[1] == name)


def test_every_feature_gets_exactly_one_symbol_in_every_style(report):
    checked = 0
    for path, name, info in _styled_layers(report):
        for style in info["styles"]:
            assert len(style["fids"]) == info["features"]
            assert set(style["symbols"]) == ({1} if info["features"] else set()), \
                (path, name, style["name"])
            assert all(len(k) == 1 for k in style["keys"]), (path, name, style["name"])
            checked += 1
    assert checked >= 4 * 8


def _run_breaks(path: Path) -> dict | None:
    """The run's fixed class breaks (manifest.json beside the run folder's files): both the
    analyst and the liaison files are styled with them, as the web maps are."""
    folder = path.parent.parent if path.parent.name == "liaison" else path.parent
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return None
    breaks = json.loads(manifest.read_text(encoding="utf-8"))["counts"].get("class_breaks")
    if not breaks:
        return None
    return {"rate_per_100m": breaks["rate_per_100m"]["breaks"],
            "weekly_counts": breaks["weekly_counts"]["lower_bounds"]}


def _expected(path: str, name: str):
    """{style title: (symbology, class index per fid)} computed here from the file's rows."""
    frame = pyogrio.read_dataframe(path, layer=name, fid_as_index=True)
    k = 3 if "liaison" in Path(path).parts else None  # the sample config's privacy_k
    breaks = _run_breaks(Path(path))
    out = {}
    for s in sym.layer_symbologies(name, frame, privacy_k=k, breaks=breaks):
        out[s.title or name] = (s, pd.Series(s.classify(frame), index=frame.index))
    return out


def test_each_feature_has_the_web_maps_class_colour_and_label(report):
    for path, name, info in _styled_layers(report):
        expected = _expected(path, name)
        assert [s["name"] for s in info["styles"]] == list(expected)
        for style in info["styles"]:
            s, idx = expected[style["name"]]
            got = pd.Series([k[0] for k in style["keys"]], index=style["fids"])
            want = idx.map(lambda i, key=s.key: f"{key}-{i}")
            assert (got.sort_index() == want.sort_index()).all(), (path, name, style["name"])
            colours = pd.Series(style["colors"], index=style["fids"]).sort_index()
            want_colours = idx.map(lambda i, s=s: s.all_classes[i].color).sort_index()
            assert (colours == want_colours).all(), (path, name, style["name"])
            legend = [(f"{s.key}-{i}", c.label, c.color) for i, c in s.legend(idx.to_numpy())]
            assert [tuple(item) for item in style["legend"]] == legend


def test_suppressed_rates_are_drawn_in_their_own_class_in_the_liaison_files(report):
    seen = 0
    for path, name, info in _styled_layers(report):
        if name != "segments" or "liaison" not in path:
            continue
        style = next(s for s in info["styles"] if s["name"] == "Incidents per 100 m")
        labels = dict((k, lab) for k, lab, _ in style["legend"])
        frame = pyogrio.read_dataframe(path, layer=name, fid_as_index=True)
        suppressed = frame.index[frame["rate_per_100m"].isna() & frame["suppressed"].astype(bool)]
        assert len(suppressed) > 0
        keys = dict(zip(style["fids"], (k[0] for k in style["keys"])))
        assert {labels[keys[f]] for f in suppressed} == {"1 to 2 incidents (suppressed)"}
        seen += 1
    assert seen == 2


def test_street_names_are_labelled_on_segment_layers_at_close_scales(report):
    for _path, name, info in _styled_layers(report):
        for style in info["styles"]:
            lab = style["labeling"]
            if name in ("segments", "patrol"):
                assert lab == {"enabled": True, "field": "street_name", "scale_visibility": True,
                               "min_scale": float(sym.LABEL_MAX_SCALE), "max_scale": 1.0}
                if info["features"]:
                    assert style["render_close"]["drawn_pixels_sampled"] > 0
            elif name in ("lamps", "green_areas", "boundary"):
                assert lab == {"enabled": False}


def test_every_style_renders_a_png(report):
    for path, name, info in _styled_layers(report):
        for style in info["styles"]:
            if info["features"] == 0:  # an empty layer: styled, nothing to draw
                assert style["render"] is None
                continue
            png = Path(style["render"]["png"])
            assert png.exists() and png.stat().st_size > 1000
            assert style["render"]["errors"] == []
            assert style["render"]["drawn_pixels_sampled"] > 0, (path, name, style["name"])
    for gp in report["geopackages"]:
        assert Path(gp["overview"]["png"]).exists()


def _map_opacities(html: Path) -> list[float]:
    text = html.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"L\.imageOverlay\(", text):
        op = re.search(r'"opacity":\s*([0-9.]+)', text[m.end():])
        out.append(float(op.group(1)))
    return out


def test_rasters_open_with_the_maps_classes_colours_and_opacity(report, runs):
    from hotspots.maps.raster_overlay import colorize  # the web map's own colouring

    _, rasters = _outputs(runs)
    assert [r["path"] for r in report["rasters"]] == [str(p) for p in rasters]
    map_opacity = {op for folder in runs.values() for op in _map_opacities(folder / "map.html")}
    assert map_opacity == {sym.RASTER_OPACITY}
    for info in report["rasters"]:
        assert info["valid"] and info["renderer"] == "singlebandpseudocolor"
        assert info["opacity"] == pytest.approx(sym.RASTER_OPACITY)
        with rasterio.open(info["path"]) as src:
            values = src.read(1).astype(float)
        name = Path(info["path"]).stem
        classes = sym.raster_classes(values, name=name)  # labels without the units
        items = info["items"]
        assert items[0][1:3] == ["#000000", 0] or items[0][2] == 0  # ≤ 0: transparent
        labels = [lab for *_x, lab in items[1:]]
        assert len(labels) == len(classes)
        assert all(lab == c.label or lab.startswith(c.label + " ")  # + the raster's units
                   for lab, c in zip(labels, classes)), labels
        assert [c for _v, c, _a, _l in items[1:]] == [c.color for c in classes]
        assert [lab for lab, _c in info["legend"][1:]] == [lab for *_x, lab in items[1:]]
        # every cell: the colour QGIS gives it (full opacity) against the map's colorize()
        argb = np.frombuffer(base64.b64decode(info["argb"]), dtype="<u4").reshape(
            info["height"], info["width"])
        alpha = argb >> 24
        rgb = argb & 0xFFFFFF
        edges = sym.kde_breaks(values)
        expected = colorize(values, edges, sym.raster_colors(name))
        want_rgb = (expected[..., 0].astype(np.uint32) << 16) | (
            expected[..., 1].astype(np.uint32) << 8) | expected[..., 2]
        drawn = expected[..., 3] > 0
        np.testing.assert_array_equal(alpha > 0, drawn)
        np.testing.assert_array_equal(rgb[drawn], want_rgb[drawn])
        assert drawn.sum() > 100


# --- explicit cases: hand-written expectations ---------------------------------------------

CRS = 32722  # SIRGAS-era UTM 22S of Pelotas (WGS 84 datum)


def _line(i: int) -> LineString:
    return LineString([(370000 + 60 * i, 6485000), (370000 + 60 * i + 50, 6485000)])


def _square(i: int) -> Polygon:
    x = 370000 + 40 * i
    return Polygon([(x, 6486000), (x + 30, 6486000), (x + 30, 6486030), (x, 6486030)])


def explicit_layers() -> dict[str, gpd.GeoDataFrame]:
    nan = math.nan
    segments = gpd.GeoDataFrame({
        "street_name": ["Rua das Flores", "Av. Bento Gonçalves", 'Rua "Quinze"', "Rua O'Higgins",
                        None, "Rua 7", "Rua 8", "Rua 9", "Rua 10"],
        "rate_per_100m": [0.0, nan, nan, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "suppressed": [False, True, False, False, False, False, False, False, False],
        "gi_bin": [3, 2, 1, 0, -1, -2, -3, nan, 0],
        "hot_status": ["new", "persistent", "cooling", "not hot", "NEW", None, "Cooling ",
                       "other", "not hot"],
    }, geometry=[_line(i) for i in range(9)], crs=CRS)
    segments.index = pd.Index(range(100, 109), name="segment_id")
    lamps = gpd.GeoDataFrame({"status": ["working", "Broken", "WORKING", " working ", None,
                                         "desligada"]},
                             geometry=[Point(370000 + 10 * i, 6484900) for i in range(6)], crs=CRS)
    green = gpd.GeoDataFrame({"name": ["Praça A", "Praça B", "Praça C"],
                              "adopted": [True, False, None]},
                             geometry=[_square(i) for i in range(3)], crs=CRS)
    patrol = gpd.GeoDataFrame({"shift": ["06–14", "14–22", "22–06", " 06–14", "14–22 ",
                                         "Noite 'B' \\ 2"],
                               "street_name": ["A", "B", "C", "D", "E", "F"]},
                              geometry=[_line(i) for i in range(6)], crs=CRS)
    return {"segments": segments, "lamps": lamps, "green_areas": green, "patrol": patrol}


def text_booleans_and_one_lamp_status() -> dict[str, gpd.GeoDataFrame]:
    green = gpd.GeoDataFrame({"adopted": ["Sim", "NÃO", " true ", "0", "talvez"]},
                             geometry=[_square(i) for i in range(5)], crs=CRS)
    lamps = gpd.GeoDataFrame({"status": ["Working", "working"]},
                             geometry=[Point(370000, 6484900), Point(370010, 6484900)], crs=CRS)
    return {"green_areas": green, "lamps": lamps}


@pytest.fixture(scope="module")
def explicit(qgis_python, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("explicit")
    a = export.write_geopackage(explicit_layers(), tmp / "a" / "layers.gpkg", privacy_k=3)
    b = export.write_geopackage(text_booleans_and_one_lamp_status(), tmp / "b" / "layers.gpkg",
                                lang="pt-BR")
    rep = run_qgis(qgis_python, tmp, tag="explicit", vectors=[a, b])
    out = {}
    for gp in rep["geopackages"]:
        for name, info in gp["layers"].items():
            for style in info.get("styles", []):
                labels = {k: lab for k, lab, _c in style["legend"]}
                colours = {k: c for k, _lab, c in style["legend"]}
                by_fid = sorted(zip(style["fids"], style["keys"], style["symbols"]))
                out[(Path(gp["path"]).parent.name, name, style["name"])] = {
                    "labels": [labels[k[0]] for _f, k, _n in by_fid],
                    "colours": [colours[k[0]] for _f, k, _n in by_fid],
                    "symbols": [n for _f, _k, n in by_fid],
                    "legend": [lab for _k, lab, _c in style["legend"]],
                }
    out["messages"] = rep["messages"]
    return out


def test_rate_edges_suppressed_and_null_rates(explicit):
    # positive rates 1…6: quantile breaks 2, 3, 4, 5 fall on values; classes are lower < v <= upper
    got = explicit[("a", "segments", "Incidents per 100 m")]
    assert got["labels"] == ["No incidents", "1 to 2 incidents (suppressed)", "No value",
                             "≤ 2", "≤ 2", "2 – 3", "3 – 4", "4 – 5", "> 5"]
    assert got["colours"][:3] == [sym.ZERO_COLOR, sym.SUPPRESSED_COLOR, sym.MISSING_COLOR]


def test_gi_bins_stored_as_reals_with_a_null(explicit):
    got = explicit[("a", "segments", "Hot spots (Gi*)")]
    assert got["labels"] == ["Hot spot 99 %", "Hot spot 95 %", "Hot spot 90 %",
                             "Not significant", "Cold spot 90 %", "Cold spot 95 %",
                             "Cold spot 99 %", "No Gi* class", "Not significant"]
    assert got["colours"][0] == "#d62f27"


def test_lamp_status_is_matched_case_insensitively_and_legend_lists_present_classes(explicit):
    got = explicit[("a", "lamps", "Street lamps")]
    assert got["labels"] == ["Lamp, working", "Lamp, broken", "Lamp, working", "Lamp, working",
                             "Lamp, status unknown", "Lamp, status unknown"]
    assert got["legend"] == ["Lamp, working", "Lamp, broken", "Lamp, status unknown"]
    only_working = explicit[("b", "lamps", "Luminárias")]  # written in Portuguese
    assert only_working["labels"] == ["Luminária funcionando", "Luminária funcionando"]
    assert only_working["legend"] == ["Luminária funcionando"]  # no "unknown" when none is


def test_green_areas_boolean_adopted_is_drawn(explicit):
    got = explicit[("a", "green_areas", "Green areas")]
    assert got["labels"] == ["Green area, adopted", "Green area, not adopted",
                             "Green area, adoption unknown"]
    assert got["colours"] == ["#1a9850", "#a6d96a", sym.GREEN_UNKNOWN.color]
    texts = explicit[("b", "green_areas", "Áreas verdes")]  # 'Sim', 'NÃO', ' true ', '0', …
    assert texts["labels"] == ["Área verde adotada", "Área verde não adotada",
                               "Área verde adotada", "Área verde não adotada",
                               "Área verde, adoção desconhecida"]


def test_week_over_week_status_keeps_not_hot_and_unknown_visible(explicit):
    got = explicit[("a", "segments", "Hot segments, week over week")]
    assert got["labels"] == [
        "New hot segment (hot this week, not last week)",
        "Persistent (hot this week and last week)", "Cooling (hot last week, not this week)",
        "Not hot", "New hot segment (hot this week, not last week)", "No status",
        "Cooling (hot last week, not this week)", "No status", "Not hot"]
    assert got["symbols"] == [1] * 9


def test_patrol_is_coloured_by_shift(explicit):
    got = explicit[("a", "patrol", "Patrol segments by shift")]
    assert got["labels"] == ["Shift 06–14", "Shift 14–22", "Shift 22–06", "Shift 06–14",
                             "Shift 14–22", "Shift Noite 'B' \\ 2"]  # quotes survive QGIS
    assert got["colours"] == [sym.SHIFT_COLORS[i] for i in (0, 1, 2, 0, 1, 3)]


def test_explicit_cases_leave_the_message_log_clean(explicit):
    assert [m for m in explicit["messages"] if m["level"] >= WARNING] == []


# --- the web map beside QGIS ----------------------------------------------------------------

#: map layers screenshotted alone for the side-by-side comparison (map name → QGIS PNG part)
MAP_LAYERS = {"Hot spots (Gi*)": "segments-Hot_spots__Gi", "Incidents per 100 m":
              "segments-Incidents_per_100_m",
              "Street lamps": "lamps-Street_lamps", "Green areas": "green_areas-Green_areas",
              "Patrol segments by shift": "patrol-Patrol_segments_by_shift"}


def _blend(color: str, opacity: float) -> np.ndarray:
    return np.array(sym.hex_to_rgb(color), dtype=float) * opacity + 255 * (1 - opacity)


def _pixels_near(image: np.ndarray, rgb: np.ndarray, tol: float = 8.0) -> int:
    return int((np.abs(image[..., :3] * 255 - rgb).max(axis=-1) <= tol).sum())


@pytest.mark.browser
def test_web_map_and_qgis_draw_the_same_classes(report, runs, chromium_path):
    """Screenshots of the web map (headless Chromium, offline) beside QGIS's renders: the
    opening view (study area + Gi*) and each classified layer alone. Checked here: every Gi*
    class the data has shows up in its colour in both; the rest is for looking at."""
    import matplotlib.image as mpimg

    sync_api = pytest.importorskip("playwright.sync_api")
    seg = pyogrio.read_dataframe(runs["demo"] / "layers.gpkg", layer="segments")
    gi = sym.symbology("gi", seg)
    present = sorted(set(gi.classify(seg).tolist()))
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith(("file:", "data:", "blob:", "about:"))
                   else route.abort())
        page.goto((runs["demo"] / "map.html").resolve().as_uri())
        page.wait_for_function("window.hsPainted !== undefined", timeout=20000)
        opening = ARTIFACTS / "webmap-demo-opening.png"
        page.screenshot(path=str(opening))
        for name, part in MAP_LAYERS.items():
            boxes = page.locator(".leaflet-control-layers-overlays label")
            for i in range(boxes.count()):
                box = boxes.nth(i).locator("input")
                want = boxes.nth(i).inner_text().strip() == name
                if box.is_checked() != want:
                    box.click()
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / f"webmap-demo-{part}.png"))
        browser.close()
    web = mpimg.imread(opening)
    qgis = mpimg.imread(Path(next(gp for gp in report["geopackages"]
                                  if gp["path"] == str(runs["demo"] / "layers.gpkg"))
                              ["overview"]["png"]))
    for i in present:
        colour = _blend(gi.all_classes[i].color, gi.opacity)
        assert _pixels_near(web, colour) > 0, ("web map", gi.all_classes[i].label)
        assert _pixels_near(qgis, colour) > 0, ("QGIS", gi.all_classes[i].label)
