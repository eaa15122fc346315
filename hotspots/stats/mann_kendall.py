"""Mann–Kendall trend test vectorised over many series: tie-corrected variance, continuity correction."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy import special

from hotspots._errors import ValidationError

__all__ = ["MannKendallResult", "mann_kendall"]


@dataclass(frozen=True)
class MannKendallResult:
    """Mann–Kendall statistics of each series (arrays of length ``len(series)``).

    ``s`` is S = Σ_{a<b} sgn(x_b − x_a); ``var_s`` its variance under no trend, corrected for
    ties; ``z`` the continuity-corrected normal score; ``p`` the two-sided p-value; ``tau``
    Kendall's tau-b between time and the series (S divided by √((N₀ − Σ t(t−1)/2)·N₀), N₀ =
    n(n−1)/2; equal to S/N₀ when there are no ties). ``n_steps`` is the series length.
    """

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray
    n_steps: int


def mann_kendall(series: np.ndarray) -> MannKendallResult:
    """Mann–Kendall test of each row of ``series`` (shape (m, T); a 1-D array is one series).

    Formulas (Mann 1945, Kendall 1975; as ArcGIS's Emerging Hot Spot Analysis and
    ``pymannkendall.original_test``):

    - S = Σ_{a<b} sgn(x_b − x_a), time order = column order;
    - Var(S) = [T(T−1)(2T+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18, t_g the sizes of groups of
      exactly equal values;
    - Z = (S − 1)/√Var if S > 0, 0 if S = 0, (S + 1)/√Var if S < 0;
    - p = 2·(1 − Φ(|Z|)) (two-sided), computed as 2·Φ(−|Z|) to keep small p exact.

    A series whose variance is zero (T < 2 or all values equal) gets Z = 0, p = 1, tau = 0.
    S is counted by a numba kernel (one pass over the T(T−1)/2 pairs of each row), the tie
    terms vectorised over all series at once; never a Python loop over series.

    Parameters
    ----------
    series : ndarray, shape (m, T) or (T,)
        Finite values; each row one series in time order.

    Returns
    -------
    MannKendallResult
    """
    x = np.asarray(series, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise ValidationError(
            f"mann_kendall: expected a 2-D array (series × time steps), got shape {x.shape}"
        )
    bad = ~np.isfinite(x)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValidationError(
            f"mann_kendall: {int(bad.sum())} values are missing or infinite (first at series "
            f"{row}, time step {col}); the trend test needs a complete series"
        )
    m, t = x.shape
    s = _s_statistic(np.ascontiguousarray(x))
    tie_var, tie_pairs = _tie_terms(x)
    var_s = (t * (t - 1) * (2 * t + 5) - tie_var) / 18.0
    z = np.zeros(m)
    ok = var_s > 0
    sd = np.sqrt(np.where(ok, var_s, 1.0))
    z = np.where(ok & (s > 0), (s - 1) / sd, z)
    z = np.where(ok & (s < 0), (s + 1) / sd, z)
    p = 2.0 * special.ndtr(-np.abs(z))  # = 2 norm.sf(|z|), without its argument checks
    n0 = t * (t - 1) / 2.0
    denom = np.sqrt(np.maximum(n0 - tie_pairs, 0.0) * n0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(denom > 0, s / np.where(denom > 0, denom, 1.0), 0.0)
    return MannKendallResult(s=s, var_s=var_s, z=z, p=p, tau=tau, n_steps=t)


@numba.njit(cache=True, nogil=True)
def _s_statistic(x):  # pragma: no cover - numba
    """S = Σ_{a<b} sgn(x_b − x_a) of each row (exact integers)."""
    m, t = x.shape
    out = np.zeros(m, dtype=np.int64)
    for i in range(m):
        acc = 0
        for a in range(t - 1):
            xa = x[i, a]
            for b in range(a + 1, t):
                d = x[i, b] - xa
                acc += (d > 0) - (d < 0)
        out[i] = acc
    return out


def _tie_terms(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: Σ t(t−1)(2t+5) and Σ t(t−1)/2 over groups of equal values (vectorised)."""
    m, t = x.shape
    if t == 0:
        return np.zeros(m), np.zeros(m)
    srt = np.sort(x, axis=1)
    start = np.ones((m, t), dtype=bool)
    start[:, 1:] = srt[:, 1:] != srt[:, :-1]
    flat = np.flatnonzero(start.ravel())  # every row starts a group at its column 0
    sizes = np.diff(np.r_[flat, m * t]).astype(float)
    rows = flat // t
    var_term = np.bincount(rows, weights=sizes * (sizes - 1) * (2 * sizes + 5), minlength=m)
    pair_term = np.bincount(rows, weights=sizes * (sizes - 1) / 2.0, minlength=m)
    return var_term, pair_term
