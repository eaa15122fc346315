"""Class breaks fixed for a city, so that two weeks' maps compare: from the config or a long window.

Rates per 100 m and weekly counts are classed by breaks that do not move with each week's data:
the city's own (``[outputs] rate_breaks`` / ``count_breaks``) or, when unset, breaks derived once
from a long window of weekly data (``class_breaks_weeks``, 52 by default): every segment's
incidents per 100 m in each week of the window, their positive values cut at quintiles and
rounded to two significant digits. The run records the breaks and where they came from in its
manifest (``class_breaks``), so they can be copied into the config to freeze them for good.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots.symbology.classes import nice_number

__all__ = ["ClassBreaks", "class_breaks", "quantile_breaks"]


@dataclass(frozen=True)
class ClassBreaks:
    """Breaks between the classes of rates per 100 m and lower bounds of weekly-count classes."""

    rate_per_100m: tuple[float, ...]
    weekly_counts: tuple[int, ...]
    #: where they come from, in words: {"en": ..., "pt": ...}
    source: dict

    def as_dict(self) -> dict:
        """The manifest's ``class_breaks`` entry."""
        return {"rate_per_100m": {"breaks": list(self.rate_per_100m), "source": self.source},
                "weekly_counts": {"lower_bounds": list(self.weekly_counts),
                                  "source": self.source}}


def quantile_breaks(values, *, n: int = 5) -> tuple[float, ...]:
    """``n − 1`` rounded breaks at the quantiles of the positive values (fewer when they tie)."""
    vals = np.asarray(pd.to_numeric(pd.Series(np.ravel(values)), errors="coerce"), dtype=float)
    pos = vals[np.isfinite(vals) & (vals > 0)]
    if pos.size == 0:
        return ()
    qs = np.quantile(pos, np.linspace(0, 1, n + 1)[1:-1])
    breaks = sorted({nice_number(float(q)) for q in qs})
    return tuple(b for b in breaks if 0 < b < float(pos.max()))


#: lower bounds of weekly-count classes are taken from this ladder (a count of 1 is its own
#: class; the steps widen as counts grow, as people read them)
COUNT_LADDER = (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144)


def _count_lower_bounds(values, *, n: int = 5) -> tuple[int, ...]:
    """Lower bounds of at most ``n`` classes of whole counts: the ladder's steps up to the 99th
    percentile of the positive counts, spread over the ladder when there are more than ``n``."""
    vals = np.asarray(values, dtype=float)
    pos = np.floor(vals[np.isfinite(vals) & (vals >= 1)])
    if pos.size == 0:
        return (1,)
    top = float(np.quantile(pos, 0.99))
    steps = [b for b in COUNT_LADDER if b <= max(top, 1.0)]
    if len(steps) > n:
        pick = np.unique(np.linspace(0, len(steps) - 1, n).round().astype(int))
        steps = [steps[i] for i in pick]
    return tuple(int(b) for b in steps)


def class_breaks(incidents: pd.DataFrame, lengths_m: pd.Series, *, end: pd.Timestamp | None,
                 weeks: int, timezone: str, rate_breaks: tuple[float, ...] = (),
                 count_breaks: tuple[int, ...] = (), week_labels=None) -> ClassBreaks:
    """The class breaks of a run.

    Parameters
    ----------
    incidents : DataFrame
        Every geocoded incident (``segment_id``, ``occurred_at``).
    lengths_m : Series
        Segment lengths in metres, indexed by segment_id.
    end : Timestamp or None
        The end of the long window (the end of the analysed week); None: the last incident.
    weeks : int
        Length of the long window in weeks.
    timezone : str
        The city's time zone (ISO weeks are local).
    rate_breaks, count_breaks : tuple
        The config's breaks; used as they are when given.
    week_labels : callable, optional
        Maps the incident times to ISO week labels (``hotspots.aggregate.iso_week``).

    Returns
    -------
    ClassBreaks
    """
    if rate_breaks and count_breaks:
        return ClassBreaks(tuple(float(b) for b in rate_breaks),
                           tuple(int(b) for b in count_breaks),
                           {"en": "from the config", "pt": "da configuração"})
    times = pd.Series(incidents["occurred_at"]).dt.tz_convert(timezone)
    stop = times.max() if end is None else pd.Timestamp(end).tz_convert(timezone)
    start = stop - pd.Timedelta(weeks=weeks)
    keep = ((times >= start) & (times < stop + pd.Timedelta(microseconds=1))).to_numpy()
    sub = incidents.loc[keep]
    if week_labels is None:
        from hotspots.aggregate import iso_week as week_labels
    labels = np.asarray(week_labels(times[keep]))
    seg_codes, segs = pd.factorize(sub["segment_id"].to_numpy())
    week_codes, week_names = pd.factorize(labels)
    n_weeks = len(week_names)
    counts = np.bincount(seg_codes * max(n_weeks, 1) + week_codes,
                         minlength=len(segs) * n_weeks).reshape(len(segs), n_weeks)
    length = lengths_m.reindex(segs).to_numpy(dtype=float)
    rates = counts.astype(float) * 100.0 / np.where(length > 0, length, np.nan)[:, None]
    derived_rate = quantile_breaks(rates)
    derived_count = _count_lower_bounds(counts)
    first = str(min(labels)) if len(labels) else "–"
    last = str(max(labels)) if len(labels) else "–"
    source = {"en": f"derived from {n_weeks} weeks of data, {first} to {last}",
              "pt": f"derivados de {n_weeks} semanas de dados, {first} a {last}"}
    if rate_breaks or count_breaks:
        source = {"en": source["en"] + " (the rest from the config)",
                  "pt": source["pt"] + " (o restante da configuração)"}
    return ClassBreaks(tuple(float(b) for b in rate_breaks) or derived_rate,
                       tuple(int(b) for b in count_breaks) or derived_count, source)
