"""The README of the liaison folder: what each file is and what was left out (LGPD)."""

from __future__ import annotations

__all__ = ["MESSAGES"]

#: key -> (English, Portuguese)
MESSAGES: dict[str, tuple[str, str]] = {
    "title": ("Layers for police liaisons (no personal data; LGPD, Lei 13.709/2018)",
              "Camadas para os elos policiais (sem dados pessoais; LGPD, Lei 13.709/2018)"),
    "file_map": ("interactive map; opens in any browser with no internet",
                 "mapa interativo; abre em qualquer navegador, sem internet"),
    "file_gpkg": ("every layer for QGIS, already styled (same colours as the map)",
                  "todas as camadas para o QGIS, já com estilo (as cores do mapa)"),
    "file_kml": ("the same layers for Google Earth, with named placemarks and balloons",
                 "as mesmas camadas para o Google Earth, com marcadores nomeados e balões"),
    "file_geojson": ("one file per layer (EPSG:4326)", "um arquivo por camada (EPSG:4326)"),
    "file_tif": ("density rasters and their QGIS styles",
                 "rasters de densidade e seus estilos do QGIS"),
    "file_cards": ("one printable page per patrol shift (map, segments, cross streets, visits)",
                   "uma página para imprimir por turno de patrulha (mapa, segmentos, "
                   "cruzamentos, visitas)"),
    "suppressed": ("Segments with 1 to {top} incidents show no count: those values are empty\n"
                   "and the column 'suppressed' is true (zero is shown). Names, documents,\n"
                   "phone numbers, narratives and victim data are never exported; incident\n"
                   "points are not included unless the run asked for them.",
                   "Segmentos com 1 a {top} ocorrências não mostram a contagem: esses valores\n"
                   "ficam vazios e a coluna 'suppressed' é verdadeira (o zero é mostrado).\n"
                   "Nomes, documentos, telefones, históricos e dados de vítimas nunca são\n"
                   "exportados; pontos de ocorrência só entram quando a execução os pede."),
    "layers": ("Layers:", "Camadas:"),
    "rasters": ("Rasters: {names}", "Rasters: {names}"),
    "none": ("none", "nenhum"),
}
