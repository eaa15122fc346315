"""Is a weekly change beyond Poisson noise? The exact conditional (binomial) test, by category.

Two Poisson counts ``x`` (this week, exposure 1 week) and ``y`` (the comparison period,
exposure ``t`` weeks) have equal weekly rates under H0; given their sum ``n = x + y``,
``x ~ Binomial(n, 1 / (1 + t))`` (Przyborowski & Wilenski 1940; the "exact-cond" method of
statsmodels' ``test_poisson_2indep``). The two-sided p-value is the binomial test's: the
probability of every outcome no more likely than the one observed (scipy's ``binomtest``).
Categories are tested together, so p-values are adjusted by Benjamini–Hochberg.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots._errors import ValidationError

__all__ = ["bh_adjust", "category_changes", "poisson_change_p"]


def poisson_change_p(count: int, baseline: int, *, baseline_weeks: float = 1.0) -> float:
    """Two-sided exact conditional p-value that ``count`` (one week) has the weekly rate of
    ``baseline`` (over ``baseline_weeks`` weeks). 1.0 when both are zero."""
    from scipy.stats import binomtest

    x, y = int(count), int(baseline)
    if x < 0 or y < 0:
        raise ValidationError(f"counts must be ≥ 0; got {count!r} and {baseline!r}")
    if not baseline_weeks > 0:
        raise ValidationError(f"baseline_weeks must be > 0; got {baseline_weeks!r}")
    if x + y == 0:
        return 1.0
    return float(binomtest(x, x + y, 1.0 / (1.0 + float(baseline_weeks))).pvalue)


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (NaN stays NaN)."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out[order] = np.minimum(ranked, 1.0)
    return out


def category_changes(incidents: pd.DataFrame, weeks: tuple[str, ...] | list[str], *,
                     category_column: str = "category", week_column: str = "week",
                     alpha: float = 0.05) -> pd.DataFrame:
    """This week's incidents by category against last week and the mean of the weeks before.

    Parameters
    ----------
    incidents : DataFrame
        The incidents of the window, with ``week`` (ISO label) and ``category``.
    weeks : sequence of str
        The window's weeks, oldest first, the analysed week last (at least two).
    alpha : float
        Significance level of the adjusted p-values.

    Returns
    -------
    DataFrame
        One row per category (most incidents this week first, then the total row ``None``
        last): ``this_week``, ``last_week``, ``change`` (this − last), ``p_last`` (exact test
        against last week), ``mean_prev`` (mean per week of the ``n_prev`` weeks before the
        analysed one), ``p_mean`` (exact test against those weeks), ``q_last`` / ``q_mean``
        (Benjamini–Hochberg over the categories) and ``significant_last`` /
        ``significant_mean`` (q below ``alpha``). ``attrs['n_prev']`` is the number of weeks.
    """
    weeks = list(weeks)
    if len(weeks) < 2:
        raise ValidationError("category_changes needs the analysed week and at least one week "
                              f"before it; got weeks {weeks}")
    missing = [c for c in (category_column, week_column) if c not in incidents.columns]
    if missing:
        raise ValidationError(f"category_changes: the incidents have no column {missing}; "
                              f"columns: {list(incidents.columns)[:12]}")
    cats = incidents[category_column].astype("string").fillna("").str.strip()
    cats = cats.where(cats != "", "—")
    table = pd.crosstab(cats, incidents[week_column]).reindex(columns=weeks, fill_value=0)
    this, last = table[weeks[-1]], table[weeks[-2]]
    prev = table[weeks[:-1]]
    n_prev = len(weeks) - 1
    out = pd.DataFrame({"this_week": this.astype(int), "last_week": last.astype(int)})
    out["change"] = out["this_week"] - out["last_week"]
    out["mean_prev"] = prev.sum(axis=1) / n_prev
    out["p_last"] = [poisson_change_p(x, y) for x, y in zip(out["this_week"], out["last_week"])]
    out["p_mean"] = [poisson_change_p(x, y, baseline_weeks=n_prev)
                     for x, y in zip(out["this_week"], prev.sum(axis=1))]
    out["q_last"] = bh_adjust(out["p_last"].to_numpy())
    out["q_mean"] = bh_adjust(out["p_mean"].to_numpy())
    out = out.sort_values(["this_week", "mean_prev"], ascending=False, kind="stable")
    total = pd.DataFrame({
        "this_week": [int(this.sum())], "last_week": [int(last.sum())],
        "change": [int(this.sum() - last.sum())], "mean_prev": [prev.to_numpy().sum() / n_prev],
        "p_last": [poisson_change_p(int(this.sum()), int(last.sum()))],
        "p_mean": [poisson_change_p(int(this.sum()), int(prev.to_numpy().sum()),
                                    baseline_weeks=n_prev)],
    }, index=pd.Index([None], dtype=object))
    total["q_last"], total["q_mean"] = total["p_last"], total["p_mean"]
    out = pd.concat([out, total])
    out.index.name = "category"
    out["significant_last"] = out["q_last"] < alpha
    out["significant_mean"] = out["q_mean"] < alpha
    out.attrs["n_prev"] = n_prev
    return out
