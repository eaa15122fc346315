"""Getis–Ord Gi* hot spots: analytic z, conditional-permutation and FDR-adjusted p, ArcGIS bins."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from hotspots._errors import ValidationError
from hotspots.stats._inference import (
    bh_adjust,
    check_alpha,
    check_permutations,
    check_values,
    conditional_permutation_p,
)
from hotspots.weights import to_sparse

__all__ = [
    "BIN_LEVELS", "GI_COLUMNS", "GiStarResult", "bin_counts", "gi_star", "gi_star_z", "to_bins"
]

#: output columns of :func:`gi_star`
GI_COLUMNS = ("gi_z", "gi_p", "gi_p_sim", "gi_p_adj", "gi_bin", "gi_bin_nofdr", "gi_nneighbors")
#: confidence levels of ArcGIS Pro's Gi_Bin: |bin| = 3, 2, 1 at p ≤ 0.01, 0.05, 0.10
BIN_LEVELS = ((3, 0.01), (2, 0.05), (1, 0.10))


@dataclass(frozen=True)
class GiStarResult:
    """Gi* per feature (``frame``, indexed like ``y``) with the parameters and seed used."""

    frame: pd.DataFrame
    permutations: int
    seed: int | None
    fdr: bool
    bin_p: str
    parameters: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Number of features per bin, e.g. {'hot_99': 4, ..., 'not_significant': 80}."""
        return bin_counts(self.frame["gi_bin"])


def gi_star(
    y: pd.Series | np.ndarray,
    w,
    *,
    permutations: int = 999,
    seed: int | None = 20171,
    fdr: bool = True,
    alpha: float = 0.05,
    bin_p: str = "analytic",
    n_jobs: int | None = None,
) -> GiStarResult:
    """Getis–Ord Gi* of ``y`` with binary weights that include each feature itself.

    ``w`` is a libpysal Graph or W (e.g. from :mod:`hotspots.weights`) whose ids are ``y``'s
    index; its weights are made binary and the diagonal is set to 1, as esda's
    ``G_Local(y, w, star=True, transform="B")`` (the analytic z equals esda's ``Zs``).

    Columns of ``result.frame``:

    - ``gi_z``: analytic z-score (Getis & Ord 1992/1995 moments under randomisation);
    - ``gi_p``: two-sided normal p-value of ``gi_z`` (ArcGIS's GiPValue; esda's ``p_norm`` is
      one-sided, half of it);
    - ``gi_p_sim``: tie-aware conditional-permutation pseudo p (M+1)/(R+1) with
      M = min(#≥, #≤), a draw equal to the observed lag counting on both sides (see
      :func:`hotspots.stats._inference.conditional_permutation_p`); NaN when
      ``permutations=0``; 1 for islands. esda's ``p_sim`` uses min(#≥, #<) instead and gives
      1/(R+1) to a zero-count segment whose neighbours all have zero incidents; the two agree
      when no draw ties with the observed value;
    - ``gi_p_adj``: Benjamini–Hochberg adjusted p (over all features) of the p chosen by
      ``bin_p``;
    - ``gi_bin``: −3..3 for 99/95/90 % confidence with the sign of ``gi_z``, from ``gi_p_adj``
      when ``fdr`` else from the raw p (ArcGIS: z and p never reflect FDR, only the bins);
    - ``gi_bin_nofdr``: the bin from the raw p, whatever ``fdr``;
    - ``gi_nneighbors``: neighbours including the feature itself (ArcGIS's NNeighbors).

    ``bin_p="analytic"`` (default, as ArcGIS Pro) bins from ``gi_p``; ``"permutation"`` bins
    from ``gi_p_sim`` (needs ``permutations > 0``; the smallest possible p is 1/(R+1), so 99 %
    needs R ≥ 99). ``alpha`` is only recorded (the bins use the three fixed levels).
    Permutations are deterministic for a ``seed`` whatever ``n_jobs`` (numba threads).

    Parameters
    ----------
    y : Series or ndarray
        The analysis variable per feature (e.g. ``rate_per_100m``: incidents per 100 m).
    w : libpysal Graph or W
        Spatial weights whose ids are ``y``'s index.
    permutations : int
        Conditional permutations for ``gi_p_sim`` (0: none).
    seed : int, optional
        Seed of the permutations.
    fdr : bool
        Bins from the Benjamini–Hochberg adjusted p.
    alpha : float
        The FDR level recorded with the result.
    bin_p : {'analytic', 'permutation'}
        Which p the bins use.
    n_jobs : int, optional
        numba threads for the permutations (None: all cores).

    Returns
    -------
    GiStarResult
        ``frame`` with the columns above, aligned to ``y``'s index, and the settings used.
    """
    what = "gi_star"
    ys = check_values(y, what=what)
    permutations = check_permutations(permutations, what=what)
    alpha = check_alpha(alpha, what=what)
    if bin_p not in {"analytic", "permutation"}:
        raise ValidationError(f"{what}: bin_p={bin_p!r}; use 'analytic' (ArcGIS) or 'permutation'")
    if bin_p == "permutation" and permutations == 0:
        raise ValidationError(f"{what}: bin_p='permutation' needs permutations > 0")
    values = ys.to_numpy()
    if (values < 0).any():
        raise ValidationError(
            f"{what}: Gi* needs non-negative values (counts or rates); {int((values < 0).sum())} "
            f"are negative (first at index {ys.index[values < 0][0]!r})"
        )
    mat = to_sparse(w, ys.index, what=what)
    offdiag = _binary_offdiag(mat)
    z, card_star = gi_star_z(values, offdiag)
    p = 2.0 * stats.norm.sf(np.abs(z))
    if permutations:
        p_sim = conditional_permutation_p(
            values, offdiag, permutations=permutations, seed=seed, n_jobs=_threads(n_jobs)  # type: ignore[arg-type]
        )
    else:
        p_sim = np.full(len(values), np.nan)
    p_bin = p if bin_p == "analytic" else p_sim
    p_adj = bh_adjust(p_bin)
    bin_nofdr = to_bins(z, p_bin)
    frame = pd.DataFrame(
        {
            "gi_z": z,
            "gi_p": p,
            "gi_p_sim": p_sim,
            "gi_p_adj": p_adj,
            "gi_bin": to_bins(z, p_adj) if fdr else bin_nofdr,
            "gi_bin_nofdr": bin_nofdr,
            "gi_nneighbors": card_star.astype(np.int64),
        },
        index=ys.index.copy(),
    )
    params = {
        "weights": "binary, self included",
        "alpha": alpha,
        "n": len(values),
        "variable": ys.name,
        "p_adjust": "Benjamini-Hochberg over all features",
    }
    return GiStarResult(
        frame=frame, permutations=permutations, seed=seed, fdr=fdr, bin_p=bin_p, parameters=params
    )


def gi_star_z(values: np.ndarray, offdiag: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Analytic Gi* z-scores and cardinalities (self included) for binary off-diagonal weights.

    G*_i = Σ_j w_ij y_j / Σ_j y_j with w_ii = 1; E = W_i/n; Var = W_i(n − W_i)/(n − 1)/n² ·
    s²/ȳ² with s² the population variance (Getis & Ord 1992; esda ``G_Local``).
    """
    n = len(values)
    total = values.sum()
    if total <= 0:
        raise ValidationError("gi_star: the values sum to zero; Gi* is undefined")
    lag = offdiag @ values + values
    g = lag / total
    card = np.diff(offdiag.indptr).astype(float) + 1.0
    mean = total / n
    var = (values**2).sum() / n - mean**2
    expected = card / n
    variance = card * (n - card) / (n - 1) / n**2 * var / mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (g - expected) / np.sqrt(variance)
    z[variance == 0] = 0.0  # a feature whose neighbourhood is everything carries no contrast
    return z, card


def to_bins(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """ArcGIS Gi_Bin: ±3/±2/±1 at p ≤ 0.01/0.05/0.10 with the sign of z, else 0 (NaN p → 0)."""
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    p = np.nan_to_num(p, nan=1.0)
    level = np.zeros(len(z), dtype=np.int64)
    for lev, cut in reversed(BIN_LEVELS):
        level[p <= cut] = lev
    return np.sign(z).astype(np.int64) * level


def bin_counts(bins: pd.Series) -> dict[str, int]:
    """Features per Gi_Bin, named hot_99/hot_95/hot_90/not_significant/cold_90/…"""
    names = {
        3: "hot_99",
        2: "hot_95",
        1: "hot_90",
        0: "not_significant",
        -1: "cold_90",
        -2: "cold_95",
        -3: "cold_99",
    }
    vc = pd.Series(bins).value_counts()
    return {name: int(vc.get(b, 0)) for b, name in names.items()}


def _binary_offdiag(mat: sp.csr_array) -> sp.csr_array:
    off = sp.csr_array(mat, dtype=float, copy=True)
    off = sp.csr_array(off - sp.diags_array(off.diagonal()))
    off.eliminate_zeros()
    off.data[:] = 1.0
    off.sort_indices()
    return off


def _threads(n_jobs: int | None) -> int | None:
    if n_jobs is None or n_jobs > 0:
        return n_jobs
    return os.cpu_count() or 1
