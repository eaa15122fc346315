"""Hit rate, PAI, RRI and concentration against hand computations and the published definitions."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import aggregate, evaluation
from hotspots._errors import ValidationError

IDX = pd.Index([1, 2, 3, 4], name="segment_id")


def _toy():
    flagged = pd.Series([True, False, False, False], index=IDX)
    counts = pd.Series([5, 3, 2, 0], index=IDX)
    lengths = pd.Series([100.0, 100.0, 200.0, 600.0], index=IDX)
    before = pd.Series([4, 1, 1, 2], index=IDX)
    # four horizontal lines 100 m apart, far enough that their buffers never overlap
    geoms = gpd.GeoSeries([shapely.LineString([(0, 100 * i), (lengths.iloc[i], 100 * i)])
                           for i in range(4)], index=IDX, crs=32722)
    return flagged, counts, lengths, before, geoms


def test_hand_computed_hit_rate_pai_rri():
    flagged, counts, lengths, before, geoms = _toy()
    area = shapely.box(-500, -500, 500, 500)  # 1 km²
    ev = evaluation.evaluate_hot_spots(flagged, counts, lengths_m=lengths, counts_before=before,
                                       geometry=geoms, study_area=area, buffer_m=10.0)
    assert (ev.n, ev.N) == (5, 10)
    assert ev.hit_rate == 0.5
    assert ev.pai_length == pytest.approx(0.5 / (100 / 1000))  # = 5
    assert ev.pai_segments == pytest.approx(0.5 / (1 / 4))  # = 2
    # Levine: (n2/n1)/(N2/N1) = (5/4)/(10/8) = 1
    assert ev.rri == pytest.approx(1.0)
    # a 100 m line buffered by 10 m: 100·20 + π·10² m² (round caps), all inside the study area
    a = 100 * 20 + math.pi * 100
    assert ev.flagged_area_m2 == pytest.approx(a, rel=2e-3)  # shapely's polygonal circle
    assert ev.pai_area == pytest.approx(0.5 / (a / 1e6), rel=2e-3)
    d = ev.to_dict()
    assert d["hit_rate"] == 0.5 and isinstance(d["n"], int)


def test_inputs_not_mutated_and_order_invariant():
    flagged, counts, lengths, before, _ = _toy()
    copies = [s.copy() for s in (flagged, counts, lengths, before)]
    ev1 = evaluation.evaluate_hot_spots(flagged, counts, lengths_m=lengths, counts_before=before)
    for a, b in zip(copies, (flagged, counts, lengths, before)):
        pd.testing.assert_series_equal(a, b)
    perm = [3, 1, 0, 2]
    ev2 = evaluation.evaluate_hot_spots(flagged.iloc[perm], counts.iloc[perm[::-1]],
                                        lengths_m=lengths.iloc[perm], counts_before=before)
    assert ev1 == ev2


def test_empty_flag_set_and_missing_flags():
    _, counts, lengths, _, _ = _toy()
    none = pd.Series(False, index=IDX)
    ev = evaluation.evaluate_hot_spots(none, counts, lengths_m=lengths)
    assert ev.hit_rate == 0 and math.isnan(ev.pai_length) and ev.rri is None
    with pytest.raises(ValidationError, match="no value for 2 segments"):
        evaluation.evaluate_hot_spots(none.iloc[:2], counts, lengths_m=lengths)


def test_concentration_hand_values_and_gini_definition():
    c = evaluation.concentration_curve(pd.Series([10, 0, 0, 0]))
    assert (c.share_for_25pct, c.share_for_50pct) == (0.25, 0.25)
    assert c.gini == pytest.approx(0.75)
    even = evaluation.concentration_curve(pd.Series([1, 1, 1, 1]))
    assert even.share_for_50pct == 0.5 and even.share_for_25pct == 0.25 and even.gini == 0
    assert even.curve["share_incidents"].tolist() == [0, 0.25, 0.5, 0.75, 1.0]


def test_gini_matches_mean_absolute_difference_and_aggregate():
    rng = np.random.default_rng(7)
    x = rng.negative_binomial(1, 0.3, size=500).astype(float)
    c = evaluation.concentration_curve(pd.Series(x))
    # Gini = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² mean), the textbook definition (independent formula)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert c.gini == pytest.approx(mad, abs=1e-12)
    agg = aggregate.concentration(pd.Series(x))
    assert agg["share_for_50pct"] == c.share_for_50pct
    assert agg["share_for_25pct"] == c.share_for_25pct
    assert agg["gini"] == pytest.approx(c.gini)


def test_weisburd_band():
    # 1000 segments; 50 % of 200 incidents on 40 segments (4 %), 25 % on 10 segments (1 %)
    counts = np.zeros(1000)
    counts[:10] = 5  # 50 incidents = 25 %
    counts[10:40] = 50 / 30  # 50 more: 50 % on 40 segments
    counts[40:140] = 1.0  # the other 100 incidents
    c = evaluation.concentration_curve(pd.Series(counts))
    assert c.share_for_25pct == 0.01 and c.share_for_50pct == 0.04
    assert c.within_weisburd_50 and c.within_weisburd_25
    flat = evaluation.concentration_curve(pd.Series(np.ones(1000)))
    assert flat.within_weisburd_50 is False
    assert evaluation.concentration_curve(pd.Series([0, 0])).within_weisburd_50 is None
