"""Speed of the intervention evaluation: the fixed-effects Poisson solver against statsmodels, and a city.

    python benchmarks/bench_intervention.py              # solver comparison + a 20,200-segment city
    python benchmarks/bench_intervention.py --blocks 40  # a smaller city

1. The stacked DiD of a synthetic city fitted by ``fit_fe_poisson`` (fixed effects absorbed)
   and by statsmodels' GLM with one dummy per segment and week, same rows: time of each, their
   ratio (measured in the same run, so the machine's load cancels out) and the largest
   difference of the coefficients and cluster-robust standard errors.
2. ``evaluate_interventions`` end to end on a grid city of ``blocks`` × ``blocks`` blocks
   (100 × 100 = 20,200 segments) over 104 weeks, with the time of each step.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from hotspots.intervention import EvaluationSettings, evaluate_interventions
from hotspots.intervention.design import BUFFER, TREATED, cohort_windows, stacked_rows
from hotspots.intervention.fepois import fit_fe_poisson
from hotspots.intervention.inputs import week_start, weekly_panel
from hotspots.intervention.simulate import synthetic_city


def solver_comparison() -> None:
    import statsmodels.api as sm

    city = synthetic_city(n_x=12, n_y=12, weeks=60, cohort_weeks=(30,), n_projects=4, seed=2,
                          mean_night_rate=0.3)
    res = evaluate_interventions(city.incidents, city.segments, city.interventions,
                                 settings=EvaluationSettings(pre_weeks=30, post_weeks=30,
                                                             by_category=False, placebo=False))
    segs = city.segments
    panel = weekly_panel(city.incidents, segs)
    y = panel.matrix("night")
    areas = res.areas
    pos = segs.index.get_indexer(areas.index)
    tw = np.full(len(segs), np.nan)
    sw = np.full(len(segs), np.nan)
    wk = ((week_start(areas["start"]) - panel.weeks[0]).dt.days // 7).to_numpy(float)
    tw[pos[areas["role"] == "treated"]] = wk[(areas["role"] == "treated").to_numpy()]
    sw[pos[areas["role"] == "buffer"]] = wk[(areas["role"] == "buffer").to_numpy()]
    ctrl = pos[(areas["role"] == "control").to_numpy()]
    wins, _ = cohort_windows(tw, sw, np.full(len(segs), np.nan), len(panel.weeks), pre_weeks=30,
                             post_weeks=30, implementation_weeks=0, equal_periods=True)
    rows = stacked_rows(wins, tw, sw, np.full(len(segs), np.nan), ctrl, implementation_weeks=0)
    keep = np.isin(rows.seg, np.flatnonzero(y.sum(axis=1) > 0))
    rows = rows.select(keep)
    yy = y[rows.seg, rows.week].astype(float)
    post = rows.etime >= 0
    X = np.column_stack([(rows.role == TREATED) & post, (rows.role == BUFFER) & post]).astype(float)
    t0 = time.perf_counter()
    fit = fit_fe_poisson(yy, X, rows.fixed_effects(len(panel.weeks), len(segs)),
                         cluster=rows.seg, names=["treated", "buffer"])
    t_fe = time.perf_counter() - t0
    segs_u, seg_codes = np.unique(rows.seg, return_inverse=True)
    weeks_u = np.unique(rows.week)
    D = np.column_stack([X, seg_codes[:, None] == np.arange(len(segs_u)),
                         rows.week[:, None] == weeks_u[1:]]).astype(float)
    t0 = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        glm = sm.GLM(yy, D, family=sm.families.Poisson()).fit(
            tol=1e-12, cov_type="cluster", cov_kwds={"groups": seg_codes, "use_correction": False})
    t_sm = time.perf_counter() - t0
    d_coef = np.max(np.abs(fit.coef - glm.params[:2]))
    d_se = np.max(np.abs(np.sqrt(np.diag(fit.cov_unscaled)) - glm.bse[:2]))
    print(f"solver: {len(yy)} rows, {len(segs_u)} segments, {len(weeks_u)} weeks, "
          f"{D.shape[1]} columns with dummies")
    print(f"  fit_fe_poisson {t_fe:.3f} s   statsmodels GLM + dummies {t_sm:.3f} s   "
          f"ratio {t_sm / t_fe:.1f}× faster")
    print(f"  largest difference: coefficients {d_coef:.2e}, cluster-robust SEs {d_se:.2e}")


def city_run(blocks: int) -> None:
    t0 = time.perf_counter()
    city = synthetic_city(n_x=blocks, n_y=blocks, weeks=104, cohort_weeks=(40, 52, 64),
                          n_projects=max(6, blocks // 5), seed=1)
    t_city = time.perf_counter() - t0
    print(f"\ncity: {len(city.segments)} segments × 104 weeks, {len(city.incidents)} incidents, "
          f"{len(city.interventions)} treated segments (made in {t_city:.1f} s)")
    steps = {}
    import hotspots.intervention.study as study

    originals = {}
    for name in ("prepare_interventions", "weekly_panel", "classic_measures",
                 "before_after_counts"):
        originals[name] = getattr(study, name)

        def timed(*a, _name=name, **k):
            t = time.perf_counter()
            out = originals[_name](*a, **k)
            steps[_name] = steps.get(_name, 0.0) + time.perf_counter() - t
            return out

        setattr(study, name, timed)
    t0 = time.perf_counter()
    try:
        res = evaluate_interventions(city.incidents, city.segments, city.interventions,
                                     settings=EvaluationSettings(buffer_m=100.0))
    finally:
        for name, fn in originals.items():
            setattr(study, name, fn)
    total = time.perf_counter() - t0
    print(f"  evaluate_interventions {total:.1f} s in all ("
          + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()) + "; the rest: areas, "
          "matching and the Poisson fits)")
    print(f"  estimation sample: {res.model['n_obs']} segment-weeks of {res.model['n_segments']} "
          f"segments (of {len(city.segments) * 104} in the city)")
    fx = res.effects.loc["treated"]
    print(f"  treated {fx['pct_change']:+.1f} % ({fx['ci_low_pct']:+.1f} … "
          f"{fx['ci_high_pct']:+.1f}); injected −30 %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=100)
    args = parser.parse_args()
    solver_comparison()
    city_run(args.blocks)


if __name__ == "__main__":
    main()
