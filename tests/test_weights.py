"""Tests of hotspots.weights: toy networks with hand-computed neighbours, libpysal cross-checks."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal import examples
from libpysal import weights as lpw
from libpysal.graph import Graph
from shapely.geometry import LineString

from hotspots import weights
from hotspots._errors import CRSError, ValidationError

CRS = "EPSG:31982"


def _segments(lines, ids=None):
    g = gpd.GeoDataFrame(geometry=[LineString(c) for c in lines], crs=CRS)
    g["length_m"] = g.length
    g.index = pd.Index(ids if ids is not None else np.arange(100, 100 + len(g)), name="segment_id")
    return g


@pytest.fixture
def chain():
    """Three segments in a row (10, 20, 30 m) and one far away (an island)."""
    return _segments(
        [[(0, 0), (10, 0)], [(10, 0), (30, 0)], [(30, 0), (60, 0)], [(500, 500), (520, 500)]]
    )


def _neighbors(graph):
    return {i: sorted(graph[i].index.tolist()) for i in graph.unique_ids}


def test_contiguity_chain_and_island_reported(chain):
    with pytest.warns(weights.IslandsWarning, match="1 of 4 features have no neighbour") as rec:
        g = weights.network_contiguity(chain)
    assert rec[0].message.islands == [103]
    assert list(g.isolates) == [103]
    assert _neighbors(g) == {100: [101], 101: [100, 102], 102: [101], 103: []}
    assert set(g.sparse.data) <= {0.0, 1.0}


def test_contiguity_does_not_mutate_and_keeps_index(chain):
    before = chain.copy()
    with pytest.warns(weights.IslandsWarning):
        g = weights.network_contiguity(chain)
    pd.testing.assert_frame_equal(chain, before)
    assert list(g.unique_ids) == list(chain.index)


def test_contiguity_tolerates_sub_millimetre_gaps():
    segs = _segments([[(0, 0), (10, 0)], [(10.0002, 0), (20, 0)]])
    assert _neighbors(weights.network_contiguity(segs)) == {100: [101], 101: [100]}


def test_distance_band_hand_computed(chain):
    # midpoint distances along the street: 100-101 = 5 + 10 = 15, 101-102 = 10 + 15 = 25,
    # 100-102 = 5 + 20 + 15 = 40; the default is the largest nearest-neighbour distance = 25
    segs = chain.iloc[:3]
    assert weights.default_network_distance_m(segs) == pytest.approx(25.0)
    g = weights.network_distance_band(segs)
    assert _neighbors(g) == {100: [101], 101: [100, 102], 102: [101]}
    g = weights.network_distance_band(segs, distance_m=39.9)
    assert _neighbors(g) == {100: [101], 101: [100, 102], 102: [101]}
    g = weights.network_distance_band(segs, distance_m=40.0)
    assert _neighbors(g) == {100: [101, 102], 101: [100, 102], 102: [100, 101]}
    with pytest.warns(weights.IslandsWarning) as rec:
        weights.network_distance_band(segs, distance_m=14.9)
    assert rec[0].message.islands == [100, 101, 102]


def test_distance_band_follows_streets_not_crow_flight():
    # a U: two parallel 100 m streets 10 m apart joined by a 10 m street at one end;
    # their far ends are 10 m apart in a straight line but 100 + 10 = 110 m along the streets
    segs = _segments([[(0, 0), (100, 0)], [(100, 0), (100, 10)], [(100, 10), (0, 10)]])
    g = weights.network_distance_band(segs, distance_m=109.0)
    assert 102 not in g[100].index
    g = weights.network_distance_band(segs, distance_m=110.0)
    assert 102 in g[100].index


def test_distance_band_islands_and_bad_distance(chain):
    with pytest.warns(weights.IslandsWarning) as rec:
        weights.network_distance_band(chain)
    assert rec[0].message.islands == [103]
    with pytest.raises(ValidationError, match="positive number of metres"):
        weights.network_distance_band(chain, distance_m=-5)


def test_knn_matches_libpysal(chain):
    rng = np.random.default_rng(0)
    starts = rng.uniform(0, 1000, (60, 2))
    segs = _segments([[tuple(s), tuple(s + rng.uniform(5, 50, 2))] for s in starts])
    g = weights.knn(segs, k=4)
    ref = Graph.build_knn(weights.midpoints(segs), k=4)
    ours = g.sparse.toarray()
    assert (ours == ref.sparse.toarray()).all()
    assert (g.cardinalities == 4).all()
    with pytest.raises(ValidationError, match="k=0"):
        weights.knn(segs, k=0)


def test_polygon_contiguity_matches_libpysal_queen_and_rook():
    df = gpd.read_file(examples.get_path("columbus.shp")).set_index("POLYID")
    for rook, ref_cls in ((False, lpw.Queen), (True, lpw.Rook)):
        g = weights.polygon_contiguity(df, rook=rook)
        ref = ref_cls.from_dataframe(df.reset_index(), ids=df.index.tolist(), use_index=False)
        assert {i: sorted(g[i].index.tolist()) for i in g.unique_ids} == {
            i: sorted(v) for i, v in ref.neighbors.items()
        }


def test_geographic_crs_refused(chain):
    with pytest.raises(CRSError, match="geographic"):
        weights.network_contiguity(chain.to_crs(4326))


def test_too_few_segments_and_wrong_geometry(chain):
    with pytest.raises(ValidationError, match="at least 2 segments"):
        weights.network_contiguity(chain.iloc[:1])
    pts = chain.copy()
    pts.geometry = pts.centroid
    with pytest.raises(ValidationError, match="LineStrings"):
        weights.network_contiguity(pts)


def test_to_sparse_aligns_and_rejects_mismatch(chain):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", weights.IslandsWarning)
        g = weights.network_contiguity(chain)
    idx = chain.index[::-1]
    m = weights.to_sparse(g, idx)
    assert m[idx.get_loc(101), idx.get_loc(100)] == 1
    with pytest.raises(ValidationError, match="do not match"):
        weights.to_sparse(g, chain.index[:3])
