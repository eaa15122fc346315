"""The planning evidence window, night by sunset/sunrise, harm weights and Poisson intervals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from planning_toys import incidents, segments
from scipy import stats

from hotspots._errors import ValidationError
from hotspots.config.planning import PlanningSettings
from hotspots.overlays.night import is_night
from hotspots.planning.evidence import evidence, poisson_interval


def rows():
    return incidents([
        (1, 50.0, "2025-11-30 23:00", "Roubo"),      # before a 52-week window ending 2026-11-28
        (1, 50.0, "2025-11-30 23:59", "roubo"),      # first day of that window
        (2, 10.0, "2026-06-21 12:00", "furto"),      # midday
        (2, 10.0, "2026-06-21 03:00", "furto"),      # before sunrise
        (3, 5.0, "2026-11-28 22:00", "lesão corporal"),  # the as-of day, included
        (3, 5.0, "2026-11-29 01:00", "furto"),       # after the window
    ])


def test_window_is_the_weeks_ending_on_as_of_inclusive():
    ev = evidence(rows(), segments(), as_of="2026-11-28", settings=PlanningSettings())
    w = ev.window
    assert w.end == dt.date(2026, 11, 28)
    assert w.start == dt.date(2026, 11, 28) - dt.timedelta(days=52 * 7 - 1)
    assert w.start == dt.date(2025, 11, 30)
    assert list(ev.frame.index) == ["I0", "I1", "I2", "I3", "I4"]
    assert ev.counts["after_window"] == 1 and ev.counts["before_window"] == 0
    assert not w.short  # the data start on the window's first day
    assert w.per_year == pytest.approx(365.25 / 364)


def test_short_data_are_stated_and_rates_use_the_days_covered():
    ev = evidence(rows().iloc[2:], segments(), as_of="2026-11-28",
                  settings=PlanningSettings())
    w = ev.window
    assert w.short
    assert w.covered_start == dt.date(2026, 6, 21)
    assert w.covered_days == (dt.date(2026, 11, 28) - dt.date(2026, 6, 21)).days + 1
    assert w.per_year == pytest.approx(365.25 / w.covered_days)


def test_as_of_defaults_to_the_latest_incident_and_weeks_are_configurable():
    ev = evidence(rows(), segments(), as_of=None, settings=PlanningSettings(evidence_weeks=1))
    assert ev.window.end == dt.date(2026, 11, 29)
    assert ev.window.start == dt.date(2026, 11, 23)
    assert list(ev.frame.index) == ["I4", "I5"]
    assert ev.counts["before_window"] == 4


def test_night_is_the_overlay_sunset_sunrise_rule():
    inc = rows()
    ev = evidence(inc, segments(), as_of="2026-11-28", settings=PlanningSettings())
    lon, lat = ev.longitude, ev.latitude
    assert -53 < lon < -52 and -32 < lat < -31  # the toy city sits in Pelotas
    expected = is_night(inc["occurred_at"], latitude=lat, longitude=lon).loc[ev.frame.index]
    assert ev.frame["night"].tolist() == expected.astype(bool).tolist()
    assert ev.frame.loc["I2", "night"] == False  # noqa: E712 (midday)
    assert ev.frame.loc["I3", "night"] == True  # noqa: E712 (3 am)


def test_harm_weights_are_case_insensitive_with_a_default():
    s = PlanningSettings(harm_weights={"ROUBO": 2.5, "furto": 1.0}, harm_default_weight=1.5)
    ev = evidence(rows(), segments(), as_of="2026-11-28", settings=s)
    assert ev.frame["weight"].tolist() == [2.5, 2.5, 1.0, 1.0, 1.5]
    ev = evidence(rows(), segments(), as_of="2026-11-28", settings=PlanningSettings())
    assert (ev.frame["weight"] == 1.0).all()  # the documented default: unweighted


def test_garwood_interval_against_tables_and_its_definition():
    lo, hi = poisson_interval([0, 1, 10], confidence=0.95)
    # classic table values (e.g. Ulm 1990): 0 → (0, 3.689), 1 → (0.0253, 5.572),
    # 10 → (4.795, 18.39)
    assert lo == pytest.approx([0.0, 0.02532, 4.7954], abs=1e-4)
    assert hi == pytest.approx([3.6889, 5.5716, 18.390], abs=1e-3)
    # definition: P(X ≥ k | lower) = α/2 and P(X ≤ k | upper) = α/2
    k = np.array([1, 4, 25])
    lo, hi = poisson_interval(k, confidence=0.9)
    assert stats.poisson.sf(k - 1, lo) == pytest.approx([0.05] * 3)
    assert stats.poisson.cdf(k, hi) == pytest.approx([0.05] * 3)


def test_unusable_incidents_are_reported():
    inc = rows()
    with pytest.raises(ValidationError, match="lacks \\['position_m'\\]"):
        evidence(inc.drop(columns="position_m"), segments(), as_of=None,
                 settings=PlanningSettings())
    naive = inc.copy()
    naive["occurred_at"] = naive["occurred_at"].dt.tz_localize(None)
    with pytest.raises(ValidationError, match="timezone-aware"):
        evidence(naive, segments(), as_of=None, settings=PlanningSettings())
    bad = inc.copy()
    bad.loc["I1", "segment_id"] = 999
    bad.loc["I2", "position_m"] = -3.0
    with pytest.raises(ValidationError) as err:
        evidence(bad, segments(), as_of="2026-11-28", settings=PlanningSettings())
    assert "segment_id that is not in the segments table (incident_id ['I1'])" in str(err.value)
    assert "1 incidents have a negative position_m" in str(err.value)
    with pytest.raises(ValidationError, match="is not a date"):
        evidence(inc, segments(), as_of="last monday", settings=PlanningSettings())


def test_incidents_without_time_are_counted_not_dropped_silently():
    inc = rows()
    inc.loc["I2", "occurred_at"] = pd.NaT
    ev = evidence(inc, segments(), as_of="2026-11-28", settings=PlanningSettings())
    assert ev.counts["without_time"] == 1
    assert ev.counts["read"] == 6
    assert (ev.counts["in_window"] + ev.counts["without_time"] + ev.counts["after_window"]
            + ev.counts["before_window"]) == 6
