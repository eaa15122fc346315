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
           "summarize", "timestamp_text"]

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
        values = sub[col]
        text = (timestamp_text(values) if isinstance(values.dtype, pd.DatetimeTZDtype)
                else None)
        out[col] = values.astype("string").to_numpy() if text is None else text
    return out


def timestamp_text(values: pd.Series, *, sep: str = " ") -> np.ndarray | None:
    """The text of each zoned timestamp as :meth:`pandas.Timestamp.isoformat` writes it
    (``'2026-12-01 12:10:00-03:00'``; ``pd.NA`` for NaT), made for the whole column at once.

    Parameters
    ----------
    values : Series
        Timestamps with a time zone (``datetime64[unit, tz]``).
    sep : str
        Between the date and the time (``' '`` as ``astype('string')`` writes it, ``'T'``).

    Returns
    -------
    ndarray of object or None
        The texts; None when a timestamp has a fraction of a second or a year outside
        1000–9999 (the caller formats those one by one).
    """
    local = values.dt.tz_localize(None).to_numpy()
    utc = values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    nat = np.isnat(local)
    seconds = local.astype("datetime64[s]")
    years = seconds[~nat].astype("datetime64[Y]").astype(np.int64) + 1970
    if (seconds[~nat] != local[~nat]).any() or (years < 1000).any() or (years > 9999).any():
        return None
    offsets = (local - utc)[~nat] // np.timedelta64(1, "s")
    out = np.full(len(local), pd.NA, dtype=object)
    if (~nat).any():
        text = np.char.replace(np.datetime_as_string(seconds[~nat], unit="s"), "T", sep)
        kinds, which = np.unique(offsets, return_inverse=True)
        suffix = np.array([_offset_text(int(k)) for k in kinds])[which]
        out[~nat] = np.char.add(text, suffix).astype(object)
    return out


def _offset_text(seconds: int) -> str:
    """``-03:00`` (``-03:06:28``), as ``datetime.isoformat`` writes a UTC offset."""
    from datetime import datetime, timedelta
    from datetime import timezone as fixed

    return datetime(2000, 1, 1, tzinfo=fixed(timedelta(seconds=seconds))).isoformat()[19:]


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
