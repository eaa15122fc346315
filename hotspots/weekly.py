"""The analysis week: ISO week selection, the incident window, and week-over-week change of hot segments."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots._errors import ValidationError
from hotspots.aggregate import iso_week

__all__ = [
    "HOT_BIN", "STATUS_ORDER", "TOP_SHARE", "Week", "WeekComparison", "WeekWindow",
    "change_status", "compare_weeks", "date_range_text", "history_weeks", "hot_segments",
    "parse_week", "resolve_week", "select_window", "week_columns", "week_of", "window_matrix"
]

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_WEEK_COLUMN = re.compile(r"^(\d{4})[-_]?W(\d{1,2})$", re.IGNORECASE)

#: share of segments flagged "hot" by count when no Gi* bins are available (see hot_segments)
TOP_SHARE = 0.05
#: Gi* bin that makes a segment "hot": 95 % confidence or more (ArcGIS Gi_Bin 2 and 3)
HOT_BIN = 2
STATUS_ORDER = ("new", "persistent", "cooling", "not hot")


@dataclass(frozen=True)
class Week:
    """One ISO week: label 'YYYY-Www' and its local start (Monday 00:00) and end (next Monday)."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp

    def shift(self, weeks: int) -> Week:
        """The week ``weeks`` weeks later (negative: earlier), in the same time zone."""
        return week_of(self.start + pd.Timedelta(days=7 * weeks + 3), timezone=str(self.start.tz))


def parse_week(text: str, *, timezone: str) -> Week:
    """Parse '2026-W47' (also '2026W47', '2026-w7') into a :class:`Week` in ``timezone``."""
    match = _WEEK_RE.match(str(text).strip())
    if not match:
        raise ValidationError(
            f"week {text!r} is not an ISO week. Fix: write it as YYYY-Www, e.g. --week 2026-W47, "
            "or use --week latest."
        )
    year, number = int(match.group(1)), int(match.group(2))
    try:
        monday = pd.Timestamp.fromisocalendar(year, number, 1)
    except ValueError as exc:
        raise ValidationError(
            f"week {text!r} does not exist: ISO year {year} has no week {number} "
            "(weeks run from 1 to 52 or 53)."
        ) from exc
    return _week_from_monday(monday, timezone)


def week_of(when: pd.Timestamp, *, timezone: str) -> Week:
    """The ISO week holding the instant ``when`` (local calendar of ``timezone``)."""
    ts = pd.Timestamp(when)
    ts = ts.tz_localize(timezone) if ts.tzinfo is None else ts.tz_convert(timezone)
    year, number, _ = ts.isocalendar()
    return _week_from_monday(pd.Timestamp.fromisocalendar(year, number, 1), timezone)


def _week_from_monday(monday: pd.Timestamp, timezone: str) -> Week:
    start = monday.tz_localize(timezone)
    end = (monday + pd.Timedelta(days=7)).tz_localize(timezone)
    year, number, _ = monday.isocalendar()
    return Week(label=f"{year}-W{number:02d}", start=start, end=end)


def resolve_week(
    week: str | None,
    occurred_at: pd.Series,
    *,
    timezone: str,
    now: pd.Timestamp | None = None,
) -> Week:
    """The week to analyse: an explicit ISO week, or ``'latest'``.

    ``latest`` is the last *finished* week (ended at ``now``, default the current time) that
    holds at least one incident: a Monday run reports the week that just ended, not the few
    hours of the new one, and an incident dated in the future cannot move it (future-dated
    records are rejected before this, see ``future_time``).
    """
    if week is not None and str(week).strip().lower() != "latest":
        return parse_week(week, timezone=timezone)
    now = pd.Timestamp.now(tz=timezone) if now is None else pd.Timestamp(now)
    if now.tzinfo is None:
        now = now.tz_localize(timezone)
    times = pd.Series(occurred_at).dropna()
    current = week_of(now, timezone=timezone)
    finished = times[times < current.start]
    if finished.empty:
        what = ("no incident has a usable date" if times.empty else
                f"every incident is in the current week {current.label}, which has not ended")
        raise ValidationError(f"--week latest: {what}, so there is no finished week to "
                              "analyse. Fix: pass --week YYYY-Www or check the time column.")
    return week_of(finished.max(), timezone=timezone)


def date_range_text(week: Week, language: str = "en") -> str:
    """The week's first and last day, inclusive: '2026-11-16 – 2026-11-22' (en) or
    '16/11/2026 – 22/11/2026' (pt)."""
    last = week.end - pd.Timedelta(days=1)
    fmt = "%d/%m/%Y" if str(language).lower().startswith("pt") else "%Y-%m-%d"
    return f"{week.start:{fmt}} – {last:{fmt}}"


def history_weeks(week: Week, *, weeks_history: int) -> list[Week]:
    """The ``weeks_history`` weeks before ``week`` then ``week`` itself, oldest first."""
    if weeks_history < 1:
        raise ValidationError(f"weeks_history must be ≥ 1 (the previous week is compared); "
                              f"got {weeks_history}")
    return [week.shift(-k) for k in range(weeks_history, -1, -1)]


@dataclass(frozen=True)
class WeekWindow:
    """Incidents split by the analysis week: the week itself and the history window."""

    week: Week
    weeks: tuple[str, ...]  #: labels of the window, oldest first, the analysis week last
    this_week: pd.DataFrame  #: incidents of the analysis week
    window: pd.DataFrame  #: incidents of the whole window, with a ``week`` column
    before_window: int  #: incidents older than the window (not analysed)
    after_week: int  #: incidents after the analysis week (not analysed)


def select_window(
    incidents: pd.DataFrame,
    week: Week,
    *,
    weeks_history: int = 8,
    time_column: str = "occurred_at",
    first_week: Week | None = None,
) -> WeekWindow:
    """Split incidents into the analysis week and its history window (never mutates the input).

    The window is ``[week − weeks_history, week]`` by local ISO week, starting no earlier than
    ``first_week`` (the week the data start: weeks before it are not weeks without incidents,
    they are outside the data); incidents outside it are counted, not dropped silently (they
    belong to other weeks' runs).
    """
    if time_column not in incidents.columns:
        raise ValidationError(f"incidents have no {time_column!r} column (run ingest first)")
    weeks = history_weeks(week, weeks_history=weeks_history)
    if first_week is not None:
        weeks = [w for w in weeks if w.start >= first_week.start] or [week]
    times = incidents[time_column]
    start, end = weeks[0].start, week.end
    in_window = ((times >= start) & (times < end)).to_numpy()
    window = incidents.loc[in_window].copy()
    window["week"] = iso_week(window[time_column].dt.tz_convert(str(week.start.tz)))
    this = incidents.loc[((times >= week.start) & (times < week.end)).to_numpy()].copy()
    return WeekWindow(
        week=week,
        weeks=tuple(w.label for w in weeks),
        this_week=this,
        window=window,
        before_window=int((times < start).sum()),
        after_week=int((times >= end).sum()),
    )


def window_matrix(window: WeekWindow, segment_ids: pd.Index) -> pd.DataFrame:
    """Segment × week count matrix of the window (every segment and every week, zeros filled)."""
    inc = window.window
    weeks = list(window.weeks)
    counts = np.zeros((len(segment_ids), len(weeks)), dtype=np.int64)
    if len(inc):
        rows = segment_ids.get_indexer(inc["segment_id"].to_numpy())
        cols = pd.Index(weeks).get_indexer(inc["week"].to_numpy())
        ok = (rows >= 0) & (cols >= 0)  # incidents on other segments or weeks are not drawn
        np.add.at(counts, (rows[ok], cols[ok]), 1)
    out = pd.DataFrame(counts, index=segment_ids.copy(), columns=pd.Index(weeks, name="week"))
    out.index.name = segment_ids.name or "segment_id"
    return out


def hot_segments(
    counts: pd.Series,
    *,
    gi_bin: pd.Series | None = None,
    top_share: float = TOP_SHARE,
) -> pd.Series:
    """Boolean "hot" flag per segment.

    With Gi* bins: hot = ``gi_bin ≥ 2`` (hot spot at 95 % or 99 % confidence). Without them:
    the top ``top_share`` (5 %) of segments by count, ``ceil(top_share × n)`` segments, ties at
    the cut broken by segment order (stable sort); segments with zero incidents are never hot.
    """
    if gi_bin is not None:
        return (gi_bin.reindex(counts.index).fillna(0) >= HOT_BIN).rename("hot")
    k = int(np.ceil(top_share * len(counts)))
    order = np.argsort(-counts.to_numpy(dtype=float), kind="stable")[:k]
    hot = np.zeros(len(counts), dtype=bool)
    hot[order] = True
    hot &= counts.to_numpy() > 0
    return pd.Series(hot, index=counts.index, name="hot")


def change_status(hot_now: pd.Series, hot_before: pd.Series) -> pd.Series:
    """'new' (hot now, not before), 'persistent' (both), 'cooling' (before only) or 'not hot'."""
    before = hot_before.reindex(hot_now.index).fillna(False).astype(bool).to_numpy()
    now = hot_now.astype(bool).to_numpy()
    status = np.select([now & ~before, now & before, ~now & before],
                       ["new", "persistent", "cooling"], default="not hot")
    return pd.Series(status, index=hot_now.index, name="hot_status")


@dataclass(frozen=True)
class WeekComparison:
    """Per-segment week-over-week table and the weekly totals of the window."""

    frame: pd.DataFrame  #: index segment_id; counts, changes, hot flags, hot_status, hot_weeks
    totals: pd.Series  #: incidents per week of the window, oldest first
    hot_rule: str  #: how "hot" was decided (Gi* bins or top share by count)


def compare_weeks(
    matrix: pd.DataFrame,
    *,
    gi_bin: pd.Series | None = None,
    gi_bin_prev: pd.Series | None = None,
    top_share: float = TOP_SHARE,
) -> WeekComparison:
    """This week (last column of ``matrix``) vs the previous week and the mean of the earlier weeks.

    Columns: ``count_week``, ``count_prev``, ``change_prev`` (this − previous),
    ``mean_hist`` (mean of the weeks before this one), ``change_hist`` (this − mean),
    ``hot``/``hot_prev`` (see :func:`hot_segments`), ``hot_status`` (new / persistent / cooling /
    not hot), ``hot_weeks`` (weeks of the window in which the segment was in the top share by
    count). Gi* bins are used for ``hot`` and ``hot_prev`` only when both are given, so that both
    weeks are judged by the same rule.
    """
    if matrix.shape[1] < 2:
        raise ValidationError("week comparison needs at least two weeks in the window")
    this, prev = matrix.iloc[:, -1], matrix.iloc[:, -2]
    hist = matrix.iloc[:, :-1]
    use_gi = gi_bin is not None and gi_bin_prev is not None
    hot = hot_segments(this, gi_bin=gi_bin if use_gi else None, top_share=top_share)
    hot_prev = hot_segments(prev, gi_bin=gi_bin_prev if use_gi else None, top_share=top_share)
    hot_weeks = sum(hot_segments(matrix[c], top_share=top_share).astype(np.int64)
                    for c in matrix.columns)
    frame = pd.DataFrame({
        "count_week": this.astype(np.int64),
        "count_prev": prev.astype(np.int64),
        "change_prev": (this - prev).astype(np.int64),
        "mean_hist": hist.mean(axis=1).round(6),
        "change_hist": (this - hist.mean(axis=1)).round(6),
        "hot": hot.to_numpy(),
        "hot_prev": hot_prev.to_numpy(),
        "hot_weeks": np.asarray(hot_weeks, dtype=np.int64),
    }, index=matrix.index)
    frame["hot_status"] = change_status(frame["hot"], frame["hot_prev"])
    rule = ("Gi* bin ≥ 2 (hot spot, 95 % confidence or more)" if use_gi
            else f"top {top_share:.0%} of segments by count (no Gi* bins available)")
    return WeekComparison(frame=frame, totals=matrix.sum(axis=0).astype(np.int64), hot_rule=rule)


def week_columns(frame: pd.DataFrame) -> dict[str, str]:
    """{column: ISO week label 'YYYY-Www'} for the columns of ``frame`` that name a week
    ('2026_W41' as the weekly run writes them, or '2026-W41'), oldest first."""
    found = {}
    for col in frame.columns:
        m = _WEEK_COLUMN.match(str(col))
        if m:
            found[col] = f"{m.group(1)}-W{int(m.group(2)):02d}"
    return dict(sorted(found.items(), key=lambda kv: kv[1]))
