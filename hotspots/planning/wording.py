"""Plain-language texts of a plan in English and Portuguese: places, evidence, effects, reasons."""

from __future__ import annotations

import math

from hotspots._errors import ValidationError

__all__ = ["EFFECT_RANGE", "LANGUAGES", "TEXTS", "language_code", "money", "number"]

#: expected effect of lighting on night-time crime, as a cautious range (fractions), and sources
EFFECT_RANGE = (0.21, 0.36)
LANGUAGES = ("en", "pt")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "between": "{street}, between {a} and {b}",
        "near": "{street}, near {a}",
        "unnamed street": "unnamed street",
        "houses": " (nos. {lo}–{hi})",
        "house": " (no. {lo})",
        "area place": "{name} ({kind}), by {street}",
        "area place nostreet": "{name} ({kind})",
        "unnamed area": "unnamed {kind}",
        "what new_lights": "{lamps} new {lamps_w} over {metres} m of unlit street",
        "what repair": "repair {lamps} {lamps_w} (id {ids})",
        "what green": "adopt or improve a {kind} of {area}",
        "last weeks": "in the last {weeks} weeks ({start} to {end})",
        "short weeks": "in the {covered} weeks of data ({start} to {end}; {weeks} weeks asked)",
        "evidence new_lights": "{n} night-time {inc_w} recorded on these unlit stretches {when}",
        "evidence repair": "{n} night-time {inc_w} recorded on the unlit stretches these lamps "
                           "would light {when}",
        "evidence green": "{n} {inc_w} ({night} at night) recorded within a {radius} m walk of "
                          "this area {when}",
        "rate": "; about {rate} a year (95 % interval {lo}–{hi})",
        "effect": "estimate, not a guarantee: {lo_pct}–{hi_pct} % fewer night-time incidents, "
                  "about {lo}–{hi} a year (Welsh & Farrington's review; Chalfin et al. 2022)",
        "effect green": "no effect estimate: the evidence on greening (Branas et al. 2018) is "
                        "for vacant lots, not for adopting parks",
        "worth": "{per} per R$ 10,000",
        "weighted": " (harm-weighted {value})",
        "for lights": "R$ {cost} for {per_year} night-time {inc_w} a year{weighted} ({worth})",
        "for repair": "repair of {lamps} {lamps_w} for R$ {cost}, {per_year} night-time "
                      "{inc_w} a year{weighted} ({worth})",
        "for green": "R$ {cost} for {area} with {per_year} {inc_w} a year within a {radius} m "
                     "walk{weighted} ({worth})",
        "funded": "funded: {what}",
        "funded must": "funded (must-fund list): {what}",
        "not funded": "not funded: {what}; {why}",
        "why spent": "the budget was spent on projects worth at least {worth_min}",
        "why fits": "it does not fit in the R$ {left} left",
        "why metres": "it needs {need} m of new lighting and {left} m of that budget are left",
        "why lamps": "it needs {need} new {lamps_w} and {left} of that budget are left",
        "why cap": "bairro {bairro} already has {cap} funded projects (the limit)",
        "why covered": "the incidents within its walk are already within a walk of funded areas",
        "why greedy": "not chosen by the greedy fallback",
        "ranked": "ranked {rank} of {of} by value per cost; {what}; no budget was given",
        "adopted": "already adopted: {n} {inc_w} a year within a {radius} m walk",
        "served": "not funded: its incidents are all within a walk of adopted areas",
        "ha": "{v} ha", "m2": "{v} m²",
        "left": " (R$ {left} left)",
        "part": "{text} — {side} part",
        "sides": "north|south|east|west",
        "for green new": "R$ {cost} for {area} with {per_year} {inc_w} a year within a {radius} "
                         "m walk that no adopted area reaches{weighted} ({worth})",
    },
    "pt": {
        "between": "{street}, entre {a} e {b}",
        "near": "{street}, perto de {a}",
        "unnamed street": "via sem nome",
        "houses": " (nº {lo}–{hi})",
        "house": " (nº {lo})",
        "area place": "{name} ({kind}), ao lado de {street}",
        "area place nostreet": "{name} ({kind})",
        "unnamed area": "{kind} sem nome",
        "what new_lights": "{lamps} {lamps_w} em {metres} m de rua sem iluminação",
        "what repair": "consertar {lamps} {lamps_w} (id {ids})",
        "what green": "adotar ou melhorar {kind} de {area}",
        "last weeks": "nas últimas {weeks} semanas ({start} a {end})",
        "short weeks": "nas {covered} semanas com dados ({start} a {end}; pedidas {weeks} "
                       "semanas)",
        "evidence new_lights": "{n} {inc_w} à noite nestes trechos sem iluminação {when}",
        "evidence repair": "{n} {inc_w} à noite nos trechos sem iluminação que estas "
                           "lâmpadas iluminariam {when}",
        "evidence green": "{n} {inc_w} ({night} à noite) a até {radius} m de caminhada desta "
                          "área {when}",
        "rate": "; cerca de {rate} por ano (intervalo de 95 %: {lo}–{hi})",
        "effect": "estimativa, não garantia: {lo_pct}–{hi_pct} % menos ocorrências noturnas, "
                  "cerca de {lo}–{hi} por ano (revisão de Welsh & Farrington; Chalfin et al. "
                  "2022)",
        "effect green": "sem estimativa de efeito: a evidência sobre áreas verdes (Branas et "
                        "al. 2018) é de terrenos baldios, não de adoção de praças",
        "worth": "{per} por R$ 10.000",
        "weighted": " (ponderado por gravidade: {value})",
        "for lights": "R$ {cost} para {per_year} {inc_w} à noite por ano{weighted} ({worth})",
        "for repair": "conserto de {lamps} {lamps_w} por R$ {cost}, {per_year} {inc_w} à "
                      "noite por ano{weighted} ({worth})",
        "for green": "R$ {cost} para {area} com {per_year} {inc_w} por ano a até {radius} m "
                     "de caminhada{weighted} ({worth})",
        "funded": "financiado: {what}",
        "funded must": "financiado (lista obrigatória): {what}",
        "not funded": "não financiado: {what}; {why}",
        "why spent": "o orçamento foi usado em projetos que valem ao menos {worth_min}",
        "why fits": "não cabe nos R$ {left} restantes",
        "why metres": "precisa de {need} m de iluminação nova e restam {left} m desse limite",
        "why lamps": "precisa de {need} {lamps_w} e restam {left} desse limite",
        "why cap": "o bairro {bairro} já tem {cap} projetos financiados (o limite)",
        "why covered": "as ocorrências a até uma caminhada dela já estão perto de áreas "
                       "financiadas",
        "why greedy": "não escolhido pelo método guloso de reserva",
        "ranked": "{rank}º de {of} por valor por custo; {what}; nenhum orçamento informado",
        "adopted": "já adotada: {n} {inc_w} por ano a até {radius} m de caminhada",
        "served": "não financiado: todas as suas ocorrências estão perto de áreas adotadas",
        "ha": "{v} ha", "m2": "{v} m²",
        "left": " (restam R$ {left})",
        "part": "{text} — parte {side}",
        "sides": "norte|sul|leste|oeste",
        "for green new": "R$ {cost} para {area} com {per_year} {inc_w} por ano a até {radius} m "
                         "de caminhada que nenhuma área adotada alcança{weighted} ({worth})",
    },
}

#: the reasons in a few words (council sheet tables); the full sentence is in plan.csv
SHORT = {
    "en": {"funded": "funded", "funded_must": "funded (must-fund list)",
           "not_funded_fit": "does not fit in the R$ {left} left",
           "not_funded_spent": "worth {worth}; every funded project is worth at least "
                               "{worth_min}",
           "not_funded_metres": "over the limit on metres of new lighting",
           "not_funded_lamps": "over the limit on new lamps",
           "not_funded_cap": "bairro limit of {cap} projects reached",
           "not_funded_covered": "its incidents are near funded areas already",
           "not_funded_greedy": "not chosen by the greedy fallback",
           "ranked": "ranked only (no budget given)", "adopted": "already adopted",
           "served": "its incidents are near adopted areas already"},
    "pt": {"funded": "financiado", "funded_must": "financiado (lista obrigatória)",
           "not_funded_fit": "não cabe nos R$ {left} restantes",
           "not_funded_spent": "vale {worth}; todo projeto financiado vale ao menos "
                               "{worth_min}",
           "not_funded_metres": "passa do limite de metros de iluminação nova",
           "not_funded_lamps": "passa do limite de luminárias novas",
           "not_funded_cap": "limite de {cap} projetos no bairro atingido",
           "not_funded_covered": "suas ocorrências já estão perto de áreas financiadas",
           "not_funded_greedy": "não escolhido pelo método guloso de reserva",
           "ranked": "só classificado (sem orçamento)", "adopted": "já adotada",
           "served": "suas ocorrências já estão perto de áreas adotadas"},
}

#: plural / singular words that change with the number (pt has its own forms)
WORDS = {
    "en": {"lamp_new": ("lamp", "lamps"), "lamp_broken": ("broken lamp", "broken lamps"),
           "lamp_repair": ("lamp", "lamps"), "inc": ("incident", "incidents")},
    "pt": {"lamp_new": ("luminária nova", "luminárias novas"),
           "lamp_broken": ("lâmpada apagada", "lâmpadas apagadas"),
           "lamp_repair": ("lâmpada", "lâmpadas"), "inc": ("ocorrência", "ocorrências")},
}

#: green-area kinds in Portuguese
KINDS_PT = {"park": "parque", "garden": "jardim", "playground": "parquinho", "square": "praça",
            "recreation_ground": "área de lazer", "village_green": "área verde",
            "dog_park": "parcão", "grass": "gramado", "green area": "área verde"}


def language_code(language: str) -> str:
    """'en' or 'pt' from a language tag ('pt-BR', 'pt_BR', 'en-GB', …)."""
    from hotspots.i18n.catalogue import language as catalogue_language

    try:
        return catalogue_language(language)
    except ValidationError:
        raise ValidationError(f"language={language!r}: plans are written in English ('en') or "
                              "Portuguese ('pt', 'pt-BR')") from None


_PT_MARKS = str.maketrans(",.", ".,")  #: English separators swapped for Portuguese ones


def number(value: float, lang: str, digits: int = 0) -> str:
    """A number with thousands separators: 12,400.5 (en) or 12.400,5 (pt)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value:,.{digits}f}"
    return text.translate(_PT_MARKS) if lang == "pt" else text


def money(value: float, lang: str) -> str:
    """Whole reais: '12,400' (en) or '12.400' (pt), without the 'R$'."""
    return number(round(float(value)), lang, 0)


def rate(value: float, lang: str) -> str:
    """A rate with sensible precision: 0.43, 4.3, 43."""
    if not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    digits = 0 if abs(value) >= 10 else 1 if abs(value) >= 1 else 2
    return number(value, lang, digits)


def area_text(m2: float, lang: str) -> str:
    """'1.2 ha' for areas of a hectare or more, else '850 m²'."""
    t = TEXTS[lang]
    if m2 >= 10_000:
        return t["ha"].format(v=number(m2 / 10_000, lang, 1))
    return t["m2"].format(v=number(m2, lang, 0))


def kind_text(kind: str, lang: str) -> str:
    """A green-area kind in the language ('park' → 'parque')."""
    k = (kind or "").strip() or "green area"
    return KINDS_PT.get(k.casefold(), k) if lang == "pt" else k.replace("_", " ")


def plural(n: float, key: str, lang: str) -> str:
    """Singular or plural word for ``n``."""
    one, many = WORDS[lang][key]
    return one if abs(n - 1) < 1e-9 else many


def _num_or_none(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def location(street: str, cross_a: str, cross_b: str, house_from, house_to, lang: str) -> str:
    """'Rua X, between Rua Y and Av. Z (nos. 120–340)' — or 'near', or the street alone."""
    t = TEXTS[lang]
    name = street or t["unnamed street"]
    a, b = cross_a or "", cross_b or ""
    if a and b and a != b:
        text = t["between"].format(street=name, a=a, b=b)
    elif a or b:
        text = t["near"].format(street=name, a=a or b)
    else:
        text = name
    lo, hi = _num_or_none(house_from), _num_or_none(house_to)
    if lo is not None and hi is not None:
        lo, hi = sorted((int(lo), int(hi)))
        text += (t["house"].format(lo=lo) if lo == hi else t["houses"].format(lo=lo, hi=hi))
    return text


def area_location(name: str, kind: str, street: str, lang: str) -> str:
    """'Praça X (praça), ao lado de Rua Y' / 'unnamed park by Rua Y'."""
    t = TEXTS[lang]
    k = kind_text(kind, lang)
    label = name.strip() if isinstance(name, str) and name.strip() else t["unnamed area"].format(
        kind=k)
    if street:
        return t["area place"].format(name=label, kind=k, street=street)
    return t["area place nostreet"].format(name=label, kind=k)


def what(kind: str, lang: str, *, lamps_new: int = 0, length_m: float = 0.0,
         lamps_repair: int = 0, lamp_ids: str = "", area_kind: str = "",
         area_m2: float = 0.0) -> str:
    """What the project does: '3 new lamps over 140 m of unlit street', 'repair 2 lamps …'."""
    t = TEXTS[lang]
    if kind == "new_lights":
        return t["what new_lights"].format(lamps=lamps_new,
                                           lamps_w=plural(lamps_new, "lamp_new", lang),
                                           metres=number(length_m, lang))
    if kind == "repair":
        return t["what repair"].format(lamps=lamps_repair,
                                       lamps_w=plural(lamps_repair, "lamp_broken", lang),
                                       ids=lamp_ids)
    return t["what green"].format(kind=kind_text(area_kind, lang), area=area_text(area_m2, lang))


def window_phrase(window, lang: str) -> str:
    """'in the last 52 weeks (2025-11-24 to 2026-11-22)', or how much of it the data cover."""
    t = TEXTS[lang]
    if window.short:
        return t["short weeks"].format(covered=number(window.covered_weeks, lang, 0),
                                       start=window.covered_start.isoformat(),
                                       end=window.end.isoformat(), weeks=window.weeks)
    return t["last weeks"].format(weeks=window.weeks, start=window.start.isoformat(),
                                  end=window.end.isoformat())


def evidence(kind: str, lang: str, *, n: int, night: int, per_year: float, low: float,
             high: float, window, radius_m: float, when: str | None = None) -> str:
    """The recorded incidents behind a project's value, with their yearly rate and interval
    (``when``: :func:`window_phrase` of ``window``, when the caller wrote it already)."""
    t = TEXTS[lang]
    key = {"new_lights": "evidence new_lights", "repair": "evidence repair"}.get(
        kind, "evidence green")
    text = t[key].format(n=number(n, lang), night=number(night, lang),
                         inc_w=plural(n, "inc", lang), radius=number(radius_m, lang),
                         when=window_phrase(window, lang) if when is None else when)
    return text + t["rate"].format(rate=rate(per_year, lang), lo=rate(low, lang),
                                   hi=rate(high, lang))


def effect(kind: str, lang: str, *, per_year: float) -> str:
    """The cautious expected effect: a range from the literature, labelled an estimate."""
    t = TEXTS[lang]
    if kind == "green":
        return t["effect green"]
    lo, hi = EFFECT_RANGE
    return t["effect"].format(lo_pct=round(100 * lo), hi_pct=round(100 * hi),
                              lo=rate(lo * per_year, lang), hi=rate(hi * per_year, lang))


def value_phrase(kind: str, lang: str, *, cost: float, per_year: float,
                 weighted_per_year: float | None, worth: float, lamps_repair: int = 0,
                 area_m2: float = 0.0, radius_m: float = 0.0, partly_served: bool = False) -> str:
    """'R$ 12,400 for 2 night-time incidents a year (1.6 per R$ 10,000)'."""
    t = TEXTS[lang]
    weighted = ("" if weighted_per_year is None
                else t["weighted"].format(value=rate(weighted_per_year, lang)))
    common = {"cost": money(cost, lang), "per_year": rate(per_year, lang),
              "inc_w": plural(round(per_year, 1), "inc", lang), "weighted": weighted,
              "worth": t["worth"].format(per=rate(worth, lang))}
    if kind == "new_lights":
        return t["for lights"].format(**common)
    if kind == "repair":
        return t["for repair"].format(lamps=lamps_repair,
                                      lamps_w=plural(lamps_repair, "lamp_repair", lang),
                                      **common)
    return t["for green new" if partly_served else "for green"].format(
        area=area_text(area_m2, lang), radius=number(radius_m, lang), **common)


def side_parts(texts: list[str], lat: list[float], lon: list[float], lang: str) -> list[str]:
    """Tell apart places with the same text (both carriageways, two parts of a block).

    Each gets the compass side of its centre seen from the group's mean centre along the
    axis on which the group is most spread ('— north part' / '— parte norte').
    """
    sides = TEXTS[lang]["sides"].split("|")
    out = list(texts)
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        groups.setdefault(text, []).append(i)
    for text, members in groups.items():
        if len(members) < 2:
            continue
        la = [lat[i] for i in members]
        lo = [lon[i] * math.cos(math.radians(sum(la) / len(la))) for i in members]
        mla, mlo = sum(la) / len(la), sum(lo) / len(lo)
        ns = max(la) - min(la) >= max(lo) - min(lo)
        labels = [(sides[0] if y >= mla else sides[1]) if ns else
                  (sides[2] if x >= mlo else sides[3]) for y, x in zip(la, lo, strict=True)]
        seen: dict[str, int] = {}
        for i, label in zip(members, labels, strict=True):
            seen[label] = seen.get(label, 0) + 1
            tag = label if labels.count(label) == 1 else f"{label} {seen[label]}"
            out[i] = TEXTS[lang]["part"].format(text=text, side=tag)
    return out


def reason(status: str, lang: str, *, phrase: str, worth_min: float = float("nan"),
           left_brl: float = float("nan"), need: float = 0.0, left: float = 0.0,
           bairro: str = "", cap: int = 0, rank: int = 0, of: int = 0, per_year: float = 0.0,
           radius_m: float = 0.0) -> str:
    """Why a project is funded or not, in one sentence (see the status codes in the planner)."""
    t = TEXTS[lang]
    left_text = t["left"].format(left=money(left_brl, lang)) if math.isfinite(left_brl) else ""
    why = {
        "not_funded_spent": lambda: t["why spent"].format(
            worth_min=t["worth"].format(per=rate(worth_min, lang))) + left_text,
        "not_funded_fit": lambda: t["why fits"].format(left=money(left_brl, lang)),
        "not_funded_metres": lambda: t["why metres"].format(need=number(need, lang),
                                                            left=number(left, lang)),
        "not_funded_lamps": lambda: t["why lamps"].format(
            need=number(need, lang), lamps_w=plural(need, "lamp_new", lang),
            left=number(left, lang)),
        "not_funded_cap": lambda: t["why cap"].format(bairro=bairro, cap=cap),
        "not_funded_covered": lambda: t["why covered"],
        "not_funded_greedy": lambda: t["why greedy"],
    }
    if status == "funded":
        return t["funded"].format(what=phrase)
    if status == "funded_must":
        return t["funded must"].format(what=phrase)
    if status in why:
        return t["not funded"].format(what=phrase, why=why[status]())
    if status == "ranked":
        return t["ranked"].format(rank=rank, of=of, what=phrase)
    if status == "adopted":
        return t["adopted"].format(n=rate(per_year, lang), inc_w=plural(round(per_year, 1), "inc",
                                                                        lang),
                                   radius=number(radius_m, lang))
    if status == "served":
        return t["served"]
    raise ValueError(f"unknown status {status!r}")


def short_reason(status: str, lang: str, *, worth: float, worth_min: float, left_brl: float,
                 cap: int = 0) -> str:
    """The reason in a few words, with the project's value per R$ 10,000 when not funded."""
    per = TEXTS[lang]["worth"].format(per=rate(worth, lang))
    text = SHORT[lang][status].format(
        left=money(left_brl, lang) if math.isfinite(left_brl) else "–", worth=per,
        worth_min=rate(worth_min, lang), cap=cap)
    if status.startswith("not_funded") and status != "not_funded_spent":
        text += f" ({per})"
    return text
