"""The vectorised text writers give exactly what their per-item versions gave.

Each reference below is the per-value code the writer used before it was vectorised (kept
here, not in the package), run on awkward input: missing values, negative zero, rounding
ties, non-ASCII, XML special characters, empty and multi-part geometries.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotspots import i18n
from hotspots.i18n.catalogue import language

AWKWARD = [0.0, -0.0, -0.004, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1 / 128, -1 / 128, 1e-7,
           -1e-7, 1234.5, -1234.5, 1234567.891, 1e15, -1e21, 0.045, 0.055, float("nan"),
           float("inf"), float("-inf"), 99.995, 0.0005, 0.9995, 2**-20]


def _numbers_reference(values, lang, *, digits=0, scale=1.0, suffix=""):
    arr = np.asarray(values, dtype=float) * scale
    ok = np.isfinite(arr)
    arr = np.where(ok, np.round(arr, digits), 0.0) + 0.0
    spec = f",.{digits}f"
    out = [format(v, spec) for v in arr.tolist()]
    if language(lang) == "pt":
        out = [x.translate(str.maketrans({",": ".", ".": ","})) for x in out]
    return [x + suffix if good else "" for x, good in zip(out, ok.tolist())]


@pytest.mark.parametrize("lang", ["en", "pt"])
@pytest.mark.parametrize("digits", [0, 1, 2, 3])
@pytest.mark.parametrize(("scale", "suffix"), [(1.0, ""), (100.0, " %"), (1.0, " m²,.")])
def test_numbers_as_one_value_at_a_time(lang, digits, scale, suffix):
    rng = np.random.default_rng(digits)
    values = np.r_[AWKWARD, rng.normal(0, 1e4, 500), np.round(rng.normal(0, 10, 200), 3)]
    got = i18n.numbers(values, lang, digits=digits, scale=scale, suffix=suffix)
    assert got == _numbers_reference(values, lang, digits=digits, scale=scale, suffix=suffix)
    assert i18n.numbers([], lang, digits=digits, suffix=suffix) == []
    assert i18n.numbers([float("nan")] * 3, lang, suffix=suffix) == ["", "", ""]


def test_fixed_texts_as_format():
    from hotspots.i18n.formats import fixed_texts

    values = [*AWKWARD, 1, -3, 12.005, 0.0049999, -0.0000001]
    for digits in (0, 1, 2, 6):
        assert fixed_texts(values, digits) == [f"{v:.{digits}f}" for v in values]
    assert fixed_texts([], 2) == []


def _coord_chunks_reference(xy, idx, n):
    import itertools

    pairs = [f"{x:.6f},{y:.6f}" for x, y in xy.tolist()]
    bounds = np.searchsorted(idx, np.arange(n + 1)).tolist()
    return [" ".join(pairs[a:b]) for a, b in itertools.pairwise(bounds)]


def test_kml_coordinates_as_pair_by_pair():
    import shapely

    from hotspots.export.kml import _coord_chunks

    rng = np.random.default_rng(3)
    xy = np.c_[rng.uniform(-180, 180, 300), rng.uniform(-90, 90, 300)]
    xy[:len(AWKWARD), 0] = AWKWARD
    xy[:len(AWKWARD), 1] = AWKWARD[::-1]
    for idx, n in [(np.sort(rng.integers(0, 40, 300)), 40),  # some chunks without pairs
                   (np.zeros(300, np.int64), 1), (np.arange(300), 300),
                   (np.sort(rng.integers(0, 40, 300)) + 5, 50)]:
        assert _coord_chunks(xy, idx, n) == _coord_chunks_reference(xy, idx, n)
    assert _coord_chunks(np.empty((0, 2)), np.empty(0, np.int64), 3) == ["", "", ""]
    lines = shapely.linestrings(xy[-10:]), shapely.linestrings(xy[-12:-10])
    pts, idx = shapely.get_coordinates(np.array(lines), return_index=True)
    assert _coord_chunks(pts, idx, 2) == _coord_chunks_reference(pts, idx, 2)


def test_kml_join_helpers():
    from xml.sax.saxutils import escape, unescape

    from hotspots._texts import each as _each
    from hotspots.export.kml import _filled, _take

    texts = ["a & b", "<Rua São João>", "", "x\x00y & z", "\"q\" 'r'", "ção > 3", ""]
    for fn in (escape, unescape):
        assert _each(fn, texts) == [fn(t) for t in texts]
        assert _each(fn, texts[:3]) == [fn(t) for t in texts[:3]]
        assert _each(fn, []) == []
        assert _each(fn, [""]) == [""]
    assert _take(["a", "b", ""], np.array([0, -1, 1, 0])) == ["a", "", "b", "a"]
    assert _take(["a"], np.array([], np.int64)) == []
    values = {"shift": ["1", "2", "ção"], "shift_rank": ["3", "", "{x}"]}
    for template in ("turno {shift}, nº {shift_rank}", "{shift}{shift_rank}", "no keys",
                     "{shift_rank:>3} {shift}", "{shift!r}"):
        rows = [dict(zip(values, row)) for row in zip(*values.values())]
        assert _filled(template, values, 3) == [template.format(**r) for r in rows]


def _texts_reference(values, field, lang, suppressed, k):
    """kml._texts as it was written value by value."""
    from xml.sax.saxutils import escape

    import pandas as pd

    from hotspots import symbology as sym

    t = i18n.translator(lang)
    out = []
    kind, dec = field.kind, field.decimals
    if kind in ("num", "int", "pct", "p", "class"):
        nums = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        if kind == "pct":
            out = _numbers_reference(nums, lang, digits=dec, scale=100.0, suffix=" %")
        elif kind == "p":
            small = "&lt; " + i18n.number(0.001, lang, digits=3)
            out = [small if v < 0.001 else x for v, x in
                   zip(nums.tolist(), _numbers_reference(nums, lang, digits=3))]
        elif kind == "class" and field.column == "gi_bin":
            gi = {b: t(f"legend.gi.{b}") for b in range(-3, 4)}
            out = [gi.get(int(v), "") if np.isfinite(v) else "" for v in nums.tolist()]
        else:
            out = _numbers_reference(nums, lang, digits=0 if kind in ("int", "class") else dec)
    elif kind == "bool":
        yes, no = t("words.yes"), t("words.no")
        out = [yes if v is True else no if v is False else "" for v in sym.truthy(values)
               .tolist()]
    else:
        labels = {"hot_status": "words.status.", "status": "words.lamp.",
                  "lisa_class": "words.lisa."}.get(field.column)
        codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
        shown = []
        for v in uniques.tolist():
            text = str(v)
            key = (labels or "") + text.strip().lower()
            shown.append(escape(t(key) if labels and i18n.has(key) else text))
        out = [shown[c] if c >= 0 else "" for c in codes.tolist()]
    if suppressed is not None and k:
        from hotspots.maps.layers import SUPPRESSIBLE

        if field.column in SUPPRESSIBLE:
            note = escape(t("words.suppressed", k=k))
            out = [note if (s and not o) else o for o, s in zip(out, suppressed.tolist())]
    return out


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_kml_texts_as_value_by_value(lang):
    import pandas as pd

    from hotspots.export.kml import _texts
    from hotspots.layers import Field
    from hotspots.maps.layers import SUPPRESSIBLE

    n = len(AWKWARD)
    nums = pd.Series(AWKWARD)
    mixed = pd.Series([*AWKWARD[:-4], None, "3,5", "x", pd.NA], dtype=object)
    bins = pd.Series([-3, -2.5, -0.5, 0, 1, 2.9, 3, 4, -4, None, float("nan"), 1e300,
                      *range(n - 12)], dtype=object)
    words = pd.Series(["Rua <A> & B", "São João", None, "hot", " HOT ", "not significant",
                       float("nan"), "HH", "a\x00b", "", "ção", pd.NA, *["x"] * (n - 12)],
                      dtype=object)
    flags = pd.Series([True, False, None, 1, 0, "sim", "não", "yes", "maybe", np.nan, pd.NA,
                       *[True] * (n - 11)], dtype=object)
    sup = np.arange(n) % 3 == 0
    column = next(iter(SUPPRESSIBLE))
    cases = [(nums, Field("x", "x", "num", 2)), (mixed, Field("x", "x", "num", 1)),
             (nums, Field("x", "x", "int", 0)), (nums, Field("x", "x", "pct", 1)),
             (nums, Field("gi_p", "gi_p", "p", 3)), (bins, Field("gi_bin", "gi_bin", "class", 0)),
             (flags, Field("funded", "funded", "bool", 0)),
             (pd.Series([True, False] * (n // 2) + [True] * (n % 2)),
              Field("funded", "funded", "bool", 0)),
             (words, Field("street_name", "street_name", "text", 0)),
             (words, Field("hot_status", "hot_status", "text", 0)),
             (words, Field("lisa_class", "lisa_class", "text", 0)),
             (words.astype("string"), Field("status", "status", "text", 0)),
             (words.astype("str"), Field("hot_status", "hot_status", "text", 0)),
             (words.astype("str"), Field("street_name", "street_name", "text", 0)),
             (mixed, Field(column, column, "num", 0)), (words, Field(column, column, "text", 0))]
    for values, field in cases:
        for suppressed, k in ((None, None), (sup, 3), (sup, None)):
            assert (_texts(values, field, lang, suppressed, k)
                    == _texts_reference(values, field, lang, suppressed, k)), field
    empty = pd.Series([], dtype=float)
    assert _texts(empty, Field("x", "x", "num", 2), lang, None, None) == []
    assert _texts(empty.astype(object), Field("x", "x", "text", 0), lang, None, None) == []


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_csv_float_cells_as_cell_by_cell(lang):
    import pandas as pd

    from hotspots.export.tables import DIALECTS, _cells

    d = DIALECTS[lang]
    values = pd.Series([*AWKWARD, 12.005, -0.0049], dtype=float)
    for digits in (0, 2, 3):
        reference = ["" if np.isnan(v) else f"{v:.{digits}f}".replace(".", d["decimal"])
                     for v in values.tolist()]
        assert _cells(values, digits, d) == reference
        assert _cells(values.astype("Float64"), digits, d) == reference
    assert _cells(pd.Series([], dtype=float), 2, d) == []


def _geojson_reference(frame, precision=6):
    """export.geojson's text as it was assembled before (markers replaced, then split)."""
    from itertools import repeat

    import pandas as pd
    import shapely

    from hotspots.export.gpkg import prepare_table
    from hotspots.wgs84 import to_wgs84

    data = to_wgs84(prepare_table(frame))
    geoms = np.asarray(data.geometry.values, dtype=object)
    ok = geoms.copy()
    ok[shapely.is_missing(geoms) | shapely.is_empty(geoms)] = None
    ok = shapely.orient_polygons(ok, exterior_cw=False)
    ok = shapely.transform(ok, lambda xy: np.round(xy, precision))
    geometry = shapely.to_geojson(ok)
    props = pd.DataFrame(data.drop(columns=data.geometry.name))
    for col in props.columns:
        if pd.api.types.is_float_dtype(props[col].dtype):
            props[col] = props[col].where(np.isfinite(props[col].to_numpy(dtype=float)))
    shapes = [g if g is not None else "null" for g in geometry.tolist()]
    if props.shape[1] == 0:
        tails = ["}},"] * len(props)
    else:
        props.insert(0, "\u0001start", 0)
        props["\u0001end"] = 0
        records = props.to_json(orient="records", date_format="iso", double_precision=15,
                                force_ascii=False)
        tails = records.replace(',"\\u0001end":0}', "}}").split('{"\\u0001start":0,')[1:]
    if tails:
        tails[-1] = tails[-1][:-1]
    body = "".join(map("".join, zip(repeat('\n{"type":"Feature","geometry":'), shapes,
                                    repeat(',"properties":{'), tails)))
    return '{"type":"FeatureCollection","features":[' + body + "\n]}\n"


def test_geojson_text_as_assembled_before(tmp_path):
    import geopandas as gpd
    import pandas as pd
    import shapely

    from hotspots.export.geojson import write_geojson

    geoms = [shapely.Point(500000, 6480000), None, shapely.LineString([(0, 0), (1, 1)]),
             shapely.MultiLineString([[(0, 0), (5, 5)], [(7, 7), (8, 9)]]),
             shapely.Polygon([(0, 0), (0, 10), (10, 0)]), shapely.Point(),
             shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)])]
    n = len(geoms)
    texts = ['a","\\u0001end":0},{"\\u0001start":0,b', "São João ção", None, '{"x":1}', "",
             "\\", "\u0001end"]
    frame = gpd.GeoDataFrame({
        "name": texts, "value": [0.1, -0.0, float("nan"), float("inf"), 1e300, 2.5, None],
        "count": range(n), "flag": [True, False] * 3 + [True],
        "when": pd.to_datetime(["2026-11-16"] * n)}, geometry=geoms, crs=31982)
    cases = [frame, frame.iloc[:1], frame.iloc[:0], frame[["geometry"]],
             frame[["geometry"]].iloc[:0], frame.set_index("count")]
    for k, case in enumerate(cases):
        path = write_geojson(case, tmp_path / f"{k}.geojson")
        assert path.read_text(encoding="utf-8") == _geojson_reference(case), k


def _geometry_texts_reference(geoms):
    """kml._geometry_texts as it was written part by part."""
    import shapely

    from hotspots.wgs84 import get_parts

    out = [None] * len(geoms)
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not len(ok):
        return out
    parts, owner = get_parts(geoms[ok])
    types = shapely.get_type_id(parts)
    texts = [""] * len(parts)
    lines = np.flatnonzero(np.isin(types, (1, 2)))
    if len(lines):
        xy, idx = shapely.get_coordinates(parts[lines], return_index=True)
        for j, chunk in zip(lines.tolist(), _coord_chunks_reference(xy, idx, len(lines))):
            texts[j] = ("<LineString><tessellate>1</tessellate><coordinates>" + chunk
                        + "</coordinates></LineString>")
    points = np.flatnonzero(types == 0)
    if len(points):
        xy = shapely.get_coordinates(parts[points])
        for j, (x, y) in zip(points.tolist(), xy.tolist()):
            texts[j] = f"<Point><coordinates>{x:.6f},{y:.6f}</coordinates></Point>"
    polys = np.flatnonzero(types == 3)
    if len(polys):
        rings, ring_owner = shapely.get_rings(parts[polys], return_index=True)
        xy, idx = shapely.get_coordinates(rings, return_index=True)
        ring_text = _coord_chunks_reference(xy, idx, len(rings))
        first = np.r_[True, ring_owner[1:] != ring_owner[:-1]]
        body = {}
        for r, (o, is_outer) in enumerate(zip(ring_owner.tolist(), first.tolist())):
            tag = "outerBoundaryIs" if is_outer else "innerBoundaryIs"
            body.setdefault(o, []).append(f"<{tag}><LinearRing><coordinates>{ring_text[r]}"
                                          f"</coordinates></LinearRing></{tag}>")
        for o, j in enumerate(polys.tolist()):
            texts[j] = "<Polygon>" + "".join(body.get(o, [])) + "</Polygon>"
    if len(parts) == len(ok):
        for row, text in zip(ok.tolist(), texts):
            out[row] = text
        return out
    grouped = {}
    for j, o in enumerate(owner.tolist()):
        grouped.setdefault(o, []).append(texts[j])
    for o, items in grouped.items():
        out[ok[o]] = items[0] if len(items) == 1 else (
            "<MultiGeometry>" + "".join(items) + "</MultiGeometry>")
    return out


def test_kml_geometries_as_part_by_part():
    import shapely

    from hotspots.export.kml import _geometry_texts

    holed = shapely.Polygon([(0, 0), (0, 10), (10, 10), (10, 0)],
                            [[(1, 1), (1, 2), (2, 2)], [(5, 5), (5, 6), (6, 6)]])
    mixed = [shapely.Point(-52.3434235, -31.7805755), None, shapely.LineString(),
             shapely.LineString([(-0.0, 0.0000005), (1e-7, -1e-7), (2.5e-6, 179.9999995)]),
             shapely.MultiLineString([[(0, 0), (5, 5)], [(7, 7), (8, 9), (1, 1)]]), holed,
             shapely.MultiPolygon([holed, shapely.box(20, 20, 21, 21)]),
             shapely.MultiPoint([(1, 2), (3, 4)]), shapely.Point(1, 2, 3),
             shapely.GeometryCollection([shapely.Point(0, 1), shapely.LineString([(0, 0),
                                                                                  (1, 1)])]),
             shapely.LinearRing([(0, 0), (0, 1), (1, 1)]), shapely.Polygon()]
    single = [g for g in mixed if g is not None and shapely.get_num_geometries(g) <= 1]
    for geoms in (mixed, single, [None, shapely.Point()], [], mixed[::-1]):
        arr = np.empty(len(geoms), dtype=object)
        arr[:] = geoms
        assert _geometry_texts(arr) == _geometry_texts_reference(arr)


def test_kml_simple_data_and_wrapping():
    from hotspots.export.kml import _simple_data, _wrapped

    texts = ["1,5", "", "São &amp; João", "", "x\x00y", "&lt; 0,001"]
    for values in (texts, texts[:4], [""], [], ["a"]):
        assert _simple_data("gi_z", values) == [
            f'<SimpleData name="gi_z">{v}</SimpleData>' if v else "" for v in values]
    for values in (["1,2 3,4", "", "5,6"], [""], []):
        assert _wrapped("<a>", values, "</a>") == ["<a>" + v + "</a>" for v in values]


def test_wgs84_lookup_with_repeats_and_partial_hits():
    import shapely
    from pyproj import CRS

    from hotspots.wgs84 import Wgs84Cache, _compute

    crs = CRS.from_epsg(31982)
    rng = np.random.default_rng(5)
    pool = shapely.points(np.c_[rng.uniform(4e5, 5e5, 50), rng.uniform(6.4e6, 6.5e6, 50)])
    pool[7] = None
    pool[9] = shapely.LineString([(4e5, 6.4e6), (4.1e5, 6.41e6)])
    cache = Wgs84Cache()
    seen: set[int] = set()
    for picks in (rng.integers(0, 20, 30), rng.integers(0, 50, 80), np.arange(50)[::-1],
                  np.array([], np.int64), np.array([3, 3, 3])):
        src = pool[picks]
        got = cache.geometries(src, crs)
        want = _compute(src, crs, 0.0)
        assert len(got) == len(src)
        assert all(shapely.equals_exact(a, b, 0) if a is not None else b is None
                   for a, b in zip(got.tolist(), want.tolist()))
        new = {id(g) for g in src.tolist()} - seen
        assert len(cache) == len(seen | new)
        seen |= new
        again = cache.geometries(src, crs)  # all hits now: the very same objects
        assert all(a is b for a, b in zip(again.tolist(), got.tolist()))


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_csv_object_cells_in_words(lang):
    import decimal

    import pandas as pd

    from hotspots.export.tables import DIALECTS, _cells

    d = DIALECTS[lang]
    column = ["=SUM(A1)", "-31.77", "+3", "@x", "São João", "", None, float("nan"), pd.NA,
              decimal.Decimal("2.5"), True, False, 2.5, np.float64(1.005), 7, "\tx"]
    comma = d["decimal"]
    want = ["'=SUM(A1)", "-31.77", "+3", "'@x", "São João", "", "", "", "", "2.5",
            d["true"], d["false"], f"2{comma}50", f"1{comma}00", "7", "'\tx"]
    assert _cells(pd.Series(column, dtype=object), 2, d) == want
    assert _cells(pd.Series(["=1", None, "Rua 1"], dtype="string"), 2, d) == ["'=1", "", "Rua 1"]


@pytest.mark.parametrize("dtype", ["str", "string"])
def test_prepared_texts_as_astype_object(dtype):
    import pandas as pd

    from hotspots.export.gpkg import _as_objects

    def same(a, b):
        return len(a) == len(b) and all(
            type(x) is type(y) and ((x is pd.NA and y is pd.NA) or (isinstance(x, float)
                                                                  and x != x and y != y)
                                    or (isinstance(x, str) and x == y))
            for x, y in zip(a, b))

    few = ["hot", "cold", None, "hot", "São João", "", "hot", np.nan, "cold", "ção"] * 5
    columns = [few, [f"rua {i}" for i in range(30)], [None] * 4, [], ["a"], few + ["x"] * 3]
    for column in columns:
        values = pd.Series(column, dtype=dtype, index=np.arange(len(column)) * 2, name="c")
        got = _as_objects(values)
        want = values.astype(object)
        assert got.dtype == want.dtype and got.name == want.name
        assert got.index.equals(want.index)
        assert same(got.tolist(), want.tolist()), column


def test_geojson_of_lines_only_as_assembled_before(tmp_path):
    import geopandas as gpd
    import shapely

    from hotspots.export.geojson import write_geojson

    lines = gpd.GeoDataFrame(
        {"n": [1, 2, 3]}, crs=31982,
        geometry=[shapely.LineString([(5e5, 6.48e6), (5.001e5, 6.4801e6)]), None,
                  shapely.MultiLineString([[(5e5, 6.48e6), (5e5 + 1, 6.48e6 + 1)]])])
    path = write_geojson(lines, tmp_path / "lines.geojson")
    assert path.read_text(encoding="utf-8") == _geojson_reference(lines)
