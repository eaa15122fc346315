"""Week selection, the incident window and new / persistent / cooling hot segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots import weekly
from hotspots._errors import ValidationError

TZ = "Europe/Helsinki"


def test_parse_week_bounds_are_local_mondays():
    w = weekly.parse_week("2026-W47", timezone=TZ)
    assert w.label == "2026-W47"
    assert w.start == pd.Timestamp("2026-11-16 00:00", tz=TZ)
    assert w.end == pd.Timestamp("2026-11-23 00:00", tz=TZ)
    assert weekly.parse_week("2026w7", timezone=TZ).label == "2026-W07"


def test_week_across_dst_change_is_seven_local_days():
    # summer time ends on Sunday 25/10/2026 in Helsinki (ISO week 2026-W43)
    w = weekly.parse_week("2026-W43", timezone=TZ)
    assert (w.end - w.start) == pd.Timedelta(days=7, hours=1)
    assert w.shift(1).label == "2026-W44"
    assert w.shift(1).start == w.end


def test_53_week_year_and_shift_over_new_year():
    assert weekly.parse_week("2026-W53", timezone=TZ).start == pd.Timestamp("2026-12-28", tz=TZ)
    assert weekly.parse_week("2027-W01", timezone=TZ).shift(-1).label == "2026-W53"
    with pytest.raises(ValidationError, match="has no week 53"):
        weekly.parse_week("2025-W53", timezone=TZ)


@pytest.mark.parametrize("bad", ["2026-47", "W47", "2026-W", "latest-ish", ""])
def test_bad_week_text(bad):
    with pytest.raises(ValidationError, match="YYYY-Www"):
        weekly.parse_week(bad, timezone=TZ)


def test_latest_skips_a_week_still_running():
    times = pd.Series(pd.to_datetime(["2026-11-20 10:00", "2026-11-24 08:00"]).tz_localize(TZ))
    # Tuesday 24/11 is in W48, which is still running on Wednesday 25/11
    now = pd.Timestamp("2026-11-25 09:00", tz=TZ)
    assert weekly.resolve_week("latest", times, timezone=TZ, now=now).label == "2026-W47"
    later = pd.Timestamp("2026-12-01 09:00", tz=TZ)
    assert weekly.resolve_week(None, times, timezone=TZ, now=later).label == "2026-W48"
    assert weekly.resolve_week("2026-W40", times, timezone=TZ, now=now).label == "2026-W40"
    with pytest.raises(ValidationError, match="no finished week"):
        weekly.resolve_week("latest", pd.Series([], dtype="datetime64[ns, UTC]"), timezone=TZ)


def _incidents():
    stamps = ["2026-11-01 12:00",  # W44: before a 2-week window ending W47
              "2026-11-02 00:00",  # W45 Monday midnight: first instant of W45
              "2026-11-09 23:59", "2026-11-16 00:00", "2026-11-22 23:59",
              "2026-11-23 00:00"]  # W48: after the week
    return pd.DataFrame({
        "occurred_at": pd.to_datetime(stamps).tz_localize(TZ),
        "segment_id": [1, 1, 2, 2, 3, 3],
    }, index=pd.Index([f"i{k}" for k in range(6)], name="incident_id"))


def test_select_window_splits_and_counts_every_incident():
    inc = _incidents()
    before = inc.copy()
    win = weekly.select_window(inc, weekly.parse_week("2026-W47", timezone=TZ), weeks_history=2)
    assert win.weeks == ("2026-W45", "2026-W46", "2026-W47")
    assert list(win.this_week.index) == ["i3", "i4"]
    assert list(win.window.index) == ["i1", "i2", "i3", "i4"]
    assert list(win.window["week"]) == ["2026-W45", "2026-W46", "2026-W47", "2026-W47"]
    assert win.before_window == 1 and win.after_week == 1
    assert len(win.window) + win.before_window + win.after_week == len(inc)
    pd.testing.assert_frame_equal(inc, before)  # input untouched
    m = weekly.window_matrix(win, pd.Index([1, 2, 3, 4], name="segment_id"))
    assert m.to_numpy().tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1], [0, 0, 0]]


def test_window_uses_utc_instants_in_local_weeks():
    # 22:30 UTC on Sunday 22/11 is already Monday 23/11 in Helsinki (UTC+2): week 48
    inc = pd.DataFrame({"occurred_at": pd.to_datetime(["2026-11-22 22:30"]).tz_localize("UTC"),
                        "segment_id": [1]})
    win = weekly.select_window(inc, weekly.parse_week("2026-W47", timezone=TZ), weeks_history=1)
    assert len(win.this_week) == 0 and win.after_week == 1


def test_hot_segments_top_share_and_ties():
    counts = pd.Series([5, 9, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                       index=range(22))
    hot = weekly.hot_segments(counts)  # ceil(0.05 * 22) = 2 segments
    assert list(hot[hot].index) == [1, 2]
    assert weekly.hot_segments(pd.Series([0, 0, 0])).sum() == 0
    gi = pd.Series([3, 2, 1, -2], index=[0, 1, 2, 3])
    assert weekly.hot_segments(pd.Series([0, 0, 9, 0]), gi_bin=gi).tolist() == [True, True, False, False]


def test_compare_weeks_hand_example():
    weeks = ["2026-W45", "2026-W46", "2026-W47"]
    matrix = pd.DataFrame([[4, 6, 1], [0, 8, 9], [0, 0, 7], [2, 0, 0]],
                          index=pd.Index([10, 11, 12, 13], name="segment_id"), columns=weeks)
    cmp = weekly.compare_weeks(matrix, top_share=0.5)  # 2 hot segments a week
    f = cmp.frame
    assert f["count_week"].tolist() == [1, 9, 7, 0]
    assert f["change_prev"].tolist() == [-5, 1, 7, 0]
    assert f["mean_hist"].tolist() == [5.0, 4.0, 0.0, 1.0]
    assert f["hot"].tolist() == [False, True, True, False]
    assert f["hot_prev"].tolist() == [True, True, False, False]
    assert f["hot_status"].tolist() == ["cooling", "persistent", "new", "not hot"]
    assert f["hot_weeks"].tolist() == [2, 2, 1, 1]
    assert cmp.totals.tolist() == [6, 14, 17]
    assert "top 50%" in cmp.hot_rule
    gi_now = pd.Series([0, 2, 3, 0], index=matrix.index)
    gi_prev = pd.Series([2, 0, 0, 3], index=matrix.index)
    by_gi = weekly.compare_weeks(matrix, gi_bin=gi_now, gi_bin_prev=gi_prev).frame
    assert by_gi["hot_status"].tolist() == ["cooling", "new", "new", "cooling"]


def test_compare_weeks_needs_two_weeks():
    with pytest.raises(ValidationError, match="two weeks"):
        weekly.compare_weeks(pd.DataFrame({"2026-W47": [1, 2]}))


def test_history_weeks_rejects_zero():
    with pytest.raises(ValidationError, match="weeks_history"):
        weekly.history_weeks(weekly.parse_week("2026-W47", timezone=TZ), weeks_history=0)
    assert np.array_equal([w.label for w in weekly.history_weeks(
        weekly.parse_week("2026-W02", timezone=TZ), weeks_history=2)],
        ["2025-W52", "2026-W01", "2026-W02"])
