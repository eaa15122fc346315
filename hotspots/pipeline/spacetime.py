"""The space-time steps: emerging hot spots of the weeks up to the analysed one, and near
repeats (after an incident, where and for how long the next one is likely)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from hotspots._errors import ValidationError
from hotspots.config import EmergingSettings, NearRepeatSettings
from hotspots.stats.emerging import MIN_STEPS, EmergingResult, became, emerging_hot_spots

if TYPE_CHECKING:  # pragma: no cover - the near-repeat modules load with their step
    import geopandas as gpd

    from hotspots.stats.near_repeat import NearRepeatResult
    from hotspots.stats.near_repeat_zones import RiskZones

__all__ = ["Emerging", "NearRepeat", "complete_steps", "emerging_step", "near_repeat_step"]


@dataclass(frozen=True)
class Emerging:
    """Emerging hot spots at the end of the analysed week, and one step earlier."""

    result: EmergingResult | None
    previous: EmergingResult | None
    summary: dict = field(default_factory=dict)

    @property
    def columns(self) -> pd.DataFrame | None:
        """The per-segment emerging columns (None when the analysis was skipped)."""
        return None if self.result is None else self.result.frame


def complete_steps(data_start: pd.Timestamp, end: pd.Timestamp, *, step: str) -> int:
    """Number of complete time steps (ISO weeks or months) between the start of the data and
    ``end``: a step that began before the first incident is not a step without incidents,
    it is outside the data."""
    tz = end.tz
    start = data_start.tz_convert(tz)
    if step == "week":
        monday = (start.normalize() - pd.Timedelta(days=start.weekday()))
        first = monday if monday == start else monday + pd.Timedelta(days=7)
        return max(0, int((end.normalize() - first).days // 7)) if end >= first else 0
    first = start.normalize().replace(day=1)
    if first != start:
        first = (first + pd.offsets.MonthBegin(1)).normalize()
    last = end.normalize().replace(day=1)
    if last > end:
        last = (last - pd.offsets.MonthBegin(1)).normalize()
    months = (last.year - first.year) * 12 + (last.month - first.month)
    return max(0, months)


def emerging_step(incidents: pd.DataFrame, segments: pd.DataFrame, *, weights,
                  end: pd.Timestamp, data_start: pd.Timestamp | None,
                  settings: EmergingSettings) -> Emerging:
    """Emerging Hot Spot Analysis of every geocoded incident up to ``end`` (exclusive), on the
    run's segment weights, and the same one step earlier (to tell what *became* new or
    intensifying this week).

    The cube holds at most ``settings.n_steps`` complete steps and never reaches before the
    first incident; with fewer than 10 complete steps the analysis is skipped with the reason.
    """
    if weights is None:
        return Emerging(None, None, {"skipped": "the hot-spot statistics did not run, so there "
                                                "are no segment weights"})
    if data_start is None:
        return Emerging(None, None, {"skipped": "no geocoded incident"})
    available = complete_steps(data_start, end, step=settings.time_step)
    n = min(settings.n_steps, available)
    if n < MIN_STEPS:
        return Emerging(None, None, {
            "skipped": f"only {available} complete {settings.time_step}s of data before the "
                       f"end of the analysis; emerging hot spots need at least {MIN_STEPS}"})
    run = dataclasses.replace(settings, n_steps=n)
    try:
        res = emerging_hot_spots(incidents, segments, weights, end=end, settings=run)
    except ValidationError as exc:
        return Emerging(None, None, {"skipped": str(exc)})
    prev = None
    step_back = (pd.Timedelta(days=7) if settings.time_step == "week"
                 else pd.offsets.MonthBegin(-1))
    prev_n = min(settings.n_steps, available - 1)
    if prev_n >= MIN_STEPS:
        try:
            prev = emerging_hot_spots(incidents, segments, weights, end=end - step_back,
                                      settings=dataclasses.replace(settings, n_steps=prev_n),
                                      explain_texts=False)
        except ValidationError:
            prev = None
    summary: dict = {
        "steps": n, "time_step": settings.time_step,
        "first_step": str(res.cube.steps["label"].iloc[0]),
        "last_step": str(res.cube.steps["label"].iloc[-1]),
        "categories": res.counts(),
        "sensitivity": {str(a): {k: int(v) for k, v in res.sensitivity[a].items()}
                        for a in res.sensitivity.columns},
        "parameters": res.parameters,
    }
    if prev is not None:
        cur, before = res.frame["emerging_category"], prev.frame["emerging_category"]
        summary["became_new"] = [int(i) for i in became(cur, before,
                                                        categories=("New Hot Spot",))]
        summary["became_intensifying"] = [int(i) for i in became(
            cur, before, categories=("Intensifying Hot Spot",))]
    return Emerging(res, prev, summary)


@dataclass(frozen=True)
class NearRepeat:
    """The Knox table of the recent incidents and the risk zones active after the week."""

    result: NearRepeatResult | None
    zones: RiskZones | None
    released: gpd.GeoDataFrame | None  #: the zones a liaison may receive (k or more incidents)
    summary: dict = field(default_factory=dict)


def near_repeat_step(incidents: pd.DataFrame, segments, *, end: pd.Timestamp | None,
                     settings: NearRepeatSettings, k: int,
                     permutations: int | None = None) -> NearRepeat:
    """Near-repeat (Knox) analysis of the ``settings.weeks`` weeks before ``end`` and the
    segments at raised risk on the analysed week's last day; the liaison release keeps only
    zones reached by ``k`` or more incidents (no date, count or distance of fewer).
    ``permutations`` overrides ``settings.permutations`` (the weekly run uses
    ``settings.weekly_permutations``)."""
    from hotspots.stats.near_repeat import near_repeat
    from hotspots.stats.near_repeat_zones import release_risk_zones, risk_zones

    if end is None:
        return NearRepeat(None, None, None, {"skipped": "no finished week with incidents"})
    start = end - pd.Timedelta(weeks=settings.weeks)
    times = incidents["occurred_at"]
    recent = incidents[(times >= start) & (times < end)]
    if len(recent) < 10:
        return NearRepeat(None, None, None, {
            "skipped": f"only {len(recent)} incidents in the {settings.weeks} weeks before "
                       f"{end:%Y-%m-%d}; the Knox table needs at least 10"})
    if permutations is not None:
        settings = dataclasses.replace(settings, permutations=int(permutations))
    try:
        result = near_repeat(recent, segments=segments, settings=settings)
    except ValidationError as exc:
        return NearRepeat(None, None, None, {"skipped": str(exc)})
    as_of = (end - pd.Timedelta(days=1)).date()
    zones = risk_zones(result, recent, segments, as_of=as_of, settings=settings)
    released = release_risk_zones(zones, k=k)
    zone = result.zone
    summary = {
        "incidents": len(recent), "from": start.date().isoformat(),
        "to": (end - pd.Timedelta(days=1)).date().isoformat(),
        "text": dict(result.summary),
        "zone": {"found": bool(zone.found), "distance_m": float(zone.distance_m),
                 "days": float(zone.days), "knox_ratio": float(zone.knox_ratio)},
        "risk_segments": len(zones.segments),
        "released_segments": len(released),
        "parameters": result.parameters,
    }
    return NearRepeat(result, zones, released, summary)
