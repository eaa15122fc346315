"""Coverage and false-positive rate of the intervention evaluation on synthetic cities.

    python benchmarks/experiment_intervention.py --reps 200            # both scenarios
    python benchmarks/experiment_intervention.py --reps 50 --n-x 20    # quicker

Each replication draws a grid city (80 weeks; 26 weeks before and after each start) (``hotspots.intervention.simulate.synthetic_city``) with
lighting projects in three staggered cohorts, injects −30 % night incidents on the treated
segments and +10 % on the buffer (scenario "effect") or nothing (scenario "null"), runs
``evaluate_interventions`` end to end (matching, buffer, WDD, stacked Poisson DiD, placebo,
event study) and records whether each 95 % interval covers the truth and whether each test
rejects at 5 %. Printed: rates with their Monte Carlo standard error √(p(1 − p)/R).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from hotspots.intervention import EvaluationSettings, evaluate_interventions
from hotspots.intervention.before_after import classic_measures
from hotspots.intervention.simulate import synthetic_city

#: 80 weeks of incidents, three cohorts of projects starting in weeks 30, 40 and 50, each
#: evaluated on the 26 weeks before and the 26 weeks from its start
WEEKS = 80
COHORTS = (30, 40, 50)


def true_wdd(result, city) -> float:
    """E[WDD]: the WDD is linear in the counts, so its expectation is the WDD of E[counts]."""
    segs = city.segments
    areas = result.areas
    w0 = result.weeks[0]
    tw = np.full(len(segs), np.nan)
    sw = np.full(len(segs), np.nan)
    week = ((areas["start"] - w0).dt.days // 7).to_numpy(dtype=float)
    pos = segs.index.get_indexer(areas.index)
    is_t = (areas["role"] == "treated").to_numpy()
    is_b = (areas["role"] == "buffer").to_numpy()
    tw[pos[is_t]] = week[is_t]
    sw[pos[is_b]] = week[is_b]
    ctrl = pos[(areas["role"] == "control").to_numpy()]
    exp = city.expected[:, : len(result.weeks)]
    res = classic_measures(exp, list(result.windows), tw, sw, ctrl,
                           length_m=segs["length_m"].to_numpy(), weeks=result.weeks,
                           area_weight=result.settings.wdd_area_weight)
    return float(res.table["wdd"].iloc[-1])


def replicate(seed: int, *, null: bool, n_x: int, settings: EvaluationSettings) -> dict:
    city = synthetic_city(n_x=n_x, n_y=n_x, seed=seed, treated_effect=1.0 if null else 0.7,
                          buffer_effect=1.0 if null else 1.1, buffer_m=settings.buffer_m,
                          weeks=WEEKS, cohort_weeks=COHORTS)
    res = evaluate_interventions(city.incidents, city.segments, city.interventions,
                                 settings=settings)
    fx = res.effects
    t_true = 100 * (city.treated_effect - 1)
    b_true = 100 * (city.buffer_effect - 1)
    pooled = res.classic.table.iloc[-1]
    w_true = true_wdd(res, city)
    return {
        "treated_cover": fx.at["treated", "ci_low_pct"] <= t_true <= fx.at["treated", "ci_high_pct"],
        "buffer_cover": fx.at["buffer", "ci_low_pct"] <= b_true <= fx.at["buffer", "ci_high_pct"],
        "treated_reject": fx.at["treated", "p"] < 0.05,
        "buffer_reject": fx.at["buffer", "p"] < 0.05,
        "day_reject": fx.at["day_treated", "p"] < 0.05,
        "day_cover": fx.at["day_treated", "ci_low_pct"] <= 0 <= fx.at["day_treated", "ci_high_pct"],
        "ddd_cover": fx.at["ddd_treated", "ci_low_pct"] <= t_true <= fx.at["ddd_treated", "ci_high_pct"],
        "pretrend_reject": res.event_study.pretrend_p < 0.05,
        "wdd_cover": pooled["wdd_ci_low"] <= w_true <= pooled["wdd_ci_high"],
        "wdd_reject": pooled["wdd_p"] < 0.05,
        "treated_pct": fx.at["treated", "pct_change"],
        "buffer_pct": fx.at["buffer", "pct_change"],
    }


def run(reps: int, *, null: bool, n_x: int, first_seed: int = 0, controls: str = "matched",
        log: str | None = None) -> dict[str, np.ndarray]:
    """``reps`` replications; with ``log`` each one is appended to that CSV as it finishes."""
    settings = EvaluationSettings(buffer_m=100.0, by_category=False, by_cohort=False,
                                  pre_weeks=26, post_weeks=26, controls=controls)
    rows = []
    for r in range(reps):
        rows.append(replicate(first_seed + r, null=null, n_x=n_x, settings=settings))
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                if r == 0:
                    fh.write(",".join(rows[0]) + "\n")
                fh.write(",".join(str(float(v)) for v in rows[-1].values()) + "\n")
    return {k: np.array([r[k] for r in rows], dtype=float) for k in rows[0]}


def _rate(x: np.ndarray) -> str:
    p = float(np.mean(x))
    se = math.sqrt(p * (1 - p) / len(x))
    return f"{100 * p:5.1f} % ± {100 * se:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--n-x", type=int, default=30, help="blocks per side of the grid city")
    parser.add_argument("--scenario", choices=("both", "effect", "null"), default="both")
    parser.add_argument("--controls", choices=("matched", "all"), default="matched",
                        help="matched controls (default) or every segment outside the areas")
    parser.add_argument("--log", help="append every replication to this CSV (…-<scenario>.csv)")
    args = parser.parse_args()
    scenarios = ("effect", "null") if args.scenario == "both" else (args.scenario,)
    for sc in scenarios:
        t0 = time.perf_counter()
        log = f"{args.log.removesuffix('.csv')}-{sc}.csv" if args.log else None
        out = run(args.reps, null=sc == "null", n_x=args.n_x,
                  first_seed=0 if sc == "effect" else 100_000, controls=args.controls, log=log)
        dt = time.perf_counter() - t0
        print(f"\nscenario {sc}: {args.reps} replications, {args.n_x}×{args.n_x} blocks, "
              f"{args.controls} controls, "
              f"{dt / args.reps:.1f} s per replication (Monte Carlo SE after ±)")
        if sc == "effect":
            print(f"  treated −30 %: 95 % interval coverage {_rate(out['treated_cover'])}; "
                  f"mean estimate {np.mean(out['treated_pct']):+.1f} %; power "
                  f"{_rate(out['treated_reject'])}")
            print(f"  buffer  +10 %: 95 % interval coverage {_rate(out['buffer_cover'])}; "
                  f"mean estimate {np.mean(out['buffer_pct']):+.1f} %; power "
                  f"{_rate(out['buffer_reject'])}")
            print(f"  triple difference (night − day) covers −30 %: {_rate(out['ddd_cover'])}")
        else:
            print(f"  false-positive rate, treated: {_rate(out['treated_reject'])}; "
                  f"coverage of 0: {_rate(out['treated_cover'])}")
            print(f"  false-positive rate, buffer:  {_rate(out['buffer_reject'])}; "
                  f"coverage of 0: {_rate(out['buffer_cover'])}")
            print(f"  WDD false-positive rate: {_rate(out['wdd_reject'])}")
        print(f"  day-time placebo (no effect in either scenario): false-positive rate "
              f"{_rate(out['day_reject'])}")
        print(f"  pre-trend test (no pre-trend in either scenario): rejection rate "
              f"{_rate(out['pretrend_reject'])}")
        print(f"  WDD interval covers E[WDD]: {_rate(out['wdd_cover'])}")


if __name__ == "__main__":
    main()
