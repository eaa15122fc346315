"""Small words shared by every output: yes/no, days of the week, unnamed streets, suppressed."""

from __future__ import annotations

__all__ = ["MESSAGES"]

#: key -> (English, Portuguese)
MESSAGES: dict[str, tuple[str, str]] = {
    "yes": ("yes", "sim"),
    "no": ("no", "não"),
    "none": ("none", "nenhum"),
    "unnamed_street": ("(unnamed street)", "(logradouro sem nome)"),
    "suppressed": ("suppressed (fewer than {k})", "suprimido (menos de {k})"),
    "suppressed_k": ("suppressed", "suprimido"),
    "withheld_k": ("withheld (protects counts below {k})",
                   "omitido (protege contagens abaixo de {k})"),
    "day.0": ("Mon", "seg"), "day.1": ("Tue", "ter"), "day.2": ("Wed", "qua"),
    "day.3": ("Thu", "qui"), "day.4": ("Fri", "sex"), "day.5": ("Sat", "sáb"),
    "day.6": ("Sun", "dom"),
    "status.new": ("new", "novo"), "status.persistent": ("persistent", "persistente"),
    "status.cooling": ("cooling", "esfriando"), "status.not hot": ("not hot", "não quente"),
    "lisa.HH": ("High–high (hot cluster)", "Alto–alto (aglomerado quente)"),
    "lisa.LL": ("Low–low (cold cluster)", "Baixo–baixo (aglomerado frio)"),
    "lisa.HL": ("High among low (outlier)", "Alto entre baixos (discrepante)"),
    "lisa.LH": ("Low among high (outlier)", "Baixo entre altos (discrepante)"),
    "lisa.ns": ("Not significant", "Não significativo"),
    "lamp.working": ("working", "funcionando"), "lamp.broken": ("broken", "com defeito"),
    "skip.no_week": ("no finished week with incidents",
                     "nenhuma semana completa com ocorrências"),
    "skip.nr_off": ("turned off in the config (near_repeat.in_weekly = false)",
                    "desligado na configuração (near_repeat.in_weekly = false)"),
    "skip.no_weights": ("the hot-spot statistics did not run, so there are no segment weights",
                        "as estatísticas de pontos quentes não rodaram; não há pesos entre "
                        "segmentos"),
    "skip.no_incident": ("no geocoded incident", "nenhuma ocorrência geocodificada"),
    "skip.few_steps": ("only {n} complete {unit}s of data before the end of the analysis; "
                       "emerging hot spots need at least {min}",
                       "só {n} {unit}s completas de dados antes do fim da análise; pontos "
                       "quentes emergentes precisam de ao menos {min}"),
    "skip.few_incidents": ("only {n} incidents in the {weeks} weeks before {date}; the Knox "
                           "table needs at least 10",
                           "só {n} ocorrências nas {weeks} semanas antes de {date}; a tabela "
                           "de Knox precisa de ao menos 10"),
    "skip.first_week": ("{week} is the first week of the data: nothing to compare it with",
                        "{week} é a primeira semana dos dados: não há com o que comparar"),
    "unit.week": ("week", "semana"), "unit.month": ("month", "mês"), "unit.day": ("day", "dia"),
}
