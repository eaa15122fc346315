"""Space-time Getis–Ord Gi*: each bin against itself and its spatial neighbours at steps t−K…t."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import special

from hotspots._errors import ValidationError, problems_message
from hotspots.stats._inference import bh_adjust, permutation_ids
from hotspots.stats.gistar import to_bins
from hotspots.weights import to_sparse

__all__ = [
    "WEIGHT_STYLES",
    "WINDOWS",
    "SpaceTimeGiStar",
    "space_time_gi_star",
    "spatial_neighbourhood",
]

#: global windows a bin's value is compared with (ArcGIS "Define Global Window")
WINDOWS = ("entire_cube", "neighborhood_time_step", "individual_time_step")
#: spatial weights: binary (ArcGIS) or row-standardised with self (R sfdep, PyEhsa)
WEIGHT_STYLES = ("binary", "row_standardized")


@dataclass(frozen=True)
class SpaceTimeGiStar:
    """Gi* of every bin; arrays of shape (T, n), row = time step, column = segment.

    ``z``: Gi* z-score; ``p``: two-sided normal p of ``z`` (``inference="analytic"``) or the
    conditional-permutation pseudo p (``"permutation"``); ``p_adj``: Benjamini–Hochberg over
    all T·n bins; ``bins``: −3…3 (99/95/90 % with the sign of z) from ``p_adj`` when ``fdr``
    else from ``p`` (z and p never reflect FDR, as in ArcGIS); ``n_neighbors``: bins in each
    neighbourhood, the bin itself included. ``degenerate`` marks bins whose z is undefined (no
    variation in the global window, or a neighbourhood covering the whole window): z = 0, p = 1.
    """

    z: np.ndarray
    p: np.ndarray
    p_adj: np.ndarray
    bins: np.ndarray
    n_neighbors: np.ndarray
    degenerate: np.ndarray
    window: str
    k: int
    weights: str
    inference: str
    permutations: int
    seed: int | None
    fdr: bool

    @property
    def p_bins(self) -> np.ndarray:
        """The p-values the bins (and the emerging categories) are read from."""
        return self.p_adj if self.fdr else self.p


def space_time_gi_star(
    values: np.ndarray,
    w,
    *,
    segment_ids: pd.Index,
    k: int = 1,
    window: str = "entire_cube",
    weights: str = "binary",
    permutations: int = 0,
    seed: int | None = None,
    fdr: bool = True,
    n_jobs: int | None = None,
) -> SpaceTimeGiStar:
    """Gi* for each bin (segment i, step t) of a space-time cube.

    The neighbourhood of bin (i, t) is segment i and its spatial neighbours in ``w`` at steps
    t−K … t (ArcGIS Emerging Hot Spot Analysis; K = ``k``). With x̄, S (population standard
    deviation) and n taken over the global ``window``,

        Gi* = (Σ_j w_ij x_j − x̄ W_i) / (S √((n S1_i − W_i²)/(n − 1))),  W_i = Σ_j w_ij,
        S1_i = Σ_j w_ij²,

    the sums running over the space-time neighbourhood. Windows: ``"entire_cube"`` (all T·n
    bins; ArcGIS default), ``"neighborhood_time_step"`` (the bins of steps t−K…t),
    ``"individual_time_step"`` (the bins of step t; what R sfdep computes).

    First K steps: a bin at step t < K has only the t steps that exist before it; its
    neighbourhood is truncated (fewer bins, so smaller W_i and S1_i) rather than padded with
    zeros or dropped, so its z stays a standardised score of what was observed (as ArcGIS and
    sfdep do). ``n_neighbors`` records the size of every neighbourhood.

    Weights: ``"binary"`` gives every bin of the neighbourhood weight 1 (ArcGIS);
    ``"row_standardized"`` gives each spatial neighbour (self included) 1/(neighbours + 1) at
    every time step, as sfdep's ``st_weights(include_self(nb))`` repeated over the lags.

    Inference: ``permutations=0`` gives the analytic two-sided p = 2Φ(−|z|). With
    ``permutations > 0`` the p is sfdep's conditional permutation: the bin's neighbourhood
    (self included) is replaced by as many bins drawn without replacement from *all other
    bins of the cube* (any time step, as sfdep's ``cond_permute_nb``), and
    p = (min(#sim ≥ obs, #sim ≤ obs) + 1)/(R + 1), ties counted on both sides. Computed with
    sparse products per time lag and a numba kernel, never a Python loop over bins.

    Parameters
    ----------
    values : ndarray, shape (T, n)
        Analysis variable per step (rows, oldest first) and segment (columns), non-negative.
    w : libpysal Graph or W
        Spatial weights whose ids are ``segment_ids`` (from :mod:`hotspots.weights`); only
        which pairs are neighbours matters (weights are rebuilt as ``weights`` says).
    segment_ids : Index
        Segment id of each column of ``values``.
    k : int
        Neighbourhood time step K ≥ 0 (previous steps in each neighbourhood).
    window, weights : str
        See above.
    permutations : int
        0 for analytic p; R > 0 for permutation p.
    seed : int or None
        Seed of the permutations (recorded).
    fdr : bool
        Bins from Benjamini–Hochberg adjusted p over all bins (ArcGIS EHSA: always).
    n_jobs : int or None
        Numba threads for the permutations (results do not depend on it).

    Returns
    -------
    SpaceTimeGiStar
    """
    x, a_star = _check(values, w, segment_ids, k, window, weights, permutations)
    t_steps, n = x.shape
    card = np.diff(a_star.indptr).astype(float)
    lag_sum = _time_window_sum((a_star @ x.T).T, k)  # Σ of values over each neighbourhood
    n_lags = np.minimum(np.arange(t_steps), k) + 1.0
    n_nb = n_lags[:, None] * card[None, :]
    if weights == "binary":
        lag, w_sum, s1 = lag_sum, n_nb, n_nb
    else:
        lag = lag_sum / card[None, :]
        w_sum = np.broadcast_to(n_lags[:, None], (t_steps, n))
        s1 = n_lags[:, None] / card[None, :]
    mean, sd, n_win = _window_moments(x, k, window)
    spread = (n_win[:, None] * s1 - w_sum**2) / (n_win[:, None] - 1.0)
    degenerate = (sd[:, None] <= 0) | (spread <= 1e-12 * np.maximum(w_sum**2, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lag - mean[:, None] * w_sum) / (sd[:, None] * np.sqrt(spread))
    z = np.where(degenerate, 0.0, z)
    if permutations:
        p = _permutation_p(x, lag_sum, n_nb, permutations, seed, n_jobs)
    else:
        p = 2.0 * special.ndtr(-np.abs(z))  # = 2 norm.sf(|z|), without its argument checks
    p = np.where(degenerate, 1.0, p)
    p_adj = bh_adjust(p.ravel()).reshape(p.shape)
    bins = to_bins(z.ravel(), (p_adj if fdr else p).ravel()).reshape(p.shape).astype(np.int8)
    return SpaceTimeGiStar(
        z=z, p=p, p_adj=p_adj, bins=bins, n_neighbors=n_nb.astype(np.int64),
        degenerate=degenerate, window=window, k=int(k), weights=weights,
        inference="permutation" if permutations else "analytic",
        permutations=int(permutations), seed=seed, fdr=bool(fdr),
    )


def _check(values, w, segment_ids, k, window, weights, permutations):
    problems = []
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.shape[0] < 1:
        problems.append(f"values: expected a (time steps × segments) array, got shape {x.shape}")
    elif not np.isfinite(x).all():
        problems.append(f"values: {int((~np.isfinite(x)).sum())} values are missing or infinite")
    elif (x < 0).any():
        problems.append("values: Gi* needs non-negative counts or rates; "
                        f"{int((x < 0).sum())} are negative")
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 0:
        problems.append(f"k={k!r}: the neighbourhood time step must be a whole number ≥ 0")
    if window not in WINDOWS:
        problems.append(f"window={window!r}: expected one of {WINDOWS}")
    if weights not in WEIGHT_STYLES:
        problems.append(f"weights={weights!r}: expected one of {WEIGHT_STYLES}")
    if not isinstance(permutations, int | np.integer) or permutations < 0:
        problems.append(f"permutations={permutations!r}: expected a whole number ≥ 0")
    ids = pd.Index(segment_ids)
    if x.ndim == 2 and len(ids) != x.shape[1]:
        problems.append(f"segment_ids: {len(ids)} ids for {x.shape[1]} columns of values")
    if problems:
        raise ValidationError(problems_message("space_time_gi_star: invalid input:", problems))
    if x.sum() <= 0:
        raise ValidationError(
            "space_time_gi_star: every bin of the cube is zero (no incidents in the window), so "
            "there is no pattern to test; check the period or the incidents"
        )
    return x, spatial_neighbourhood(w, ids)


def spatial_neighbourhood(w, segment_ids: pd.Index) -> sp.csr_array:
    """Binary (n × n) matrix of each segment's spatial neighbourhood, the segment included.

    Rows and columns follow ``segment_ids``; any non-zero weight of ``w`` counts as a neighbour.
    """
    mat = to_sparse(w, pd.Index(segment_ids), what="space-time weights")
    off = sp.csr_array(sp.csr_array(mat, dtype=float) != 0, dtype=float)
    off = sp.csr_array(off - sp.diags_array(off.diagonal()))
    off.eliminate_zeros()
    off.data[:] = 1.0
    a_star = sp.csr_array(off + sp.eye_array(len(segment_ids), format="csr"))
    a_star.sort_indices()
    return a_star


def _time_window_sum(per_step: np.ndarray, k: int) -> np.ndarray:
    """out[t] = Σ_{l=0..min(t,K)} per_step[t−l] (one vector operation per lag)."""
    out = per_step.copy()
    for lag in range(1, min(k, per_step.shape[0] - 1) + 1):
        out[lag:] += per_step[:-lag]
    return out


def _window_moments(x: np.ndarray, k: int, window: str):
    """Mean, population SD and number of bins of the global window of each step."""
    t_steps, n = x.shape
    if window == "entire_cube":
        return (np.full(t_steps, x.mean()), np.full(t_steps, x.std()),
                np.full(t_steps, float(x.size)))
    if window == "individual_time_step":
        return x.mean(axis=1), x.std(axis=1), np.full(t_steps, float(n))
    mean = np.empty(t_steps)
    sd = np.empty(t_steps)
    for t in range(t_steps):  # one pass per time step (T of them), two-pass moments
        block = x[max(0, t - k): t + 1]
        mean[t] = block.mean()
        sd[t] = block.std()
    n_win = (np.minimum(np.arange(t_steps), k) + 1.0) * n
    return mean, sd, n_win


@numba.njit(parallel=True, cache=True, nogil=True)
def _count_extremes(values, card, observed, ids):  # pragma: no cover - numba
    """For each bin b: how many random neighbourhood sums are ≥ and ≤ observed[b] (ties both)."""
    nb = len(values)
    n_perm = ids.shape[0]
    ge = np.zeros(nb, dtype=np.int64)
    le = np.zeros(nb, dtype=np.int64)
    for b in numba.prange(nb):
        c = card[b]
        obs = observed[b]
        tol = 1e-9 * max(1.0, abs(obs))
        n_ge = 0
        n_le = 0
        for r in range(n_perm):
            s = 0.0
            for q in range(c):
                j = ids[r, q]
                if j >= b:
                    j += 1
                s += values[j]
            if s >= obs - tol:
                n_ge += 1
            if s <= obs + tol:
                n_le += 1
        ge[b] = n_ge
        le[b] = n_le
    return ge, le


def _permutation_p(x, lag_sum, n_nb, permutations, seed, n_jobs):
    flat = np.ascontiguousarray(x.ravel())
    card = np.ascontiguousarray(n_nb.ravel().astype(np.int64))
    ids = permutation_ids(len(flat), int(card.max()), permutations, seed)
    card = np.minimum(card, ids.shape[1])  # a neighbourhood cannot exceed the other bins
    prev = numba.get_num_threads()
    if n_jobs is not None and n_jobs > 0:
        numba.set_num_threads(min(n_jobs, numba.config.NUMBA_NUM_THREADS))
    try:
        ge, le = _count_extremes(flat, card, np.ascontiguousarray(lag_sum.ravel()), ids)
    finally:
        numba.set_num_threads(prev)
    p = (np.minimum(ge, le) + 1.0) / (permutations + 1.0)
    return p.reshape(x.shape)
