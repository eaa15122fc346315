"""Tests of hotspots.prioritize (ranking, budgets, green candidates, patrols) and the stages."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from hotspots import pipeline
from hotspots._errors import ValidationError
from hotspots.overlays.night import enough_for_night_gi
from hotspots.prioritize import (
    green_candidates,
    lighting_priority,
    parse_shift_window,
    patrol_guidance,
    select_under_budget,
)

CRS = "EPSG:32635"


def _brute_force(values, costs, budget):
    best = 0.0
    for r in range(len(values) + 1):
        for combo in itertools.combinations(range(len(values)), r):
            if sum(costs[i] for i in combo) <= budget:
                best = max(best, sum(values[i] for i in combo))
    return best


def _toy_segments():
    # A..D are lighting candidates (night incidents on dark stretches); E has none
    return pd.DataFrame({
        "street_name": ["Rua A", "Rua B", "Rua C", "Rua D", "Rua E"],
        "night_count": [12, 14, 6, 9, 4],
        "night_dark_count": [10, 12, 6, 9, 0],
        "dark_gap_m": [20.0, 40.0, 30.0, 60.0, 50.0],
        "dark_fraction": [0.5, 0.8, 1.0, 0.75, 1.0],
        "lamps_needed": [1, 1, 1, 1, 1],
        "broken_within_reach": [0, 2, 0, 0, 0],
    }, index=pd.Index([1, 2, 3, 4, 5], name="segment_id"))


def test_budget_toy_case_reaches_known_optimum():
    seg = _toy_segments()
    plan = lighting_priority(seg, weeks=6, budget_m=90.0)
    chosen = plan.frame.index[plan.frame["selected_in_budget"]].tolist()
    # greedy by incidents per metre: A (0.5/m), B (0.3/m), C (0.2/m) = 90 m, 28 incidents;
    # enumerating every subset of A..D within 90 m gives the same optimum, 28
    assert sorted(chosen) == [1, 2, 3]
    values = seg["night_dark_count"].iloc[:4].tolist()
    costs = seg["dark_gap_m"].iloc[:4].tolist()
    assert _brute_force(values, costs, 90.0) == 28
    assert plan.totals["night_incidents_covered"] == 28
    assert plan.totals["selected_dark_m"] == pytest.approx(90.0)
    assert plan.totals["night_incidents_covered_per_week"] == pytest.approx(28 / 6)
    assert 5 not in plan.frame.index  # no night incident on its dark stretch: not a candidate


def test_select_under_budget_falls_back_to_best_single_item():
    # by ratio the cheap item (2 per metre) goes first and the big one no longer fits;
    # the best single item (10) beats the greedy set (2), as in the ½-approximation
    assert select_under_budget([2, 10], [1, 10], budget=10).tolist() == [False, True]
    assert select_under_budget([5, 0, 3], [0, 1, 1], budget=0).tolist() == [True, False, False]
    with pytest.raises(ValidationError, match="budget"):
        select_under_budget([1], [1], budget=-1)


def test_select_under_budget_matches_brute_force_on_equal_costs():
    rng = np.random.default_rng(7)
    values = rng.integers(0, 20, size=9).astype(float)
    costs = np.full(9, 25.0)
    chosen = select_under_budget(values, costs, budget=100.0)
    assert values[chosen].sum() == _brute_force(values, costs, 100.0)


def test_budget_in_lamps_and_both():
    seg = _toy_segments()
    plan = lighting_priority(seg, weeks=6, budget_lamps=2)
    # equal lamp costs: the two with most night incidents on dark stretches, B (12) and A (10)
    assert sorted(plan.frame.index[plan.frame["selected_in_budget"]]) == [1, 2]
    both = lighting_priority(seg, weeks=6, budget_m=90.0, budget_lamps=2)
    assert both.totals["selected_lamps"] <= 2 and both.totals["selected_dark_m"] <= 90.0


def test_ranking_uses_gi_and_reason_is_plain_language():
    seg = _toy_segments()
    seg["night_gi_bin"] = [0, 0, 0, 3, 0]
    seg["gi_bin"] = [2, 0, 0, 0, 0]
    plan = lighting_priority(seg, weeks=6)
    f = plan.frame
    # D: 9 × (1 + 0.5) = 13.5 beats B's 12 and A's 10 × (1 + 0.5 × 2/3) = 13.33
    assert f.index.tolist() == [4, 1, 2, 3]
    assert f["priority_rank"].tolist() == [1, 2, 3, 4]
    assert f.loc[4, "priority_reason"] == (
        "9 night incidents in 6 weeks (9 on unlit stretches), 60 m unlit (75 % of the segment), "
        "night-time Gi* 99 % hot")
    assert f.loc[1, "priority_reason"].endswith("Gi* 95 % hot")
    assert f.loc[2, "priority_reason"].endswith("2 broken lamps within reach: repair first")
    assert not f["selected_in_budget"].any()  # no budget: rank only
    one = lighting_priority(seg.iloc[:1], weeks=1).frame
    assert one["priority_reason"].iloc[0].startswith("12 night incidents in 1 week (10 on")
    with pytest.raises(ValidationError, match="night_dark_count"):
        lighting_priority(seg.drop(columns="night_dark_count"), weeks=6)


def test_green_candidates_greedy_coverage():
    areas = gpd.GeoDataFrame({"adopted": [False, False, True], "name": ["Praça 1", "", "Parque"],
                              "kind": ["park", "grass", "park"], "area_m2": [100.0, 50.0, 900.0]},
                             geometry=[box(0, 0, 10, 10), box(20, 0, 25, 10), box(50, 0, 80, 30)],
                             index=pd.Index([1, 2, 3], name="area_id"), crs=CRS)
    near = pd.DataFrame({"area_id": [1, 1, 2, 3], "segment_id": [11, 12, 12, 13]})
    seg = pd.DataFrame({"count": [5, 10, 50], "night_count": [1, 2, 3], "gi_bin": [0, 3, 3]},
                       index=pd.Index([11, 12, 13], name="segment_id"))
    plan = green_candidates(areas, near, seg, radius_m=300, budget_areas=2)
    f = plan.frame
    assert f.index.tolist() == [1, 2]  # the adopted park is not a candidate
    assert f["selected_in_budget"].tolist() == [True, False]  # area 2 adds nothing new
    assert f["incidents_covered"].tolist() == [15.0, 0.0]
    assert f.loc[1, "candidate_reason"] == (
        "Praça 1 (park, 100 m², not adopted): 15 incidents (3 at night) on 2 segments within "
        "300 m, 1 Gi* hot segment (≥ 95 %)")
    assert f.loc[2, "candidate_reason"].startswith("unnamed grass (grass, 50 m²")


def test_patrol_windows_cross_midnight_and_koper_visits():
    seg = gpd.GeoDataFrame({"street_name": ["A", "B", "C"], "gi_z": [1.0, 3.0, 0.0]},
                           geometry=[LineString([(0, i), (1, i)]) for i in range(3)],
                           index=pd.Index([1, 2, 3], name="segment_id"), crs=CRS)
    times = pd.to_datetime(["2026-06-01 23:00", "2026-06-02 01:00", "2026-06-02 02:00",
                            "2026-06-02 03:00", "2026-06-02 10:00", "2026-06-02 18:30"]
                           ).tz_localize("America/Sao_Paulo")
    inc = pd.DataFrame({"occurred_at": times, "segment_id": [1, 2, 2, 1, 3, 3]})
    out = patrol_guidance(inc, seg, shift_windows=("22-06", "18-22"), top_n=2, weeks=2)
    night = out[out["shift"] == "22–06"]
    assert night["segment_id"].tolist() == [2, 1]  # 2 each; tie to the higher Gi* z
    assert night["visits_per_shift"].tolist() == [4, 4]  # 8 h, one visit at least every 2 h
    assert night["incidents_per_week"].tolist() == [1.0, 1.0]
    eve = out[out["shift"] == "18–22"]
    assert eve["segment_id"].tolist() == [3] and eve["visits_per_shift"].iloc[0] == 2
    assert "10–15 min" in eve["guidance"].iloc[0]
    assert out.crs == seg.crs
    with pytest.raises(ValidationError, match="HH-HH"):
        parse_shift_window("night")


def test_enough_for_night_gi():
    assert not enough_for_night_gi(pd.Series([1] * 20), min_incidents=30)[0]
    assert not enough_for_night_gi(pd.Series([1] * 40), min_incidents=30)[0]  # no variation
    assert enough_for_night_gi(pd.Series([0, 2] * 20), min_incidents=30)[0]


def test_steps_on_sample_city(sample_result):
    res = sample_result
    seg = res.segments
    before = res.counts.segments
    for col in ("lamps_within_reach", "lights_per_100m", "dark_gap_m", "dark_fraction",
                "longest_dark_gap_m", "night_count", "night_share", "dist_green_m",
                "green_area_within_m2", "nearest_green_adopted", "night_gi_z", "night_gi_bin"):
        assert col in seg.columns, col
    assert seg.index.equals(before.index)
    assert (seg["count"] == before["count"]).all()
    assert (seg["night_count"] <= seg["count"]).all()
    assert seg["night_share"].dropna().between(0, 1).all()
    inc = res.incidents
    assert inc["is_night"].notna().all()
    assert int(inc["is_night"].sum()) == int(seg["night_count"].sum())
    layers = res.layers()
    gaps = layers["dark_gaps"]
    per_seg = gaps.groupby("segment_id")["length_m"].sum()
    assert np.allclose(per_seg, seg.loc[per_seg.index, "dark_gap_m"])
    assert "priority" not in layers  # the plan replaced the per-piece lighting ranking
    plan = res.planning.plan
    funded = plan.projects[plan.projects["funded"]]
    light = res.summary()["planning"]["totals"]["lighting"]
    assert light["budget_brl"] == 250000.0 and funded["cost"].sum() <= 250000.0
    assert len(funded) == light["funded"] > 0
    assert set(layers["plan_lighting"]["kind"]) <= {"repair", "new_lights"}
    assert layers["lamps"].crs == seg.crs and len(layers["lamps"]) == 586
    assert set(layers["patrol"]["shift"]) == {"06–14", "14–22", "22–06"}
    for key in ("lighting", "green", "planning", "patrol", "night"):
        assert key in res.summary()


def test_sample_city_night_share_follows_lighting(sample_result):
    """The synthetic incidents are darker where lamps are far (data/README: 45 % vs 74 %)."""
    seg = sample_result.segments
    dark = seg[seg["dark_fraction"] > 0.99]
    lit = seg[seg["dark_fraction"] < 0.01]
    share = lambda s: s["night_count"].sum() / s["count"].sum()  # noqa: E731
    assert share(dark) > share(lit) + 0.1


def test_steps_without_lamp_inventory_use_osm_lit_tag():
    cfg = pipeline.sample_config().with_changes(inputs={"lamps": None, "green_areas": None})
    res = pipeline.analyse(cfg, week=None, now=pd.Timestamp("2026-12-01", tz="Europe/Helsinki"))
    summary = res.summary()
    assert summary["lighting"]["source"] == "OSM lit tag"
    seg = res.segments
    # sample streets: 679 lit=yes, 1 disused, 66 untagged -> dark only where tagged unlit
    assert seg["dark_gap_m"].isna().sum() == summary["lighting"]["unknown_segments"] > 0
    layers = res.layers()
    assert "lamps" not in layers and "plan_green" not in layers
    # without a lamp inventory there are no dark stretches to plan lighting on
    assert "skipped" in summary["planning"]


def test_reasons_in_portuguese_for_portuguese_bulletins():
    seg = _toy_segments()
    seg["night_gi_bin"] = [0, 0, 0, 3, 0]
    f = lighting_priority(seg, weeks=6, language="pt").frame
    assert f.loc[4, "priority_reason"] == (
        "9 ocorrências noturnas em 6 semanas (9 em trechos sem iluminação), 60 m sem iluminação "
        "(75 % do segmento), Gi* noturno: ponto quente 99 %")
    assert f.loc[2, "priority_reason"].endswith("2 lâmpadas apagadas ao alcance: consertar primeiro")
    one = lighting_priority(seg.iloc[:1], weeks=1, language="pt").frame
    assert one["priority_reason"].iloc[0].startswith("12 ocorrências noturnas em 1 semana (10 em")
    seg2 = gpd.GeoDataFrame({"street_name": ["A"]}, geometry=[LineString([(0, 0), (1, 0)])],
                            index=pd.Index([1], name="segment_id"), crs=CRS)
    inc = pd.DataFrame({"occurred_at": pd.to_datetime(["2026-06-01 23:00"]).tz_localize(
        "America/Sao_Paulo"), "segment_id": [1]})
    g = patrol_guidance(inc, seg2, shift_windows=("22-06",), top_n=1, weeks=1, language="pt")
    assert g["guidance"].iloc[0] == ("4 paradas imprevisíveis de 10–15 min entre 22:00 e 06:00 "
                                     "(ao menos uma a cada 2 h): 1 ocorrência nesta janela em "
                                     "1 semana")
    with pytest.raises(ValidationError, match="language='es'"):
        lighting_priority(seg, weeks=6, language="es")
