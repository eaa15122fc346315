"""The fixed-effects Poisson solver against statsmodels' GLM with one dummy per fixed effect."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from threadpoolctl import threadpool_limits

from hotspots.intervention.fepois import fit_fe_poisson

sm = pytest.importorskip("statsmodels.api")


def _panel(seed=0, S=30, T=20, zero_segments=(), drop_share=0.0):
    rng = np.random.default_rng(seed)
    seg = np.repeat(np.arange(S), T)
    wk = np.tile(np.arange(T), S)
    alpha = rng.normal(0, 0.8, S)
    lam = rng.normal(0, 0.3, T)
    treat = ((seg < 8) & (wk >= T // 2)).astype(float)
    buf = ((seg >= 8) & (seg < 14) & (wk >= T // 2)).astype(float)
    x3 = rng.normal(size=len(seg))
    X = np.column_stack([treat, buf, x3])
    mu = np.exp(alpha[seg] + lam[wk] + X @ np.array([-0.35, 0.1, 0.2]))
    y = rng.poisson(mu).astype(float)
    for s in zero_segments:
        y[seg == s] = 0
    keep = rng.uniform(size=len(y)) >= drop_share
    return y[keep], X[keep], seg[keep], wk[keep]


def _statsmodels(y, X, seg, wk, *, extra_fe=None):
    segs = np.unique(seg)
    weeks = np.unique(wk)
    cols = [X, (seg[:, None] == segs).astype(float), (wk[:, None] == weeks[1:]).astype(float)]
    if extra_fe is not None:
        levels = np.unique(extra_fe)
        cols.append((extra_fe[:, None] == levels[1:]).astype(float))
    D = np.column_stack(cols)
    if extra_fe is not None:
        # a third set of dummies is collinear with the first two: keep a full-rank subset of
        # the dummy columns (rank-revealing QR), X first, so that statsmodels inverts a
        # regular matrix
        _, r, piv = scipy.linalg.qr(D[:, X.shape[1]:], mode="economic", pivoting=True)
        rank = int(np.sum(np.abs(np.diag(r)) > 1e-9 * abs(r[0, 0])))
        D = np.column_stack([X, D[:, X.shape[1]:][:, np.sort(piv[:rank])]])
    with threadpool_limits(limits=1, user_api="blas"):
        res = sm.GLM(y, D, family=sm.families.Poisson()).fit(
            tol=1e-13, maxiter=300, cov_type="cluster",
            cov_kwds={"groups": seg, "use_correction": False})
    p = X.shape[1]
    return res.params[:p], res.cov_params()[:p, :p]


@pytest.mark.parametrize("drop_share", [0.0, 0.15])
def test_two_way_fe_poisson_matches_statsmodels_dummies(drop_share):
    y, X, seg, wk = _panel(drop_share=drop_share)
    fit = fit_fe_poisson(y, X, [seg, wk], cluster=seg, names=["d", "s", "x"])
    b, v = _statsmodels(y, X, seg, wk)
    assert fit.converged
    np.testing.assert_allclose(fit.coef, b, atol=1e-6, rtol=0)
    np.testing.assert_allclose(fit.cov_unscaled, v, atol=1e-8, rtol=1e-6)
    g = fit.n_clusters
    np.testing.assert_allclose(fit.cov, v * g / (g - 1), rtol=1e-6)
    assert fit.names == ("d", "s", "x")


def test_all_zero_segments_are_dropped_and_counted():
    y, X, seg, wk = _panel(zero_segments=(20, 21))
    fit = fit_fe_poisson(y, X, [seg, wk], cluster=seg, names=["d", "s", "x"])
    assert fit.dropped_obs == int(np.isin(seg, [20, 21]).sum())
    keep = ~np.isin(seg, [20, 21])
    b, v = _statsmodels(y[keep], X[keep], seg[keep], wk[keep])
    np.testing.assert_allclose(fit.coef, b, atol=1e-6)
    np.testing.assert_allclose(fit.cov_unscaled, v, rtol=1e-6)
    assert fit.n_clusters == 28


def test_three_sets_of_fixed_effects_by_alternating_projections():
    y, X, seg, wk = _panel(seed=4, S=24, T=16)
    third = (seg % 3) * 100 + wk // 4          # e.g. district × month
    fit = fit_fe_poisson(y, X, [seg, wk, third], cluster=seg, names=["d", "s", "x"],
                         tolerance=1e-12)
    b, v = _statsmodels(y, X, seg, wk, extra_fe=third)
    np.testing.assert_allclose(fit.coef, b, atol=1e-6)
    np.testing.assert_allclose(fit.cov_unscaled, v, rtol=1e-5)


def test_separated_dummy_is_reported_not_estimated():
    y, X, seg, wk = _panel(seed=2)
    sep = ((seg == 3) & (wk == 5)).astype(float)
    y = y.copy()
    y[sep == 1] = 0
    fit = fit_fe_poisson(y, np.column_stack([X, sep]), [seg, wk], cluster=seg,
                         names=["d", "s", "x", "sep"])
    assert fit.separated == ("sep",)
    assert "sep" not in fit.names and fit.index("sep") is None
    keep = sep == 0
    b, _ = _statsmodels(y[keep], X[keep], seg[keep], wk[keep])
    np.testing.assert_allclose(fit.coef, b, atol=1e-6)


def test_regressor_absorbed_by_fixed_effects_is_collinear():
    y, X, seg, wk = _panel(seed=5)
    constant_in_segment = (seg < 10).astype(float)
    fit = fit_fe_poisson(y, np.column_stack([X, constant_in_segment]), [seg, wk], cluster=seg,
                         names=["d", "s", "x", "group"])
    assert fit.collinear == ("group",)
    assert fit.names == ("d", "s", "x")


def test_many_event_dummies_match_statsmodels():
    rng = np.random.default_rng(9)
    S, T = 24, 24
    seg = np.repeat(np.arange(S), T)
    wk = np.tile(np.arange(T), S)
    start = 12
    et = wk - start
    treated = seg < 8
    bins = np.floor_divide(et, 4)
    cols, names = [], []
    for k in np.unique(bins):
        if k != -1:
            cols.append((treated & (bins == k)).astype(float))
            names.append(f"b{k}")
    X = np.column_stack(cols)
    mu = np.exp(rng.normal(0, 0.5, S)[seg] + rng.normal(0, 0.2, T)[wk]
                - 0.3 * (treated & (et >= 0)))
    y = rng.poisson(mu * 3).astype(float)
    fit = fit_fe_poisson(y, X, [seg, wk], cluster=seg, names=names)
    b, v = _statsmodels(y, X, seg, wk)
    np.testing.assert_allclose(fit.coef, b, atol=1e-6)
    np.testing.assert_allclose(fit.cov_unscaled, v, rtol=1e-6, atol=1e-10)
