"""Whether a run's segments can carry hot-spot statistics, as data a bulletin can print."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["MIN_SEGMENTS", "READINESS_TEXT", "StatisticsReadiness", "statistics_readiness"]

#: fewer segments than this and Gi*/local Moran are not computed (their normal and permutation
#: inference is unreliable below ~30 features; ArcGIS's Optimized Hot Spot uses the same floor)
MIN_SEGMENTS = 30

#: what the bulletin prints when the statistics are skipped, per language
READINESS_TEXT = {
    "en": {
        "too_few_segments": "Hot-spot statistics not computed: only {n} street segments "
                            "(at least {min} are needed). Analyse a larger area.",
        "no_incidents": "Hot-spot statistics not computed: no incident on any of the {n} "
                        "street segments in this period.",
        "missing_values": "Hot-spot statistics not computed: {bad} of {n} segments have no "
                          "value of {variable}.",
        "constant": "Hot-spot statistics not computed: every segment has the same "
                    "{variable} ({value:g}), so there is no pattern to test.",
    },
    "pt-BR": {
        "too_few_segments": "Estatísticas de pontos quentes não calculadas: só {n} segmentos "
                            "de rua (são necessários pelo menos {min}). Analise uma área maior.",
        "no_incidents": "Estatísticas de pontos quentes não calculadas: nenhuma ocorrência "
                        "em nenhum dos {n} segmentos de rua neste período.",
        "missing_values": "Estatísticas de pontos quentes não calculadas: {bad} de {n} "
                          "segmentos não têm valor de {variable}.",
        "constant": "Estatísticas de pontos quentes não calculadas: todos os segmentos têm o "
                    "mesmo {variable} ({value:g}); não há padrão a testar.",
    },
}


@dataclass(frozen=True)
class StatisticsReadiness:
    """``ok`` or the ``reason`` (a key of :data:`READINESS_TEXT`) with the numbers behind it."""

    ok: bool
    reason: str | None
    n_segments: int
    min_segments: int
    n_incidents: int | None
    variable: str
    messages: dict[str, str] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        """The sentence for the bulletin ('' when the statistics can run)."""
        return self.messages.get(lang, self.messages.get("en", ""))

    def as_dict(self) -> dict:
        """Plain values for the manifest and the bulletin template."""
        return {"ok": self.ok, "reason": self.reason, "n_segments": self.n_segments,
                "min_segments": self.min_segments, "n_incidents": self.n_incidents,
                "variable": self.variable, "messages": dict(self.messages)}


def statistics_readiness(
    segments: pd.DataFrame,
    *,
    variable: str = "rate_per_100m",
    count_column: str = "count",
    min_segments: int = MIN_SEGMENTS,
) -> StatisticsReadiness:
    """Can Gi* and local Moran run on ``segments[variable]``? The checks, in order:

    at least ``min_segments`` segments; at least one incident (``count_column``, when present);
    no missing value of ``variable``; ``variable`` not constant. The first that fails is the
    ``reason``, with a sentence per language in ``messages``.

    Parameters
    ----------
    segments : DataFrame
        The run's segments table (one row per segment) with ``variable`` (and the counts).
    variable : str
        The column Gi*/local Moran run on (rates per 100 m by default).
    count_column : str
        Incident counts per segment, for the "no incident" check (skipped if absent).
    min_segments : int
        Fewest segments for the statistics.
    """
    n = len(segments)
    incidents = (int(segments[count_column].sum()) if count_column in segments.columns
                 else None)
    values = (pd.to_numeric(segments[variable], errors="coerce").to_numpy(dtype=float)
              if variable in segments.columns else np.full(n, np.nan))
    reason, fields = None, {}
    if n < min_segments:
        reason = "too_few_segments"
    elif incidents == 0:
        reason = "no_incidents"
    elif not np.isfinite(values).all():
        reason = "missing_values"
        fields["bad"] = int((~np.isfinite(values)).sum())
    elif np.ptp(values) == 0:
        reason = "constant"
        fields["value"] = float(values[0])  # type: ignore[assignment]
    messages = {}
    if reason:
        messages = {lang: texts[reason].format(n=n, min=min_segments, variable=variable,
                                               **fields)
                    for lang, texts in READINESS_TEXT.items()}
    return StatisticsReadiness(ok=reason is None, reason=reason, n_segments=n,
                               min_segments=min_segments, n_incidents=incidents,
                               variable=variable, messages=messages)
