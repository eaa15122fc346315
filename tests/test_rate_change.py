"""The exact conditional Poisson test of weekly changes, checked against statsmodels, scipy and a
plain enumeration of the binomial distribution written here."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots._errors import ValidationError
from hotspots.stats.rate_change import bh_adjust, category_changes, poisson_change_p


def _enumerated_p(x: int, y: int, t: float) -> float:
    """Two-sided p of x | x + y ~ Binomial(x + y, 1 / (1 + t)): the probability of every
    outcome no more likely than x (plain Python, exact enumeration)."""
    n, p = x + y, 1.0 / (1.0 + t)
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return min(1.0, sum(q for q in pmf if q <= pmf[x] * (1 + 1e-7)))


@pytest.mark.parametrize(("x", "y", "t"), [(10, 3, 1), (3, 10, 1), (25, 160, 8), (0, 9, 8),
                                           (7, 7, 1), (40, 20, 2.5), (1, 1, 4)])
def test_matches_statsmodels_exact_conditional_test(x, y, t):
    from statsmodels.stats.rates import test_poisson_2indep

    ours = poisson_change_p(x, y, baseline_weeks=t)
    ref = test_poisson_2indep(x, 1.0, y, float(t), method="exact-cond").pvalue
    assert ours == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert ours == pytest.approx(_enumerated_p(x, y, t), rel=1e-7, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60), st.integers(0, 60), st.sampled_from([1, 2, 4, 8]))
def test_is_the_enumerated_binomial_test(x, y, t):
    if x + y == 0:
        assert poisson_change_p(x, y, baseline_weeks=t) == 1.0
    else:
        assert poisson_change_p(x, y, baseline_weeks=t) == pytest.approx(
            _enumerated_p(x, y, t), rel=1e-7, abs=1e-12)


def test_bh_adjust_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan, 0.001])
    ok = np.isfinite(p)
    ref = multipletests(p[ok], method="fdr_bh")[1]
    got = bh_adjust(p)
    assert np.isnan(got[4]) and np.allclose(got[ok], ref)


def _window():
    rows = []
    # week W45: furto 4, roubo 2; W46: furto 5, roubo 2; W47: furto 20, roubo 1
    for week, counts in (("2026-W45", {"furto": 4, "roubo": 2}),
                         ("2026-W46", {"furto": 5, "roubo": 2}),
                         ("2026-W47", {"furto": 20, "roubo": 1, "dano": 0})):
        for cat, n in counts.items():
            rows += [{"week": week, "category": cat}] * n
    return pd.DataFrame(rows)


def test_category_table_by_hand():
    out = category_changes(_window(), ["2026-W45", "2026-W46", "2026-W47"])
    assert list(out.index[:-1]) == ["furto", "roubo"]
    f = out.loc["furto"]
    assert (f["this_week"], f["last_week"], f["change"]) == (20, 5, 15)
    assert f["mean_prev"] == 4.5
    assert f["p_last"] == pytest.approx(_enumerated_p(20, 5, 1))
    assert f["p_mean"] == pytest.approx(_enumerated_p(20, 9, 2))
    assert bool(f["significant_mean"]) and not bool(out.loc["roubo", "significant_mean"])
    total = out.iloc[-1]
    assert (total["this_week"], total["last_week"]) == (21, 7)
    assert total["p_mean"] == pytest.approx(_enumerated_p(21, 13, 2))
    assert out.attrs["n_prev"] == 2


def test_errors():
    with pytest.raises(ValidationError, match="at least one week before"):
        category_changes(_window(), ["2026-W47"])
    with pytest.raises(ValidationError, match="no column"):
        category_changes(_window().drop(columns="category"), ["2026-W46", "2026-W47"])
    with pytest.raises(ValidationError, match="≥ 0"):
        poisson_change_p(-1, 3)
