"""Quality summary of an address-geocoding run: rates, scores, reviews, ranges, precision."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MESSAGES", "MIN_RELIABLE_RATE", "geocoding_qa"]

#: Ratcliffe (2004): below this match rate hot-spot maps from geocoded data are unreliable
MIN_RELIABLE_RATE = 0.85

#: user-facing texts of the QA, one dict per language (the lead moves them to the catalogue)
MESSAGES = {
    "en": {
        "ratcliffe": ("address match rate {rate:.1%} is under {minimum:.0%} (Ratcliffe's minimum "
                      "reliable geocoding rate): hot spots may be biased"),
        "review": "{n} placements ({share:.1%}) need a human look (match_review)",
        "invalid_ranges": "{n} of {sides} house-number range sides of the reference are invalid "
                          "(0 ends, mixed parity, reversed, swallowing other blocks)",
    },
    "pt": {
        "ratcliffe": ("taxa de geocodificação de endereços {rate:.1%} abaixo de {minimum:.0%} "
                      "(mínimo confiável segundo Ratcliffe): os hot spots podem estar enviesados"),
        "review": "{n} localizações ({share:.1%}) precisam de conferência humana (match_review)",
        "invalid_ranges": "{n} de {sides} lados de faixas de numeração da base são inválidos "
                          "(extremo 0, paridade mista, invertidos, engolindo outras quadras)",
    },
}


def _counts(values) -> dict[str, int]:
    """Value counts, most common first (ties by value), as plain Python types."""
    values = np.asarray(values, dtype=object)
    if not len(values):
        return {}
    uniq, n = np.unique(values.astype(str), return_counts=True)
    order = np.lexsort((uniq, -n))
    return {str(uniq[i]): int(n[i]) for i in order}


def geocoding_qa(*, method: np.ndarray, status: np.ndarray, score: np.ndarray,
                 reason: np.ndarray, placed: np.ndarray, street_text: np.ndarray,
                 review: np.ndarray | None = None, name_kind: np.ndarray | None = None,
                 reference: dict | None = None, top: int = 10, language: str = "en") -> dict:
    """Match rate overall and by method, scores, reviews, common unmatched streets, warnings.

    One entry per address row: ``placed`` (bool), its ``method``/``status``/``score`` when
    placed, its reject ``reason`` otherwise, the standardised ``street_text``, the ``review``
    reasons ("" none) and ``name_kind`` (exact/alt/short/fuzzy/corner). ``reference`` is the
    prepared reference's QA (range checks, precision estimate), copied in. ``warnings`` lists
    the texts in ``language`` ("en" or "pt"); ``warning`` is the Ratcliffe one (or None).
    """
    n = len(placed)
    ok = np.asarray(placed, bool)
    rate = float(ok.mean()) if n else float("nan")
    scores = np.asarray(score, float)[ok]
    qs = {f"p{int(q * 100)}": round(float(np.quantile(scores, q)), 1)
          for q in (0.05, 0.25, 0.5, 0.75, 0.95)} if ok.any() else {}
    bins = np.histogram(np.clip(scores, 0, 100), bins=[0, 85, 90, 95, 99.99, 100.01])[0]
    street_text = np.asarray(street_text, dtype=object)
    unmatched = dict(list(_counts(street_text[~ok & (street_text != "")]).items())[:top])
    review = np.full(n, "", dtype=object) if review is None else np.asarray(review, object)
    flagged = ok & (review != "")
    reasons = _counts([w for r in review[flagged] for w in r.split(", ")])
    kinds = _counts(np.asarray(name_kind, object)[ok]) if name_kind is not None else {}
    by_method = _counts(np.asarray(method, object)[ok])
    qa: dict[str, Any] = {
        "addresses": n,
        "matched": int(ok.sum()),
        "match_rate": round(rate, 4) if n else None,
        "by_method": by_method,
        "rate_by_method": {k: round(v / n, 4) for k, v in by_method.items()} if n else {},
        "by_status": _counts(np.asarray(status, object)[ok]),
        "by_name_match": {k: v for k, v in kinds.items() if k},
        "rejected_by_reason": _counts(np.asarray(reason, object)[~ok]),
        "review": int(flagged.sum()),
        "review_by_reason": reasons,
        "score_quantiles": qs,
        "score_histogram": dict(zip(["<85", "85-90", "90-95", "95-100", "100"],
                                    map(int, bins))),
        "top_unmatched_streets": unmatched,
        "reference": reference,
        "warning": None,
        "warnings": [],
    }
    lang = language if language in MESSAGES else "en"
    if n and rate < MIN_RELIABLE_RATE:
        qa["warning"] = MESSAGES[lang]["ratcliffe"].format(rate=rate, minimum=MIN_RELIABLE_RATE)
        qa["warnings"].append(qa["warning"])
    if flagged.any():
        qa["warnings"].append(MESSAGES[lang]["review"].format(
            n=int(flagged.sum()), share=float(flagged.sum()) / max(int(ok.sum()), 1)))
    sides = (reference or {}).get("range_sides") or {}
    if sides.get("invalid"):
        qa["warnings"].append(MESSAGES[lang]["invalid_ranges"].format(
            n=sides["invalid"], sides=sides["sides"]))
    return qa
