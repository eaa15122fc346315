"""A small Monte Carlo of the whole evaluation: interval coverage with a known effect, false positives without.

The full experiment (≥ 200 replications per scenario, Monte Carlo errors) is
``benchmarks/experiment_intervention.py``; this is its quick version with tolerant bounds that
still fail for a broken estimator (standard errors half as large would cover ~70 %, a bias of
10 points would move the mean out of its band).
"""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.intervention import EvaluationSettings, evaluate_interventions
from hotspots.intervention.simulate import synthetic_city

pytestmark = pytest.mark.slow
REPS = 30
SETTINGS = EvaluationSettings(buffer_m=100.0, pre_weeks=20, post_weeks=20, by_category=False,
                              by_cohort=False, placebo=False)


def _run(null: bool) -> np.ndarray:
    rows = []
    for r in range(REPS):
        city = synthetic_city(n_x=14, n_y=14, weeks=60, cohort_weeks=(22, 30), n_projects=6,
                              treated_effect=1.0 if null else 0.7,
                              buffer_effect=1.0 if null else 1.1, buffer_m=100.0,
                              seed=(5000 if null else 0) + r)
        fx = evaluate_interventions(city.incidents, city.segments, city.interventions,
                                    settings=SETTINGS).effects
        rows.append([fx.at["treated", "pct_change"], fx.at["treated", "ci_low_pct"],
                     fx.at["treated", "ci_high_pct"], fx.at["treated", "p"],
                     fx.at["buffer", "ci_low_pct"], fx.at["buffer", "ci_high_pct"],
                     fx.at["buffer", "p"]])
    return np.array(rows)


def test_intervals_cover_the_injected_effect():
    out = _run(null=False)
    cover_t = np.mean((out[:, 1] <= -30) & (-30 <= out[:, 2]))
    cover_b = np.mean((out[:, 4] <= 10) & (10 <= out[:, 5]))
    assert cover_t >= 0.8, cover_t
    assert cover_b >= 0.8, cover_b
    assert -38 <= np.mean(out[:, 0]) <= -22
    assert np.mean(out[:, 3] < 0.05) >= 0.3   # the −30 % is found more often than not by chance


def test_false_positive_rate_without_effect():
    out = _run(null=True)
    assert np.mean(out[:, 3] < 0.05) <= 0.2
    assert np.mean(out[:, 6] < 0.05) <= 0.2
    assert abs(np.mean(out[:, 0])) <= 10
