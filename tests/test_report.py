"""report.html: self-contained, bilingual, escaped, with the plots; Moran slope checked vs esda."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import report
from hotspots._errors import ValidationError

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""",
                      re.IGNORECASE)


def _toy():
    idx = pd.Index([11, 12, 13, 14], name="segment_id")
    seg = gpd.GeoDataFrame({
        "street_name": ["<script>alert(1)</script>", "Rua Gonçalves Chaves", "", "Av. Bento"],
        "length_m": [100.0, 50.0, 80.0, 120.0], "count": [9, 4, 0, 1],
        "rate_per_100m": [9.0, 8.0, 0.0, 0.8333], "count_prev": [5, 6, 0, 0],
        "change_prev": [4, -2, 0, 1], "hot": [True, False, False, False],
        "hot_prev": [True, True, False, False],
        "hot_status": ["persistent", "cooling", "not hot", "not hot"],
    }, geometry=[shapely.LineString([(0, 100 * i), (50, 100 * i)]) for i in range(4)],
        crs=31982, index=idx)
    window = pd.DataFrame({"segment_id": [11, 11, 12, 14, 11],
                           "week": ["2026-W45", "2026-W46", "2026-W46", "2026-W47", "2026-W47"]})
    summary = {
        "week": "2026-W47", "week_start": "2026-11-16T00:00:00-03:00",
        "week_end": "2026-11-23T00:00:00-03:00", "rows_read": 20, "used": 16, "rejected": 4,
        "rejected_by_reason": {"missing_time": 3, "outside_boundary": 1}, "snap_rate": 0.8,
        "crs": "EPSG:31982",
        "week_over_week": {"hot_rule": "top 5% of segments by count", "incidents_week": 14,
                           "incidents_prev": 11, "incidents_hist_mean": 10.5,
                           "weekly_totals": {"2026-W45": 10, "2026-W46": 11, "2026-W47": 14},
                           "hot_new": 0, "hot_persistent": 1, "hot_cooling": 1,
                           "hot_not_hot": 2},
        "evaluation": {"n": 9, "N": 14, "hit_rate": 9 / 14, "flagged_segments": 2,
                       "pai_length": 1.2, "pai_area": 3.4567, "rri": 0.9},
        "concentration_weisburd": {"segments": 4, "share_for_50pct": 0.25,
                                   "share_for_25pct": 0.25, "gini": 0.55,
                                   "within_weisburd_50": False},
    }
    return seg, window, summary


@pytest.mark.parametrize("lang", ["pt", "en", "pt-BR"])
def test_report_is_self_contained_and_escaped(lang):
    seg, window, summary = _toy()
    page = report.render_report(summary=summary, segments=seg, weekly_counts=window,
                                title="Pelotas <b>", language=lang)
    assert not EXTERNAL.search(page)
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Pelotas &lt;b&gt;" in page
    assert page.count("<svg") >= 2  # weekly trend and concentration curve
    assert "data:image/png;base64," in page  # small multiples
    assert "@media print" in page
    assert "Rua Gonçalves Chaves" in page
    if lang.startswith("pt"):
        assert 'lang="pt-BR"' in page and "Ocorrências na semana" in page
        assert "64,3 %" in page  # hit rate 9/14 with a decimal comma
        assert "3,46" in page  # PAI by area
    else:
        assert "Incidents this week" in page and "64.3 %" in page


def test_hot_segments_listed_with_status_and_cooling_named():
    seg, _, summary = _toy()
    page = report.render_report(summary=summary, segments=seg, language="en")
    body = page[page.index('id="top-segments"'):page.index('id="plots"')]
    table = body[body.index("<table"):body.index("</table>")]
    assert "&lt;script&gt;" in table and "persistent" in table  # the one hot segment
    assert "Rua Gonçalves Chaves" not in table and "Bento" not in table
    cooling = body[body.index("Cooling: hot last week"):]
    assert "Rua Gonçalves Chaves (4)" in cooling  # its incidents this week
    assert "All 1 hot segments" in body
    assert "13" not in re.findall(r"<td[^>]*>(\d+)</td>", body)  # zero-count segment not listed


def test_hot_segment_list_says_when_it_is_cut():
    seg, _, summary = _toy()
    seg = seg.assign(hot=True)
    page = report.render_report(summary=summary, segments=seg, language="pt", top_n=2)
    assert "2 de 4 segmentos quentes exibidos; a lista completa está em hot_segments.csv" in page


def test_report_without_weekly_data_still_renders():
    seg, _, summary = _toy()
    plain = {k: v for k, v in summary.items()
             if k not in {"week", "week_over_week", "evaluation"}}
    page = report.render_report(summary=plain, segments=seg[["street_name", "length_m", "count",
                                                             "rate_per_100m", "geometry"]])
    assert "All incidents" in page and "Hit rate" not in page


def test_bad_language():
    seg, _, summary = _toy()
    with pytest.raises(ValidationError, match="'pt'"):
        report.render_report(summary=summary, segments=seg, language="fr")


@pytest.mark.parametrize(("value", "lang", "kw", "text"), [
    (1234.5, "pt", {"digits": 1}, "1.234,5"), (1234.5, "en", {"digits": 1}, "1,234.5"),
    (0.0461, "pt", {"digits": 1, "pct": True}, "4,6 %"), (3, "en", {"sign": True}, "+3"),
    (float("nan"), "en", {}, "–"), (None, "pt", {}, "–"),
])
def test_number_format(value, lang, kw, text):
    assert report.fmt_num(value, lang, **kw) == text


def test_moran_scatter_slope_is_esda_moran_i():
    from esda.moran import Moran
    from libpysal import examples
    from libpysal.weights import Queen

    gdf = gpd.read_file(examples.get_path("columbus.shp"))
    w = Queen.from_dataframe(gdf, use_index=False)
    y = gdf["CRIME"].to_numpy()
    dense = w.sparse.toarray() + np.eye(len(y))  # a self-loop must not change the lag
    _, _, slope = report.moran_points(y, dense)
    w.transform = "r"
    assert slope == pytest.approx(Moran(y, w, permutations=0).I, abs=1e-12)


@pytest.mark.slow  # a subprocess run of the CLI: out of the fast inner loop
@pytest.mark.browser
def test_real_report_opens_offline_and_prints_to_pdf(chromium_path, tmp_path):
    """A weekly run's report in headless Chromium: no request leaves the page, no JS error,
    every plot shows, and it prints to a multi-page A4 PDF."""
    from playwright.sync_api import sync_playwright

    from hotspots import pipeline
    from hotspots.config import load_config

    cfg = load_config(Path(__file__).resolve().parents[1] / "examples/sample_city.toml")
    res = pipeline.run_week(cfg, week="2026-W47", out_root=tmp_path)
    path = res.files["report"]
    requests, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            def block(route):
                requests.append(route.request.url)
                route.abort()

            page.route(re.compile(r"^https?://"), block)
            page.goto(path.as_uri())
            figures = page.locator("figure").count()
            broken = page.evaluate("[...document.images].filter(i => !i.naturalWidth).length")
            artifacts = Path(__file__).resolve().parents[1] / "test-artifacts"
            artifacts.mkdir(exist_ok=True)
            page.screenshot(path=str(artifacts / "report.png"), full_page=True)
            pdf = page.pdf(format="A4", print_background=True)
            (artifacts / "report.pdf").write_bytes(pdf)
        finally:
            browser.close()
    assert requests == [] and errors == []
    assert figures >= 4 and broken == 0
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 2
