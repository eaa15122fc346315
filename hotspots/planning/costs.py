"""The cost model: R$ per new lamp with pole, per repair, per metre of network, per green area."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots._errors import ValidationError
from hotspots.config.planning import PlanningSettings

__all__ = ["COST_COLUMNS", "project_costs"]

COST_COLUMNS = ["cost_lamps", "cost_network", "cost_repair", "cost_green", "cost"]


def project_costs(projects: pd.DataFrame, *, settings: PlanningSettings) -> pd.DataFrame:
    """Cost of each project in R$, rounded to whole reais, with its parts (aligned to the input).

    Parameters
    ----------
    projects : DataFrame
        ``kind`` (new_lights / repair / green), ``lamps_new``, ``lamps_repair``, ``length_m``
        and, for green areas, ``area_m2``.
    settings : PlanningSettings
        ``cost_new_lamp_brl`` × new lamps + ``cost_network_per_m_brl`` × metres for new lights;
        ``cost_repair_brl`` × lamps for repairs; ``cost_green_fixed_brl`` +
        ``cost_green_per_m2_brl`` × m² for green areas.

    Returns
    -------
    DataFrame
        ``cost_lamps``, ``cost_network``, ``cost_repair``, ``cost_green`` and their sum
        ``cost`` (R$; each part rounded to the real, so the parts add up to the total).
    """
    kinds = set(projects["kind"].unique()) - {"new_lights", "repair", "green"}
    if kinds:
        raise ValidationError(f"project_costs: unknown project kinds {sorted(kinds)}; "
                              "use new_lights, repair or green")
    kind = projects["kind"].to_numpy()

    def col(name: str) -> np.ndarray:
        if name not in projects.columns:
            return np.zeros(len(projects))
        return pd.to_numeric(projects[name], errors="coerce").fillna(0.0).to_numpy(float)

    new = kind == "new_lights"
    out = pd.DataFrame(index=projects.index)
    out["cost_lamps"] = np.where(new, np.round(col("lamps_new") * settings.cost_new_lamp_brl), 0.0)
    out["cost_network"] = np.where(new, np.round(col("length_m")
                                                 * settings.cost_network_per_m_brl), 0.0)
    out["cost_repair"] = np.where(kind == "repair",
                                  np.round(col("lamps_repair") * settings.cost_repair_brl), 0.0)
    out["cost_green"] = np.where(kind == "green", np.round(
        settings.cost_green_fixed_brl + col("area_m2") * settings.cost_green_per_m2_brl), 0.0)
    out["cost"] = out[COST_COLUMNS[:-1]].sum(axis=1)
    return out
