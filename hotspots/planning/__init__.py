"""Lighting and green-area plans a city council can fund and defend (issue 14).

``plan(segments, incidents, lamps=…, gaps=…, green_areas=…, settings=…)`` builds repair and
new-lighting projects over contiguous dark stretches, green-area candidates, their costs, the
exact best set under the budget and a reason for every project; ``write_plan_csv`` and
``write_council_sheet`` write ``plan.csv`` and the one-page council sheet.
"""

from __future__ import annotations

from hotspots.planning.evidence import EvidenceWindow, poisson_interval
from hotspots.planning.planner import LAYER_COLUMNS, PROJECT_COLUMNS, Plan, plan
from hotspots.planning.select import Selection
from hotspots.planning.settings import EXAMPLE_COSTS, PlanningSettings

__all__ = ["EXAMPLE_COSTS", "LAYER_COLUMNS", "PROJECT_COLUMNS", "EvidenceWindow", "Plan",
           "PlanningSettings", "Selection", "council_sheet_pdf", "plan", "poisson_interval",
           "write_council_sheet", "write_plan_csv"]


def __getattr__(name: str):
    # the writers draw (matplotlib) and export: imported only when asked for
    if name in ("write_council_sheet", "council_sheet_pdf"):
        from hotspots.planning import sheet

        return getattr(sheet, name)
    if name == "write_plan_csv":
        from hotspots.planning.table import write_plan_csv

        return write_plan_csv
    raise AttributeError(f"module 'hotspots.planning' has no attribute {name!r}")
