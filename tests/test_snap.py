"""Snapping: exact ids/distances/positions on toy networks, ties, reach, and Mesa vs brute force."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.examples import get_path
from shapely.geometry import LineString, Point

from hotspots import ValidationError
from hotspots.segments import build_segments
from hotspots.snap import snap_points

UTM = "EPSG:31982"


@pytest.fixture
def cross():
    """Two streets crossing at (100, 0): four 100 m segments."""
    g = gpd.GeoDataFrame(
        {"name": ["Rua A", "Rua B"]},
        geometry=[LineString([(0, 0), (100, 0), (200, 0)]),
                  LineString([(100, -100), (100, 0), (100, 100)])],
        crs=UTM,
    )
    return build_segments(g)


def seg_at(segs, x, y):
    """segment_id of the segment passing through (x, y)."""
    hit = segs.index[segs.geometry.distance(Point(x, y)) < 1e-9]
    assert len(hit) == 1
    return hit[0]


def test_exact_ids_distances_positions(cross):
    pts = shapely.points([[30, 4], [170, -7.5], [103, 60], [150, 0]])
    res = snap_points(pts, cross, max_distance_m=50)
    assert list(res.segment_id) == [seg_at(cross, 50, 0), seg_at(cross, 150, 0),
                                    seg_at(cross, 100, 50), seg_at(cross, 150, 0)]
    np.testing.assert_allclose(res.distance_m, [4, 7.5, 3, 0])
    # positions are measured from each segment's first vertex
    first = {sid: shapely.get_coordinates(g)[0] for sid, g in cross.geometry.items()}
    expected_pos = [abs(30 - first[res.segment_id[0]][0]), abs(170 - first[res.segment_id[1]][0]),
                    abs(60 - first[res.segment_id[2]][1]), abs(150 - first[res.segment_id[3]][0])]
    np.testing.assert_allclose(res.position_m, expected_pos)
    assert (res.ties == 1).all()


def test_point_on_intersection_is_a_tie_won_by_smallest_id(cross):
    res = snap_points(shapely.points([[100, 0]]), cross, max_distance_m=10)
    assert res.ties[0] == 4
    assert res.segment_id[0] == cross.index.min()
    assert res.distance_m[0] == 0


def test_equidistant_between_parallel_streets_counted_once():
    g = gpd.GeoDataFrame({"name": ["Norte", "Sul"]},
                         geometry=[LineString([(0, 10), (100, 10)]), LineString([(0, -10), (100, -10)])],
                         crs=UTM)
    segs = build_segments(g)
    pts = shapely.points([[50, 0], [20, 0]])
    res = snap_points(pts, segs, max_distance_m=50)
    assert (res.segment_id == segs.index.min()).all()
    assert (res.ties == 2).all()
    # order of the segments frame does not matter
    res2 = snap_points(pts, segs.iloc[::-1], max_distance_m=50)
    np.testing.assert_array_equal(res.segment_id, res2.segment_id)


def test_beyond_max_distance_and_missing_points(cross):
    pts = np.array([Point(30, 60), None, Point(30, 49.9), shapely.from_wkt("POINT EMPTY")], dtype=object)
    res = snap_points(pts, cross, max_distance_m=50)
    assert list(res.segment_id[[0, 1, 3]]) == [-1, -1, -1]
    assert np.isnan(res.distance_m[[0, 1, 3]]).all()
    assert res.segment_id[2] == seg_at(cross, 50, 0)


def test_bad_max_distance(cross):
    for bad in (0, -1, np.nan, np.inf):
        with pytest.raises(ValidationError, match="max_distance_m"):
            snap_points(shapely.points([[0, 0]]), cross, max_distance_m=bad)


def _brute_force_nearest(px, py, segs):
    """Independent nearest segment: closed-form point-to-segment distance over every piece."""
    coords, idx = shapely.get_coordinates(segs.geometry.values, return_index=True)
    same = idx[1:] == idx[:-1]
    a, b, owner = coords[:-1][same], coords[1:][same], idx[1:][same]
    ab = b - a
    ab2 = (ab**2).sum(1)
    best_d = np.full(len(px), np.inf)
    best_s = np.full(len(px), -1)
    for k in range(len(px)):
        ap = np.column_stack([px[k] - a[:, 0], py[k] - a[:, 1]])
        t = np.clip((ap * ab).sum(1) / np.where(ab2 > 0, ab2, 1), 0, 1)
        d = np.hypot(a[:, 0] + t * ab[:, 0] - px[k], a[:, 1] + t * ab[:, 1] - py[k])
        per_seg = np.full(len(segs), np.inf)
        np.minimum.at(per_seg, owner, d)
        best_d[k] = per_seg.min()
        best_s[k] = np.flatnonzero(per_seg <= best_d[k] + 1e-9)[0]
    return best_s, best_d


def test_mesa_counts_match_independent_nearest_line():
    """libpysal's Mesa (geodanet) crimes on its streets: same per-street counts as brute force."""
    streets = gpd.read_file(get_path("streets.shp"))
    crimes = gpd.read_file(get_path("crimes.shp"))
    segs = build_segments(streets).sort_index()
    pts = crimes.to_crs(segs.crs).geometry.values
    res = snap_points(pts, segs, max_distance_m=1000)
    assert (res.segment_id >= 0).all()
    best_s, best_d = _brute_force_nearest(shapely.get_x(pts), shapely.get_y(pts), segs)
    np.testing.assert_allclose(res.distance_m, best_d, atol=1e-6)
    ours = np.bincount(res.segment_index, minlength=len(segs))
    theirs = np.bincount(best_s, minlength=len(segs))
    np.testing.assert_array_equal(ours, theirs)
    assert ours.sum() == len(crimes) == 287


@settings(max_examples=40, deadline=None)
@given(
    xy=st.lists(st.tuples(st.floats(-60, 260), st.floats(-160, 160)), min_size=1, max_size=60),
    max_d=st.floats(1, 80),
    seed=st.integers(0, 2**16),
)
def test_properties_no_loss_within_reach_order_invariant(xy, max_d, seed):
    g = gpd.GeoDataFrame(
        {"name": ["A", "B", "C"]},
        geometry=[LineString([(0, 0), (100, 0), (200, 0)]),
                  LineString([(100, -100), (100, 0), (100, 100)]),
                  LineString([(0, 50), (200, 50)])],
        crs=UTM,
    )
    segs = build_segments(g)
    pts = shapely.points(np.array(xy))
    res = snap_points(pts, segs, max_distance_m=max_d)
    found = res.segment_id >= 0
    assert len(res.segment_id) == len(pts)
    assert (res.distance_m[found] <= max_d + 1e-9).all()
    # anything not found is truly beyond reach
    true_d = shapely.distance(pts[:, None], np.asarray(segs.geometry.values)[None, :]).min(axis=1)
    assert (true_d[~found] > max_d - 1e-9).all()
    perm = np.random.default_rng(seed).permutation(len(pts))
    res_p = snap_points(pts[perm], segs.sample(frac=1, random_state=seed), max_distance_m=max_d)
    np.testing.assert_array_equal(res_p.segment_id, res.segment_id[perm])


def test_threaded_chunks_equal_single_thread():
    rng = np.random.default_rng(1)
    streets = gpd.read_file(get_path("streets.shp"))
    segs = build_segments(streets)
    minx, miny, maxx, maxy = segs.total_bounds
    pts = shapely.points(rng.uniform(minx, maxx, 5000), rng.uniform(miny, maxy, 5000))
    a = snap_points(pts, segs, max_distance_m=200, n_jobs=1, chunk_size=100_000)
    b = snap_points(pts, segs, max_distance_m=200, n_jobs=2, chunk_size=700)
    np.testing.assert_array_equal(a.segment_id, b.segment_id)
    np.testing.assert_array_equal(a.position_m, b.position_m)


@pytest.mark.parametrize("max_d", [5.0, 60.0, 2000.0])
def test_grid_kernel_equals_geos_strtree(max_d):
    """The numba grid kernel and GEOS's STRtree agree: ids, distances, positions and ties."""
    from hotspots.sample import load_layer

    segs = build_segments(load_layer("streets"))
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = segs.total_bounds
    pts = shapely.points(rng.uniform(minx - 100, maxx + 100, 4000),
                         rng.uniform(miny - 100, maxy + 100, 4000))
    # add every segment end point: exact ties on shared nodes
    ends = shapely.get_parts(shapely.boundary(segs.geometry.values))
    pts = np.concatenate([pts, ends])
    grid = snap_points(pts, segs, max_distance_m=max_d, method="grid")
    tree = snap_points(pts, segs, max_distance_m=max_d, method="strtree")
    np.testing.assert_array_equal(grid.segment_id, tree.segment_id)
    np.testing.assert_allclose(grid.distance_m, tree.distance_m, atol=1e-7)
    np.testing.assert_allclose(grid.position_m, tree.position_m, atol=1e-6)
    np.testing.assert_array_equal(grid.ties, tree.ties)
    assert (grid.ties[-len(ends):] >= 1).all()
    assert (grid.ties > 1).sum() > 100
