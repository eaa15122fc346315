"""Tests of hotspots.stats.gistar against esda G_Local, scipy and hand-computed toy cases."""

from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal import examples
from libpysal import weights as lpw
from scipy import stats

from hotspots import weights
from hotspots._errors import ValidationError
from hotspots.stats._inference import bh_adjust
from hotspots.stats.gistar import GI_COLUMNS, gi_star, to_bins


def _esda_g_star(y, w, permutations=0, seed=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda's notice about its future `alternative` default
        return esda.G_Local(
            np.asarray(y, dtype=float),
            w,
            star=True,
            transform="B",
            permutations=permutations,
            seed=seed,
        )


@pytest.fixture(scope="module")
def mesa():
    """Mesa (libpysal geodanet) streets as segments with the crimes counted on each."""
    streets = gpd.read_file(examples.get_path("streets.shp")).to_crs(26949)
    crimes = gpd.read_file(examples.get_path("crimes.shp")).to_crs(26949)
    segs = streets[["geometry"]].copy()
    segs.index = pd.Index(np.arange(len(segs), dtype=np.int64) * 7 + 1000, name="segment_id")
    segs["length_m"] = segs.length
    near = gpd.sjoin_nearest(crimes[["geometry"]], segs[["geometry"]], how="left")
    near = near[~near.index.duplicated(keep="first")]
    segs["count"] = near["segment_id"].value_counts().reindex(segs.index, fill_value=0)
    return segs


def test_columbus_matches_esda_and_reference_values(columbus):
    df, w = columbus
    res = gi_star(df["CRIME"], w, permutations=0)
    ref = _esda_g_star(df["CRIME"], w)
    np.testing.assert_allclose(res.frame["gi_z"].to_numpy(), ref.Zs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.frame["gi_p"].to_numpy(), 2 * ref.p_norm, rtol=0, atol=1e-12)
    hot = sorted(res.frame.index[res.frame["gi_z"] > 1.96])
    assert hot == [11, 15, 16, 18, 24, 25, 26, 28, 29, 30, 37]  # REFERENCE.md (esda = spdep)
    assert res.frame["gi_z"].idxmax() == 16
    assert res.frame["gi_z"].max() == pytest.approx(3.4751, abs=1e-4)
    card = np.array([w.cardinalities[i] for i in df.index]) + 1
    np.testing.assert_array_equal(res.frame["gi_nneighbors"].to_numpy(), card)


def test_mesa_segments_match_esda(mesa):
    g = weights.network_contiguity(mesa)
    for y in (mesa["count"], mesa["count"] / mesa["length_m"] * 100):
        res = gi_star(y, g, permutations=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = _esda_g_star(y, g.to_W())
        np.testing.assert_allclose(res.frame["gi_z"].to_numpy(), ref.Zs, rtol=0, atol=1e-10)
    band = weights.network_distance_band(mesa)
    res = gi_star(mesa["count"], band, permutations=0)
    ref = _esda_g_star(mesa["count"], band)
    np.testing.assert_allclose(res.frame["gi_z"].to_numpy(), ref.Zs, rtol=0, atol=1e-10)


def test_mesa_tight_band_reports_islands(mesa):
    with pytest.warns(weights.IslandsWarning) as rec:
        g = weights.network_distance_band(mesa, distance_m=30.0)
    assert sorted(rec[0].message.islands) == sorted(g.isolates)
    assert len(g.isolates) > 0
    res = gi_star(mesa["count"], g, permutations=0)
    ref = _esda_g_star(mesa["count"], g)
    np.testing.assert_allclose(res.frame["gi_z"].to_numpy(), ref.Zs, rtol=0, atol=1e-10)


def test_hand_computed_toy():
    # 4 features on a line, neighbours left/right; with self: sums 1+2, 1+2+3, 2+3+10, 3+10
    y = pd.Series([1.0, 2.0, 3.0, 10.0], index=pd.Index([5, 6, 7, 8], name="segment_id"))
    w = lpw.W({5: [6], 6: [5, 7], 7: [6, 8], 8: [7]})
    res = gi_star(y, w, permutations=0).frame
    n, total, mean = 4, 16.0, 4.0
    var = (1 + 4 + 9 + 100) / n - mean**2  # population variance = 12.5
    card = np.array([2, 3, 3, 2])
    g = np.array([3, 6, 15, 13]) / total
    ez = card / n
    vz = card * (n - card) / (n - 1) / n**2 * var / mean**2
    np.testing.assert_allclose(res["gi_z"], (g - ez) / np.sqrt(vz), atol=1e-14)
    assert res["gi_nneighbors"].tolist() == [2, 3, 3, 2]
    assert list(res.index) == [5, 6, 7, 8]
    assert tuple(res.columns) == GI_COLUMNS


@pytest.mark.slow  # esda compiles its numba kernels on first use (~90 s here)
def test_permutation_p_close_to_esda(columbus):
    df, w = columbus
    res = gi_star(df["CRIME"], w, permutations=9999, seed=3)
    ref = _esda_g_star(df["CRIME"], w, permutations=9999, seed=11)
    diff = np.abs(res.frame["gi_p_sim"].to_numpy() - ref.p_sim)
    # two independent Monte Carlo estimates with 9999 draws: sd ≤ 0.005 each
    assert diff.max() < 0.025
    assert diff.mean() < 0.006


def test_permutation_p_converges_to_exact_enumeration():
    # feature 0 has one neighbour; its conditional null draws 1 of the other 5 values uniformly
    y = pd.Series([5.0, 4.0, 1.0, 2.0, 3.0, 9.0])
    w = lpw.W({0: [1], 1: [0], 2: [3], 3: [2], 4: [5], 5: [4]}, silence_warnings=True)
    res = gi_star(y, w, permutations=20000, seed=1).frame
    # observed neighbour value of 0 is 4; others {4,1,2,3,9}: P(≥4) = 2/5, P(≤4) = 4/5 → 2/5
    assert res.loc[0, "gi_p_sim"] == pytest.approx(0.4, abs=0.012)
    # feature 4 (neighbour value 9) draws from {5,4,1,2,9}: P(≥9) = 1/5 → 0.2
    assert res.loc[4, "gi_p_sim"] == pytest.approx(0.2, abs=0.012)
    # feature 5 (neighbour value 3) draws from {5,4,1,2,3}: P(≥3) = 3/5, P(≤3) = 3/5 → 0.6
    # (ties count on both sides; esda's min(#≥, #<) would give 2/5)
    assert res.loc[5, "gi_p_sim"] == pytest.approx(0.6, abs=0.012)
    # feature 2 (neighbour value 2) draws from {5,4,2,3,9}: P(≥2) = 1, P(≤2) = 1/5 → 0.2
    # (the draw equal to 2 is as extreme as the observation; esda's fold gives 1/(R+1))
    assert res.loc[2, "gi_p_sim"] == pytest.approx(0.2, abs=0.012)


def test_bh_matches_scipy():
    rng = np.random.default_rng(4)
    p = np.concatenate([rng.uniform(0, 0.01, 20), rng.uniform(0, 1, 200)])
    np.testing.assert_allclose(
        bh_adjust(p), stats.false_discovery_control(p, method="bh"), atol=1e-14
    )


def test_bins_fdr_and_no_fdr(mesa):
    g = weights.network_contiguity(mesa)
    res = gi_star(mesa["count"], g, permutations=99, seed=1, fdr=True).frame
    np.testing.assert_array_equal(res["gi_bin_nofdr"], to_bins(res["gi_z"], res["gi_p"]))
    np.testing.assert_array_equal(res["gi_bin"], to_bins(res["gi_z"], res["gi_p_adj"]))
    # FDR only shrinks the set of significant features, and never changes a sign
    assert (res["gi_bin"].abs() <= res["gi_bin_nofdr"].abs()).all()
    assert (np.sign(res["gi_bin"]) * np.sign(res["gi_bin_nofdr"]) >= 0).all()
    nofdr = gi_star(mesa["count"], g, permutations=99, seed=1, fdr=False).frame
    np.testing.assert_array_equal(nofdr["gi_bin"], nofdr["gi_bin_nofdr"])


def test_to_bins_thresholds():
    z = np.array([3.0, 2.0, 1.7, 1.0, -1.7, -2.0, -3.0, 1.0])
    p = np.array([0.01, 0.05, 0.10, 0.2, 0.10, 0.05, 0.001, np.nan])
    assert to_bins(z, p).tolist() == [3, 2, 1, 0, -1, -2, -3, 0]


def test_bin_from_permutation_p(columbus):
    df, w = columbus
    res = gi_star(df["CRIME"], w, permutations=999, seed=2, bin_p="permutation", fdr=False)
    f = res.frame
    np.testing.assert_array_equal(f["gi_bin"], to_bins(f["gi_z"], f["gi_p_sim"]))
    np.testing.assert_allclose(f["gi_p_adj"], bh_adjust(f["gi_p_sim"].to_numpy()))
    with pytest.raises(ValidationError, match="needs permutations > 0"):
        gi_star(df["CRIME"], w, permutations=0, bin_p="permutation")


def test_seed_reproducible_and_threads_invariant(columbus):
    df, w = columbus
    a = gi_star(df["CRIME"], w, permutations=199, seed=7, n_jobs=1).frame
    b = gi_star(df["CRIME"], w, permutations=199, seed=7, n_jobs=2).frame
    c = gi_star(df["CRIME"], w, permutations=199, seed=8).frame
    pd.testing.assert_frame_equal(a, b)
    assert not a["gi_p_sim"].equals(c["gi_p_sim"])


def test_row_order_invariance_and_no_mutation(columbus):
    df, w = columbus
    y = df["CRIME"].copy()
    res = gi_star(y, w, permutations=0).frame
    shuffled = y.sample(frac=1.0, random_state=1)
    res2 = gi_star(shuffled, w, permutations=0).frame
    pd.testing.assert_frame_equal(res.loc[shuffled.index], res2)
    pd.testing.assert_series_equal(y, df["CRIME"])
    assert (w.sparse.diagonal() == 0).all()  # the caller's weights are not given a diagonal


def test_error_paths(columbus):
    df, w = columbus
    with pytest.raises(ValidationError, match="zero variance"):
        gi_star(pd.Series(3.0, index=df.index), w)
    with pytest.raises(ValidationError, match="at least 3 features"):
        gi_star(pd.Series([1.0, 2.0]), lpw.W({0: [1], 1: [0]}))
    with pytest.raises(ValidationError, match="do not match"):
        gi_star(df["CRIME"].iloc[:-1], w)
    bad = df["CRIME"].copy()
    bad.iloc[4] = np.nan
    with pytest.raises(ValidationError, match="missing or infinite"):
        gi_star(bad, w)
    with pytest.raises(ValidationError, match="non-negative"):
        gi_star(df["CRIME"] - 30, w)
    with pytest.raises(ValidationError, match="permutations"):
        gi_star(df["CRIME"], w, permutations=-1)


def test_island_has_p_sim_one_and_own_value_only():
    y = pd.Series([1.0, 2.0, 3.0, 50.0])
    w = lpw.W({0: [1], 1: [0, 2], 2: [1], 3: []}, silence_warnings=True)
    res = gi_star(y, w, permutations=99, seed=1).frame
    ref = _esda_g_star(y, w)
    np.testing.assert_allclose(res["gi_z"], ref.Zs, atol=1e-12)
    assert res.loc[3, "gi_p_sim"] == 1.0
    assert res.loc[3, "gi_nneighbors"] == 1


def test_statistics_step_on_sample_city(sample_result):
    from hotspots.raster import Raster

    seg = sample_result.segments
    stats = sample_result.statistics
    assert seg.index.name == "segment_id"
    for col in (
        "gi_z",
        "gi_p",
        "gi_p_sim",
        "gi_p_adj",
        "gi_bin",
        "gi_bin_nofdr",
        "gi_nneighbors",
        "lisa_i",
        "lisa_z",
        "lisa_p_sim",
        "lisa_p_adj",
        "lisa_class",
    ):
        assert col in seg.columns, col
    assert seg["gi_bin"].dtype == np.int64 and seg["gi_bin"].between(-3, 3).all()
    # the step's Gi* is esda's on the same weights and variable (rates per 100 m)
    ref = _esda_g_star(seg["rate_per_100m"], stats.weights)
    np.testing.assert_allclose(seg["gi_z"].to_numpy(), ref.Zs, rtol=0, atol=1e-10)
    summary = sample_result.summary()["statistics"]
    assert summary["seed"] == sample_result.config.parameters.seed
    assert sum(summary["gi_bins"].values()) == len(seg)
    assert summary["gi_bins"]["hot_99"] == int((seg["gi_bin"] == 3).sum())
    raster = stats.kde
    assert isinstance(raster, Raster)
    assert raster.crs == seg.crs
    assert np.nanmax(raster.array) > 0
    assert sample_result.summary()["gi_parameters"]["variable"] == "rate_per_100m"


def test_statistics_step_alone_on_a_toy_network():
    """One step tested by itself: counted segments in, Gi*/LISA/KDE out (no earlier step)."""
    import geopandas as gpd
    import shapely

    from hotspots.config import StatisticsSettings
    from hotspots.pipeline.statistics import statistics_step

    n = 40  # a straight street of 40 segments of 10 m, incidents piled on segments 20-22
    lines = [shapely.LineString([(i * 10.0, 0.0), ((i + 1) * 10.0, 0.0)]) for i in range(n)]
    counts = np.zeros(n, dtype=np.int64)
    counts[20:23] = [5, 9, 6]
    seg = gpd.GeoDataFrame({"street_name": "Rua A", "length_m": 10.0, "count": counts},
                           geometry=lines, crs="EPSG:31982",
                           index=pd.Index(np.arange(100, 100 + n), name="segment_id"))
    seg["rate_per_100m"] = seg["count"] / seg["length_m"] * 100
    pts = [shapely.Point(x, 0.0) for i, c in enumerate(counts) for x in
           np.linspace(i * 10 + 1, i * 10 + 9, c)]
    inc = gpd.GeoDataFrame({"segment_id": [100 + i for i, c in enumerate(counts)
                                           for _ in range(c)],
                            "position_m": [x % 10 for x in np.concatenate(
                                [np.linspace(i * 10 + 1, i * 10 + 9, c)
                                 for i, c in enumerate(counts)])]},
                           geometry=pts, crs="EPSG:31982")
    area = gpd.GeoDataFrame(geometry=[shapely.box(-20, -60, 420, 60)], crs="EPSG:31982")
    res = statistics_step(seg, inc, boundary=area,
                          settings=StatisticsSettings(permutations=99, nkde_bandwidth_m=30.0,
                                                      kde_radius_m=25.0),
                          seed=7)
    assert res.columns.loc[121, "gi_bin"] == 3  # the middle of the pile is the hot spot
    assert (res.columns["gi_bin"].loc[100:110] <= 0).all()
    assert res.gi is not None and res.gi.variable == "rate_per_100m"
    assert res.kde is not None and res.summary["kde"]["points"] == 20
    assert res.columns["nkde"].idxmax() == 121
