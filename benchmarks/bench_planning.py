"""Benchmark: the exact plan for 20,000 candidate lighting projects under a budget.

Synthetic Pelotas-scale candidates (1–8 new lamps each, R$ 4,500 per lamp + R$ 60 per metre,
night incidents Poisson with a heavy-tailed rate), a budget of 5 % of the total cost. Three
ways to choose, timed in the same run so load from other jobs cancels out:

- ``select``: hotspots' exact path (LP bound, reduced-cost fixing, HiGHS on the core);
- the reference: ``scipy.optimize.milp`` on the whole problem with a zero gap (same optimum);
- greedy by value per R$ (the stated fallback).

A second scenario adds a lamp budget and at most 3 funded projects in each of 200 bairros.
Last, ``plan()`` end to end on a 20,000-segment grid city (bench_dark_gaps' city, lamps every
~70 m, 8 % broken, 40,000 incidents over a year, 40 green areas): projects, places, exact
selection and both languages' texts.

    .venv/bin/python benchmarks/bench_planning.py [n_projects] [--no-reference] [--no-city]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from bench_dark_gaps import grid_city  # the same synthetic city (this script's folder)
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


def city_plan(n_segments: int = 20_000, n_lamps: int = 28_000, n_incidents: int = 40_000):
    """Time plan() on a synthetic grid city of Pelotas' size."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from hotspots.overlays.green import prepare_green_areas
    from hotspots.overlays.lighting import lighting, prepare_lamps
    from hotspots.planning import PlanningSettings, plan

    rng = np.random.default_rng(7)
    segs, lamps = grid_city(n_segments, n_lamps)
    coords = shapely.get_coordinates(shapely.get_point(segs.geometry.to_numpy(), 0))
    ends = shapely.get_coordinates(shapely.get_point(segs.geometry.to_numpy(), -1))
    horizontal = np.abs(ends[:, 1] - coords[:, 1]) < 1.0
    segs["street_name"] = np.where(horizontal, "Rua " + (coords[:, 1] // 100).astype(int)
                                   .astype(str), "Avenida " + (coords[:, 0] // 100).astype(int)
                                   .astype(str))
    segs["bairro"] = ("B" + ((coords[:, 0] // 1500).astype(int) * 10
                             + (coords[:, 1] // 1500).astype(int)).astype(str))
    lamps = prepare_lamps(lamps, segs.crs)
    t0 = time.perf_counter()
    gaps = lighting(segs, lamps, reach_m=30.0).gaps
    t_light = time.perf_counter() - t0
    seg = rng.integers(0, len(segs), n_incidents)
    when = pd.Timestamp("2025-11-23", tz="America/Sao_Paulo") + pd.to_timedelta(
        rng.uniform(0, 364, n_incidents), unit="D")
    incidents = pd.DataFrame({
        "segment_id": segs.index.to_numpy()[seg],
        "position_m": rng.uniform(0, 1, n_incidents) * segs["length_m"].to_numpy()[seg],
        "category": rng.choice(["roubo", "furto", "lesão corporal"], n_incidents),
        "occurred_at": when}, index=pd.Index([f"I{i}" for i in range(n_incidents)],
                                              name="incident_id"))
    xy = rng.uniform(segs.total_bounds[:2], segs.total_bounds[2:], size=(40, 2))
    areas = prepare_green_areas(gpd.GeoDataFrame(
        {"area_id": np.arange(40), "kind": "park", "adopted": rng.uniform(size=40) < 0.2},
        geometry=[shapely.box(x + 10, y + 10, x + 90, y + 60) for x, y in xy], crs=segs.crs),
        segs.crs)
    settings = PlanningSettings(budget_brl=5_000_000, green_budget_brl=500_000,
                                max_per_bairro=25)
    t0 = time.perf_counter()
    p = plan(segs, incidents, lamps=lamps, gaps=gaps, green_areas=areas,
             as_of="2026-11-22", settings=settings, language="pt")
    t_plan = time.perf_counter() - t0
    tot = p.totals["lighting"]
    print(f"\nplan() on a grid city: {len(segs):,} segments, {len(lamps):,} lamps, "
          f"{len(gaps):,} dark stretches, {n_incidents:,} incidents")
    print(f"lighting overlay (dark gaps): {t_light:6.2f} s")
    print(f"plan() end to end:            {t_plan:6.2f} s  {tot['projects']:,} lighting "
          f"projects listed, {tot['funded']:,} funded, {tot['solver']}; value "
          f"{tot['objective']:,.0f} vs greedy {tot['greedy_objective']:,.0f}")


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
    if "--no-city" not in sys.argv:
        city_plan()
