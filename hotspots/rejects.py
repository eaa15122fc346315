"""The rejects table: every incident that cannot be used, with a reason code and a detail.

A reject row holds the incident id, the source row, the stage, the reason and its detail,
then the fields needed to fix the record: the columns ingest kept (the analysis roles — time,
category, coordinates, address, bairro — and ``[columns] keep``; every other column of the
file was never read, and text values were masked for CPF, phone, e-mail and plate numbers).
A column whose name looks personal is never copied (a second lock).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots.i18n.rejects import MESSAGES as _REASON_TEXTS

__all__ = ["REASONS", "REJECT_COLUMNS", "RejectCollector", "concat_rejects", "make_rejects",
           "summarize"]

#: reason code -> plain-language meaning in English (shown in summaries and the report); the
#: Portuguese texts are beside them in the message catalogue (hotspots/i18n/rejects.py)
REASONS: dict[str, str] = {code: pair[0] for code, pair in _REASON_TEXTS.items()}

REJECT_COLUMNS = ["incident_id", "source_row", "stage", "reason", "detail"]


def make_rejects(
    original: pd.DataFrame,
    mask: np.ndarray | pd.Series,
    *,
    reason: str,
    detail: str | pd.Series | np.ndarray,
    stage: str,
) -> pd.DataFrame:
    """Reject rows of ``original`` selected by ``mask`` with one reason (and per-row details).

    ``original`` must carry ``source_row``; ``incident_id`` is taken from the column or the index.
    All original fields are kept (as text) after the standard columns.
    """
    if reason not in REASONS:
        raise KeyError(f"unknown reject reason {reason!r}")
    mask = np.asarray(mask, dtype=bool)
    sub = original.loc[mask]
    if isinstance(detail, pd.Series):
        detail = detail.to_numpy()[mask] if len(detail) == len(original) else detail.to_numpy()
    elif isinstance(detail, np.ndarray):
        detail = detail[mask] if len(detail) == len(original) else detail
    ids = sub["incident_id"] if "incident_id" in sub.columns else sub.index.to_series()
    out = pd.DataFrame(
        {
            "incident_id": ids.astype("string").to_numpy(),
            "source_row": sub["source_row"].to_numpy(),
            "stage": stage,
            "reason": reason,
            "detail": detail,
        }
    )
    from hotspots.disclosure.personal import is_personal_column

    extra = [
        c for c in sub.columns
        if c not in REJECT_COLUMNS and c != "geometry" and not str(c).startswith("_")
        and not is_personal_column(c)
    ]
    for col in extra:
        out[col] = sub[col].astype("string").to_numpy()
    return out


class RejectCollector:
    """Rejects of one stage over one frame: the first reason given to a row wins.

    ``taken`` marks the rows rejected so far; ``extend`` adds reject tables built elsewhere
    (e.g. by the address geocoder); ``table()`` is the concatenated rejects.
    """

    def __init__(self, frame: pd.DataFrame, *, stage: str):
        self.frame = frame
        self.stage = stage
        self.taken = np.zeros(len(frame), dtype=bool)
        self._parts: list[pd.DataFrame] = []

    def reject(self, mask, reason: str, detail) -> None:
        """Reject the rows of ``mask`` not yet rejected, with ``reason`` and ``detail``."""
        mask = np.asarray(mask, dtype=bool) & ~self.taken
        if mask.any():
            self._parts.append(make_rejects(self.frame, mask, reason=reason, detail=detail,
                                            stage=self.stage))
            self.taken[mask] = True

    def extend(self, table: pd.DataFrame) -> None:
        """Add a reject table made elsewhere for rows of this frame."""
        self._parts.append(table)

    def table(self) -> pd.DataFrame:
        """All rejects collected, sorted by source row."""
        return concat_rejects(self._parts)


def concat_rejects(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate reject tables (any may be empty), sorted by source row."""
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="string" if c != "source_row" else "int64")
                             for c in REJECT_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["source_row", "stage"], kind="stable").reset_index(drop=True)


def summarize(rejects: pd.DataFrame) -> dict[str, int]:
    """Count of rejects per reason, most common first."""
    if len(rejects) == 0:
        return {}
    return {str(k): int(v) for k, v in rejects["reason"].value_counts().items()}
