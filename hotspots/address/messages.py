"""Texts of the geocoder's reject details, in English and Portuguese (one dict per language).

Details are kept as :class:`Detail` (a key and its values) while geocoding and written in the
run's language at the end (:func:`render`), so every reject has both texts available.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DETAILS", "Detail", "detail", "render"]

DETAILS: dict[str, dict[str, str]] = {
    "en": {
        "address": "address '{text}'",
        "no_street": "no street like '{text}'",
        "low_score": "best match scored {score:.1f} (minimum {minimum:g}) for '{text}': '{best}'",
        "low_score_type": ("best match scored {score:.1f} (minimum {minimum:g}) for '{text}' "
                           "(street type differs)"),
        "whole_word": "'{text}' is close to '{best}' (score {score:.1f}) but a whole word differs",
        "first_letter": "'{text}' may be {options} (is the first letter the type?)",
        "as_close": "'{text}' is as close to {options}; give the bairro or the CEP",
        "several_streets": ("'{text}' is like '{best}', a name of several streets; give the "
                            "bairro or the CEP"),
        "other_type_or_bairro": ("'{text}' is like '{best}' but that street is of another type "
                                 "or not in the bairro written"),
        "points_several": ("this number exists on several streets of that name; give the bairro "
                           "or the CEP"),
        "ranges_several": ("this number is in range on several streets of that name; give the "
                           "bairro or the CEP"),
        "metric_several": "several streets of that name are long enough for this number",
        "no_number_several": "several streets of that name; no number",
        "number_not_found": "number {number} not found on '{text}'",
        "no_reference": ("no address reference: give address points, address ranges on the "
                         "segments or method = ['metric_number']"),
        "km_only": "kilometre marker only",
        "sn": "no house number (s/n)",
        "corner_second": "second street of the corner: {inner}",
        "corner_several": ("these two streets meet in several places (same names in several "
                           "bairros); give the bairro"),
        "corner_low": "intersection scored {score:.1f} (minimum {minimum:g}): {inner}",
        "corner_far": "the streets do not meet (more than {gap:g} m apart)",
        "corner_gap": "the streets do not meet (closest {gap:.0f} m apart, max_gap {max_gap:g} m)",
        "corner_same": "the two streets are the same or unnamed",
        "corner_nodes": "{n} meeting nodes",
        "corner_no_node": "the streets do not share a node",
        "not_found": "not found",
    },
    "pt": {
        "address": "endereço '{text}'",
        "no_street": "nenhuma rua parecida com '{text}'",
        "low_score": ("melhor correspondência com nota {score:.1f} (mínimo {minimum:g}) para "
                      "'{text}': '{best}'"),
        "low_score_type": ("melhor correspondência com nota {score:.1f} (mínimo {minimum:g}) "
                           "para '{text}' (tipo de logradouro diferente)"),
        "whole_word": ("'{text}' é parecido com '{best}' (nota {score:.1f}), mas uma palavra "
                       "inteira difere"),
        "first_letter": "'{text}' pode ser {options} (a primeira letra é o tipo?)",
        "as_close": "'{text}' é igualmente parecido com {options}; informe o bairro ou o CEP",
        "several_streets": ("'{text}' é parecido com '{best}', nome de várias ruas; informe o "
                            "bairro ou o CEP"),
        "other_type_or_bairro": ("'{text}' é parecido com '{best}', mas essa rua é de outro "
                                 "tipo ou não fica no bairro informado"),
        "points_several": ("este número existe em várias ruas com esse nome; informe o bairro "
                           "ou o CEP"),
        "ranges_several": ("este número está na faixa de várias ruas com esse nome; informe o "
                           "bairro ou o CEP"),
        "metric_several": "várias ruas com esse nome são longas o bastante para este número",
        "no_number_several": "várias ruas com esse nome; sem número",
        "number_not_found": "número {number} não encontrado em '{text}'",
        "no_reference": ("sem referência de endereços: forneça pontos de endereço, faixas de "
                         "numeração nos segmentos ou method = ['metric_number']"),
        "km_only": "apenas marco quilométrico",
        "sn": "sem número (s/n)",
        "corner_second": "segunda rua da esquina: {inner}",
        "corner_several": ("estas duas ruas se cruzam em vários lugares (mesmos nomes em vários "
                           "bairros); informe o bairro"),
        "corner_low": "esquina com nota {score:.1f} (mínimo {minimum:g}): {inner}",
        "corner_far": "as ruas não se encontram (mais de {gap:g} m de distância)",
        "corner_gap": ("as ruas não se encontram (a {gap:.0f} m no ponto mais próximo, máximo "
                       "{max_gap:g} m)"),
        "corner_same": "as duas ruas são a mesma ou não têm nome",
        "corner_nodes": "{n} pontos de encontro",
        "corner_no_node": "as ruas não têm nó em comum",
        "not_found": "não encontrada",
    },
}


@dataclass(frozen=True)
class Detail:
    """A reject detail before it is written: its key and values (values may be Details)."""

    key: str
    values: tuple

    def text(self, language: str = "en") -> str:
        texts = DETAILS.get(language, DETAILS["en"])
        values = {k: (v.text(language) if isinstance(v, Detail) else v) for k, v in self.values}
        if "options" in values and isinstance(values["options"], tuple):
            joiner = " ou " if language == "pt" else " or "
            values["options"] = joiner.join(f"'{o}'" for o in values["options"])
        return texts[self.key].format(**values)

    def __str__(self) -> str:
        return self.text("en")


def detail(key: str, **values) -> Detail:
    """A :class:`Detail` (check the key now, write the text later)."""
    if key not in DETAILS["en"]:
        raise KeyError(f"unknown detail {key!r}")
    return Detail(key, tuple(sorted(values.items())))


def render(details: np.ndarray, language: str = "en") -> np.ndarray:
    """Texts of an array of details ("" and plain strings pass through)."""
    cache: dict = {}
    out = np.empty(len(details), dtype=object)
    for i, d in enumerate(details):
        if isinstance(d, Detail):
            if d not in cache:
                cache[d] = d.text(language)
            out[i] = cache[d]
        else:
            out[i] = d
    return out
