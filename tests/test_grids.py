"""Tests of hotspots.grids: fishnet and hexagon cells on toy boundaries, point counts vs sjoin."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from hotspots._errors import CRSError, ValidationError
from hotspots.grids import HEX_AREA_FACTOR, assign_points, count_points, fishnet, hexagons

CRS = "EPSG:31982"
L_SHAPE = box(0, 0, 300, 100).union(box(0, 100, 100, 300))


def _points(xy, crs=CRS):
    xy = np.asarray(xy, dtype=float)
    return gpd.GeoDataFrame(
        {"w": np.arange(len(xy), dtype=float) + 1},
        geometry=shapely.points(xy),
        index=pd.Index(np.arange(len(xy)) + 1000, name="incident_id"),
        crs=crs,
    )


def test_fishnet_on_an_l_shaped_boundary_by_hand():
    cells = fishnet(L_SHAPE, cell_size_m=100, crs=CRS)
    # cells that only touch the boundary (e.g. r1c1 at the inner corner) are not kept
    assert list(cells.index) == ["r0c0", "r0c1", "r0c2", "r1c0", "r2c0"]
    assert cells.index.name == "cell_id"
    np.testing.assert_allclose(cells.area, 10_000.0)
    assert cells.loc["r1c0", "geometry"].equals(box(0, 100, 100, 200))
    assert cells.crs == CRS


def test_fishnet_keeps_whole_cells_meeting_the_boundary_and_clip_cuts_them():
    b = box(10, 10, 290, 190)
    cells = fishnet(b, cell_size_m=100, crs=CRS)
    assert len(cells) == 6  # 3 columns × 2 rows
    np.testing.assert_allclose(cells.area, 10_000.0)
    clipped = fishnet(b, cell_size_m=100, crs=CRS, clip=True)
    assert list(clipped.index) == list(cells.index)
    assert clipped.area.sum() == pytest.approx(b.area)
    assert clipped.loc["r0c0"].geometry.area == pytest.approx(90 * 90)


def test_fishnet_on_an_extent_and_on_the_global_lattice():
    cells = fishnet((0, 0, 250, 120), cell_size_m=50, crs=CRS)
    assert len(cells) == 5 * 3
    # anchored at the CRS origin: the same place has the same id whatever the extent
    a = fishnet(box(1030, 2040, 1290, 2150), cell_size_m=100, crs=CRS)
    assert list(a.index) == ["r20c10", "r20c11", "r20c12", "r21c10", "r21c11", "r21c12"]
    b = fishnet(box(1150, 2010, 1410, 2090), cell_size_m=100, crs=CRS)
    shared = a.index.intersection(b.index)
    assert list(shared) == ["r20c11", "r20c12"]
    assert a.loc[shared].geometry.geom_equals(b.loc[shared].geometry).all()
    moved = fishnet((0, 0, 100, 100), cell_size_m=50, crs=CRS, origin_m=(25, 25))
    assert moved.total_bounds.tolist() == [-25, -25, 125, 125]


def test_hexagons_by_hand_and_touching_cells_dropped():
    # flat-topped, edge 1: r0c0 centred at (0, 0), r0c1 at (1.5, √3/2), r-1c1 at (1.5, -√3/2);
    # the box's bottom edge y = 0 only touches r-1c1's top edge, so r-1c1 is not kept
    cells = hexagons(box(0, 0, 2, 0.5), cell_size_m=1, crs=CRS)
    assert list(cells.index) == ["r0c0", "r0c1"]
    c = shapely.get_coordinates(cells.geometry.centroid)
    np.testing.assert_allclose(c, [[0, 0], [1.5, math.sqrt(3) / 2]], atol=1e-12)
    assert hexagons(box(-0.5, -0.5, 0.5, 0.5), cell_size_m=1, crs=CRS).index.tolist() == ["r0c0"]


@pytest.mark.parametrize("s", [20.0, 37.5, 250.0])
def test_hexagon_areas_cover_and_do_not_overlap(s):
    b = shapely.Polygon([(0, 0), (2000, 300), (1700, 1900), (200, 1500)])
    cells = hexagons(b, cell_size_m=s * 1.0, crs=CRS)
    np.testing.assert_allclose(cells.area, HEX_AREA_FACTOR * s * s, rtol=1e-12)
    union = shapely.union_all(cells.geometry.values)
    assert b.difference(union).area == pytest.approx(0, abs=1e-6 * b.area)
    assert union.area == pytest.approx(cells.area.sum(), rel=1e-9)  # no overlaps
    # every kept cell's interior meets the boundary
    assert (cells.intersection(b).area > 0).all()
    flat = shapely.bounds(cells.geometry.values)
    np.testing.assert_allclose(flat[:, 3] - flat[:, 1], math.sqrt(3) * s)  # flat-to-flat
    np.testing.assert_allclose(flat[:, 2] - flat[:, 0], 2 * s)  # vertex-to-vertex


def test_shared_edges_and_corners_counted_once_in_the_first_cell():
    cells = fishnet(L_SHAPE, cell_size_m=100, crs=CRS)
    pts = _points([(100, 50), (100, 100), (50, 100), (0, 0), (300, 100), (150, 150), (50, 250)])
    where = assign_points(pts, cells)
    assert where.tolist()[:5] == ["r0c0", "r0c0", "r0c0", "r0c0", "r0c2"]
    assert pd.isna(where.iloc[5])  # outside the L
    assert where.iloc[6] == "r2c0"
    counts = count_points(pts, cells)
    assert counts.to_dict() == {"r0c0": 4, "r0c1": 0, "r0c2": 1, "r1c0": 0, "r2c0": 1}
    assert counts.dtype == np.int64 and counts.name == "count"
    weighted = count_points(pts, cells, weights="w")
    assert weighted.to_dict() == {"r0c0": 10.0, "r0c1": 0.0, "r0c2": 5.0, "r1c0": 0.0, "r2c0": 7.0}


def _sjoin_counts(pts, cells):
    """Independent count: geopandas sjoin, a point on shared edges kept in its first cell."""
    pos = pd.Series(np.arange(len(cells)), index=cells.index, name="pos")
    j = gpd.sjoin(pts[["geometry"]], cells.join(pos)[["pos", "geometry"]], predicate="intersects")
    j = j.sort_values("pos").groupby(level=0).head(1)
    return j["cell_id"].value_counts().reindex(cells.index, fill_value=0)


@pytest.mark.parametrize("grid", ["fishnet", "hexagon"])
def test_counts_match_geopandas_sjoin_with_edge_points(grid):
    rng = np.random.default_rng(7)
    b = shapely.Polygon([(0, 0), (1000, 100), (900, 800), (100, 700)])
    build = fishnet if grid == "fishnet" else hexagons
    cells = build(b, cell_size_m=60, crs=CRS)
    xy = rng.uniform(-50, 1050, (3000, 2))
    # points exactly on cell vertices and edge midpoints (shared by 2 or 3 cells)
    verts = shapely.get_coordinates(cells.geometry.values[:40])
    mids = (verts[:-1] + verts[1:]) / 2
    pts = _points(np.vstack([xy, verts, mids]))
    ours = count_points(pts, cells)
    pd.testing.assert_series_equal(ours, _sjoin_counts(pts, cells), check_names=False)
    inside = shapely.intersects(shapely.union_all(cells.geometry.values), pts.geometry.values)
    assert ours.sum() == inside.sum()  # each point once, none lost


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_counts_and_ids_invariant_to_point_order(rnd):
    cells = hexagons(L_SHAPE, cell_size_m=40, crs=CRS)
    xy = np.round(np.random.default_rng(3).uniform(-20, 320, (400, 2)) / 10) * 10  # on edges too
    pts = _points(xy)
    order = list(range(len(pts)))
    rnd.shuffle(order)
    shuffled = pts.iloc[order]
    pd.testing.assert_series_equal(count_points(shuffled, cells), count_points(pts, cells))
    pd.testing.assert_series_equal(
        assign_points(shuffled, cells).loc[pts.index], assign_points(pts, cells)
    )


def test_errors():
    with pytest.raises(ValidationError, match="cell_size_m=0 must be a positive number"):
        fishnet(L_SHAPE, cell_size_m=0, crs=CRS)
    with pytest.raises(CRSError, match="geographic"):
        fishnet((0, 0, 1, 1), cell_size_m=0.1, crs=4326)
    with pytest.raises(CRSError, match="no CRS"):
        hexagons(L_SHAPE, cell_size_m=10)
    frame = gpd.GeoDataFrame(geometry=[L_SHAPE], crs=CRS)
    with pytest.raises(CRSError, match="reproject it first"):
        fishnet(frame, cell_size_m=10, crs=32722)
    assert len(fishnet(frame, cell_size_m=100)) == 5  # the frame's own CRS
    with pytest.raises(ValidationError, match="maxx > minx"):
        fishnet((0, 0, 0, 10), cell_size_m=1, crs=CRS)
    with pytest.raises(ValidationError, match="candidate cells"):
        fishnet((0, 0, 1e7, 1e7), cell_size_m=0.5, crs=CRS)
    cells = fishnet(L_SHAPE, cell_size_m=100, crs=CRS)
    with pytest.raises(CRSError, match="share one CRS"):
        count_points(_points([(1, 1)]).to_crs(4326), cells)
    with pytest.raises(ValidationError, match="not points"):
        count_points(gpd.GeoSeries([box(0, 0, 1, 1)], crs=CRS), cells)
    with pytest.raises(ValidationError, match="2 finite numbers"):
        count_points(_points([(1, 1), (2, 2)]), cells, weights=[1.0])
    assert count_points(gpd.GeoSeries([Point(5, 5), None], crs=CRS), cells).sum() == 1


def test_neighbouring_cells_share_exact_vertices_for_contiguity():
    from hotspots.weights import polygon_contiguity

    hexes = hexagons(box(1e5, 6.5e6, 1e5 + 800, 6.5e6 + 800), cell_size_m=37.3, crs=CRS)
    g = polygon_contiguity(hexes, rook=True)
    interior = hexes.index[hexes.geometry.centroid.within(hexes.union_all().buffer(-80))]
    assert len(interior) > 10
    assert (g.cardinalities.loc[interior] == 6).all()
    squares = fishnet(box(1e5, 6.5e6, 1e5 + 700, 6.5e6 + 700), cell_size_m=70.1, crs=CRS)
    assert polygon_contiguity(squares).cardinalities.loc["r92725c1427"] == 8
