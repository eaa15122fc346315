"""Shared inference plumbing: conditional permutations (numba), Benjamini–Hochberg, input checks."""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp

from hotspots._errors import ValidationError


def permutation_ids(n: int, max_card: int, permutations: int, seed: int) -> np.ndarray:
    """(permutations, max_card) indices into the n − 1 *other* observations, distinct per row.

    Shared by every observation (as esda's ``crand``): for observation i an index ``j ≥ i`` means
    observation ``j + 1``, so i is never its own random neighbour. Deterministic for a seed,
    whatever the number of threads.
    """
    rng = np.random.default_rng(seed)
    max_card = min(max_card, n - 1)
    if max_card <= 0:
        return np.zeros((permutations, 0), dtype=np.int64)
    if max_card * 20 > n - 1:  # dense neighbourhoods: full partial shuffles
        ids = np.argsort(rng.random((permutations, n - 1)), axis=1)[:, :max_card]
        return np.ascontiguousarray(ids, dtype=np.int64)
    ids = rng.integers(0, n - 1, size=(permutations, max_card), dtype=np.int64)
    while True:  # redraw the rows that sampled an index twice (rare when max_card² ≪ n)
        srt = np.sort(ids, axis=1)
        bad = np.nonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))[0]
        if len(bad) == 0:
            return ids
        ids[bad] = rng.integers(0, n - 1, size=(len(bad), max_card), dtype=np.int64)


#: two lags closer than this share of their scale (cardinality × max |value|) are a tie: sums of
#: the same values taken in another order differ by a few ulps, which must not break a tie
TIE_RTOL = 1e-9


_OBS_BLOCK = 256  # observations per parallel task of the permutation kernel


@numba.njit(parallel=True, cache=True, nogil=True)
def _count_extremes(values, indptr, weights, observed, tol, ids):  # pragma: no cover - numba
    """For each i: how many random lags Σ_k w_ik·values[rand_k] are ≥ observed[i] and how many
    are ≤ observed[i] (a draw within ``tol[i]`` of the observed lag counts on both sides).

    The draws are laid out once as (draw k, permutation r) tables of the value an observation
    below the drawn index sees (``values[j]``) and the one an observation at or above it sees
    (``values[j + 1]``, its own index skipped); the lags of one observation are then summed
    over k for all R permutations at once, the innermost loop running over r (contiguous, no
    gather, so it vectorises). Each lag adds the same terms in the same order as a loop over
    k per permutation, so the sums, and the counts, are the same to the bit.
    """
    n = len(indptr) - 1
    n_perm, width = ids.shape
    drawn = np.empty((width, n_perm), dtype=np.int32)
    below = np.empty((width, n_perm), dtype=np.float64)
    above = np.empty((width, n_perm), dtype=np.float64)
    for k in range(width):
        for r in range(n_perm):
            j = ids[r, k]
            drawn[k, r] = j
            below[k, r] = values[j]
            above[k, r] = values[j + 1] if j + 1 < len(values) else 0.0
    n_ge = np.zeros(n, dtype=np.int64)
    n_le = np.zeros(n, dtype=np.int64)
    n_blocks = (n + _OBS_BLOCK - 1) // _OBS_BLOCK
    for blk in numba.prange(n_blocks):
        lag = np.empty(n_perm, dtype=np.float64)
        for i in range(blk * _OBS_BLOCK, min(n, (blk + 1) * _OBS_BLOCK)):
            a = indptr[i]
            card = indptr[i + 1] - a
            for r in range(n_perm):
                lag[r] = 0.0
            for k in range(card):
                w = weights[a + k]
                for r in range(n_perm):
                    v = above[k, r] if drawn[k, r] >= i else below[k, r]
                    lag[r] += w * v
            low = observed[i] - tol[i]
            high = observed[i] + tol[i]
            ge = 0
            le = 0
            for r in range(n_perm):
                ge += lag[r] >= low
                le += lag[r] <= high
            n_ge[i] = ge
            n_le[i] = le
    return n_ge, n_le


#: the permutation kernel under its former name (main's ``hotspots._jit`` lists it as such)
_count_larger = _count_extremes


def conditional_permutation_p(
    values: np.ndarray,
    offdiag: sp.csr_array,
    *,
    direction: np.ndarray | None = None,
    permutations: int,
    seed: int,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Tie-aware pseudo p-values (M + 1)/(R + 1) of the spatial lag Σ_j w_ij·values_j given i.

    The lag of each observation is compared with lags built from the same number of values drawn
    without replacement from the other n − 1 observations (conditional randomisation, Anselin
    1995). M = min(#{lag_sim ≥ lag_obs}, #{lag_sim ≤ lag_obs}): a draw equal to the observed lag
    counts on *both* sides, so p ≤ 0.5 + 1/(R+1) only when ties are rare, and a lag that ties
    with most draws (an all-zero neighbourhood among mostly-zero counts) gets a p near 1, as an
    exact enumeration of the draws gives. Two lags within ``TIE_RTOL`` × card × max|value| are
    equal (float sums of the same values in another order differ by a few ulps).

    This differs from esda (``crand``: M = #≥, folded with R − #≥ = #<, i.e. min(#≥, #<)): on
    zero-heavy street-segment counts esda reports p = 1/(R+1) for a segment whose neighbours all
    have zero incidents although most draws tie with it. Without ties the two agree.

    ``direction`` (+1/−1/0 per observation) is the sign of the factor a statistic applies to the
    lag (local Moran: sign of z_i); min(#≥, #≤) does not depend on a non-zero sign, and where
    it is 0 the statistic is identically 0 under the null (every draw ties) so p = 1.
    Observations without neighbours get p = 1.
    """
    offdiag = sp.csr_array(offdiag)
    offdiag.sort_indices()
    n = offdiag.shape[0]
    values = np.ascontiguousarray(values, dtype=np.float64)
    weights = np.ascontiguousarray(offdiag.data, dtype=np.float64)
    observed = offdiag @ values
    card = np.diff(offdiag.indptr)
    ids = permutation_ids(n, int(card.max(initial=0)), permutations, seed)
    scale = float(np.abs(values).max(initial=0.0))
    wmax = np.zeros(n)
    if len(weights):
        wmax = np.maximum.reduceat(np.abs(weights), np.minimum(offdiag.indptr[:-1],
                                                               len(weights) - 1))
        wmax[card == 0] = 0.0
    tol = TIE_RTOL * card * wmax * scale
    prev = numba.get_num_threads()
    if n_jobs is not None and n_jobs > 0:
        numba.set_num_threads(min(n_jobs, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    try:
        n_ge, n_le = _count_extremes(
            values, offdiag.indptr.astype(np.int64), weights, observed,
            np.ascontiguousarray(tol, dtype=np.float64), ids,
        )
    finally:
        numba.set_num_threads(prev)
    extreme = np.minimum(n_ge, n_le)
    p = (extreme + 1.0) / (permutations + 1.0)
    if direction is not None:
        p[np.asarray(direction) == 0] = 1.0
    p[card == 0] = 1.0
    return p


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values over all features (NaN stays NaN).

    p_adj(i) = min over k ≥ rank(i) of p_(k)·n/k, capped at 1; a feature is significant at FDR
    level α exactly when p_adj ≤ α (the largest i with p_(i) ≤ i·α/n rule). Note R spdep's
    ``p.adjustSP`` divides by the number of neighbours + 1 instead of n: a different convention.
    """
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    order = np.argsort(q, kind="mergesort")
    scaled = q[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(scaled[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out


def check_values(y: pd.Series | np.ndarray, *, what: str, min_n: int = 3) -> pd.Series:
    """A float Series (index kept; a RangeIndex for arrays), finite, non-constant, ≥ min_n rows."""
    if isinstance(y, pd.DataFrame):
        raise ValidationError(f"{what}: give one column (a Series), not a DataFrame")
    s = y.copy() if isinstance(y, pd.Series) else pd.Series(np.asarray(y))
    try:
        s = s.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{what}: values must be numbers (got dtype {s.dtype})") from exc
    if len(s) < min_n:
        raise ValidationError(f"{what}: needs at least {min_n} features, got {len(s)}")
    bad = ~np.isfinite(s.to_numpy())
    if bad.any():
        raise ValidationError(
            f"{what}: {int(bad.sum())} values are missing or infinite (first at index "
            f"{s.index[bad][0]!r}); fill or drop them before the analysis"
        )
    if np.ptp(s.to_numpy()) == 0:
        raise ValidationError(
            f"{what}: all {len(s)} values equal {s.iloc[0]!r} (zero variance), so there is no "
            "pattern to test; check the column or the period analysed"
        )
    if s.index.has_duplicates:
        raise ValidationError(f"{what}: the index has duplicate ids; ids must be unique")
    return s


def check_permutations(permutations: int, *, what: str) -> int:
    """Permutations must be an integer ≥ 0."""
    if not isinstance(permutations, int | np.integer) or permutations < 0:
        raise ValidationError(
            f"{what}: permutations={permutations!r} must be an integer ≥ 0 "
            "(999 is the usual choice; 0 skips the permutation test)"
        )
    return int(permutations)


def check_alpha(alpha: float, *, what: str) -> float:
    """Alpha must lie in (0, 1)."""
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise ValidationError(f"{what}: alpha={alpha!r} must be a probability between 0 and 1")
    return float(alpha)
