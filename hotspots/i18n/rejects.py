"""Reject reasons in words: why a record of the incident file was not used."""

from __future__ import annotations

__all__ = ["MESSAGES"]

#: reason code -> (English, Portuguese)
MESSAGES: dict[str, tuple[str, str]] = {
    "truncated_row": ("last line of the file has no line break: cut off while being written",
                      "última linha do arquivo sem quebra de linha: cortada durante a gravação"),
    "duplicate_id": ("same incident_id as an earlier row (kept the first)",
                     "mesmo identificador de uma linha anterior (mantida a primeira)"),
    "missing_time": ("no timestamp", "sem data e hora"),
    "unparseable_time": ("timestamp not in the expected format",
                         "data e hora fora do formato esperado"),
    "future_time": ("dated after the run time (beyond inputs.future_tolerance_h)",
                    "data posterior ao momento da execução (além de inputs.future_tolerance_h)"),
    "missing_location": ("neither coordinates nor an address", "sem coordenadas nem endereço"),
    "invalid_coordinates": ("coordinates not numbers, NaN/inf or out of range",
                            "coordenadas não numéricas, NaN/inf ou fora do intervalo"),
    "latlon_swapped": ("latitude and longitude appear swapped",
                       "latitude e longitude parecem trocadas"),
    "invalid_geometry": ("geometry is not a point", "a geometria não é um ponto"),
    "outside_boundary": ("outside the study-area boundary", "fora do limite da área de estudo"),
    "beyond_max_distance": ("farther than max_distance_m from every street segment",
                            "mais longe que max_distance_m de qualquer segmento de rua"),
    "address_unavailable": ("address only, and no address reference to geocode it",
                            "só endereço, e nenhuma base de endereços para geocodificá-lo"),
    "address_empty": ("address empty after cleaning", "endereço vazio após a limpeza"),
    "street_not_found": ("street name not found among the segments",
                         "logradouro não encontrado entre os segmentos"),
    "ambiguous_street": ("street name matches several streets equally well",
                         "o nome corresponde igualmente bem a vários logradouros"),
    "number_out_of_range": ("house number outside the street's known numbers",
                            "número fora da numeração conhecida do logradouro"),
    "intersection_not_found": ("the two streets of an intersection do not meet",
                               "os dois logradouros do cruzamento não se encontram"),
    "low_score": ("best match scored under the minimum",
                  "a melhor correspondência ficou abaixo da nota mínima"),
    "invalid_address": ("address is not text (or has broken characters) or has no street name",
                        "endereço não é texto (ou tem caracteres corrompidos) ou não tem "
                        "logradouro"),
    "invalid_number": ("house number is not a plausible number (0, or more than 5 digits)",
                       "número do imóvel implausível (0, ou mais de 5 dígitos)"),
    "no_house_number": ("address has no house number (s/n, km marker) and street-only matches "
                        "are off",
                        "endereço sem número (s/n, marco quilométrico) e a associação só pelo "
                        "logradouro está desligada"),
}
