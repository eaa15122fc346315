"""Model-based estimates: stacked Poisson difference-in-differences, event study, night-vs-day placebo.

The outcome is the weekly count of each segment; the model for every row of the stacked panel
(:mod:`hotspots.intervention.design`) is

    E[y] = exp(α_{stack,segment} + λ_{stack,week} + β·treated·post + γ·buffer·post)

fitted by Poisson pseudo-maximum likelihood with the fixed effects absorbed
(:func:`~hotspots.intervention.fepois.fit_fe_poisson`) and standard errors clustered by segment.
exp(β) − 1 is the relative change of the treated segments' incidents against the controls'
trend; exp(γ) − 1 the spillover on the buffer (> 0 displacement, < 0 diffusion of benefits).
The event study replaces the two post indicators by one indicator per bin of weeks relative to
the start (the bin just before the start is the reference); its lead coefficients test for
pre-existing differences in trend (Wald χ²). The placebo fits the same model to day and night
counts jointly (fixed effects per series) and reports the day effect and the triple difference
β_night − β_day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import f as f_dist
from scipy.stats import norm

from hotspots.intervention.design import BUFFER, TREATED, StackedRows
from hotspots.intervention.fepois import PoissonFit, fit_fe_poisson

__all__ = [
    "EFFECT_COLUMNS",
    "EventStudy",
    "effect_row",
    "event_study",
    "fit_did",
    "night_day_placebo",
]

EFFECT_COLUMNS = ("term", "estimate", "se", "ratio", "pct_change", "ci_low_pct",
                  "ci_high_pct", "z", "p", "n_obs", "n_segments")


def effect_row(term: str, estimate: float, se: float, *, alpha: float, n_obs: int = 0,
               n_segments: int = 0) -> dict:
    """One row of an effects table: log-scale estimate, its ratio and % change with interval."""
    q = float(norm.ppf(1 - alpha / 2))
    ok = math.isfinite(estimate) and math.isfinite(se) and se > 0
    z = estimate / se if ok else float("nan")
    return {
        "term": term, "estimate": estimate, "se": se, "ratio": math.exp(estimate) if
        math.isfinite(estimate) else float("nan"),
        "pct_change": 100 * math.expm1(estimate) if math.isfinite(estimate) else float("nan"),
        "ci_low_pct": 100 * math.expm1(estimate - q * se) if ok else float("nan"),
        "ci_high_pct": 100 * math.expm1(estimate + q * se) if ok else float("nan"),
        "z": z, "p": float(2 * norm.sf(abs(z))) if ok else float("nan"),
        "n_obs": n_obs, "n_segments": n_segments,
    }


def _terms(fit: PoissonFit, terms: dict[str, str], alpha: float) -> pd.DataFrame:
    rows = []
    se = fit.se()
    for name, label in terms.items():
        j = fit.index(name)
        if j is None:
            rows.append(effect_row(label, float("nan"), float("nan"), alpha=alpha,
                                   n_obs=fit.n_obs, n_segments=fit.n_clusters))
        else:
            rows.append(effect_row(label, float(fit.coef[j]), float(se[j]), alpha=alpha,
                                   n_obs=fit.n_obs, n_segments=fit.n_clusters))
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS)).set_index("term")


def fit_did(y: np.ndarray, rows: StackedRows, *, n_weeks: int, n_segments: int,
            alpha: float = 0.05) -> tuple[pd.DataFrame, PoissonFit]:
    """Stacked Poisson DiD with a buffer spillover term.

    Parameters
    ----------
    y : (n_segments, n_weeks) outcome counts.
    rows : the stacked panel's rows.

    Returns
    -------
    (effects, fit): ``effects`` indexed by term ("treated", "buffer") with the columns of
    :data:`EFFECT_COLUMNS`; ``fit`` the underlying :class:`PoissonFit`.
    """
    post = rows.etime >= 0
    X = np.column_stack([(rows.role == TREATED) & post, (rows.role == BUFFER) & post])
    fit = fit_fe_poisson(y[rows.seg, rows.week], X.astype(float),
                         rows.fixed_effects(n_weeks, n_segments), cluster=rows.seg,
                         names=["treated", "buffer"])
    return _terms(fit, {"treated": "treated", "buffer": "buffer"}, alpha), fit


@dataclass(frozen=True)
class EventStudy:
    """Event-study coefficients and the pre-trend test.

    ``table`` has one row per bin of the treated segments with ``bin`` (index; −1 is the
    reference, fixed at 0), ``week_from``/``week_to`` (weeks from the start, inclusive) and the
    effect columns. ``pretrend_chi2``/``pretrend_df``/``pretrend_p`` test that every lead
    (bins ≤ −2) is zero (Wald statistic, its q, and the small-sample F p-value of
    :func:`_wald`); NaN when there is no lead bin. The buffer keeps a single post term.
    """

    table: pd.DataFrame
    bin_weeks: int
    pretrend_chi2: float
    pretrend_df: int
    pretrend_p: float
    pretrend_f: float = float("nan")
    pretrend_df2: int = 0


def event_study(y: np.ndarray, rows: StackedRows, *, n_weeks: int, n_segments: int,
                bin_weeks: int = 4, alpha: float = 0.05) -> EventStudy:
    """Leads and lags of the treated segments' effect in bins of ``bin_weeks`` weeks."""
    b = np.floor_divide(rows.etime, bin_weeks)
    names, cols, meta = [], [], []
    on = rows.role == TREATED
    for k in np.unique(b[on]):
        if k == -1:
            continue
        names.append(f"treated[{k}]")
        cols.append(on & (b == k))
        meta.append(("treated", int(k)))
    if not cols:
        return EventStudy(pd.DataFrame(), bin_weeks, float("nan"), 0, float("nan"))
    # the buffer keeps one post term so that its spillover does not enter the controls' trend
    names.append("buffer")
    cols.append((rows.role == BUFFER) & (rows.etime >= 0))
    X = np.column_stack(cols).astype(float)
    fit = fit_fe_poisson(y[rows.seg, rows.week], X, rows.fixed_effects(n_weeks, n_segments),
                         cluster=rows.seg, names=names)
    se = fit.se()
    out = []
    for (label, k), name in zip(meta, names[:len(meta)]):
        j = fit.index(name)
        est, s = (float(fit.coef[j]), float(se[j])) if j is not None else (np.nan, np.nan)
        row = effect_row(name, est, s, alpha=alpha, n_obs=fit.n_obs, n_segments=fit.n_clusters)
        row.update(role=label, bin=k, week_from=k * bin_weeks, week_to=k * bin_weeks + bin_weeks - 1)
        out.append(row)
    ref = effect_row("treated[-1]", 0.0, float("nan"), alpha=alpha)
    ref.update(role="treated", bin=-1, week_from=-bin_weeks, week_to=-1)
    out.append(ref)
    table = pd.DataFrame(out).sort_values("bin", kind="stable").reset_index(drop=True)
    n_treated = len(np.unique(rows.seg[rows.role == TREATED]))
    chi, df, p = _wald(fit, [n for (_, k), n in zip(meta, names) if k <= -2], n_treated)
    f_stat = (n_treated - df) / (df * (n_treated - 1.0)) * chi if df and n_treated > df else np.nan
    return EventStudy(table=table, bin_weeks=bin_weeks, pretrend_chi2=chi, pretrend_df=df,
                      pretrend_p=p, pretrend_f=float(f_stat), pretrend_df2=max(n_treated - df, 0))


def _wald(fit: PoissonFit, names: list[str], n_clusters: int) -> tuple[float, int, float]:
    """Wald χ², degrees of freedom q and small-sample p of H0: the named coefficients are 0.

    A cluster-robust covariance estimated from G clusters makes the χ²(q) test over-reject
    when q is not small next to G; the p-value uses the Hotelling T² scaling
    F = (G − q) / (q (G − 1)) · W ~ F(q, G − q) (as the HTZ test of Pustejovsky & Tipton
    2018), with G the number of treated segments, the clusters that identify the leads. NaN
    when G ≤ q.
    """
    idx = [fit.index(n) for n in names if fit.index(n) is not None]
    if not idx:
        return float("nan"), 0, float("nan")
    b = fit.coef[idx]  # type: ignore[index]
    v = fit.cov[np.ix_(idx, idx)]  # type: ignore[arg-type]
    stat = float(b @ np.linalg.pinv(v) @ b)
    q = len(idx)
    g = n_clusters
    if g <= q:
        return stat, q, float("nan")
    f_stat = (g - q) / (q * (g - 1.0)) * stat
    return stat, q, float(f_dist.sf(f_stat, q, g - q))


def night_day_placebo(night: np.ndarray, day: np.ndarray, rows: StackedRows, *, n_weeks: int,
                      n_segments: int, alpha: float = 0.05) -> pd.DataFrame:
    """Day-time placebo and night − day triple difference, fitted jointly.

    Night and day counts are two series with their own stack × segment and stack × week fixed
    effects and their own treated/buffer effects; the covariance of the four effects is
    cluster-robust by segment, so the triple difference β_night − β_day has a proper standard
    error.

    Returns
    -------
    DataFrame indexed by term: "night_treated", "day_treated" (the placebo: lighting should not
    change it), "ddd_treated" (night − day), and the same for "buffer".
    """
    post = rows.etime >= 0
    tr = ((rows.role == TREATED) & post).astype(float)
    bu = ((rows.role == BUFFER) & post).astype(float)
    n = len(rows.seg)
    zero = np.zeros(n)
    X = np.vstack([np.column_stack([tr, zero, bu, zero]), np.column_stack([zero, tr, zero, bu])])
    yy = np.r_[night[rows.seg, rows.week], day[rows.seg, rows.week]]
    fe = rows.fixed_effects(n_weeks, n_segments)
    n_fe = [int(c.max()) + 1 for c in fe]
    fes = [np.r_[c, c + m] for c, m in zip(fe, n_fe)]
    cl = np.r_[rows.seg, rows.seg]
    names = ["night_treated", "day_treated", "night_buffer", "day_buffer"]
    fit = fit_fe_poisson(yy, X, fes, cluster=cl, names=names)
    table = _terms(fit, {k: k for k in names}, alpha)
    se_rows = []
    for part in ("treated", "buffer"):
        i, j = fit.index(f"night_{part}"), fit.index(f"day_{part}")
        if i is None or j is None:
            est, se = float("nan"), float("nan")
        else:
            est = float(fit.coef[i] - fit.coef[j])
            se = float(math.sqrt(max(fit.cov[i, i] + fit.cov[j, j] - 2 * fit.cov[i, j], 0.0)))
        se_rows.append(effect_row(f"ddd_{part}", est, se, alpha=alpha, n_obs=fit.n_obs,
                                  n_segments=fit.n_clusters))
    ddd = pd.DataFrame(se_rows, columns=list(EFFECT_COLUMNS)).set_index("term")
    return pd.concat([table, ddd])
