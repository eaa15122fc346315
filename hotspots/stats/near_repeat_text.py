"""Words of the near-repeat analysis in Portuguese and English: band labels and the summary paragraph."""

from __future__ import annotations

import math

__all__ = [
    "LANGUAGES",
    "TEXTS",
    "days_phrase",
    "distance_phrase",
    "format_edge",
    "format_number",
    "percent",
    "spatial_labels",
    "temporal_labels",
]

LANGUAGES = ("pt", "en")

#: every user-facing text of the near-repeat analysis, one dict per language
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "same": "same location",
        "nrc_same": "Same location",
        "nrc_range": "{lo} to {hi}",
        "nrc_more": "More than {lo}",
        "days": "days",
        "day": "day",
        "more_left": "≥ {lo}",
        "more_right": "> {lo}",
        "dist_lt": "less than {d} m",
        "dist_le": "up to {d} m",
        "band_lt": "{lo} m to less than {hi} m",
        "band_le": "more than {lo} m and up to {hi} m",
        "same_day": "on the same day",
        "days_le": "up to {n} {unit} after {obj}",
        "days_lt": "less than {n} {unit} after {obj}",
        "zone": ("Near repeats: {where}, there were {pct} more incidents than expected by "
                 "chance (Knox ratio {ratio}; {obs} pairs observed, {exp} expected; one-sided "
                 "test, α = {alpha}, {perms} permutations)."),
        "it": "it",
        "an_incident": "an incident",
        "where_one": "{dist} from an incident and {days}",
        "where_join": "; ",
        "peak": " The strongest excess is {pct} ({sl}, {tl}).",
        "repeat": (" At the same location, repeats were {pct} more frequent than chance "
                   "{days}."),
        "no_repeat": " No meaningful excess of repeats at the same location.",
        "none": ("No near-repeat pattern: next to the incidents ({sl}) the first time band "
                 "({tl}) did not hold significantly (α = {alpha}, {perms} permutations) and at "
                 "least {pct} more pairs of incidents than chance."),
        "nrc_note": (" Bands are labelled as in Ratcliffe's Near Repeat Calculator: a band "
                     "'a to b' holds distances (or days) from a − 1 up to but not including b."),
        "title": "Knox ratio (observed / expected pairs)",
        "distance": "Distance",
        "time": "Time between incidents",
        "legend_sig": "● p ≤ {alpha}; outlined: near-repeat zone",
        "category": "category",
    },
    "pt": {
        "same": "mesmo local",
        "nrc_same": "Mesmo local",
        "nrc_range": "{lo} a {hi}",
        "nrc_more": "Mais de {lo}",
        "days": "dias",
        "day": "dia",
        "more_left": "≥ {lo}",
        "more_right": "> {lo}",
        "dist_lt": "a menos de {d} m",
        "dist_le": "até {d} m",
        "band_lt": "de {lo} m a menos de {hi} m",
        "band_le": "a mais de {lo} m e até {hi} m",
        "same_day": "no mesmo dia",
        "days_le": "até {n} {unit} depois {obj}",
        "days_lt": "menos de {n} {unit} depois {obj}",
        "zone": ("Quase-repetição: {where}, houve {pct} mais ocorrências do que o esperado "
                 "pelo acaso (razão de Knox {ratio}; {obs} pares observados, {exp} esperados; "
                 "teste unilateral, α = {alpha}, {perms} permutações)."),
        "it": "dela",
        "an_incident": "de uma ocorrência",
        "where_one": "{dist} de uma ocorrência e {days}",
        "where_join": "; ",
        "peak": " O maior excesso é de {pct} ({sl}, {tl}).",
        "repeat": (" No mesmo local, as repetições foram {pct} mais frequentes do que o acaso "
                   "{days}."),
        "no_repeat": " Sem excesso relevante de repetições no mesmo local.",
        "none": ("Sem padrão de quase-repetição: junto às ocorrências ({sl}) a primeira faixa "
                 "de tempo ({tl}) não teve, de forma significativa (α = {alpha}, {perms} "
                 "permutações), pelo menos {pct} mais pares de ocorrências do que o acaso."),
        "nrc_note": (" Faixas rotuladas como no Near Repeat Calculator de Ratcliffe: uma faixa "
                     "'a a b' contém distâncias (ou dias) de a − 1 até b, sem incluir b."),
        "title": "Razão de Knox (pares observados / esperados)",
        "distance": "Distância",
        "time": "Tempo entre ocorrências",
        "legend_sig": "● p ≤ {alpha}; contorno: zona de quase-repetição",
        "category": "categoria",
    },
}


def format_number(value: float, language: str, *, digits: int = 0) -> str:
    """A number as people write it: 1.234,5 in Portuguese, 1,234.5 in English (∞ for infinity)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):
        return "∞"
    if float(value).is_integer() and digits == 0:
        text = f"{round(float(value)):,}"
    else:
        text = f"{value:,.{digits}f}"
    if language == "pt":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_edge(value: float, language: str) -> str:
    """A band edge: whole numbers without decimals, others with what they need."""
    if float(value).is_integer():
        return format_number(value, language)
    text = f"{value:g}"
    return text.replace(".", ",") if language == "pt" else text


def percent(ratio: float, language: str) -> str:
    """(ratio − 1) as a percentage: '40 %' in Portuguese, '40%' in English."""
    pct = (ratio - 1.0) * 100.0
    digits = 0 if abs(pct) >= 10 or pct == 0 else 1
    number = format_number(pct, language, digits=digits)
    return f"{number} %" if language == "pt" else f"{number}%"


def spatial_labels(edges_m, *, closed: str, nrc: bool, language: str) -> list[str]:
    """Labels of the spatial bands: same location, the k finite bands, then "more than"."""
    t = TEXTS[language]
    f = lambda v: format_edge(v, language)  # noqa: E731
    k = len(edges_m)
    if nrc:
        labels = [t["nrc_same"]]
        lows = [1.0] + [e + 1 for e in edges_m[:-1]]
        labels += [t["nrc_range"].format(lo=f(lo), hi=f(hi)) + " m" for lo, hi in zip(lows, edges_m)]
        return [*labels, t["nrc_more"].format(lo=f(edges_m[-1])) + " m"]
    labels = [t["same"]]
    lows = [0.0, *edges_m[:-1]]
    for i, (lo, hi) in enumerate(zip(lows, edges_m)):
        if closed == "left":
            opening = "(" if i == 0 else "["
            labels.append(f"{opening}{f(lo)}, {f(hi)}) m")
        else:
            labels.append(f"({f(lo)}, {f(hi)}] m")
    more = t["more_left"] if closed == "left" else t["more_right"]
    labels.append(more.format(lo=f(edges_m[k - 1])) + " m")
    return labels


def temporal_labels(edges_days, *, closed: str, unit: str, nrc: bool, language: str) -> list[str]:
    """Labels of the temporal bands: the m finite bands, then "more than"."""
    t = TEXTS[language]
    f = lambda v: format_edge(v, language)  # noqa: E731
    days = t["days"]
    lows = [0.0, *edges_days[:-1]]
    if nrc:
        labels = [t["nrc_range"].format(lo=f(lo if i == 0 else lo + 1), hi=f(hi)) + f" {days}"
                  for i, (lo, hi) in enumerate(zip(lows, edges_days))]
        return [*labels, t["nrc_more"].format(lo=f(edges_days[-1])) + f" {days}"]
    labels = []
    for i, (lo, hi) in enumerate(zip(lows, edges_days)):
        if unit == "calendar_days":
            a, b = (lo, hi - 1) if closed == "left" else ((lo if i == 0 else lo + 1), hi)
            if a == b:
                word = t["day"] if a == 1 else days
                labels.append(f"{f(a)} {word}")
            else:
                labels.append(f"{f(a)}–{f(b)} {days}")
        elif closed == "left":
            labels.append(f"[{f(lo)}, {f(hi)}) {days}")
        else:
            labels.append(f"{'[' if i == 0 else '('}{f(lo)}, {f(hi)}] {days}")
    more = t["more_left"] if closed == "left" else t["more_right"]
    labels.append(more.format(lo=f(edges_days[-1])) + f" {days}")
    return labels


def distance_phrase(lo: float, hi: float, *, first: bool, closed: str, language: str) -> str:
    """'less than 200 m' / 'a até 200 m'; for a band that does not start at the source, its range."""
    t = TEXTS[language]
    if first:
        return t["dist_lt" if closed == "left" else "dist_le"].format(d=format_edge(hi, language))
    key = "band_lt" if closed == "left" else "band_le"
    return t[key].format(lo=format_edge(lo, language), hi=format_edge(hi, language))


def days_phrase(upper_days: float, *, closed: str, unit: str, language: str,
                of_source: bool = False) -> str:
    """How long after an incident a band reaches: 'up to 6 days after it', 'on the same day'…

    ``of_source``: name the incident ('after an incident') instead of referring back ('after it').
    """
    t = TEXTS[language]
    obj = t["an_incident" if of_source else "it"]
    if unit == "calendar_days":
        last = upper_days - 1 if closed == "left" else upper_days
        if last == 0:
            return t["same_day"]
        word = t["day"] if last == 1 else t["days"]
        return t["days_le"].format(n=format_edge(last, language), unit=word, obj=obj)
    word = t["day"] if upper_days == 1 else t["days"]
    key = "days_lt" if closed == "left" else "days_le"
    return t[key].format(n=format_edge(upper_days, language), unit=word, obj=obj)
