"""Tests of hotspots.overlays.green: distances, green area within a radius, adopted, repairs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from hotspots import sample
from hotspots._errors import CRSError, ValidationError
from hotspots.overlays.green import green_access, prepare_green_areas
from hotspots.segments import build_segments

CRS = "EPSG:32635"


def _segments(lines, ids):
    geoms = [LineString(c) for c in lines]
    return gpd.GeoDataFrame({"length_m": [g.length for g in geoms]}, geometry=geoms, crs=CRS,
                            index=pd.Index(ids, name="segment_id"))


def _areas(geoms, ids, adopted):
    return gpd.GeoDataFrame({"area_id": ids, "adopted": adopted}, geometry=geoms, crs=CRS)


def test_distance_and_area_within_radius_exact():
    # park [0,10]²; street along y = −5. Within 8 m of the street the park holds the strip
    # y ∈ [0, 3] (the round caps lie at x < 0 and x > 10): exactly 10 × 3 = 30 m².
    areas = prepare_green_areas(_areas([box(0, 0, 10, 10)], [5], [True]), CRS)
    segs = _segments([[(0, -5), (10, -5)], [(20, 5), (30, 5)]], [1, 2])
    res = green_access(segs, areas, radius_m=8.0).frame
    assert res.loc[1, "dist_green_m"] == pytest.approx(5.0)
    assert res.loc[1, "green_area_within_m2"] == pytest.approx(30.0, abs=1e-9)
    assert res.loc[2, "dist_green_m"] == pytest.approx(10.0)
    assert res.loc[2, "green_area_within_m2"] == pytest.approx(0.0, abs=1e-9)
    assert res["nearest_green_adopted"].tolist() == [True, True]
    assert res["nearest_green_id"].tolist() == [5, 5]


def test_overlapping_areas_counted_once_and_tie_goes_to_lowest_id():
    a = box(0, 0, 10, 10)
    b = box(5, 0, 15, 10)  # overlaps a on [5,10]×[0,10]
    areas = prepare_green_areas(_areas([b, a], [9, 4], [True, False]), CRS)
    # the street crosses both parks: green within 100 m is the union, 150 m², not 200 m²
    segs = _segments([[(-1, 5), (16, 5)]], [1])
    res = green_access(segs, areas, radius_m=100.0).frame
    assert res.loc[1, "green_area_within_m2"] == pytest.approx(150.0, rel=1e-12)
    assert res.loc[1, "dist_green_m"] == 0.0
    assert res.loc[1, "nearest_green_id"] == 4  # both at distance 0: lowest area_id
    assert not res.loc[1, "nearest_green_adopted"]


def test_invalid_polygon_repaired_with_warning():
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    frame = _areas([bowtie, box(20, 0, 30, 10)], [1, 2], ["sim", "não"])
    with pytest.warns(UserWarning, match=r"repaired 1 invalid polygon"):
        areas = prepare_green_areas(frame, CRS)
    assert shapely.is_valid(areas.geometry).all()
    assert areas.loc[1, "area_m2"] == pytest.approx(50.0)  # two triangles of 25 m²
    assert areas["adopted"].tolist() == [True, False]
    assert frame.geometry.iloc[0].equals(bowtie)  # input untouched


def test_bad_inputs():
    with pytest.raises(CRSError, match="no CRS"):
        prepare_green_areas(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]), CRS)
    with pytest.raises(ValidationError, match="green-area layer is empty"):
        prepare_green_areas(_areas([], [], []), CRS)
    with pytest.raises(ValidationError, match="features must be Polygon"):
        prepare_green_areas(_areas([LineString([(0, 0), (1, 1)])], [1], [False]), CRS)
    with pytest.raises(CRSError, match="degrees"):
        prepare_green_areas(_areas([box(0, 0, 1, 1)], [1], [False]), "EPSG:4326")


def test_sample_city_against_geopandas():
    segs = build_segments(sample.load_layer("streets"), name_column="name")
    raw = sample.load_layer("green_areas")
    areas = prepare_green_areas(raw, segs.crs)
    assert len(areas) == 113 and int(areas["adopted"].sum()) == 34
    res = green_access(segs, areas, radius_m=300.0).frame
    union = shapely.union_all(areas.geometry.to_numpy())
    ref = segs.geometry.distance(union)
    assert np.allclose(res["dist_green_m"], ref, atol=1e-6)
    # green within 300 m via an independent route: buffer ∩ union, one segment at a time
    sample_ids = segs.index[::97]
    ref_area = [segs.geometry[i].buffer(300.0, quad_segs=32).intersection(union).area for i in sample_ids]
    assert np.allclose(res.loc[sample_ids, "green_area_within_m2"], ref_area, rtol=1e-9)
    nearest = gpd.sjoin_nearest(segs[["geometry"]], areas[["geometry"]].reset_index(),
                                how="left").sort_values("area_id")
    nearest = nearest[~nearest.index.duplicated(keep="first")]
    assert (res["nearest_green_id"].astype(int) == nearest["area_id"].reindex(res.index)).all()
