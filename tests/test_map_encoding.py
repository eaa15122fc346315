"""The map's vectorised geometry encoders give what the one-by-one encoder gives."""

from __future__ import annotations

import numpy as np
import shapely

from hotspots.maps.layers import encode_geometry, encode_lines, encode_points


def test_encode_points_equals_one_by_one():
    rng = np.random.default_rng(7)
    xy = rng.uniform(-53, -52, size=(300, 2))
    xy[:5] = [[-52.000025, -31.000015], [0.000005, 0.000015], [-0.000025, 0.5e-5],
              [1.5e-5, -2.5e-5], [0.0, 0.0]]  # halves of 1e-5 degrees: round half to even
    geoms = list(shapely.points(xy))
    geoms[10] = None
    geoms[11] = shapely.Point()
    geoms[12] = shapely.box(-52.1, -31.1, -52.0, -31.0)  # a polygon: its representative point
    geoms[13] = shapely.LineString([(-52.1, -31.1), (-52.0, -31.0)])
    expected = [encode_geometry(g, "point") if g is not None else None for g in geoms]
    assert encode_points(np.asarray(geoms, dtype=object)) == expected
    assert expected[0] == [round(-31.000015 * 1e5), round(-52.000025 * 1e5)]


def test_encode_lines_equals_one_by_one():
    rng = np.random.default_rng(8)
    geoms = [shapely.LineString(rng.uniform(-52.4, -52.3, (rng.integers(2, 6), 2)))
             for _ in range(50)]
    geoms[3] = shapely.MultiLineString([[(-52.0, -31.0), (-52.0, -31.0), (-52.1, -31.2)],
                                        [(-52.3, -31.3), (-52.4, -31.4)]])
    geoms[4] = None
    geoms[5] = shapely.LineString()
    expected = [encode_geometry(g, "line") if g is not None else None for g in geoms]
    assert encode_lines(np.asarray(geoms, dtype=object)) == expected
    assert expected[3][0] == [-3100000, -5200000, -20000, -10000]  # repeated vertex dropped


def test_encode_lines_of_single_part_lines_equals_one_by_one():
    rng = np.random.default_rng(9)
    geoms = [shapely.LineString(rng.uniform(-52.4, -52.3, (rng.integers(2, 5), 2)))
             for _ in range(40)]
    geoms[6] = None
    expected = [encode_geometry(g, "line") if g is not None else None for g in geoms]
    assert encode_lines(np.asarray(geoms, dtype=object)) == expected


def test_round_values_equals_round_one_by_one():
    import math

    from hotspots.maps.layers import round_values

    rng = np.random.default_rng(11)
    vals = np.concatenate([
        rng.normal(0, 50, 100_000), rng.uniform(0, 1, 50_000),
        # near and at halves of the last kept decimal, where a rounded product can cross
        np.round(rng.uniform(-100, 100, 50_000), 3) + 0.0005,
        np.round(rng.uniform(-10, 10, 50_000), 2) + 0.005,
        rng.integers(-10**6, 10**6, 20_000) / 8.0,
        [2.675, 0.125, 0.375, 1e-7, -1e-7, 1e20, -1e20, -0.0, 0.5, 1.5, 2.5, -2.5, np.nan,
         np.inf, -np.inf, 1e-300, 5e15, 4503599627370497.0, 2.0 ** 53 + 2]])
    for digits in (0, 1, 2, 3, 4, 6):
        want = [(round(v) if digits == 0 else round(v, digits)) if math.isfinite(v) else None
                for v in vals.tolist()]
        got = round_values(vals, digits)
        assert [type(x) for x in got] == [type(x) for x in want]
        assert [repr(x) for x in got] == [repr(x) for x in want], digits
