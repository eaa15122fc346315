"""Tests of hotspots.stats.spacetime_gistar against a plain-numpy re-implementation, esda and PyEhsa."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from hotspots import weights
from hotspots._errors import ValidationError
from hotspots.stats._inference import permutation_ids
from hotspots.stats.spacetime_gistar import WINDOWS, space_time_gi_star


def street_lattice(n_side: int, block_m: float = 100.0) -> gpd.GeoDataFrame:
    """Segments of an n_side × n_side street lattice (string ids, to test alignment)."""
    lines = []
    for r in range(n_side):
        for c in range(n_side - 1):
            lines.append(shapely.LineString([(c * block_m, r * block_m),
                                             ((c + 1) * block_m, r * block_m)]))
            lines.append(shapely.LineString([(r * block_m, c * block_m),
                                             (r * block_m, (c + 1) * block_m)]))
    segs = gpd.GeoDataFrame(geometry=lines, crs="EPSG:31982")
    segs.index = pd.Index([f"s{i:03d}" for i in range(len(segs))], name="segment_id")
    segs["length_m"] = block_m
    return segs


@pytest.fixture(scope="module")
def lattice():
    segs = street_lattice(5)
    w = weights.network_contiguity(segs)
    adj = (weights.to_sparse(w, segs.index).toarray() != 0).astype(int)
    rng = np.random.default_rng(11)
    t_steps, n = 10, len(segs)
    x = rng.poisson(0.4, (t_steps, n)).astype(float)
    x[6:, :4] += rng.poisson(4.0, (4, 4))  # a cluster that emerges
    x[:, 20:23] += 3.0  # a persistent one
    return segs, w, adj, x


def reference_gi_star(x, adj, *, k, window, weights_style):
    """Bin by bin, from the definitions (ArcGIS's formula, sums written out)."""
    t_steps, n = x.shape
    z = np.zeros((t_steps, n))
    size = np.zeros((t_steps, n), dtype=int)
    for t in range(t_steps):
        if window == "entire_cube":
            pool = x.ravel()
        elif window == "neighborhood_time_step":
            pool = x[max(0, t - k): t + 1].ravel()
        else:
            pool = x[t]
        m = len(pool)
        xbar = pool.sum() / m
        s = np.sqrt(((pool - xbar) ** 2).sum() / m)
        for i in range(n):
            spatial = [j for j in range(n) if j == i or adj[i, j]]
            steps = [u for u in range(t - k, t + 1) if u >= 0]
            wt = 1.0 if weights_style == "binary" else 1.0 / len(spatial)
            lag = sum(wt * x[u, j] for u in steps for j in spatial)
            w_sum = wt * len(steps) * len(spatial)
            s1 = wt**2 * len(steps) * len(spatial)
            size[t, i] = len(steps) * len(spatial)
            z[t, i] = (lag - xbar * w_sum) / (s * np.sqrt((m * s1 - w_sum**2) / (m - 1)))
    return z, size


def reference_bh_significant(p, alpha):
    """Benjamini–Hochberg step-up: reject p_(1..i*) for the largest i* with p_(i) ≤ iα/m."""
    q = np.sort(p)
    m = len(q)
    ok = np.nonzero(q <= np.arange(1, m + 1) * alpha / m)[0]
    return p <= (q[ok[-1]] if len(ok) else -1.0)


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("k", [0, 1, 2])
@pytest.mark.parametrize("weights_style", ["binary", "row_standardized"])
def test_matches_plain_numpy_reference(lattice, window, k, weights_style):
    segs, w, adj, x = lattice
    res = space_time_gi_star(x, w, segment_ids=segs.index, k=k, window=window,
                             weights=weights_style)
    z_ref, size = reference_gi_star(x, adj, k=k, window=window, weights_style=weights_style)
    np.testing.assert_allclose(res.z, z_ref, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(res.n_neighbors, size)
    p_ref = 2 * stats.norm.sf(np.abs(z_ref))
    np.testing.assert_allclose(res.p, p_ref, rtol=0, atol=1e-12)
    for alpha in (0.01, 0.05, 0.10):
        np.testing.assert_array_equal(res.p_adj.ravel() <= alpha,
                                      reference_bh_significant(res.p.ravel(), alpha))
    level = np.select([res.p_adj <= 0.01, res.p_adj <= 0.05, res.p_adj <= 0.10], [3, 2, 1], 0)
    np.testing.assert_array_equal(res.bins, np.sign(z_ref) * level)
    assert not res.degenerate.any()
    assert (res.window, res.k, res.weights, res.inference) == (window, k, weights_style,
                                                               "analytic")


def test_bins_without_fdr_use_raw_p(lattice):
    segs, w, _, x = lattice
    res = space_time_gi_star(x, w, segment_ids=segs.index, fdr=False)
    level = np.select([res.p <= 0.01, res.p <= 0.05, res.p <= 0.10], [3, 2, 1], 0)
    np.testing.assert_array_equal(res.bins, np.sign(res.z) * level)
    np.testing.assert_array_equal(res.p_bins, res.p)
    assert (np.abs(res.bins) >= np.abs(space_time_gi_star(
        x, w, segment_ids=segs.index).bins)).all()  # FDR only ever removes significance


def test_one_step_without_lags_is_esda_gi_star(columbus):
    df, w = columbus
    res = space_time_gi_star(df["CRIME"].to_numpy()[None, :], w, segment_ids=df.index, k=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(df["CRIME"].to_numpy(float), w, star=True, transform="B",
                           permutations=0)
    np.testing.assert_allclose(res.z[0], ref.Zs, rtol=0, atol=1e-10)
    assert res.z[0].max() == pytest.approx(3.4751, abs=1e-4)  # REFERENCE.md, POLYID 16


def test_column_order_does_not_matter(lattice):
    segs, w, _, x = lattice
    order = np.random.default_rng(0).permutation(len(segs))
    a = space_time_gi_star(x, w, segment_ids=segs.index, window="neighborhood_time_step")
    b = space_time_gi_star(x[:, order], w, segment_ids=segs.index[order],
                           window="neighborhood_time_step")
    np.testing.assert_allclose(a.z[:, order], b.z, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(a.bins[:, order], b.bins)


def test_step_without_variation_is_degenerate(lattice):
    segs, w, _, x = lattice
    y = x.copy()
    y[3] = 0.0  # a week with no incident anywhere
    res = space_time_gi_star(y, w, segment_ids=segs.index, window="individual_time_step")
    assert res.degenerate[3].all() and not res.degenerate[[2, 4]].any()
    assert (res.z[3] == 0).all() and (res.p[3] == 1).all() and (res.bins[3] == 0).all()


def reference_permutation_p(x, n_nb, lag_sum, permutations, seed):
    """sfdep's pseudo p with the same random neighbourhoods, bin by bin in Python."""
    flat = x.ravel()
    card = n_nb.ravel()
    ids = permutation_ids(len(flat), int(card.max()), permutations, seed)
    p = np.empty(len(flat))
    for b in range(len(flat)):
        picks = ids[:, : card[b]]
        picks = picks + (picks >= b)
        sims = flat[picks].sum(axis=1)
        ge = (sims >= lag_sum[b] - 1e-9).sum()
        le = (sims <= lag_sum[b] + 1e-9).sum()
        p[b] = (min(ge, le) + 1) / (permutations + 1)
    return p.reshape(x.shape)


def test_permutation_p_matches_bin_by_bin_reference(lattice):
    segs, w, adj, x = lattice
    res = space_time_gi_star(x, w, segment_ids=segs.index, k=1, window="individual_time_step",
                             weights="row_standardized", permutations=99, seed=7, fdr=False)
    _, size = reference_gi_star(x, adj, k=1, window="individual_time_step",
                                weights_style="binary")
    star = adj + np.eye(len(adj), dtype=int)
    lag_sum = np.array([[sum(x[u] @ star[i] for u in range(max(0, t - 1), t + 1))
                         for i in range(x.shape[1])] for t in range(x.shape[0])])
    ref = reference_permutation_p(x, size, lag_sum.ravel(), 99, 7)
    np.testing.assert_array_equal(res.p, ref)
    assert res.inference == "permutation" and res.permutations == 99
    again = space_time_gi_star(x, w, segment_ids=segs.index, k=1, window="individual_time_step",
                               weights="row_standardized", permutations=99, seed=7, fdr=False,
                               n_jobs=1)
    np.testing.assert_array_equal(res.p, again.p)  # deterministic whatever the threads


def _lattice_polygons(side: int):
    polys, ids = [], []
    for r in range(side):
        for c in range(side):
            # Pelotas, lon/lat (PyEhsa's only CRS); shared edges are bit-identical
            polys.append(shapely.box((c - 5240) / 100, (r - 3180) / 100,
                                     (c + 1 - 5240) / 100, (r + 1 - 3180) / 100))
            ids.append(f"r{r * side + c:03d}")
    return gpd.GeoDataFrame({"region_id": ids}, geometry=polys, crs=4326)


@pytest.mark.slow
def test_sfdep_mode_equals_pyehsa():
    pyehsa = pytest.importorskip("pyehsa")
    geo = _lattice_polygons(6)
    ids = geo["region_id"].tolist()
    t_steps = 12
    rng = np.random.default_rng(3)
    values = rng.poisson(1.5, (t_steps, len(ids))).astype(float)
    values[8:, :8] += rng.poisson(5.0, (4, 8))
    times = pd.date_range("2025-01-06", periods=t_steps, freq="7D")
    long = gpd.GeoDataFrame(
        {"region_id": np.tile(ids, t_steps), "time_period": np.repeat(times, len(ids)),
         "value": values.ravel(), "geometry": np.tile(geo.geometry.to_numpy(), t_steps)},
        geometry="geometry", crs=4326)
    # PyEhsa's own pipeline up to its Gi* step (the classification step drops p_sim)
    pp, gs, sw = pyehsa.pre_processing.PreProcessing, pyehsa.gi_star.GiStar, \
        pyehsa.spatial_weights.SpatialWeights
    logging.disable(logging.CRITICAL)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # libpysal warns on disconnected lattices
            clean = pp.process(pp.validate_and_clean_data(long, "value", "region_id"))
            cube = pp.complete_spacetime_cube(clean, "region_id", "time_period")
            cube = cube.sort_values(["time_period", "region_id"]).reset_index(drop=True)
            w_ref = sw.calculate_spatial_weights(cube, "region_id")
            np.random.seed(5)  # noqa: NPY002 - PyEhsa draws from the legacy global RNG
            out = gs.calculate_gi_star_spacetime(cube, w_ref, "region_id", "time_period",
                                                 "value", k=1, nsim=199)
    finally:
        logging.disable(logging.NOTSET)
    assert out["region_id"].tolist() == list(np.tile(ids, t_steps))  # time-major, same order
    gi_ref = out["gi"].to_numpy().reshape(t_steps, len(ids))
    p_ref = out["p_sim"].to_numpy().reshape(t_steps, len(ids))
    w = weights.polygon_contiguity(geo.set_index("region_id"))
    assert w.cardinalities.min() == 3 and w.cardinalities.max() == 8  # a full queen lattice
    ours = space_time_gi_star(values, w, segment_ids=pd.Index(ids), k=1,
                              window="individual_time_step", weights="row_standardized",
                              permutations=199, seed=5, fdr=False)
    np.testing.assert_allclose(ours.z, gi_ref, rtol=0, atol=1e-9)
    # p: the same procedure with other random numbers
    diff = np.abs(ours.p - p_ref)
    assert np.median(diff) < 0.03 and diff.mean() < 0.03  # Monte-Carlo noise only
    assert stats.spearmanr(ours.p.ravel(), p_ref.ravel()).statistic > 0.9
    # sfdep folds without doubling: p = (min(#≥, #≤) + 1)/(R + 1) ≥ 1/(R + 1); ties count on
    # both sides, so p may pass 0.5 on tied (zero-heavy) data but never 1
    assert ours.p.min() >= 1 / 200 and p_ref.min() >= 1 / 200
    assert ours.p.max() <= 1 and np.isclose(np.median(ours.p), np.median(p_ref), atol=0.03)


def test_errors(lattice):
    segs, w, _, x = lattice
    with pytest.raises(ValidationError, match="negative"):
        space_time_gi_star(-x, w, segment_ids=segs.index)
    with pytest.raises(ValidationError, match="missing or infinite"):
        space_time_gi_star(np.where(x > 3, np.nan, x), w, segment_ids=segs.index)
    with pytest.raises(ValidationError, match="window='cube'") as info:
        space_time_gi_star(x, w, segment_ids=segs.index, window="cube", k=-1, weights="r")
    assert "k=-1" in str(info.value) and "weights='r'" in str(info.value)
    with pytest.raises(ValidationError, match="ids for"):
        space_time_gi_star(x, w, segment_ids=segs.index[:-1])
    with pytest.raises(ValidationError, match="every bin of the cube is zero"):
        space_time_gi_star(np.zeros_like(x), w, segment_ids=segs.index)
    with pytest.raises(ValidationError, match="ids do not match"):
        space_time_gi_star(x, w, segment_ids=pd.Index([f"x{i}" for i in range(x.shape[1])]))
