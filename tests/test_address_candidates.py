"""Grouping helpers of the candidate search and the geocoder (distinct rows, pairs, values)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.address.candidates import distinct_pair_groups
from hotspots.address.match import distinct_rows


def test_distinct_rows_by_hand():
    codes, first = distinct_rows([np.array(["A", "B", "A", "A"], dtype=object),
                                  np.array([1, 1, 1, 2]), np.array([True, True, True, True])])
    assert codes.tolist() == [0, 1, 0, 2] and first.tolist() == [0, 1, 3]
    codes, first = distinct_rows([np.array([], dtype=object)])
    assert codes.tolist() == [] and first.tolist() == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "A", "B", "RUA X"]), st.integers(-2, 3),
                          st.booleans()), max_size=40))
def test_distinct_rows_number_combinations_in_order_of_first_appearance(rows):
    cols = [np.array([r[0] for r in rows], dtype=object), np.array([r[1] for r in rows]),
            np.array([r[2] for r in rows], dtype=bool)]
    codes, first = distinct_rows(cols)
    seen: dict = {}
    expected = [seen.setdefault(r, len(seen)) for r in rows]
    assert codes.tolist() == expected
    assert first.tolist() == [expected.index(c) for c in range(len(seen))]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(-5, 30)), min_size=1, max_size=60))
def test_distinct_pair_groups_equal_a_set_of_pairs(pairs):
    g = np.array([p[0] for p in pairs])
    v = np.array([p[1] for p in pairs])
    assert distinct_pair_groups(g, v).tolist() == [a for a, _ in sorted(set(pairs))]


def test_written_bairros_and_ceps_read_once_per_distinct_value_as_row_by_row():
    from hotspots.address.geocoder import _cep_digits, _per_distinct
    from hotspots.address.names import normalize_bairro

    ceps = np.array([96010100, "96010-100", None, float("nan"), 96010100.0, True, 1, "",
                     "96010-100", 5.0], dtype=object)
    assert _per_distinct(ceps, _cep_digits).tolist() == [_cep_digits(c) for c in ceps]
    assert _per_distinct(ceps, _cep_digits)[:2].tolist() == ["96010100", "96010100"]
    bairros = np.array(["Jd. América", None, "JARDIM AMERICA", float("nan"), "Centro",
                        "Jd. América"], dtype=object)
    assert _per_distinct(bairros, normalize_bairro).tolist() == [normalize_bairro(b)
                                                                 for b in bairros]
    assert _per_distinct(np.array([], dtype=object), normalize_bairro).tolist() == []
