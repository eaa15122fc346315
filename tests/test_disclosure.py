"""Disclosure control: the registry's rules, the model on hand-computable cases, the attacker
(each attack shown to work on a leaky release), hypothesis small cities in which no hidden count
changes a released byte, and every liaison format of the demo and of weekly runs attacked."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots._errors import ValidationError
from hotspots.disclosure import attack as attack_mod
from hotspots.disclosure.model import protect_layer, protect_weekly
from hotspots.disclosure.read import read_release, release_in_memory
from hotspots.disclosure.release import RASTER_RULES, release_for_liaisons
from hotspots.disclosure.rules import STATUS_K, STATUS_SHORT, DisclosureSettings
from hotspots.disclosure.statistics import (
    DensityInputs,
    ReleaseStatistics,
    protected_density,
    quantise,
)
from hotspots.layers import LAYERS
from hotspots.stats.emerging import EMERGING_COLUMNS

CONFIG = Path(__file__).resolve().parents[1] / "examples" / "sample_city.toml"
#: continuous statistics that solve back to counts with the street graph
CONTINUOUS = {"gi_z", "gi_p", "gi_p_sim", "gi_p_adj", "nkde", "night_gi_z", "lisa_i",
              "lisa_z", "lisa_p_sim", "lisa_p_adj", "emerging_final_z", "emerging_final_p",
              "emerging_count_trend_z", "emerging_count_trend_p", "emerging_count_trend_tau",
              "emerging_nbhd_count", "share_of_shift"}
RECOMPUTABLE = {"gi_bin", "lisa_class", "night_gi_bin", *EMERGING_COLUMNS}


def _texts(series) -> list:
    return [v if isinstance(v, str) else None for v in series]


# --- the registry ------------------------------------------------------------------------------


def test_every_liaison_column_of_the_registry_has_a_coherent_rule():
    for name, spec in LAYERS.items():
        if spec.liaison is None:
            assert not spec.disclosure, name
            continue
        rules = spec.disclosure
        assert rules, f"{name}: a liaison allow-list without disclosure rules"
        cols = [c for c in spec.liaison if c != "geometry"]
        assert set(cols) == set(rules), name
        counts = {c for c, r in rules.items() if r.kind == "count"}
        for col, rule in rules.items():
            if rule.kind in ("derived", "text"):
                assert rule.sources and set(rule.sources) <= counts, (name, col)
            if rule.kind == "count" and rule.sources:
                assert rule.sources[0] in counts, (name, col)
            if rule.kind == "count" and rule.margin:
                layer, whole = rule.margin
                assert LAYERS[layer].disclosure[whole].kind == "count", (name, col)
                assert rule.key in rules, (name, col)
            if rule.kind == "recomputed":
                assert rule.statistic in RECOMPUTABLE, (name, col)
            if rule.kind == "public":
                assert rule.why, (name, col)
        for c in counts:  # every count tells, per row, whether and why it is withheld
            assert f"{c}_status" in rules and rules[f"{c}_status"].kind == "status", (name, c)
        assert not CONTINUOUS & set(cols), (name, CONTINUOUS & set(cols))


def test_a_liaison_column_without_a_rule_is_refused(monkeypatch):
    from dataclasses import replace

    spec = LAYERS["segments"]
    leaky = replace(spec, liaison=(*spec.liaison, "gi_z"))
    monkeypatch.setitem(LAYERS, "segments", leaky)
    seg = _city(seed=1)
    with pytest.raises(ValidationError, match=r"\['gi_z'\] have no disclosure rule"):
        release_for_liaisons({"segments": seg}, k=3)
    # and a layer with an allow-list but no rules is refused as a whole
    monkeypatch.setitem(LAYERS, "segments", replace(spec, disclosure=None))
    with pytest.raises(ValidationError, match="no disclosure rules"):
        release_for_liaisons({"segments": seg}, k=3)


def test_every_raster_of_a_run_has_a_rule_and_others_are_left_out():
    from hotspots.pipeline.result import WeekResult

    assert {"kde", "lamp_density"} == set(RASTER_RULES)
    import inspect

    source = inspect.getsource(WeekResult.rasters)
    for name in ("kde", "lamp_density"):
        assert f'"{name}"' in source
    seg = _city(seed=2)
    rel = release_for_liaisons({"segments": seg}, k=3, rasters={"mystery": object()})
    assert rel.rasters == {} and rel.report["rasters"]["mystery"]["released"] is False


# --- the model on hand-computable rows -------------------------------------------------------------


def _toy() -> gpd.GeoDataFrame:
    """Six segments of known counts: length 100 m except the last (30 m)."""
    counts = [0, 1, 3, 5, 4, 50]
    night = [0, 1, 2, 4, 3, 20]
    dark = [0, 0, 1, 3, 3, 5]
    lengths = [100, 100, 100, 100, 100, 30]
    geoms = [shapely.LineString([(i * 300, 0), (i * 300 + L, 0)]) for i, L in enumerate(lengths)]
    seg = gpd.GeoDataFrame({"street_name": [f"Rua {i}" for i in range(6)],
                            "length_m": np.array(lengths, float), "count": counts,
                            "night_count": night, "night_dark_count": dark},
                           geometry=geoms, crs=32722,
                           index=pd.Index(range(1, 7), name="segment_id"))
    seg["rate_per_100m"] = seg["count"] / seg["length_m"] * 100
    seg["night_share"] = seg["night_count"] / seg["count"].where(seg["count"] > 0)
    return seg


def test_statuses_follow_the_rule_row_by_row():
    spec = LAYERS["segments"]
    part = protect_layer("segments", _toy(), dict(spec.disclosure), allowed=spec.liaison, k=3,
                         min_length_m=40)
    out = part.frame
    assert _texts(out["count_status"]) == [None, STATUS_K, None, None, None, STATUS_SHORT]
    # night: 1 (small) · 2 of 3 (small) · 4 of 5 (day 1) · 3 of 4 (day 1) · short
    assert _texts(out["night_count_status"]) == [None, STATUS_K, STATUS_K, STATUS_K, STATUS_K,
                                                 STATUS_SHORT]
    # dark: withheld with a withheld night everywhere
    assert _texts(out["night_dark_count_status"]) == [None, STATUS_K, STATUS_K, STATUS_K,
                                                      STATUS_K, STATUS_SHORT]
    assert out["count"].tolist()[:5] == [0, None, 3, 5, 4] or \
        out["count"].isna().tolist() == [False, True, False, False, False, True]
    assert out["rate_per_100m"].isna().tolist() == [False, True, False, False, False, True]
    assert out["night_share"].isna().tolist()[1:] == [True] * 5
    assert out["suppressed"].tolist() == [False, True, False, False, False, False]
    assert part.withheld["count"] == {STATUS_K: 1, STATUS_SHORT: 1}
    assert part.short_units == 1
    # protected counts: a hidden count is the mean of 1 … k−1; a night count hidden within a
    # shown count C is the mean of {1, 2} ∪ {C−2, C−1}; the short segment keeps its value
    prot = part.protected
    assert prot.loc[2, "count"] == 1.5 and prot.loc[6, "count"] == 50
    assert prot.loc[4, "night_count"] == pytest.approx(np.mean([1, 2, 3, 4]))  # C = 5
    assert prot.loc[3, "night_count"] == pytest.approx(np.mean([1, 2]))  # C = 3
    assert prot.loc[2, "night_count"] == 0.75  # within a hidden count: half of its 1.5


def test_a_longer_minimum_or_none_changes_only_the_length_rule():
    spec = LAYERS["segments"]
    off = protect_layer("segments", _toy(), dict(spec.disclosure), allowed=spec.liaison, k=3,
                        min_length_m=0).frame
    assert off.loc[6, "count"] == 50 and pd.isna(off.loc[6, "count_status"])
    zero = _toy()
    zero.loc[6, ["count", "night_count", "night_dark_count"]] = 0
    on = protect_layer("segments", zero, dict(spec.disclosure), allowed=spec.liaison, k=3,
                       min_length_m=40).frame
    assert pd.isna(on.loc[6, "count"]) and on.loc[6, "count_status"] == STATUS_SHORT


def _patrol(seg_ids, incidents, shifts, ranks):
    geoms = [shapely.LineString([(0, i), (100, i)]) for i in range(len(seg_ids))]
    words = [f"4 unpredictable stops of 10–15 min between 06:00 and 14:00 (at least one every "
             f"2 h): {n} incidents in this window in 1 week" for n in incidents]
    return gpd.GeoDataFrame({"shift": shifts, "shift_rank": ranks, "segment_id": seg_ids,
                             "street_name": "Rua", "incidents": incidents,
                             "incidents_per_week": np.array(incidents, float),
                             "share_of_shift": 0.1, "visits_per_shift": 4,
                             "visit_minutes": "10–15", "guidance": words},
                            geometry=geoms, crs=32722)


def test_patrol_cells_within_a_segment_ranks_and_texts():
    seg_spec, pat_spec = LAYERS["segments"], LAYERS["patrol"]
    seg = _toy()
    seg_part = protect_layer("segments", seg, dict(seg_spec.disclosure),
                             allowed=seg_spec.liaison, k=3, min_length_m=40)
    # segment 4 (count 5): cells 3 (shift A) and 1 (B): the rest of the shown 3 would be 2,
    # so both are withheld; shift B: rank 1 = 4 (segment 5, count 4: rest 0), rank 2 = 1
    # (segment 3, small) and below it rank 3; segment 6 is shorter than 40 m
    pat = _patrol([4, 4, 5, 3, 6], [3, 1, 4, 1, 20], ["A", "B", "B", "B", "C"], [1, 3, 1, 2, 1])
    out = protect_layer("patrol", pat, dict(pat_spec.disclosure), allowed=pat_spec.liaison,
                        k=3, min_length_m=40, margins={"segments": seg_part}).frame
    assert _texts(out["incidents_status"]) == [STATUS_K, STATUS_K, None, STATUS_K,
                                               STATUS_SHORT]
    assert out["incidents"].isna().tolist() == [True, True, False, True, True]
    assert out["incidents_per_week"].isna().tolist() == [True, True, False, True, True]
    assert "share_of_shift" not in out.columns  # the share gives the shift's total back
    g = out["guidance"].tolist()
    assert g[2].endswith("4 incidents in this window in 1 week")
    assert g[0].startswith("4 unpredictable stops of 10–15 min between 06:00 and 14:00")
    assert g[0].endswith("number of incidents withheld (counts below 3 are protected)")
    assert "3 incidents" not in g[0] and "1 incident" not in g[1]
    assert g[4].endswith("number of incidents not shown (segment shorter than 40 m)")
    # without the segments layer a patrol cell stands alone (k rule and ranks only)
    alone = protect_layer("patrol", pat, dict(pat_spec.disclosure), allowed=pat_spec.liaison,
                          k=3, min_length_m=40).frame
    assert _texts(alone["incidents_status"]) == [None, STATUS_K, None, STATUS_K, None]


def test_the_week_slider_withholds_small_cells_and_leaves_short_segments_out():
    weekly = pd.DataFrame({"2026_W46": [0, 2, 3, 7], "2026_W47": [1, 5, 0, 9]},
                          index=pd.Index([1, 2, 3, 6], name="segment_id"))
    out = protect_weekly(weekly, k=3, short_ids=[6])
    assert list(out.index) == [1, 2, 3]
    assert out.isna().to_numpy().tolist() == [[False, True], [True, False], [False, False]]


def test_bad_settings_are_refused():
    seg = _toy()
    with pytest.raises(ValidationError, match="k = 2 protects nothing"):
        release_for_liaisons({"segments": seg}, k=2)
    with pytest.raises(ValidationError, match="true or false"):
        release_for_liaisons({"segments": seg}, k=3, include_incident_points="yes")


# --- the liaison density raster --------------------------------------------------------------------


def test_quantise_keeps_the_legend_classes():
    from hotspots.symbology import kde_breaks

    rng = np.random.default_rng(3)
    values = rng.gamma(1.5, 100, size=(40, 40))
    values[:3] = np.nan
    q, edges = quantise(values)
    assert set(np.unique(q[np.isfinite(q)])) <= set(edges[1:])
    # each value stays in its class (lower < v <= upper; the last open above)
    cls_before = np.clip(np.searchsorted(edges[1:], values[np.isfinite(values)]), 0,
                         len(edges) - 2)
    cls_after = np.clip(np.searchsorted(edges[1:], q[np.isfinite(q)]), 0, len(edges) - 2)
    assert (cls_before == cls_after).all()
    assert set(kde_breaks(q)) <= set(edges)  # the map's classes of the quantised raster


def test_density_raster_is_blank_below_k_within_the_radius_and_quantised():
    from scipy.spatial import cKDTree

    from hotspots.raster import Raster
    from hotspots.stats.kde import kde

    seg = _city(seed=4)
    grid = kde(np.array([[0.0, 0.0], [600.0, 600.0]]), crs=seg.crs, radius_m=50,
               cell_size_m=10, extent=(-50, -50, 650, 650))
    assert isinstance(grid, Raster)
    inputs = DensityInputs(segments=seg, grid=grid, radius_m=40.0)
    protected = pd.DataFrame({"count": seg["count"].astype(float)})
    raster, info = protected_density(inputs, protected, k=3, min_radius_m=120)
    assert info["radius_m"] == 120 and info["run_radius_m"] == 40
    vals = raster.array
    shown = np.isfinite(vals) & (vals > 0)
    assert shown.any() and len(np.unique(vals[shown])) <= info["classes"]
    # independent check of the floor: incidents (spread along segments) within 120 m
    pts, w = [], []
    for geom, c in zip(seg.geometry, seg["count"]):
        if c > 0:
            n = 50
            for j in range(n):
                p = geom.interpolate((j + 0.5) / n, normalized=True)
                pts.append((p.x, p.y))
                w.append(c / n)
    tree = cKDTree(np.array(pts))
    xs, ys = (np.array(a) for a in grid.cell_centers())
    rows, cols = np.nonzero(shown)
    pick = np.random.default_rng(0).choice(len(rows), size=min(300, len(rows)), replace=False)
    for r, c in zip(rows[pick], cols[pick]):
        near = tree.query_ball_point([xs[r, c], ys[r, c]], 120 + 10)  # binning: a cell
        assert np.sum(np.asarray(w)[near]) >= 3 - 1e-9, (r, c)


# --- hypothesis small cities --------------------------------------------------------------------


def _city(*, seed: int, nx: int = 4, ny: int = 3, short_every: int = 5,
          mean: float = 2.0) -> gpd.GeoDataFrame:
    """A street grid (block faces between crossings), some faces short, Poisson counts."""
    rng = np.random.default_rng(seed)
    xs = np.cumsum(np.r_[0, rng.choice([30.0, 80.0, 110.0], size=nx, p=[0.2, 0.4, 0.4])])
    ys = np.cumsum(np.r_[0, rng.choice([35.0, 90.0, 120.0], size=ny, p=[0.2, 0.4, 0.4])])
    lines = []
    for y in ys:
        lines += [shapely.LineString([(a, y), (b, y)]) for a, b in pairwise(xs)]
    for x in xs:
        lines += [shapely.LineString([(x, a), (x, b)]) for a, b in pairwise(ys)]
    n = len(lines)
    count = rng.poisson(mean, size=n)
    count[rng.random(n) < 0.15] += rng.integers(3, 12)
    night = rng.binomial(count, 0.5)
    dark = rng.binomial(night, 0.5)
    seg = gpd.GeoDataFrame({"street_name": [f"Rua {i % 5}" for i in range(n)],
                            "count": count, "night_count": night, "night_dark_count": dark},
                           geometry=lines, crs=32722,
                           index=pd.Index(np.arange(n) * 7 + 101, name="segment_id"))
    seg["length_m"] = seg.geometry.length
    seg["rate_per_100m"] = seg["count"] / seg["length_m"] * 100
    seg["night_share"] = seg["night_count"] / seg["count"].where(seg["count"] > 0)
    return seg


def _statistics(seg, *, variable="rate_per_100m", lisa=True) -> ReleaseStatistics:
    import warnings

    from hotspots import weights
    from hotspots.pipeline.statistics import GiRun
    from hotspots.stats.kde import kde

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", weights.IslandsWarning)
        w = weights.network_contiguity(seg)
    gi = GiRun(weights=w, weights_description="contiguity", variable=variable,
               permutations=0, bin_p="analytic", fdr=True, seed=7)
    night = GiRun(weights=w, weights_description="contiguity", variable="count",
                  permutations=0, bin_p="analytic", fdr=True, seed=7)
    minx, miny, maxx, maxy = seg.total_bounds
    grid = kde(np.array([[minx, miny], [maxx, maxy]]), crs=seg.crs, radius_m=30,
               cell_size_m=10, extent=(minx - 50, miny - 50, maxx + 50, maxy + 50))
    return ReleaseStatistics(gi=gi, lisa_permutations=49 if lisa else None, night_gi=night,
                             density=DensityInputs(segments=seg, grid=grid, radius_m=30.0))


def _release(seg, *, k, weekly=None, lisa=True):
    stats = _statistics(seg, lisa=lisa)
    return release_for_liaisons({"segments": seg}, k=k, statistics=stats, weekly=weekly,
                                rasters={"kde": stats.density.grid},
                                settings=DisclosureSettings(min_length_m=40,
                                                            kde_min_radius_m=60))


def _assert_same_release(a, b):
    pd.testing.assert_frame_equal(pd.DataFrame(a.layers["segments"]).drop(columns="geometry"),
                                  pd.DataFrame(b.layers["segments"]).drop(columns="geometry"))
    np.testing.assert_array_equal(a.rasters["kde"].array, b.rasters["kde"].array)
    if a.weekly is not None:
        pd.testing.assert_frame_equal(a.weekly, b.weekly)
    assert a.subtitle("2026-W47") == b.subtitle("2026-W47")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.sampled_from([3, 4, 5]), pick=st.integers(0, 10_000))
def test_no_released_value_depends_on_a_hidden_small_count(seed, k, pick):
    """Change a count of 1 … k−1 to another value of 1 … k−1 (night counts within it): the
    whole release — counts, statuses, classes, density raster, week slider — is the same."""
    seg = _city(seed=seed)
    small = seg.index[seg["count"].between(1, k - 1)]
    if not len(small):
        return
    sid = small[pick % len(small)]
    other = seg.copy()
    new = [v for v in range(1, k) if v != seg.at[sid, "count"]][pick % (k - 2)]
    other.at[sid, "count"] = new
    for frame in (seg, other):  # the same night counts within both values
        frame.at[sid, "night_count"] = min(seg.at[sid, "night_count"], new)
        frame.at[sid, "night_dark_count"] = min(seg.at[sid, "night_dark_count"],
                                                frame.at[sid, "night_count"])
        frame["rate_per_100m"] = frame["count"] / frame["length_m"] * 100
        frame["night_share"] = frame["night_count"] / frame["count"].where(frame["count"] > 0)
    weeks = {"2026_W46": np.random.default_rng(seed).poisson(1.5, len(seg))}
    weekly_a = pd.DataFrame({**weeks, "2026_W47": seg["count"].to_numpy()}, index=seg.index)
    weekly_b = pd.DataFrame({**weeks, "2026_W47": other["count"].to_numpy()}, index=seg.index)
    _assert_same_release(_release(seg, k=k, weekly=weekly_a),
                         _release(other, k=k, weekly=weekly_b))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.sampled_from([3, 4]))
def test_a_hidden_night_count_changed_within_its_range_changes_nothing(seed, k):
    seg = _city(seed=seed, mean=4.0)
    spec = LAYERS["segments"]
    part = protect_layer("segments", seg, dict(spec.disclosure), allowed=spec.liaison, k=k,
                         min_length_m=40)
    hidden = part.status.index[(part.status["night_count"] == STATUS_K)
                               & (part.status["count"] == "")]
    if not len(hidden):
        return
    sid = hidden[seed % len(hidden)]
    c = int(seg.at[sid, "count"])
    cands = [v for v in range(c + 1) if 1 <= v <= k - 1 or 1 <= c - v <= k - 1]
    other = seg.copy()
    other.at[sid, "night_count"] = cands[(cands.index(seg.at[sid, "night_count"]) + 1)
                                         % len(cands)]
    other.at[sid, "night_dark_count"] = 0
    seg = seg.copy()
    seg.at[sid, "night_dark_count"] = 0
    for frame in (seg, other):
        frame["night_share"] = frame["night_count"] / frame["count"].where(frame["count"] > 0)
    _assert_same_release(_release(seg, k=k, lisa=False), _release(other, k=k, lisa=False))


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.sampled_from([3, 4, 5]))
def test_the_attacker_recovers_nothing_in_small_cities(seed, k):
    seg = _city(seed=seed, nx=5, ny=4)
    rel = _release(seg, k=k)
    truth = {"segments": seg}
    report = attack_mod.attack(release_in_memory(rel.layers, texts={
        "map:html": rel.subtitle("2026-W47")}), truth, k=k)
    assert report.n_recovered == 0, report.recovered
    assert report.small_shown.empty
    # ... while the same city released with the analyst's Gi* z gives counts back
    leaky = dict(rel.layers)
    z = _statistics(seg).gi.run(seg["rate_per_100m"].astype(float)).frame["gi_z"]
    leaky["segments"] = rel.layers["segments"].assign(gi_z=z.reindex(
        rel.layers["segments"].index).to_numpy())
    hidden = rel.layers["segments"]["count"].isna().sum()
    if 0 < hidden < len(seg) - 5:
        report = attack_mod.attack(release_in_memory(leaky), truth, k=k)
        rec = report.recovered
        got = rec[(rec["field"] == "count") & (rec["attack"] == "linear:gi_z")]
        pinned = _identifiable_from_gi_z(rel.layers["segments"], z)
        # every hidden rate the Gi* z equations pin (a hidden count whose column of the system
        # is not in the span of the others) is found; the rest move along ± cycles of hidden
        # segments that the z values cannot tell apart
        assert set(pinned) <= set(got["key"]), sorted(set(pinned) - set(got["key"]))


@pytest.mark.slow
def test_gi_z_pins_hidden_counts_of_a_fixed_city():
    """The positive control above on one city where it is known to bite: 19 counts withheld
    by k, 15 by length, 14 of them pinned by the z values and all 14 found."""
    seg = _city(seed=3088, nx=5, ny=4)
    rel = _release(seg, k=4)
    z = _statistics(seg).gi.run(seg["rate_per_100m"].astype(float)).frame["gi_z"]
    leaky = {**rel.layers, "segments": rel.layers["segments"].assign(
        gi_z=z.reindex(rel.layers["segments"].index).to_numpy())}
    report = attack_mod.attack(release_in_memory(leaky), {"segments": seg}, k=4)
    pinned = _identifiable_from_gi_z(rel.layers["segments"], z)
    assert rel.layers["segments"]["count_status"].value_counts().to_dict() == {
        "k_rule": 19, "min_length": 15}
    assert len(pinned) == 14
    got = report.recovered.query("attack == 'linear:gi_z' and field == 'count'")
    assert set(got["key"]) == set(pinned)


def _identifiable_from_gi_z(released, z) -> list:
    """Hidden segments whose rate the Gi* z of every segment fixes, written separately from
    the attacker: z_i·s·c_i = (W*y)_i − W*_i·ȳ is linear in (hidden y, ȳ, s·1); unknown j is
    fixed iff dropping its column lowers the rank of the system (rank test, not a null space)."""
    import warnings

    from hotspots import weights

    geo = released[["geometry"]].assign(length_m=released["length_m"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", weights.IslandsWarning)
        w = weights.network_contiguity(gpd.GeoDataFrame(geo, geometry="geometry"))
    ids = pd.Index(w.unique_ids)
    n = len(ids)
    wstar = w.sparse.toarray().astype(float) + np.eye(n)
    rate = released["rate_per_100m"].reindex(ids).to_numpy(dtype=float)
    hid = np.isnan(rate)
    card = wstar.sum(axis=1)
    system = np.column_stack([wstar[:, hid], -card, -z.reindex(ids).to_numpy() * np.sqrt(
        card * (n - card) / (n - 1.0))])
    full = np.linalg.matrix_rank(system)
    return [sid for j, sid in enumerate(ids[hid])
            if np.linalg.matrix_rank(np.delete(system, j, axis=1)) == full - 1]


# --- each attack, shown to work on a release that leaks ------------------------------------------


def _leaky_segments():
    seg = _toy().iloc[:5].copy()
    spec = LAYERS["segments"]
    rel = protect_layer("segments", seg, dict(spec.disclosure), allowed=spec.liaison, k=3,
                        min_length_m=40).frame
    return seg, rel


def test_same_row_attack_finds_counts_from_rates():
    seg = _city(seed=5, nx=5, ny=4)
    spec = LAYERS["segments"]
    rel = protect_layer("segments", seg, dict(spec.disclosure), allowed=spec.liaison, k=3,
                        min_length_m=40).frame
    leaky = rel.assign(rate_per_100m=seg["rate_per_100m"])  # a rate left next to its count
    report = attack_mod.attack(release_in_memory({"segments": leaky}), {"segments": seg}, k=3)
    hidden = set(rel.index[rel["count"].isna()])  # short ones: zero hidden too
    rec = report.recovered
    got = set(rec.loc[rec["attack"].str.startswith("same_row:rate_per_100m")
                      & (rec["field"] == "count"), "key"])
    assert hidden and got == hidden


def test_text_attack_reads_a_count_out_of_a_reason():
    seg, rel = _leaky_segments()
    leaky = rel.assign(reason=[f"{int(c)} incidents in 1 week" for c in seg["count"]])
    report = attack_mod.attack(release_in_memory({"segments": leaky}), {"segments": seg}, k=3)
    assert report.by_attack() == {"text:reason[0]": 1}


def test_totals_attack_pins_the_one_hidden_count():
    seg, rel = _leaky_segments()
    total = int(seg["count"].sum())
    report = attack_mod.attack(release_in_memory({"segments": rel}, texts={
        "map:html": f"week 2026-W47, {total} incidents"}), {"segments": seg}, k=3)
    assert report.by_attack() == {"totals": 1}
    # the release's own subtitle states only the shown incidents: nothing to pin
    report = attack_mod.attack(release_in_memory({"segments": rel}, texts={
        "map:html": f"{int(rel['count'].sum())} incidents on the segments with a count"}),
        {"segments": seg}, k=3)
    assert report.n_recovered == 0


def test_partition_attack_uses_a_part_shown_under_the_old_rule():
    seg, rel = _leaky_segments()
    # under the old rule (night withheld only when small) segment 5 (count 4, night 3, dark 3)
    # showed its dark count: night must then be 3 or 4, and 4 would have been shown
    old = rel.copy()
    old.loc[5, "night_dark_count"] = 3
    old.loc[5, "night_count_status"] = STATUS_K
    report = attack_mod.attack(release_in_memory({"segments": old}), {"segments": seg}, k=3)
    assert report.by_attack() == {"partition:relaxed": 1} and report.n_recovered == 1
    # and the old rule showed day counts of 1 outright (3 − 2, 5 − 4, 4 − 3)
    shown = rel.assign(night_count=seg["night_count"])
    assert set(attack_mod.small_cells_shown(release_in_memory({"segments": shown}),
                                            k=3)["key"]) == {3, 4, 5}


def test_rank_and_cross_format_attacks():
    pat = _patrol([1, 2, 3], [5, 5, 5], ["A", "A", "A"], [1, 2, 3])
    rel = pat.drop(columns="geometry").copy()
    rel.loc[1, "incidents"] = np.nan  # withheld between two shown fives
    truth = {"patrol": pat}
    mem = release_in_memory({"patrol": gpd.GeoDataFrame(rel, geometry=pat.geometry)})
    report = attack_mod.attack(mem, truth, k=6)
    assert report.by_attack().get("ranks") == 1
    # a KML balloon that carries a count the GeoPackage withholds
    seg, srel = _leaky_segments()
    mem = release_in_memory({"segments": srel})
    kml = pd.DataFrame({"count": seg["count"]}, index=seg.index)
    mem.tables["kml:segments"] = kml
    report = attack_mod.attack(mem, {"segments": seg}, k=3)
    assert report.by_attack().get("cross_format:kml") == 1


# --- the real runs: every liaison format attacked ----------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from hotspots import pipeline
    from hotspots.config import load_config

    root = tmp_path_factory.mktemp("disclosure")
    out = {"demo": pipeline.run_all(pipeline.sample_config(), root / "demo")}
    cfg = load_config(CONFIG)
    for week in ("2026-W45", "2026-W46", "2026-W47"):
        out[week] = pipeline.run_week(cfg, week=week, out_root=root / "weeks",
                                      now=pd.Timestamp("2026-12-01", tz="Europe/Helsinki"))
    from dataclasses import replace

    pt = replace(cfg, parameters=replace(cfg.parameters, language="pt"))
    out["2026-W47-pt"] = pipeline.run_week(pt, week="2026-W47", out_root=root / "weeks-pt",
                                           now=pd.Timestamp("2026-12-01",
                                                            tz="Europe/Helsinki"))
    return out


def _attack_run(run):
    layers = run.result.layers()
    truth = {n: layers[n] for n in ("segments", "patrol") if n in layers}
    release = read_release(run.files["liaison"])
    report = attack_mod.attack(release, truth, k=run.result.config.outputs.privacy_k,
                               weekly_truth=layers.get("weekly_counts"))
    return release, report


@pytest.mark.slow
@pytest.mark.parametrize("name", ["demo", "2026-W45", "2026-W46", "2026-W47", "2026-W47-pt"])
def test_every_liaison_format_of_the_sample_city_gives_nothing_back(runs, name):
    run = runs[name]
    release, report = _attack_run(run)
    formats = {key.split(":")[0] for key in release.tables}
    assert formats == {"gpkg", "geojson", "kml", "map", "cards"}
    assert {"map:segments", "kml:segments", "geojson:segments", "map:patrol",
            "cards:patrol"} <= set(release.tables)
    assert {"README", "cards:html", "map:html"} <= set(release.texts)
    # every file of the folder is one the attacker reads (a new kind of output fails here)
    files = {p.name for p in run.files["liaison"].iterdir()}
    read = {p for p in files if p.endswith((".gpkg", ".geojson", ".kml", ".tif", ".qml", ".csv"))
            or p in ("map.html", "patrol_cards.html", "README.txt")}
    assert files == read, files - read
    # the attacker reads the numbers of each format back (KML in the run's locale)
    gpkg = release.tables["gpkg:segments"]
    for fmt in ("kml", "map", "geojson"):
        frame = release.tables[f"{fmt}:segments"]
        assert {"count", "night_count"} <= set(frame.columns), fmt
        both = gpkg["count"].reindex(frame.index).notna() & frame["count"].notna()
        assert both.sum() > 20, fmt
        np.testing.assert_allclose(pd.to_numeric(frame["count"][both]),
                                   gpkg["count"].reindex(frame.index)[both])
    assert release.tables["cards:patrol"]["card_week"].notna().all()
    assert len(report.hidden) > 100  # there is something to recover
    assert report.n_recovered == 0, report.recovered.head(20)
    assert report.small_shown.empty
    if name != "demo":
        assert release.weekly is not None and release.weekly.isna().any().any()


@pytest.mark.slow
def test_patrol_cards_withhold_what_the_layer_withholds_and_the_analysts_give_it_back(runs):
    """The cards attacked: released with a k that withholds patrol cells of the week, the
    liaison's cards give nothing back (the cells are worded, not numbered); the analyst's
    cards beside the same layers give the withheld cells back (positive control)."""
    from hotspots.disclosure.read import _read_cards
    from hotspots.patrol_cards import patrol_cards_html

    run = runs["2026-W47"]
    tables = dict(run.result.layers())
    # the week's segments with a patrol of 3 shifts × 6 segments whose two last cells are 2, 1
    # (each segment's count its cell + 10, so no complement rule joins in)
    seg = tables["segments"].copy()
    ids = seg.index[seg.length_m >= 60][:18]
    cells = np.tile([12, 10, 8, 6, 2, 1], 3)
    seg.loc[ids, ["count", "night_count", "night_dark_count"]] = 0
    seg.loc[ids, "count"] = cells + 10
    patrol = gpd.GeoDataFrame({
        "shift": np.repeat(["06–14", "14–22", "22–06"], 6), "shift_rank": np.tile(
            np.arange(1, 7), 3), "segment_id": ids.to_numpy(), "street_name": seg.loc[ids, "street_name"].to_numpy(),
        "incidents": cells, "incidents_per_week": cells / 2.0, "visits_per_shift": 4,
        "visit_minutes": "10–15", "guidance": [f"Visit: {c} incidents" for c in cells]},
        geometry=seg.loc[ids].geometry.to_numpy(), crs=seg.crs)
    tables.update(segments=seg, patrol=patrol)
    k = 3
    rel = release_for_liaisons({n: tables[n] for n in ("segments", "patrol")}, k=k)
    hidden = rel.layers["patrol"]["incidents"].isna()
    assert hidden.sum() == 6
    truth = {"patrol": tables["patrol"]}
    found = {}
    for who, patrol, segments in (("liaison", rel.layers["patrol"], rel.layers["segments"]),
                                  ("analyst", tables["patrol"], tables["segments"])):
        page = patrol_cards_html(patrol, segments, language="pt", title="Cidade",
                                 week="2026-W47", privacy_k=k if who == "liaison" else None)
        mem = release_in_memory(rel.layers, texts={"cards:html": page})
        mem.tables["cards:patrol"] = _read_cards(page, mem.tables["gpkg:patrol"])
        assert len(mem.tables["cards:patrol"]) == len(rel.layers["patrol"])
        report = attack_mod.attack(mem, truth, k=k)
        found[who] = report.recovered.query("layer == 'patrol'")
    assert found["liaison"].empty, found["liaison"]
    assert len(found["analyst"]) >= 0.8 * hidden.sum(), (len(found["analyst"]), hidden.sum())
    assert found["analyst"]["attack"].str.contains("card_week").all()


@pytest.mark.slow
def test_the_released_emerging_trends_do_not_depend_on_a_small_weekly_cell(runs):
    """Emerging categories and their trend figures (released, continuous for z/p/tau) are
    computed on the protected cube: a weekly cell of 1 changed to 2 (k = 3) changes nothing;
    the same change on the unprotected cube (k = 1) changes the trends (positive control)."""
    from dataclasses import replace

    from hotspots.disclosure.statistics import protected_emerging
    from hotspots.pipeline.release import release_statistics

    em = release_statistics(runs["2026-W47"].result).emerging
    counts = np.asarray(em.cube.counts)
    changed = 0
    for t, i in np.argwhere(counts == 1)[:: max(1, int((counts == 1).sum()) // 5)][:5]:
        other = counts.copy()
        other[t, i] = 2
        em2 = replace(em, cube=replace(em.cube, counts=other))
        pd.testing.assert_frame_equal(protected_emerging(em, k=3), protected_emerging(em2, k=3))
        raw_a, raw_b = protected_emerging(em, k=1), protected_emerging(em2, k=1)
        changed += not raw_a["emerging_trend_z"].equals(raw_b["emerging_trend_z"])
    assert changed >= 1


@pytest.mark.slow
def test_weekly_runs_combined_give_nothing_back(runs):
    """Two weekly releases show the same cells of the weeks they share."""
    a, b = (read_release(runs[w].files["liaison"]) for w in ("2026-W46", "2026-W47"))
    shared = [w for w in a.weekly.columns if w in b.weekly.columns]
    common = a.weekly.index.intersection(b.weekly.index)
    pd.testing.assert_frame_equal(a.weekly.loc[common, shared], b.weekly.loc[common, shared])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["demo", "2026-W47"])
def test_no_liaison_unit_shorter_than_the_minimum_carries_a_count(runs, name):
    run = runs[name]
    release = read_release(run.files["liaison"])
    minimum = DisclosureSettings().min_length_m
    length = run.result.segments["length_m"]
    short = length.index[length < minimum]
    assert len(short) > 50
    for key, frame in release.tables.items():
        layer = key.split(":")[1]
        if layer not in ("segments", "patrol"):
            continue
        ids = (frame.index.get_level_values("segment_id") if layer == "patrol"
               else frame.index)
        on_short = np.isin(ids, short)
        for col in ("count", "night_count", "night_dark_count", "incidents", "rate_per_100m",
                    "night_share", "incidents_per_week"):
            if col in frame.columns:
                assert pd.to_numeric(frame[col], errors="coerce")[on_short].isna().all(), \
                    (key, col)
    if release.weekly is not None:
        assert not release.weekly.index.isin(short).any()


@pytest.mark.slow
def test_the_liaison_map_still_shows_hot_spots_and_states_no_total(runs):
    run = runs["2026-W47"]
    seg = run.result.segments
    liaison = run.result.liaison.layers["segments"]
    hot = seg["gi_bin"] > 0
    assert (liaison["gi_bin"].reindex(seg.index)[hot] > 0).mean() >= 0.9
    assert liaison["count"].notna().sum() >= 0.4 * len(liaison)
    release = read_release(run.files["liaison"])
    text = release.texts["map:html"]
    total = run.summary["incidents_week"]
    assert f"{total} incidents" not in text
    assert f"{run.result.liaison.shown_incidents} incidents on the segments with a count" in text
    readme = release.texts["README"]
    assert "What is not protected" in readme and "shorter than 40 m" in readme


@pytest.mark.slow
def test_the_manifest_has_a_privacy_section(runs):
    run = runs["2026-W47"]
    manifest = json.loads(run.files["manifest"].read_text(encoding="utf-8"))
    p = manifest["counts"]["privacy"]
    assert p["k"] == 3 and p["min_length_m"] == 40 and p["kde_min_radius_m"] == 100
    assert set(p["rules"]) >= {"count", "complement", "min_length", "classes", "density"}
    seg = p["layers"]["segments"]
    assert seg["withheld"]["count"]["min_length"] == seg["units_shorter_than_min_length"]
    assert seg["withheld"]["count"]["k_rule"] == int(run.result.segments["count"].between(
        1, 2)[run.result.segments["length_m"] >= 40].sum())
    assert p["weekly"]["withheld_k_rule"] > 0 and p["rasters"]["kde"]["radius_m"] >= 100
    assert p["ingest"]["personal_columns_dropped"] == ["narrativa", "vitima_nome"]
    assert p["widened"] == []


@pytest.mark.slow
def test_the_liaison_rasters_hold_only_classes(runs):
    import rasterio

    for name in ("demo", "2026-W47"):
        folder = runs[name].files["liaison"]
        with rasterio.open(folder / "kde.tif") as src:
            values = src.read(1)
        info = runs[name].result.liaison.report["rasters"]["kde"]
        distinct = np.unique(values[np.isfinite(values) & (values > 0)])
        assert 1 < len(distinct) <= info["classes"]
        assert set(np.round(distinct, 2)) <= {round(e, 2) for e in info["edges"]}


# --- no person anywhere: the eleven columns of the issue and personal values -------------------


ELEVEN = ["Nome Vítima", "NomeAutor", "CPF do Autor", "Telefone-Vitima", "nomevitima",
          "observacoes", "placa_veiculo", "texto_livre", "complemento", "contato", "envolvidos"]
SECRETS = ["Josefina Exemplar", "Teodoro Fictício", "529.982.247-25", "(53) 98765-4321",
           "IJK3F45", "Casa 3 fundos", "josefina@example.com", "53912345678",
           "Vizinho Inventado"]


def _personal_csv(tmp_path: Path) -> Path:
    from hotspots import sample

    raw = pd.read_csv(sample.incidents_path(), dtype=str, keep_default_na=False)
    rng = np.random.default_rng(13)
    values = {
        "Nome Vítima": "Josefina Exemplar", "NomeAutor": "Teodoro Fictício",
        "CPF do Autor": "529.982.247-25", "Telefone-Vitima": "(53) 98765-4321",
        "nomevitima": "Josefina Exemplar", "observacoes": "ligar 53912345678 ou "
        "josefina@example.com", "placa_veiculo": "IJK3F45", "texto_livre":
        "CPF 529.982.247-25, telefone (53) 98765-4321", "complemento": "Casa 3 fundos",
        "contato": "(53) 98765-4321", "envolvidos": "Vizinho Inventado"}
    for col, v in values.items():
        raw[col] = np.where(rng.random(len(raw)) < 0.5, v, "")
    # personal values inside a kept column too: the address of some address-only rows
    has_address = raw["address"] != ""
    idx = raw.index[has_address][:5]
    raw.loc[idx, "address"] = raw.loc[idx, "address"] + " - tel (53) 98765-4321"
    path = tmp_path / "ocorrencias.csv"
    raw.to_csv(path, index=False)
    return path


def test_ingest_reads_only_what_the_analysis_needs_and_masks_personal_values(tmp_path):
    from hotspots import ingest

    path = _personal_csv(tmp_path)
    read = ingest.read_incidents(path, time_format="%d/%m/%Y %H:%M", timezone="Europe/Helsinki",
                                 keep_columns=("true_address_id",))
    for table in (read.incidents, read.rejects):
        assert not set(ELEVEN) & set(table.columns)
        text = table.astype(str).to_csv()
        assert not [s for s in SECRETS if s in text]
    assert "true_address_id" in read.incidents.columns
    assert set(read.privacy["personal_columns_dropped"]) == {*ELEVEN, "narrativa",
                                                            "vitima_nome"}
    assert read.privacy["values_masked"] == {"address": {"phone": 5}}
    assert read.incidents["address"].str.contains(r"\[phone\]", regex=True).sum() >= 1
    with pytest.raises(ValidationError, match="look like personal data"):
        ingest.read_incidents(path, time_format="%d/%m/%Y %H:%M", keep_columns=("NomeAutor",))
    with pytest.raises(ValidationError, match="not in the file"):
        ingest.read_incidents(path, time_format="%d/%m/%Y %H:%M", keep_columns=("nope",))


def test_vector_files_are_minimised_at_read_too(tmp_path):
    from hotspots import ingest

    pts = gpd.GeoDataFrame({"incident_id": ["a", "b"], "data_hora": ["2026-09-01 10:00"] * 2,
                            "NomeAutor": ["Teodoro Fictício"] * 2,
                            "obs": ["ligar (53) 98765-4321", ""]},
                           geometry=[shapely.Point(24.95, 60.17)] * 2, crs=4326)
    for suffix in (".gpkg", ".parquet"):
        path = tmp_path / f"inc{suffix}"
        pts.to_parquet(path) if suffix == ".parquet" else pts.to_file(path)
        read = ingest.read_incidents(path, timezone="Europe/Helsinki")
        assert not {"NomeAutor", "obs"} & set(read.incidents.columns)
        assert read.privacy["columns_dropped"] == ["NomeAutor", "obs"]


def test_free_text_patterns_are_found_and_masked():
    from hotspots.disclosure.personal import mask_text

    text, found = mask_text("CPF 529.982.247-25 ou 52998224725, tel (53) 98765-4321 / "
                            "53 3222-1234, +55 53 99999-0000, email a.b@c.com.br, placa "
                            "IJK-3456 e IJK3F45")
    assert found == {"cpf": 2, "phone": 3, "email": 1, "plate": 2}
    assert text == ("CPF [cpf] ou [cpf], tel [phone] / [phone], [phone], email [email], placa "
                    "[plate] e [plate]")
    # addresses, postcodes, dates and coordinates stay as they are
    for keep in ("Rua XV de Novembro 1234, CEP 96010-000", "31/08/2026 00:30",
                 "Av. Bento Gonçalves, 4500 apto 302", "BR-116 km 512", "-31.7654, -52.3376"):
        assert mask_text(keep) == (keep, {})


@pytest.mark.slow
def test_the_eleven_personal_columns_leave_no_trace(tmp_path):
    from dataclasses import replace

    from hotspots import pipeline

    path = _personal_csv(tmp_path)
    cfg = pipeline.sample_config()
    cfg = replace(cfg, inputs=replace(cfg.inputs, incidents=str(path)))
    run = pipeline.run_all(cfg, tmp_path / "run")
    # in memory: every table of the run
    for name, table in {**run.tables, "read_rejects": run.result.inputs.incidents.rejects,
                        "read_incidents": run.result.inputs.incidents.incidents}.items():
        assert not set(ELEVEN) & set(map(str, table.columns)), name
        text = pd.DataFrame(table).drop(columns="geometry", errors="ignore").astype(str).to_csv()
        assert not [s for s in SECRETS if s in text], name
    # on disk: every file (the manifest lists the names it dropped, never a value)
    for file in (tmp_path / "run").rglob("*"):
        if not file.is_file():
            continue
        text = file.read_bytes().decode("utf-8", errors="ignore")
        assert not [s for s in SECRETS if s in text], file
        if file.name == "manifest.json":
            manifest = json.loads(text)
            dropped = manifest["counts"]["privacy"].pop("ingest")
            assert set(ELEVEN) <= set(dropped["personal_columns_dropped"])
            text = json.dumps(manifest, ensure_ascii=False)
        assert not [c for c in ELEVEN if c in text], file
    rejects = pd.read_csv(tmp_path / "run" / "rejects.csv", dtype=str)
    assert list(rejects.columns) == ["incident_id", "source_row", "stage", "reason", "detail",
                                     "occurred_at", "category", "lat", "lon", "address",
                                     "bairro", "has_coordinates"]
