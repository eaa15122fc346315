"""Small words shared by every output: yes/no, days of the week, unnamed streets, suppressed."""

from __future__ import annotations

#: key -> (English, Portuguese)
MESSAGES: dict[str, tuple[str, str]] = {
    "yes": ("yes", "sim"),
    "no": ("no", "não"),
    "none": ("none", "nenhum"),
    "unnamed_street": ("(unnamed street)", "(logradouro sem nome)"),
    "suppressed": ("suppressed (fewer than {k})", "suprimido (menos de {k})"),
    "suppressed_k": ("suppressed", "suprimido"),
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
}
