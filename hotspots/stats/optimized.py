"""Optimized hot spots (after ArcGIS) of features: checks, outliers, scale by ISA, Gi* with FDR."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from libpysal.graph import Graph
from scipy.spatial import cKDTree

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError
from hotspots.stats.gistar import bin_counts, gi_star
from hotspots.stats.optimized_network import first_peak, network_scale

__all__ = [
    "OptimizedResult",
    "choose_distance",
    "distance_band_graph",
    "first_peak",
    "incremental_moran",
    "locational_outliers",
    "optimized_hot_spots",
    "representative_xy",
]

#: ArcGIS Optimized Hot Spot Analysis thresholds (REFERENCE.md)
MIN_INCIDENTS = 30
MIN_FEATURES = 30
#: locational outliers: nearest-neighbour distance above mean + this many standard deviations
OUTLIER_SD = 3.0
#: number of distance bands tested by the incremental spatial autocorrelation
N_BANDS = 10
#: a peak of the Moran's I z-score counts only when it is significant at 95 % (z > 1.96)
PEAK_MIN_Z = 1.959964


@dataclass(frozen=True)
class OptimizedResult:
    """Gi* per feature (``frame``), the distance chosen, the ISA table and the log of choices."""

    frame: pd.DataFrame
    distance_m: float
    isa: pd.DataFrame
    log: tuple[str, ...]
    seed: int | None
    parameters: dict = field(default_factory=dict)


def optimized_hot_spots(
    features: gpd.GeoDataFrame,
    *,
    value_column: str | None = None,
    count_column: str = "count",
    incidents_total: float | None = None,
    distance: str | None = None,
    permutations: int = 999,
    seed: int | None = 20171,
    n_jobs: int | None = None,
) -> OptimizedResult:
    """Gi* hot spots with every setting chosen from the data, after ArcGIS's Optimized Hot Spot.

    ``features`` are segments or polygons (bairros, grid cells) in a metric CRS with incident
    counts in ``count_column``; features with zero incidents inside the study area are
    analysed too. ``distance`` is how neighbours are measured: ``"network"`` (default for
    street segments: LineStrings with ``length_m``) along the streets between midpoints
    (:mod:`hotspots.stats.optimized_network`), ``"euclidean"`` (default for polygons) in a
    straight line. ``value_column`` is the analysed variable: default ``rate_per_100m`` on a
    network (the column if present, else ``count_column`` / ``length_m`` × 100: a long
    segment does not look hot by its length alone) and ``count_column`` otherwise. Steps,
    each written to ``result.log``:

    1. Checks: ≥ 30 incidents in total (``incidents_total``, default the sum of
       ``count_column``, or of the value column when there is none), ≥ 30 features, values
       not all equal — else a ValidationError saying what to change.
    2. Locational outliers: features whose nearest-neighbour distance (between midpoints of
       segments / representative points of polygons) exceeds the mean + 3 SD; excluded when the
       scale is chosen, kept in the analysis.
    3. Scale: global Moran's I (row-standardised distance bands, normality z) at 10 bands from
       the distance giving every non-outlier a neighbour, in steps of the mean nearest-neighbour
       distance; the first peak of z with z > 1.96 is the distance (:func:`choose_distance`).
       With no such peak: the mean distance to the k-th nearest neighbour, k = 5 % of N clipped
       to [3, 30], capped at the standard distance. The distance is at least 0.1 % of the
       larger side of the extent, and at least the distance giving every non-outlier a
       neighbour.
    On a network the same rules run with distances along the streets
    (:func:`hotspots.stats.optimized_network.network_scale`).
    4. Gi* (binary distance band, self included; network bands from
       :func:`hotspots.weights.network_distance_band`) with FDR always on; the share of
       features with fewer than 8 neighbours is reported.
    """
    what = "optimized_hot_spots"
    mode = _distance_mode(features, distance, what)
    value_column, y = _analysis_values(features, value_column, count_column, mode, what)
    log: list[str] = []
    if incidents_total is not None:
        total = float(incidents_total)
    elif count_column in features.columns:
        total = float(features[count_column].astype(float).sum())
    else:
        total = float(y.sum())
    problems = []
    if total < MIN_INCIDENTS:
        problems.append(
            f"only {total:g} incidents; Optimized Hot Spot needs at least {MIN_INCIDENTS} "
            "(analyse a longer period or a larger area)"
        )
    if len(features) < MIN_FEATURES:
        problems.append(
            f"only {len(features)} features; at least {MIN_FEATURES} are needed (use smaller "
            "polygons or segments, or a larger area)"
        )
    if len(y) and np.ptp(y.to_numpy()) == 0:
        problems.append(f"every feature has {value_column} = {y.iloc[0]:g} (zero variance)")
    if problems:
        raise ValidationError(f"{what}: " + "; ".join(problems))
    log.append(
        f"{total:g} incidents on {len(features)} features (≥ {MIN_INCIDENTS} and ≥ "
        f"{MIN_FEATURES}: checks passed); {int((y == 0).sum())} features have zero; variable "
        f"{value_column}, distances {'along the streets' if mode == 'network' else 'straight'}"
    )
    if mode == "network":
        from hotspots import weights as weights_mod

        scale = network_scale(features, y.to_numpy(), n_bands=N_BANDS, outlier_sd=OUTLIER_SD,
                              peak_min_z=PEAK_MIN_Z)
        log.extend(scale.log)
        band_m, isa, outliers = scale.distance_m, scale.isa, scale.outliers
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", weights_mod.IslandsWarning)
            w = weights_mod.network_distance_band(features, distance_m=band_m)
        return _finish(features, y, w, band_m, isa, outliers, log, mode, value_column, total,
                       permutations, seed, n_jobs)

    xy = representative_xy(features)
    outliers = locational_outliers(xy)
    log.append(
        f"{int(outliers.sum())} locational outliers (nearest-neighbour distance > mean + "
        f"{OUTLIER_SD:g} SD) excluded from the scale search"
        + (f": ids {features.index[outliers][:10].tolist()}" if outliers.any() else "")
    )
    core = xy[~outliers]
    nn = cKDTree(core).query(core, k=2)[0][:, 1]
    start = float(nn.max())
    step = float(nn.mean())
    if step <= 0:
        raise ValidationError(f"{what}: features share the same locations; cannot choose a scale")
    bands = start + step * np.arange(N_BANDS)
    isa = incremental_moran(y.to_numpy(), xy, bands)
    log.append(
        f"incremental spatial autocorrelation: {N_BANDS} bands from {start:.1f} m (every "
        f"non-outlier has a neighbour) in steps of {step:.1f} m (mean nearest-neighbour distance)"
    )
    chosen_m, how = choose_distance(isa, core)
    log.append(how)
    extent = np.ptp(xy, axis=0).max()
    floor = max(0.001 * extent, start)
    if chosen_m < floor:
        log.append(
            f"distance raised from {chosen_m:.1f} m to {floor:.1f} m (the larger of 0.1 % "
            "of the extent and the distance giving every non-outlier a neighbour)"
        )
        chosen_m = floor
    w = distance_band_graph(xy, features.index, chosen_m)
    return _finish(features, y, w, chosen_m, isa, outliers, log, mode, value_column, total,
                   permutations, seed, n_jobs)


def _finish(features, y, w, distance, isa, outliers, log, mode, value_column, total,
            permutations, seed, n_jobs) -> OptimizedResult:
    """Gi* with FDR on at the chosen band, and the closing log lines."""
    res = gi_star(y, w, permutations=permutations, seed=seed, fdr=True, n_jobs=n_jobs)
    few = float((res.frame["gi_nneighbors"] - 1 < 8).mean())
    log.append(
        f"Gi* with a {distance:.1f} m {'network ' if mode == 'network' else ''}distance band, "
        "FDR on (Benjamini–Hochberg), "
        f"{permutations} permutations, seed {seed}"
    )
    log.append(f"{few:.1%} of features have fewer than 8 neighbours")
    counts = bin_counts(res.frame["gi_bin"])
    log.append("bins: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    params = {
        "value_column": value_column,
        "distance": mode,
        "incidents_total": total,
        "outliers": int(outliers.sum()),
        "share_fewer_than_8_neighbours": few,
        "fdr": True,
        "permutations": permutations,
    }
    return OptimizedResult(
        frame=res.frame,
        distance_m=float(distance),
        isa=isa,
        log=tuple(log),
        seed=seed,
        parameters=params,
    )


def representative_xy(features: gpd.GeoDataFrame) -> np.ndarray:
    """Midpoints of lines, representative points of polygons, the points themselves."""
    geoms = features.geometry.values
    lines = shapely.get_type_id(geoms) == 1
    pts = shapely.point_on_surface(geoms)
    if lines.any():
        pts[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    return shapely.get_coordinates(pts)


def locational_outliers(xy: np.ndarray) -> np.ndarray:
    """True where the nearest-neighbour distance exceeds its mean + 3 standard deviations.

    A relative tolerance of 1e-9 of the mean keeps rounding noise from flagging cells of a
    regular grid (all nearest-neighbour distances equal up to floating point).
    """
    nn = cKDTree(xy).query(xy, k=2)[0][:, 1]
    return nn > nn.mean() * (1 + 1e-9) + OUTLIER_SD * nn.std()


def incremental_moran(y: np.ndarray, xy: np.ndarray, bands: np.ndarray) -> pd.DataFrame:
    """Global Moran's I, its expectation and normality z at each distance band (row-standardised
    binary distance weights; features without neighbours at a band are left out of its sums)."""
    import esda

    tree = cKDTree(xy)
    rows = []
    for d in bands:
        pairs = tree.query_pairs(float(d), output_type="ndarray")
        n = len(xy)
        adj = sp.coo_array(
            (
                np.ones(2 * len(pairs)),
                (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]]),
            ),
            shape=(n, n),
        ).tocsr()
        g = Graph.from_sparse(adj, ids=np.arange(n)).transform("r")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mi = esda.Moran(y, g, permutations=0)
        rows.append(
            {
                "distance_m": float(d),
                "moran_i": float(mi.I),
                "expected_i": float(mi.EI),
                "z": float(mi.z_norm),
                "p": float(mi.p_norm),
                "mean_neighbours": float(adj.sum() / n),
            }
        )
    return pd.DataFrame(rows)


def choose_distance(isa: pd.DataFrame, core_xy: np.ndarray) -> tuple[float, str]:
    """The first significant peak of the ISA z-scores, else the k-th-neighbour fallback.

    A peak is a band whose z is above both neighbouring bands' and above 1.96. Fallback: mean
    distance to the k-th nearest neighbour with k = 5 % of N clipped to [3, 30], capped at the
    standard distance of the (non-outlier) features. Returns (distance, the sentence to log).
    """
    peak = first_peak(isa)
    if peak is not None:
        return peak
    n = len(core_xy)
    k = int(min(30, max(3, math.floor(0.05 * n))))
    k = min(k, n - 1)
    dist = float(cKDTree(core_xy).query(core_xy, k=k + 1)[0][:, k].mean())
    centre = core_xy.mean(axis=0)
    sd = float(math.sqrt(((core_xy - centre) ** 2).sum(axis=1).mean()))
    capped = min(dist, sd)
    return capped, (
        f"scale: no significant peak of Moran's I z in the bands tested; fallback to the mean "
        f"distance to the {k}th nearest neighbour ({dist:.1f} m, k = 5 % of {n} clipped to "
        f"[3, 30])" + (f", capped at the standard distance {sd:.1f} m" if sd < dist else "")
    )


def distance_band_graph(xy: np.ndarray, index: pd.Index, distance_m: float) -> Graph:
    """Binary Euclidean distance-band weights (pairs within ``distance_m``) indexed by ``index``."""
    n = len(xy)
    pairs = cKDTree(xy).query_pairs(float(distance_m), output_type="ndarray")
    adj = sp.csr_array(
        (
            np.ones(2 * len(pairs)),
            (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]]),
        ),
        shape=(n, n),
    )
    return Graph.from_sparse(adj, ids=np.asarray(index))


def _distance_mode(features, distance: str | None, what: str) -> str:
    if not isinstance(features, gpd.GeoDataFrame):
        raise ValidationError(f"{what}: give a GeoDataFrame of segments or polygons")
    lines = bool(len(features)) and bool((features.geom_type == "LineString").all())
    if distance is None:
        return "network" if lines and "length_m" in features.columns else "euclidean"
    if distance not in ("network", "euclidean"):
        raise ValidationError(f"{what}: distance={distance!r}; use 'network' or 'euclidean'")
    if distance == "network" and not (lines and "length_m" in features.columns):
        raise ValidationError(
            f"{what}: distance='network' needs street segments (LineStrings with a 'length_m' "
            "column, from hotspots.segments.build_segments)"
        )
    return distance


def _analysis_values(features, value_column, count_column, mode, what):
    if value_column is None:
        if mode != "network":
            value_column = count_column
        elif "rate_per_100m" in features.columns:
            value_column = "rate_per_100m"
        else:
            _check_features(features, count_column, what)
            length = features["length_m"].to_numpy(dtype=float)
            if (length <= 0).any():
                raise ValidationError(f"{what}: segments with length_m ≤ 0 have no rate")
            rate = features[count_column].astype(float) / length * 100.0
            return "rate_per_100m", rate.rename("rate_per_100m")
    _check_features(features, value_column, what)
    return value_column, features[value_column].astype(float)


def _check_features(features, value_column: str, what: str) -> None:
    if not isinstance(features, gpd.GeoDataFrame):
        raise ValidationError(f"{what}: give a GeoDataFrame of segments or polygons")
    if features.crs is None:
        raise ValidationError(f"{what}: the features have no CRS")
    crs_mod.require_metric(features.crs, what=f"{what}: features CRS")
    if value_column not in features.columns:
        raise ValidationError(
            f"{what}: no column {value_column!r}; columns are {list(features.columns)}"
        )
    vals = features[value_column].to_numpy(dtype=float)
    if not np.isfinite(vals).all() or (vals < 0).any():
        raise ValidationError(f"{what}: {value_column!r} must hold finite counts ≥ 0")
    if features.index.has_duplicates:
        raise ValidationError(f"{what}: the index has duplicate ids")
