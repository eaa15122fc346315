"""Areas of an intervention study on the street network: treated, displacement buffer, matched controls, balance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from hotspots import weights as weights_mod
from hotspots._errors import ValidationError
from hotspots.config.evaluation import COVARIATES

__all__ = [
    "COVARIATES",
    "balance_table",
    "exposure",
    "match_controls",
    "pre_period_covariates",
    "standardized_mean_difference",
]

#: covariates controls can be matched on (pre-period level and trend of the outcome per week,
#: street length, share of incidents at night, lamps per 100 m)


def exposure(
    segments,
    treat_week: pd.Series,
    *,
    mode: str = "distance",
    buffer_m: float = 200.0,
    buffer_hops: int = 1,
    weights=None,
) -> pd.DataFrame:
    """When each segment is treated and when it first has a treated segment within reach.

    Parameters
    ----------
    segments : GeoDataFrame of segments (index ``segment_id``, ``length_m``).
    treat_week : week (position in the panel, may be negative) each treated segment starts,
        indexed by ``segment_id``.
    mode : "distance": within ``buffer_m`` metres along the streets (shortest path between the
        two segments, 0 for segments sharing an end point); "hops": within ``buffer_hops``
        steps of ``weights`` (a libpysal Graph over the segments; default network contiguity).

    Returns
    -------
    DataFrame indexed like ``segments`` with ``treat_week`` and ``spill_week`` (first week a
    treated segment other than itself within reach starts; NaN when never) and ``reach`` (metres
    or hops to the nearest treated segment of that earliest cohort, NaN when out of reach).
    """
    if mode not in ("distance", "hops"):
        raise ValidationError(f"buffer mode {mode!r}: use 'distance' or 'hops'")
    n = len(segments)
    pos = segments.index.get_indexer(treat_week.index)
    tw = np.full(n, np.nan)
    tw[pos] = treat_week.to_numpy(dtype=float)
    spill = np.full(n, np.nan)
    reach = np.full(n, np.nan)
    cohorts = np.unique(tw[~np.isnan(tw)])
    if mode == "distance":
        graph, start, end = weights_mod.street_graph(segments)
        for g in cohorts:
            members = np.flatnonzero(tw == g)
            src = np.unique(np.r_[start[members], end[members]])
            d_node = csgraph.dijkstra(graph, directed=False, indices=src, min_only=True,
                                      limit=buffer_m + 1e-6)
            d_seg = np.minimum(d_node[start], d_node[end])
            d_seg[members] = np.inf  # a segment is not its own neighbour
            _record(spill, reach, g, d_seg, d_seg <= buffer_m)
    else:
        adj = _adjacency(segments, weights)
        for g in cohorts:
            members = tw == g
            hops = np.full(n, np.inf)
            frontier = members.copy()
            seen = members.copy()
            for h in range(1, buffer_hops + 1):
                nxt = (adj @ frontier.astype(float)) > 0
                new = nxt & ~seen
                hops[new] = h
                seen |= nxt
                frontier = new
            # treated members within reach of another member of the same cohort are not
            # spilled on: they are treated at the same time
            hops[members] = np.inf
            _record(spill, reach, g, hops, np.isfinite(hops))
    return pd.DataFrame({"treat_week": tw, "spill_week": spill, "reach": reach},
                        index=segments.index)


def _record(spill, reach, g, dist, within):
    """Keep the earliest cohort's spill week (and its reach) for segments within reach."""
    first = within & (np.isnan(spill) | (g < spill))
    spill[first] = g
    reach[first] = dist[first]


def _adjacency(segments, weights) -> sp.csr_array:
    if weights is None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", weights_mod.IslandsWarning)
            weights = weights_mod.network_contiguity(segments)
    mat = weights_mod.to_sparse(weights, segments.index, what="buffer weights")
    mat = sp.csr_array(((mat + mat.T) != 0).astype(float))
    return mat


def pre_period_covariates(
    outcome: np.ndarray,
    all_counts: np.ndarray,
    night_counts: np.ndarray,
    *,
    window: tuple[int, int],
    length_m: np.ndarray,
    lamp_density: np.ndarray | None = None,
) -> pd.DataFrame:
    """Matching covariates of every segment over the pre-period weeks ``window`` = [a, b).

    ``level`` = mean weekly outcome count; ``trend`` = least-squares slope of the weekly outcome
    count (incidents per week per week); ``length`` = length in metres; ``night_share`` = night
    incidents / all incidents in the window (the overall share where a segment had none);
    ``lamp_density`` = lamps per 100 m (when given).
    """
    a, b = window
    if b - a < 1:
        raise ValidationError(f"pre-period window {window}: needs at least one week")
    y = outcome[:, a:b].astype(float)
    t = np.arange(b - a, dtype=float)
    tc = t - t.mean()
    denom = float(tc @ tc)
    trend = (y @ tc) / denom if denom > 0 else np.zeros(len(y))
    tot = all_counts[:, a:b].sum(axis=1)
    nig = night_counts[:, a:b].sum(axis=1)
    overall = nig.sum() / tot.sum() if tot.sum() > 0 else 0.5
    share = np.where(tot > 0, nig / np.maximum(tot, 1), overall)
    cov = {"level": y.mean(axis=1), "trend": trend, "length": np.asarray(length_m, float),
           "night_share": share}
    if lamp_density is not None:
        cov["lamp_density"] = np.asarray(lamp_density, float)
    return pd.DataFrame(cov)


def match_controls(
    covariates: pd.DataFrame,
    treated: np.ndarray,
    pool: np.ndarray,
    *,
    k: int,
    match_on: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal matching without replacement: ``k`` pool segments per treated segment.

    Distances are Euclidean on the covariates in ``match_on`` standardised by their standard
    deviation over treated ∪ pool; the total distance of all pairs is minimised
    (``scipy.sparse.csgraph.min_weight_full_bipartite_matching`` on each treated segment's
    nearest candidates, widened until a full matching exists). ``treated`` and ``pool`` are row
    positions in ``covariates``.

    Returns
    -------
    (controls, matched_to): positions of the chosen controls and, for each, the position of
    the treated segment it is matched to.
    """
    cols = [c for c in match_on if c in covariates.columns]
    if not cols:
        raise ValidationError(f"match_on={match_on!r}: none of these covariates is available "
                              f"(available: {list(covariates.columns)})")
    if len(pool) < k * len(treated):
        raise ValidationError(
            f"matching: {len(pool)} candidate control segments for {len(treated)} treated × {k} "
            "controls each; lower controls_per_treated or the buffer size")
    if len(treated) == 0:
        return np.empty(0, int), np.empty(0, int)
    z = covariates[cols].to_numpy(dtype=float)
    both = np.r_[treated, pool]
    sd = z[both].std(axis=0, ddof=1) if len(both) > 1 else np.ones(len(cols))
    sd = np.where(sd > 0, sd, 1.0)
    z = (z - z[both].mean(axis=0)) / sd
    tree = cKDTree(z[pool])
    rows = np.repeat(np.arange(len(treated)), k)
    m = min(len(pool), max(4 * k + 10, 30))
    while True:
        dist, nbr = tree.query(z[treated], k=m)
        dist = np.asarray(dist).reshape(len(treated), m)
        nbr = np.asarray(nbr).reshape(len(treated), m)
        r = np.repeat(np.arange(len(rows)), m)
        c = nbr[rows].ravel()
        w = dist[rows].ravel() + 1e-9  # explicit zeros would mean "no edge"
        bip = sp.csr_array((w, (r, c)), shape=(len(rows), len(pool)))
        try:
            _, col = csgraph.min_weight_full_bipartite_matching(bip)
            break
        except ValueError:
            if m >= len(pool):  # pragma: no cover - impossible once every pool segment is a candidate
                raise
            m = min(len(pool), 4 * m)
    return pool[col], treated[rows]


def standardized_mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    """(mean a − mean b) / √((var a + var b)/2), sample variances (Austin 2009); NaN if both constant."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    va = a.var(ddof=1) if len(a) > 1 else 0.0
    vb = b.var(ddof=1) if len(b) > 1 else 0.0
    pooled = np.sqrt((va + vb) / 2.0)
    diff = a.mean() - b.mean()
    if pooled == 0:
        return 0.0 if diff == 0 else float(np.sign(diff) * np.inf)
    return float(diff / pooled)


def balance_table(
    treated: pd.DataFrame,
    pool: pd.DataFrame,
    controls: pd.DataFrame,
    buffer: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Means and standardised mean differences of the covariates before and after matching.

    Each argument holds one row per segment (and cohort) with the covariate columns. Returns a
    frame indexed by covariate with ``mean_treated``, ``mean_pool`` (all candidate controls),
    ``mean_controls`` (the chosen ones), ``smd_before`` (treated vs pool), ``smd_after``
    (treated vs controls), ``variance_ratio`` (treated / controls) and, with ``buffer``,
    ``mean_buffer`` and ``smd_buffer`` (buffer vs controls). |SMD| < 0.1 is the usual
    threshold of good balance.
    """
    rows = {}
    for col in treated.columns:
        t, p, c = treated[col].to_numpy(float), pool[col].to_numpy(float), controls[col].to_numpy(float)
        vc = c.var(ddof=1) if len(c) > 1 else np.nan
        row = {
            "mean_treated": t.mean() if len(t) else np.nan,
            "mean_pool": p.mean() if len(p) else np.nan,
            "mean_controls": c.mean() if len(c) else np.nan,
            "smd_before": standardized_mean_difference(t, p),
            "smd_after": standardized_mean_difference(t, c),
            "variance_ratio": (t.var(ddof=1) / vc) if len(t) > 1 and vc and vc > 0 else np.nan,
        }
        if buffer is not None:
            b = buffer[col].to_numpy(float)
            row["mean_buffer"] = b.mean() if len(b) else np.nan
            row["smd_buffer"] = standardized_mean_difference(b, c)
        rows[col] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "covariate"
    return out
