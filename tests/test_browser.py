"""The exported maps in a real headless Chromium with every network request aborted."""

from __future__ import annotations

from pathlib import Path

import folium
import pytest
from test_maps import EVIL, synthetic_overlays, synthetic_segments

from hotspots import maps

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


class OfflinePage:
    """A page where every http(s) request is aborted and recorded, with errors collected."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1100, "height": 760})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("dialog", self._dialog)
        self.page.goto(path.resolve().as_uri())

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def map_js(self, body: str):
        """Evaluate ``body`` with ``map`` bound to the folium map object."""
        return self.page.evaluate(
            "() => { const map = window[Object.keys(window).find(k => k.startsWith('map_'))];"
            + body + "}")


@pytest.fixture(scope="module")
def offline_map(tmp_path_factory) -> Path:
    fmap = maps.build_map(synthetic_segments(), title="Pelotas", privacy_k=3,
                          attribution="© OpenStreetMap contributors", **synthetic_overlays())
    return maps.save_map(fmap, tmp_path_factory.mktemp("m") / "map.html")


def test_offline_map_loads_without_errors_or_requests(browser, offline_map):
    view = OfflinePage(browser, offline_map)
    view.page.wait_for_function("window.hsPainted !== undefined", timeout=15000)
    assert view.errors == []
    assert view.requests == []
    assert view.map_js("return typeof L.version === 'string' && map.getZoom() > 0;")
    legend = view.page.locator(".hs-legend")
    assert legend.is_visible()
    assert "Hot spot 99 %" in legend.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / "offline_map.png"))
    assert (ARTIFACTS / "offline_map.png").stat().st_size > 5000
    view.page.close()


def test_layer_control_toggles_a_layer_and_its_legend(browser, offline_map):
    view = OfflinePage(browser, offline_map)
    view.page.wait_for_function("window.hsPainted !== undefined", timeout=15000)
    count = "let n = 0; map.eachLayer(() => n++); return n;"
    before = view.map_js(count)
    lamps_legend = view.page.locator(".hs-legend-section", has_text="Street lamps")
    assert not lamps_legend.is_visible()
    view.page.locator(".leaflet-control-layers label", has_text="Street lamps").click()
    assert view.map_js(count) == before + 1 + 3  # the group and its three lamps
    assert lamps_legend.is_visible()
    view.page.locator(".leaflet-control-layers label", has_text="Hot spots (Gi*)").click()
    assert view.map_js(count) < before
    assert not view.page.locator(".hs-legend-section", has_text="Hot spot 99 %").is_visible()
    assert view.errors == [] and view.requests == []
    view.page.close()


def test_tooltip_and_popup_show_input_text_as_text(browser, offline_map):
    view = OfflinePage(browser, offline_map)
    view.page.wait_for_function("window.hsPainted !== undefined", timeout=15000)
    # the segment named <script>alert(1)</script>: its middle, in page pixels
    point = view.map_js(
        "let found = null; map.eachLayer(l => { if (!found && l.getTooltip && l.getTooltip() &&"
        " l.getLatLngs && String(l.getTooltip()._content(l)).includes('alert(1)')) found = l; });"
        "const c = map.latLngToContainerPoint(found.getCenter());"
        "const r = map.getContainer().getBoundingClientRect();"
        "return [c.x + r.left, c.y + r.top];")
    view.page.mouse.move(point[0] - 3, point[1])
    view.page.mouse.move(point[0], point[1])
    tip = view.page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    assert EVIL in tip.inner_text()
    assert view.page.locator(".leaflet-tooltip script").count() == 0
    view.page.mouse.click(point[0], point[1])
    popup = view.page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible", timeout=5000)
    assert EVIL in popup.inner_text() and "Hot spot 99 %" in popup.inner_text()
    view.page.wait_for_timeout(200)
    assert view.dialogs == [] and view.errors == [] and view.requests == []
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / "offline_map_popup.png"))
    view.page.close()


def test_a_plain_folium_map_needs_the_network(browser, tmp_path):
    """The contrast: folium's default page asks CDNs for Leaflet and dies without them."""
    fmap = folium.Map(location=[-31.77, -52.34], zoom_start=13, tiles=None)
    folium.GeoJson(synthetic_segments(2).to_crs(4326).reset_index().__geo_interface__).add_to(fmap)
    path = tmp_path / "plain.html"
    fmap.save(str(path))
    view = OfflinePage(browser, path)
    view.page.wait_for_timeout(500)
    assert len(view.requests) >= 5
    assert any("leaflet" in u for u in view.requests)
    assert any("L is not defined" in e for e in view.errors)
    view.page.close()


def test_liaison_map_with_suppressed_counts_says_so(browser, tmp_path):
    from hotspots import privacy

    seg = privacy.liaison_layer("segments", synthetic_segments(), k=3)
    path = maps.save_map(maps.build_map(seg, privacy_k=3), tmp_path / "liaison.html")
    view = OfflinePage(browser, path)
    view.page.wait_for_function("window.hsPainted !== undefined", timeout=15000)
    text = view.map_js(
        "let t = null; map.eachLayer(l => { if (!t && l.getTooltip && l.getTooltip()) {"
        " const s = String(l.getTooltip()._content(l)); if (s.includes('suppressed')) t = s; }});"
        "return t;")
    assert text is not None and "fewer than 3" in text
    assert view.errors == [] and view.requests == []
    view.page.close()


@pytest.fixture(scope="module")
def weekly_map(tmp_path_factory) -> Path:
    from test_maps import synthetic_weekly

    seg = synthetic_segments()
    seg["hot_status"] = ["new", "persistent", "cooling", "not hot"] * (len(seg) // 4)
    fmap = maps.build_map(seg, title="Pelotas", weekly=synthetic_weekly(seg),
                          **synthetic_overlays())
    return maps.save_map(fmap, tmp_path_factory.mktemp("w") / "map.html")


#: the week slider layer's state: week label, stroke colour of each segment and the colour the
#: canvas actually painted at the middle of segment 0 (row 0 of synthetic_weekly)
WEEKLY_STATE = """
let g = null; map.eachLayer(l => { if (l.hsWeeks) g = l; });
if (!g) return null;
const lines = g.getLayers();
const r = lines[0]._renderer, p = map.latLngToLayerPoint(lines[0].getCenter())
  .subtract(r._bounds.min).multiplyBy(window.devicePixelRatio || 1);
const px = Array.from(r._ctx.getImageData(Math.round(p.x), Math.round(p.y), 1, 1).data);
return {week: g.hsWeek, colors: lines.map(l => l.options.color), pixel: px};
"""


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in rgb[:3])


def test_week_slider_changes_the_week_and_the_colours(browser, weekly_map):
    from test_maps import WEEKS, synthetic_weekly

    from hotspots import symbology as sym

    view = OfflinePage(browser, weekly_map)
    view.page.wait_for_function("window.hsPainted !== undefined", timeout=15000)
    slider = view.page.locator(".hs-week input[type=range]")
    assert slider.count() == 0  # the slider comes with its layer
    assert view.map_js(WEEKLY_STATE) is None
    view.page.locator(".leaflet-control-layers label", has_text="Hot spots (Gi*)").click()
    view.page.locator(".leaflet-control-layers label", has_text="Incidents per week").click()
    assert slider.is_visible()
    label = view.page.locator(".hs-week-label")
    assert label.inner_text() == "2026-W47"
    assert view.page.locator(".hs-legend-section", has_text="Incidents in the week").is_visible()

    wk = synthetic_weekly(synthetic_segments())
    drawn = wk[wk.sum(axis=1) > 0]
    classes = sym.count_classes(wk.to_numpy())

    def expected(col: str) -> list[str]:
        idx = sym.range_index(drawn[col], classes)
        return [sym.WEEK_ZERO.color if v == 0 else classes[i].color
                for v, i in zip(drawn[col], idx)]

    view.page.wait_for_timeout(100)
    last = view.map_js(WEEKLY_STATE)
    assert last["week"] == "2026-W47" and last["colors"] == expected(WEEKS[-1])
    assert _hex(last["pixel"]) == expected(WEEKS[-1])[0] and last["pixel"][3] > 200

    slider.focus()
    view.page.keyboard.press("ArrowLeft")  # a real input event on the range control
    assert label.inner_text() == "2026-W46"
    view.page.wait_for_timeout(100)
    prev = view.map_js(WEEKLY_STATE)
    assert prev["week"] == "2026-W46" and prev["colors"] == expected(WEEKS[-2])
    assert prev["colors"] != last["colors"]
    assert _hex(prev["pixel"]) == expected(WEEKS[-2])[0] != _hex(last["pixel"])

    view.page.keyboard.press("Home")
    assert label.inner_text() == "2026-W38"
    view.page.locator(".hs-week button[title='Next week']").click()
    assert label.inner_text() == "2026-W39"
    assert view.map_js(WEEKLY_STATE)["colors"] == expected(WEEKS[1])
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / "offline_map_week_slider.png"))

    # the status layer and its legend; switching the weekly layer off removes its slider
    view.page.locator(".leaflet-control-layers label", has_text="Hot segments, week over").click()
    assert view.page.locator(".hs-legend-section", has_text="Persistent").is_visible()
    view.page.locator(".leaflet-control-layers label", has_text="Incidents per week").click()
    assert slider.count() == 0
    assert view.errors == [] and view.requests == [] and view.dialogs == []
    view.page.close()


def test_liaison_week_slider_shows_suppressed_counts_and_escapes_names(browser, tmp_path):
    from test_maps import synthetic_weekly

    from hotspots import privacy

    seg = privacy.liaison_layer("segments", synthetic_segments(), k=3)
    weekly = privacy.suppress_weekly_counts(synthetic_weekly(synthetic_segments()), k=3)
    fmap = maps.build_map(seg, weekly=weekly, privacy_k=3)
    view = OfflinePage(browser, maps.save_map(fmap, tmp_path / "liaison.html"))
    view.page.wait_for_function("window.hsPainted !== undefined", timeout=15000)
    view.page.locator(".leaflet-control-layers label", has_text="Incidents per week").click()
    # segment 0 (named <script>…) has 4 incidents in W47, then 3, 2, 1, 0 going back
    tips = view.map_js(
        "let g = null; map.eachLayer(l => { if (l.hsWeeks) g = l; });"
        "const l = g.getLayers()[0], out = [];"
        "for (const w of [9, 8, 7, 6, 5]) { g.hsSetWeek(w); out.push(String(l.getTooltip()._content(l))); }"
        "return out;")
    assert "<td>4</td>" in tips[0] and "<td>3</td>" in tips[1] and "<td>0</td>" in tips[4]
    assert "suppressed (fewer than 3)" in tips[2] and "suppressed (fewer than 3)" in tips[3]
    assert all("&lt;script&gt;alert(1)&lt;/script&gt;" in t and "<script>" not in t for t in tips)
    assert all("weeks of the slider" not in t for t in tips)  # no total that would un-suppress
    assert view.page.locator(".hs-week-label").inner_text() == "2026-W43"
    assert view.page.locator(".hs-legend-section", has_text="1 to 2 (suppressed)").is_visible()
    assert view.errors == [] and view.requests == [] and view.dialogs == []
    view.page.close()
