"""The council sheet: ≤ 2 A4 pages in headless Chromium (pt and en), offline, screenshots kept."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from test_planning import toy_plan

from hotspots._errors import MissingDependencyError, ValidationError
from hotspots.planning import PlanningSettings, plan
from hotspots.planning.sheet import council_sheet_html, council_sheet_pdf, write_council_sheet

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_sheet_html_escapes_input_text_and_states_the_window():
    p = toy_plan(budget_brl=6_000)
    p.projects.loc[p.projects.index[0], "bairro"] = "<script>alert(1)</script>"
    html = council_sheet_html(p, language="en")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "in the last 52 weeks (2025-11-30 to 2026-11-28)" in html
    assert "R$ 550" in html  # the budget left
    assert "placeholder values" in html  # the example costs are flagged
    assert not re.search(r"(src|href)=\"https?:", html)  # nothing to download
    png = base64.b64decode(re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html).group(1))
    assert png.startswith(b"\x89PNG")
    html_pt = council_sheet_html(p, language="pt")
    assert 'lang="pt-BR"' in html_pt and "Orçamento de iluminação" in html_pt
    assert "nas últimas 52 semanas (2025-11-30 a 2026-11-28)" in html_pt


def test_pdf_needs_chromium(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("HOTSPOTS_CHROMIUM", raising=False)
    html = write_council_sheet(toy_plan(), tmp_path / "s.html", language="en")
    with pytest.raises(MissingDependencyError, match="needs Chromium"):
        council_sheet_pdf(html, tmp_path / "s.pdf")
    with pytest.raises(ValidationError, match="no such council sheet"):
        council_sheet_pdf(tmp_path / "none.html", tmp_path / "s.pdf", chromium="/bin/true")


@pytest.fixture(scope="module")
def sample_inputs():
    from planning_sample import inputs

    return inputs()


@pytest.fixture(scope="module")
def plans(sample_inputs):
    """The sample city with a realistic budget, and a crowded one with long street names."""
    s = PlanningSettings(budget_brl=250_000, green_budget_brl=60_000)
    realistic = plan(**sample_inputs, settings=s, language="pt")
    crowded_inputs = dict(sample_inputs)
    segs = sample_inputs["segments"].copy()
    segs["street_name"] = "Avenida Presidente Juscelino Kubitschek de Oliveira " + segs[
        "street_name"]
    crowded_inputs["segments"] = segs
    crowded = plan(**crowded_inputs, settings=PlanningSettings(
        budget_brl=3_000_000, green_budget_brl=2_000_000, max_per_bairro=40), language="pt")
    return {"sample": realistic, "crowded": crowded}


def pdf_pages(path: Path) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("language", ["pt", "en"])
@pytest.mark.parametrize("which", ["sample", "crowded"])
def test_council_sheet_prints_to_at_most_two_pages(plans, browser, chromium_path, tmp_path,
                                                    language, which):
    p = plans[which]
    html = write_council_sheet(p, tmp_path / f"sheet_{language}.html", language=language)
    pdf = council_sheet_pdf(html, tmp_path / f"sheet_{language}.pdf", chromium=chromium_path)
    pages = pdf_pages(pdf)
    assert 1 <= len(pages) <= 2
    text = re.sub(r"\s+", " ", " ".join(pages))
    left = p.totals["lighting"]["left_brl"]
    money = f"{round(left):,}".replace(",", "." if language == "pt" else ",")
    assert f"R$ {money}" in text
    assert ("2026-11-22" in text) and ("52" in text)
    assert ("restante" if language == "pt" else "budget left") in text.lower()

    page = browser.new_page(viewport={"width": 794, "height": 1123})
    requests, errors = [], []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.emulate_media(media="print")
    page.goto(html.resolve().as_uri())
    assert page.evaluate("document.querySelector('figure img').naturalWidth") > 600
    assert requests == [] and errors == []
    funded_rows = page.locator("table").first.locator("tbody tr").count()
    n_funded = int(p.projects.query("budget_group == 'lighting'")["funded"].sum())
    assert 1 <= funded_rows <= min(12, n_funded)
    if funded_rows < n_funded:  # the sheet says where the others are
        assert f"{n_funded - funded_rows} " in page.locator("p.more").inner_text() or \
            n_funded - funded_rows == 1
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"council_sheet_{which}_{language}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    page.close()
