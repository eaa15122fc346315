"""Knox contingency counts: bands of distance and time, observed and permuted tables (numba).

The spatial pairs within the largest finite distance are fixed; a permutation only moves the
time labels, so each permutation recounts the time band of those pairs (numba, in parallel over
permutations). Cells beyond the largest finite band ("more than") come from totals that no
permutation changes: the pairs per spatial band (the pairs do not move) and the pairs per time
band (a permutation of the times keeps the multiset of time differences).
"""

from __future__ import annotations

import numba
import numpy as np

_PERM_CHUNK = 64  # permutations drawn and counted at once (memory: chunk × n int64)


def spatial_bands(distance_m: np.ndarray, edges_m: np.ndarray, *, closed: str) -> np.ndarray:
    """Band of each distance: 0 same location (exactly 0), 1…k finite bands, k+1 "more than".

    ``edges_m`` are the k upper edges. ``closed="left"``: band i holds [e(i−1), e(i)) (band 1
    (0, e1)); ``closed="right"``: band i holds (e(i−1), e(i)].
    """
    side = "right" if closed == "left" else "left"
    band = 1 + np.searchsorted(edges_m, distance_m, side=side)
    return np.where(distance_m == 0, 0, band).astype(np.int64)


def temporal_bands(dt: np.ndarray, edges: np.ndarray, *, closed: str) -> np.ndarray:
    """Band of each time difference: 0…m−1 finite bands, m "more than" (edges: m upper edges)."""
    side = "right" if closed == "left" else "left"
    return np.searchsorted(edges, dt, side=side).astype(np.int64)


def pairs_per_time_band(t: np.ndarray, edges: np.ndarray, *, closed: str) -> np.ndarray:
    """Number of unordered pairs in each time band (m finite bands, then "more than").

    From the sorted times: the pairs with |Δt| below (or up to) an edge are counted by binary
    search, so no pair is enumerated. Times and edges are integers (exact differences).
    """
    n = len(t)
    ts = np.sort(np.asarray(t, dtype=np.int64))
    side = "left" if closed == "left" else "right"
    idx = np.arange(n)
    within = np.array([int((np.searchsorted(ts, ts + e, side=side) - idx - 1).sum())
                       for e in edges], dtype=np.int64)
    total = n * (n - 1) // 2
    cum = np.r_[within, total]
    return np.diff(np.r_[0, cum])


@numba.njit(parallel=True, cache=True, nogil=True)
def _count(first, second, sband, t, perms, t_edges, right_closed, n_s):  # pragma: no cover
    """Finite cells (n_s spatial × m temporal) of each permutation of the time labels."""
    n_perm = perms.shape[0]
    n_t = len(t_edges)
    n_pairs = len(first)
    out = np.zeros((n_perm, n_s, n_t), dtype=np.int64)
    for r in numba.prange(n_perm):
        perm = perms[r]
        tp = np.empty(len(perm), dtype=t.dtype)
        for i in range(len(perm)):
            tp[i] = t[perm[i]]
        local = np.zeros((n_s, n_t), dtype=np.int64)
        for p in range(n_pairs):
            dt = tp[first[p]] - tp[second[p]]
            if dt < 0:
                dt = -dt
            j = 0
            if right_closed:
                while j < n_t and t_edges[j] < dt:
                    j += 1
            else:
                while j < n_t and t_edges[j] <= dt:
                    j += 1
            if j < n_t:
                local[sband[p], j] += 1
        out[r] = local
    return out


def complete(finite: np.ndarray, row_totals: np.ndarray, col_totals: np.ndarray) -> np.ndarray:
    """Full tables (…, k+2, m+1) from the finite cells (…, k+1, m) and the invariant totals.

    ``row_totals``: pairs per finite spatial band (k+1); ``col_totals``: pairs per time band,
    "more than" included (m+1).
    """
    shape = (*finite.shape[:-2], finite.shape[-2] + 1, finite.shape[-1] + 1)
    full = np.zeros(shape, dtype=np.int64)
    full[..., :-1, :-1] = finite
    full[..., :-1, -1] = row_totals - finite.sum(axis=-1)
    full[..., -1, :-1] = col_totals[:-1] - finite.sum(axis=-2)
    full[..., -1, -1] = col_totals.sum() - full[..., :-1, :].sum(axis=(-2, -1)) \
        - full[..., -1, :-1].sum(axis=-1)
    return full


def knox_counts(first: np.ndarray, second: np.ndarray, sband: np.ndarray, t: np.ndarray,
                t_edges: np.ndarray, *, closed: str, n_spatial: int, permutations: int,
                seed: int | np.random.SeedSequence) -> tuple[np.ndarray, np.ndarray]:
    """Observed full table and the (permutations, k+2, m+1) tables of permuted time labels.

    ``first``/``second``/``sband`` are the pairs in the finite spatial bands (0…k, ``n_spatial``
    = k+1 of them); ``t`` integer times of the incidents; ``t_edges`` the m finite upper edges.
    Permutations are drawn with ``numpy.random.default_rng(seed)`` in fixed chunks, so the
    result depends on the seed only (not on the number of threads).
    """
    n = len(t)
    t = np.ascontiguousarray(t, dtype=np.int64)
    t_edges = np.ascontiguousarray(t_edges, dtype=np.int64)
    first = np.ascontiguousarray(first, dtype=np.int64)
    second = np.ascontiguousarray(second, dtype=np.int64)
    sband = np.ascontiguousarray(sband, dtype=np.int64)
    right = closed == "right"
    row_totals = np.bincount(sband, minlength=n_spatial).astype(np.int64)
    col_totals = pairs_per_time_band(t, t_edges, closed=closed)
    ident = np.arange(n, dtype=np.int64)[None, :]
    observed = complete(_count(first, second, sband, t, ident, t_edges, right, n_spatial)[0],
                        row_totals, col_totals)
    rng = np.random.default_rng(seed)
    sims = np.empty((permutations, n_spatial, len(t_edges)), dtype=np.int64)
    for lo in range(0, permutations, _PERM_CHUNK):
        size = min(_PERM_CHUNK, permutations - lo)
        perms = rng.permuted(np.broadcast_to(ident, (size, n)), axis=1)
        sims[lo:lo + size] = _count(first, second, sband, t, np.ascontiguousarray(perms),
                                    t_edges, right, n_spatial)
    return observed, complete(sims, row_totals, col_totals)


def summarise(observed: np.ndarray, sims: np.ndarray) -> dict[str, np.ndarray]:
    """Expected (mean, median), Knox ratios and one-sided p = (#{sim ≥ obs} + 1)/(R + 1)."""
    mean = sims.mean(axis=0)
    median = np.median(sims, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / mean
        ratio_median = observed / median
    ge = (sims >= observed[None]).sum(axis=0)
    p = (ge + 1) / (len(sims) + 1)
    return {"expected_mean": mean, "expected_median": median, "knox_ratio": ratio,
            "knox_ratio_median": ratio_median, "p_value": p}
