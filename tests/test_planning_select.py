"""The exact 0–1 selection against brute force, a dynamic-programming knapsack and greedy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots._errors import ValidationError
from hotspots.planning import select as select_mod
from hotspots.planning.select import greedy, select


def brute_force(values, uses, limits, group=None, cap=None, must=None, cover=None, weights=None):
    """Best objective over every subset (written independently of the solver)."""
    n = np.asarray(uses).shape[1]
    best, best_x = -1.0, None
    for bits in itertools.product([False, True], repeat=n):
        x = np.array(bits, dtype=bool)
        if must is not None and not x[must].all():
            continue
        if np.any(np.asarray(uses) @ x > np.asarray(limits) + 1e-9):
            continue
        if cap is not None:
            g = group[x & (group >= 0)]
            if len(g) and np.bincount(g).max() > cap:
                continue
        value = (float(np.asarray(values)[x].sum()) if cover is None
                 else float(weights[(cover @ x.astype(float)) > 0].sum()))
        if value > best:
            best, best_x = value, x
    return best, best_x


def dp_knapsack(values, costs, budget: int) -> float:
    """0–1 knapsack by dynamic programming over integer budgets (textbook, O(n·B))."""
    table = np.zeros(budget + 1)
    for v, c in zip(values, costs, strict=True):
        c = int(c)
        if c <= budget:
            table[c:] = np.maximum(table[c:], table[:budget + 1 - c] + v)
    return float(table[budget])


def test_toy_case_by_hand():
    # budget 10: {A (6, value 7), B (5, value 5), C (5, value 5)} -> B + C = 10 beats A (7)
    sel = select([7.0, 5.0, 5.0], uses=[[6, 5, 5]], limits=[10])
    assert sel.chosen.tolist() == [False, True, True]
    assert sel.objective == 10.0
    assert sel.optimal and sel.method == "exact"
    # greedy by value per cost takes A first (7/6 > 1) and then nothing fits
    assert greedy([7.0, 5.0, 5.0], uses=[[6, 5, 5]], limits=[10]).objective == 7.0


problem = st.integers(min_value=1, max_value=9).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 8), min_size=n, max_size=n),
    st.lists(st.integers(1, 30), min_size=n, max_size=n),
    st.lists(st.integers(0, 4), min_size=n, max_size=n),
    st.lists(st.integers(-1, 2), min_size=n, max_size=n),
    st.lists(st.booleans(), min_size=n, max_size=n),
    st.floats(0.0, 1.0), st.sampled_from([None, 0, 2, 6]), st.sampled_from([None, 1, 2]),
    st.booleans()))


@pytest.mark.slow
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem)
def test_exact_equals_brute_force_and_beats_greedy(case):
    values, costs, lamps, group, must, share, lamp_limit, cap, use_must = case
    values = np.array(values, float)
    costs = np.array(costs, float)
    uses = np.vstack([costs, np.array(lamps, float)])
    limits = np.array([share * costs.sum(), np.inf if lamp_limit is None else lamp_limit])
    group = np.array(group)
    must = np.array(must) & use_must
    # keep the must-fund list feasible (infeasible lists are an error, tested below)
    while must.any() and (np.any(uses[:, must].sum(axis=1) > limits) or (
            cap is not None and len(group[must & (group >= 0)])
            and np.bincount(group[must & (group >= 0)]).max() > cap)):
        must[np.flatnonzero(must)[0]] = False
    best, _ = brute_force(values, uses, limits, group, cap, must)
    sel = select(values, uses=uses, limits=limits, group=group, max_per_group=cap, must=must)
    gr = greedy(values, uses=uses, limits=limits, group=group, max_per_group=cap, must=must)
    x = sel.chosen
    assert sel.optimal
    assert sel.objective == pytest.approx(best, abs=1e-9)
    assert sel.objective >= gr.objective - 1e-9
    assert sel.greedy_objective == pytest.approx(gr.objective)
    # every constraint holds
    assert np.all(uses @ x <= limits + 1e-9)
    assert x[must].all()
    if cap is not None and (x & (group >= 0)).any():
        assert np.bincount(group[x & (group >= 0)]).max() <= cap
    assert sel.bound >= sel.objective - 1e-7


coverage = st.integers(min_value=1, max_value=8).flatmap(lambda n: st.tuples(
    st.integers(1, 14).flatmap(lambda m: st.lists(
        st.lists(st.booleans(), min_size=n, max_size=n), min_size=m, max_size=m)),
    st.lists(st.integers(1, 25), min_size=n, max_size=n), st.floats(0.0, 1.0),
    st.sampled_from([None, 1])))


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coverage)
def test_coverage_selection_equals_brute_force(case):
    rows, costs, share, cap = case
    cover = np.array(rows, dtype=float)
    weights = np.arange(1, len(cover) + 1, dtype=float) % 4
    costs = np.array(costs, float)
    limits = [share * costs.sum()]
    group = np.arange(len(costs)) % 2
    best, _ = brute_force(None, costs[None], limits, group, cap, cover=cover, weights=weights)
    values = weights @ cover
    sel = select(values, uses=costs[None], limits=limits, group=group, max_per_group=cap,
                 cover=cover, cover_weights=weights)
    gr = greedy(values, uses=costs[None], limits=limits, group=group, max_per_group=cap,
                cover=cover, cover_weights=weights)
    assert sel.objective == pytest.approx(best, abs=1e-9)
    assert sel.objective >= gr.objective - 1e-9
    assert costs @ sel.chosen <= limits[0] + 1e-9


def test_equals_dynamic_programming_on_hundreds_of_projects():
    rng = np.random.default_rng(14)
    n = 400
    lamps = rng.integers(1, 8, n)
    costs = lamps * 4500 + rng.integers(30, 400, n) * 60
    values = rng.poisson(1.5 * lamps * rng.gamma(0.5, 2, n)).astype(float)
    budget = int(0.08 * costs.sum())
    sel = select(values, uses=costs[None].astype(float), limits=[budget])
    assert sel.optimal
    assert sel.objective == pytest.approx(dp_knapsack(values, costs, budget), abs=1e-9)
    assert sel.fixed > n // 2  # most projects are decided by the LP bound


def test_must_fund_that_does_not_fit_is_an_error():
    with pytest.raises(ValidationError, match=r"must-fund projects use 30\.00 of limit 0"):
        select([1.0, 2.0], uses=[[10, 20]], limits=[25], must=[True, True])
    with pytest.raises(ValidationError, match="more than the cap of 1"):
        select([1.0, 2.0], uses=[[1, 1]], limits=[25], group=[0, 0], max_per_group=1,
               must=[True, True])


def test_bad_inputs_are_reported_together():
    with pytest.raises(ValidationError) as err:
        select([1.0, -2.0], uses=[[1, np.nan]], limits=[-1])
    text = str(err.value)
    assert "values must be finite and ≥ 0" in text
    assert "uses (costs) must be finite" in text
    assert "limits (budgets) must be ≥ 0" in text
    with pytest.raises(ValidationError, match="method='fast'"):
        select([1.0], uses=[[1]], limits=[1], method="fast")


def test_greedy_method_says_so():
    sel = select([7.0, 5.0, 5.0], uses=[[6, 5, 5]], limits=[10], method="greedy")
    assert sel.method == "greedy" and not sel.optimal
    assert "greedy" in sel.note
    assert sel.objective == 7.0


def test_solver_failure_falls_back_to_greedy_and_says_why(monkeypatch):
    class Failed:
        x = None
        status = 4
        message = "simulated failure"

    monkeypatch.setattr(select_mod, "milp", lambda *a, **k: Failed())
    values = np.array([7.0, 5.0, 5.0, 4.0, 4.5])
    sel = select(values, uses=[[6, 5, 5, 4, 5]], limits=[10])
    assert sel.method == "greedy"
    assert "greedy fallback" in sel.note and "simulated failure" in sel.note
    assert sel.objective == greedy(values, uses=[[6, 5, 5, 4, 5]], limits=[10]).objective


def test_no_budget_limit_takes_every_valuable_project():
    sel = select([1.0, 0.0, 3.0], uses=[[5, 5, 5]], limits=[np.inf])
    assert sel.chosen.tolist() == [True, False, True] or sel.objective == 4.0
    assert sel.objective == 4.0
