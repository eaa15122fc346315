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


@numba.njit(parallel=True, cache=True, nogil=True)
def _count_larger(values, indptr, weights, observed, direction, ids):  # pragma: no cover - numba
    """For each i: how many random lags Σ_k w_ik·values[rand_k] are ≥ observed[i] (or ≤ when
    direction[i] < 0; direction 0 counts every draw)."""
    n = len(indptr) - 1
    n_perm = ids.shape[0]
    out = np.zeros(n, dtype=np.int64)
    for i in numba.prange(n):
        a = indptr[i]
        card = indptr[i + 1] - a
        obs = observed[i]
        d = direction[i]
        cnt = 0
        for r in range(n_perm):
            s = 0.0
            for k in range(card):
                j = ids[r, k]
                if j >= i:
                    j += 1
                s += weights[a + k] * values[j]
            if d > 0:
                if s >= obs:
                    cnt += 1
            elif d < 0:
                if s <= obs:
                    cnt += 1
            else:
                cnt += 1
        out[i] = cnt
    return out


def conditional_permutation_p(
    values: np.ndarray,
    offdiag: sp.csr_array,
    *,
    direction: np.ndarray | None = None,
    permutations: int,
    seed: int,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Pseudo p-values (M + 1)/(R + 1) of the spatial lag Σ_j w_ij·values_j, conditional on i.

    The lag of each observation is compared with lags built from the same number of values drawn
    without replacement from the other n − 1 observations (conditional randomisation, Anselin
    1995). M counts the draws at least as extreme *in the direction of the observed value*
    (esda's "directed" convention: M = min(#≥, #≤ ) via R − #≥), so p ≤ 0.5 + 1/(R+1).
    ``direction`` (+1/−1/0 per observation) flips the comparison, for statistics that are the lag
    times a signed factor (local Moran). Observations without neighbours get p = 1.
    """
    offdiag = sp.csr_array(offdiag)
    offdiag.sort_indices()
    n = offdiag.shape[0]
    values = np.ascontiguousarray(values, dtype=np.float64)
    observed = offdiag @ values
    card = np.diff(offdiag.indptr)
    ids = permutation_ids(n, int(card.max(initial=0)), permutations, seed)
    if direction is None:
        direction = np.ones(n, dtype=np.int64)
    direction = np.ascontiguousarray(direction, dtype=np.int64)
    prev = numba.get_num_threads()
    if n_jobs is not None and n_jobs > 0:
        numba.set_num_threads(min(n_jobs, numba.config.NUMBA_NUM_THREADS))
    try:
        larger = _count_larger(
            values,
            offdiag.indptr.astype(np.int64),
            np.ascontiguousarray(offdiag.data, dtype=np.float64),
            observed,
            direction,
            ids,
        )
    finally:
        numba.set_num_threads(prev)
    low = (permutations - larger) < larger
    larger = np.where(low, permutations - larger, larger)
    p = (larger + 1.0) / (permutations + 1.0)
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
