"""Geocoding stage: CRS handling, boundary, reach, swapped points, and no incident lost."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from hotspots import CRSError
from hotspots._errors import ValidationError
from hotspots.crs import choose_analysis_crs, require_metric, utm_crs_for_lonlat
from hotspots.geocode import UnusableIncidentsError, check_usable, geocode_incidents
from hotspots.segments import build_segments

# a small street grid in Pelotas, lon/lat
LON0, LAT0 = -52.342, -31.772


def pelotas_streets():
    d = 0.001
    geoms = [LineString([(LON0, LAT0 + i * d), (LON0 + 4 * d, LAT0 + i * d)]) for i in range(3)]
    geoms += [LineString([(LON0 + j * d, LAT0), (LON0 + j * d, LAT0 + 2 * d)]) for j in range(5)]
    return gpd.GeoDataFrame({"name": [f"Rua {i}" for i in range(len(geoms))]}, geometry=geoms,
                            crs="EPSG:4326")


def incidents(points, crs="EPSG:4326"):
    n = len(points)
    return gpd.GeoDataFrame(
        {"source_row": np.arange(1, n + 1), "occurred_at": pd.Timestamp("2026-11-20 22:00",
                                                                        tz="America/Sao_Paulo"),
         "category": "roubo", "address": "", "has_coordinates": [p is not None for p in points]},
        geometry=points, crs=crs, index=pd.Index([f"I{i}" for i in range(n)], name="incident_id"),
    )


def test_crs_choice():
    assert utm_crs_for_lonlat(-52.34, -31.77).to_epsg() == 31982  # SIRGAS 2000 / UTM 22S
    assert utm_crs_for_lonlat(-46.63, -23.55).to_epsg() == 31983  # São Paulo: UTM 23S
    assert utm_crs_for_lonlat(24.94, 60.17).to_epsg() == 32635  # Helsinki: WGS 84 / UTM 35N
    assert choose_analysis_crs(pelotas_streets()).to_epsg() == 31982
    with pytest.raises(CRSError, match="degrees"):
        require_metric("EPSG:4674")
    with pytest.raises(CRSError, match="not a coordinate reference system"):
        require_metric("EPSG:999999")


def test_lonlat_incidents_on_lonlat_streets_are_measured_in_metres():
    segs = build_segments(pelotas_streets())
    assert segs.crs.to_epsg() == 31982
    # 0.0001° of latitude north of the first street ≈ 11.09 m
    pts = [Point(LON0 + 0.0005, LAT0 + 0.0001)]
    res = geocode_incidents(incidents(pts), segs, max_distance_m=50)
    assert res.geocoded["snap_distance_m"].iloc[0] == pytest.approx(11.09, abs=0.05)
    assert res.geocoded["position_m"].iloc[0] == pytest.approx(47.3, abs=0.5)
    assert res.geocoded.crs.to_epsg() == 31982


def test_incidents_in_another_projected_crs_are_reprojected():
    segs = build_segments(pelotas_streets())
    pt = gpd.GeoSeries([Point(LON0 + 0.0005, LAT0 + 0.0001)], crs=4326).to_crs(5880)  # Brazil Polyconic
    res = geocode_incidents(incidents(list(pt.values), crs="EPSG:5880"), segs, max_distance_m=50)
    assert res.geocoded["snap_distance_m"].iloc[0] == pytest.approx(11.09, abs=0.05)


def test_geographic_segments_refused():
    streets = pelotas_streets()
    streets["length_m"] = 1.0
    with pytest.raises(CRSError, match="degrees"):
        geocode_incidents(incidents([Point(LON0, LAT0)]), streets.rename_axis("segment_id"))


def test_boundary_reach_swapped_and_accounting():
    segs = build_segments(pelotas_streets())
    boundary = gpd.GeoDataFrame(geometry=[box(LON0 - 0.0005, LAT0 - 0.0005, LON0 + 0.0045,
                                              LAT0 + 0.0025)], crs=4326)
    pts = [
        Point(LON0 + 0.0005, LAT0 + 0.0001),       # good
        Point(LON0 + 0.01, LAT0),                  # outside the boundary
        Point(LON0 + 0.0005, LAT0 + 0.0009 - 0.0004),  # inside, but ~47 m from every street
        Point(LAT0 + 0.0001, LON0 + 0.0005),       # lat/lon swapped: valid numbers, wrong place
        None,                                      # no coordinates, no address geocoder
    ]
    inc = incidents(pts)
    inc.loc["I4", "address"] = "Rua 1, 100"
    res = geocode_incidents(inc, segs, max_distance_m=30, boundary=boundary)
    reasons = dict(zip(res.rejects.incident_id, res.rejects.reason))
    assert reasons == {"I1": "outside_boundary", "I2": "beyond_max_distance",
                       "I3": "latlon_swapped", "I4": "address_unavailable"}
    assert "47 m away (max 30 m)" in res.rejects.set_index("incident_id").loc["I2", "detail"]
    assert list(res.geocoded.index) == ["I0"]
    assert res.counts == {"input": 5, "geocoded": 1, "rejected": 4, "by_coordinate": 1,
                          "by_address": 0}
    assert set(res.geocoded.columns) >= {"segment_id", "snap_distance_m", "position_m",
                                         "match_method", "match_score", "match_status"}
    assert res.geocoded["match_method"].iloc[0] == "coordinate"


def test_inputs_not_mutated():
    segs = build_segments(pelotas_streets())
    inc = incidents([Point(LON0 + 0.0005, LAT0 + 0.0001)])
    before_inc, before_segs = inc.copy(), segs.copy()
    geocode_incidents(inc, segs)
    assert inc.equals(before_inc) and segs.equals(before_segs)


def test_plain_geodataframe_of_points_is_geocoded():
    segs = build_segments(pelotas_streets())
    plain = gpd.GeoDataFrame(geometry=[Point(LON0 + 0.0005, LAT0 + 0.0001),
                                       Point(LON0 + 0.5, LAT0)], crs=4326)
    res = geocode_incidents(plain, segs, max_distance_m=30)
    assert res.counts["geocoded"] == 1 and res.counts["rejected"] == 1
    assert res.geocoded["source_row"].tolist() == [1]
    assert res.rejects["source_row"].tolist() == [2]
    assert res.geocoded.index.tolist() == [0]


def test_geocode_says_what_it_needs():
    segs = build_segments(pelotas_streets())
    with pytest.raises(ValidationError, match="GeoDataFrame of points"):
        geocode_incidents(pd.DataFrame({"x": [1]}), segs)
    lines_ = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])], crs=4326)
    with pytest.raises(ValidationError, match="not points"):
        geocode_incidents(lines_, segs)
    no_crs = gpd.GeoDataFrame(geometry=[Point(0, 0)])
    with pytest.raises(ValidationError, match="no CRS"):
        geocode_incidents(no_crs, segs)
    dup = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(1, 1)], crs=4326, index=["a", "a"])
    with pytest.raises(ValidationError, match="duplicates"):
        geocode_incidents(dup, segs)


def _pelotas_points(n, rng):
    lon = LON0 + rng.uniform(0, 0.004, n)
    lat = LAT0 + rng.choice([0.0, 0.001, 0.002], n)
    return lon, lat


def test_whole_file_swapped_within_90_degrees_is_refused_with_the_rejects():
    segs = build_segments(pelotas_streets())
    lon, lat = _pelotas_points(40, np.random.default_rng(1))
    # the Pelotas case: the "lat" column holds −52.3 and "lon" −31.8, both valid numbers
    pts = [Point(la, lo) for lo, la in zip(lon, lat)]
    pts[:5] = [Point(lo, la) for lo, la in zip(lon[:5], lat[:5])]  # a few rows are right
    res = geocode_incidents(incidents(pts), segs, max_distance_m=30)
    assert res.counts["geocoded"] == 5
    with pytest.raises(UnusableIncidentsError, match=r"35 of 40 rows \(88%\).*lat_column='lon'") \
            as err:
        check_usable(res, columns={"lat": "lat", "lon": "lon"})
    assert err.value.cause == "latlon_swapped"
    assert len(err.value.rejects) == 35
    assert (err.value.rejects["reason"] == "latlon_swapped").all()
    assert "trocadas" in err.value.messages["pt-BR"]


def test_nothing_used_is_refused_naming_the_cause():
    segs = build_segments(pelotas_streets())
    far = [Point(LON0 + 1.0, LAT0 + 1.0), Point(LON0 + 1.1, LAT0 + 1.0)]
    res = geocode_incidents(incidents(far), segs, max_distance_m=30)
    ingest_rejects = pd.DataFrame({"incident_id": ["X"], "source_row": [3], "stage": "ingest",
                                   "reason": "missing_time", "detail": "empty"})
    with pytest.raises(UnusableIncidentsError, match=r"none of the 3 rows.*beyond_max_distance 2"
                       r".*CRS") as err:
        check_usable(res, ingest_rejects=ingest_rejects)
    assert err.value.cause == "nothing_used"
    assert err.value.rejects["source_row"].tolist() == [1, 2, 3]
    assert err.value.counts == {"rows": 3, "geocoded": 0, "rejected": 3, "latlon_swapped": 0}


def test_a_usable_result_passes():
    segs = build_segments(pelotas_streets())
    lon, lat = _pelotas_points(10, np.random.default_rng(2))
    res = geocode_incidents(incidents([Point(a, b) for a, b in zip(lon, lat)]), segs)
    assert check_usable(res) is None
