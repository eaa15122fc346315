"""Buffers on the street network, optimal matching of controls and the balance table."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots._errors import ValidationError
from hotspots.intervention.areas import (
    balance_table,
    exposure,
    match_controls,
    pre_period_covariates,
    standardized_mean_difference,
)
from hotspots.intervention.simulate import grid_segments

ORIGIN = np.array([370_000.0, 6_485_000.0])


@pytest.fixture(scope="module")
def grid():
    return grid_segments(6, 6)


def _ends(segs):
    coords = np.array([shapely.get_coordinates(g)[[0, -1]] for g in segs.geometry]) - ORIGIN
    return np.round(coords).astype(int)


def _manhattan_reach(segs, treated_pos):
    """On a complete grid the street distance between two nodes is their Manhattan distance."""
    ends = _ends(segs)
    out = np.full(len(segs), np.inf)
    for t in treated_pos:
        d = np.abs(ends[:, :, None, :] - ends[t][None, None, :, :]).sum(-1).min(axis=(1, 2))
        out = np.minimum(out, d)
    out[treated_pos] = np.inf
    return out


@pytest.mark.parametrize("buffer_m", [0.0, 100.0, 150.0, 250.0])
def test_distance_buffer_is_the_street_distance_between_segments(grid, buffer_m):
    treated = [17, 40]
    tw = pd.Series([10.0, 10.0], index=grid.index[treated])
    ex = exposure(grid, tw, mode="distance", buffer_m=buffer_m)
    expected = _manhattan_reach(grid, treated)
    within = expected <= buffer_m
    np.testing.assert_array_equal(ex["spill_week"].notna().to_numpy(), within)
    np.testing.assert_allclose(ex["reach"].to_numpy()[within], expected[within])
    assert ex["treat_week"].notna().sum() == 2


def test_touching_segments_are_one_hop(grid):
    seg = 17
    ends = _ends(grid)
    touching = {i for i in range(len(grid)) if i != seg and
                {tuple(p) for p in ends[i]} & {tuple(p) for p in ends[seg]}}
    ex = exposure(grid, pd.Series([3.0], index=grid.index[[seg]]), mode="hops", buffer_hops=1)
    assert set(np.flatnonzero(ex["spill_week"].notna())) == touching
    two = exposure(grid, pd.Series([3.0], index=grid.index[[seg]]), mode="hops", buffer_hops=2)
    assert set(np.flatnonzero(two["reach"] == 1)) == touching
    assert (two["reach"] == 2).sum() > 0
    assert two["spill_week"].notna().sum() > len(touching)


def test_staggered_cohorts_keep_the_earliest_exposure(grid):
    tw = pd.Series([20.0, 5.0], index=grid.index[[17, 40]])
    ex = exposure(grid, tw, mode="distance", buffer_m=400.0)
    both = (_manhattan_reach(grid, [17]) <= 400) & (_manhattan_reach(grid, [40]) <= 400)
    assert both.any()
    assert (ex["spill_week"].to_numpy()[both] == 5.0).all()
    # the later-treated segment was within reach of the earlier cohort: recorded
    assert ex["spill_week"].iloc[17] == 5.0 and ex["treat_week"].iloc[17] == 20.0


def test_bad_mode():
    with pytest.raises(ValidationError, match="use 'distance' or 'hops'"):
        exposure(grid_segments(2, 2), pd.Series(dtype=float), mode="km")


def test_matching_is_optimal_against_brute_force():
    rng = np.random.default_rng(7)
    cov = pd.DataFrame({"level": rng.normal(size=11), "trend": rng.normal(size=11)})
    treated, pool = np.array([0, 1, 2]), np.arange(3, 11)
    chosen, to = match_controls(cov, treated, pool, k=2, match_on=("level", "trend"))
    z = cov.to_numpy()
    both = np.r_[treated, pool]
    z = (z - z[both].mean(0)) / z[both].std(0, ddof=1)
    dist = np.linalg.norm(z[:, None, :] - z[None, :, :], axis=-1)
    slots = np.repeat(treated, 2)
    best = min(sum(dist[s, c] for s, c in zip(slots, perm))
               for perm in itertools.permutations(pool, len(slots)))
    got = sum(dist[s, c] for s, c in zip(to, chosen))
    assert got == pytest.approx(best, abs=1e-6)
    assert len(set(chosen)) == 6 and set(chosen) <= set(pool)
    assert sorted(np.bincount(to, minlength=3)[treated]) == [2, 2, 2]


def test_matching_needs_enough_candidates():
    cov = pd.DataFrame({"level": np.arange(5.0)})
    with pytest.raises(ValidationError, match="2 candidate control segments for 2 treated × 3"):
        match_controls(cov, np.array([0, 1]), np.array([2, 3]), k=3, match_on=("level",))
    with pytest.raises(ValidationError, match="none of these covariates"):
        match_controls(cov, np.array([0]), np.array([2, 3]), k=1, match_on=("lamp_density",))


def test_pre_period_covariates_by_hand():
    y = np.array([[0, 1, 2, 3, 9], [2, 2, 2, 2, 9]], dtype=float)
    allc = y + 1
    night = y.copy()
    cov = pre_period_covariates(y, allc, night, window=(0, 4), length_m=np.array([50.0, 80.0]))
    np.testing.assert_allclose(cov["level"], [1.5, 2.0])
    np.testing.assert_allclose(cov["trend"], [1.0, 0.0])        # least-squares slope per week
    np.testing.assert_allclose(cov["night_share"], [6 / 10, 8 / 12])
    assert "lamp_density" not in cov


def test_smd_and_balance_table_by_hand():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0, 8.0])
    pooled = np.sqrt((1.0 + np.var(b, ddof=1)) / 2)
    assert standardized_mean_difference(a, b) == pytest.approx((2 - 5) / pooled)
    t = pd.DataFrame({"level": a})
    tab = balance_table(t, pd.DataFrame({"level": b}), pd.DataFrame({"level": a + 0.5}),
                        buffer=pd.DataFrame({"level": a}))
    row = tab.loc["level"]
    assert row["smd_after"] == pytest.approx(-0.5)
    assert row["mean_pool"] == 5 and row["variance_ratio"] == pytest.approx(1.0)
    assert row["smd_buffer"] == pytest.approx(-0.5)


def test_street_graph_keeps_the_shortest_of_parallel_segments():
    import geopandas as gpd

    from hotspots.weights import street_graph

    lines = [shapely.LineString([(0, 0), (100, 0)]),
             shapely.LineString([(0, 0), (50, 40), (100, 0)]),      # a longer parallel street
             shapely.LineString([(100, 0), (100, 80)])]
    segs = gpd.GeoDataFrame({"length_m": shapely.length(lines)}, geometry=lines,
                            crs="EPSG:31982")
    graph, start, end = street_graph(segs)
    assert graph.shape == (3, 3) and graph.nnz == 4
    assert graph[start[0], end[0]] == pytest.approx(100.0)
    assert graph[start[2], end[2]] == pytest.approx(80.0)


def test_settings_build_from_toml_and_document_themselves():
    from hotspots._settings import build_section, template_lines
    from hotspots.intervention import EvaluationSettings

    got, problems = build_section(EvaluationSettings, {"buffer_m": 150, "kinds": ["patrol"],
                                                        "outcome": "night"}, section="evaluation")
    assert problems == [] and got.buffer_m == 150.0 and got.kinds == ("patrol",)
    _, problems = build_section(EvaluationSettings, {"outcome": "dusk", "alpha": 0.7,
                                                     "bufer_m": 1}, section="evaluation")
    assert any("evaluation.outcome: expected one of" in p for p in problems)
    assert any("evaluation.alpha: expected a number > 0 and < 0.5" in p for p in problems)
    assert any("did you mean 'buffer_m'" in p for p in problems)
    text = "\n".join(template_lines(EvaluationSettings, section="evaluation"))
    assert "[evaluation]" in text and "buffer_m = 200.0" in text
