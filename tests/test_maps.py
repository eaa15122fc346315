"""Map building without a browser: layers present, escaping, allow-listed fields, offline HTML."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

from hotspots import maps
from hotspots import symbology as sym
from hotspots._errors import HotspotsError, ValidationError
from hotspots.maps.layers import encode_geometry, safe_json
from hotspots.maps.offline import check_offline, remote_references
from hotspots.raster import Raster

CRS = 32722  # UTM 22S (Pelotas)
EVIL = "<script>alert(1)</script>"


def synthetic_segments(n_side: int = 4) -> gpd.GeoDataFrame:
    """A small street grid carrying every column the other stages add, plus personal fields."""
    rng = np.random.default_rng(7)
    lines = []
    for i in range(n_side):
        for j in range(n_side):
            x, y = 370000.0 + 100 * i, 6487000.0 + 100 * j
            lines += [shapely.LineString([(x, y), (x + 100, y)]),
                      shapely.LineString([(x, y), (x, y + 100)])]
    n = len(lines)
    seg = gpd.GeoDataFrame({
        "street_name": [EVIL if k == 0 else f"Rua {k % 3}" for k in range(n)],
        "length_m": 100.0,
        "count": np.arange(n) % 6,
        "gi_z": rng.normal(size=n), "gi_p": rng.uniform(size=n), "gi_p_adj": rng.uniform(size=n),
        "gi_bin": np.resize([3, 2, 1, 0, -1, -2, -3], n), "gi_nneighbors": 4,
        "lisa_class": np.resize(["HH", "LL", "ns"], n),
        "lamps_within_reach": 2, "lights_per_100m": 2.0, "dark_gap_m": 10.0, "dark_fraction": 0.1,
        "night_count": np.arange(n) % 3, "night_share": 0.5, "dist_green_m": 50.0,
        "nearest_green_adopted": True,
        "priority_score": 1.0, "priority_reason": "night incidents on a dark stretch",
        "vitima_nome": "Fulana de Tal", "narrativa": "relato secreto", "cpf": "123.456.789-00",
    }, geometry=lines, crs=CRS)
    seg["rate_per_100m"] = seg["count"] / seg["length_m"] * 100
    seg.index = np.arange(100, 100 + n)
    seg.index.name = "segment_id"
    return seg


def synthetic_overlays() -> dict:
    """Lamps, dark gaps, green areas, boundary and a KDE raster in the same CRS."""
    lamps = gpd.GeoDataFrame({"lamp_id": [1, 2, 3], "status": ["working", "broken", None]},
                             geometry=shapely.points([(370010, 6487010), (370150, 6487050),
                                                      (370250, 6487300)]), crs=CRS)
    gaps = gpd.GeoDataFrame({"segment_id": [100], "street_name": [EVIL], "length_m": [40.0]},
                            geometry=[shapely.LineString([(370000, 6487000), (370040, 6487000)])],
                            crs=CRS)
    green = gpd.GeoDataFrame({"area_id": [1, 2], "name": ["Praça A", EVIL], "adopted": [True, False]},
                             geometry=[shapely.box(370020, 6487020, 370080, 6487080),
                                       shapely.box(370220, 6487220, 370280, 6487280)], crs=CRS)
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(369990, 6486990, 370410, 6487410)], crs=CRS)
    arr = np.zeros((40, 40), dtype="float32")
    arr[10:20, 10:20] = np.linspace(1, 50, 100).reshape(10, 10)
    arr[0, 0] = np.nan
    kde = Raster(array=arr, transform=Affine(10, 0, 370000, 0, -10, 6487400),
                 crs=gpd.GeoSeries([], crs=CRS).crs, nodata=float("nan"),
                 units="incidents per km²", name="kde")
    return {"lamps": lamps, "dark_gaps": gaps, "green_areas": green, "boundary": boundary,
            "rasters": {"kde": kde}}


@pytest.fixture(scope="module")
def full_html() -> str:
    seg = synthetic_segments()
    fmap = maps.build_map(seg, title="Pelotas <b>week</b>", privacy_k=3, **synthetic_overlays())
    return maps.map_html(fmap)


def layer_control(html_text: str) -> str:
    """The layer names of the map's layer control (hsLayers)."""
    return re.search(r"hsLayers\(\w+, \{(.*?)\}\);", html_text, re.S).group(1)


def test_every_layer_is_in_the_layer_control(full_html):
    control = layer_control(full_html)
    for name in ("Hot spots (Gi*)", "Incidents per 100 m", "Street lamps",
                 "Dark stretches", "Green areas", "Study area", "Incident density (KDE)"):
        assert json.dumps(name) in control, name


def test_offline_html_has_no_remote_reference_and_inlines_leaflet(full_html):
    assert remote_references(full_html) == []
    assert "cdn.jsdelivr" not in full_html and "code.jquery.com" not in full_html
    assert 'version="1.9.4"' in full_html  # leaflet inlined
    assert "sourceMappingURL" not in full_html


def test_input_text_never_appears_unescaped(full_html):
    assert EVIL not in full_html
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in full_html
    assert "Pelotas \\u0026lt;b\\u0026gt;week" in full_html  # escaped, then JSON-encoded


def test_personal_columns_never_reach_the_html(full_html):
    for secret in ("Fulana de Tal", "relato secreto", "123.456.789-00", "vitima_nome", "narrativa"):
        assert secret not in full_html


def test_kde_overlay_is_an_image_with_a_per_km2_legend(full_html):
    assert "L.imageOverlay" in full_html and "data:image/png;base64," in full_html
    assert "incidents per km²" in full_html


def test_online_mode_links_leaflet_from_a_cdn():
    fmap = maps.build_map(synthetic_segments(), offline=False)
    text = maps.map_html(fmap)
    assert any("leaflet" in r for r in remote_references(text))
    assert "code.jquery.com" not in text  # only what the map needs


def test_incident_points_need_markercluster_inlined():
    seg = synthetic_segments(2)
    inc = gpd.GeoDataFrame({"category": ["furto", "roubo"], "occurred_date": ["2026-08-31"] * 2},
                           geometry=shapely.points([(370010, 6487001), (370020, 6487001)]), crs=CRS)
    text = maps.map_html(maps.build_map(seg, incidents=inc))
    assert "markerClusterGroup" in text and "Incidents (clustered)" in text
    assert remote_references(text) == []


def _remote_references_reference(html_text):
    """remote_references as first written: the pattern tried at every position."""
    from hotspots.maps.offline import _REMOTE

    return [html_text[m.start(): m.start() + 120] for m in _REMOTE.finditer(html_text)]


@pytest.mark.parametrize("page", [
    '<link rel="stylesheet" href="https://cdn.example/x.css">',
    "url(//a.b/c.png) starts the page",
    "<style>a{background:URL( 'HTTPS://cdn.example/x.png')}</style>",
    "<style>@IMPORT url(//x/y.css); @import 'https://x/z.css';</style>",
    "<script <script src=//overlap.example/a.js></script>",
    '<img alt="x" src="//img.example/a.png"><IFRAME SRC=https://x/>',
    "ur(//not) uRl(//yes) (( url((//) @ @im <<<script src=//x",
    "ſcript İmport <ſcript src=//x> uRL(//k) K(",
    "no reference at all: <a href='https://leafletjs.com'>Leaflet</a> (a link) @home",
    "",
])
def test_remote_references_finds_what_the_pattern_finds_everywhere(page):
    assert remote_references(page) == _remote_references_reference(page)


def test_remote_references_on_a_whole_map_with_references_planted(full_html):
    planted = (full_html[:5000] + '<script src="https://cdn.example/a.js"></script>'
               + full_html[5000:-3000] + "<style>b{background:url(//x.example/b.png)}</style>"
               + full_html[-3000:])
    found = remote_references(planted)
    assert found == _remote_references_reference(planted) and len(found) == 2


def test_check_offline_rejects_a_cdn_link():
    with pytest.raises(HotspotsError, match="network resources"):
        check_offline('<link rel="stylesheet" href="https://cdn.example/x.css">')
    with pytest.raises(HotspotsError, match="network resources"):
        check_offline("<style>a{background:url(//cdn.example/x.png)}</style>")
    check_offline('<a href="https://leafletjs.com">Leaflet</a>')  # a link is not a request


def test_safe_json_cannot_close_a_script_element():
    text = safe_json({"a": "</script><script>x()</script>", "b": "a&b\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><script>x()</script>", "b": "a&b\u2028"}


def test_geometry_is_delta_encoded_at_five_decimals():
    line = shapely.LineString([(24.93521, 60.16421), (24.93621, 60.16421), (24.93621, 60.164214)])
    enc = encode_geometry(line, "line")
    assert enc == [[6016421, 2493521, 0, 100]]  # the last point rounds onto the previous one
    assert encode_geometry(shapely.Point(24.9, 60.1), "point") == [6010000, 2490000]


def test_gi_classes_use_the_arcgis_labels_and_colours():
    labels = [c.label for c in sym.GI_CLASSES]
    assert labels[0] == "Hot spot 99 %" and labels[-1] == "Cold spot 99 %"
    assert sym.gi_category(2).color == "#ed7551" and sym.gi_category(np.nan) is None


def test_rate_classes_cover_every_positive_value():
    vals = np.array([0, 0.5, 1, 2, 3, 4, 8, 16, 100.0, np.nan])
    classes = sym.rate_classes(vals)
    idx = sym.rate_index(vals, classes)
    assert idx[0] == 0 and idx[-1] == -1
    assert (idx[1:-1] >= 1).all() and idx[-2] == len(classes) - 1


def test_build_map_does_not_mutate_its_inputs():
    seg = synthetic_segments(2)
    before = seg.copy()
    maps.build_map(seg)
    assert seg.equals(before) and seg.crs == before.crs


def test_errors():
    seg = synthetic_segments(2)
    with pytest.raises(ValidationError, match="no CRS"):
        maps.build_map(gpd.GeoDataFrame(seg.drop(columns="geometry"), geometry=list(seg.geometry)))
    with pytest.raises(ValidationError, match="unknown basemap"):
        maps.build_map(seg, basemap="satellite")
    with pytest.raises(ValidationError, match="zero segments"):
        maps.build_map(seg.iloc[:0])


def test_save_map_writes_one_file(tmp_path):
    path = maps.save_map(maps.build_map(synthetic_segments(2)), tmp_path / "sub" / "map.html")
    assert path.exists() and path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert list(path.parent.iterdir()) == [path]


def test_equal_inputs_give_byte_identical_html():
    def html():
        return maps.map_html(maps.build_map(synthetic_segments(), **synthetic_overlays()))

    assert html() == html()


def test_basemaps_online_and_user_supplied():
    seg = synthetic_segments(2)
    osm = maps.map_html(maps.build_map(seg, basemap="osm"))
    assert "tile.openstreetmap.org" in osm and "hsBase(" in osm  # tiles under the streets
    local = maps.map_html(maps.build_map(seg, basemap="tiles/{z}/{x}/{y}.png"))
    assert "tiles/{z}/{x}/{y}.png" in local and remote_references(local) == []
    none = maps.map_html(maps.build_map(seg))
    assert "L.tileLayer" not in none


def synthetic_water() -> dict:
    """A lake (polygon) and a stream (line) beside the synthetic grid."""
    lake = gpd.GeoDataFrame({"name": ["Lagoa"]}, crs=CRS,
                            geometry=[shapely.box(370120, 6487120, 370180, 6487180)])
    stream = gpd.GeoDataFrame({"name": ["Arroio"]}, crs=CRS, geometry=[
        shapely.LineString([(370000, 6487250), (370200, 6487260)])])
    return {"lake": lake, "stream": stream}


def test_water_in_the_base_map_polygons_or_lines():
    seg = synthetic_segments(2)
    water = synthetic_water()
    page = maps.map_html(maps.build_map(seg, water=water["lake"]))
    call = re.search(r"hsBase\(([^;]*)\);", page).group(1).split(", ")
    assert call[-1].startswith("hs_data_") and call[-2] == "null"  # water, no parks
    assert '"water_kind":"polygon"' in page
    line = maps.map_html(maps.build_map(seg, water=water["stream"]))
    assert '"water_kind":"line"' in line
    without = maps.map_html(maps.build_map(seg))
    assert re.search(r"hsBase\([^;]*, null, null\);", without)
    both = pd.concat([water["lake"], water["stream"]])
    with pytest.raises(ValidationError, match=r"only polygons or only lines.*LineString"):
        maps.build_map(seg, water=both)


# --- the week slider (incidents per ISO week) and week-over-week status ---------------------

WEEKS = [f"2026_W{w}" for w in range(38, 48)]  # ten weeks, column names as the weekly run writes


def synthetic_weekly(seg: gpd.GeoDataFrame) -> pd.DataFrame:
    """Counts per segment and week: row r, week w → (r + w) % 5 for the first 20 segments (so
    every segment changes from week to week), the other segments had no incident in the window."""
    rows = seg.index[:20]
    counts = np.array([[(r + w) % 5 for w in range(len(WEEKS))] for r in range(len(rows))])
    counts[3] = 0  # a segment without incidents in the window: not drawn
    return pd.DataFrame(counts, index=pd.Index(rows, name="segment_id"), columns=WEEKS)


def weekly_spec(html_text: str) -> dict:
    match = re.search(r"hsWeekly\(hs_data_\w+, (\{.*?\})\);", html_text)
    assert match, "no week slider layer in the page"
    return json.loads(match.group(1))


def test_weekly_counts_are_embedded_per_segment_and_share_the_segment_geometry():
    seg = synthetic_segments()
    wk = synthetic_weekly(seg)
    html_text = maps.map_html(maps.build_map(seg, weekly=wk))
    spec = weekly_spec(html_text)
    assert spec["weeks"] == [f"2026-W{w}" for w in range(38, 48)]
    assert spec["start"] == 9  # the analysis week (the last) is shown first
    # rows into the segments dataset (same order as the input), segment 3 has no incident
    assert spec["i"] == [r for r in range(20) if r != 3]
    assert spec["c"][0] == [(0 + w) % 5 for w in range(10)]
    assert spec["c"][3] == [(4 + w) % 5 for w in range(10)]  # the fifth segment
    assert spec["b"] == [1, 2, 3, 4]  # one class per count 1…4
    assert spec["s"][2]["color"] == sym.WEEK_COLORS[0]
    assert spec["s"][-1]["color"] == sym.WEEK_COLORS[-1]
    assert '"Incidents per week"' in layer_control(html_text)
    assert "Incidents in the week on the slider (2026-W38 – 2026-W47)" in html_text
    assert remote_references(html_text) == []
    # the weekly data repeats no coordinate: geometry is shared with the segments dataset
    assert len(safe_json(spec)) < 2500


def test_weekly_rows_follow_the_segment_ids_not_the_row_order():
    seg = synthetic_segments()
    wk = synthetic_weekly(seg).iloc[::-1]
    wk.columns = [c.replace("_", "-") for c in wk.columns]  # '2026-W38' is accepted too
    spec = weekly_spec(maps.map_html(maps.build_map(seg, weekly=wk)))
    assert spec["weeks"][0] == "2026-W38"
    first = spec["i"].index(0)
    assert spec["c"][first] == [w % 5 for w in range(10)]


def test_weekly_layer_escapes_what_it_shows():
    seg = synthetic_segments()
    wk = synthetic_weekly(seg)
    wk[EVIL] = 1  # not a week column: ignored, never written
    html_text = maps.map_html(maps.build_map(seg, weekly=wk, title=EVIL))
    assert EVIL not in html_text and "alert(1)" not in weekly_spec(html_text)["weeks"]
    spec = weekly_spec(html_text)
    assert spec["t"] == "street_name"  # names are read from the dataset and escaped in the JS
    assert len(spec["weeks"]) == 10


def test_liaison_map_suppresses_weekly_counts_below_k():
    from hotspots import privacy

    seg = privacy.liaison_layer("segments", synthetic_segments(), k=3)
    wk = synthetic_weekly(synthetic_segments())
    with pytest.raises(ValidationError, match="suppress them first"):
        maps.build_map(seg, weekly=wk, privacy_k=3)  # the map applies no privacy rule itself
    html_text = maps.map_html(maps.build_map(
        seg, weekly=privacy.suppress_weekly_counts(wk, k=3), privacy_k=3))
    spec = weekly_spec(html_text)
    cells = [v for row in spec["c"] for v in row]
    assert 1 not in cells and 2 not in cells  # 1 and 2 never reach the page
    assert cells.count(-1) == int(((wk > 0) & (wk < 3)).to_numpy().sum())  # -1: suppressed
    assert {0, 3, 4} <= set(cells) and spec["kmin"] == 3
    assert spec["b"][0] == 3  # the first class starts at k: no class reveals a small count
    assert "1 to 2 (suppressed)" in html_text
    # the analyst map keeps them
    analyst = weekly_spec(maps.map_html(maps.build_map(synthetic_segments(), weekly=wk)))
    assert 1 in [v for row in analyst["c"] for v in row]
    assert wk.to_numpy().max() == 4  # the input was not modified


def test_weekly_errors():
    seg = synthetic_segments(2)
    wk = synthetic_weekly(synthetic_segments())
    with pytest.raises(ValidationError, match="not among the map's segments"):
        maps.build_map(seg, weekly=wk)  # ids 108… are not segments of the small grid
    with pytest.raises(ValidationError, match="no week column"):
        maps.build_map(seg, weekly=wk.rename(columns=lambda c: "n" + c))


def test_week_over_week_status_is_a_categorical_layer():
    seg = synthetic_segments()
    seg["hot_status"] = np.resize(["new", "persistent", "cooling", "not hot"], len(seg))
    html_text = maps.map_html(maps.build_map(seg))
    control = layer_control(html_text)
    assert '"Hot segments, week over week"' in control
    for c in sym.HOT_STATUS_CLASSES:
        assert c.label in html_text
    spec = json.loads(_layer_spec(html_text, sym.HOT_STATUS_CLASSES[0].color))
    assert spec["k"][:4] == [0, 1, 2, 3]  # "not hot" is drawn faint, as in QGIS
    # no status column (demo runs, liaison maps): no layer
    assert "week over week" not in maps.map_html(maps.build_map(synthetic_segments()))


def _layer_spec(html_text: str, color: str) -> str:
    for spec in re.findall(r"hsLayer\(hs_data_\w+, (\{.*?\})\);", html_text):
        if color in spec:
            return spec
    raise AssertionError(f"no layer drawn in {color}")


def test_street_labels_given_draw_the_map_the_labels_would_give():
    from hotspots.maps.base import street_labels

    seg = synthetic_segments()
    labels = street_labels(seg)
    assert labels[0] and labels[1]  # the grid's streets are long enough to be named
    given = maps.map_html(maps.build_map(seg, labels=labels))
    assert given == maps.map_html(maps.build_map(seg))
    other = maps.map_html(maps.build_map(seg, labels=([], [])))
    assert other != given  # the labels given are the ones drawn


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (254, 252)])
def test_raster_png_is_folium_png_and_decodes_to_the_same_pixels(shape):
    import base64
    import io

    from folium.utilities import image_to_url
    from PIL import Image

    from hotspots.maps.raster_overlay import png_data_url

    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, size=(*shape, 4), dtype=np.uint8)
    rgba[: shape[0] // 2, :, 3] = 0  # transparent rows, as outside the city
    assert png_data_url(rgba, level=9) == image_to_url(rgba)  # folium's bytes at its level
    url = png_data_url(rgba)
    assert url.startswith("data:image/png;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert decoded.mode == "RGBA" and np.array_equal(np.asarray(decoded), rgba)
    with pytest.raises(ValidationError, match="RGBA uint8"):
        png_data_url(rgba[..., :3])
