"""The address geocoder on hand-made Pelotas-style networks (hotspots.address.geocoder)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots._errors import ValidationError
from hotspots.address.geocoder import AddressGeocoder, geocode_addresses
from hotspots.geocode import geocode_incidents
from tests.test_address_fixtures import CRS, EW, NS, X0, Y0, grid_segments, node, segment_of

E = 0.03  # default end offset fraction


def rows(*addresses, bairros=None):
    frame = pd.DataFrame({"incident_id": [f"BO-{i}" for i in range(len(addresses))],
                          "source_row": np.arange(len(addresses)),
                          "address": list(addresses)})
    if bairros is not None:
        frame["bairro"] = bairros
    return frame


@pytest.fixture(scope="module")
def ranged():
    return grid_segments()


@pytest.fixture(scope="module")
def metric():
    return grid_segments(ranges=False)


def test_address_range_interpolates_with_side_and_end_offsets(ranged):
    out, rej = AddressGeocoder()(rows("R. Gonçalves Chaves, 250", "Rua Gonçalves Chaves 251"),
                                 ranged)
    assert len(rej) == 0
    seg = segment_of(ranged, "Rua Gonçalves Chaves", 2)
    assert out["segment_id"].tolist() == [seg, seg]
    # 250: right side (even), t = (250 - 200) / 98; 251: left side, t = (251 - 201) / 98
    pos = 100 * (E + 50 / 98 * (1 - 2 * E))
    np.testing.assert_allclose(out["position_m"], [pos, pos])
    x = X0 + 2 * 100
    np.testing.assert_allclose(shapely.get_x(out.geometry.values), [x + 10, x - 10])
    np.testing.assert_allclose(shapely.get_y(out.geometry.values), [Y0 + 200 + pos] * 2)
    np.testing.assert_allclose(out["snap_distance_m"], [10, 10])
    assert set(out["match_method"]) == {"address_range"}
    assert set(out["match_status"]) == {"matched"}
    assert out["match_score"].tolist() == [100.0, 100.0]
    assert out.crs == ranged.crs
    assert out["segment_id"].dtype == np.int64
    assert out["incident_id"].tolist() == ["BO-0", "BO-1"]


def test_number_out_of_range_is_rejected(ranged):
    out, rej = AddressGeocoder()(rows("Rua Gonçalves Chaves, 9999"), ranged)
    assert len(out) == 0
    assert rej["reason"].tolist() == ["number_out_of_range"]
    assert "9999" in rej["detail"].iloc[0]


def test_overlapping_ranges_go_to_the_tightest(ranged):
    seg = ranged.copy()
    a, b = segment_of(seg, "Rua Andrade Neves", 0), segment_of(seg, "Rua Andrade Neves", 1)
    seg.loc[b, ["from_right", "to_right"]] = [0, 198]  # block 1 also claims 0..98
    out, _ = AddressGeocoder()(rows("Rua Andrade Neves 50"), seg)
    assert out["match_status"].tolist() == ["matched"]
    assert out["segment_id"].tolist() == [a]


def test_equally_tight_ranges_are_a_tie_on_the_number_inside_then_the_smallest_id(ranged):
    seg = ranged.copy()
    a, b = segment_of(seg, "Rua Andrade Neves", 0), segment_of(seg, "Rua Andrade Neves", 1)
    seg.loc[b, ["from_right", "to_right"]] = [40, 138]  # as wide as block 0's 0..98
    out, _ = AddressGeocoder()(rows("Rua Andrade Neves 50", "Rua Andrade Neves 90"), seg)
    assert out["match_status"].tolist() == ["matched_tie", "matched_tie"]
    # 50 lies at 51 % of block 0's range and at 10 % of block 1's: block 0; 90 the other way
    assert out["segment_id"].tolist() == [a, b]
    assert not out["match_review"].any()  # the tied points are 100 m apart, under 150 m


def test_metric_numbering_measures_from_the_start(metric):
    g = AddressGeocoder(method="metric_number", number_start="first")
    out, rej = g(rows("Rua General Osório, 250", "Rua General Osório, 251"), metric)
    assert len(rej) == 0
    seg = segment_of(metric, "Rua General Osório", 2)
    assert out["segment_id"].tolist() == [seg, seg]
    np.testing.assert_allclose(out["position_m"], [50, 51])
    x = X0 + 4 * 100
    np.testing.assert_allclose(shapely.get_x(out.geometry.values), [x + 10, x - 10])
    np.testing.assert_allclose(shapely.get_y(out.geometry.values), [Y0 + 250, Y0 + 251])
    assert set(out["match_method"]) == {"metric_number"}


def test_metric_numbering_from_the_other_end_and_out_of_range(metric):
    g = AddressGeocoder(method="metric_number", number_start="last", even_side="left")
    out, rej = g(rows("Rua General Osório, 250", "Rua General Osório, 900"), metric)
    np.testing.assert_allclose(shapely.get_y(out.geometry.values), [Y0 + 400 - 250])
    # walking south from the north end, the left side is east
    np.testing.assert_allclose(shapely.get_x(out.geometry.values), [X0 + 400 + 10])
    assert rej["reason"].tolist() == ["number_out_of_range"]


def test_metric_numbering_auto_starts_at_the_end_nearest_the_centre(metric):
    # the centre of the grid is (X0+250, Y0+200): Bento Gonçalves (y=Y0) starts at its west end?
    # both ends are 250 m from the centre in x; the east end is the same distance: use a street
    # whose ends differ: EW[1] at y=Y0+100 runs x=X0..X0+500, ends equidistant too, so shift
    g = AddressGeocoder(method="metric_number", number_start=(X0 + 500, Y0))
    out, _ = g(rows("Avenida Bento Gonçalves 120"), metric)
    np.testing.assert_allclose(shapely.get_x(out.geometry.values), [X0 + 500 - 120])


def test_address_points_are_used_first(ranged):
    pts = gpd.GeoDataFrame(
        {"street": ["Rua Andrade Neves", "Rua Andrade Neves", "R. Andrade Neves"],
         "housenumber": ["120", "120", "7A"], "bairro": ["Centro"] * 3, "postcode": [""] * 3},
        geometry=[shapely.Point(X0 + 108, Y0 + 130), shapely.Point(X0 + 110, Y0 + 150),
                  shapely.Point(X0 + 92, Y0 + 10)], crs=CRS)
    g = AddressGeocoder(address_points=pts)
    out, rej = g(rows("Rua Andrade Neves, 120", "Rua Andrade Neves 7", "Rua Andrade Neves 130"),
                 ranged)
    assert len(rej) == 0
    assert out["match_method"].tolist() == ["address_point", "address_point", "address_range"]
    # two points for 120: the one nearest their mean (a tie at equal distance: smaller row)
    assert shapely.get_y(out.geometry.values)[1] == Y0 + 10  # "7" finds "7A"
    assert out["segment_id"].iloc[0] == segment_of(ranged, "Rua Andrade Neves", 1)
    assert out["snap_distance_m"].iloc[1] == pytest.approx(8.0)


def test_intersection_at_the_shared_node(ranged):
    g = AddressGeocoder()
    out, rej = g(rows("Rua Quinze de Novembro esquina com Avenida Bento Gonçalves",
                      "R. Gonçalves Chaves x Rua Marechal Floriano",
                      "Rua Sete de Setembro esq. Rua Marechal Floriano"), ranged)
    assert out["match_method"].tolist() == ["intersection"] * 2
    assert [tuple(c) for c in shapely.get_coordinates(out.geometry.values)] == [
        node(0, 0), node(2, 2)]
    assert out["snap_distance_m"].tolist() == [0.0, 0.0]
    assert out["match_status"].tolist() == ["matched", "matched"]
    # two parallel streets never meet
    assert rej["reason"].tolist() == ["intersection_not_found"]


def test_intersection_with_several_nodes_takes_the_nearest_with_a_lower_score():
    # a praça shaped like a U meets Rua Marechal Deodoro (x = X0+500) at two nodes
    u = shapely.LineString([(X0 + 500, Y0 + 100), (X0 + 600, Y0 + 100), (X0 + 600, Y0 + 300),
                            (X0 + 500, Y0 + 300)])
    seg = grid_segments(extra=[{"name": "Praça Coronel Pedro Osório", "geometry": u}])
    out, _ = AddressGeocoder()(rows("Pç. Coronel Pedro Osório esq. R. Mal. Deodoro"), seg)
    assert out["match_status"].tolist() == ["matched_tie"]
    assert out["match_score"].tolist() == [90.0]
    assert tuple(shapely.get_coordinates(out.geometry.values)[0]) in {node(5, 1), node(5, 3)}


def test_same_name_in_two_bairros_needs_the_bairro():
    far = [{"name": "Rua Um", "geometry": shapely.LineString([(X0, Y0 - 1000), (X0 + 100, Y0 - 1000)]),
            "from_left": 1, "to_left": 99, "from_right": 0, "to_right": 98, "bairro": "Fragata"},
           {"name": "Rua Um", "geometry": shapely.LineString([(X0, Y0 + 2000), (X0 + 100, Y0 + 2000)]),
            "from_left": 1, "to_left": 99, "from_right": 0, "to_right": 98, "bairro": "Areal"}]
    seg = grid_segments(extra=far)
    g = AddressGeocoder(segment_bairro_column="bairro")
    out, rej = g(rows("Rua Um, 10", "Rua Um, 10 - Areal", "Rua Um, 10", bairros=["", "", "fragata"]),
                 seg)
    assert rej["reason"].tolist() == ["ambiguous_street"]
    assert shapely.get_y(out.geometry.values).tolist() == pytest.approx(
        [Y0 + 2000 - 10, Y0 - 1000 - 10])


def test_street_only_is_rejected_unless_allowed(ranged):
    out, rej = AddressGeocoder()(rows("Rua XV de Novembro s/n"), ranged)
    assert rej["reason"].tolist() == ["no_house_number"]
    out, rej = AddressGeocoder(allow_street_only=True)(rows("Rua XV de Novembro s/n"), ranged)
    assert out["match_method"].tolist() == ["street_centroid"]
    assert out["match_status"].tolist() == ["matched_street_only"]
    assert tuple(shapely.get_coordinates(out.geometry.values)[0]) == (X0, Y0 + 200)


def test_fuzzy_names_score_and_minimum(ranged):
    out, rej = AddressGeocoder()(rows("Rua Goncalvez Chavez 250", "Rua Xyzzy 10",
                                      "Rua Gonçalves 250"), ranged)
    assert out["segment_id"].tolist() == [segment_of(ranged, "Rua Gonçalves Chaves", 2)]
    assert 85 <= out["match_score"].iloc[0] < 100
    assert set(rej["reason"]) <= {"low_score", "street_not_found"}
    assert len(rej) == 2
    out, rej = AddressGeocoder(min_score=99)(rows("Rua Goncalvez Chavez 250"), ranged)
    assert rej["reason"].tolist() == ["low_score"]


def test_title_left_out_and_type_mismatch_cost_points(ranged):
    out, _ = AddressGeocoder()(rows("Rua Osório 250", "Av. Gonçalves Chaves 250"), ranged)
    assert out["match_score"].tolist() == [92.0, 95.0]


def test_bad_records_never_crash_and_everything_is_accounted(ranged):
    bad = ["", None, 12.5, "Rua Gonçalves Chaves, 99999999", "Rua Gonçalves Chaves, 0",
           "Rua Gonçalves Chaves \ufffd 12", "###", "Rua Gonçalves Chaves, 250",
           "Rua Gonçalves Chaves 250".encode("cp1252"), "Rua Inexistente da Silva 10"]
    out, rej = AddressGeocoder()(rows(*bad), ranged)
    assert len(out) + len(rej) == len(bad)
    assert sorted(out["source_row"]) == [7, 8]
    reasons = dict(zip(rej["source_row"], rej["reason"]))
    assert reasons == {0: "address_empty", 1: "address_empty", 2: "invalid_address",
                       3: "invalid_number", 4: "invalid_number", 5: "invalid_address",
                       6: "invalid_address", 9: "street_not_found"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.none(), st.integers(), st.floats()),
                min_size=1, max_size=12))
def test_any_input_is_geocoded_or_rejected(values):
    seg = _GRID
    out, rej = _GEOCODER(rows(*values), seg)
    assert len(out) + len(rej) == len(values)
    assert not set(out["source_row"]) & set(rej["source_row"])


_GRID = grid_segments()
_GEOCODER = AddressGeocoder()  # prepared on the first call, reused by every example


def test_qa_summary_and_warning(ranged):
    g = AddressGeocoder()
    g(rows("Rua Gonçalves Chaves 250", "Rua Nada 1", "Rua Nada 2", "Rua Tudo 3"), ranged)
    qa = g.last_qa
    assert qa["addresses"] == 4 and qa["matched"] == 1 and qa["match_rate"] == 0.25
    assert qa["by_method"] == {"address_range": 1}
    assert qa["top_unmatched_streets"] == {"RUA NADA": 2, "RUA TUDO": 1}
    assert "Ratcliffe" in qa["warning"]
    g(rows("Rua Gonçalves Chaves 250"), ranged)
    assert g.last_qa["warning"] is None
    assert g.last_qa["score_quantiles"]["p50"] == 100.0


def test_options_are_validated():
    with pytest.raises(ValidationError, match="method"):
        AddressGeocoder(method="teleport")
    with pytest.raises(ValidationError, match="min_score"):
        AddressGeocoder(min_score=120)
    with pytest.raises(ValidationError, match="even_side"):
        AddressGeocoder(even_side="up")


def test_geocode_addresses_for_plain_lists(ranged):
    s = pd.Series(["Rua Gonçalves Chaves 250", "nowhere"], index=["a", "b"])
    out = geocode_addresses(s, ranged)
    assert list(out.index) == ["a", "b"]
    assert out.loc["a", "segment_id"] == segment_of(ranged, "Rua Gonçalves Chaves", 2)
    assert out.loc["b", "segment_id"] == -1 and out.loc["b", "reason"] != ""
    assert out.geometry.isna().tolist() == [False, True]
    assert out.attrs["qa"]["matched"] == 1


def test_mixed_coordinates_and_addresses_in_one_call(ranged):
    pts = [shapely.Point(X0 + 3, Y0 + 50), None, None]
    inc = gpd.GeoDataFrame(
        {"occurred_at": pd.to_datetime(["2026-01-01"] * 3).tz_localize("UTC"),
         "category": ["roubo"] * 3, "source_row": [0, 1, 2],
         "address": ["", "Rua Gonçalves Chaves 250", "Rua Nenhuma 1"]},
        geometry=pts, crs=CRS, index=pd.Index(["A", "B", "C"], name="incident_id"))
    res = geocode_incidents(inc, ranged, address_geocoder=AddressGeocoder())
    assert res.counts["geocoded"] + res.counts["rejected"] == 3
    assert res.geocoded.loc["A", "match_method"] == "coordinate"
    assert res.geocoded.loc["B", "match_method"] == "address_range"
    assert res.rejects["incident_id"].tolist() == ["C"]
    assert res.qa["addresses"] == 2
    assert inc["address"].tolist()[1] == "Rua Gonçalves Chaves 250"  # input untouched


def test_inputs_are_not_mutated(ranged):
    before = ranged.copy()
    frame = rows("Rua Gonçalves Chaves 250")
    AddressGeocoder()(frame, ranged)
    pd.testing.assert_frame_equal(ranged, before)
    assert list(frame.columns) == ["incident_id", "source_row", "address"]


def test_ew_and_ns_names_used():
    assert len(NS) == len(EW) == 12
