"""Interventions table validation, geometry matching to segments, and weekly counts."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots._errors import ValidationError
from hotspots.intervention.inputs import prepare_interventions, week_start, weekly_panel
from hotspots.intervention.simulate import grid_segments


@pytest.fixture(scope="module")
def grid():
    return grid_segments(4, 4)


def _seg_at(segs, x, y):
    """Id of the segment whose midpoint is (x, y) (grid coordinates from the origin)."""
    mid = shapely.line_interpolate_point(segs.geometry.values, 0.5, normalized=True)
    d = shapely.distance(mid, shapely.Point(370_000 + x, 6_485_000 + y))
    return segs.index[int(np.argmin(d))]


def test_segment_ids_kinds_dates_and_overlaps(grid):
    a, b = _seg_at(grid, 50, 0), _seg_at(grid, 150, 0)
    table = pd.DataFrame({"intervention_id": ["L1", "L2", "P1"],
                          "segment_id": [a, b, a], "kind": ["new_lights", "Repair ", "patrol"],
                          "start": ["2025-03-05", "2025-03-10", "2025-01-02"],
                          "end": [None, "", "2025-06-30"]})
    iv = prepare_interventions(table, grid)
    assert list(iv.table.index) == ["L1", "L2", "P1"]
    assert list(iv.table["kind"]) == ["new_lights", "repair", "patrol"]
    assert iv.table.loc["P1", "end"] == pd.Timestamp("2025-06-30")
    assert pd.isna(iv.table.loc["L1", "end"])
    # segment a is in P1 (earlier) and L1: the earliest start wins, the overlap is listed
    assert iv.treated.loc[a, "intervention_id"] == "P1"
    assert iv.overlaps.to_dict("records") == [{"segment_id": a, "dropped": "L1", "kept": "P1"}]
    assert list(iv.table["n_segments"]) == [0, 1, 1]
    assert table["kind"].tolist()[1] == "Repair "   # input not mutated


def test_every_problem_is_reported_at_once(grid):
    table = pd.DataFrame({"segment_id": [grid.index[0], 999, grid.index[1]],
                          "kind": ["lights", "patrol", "green_area"],
                          "start": ["2025-01-01", "not a date", "2025-02-01"],
                          "end": [None, None, "2025-01-01"]})
    with pytest.raises(ValidationError) as err:
        prepare_interventions(table, grid)
    msg = str(err.value)
    assert "row 0: kind 'lights' is not one of new_lights, repair, green_area, patrol" in msg
    assert "row 1: start 'not a date' is not a date" in msg
    assert "row 1: segment_id 999 is not in the segments table" in msg
    assert "row 2: end 2025-01-01 is before start 2025-02-01" in msg


def test_ambiguous_day_month_dates_are_refused(grid):
    table = pd.DataFrame({"segment_id": [grid.index[0]], "kind": ["patrol"],
                          "start": ["12/10/2026"]})
    with pytest.raises(ValidationError, match=r"start '12/10/2026' is not a date \(YYYY-MM-DD\)"):
        prepare_interventions(table, grid)
    ok = prepare_interventions(table.assign(start=[pd.Timestamp("2026-10-12")]), grid)
    assert ok.table["start"].iloc[0] == pd.Timestamp("2026-10-12")


def test_missing_columns_and_empty(grid):
    with pytest.raises(ValidationError, match="column 'start' is missing"):
        prepare_interventions(pd.DataFrame({"segment_id": [grid.index[0]], "kind": ["patrol"]}),
                              grid)
    with pytest.raises(ValidationError, match="neither a 'segment_id' column nor a geometry"):
        prepare_interventions(pd.DataFrame({"kind": ["patrol"], "start": ["2025-01-01"]}), grid)
    with pytest.raises(ValidationError, match="non-empty table"):
        prepare_interventions(pd.DataFrame(), grid)


def test_geometries_in_another_crs_match_segments(grid):
    line = shapely.LineString([(370_000, 6_485_000), (370_200, 6_485_000)])   # 2 segments
    point = shapely.Point(370_305, 6_485_103)   # 3 m from the street y = 100, 5 m from x = 300
    far = shapely.Point(380_000, 6_495_000)
    gdf = gpd.GeoDataFrame({"kind": ["new_lights", "patrol"], "start": ["2025-01-06"] * 2},
                           geometry=[line, point], crs=grid.crs).to_crs(4326)
    iv = prepare_interventions(gdf, grid, match_distance_m=15)
    on_line = set(iv.treated.index[iv.treated["intervention_id"] == 0])
    assert on_line == {_seg_at(grid, 50, 0), _seg_at(grid, 150, 0)}
    assert set(iv.treated.index[iv.treated["intervention_id"] == 1]) == {_seg_at(grid, 350, 100)}
    bad = gpd.GeoDataFrame({"kind": ["patrol"], "start": ["2025-01-06"]}, geometry=[far],
                           crs=grid.crs)
    with pytest.raises(ValidationError, match="matches no segment within 15 m"):
        prepare_interventions(bad, grid)
    nocrs = gpd.GeoDataFrame({"kind": ["patrol"], "start": ["2025-01-06"]}, geometry=[point])
    with pytest.raises(ValidationError, match="no CRS"):
        prepare_interventions(nocrs, grid)


def test_polygon_treats_the_streets_around_it(grid):
    block = shapely.box(370_100, 6_485_100, 370_200, 6_485_200)     # one block of the grid
    gdf = gpd.GeoDataFrame({"kind": ["green_area"], "start": ["2025-01-06"]}, geometry=[block],
                           crs=grid.crs)
    iv = prepare_interventions(gdf, grid, match_distance_m=5)
    assert len(iv.treated) == 4   # the four block faces, not the streets that only touch a corner


def test_kinds_filter(grid):
    table = pd.DataFrame({"segment_id": grid.index[:2], "kind": ["patrol", "new_lights"],
                          "start": ["2025-01-01"] * 2})
    assert list(prepare_interventions(table, grid, kinds=("patrol",)).treated["kind"]) == ["patrol"]
    with pytest.raises(ValidationError, match="none of kind green_area"):
        prepare_interventions(table, grid, kinds=("green_area",))


def test_weekly_panel_counts_match_a_groupby(grid):
    rng = np.random.default_rng(0)
    n = 500
    t0 = pd.Timestamp("2025-01-06", tz="America/Sao_Paulo")   # a Monday
    inc = pd.DataFrame({
        "segment_id": rng.choice(grid.index, n),
        "occurred_at": t0 + pd.to_timedelta(rng.uniform(0, 70 * 24, n), unit="h"),
        "category": rng.choice(["furto", "roubo"], n),
        "is_night": rng.uniform(size=n) < 0.4,
    })
    panel = weekly_panel(inc, grid)
    assert len(panel.weeks) == 10 and panel.weeks[0] == pd.Timestamp("2025-01-06")
    wk = (inc["occurred_at"].dt.tz_localize(None) - t0.tz_localize(None)).dt.days // 7
    expected = pd.crosstab(inc["segment_id"], wk).reindex(index=grid.index, columns=range(10),
                                                           fill_value=0)
    np.testing.assert_array_equal(panel.matrix("all"), expected.to_numpy())
    night = inc[inc["is_night"] & (inc["category"] == "roubo")]
    wk_n = wk[night.index]
    exp_n = pd.crosstab(night["segment_id"], wk_n).reindex(index=grid.index, columns=range(10),
                                                           fill_value=0)
    np.testing.assert_array_equal(panel.matrix("night", ("roubo",)), exp_n.to_numpy())
    assert panel.matrix("night").sum() + panel.matrix("day").sum() == n
    # a shorter study period: incidents outside are counted, not lost silently
    short = weekly_panel(inc, grid, period=("2025-01-13", "2025-02-02"))
    assert len(short.weeks) == 3
    assert short.outside_period == n - short.matrix("all").sum()


def test_weekly_panel_computes_night_when_absent(grid):
    inc = pd.DataFrame({"segment_id": [grid.index[0]] * 2, "category": ["furto"] * 2,
                        "occurred_at": pd.to_datetime(["2025-01-07 03:00", "2025-01-07 13:00"])
                        .tz_localize("America/Sao_Paulo")})
    panel = weekly_panel(inc, grid, latitude=-31.77, longitude=-52.34)
    assert panel.night_computed
    assert panel.matrix("night").sum() == 1 and panel.matrix("day").sum() == 1


def test_weekly_panel_errors(grid):
    inc = pd.DataFrame({"segment_id": [grid.index[0], 12345], "category": ["furto"] * 2,
                        "occurred_at": pd.to_datetime(["2025-01-07", None])})
    with pytest.raises(ValidationError) as err:
        weekly_panel(inc, grid)
    assert "timezone-aware" in str(err.value) and "segment ids not in the segments" in str(err.value)


def test_week_start_is_monday():
    s = week_start(pd.Series(pd.to_datetime(["2025-01-05", "2025-01-06", "2025-01-12"])))
    assert list(s.dt.strftime("%Y-%m-%d")) == ["2024-12-30", "2025-01-06", "2025-01-06"]
