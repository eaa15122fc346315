"""Bowers & Johnson's WDQ family and Wheeler & Ratcliffe's WDD against published and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots._errors import ValidationError
from hotspots.intervention.before_after import classic_measures
from hotspots.intervention.design import cohort_windows
from hotspots.intervention.measures import bowers_johnson, poisson_linear, wdd


def test_wdd_issue_example_control_100_90_treated_100_80():
    r = wdd((100, 90), (100, 80))
    assert r.total == -10
    assert r.local == -10 and r.displacement == 0
    assert r.total_se == pytest.approx(math.sqrt(370), abs=1e-12)
    assert round(r.total_se, 2) == 19.24
    assert r.z == pytest.approx(-10 / math.sqrt(370))
    assert r.ci_low == pytest.approx(-10 - 1.959963984540054 * math.sqrt(370))


def test_wdd_wheeler_ratcliffe_2018_paper_example():
    # Wheeler & Ratcliffe (2018), Crime Science 7:11: WDD −118, variance 1568, z −2.98,
    # 95 % interval −196 to −40
    r = wdd((308, 318), (207, 110), (150, 140), (178, 157))
    assert r.total == -118
    assert r.total_se ** 2 == pytest.approx(1568)
    assert round(r.z, 2) == -2.98
    assert (round(r.ci_low), round(r.ci_high)) == (-196, -40)
    assert r.local == (110 - 207) - (318 - 308)
    assert r.displacement == (157 - 178) - (140 - 150)


def test_wdd_unequal_periods_wheeler_blog_2021():
    # two years before, one after: control 100 → 50, treated 80 → 20: WDD −20, SE √115
    r = wdd((100, 50), (80, 20), time_weights=(2, 1))
    assert r.total == pytest.approx(-20)
    assert r.total_se == pytest.approx(math.sqrt(115))


def test_wdd_unequal_areas_wheeler_blog_2021():
    r = wdd((308, 318), (207, 110), (150, 140), (178, 157), area_weights=(0.9, 1.2, 1.6, 1.5))
    expected = (-99.69444444, 35.4280755, -2.813995483, -169.1321965, -30.25669241)
    got = (r.total, r.total_se, r.z, r.ci_low, r.ci_high)
    assert got == pytest.approx(expected, rel=1e-8)


def test_wdd_shared_control_variance_is_sum_of_squared_coefficients():
    # the same control counts in both terms: coefficient −2 on each of them
    r = wdd((50, 40), (30, 20), (50, 40), (60, 70), shared_control=True)
    est, var = poisson_linear(np.array([1, -1, 1, -1, -2, 2]), np.array([20, 30, 70, 60, 40, 50]))
    assert r.total == pytest.approx(est)
    assert r.total_se ** 2 == pytest.approx(var)
    assert var == 20 + 30 + 70 + 60 + 4 * (40 + 50)
    separate = wdd((50, 40), (30, 20), (50, 40), (60, 70))
    assert separate.total == r.total and separate.total_se < r.total_se


def test_wdd_variance_matches_monte_carlo_of_poisson_counts():
    rng = np.random.default_rng(3)
    mu = np.array([40.0, 35.0, 30.0, 20.0, 25.0, 33.0, 28.0, 26.0])
    draws = rng.poisson(mu, size=(2000, 8))
    tot = np.array([wdd(d[0:2], d[2:4], d[4:6], d[6:8], time_weights=(2, 1)).total
                    for d in draws[:2000]])
    predicted = wdd(mu[0:2], mu[2:4], mu[4:6], mu[6:8], time_weights=(2, 1)).total_se
    assert tot.std() == pytest.approx(predicted, rel=0.05)


def test_wdq_hand_computed_example():
    # R 100 → 70, D 80 → 88, C 1000 → 1000
    m = bowers_johnson(100, 70, 80, 88, 1000, 1000)
    assert m.gross_effect == 30
    assert m.net_effect == pytest.approx(100 / 1000 - 70 / 1000)          # 0.03
    assert m.success_measure == pytest.approx(70 / 1000 - 100 / 1000)     # −0.03
    assert m.buffer_displacement == pytest.approx(88 / 1000 - 80 / 1000)  # 0.008
    assert m.wdq == pytest.approx(0.008 / -0.03)                          # −0.2667
    assert m.wdq_reason == "" and m.wdq_interpretation == "displacement_smaller"
    assert m.total_net_effect == pytest.approx((100 - 70) + (80 - 88))    # 22
    assert m.tne_interpretation == "reduction"


def test_wdq_with_changing_control_hand_computed():
    # R 50 → 30, D 40 → 30, C 200 → 250: SM = 30/250 − 50/200 = −0.13; BDM = 30/250 − 40/200
    # = −0.08; WDQ = 0.6154 (diffusion of benefits); TNE = (50·1.25 − 30) + (40·1.25 − 30) = 52.5
    m = bowers_johnson(50, 30, 40, 30, 200, 250)
    assert m.success_measure == pytest.approx(-0.13)
    assert m.buffer_displacement == pytest.approx(-0.08)
    assert m.wdq == pytest.approx(0.08 / 0.13)
    assert m.wdq_interpretation == "diffusion"
    assert m.total_net_effect == pytest.approx(52.5)


@pytest.mark.parametrize(
    ("counts", "reason"),
    [((10, 5, 8, 8, 0, 20), "control_before_zero"),
     ((10, 5, 8, 8, 20, 0), "control_after_zero"),
     ((10, 12, 8, 8, 20, 20), "no_success"),
     ((10, 10, 8, 8, 20, 20), "no_success"),   # SM = 0 exactly
     ((0, 0, 8, 9, 20, 20), "no_success")],
)
def test_wdq_undefined_cases_give_reason(counts, reason):
    m = bowers_johnson(*counts)
    assert math.isnan(m.wdq)
    assert m.wdq_reason == reason
    assert m.wdq_interpretation == ""


@pytest.mark.parametrize(
    ("d_after", "meaning"),
    [(0, "diffusion_greater"), (10, "diffusion"), (20, "no_displacement"),
     (25, "displacement_smaller"), (30, "displacement_equal"), (40, "displacement_greater")],
)
def test_wdq_interpretation_bands(d_after, meaning):
    # C constant, R 20 → 10 (SM = −0.1); D 20 → d_after: BDM = (d_after − 20)/100
    m = bowers_johnson(20, 10, 20, d_after, 100, 100)
    assert m.wdq == pytest.approx(-(d_after - 20) / 10)
    assert m.wdq_interpretation == meaning


def test_tne_increase_and_errors():
    assert bowers_johnson(10, 20, 10, 20, 100, 100).tne_interpretation == "increase"
    with pytest.raises(ValidationError, match="counts must be finite"):
        bowers_johnson(-1, 2, 3, 4, 5, 6)
    with pytest.raises(ValidationError, match="positive numbers"):
        wdd((1, 2), (3, 4), time_weights=(0, 1))
    with pytest.raises(ValidationError, match="shared_control"):
        wdd((1, 2), (3, 4), (5, 6), (7, 8), shared_control=True)
    with pytest.raises(ValidationError, match="alpha"):
        wdd((1, 2), (3, 4), alpha=1.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=8, max_size=8))
def test_wdd_is_linear_in_counts_with_poisson_variance(c):
    r = wdd(c[0:2], c[2:4], c[4:6], c[6:8])
    assert r.total == pytest.approx((c[3] - c[2]) - (c[1] - c[0]) + (c[7] - c[6]) - (c[5] - c[4]))
    assert r.total_se ** 2 == pytest.approx(sum(c))


def _toy_design():
    """8 segments × 10 weeks: 0–1 treated (start week 5), 2–3 buffer, 4–7 controls."""
    rng = np.random.default_rng(0)
    y = rng.poisson(3.0, size=(8, 10)).astype(float)
    tw = np.array([5, 5] + [np.nan] * 6)
    sw = np.array([np.nan, np.nan, 5, 5] + [np.nan] * 4)
    wins, _ = cohort_windows(tw, sw, np.full(8, np.nan), 10, pre_weeks=4, post_weeks=3,
                             implementation_weeks=0, equal_periods=True)
    return y, tw, sw, wins


def test_classic_measures_one_cohort_equal_periods_by_hand():
    y, tw, sw, wins = _toy_design()
    weeks = pd.date_range("2025-01-06", periods=10, freq="7D")
    res = classic_measures(y, wins, tw, sw, np.arange(4, 8), length_m=np.full(8, 100.0),
                           weeks=weeks)
    row = res.table.iloc[0]
    # equal periods: the shorter (3 weeks) on both sides: weeks 2–4 and 5–7
    R_b, R_a = y[0:2, 2:5].sum(), y[0:2, 5:8].sum()
    D_b, D_a = y[2:4, 2:5].sum(), y[2:4, 5:8].sum()
    C_b, C_a = y[4:8, 2:5].sum(), y[4:8, 5:8].sum()
    assert (row.r_before, row.r_after, row.d_before, row.d_after, row.c_before,
            row.c_after) == (R_b, R_a, D_b, D_a, C_b, C_a)
    # the control area (4 segments) is twice the treated (2) and the buffer (2)
    local = (R_a - R_b) - (C_a - C_b) / 2
    disp = (D_a - D_b) - (C_a - C_b) / 2
    var = R_a + R_b + D_a + D_b + (C_a + C_b) * (1 / 2 + 1 / 2) ** 2
    assert row.wdd == pytest.approx(local + disp)
    assert row.wdd_se == pytest.approx(math.sqrt(var))
    assert row.wdq == pytest.approx(bowers_johnson(R_b, R_a, D_b, D_a, C_b, C_a).wdq, nan_ok=True)


@pytest.mark.slow
def test_pooled_wdd_counts_shared_control_weeks_once_per_coefficient():
    rng = np.random.default_rng(1)
    y = rng.poisson(4.0, size=(10, 20)).astype(float)
    tw = np.array([8, 8, 11, 11] + [np.nan] * 6)
    sw = np.array([np.nan] * 4 + [8, 11] + [np.nan] * 4)
    wins, _ = cohort_windows(tw, sw, np.full(10, np.nan), 20, pre_weeks=6, post_weeks=6,
                             implementation_weeks=0, equal_periods=True)
    weeks = pd.date_range("2025-01-06", periods=20, freq="7D")
    res = classic_measures(y, wins, tw, sw, np.arange(6, 10), length_m=np.ones(10),
                           weeks=weeks)
    per = res.table.iloc[:2]
    pooled = res.table.loc["all"]
    assert pooled.wdd == pytest.approx(per.wdd.sum())
    # independent: the variance by simulation of the pooled statistic over Poisson draws
    draws = rng.poisson(4.0, size=(400, 10, 20)).astype(float)
    sims = [classic_measures(d, wins, tw, sw, np.arange(6, 10), length_m=np.ones(10),
                             weeks=weeks).table.loc["all", "wdd"] for d in draws]
    expected_se = classic_measures(np.full((10, 20), 4.0), wins, tw, sw, np.arange(6, 10),
                                   length_m=np.ones(10), weeks=weeks).table.loc["all", "wdd_se"]
    assert np.std(sims) == pytest.approx(expected_se, rel=0.12)
    # adding the cohorts' variances as if independent would be wrong: the control weeks overlap
    naive = math.sqrt((per.wdd_se ** 2).sum())
    assert abs(naive - expected_se) > 0.02 * expected_se
