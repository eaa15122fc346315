"""Tests of hotspots.stats.optimized: ArcGIS-style checks, outliers, scale choice, Gi* vs esda."""

from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal import examples
from libpysal import weights as lpw
from scipy.spatial import cKDTree
from shapely.geometry import box

from hotspots._errors import CRSError, ValidationError
from hotspots.stats.gistar import to_bins
from hotspots.stats.optimized import (
    choose_distance,
    incremental_moran,
    locational_outliers,
    optimized_hot_spots,
    representative_xy,
)


@pytest.fixture(scope="module")
def mesa():
    streets = gpd.read_file(examples.get_path("streets.shp")).to_crs(26949)
    crimes = gpd.read_file(examples.get_path("crimes.shp")).to_crs(26949)
    segs = streets[["geometry"]].copy()
    segs.index = pd.Index(np.arange(len(segs), dtype=np.int64) + 500, name="segment_id")
    near = gpd.sjoin_nearest(crimes[["geometry"]], segs, how="left")
    near = near[~near.index.duplicated(keep="first")]
    segs["count"] = near["segment_id"].value_counts().reindex(segs.index, fill_value=0)
    return segs


@pytest.fixture(scope="module")
def grid():
    """A 20 × 20 grid of 100 m cells with a smooth hot spot of counts in one corner."""
    cells, counts = [], []
    rng = np.random.default_rng(42)
    for i in range(20):
        for j in range(20):
            cells.append(box(i * 100, j * 100, (i + 1) * 100, (j + 1) * 100))
            lam = 0.3 + 12 * np.exp(-((i - 5) ** 2 + (j - 5) ** 2) / 18)
            counts.append(rng.poisson(lam))
    return gpd.GeoDataFrame({"count": counts}, geometry=cells, crs="EPSG:31982")


def test_isa_matches_esda_moran_on_libpysal_distance_band(mesa):
    xy = representative_xy(mesa)
    bands = np.array([150.0, 300.0, 600.0])
    isa = incremental_moran(mesa["count"].to_numpy(float), xy, bands)
    for d, z in zip(bands, isa["z"]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = lpw.DistanceBand(xy, threshold=d, binary=True, silence_warnings=True)
            ref = esda.Moran(mesa["count"].to_numpy(float), w, transformation="r", permutations=0)
        assert z == pytest.approx(ref.z_norm, abs=1e-10)


def test_gi_matches_esda_at_the_chosen_distance(mesa):
    res = optimized_hot_spots(mesa, permutations=0)
    xy = representative_xy(mesa)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = lpw.DistanceBand(xy, threshold=res.distance_m, binary=True, silence_warnings=True)
        ref = esda.G_Local(
            mesa["count"].to_numpy(float), w, star=True, transform="B", permutations=0
        )
    np.testing.assert_allclose(res.frame["gi_z"].to_numpy(), ref.Zs, rtol=0, atol=1e-10)
    # FDR is always on: the bins come from the BH-adjusted p
    np.testing.assert_array_equal(
        res.frame["gi_bin"], to_bins(res.frame["gi_z"], res.frame["gi_p_adj"])
    )
    assert list(res.frame.index) == list(mesa.index)


def test_log_records_every_choice(mesa):
    res = optimized_hot_spots(mesa, permutations=99, seed=3)
    text = "\n".join(res.log)
    for needle in (
        "287 incidents on 293 features",
        "locational outliers",
        "incremental spatial autocorrelation",
        "scale:",
        "FDR on",
        "fewer than 8 neighbours",
        "seed 3",
    ):
        assert needle in text
    assert res.seed == 3
    assert len(res.isa) == 10


def test_clustered_grid_finds_a_peak_and_the_hot_corner(grid):
    res = optimized_hot_spots(grid, permutations=99, seed=1)
    isa = res.isa
    scale = next(line for line in res.log if line.startswith("scale:"))
    assert "first peak" in scale
    i = int(np.argmin(np.abs(isa["distance_m"] - res.distance_m)))
    assert isa["distance_m"][i] == pytest.approx(res.distance_m)
    assert isa["z"][i] > isa["z"][i - 1] and isa["z"][i] > isa["z"][i + 1]
    assert (isa["z"][:i] < isa["z"][i]).all()  # no earlier peak
    hot = res.frame.index[res.frame["gi_bin"] >= 2]
    centres = representative_xy(grid.loc[hot])
    assert len(hot) > 5
    assert np.hypot(*(centres.mean(axis=0) - [550, 550])) < 200


def test_choose_distance_first_significant_peak_and_fallback():
    core = np.random.default_rng(0).uniform(0, 1000, (200, 2))
    isa = pd.DataFrame(
        {"distance_m": [100, 200, 300, 400, 500, 600], "z": [1.0, 1.5, 1.2, 3.0, 4.0, 3.5]}
    )
    # the peak at 200 m is not significant (z 1.5); the first significant peak is at 500 m
    assert choose_distance(isa, core)[0] == 500
    flat = pd.DataFrame({"distance_m": [100, 200, 300], "z": [1.0, 2.0, 3.0]})
    dist, how = choose_distance(flat, core)
    k = 10  # 5 % of 200
    expected = cKDTree(core).query(core, k=k + 1)[0][:, k].mean()
    assert dist == pytest.approx(expected)
    assert "fallback" in how and "10th nearest neighbour" in how


def test_locational_outlier_detected_and_logged(grid):
    far = grid.iloc[:1].copy()
    far.index = [10_000]
    far.geometry = [box(50_000, 50_000, 50_100, 50_100)]
    data = pd.concat([grid, far])
    mask = locational_outliers(representative_xy(data))
    assert mask.sum() == 1 and mask[-1]
    res = optimized_hot_spots(data, permutations=0)
    assert any("1 locational outliers" in line and "10000" in line for line in res.log)
    assert 10_000 in res.frame.index


def test_error_paths(grid, mesa):
    few = grid.copy()
    few["count"] = 0
    few.loc[few.index[:10], "count"] = 1
    with pytest.raises(ValidationError, match=r"only 10 incidents.*at least 30"):
        optimized_hot_spots(few)
    with pytest.raises(ValidationError, match="only 20 features"):
        optimized_hot_spots(grid.iloc[:20].assign(count=5 + np.arange(20)))
    with pytest.raises(ValidationError, match="zero variance"):
        optimized_hot_spots(grid.assign(count=2))
    with pytest.raises(ValidationError, match="no column 'crimes'"):
        optimized_hot_spots(grid, value_column="crimes")
    with pytest.raises(CRSError, match="geographic"):
        optimized_hot_spots(mesa.to_crs(4326))
