"""Tests of hotspots.stats.spacetime: calendar steps, END_TIME alignment, partial steps, zeros."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots._errors import ValidationError
from hotspots.stats.spacetime import space_time_cube, step_bounds

TZ = "America/Sao_Paulo"


def _segments(ids=(10, 20, 30), lengths=(50.0, 100.0, 200.0)):
    return pd.DataFrame({"length_m": list(lengths)},
                        index=pd.Index(list(ids), name="segment_id"))


def _incidents(rows, tz=TZ):
    frame = pd.DataFrame(rows, columns=["segment_id", "occurred_at"])
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"]).dt.tz_localize(tz)
    frame.index = pd.Index(np.arange(len(frame)) + 1, name="incident_id")
    return frame


def test_weeks_end_time_aligned_with_partial_step_dropped():
    end = pd.Timestamp("2026-11-25 15:00", tz=TZ)  # a Wednesday: W48 is partial
    inc = _incidents([
        (10, "2026-11-02 00:00"),  # first instant of W45 (first analysed step)
        (20, "2026-11-08 23:59"),  # last minute of W45
        (20, "2026-11-09 00:00"),  # first instant of W46
        (30, "2026-11-22 23:00"),  # W47, the last complete step
        (10, "2026-11-23 08:00"),  # W48 before end: partial step
        (10, "2026-11-01 23:59"),  # before the window
        (30, "2026-11-25 15:00"),  # exactly at end: after
    ])
    cube = space_time_cube(inc, _segments(), end=end, n_steps=3, variable="count")
    assert cube.steps["label"].tolist() == ["2026-W45", "2026-W46", "2026-W47"]
    assert cube.steps["start"].iloc[0] == pd.Timestamp("2026-11-02", tz=TZ)
    assert cube.steps["end"].iloc[-1] == pd.Timestamp("2026-11-23", tz=TZ)
    np.testing.assert_array_equal(cube.counts, [[1, 1, 0], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(cube.values, cube.counts.astype(float))
    assert (cube.incidents_in_window, cube.incidents_before, cube.incidents_after) == (4, 1, 1)
    assert cube.partial.label == "2026-W48"
    assert cube.partial.incidents == 1 and cube.partial.counts is None
    assert cube.partial.step_end == pd.Timestamp("2026-11-30", tz=TZ)
    assert cube.partial.fraction == pytest.approx((2 * 24 + 15) / (7 * 24))
    summary = cube.summary()
    assert summary["incidents_in_partial_step"] == 1 and summary["last_step"] == "2026-W47"


def test_partial_step_flagged_keeps_its_counts_but_is_not_analysed():
    end = pd.Timestamp("2026-11-25", tz=TZ)
    inc = _incidents([(10, "2026-11-23 08:00"), (30, "2026-11-24 08:00"),
                      (30, "2026-11-24 09:00")])
    cube = space_time_cube(inc, _segments(), end=end, n_steps=2, partial_step="flag")
    np.testing.assert_array_equal(cube.partial.counts, [1, 0, 2])
    assert cube.counts.sum() == 0 and cube.n_steps == 2


def test_end_on_a_boundary_has_no_partial_step():
    end = pd.Timestamp("2026-11-23", tz=TZ)  # Monday 00:00
    cube = space_time_cube(_incidents([(10, "2026-11-22 12:00")]), _segments(), end=end,
                           n_steps=52)
    assert cube.partial is None
    assert cube.steps["label"].iloc[-1] == "2026-W47"
    assert cube.steps["label"].iloc[0] == "2025-W48"
    assert cube.counts.shape == (52, 3) and cube.counts[-1, 0] == 1


def test_rate_per_100m_and_zero_filled():
    end = pd.Timestamp("2026-11-23", tz=TZ)
    inc = _incidents([(10, "2026-11-20 12:00"), (10, "2026-11-21 12:00"),
                      (30, "2026-11-10 12:00")])
    cube = space_time_cube(inc, _segments(), end=end, n_steps=3)
    assert cube.variable == "rate_per_100m"
    np.testing.assert_allclose(cube.values, [[0, 0, 0], [0, 0, 0.5], [4.0, 0, 0]])
    assert (cube.counts == 0).sum() == 7  # every segment × step exists, zeros included


def test_iso_week_labels_across_the_year_boundary():
    end = pd.Timestamp("2027-01-06", tz=TZ)
    bounds, labels, step_end = step_bounds(end, step="week", n_steps=3)
    assert labels == ["2026-W51", "2026-W52", "2026-W53"]  # 2026 has 53 ISO weeks
    assert bounds[-1] == pd.Timestamp("2027-01-04", tz=TZ)
    assert step_end == pd.Timestamp("2027-01-11", tz=TZ)


def test_calendar_months():
    end = pd.Timestamp("2026-03-10", tz=TZ)
    inc = _incidents([(10, "2026-02-28 23:59"), (20, "2026-01-01 00:00"),
                      (30, "2026-03-01 00:00")])
    cube = space_time_cube(inc, _segments(), end=end, step="month", n_steps=3, variable="count")
    assert cube.steps["label"].tolist() == ["2025-12", "2026-01", "2026-02"]
    np.testing.assert_array_equal(cube.counts, [[0, 0, 0], [0, 1, 0], [1, 0, 0]])
    assert cube.partial.label == "2026-03" and cube.partial.incidents == 1
    assert cube.partial.fraction == pytest.approx(9 / 31)


def test_local_calendar_and_missing_midnight():
    # an incident at 01:30 UTC on Monday is still Sunday in São Paulo (UTC−3)
    end = pd.Timestamp("2026-11-23", tz=TZ)
    inc = pd.DataFrame({"segment_id": [10],
                        "occurred_at": [pd.Timestamp("2026-11-16 01:30", tz="UTC")]})
    cube = space_time_cube(inc, _segments(), end=end, n_steps=2, variable="count")
    assert cube.counts[0, 0] == 1  # W46, not W47
    # Paraguay's DST began at 00:00 on Sunday 2017-10-01: that midnight does not exist
    bounds, labels, _ = step_bounds(pd.Timestamp("2017-11-15", tz="America/Asuncion"),
                                    step="month", n_steps=2)
    assert labels == ["2017-09", "2017-10"]
    assert bounds[1] == pd.Timestamp("2017-10-01 01:00", tz="America/Asuncion")


def test_inputs_are_not_mutated_and_order_does_not_matter():
    end = pd.Timestamp("2026-11-23", tz=TZ)
    inc = _incidents([(10, "2026-11-20 12:00"), (30, "2026-11-10 12:00"),
                      (20, "2026-11-12 12:00")])
    segs = _segments()
    before = inc.copy(), segs.copy()
    a = space_time_cube(inc, segs, end=end, n_steps=3)
    b = space_time_cube(inc.iloc[::-1], segs, end=end, n_steps=3)
    pd.testing.assert_frame_equal(inc, before[0])
    pd.testing.assert_frame_equal(segs, before[1])
    np.testing.assert_array_equal(a.counts, b.counts)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([10, 20, 30]),
                          st.integers(0, 120 * 24 * 60)), max_size=60),
       st.integers(1, 12), st.sampled_from(["week", "month"]))
def test_no_incident_is_lost(rows, n_steps, step):
    origin = pd.Timestamp("2026-01-01", tz=TZ)
    frame = pd.DataFrame({
        "segment_id": [r[0] for r in rows],
        "occurred_at": pd.DatetimeIndex([origin + pd.Timedelta(minutes=r[1]) for r in rows],
                                        dtype=f"datetime64[ns, {TZ}]"),
    })
    end = pd.Timestamp("2026-03-18 10:00", tz=TZ)
    cube = space_time_cube(frame, _segments(), end=end, n_steps=n_steps, step=step)
    partial = 0 if cube.partial is None else cube.partial.incidents
    assert (cube.incidents_in_window + cube.incidents_before + cube.incidents_after + partial
            == len(frame))
    assert cube.counts.sum() == cube.incidents_in_window


def test_errors_are_collected_and_explained():
    end = pd.Timestamp("2026-11-23", tz=TZ)
    inc = _incidents([(10, "2026-11-20 12:00"), (99, "2026-11-21 12:00")])
    with pytest.raises(ValidationError, match="segments not in the segments table") as info:
        space_time_cube(inc, _segments(lengths=(50, 0, 10)), end=end, step="day")
    message = str(info.value)
    assert "step='day'" in message and "lengths are missing, zero or negative" in message
    assert "first incident_id 2" in message  # where
    with pytest.raises(ValidationError, match="has no time zone"):
        space_time_cube(inc.iloc[:1], _segments(), end=pd.Timestamp("2026-11-23"))
    naive = inc.iloc[:1].copy()
    naive["occurred_at"] = naive["occurred_at"].dt.tz_localize(None)
    with pytest.raises(ValidationError, match="expected tz-aware timestamps"):
        space_time_cube(naive, _segments(), end=end)
    nat = inc.iloc[:1].copy()
    nat.loc[1, "occurred_at"] = pd.NaT
    with pytest.raises(ValidationError, match="1 rows have no time"):
        space_time_cube(nat, _segments(), end=end)
    with pytest.raises(ValidationError, match="missing column"):
        space_time_cube(inc.drop(columns="segment_id"), _segments(), end=end)
    with pytest.raises(ValidationError, match="no 'length_m' column"):
        space_time_cube(inc.iloc[:1], _segments().drop(columns="length_m"), end=end)
    with pytest.raises(ValidationError, match="duplicate segment ids"):
        space_time_cube(inc.iloc[:1], _segments(ids=(10, 10, 30)), end=end)
    with pytest.raises(ValidationError, match="n_steps=0"):
        space_time_cube(inc.iloc[:1], _segments(), end=end, n_steps=0)
    with pytest.raises(ValidationError, match="partial_step='keep'"):
        space_time_cube(inc.iloc[:1], _segments(), end=end, partial_step="keep")
    # counts need no length
    cube = space_time_cube(inc.iloc[:1], _segments().drop(columns="length_m"), end=end,
                           variable="count")
    assert cube.counts.sum() == 1 and cube.lengths_m is None
