"""The whole evaluation: independent re-computation of the DiD, the stacked design, options and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from hotspots._errors import ValidationError
from hotspots.intervention import EvaluationSettings, evaluate_interventions
from hotspots.intervention.design import BUFFER, CONTROL, TREATED, cohort_windows, stacked_rows
from hotspots.intervention.simulate import synthetic_city

sm = pytest.importorskip("statsmodels.api")


@pytest.fixture(scope="module")
def one_cohort():
    """8×8 blocks, 30 weeks, one lighting project starting in week 15, busy segments."""
    return synthetic_city(n_x=8, n_y=8, weeks=30, n_projects=2, cohort_weeks=(15,),
                          mean_night_rate=1.0, buffer_m=0.0, seed=11)


def _settings(**kw):
    base = dict(buffer_m=0.0, pre_weeks=15, post_weeks=15, by_category=False, by_cohort=False)
    base.update(kw)
    return EvaluationSettings(**base)


def test_did_equals_statsmodels_glm_with_dummies(one_cohort):
    city = one_cohort
    segs = city.segments
    res0 = evaluate_interventions(city.incidents, segs, city.interventions,
                                  settings=_settings(placebo=False))
    controls = res0.areas.index[res0.areas["role"] == "control"]
    res = evaluate_interventions(city.incidents, segs, city.interventions, controls=controls,
                                 settings=_settings(placebo=False))
    areas = res.areas
    # independent panel from the raw incidents: night counts per (segment, week)
    inc = city.incidents[city.incidents["is_night"]]
    wk = ((inc["occurred_at"].dt.tz_localize(None).dt.normalize()
           - pd.Timestamp(city.weeks[0])).dt.days // 7)
    counts = pd.crosstab(inc["segment_id"], wk).reindex(index=areas.index, columns=range(30),
                                                        fill_value=0)
    long = counts.stack().rename("y").reset_index()
    long.columns = ["segment_id", "week", "y"]
    role = areas["role"].reindex(long["segment_id"]).to_numpy()
    post = long["week"].to_numpy() >= 15
    X = np.column_stack([(role == "treated") & post, (role == "buffer") & post]).astype(float)
    seg_codes = pd.factorize(long["segment_id"])[0]
    D = np.column_stack([X, (seg_codes[:, None] == np.arange(seg_codes.max() + 1)),
                         (long["week"].to_numpy()[:, None] == np.arange(1, 30))]).astype(float)
    with threadpool_limits(limits=1, user_api="blas"):
        glm = sm.GLM(long["y"].to_numpy(float), D, family=sm.families.Poisson()).fit(
            tol=1e-13, cov_type="cluster", cov_kwds={"groups": seg_codes, "use_correction": False})
    # segments without any incident carry no information: the solver leaves them out, so the
    # small-sample factor G/(G − 1) counts only the others
    g = int((counts.sum(axis=1) > 0).sum())
    se = np.sqrt(np.diag(glm.cov_params())[:2] * g / (g - 1))
    fx = res.effects
    assert fx.loc["treated", "estimate"] == pytest.approx(glm.params[0], abs=1e-6)
    assert fx.loc["buffer", "estimate"] == pytest.approx(glm.params[1], abs=1e-6)
    assert fx.loc["treated", "se"] == pytest.approx(se[0], rel=1e-6)
    assert fx.loc["buffer", "se"] == pytest.approx(se[1], rel=1e-6)
    assert fx.loc["treated", "pct_change"] == pytest.approx(100 * np.expm1(glm.params[0]))
    assert res.model["n_obs"] == 30 * g
    assert res.model["dropped_obs"] == len(long) - 30 * g


def test_outputs_and_invariance_to_row_order(one_cohort):
    city = one_cohort
    res = evaluate_interventions(city.incidents, city.segments, city.interventions,
                                 settings=_settings())
    assert set(res.areas["role"]) == {"treated", "buffer", "control"}
    assert (res.areas["role"] == "control").sum() == 5 * (res.areas["role"] == "treated").sum()
    assert {"night_treated", "day_treated", "ddd_treated"} <= set(res.effects.index)
    # night-only main model = the night part of the joint night/day model
    assert res.effects.loc["treated", "estimate"] == pytest.approx(
        res.effects.loc["night_treated", "estimate"], abs=1e-8)
    assert res.outcome == "night"
    assert res.balance.loc["level", "smd_after"] < res.balance.loc["level", "smd_before"]
    shuffled = city.incidents.sample(frac=1.0, random_state=3)
    again = evaluate_interventions(shuffled, city.segments, city.interventions.iloc[::-1],
                                   settings=_settings())
    pd.testing.assert_frame_equal(res.effects, again.effects)
    assert res.summary()["effects"]["treated"]["pct_change"] == pytest.approx(
        res.effects.loc["treated", "pct_change"])
    layer = res.layers()["intervention_areas"]
    assert layer.crs == city.segments.crs and layer["start"].str.len().dropna().eq(10).all()


def test_stacked_rows_use_only_clean_controls():
    # segments: 0 treated week 4; 1 treated week 8; 2 buffer of cohort 4; 3 buffer of cohort 8;
    # 4 a never-exposed control
    tw = np.array([4, 8, np.nan, np.nan, np.nan])
    sw = np.array([np.nan, np.nan, 4, 8, np.nan])
    ew = np.full(5, np.nan)
    wins, skipped = cohort_windows(tw, sw, ew, 8, pre_weeks=3, post_weeks=2,
                                   implementation_weeks=0, equal_periods=True)
    assert [w.cohort for w in wins] == [4] and skipped == [(8, "no_post")]
    wins, _ = cohort_windows(tw, sw, ew, 11, pre_weeks=3, post_weeks=2, implementation_weeks=0,
                             equal_periods=True)
    rows = stacked_rows(wins, tw, sw, ew, np.array([4]), implementation_weeks=0)
    frame = pd.DataFrame({"seg": rows.seg, "week": rows.week, "stack": rows.stack,
                          "role": rows.role})
    s0 = frame[frame["stack"] == 0]
    assert set(s0["week"]) == set(range(1, 6))                       # cohort 4: weeks 1–5
    # segments 1 and 3 (exposed from week 8) are not-yet-treated controls in stack 0
    assert set(s0.loc[s0["seg"] == 1, "role"]) == {CONTROL}
    assert set(s0.loc[s0["seg"] == 3, "role"]) == {CONTROL}
    s1 = frame[frame["stack"] == 1]
    assert set(s1["week"]) == set(range(5, 10))                      # cohort 8: weeks 5–9
    # the already-treated segment 0 and its buffer 2 never serve as controls of cohort 8
    assert not s1["seg"].isin([0, 2]).any()
    assert set(s1.loc[s1["seg"] == 1, "role"]) == {TREATED}
    assert set(s1.loc[s1["seg"] == 3, "role"]) == {BUFFER}


def test_options_hops_all_controls_lamps_and_categories(one_cohort):
    city = one_cohort
    density = pd.Series(np.linspace(0, 3, len(city.segments)), index=city.segments.index)
    res = evaluate_interventions(
        city.incidents, city.segments, city.interventions, lamps=density,
        settings=_settings(buffer="hops", buffer_hops=1, controls="all", by_category=True,
                           categories=("furto", "roubo"), placebo=False))
    assert "lamp_density" in res.balance.index
    assert len(res.areas) == len(city.segments)   # every other segment is a control
    assert set(res.category_effects.index.get_level_values(0)) <= {"furto", "roubo"}


def test_errors_are_explained(one_cohort):
    city = one_cohort
    late = city.interventions.assign(start="2030-01-01")
    with pytest.raises(ValidationError, match="no start date has at least 2 weeks"):
        evaluate_interventions(city.incidents, city.segments, late, settings=_settings())
    treated_id = city.interventions["segment_id"].iloc[0]
    with pytest.raises(ValidationError, match="is treated or in a buffer"):
        evaluate_interventions(city.incidents, city.segments, city.interventions,
                               controls=[treated_id], settings=_settings())
    with pytest.raises(ValidationError, match="not among the incidents' categories"):
        evaluate_interventions(city.incidents, city.segments, city.interventions,
                               settings=_settings(categories=("arson",)))
    with pytest.raises(ValidationError, match="no CRS"):
        evaluate_interventions(city.incidents, city.segments.set_crs(None, allow_override=True),
                               city.interventions, settings=_settings())


@pytest.mark.slow
def test_sample_city_demo_writes_reports(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "intervention_demo.py"
    spec = importlib.util.spec_from_file_location("intervention_demo", path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    demo.main(tmp_path)
    for name in ("lights.gpkg", "evaluation_pt.html", "evaluation_en.html"):
        assert (tmp_path / name).stat().st_size > 1000
    pt = (tmp_path / "evaluation_pt.html").read_text(encoding="utf-8")
    assert "Funcionou?" in pt and "tripla diferença" in pt.lower()
