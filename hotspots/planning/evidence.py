"""The evidence of a plan: incidents in the planning window, night by sunset/sunrise, harm weights."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError, problems_message
from hotspots.config.planning import PlanningSettings
from hotspots.overlays import night as night_mod

__all__ = ["DAYS_PER_YEAR", "Evidence", "EvidenceWindow", "evidence", "poisson_interval"]

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class EvidenceWindow:
    """The period whose incidents count as evidence, and how much of it the data cover."""

    start: dt.date  #: first day of the window (local dates)
    end: dt.date  #: last day of the window (the as-of date, inclusive)
    weeks: int  #: weeks asked for (``evidence_weeks``)
    data_start: dt.date | None  #: first day with any incident in the input (None: no incident)
    covered_start: dt.date  #: max(start, data_start): the first day the evidence really covers
    covered_days: int  #: days from covered_start to end, inclusive

    @property
    def covered_weeks(self) -> float:
        """Weeks the data really cover inside the window."""
        return self.covered_days / 7.0

    @property
    def per_year(self) -> float:
        """Factor turning a count in the window into a count per year."""
        return DAYS_PER_YEAR / max(self.covered_days, 1)

    @property
    def short(self) -> bool:
        """True when the data start after the window's first day."""
        return self.covered_start > self.start


@dataclass(frozen=True)
class Evidence:
    """Incidents of the window with their night flag and harm weight (``frame``)."""

    frame: pd.DataFrame  #: index incident_id: segment_id, position_m, category, night, weight
    window: EvidenceWindow
    latitude: float  #: where sunset/sunrise were computed
    longitude: float
    counts: dict  #: incidents read, in the window, at night, without time/segment/position


def _centre_lonlat(segments: gpd.GeoDataFrame) -> tuple[float, float]:
    minx, miny, maxx, maxy = segments.total_bounds
    centre = gpd.GeoSeries([shapely.Point((minx + maxx) / 2, (miny + maxy) / 2)],
                           crs=segments.crs).to_crs(crs_mod.WGS84).iloc[0]
    return float(centre.x), float(centre.y)


def _as_date(value, tz) -> dt.date:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(tz)
    return stamp.date()


def evidence(
    incidents: pd.DataFrame,
    segments: gpd.GeoDataFrame,
    *,
    as_of: dt.date | str | pd.Timestamp | None,
    settings: PlanningSettings,
) -> Evidence:
    """Incidents of the planning window (``evidence_weeks`` ending on ``as_of``, inclusive).

    Parameters
    ----------
    incidents : DataFrame
        Geocoded incidents indexed by ``incident_id`` with ``occurred_at`` (tz-aware),
        ``category``, ``segment_id`` and ``position_m`` (metres along the segment).
    segments : GeoDataFrame
        Street segments in the analysis CRS (their centre gives the place of sunset/sunrise).
    as_of : date, optional
        Last day of the window in local time; None = the day of the latest incident.
    settings : PlanningSettings

    Returns
    -------
    Evidence
        ``frame`` holds the window's incidents (input index) with ``night`` (local sunset to
        sunrise, astral) and ``weight`` (harm weight of the category); ``counts`` says how many
        were read, fell outside the window, or lacked a time, a segment or a position.
    """
    missing = [c for c in ("occurred_at", "category", "segment_id", "position_m")
               if c not in incidents.columns]
    if missing:
        raise ValidationError(
            f"planning: the incidents table lacks {missing}; pass the geocoded incidents "
            "(index incident_id; occurred_at, category, segment_id, position_m)")
    when = incidents["occurred_at"]
    if not isinstance(when.dtype, pd.DatetimeTZDtype):
        raise ValidationError("planning: incidents.occurred_at must be timezone-aware timestamps "
                              "(read them with hotspots.ingest.read_incidents)")
    tz = when.dt.tz
    has_time = when.notna()
    local_day = when.dt.tz_convert(tz).dt.date
    data_start = min(local_day[has_time]) if has_time.any() else None
    if as_of is None:
        if data_start is None:
            raise ValidationError("planning: no incident has a time and as_of was not given; "
                                  "give as_of (the last day of the evidence window)")
        end = max(local_day[has_time])
    else:
        try:
            end = _as_date(as_of, tz)
        except (ValueError, TypeError) as exc:
            raise ValidationError(f"planning: as_of={as_of!r} is not a date (write 2026-11-22)"
                                  ) from exc
    start = end - dt.timedelta(days=7 * settings.evidence_weeks - 1)
    covered = max(start, data_start) if data_start is not None and data_start <= end else start
    window = EvidenceWindow(start=start, end=end, weeks=int(settings.evidence_weeks),
                            data_start=data_start, covered_start=covered,
                            covered_days=(end - covered).days + 1)
    day = local_day.where(has_time)
    inside = has_time & (day >= start) & (day <= end)
    lon, lat = _centre_lonlat(segments)
    frame = incidents.loc[inside, ["segment_id", "position_m", "category"]].copy()
    night = night_mod.is_night(when[inside], latitude=lat, longitude=lon)
    frame["night"] = night.fillna(False).to_numpy(dtype=bool)
    cats = frame["category"].astype("string").fillna("")
    table = {c: settings.weight_of(c) for c in cats.unique()}
    frame["weight"] = cats.map(table).astype(float).to_numpy()
    problems = []
    known = frame["segment_id"].isin(segments.index) | frame["segment_id"].isna()
    if not known.all():
        bad = frame.index[~known][:5].tolist()
        problems.append(f"{int((~known).sum())} incidents carry a segment_id that is not in the "
                        f"segments table (incident_id {bad}); geocode with the same segments")
    pos = pd.to_numeric(frame["position_m"], errors="coerce")
    if (pos < 0).any():
        problems.append(f"{int((pos < 0).sum())} incidents have a negative position_m")
    if problems:
        raise ValidationError(problems_message("planning: the incidents do not match the "
                                               "segments", problems))
    frame["position_m"] = pos
    counts = {
        "read": len(incidents),
        "without_time": int((~has_time).sum()),
        "before_window": int((has_time & (day < start)).sum()),
        "after_window": int((has_time & (day > end)).sum()),
        "in_window": int(inside.sum()),
        "night": int(frame["night"].sum()),
        "without_segment": int(frame["segment_id"].isna().sum()),
        "night_without_position": int((frame["night"] & frame["segment_id"].notna()
                                       & pos.isna()).sum()),
    }
    return Evidence(frame=frame, window=window, latitude=lat, longitude=lon, counts=counts)


def poisson_interval(counts, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) two-sided interval of a Poisson mean for each observed count.

    Lower = χ²(α/2; 2k)/2 (0 for k = 0), upper = χ²(1 − α/2; 2k + 2)/2, α = 1 − confidence.
    """
    k = np.asarray(counts, dtype=float)
    alpha = 1.0 - confidence
    lower = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(k, 1e-300)) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return lower, upper
