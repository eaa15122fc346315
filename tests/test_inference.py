"""Tie-aware permutation inference checked against an exact enumeration of every draw."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from libpysal import weights as lpw

from hotspots.stats._inference import conditional_permutation_p
from hotspots.stats.gistar import gi_star
from hotspots.stats.moran import NOT_SIGNIFICANT, local_moran


def exact_p(y, neighbours, i, stat):
    """min(P(stat ≥ obs), P(stat ≤ obs)) over every ordered draw of len(neighbours[i]) of the
    other observations (conditional randomisation), by brute force; ties count on both sides."""
    y = np.asarray(y, dtype=float)
    nbrs = neighbours[i]
    others = [j for j in range(len(y)) if j != i]
    obs = stat(i, [y[j] for j in nbrs])
    ge = le = total = 0
    for draw in itertools.permutations(others, len(nbrs)):
        s = stat(i, [y[j] for j in draw])
        ge += s >= obs - 1e-12
        le += s <= obs + 1e-12
        total += 1
    return min(ge, le) / total


def ring(n):
    return {i: [(i - 1) % n, (i + 1) % n] for i in range(n)}


def offdiag(neighbours, n, row_standardise=False):
    rows, cols, vals = [], [], []
    for i, nb in neighbours.items():
        for j in nb:
            rows.append(i)
            cols.append(j)
            vals.append(1.0 / len(nb) if row_standardise else 1.0)
    return sp.csr_array((vals, (rows, cols)), shape=(n, n))


#: a zero-heavy ring: most segments have no incident, as on real street networks
ZERO_RING = [0, 0, 0, 0, 3, 0, 0, 1, 0, 0, 0, 0, 2, 0]


@pytest.mark.parametrize(
    "y, neighbours",
    [
        ([5.0, 4.0, 1.0, 2.0, 3.0, 9.0], {0: [1], 1: [0], 2: [3], 3: [2], 4: [5], 5: [4]}),
        ([1.0, 0.0, 0.0, 2.0, 0.0, 5.0, 0.0], {0: [1, 2], 1: [0, 3], 2: [0, 4], 3: [1, 5],
                                               4: [2, 6], 5: [3, 6], 6: [4, 5]}),
        (ZERO_RING, ring(len(ZERO_RING))),
    ],
)
def test_lag_p_converges_to_exact_enumeration(y, neighbours):
    n = len(y)
    reps = 40_000
    p = conditional_permutation_p(np.asarray(y, float), offdiag(neighbours, n),
                                  permutations=reps, seed=7)
    exact = np.array([exact_p(y, neighbours, i, lambda i, v: sum(v)) for i in range(n)])
    # (M + 1)/(R + 1) is a Monte Carlo estimate of the exact p: sd ≤ 0.0025 at 40,000 draws
    np.testing.assert_allclose(p, exact, atol=0.012)


def test_zero_ring_exact_values_and_esda_rule_differs():
    y = np.asarray(ZERO_RING, float)
    nbrs = ring(len(y))
    # segment 1: neighbours 0 and 2 hold no incident; the other 13 values are ten zeros and
    # {3, 1, 2}: P(lag ≤ 0) = C(10, 2)/C(13, 2) = 45/78, P(lag ≥ 0) = 1
    assert exact_p(y, nbrs, 1, lambda i, v: sum(v)) == pytest.approx(45 / 78)
    p = conditional_permutation_p(y, offdiag(nbrs, len(y)), permutations=9999, seed=1)
    assert p[1] == pytest.approx(45 / 78, abs=0.02)
    # esda's fold (min(#≥, #<)) would give 1/(R+1) here: no draw is strictly below zero
    assert p[1] > 0.5


def test_gi_star_segment_with_all_zero_neighbours_is_not_significant():
    y = pd.Series(ZERO_RING, dtype=float)
    w = lpw.W(ring(len(y)))
    res = gi_star(y, w, permutations=999, seed=3, bin_p="permutation", fdr=False).frame
    quiet = [i for i in range(len(y)) if y[(i - 1) % len(y)] == 0 and y[(i + 1) % len(y)] == 0]
    assert len(quiet) >= 5
    assert (res.loc[quiet, "gi_p_sim"] > 0.4).all()
    assert (res.loc[quiet, "gi_bin"] == 0).all()


def test_local_moran_p_equals_exact_enumeration_of_i():
    y = np.asarray(ZERO_RING, float)
    n = len(y)
    nbrs = ring(n)
    z = (y - y.mean()) / y.std()

    def moran_i(i, draw_values):  # I_i with row-standardised weights, on the z of the draw
        zz = (np.asarray(draw_values) - y.mean()) / y.std()
        return (n - 1) * z[i] * zz.mean() / (z * z).sum()

    exact = np.array([exact_p(y, nbrs, i, moran_i) for i in range(n)])
    res = local_moran(pd.Series(y), lpw.W(nbrs), permutations=40_000, seed=2, fdr=False).frame
    np.testing.assert_allclose(res["lisa_p_sim"], exact, atol=0.012)
    # segment 4 (3 incidents, both neighbours zero) is an "HL outlier" by quadrant only
    assert res.loc[4, "lisa_q"] == 4
    assert res.loc[4, "lisa_p_sim"] > 0.3
    assert (res["lisa_class"] == NOT_SIGNIFICANT).all()


def test_constant_statistic_has_p_one():
    # z_i = 0 (value equal to the mean): I_i is 0 in every draw, all draws tie
    y = pd.Series([1.0, 2.0, 3.0, 2.0, 2.0, 2.0])
    w = lpw.W({0: [1], 1: [0, 2], 2: [1, 3], 3: [2, 4], 4: [3, 5], 5: [4]})
    res = local_moran(y, w, permutations=199, seed=1, fdr=False).frame
    assert (res.loc[[1, 3, 4, 5], "lisa_p_sim"] == 1.0).all()


def test_rates_with_rounding_noise_still_tie():
    # rates that are equal in exact arithmetic but sum to different floats in other orders
    y = np.array([0.1, 0.2, 0.3, 0.1 + 0.2, 0.0, 0.0, 0.0, 0.0])
    nbrs = {i: [j for j in range(8) if j != i][:2] for i in range(8)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = conditional_permutation_p(y, offdiag(nbrs, 8), permutations=20_000, seed=4)
    exact = np.array([exact_p(np.round(y, 12), nbrs, i, lambda i, v: round(sum(v), 12))
                      for i in range(8)])
    np.testing.assert_allclose(p, exact, atol=0.015)


def _reference_counts(values, offdiag, ids, tol):
    """The permutation counts by the definition: one lag per (observation, permutation), its
    terms added in neighbour order, the drawn index shifted past the observation itself."""
    n = offdiag.shape[0]
    observed = offdiag @ values
    n_ge = np.zeros(n, dtype=np.int64)
    n_le = np.zeros(n, dtype=np.int64)
    for i in range(n):
        lo, hi = offdiag.indptr[i], offdiag.indptr[i + 1]
        for r in range(ids.shape[0]):
            s = 0.0
            for k in range(hi - lo):
                j = int(ids[r, k])
                s += offdiag.data[lo + k] * values[j + 1 if j >= i else j]
            n_ge[i] += s >= observed[i] - tol[i]
            n_le[i] += s <= observed[i] + tol[i]
    return n_ge, n_le


@pytest.mark.parametrize("n, density, row_standardised", [(60, 0.08, False), (40, 0.3, True),
                                                          (25, 0.9, False)])
def test_permutation_kernel_counts_equal_the_definition_to_the_bit(n, density,
                                                                   row_standardised):
    from hotspots.stats._inference import _count_extremes, permutation_ids

    rng = np.random.default_rng(n)
    adj = sp.random(n, n, density=density, format="csr", random_state=n)
    adj = sp.csr_array(adj + adj.T)
    adj.setdiag(0)
    adj.eliminate_zeros()
    adj.data[:] = 1.0
    if row_standardised:
        card = np.diff(adj.indptr)
        adj = sp.csr_array(sp.diags_array(1.0 / np.maximum(card, 1)) @ adj)
    adj.sort_indices()
    values = rng.poisson(0.7, n).astype(float) / 3.0  # many ties, sums with rounding
    card = np.diff(adj.indptr)
    ids = permutation_ids(n, int(card.max()), 53, seed=3)
    tol = 1e-9 * card * float(values.max())
    expected = _reference_counts(values, adj, ids, tol)
    got = _count_extremes(values, adj.indptr.astype(np.int64), adj.data.astype(np.float64),
                          adj @ values, tol, ids)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
