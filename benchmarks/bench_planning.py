"""Benchmark: the exact plan for 20,000 candidate lighting projects under a budget.

Synthetic Pelotas-scale candidates (1–8 new lamps each, R$ 4,500 per lamp + R$ 60 per metre,
night incidents Poisson with a heavy-tailed rate), a budget of 5 % of the total cost. Three
ways to choose, timed in the same run so load from other jobs cancels out:

- ``select``: hotspots' exact path (LP bound, reduced-cost fixing, HiGHS on the core);
- the reference: ``scipy.optimize.milp`` on the whole problem with a zero gap (same optimum);
- greedy by value per R$ (the stated fallback).

A second scenario adds a lamp budget and at most 3 funded projects in each of 200 bairros.

    .venv/bin/python benchmarks/bench_planning.py [n_projects] [--no-reference]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from hotspots.planning.select import greedy, select


def candidates(n: int, *, seed: int = 14):
    """``n`` projects with evidence (the plan lists only those), drawn from a larger pool."""
    rng = np.random.default_rng(seed)
    m = 2 * n
    lamps = rng.integers(1, 9, m)
    metres = lamps * rng.uniform(30, 60, m)
    cost = np.round(lamps * 4500 + metres * 60)
    value = rng.poisson(1.5 * lamps * rng.gamma(0.5, 2.0, m)).astype(float)
    keep = np.flatnonzero(value > 0)[:n]
    bairro = rng.integers(0, 200, m)
    return value[keep], cost[keep], lamps[keep].astype(float), bairro[keep]


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def reference(value, uses, limits):
    res = milp(-value, integrality=np.ones(len(value)), bounds=Bounds(0, 1),
               constraints=[LinearConstraint(uses, -np.inf, limits)],
               options={"mip_rel_gap": 0.0, "time_limit": 600.0})
    return float(-res.fun), res.status


def main(n: int = 20_000, with_reference: bool = True) -> None:
    value, cost, lamps, bairro = candidates(n)
    budget = 0.05 * cost.sum()
    print(f"{len(value):,} candidate projects with evidence; budget "
          f"R$ {budget:,.0f} (5 % of the total cost)")
    ours, t_ours = timed(lambda: select(value, uses=cost[None], limits=[budget]))
    grd, t_grd = timed(lambda: greedy(value, uses=cost[None], limits=[budget]))
    print(f"exact (hotspots select): {t_ours:7.2f} s  value {ours.objective:,.0f}  "
          f"optimal={ours.optimal}  decided by the LP bound: {ours.fixed:,}  "
          f"bound {ours.bound:,.2f}")
    print(f"greedy value per R$:     {t_grd:7.2f} s  value {grd.objective:,.0f}  "
          f"exact/greedy = {ours.objective / grd.objective:.5f}")
    if with_reference:
        (ref_value, status), t_ref = timed(lambda: reference(value, cost[None], [budget]))
        print(f"reference scipy milp:    {t_ref:7.2f} s  value {ref_value:,.0f}  "
              f"status {status}  same optimum: {abs(ref_value - ours.objective) < 1e-6}")
        print(f"time exact / reference milp = {t_ours / t_ref:.3f}")
    lamp_budget = 0.04 * lamps.sum()
    uses = np.vstack([cost, lamps])
    limits = [budget, lamp_budget]
    ours2, t2 = timed(lambda: select(value, uses=uses, limits=limits, group=bairro,
                                     max_per_group=3))
    grd2, tg2 = timed(lambda: greedy(value, uses=uses, limits=limits, group=bairro,
                                     max_per_group=3))
    print(f"\nwith {lamp_budget:,.0f} new lamps at most and ≤ 3 projects in each of 200 "
          "bairros:")
    print(f"exact (hotspots select): {t2:7.2f} s  value {ours2.objective:,.0f}  "
          f"optimal={ours2.optimal}  decided by the LP bound: {ours2.fixed:,}")
    print(f"greedy value per R$:     {tg2:7.2f} s  value {grd2.objective:,.0f}  "
          f"exact/greedy = {ours2.objective / grd2.objective:.5f}")
    if with_reference:
        (ref2, status2), tr2 = timed(lambda: _reference_capped(value, uses, limits, bairro, 3))
        print(f"reference scipy milp:    {tr2:7.2f} s  value {ref2:,.0f}  status {status2}  "
              f"same optimum: {abs(ref2 - ours2.objective) < 1e-6}")
        print(f"time exact / reference milp = {t2 / tr2:.3f}")


def _reference_capped(value, uses, limits, group, cap):
    import scipy.sparse as sp

    n = len(value)
    rows = sp.csr_array((np.ones(n), (group, np.arange(n))), shape=(int(group.max()) + 1, n))
    a = sp.vstack([sp.csr_array(uses), rows])
    b = np.r_[limits, np.full(rows.shape[0], cap)]
    return reference(value, a, b)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 20_000, with_reference="--no-reference" not in sys.argv)
