"""The printable intervention report: contents in pt and en, and a real headless Chromium (screen and A4 PDF)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotspots._errors import ValidationError
from hotspots.intervention import EvaluationSettings, evaluate_interventions
from hotspots.intervention.report import render_report, write_report
from hotspots.intervention.simulate import synthetic_city
from hotspots.intervention.texts import conclusion, fmt

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def result():
    city = synthetic_city(n_x=12, n_y=12, weeks=60, n_projects=4, cohort_weeks=(25, 32),
                          mean_night_rate=0.3, buffer_m=100.0, seed=5)
    return evaluate_interventions(city.incidents, city.segments, city.interventions,
                                  settings=EvaluationSettings(buffer_m=100.0, pre_weeks=20,
                                                              post_weeks=20))


def test_formatting_follows_the_language():
    assert fmt(-1234.5, "pt", digits=1) == "−1\u2009234,5"
    assert fmt(-1234.5, "en", digits=1) == "−1,234.5"
    assert fmt(12.0, "pt", pct=True, sign=True) == "+12 %"
    assert fmt(float("nan"), "en") == "–"


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_report_holds_every_section_and_the_numbers(result, lang):
    html = render_report(result, language=lang, title="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    for anchor in ("conclusion", "map", "counts", "classic", "effects", "event-study",
                   "trajectory", "balance", "caveats", "cohorts", "categories"):
        assert f'id="{anchor}"' in html
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)   # nothing to download
    assert "@page { size: A4" in html
    fx = result.effects.loc["treated"]
    pct = fmt(fx["pct_change"], lang, digits=1, pct=True, sign=True)
    assert pct in html
    first = conclusion(result, lang)[0]
    assert str((result.areas["role"] == "treated").sum()) in first
    assert ("intervalo de 95 %" if lang == "pt" else "95 % interval") in first
    words = {"pt": ("Regressão à média", "Medidas clássicas", "Estudo de evento"),
             "en": ("Regression to the mean", "Classic measures", "Event study")}[lang]
    for w in words:
        assert w in html


def test_unknown_language(result, tmp_path):
    with pytest.raises(ValidationError, match="choose one of pt, en"):
        write_report(result, tmp_path / "x.html", language="es")


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["pt", "en"])
def test_report_in_headless_chromium_screen_and_a4(result, lang, tmp_path, chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = write_report(result, tmp_path / f"evaluation_{lang}.html", language=lang)
    requests, errors = [], []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 1200})

        def route(r):
            if r.request.url.startswith(("file:", "data:", "about:")):
                r.continue_()
            else:
                requests.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.resolve().as_uri())
        assert page.locator("#conclusion").is_visible()
        # the map and both plots are drawn and have a size
        assert page.evaluate("document.querySelector('#map img').naturalWidth") > 500
        assert page.locator("#event-study svg").bounding_box()["width"] > 300
        assert page.locator("#trajectory svg").bounding_box()["width"] > 300
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"intervention_report_{lang}.png"
        page.screenshot(path=str(shot), full_page=True)
        pdf = page.pdf(format="A4", print_background=True)
        browser.close()
    assert errors == [] and requests == []
    assert shot.stat().st_size > 50_000
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 2 <= pages <= 8
