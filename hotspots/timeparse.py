"""Parsing incident timestamps into timezone-aware datetimes, with the format detected or given."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from hotspots._errors import ValidationError

__all__ = ["CANDIDATE_FORMATS", "ParsedTimes", "check_timezone", "parse_times"]

#: formats tried, in order, when none is given (Brazilian day-first before US month-first)
CANDIDATE_FORMATS = (
    "ISO8601",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %Hh%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d/%m/%y %H:%M",
)


@dataclass(frozen=True)
class ParsedTimes:
    """Timestamps parsed from one column: values (tz-aware), which rows failed, and the format."""

    values: pd.Series
    missing: np.ndarray
    unparseable: np.ndarray
    format_used: str | None


def check_timezone(timezone: str) -> ZoneInfo:
    """Return the zone or raise a ValidationError naming a valid example."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValidationError(
            f"timezone {timezone!r} is not an IANA time zone; use e.g. 'America/Sao_Paulo'"
        ) from exc


def parse_times(
    text: pd.Series,
    *,
    time_format: str | None = None,
    timezone: str = "America/Sao_Paulo",
    source: str = "",
    column: str = "",
) -> ParsedTimes:
    """Parse a column of timestamps; naive ones are local time in ``timezone``.

    With ``time_format`` (strftime codes or 'ISO8601') only that format is used; otherwise the
    candidate format that parses the most rows wins. Ambiguous local times (the repeated hour
    when daylight saving ends, as in Brazil until 2019) take standard time; non-existent ones
    (the skipped hour) move forward.
    """
    zone = check_timezone(timezone)
    if not isinstance(text, pd.Series):
        text = pd.Series(text)
    if pd.api.types.is_datetime64_any_dtype(text.dtype):
        values = text
        missing = values.isna().to_numpy()
        unparseable = np.zeros(len(values), dtype=bool)
        fmt = "native datetime"
    else:
        clean = text.astype("string").fillna("").str.strip()
        missing = (clean == "").to_numpy()
        formats = [time_format] if time_format else list(CANDIDATE_FORMATS)
        best, best_ok, fmt = None, -1, None
        for cand in formats:
            parsed = _try_format(clean, cand)
            ok = int(parsed.notna().sum())
            if ok > best_ok:
                best, best_ok, fmt = parsed, ok, cand
            if ok == int((~missing).sum()):
                break
        values = best
        unparseable = (values.isna().to_numpy()) & ~missing  # type: ignore[union-attr]
        if time_format and best_ok == 0 and (~missing).any():
            first = clean[~missing].iloc[0]
            raise ValidationError(
                f"{source}: no value of column {column!r} matches time_format={time_format!r} "
                f"(first value: {first!r}). Fix the format (strftime codes, e.g. "
                "'%d/%m/%Y %H:%M') or leave it unset to detect it."
            )
    values = pd.Series(values.to_numpy(), index=text.index)
    if getattr(values.dt, "tz", None) is None:
        values = values.dt.tz_localize(zone, ambiguous=False, nonexistent="shift_forward")
    else:
        values = values.dt.tz_convert(zone)
    return ParsedTimes(values=values, missing=missing, unparseable=unparseable, format_used=fmt)


def _try_format(clean: pd.Series, fmt: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if fmt == "ISO8601":
                parsed = pd.to_datetime(clean.replace("", None), format="ISO8601", errors="coerce",
                                        utc=False)
            else:
                parsed = pd.to_datetime(clean.replace("", None), format=fmt, errors="coerce")
        except (ValueError, TypeError):
            # mixed offsets in ISO strings: parse as UTC
            parsed = pd.to_datetime(clean.replace("", None), format=fmt, errors="coerce", utc=True)
    if getattr(parsed.dt, "tz", None) is not None and fmt != "ISO8601":
        parsed = parsed.dt.tz_convert("UTC")
    return parsed
