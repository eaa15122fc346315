"""Map size and first paint for a 20,000-segment street grid: hotspots map vs a plain folium layer.

Run: python benchmarks/bench_map_size.py [--side 100] [--out benchmarks/results]
Prints the HTML size of the offline hotspots map (every segment with its tooltip/popup
fields, Gi* and rate layers, Leaflet inlined), of a plain folium GeoJson layer with a
GeoJsonTooltip for the same segments, and the time to first paint in headless Chromium with
every network request aborted (and how many requests were attempted).

Then the week slider: the same map with ``weekly=`` counts of ``--weeks`` ISO weeks (Pelotas
scale by default: about 60,000 incidents a year, concentrated on few segments; only segments
with an incident in the window are embedded), the size it adds, the liaison version (counts
below k suppressed) and the time the slider takes to restyle every segment in Chromium.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import maps

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def grid(side: int = 100, cell_m: float = 80.0, seed: int = 0) -> gpd.GeoDataFrame:
    """2·side² segments on a square grid in UTM 22S (Pelotas) with stats-like columns."""
    rng = np.random.default_rng(seed)
    x0, y0 = 370000.0, 6487000.0
    lines = []
    for i in range(side):
        for j in range(side):
            x, y = x0 + i * cell_m, y0 + j * cell_m
            lines.append(shapely.LineString([(x, y), (x + cell_m, y)]))
            lines.append(shapely.LineString([(x, y), (x, y + cell_m)]))
    n = len(lines)
    seg = gpd.GeoDataFrame({
        "street_name": [f"Rua {k % 700}" for k in range(n)],
        "length_m": cell_m,
        "count": rng.poisson(1.2, n),
        "gi_z": rng.normal(size=n),
        "gi_p_adj": rng.uniform(size=n),
        "gi_bin": rng.choice([-3, -2, -1, 0, 0, 0, 0, 1, 2, 3], n),
        "night_share": rng.uniform(size=n),
        "lights_per_100m": rng.uniform(0, 4, n),
        "hot_status": rng.choice(["new", "persistent", "cooling", "not hot", "not hot",
                                  "not hot", "not hot", "not hot", "not hot", "not hot"], n),
    }, geometry=lines, crs=32722)
    seg["rate_per_100m"] = seg["count"] / seg["length_m"] * 100
    seg.index.name = "segment_id"
    return seg


def weekly_counts(seg: gpd.GeoDataFrame, *, weeks: int = 12, per_year: int = 60_000,
                  seed: int = 1) -> pd.DataFrame:
    """Incidents per segment and ISO week: gamma-Poisson (a few segments hold most incidents),
    ``per_year / 52`` incidents a week over all segments; rows with no incident dropped, as
    the weekly run writes ``weekly_counts``."""
    rng = np.random.default_rng(seed)
    risk = rng.gamma(0.25, 1.0, len(seg))
    lam = risk / risk.sum() * per_year / 52
    counts = rng.poisson(np.repeat(lam[:, None], weeks, axis=1))
    cols = [f"2026_W{w:02d}" for w in range(48 - weeks, 48)]
    frame = pd.DataFrame(counts, index=seg.index, columns=cols)
    return frame[frame.sum(axis=1) > 0]


def slider_ms(path: Path, chromium: str) -> tuple[float, int]:
    """(ms for one slider step to restyle every segment and paint, JS errors)."""
    from playwright.sync_api import sync_playwright

    errors = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                   else r.abort())
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.resolve().as_uri())
        page.wait_for_function("window.hsPainted !== undefined", timeout=60000)
        page.locator(".leaflet-control-layers label", has_text="Incidents per week").click()
        page.wait_for_selector(".hs-week input[type=range]")
        ms = page.evaluate("""() => new Promise(done => {
            const map = window[Object.keys(window).find(k => k.startsWith('map_'))];
            let g = null; map.eachLayer(l => { if (l.hsWeeks) g = l; });
            const t0 = performance.now(); g.hsSetWeek(0);
            requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
        })""")
        browser.close()
    return float(ms), len(errors)


def plain_folium(seg: gpd.GeoDataFrame, path: Path) -> Path:
    """What a straightforward folium map of the same data looks like."""
    data = seg.to_crs(4326).reset_index()
    fields = ["segment_id", "street_name", "count", "rate_per_100m", "gi_bin", "gi_z"]
    fmap = folium.Map(tiles=None, prefer_canvas=True)
    folium.GeoJson(data[[*fields, "geometry"]], name="segments",
                   tooltip=folium.GeoJsonTooltip(fields=fields)).add_to(fmap)
    fmap.save(str(path))
    return path


def first_paint_ms(path: Path, chromium: str) -> tuple[float, int, list[str]]:
    """(ms to window.hsPainted, network requests attempted, page errors)."""
    from playwright.sync_api import sync_playwright

    requests, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})

        def route(r):
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                requests.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.resolve().as_uri())
        page.wait_for_function("window.hsPainted !== undefined", timeout=60000)
        painted = page.evaluate("window.hsPainted")
        browser.close()
    return float(painted), len(requests), errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=100, help="grid side (segments = 2·side²)")
    ap.add_argument("--weeks", type=int, default=12, help="ISO weeks on the slider")
    ap.add_argument("--out", default=None, help="keep the HTML files in this folder")
    args = ap.parse_args()
    seg = grid(args.side)
    tmp = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench-map-"))
    tmp.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ours = maps.save_map(maps.build_map(seg, title="bench"), tmp / "hotspots_map.html")
    build_s = time.perf_counter() - t0
    plain = plain_folium(seg, tmp / "plain_folium.html")
    mb = 1024 * 1024
    print(f"segments:                 {len(seg):,}")
    print(f"hotspots map (offline):   {ours.stat().st_size / mb:.2f} MiB "
          f"({ours.stat().st_size:,} bytes), built in {build_s:.1f} s")
    print(f"plain folium GeoJson:     {plain.stat().st_size / mb:.2f} MiB "
          f"({plain.stat().st_size:,} bytes; Leaflet from CDNs, not included)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        ms, n_req, errors = first_paint_ms(ours, chromium)
        print(f"first paint in chromium:  {ms:.0f} ms, network requests: {n_req}, "
              f"JS errors: {len(errors)}")
    else:
        print("first paint: chromium not installed (apt-get install chromium)")
    weekly = weekly_counts(seg, weeks=args.weeks)
    with_week = maps.save_map(maps.build_map(seg, title="bench", weekly=weekly),
                              tmp / "hotspots_map_weekly.html")
    liaison = maps.save_map(maps.build_map(seg, title="bench", weekly=weekly, privacy_k=3),
                            tmp / "hotspots_map_weekly_liaison.html")
    base = ours.stat().st_size
    print(f"week slider data:         {len(weekly):,} segments with incidents × {args.weeks} weeks"
          f" ({int(weekly.to_numpy().sum()):,} incidents)")
    for label, path in (("+ week slider (analyst):", with_week), ("+ week slider (liaison):", liaison)):
        size = path.stat().st_size
        print(f"{label:26}{size / mb:.2f} MiB (+{(size - base) / 1024:,.0f} KiB, "
              f"+{(size - base) / base:.1%})")
    if chromium:
        ms, n_err = slider_ms(with_week, chromium)
        print(f"slider step in chromium:  {ms:.0f} ms to restyle and paint, JS errors: {n_err}")
    if not args.out:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
