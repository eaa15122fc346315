"""Poisson regression with absorbed fixed effects and cluster-robust standard errors (PPML-HDFE).

The model is ``E[y] = exp(α_a + λ_b + … + Xβ)`` with one or more sets of fixed effects that
are never built as dummy columns: each IRLS step (working response ``z = η + (y − μ)/μ``,
weights ``μ``) partials the fixed effects out of ``z`` and ``X`` by weighted alternating
projections, solves the small weighted least-squares problem for β, and recovers the full
linear predictor as ``η = z − ẽ`` (the residual of the partialled regression equals the residual
of the full one, Frisch–Waugh–Lovell). This is the algorithm of ppmlhdfe (Correia, Guimarães &
Zylkin 2020, Stata Journal 20:95–115). It gives the same β and the same β-block of the
sandwich covariance as a Poisson GLM with one dummy per fixed effect (checked against
statsmodels in the tests), in memory and time proportional to the observations.

Observations in a fixed-effect group whose outcomes are all zero carry no information (their
fixed effect is −∞); they are dropped, repeatedly until none is left, and counted. A 0/1
regressor whose observations all have y = 0 is separated (its β is −∞): it is dropped with its
observations and named in ``separated``. Regressors that the fixed effects absorb are named in
``collinear``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph  # noqa: F401  (sp.csgraph)
from scipy.linalg import cho_factor, cho_solve

__all__ = ["PoissonFit", "fit_fe_poisson"]


@dataclass(frozen=True)
class PoissonFit:
    """Estimates of a fixed-effects Poisson regression.

    ``cov`` is the cluster-robust (CRV1) covariance of ``coef`` with the small-sample factor
    G/(G − 1), G = number of clusters (as fixest and ppmlhdfe with fixed effects nested in the
    clusters); ``cov_unscaled`` is the plain sandwich without it.
    """

    names: tuple[str, ...]
    coef: np.ndarray
    cov: np.ndarray
    cov_unscaled: np.ndarray
    n_obs: int
    n_clusters: int
    dropped_obs: int
    separated: tuple[str, ...]
    collinear: tuple[str, ...]
    iterations: int
    converged: bool
    deviance: float
    pearson_dispersion: float

    def se(self) -> np.ndarray:
        """Cluster-robust standard errors of ``coef``."""
        return np.sqrt(np.clip(np.diag(self.cov), 0.0, None))

    def index(self, name: str) -> int | None:
        """Position of regressor ``name`` in ``coef`` (None when it was dropped)."""
        return self.names.index(name) if name in self.names else None


def fit_fe_poisson(*args, **kwargs) -> PoissonFit:
    """Fit ``E[y] = exp(FE + Xβ)`` by IRLS with the fixed effects partialled out.

    Parameters
    ----------
    y : (n,) array of counts (≥ 0).
    X : (n, p) regressors (no constant: the fixed effects hold it).
    fixed_effects : list of (n,) integer arrays, one per set of fixed effects (e.g. segment,
        week); values are group codes.
    cluster : (n,) integer array of cluster codes for the robust covariance.
    names : the p regressor names.
    tolerance : convergence of the relative deviance change and of the partialling.
    max_iterations : IRLS iterations at most.

    Returns
    -------
    PoissonFit
        Only the regressors that could be estimated are in ``names``/``coef``.

    Notes
    -----
    BLAS runs single-threaded inside: the dense problems here are small (a few hundred rows
    and columns), where threads cost more than they give, above all on a shared machine.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(*args, **kwargs)


def _fit(
    y: np.ndarray,
    X: np.ndarray,
    fixed_effects: list[np.ndarray],
    *,
    cluster: np.ndarray,
    names: list[str] | tuple[str, ...],
    tolerance: float = 1e-10,
    max_iterations: int = 200,
) -> PoissonFit:
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    names = list(names)
    keep = np.ones(len(y), dtype=bool)
    separated: list[str] = []
    cols = list(range(X.shape[1]))
    n_start = len(y)
    # drop all-zero groups and separated dummies until stable
    while True:
        changed = False
        for codes in fixed_effects:
            tot = np.bincount(codes[keep], weights=y[keep], minlength=int(codes.max()) + 1)
            bad = keep & (tot[codes] <= 0)
            if bad.any():
                keep &= ~bad
                changed = True
        for j in list(cols):
            on = keep & (X[:, j] != 0)
            if on.any() and y[on].sum() <= 0 and np.all(X[on, j] > 0):
                separated.append(names[j])
                cols.remove(j)
                keep &= ~on
                changed = True
            elif not on.any():
                separated.append(names[j])
                cols.remove(j)
                changed = True
        if not changed:
            break
    yk = y[keep]
    Xk = X[keep][:, cols]
    kept_names = [names[j] for j in cols]
    fes = [_recode(codes[keep]) for codes in fixed_effects]
    clus = _recode(np.asarray(cluster)[keep])
    if len(yk) == 0:
        return _empty(names, separated, n_start)

    mu = (yk + yk.mean()) / 2.0
    eta = np.log(mu)
    dev_old = np.inf
    beta = np.zeros(Xk.shape[1])
    collinear: list[str] = []
    converged = False
    it = 0
    Xt = Xk
    change = 1.0
    for it in range(1, max_iterations + 1):
        z = eta + (yk - mu) / mu
        # loose partialling while far from the optimum, tight near it (as ppmlhdfe)
        tol_it = max(tolerance * 1e-2, min(1e-5, change * 1e-2))
        # M_w(X − P_w' X) = M_w X: partialling the previous residuals with the new weights
        # gives the same result as partialling X, from a much closer start
        both = _demean(np.column_stack([z, Xt]), mu, fes, tol_it)
        zt, Xt = both[:, 0], both[:, 1:]
        if it == 1:
            good = _independent_columns(Xt, Xk, mu)
            collinear = [kept_names[j] for j in range(Xk.shape[1]) if j not in good]
            Xk, Xt = Xk[:, good], Xt[:, good]
            kept_names = [kept_names[j] for j in good]
            beta = np.zeros(Xk.shape[1])
        if Xt.shape[1]:
            wx = Xt * mu[:, None]
            beta = np.linalg.solve(Xt.T @ wx, wx.T @ zt)
            resid = zt - Xt @ beta
        else:
            resid = zt
        eta_new = z - resid
        dev = _deviance(yk, np.exp(eta_new))
        step = 1.0
        while dev > dev_old * (1 + 1e-12) and step > 1e-4:  # step halving
            step /= 2
            cand = eta + step * (eta_new - eta)
            dev = _deviance(yk, np.exp(cand))
            if dev <= dev_old:
                eta_new = cand
                break
        eta = eta_new
        mu = np.exp(eta)
        change = abs(dev - dev_old) / max(abs(dev), 0.1)
        if change < tolerance and tol_it <= tolerance:
            converged = True
            break
        dev_old = dev

    p = Xk.shape[1]
    if p:
        Xt = _demean(Xt, mu, fes, tolerance * 1e-2)
        wx = Xt * mu[:, None]
        hess = Xt.T @ wx
        # β at the final weights (one more WLS step changes it by less than the tolerance)
        z = eta + (yk - mu) / mu
        scores = Xt * (yk - mu)[:, None]
        n_cl = int(clus.max()) + 1
        agg = sp.csr_array((np.ones(len(clus)), (clus, np.arange(len(clus)))),
                           shape=(n_cl, len(clus))) @ scores
        hinv = np.linalg.inv(hess)
        cov_raw = hinv @ (agg.T @ agg) @ hinv
        cov_raw = (cov_raw + cov_raw.T) / 2.0
        factor = n_cl / (n_cl - 1.0) if n_cl > 1 else np.nan
        del z
    else:
        cov_raw = np.zeros((0, 0))
        factor = 1.0
        n_cl = int(clus.max()) + 1
    n_fe = sum(int(c.max()) + 1 for c in fes) - (len(fes) - 1)
    dof = max(len(yk) - p - n_fe, 1)
    pearson = float(np.sum((yk - mu) ** 2 / mu) / dof)
    return PoissonFit(
        names=tuple(kept_names), coef=beta, cov=cov_raw * factor, cov_unscaled=cov_raw,
        n_obs=len(yk), n_clusters=n_cl, dropped_obs=n_start - len(yk),
        separated=tuple(separated), collinear=tuple(collinear), iterations=it,
        converged=converged, deviance=float(_deviance(yk, mu)), pearson_dispersion=pearson)


def _empty(names, separated, n_start) -> PoissonFit:
    return PoissonFit(names=(), coef=np.zeros(0), cov=np.zeros((0, 0)),
                      cov_unscaled=np.zeros((0, 0)), n_obs=0, n_clusters=0, dropped_obs=n_start,
                      separated=tuple(dict.fromkeys([*separated, *names])), collinear=(),
                      iterations=0, converged=False, deviance=float("nan"),
                      pearson_dispersion=float("nan"))


def _recode(codes: np.ndarray) -> np.ndarray:
    """Consecutive codes 0..k−1 for any integer codes."""
    _, out = np.unique(codes, return_inverse=True)
    return out.ravel()


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2.0 * np.sum(term - (y - mu)))


def _demean(V: np.ndarray, w: np.ndarray, fes: list[np.ndarray], tol: float) -> np.ndarray:
    """Weighted residuals of the columns of V on all fixed effects.

    One or two sets of fixed effects are partialled out exactly (two: the normal equations
    reduced to the smaller set, solved by Cholesky); more sets by alternating projections to
    the relative tolerance ``tol``.
    """
    V = np.array(V, dtype=float, copy=True)
    if len(fes) == 1:
        codes = fes[0]
        ws = np.bincount(codes, weights=w)
        mat = sp.csr_array((w, (codes, np.arange(len(w)))), shape=(len(ws), len(w)))
        return V - ((mat @ V) / ws[:, None])[codes]
    if len(fes) == 2:
        return _two_way(V, w, fes[0], fes[1])
    n = len(w)
    mats = [sp.csr_array((w, (codes, np.arange(n))), shape=(int(codes.max()) + 1, n))
            for codes in fes]
    wsums = [m.sum(axis=1) for m in mats]
    scale = np.maximum(np.abs(V).max(axis=0), 1e-300)
    for _ in range(10_000):
        biggest = 0.0
        for codes, mat, ws in zip(fes, mats, wsums):
            means = (mat @ V) / ws[:, None]
            V -= means[codes]
            biggest = max(biggest, float(np.max(np.abs(means) / scale)))
        if biggest < tol:
            break
    return V


def _two_way(V: np.ndarray, w: np.ndarray, f1: np.ndarray, f2: np.ndarray) -> np.ndarray:
    """Exact weighted two-way partialling: v − α[f1] − λ[f2] minimising Σ w (v − α − λ)².

    With B = D₁'WD₂, the normal equations give (diag(w₂) − B' diag(1/w₁) B) λ =
    D₂'Wv − B' diag(1/w₁) D₁'Wv on the smaller set (λ), and α = (D₁'Wv − Bλ)/w₁. One λ per
    connected component of the (f1, f2) graph is fixed at 0 (the level is not identified).
    """
    n1, n2 = int(f1.max()) + 1, int(f2.max()) + 1
    if n2 > n1:
        f1, f2, n1, n2 = f2, f1, n2, n1
    n = len(w)
    d1w = sp.csr_array((w, (f1, np.arange(n))), shape=(n1, n))
    d2w = sp.csr_array((w, (f2, np.arange(n))), shape=(n2, n))
    w1 = np.bincount(f1, weights=w, minlength=n1)
    w2 = np.bincount(f2, weights=w, minlength=n2)
    b = sp.csr_array((w, (f1, f2)), shape=(n1, n2))
    scaled = sp.csr_array(b.multiply(1.0 / w1[:, None]))
    c = np.diag(w2) - (b.T @ scaled).toarray()
    keep = np.ones(n2, dtype=bool)
    pattern = sp.csr_array((np.ones(n), (f2, n2 + f1)), shape=(n1 + n2, n1 + n2))
    _, comp = sp.csgraph.connected_components(pattern, directed=False)
    comp2 = comp[:n2]
    _, first = np.unique(comp2, return_index=True)
    keep[first] = False
    s1 = d1w @ V
    rhs = d2w @ V - scaled.T @ s1
    lam = np.zeros((n2, V.shape[1]))
    if keep.any():
        factor = cho_factor(c[np.ix_(keep, keep)])
        lam[keep] = cho_solve(factor, rhs[keep])
    alpha = (s1 - b @ lam) / w1[:, None]
    return V - alpha[f1] - lam[f2]


def _independent_columns(Xt: np.ndarray, X: np.ndarray, w: np.ndarray) -> list[int]:
    """Columns not absorbed by the fixed effects nor collinear with earlier columns.

    Greedy on the weighted Gram matrix of the partialled columns: a column is kept when its
    residual sum of squares on the columns kept before it is above 1e-9 of its raw one.
    """
    gram = Xt.T @ (Xt * w[:, None])
    raw = np.einsum("ij,ij,i->j", X, X, w)
    good: list[int] = []
    for j in range(Xt.shape[1]):
        if raw[j] == 0:
            continue
        res = gram[j, j]
        if good:
            g = gram[np.ix_(good, good)]
            v = gram[good, j]
            res = gram[j, j] - v @ np.linalg.solve(g, v)
        if res > 1e-9 * raw[j]:
            good.append(j)
    return good
