"""Esri's 17 Emerging Hot Spot categories from per-step hot/cold bins and a trend; texts, colours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspots._errors import ValidationError

__all__ = [
    "CATEGORIES",
    "EMERGING_COLORS",
    "NINETY_RULES",
    "Category",
    "category_labels",
    "classify",
    "explain",
    "ninety_percent_count",
]


@dataclass(frozen=True)
class Category:
    """One category: Esri's CATEGORY code and PATTERN name, our pt-BR name, map colour."""

    code: int
    name: str
    name_pt: str
    color: str


#: codes as Esri's output CATEGORY field (ArcGIS SSCube utilities' ``categoryDict``): 1…8 hot,
#: −1…−8 their cold mirrors, 0 no pattern. Order = legend order.
#:
#: Colours. The four marked (Esri) are the fill colours of an ArcGIS Emerging Hot Spot Analysis
#: output layer as published by ArcGIS (uniqueValue renderer on PATTERN of
#: https://services7.arcgis.com/mbC97TSabuNgCnce/ArcGIS/rest/services/Chicago/FeatureServer/6,
#: read through the docs search corpus); the rest of that renderer could not be read, so the
#: other colours are hotspots' choice in the same scheme (hot = reds/browns, darker = more
#: established; cold = the matching blues; no pattern = light grey) and must be checked
#: against Esri's EmergingHotSpots layer file before claiming them as Esri's.
CATEGORIES: tuple[Category, ...] = (
    Category(1, "New Hot Spot", "Novo ponto quente", "#cb0800"),  # (Esri) 203,8,0
    Category(2, "Consecutive Hot Spot", "Ponto quente consecutivo", "#bd6d5e"),  # (Esri) 189,109,94
    Category(3, "Intensifying Hot Spot", "Ponto quente em intensificação", "#e01709"),  # (Esri)
    Category(4, "Persistent Hot Spot", "Ponto quente persistente", "#851400"),  # (Esri) 133,20,0
    Category(5, "Diminishing Hot Spot", "Ponto quente em diminuição", "#f08c7e"),
    Category(6, "Sporadic Hot Spot", "Ponto quente esporádico", "#f5b8a8"),
    Category(7, "Oscillating Hot Spot", "Ponto quente oscilante", "#d9705a"),
    Category(8, "Historical Hot Spot", "Ponto quente histórico", "#c9a79a"),
    Category(-1, "New Cold Spot", "Novo ponto frio", "#0046c8"),
    Category(-2, "Consecutive Cold Spot", "Ponto frio consecutivo", "#5e7fbd"),
    Category(-3, "Intensifying Cold Spot", "Ponto frio em intensificação", "#0a3ce0"),
    Category(-4, "Persistent Cold Spot", "Ponto frio persistente", "#00288a"),
    Category(-5, "Diminishing Cold Spot", "Ponto frio em diminuição", "#7e9cf0"),
    Category(-6, "Sporadic Cold Spot", "Ponto frio esporádico", "#a8c0f5"),
    Category(-7, "Oscillating Cold Spot", "Ponto frio oscilante", "#5a7bd9"),
    Category(-8, "Historical Cold Spot", "Ponto frio histórico", "#9aa9c9"),
    Category(0, "No Pattern Detected", "Nenhum padrão detectado", "#e0e0e0"),
)
_BY_CODE = {c.code: c for c in CATEGORIES}
#: code → hex colour, for the map legend and the QGIS style (see the note on CATEGORIES)
EMERGING_COLORS: dict[int, str] = {c.code: c.color for c in CATEGORIES}
#: how "at least 90 % of the T steps" becomes a number of steps
NINETY_RULES = ("ceil", "floor")


def ninety_percent_count(n_steps: int, rule: str = "ceil") -> int:
    """Steps that make "90 % of the time-step intervals": ⌈0.9·T⌉ (default) or ⌊0.9·T⌋.

    "ceil" reads Esri's "at least ninety percent" literally (n_hot/T ≥ 0.9, as sfdep's
    ``sum/n >= .9``): T = 52 → 47, T = 10 → 9. "floor" accepts the largest count not above 90 %
    (T = 52 → 46, 88.5 %). Integer arithmetic, so 0.9·T never suffers rounding.
    """
    if rule not in NINETY_RULES:
        raise ValidationError(f"ninety_percent_rule={rule!r}: expected one of {NINETY_RULES}")
    return (9 * n_steps + 9) // 10 if rule == "ceil" else (9 * n_steps) // 10


def classify(
    hot: np.ndarray,
    cold: np.ndarray,
    trend_z: np.ndarray,
    trend_p: np.ndarray,
    *,
    alpha_trend: float,
    ninety_percent_rule: str = "ceil",
    sporadic_requires_final: bool = True,
) -> np.ndarray:
    """Esri category code of each segment (column) from its significant hot/cold bins.

    ``hot``/``cold`` are (T, n) booleans (bin significant with z > 0 / z < 0, oldest step
    first); ``trend_z``/``trend_p`` the Mann–Kendall Z and p of each segment's z-series. A
    trend is significant when p ≤ ``alpha_trend``; "increasing" means Z > 0. With
    m = :func:`ninety_percent_count` (T, rule), Esri's definitions (hot side; cold mirrors it
    with hot↔cold and the trend direction reversed) are applied as a decision list that is
    anchored on the final step, which resolves every case Esri's text leaves open:

    Final step hot:

    1. hot in ≥ m steps → **Intensifying** (significant increasing trend), **Diminishing**
       (significant decreasing trend), else **Persistent**. Persistent therefore needs the
       final step hot: with the final step not hot the location is Historical (otherwise
       Historical could never be reached);
    2. < m hot and significantly cold at any earlier step → **Oscillating**. This wins over New
       and Consecutive: a location hot for the first time but cold before, or whose final hot
       run follows cold bins, is Oscillating (Esri's Oscillating is the only definition that
       speaks of the cold history; New/Consecutive say nothing about cold, and calling a
       cold-to-hot switch "New" would hide it; sfdep decides the same);
    3. never hot before the final uninterrupted hot run: run of 1 → **New**, run of ≥ 2 →
       **Consecutive** (Esri's newer wording "at least two"; a run of one is New);
    4. otherwise (hot earlier, then a gap, now hot again; never cold) → **Sporadic**.

    Final step not significant:

    5. hot in ≥ m steps → **Historical Hot**; cold in ≥ m → **Historical Cold**;
    6. Sporadic when the final step is not hot: Esri's ArcGIS Pro text defines Sporadic as "a
       statistically significant hot spot for the final time-step interval with a history of
       also being an on-again and off-again hot spot", so by default (``sporadic_requires_final``)
       such a location is **No Pattern Detected**; with ``sporadic_requires_final=False``
       (ArcMap 10.x wording, which did not mention the final step) a location with hot bins,
       no cold bin and < m hot steps is **Sporadic Hot** (mirror for cold).
    7. otherwise **No Pattern Detected**.

    The final step's state decides the side: a location cold at the final step gets a cold
    category even if it was hot in ≥ 90 % of the steps (Oscillating Cold, not Historical Hot).

    Returns
    -------
    ndarray of int8, shape (n,)
        Esri CATEGORY codes (see :data:`CATEGORIES`).
    """
    hot = np.asarray(hot, dtype=bool)
    cold = np.asarray(cold, dtype=bool)
    if hot.shape != cold.shape or hot.ndim != 2:
        raise ValidationError(f"classify: hot {hot.shape} and cold {cold.shape} must be (T, n)")
    if (hot & cold).any():
        raise ValidationError("classify: a bin cannot be both hot and cold")
    t_steps = hot.shape[0]
    if t_steps < 2:
        raise ValidationError(f"classify: needs at least 2 time steps, got {t_steps}")
    m90 = max(1, ninety_percent_count(t_steps, ninety_percent_rule))
    sig_trend = np.asarray(trend_p) <= alpha_trend
    up = sig_trend & (np.asarray(trend_z) > 0)
    down = sig_trend & (np.asarray(trend_z) < 0)
    code = np.zeros(hot.shape[1], dtype=np.int8)
    for sign, mine, other, rising, falling in ((1, hot, cold, up, down),
                                               (-1, cold, hot, down, up)):
        n_mine = mine.sum(axis=0)
        final = mine[-1]
        back = mine[::-1]  # trailing run length: steps before the last one not "mine"
        run = np.where(back.all(axis=0), t_steps, np.argmin(back, axis=0))
        earlier = (n_mine - run) > 0
        other_ever = other.any(axis=0)
        many = n_mine >= m90
        side = np.select(
            [many & rising, many & falling, many, other_ever, ~earlier & (run == 1), ~earlier],
            [3, 5, 4, 7, 1, 2],
            default=6,
        )
        code = np.where(final, sign * side, code).astype(np.int8)
        quiet = ~hot[-1] & ~cold[-1]
        code = np.where(quiet & many, sign * 8, code).astype(np.int8)
        if not sporadic_requires_final:
            lone = quiet & ~many & (n_mine > 0) & ~other_ever
            code = np.where(lone & (code == 0), sign * 6, code).astype(np.int8)
    return code


def category_labels(codes: np.ndarray, *, language: str = "en") -> np.ndarray:
    """Category names for codes, in English (Esri's PATTERN names) or Portuguese."""
    if language not in _TEXTS:
        raise ValidationError(f"language={language!r}: expected one of {tuple(_TEXTS)}")
    lookup = {c.code: (c.name if language == "en" else c.name_pt) for c in CATEGORIES}
    labels = pd.Series(np.asarray(codes, dtype=np.int64)).map(lookup)
    if labels.isna().any():
        bad = sorted(set(np.asarray(codes)[labels.isna().to_numpy()].tolist()))
        raise ValidationError(f"category_labels: unknown category codes {bad}")
    return labels.to_numpy(dtype=object)


_TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "week": ("week", "weeks", " including the last", ", not in the last"),
        "month": ("month", "months", " including the last", ", not in the last"),
        "hot": "hot", "cold": "cold", "in": "in", "of": "of", "and": "and",
        "none": {"week": "not significant in any of the", "month": "not significant in any of the"},
        "rising": "rising trend", "falling": "falling trend", "flat": "no significant trend",
        "decimal": ".",
    },
    "pt": {
        "week": ("semana", "semanas", ", incluindo a última", ", mas não na última"),
        "month": ("mês", "meses", ", incluindo o último", ", mas não no último"),
        "hot": "quente", "cold": "frio", "in": "em", "of": "de", "and": "e",
        "none": {"week": "não significativo em nenhuma das",
                 "month": "não significativo em nenhum dos"},
        "rising": "tendência de alta", "falling": "tendência de queda",
        "flat": "sem tendência significativa", "decimal": ",",
    },
}


def explain(
    codes: np.ndarray,
    n_hot: np.ndarray,
    n_cold: np.ndarray,
    final_bin: np.ndarray,
    trend_z: np.ndarray,
    trend_p: np.ndarray,
    *,
    n_steps: int,
    step: str,
    alpha_trend: float,
    language: str = "en",
) -> np.ndarray:
    """One plain sentence per segment, e.g. 'hot in 47 of 52 weeks including the last; rising
    trend, p = 0.010 → Intensifying Hot Spot' (pt: 'quente em 47 de 52 semanas, incluindo a
    última; tendência de alta, p = 0,010 → Ponto quente em intensificação').

    ``final_bin`` > 0 / < 0 marks a significant hot / cold final step. Built with vectorised
    string operations (no loop over segments). p-values show three decimals ('p < 0.001').
    """
    if language not in _TEXTS:
        raise ValidationError(f"language={language!r}: expected one of {tuple(_TEXTS)}")
    if step not in ("week", "month"):
        raise ValidationError(f"step={step!r}: expected 'week' or 'month'")
    codes = np.asarray(codes)
    n_hot = np.asarray(n_hot)
    n_cold = np.asarray(n_cold)
    fin = np.sign(np.asarray(final_bin))
    trend_z = np.asarray(trend_z, dtype=float)
    p = np.asarray(trend_p, dtype=float)
    if len(codes) == 0:
        return np.empty(0, dtype=object)
    # a sentence depends on these only: write each distinct one once (segments share most)
    sig = p <= alpha_trend
    parts = [codes.astype(np.int64), n_hot.astype(np.int64), n_cold.astype(np.int64),
             fin.astype(np.int64), sig.astype(np.int64),
             (sig & (trend_z > 0)).astype(np.int64) - (sig & (trend_z < 0)),
             np.where(p < 0.0005, -1, _thousandths(p))]
    parts = [part - part.min() for part in parts]
    radix = [int(part.max()) + 1 for part in parts]
    if np.prod(np.array(radix, dtype=float)) < 2.0**62:  # one integer per combination
        key = np.zeros(len(codes), dtype=np.int64)
        for part, size in zip(parts, radix):
            key = key * size + part
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    else:  # pragma: no cover - absurd counts or p-values
        _, first, inverse = np.unique(np.stack(parts, axis=1), axis=0, return_index=True,
                                      return_inverse=True)
    texts = _sentences(codes[first], n_hot[first], n_cold[first], fin[first], trend_z[first],
                       p[first], n_steps=n_steps, step=step, alpha_trend=alpha_trend,
                       language=language)
    return texts[inverse.ravel()]


def _thousandths(p: np.ndarray) -> np.ndarray:
    return np.clip(np.round(p * 1000), 0, 1000).astype(np.int64)


def _sentences(codes, n_hot, n_cold, fin, trend_z, p, *, n_steps, step, alpha_trend,
               language) -> np.ndarray:
    """:func:`explain` of every segment given (no check)."""
    tx = _TEXTS[language]
    unit, units, incl, notin = tx[step]
    total = f" {tx['of']} {n_steps} {units if n_steps != 1 else unit}"
    hot_s = pd.Series(n_hot).astype(str)
    cold_s = pd.Series(n_cold).astype(str)
    hot_part = tx["hot"] + f" {tx['in']} " + hot_s
    cold_part = tx["cold"] + f" {tx['in']} " + cold_s
    lead_hot = hot_part + total + incl + np.where(n_cold > 0, ", " + cold_part, "")
    lead_cold = cold_part + total + incl + np.where(n_hot > 0, ", " + hot_part, "")
    both = hot_part + f" {tx['and']} " + cold_part + total + notin
    only_hot = hot_part + total + notin
    only_cold = cold_part + total + notin
    none = f"{tx['none'][step]} {n_steps} {units}"
    lead = np.select(
        [fin > 0, fin < 0, (n_hot > 0) & (n_cold > 0), n_hot > 0, n_cold > 0],
        [lead_hot, lead_cold, both, only_hot, only_cold],
        default=none,
    )
    sig = p <= alpha_trend
    direction = np.where(sig & (trend_z > 0), tx["rising"],
                         np.where(sig & (trend_z < 0), tx["falling"], tx["flat"]))
    thousandths = pd.Series(_thousandths(p))
    p_txt = np.where(
        thousandths >= 1000, "p = 1" + tx["decimal"] + "000",
        "p = 0" + tx["decimal"] + thousandths.astype(str).str.zfill(3),
    )
    p_txt = np.where(p < 0.0005, "p < 0" + tx["decimal"] + "001", p_txt)
    trend_txt = np.where(sig, direction + ", " + p_txt, direction + " (" + p_txt + ")")
    names = category_labels(codes, language=language)
    return (pd.Series(lead, dtype=object) + "; " + pd.Series(trend_txt, dtype=object) + " → "
            + pd.Series(names, dtype=object)).to_numpy(dtype=object)
