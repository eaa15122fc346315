"""plan(): projects, costs, the exact selection and a reason for every project (toy and sample)."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from planning_toys import CRS, X0, Y0, incidents, lamps, segments
from test_planning_select import dp_knapsack

from hotspots._errors import ValidationError
from hotspots.overlays import lighting as light_mod
from hotspots.planning import PlanningSettings, plan

NIGHT, DAY = "2026-11-20 23:00", "2026-11-20 12:00"


def toy_incidents():
    return incidents([
        (2, 50.0, NIGHT, "roubo"), (2, 55.0, NIGHT, "furto"),      # repair R (lamp 8)
        (1, 50.0, NIGHT, "furto"), (1, 60.0, NIGHT, "roubo"), (1, 70.0, NIGHT, "furto"),
        (1, 80.0, DAY, "furto"),                                    # west new lights L1
        (3, 50.0, NIGHT, "furto"),                                  # east new lights L2
        (6, 5.0, NIGHT, "furto"),                                   # Travessa E L3
        (1, 10.0, NIGHT, "roubo"),                                  # lit: in no project
        (4, 10.0, "2025-11-30 12:00", "furto"),                     # opens the window
    ])


def toy_plan(language="en", **kw):
    segs = segments()
    lp = light_mod.prepare_lamps(lamps([(150, 10)]), segs.crs)
    gaps = light_mod.lighting(segs, lp, reach_m=30.0).gaps
    return plan(segs, toy_incidents(), lamps=lp, gaps=gaps, as_of="2026-11-28",
                settings=PlanningSettings(**kw), language=language)


def by_street(p):
    """Project ids of the toy by what they are: R, L1 (west), L2 (east), L3 (Travessa E)."""
    pr = p.projects
    seg = pr["segment_ids"]
    return {"R": pr.index[pr["kind"] == "repair"][0],
            "L1": pr.index[(pr["kind"] == "new_lights") & seg.str.contains(r"\b1\b")][0],
            "L2": pr.index[(pr["kind"] == "new_lights") & seg.str.contains(r"\b3\b")][0],
            "L3": pr.index[seg == "6"][0]}


def test_values_costs_and_ranks_by_hand():
    p = toy_plan(budget_brl=20_000)
    ids = by_street(p)
    pr = p.projects.loc[list(ids.values())]
    assert pr["value"].tolist() == [2.0, 3.0, 1.0, 1.0]
    assert pr["incidents"].tolist() == [2, 3, 1, 1]
    west = 70 + 50 - np.sqrt(30**2 - 10**2)
    assert pr["length_m"].tolist() == pytest.approx([2 * np.sqrt(800), west, west, 10.0])
    assert pr["lamps_new"].tolist() == [0, 2, 2, 1]
    # R$ 350 per repair; R$ 4,500 per lamp + R$ 60 per metre, rounded to the real
    assert pr["cost"].tolist() == [350.0, 9000 + round(60 * west), 9000 + round(60 * west), 5100]
    # value per R$: R 2/350, L1 3/14,503, L3 1/5,100, L2 1/14,503
    assert pr["rank"].tolist() == [1, 2, 4, 3]
    # the night incident on the lit part and the daytime one are in no project
    assert p.totals["lighting_projects"]["night_on_dark"] == 7
    assert p.totals["evidence"]["night"] == 8
    assert pr["per_year"].tolist() == pytest.approx(pr["incidents"] * 365.25 / 364)


def test_best_plan_and_why_each_project_is_funded_or_not():
    p = toy_plan(budget_brl=6_000)
    ids = by_street(p)
    pr = p.projects
    # R + L3 (R$ 5,450, value 3) beats anything with L1 or L2, which do not fit
    assert set(pr.index[pr["funded"]]) == {ids["R"], ids["L3"]}
    assert p.totals["lighting"]["spent_brl"] == 5_450
    assert p.totals["lighting"]["left_brl"] == 550
    assert p.totals["lighting"]["solver"] == "exact (HiGHS MILP, proven optimal)"
    assert pr.loc[ids["L1"], "status"] == "not_funded_fit"  # better value per R$ than L3
    assert pr.loc[ids["L2"], "status"] == "not_funded_spent"
    assert pr.loc[ids["L1"], "reason"] == (
        "not funded: R$ 14,503 for 3.0 night-time incidents a year (2.1 per R$ 10,000); it "
        "does not fit in the R$ 550 left")
    assert pr.loc[ids["L2"], "reason"] == (
        "not funded: R$ 14,503 for 1.0 night-time incident a year (0.69 per R$ 10,000); the "
        "budget was spent on projects worth at least 2.0 per R$ 10,000 (R$ 550 left)")
    assert pr.loc[ids["R"], "reason"] == (
        "funded: repair of 1 lamp for R$ 350, 2.0 night-time incidents a year (57 per "
        "R$ 10,000)")
    pt = p.texts["pt"]
    assert pt.loc[ids["L1"], "reason"] == (
        "não financiado: R$ 14.503 para 3,0 ocorrências à noite por ano (2,1 por R$ 10.000); "
        "não cabe nos R$ 550 restantes")
    # the repair and the east new lights both lie on the blocks between Travessa E and Av. C
    assert pt.loc[ids["R"], "location"] == "Rua A, entre Travessa E e Av. C — parte oeste"
    assert pt.loc[ids["L2"], "location"] == "Rua A, entre Travessa E e Av. C — parte leste"
    # x = 30 … 121.7 lies on the blocks from Rua B to the next cross street after x = 200
    assert pt.loc[ids["L1"], "location"] == "Rua A, entre Rua B e Av. C"
    assert p.projects.loc[ids["L3"], "location"] == "Travessa E, near Rua A"
    assert (pr["budget_left"] == 550).all()


def test_texts_are_cautious_and_in_both_languages():
    p = toy_plan(budget_brl=20_000)
    for lang in ("en", "pt"):
        text = " ".join(p.texts[lang].to_numpy().ravel())
        assert "prevent" not in text.lower() and "evitad" not in text.lower()
    en = p.texts["en"].iloc[0]
    assert en["expected_effect"].startswith("estimate, not a guarantee: 21–36 % fewer")
    assert "Welsh & Farrington" in en["expected_effect"] and "Chalfin et al. 2022" in \
        en["expected_effect"]
    assert "in the last 52 weeks (2025-11-30 to 2026-11-28)" in en["evidence"]
    assert "95 % interval" in en["evidence"]
    assert p.texts["pt"].iloc[0]["expected_effect"].startswith("estimativa, não garantia")
    assert p.language == "en"
    assert toy_plan("pt-BR").language == "pt"


def test_must_fund_bairro_cap_and_other_budgets():
    ids = by_street(toy_plan())
    p = toy_plan(budget_brl=15_000, must_fund=(ids["L2"],))
    pr = p.projects
    assert set(pr.index[pr["funded"]]) == {ids["L2"], ids["R"]}
    assert pr.loc[ids["L2"], "status"] == "funded_must"
    assert pr.loc[ids["L2"], "reason"].startswith("funded (must-fund list): R$ 14,503")
    # lamps only: the repair needs no new lamp; L1 takes both lamps
    p = toy_plan(budget_lamps=2)
    pr = p.projects
    assert set(pr.index[pr["funded"]]) == {ids["R"], ids["L1"]}
    assert pr.loc[ids["L3"], "status"] == "not_funded_lamps"
    assert pr.loc[ids["L3"], "reason"].endswith(
        "it needs 1 new lamp and 0 of that budget are left")
    # at most one funded project per bairro
    segs = segments()
    segs["bairro"] = ["Oeste", "Oeste", "Leste", "Oeste", "Oeste", "Oeste", "Leste", "Leste"]
    lp = light_mod.prepare_lamps(lamps([(150, 10)]), segs.crs)
    gaps = light_mod.lighting(segs, lp, reach_m=30.0).gaps
    p = plan(segs, toy_incidents(), lamps=lp, gaps=gaps, as_of="2026-11-28",
             settings=PlanningSettings(budget_brl=100_000, max_per_bairro=1))
    pr = p.projects
    funded = pr[pr["funded"]]
    assert funded["bairro"].value_counts().max() == 1
    # Oeste holds R (2), L1 (3) and L3 (1): L1; Leste (L2 spans both, ties go alphabetically)
    assert set(funded.index) == {ids["L1"], ids["L2"]}
    assert pr.loc[ids["R"], "status"] == "not_funded_cap"
    assert "bairro Oeste already has 1 funded projects" in pr.loc[ids["R"], "reason"]


def test_no_budget_ranks_only():
    p = toy_plan()
    assert not p.projects["funded"].any()
    assert (p.projects["status"] == "ranked").all()
    assert p.projects.iloc[0]["reason"].startswith("ranked 1 of 4 by value per cost")
    assert p.totals["lighting"]["solver"] == "none (no budget given)"


def test_unusable_settings_and_inputs_are_reported():
    with pytest.raises(ValidationError, match=r"planning\.evidence_weeks: expected a number ≥ 1"):
        toy_plan(evidence_weeks=0)
    with pytest.raises(ValidationError, match="must_fund names \\['L-nope'\\]"):
        toy_plan(budget_brl=1000, must_fund=("L-nope",))
    with pytest.raises(ValidationError, match="must-fund projects use"):
        ids = by_street(toy_plan())
        toy_plan(budget_brl=1000, must_fund=(ids["L1"],))
    with pytest.raises(ValidationError, match="language='fr'"):
        toy_plan("fr")
    segs = segments().to_crs(4326)
    with pytest.raises(Exception, match="degrees"):
        plan(segs, toy_incidents())


def test_harm_weights_change_the_value_not_the_counts():
    p = toy_plan(budget_brl=20_000, harm_weights={"roubo": 3.0})
    ids = by_street(p)
    pr = p.projects.loc[[ids["R"], ids["L1"]]]
    assert pr["value"].tolist() == [4.0, 5.0]  # roubo 3 + furto 1; furto 1 + roubo 3 + furto 1
    assert pr["incidents"].tolist() == [2, 3]
    assert "(harm-weighted 4.0)" in p.projects.loc[ids["R"], "reason"]


def test_layers_for_the_map_and_the_geopackage():
    p = toy_plan(budget_brl=6_000)
    layers = p.layers()
    assert set(layers) == {"plan_lighting", "plan_green", "plan_repair_lamps"}
    lit = layers["plan_lighting"]
    assert len(lit) == 2 and lit.crs == segments().crs
    assert set(lit.geometry.geom_type) == {"MultiLineString"}
    assert lit.geometry.length.sum() == pytest.approx(
        p.projects.loc[lit.index, "length_m"].sum())
    assert layers["plan_repair_lamps"]["funded"].tolist() == [True]


def test_green_areas_in_the_plan_have_their_own_budget():
    segs = segments()
    park = shapely.box(X0 + 120, Y0 + 10, X0 + 180, Y0 + 60)
    square = shapely.box(X0 + 240, Y0 - 60, X0 + 290, Y0 - 10)
    areas = gpd.GeoDataFrame({"area_id": [1, 2], "name": ["Praça Um", "Praça Dois"],
                              "kind": ["park", "square"], "adopted": [False, True]},
                             geometry=[park, square], crs=CRS)
    p = plan(segs, toy_incidents(), green_areas=areas, as_of="2026-11-28",
             settings=PlanningSettings(green_budget_brl=50_000), language="pt")
    g = p.projects
    assert list(g.index) == ["G-1", "G-2"]
    assert g.loc["G-2", "status"] == "adopted"
    assert g.loc["G-1", "cost"] == 8000 + 12 * 3000
    assert g.loc["G-1", "funded"] == (g.loc["G-1", "value"] > 0)
    assert g.loc["G-1", "location"].startswith("Praça Um (parque), ao lado de Rua A")
    assert p.totals["green"]["budget_brl"] == 50_000
    assert len(p.funded_green) == int(g["funded"].sum())


# --- the sample city ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_inputs():
    from planning_sample import inputs

    return inputs()


@pytest.fixture(scope="module")
def sample_plan(sample_inputs):
    s = PlanningSettings(budget_brl=250_000, green_budget_brl=60_000)
    return plan(**{k: v for k, v in sample_inputs.items()}, settings=s, language="pt")


@pytest.mark.slow
def test_sample_no_better_value_per_cost_left_out_unless_it_does_not_fit(sample_plan):
    pr = sample_plan.projects
    light = pr[pr["budget_group"] == "lighting"]
    funded = light[light["funded"]]
    left = sample_plan.totals["lighting"]["left_brl"]
    assert 0 <= left < 250_000
    assert funded["cost"].sum() + left == pytest.approx(250_000)
    ratio = light["value"] / light["cost"]
    worst_funded = ratio[light["funded"]].min()
    better_unfunded = light[~light["funded"] & (ratio > worst_funded)]
    assert len(better_unfunded) > 0  # the knapsack does leave some out on the sample
    assert (better_unfunded["cost"] > left).all()
    assert set(better_unfunded["status"]) == {"not_funded_fit"}
    # and no unfunded project at all fits in what is left (the selection is maximal)
    assert (light.loc[~light["funded"], "cost"] > left).all()
    assert light["rank"].tolist() == sorted(light["rank"])


@pytest.mark.slow
def test_sample_plan_value_is_the_exact_optimum(sample_plan):
    light = sample_plan.projects[sample_plan.projects["budget_group"] == "lighting"]
    best = dp_knapsack(light["value"].to_numpy(), light["cost"].to_numpy().astype(int), 250_000)
    got = light.loc[light["funded"], "value"].sum()
    assert got == pytest.approx(best, abs=1e-9)
    tot = sample_plan.totals["lighting"]
    assert tot["objective"] == pytest.approx(best)
    assert tot["greedy_objective"] <= best
    assert tot["solver"] == "exact (HiGHS MILP, proven optimal)"


@pytest.mark.slow
def test_sample_every_night_incident_on_a_dark_stretch_is_counted_once(sample_inputs,
                                                                        sample_plan):
    inc = sample_inputs["incidents"]
    dark = light_mod.on_dark_stretch(inc["segment_id"], inc["position_m"], sample_inputs["gaps"])
    night = sample_plan.totals["lighting_projects"]
    from hotspots.planning.evidence import evidence

    ev = evidence(inc, sample_inputs["segments"], as_of=None,
                  settings=sample_plan.settings)
    expected = int((ev.frame["night"] & dark.reindex(ev.frame.index)).sum())
    assert night["night_on_dark"] == expected
    light = sample_plan.projects[sample_plan.projects["budget_group"] == "lighting"]
    assert light["incidents"].sum() == expected  # zero-value projects carry none
    # projects, not pieces: fewer lamps than one per dark piece would need
    gaps = sample_inputs["gaps"]
    assert light["lamps_new"].sum() < np.ceil(gaps["length_m"] / 60 - 1e-9).sum()


@pytest.mark.slow
def test_sample_places_and_green_areas(sample_plan):
    pr = sample_plan.projects
    light = pr[pr["kind"] != "green"]
    assert light["location"].str.contains(", entre | perto de ", regex=True).mean() > 0.8
    assert light["location"].is_unique
    assert light["lat"].between(60.1, 60.2).all() and light["lon"].between(24.9, 25.0).all()
    assert (light["bairro"] != "").mean() > 0.9
    green = pr[pr["kind"] == "green"]
    assert (green["area_m2"] >= 1000).all()
    assert set(green["area_kind"].str.lower()) <= {"park", "garden", "playground"}
    g = sample_plan.totals["green"]
    assert g["spent_brl"] <= 60_000 and g["spent_brl"] + g["left_brl"] == pytest.approx(60_000)
    assert (green.loc[green["adopted"], "status"] == "adopted").all()


@pytest.mark.slow
def test_sample_plan_does_not_depend_on_row_order(sample_inputs, sample_plan):
    shuffled = dict(sample_inputs)
    rng = np.random.default_rng(0)
    for key in ("segments", "incidents", "lamps", "gaps", "green_areas"):
        frame = shuffled[key]
        shuffled[key] = frame.iloc[rng.permutation(len(frame))]
    again = plan(**shuffled, settings=sample_plan.settings, language="pt")
    a, b = sample_plan.projects, again.projects.loc[sample_plan.projects.index]
    assert a["funded"].tolist() == b["funded"].tolist()
    assert a["value"].tolist() == b["value"].tolist()
    pd.testing.assert_series_equal(a["location"], b["location"])


def test_settings_round_trip_through_the_declarations():
    from hotspots._settings import build_section, template_lines

    lines = template_lines(PlanningSettings, section="planning")
    assert "[planning]" in lines
    assert any(line.startswith("# budget_brl = 250000.0") for line in lines)
    assert any("EXAMPLE value" in line for line in lines)
    built, problems = build_section(PlanningSettings, {"budget_brl": 1e5, "solver": "greedy"},
                                    section="planning")
    assert problems == [] and built.budget_brl == 1e5
    _, problems = build_section(PlanningSettings, {"solver": "fast", "budget": 1},
                                section="planning")
    assert any("planning.solver: expected one of" in p for p in problems)
    assert any("did you mean 'budget_m'" in p or "budget_brl" in p for p in problems)
    assert dataclasses.replace(PlanningSettings(), spacing_m=None).lamp_spacing_m == 60.0


def test_a_plan_with_nothing_to_fund_still_writes_its_outputs(tmp_path):
    from hotspots.planning.sheet import write_council_sheet
    from hotspots.planning.table import write_plan_csv

    segs = segments()
    day = incidents([(1, 50.0, DAY, "furto")])
    for kw in ({}, {"gaps": light_mod.lighting(segs, light_mod.prepare_lamps(
            lamps(), segs.crs), reach_m=30.0).gaps}):
        p = plan(segs, day, as_of="2026-11-28", settings=PlanningSettings(budget_brl=1000),
                 **kw)
        assert len(p.projects) == 0 and len(p.funded_lighting) == 0
        html = write_council_sheet(p, tmp_path / "s.html", language="pt").read_text()
        assert "Nenhum projeto financiado" in html
        csv_text = write_plan_csv(p, tmp_path / "p.csv", language="en").read_text()
        assert csv_text.startswith("rank,project_id,kind,funded,reason,location")
