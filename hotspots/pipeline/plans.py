"""The planning step: lighting and green-area projects chosen under the budget from a year of
evidence (issue 14), and the patrol table of the week."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from hotspots import prioritize
from hotspots._errors import ValidationError
from hotspots.config import OverlaySettings, PlanningSettings
from hotspots.pipeline.overlays import Overlays

if TYPE_CHECKING:  # pragma: no cover - the planning package loads with the step
    from hotspots.planning import Plan

__all__ = ["Planning", "patrol_step", "planning_step"]


@dataclass(frozen=True)
class Planning:
    """The plan (None when there is nothing to plan on) and what the bulletin says about it."""

    plan: Plan | None
    summary: dict = field(default_factory=dict)

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Funded lighting, funded green areas and lamps to repair (analysis CRS)."""
        return {} if self.plan is None else dict(self.plan.layers())


def planning_step(
    segments: gpd.GeoDataFrame,
    incidents: pd.DataFrame,
    *,
    overlays: Overlays,
    boundary: gpd.GeoDataFrame | None,
    address_points: gpd.GeoDataFrame | None,
    as_of: pd.Timestamp | None,
    settings: PlanningSettings,
    lamp_reach_m: float,
    language: str,
    budget_brl: float | None = None,
) -> Planning:
    """The best lighting and green-area plan under the budget, from every geocoded incident of
    the evidence window (``settings.evidence_weeks`` up to ``as_of``), on the dark stretches
    the overlays found (with the same lamp reach) and the green areas.

    ``budget_brl`` overrides ``settings.budget_brl`` (``hotspots plan --budget``).
    """
    from hotspots.planning import plan as make_plan

    if settings.reach_m != lamp_reach_m:
        raise ValidationError(
            f"planning.reach_m = {settings.reach_m:g} m but overlays.lamp_reach_m = "
            f"{lamp_reach_m:g} m: the plan's dark stretches are the overlay's, so the two must "
            "be equal. Fix: set both to the same distance.")
    if overlays.dark_gaps is None and overlays.green_areas is None:
        return Planning(None, {"skipped": "no lamp inventory and no green areas: nothing to "
                                          "plan (inputs.lamps, inputs.green_areas)"})
    if budget_brl is not None:
        settings = dataclasses.replace(settings, budget_brl=float(budget_brl))
    lamps = overlays.lamps
    if lamps is not None and "lamp_id" not in lamps.columns:
        lamps = lamps.assign(lamp_id=range(1, len(lamps) + 1))
    result = make_plan(
        segments, incidents, lamps=lamps, gaps=overlays.dark_gaps,
        green_areas=overlays.green_areas, boundary=boundary,
        as_of=None if as_of is None else as_of.date(), settings=settings,
        language=language, address_points=address_points,
    )
    return Planning(result, _summary(result))


def _summary(result) -> dict:
    """Budget, spending, what is funded and what comes next, for the manifest and bulletin."""
    projects = result.projects
    totals = {k: v for k, v in result.totals.items()}
    listed = projects.sort_values(["budget_group", "rank"], kind="stable")
    funded = listed[listed["funded"]]
    unfunded = listed[~listed["funded"]]
    cols = ["kind", "rank", "location", "cost", "incidents", "per_year", "reason"]
    return {
        "totals": totals,
        "funded": funded[cols].reset_index().to_dict("records"),
        "next": unfunded[cols].head(5).reset_index().to_dict("records"),
        "projects": len(projects),
    }


def patrol_step(segments: gpd.GeoDataFrame, incidents: pd.DataFrame, *, weeks: int,
                settings: OverlaySettings, language: str) -> tuple[gpd.GeoDataFrame, dict]:
    """The top segments per patrol shift with Koper-curve visit guidance, and a summary."""
    patrol = prioritize.patrol_guidance(incidents, segments,
                                        shift_windows=tuple(settings.shift_windows),
                                        top_n=settings.patrol_top_n, weeks=weeks,
                                        language=language)
    return patrol, {"shifts": list(dict.fromkeys(patrol["shift"])), "rows": len(patrol)}
