"""Tests of hotspots.overlays.lighting: exact dark gaps on hand-made streets and the sample city."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from hotspots import sample
from hotspots._errors import CRSError, ValidationError
from hotspots.overlays.lighting import (
    lighting,
    lighting_from_lit_tag,
    prepare_lamps,
    union_intervals,
)
from hotspots.segments import build_segments

CRS = "EPSG:32635"


def _segments(lines, ids):
    geoms = [LineString(c) for c in lines]
    return gpd.GeoDataFrame({"length_m": [g.length for g in geoms]}, geometry=geoms, crs=CRS,
                            index=pd.Index(ids, name="segment_id"))


def _lamps(points, status=None):
    data = {} if status is None else {"status": status}
    return gpd.GeoDataFrame(data, geometry=[Point(p) for p in points], crs=CRS)


def test_straight_segment_chords_exact():
    # lamp A at 20 m on the line lights [0, 50]; lamp B 18 m off the line at x=50 lights the
    # chord 50 ± √(30² − 18²) = [26, 74]; the broken lamp at 90 gives no light -> dark [74, 100]
    seg = _segments([[(0, 0), (100, 0)]], [7])
    lamps = prepare_lamps(_lamps([(20, 0), (50, 18), (90, 0)], ["working", "working", "broken"]),
                          CRS)
    res = lighting(seg, lamps, reach_m=30.0)
    row = res.frame.loc[7]
    assert row["lamps_within_reach"] == 2
    assert row["broken_within_reach"] == 1
    assert row["lit_m"] == pytest.approx(74.0, abs=1e-9)
    assert row["dark_gap_m"] == pytest.approx(26.0, abs=1e-9)
    assert row["dark_fraction"] == pytest.approx(0.26, abs=1e-12)
    assert row["longest_dark_gap_m"] == pytest.approx(26.0, abs=1e-9)
    assert row["lights_per_100m"] == pytest.approx(2.0)
    assert row["lamps_needed"] == 1  # one gap of 26 m, one lamp lights 60 m
    assert res.gaps[["start_m", "end_m"]].to_numpy().ravel() == pytest.approx([74.0, 100.0])
    assert shapely.equals_exact(res.gaps.geometry.iloc[0], LineString([(74, 0), (100, 0)]), 1e-9)


def test_polyline_pieces_handled_separately():
    # L-shaped street (0,0)->(100,0)->(100,100), 200 m. A lamp on the corner lights 30 m on each
    # side of it: [70, 130]. A lamp at (110, 110), 10 m beside the second piece's extension, lights
    # that piece from 110 − √(30² − 10²) = 81.716 m of it (181.716 m along the street) to its end.
    seg = _segments([[(0, 0), (100, 0), (100, 100)]], [1])
    lamps = prepare_lamps(_lamps([(100, 0), (110, 110), (50, 40)]), CRS)
    res = lighting(seg, lamps, reach_m=30.0)
    chord_start = 100 + 110 - math.sqrt(800)
    expected_gaps = [0.0, 70.0, 130.0, chord_start]
    assert res.gaps[["start_m", "end_m"]].to_numpy().ravel() == pytest.approx(expected_gaps)
    row = res.frame.loc[1]
    assert row["dark_gap_m"] == pytest.approx(70.0 + chord_start - 130.0, abs=1e-9)
    assert row["longest_dark_gap_m"] == pytest.approx(70.0, abs=1e-9)
    assert row["lamps_within_reach"] == 2  # (50, 40) is 40 m from the street
    second = res.gaps.geometry.iloc[1]
    assert shapely.equals_exact(second, LineString([(100, 30), (100, chord_start - 100)]), 1e-9)
    assert res.gaps.geometry.length.to_numpy() == pytest.approx(res.gaps["length_m"].to_numpy())


def test_gap_geometry_keeps_interior_vertices():
    seg = _segments([[(0, 0), (10, 0), (10, 10), (20, 10)]], [3])
    res = lighting(seg, prepare_lamps(_lamps([(100, 100)]), CRS), reach_m=5.0)
    assert res.frame.loc[3, "dark_gap_m"] == pytest.approx(30.0)
    assert shapely.equals_exact(res.gaps.geometry.iloc[0], seg.geometry.iloc[0], 1e-12)


def test_no_working_lamp_in_reach_means_all_dark_and_touching_intervals_merge():
    segs = _segments([[(0, 0), (60, 0)], [(0, 50), (120, 50)]], [1, 2])
    # two lamps whose lit stretches touch exactly at x=60 on segment 2: one run, no gap
    lamps = prepare_lamps(_lamps([(30, 50), (90, 50)]), CRS)
    res = lighting(segs, lamps, reach_m=30.0)
    assert res.frame.loc[1, "dark_gap_m"] == pytest.approx(60.0)
    assert res.frame.loc[1, "dark_fraction"] == pytest.approx(1.0)
    assert res.frame.loc[2, "dark_gap_m"] == pytest.approx(0.0, abs=1e-9)
    assert (res.gaps["segment_id"] == 2).sum() == 0


def test_union_intervals_sweep():
    owner = np.array([1, 0, 1, 1, 0])
    start = np.array([5.0, 0.0, 0.0, 20.0, 3.0])
    end = np.array([12.0, 2.0, 6.0, 25.0, 4.0])
    o, s, e = union_intervals(owner, start, end)
    assert o.tolist() == [0, 0, 1, 1]
    assert s.tolist() == [0.0, 3.0, 0.0, 20.0]
    assert e.tolist() == [2.0, 4.0, 12.0, 25.0]


def test_lamp_order_does_not_matter_and_inputs_untouched():
    rng = np.random.default_rng(1)
    segs = _segments([[(0, 0), (300, 0), (300, 200)], [(0, 100), (200, 120)]], [10, 11])
    pts = rng.uniform(-20, 320, size=(40, 2))
    lamps = prepare_lamps(_lamps(pts.tolist()), CRS)
    before = lamps.copy()
    seg_before = segs.copy()
    a = lighting(segs, lamps, reach_m=25.0).frame
    b = lighting(segs, lamps.iloc[::-1], reach_m=25.0).frame
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(lamps, before)
    pd.testing.assert_frame_equal(segs, seg_before)


def test_sample_city_matches_buffer_difference():
    """Independent check on real data: dark length = length of street minus lamp buffers."""
    segs = build_segments(sample.load_layer("streets"), name_column="name")
    lamps = prepare_lamps(sample.load_layer("lamps"), segs.crs)
    res = lighting(segs, lamps, reach_m=30.0)
    lit_area = shapely.union_all(shapely.buffer(
        lamps.geometry[lamps["working"]].to_numpy(), 30.0, quad_segs=256))
    dark_ref = shapely.length(shapely.difference(segs.geometry.to_numpy(), lit_area))
    # the polygonal buffer is inside the true circle by < 30·(1 − cos(π/1024)) ≈ 0.14 mm radially
    assert np.abs(res.frame["dark_gap_m"].to_numpy() - dark_ref).max() < 0.05
    assert (lamps["working"].sum(), (~lamps["working"]).sum()) == (539, 47)
    assert res.frame["dark_gap_m"].between(0, segs["length_m"] + 1e-9).all()
    total = res.gaps.groupby("segment_id")["length_m"].sum()
    assert total.to_numpy() == pytest.approx(res.frame.loc[total.index, "dark_gap_m"].to_numpy())


def test_lamps_without_crs_or_empty_or_not_points():
    bare = gpd.GeoDataFrame(geometry=[Point(0, 0)])
    with pytest.raises(CRSError, match="no CRS"):
        prepare_lamps(bare, CRS)
    with pytest.raises(ValidationError, match="lamp layer is empty"):
        prepare_lamps(_lamps([]), CRS)
    lines = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])], crs=CRS)
    with pytest.raises(ValidationError, match="lamp features must be Point"):
        prepare_lamps(lines, CRS)
    with pytest.raises(ValidationError, match="reach_m"):
        lighting(_segments([[(0, 0), (1, 0)]], [1]), prepare_lamps(_lamps([(0, 0)]), CRS),
                 reach_m=0)


def test_status_values():
    lamps = prepare_lamps(_lamps([(0, 0)] * 4, ["Working", " BROKEN ", None, "apagada"]), CRS)
    assert lamps["working"].tolist() == [True, False, True, False]


def test_lit_tag_fallback():
    segs = _segments([[(0, 0), (10, 0)], [(0, 5), (20, 5)], [(0, 9), (5, 9)]], [1, 2, 3])
    res = lighting_from_lit_tag(segs, pd.Series({1: "yes", 2: "no", 3: None}))
    assert res["dark_gap_m"].tolist()[:2] == [0.0, 20.0]
    assert np.isnan(res.loc[3, "dark_gap_m"])


@settings(max_examples=40, deadline=None)
@given(
    pts=st.lists(st.tuples(st.floats(-40, 140), st.floats(-40, 140)), min_size=0, max_size=12),
    reach=st.floats(1.0, 60.0),
)
def test_property_lit_plus_dark_is_length_and_matches_buffers(pts, reach):
    segs = _segments([[(0, 0), (100, 0), (100, 100)], [(0, 50), (70, 120)]], [1, 2])
    lamps = prepare_lamps(_lamps(pts), CRS) if pts else _lamps([]).assign(working=True)
    res = lighting(segs, lamps, reach_m=reach)
    length = segs["length_m"].to_numpy()
    assert np.allclose(res.frame["lit_m"] + res.frame["dark_gap_m"], length)
    assert (res.frame["longest_dark_gap_m"] <= res.frame["dark_gap_m"] + 1e-9).all()
    if pts:
        lit_area = shapely.union_all(shapely.buffer(shapely.points(pts), reach, quad_segs=512))
        ref = shapely.length(shapely.difference(segs.geometry.to_numpy(), lit_area))
        assert np.allclose(res.frame["dark_gap_m"], ref, atol=5e-3 * reach)  # tangent chords: ≤ √(2r·δ)
