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


def _old_column(series, kind):
    """The map's text and flag columns as first written, value by value (reference)."""
    import pandas as pd

    if kind == "bool":
        return [None if pd.isna(v) else bool(v) for v in series]
    if isinstance(series.dtype, pd.StringDtype) or (
            series.dtype == object and pd.api.types.infer_dtype(series, skipna=True)
            in ("string", "empty")):
        text = series
    else:
        text = series.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                          or v is pd.NA else str(v))
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    return [None if c < 0 else int(c) for c in codes], [str(u) for u in uniques]


def test_text_and_flag_columns_equal_value_by_value():
    import pandas as pd

    from hotspots.layers import Field
    from hotspots.maps.layers import _column

    texts = pd.Series(["Rua A", None, "Rua Á", "Rua A", np.nan, "", pd.NA, "Rua <b>"],
                      dtype=object)
    for series in (texts, texts.astype("string"), texts.astype("str"),
                   pd.Series([3, None, 3.5, 3], dtype=object), pd.Series([], dtype=object)):
        values, names = _column(series, Field("street_name", "", "text"))
        assert (values, names) == _old_column(series, "text")
        assert all(type(v) is int for v in values if v is not None)
    for series in (pd.Series([True, False, None, np.nan, 1, 0, pd.NA], dtype=object),
                   pd.Series([True, None, False], dtype="boolean"),
                   pd.Series([True, False]), pd.Series([], dtype=bool)):
        values, _ = _column(series, Field("suppressed", "", "bool"))
        assert values == _old_column(series, "bool")
        assert all(type(v) is bool for v in values if v is not None)
