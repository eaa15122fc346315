"""The state bulletin (one A4 page, pt and en) and the offline state map, in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from hotspots.state.bulletin import render_state_bulletin
from hotspots.state.statemap import state_map_html
from hotspots.state.summary import state_table, state_totals
from hotspots.state.tasks import CityOutcome

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def state():
    """40 real RS municipalities with made-up results: two failures, one low geocoding rate."""
    layer = gpd.read_file(REPO / "data" / "boundaries" / "rs_municipios_ibge.geojson")
    layer = layer.sort_values("cd_mun").iloc[::12].head(40).reset_index(drop=True)
    rng = np.random.default_rng(1)
    outcomes = []
    for i, r in layer.iterrows():
        name = EVIL if i == 5 else r["nm_mun"]  # a failed city: listed with its error
        if i in (5, 17):
            outcomes.append(CityOutcome(code=r["cd_mun"], name=name, status="failed",
                                        exit_code=2, message=f"inputs.streets: file not found: "
                                        f"/dados/ruas/{r['cd_mun']}.gpkg\nHow to fix: …"))
            continue
        n = int(rng.integers(0, 1500))
        outcomes.append(CityOutcome(
            code=r["cd_mun"], name=name, status="done" if i % 4 else "skipped", exit_code=0,
            row={"incidents": n, "segments": 2000 + 10 * n, "hot_segments": n // 20,
                 "share_top5": 0.4 + 0.1 * rng.random(), "concentration": 0.04,
                 "hit_rate": 0.3 * rng.random(), "geocoding_rate": 0.7 if i == 8 else 0.97}))
    table = state_table(outcomes)
    polygons = gpd.GeoDataFrame({"code": layer["cd_mun"]}, geometry=layer.geometry,
                                crs=layer.crs).to_crs(4326)
    return table, state_totals(table), polygons


def test_the_table_and_totals(state):
    table, totals, _ = state
    assert list(table.columns[:10]) == ["code", "municipality", "status", "incidents",
                                        "segments", "hot_segments", "share_top5",
                                        "concentration", "hit_rate", "geocoding_rate"]
    assert totals["failed"] == 2 and totals["done"] + totals["skipped"] == 38
    assert totals["incidents"] == int(table["incidents"].fillna(0).sum())
    assert len(totals["low_geocoding"]) == 1


@pytest.mark.parametrize("language, words", [("pt", ["Boletim estadual", "Municípios com falha",
                                                       "Semana 2026-W47 (16/11/2026 – 22/11/2026)"]),
                                              ("en", ["State bulletin", "Municipalities that "
                                                      "failed", "Week 2026-W47 (2026-11-16 – "
                                                      "2026-11-22)"])])
def test_the_bulletin_text_in_both_languages_escapes_inputs(state, language, words):
    table, totals, polygons = state
    page = render_state_bulletin(table, totals, polygons=polygons, title="SSP — RS",
                                 week="2026-W47", timezone="America/Sao_Paulo",
                                 language=language)
    for w in words:
        assert w in page
    assert EVIL not in page and "&lt;script&gt;" in page
    assert "file not found" in page
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?://", page)
    assert page.count("<path ") == 40


@pytest.mark.browser
@pytest.mark.slow
def test_the_bulletin_prints_to_one_a4_page_and_the_map_works_offline(state, chromium_path,
                                                                      tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    table, totals, polygons = state
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=ARGS)
        for lang in ("pt", "en"):
            path = tmp_path / f"bulletin_{lang}.html"
            path.write_text(render_state_bulletin(
                table, totals, polygons=polygons, title="Secretaria da Segurança Pública — RS",
                week="2026-W47", timezone="America/Sao_Paulo", language=lang),
                encoding="utf-8")
            page = browser.new_page(viewport={"width": 794, "height": 1123})
            requests: list[str] = []
            page.route("**/*", lambda route, r=requests: (
                route.continue_() if route.request.url.startswith(("file:", "data:")) else
                (r.append(route.request.url), route.abort())))
            page.goto(path.as_uri())
            pdf = page.pdf(format="A4", print_background=True)
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
            assert pages == 1, f"{lang}: {pages} pages"
            page.screenshot(path=str(ARTIFACTS / f"state_bulletin_{lang}.png"), full_page=True)
            assert requests == []
            page.close()
        path = tmp_path / "map.html"
        path.write_text(state_map_html(polygons, table, title="SSP — RS", week="2026-W47",
                                       language="pt"), encoding="utf-8")
        page = browser.new_page(viewport={"width": 1100, "height": 760})
        errors: list[str] = []
        requests = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.route("**/*", lambda route: (
            route.continue_() if route.request.url.startswith(("file:", "data:")) else
            (requests.append(route.request.url), route.abort())))
        page.goto(path.as_uri())
        page.wait_for_function("window.hsPainted !== undefined", timeout=15000)
        assert errors == [] and requests == []
        legend = page.locator(".hs-legend").inner_text()
        assert "Ocorrências na semana" in legend
        assert page.locator("path.leaflet-interactive").count() >= 38 or \
            page.evaluate("document.querySelectorAll('canvas').length") > 0
        page.screenshot(path=str(ARTIFACTS / "state_map.png"))
        page.close()
        browser.close()


@pytest.mark.parametrize("language, words", [
    ("pt", ['["incidents","Ocorrências","int"', '["run_status","Situação","text"', "Legenda"]),
    ("en", ['["incidents","Incidents","int"', '["run_status","Status","text"'])])
def test_the_state_maps_popup_labels_are_its_own_in_its_language(state, language, words):
    table, _, polygons = state
    page = state_map_html(polygons, table, title="SSP — RS", week="2026-W47",
                          language=language)
    for w in words:
        assert w in page
    assert "Week over week" not in page and "Semana a semana" not in page
    from hotspots.maps.offline import remote_references

    assert remote_references(page) == []
