"""The command line's summary of a run (what an analyst reads first in the terminal)."""

from __future__ import annotations

__all__ = ["MESSAGES"]

#: key -> (English, Portuguese); labels are padded to one column by the CLI
MESSAGES: dict[str, tuple[str, str]] = {
    "read": ("incidents read:", "ocorrências lidas:"),
    "used": ("used (geocoded):", "usadas (geocodificadas):"),
    "rejected": ("rejected:", "rejeitadas:"),
    "accounted": ("accounted for:", "contabilizadas:"),
    "accounted_text": ("{answer} (used + rejected = read)", "{answer} (usadas + rejeitadas = lidas)"),
    "accounted_no": ("NO", "NÃO"),
    "snap": ("snap rate:", "taxa de associação:"),
    "snap_text": ("{rate} of records with coordinates", "{rate} dos registros com coordenadas"),
    "address": ("address match:", "endereços encontrados:"),
    "address_text": ("{rate} of address-only records", "{rate} dos registros só com endereço"),
    "warning": ("warning:", "atenção:"),
    "segments": ("segments:", "segmentos:"),
    "segments_text": ("{n} in {crs}", "{n} em {crs}"),
    "concentration": ("concentration:", "concentração:"),
    "concentration_text": ("50 % of incidents on {s50} of segments, 25 % on {s25} (Gini {gini})",
                           "50 % das ocorrências em {s50} dos segmentos, 25 % em {s25} "
                           "(Gini {gini})"),
    "statistics": ("statistics:", "estatísticas:"),
    "not_computed": ("not computed: {why}", "não calculadas: {why}"),
    "top": ("top segments:", "segmentos com mais ocorrências:"),
    "top_row": ("incidents {rate}/100 m", "ocorrências {rate}/100 m"),
    "unnamed": ("(unnamed)", "(sem nome)"),
    "wrote": ("wrote:", "arquivos gravados:"),
    "week": ("week:", "semana:"),
    "week_text": ("{week} ({first} – {last}), {n} incidents",
                  "{week} ({first} – {last}), {n} ocorrências"),
    "previous": ("previous week:", "semana anterior:"),
    "previous_text": ("{n} incidents; mean of the {weeks} weeks before: {mean}",
                      "{n} ocorrências; média das {weeks} semanas anteriores: {mean}"),
    "hot": ("hot segments:", "segmentos quentes:"),
    "hot_text": ("{new} new, {persistent} persistent, {cooling} cooling; hot = {rule}",
                 "{new} novos, {persistent} persistentes, {cooling} esfriando; quente = {rule}"),
    "last_hot": ("last week's hot:", "quentes da semana anterior:"),
    "last_hot_text": ("hit rate {hit} ({n}/{N}), PAI {pai_l} by length, {pai_a} by area, RRI {rri}",
                      "taxa de acerto {hit} ({n}/{N}), PAI {pai_l} por extensão, {pai_a} por "
                      "área, RRI {rri}"),
    "weisburd": ("Weisburd:", "Weisburd:"),
    "weisburd_in": ("50 % on {s50} of segments: within the 2.1–6.0 % of the law of crime "
                    "concentration",
                    "50 % em {s50} dos segmentos: dentro dos 2,1–6,0 % da lei de concentração "
                    "do crime"),
    "weisburd_out": ("50 % on {s50} of segments: outside the 2.1–6.0 % of the law of crime "
                     "concentration",
                     "50 % em {s50} dos segmentos: fora dos 2,1–6,0 % da lei de concentração "
                     "do crime"),
    "breaks": ("class breaks:", "limites de classe:"),
    "breaks_text": ("incidents per 100 m {breaks} ({source})",
                    "ocorrências por 100 m {breaks} ({source})"),
    "plan_budget": ("budget R$ {budget}: {n} projects funded for R$ {spent}, R$ {left} left",
                    "orçamento R$ {budget}: {n} projetos financiados por R$ {spent}, R$ {left} "
                    "restantes"),
    "plan_none": ("no budget given: {n} projects ranked, none funded (--budget or "
                  "planning.budget_brl)",
                  "sem orçamento: {n} projetos classificados, nenhum financiado (--budget ou "
                  "planning.budget_brl)"),
    "init_done": ("wrote {path}; edit the [inputs] paths, then: hotspots weekly --config {path}",
                  "gravado {path}; edite os caminhos de [inputs] e depois: hotspots weekly "
                  "--config {path}"),
}
