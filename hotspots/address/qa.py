"""Quality summary of an address-geocoding run (match rates, scores, unmatched streets)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Ratcliffe (2004): below this match rate hot-spot maps from geocoded data are unreliable
MIN_RELIABLE_RATE = 0.85


def geocoding_qa(*, method: np.ndarray, status: np.ndarray, score: np.ndarray,
                 reason: np.ndarray, placed: np.ndarray, street_text: np.ndarray,
                 top: int = 10) -> dict:
    """Match rate overall and by method, score quantiles, common unmatched streets, a warning.

    One entry per address row: ``placed`` (bool), its ``method``/``status``/``score`` when
    placed, its reject ``reason`` otherwise, and the standardised ``street_text``.
    """
    n = len(placed)
    ok = np.asarray(placed, bool)
    rate = float(ok.mean()) if n else float("nan")
    scores = np.asarray(score, float)[ok]
    qs = {f"p{int(q * 100)}": round(float(np.quantile(scores, q)), 1)
          for q in (0.05, 0.25, 0.5, 0.75, 0.95)} if ok.any() else {}
    bins = np.histogram(np.clip(scores, 0, 100), bins=[0, 85, 90, 95, 99.99, 100.01])[0]
    unmatched = pd.Series(street_text[~ok & (street_text != "")]).value_counts().head(top)
    qa = {
        "addresses": n,
        "matched": int(ok.sum()),
        "match_rate": round(rate, 4) if n else None,
        "by_method": {str(k): int(v) for k, v in pd.Series(method[ok]).value_counts().items()},
        "rate_by_method": {str(k): round(v / n, 4) for k, v in
                           pd.Series(method[ok]).value_counts().items()} if n else {},
        "by_status": {str(k): int(v) for k, v in pd.Series(status[ok]).value_counts().items()},
        "rejected_by_reason": {str(k): int(v) for k, v in
                               pd.Series(reason[~ok]).value_counts().items()},
        "score_quantiles": qs,
        "score_histogram": dict(zip(["<85", "85-90", "90-95", "95-100", "100"],
                                    map(int, bins))),
        "top_unmatched_streets": {str(k): int(v) for k, v in unmatched.items()},
        "warning": None,
    }
    if n and rate < MIN_RELIABLE_RATE:
        qa["warning"] = (f"address match rate {rate:.1%} is under {MIN_RELIABLE_RATE:.0%} "
                         "(Ratcliffe's minimum reliable geocoding rate): hot spots may be biased")
    return qa
