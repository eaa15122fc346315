"""The run's steps around the statistics: geocode, the analysis week, counts, week-over-week, evaluation.

Each step takes its inputs as arguments and returns a frozen result; none reads a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from hotspots import aggregate, geocode
from hotspots import weekly as weekly_mod
from hotspots._errors import ValidationError
from hotspots.config import RunConfig
from hotspots.evaluation import concentration_curve, evaluate_hot_spots
from hotspots.ingest import IncidentsRead
from hotspots.rejects import concat_rejects, make_rejects, summarize, timestamp_text

__all__ = [
    "Comparison", "Counts", "Evaluation", "Geocoded", "compare_weeks", "count_incidents",
    "evaluate", "geocode_step", "select_week",
]


# --- geocode ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Geocoded:
    """Incidents placed on segments, and every record rejected so far (ingest + geocode)."""

    incidents: gpd.GeoDataFrame
    rejects: pd.DataFrame
    rows_read: int
    counts: dict[str, int]
    qa: dict | None
    segments: int
    crs: str

    def summary(self) -> dict:
        """The accounting of every record read (used + rejected = read)."""
        used, n_rej = len(self.incidents), len(self.rejects)
        with_xy = self.counts.get("with_coordinates", 0)
        out = {
            "rows_read": self.rows_read,
            "used": used,
            "rejected": n_rej,
            "rejected_by_reason": summarize(self.rejects),
            "accounted": used + n_rej == self.rows_read,
            "snap_rate": self.counts.get("by_coordinate", 0) / with_xy if with_xy else None,
            "segments": self.segments,
            "crs": self.crs,
        }
        if self.qa:
            out["geocoding_qa"] = self.qa
            out["geocode_rate"] = self.qa["match_rate"]
        return out


def reject_future(read: IncidentsRead, *, now: pd.Timestamp, tolerance_h: float) -> IncidentsRead:
    """Move incidents dated after ``now`` + ``tolerance_h`` hours to the rejects (``future_time``).

    A record dated in the future is a typing error (2062 for 2026) or a clock problem; it must
    not decide which week is "latest" nor be counted in any week.
    """
    inc = read.incidents
    times = inc["occurred_at"]
    limit = now + pd.Timedelta(hours=tolerance_h)
    future = (times > limit).fillna(False).to_numpy(dtype=bool)
    if not future.any():
        return read
    frame = inc.drop(columns=[c for c in ("geometry", "has_coordinates") if c in inc.columns])
    frame = pd.DataFrame(frame).reset_index()
    dated = times[future]
    text = timestamp_text(dated, sep="T") if isinstance(dated.dtype, pd.DatetimeTZDtype) else None
    if text is None:
        text = dated.map(lambda t: t.isoformat()).to_numpy(object)
    detail = "dated " + text + f", after the run time {now:%Y-%m-%d %H:%M} + {tolerance_h:g} h"
    rej = make_rejects(frame, future, reason="future_time", detail=detail, stage="ingest")
    from dataclasses import replace

    return replace(read, incidents=inc.loc[~future], rejects=concat_rejects([read.rejects, rej]))


def geocode_step(read: IncidentsRead, segments: gpd.GeoDataFrame, *,
                 boundary: gpd.GeoDataFrame | None, address_points: gpd.GeoDataFrame | None,
                 config: RunConfig) -> Geocoded:
    """Snap coordinates and match addresses onto the segments; collect every reject.

    Raises :class:`hotspots.geocode.UnusableIncidentsError` (with every reject) when the file
    cannot be right: most rows latitude/longitude swapped, or no row placed at all.
    """
    has_address_only = bool((~read.incidents["has_coordinates"]).any())
    geo = geocode.geocode_incidents(
        read.incidents, segments, max_distance_m=config.geocoding.max_distance_m,
        boundary=boundary,
        address_geocoder=_address_geocoder(config, address_points) if has_address_only else None,
    )
    geocode.check_usable(geo, ingest_rejects=read.rejects, columns=read.columns)
    counts = {**geo.counts, "with_coordinates": int(read.incidents["has_coordinates"].sum())}
    return Geocoded(
        incidents=geo.geocoded, rejects=concat_rejects([read.rejects, geo.rejects]),
        rows_read=read.rows_read, counts=counts, qa=geo.qa, segments=len(segments),
        crs=segments.crs.to_string(),
    )


def _address_geocoder(config: RunConfig, points: gpd.GeoDataFrame | None):
    from hotspots.address import AddressGeocoder

    return AddressGeocoder(address_points=points, settings=config.geocoding,
                           language=config.parameters.language)


# --- the analysis week ------------------------------------------------------------------------


def select_week(incidents: gpd.GeoDataFrame, week: str, *, config: RunConfig,
                now: pd.Timestamp, data_start: pd.Timestamp | None) -> weekly_mod.WeekWindow:
    """Resolve ``week`` ('2026-W47' or 'latest') and split the incidents by it.

    The history window never reaches before the week in which the data start
    (``data_start``): weeks outside the data are not weeks with zero incidents.
    """
    tz = config.parameters.timezone
    wk = weekly_mod.resolve_week(week, incidents["occurred_at"], timezone=tz, now=now)
    first = weekly_mod.week_of(data_start, timezone=tz) if data_start is not None else None
    win = weekly_mod.select_window(incidents, wk, weeks_history=config.weekly.weeks_history,
                                   first_week=first)
    if len(win.this_week) == 0:
        times = incidents["occurred_at"].dropna()
        span = (f"{aggregate.iso_week(times).min()} … {aggregate.iso_week(times).max()}"
                if len(times) else "none")
        raise ValidationError(
            f"no geocoded incident falls in week {wk.label} "
            f"({weekly_mod.date_range_text(wk, 'en')}, {tz}); the incidents read cover weeks "
            f"{span}. Fix: choose a week with data (--week) or check the incident export and "
            "its timezone."
        )
    return win


def week_summary(win: weekly_mod.WeekWindow) -> dict:
    """The analysis week's dates and how many incidents fell in, before and after it."""
    wk = win.week
    return {
        "week": wk.label,
        "week_start": wk.start.isoformat(),
        "week_end": wk.end.isoformat(),
        "week_dates": {"first": wk.start.date().isoformat(),
                       "last": (wk.end - pd.Timedelta(days=1)).date().isoformat()},
        "weeks_window": list(win.weeks),
        "incidents_week": len(win.this_week),
        "incidents_window": len(win.window),
        "incidents_before_window": win.before_window,
        "incidents_after_week": win.after_week,
    }


# --- counts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Incidents per segment (zeros included), by category and week; concentration."""

    segments: gpd.GeoDataFrame  #: street_name, length_m, geometry, count, rate_per_100m
    by_category: pd.DataFrame
    by_week: pd.DataFrame
    concentration: dict
    top_segments: list[dict]


def count_incidents(incidents: pd.DataFrame, segments: gpd.GeoDataFrame) -> Counts:
    """Counts per segment, by category and by week; crime concentration; the top segments."""
    seg = aggregate.segment_counts(incidents, segments)
    top = seg.sort_values(["count", "rate_per_100m"], ascending=False).head(10)
    return Counts(
        segments=seg,
        by_category=aggregate.counts_by(incidents, segments, by="category"),
        by_week=aggregate.counts_by(incidents, segments, by="week"),
        concentration=aggregate.concentration(seg["count"]),
        top_segments=[
            {"segment_id": int(i), "street_name": r.street_name, "count": int(r["count"]),
             "rate_per_100m": round(float(r.rate_per_100m), 2),
             "length_m": round(float(r.length_m), 1)}
            for i, r in top.iterrows()
        ],
    )


# --- week over week ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """This week against the previous one and the weeks before (weekly runs)."""

    columns: pd.DataFrame  #: per segment: count_prev, change_prev, mean_hist, ..., hot_status
    weekly_counts: pd.DataFrame  #: segment × week counts (segments with ≥ 1 incident)
    weekly_totals: pd.DataFrame  #: week, incidents
    summary: dict = field(default_factory=dict)


def compare_weeks(win: weekly_mod.WeekWindow, segments: pd.DataFrame, *,
                  gi_bin: pd.Series | None, gi_previous, hot_top_share: float) -> Comparison:
    """Counts (and Gi* bins) of the week against the previous week and the last N weeks.

    ``gi_previous`` computes the previous week's Gi* bins from its counts with the same
    settings as this week's (or is None when Gi* did not run).
    """
    matrix = weekly_mod.window_matrix(win, segments.index)
    gi_prev = gi_previous(matrix.iloc[:, -2]) if (gi_bin is not None and gi_previous) else None
    cmp = weekly_mod.compare_weeks(matrix, gi_bin=gi_bin, gi_bin_prev=gi_prev,
                                   top_share=hot_top_share)
    frame = cmp.frame.drop(columns=["count_week"])
    if gi_prev is not None:
        frame["gi_bin_prev"] = gi_prev.reindex(frame.index).astype("int64")
    wide = matrix.copy()
    wide.columns = [c.replace("-", "_") for c in wide.columns]
    status = frame["hot_status"].value_counts()
    summary = {
        "hot_rule": cmp.hot_rule,
        "incidents_week": int(cmp.totals.iloc[-1]),
        "incidents_prev": int(cmp.totals.iloc[-2]),
        "incidents_hist_mean": round(float(cmp.totals.iloc[:-1].mean()), 3),
        "weekly_totals": {k: int(v) for k, v in cmp.totals.items()},
        **{f"hot_{k.replace(' ', '_')}": int(status.get(k, 0))
           for k in weekly_mod.STATUS_ORDER},
    }
    return Comparison(
        columns=frame,
        weekly_counts=wide[matrix.sum(axis=1).to_numpy() > 0],
        weekly_totals=pd.DataFrame({"week": list(cmp.totals.index),
                                    "incidents": cmp.totals.to_numpy()}),
        summary=summary,
    )


# --- evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """Crime concentration against Weisburd's law, and last week's hot spots on this week."""

    concentration: dict
    curve: pd.DataFrame
    hot_spots: dict | None  #: hit rate, PAI, RRI of last week's hot segments (weekly runs)


def evaluate(segments: gpd.GeoDataFrame, *, comparison: Comparison | None,
             win: weekly_mod.WeekWindow | None, study_area, buffer_m: float) -> Evaluation:
    """Concentration of the analysed incidents; hit rate, PAI and RRI of last week's hot ones."""
    conc = concentration_curve(segments["count"])
    ev = None
    if comparison is not None and win is not None:
        cols = comparison.columns
        result = evaluate_hot_spots(
            cols["hot_prev"], segments["count"], lengths_m=segments["length_m"],
            counts_before=cols["count_prev"], geometry=segments.geometry,
            study_area=study_area, buffer_m=buffer_m,
        )
        ev = {"flagged_week": win.weeks[-2], "evaluated_week": win.weeks[-1],
              "hot_rule": comparison.summary.get("hot_rule"), **result.to_dict()}
    return Evaluation(concentration=conc.to_dict(), curve=conc.curve, hot_spots=ev)


def data_start(incidents: pd.DataFrame) -> pd.Timestamp | None:
    """The first instant of the data (the earliest incident), None without incidents."""
    times = incidents["occurred_at"].dropna()
    return None if times.empty else times.min()


def no_previous_week(win: weekly_mod.WeekWindow) -> str | None:
    """Why the week cannot be compared with a previous one (None when it can)."""
    if len(win.weeks) >= 2:
        return None
    return (f"no previous week: {win.week.label} is the first week of the data, so there is "
            "nothing to compare it with")
