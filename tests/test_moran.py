"""Tests of hotspots.stats.moran against esda Moran_Local and hand-computed cases."""

from __future__ import annotations

import warnings

import esda
import numpy as np
import pandas as pd
import pytest
from libpysal import weights as lpw

from hotspots._errors import ValidationError
from hotspots.stats.moran import LISA_COLUMNS, NOT_SIGNIFICANT, QUADRANTS, local_moran


def _esda_moran(y, w, permutations=0, seed=None, transformation="r"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.Moran_Local(
            np.asarray(y, dtype=float),
            w,
            transformation=transformation,
            permutations=permutations,
            seed=seed,
        )


@pytest.mark.parametrize("transform", ["r", "b"])
def test_analytic_parts_match_esda(columbus, transform):
    df, w = columbus
    res = local_moran(df["HOVAL"], w, permutations=99, seed=1, transform=transform).frame
    ref = _esda_moran(df["HOVAL"], w, transformation=transform)
    np.testing.assert_allclose(res["lisa_i"], ref.Is, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res["lisa_z"], (ref.Is - ref.EI) / np.sqrt(ref.VI), atol=1e-12)
    np.testing.assert_array_equal(res["lisa_q"], ref.q)
    assert tuple(res.columns) == LISA_COLUMNS
    assert list(res.index) == list(df.index)


@pytest.mark.slow  # esda compiles its numba kernels on first use
def test_permutation_p_and_classes_close_to_esda(columbus):
    df, w = columbus
    res = local_moran(df["CRIME"], w, permutations=9999, seed=5, fdr=False).frame
    ref = _esda_moran(df["CRIME"], w, permutations=9999, seed=9)
    diff = np.abs(res["lisa_p_sim"].to_numpy() - ref.p_sim)
    assert diff.max() < 0.025 and diff.mean() < 0.006
    # esda's quadrant logic at 5 %: the same classes except where p sits at the cut-off
    ref_cls = np.where(ref.p_sim <= 0.05, pd.Series(ref.q).map(QUADRANTS), NOT_SIGNIFICANT)
    near_cut = np.abs(ref.p_sim - 0.05) < 0.01
    assert (res["lisa_class"].to_numpy() == ref_cls)[~near_cut].all()


def test_hand_computed_toy():
    # a line of 4: row-standardised lags of z; I_i = (n-1) z_i lag_i / Σz²
    y = pd.Series([1.0, 2.0, 3.0, 10.0])
    w = lpw.W({0: [1], 1: [0, 2], 2: [1, 3], 3: [2]})
    res = local_moran(y, w, permutations=99, seed=1).frame
    z = (y - 4.0) / np.sqrt(12.5)
    lag = np.array([z[1], (z[0] + z[2]) / 2, (z[1] + z[3]) / 2, z[2]])
    np.testing.assert_allclose(res["lisa_i"], 3 * z * lag / (z**2).sum(), atol=1e-14)
    assert res["lisa_q"].tolist() == [3, 3, 2, 4]  # LL, LL, LH (z<0, lag>0), HL


def test_fdr_classes_are_subset(columbus):
    df, w = columbus
    a = local_moran(df["CRIME"], w, permutations=999, seed=1, fdr=True).frame
    b = local_moran(df["CRIME"], w, permutations=999, seed=1, fdr=False).frame
    sig_a = a["lisa_class"] != NOT_SIGNIFICANT
    sig_b = b["lisa_class"] != NOT_SIGNIFICANT
    assert (sig_b | ~sig_a).all()
    assert (a.loc[sig_a, "lisa_class"] == b.loc[sig_a, "lisa_class"]).all()
    assert (a["lisa_p_adj"] >= a["lisa_p_sim"]).all()


def test_errors_and_islands(columbus):
    df, w = columbus
    with pytest.raises(ValidationError, match="zero variance"):
        local_moran(pd.Series(1.0, index=df.index), w)
    with pytest.raises(ValidationError, match="permutations"):
        local_moran(df["CRIME"], w, permutations=0)
    with pytest.raises(ValidationError, match="transform"):
        local_moran(df["CRIME"], w, transform="v")
    y = pd.Series([1.0, 2.0, 3.0, 50.0])
    wi = lpw.W({0: [1], 1: [0, 2], 2: [1], 3: []}, silence_warnings=True)
    res = local_moran(y, wi, permutations=99, seed=1).frame
    assert res.loc[3, "lisa_class"] == NOT_SIGNIFICANT
    assert res.loc[3, "lisa_i"] == 0.0


def test_mesa_no_outlier_made_of_all_zero_neighbours():
    """Mesa crimes on the street pieces (libpysal geodanet): esda's fold flags 18 "HL"
    segments whose neighbours all have zero crimes; tie-aware p-values flag none of them."""
    import geopandas as gpd
    from libpysal import examples

    from hotspots import weights
    from hotspots.segments import build_segments
    from hotspots.snap import snap_points

    streets = gpd.read_file(examples.get_path("streets.shp"))
    crimes = gpd.read_file(examples.get_path("crimes.shp"))
    seg = build_segments(streets, unit="piece")
    snapped = snap_points(np.asarray(crimes.to_crs(seg.crs).geometry.values), seg,
                          max_distance_m=500)
    count = pd.Series(snapped.segment_id).value_counts().reindex(seg.index, fill_value=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.network_contiguity(seg)
    quiet = (weights.to_sparse(w, seg.index) @ count.to_numpy()) == 0
    res = local_moran(count.astype(float), w).frame  # package defaults: 999, FDR, 5 %
    assert not (res["lisa_class"] != NOT_SIGNIFICANT)[quiet].any()
    # a quiet segment with crimes ("HL" by quadrant): its lag is the smallest possible, so its
    # exact p is P(all k drawn neighbours are zero) = C(Z, k) / C(n − 1, k), Z = zeros among
    # the other n − 1 segments
    from math import comb

    mat = weights.to_sparse(w, seg.index)
    card = np.diff(mat.indptr)
    sel = np.flatnonzero(quiet & (count.to_numpy() > 0) & (card > 0))
    assert len(sel) >= 10
    n = len(count)
    zeros = int((count == 0).sum())
    exact = np.array([min(comb(zeros, card[i]) / comb(n - 1, card[i]), 1.0) for i in sel])
    np.testing.assert_allclose(res["lisa_p_sim"].to_numpy()[sel], exact, atol=0.035)
    assert (exact > 0.05).all()
