"""Before/after counts of the treated, buffer and control areas and the classic measures per cohort and pooled."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots.intervention.design import CohortWindow
from hotspots.intervention.measures import (
    DisplacementMeasures,
    WDDResult,
    bowers_johnson,
    poisson_linear,
    wdd,
    wdd_from_variances,
)

__all__ = ["ClassicResult", "before_after_counts", "classic_measures"]

AREAS = ("treated", "buffer", "control")


def _members(win: CohortWindow, treat_week, spill_week, controls) -> dict[str, np.ndarray]:
    g = win.cohort
    return {"treated": np.flatnonzero(treat_week == g),
            "buffer": np.flatnonzero(np.isnan(treat_week) & (spill_week == g)),
            "control": np.asarray(controls, dtype=np.int64)}


def before_after_counts(y: np.ndarray, windows: list[CohortWindow], treat_week: np.ndarray,
                        spill_week: np.ndarray, controls: np.ndarray, *,
                        weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Incidents before and after the start in each area, per cohort and over all cohorts.

    Uses the classic periods of each cohort. Columns: ``cohort`` (start week, or "all"),
    ``area``, ``segments``, ``weeks_before``, ``weeks_after``, ``before``, ``after``,
    ``rate_before``/``rate_after`` (incidents per segment per week) and ``change_pct`` of the
    rate.
    """
    rows = []
    total: dict[str, dict] = {a: {"segments": set(), "wb": 0, "wa": 0, "b": 0.0, "a": 0.0,
                                  "sw_b": 0.0, "sw_a": 0.0} for a in AREAS}
    for win in windows:
        mem = _members(win, treat_week, spill_week, controls)
        (a0, a1), (b0, b1) = win.classic_pre, win.classic_post
        for area, units in mem.items():
            before = float(y[units, a0:a1].sum())
            after = float(y[units, b0:b1].sum())
            rows.append(_count_row(str(weeks[win.cohort].date()), area, len(units), a1 - a0,
                                   b1 - b0, before, after))
            t = total[area]
            t["segments"].update(units.tolist())
            t["b"] += before
            t["a"] += after
            t["sw_b"] += len(units) * (a1 - a0)
            t["sw_a"] += len(units) * (b1 - b0)
    if len(windows) > 1:
        for area in AREAS:
            t = total[area]
            row = _count_row("all", area, len(t["segments"]), np.nan, np.nan, t["b"], t["a"])
            row["rate_before"] = t["b"] / t["sw_b"] if t["sw_b"] else np.nan
            row["rate_after"] = t["a"] / t["sw_a"] if t["sw_a"] else np.nan
            row["change_pct"] = _pct(row["rate_before"], row["rate_after"])
            rows.append(row)
    return pd.DataFrame(rows)


def _count_row(cohort, area, n, wb, wa, before, after) -> dict:
    rb = before / (n * wb) if n and wb else np.nan
    ra = after / (n * wa) if n and wa else np.nan
    return {"cohort": cohort, "area": area, "segments": n, "weeks_before": wb,
            "weeks_after": wa, "before": before, "after": after, "rate_before": rb,
            "rate_after": ra, "change_pct": _pct(rb, ra)}


def _pct(before, after) -> float:
    if not np.isfinite(before) or before <= 0 or not np.isfinite(after):
        return float("nan")
    return 100.0 * (after / before - 1.0)


@dataclass(frozen=True)
class ClassicResult:
    """Bowers & Johnson measures and WDD per cohort and pooled over cohorts.

    ``table`` has one row per cohort (start week) plus "all" when there are several, with the
    six counts, ``gross_effect``, ``net_effect``, ``success_measure``, ``buffer_displacement``,
    ``wdq``, ``wdq_reason``, ``wdq_interpretation``, ``total_net_effect``,
    ``tne_interpretation`` and ``wdd_local``, ``wdd_displacement``, ``wdd``, ``wdd_se``,
    ``wdd_z``, ``wdd_p``, ``wdd_ci_low``, ``wdd_ci_high``. ``measures``/``wdd`` map the same
    labels to the result objects.
    """

    table: pd.DataFrame
    measures: dict[str, DisplacementMeasures]
    wdd: dict[str, WDDResult]


def classic_measures(y: np.ndarray, windows: list[CohortWindow], treat_week: np.ndarray,
                     spill_week: np.ndarray, controls: np.ndarray, *, length_m: np.ndarray,
                     weeks: pd.DatetimeIndex, area_weight: str = "segments",
                     alpha: float = 0.05) -> ClassicResult:
    """WDQ family and WDD for every cohort and pooled over cohorts.

    The control area is the same for the treated area and the buffer, so each cohort's WDD is
    :func:`~hotspots.intervention.measures.wdd` with ``shared_control=True``; time weights are
    (weeks before / weeks after, 1), putting the before counts on the after period's length;
    area weights put the control counts on the size (``area_weight``: number of segments or
    street length) of the treated area and of the buffer. The pooled WDD is the sum of the
    cohorts' WDDs; its variance is Σ a²·y over every (segment, week) count y with its total
    coefficient a, which accounts for control weeks shared by several cohorts. The pooled WDQ
    uses the counts summed over cohorts.
    """
    labels, bj, wd = [], {}, {}
    k_local = np.zeros_like(y, dtype=float)
    k_disp = np.zeros_like(y, dtype=float)
    sums = np.zeros(6)
    for win in windows:
        label = str(weeks[win.cohort].date())
        mem = _members(win, treat_week, spill_week, controls)
        (a0, a1), (b0, b1) = win.classic_pre, win.classic_post
        cnt = {a: (float(y[u, a0:a1].sum()), float(y[u, b0:b1].sum())) for a, u in mem.items()}
        six = (*cnt["treated"], *cnt["buffer"], *cnt["control"])
        sums += six
        bj[label] = bowers_johnson(*six)
        size = {a: _size(u, length_m, area_weight) for a, u in mem.items()}
        tw = ((a1 - a0) / (b1 - b0), 1.0)
        has_buffer = len(mem["buffer"]) > 0
        w_c = size["control"] / size["treated"]
        w_dc = size["control"] / size["buffer"] if has_buffer else 1.0
        wd[label] = wdd(cnt["control"], cnt["treated"],
                        cnt["control"] if has_buffer else (0.0, 0.0),
                        cnt["buffer"] if has_buffer else (0.0, 0.0),
                        time_weights=tw, area_weights=(w_c, 1.0, w_dc, 1.0), alpha=alpha,
                        shared_control=has_buffer)
        # the same WDD as coefficients on every count, for pooling
        pre = tw[0]
        _add(k_local, mem["treated"], (a0, a1), (b0, b1), 1.0, pre)
        _add(k_local, mem["control"], (a0, a1), (b0, b1), -1.0 / w_c, pre)
        if has_buffer:
            _add(k_disp, mem["buffer"], (a0, a1), (b0, b1), 1.0, pre)
            _add(k_disp, mem["control"], (a0, a1), (b0, b1), -1.0 / w_dc, pre)
        labels.append(label)
    if len(windows) > 1:
        bj["all"] = bowers_johnson(*sums)
        loc, v_loc = poisson_linear(k_local, y)
        dis, v_dis = poisson_linear(k_disp, y)
        tot, v_tot = poisson_linear(k_local + k_disp, y)
        wd["all"] = wdd_from_variances(loc, v_loc, dis, v_dis, tot, v_tot, alpha, True)
        labels.append("all")
    rows = []
    for label in labels:
        m, w = bj[label], wd[label]
        rows.append({"cohort": label, "r_before": m.r_before, "r_after": m.r_after,
                     "d_before": m.d_before, "d_after": m.d_after, "c_before": m.c_before,
                     "c_after": m.c_after, "gross_effect": m.gross_effect,
                     "net_effect": m.net_effect, "success_measure": m.success_measure,
                     "buffer_displacement": m.buffer_displacement, "wdq": m.wdq,
                     "wdq_reason": m.wdq_reason, "wdq_interpretation": m.wdq_interpretation,
                     "total_net_effect": m.total_net_effect,
                     "tne_interpretation": m.tne_interpretation, "wdd_local": w.local,
                     "wdd_displacement": w.displacement, "wdd": w.total, "wdd_se": w.total_se,
                     "wdd_z": w.z, "wdd_p": w.p, "wdd_ci_low": w.ci_low,
                     "wdd_ci_high": w.ci_high})
    return ClassicResult(pd.DataFrame(rows).set_index("cohort"), bj, wd)


def _size(units: np.ndarray, length_m: np.ndarray, how: str) -> float:
    if how == "none":
        return 1.0
    if how == "length":
        return float(length_m[units].sum()) if len(units) else 0.0
    return float(len(units))


def _add(k: np.ndarray, units, pre, post, scale: float, pre_weight: float) -> None:
    """Coefficients of scale·(after − before/pre_weight) on the units' counts."""
    if len(units) == 0:
        return
    k[np.ix_(units, np.arange(*post))] += scale
    k[np.ix_(units, np.arange(*pre))] -= scale / pre_weight
