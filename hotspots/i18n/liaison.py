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
    "protected": (
        "What is protected\n"
        "- No count of 1 to {top} incidents is shown, nor anything that gives one back: a\n"
        "  night count is also withheld when the rest of its segment's count is 1 to {top},\n"
        "  rates and shares are empty with their counts, patrol counts below a withheld one\n"
        "  are withheld, texts say 'withheld' instead of the number. Zero is shown.",
        "O que é protegido\n"
        "- Nenhuma contagem de 1 a {top} ocorrências é mostrada, nem nada que a revele: a\n"
        "  contagem noturna também é omitida quando o resto da contagem do segmento é de 1 a\n"
        "  {top}, taxas e proporções ficam vazias com suas contagens, contagens de patrulha\n"
        "  abaixo de uma omitida são omitidas, e os textos dizem 'omitido' em vez do número.\n"
        "  O zero é mostrado."),
    "min_length": ("- Segments shorter than {m} m carry no count (a very short segment nearly\n"
                   "  locates one address).",
                   "- Segmentos com menos de {m} m não têm contagem (um segmento muito curto\n"
                   "  quase localiza um endereço)."),
    "no_min_length": ("- Every segment carries its count (no minimum length).",
                      "- Todo segmento tem sua contagem (sem comprimento mínimo)."),
    "protected_rest": (
        "- Each count column has a status column: empty when shown, 'k_rule' when withheld\n"
        "  to protect counts below {k}, 'min_length' when the segment is too short.\n"
        "  'suppressed' is true where the segment's count itself is 1 to {top}.\n"
        "- Hot-spot classes (Gi*, local Moran, night Gi*, emerging categories) are computed\n"
        "  from the counts as released (withheld counts taken at the middle of their range):\n"
        "  they may differ from the analyst's on a few segments. Z-scores, p-values and\n"
        "  network densities are not included: with the street map they give counts back.\n"
        "- The density raster is drawn from the released counts with a search radius of at\n"
        "  least {radius} m; it is blank where fewer than {k} incidents lie within the radius\n"
        "  and holds only its legend classes.\n"
        "- No total is given: the map states the incidents on the segments with a count.\n"
        "- Patrol cards show the same protected figures as the patrol layer.\n"
        "- Names, documents, phone numbers, e-mails, plates, narratives and victim data never\n"
        "  enter the analysis (only the columns it needs are read); incident points are not\n"
        "  included unless the run asked for them.",
        "- Cada coluna de contagem tem uma coluna de situação: vazia quando mostrada, 'k_rule'\n"
        "  quando omitida para proteger contagens abaixo de {k}, 'min_length' quando o\n"
        "  segmento é curto demais. 'suppressed' é verdadeira onde a própria contagem do\n"
        "  segmento é de 1 a {top}.\n"
        "- As classes de pontos quentes (Gi*, Moran local, Gi* noturno, categorias\n"
        "  emergentes) são calculadas a partir das contagens como divulgadas (contagens\n"
        "  omitidas tomadas no meio do seu intervalo): podem diferir das do analista em alguns\n"
        "  segmentos. Escores z, valores p e densidades de rede não são incluídos: com o mapa\n"
        "  das ruas eles devolvem as contagens.\n"
        "- O raster de densidade é feito com as contagens divulgadas e raio de busca de pelo\n"
        "  menos {radius} m; fica em branco onde há menos de {k} ocorrências dentro do raio e\n"
        "  contém só as classes da legenda.\n"
        "- Nenhum total é dado: o mapa informa as ocorrências nos segmentos com contagem.\n"
        "- Os cartões de patrulha mostram os mesmos valores protegidos da camada de patrulha.\n"
        "- Nomes, documentos, telefones, e-mails, placas, históricos e dados de vítimas nunca\n"
        "  entram na análise (só as colunas necessárias são lidas); pontos de ocorrência só\n"
        "  entram quando a execução os pede."),
    "not_protected": (
        "What is not protected\n"
        "- A segment with a count shows that its incidents happened there in the period.\n"
        "- Combining this folder with an all-incidents map of the same weeks, or with the\n"
        "  analyst's outputs, can give hidden weekly counts back: share only one of them.",
        "O que não é protegido\n"
        "- Um segmento com contagem mostra que suas ocorrências aconteceram ali no período.\n"
        "- Combinar esta pasta com um mapa de todas as ocorrências das mesmas semanas, ou com\n"
        "  as saídas do analista, pode revelar contagens semanais omitidas: compartilhe só\n"
        "  uma delas."),
    "segments_count": ("Segments: {rows}, with a count: {shown}, without: {hidden} ({short} "
                       "shorter than {m} m).",
                       "Segmentos: {rows}, com contagem: {shown}, sem: {hidden} ({short} com "
                       "menos de {m} m)."),
    "widened": ("WIDENED BY THE RUN'S SETTINGS (not protected as above):",
                "AMPLIADO PELAS CONFIGURAÇÕES DA EXECUÇÃO (sem a proteção acima):"),
    "layers": ("Layers:", "Camadas:"),
    "rasters": ("Rasters: {names}", "Rasters: {names}"),
    "none": ("none", "nenhum"),
}
