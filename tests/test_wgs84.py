"""The per-run WGS 84 cache gives what geopandas gives, and reprojects each geometry once."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from hotspots import wgs84


def _frame(n=50):
    rng = np.random.default_rng(3)
    x0, y0 = 370_000.0, 6_480_000.0
    lines = [shapely.LineString([(x0 + a, y0 + b), (x0 + a + 40, y0 + b + 0.2),
                                 (x0 + a + 100, y0 + b)])
             for a, b in rng.uniform(0, 5_000, size=(n, 2))]
    if n > 7:
        lines[7] = None  # a missing geometry stays missing
    return gpd.GeoDataFrame({"v": np.arange(n)}, geometry=lines, crs="EPSG:31982")


def _same(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    assert a.crs == b.crs
    assert list(a.columns) == list(b.columns)
    assert a.index.equals(b.index)
    wa = [None if g is None else shapely.to_wkb(g) for g in a.geometry]
    wb = [None if g is None else shapely.to_wkb(g) for g in b.geometry]
    assert wa == wb  # bit for bit, not within a tolerance


def test_cache_equals_geopandas_and_hits_on_derived_tables():
    frame = _frame()
    plain = frame.copy()
    plain["geometry"] = plain.geometry.simplify(0.5, preserve_topology=True)
    plain = plain.to_crs(4326)
    cache = wgs84.Wgs84Cache()
    first = wgs84.to_wgs84(frame, simplify_m=0.5, cache=cache)
    _same(first, plain)
    assert (cache.hits, cache.misses) == (0, 50)
    # a row subset of a copy with fewer columns: the same shapely objects, all hits
    sub = frame.copy()[["geometry"]].iloc[10:30]
    again = wgs84.to_wgs84(sub, simplify_m=0.5, cache=cache)
    _same(again, plain[["geometry"]].iloc[10:30])
    assert (cache.hits, cache.misses) == (20, 50)
    # another tolerance is another entry (no simplification: to_crs alone)
    raw = wgs84.to_wgs84(frame, cache=cache)
    _same(raw, frame.to_crs(4326))
    # (row 7, missing, is one that simplification cannot change: reprojected once for both)
    assert cache.misses == 99 and len(cache) == 99
    # the input is not changed
    assert frame.crs == "EPSG:31982"


def test_without_cache_and_run_cache_scope():
    frame = _frame(10)
    assert wgs84.active() is None
    _same(wgs84.to_wgs84(frame, simplify_m=0.5),
          frame.assign(geometry=frame.geometry.simplify(0.5)).to_crs(4326))
    with wgs84.run_cache() as outer:
        assert wgs84.active() is outer
        with wgs84.run_cache() as inner:
            assert inner is outer
        wgs84.to_wgs84(frame)
        wgs84.to_wgs84(frame.iloc[:4])
        assert (outer.hits, outer.misses) == (4, 10)
    assert wgs84.active() is None


def test_same_object_twice_and_geographic_input():
    frame = _frame(5)
    twice = gpd.GeoDataFrame(geometry=[frame.geometry.iloc[0]] * 3, crs=frame.crs)
    cache = wgs84.Wgs84Cache()
    out = wgs84.to_wgs84(twice, cache=cache)
    assert len(cache) == 1 and cache.misses == 3
    assert out.geometry.iloc[0].equals_exact(frame.geometry.iloc[:1].to_crs(4326).iloc[0], 0)
    geo = frame.to_crs(4326)
    same = wgs84.to_wgs84(geo, simplify_m=0.5, cache=cache)  # degrees: never simplified
    _same(same, geo)



def test_simplify_skips_only_what_cannot_change():
    x0, y0 = 370_000.0, 6_480_000.0
    geoms = np.array([
        shapely.LineString([(x0, y0), (x0 + 100, y0 + 0.1)]),  # two points: kept as is
        shapely.LineString([(x0, y0), (x0 + 50, y0 + 0.2), (x0 + 100, y0)]),  # simplified
        shapely.Point(x0, y0), shapely.MultiPoint([(x0, y0), (x0 + 1, y0)]),
        shapely.MultiLineString([[(x0, y0), (x0 + 50, y0 + 0.2), (x0 + 100, y0)],
                                 [(x0, y0 + 9), (x0 + 9, y0 + 9)]]),
        shapely.box(x0, y0, x0 + 0.3, x0 + 0.3).union(shapely.box(x0, y0, x0 + 50, y0 + 50)),
        shapely.Polygon([(x0, y0), (x0 + 0.2, y0 + 0.1), (x0 + 0.4, y0)]),  # a sliver
        None, shapely.LineString(),
    ], dtype=object)
    got = wgs84._simplify(geoms, 0.5)
    want = shapely.simplify(geoms, 0.5, preserve_topology=True)
    assert [None if g is None else shapely.to_wkb(g) for g in got] == \
        [None if g is None else shapely.to_wkb(g) for g in want]
    assert shapely.get_num_coordinates(got[1]) == 2  # the bend of 0.2 m was simplified


def test_what_simplification_cannot_change_is_reprojected_once():
    x0, y0 = 370_000.0, 6_480_000.0
    lines = [shapely.LineString([(x0 + 10 * i, y0), (x0 + 10 * i + 100, y0 + 0.1)])
             for i in range(6)]
    lines[2] = shapely.LineString([(x0, y0), (x0 + 50, y0 + 0.2), (x0 + 100, y0)])
    frame = gpd.GeoDataFrame({"v": range(6)}, geometry=lines, crs="EPSG:31982")
    cache = wgs84.Wgs84Cache()
    _same(wgs84.to_wgs84(frame, simplify_m=0.5, cache=cache),
          frame.assign(geometry=frame.geometry.simplify(0.5)).to_crs(4326))
    assert (cache.hits, cache.misses) == (0, 6)
    _same(wgs84.to_wgs84(frame, cache=cache), frame.to_crs(4326))
    assert (cache.hits, cache.misses) == (5, 7)  # only the bent line is reprojected again


def test_get_parts_equals_shapely_for_single_and_multi_parts():
    single = np.array([shapely.LineString([(0, 0), (1, 1)]), shapely.Point(2, 2),
                       shapely.box(0, 0, 1, 1)], dtype=object)
    mixed = np.array([*single, shapely.MultiLineString([[(0, 0), (1, 0)], [(2, 0), (3, 0)]]),
                      None, shapely.LineString()], dtype=object)
    for geoms in (single, mixed, single[:0]):
        got, owner = wgs84.get_parts(geoms)
        want, want_owner = shapely.get_parts(geoms, return_index=True)
        assert [shapely.to_wkb(g) for g in got] == [shapely.to_wkb(g) for g in want]
        assert owner.tolist() == want_owner.tolist()
