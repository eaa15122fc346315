"""Words of the web map: controls, tooltips, the week slider, the subtitle and the attribution."""

from __future__ import annotations

__all__ = ["MESSAGES"]

#: key -> (English, Portuguese); the js.* keys are handed to the map's JavaScript (window.hsT)
MESSAGES: dict[str, tuple[str, str]] = {
    "js.decimal": (".", ","),
    "js.group": (",", "."),
    "js.yes": ("yes", "sim"),
    "js.no": ("no", "não"),
    "js.unnamed": ("(unnamed street)", "(logradouro sem nome)"),
    "js.suppressed": ("suppressed (fewer than {k})", "suprimido (menos de {k})"),
    "js.withheld_short": ("not shown (segment too short)", "não mostrado (segmento curto demais)"),
    "js.withheld_k": ("withheld (protects counts below {k})",
                      "omitido (protege contagens abaixo de {k})"),
    "js.search": ("Find a street", "Buscar rua"),
    "js.search_hint": ("street name…", "nome da rua…"),
    "js.search_none": ("No street of that name.", "Nenhuma rua com esse nome."),
    "js.search_found": ("{n} segment(s) shown.", "{n} segmento(s) em destaque."),
    "js.top": ("Top 10 segments", "10 segmentos principais"),
    "js.legend": ("Legend", "Legenda"),
    "js.week_in": ("Incidents in {week}", "Ocorrências em {week}"),
    "js.week_total": ("In the {n} weeks of the slider", "Nas {n} semanas do controle"),
    "js.play": ("Play", "Reproduzir"),
    "js.pause": ("Pause", "Pausar"),
    "js.week_prev": ("Previous week", "Semana anterior"),
    "js.week_next": ("Next week", "Próxima semana"),
    "js.week_iso": ("ISO week", "Semana ISO"),
    "subtitle.week": ("week {week}", "semana {week}"),
    "subtitle.incidents": ("{n} incidents", "{n} ocorrências"),
    "subtitle.suppressed": ("counts below {k} suppressed", "contagens abaixo de {k} suprimidas"),
    "attribution.osm": ("Streets, lamps, green areas © OpenStreetMap contributors (ODbL)",
                        "Ruas, luminárias, áreas verdes © colaboradores do OpenStreetMap (ODbL)"),
    "attribution.user": ("Basemap tiles supplied by the user",
                         "Mosaico de fundo fornecido pelo usuário"),
    "top.item": ("{street} — {what}", "{street} — {what}"),
    "top.count": ("{n} incidents", "{n} ocorrências"),
    "top.count_one": ("{n} incident", "{n} ocorrência"),
    "page_title": ("{title} — map", "{title} — mapa"),
}
