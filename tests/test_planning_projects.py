"""Lighting projects: repairs, contiguous dark stretches merged along a street, lamps per project."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planning_toys import lamps, segments

from hotspots._errors import ValidationError
from hotspots.config.planning import PlanningSettings
from hotspots.overlays import lighting as light_mod
from hotspots.planning.network import street_nodes
from hotspots.planning.projects import lighting_projects, locate


def build(broken=(), **kw):
    segs = segments()
    lp = light_mod.prepare_lamps(lamps(list(broken)), segs.crs)
    res = light_mod.lighting(segs, lp, reach_m=30.0)
    out = lighting_projects(segs, lp, res.gaps, street_nodes(segs),
                            settings=PlanningSettings(**kw))
    return segs, res, out


def pieces_of(out, kind):
    ids = out.projects.index[out.projects["kind"] == kind]
    return out.pieces[out.pieces["project_id"].isin(ids)]


def test_contiguous_dark_blocks_of_one_street_are_one_project():
    _, res, out = build()
    light = out.projects[out.projects["kind"] == "new_lights"]
    rua_a = light[light["length_m"] > 100]
    assert len(rua_a) == 1
    # x = 30 … 270 is dark: 70 + 100 + 70 m over three segments, one project
    assert rua_a["length_m"].iloc[0] == pytest.approx(240.0)
    # lamps from the spacing rule over the whole project: ⌈240 / 60⌉ = 4 (per piece: 2+2+2)
    assert rua_a["lamps_new"].iloc[0] == 4
    per_piece = np.ceil(res.gaps.loc[res.gaps["segment_id"].isin([1, 2, 3]), "length_m"] / 60)
    assert per_piece.sum() == 6
    # Travessa E's dark first 10 m touch Rua A's stretch at (100, 0) but are another street
    trav = light[light["length_m"] < 20]
    assert len(trav) == 1 and trav["length_m"].iloc[0] == pytest.approx(10.0)
    assert trav["lamps_new"].iloc[0] == 1
    assert out.projects["kind"].eq("repair").sum() == 0


def test_a_broken_lamp_is_a_repair_and_splits_the_new_lights():
    # 10 m off Rua A at x = 150: lights the chord 150 ± √(30² − 10²) = 150 ± 28.284
    _, _, out = build(broken=[(150, 10)])
    half = math.sqrt(30**2 - 10**2)
    rep = out.projects[out.projects["kind"] == "repair"]
    assert len(rep) == 1
    assert rep["lamps_repair"].iloc[0] == 1 and rep["lamps_new"].iloc[0] == 0
    assert rep["lamp_ids"].iloc[0] == (8,)
    assert rep["length_m"].iloc[0] == pytest.approx(2 * half)
    piece = pieces_of(out, "repair")
    assert piece["segment_id"].tolist() == [2]
    assert piece[["start_m", "end_m"]].to_numpy().ravel() == pytest.approx([50 - half, 50 + half])
    new = out.projects[(out.projects["kind"] == "new_lights") & (out.projects["length_m"] > 20)]
    # what stays dark on Rua A: 70 + (50 − 28.284) on the west, the same on the east
    assert sorted(new["length_m"]) == pytest.approx([70 + 50 - half] * 2)
    assert new["lamps_new"].tolist() == [2, 2]
    assert out.counts == {"broken_lamps": 1, "broken_lamps_lighting_dark": 1,
                          "short_stretches_left_out": 0, "short_stretches_m": 0.0}


def test_broken_lamps_lighting_overlapping_parts_are_one_repair():
    # x = 150 and 190 (chords overlap); (0, 20) on Rua B lights only what the node lamp lights
    _, _, out = build(broken=[(150, 10), (190, 10), (0, 20)])
    half = math.sqrt(30**2 - 10**2)
    rep = out.projects[out.projects["kind"] == "repair"]
    assert len(rep) == 1
    assert rep["lamp_ids"].iloc[0] == (8, 9)
    assert rep["lamps_repair"].iloc[0] == 2
    # x = 121.7 … 218.3 across segments 2 and 3
    assert rep["length_m"].iloc[0] == pytest.approx(190 + half - (150 - half))
    assert out.counts["broken_lamps"] == 3
    assert out.counts["broken_lamps_lighting_dark"] == 2
    assert set(out.repair_lamps["lamp_id"]) == {8, 9}


def test_every_dark_metre_is_in_exactly_one_project():
    _, res, out = build(broken=[(150, 10), (190, 10), (250, -5)])
    p = out.pieces.sort_values(["seg", "start_m"])
    assert (p["end_m"] - p["start_m"]).sum() == pytest.approx(res.gaps["length_m"].sum())
    # no two pieces of one segment overlap
    same = p["seg"].to_numpy()[1:] == p["seg"].to_numpy()[:-1]
    assert np.all(p["start_m"].to_numpy()[1:][same] >= p["end_m"].to_numpy()[:-1][same] - 1e-9)


def test_long_runs_are_split_at_block_ends_into_balanced_projects():
    _, _, out = build(max_project_m=150.0)
    rua_a = out.pieces[out.pieces["segment_id"].isin([1, 2, 3])]
    # 70 | 100 | 70: no two neighbouring blocks fit in 150 m, so three projects
    assert rua_a["project_id"].nunique() == 3
    _, _, out = build(max_project_m=200.0)
    rua_a = out.pieces[out.pieces["segment_id"].isin([1, 2, 3])]
    groups = rua_a.groupby("project_id")["segment_id"].agg(tuple).tolist()
    assert sorted(len(g) for g in groups) == [1, 2]  # 170 + 70 (or 70 + 170)


def test_different_or_missing_names_are_not_merged():
    segs = segments()
    segs.loc[2, "street_name"] = "Rua Outra"
    segs.loc[3, "street_name"] = ""
    lp = light_mod.prepare_lamps(lamps(), segs.crs)
    res = light_mod.lighting(segs, lp, reach_m=30.0)
    out = lighting_projects(segs, lp, res.gaps, street_nodes(segs), settings=PlanningSettings())
    rua_a = out.pieces[out.pieces["segment_id"].isin([1, 2, 3])]
    assert rua_a["project_id"].nunique() == 3


def test_min_stretch_leaves_short_projects_out_and_counts_them():
    _, _, out = build(min_stretch_m=15.0)
    assert out.counts["short_stretches_left_out"] == 1
    assert out.counts["short_stretches_m"] == pytest.approx(10.0)
    assert (out.projects["length_m"] >= 15).all()


def test_ids_are_stable_whatever_the_row_order():
    _, _, a = build(broken=[(150, 10)])
    segs = segments().iloc[::-1]
    lp = light_mod.prepare_lamps(lamps([(150, 10)]).iloc[::-1], segs.crs)
    res = light_mod.lighting(segs, lp, reach_m=30.0)
    b = lighting_projects(segs, lp, res.gaps, street_nodes(segs), settings=PlanningSettings())
    assert sorted(a.projects.index) == sorted(b.projects.index)
    assert a.projects.sort_index()["length_m"].tolist() == pytest.approx(
        b.projects.sort_index()["length_m"].tolist())


def test_gaps_that_do_not_match_the_segments_are_an_error():
    segs = segments()
    gaps = pd.DataFrame({"segment_id": [1, 99, 2], "start_m": [0.0, 0.0, 50.0],
                         "end_m": [10.0, 5.0, 150.0]})
    with pytest.raises(ValidationError) as err:
        lighting_projects(segs, None, gaps, street_nodes(segs), settings=PlanningSettings())
    assert "1 dark stretches name segments that are not in the segments table" in str(err.value)
    assert "lie outside their segment" in str(err.value)
    with pytest.raises(ValidationError, match="lacks \\['end_m'\\]"):
        lighting_projects(segs, None, gaps.drop(columns="end_m"), street_nodes(segs),
                          settings=PlanningSettings())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(-20, 320), st.floats(-50, 50)), max_size=6),
       st.lists(st.tuples(st.integers(1, 8), st.floats(0, 1)), min_size=1, max_size=30))
def test_locate_agrees_with_the_lighting_overlay(broken, points):
    segs, res, out = build(broken=broken)
    seg_id = pd.Series([s for s, _ in points])
    pos = pd.Series([f * segs.loc[s, "length_m"] for s, f in points])
    where = locate(segs.index.get_indexer(seg_id), pos.to_numpy(), out.pieces)
    dark = light_mod.on_dark_stretch(seg_id, pos, res.gaps)
    assert ((where >= 0) == dark.to_numpy()).all()
    total = (out.pieces["end_m"] - out.pieces["start_m"]).sum()
    assert total == pytest.approx(res.gaps["length_m"].sum())
