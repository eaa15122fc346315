"""End-to-end tests of hotspots.stats.emerging on a planted street, settings, privacy, errors."""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import privacy, weights
from hotspots._errors import ValidationError
from hotspots._settings import build_section, template_lines
from hotspots.stats.emerging import (
    ALPHA_SENSITIVITY,
    EMERGING_COLUMNS,
    EMERGING_COUNT_DERIVED,
    EMERGING_LIAISON_COLUMNS,
    EmergingSettings,
    became,
    emerging_hot_spots,
)
from hotspots.stats.spacetime_gistar import space_time_gi_star

TZ = "America/Sao_Paulo"
END = pd.Timestamp("2026-11-23", tz=TZ)  # Monday after 2026-W47
WEEKS = 52


def one_street(n: int = 80) -> gpd.GeoDataFrame:
    """A straight avenue cut into n 100 m blocks: block i touches blocks i−1 and i+1."""
    lines = [shapely.LineString([(100.0 * i, 0.0), (100.0 * (i + 1), 0.0)]) for i in range(n)]
    segs = gpd.GeoDataFrame(geometry=lines, crs="EPSG:31982")
    segs.index = pd.Index(np.arange(n, dtype=np.int64) + 1000, name="segment_id")
    segs["length_m"] = 100.0
    return segs


def planted_counts(n: int, rng: np.random.Generator) -> np.ndarray:
    """Weekly counts (52 × n): background noise and three planted patterns."""
    c = rng.poisson(0.03, (WEEKS, n))
    c[:, 8:15] = 0
    c[-1, 10:13] = 6  # a cluster that appears in the final week only
    c[:, 38:45] = 0
    c[:, 40:43] = 3  # a cluster with 3 incidents a week on each block, every week
    c[:, 58:65] = 0
    c[:, 60:63] = np.round(np.linspace(0, 8, WEEKS))[:, None]  # a cluster that grows
    return c


def incidents_from(counts: np.ndarray, segs: gpd.GeoDataFrame, rng) -> pd.DataFrame:
    week, col = np.nonzero(counts)
    reps = counts[week, col]
    week, col = np.repeat(week, reps), np.repeat(col, reps)
    start = END - pd.Timedelta(weeks=WEEKS)
    seconds = rng.uniform(0, 7 * 86400 - 1, len(week))
    occurred = start + pd.to_timedelta(week * 7 * 86400 + seconds, unit="s")
    frame = pd.DataFrame({"segment_id": segs.index.to_numpy()[col], "occurred_at": occurred,
                          "category": "roubo"})
    frame = frame.sample(frac=1.0, random_state=1)  # no order assumed
    frame.index = pd.Index(np.arange(len(frame)) + 1, name="incident_id")
    return frame


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(42)
    segs = one_street()
    counts = planted_counts(len(segs), rng)
    inc = incidents_from(counts, segs, rng)
    w = weights.network_contiguity(segs)
    return segs, w, inc, counts


@pytest.fixture(scope="module")
def result(planted):
    segs, w, inc, _ = planted
    return emerging_hot_spots(inc, segs, w, end=END)


def test_planted_patterns_get_their_category(planted, result):
    segs, _, _, counts = planted
    frame = result.frame
    np.testing.assert_array_equal(result.cube.counts, counts)
    assert frame.index.equals(segs.index) and list(frame.columns) == list(EMERGING_COLUMNS)
    cat = frame["emerging_category"]
    assert cat.loc[1011] == "New Hot Spot"  # centre of the cluster of the final week
    assert cat.loc[1041] == "Persistent Hot Spot"
    assert cat.loc[1061] == "Consecutive Hot Spot"
    assert cat.loc[1075] == "No Pattern Detected"
    row = frame.loc[1041]
    assert row["emerging_n_hot"] == 52 and row["emerging_final_bin"] == 3
    # z is constant after the first week (whose neighbourhood lacks week −1): 51 ties
    assert row["emerging_trend_tau"] == pytest.approx(51 / np.sqrt((1326 - 1275) * 1326))
    assert row["emerging_trend"] == "none"
    assert row["emerging_explanation_en"] == (
        f"hot in 52 of 52 weeks including the last; no significant trend "
        f"(p = {row['emerging_trend_p']:.3f}) → Persistent Hot Spot")
    assert re.fullmatch(r"quente em 52 de 52 semanas, incluindo a última; sem tendência "
                        r"significativa \(p = 0,\d{3}\) → Ponto quente persistente",
                        row["emerging_explanation_pt"])
    assert frame.loc[1061, "emerging_trend"] == "rising"
    assert frame.loc[1011, "emerging_n_hot"] == 1
    assert frame.loc[1061, "emerging_count_trend_z"] > 5  # counts grow steadily


def test_neighbourhood_count_and_privacy_suppression(planted, result):
    _, _, _, counts = planted
    total = counts.sum(axis=0)
    expected = total + np.r_[0, total[:-1]] + np.r_[total[1:], 0]  # self + both blocks
    np.testing.assert_array_equal(result.frame["emerging_nbhd_count"], expected)
    assert set(EMERGING_LIAISON_COLUMNS) < set(EMERGING_COLUMNS)
    for private in ("emerging_final_z", "emerging_final_p", "emerging_count_trend_z",
                    "emerging_count_trend_p", "emerging_count_trend_tau"):
        assert private not in EMERGING_LIAISON_COLUMNS
    # privacy.suppress_small_counts cannot null pandas-3 "str" columns yet (it casts them to
    # float); until it does, hand it object columns
    frame = result.frame.astype({c: object for c in result.frame.columns
                                 if pd.api.types.is_string_dtype(result.frame[c])})
    out = privacy.suppress_small_counts(frame, k=3, derived=EMERGING_COUNT_DERIVED)
    small = (expected >= 1) & (expected < 3)
    assert small.any() and out["suppressed"].to_numpy().tolist() == small.tolist()
    assert out.loc[small, "emerging_category"].isna().all()
    assert out.loc[~small, "emerging_category"].notna().all()
    assert out.loc[small, "emerging_count_trend_z"].notna().all()  # analyst column untouched


def test_sensitivity_table_and_stability(planted, result):
    segs, w, inc, _ = planted
    sens = result.sensitivity
    assert list(sens.columns) == list(ALPHA_SENSITIVITY) and len(sens) == 17
    assert (sens.sum(axis=0) == len(segs)).all()
    assert sens[0.05].to_dict() == result.counts()  # defaults: both α = 0.05
    by_alpha = {a: emerging_hot_spots(inc, segs, w, end=END, settings=EmergingSettings(
        alpha_bins=a, alpha_trend=a)).frame["emerging_category"] for a in ALPHA_SENSITIVITY}
    for a, cats in by_alpha.items():
        assert cats.value_counts().reindex(sens.index, fill_value=0).tolist() == \
            sens[a].tolist()
    same = (by_alpha[0.01] == by_alpha[0.05]) & (by_alpha[0.05] == by_alpha[0.10])
    pd.testing.assert_series_equal(result.frame["emerging_stable"], same,
                                   check_names=False)


def test_parameters_and_bins(result):
    p = result.parameters
    assert p["alpha_bins"] == 0.05 and p["alpha_trend"] == 0.05 and p["fdr"] is True
    assert p["window"] == "entire_cube" and p["neighborhood_time_step"] == 1
    assert p["ninety_percent_steps"] == 47 and p["inference"] == "analytic"
    assert p["cube"]["first_step"] == "2025-W48" and p["cube"]["last_step"] == "2026-W47"
    assert p["settings"] == dataclasses.asdict(EmergingSettings())
    long = result.bins_long()
    assert len(long) == WEEKS * len(result.frame)
    assert long.loc[(long["segment_id"] == 1041) & (long["step"] == "2026-W47"),
                    "gi_bin"].item() == 3
    assert (long.groupby("segment_id")["gi_bin"].apply(lambda b: (b > 0).sum())
            .reindex(result.frame.index) >= result.frame["emerging_n_hot"]).all()


@pytest.mark.parametrize("window", ["neighborhood_time_step", "individual_time_step"])
def test_other_windows_compare_each_bin_with_its_own_weeks(planted, window):
    segs, w, inc, _ = planted
    res = emerging_hot_spots(inc, segs, w, end=END, settings=EmergingSettings(
        global_window=window, neighborhood_time_step=2))
    ref = space_time_gi_star(res.cube.values, w, segment_ids=segs.index, k=2, window=window)
    np.testing.assert_array_equal(res.gi.z, ref.z)
    np.testing.assert_array_equal(res.gi.bins, ref.bins)
    assert res.parameters["window"] == window and res.parameters["neighborhood_time_step"] == 2
    # the growing cluster raises the weekly mean and SD, so against its own weeks the steady
    # cluster stands out less and less: still hot every week, but Diminishing (entire cube:
    # Persistent)
    assert res.frame.loc[1041, "emerging_category"] == "Diminishing Hot Spot"
    assert res.frame.loc[1041, "emerging_n_hot"] == 52
    assert res.frame.loc[1061, "emerging_category"] == "Consecutive Hot Spot"


def test_sfdep_compatible_mode(planted):
    segs, w, inc, _ = planted
    s = EmergingSettings.sfdep_defaults()
    assert (s.simulations, s.alpha_bins, s.alpha_trend, s.fdr) == (199, 0.01, 0.01, False)
    res = emerging_hot_spots(inc, segs, w, end=END, settings=s)
    ref = space_time_gi_star(res.cube.values, w, segment_ids=segs.index, k=1,
                             window="individual_time_step", weights="row_standardized",
                             permutations=199, seed=s.seed, fdr=False)
    np.testing.assert_array_equal(res.gi.z, ref.z)
    np.testing.assert_array_equal(res.gi.p, ref.p)
    assert res.parameters["inference"] == "permutation" and res.parameters["seed"] == s.seed
    assert res.parameters["weights"].startswith("row_standardized")
    assert res.frame.loc[1041, "emerging_category"] == "Diminishing Hot Spot"  # as above
    assert res.frame.loc[1011, "emerging_category"] == "New Hot Spot"
    again = emerging_hot_spots(inc, segs, w, end=END, settings=s)
    pd.testing.assert_frame_equal(res.frame, again.frame)  # seeded
    with pytest.raises(ValidationError, match="smallest pseudo p is 1/50"):
        emerging_hot_spots(inc, segs, w, end=END,
                           settings=dataclasses.replace(s, simulations=49))


def test_partial_final_week_is_never_analysed(planted, result):
    segs, w, inc, _ = planted
    extra = pd.DataFrame({"segment_id": [1041] * 5, "category": "roubo", "occurred_at":
                          pd.date_range("2026-11-23 10:00", periods=5, freq="h", tz=TZ)},
                         index=pd.Index(np.arange(5) + 10**6, name="incident_id"))
    more = pd.concat([inc, extra])
    later = pd.Timestamp("2026-11-25 12:00", tz=TZ)
    for handling in ("drop", "flag"):
        res = emerging_hot_spots(more, segs, w, end=later,
                                 settings=EmergingSettings(partial_step=handling))
        pd.testing.assert_frame_equal(res.frame, result.frame)
        assert res.cube.partial.label == "2026-W48" and res.cube.partial.incidents == 5
        assert (res.cube.partial.counts is None) == (handling == "drop")


def test_months_and_inputs_untouched(planted):
    segs, w, inc, _ = planted
    before = inc.copy(), segs.copy()
    res = emerging_hot_spots(inc, segs, w, end=END,
                             settings=EmergingSettings(time_step="month", n_steps=11))
    pd.testing.assert_frame_equal(inc, before[0])
    pd.testing.assert_frame_equal(segs, before[1])
    assert res.cube.steps["label"].iloc[-1] == "2026-10" and res.cube.n_steps == 11
    assert res.cube.partial.label == "2026-11"
    assert res.frame["emerging_explanation_en"].str.contains(r"of (?:the )?11 months").all()
    assert res.parameters["ninety_percent_steps"] == 10


@pytest.mark.parametrize("build", ["contiguity", "distance_band", "libpysal_W"])
def test_every_weights_builder(planted, build):
    segs, w, inc, _ = planted
    if build == "distance_band":
        w = weights.network_distance_band(segs, distance_m=250.0)  # blocks i±2
        assert w.cardinalities.loc[1041] == 4
    elif build == "libpysal_W":
        w = w.to_W()
    res = emerging_hot_spots(inc, segs, w, end=END)
    assert res.frame.loc[1041, "emerging_category"] == "Persistent Hot Spot"
    assert res.frame.loc[1011, "emerging_category"] == "New Hot Spot"
    width = 5 if build == "distance_band" else 3
    assert res.gi.n_neighbors[-1, 41] == 2 * width


def test_segment_order_is_identity_not_position(planted, result):
    segs, w, inc, _ = planted
    order = np.random.default_rng(9).permutation(len(segs))
    res = emerging_hot_spots(inc.iloc[::-1], segs.iloc[order], w, end=END)
    assert res.frame.index.equals(segs.index[order])
    pd.testing.assert_frame_equal(res.frame, result.frame.loc[segs.index[order]])


def test_became_new_or_intensifying():
    now = pd.Series({1: "New Hot Spot", 2: "Intensifying Hot Spot", 3: "New Hot Spot",
                     4: "No Pattern Detected", 5: "New Hot Spot"})
    before = pd.Series({1: "No Pattern Detected", 2: "Intensifying Hot Spot",
                        3: "Sporadic Hot Spot", 4: "New Hot Spot"})
    assert became(now, before).tolist() == [1, 3, 5]
    assert became(now, before, categories=("Intensifying Hot Spot",)).tolist() == []
    with pytest.raises(ValidationError, match="unknown categories"):
        became(now, before, categories=("Emerging Hot Spot",))


def test_settings_are_declared_once():
    obj, problems = build_section(EmergingSettings, {"time_step": "day", "n_steps": 8,
                                                     "alpha_bins": 0.5, "alpha_trnd": 0.1},
                                  section="emerging")
    assert obj is None
    joined = "\n".join(problems)
    assert "emerging.time_step: expected one of" in joined
    assert "emerging.n_steps: expected a number ≥ 10" in joined
    assert "did you mean 'alpha_trend'" in joined
    ok, none = build_section(EmergingSettings, {"global_window": "individual_time_step"},
                             section="emerging")
    assert none == [] and ok.global_window == "individual_time_step"
    lines = template_lines(EmergingSettings, section="emerging")
    assert lines[0] == "[emerging]" and 'global_window = "entire_cube"' in lines
    assert "alpha_trend = 0.05" in lines


def test_errors(planted):
    segs, w, inc, _ = planted
    with pytest.raises(ValidationError, match=r"emerging\.n_steps: expected a number ≥ 10"):
        emerging_hot_spots(inc, segs, w, end=END, settings=EmergingSettings(n_steps=5))
    with pytest.raises(ValidationError, match="settings must be an EmergingSettings"):
        emerging_hot_spots(inc, segs, w, end=END, settings={"n_steps": 52})
    with pytest.raises(ValidationError, match="no incident in the 52 weeks"):
        emerging_hot_spots(inc, segs, w, end=pd.Timestamp("2020-01-06", tz=TZ))
    with pytest.raises(ValidationError, match="has no time zone"):
        emerging_hot_spots(inc, segs, w, end=pd.Timestamp("2026-11-23"))
    other = weights.network_contiguity(one_street(10))
    with pytest.raises(ValidationError, match="ids do not match"):
        emerging_hot_spots(inc, segs, other, end=END)
