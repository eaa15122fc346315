"""Space-time cube of street segments × calendar time steps (ISO week or month), END_TIME aligned."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspots._errors import ValidationError, problems_message

__all__ = ["STEPS", "VARIABLES", "PartialStep", "SpaceTimeCube", "space_time_cube", "step_bounds"]

#: time steps a cube can use
STEPS = ("week", "month")
#: analysis variables a cube can carry
VARIABLES = ("count", "rate_per_100m")
#: what happens to an incomplete final step
PARTIAL_HANDLING = ("drop", "flag")


@dataclass(frozen=True)
class PartialStep:
    """The incomplete step holding ``end`` (from its start to ``end``); never analysed.

    ``fraction`` is the share of the step's duration that had elapsed at ``end``; ``counts``
    (per segment, aligned to the cube's ``segment_ids``) is kept only when the cube was built
    with ``partial_step="flag"`` (None when dropped).
    """

    label: str
    start: pd.Timestamp
    end: pd.Timestamp
    step_end: pd.Timestamp
    fraction: float
    incidents: int
    counts: np.ndarray | None


@dataclass(frozen=True)
class SpaceTimeCube:
    """Incidents per segment and complete time step, zeros included.

    ``counts`` and ``values`` have shape (T, n): row t is time step t (oldest first), column i
    is segment ``segment_ids[i]``. ``values`` is the analysis variable (``count`` or
    ``rate_per_100m`` = count / length_m × 100). ``steps`` lists each step's ``label``
    ('2026-W47' or '2026-11'), local ``start`` (inclusive) and ``end`` (exclusive).
    Incidents outside the analysed steps are not lost: they are counted in
    ``incidents_before`` (before the first step), ``partial`` (in the incomplete step holding
    ``end``) and ``incidents_after`` (at or after ``end``).
    """

    segment_ids: pd.Index
    steps: pd.DataFrame
    counts: np.ndarray
    values: np.ndarray
    variable: str
    step: str
    end: pd.Timestamp
    lengths_m: np.ndarray | None
    incidents_in_window: int
    incidents_before: int
    incidents_after: int
    partial: PartialStep | None

    @property
    def n_steps(self) -> int:
        """Number of complete time steps analysed (T)."""
        return int(self.counts.shape[0])

    def summary(self) -> dict:
        """Plain-number description for a run manifest."""
        return {
            "step": self.step,
            "n_steps": self.n_steps,
            "first_step": str(self.steps["label"].iloc[0]),
            "last_step": str(self.steps["label"].iloc[-1]),
            "window_start": self.steps["start"].iloc[0].isoformat(),
            "window_end": self.steps["end"].iloc[-1].isoformat(),
            "end": self.end.isoformat(),
            "variable": self.variable,
            "segments": len(self.segment_ids),
            "incidents_in_window": self.incidents_in_window,
            "incidents_before_window": self.incidents_before,
            "incidents_after_end": self.incidents_after,
            "partial_step": None if self.partial is None else self.partial.label,
            "incidents_in_partial_step": 0 if self.partial is None else self.partial.incidents,
        }


def space_time_cube(
    incidents: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    end: pd.Timestamp,
    step: str = "week",
    n_steps: int = 52,
    variable: str = "rate_per_100m",
    partial_step: str = "drop",
) -> SpaceTimeCube:
    """Count geocoded incidents per segment and time step, ending at ``end`` (END_TIME alignment).

    Time steps are calendar steps in the time zone of ``end``: ISO weeks (Monday 00:00 to the
    next Monday 00:00) or calendar months. The analysed window is the ``n_steps`` complete
    steps that end at the last step boundary at or before ``end``, so the final analysed step
    is always complete (ArcGIS's END_TIME alignment: the window is anchored on the end, any
    remainder is at the other side). When ``end`` falls inside a step, that step is partial: it
    is never analysed; ``partial_step="drop"`` records only how many incidents it held,
    ``"flag"`` also keeps its per-segment counts in ``cube.partial``.

    Parameters
    ----------
    incidents : DataFrame
        Geocoded incidents: ``segment_id`` and tz-aware ``occurred_at``; one row per incident.
    segments : DataFrame or GeoDataFrame
        Indexed by ``segment_id`` (unique); ``length_m`` (m, > 0) is needed for
        ``variable="rate_per_100m"``. Every segment gets a column, zeros included.
    end : pandas.Timestamp
        Tz-aware instant at which the analysis ends (exclusive), e.g. the Monday 00:00 after
        the week being reported. Its time zone defines the calendar.
    step : {"week", "month"}
        Length of a time step.
    n_steps : int
        Number of complete steps (≥ 1).
    variable : {"count", "rate_per_100m"}
        Analysis variable stored in ``values``.
    partial_step : {"drop", "flag"}
        What to keep of an incomplete final step (it is never analysed).

    Returns
    -------
    SpaceTimeCube
    """
    problems: list[str] = []
    end = _check_end(end, problems)
    if step not in STEPS:
        problems.append(f"step={step!r}: expected one of {STEPS}")
    if variable not in VARIABLES:
        problems.append(f"variable={variable!r}: expected one of {VARIABLES}")
    if partial_step not in PARTIAL_HANDLING:
        problems.append(f"partial_step={partial_step!r}: expected one of {PARTIAL_HANDLING}")
    if not isinstance(n_steps, int | np.integer) or isinstance(n_steps, bool) or n_steps < 1:
        problems.append(f"n_steps={n_steps!r}: expected a whole number ≥ 1")
    seg_index, lengths = _check_segments(segments, variable, problems)
    seg_pos, times = _check_incidents(incidents, seg_index, problems)
    if problems:
        raise ValidationError(
            problems_message("space_time_cube: cannot build the space-time cube:", problems)
        )
    bounds, labels, step_end = step_bounds(end, step=step, n_steps=int(n_steps))
    t_ns = pd.DatetimeIndex(times).as_unit("ns").asi8
    b_ns = np.array([b.value for b in bounds], dtype=np.int64)
    n = len(seg_index)
    t_steps = int(n_steps)
    idx = np.searchsorted(b_ns, t_ns, side="right") - 1
    inside = (idx >= 0) & (idx < t_steps)
    before = t_ns < b_ns[0]
    last_boundary = b_ns[-1]
    in_partial = (t_ns >= last_boundary) & (t_ns < end.value)
    after = t_ns >= end.value
    flat = idx[inside] * n + seg_pos[inside]
    counts = np.bincount(flat, minlength=t_steps * n).reshape(t_steps, n).astype(np.int64)
    if variable == "rate_per_100m":
        values = counts / lengths[None, :] * 100.0  # type: ignore[index]
    else:
        values = counts.astype(float)
    partial = None
    if end.value > last_boundary:
        step_start = bounds[-1]
        frac = (end.value - last_boundary) / (step_end.value - last_boundary)
        keep = None
        if partial_step == "flag":
            keep = np.bincount(seg_pos[in_partial], minlength=n).astype(np.int64)
        partial = PartialStep(
            label=_label(step_start, step), start=step_start, end=end, step_end=step_end,
            fraction=float(frac), incidents=int(in_partial.sum()), counts=keep,
        )
    steps = pd.DataFrame({"label": labels, "start": bounds[:-1], "end": bounds[1:]})
    return SpaceTimeCube(
        segment_ids=seg_index.copy(),
        steps=steps,
        counts=counts,
        values=values,
        variable=variable,
        step=step,
        end=end,
        lengths_m=lengths,
        incidents_in_window=int(inside.sum()),
        incidents_before=int(before.sum()),
        incidents_after=int(after.sum()),
        partial=partial,
    )


def step_bounds(
    end: pd.Timestamp, *, step: str, n_steps: int
) -> tuple[list[pd.Timestamp], list[str], pd.Timestamp]:
    """Boundaries of the ``n_steps`` complete steps ending at or before ``end``, their labels,
    and the end of the step holding ``end`` (equal to the last boundary when ``end`` is on one).

    Boundaries are local midnights (Monday for weeks, the 1st for months) in ``end``'s time
    zone; a midnight that does not exist (a daylight-saving jump at 00:00, as Brazil's until
    2019) moves forward to the first valid instant.
    """
    tz = end.tz
    local_naive = end.tz_convert(tz).tz_localize(None)
    if step == "week":
        floor = local_naive.normalize() - pd.Timedelta(days=local_naive.weekday())
        naive = [floor - pd.Timedelta(days=7 * j) for j in range(n_steps, -1, -1)]
        nxt = floor + pd.Timedelta(days=7)
    else:
        floor = local_naive.normalize().replace(day=1)
        naive = [floor - pd.DateOffset(months=j) for j in range(n_steps, -1, -1)]
        nxt = floor + pd.DateOffset(months=1)
    loc = pd.DatetimeIndex([*naive, nxt]).as_unit("ns").tz_localize(
        tz, ambiguous=np.ones(len(naive) + 1, dtype=bool), nonexistent="shift_forward"
    )
    bounds = list(loc[:-1])
    step_end = loc[-1] if end > bounds[-1] else bounds[-1]
    labels = [_label(b, step) for b in bounds[:-1]]
    return bounds, labels, step_end


def _plain(value: object) -> object:
    """A NumPy scalar as the Python value it holds (so messages show 2, not np.int64(2))."""
    return value.item() if isinstance(value, np.generic) else value


def _label(start: pd.Timestamp, step: str) -> str:
    if step == "week":
        year, week, _ = (start + pd.Timedelta(hours=12)).isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start.year}-{start.month:02d}"


def _check_end(end: object, problems: list[str]) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(end)
    except (TypeError, ValueError):
        problems.append(f"end={end!r}: expected a tz-aware timestamp, e.g. "
                        "pd.Timestamp('2026-11-23', tz='America/Sao_Paulo')")
        return pd.Timestamp("2000-01-03", tz="UTC")
    if ts is pd.NaT or pd.isna(ts):
        problems.append("end is missing (NaT); give the instant at which the analysis ends")
        return pd.Timestamp("2000-01-03", tz="UTC")
    if ts.tzinfo is None:
        problems.append(
            f"end={ts!s} has no time zone; give it the city's zone, e.g. "
            "pd.Timestamp('2026-11-23', tz='America/Sao_Paulo')"
        )
        return ts.tz_localize("UTC")
    return ts


def _check_segments(
    segments: pd.DataFrame, variable: str, problems: list[str]
) -> tuple[pd.Index, np.ndarray | None]:
    if not isinstance(segments, pd.DataFrame):
        problems.append(f"segments: expected a (Geo)DataFrame indexed by segment_id, got "
                        f"{type(segments).__name__}")
        return pd.Index([]), None
    index = pd.Index(segments.index)
    if len(index) == 0:
        problems.append("segments: the table is empty")
    if index.has_duplicates:
        problems.append(f"segments: duplicate segment ids in the index, e.g. "
                        f"{index[index.duplicated()][:3].tolist()}")
    lengths = None
    if "length_m" in segments.columns:
        lengths = pd.to_numeric(segments["length_m"], errors="coerce").to_numpy(dtype=float)
        bad = ~(np.isfinite(lengths) & (lengths > 0))
        if bad.any() and variable == "rate_per_100m":
            problems.append(
                f"segments.length_m: {int(bad.sum())} lengths are missing, zero or negative "
                f"(first segment_id {_plain(index[bad][0])!r}); a rate per 100 m needs a positive length "
                "(rebuild the segments, or analyse variable='count')"
            )
    elif variable == "rate_per_100m":
        problems.append("segments: no 'length_m' column, needed for variable='rate_per_100m' "
                        "(build segments with hotspots.segments, or analyse variable='count')")
    return index, lengths


def _check_incidents(
    incidents: pd.DataFrame, seg_index: pd.Index, problems: list[str]
) -> tuple[np.ndarray, pd.Series]:
    empty = (np.empty(0, dtype=np.int64), pd.Series([], dtype="datetime64[ns, UTC]"))
    if not isinstance(incidents, pd.DataFrame):
        problems.append(f"incidents: expected a DataFrame, got {type(incidents).__name__}")
        return empty
    missing = [c for c in ("segment_id", "occurred_at") if c not in incidents.columns]
    if missing:
        problems.append(f"incidents: missing column(s) {missing}; give geocoded incidents "
                        "(hotspots.geocode output) with segment_id and occurred_at")
        return empty
    times = incidents["occurred_at"]
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        problems.append(
            f"incidents.occurred_at: expected tz-aware timestamps, got dtype {times.dtype}; "
            "localise them to the city's time zone at ingest (hotspots.timeparse)"
        )
        return empty
    nat = times.isna().to_numpy()
    if nat.any():
        problems.append(f"incidents.occurred_at: {int(nat.sum())} rows have no time (first "
                        f"incident_id {_plain(incidents.index[nat][0])!r}); reject them at ingest")
    if seg_index.has_duplicates:  # reported with the segments; ids cannot be matched
        return empty
    pos = seg_index.get_indexer(incidents["segment_id"])
    unknown = pos < 0
    if unknown.any():
        problems.append(
            f"incidents.segment_id: {int(unknown.sum())} incidents refer to segments not in the "
            f"segments table (first incident_id {_plain(incidents.index[unknown][0])!r}, segment_id "
            f"{_plain(incidents['segment_id'].to_numpy()[unknown][0])!r}); geocode against the same "
            "segments"
        )
    return pos.astype(np.int64), times
