"""Local Moran's I (clusters HH/LL and outliers HL/LH) with permutation inference and FDR."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from hotspots._errors import ValidationError
from hotspots.stats._inference import (
    bh_adjust,
    check_alpha,
    check_permutations,
    check_values,
    conditional_permutation_p,
)
from hotspots.weights import to_sparse

__all__ = ["LISA_COLUMNS", "NOT_SIGNIFICANT", "QUADRANTS", "LocalMoranResult", "local_moran"]

#: output columns of :func:`local_moran`
LISA_COLUMNS = ("lisa_i", "lisa_z", "lisa_p_sim", "lisa_p_adj", "lisa_q", "lisa_class")
#: esda quadrant numbers (geoda_quads=False) and their classes
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
NOT_SIGNIFICANT = "not significant"


@dataclass(frozen=True)
class LocalMoranResult:
    """Local Moran per feature (``frame``, indexed like ``y``) with the parameters and seed."""

    frame: pd.DataFrame
    permutations: int
    seed: int | None
    fdr: bool
    alpha: float
    parameters: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Features per class (HH, LL, HL, LH, not significant)."""
        vc = self.frame["lisa_class"].value_counts()
        return {c: int(vc.get(c, 0)) for c in ("HH", "LL", "HL", "LH", NOT_SIGNIFICANT)}


def local_moran(
    y: pd.Series | np.ndarray,
    w,
    *,
    permutations: int = 999,
    seed: int | None = 20171,
    fdr: bool = True,
    alpha: float = 0.05,
    transform: str = "r",
    n_jobs: int | None = None,
) -> LocalMoranResult:
    """Local Moran's I (Anselin 1995) as esda's ``Moran_Local(y, w, transformation=transform)``.

    y is standardised with the population standard deviation; weights are row-standardised
    (``transform="r"``, default) or binary (``"b"``); islands get I = 0 and are never
    significant. Columns:

    - ``lisa_i``: I_i = (n − 1)·z_i·Σ_j w_ij z_j / Σ z² (esda ``Is``);
    - ``lisa_z``: (I_i − E[I_i]) / √Var[I_i] under total randomisation (esda ``EI``/``VI``);
    - ``lisa_p_sim``: tie-aware conditional-permutation pseudo p (M+1)/(R+1), M = min(#≥, #≤)
      over the permuted I_i, a tie counting on both sides; 1 where z_i = 0 (I_i is then 0 in
      every draw). esda's ``p_sim`` folds with the strict #< and so reports 1/(R+1) for an
      "HL outlier" whose neighbours all have zero incidents although most draws tie with it; on
      data without ties the two agree;
    - ``lisa_p_adj``: Benjamini–Hochberg adjusted ``lisa_p_sim`` over all features;
    - ``lisa_q``: quadrant 1 HH, 2 LH, 3 LL, 4 HL (esda ``q``; z = 0 counts as low);
    - ``lisa_class``: the quadrant's class where the p (adjusted when ``fdr``) ≤ ``alpha``,
      else ``"not significant"`` (ArcGIS Cluster and Outlier Analysis at 95 %).
    """
    what = "local_moran"
    ys = check_values(y, what=what)
    permutations = check_permutations(permutations, what=what)
    alpha = check_alpha(alpha, what=what)
    if permutations == 0:
        raise ValidationError(
            f"{what}: the classes need permutation p-values; use permutations ≥ 99"
        )
    if transform not in {"r", "b"}:
        raise ValidationError(f"{what}: transform={transform!r}; use 'r' (row-standardised) or 'b'")
    mat = to_sparse(w, ys.index, what=what)
    mat = sp.csr_array(mat - sp.diags_array(mat.diagonal()), dtype=float)
    mat.eliminate_zeros()
    mat.data[:] = 1.0
    card = np.diff(mat.indptr)
    if transform == "r":
        scale = np.where(card > 0, 1.0 / np.maximum(card, 1), 0.0)
        mat = sp.csr_array(sp.diags_array(scale) @ mat)
    mat.sort_indices()
    values = ys.to_numpy()
    n = len(values)
    z = (values - values.mean()) / values.std()
    lag = mat @ z
    den = (z * z).sum()
    lisa = (n - 1) * z * lag / den
    ei, vi = _moments(z, mat)
    with np.errstate(divide="ignore", invalid="ignore"):
        lisa_z = (lisa - ei) / np.sqrt(vi)
    q = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
    direction = np.sign(z).astype(np.int64)
    threads = n_jobs if n_jobs is None or n_jobs > 0 else (os.cpu_count() or 1)
    p_sim = conditional_permutation_p(
        z, mat, direction=direction, permutations=permutations, seed=seed, n_jobs=threads  # type: ignore[arg-type]
    )
    p_adj = bh_adjust(p_sim)
    decide = p_adj if fdr else p_sim
    cls = np.where(
        (decide <= alpha) & (card > 0), pd.Series(q).map(QUADRANTS).to_numpy(), NOT_SIGNIFICANT
    )
    frame = pd.DataFrame(
        {
            "lisa_i": lisa,
            "lisa_z": lisa_z,
            "lisa_p_sim": p_sim,
            "lisa_p_adj": p_adj,
            "lisa_q": q.astype(np.int64),
            "lisa_class": cls.astype(object),
        },
        index=ys.index.copy(),
    )
    params = {
        "transform": transform,
        "n": n,
        "variable": ys.name,
        "p_adjust": "Benjamini-Hochberg over all features",
        "classes_from": "lisa_p_adj" if fdr else "lisa_p_sim",
    }
    return LocalMoranResult(
        frame=frame, permutations=permutations, seed=seed, fdr=fdr, alpha=alpha, parameters=params
    )


def _moments(z: np.ndarray, mat: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """E[I_i] and Var[I_i] under total randomisation (Sokal et al. 1998, eqs. A3–A4*)."""
    n = len(z)
    m2 = (z * z).sum() / n
    m4 = (z**4).sum() / n
    b2 = m4 / m2**2
    wi = np.asarray(mat.sum(axis=1)).ravel()
    wi2 = np.asarray(mat.multiply(mat).sum(axis=1)).ravel()
    n1 = n - 1
    expectation = -wi / n1
    variance = wi2 * (n - b2) / n1
    variance += (wi**2 - wi2) * (2 * b2 - n) / (n1 * (n - 2))
    variance -= (-wi / n1) ** 2
    return expectation, variance
