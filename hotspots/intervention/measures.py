"""Classic displacement measures: Bowers & Johnson's WDQ family and Wheeler & Ratcliffe's WDD test.

Notation (Bowers & Johnson 2003; formulas as in Guerette 2009, POP Center tool guide 10,
appendix B): R the treated ("response") area, D the displacement buffer, C the control area;
b before and a after the start, over periods of equal length.

- gross effect = R_b − R_a
- net effect = R_b/C_b − R_a/C_a
- success measure SM = R_a/C_a − R_b/C_b (< 0: the treated area improved relative to control)
- buffer displacement measure BDM = D_a/C_a − D_b/C_b
- WDQ = BDM / SM, meaningful only when SM < 0
- total net effect TNE = [R_b·C_a/C_b − R_a] + [D_b·C_a/C_b − D_a] (> 0: incidents prevented)

Weighted displacement difference (Wheeler & Ratcliffe 2018, Crime Science 7:11), with counts
pre (0) and post (1): local = (T₁ − T₀) − (C₁ − C₀), displacement = (D₁ − D₀) − (Cd₁ − Cd₀),
WDD = local + displacement; each count X divided by its weight w (time × area, for unequal
periods or area sizes) and, the counts being independent Poisson, Var = Σ X / w²; z = WDD/√Var.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from hotspots._errors import ValidationError

__all__ = [
    "WDQ_INTERPRETATIONS",
    "WDQ_UNDEFINED",
    "DisplacementMeasures",
    "WDDResult",
    "bowers_johnson",
    "poisson_linear",
    "wdd",
    "wdd_from_variances",
]

#: why a WDQ is undefined
WDQ_UNDEFINED = ("control_before_zero", "control_after_zero", "no_success")
#: what a WDQ value means (Bowers & Johnson 2003; Guerette 2009)
WDQ_INTERPRETATIONS = ("diffusion_greater", "diffusion", "no_displacement",
                       "displacement_smaller", "displacement_equal", "displacement_greater")


@dataclass(frozen=True)
class DisplacementMeasures:
    """Bowers & Johnson's measures for one treated area, buffer and control area.

    ``wdq`` is NaN when undefined, with ``wdq_reason`` one of :data:`WDQ_UNDEFINED`
    ("control_before_zero": C_b = 0; "control_after_zero": C_a = 0; "no_success": SM ≥ 0, the
    treated area did not improve relative to control, so there is no effect to displace);
    otherwise ``wdq_reason`` is "" and ``wdq_interpretation`` one of
    :data:`WDQ_INTERPRETATIONS`: > 1 diffusion of benefits larger than the direct effect,
    (0, 1] diffusion of benefits, 0 neither displacement nor diffusion, (−1, 0) displacement
    smaller than the direct effect (a net benefit), −1 displacement cancelling it, < −1
    displacement larger than the direct effect. ``tne_interpretation`` is "reduction"
    (TNE > 0), "no_change" or "increase"; TNE is NaN when C_b = 0.
    """

    r_before: float
    r_after: float
    d_before: float
    d_after: float
    c_before: float
    c_after: float
    gross_effect: float
    net_effect: float
    success_measure: float
    buffer_displacement: float
    wdq: float
    wdq_reason: str
    wdq_interpretation: str
    total_net_effect: float
    tne_interpretation: str


def bowers_johnson(r_before: float, r_after: float, d_before: float, d_after: float,
                   c_before: float, c_after: float) -> DisplacementMeasures:
    """Gross and net effect, SM, BDM, WDQ and TNE from the six counts (equal periods).

    Parameters
    ----------
    r_before, r_after : incidents in the treated area before / after.
    d_before, d_after : incidents in the buffer before / after.
    c_before, c_after : incidents in the control area before / after.

    Returns
    -------
    DisplacementMeasures
    """
    vals = [r_before, r_after, d_before, d_after, c_before, c_after]
    if any((not math.isfinite(float(v))) or float(v) < 0 for v in vals):
        raise ValidationError(f"bowers_johnson: counts must be finite and ≥ 0, got {vals}")
    rb, ra, db, da, cb, ca = (float(v) for v in vals)
    nan = float("nan")
    gross = rb - ra
    net = rb / cb - ra / ca if cb > 0 and ca > 0 else nan
    sm = ra / ca - rb / cb if cb > 0 and ca > 0 else nan
    bdm = da / ca - db / cb if cb > 0 and ca > 0 else nan
    if cb == 0:
        reason = "control_before_zero"
    elif ca == 0:
        reason = "control_after_zero"
    elif sm >= 0:
        reason = "no_success"
    else:
        reason = ""
    wdq = bdm / sm if not reason else nan
    interp = "" if reason else _wdq_meaning(wdq)
    tne = (rb * ca / cb - ra) + (db * ca / cb - da) if cb > 0 else nan
    if math.isnan(tne):
        tne_i = ""
    else:
        tne_i = "reduction" if tne > 1e-12 else ("increase" if tne < -1e-12 else "no_change")
    return DisplacementMeasures(rb, ra, db, da, cb, ca, gross, net, sm, bdm, wdq, reason,
                                interp, tne, tne_i)


def _wdq_meaning(wdq: float) -> str:
    eps = 1e-12
    if wdq > 1:
        return "diffusion_greater"
    if wdq > eps:
        return "diffusion"
    if wdq >= -eps:
        return "no_displacement"
    if wdq > -1 + eps:
        return "displacement_smaller"
    if wdq >= -1 - eps:
        return "displacement_equal"
    return "displacement_greater"


@dataclass(frozen=True)
class WDDResult:
    """Weighted displacement difference with its Poisson standard errors.

    ``local`` = weighted (T₁ − T₀) − (C₁ − C₀); ``displacement`` = weighted (D₁ − D₀) −
    (Cd₁ − Cd₀); ``total`` = their sum, in incidents (per unit of the weights); ``z`` and the
    two-sided ``p`` test total = 0; ``ci_low``/``ci_high`` the (1 − alpha) normal interval of
    ``total``. Negative values mean fewer incidents than the control trend predicts.
    """

    local: float
    local_se: float
    displacement: float
    displacement_se: float
    total: float
    total_se: float
    z: float
    p: float
    ci_low: float
    ci_high: float
    alpha: float
    shared_control: bool


def wdd(
    control: tuple[float, float],
    treated: tuple[float, float],
    disp_control: tuple[float, float] = (0.0, 0.0),
    disp_treated: tuple[float, float] = (0.0, 0.0),
    *,
    time_weights: tuple[float, float] = (1.0, 1.0),
    area_weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
    alpha: float = 0.05,
    shared_control: bool = False,
) -> WDDResult:
    """Wheeler & Ratcliffe's WDD test from (pre, post) counts of each area.

    Parameters
    ----------
    control, treated, disp_control, disp_treated : (pre, post) counts of the control area, the
        treated area, the displacement buffer's control area and the buffer.
    time_weights : lengths of the (pre, post) periods in any unit (e.g. (2, 1): two years
        before, one after); counts are divided by them.
    area_weights : sizes of (control, treated, disp_control, disp_treated) in any unit.
    alpha : 1 − confidence level of the interval.
    shared_control : True when ``disp_control`` is the same area (same counts) as ``control``:
        the two terms then share those counts and the variance of the total includes their
        covariance (Σ over each count of its total coefficient² × count); with separate control
        areas (False, the published design) the variances simply add.

    Returns
    -------
    WDDResult
    """
    counts = [*control, *treated, *disp_control, *disp_treated]
    if len(counts) != 8 or any((not math.isfinite(float(v))) or float(v) < 0 for v in counts):
        raise ValidationError(f"wdd: each area needs (pre, post) counts ≥ 0, got {counts}")
    tw = [float(v) for v in time_weights]
    aw = [float(v) for v in area_weights]
    if len(tw) != 2 or len(aw) != 4 or any(not (v > 0 and math.isfinite(v)) for v in tw + aw):
        raise ValidationError(f"wdd: weights must be positive numbers, got time {time_weights}, "
                              f"area {area_weights}")
    if not 0 < alpha < 1:
        raise ValidationError(f"wdd: alpha={alpha!r} must be between 0 and 1")
    if shared_control and tuple(disp_control) != tuple(control):
        raise ValidationError("wdd: shared_control=True needs disp_control equal to control")
    c0, c1 = (float(v) for v in control)
    t0, t1 = (float(v) for v in treated)
    dc0, dc1 = (float(v) for v in disp_control)
    d0, d1 = (float(v) for v in disp_treated)
    w_c, w_t, w_dc, w_d = aw
    pre, post = tw
    local = (t1 / (post * w_t) - t0 / (pre * w_t)) - (c1 / (post * w_c) - c0 / (pre * w_c))
    var_local = (t1 / (post * w_t) ** 2 + t0 / (pre * w_t) ** 2
                 + c1 / (post * w_c) ** 2 + c0 / (pre * w_c) ** 2)
    disp = (d1 / (post * w_d) - d0 / (pre * w_d)) - (dc1 / (post * w_dc) - dc0 / (pre * w_dc))
    var_disp = (d1 / (post * w_d) ** 2 + d0 / (pre * w_d) ** 2
                + dc1 / (post * w_dc) ** 2 + dc0 / (pre * w_dc) ** 2)
    var_tot = var_local + var_disp
    if shared_control:  # the same control counts enter both terms with the same sign
        var_tot += 2 * c1 / (post * w_c * post * w_dc) + 2 * c0 / (pre * w_c * pre * w_dc)
    return wdd_from_variances(local, var_local, disp, var_disp, local + disp, var_tot, alpha,
                       shared_control)


def poisson_linear(coefficients: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
    """Σ a·y and its variance Σ a²·y for independent Poisson counts y (any shapes alike).

    The general form of the WDD variance: used for WDDs pooled over cohorts whose control
    counts overlap in time.
    """
    a = np.asarray(coefficients, float)
    y = np.asarray(counts, float)
    return float(np.sum(a * y)), float(np.sum(a * a * y))


def wdd_from_variances(local: float, var_local: float, disp: float, var_disp: float,
                       total: float, var_tot: float, alpha: float, shared: bool) -> WDDResult:
    """A :class:`WDDResult` from estimates and variances already computed (e.g. pooled)."""
    se = math.sqrt(var_tot)
    q = float(norm.ppf(1 - alpha / 2))
    z = total / se if se > 0 else (0.0 if total == 0 else math.copysign(math.inf, total))
    p = float(2 * norm.sf(abs(z)))
    return WDDResult(local=local, local_se=math.sqrt(var_local), displacement=disp,
                     displacement_se=math.sqrt(var_disp), total=total, total_se=se, z=z, p=p,
                     ci_low=total - q * se, ci_high=total + q * se, alpha=alpha,
                     shared_control=shared)
