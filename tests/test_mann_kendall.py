"""Tests of hotspots.stats.mann_kendall against pymannkendall, scipy's Kendall tau and hand counts."""

from __future__ import annotations

import numpy as np
import pymannkendall as pmk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from hotspots._errors import ValidationError
from hotspots.stats.mann_kendall import mann_kendall


def _reference(x: np.ndarray) -> dict:
    """pymannkendall's original test (S, Var(S) with ties, continuity-corrected Z, two-sided p)
    and scipy's tau-b of (time, x), series by series."""
    ref = pmk.original_test(x)
    return {"s": ref.s, "var_s": ref.var_s, "z": ref.z, "p": ref.p,
            "tau": stats.kendalltau(np.arange(len(x)), x).statistic}


@pytest.mark.parametrize("t_steps", [10, 52])
def test_matches_pymannkendall_on_tied_counts(t_steps):
    rng = np.random.default_rng(t_steps)
    x = rng.poisson(0.8, (300, t_steps)).astype(float)  # zero-heavy: ties everywhere
    x = x[x.std(axis=1) > 0]  # pymannkendall divides by zero on constant series
    res = mann_kendall(x)
    for i in range(len(x)):
        ref = _reference(x[i])
        assert res.s[i] == ref["s"]
        assert res.var_s[i] == pytest.approx(ref["var_s"], abs=1e-12)
        assert res.z[i] == pytest.approx(ref["z"], abs=1e-12)
        assert res.p[i] == pytest.approx(ref["p"], abs=1e-12)
        assert res.tau[i] == pytest.approx(ref["tau"], abs=1e-12)
    assert res.n_steps == t_steps


def test_matches_pymannkendall_on_continuous_values():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(50, 52)) + np.linspace(0, 1.5, 52)
    res = mann_kendall(x)
    for i in range(len(x)):
        ref = _reference(x[i])
        assert (res.s[i], res.z[i], res.p[i]) == pytest.approx(
            (ref["s"], ref["z"], ref["p"]), abs=1e-12)
        # no ties: tau-b equals pymannkendall's Tau = S / (n(n-1)/2)
        assert res.tau[i] == pytest.approx(pmk.original_test(x[i]).Tau, abs=1e-12)


def test_hand_computed_series():
    # x = 1, 3, 2, 2: pairs (1,3)+ (1,2)+ (1,2)+ (3,2)- (3,2)- (2,2)0 → S = 1
    res = mann_kendall(np.array([1.0, 3.0, 2.0, 2.0]))
    assert res.s[0] == 1
    # Var = [4·3·13 − 2·1·9]/18 = (156 − 18)/18
    assert res.var_s[0] == pytest.approx(138 / 18, abs=1e-15)
    assert res.z[0] == 0.0  # (S − 1)/sd
    assert res.p[0] == 1.0
    # tau-b: S / sqrt((6 − 1)·6)
    assert res.tau[0] == pytest.approx(1 / np.sqrt(30), abs=1e-15)


def test_strict_increase_and_decrease():
    up = mann_kendall(np.arange(10.0))
    assert up.s[0] == 45 and up.tau[0] == pytest.approx(1.0)
    var = 10 * 9 * 25 / 18
    assert up.z[0] == pytest.approx(44 / np.sqrt(var), abs=1e-14)
    assert up.p[0] == pytest.approx(2 * stats.norm.sf(44 / np.sqrt(var)), abs=1e-15)
    down = mann_kendall(np.arange(10.0)[::-1])
    assert down.s[0] == -45 and down.z[0] == pytest.approx(-up.z[0]) and down.tau[0] == -1.0


def test_degenerate_series_have_no_trend():
    res = mann_kendall(np.array([[2.0] * 10, [0.0] * 10]))
    np.testing.assert_array_equal(res.s, [0, 0])
    np.testing.assert_array_equal(res.var_s, [0.0, 0.0])
    np.testing.assert_array_equal(res.z, [0.0, 0.0])
    np.testing.assert_array_equal(res.p, [1.0, 1.0])
    np.testing.assert_array_equal(res.tau, [0.0, 0.0])
    one = mann_kendall(np.array([[3.0]]))
    assert one.p[0] == 1.0 and one.z[0] == 0.0


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 30)),
              elements=st.integers(0, 4).map(float)))
def test_invariant_to_monotone_transforms_and_sign_flips(x):
    a = mann_kendall(x)
    b = mann_kendall(3.0 * x + 7.0)  # rank statistic
    np.testing.assert_array_equal(a.s, b.s)
    np.testing.assert_allclose(a.p, b.p, rtol=0, atol=1e-15)
    c = mann_kendall(-x)
    np.testing.assert_array_equal(a.s, -c.s)
    np.testing.assert_allclose(a.z, -c.z, rtol=0, atol=1e-15)
    assert ((a.p >= 0) & (a.p <= 1)).all()
    assert (np.abs(a.tau) <= 1 + 1e-12).all()


def test_errors():
    with pytest.raises(ValidationError, match=r"missing or infinite.*series 1, time step 2"):
        mann_kendall(np.array([[1.0, 2, 3], [1.0, 2, np.nan]]))
    with pytest.raises(ValidationError, match="expected a 2-D array"):
        mann_kendall(np.zeros((2, 3, 4)))
