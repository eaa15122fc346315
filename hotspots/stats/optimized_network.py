"""Optimized hot spots on street segments: ArcGIS's scale search with distances along the streets."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from libpysal.graph import Graph

from hotspots import weights as weights_mod

__all__ = ["NetworkScale", "first_peak", "incremental_moran_network", "network_nearest_m",
           "network_scale"]


@dataclass(frozen=True)
class NetworkScale:
    """The distance band chosen along the network, the ISA table, outliers and the log."""

    distance_m: float
    isa: pd.DataFrame
    outliers: np.ndarray
    log: tuple[str, ...]


def network_nearest_m(segments: gpd.GeoDataFrame) -> np.ndarray:
    """Distance along the streets from each segment's midpoint to the nearest other midpoint.

    The nearest midpoint is always on a segment sharing an end point, at (own length + its
    length) / 2; segments touching no other segment get ``inf``.
    """
    inc = weights_mod._incidence(segments)
    adj = (inc @ inc.T).tocoo()
    off = adj.row != adj.col
    r, c = adj.row[off], adj.col[off]
    length = segments["length_m"].to_numpy(dtype=float)
    out = np.full(len(segments), np.inf)
    if len(r):
        np.minimum.at(out, r, (length[r] + length[c]) / 2.0)
    return out


def network_scale(
    segments: gpd.GeoDataFrame,
    y: np.ndarray,
    *,
    n_bands: int,
    outlier_sd: float,
    peak_min_z: float,
) -> NetworkScale:
    """ArcGIS's Optimized Hot Spot scale rules with network distances between midpoints.

    - locational outliers: nearest-neighbour distance along the streets above mean +
      ``outlier_sd`` SD (segments touching no other segment are outliers too); left out of the
      scale search, kept in the analysis;
    - ``n_bands`` bands from the distance giving every non-outlier a neighbour, in steps of the
      mean nearest-neighbour distance; global Moran's I (row-standardised binary network
      bands, normality z, esda ``Moran``) at each; the first peak of z above ``peak_min_z``;
    - no peak: the mean network distance to the k-th nearest neighbour (k = 5 % of N clipped
      to [3, 30]), capped at the standard distance of the midpoints (straight line, as
      ArcGIS; there is no network analogue in Esri's tool);
    - the distance is at least 0.1 % of the larger side of the extent and at least the distance
      giving every non-outlier a neighbour.
    """
    log: list[str] = []
    nn = network_nearest_m(segments)
    finite = np.isfinite(nn)
    mean, sd = float(nn[finite].mean()), float(nn[finite].std())
    outliers = ~finite | (nn > mean * (1 + 1e-9) + outlier_sd * sd)
    log.append(
        f"{int(outliers.sum())} locational outliers (nearest-neighbour distance along the "
        f"streets > mean + {outlier_sd:g} SD, or no touching segment) excluded from the scale "
        "search" + (f": ids {segments.index[outliers][:10].tolist()}" if outliers.any() else "")
    )
    core_nn = nn[~outliers]
    start, step = float(core_nn.max()), float(core_nn.mean())
    bands = start + step * np.arange(n_bands)
    dist = weights_mod.network_distances(segments, max_distance_m=float(bands[-1]))
    isa = incremental_moran_network(y, dist, bands)
    log.append(
        f"incremental spatial autocorrelation along the streets: {n_bands} bands from "
        f"{start:.1f} m (every non-outlier has a neighbour) in steps of {step:.1f} m (mean "
        "nearest-neighbour distance along the streets)"
    )
    peak = first_peak(isa, peak_min_z)
    if peak is not None:
        distance, how = peak
    else:
        distance, how = _kth_neighbour_fallback(segments, outliers)
    log.append(how)
    xy = weights_mod.midpoints(segments)
    extent = float(np.ptp(xy, axis=0).max())
    floor = max(0.001 * extent, start)
    if distance < floor:
        log.append(
            f"distance raised from {distance:.1f} m to {floor:.1f} m (the larger of 0.1 % "
            "of the extent and the distance giving every non-outlier a neighbour)"
        )
        distance = floor
    return NetworkScale(distance_m=float(distance), isa=isa, outliers=outliers, log=tuple(log))


def first_peak(isa: pd.DataFrame, min_z: float = 1.959964) -> tuple[float, str] | None:
    """The first band whose z is above both neighbouring bands' and above ``min_z``, with the
    sentence to log; None when there is none."""
    z = isa["z"].to_numpy()
    d = isa["distance_m"].to_numpy()
    for i in range(1, len(z) - 1):
        if z[i] > z[i - 1] and z[i] > z[i + 1] and z[i] > min_z:
            return float(d[i]), (f"scale: first peak of Moran's I z ({z[i]:.2f}) at {d[i]:.1f} m")
    return None


def incremental_moran_network(y: np.ndarray, dist: sp.csr_array, bands: np.ndarray) -> pd.DataFrame:
    """Global Moran's I (esda, row-standardised binary weights) at each network band of ``dist``
    (midpoint distances along the streets); features without neighbours at a band are left out
    of its sums (esda's convention for islands)."""
    import esda

    n = dist.shape[0]
    coo = dist.tocoo()
    rows = []
    for d in bands:
        keep = coo.data <= d
        adj = sp.csr_array((np.ones(int(keep.sum())), (coo.row[keep], coo.col[keep])),
                           shape=(n, n))
        g = Graph.from_sparse(adj, ids=np.arange(n)).transform("r")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mi = esda.Moran(np.asarray(y, dtype=float), g, permutations=0)
        rows.append({"distance_m": float(d), "moran_i": float(mi.I), "expected_i": float(mi.EI),
                     "z": float(mi.z_norm), "p": float(mi.p_norm),
                     "mean_neighbours": float(adj.sum() / n)})
    return pd.DataFrame(rows)


def _kth_neighbour_fallback(segments: gpd.GeoDataFrame, outliers: np.ndarray) -> tuple[float, str]:
    core = np.flatnonzero(~outliers)
    n = len(core)
    k = int(min(30, max(3, math.floor(0.05 * n))))
    k = min(k, n - 1)
    xy = weights_mod.midpoints(segments)[core]
    sd = float(math.sqrt(((xy - xy.mean(axis=0)) ** 2).sum(axis=1).mean()))
    sub = segments.iloc[core]
    near = weights_mod.network_distances(sub, max_distance_m=sd)
    kth = np.full(n, np.inf)
    counts = np.diff(near.indptr)
    for i in np.flatnonzero(counts >= k):  # rows are short (≤ neighbours within sd)
        kth[i] = np.partition(near.data[near.indptr[i]:near.indptr[i + 1]], k - 1)[k - 1]
    unknown = ~np.isfinite(kth)
    # a k-th neighbour beyond sd is at least sd: if the mean is ≥ sd even so, the cap decides
    if unknown.any() and np.where(unknown, sd, kth).mean() < sd:
        far = weights_mod.network_distances(sub, max_distance_m=None, sources=np.flatnonzero(unknown))
        for r, i in enumerate(np.flatnonzero(unknown)):
            vals = far.data[far.indptr[r]:far.indptr[r + 1]]
            kth[i] = np.partition(vals, k - 1)[k - 1] if len(vals) >= k else np.inf
    mean_k = float(np.where(np.isfinite(kth), kth, sd).mean())
    capped = min(mean_k, sd)
    return capped, (
        f"scale: no significant peak of Moran's I z in the bands tested; fallback to the mean "
        f"distance along the streets to the {k}th nearest neighbour ({mean_k:.1f} m, k = 5 % of "
        f"{n} clipped to [3, 30])"
        + (f", capped at the standard distance {sd:.1f} m" if sd < mean_k else "")
    )
