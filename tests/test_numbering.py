"""House-number ranges: conventions, division on split, merging, checks (hotspots.numbering)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots._errors import ValidationError
from hotspots.numbering import (
    LEFT_RIGHT,
    ODD_EVEN,
    RangeColumns,
    find_range_columns,
    flag_overlaps,
    flip_range_columns,
    merge_range_columns,
    merge_ranges,
    side_ranges,
    split_ranges,
)
from hotspots.segments import build_segments

CRS = "EPSG:31982"


def lattice(start, end, step=None):
    """Every number of a range, as written (same parity: step 2)."""
    if not (np.isfinite(start) and np.isfinite(end)):
        return []
    step = step or (2 if start % 2 == end % 2 else 1)
    lo, hi = sorted((int(start), int(end)))
    return list(range(lo, hi + 1, step))


def test_split_in_two_halves_keeps_parity_and_loses_nothing():
    s, e = split_ranges([101, 101], [199, 199], [0.0, 0.5], [0.5, 1.0])
    assert s.tolist() == [101, 151] and e.tolist() == [149, 199]
    # decreasing along the line, even side
    s, e = split_ranges([198, 198], [100, 100], [0.0, 0.25], [0.25, 1.0])
    # boundary value 198 - 98 * 0.25 = 173.5: first piece ends at 174, the next starts at 172
    assert s.tolist() == [198, 172] and e.tolist() == [174, 100]


def test_split_of_mixed_parity_steps_by_one_and_short_pieces_get_nothing():
    s, e = split_ranges([100, 100], [109, 109], [0.0, 0.5], [0.5, 1.0])
    assert s.tolist() == [100, 105] and e.tolist() == [104, 109]
    s, e = split_ranges([101, 101, 101], [103, 103, 103], [0, 0.1, 0.2], [0.1, 0.2, 1])
    assert s[0] == 101 and np.isnan(s[1]) and np.isnan(e[1]) and e[2] == 103


def test_split_keeps_an_unknown_end_on_its_piece_only():
    s, e = split_ranges([1205, 1205, 0, 0, 0, 0, 0, 0], [0, 0, 301, 301, 0, 0, 300, 300],
                        [0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5], [0.5, 1, 0.5, 1, 0.5, 1, 0.5, 1])
    assert s[0] == 1205 and e[0] == 0 and np.isnan(s[1]) and np.isnan(e[1])
    assert np.isnan(s[2]) and s[3] == 0 and e[3] == 301
    assert s[4:6].tolist() == [0, 0] and e[4:6].tolist() == [0, 0]
    # 0 facing an even number is TIGER's even side starting at 0: divided like any range
    assert s[6:].tolist() == [0, 152] and e[6:].tolist() == [150, 300]
    s, e = split_ranges([np.nan, 7], [np.nan, 7], [0, 0.6], [1, 1])
    assert np.isnan(s[0]) and np.isnan(s[1])  # single number 7 belongs to the middle piece
    s, e = split_ranges([7, 7], [7, 7], [0, 0.4], [0.4, 1])
    assert np.isnan(s[0]) and s[1] == 7 and e[1] == 7


@settings(max_examples=200, deadline=None)
@given(start=st.integers(1, 3000), width=st.integers(-800, 800),
       cuts=st.lists(st.floats(0.01, 0.99), max_size=5))
def test_split_is_a_partition_in_order(start, width, cuts):
    end = max(start + width, 1)
    bounds = [0.0, *sorted(set(cuts)), 1.0]
    s, e = split_ranges([start] * (len(bounds) - 1), [end] * (len(bounds) - 1), bounds[:-1],
                        bounds[1:])
    step = 2 if start % 2 == end % 2 else 1
    pieces = [lattice(a, b, step) if np.isfinite(a) else [] for a, b in zip(s, e)]
    whole = lattice(start, end)
    got = [n for p in pieces for n in (p if start <= end else p[::-1])]
    assert got == (whole if start <= end else whole[::-1])
    # each piece holds its share of the numbers (positions 0..1 along the line), within one
    for p, a, b in zip(pieces, bounds[:-1], bounds[1:]):
        assert abs(len(p) - (b - a) * (len(whole) - 1)) <= 1.0 + 1e-9


def _tee_layer(cols):
    """A through street digitised as one line of 200 m; a side street ends on its vertex at
    x = 50 (a T-junction), so build_segments splits the through street at 1/4 of its length."""
    through = shapely.LineString([(0, 0), (50, 0), (200, 0)])
    side = shapely.LineString([(50, 0), (50, 100)])
    rows = [{"name": "Rua Principal", "geometry": through, **cols[0]},
            {"name": "Rua Lateral", "geometry": side, **cols[1]}]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def test_build_segments_divides_left_right_ranges_at_a_t_junction():
    lines = _tee_layer([dict(zip(LEFT_RIGHT, [1, 199, 2, 200])),
                        dict(zip(LEFT_RIGHT, [1, 99, 2, 100]))])
    seg = build_segments(lines, name_column="name")
    main = seg[seg["street_name"] == "Rua Principal"].sort_values("length_m")
    assert main["length_m"].tolist() == [50.0, 150.0]
    # 1..199 odd: boundary 1 + 198/4 = 50.5 -> 1..49 and 51..199; even 2 + 49.5 -> 2..50, 52..200
    assert main[list(LEFT_RIGHT)].to_numpy().tolist() == [[1, 49, 2, 50], [51, 199, 52, 200]]
    lateral = seg[seg["street_name"] == "Rua Lateral"]
    assert lateral[list(LEFT_RIGHT)].to_numpy().tolist() == [[1, 99, 2, 100]]


def test_build_segments_divides_odd_even_ranges_named_in_keep_columns():
    cols = ["NUM_IMPAR_INI", "NUM_IMPAR_FIM", "NUM_PAR_INI", "NUM_PAR_FIM"]
    lines = _tee_layer([dict(zip(cols, [1205, 1005, 1204, 1004])),
                        dict(zip(cols, [1, 99, 2, 100]))])
    seg = build_segments(lines, name_column="name", keep_columns=cols)
    main = seg[seg["street_name"] == "Rua Principal"].sort_values("length_m")
    # decreasing from the first vertex: 1205 - 200/4 = 1155 -> 1205..1155 | 1153..1005
    assert main[cols].to_numpy().tolist() == [[1205, 1155, 1204, 1154], [1153, 1005, 1152, 1004]]


def test_build_segments_maps_unusual_range_names_and_planar_keeps_orientation():
    mapping = {"odd_from": "a", "odd_to": "b", "even_from": "c", "even_to": "d"}
    lines = _tee_layer([{"a": 1, "b": 199, "c": 2, "d": 200}, {"a": 1, "b": 9, "c": 2, "d": 10}])
    for split in ("vertices", "planar"):
        seg = build_segments(lines, name_column="name", range_columns=mapping, split=split)
        main = seg[seg["street_name"] == "Rua Principal"]
        first = shapely.get_coordinates(shapely.get_point(main.geometry.values, 0))[:, 0]
        # whatever the direction of a piece, its "from" is the number at its first vertex
        at_start = np.where(main["length_m"] == 50.0, np.where(first == 0, 1, 49),
                            np.where(first == 50, 51, 199))
        assert main["a"].tolist() == at_start.tolist()


def test_find_range_columns_by_alias_mapping_and_errors():
    spec = find_range_columns(["geometry", "NUM_IMPAR_INI", "num_impar_fim", "PAR_INI", "par_fim"])
    assert spec.convention == "odd_even"
    assert spec.names == ["NUM_IMPAR_INI", "num_impar_fim", "PAR_INI", "par_fim"]
    assert find_range_columns(["a", "b"]) is None
    assert find_range_columns(LEFT_RIGHT, convention="none") is None
    assert find_range_columns([*LEFT_RIGHT, *ODD_EVEN]).convention == "left_right"
    assert find_range_columns([*LEFT_RIGHT, *ODD_EVEN], convention="odd_even").names == list(
        ODD_EVEN)
    with pytest.raises(ValidationError, match="missing roles"):
        find_range_columns(["impar_ini", "impar_fim", "par_ini"])
    with pytest.raises(ValidationError, match="not found"):
        find_range_columns(["x"], mapping={"odd_from": "IMP"})
    with pytest.raises(ValidationError, match="unknown range roles"):
        find_range_columns(["x"], mapping={"odd_start": "x"})
    with pytest.raises(ValidationError, match="convention"):
        find_range_columns(["x"], convention="tiger")


def test_merge_ranges_min_max_and_direction():
    out = merge_ranges([1, 51, 0, 2], [49, 99, 0, 2], ["a", "a", "b", "c"])
    assert out.loc["a"].tolist() == [1, 99]
    assert out.loc["b"].tolist() == [0, 0]
    assert out.loc["c"].tolist() == [2, 2]
    dec = merge_ranges([99, 49], [51, 1], [7, 7], order=[0, 1])
    assert dec.loc[7].tolist() == [99, 1]
    gap = merge_ranges([np.nan, 101, 0], [np.nan, 149, 151], [1, 1, 1])
    assert gap.loc[1].tolist() == [101, 151]


def test_merge_range_columns_flips_sides_of_reversed_pieces():
    spec = RangeColumns("left_right", tuple(zip(LEFT_RIGHT, LEFT_RIGHT)))
    # piece 2 digitised backwards: its left (even, 100..52) is the merged line's right
    values = pd.DataFrame([[1, 49, 2, 50], [99, 51, 100, 52]], columns=list(LEFT_RIGHT))
    flipped = flip_range_columns(values, spec, [False, True])
    assert flipped.iloc[1].tolist() == [52, 100, 51, 99]
    # (inconsistent on purpose: the merged left side gets odd and even numbers)
    merged = merge_range_columns(values, spec, [5, 5], flipped=[False, True])
    assert merged.loc[5].tolist() == [1, 100, 2, 99]
    values2 = pd.DataFrame([[1, 49, 2, 50], [100, 52, 99, 51]], columns=list(LEFT_RIGHT))
    merged2 = merge_range_columns(values2, spec, [5, 5], flipped=[False, True])
    assert merged2.loc[5].tolist() == [1, 99, 2, 100]
    oe = RangeColumns("odd_even", tuple(zip(ODD_EVEN, ODD_EVEN)))
    v = pd.DataFrame([[1, 49, 2, 50], [99, 51, 100, 52]], columns=list(ODD_EVEN))
    assert merge_range_columns(v, oe, [1, 1], flipped=[False, True]).loc[1].tolist() == [
        1, 99, 2, 100]


def test_side_ranges_flags():
    spec = RangeColumns("odd_even", tuple(zip(ODD_EVEN, ODD_EVEN)))
    values = pd.DataFrame([
        [101, 199, 100, 198],   # fine
        [1205, 0, 1204, 1100],  # zero end on the odd side
        [101, 200, 100, 198],   # mixed parity on the odd side
        [1927, 1141, 1140, 1198],  # odd side runs the other way and spans more
        [100, 198, 101, 199],   # parities in the wrong columns
        [0, 0, np.nan, np.nan],  # no numbers
    ], columns=list(ODD_EVEN))
    s = side_ranges(values, spec)
    f = {k: np.flatnonzero(v).tolist() for k, v in s.flags.items()}
    assert f == {"missing": [10, 11], "zero_end": [2], "mixed_parity": [4], "wrong_parity": [8, 9],
                 "reversed": [6], "overlaps": []}
    assert s.parity.tolist()[:4] == [1, 0, 1, 0]
    assert s.usable.tolist() == [True, True, False, True, False, True, False, True, False, False,
                                 False, False]
    lr = side_ranges(pd.DataFrame([[1, 99, 2, 100]], columns=list(LEFT_RIGHT)),
                     RangeColumns("left_right", tuple(zip(LEFT_RIGHT, LEFT_RIGHT))))
    assert lr.side.tolist() == [1, -1] and lr.parity.tolist() == [1, 0]


def test_flag_overlaps_finds_a_range_swallowing_other_blocks():
    spec = RangeColumns("odd_even", tuple(zip(ODD_EVEN, ODD_EVEN)))
    values = pd.DataFrame([[1101, 1199, 1100, 1198], [1201, 1299, 1200, 1298],
                           [1301, 1399, 1300, 1398], [1141, 1927, 1140, 1198],
                           [1101, 1199, 1100, 1198]], columns=list(ODD_EVEN))
    s = flag_overlaps(side_ranges(values, spec), np.array([0, 0, 0, 0, 1]))
    assert np.flatnonzero(s.flags["overlaps"]).tolist() == [6]
    assert s.counts()["overlaps"] == 1
