"""Settings of the lighting and green-area plan: evidence window, harm weights, costs, budgets."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hotspots._settings import setting

__all__ = ["EXAMPLE_COSTS", "PlanningSettings"]

#: the example unit costs (R$) used when a city gives none; every output says they are examples
EXAMPLE_COSTS = {
    "cost_new_lamp_brl": 4500.0,
    "cost_repair_brl": 350.0,
    "cost_network_per_m_brl": 60.0,
    "cost_green_fixed_brl": 8000.0,
    "cost_green_per_m2_brl": 12.0,
}

#: green-area kinds that are places people use (OSM leisure/landuse values and pt-BR names)
DEFAULT_GREEN_KINDS = ("park", "garden", "playground", "square", "recreation_ground",
                       "village_green", "dog_park", "parque", "praça", "praca", "jardim",
                       "largo", "bosque")


def _weights_ok(value: dict) -> str | None:
    bad = [k for k, v in value.items() if not (math.isfinite(v) and v >= 0)]
    return f"weights ≥ 0 (check {bad})" if bad else None


def _ids_ok(value: tuple) -> str | None:
    return "project ids without blanks" if any(not str(v).strip() for v in value) else None


@dataclass(frozen=True)
class PlanningSettings:
    """How a lighting / green-area plan is built (one section of the run configuration)."""

    evidence_weeks: int = setting(
        52, "weeks of incidents, ending on the as-of date, that count as evidence for the plan "
        "(separate from the weekly analysis window); stated on every figure", unit="weeks", ge=1)
    harm_weights: dict[str, float] = setting(  # noqa: RUF009 (setting() is a field specifier)
        {}, "optional weight per incident category (case-insensitive), e.g. robbery above "
        "theft; default: none, every incident weighs 1 (unweighted)",
        example={"roubo": 2.0, "lesão corporal": 2.0, "furto": 1.0}, check=_weights_ok)
    harm_default_weight: float = setting(
        1.0, "weight of categories not listed in harm_weights", ge=0)
    reach_m: float = setting(
        30.0, "distance a lamp lights; must equal the lighting overlay's reach", unit="m", gt=0)
    spacing_m: float | None = setting(
        None, "spacing of new lamps along a project; None = 2 × reach_m", unit="m", gt=0)
    min_stretch_m: float = setting(
        0.0, "dark stretches shorter than this (after merging along the street) are not "
        "planned; their incidents are counted in the totals", unit="m", ge=0)
    max_project_m: float | None = setting(
        500.0, "longest lighting project: longer runs of dark street are split at block ends "
        "so a hot block is not tied to a long cold road; None = no limit", unit="m", gt=0)
    cost_new_lamp_brl: float = setting(
        EXAMPLE_COSTS["cost_new_lamp_brl"], "cost of one new lamp with its pole, installed "
        "(EXAMPLE value: replace with the city's contract price)", unit="R$", ge=0)
    cost_repair_brl: float = setting(
        EXAMPLE_COSTS["cost_repair_brl"], "cost of repairing one broken lamp (EXAMPLE value)",
        unit="R$", ge=0)
    cost_network_per_m_brl: float = setting(
        EXAMPLE_COSTS["cost_network_per_m_brl"], "cost of new network/cable per metre of a "
        "new-lighting project (EXAMPLE value)", unit="R$/m", ge=0)
    cost_green_fixed_brl: float = setting(
        EXAMPLE_COSTS["cost_green_fixed_brl"], "fixed cost of adopting/improving one green "
        "area (EXAMPLE value)", unit="R$", ge=0)
    cost_green_per_m2_brl: float = setting(
        EXAMPLE_COSTS["cost_green_per_m2_brl"], "cost per m² of adopting/improving a green "
        "area (EXAMPLE value)", unit="R$/m²", ge=0)
    budget_brl: float | None = setting(
        None, "lighting budget (new lights and repairs); None = rank only", unit="R$", ge=0,
        example=250000.0)
    budget_m: float | None = setting(
        None, "optional limit on metres of new lighting (repairs use none)", unit="m", ge=0)
    budget_lamps: int | None = setting(
        None, "optional limit on new lamps (repairs use none)", ge=0)
    green_budget_brl: float | None = setting(
        None, "green-area budget, separate from lighting (different evidence); None = rank "
        "only", unit="R$", ge=0, example=60000.0)
    max_per_bairro: int | None = setting(
        None, "at most this many funded projects per bairro (lighting and green counted "
        "separately); projects with unknown bairro are not capped", ge=1)
    must_fund: tuple[str, ...] = setting(
        (), "project ids (from plan.csv) funded whatever their rank", check=_ids_ok)
    green_kinds: tuple[str, ...] = setting(
        DEFAULT_GREEN_KINDS, "green-area kinds that can be adopted (squares, parks, gardens, "
        "playgrounds), compared case-insensitively with the layer's kind column")
    green_min_area_m2: float = setting(
        1000.0, "smallest green area considered (leaves out grass verges)", unit="m²", ge=0)
    walk_radius_m: float = setting(
        300.0, "walking distance along streets from a green area within which incidents "
        "count for it", unit="m", gt=0)
    green_access_m: float = setting(
        30.0, "a street end within this distance of a green area is one of its entrances",
        unit="m", gt=0)
    confidence: float = setting(
        0.95, "confidence of the exact Poisson intervals of incident rates", gt=0, lt=1)
    solver: str = setting(
        "exact", "exact = HiGHS MILP (proven optimum); greedy = value per cost (fallback, "
        "stated in every output)", choices=("exact", "greedy"))
    time_limit_s: float = setting(
        60.0, "time limit of the exact solver; when reached the best plan found is used and "
        "the outputs say so", unit="s", gt=0)

    @property
    def lamp_spacing_m(self) -> float:
        """Spacing of new lamps (``spacing_m`` or 2 × ``reach_m``)."""
        return float(self.spacing_m) if self.spacing_m is not None else 2.0 * self.reach_m

    def example_costs_used(self) -> list[str]:
        """Names of the cost settings still at their example values."""
        return [k for k, v in EXAMPLE_COSTS.items() if getattr(self, k) == v]

    def weight_of(self, category: str) -> float:
        """Harm weight of one category (case- and space-insensitive)."""
        table = {str(k).strip().casefold(): float(v) for k, v in self.harm_weights.items()}
        return table.get(str(category).strip().casefold(), float(self.harm_default_weight))
