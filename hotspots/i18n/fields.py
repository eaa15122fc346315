"""Column labels in words: map tooltips and popups, KML balloons and the headers of CSV tables."""

from __future__ import annotations

__all__ = ["MESSAGES"]

#: column name -> (English, Portuguese)
MESSAGES: dict[str, tuple[str, str]] = {
    # segments
    "segment_id": ("Segment", "Segmento"),
    "street_name": ("Street", "Logradouro"),
    "count": ("Incidents", "Ocorrências"),
    "rate_per_100m": ("Incidents per 100 m", "Ocorrências por 100 m"),
    "length_m": ("Length (m)", "Extensão (m)"),
    "gi_bin": ("Hot-spot class (Gi*)", "Classe de ponto quente (Gi*)"),
    "gi_z": ("Gi* z-score", "Escore z do Gi*"),
    "gi_p": ("Gi* p-value", "Valor p do Gi*"),
    "gi_p_adj": ("Gi* p-value (FDR-adjusted)", "Valor p do Gi* (ajustado, FDR)"),
    "lisa_class": ("Local Moran class", "Classe do Moran local"),
    "emerging_category": ("Emerging trend", "Tendência emergente"),
    "hot_status": ("Hot segment, week over week", "Segmento quente, semana a semana"),
    "count_prev": ("Incidents last week", "Ocorrências na semana anterior"),
    "change_prev": ("Change vs last week", "Variação sobre a semana anterior"),
    "mean_hist": ("Mean of the previous weeks", "Média das semanas anteriores"),
    "night_count": ("Incidents at night", "Ocorrências à noite"),
    "night_share": ("Share at night", "Parcela à noite"),
    "lamps_within_reach": ("Lamps within reach", "Luminárias ao alcance"),
    "lights_per_100m": ("Lamps per 100 m", "Luminárias por 100 m"),
    "dark_fraction": ("Unlit share of the length", "Parcela sem iluminação"),
    "dark_gap_m": ("Unlit length (m)", "Extensão sem iluminação (m)"),
    "dist_green_m": ("Distance to a green area (m)", "Distância até área verde (m)"),
    "lamps_needed": ("New lamps needed", "Luminárias novas necessárias"),
    "suppressed": ("Count suppressed (fewer than k)", "Contagem suprimida (menos de k)"),
    # per-field disclosure status: empty when shown, 'k_rule' or 'min_length' (liaison README)
    "count_status": ("Why the count is not shown", "Por que a contagem não é mostrada"),
    "night_count_status": ("Why the night count is not shown",
                           "Por que a contagem noturna não é mostrada"),
    "night_dark_count_status": ("Why the count at night on dark stretches is not shown",
                                "Por que a contagem noturna em trechos escuros não é mostrada"),
    "incidents_status": ("Why the incidents are not shown",
                         "Por que as ocorrências não são mostradas"),
    "emerging_status": ("Why the emerging trend is not shown",
                        "Por que a tendência emergente não é mostrada"),
    # dark stretches, lamps, green areas
    "gap_length_m": ("Unlit length (m)", "Extensão sem iluminação (m)"),
    "status": ("Status", "Situação"),
    "lumens": ("Lumens", "Lúmens"),
    "lamp_id": ("Lamp", "Luminária"),
    "kind": ("Kind", "Tipo"),
    "adopted": ("Adopted", "Adotada"),
    "name": ("Name", "Nome"),
    # patrol
    "shift": ("Shift", "Turno"),
    "shift_rank": ("Rank in the shift", "Posição no turno"),
    "incidents": ("Incidents", "Ocorrências"),
    "incidents_per_week": ("Incidents per week", "Ocorrências por semana"),
    "share_of_shift": ("Share of the shift's incidents", "Parcela das ocorrências do turno"),
    "visits_per_shift": ("Visits per shift", "Visitas por turno"),
    "visit_minutes": ("Minutes per visit", "Minutos por visita"),
    "guidance": ("Guidance", "Orientação"),
    # plan
    "what": ("Work", "Obra"),
    "location": ("Where", "Onde"),
    "cost": ("Cost (R$)", "Custo (R$)"),
    "rank": ("Rank (value per R$)", "Posição (valor por R$)"),
    "reason": ("Why", "Motivo"),
    "funded": ("Funded", "Financiado"),
    # near-repeat zones, incidents
    "active_until": ("Raised risk until", "Risco elevado até"),
    "days_left": ("Days left", "Dias restantes"),
    "category": ("Category", "Natureza"),
    "occurred_date": ("Date", "Data"),
    # rejects.csv
    "incident_id": ("Incident", "Ocorrência"),
    "source_row": ("Row in the file", "Linha no arquivo"),
    "stage": ("Stage", "Etapa"),
    "detail": ("Detail", "Detalhe"),
    "reason_text": ("Reason in words", "Motivo por extenso"),
    # hot_segments.csv
    "gi_class": ("Hot-spot class (Gi*)", "Classe de ponto quente (Gi*)"),
    "status_text": ("Week over week", "Semana a semana"),
    "gi_bin_code": ("Gi* bin (−3 to 3)", "Classe Gi* (de −3 a 3)"),
    "hot_status_code": ("Week over week (code)", "Semana a semana (código)"),
}
