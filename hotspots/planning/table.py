"""plan.csv: every project with its rank, cost, value, funded flag, reason and place."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hotspots.export.tables import write_table_csv
from hotspots.planning import wording
from hotspots.planning.planner import TEXT_COLUMNS, Plan

__all__ = ["CSV_COLUMNS", "HEADERS_PT", "KIND_LABELS", "plan_table", "write_plan_csv"]

#: columns of plan.csv, in order (English headers are these names)
CSV_COLUMNS = [
    "rank", "project_id", "kind", "funded", "reason", "location", "what", "bairro", "lat", "lon",
    "cost", "value", "incidents", "per_year", "per_year_low", "per_year_high", "value_per_10k",
    "effect_low", "effect_high", "expected_effect", "evidence", "evidence_window", "length_m",
    "lamps_new", "lamps_repair", "lamp_ids", "area_m2", "adopted", "street", "cross_a",
    "cross_b", "house_from", "house_to", "cost_lamps", "cost_network", "cost_repair",
    "cost_green", "budget_group", "budget_left", "must_fund", "status", "segment_ids", "area_id",
]
#: Portuguese headers of plan.csv
HEADERS_PT = {
    "rank": "posição", "project_id": "projeto", "kind": "tipo", "funded": "financiado",
    "reason": "motivo", "location": "local", "what": "intervenção", "bairro": "bairro",
    "lat": "latitude", "lon": "longitude", "cost": "custo_R$", "value": "valor",
    "incidents": "ocorrências", "per_year": "por_ano", "per_year_low": "por_ano_mín_95%",
    "per_year_high": "por_ano_máx_95%", "value_per_10k": "valor_por_ano_por_R$10mil",
    "effect_low": "efeito_estimado_mín_por_ano", "effect_high": "efeito_estimado_máx_por_ano",
    "expected_effect": "efeito_esperado", "evidence": "evidência",
    "evidence_window": "período_de_evidência", "length_m": "comprimento_m",
    "lamps_new": "luminárias_novas", "lamps_repair": "lâmpadas_a_consertar",
    "lamp_ids": "ids_lâmpadas", "area_m2": "área_m2", "adopted": "adotada", "street": "rua",
    "cross_a": "transversal_a", "cross_b": "transversal_b", "house_from": "número_de",
    "house_to": "número_até", "cost_lamps": "custo_luminárias_R$", "cost_network": "custo_rede_R$",
    "cost_repair": "custo_conserto_R$", "cost_green": "custo_área_verde_R$",
    "budget_group": "orçamento", "budget_left": "orçamento_restante_R$",
    "must_fund": "obrigatório", "status": "situação", "segment_ids": "segmentos",
    "area_id": "id_área",
}
#: the kind and budget-group codes in Portuguese (plan.csv)
KIND_LABELS = {"pt": {"new_lights": "novas luminárias", "repair": "conserto",
                      "green": "área verde", "lighting": "iluminação"},
               "en": {}}
_DECIMALS = {"lat": 6, "lon": 6, "cost": 0, "cost_lamps": 0, "cost_network": 0,
             "cost_repair": 0, "cost_green": 0, "budget_left": 0, "value": 2, "per_year": 1,
             "per_year_low": 1, "per_year_high": 1, "value_per_10k": 2, "effect_low": 1,
             "effect_high": 1, "length_m": 1, "area_m2": 0, "house_from": 0, "house_to": 0}


def plan_table(plan: Plan, *, language: str) -> pd.DataFrame:
    """The rows of plan.csv (texts in ``language``), ranked within each budget group."""
    lang = wording.language_code(language)
    table = pd.DataFrame(plan.projects.drop(columns="geometry"))
    for col in TEXT_COLUMNS:
        table[col] = plan.texts[lang][col].reindex(table.index)
    table["evidence_window"] = wording.window_phrase(plan.window, lang)
    labels = KIND_LABELS[lang]
    table["kind"] = table["kind"].map(lambda k: labels.get(k, k))
    table["budget_group"] = table["budget_group"].map(lambda k: labels.get(k, k))
    table = table.reset_index()
    return table[CSV_COLUMNS]


def write_plan_csv(plan: Plan, path: str | Path, *, language: str) -> Path:
    """Write plan.csv: pt-BR Excel dialect with Portuguese headers when ``language`` is pt.

    Parameters
    ----------
    plan : Plan
    path : path
    language : {"en", "pt", "pt-BR"}

    Returns
    -------
    Path
        The file: one row per project (:data:`CSV_COLUMNS`), lighting first then green areas,
        each by rank (value per R$); costs in whole reais, coordinates to 6 decimals.
    """
    lang = wording.language_code(language)
    table = plan_table(plan, language=lang)
    return write_table_csv(table, path, language=lang,
                           headers=HEADERS_PT if lang == "pt" else None, decimals=_DECIMALS)
