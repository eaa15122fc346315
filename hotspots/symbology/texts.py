"""Legend texts of the shared symbology, one dict per language (English, Portuguese)."""

from __future__ import annotations

import dataclasses

from hotspots._errors import ValidationError

__all__ = ["TEXTS", "language", "number_text", "text", "translated"]

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "gi": "Hot spots (Gi*)", "gi.legend": "Hot spots (Getis-Ord Gi*)",
        "gi.3": "Hot spot 99 %", "gi.2": "Hot spot 95 %", "gi.1": "Hot spot 90 %",
        "gi.0": "Not significant", "gi.-1": "Cold spot 90 %", "gi.-2": "Cold spot 95 %",
        "gi.-3": "Cold spot 99 %", "gi.missing": "No Gi* class",
        "rate": "Incidents per 100 m", "rate.legend": "Incidents per 100 m of street",
        "rate.zero": "No incidents", "rate.missing": "No value",
        "suppressed": "Fewer than k incidents (suppressed)",
        "suppressed.k": "1 to {top} incidents (suppressed)",
        "priority": "Lighting priority", "priority.legend": "Lighting priority (rank)",
        "priority.1": "Rank 1–10", "priority.11": "Rank 11–25", "priority.26": "Rank 26–50",
        "priority.51": "Rank 51 and after", "priority.missing": "Not ranked",
        "hot_status": "Hot segments, week over week",
        "hot_status.legend": "Hot segments, this week vs last week",
        "hot_status.new": "New hot segment (hot this week, not last week)",
        "hot_status.persistent": "Persistent (hot this week and last week)",
        "hot_status.cooling": "Cooling (hot last week, not this week)",
        "hot_status.not_hot": "Not hot", "hot_status.missing": "No status",
        "lamps": "Street lamps", "lamps.working": "Lamp, working",
        "lamps.broken": "Lamp, broken", "lamps.missing": "Lamp, status unknown",
        "green": "Green areas", "green.true": "Green area, adopted",
        "green.false": "Green area, not adopted", "green.missing": "Green area, adoption unknown",
        "patrol": "Patrol segments by shift", "patrol.legend": "Patrol segments (shift)",
        "patrol.shift": "Shift {shift}", "patrol.missing": "Shift not given",
        "dark_gaps": "Dark stretches",
        "dark_gaps.item": "Dark stretch (no working lamp within reach)",
        "boundary": "Study area", "boundary.item": "Study area",
        "incidents": "Incidents", "incidents.item": "Incident",
        "green_candidates": "Green-area candidates",
        "green_candidates.item": "Green-area candidate",
        "raster.kde": "Incident density (KDE)", "raster.lamp_density": "Lamp density",
        "emerging": "Emerging hot spots", "emerging.legend": "Emerging hot spots (trend)",
        "emerging.missing": "No emerging category",
        "plan_lighting": "Lighting plan (funded)", "plan_lighting.repair": "Repair broken lamps",
        "plan_lighting.new_lights": "New lamps", "plan_lighting.missing": "Other work",
        "plan_green": "Green areas (funded adoption)", "plan_green.item": "Green area to adopt",
        "plan_repair_lamps": "Lamps to repair", "plan_repair_lamps.true": "Repair (funded)",
        "plan_repair_lamps.false": "Repair (not funded)",
        "plan_repair_lamps.missing": "Lamp",
        "near_repeat": "Near-repeat risk zones",
        "near_repeat.item": "Raised risk after a recent incident nearby",
        "rate.first": "≤ {upper}", "rate.between": "{lower} – {upper}", "rate.last": "> {lower}",
    },
    "pt": {
        "gi": "Pontos quentes (Gi*)", "gi.legend": "Pontos quentes (Getis-Ord Gi*)",
        "gi.3": "Ponto quente 99 %", "gi.2": "Ponto quente 95 %", "gi.1": "Ponto quente 90 %",
        "gi.0": "Não significativo", "gi.-1": "Ponto frio 90 %", "gi.-2": "Ponto frio 95 %",
        "gi.-3": "Ponto frio 99 %", "gi.missing": "Sem classe Gi*",
        "rate": "Ocorrências por 100 m", "rate.legend": "Ocorrências por 100 m de via",
        "rate.zero": "Nenhuma ocorrência", "rate.missing": "Sem valor",
        "suppressed": "Menos de k ocorrências (suprimido)",
        "suppressed.k": "1 a {top} ocorrências (suprimido)",
        "priority": "Prioridade de iluminação",
        "priority.legend": "Prioridade de iluminação (posição)",
        "priority.1": "Posição 1–10", "priority.11": "Posição 11–25",
        "priority.26": "Posição 26–50", "priority.51": "Posição 51 em diante",
        "priority.missing": "Sem posição",
        "hot_status": "Segmentos quentes, semana a semana",
        "hot_status.legend": "Segmentos quentes, esta semana e a anterior",
        "hot_status.new": "Novo segmento quente (quente nesta semana, não na anterior)",
        "hot_status.persistent": "Persistente (quente nesta semana e na anterior)",
        "hot_status.cooling": "Esfriando (quente na semana anterior, não nesta)",
        "hot_status.not_hot": "Não quente", "hot_status.missing": "Sem situação",
        "lamps": "Luminárias", "lamps.working": "Luminária funcionando",
        "lamps.broken": "Luminária com defeito", "lamps.missing": "Luminária, situação desconhecida",
        "green": "Áreas verdes", "green.true": "Área verde adotada",
        "green.false": "Área verde não adotada", "green.missing": "Área verde, adoção desconhecida",
        "patrol": "Segmentos de patrulha por turno", "patrol.legend": "Segmentos de patrulha (turno)",
        "patrol.shift": "Turno {shift}", "patrol.missing": "Turno não informado",
        "dark_gaps": "Trechos escuros",
        "dark_gaps.item": "Trecho escuro (sem luminária funcionando ao alcance)",
        "boundary": "Área de estudo", "boundary.item": "Área de estudo",
        "incidents": "Ocorrências", "incidents.item": "Ocorrência",
        "green_candidates": "Candidatas a área verde",
        "green_candidates.item": "Candidata a área verde",
        "raster.kde": "Densidade de ocorrências (KDE)",
        "raster.lamp_density": "Densidade de luminárias",
        "emerging": "Pontos quentes emergentes",
        "emerging.legend": "Pontos quentes emergentes (tendência)",
        "emerging.missing": "Sem categoria emergente",
        "plan_lighting": "Plano de iluminação (financiado)",
        "plan_lighting.repair": "Conserto de luminárias",
        "plan_lighting.new_lights": "Novas luminárias", "plan_lighting.missing": "Outra obra",
        "plan_green": "Áreas verdes (adoção financiada)", "plan_green.item": "Área verde a adotar",
        "plan_repair_lamps": "Luminárias a consertar",
        "plan_repair_lamps.true": "Conserto (financiado)",
        "plan_repair_lamps.false": "Conserto (não financiado)",
        "plan_repair_lamps.missing": "Luminária",
        "near_repeat": "Zonas de risco de repetição",
        "near_repeat.item": "Risco elevado após ocorrência recente próxima",
        "rate.first": "≤ {upper}", "rate.between": "{lower} – {upper}", "rate.last": "> {lower}",
    },
}


def language(lang: str) -> str:
    """'en' or 'pt' for a language tag ('pt-BR', 'pt_BR', 'en-GB'…); anything else is an error."""
    code = str(lang).lower().replace("_", "-").split("-")[0]
    if code not in TEXTS:
        raise ValidationError(f"language {lang!r} is not supported; use 'pt' (or 'pt-BR', "
                              "português) or 'en' (English)")
    return code


def text(key: str, lang: str = "en", **values) -> str:
    """The label ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    return TEXTS[language(lang)][key].format(**values)


def number_text(x: float, lang: str = "en") -> str:
    """A class edge as legends show it (``%g``; decimal comma in Portuguese)."""
    s = f"{x:g}"
    return s.replace(".", ",") if language(lang) == "pt" else s


def translated(cls, lang: str):
    """``cls`` (a Category or Range) with its label in ``lang`` (unchanged if it has no key)."""
    return dataclasses.replace(cls, label=text(cls.key, lang)) if cls.key else cls
