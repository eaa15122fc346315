"""Lighting and green-area plans a city council can fund and defend (issue 14).

``plan(segments, incidents, lamps=…, gaps=…, green_areas=…, settings=…)`` builds repair and
new-lighting projects over contiguous dark stretches, green-area candidates, their costs, the
exact best set under the budget and a reason for every project; ``write_plan_csv`` and
``hotspots.planning.sheet.write_council_sheet`` write ``plan.csv`` and the one-page council sheet.
"""

from __future__ import annotations

from hotspots.config.planning import EXAMPLE_COSTS, PlanningSettings
from hotspots.planning.evidence import EvidenceWindow, poisson_interval
from hotspots.planning.planner import LAYER_COLUMNS, PROJECT_COLUMNS, Plan, plan
from hotspots.planning.select import Selection

__all__ = ["EXAMPLE_COSTS", "LAYER_COLUMNS", "PROJECT_COLUMNS", "EvidenceWindow", "Plan",
           "PlanningSettings", "Selection", "plan", "poisson_interval"]
