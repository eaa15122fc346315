"""What people read, in a real headless Chromium with the network cut: the map (desktop and
phone, every layer switched on, street search, the top list, labels, clusters), the bulletin
printed to A4 (at most three pages), a KML balloon and the patrol cards. Screenshots go to
test-artifacts/ (looked at by a person; the assertions check what can be checked)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_browser import ARTIFACTS, OfflinePage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}


def _open(browser, path: Path, viewport: dict) -> OfflinePage:
    view = OfflinePage(browser, path)
    view.page.set_viewport_size(viewport)
    view.page.wait_for_function("window.hsPainted !== undefined", timeout=20000)
    return view


def _shot(view: OfflinePage, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / name))
    assert (ARTIFACTS / name).stat().st_size > 5000


def _layer_names(view: OfflinePage) -> list[str]:
    return view.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()


@pytest.mark.parametrize(("which", "lang"), [("analyst", "pt"), ("liaison", "pt"),
                                             ("analyst", "en")])
def test_map_on_a_desktop_every_layer_search_and_top_list(browser, pt_week_run, en_demo_run,
                                                           which, lang):
    run = pt_week_run if lang == "pt" else en_demo_run
    folder = run.files["map"].parent
    path = folder / ("map.html" if which == "analyst" else "liaison/map.html")
    view = _open(browser, path, DESKTOP)
    page = view.page
    assert page.title().endswith("mapa" if lang == "pt" else "map")
    # on a desktop the layer switcher is open (it folds to an icon on a phone)
    assert page.locator(".leaflet-control-layers-expanded").count() == 1
    names = [n.strip() for n in _layer_names(view)]
    assert len(names) >= 6, names
    tag = f"{which}_{lang}"
    _shot(view, f"map_{tag}_desktop.png")
    # every layer switched on, its legend section shown; then off again
    for name in names:
        label = page.locator(".leaflet-control-layers-overlays label", has_text=name).first
        box = label.locator("input")
        was = box.is_checked()
        label.click()
        assert box.is_checked() != was, name
        if not was:
            legend = page.locator(".hs-legend-section:visible")
            assert legend.count() >= 1, name
            slug = re.sub(r"\W+", "_", name.lower()).strip("_")[:30]
            if name in names[:3] or "semana" in name.lower() or "week" in name.lower():
                _shot(view, f"map_{tag}_layer_{slug}.png")
        label.click()  # back as it was
        assert box.is_checked() == was, name
    assert view.errors == [] and view.requests == []
    # the compact tooltip: at most five lines
    lines = view.map_js(
        "let lyr = null; map.eachLayer(l => { if (!lyr && l.getTooltip && l.getTooltip() && "
        "l.getLatLngs) lyr = l; }); const html = String(lyr.getTooltip()._content(lyr));"
        "const d = document.createElement('div'); d.innerHTML = html;"
        "return d.querySelectorAll('b, .hs-cls, tr').length;")
    assert 1 <= lines <= 5
    # street search: the street is framed and highlighted
    street = view.map_js(
        "const ds = window[Object.keys(window).find(k => k.startsWith('hs_data_'))];"
        "const names = ds.d['street_name']; return names[names.length - 1];")
    before = view.map_js("return map.getZoom();")
    box = page.locator(".hs-search-input")
    box.fill(street)
    box.press("Enter")
    page.wait_for_timeout(600)
    assert view.map_js("return !!window.hsMark && map.hasLayer(window.hsMark);")
    assert page.locator(".hs-search-msg").inner_text().strip()
    assert view.map_js("return map.getZoom();") >= before
    _shot(view, f"map_{tag}_search.png")
    # the top list: a click zooms to the segment and opens its popup
    first = page.locator(".hs-top-item").first
    text = first.inner_text()
    first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible", timeout=5000)
    assert text.split(" — ")[0] in popup.inner_text()
    # the hover tooltip never covers the popup being read
    assert view.map_js("return map.getPane('tooltipPane').style.display;") == "none"
    _shot(view, f"map_{tag}_top_list.png")
    # street names at close zoom, from the city's own streets
    view.map_js("map.setZoom(17);")
    page.wait_for_timeout(600)
    assert page.locator(".hs-street").count() > 0
    _shot(view, f"map_{tag}_street_names.png")
    assert view.errors == [] and view.requests == [] and view.dialogs == []
    page.close()


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_map_on_a_phone_folds_its_controls(browser, pt_week_run, en_demo_run, lang):
    run = pt_week_run if lang == "pt" else en_demo_run
    view = OfflinePage(browser, run.files["map"])
    view.page.close()
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    view.page = page
    view.requests.clear()
    page.route("**/*", view._route)
    page.on("pageerror", lambda exc: view.errors.append(str(exc)))
    page.goto(run.files["map"].resolve().as_uri())
    page.wait_for_function("window.hsPainted !== undefined", timeout=20000)
    assert page.locator(".leaflet-control-layers-expanded").count() == 0  # folded
    assert page.locator(".hs-legend.hs-folded").count() == 1
    width = page.evaluate("document.querySelector('.leaflet-control-layers').offsetWidth")
    assert width < 60  # the icon, not a third of the map
    _shot(view, f"map_{lang}_phone.png")
    page.locator(".hs-legend .hs-panel-head").click()
    assert page.locator(".hs-legend.hs-folded").count() == 0
    _shot(view, f"map_{lang}_phone_legend.png")
    assert view.errors == [] and view.requests == []
    page.close()


def test_incident_clusters_show_offline(browser, pt_week_run, tmp_path):
    """The cluster layer needs the map's maxZoom; with it, clusters draw offline."""
    from hotspots import maps, privacy

    res = pt_week_run.result
    tables = res.layers()
    fmap = maps.build_map(res.segments, incidents=privacy.incident_points(tables["incidents"]),
                          lang="pt")
    view = _open(browser, maps.save_map(fmap, tmp_path / "m.html"), DESKTOP)
    view.page.locator(".leaflet-control-layers label", has_text="Ocorrências (agrupadas)").click()
    view.page.wait_for_timeout(800)
    assert view.page.locator(".marker-cluster").count() > 0
    assert view.errors == [] and view.requests == []
    _shot(view, "map_pt_incident_clusters.png")
    view.page.close()


def _pdf(browser, path: Path, name: str) -> int:
    page = browser.new_page()
    requests = []
    page.route(re.compile(r"^https?://"), lambda r: (requests.append(r.request.url), r.abort()))
    page.goto(path.resolve().as_uri())
    broken = page.evaluate("[...document.images].filter(i => !i.naturalWidth || !i.alt).length")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1000})  # A4 less its margins at 96 dpi
    # nothing printed is cut at the right edge: every table fits the box it is drawn in
    clipped = page.evaluate("""[...document.querySelectorAll('table')].filter(
        t => t.scrollWidth > t.parentElement.clientWidth + 1
             || t.getBoundingClientRect().right > document.documentElement.clientWidth + 1
        ).map(t => t.className || t.parentElement.id || 'table')""")
    assert clipped == [], clipped
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})
    page.screenshot(path=str(ARTIFACTS / f"{name}_print.png"), full_page=True)
    page.close()
    assert requests == [] and broken == 0  # every image loads and has alt text
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_bulletin_prints_on_three_a4_pages(browser, pt_week_run, en_demo_run, lang):
    run = pt_week_run if lang == "pt" else en_demo_run
    pages = _pdf(browser, run.files["report"], f"bulletin_{lang}")
    assert 1 <= pages <= 3, pages
    text = run.files["report"].read_text(encoding="utf-8")
    assert ("página" if lang == "pt" else "page") in text and "counter(pages)" in text


def test_bulletin_of_the_pelotas_scale_city_prints_on_three_pages(browser, tmp_path):
    """The benchmark city (19,800 segments, 60,000 incidents, five categories)."""
    import dataclasses
    import sys

    import pandas as pd

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_weekly import make_city

    from hotspots import pipeline
    from hotspots.config import load_config

    cfg = load_config(make_city(tmp_path))
    cfg = dataclasses.replace(cfg, near_repeat=dataclasses.replace(cfg.near_repeat,
                                                                   in_weekly=False))
    run = pipeline.run_week(cfg, week="2026-W47", out_root=tmp_path / "runs",
                            now=pd.Timestamp("2026-12-01 09:00", tz=cfg.parameters.timezone))
    pages = _pdf(browser, run.files["report"], "bulletin_pelotas_scale_pt")
    assert 1 <= pages <= 3, pages


def test_kml_balloon_in_words(browser, pt_week_run, tmp_path):
    from hotspots.export.kml import balloon_html

    kml = (pt_week_run.files["liaison"] / "layers.kml").read_text(encoding="utf-8")
    marks = re.findall(r"<Placemark><name>([^<]*)</name>", kml)
    hot = next(i for i, n in enumerate(marks) if "Ponto quente 99 %" in n)
    page_html = balloon_html(kml, hot)
    assert "$[" not in page_html and "Ocorrências" in page_html
    assert "min_length" not in page_html and "k_rule" not in page_html  # the reason in words
    path = tmp_path / "balloon.html"
    path.write_text(page_html, encoding="utf-8")
    view = OfflinePage(browser, path)
    view.page.set_viewport_size({"width": 420, "height": 420})
    _shot(view, "kml_balloon_pt.png")
    assert view.errors == [] and view.requests == []
    view.page.close()


@pytest.mark.parametrize("which", ["analyst", "liaison"])
def test_patrol_cards_one_page_per_shift(browser, pt_week_run, which):
    folder = pt_week_run.files["map"].parent
    path = folder / ("patrol_cards.html" if which == "analyst" else "liaison/patrol_cards.html")
    shifts = len(set(pt_week_run.result.patrol["shift"]))
    view = OfflinePage(browser, path)
    view.page.set_viewport_size({"width": 860, "height": 1200})
    assert view.page.locator("section.card").count() == shifts
    _shot(view, f"patrol_card_{which}_pt.png")
    view.page.close()
    pages = _pdf(browser, path, f"patrol_cards_{which}_pt")
    assert pages == shifts


def test_base_map_draws_water_parks_and_every_street(browser, tmp_path):
    """The base map is drawn from the data given (streets, parks, water), offline."""
    from test_maps import synthetic_overlays, synthetic_segments, synthetic_water

    from hotspots import maps

    seg = synthetic_segments(3)
    green = synthetic_overlays()["green_areas"]
    for kind, water in synthetic_water().items():
        fmap = maps.build_map(seg, green_areas=green, water=water, lang="pt")
        view = _open(browser, maps.save_map(fmap, tmp_path / f"{kind}.html"), DESKTOP)
        drawn = view.map_js(
            "const out = {line: 0, polygon: 0, water: 0}; window.hsBaseLayer.eachLayer(l => {"
            "  const water = (l instanceof L.Polygon ? l.options.fillColor : l.options.color)"
            "    === '#c6dbef';"
            "  if (water) out.water++; else if (l instanceof L.Polygon) out.polygon++;"
            "  else out.line++; }); return out;")
        assert drawn == {"line": len(seg), "polygon": len(green), "water": 1}, (kind, drawn)
        assert view.errors == [] and view.requests == []
        if kind == "lake":
            _shot(view, "map_pt_base_water.png")
        view.page.close()
