"""CRS choice: metres that are metres (never Web Mercator), UTM otherwise, and the reason why."""

from __future__ import annotations

import geopandas as gpd
import pyproj
import pytest
from shapely.geometry import LineString

from hotspots import CRSError
from hotspots.crs import (
    MAX_SCALE_ERROR,
    analysis_crs_choice,
    is_pseudo_metric,
    require_metric,
    scale_error,
)

PELOTAS = (-52.34, -31.77)


@pytest.mark.parametrize("code", ["EPSG:3857", "ESRI:102100", "ESRI:102113"])
def test_web_mercator_aliases_are_pseudo_metric(code):
    crs = pyproj.CRS(code)
    assert is_pseudo_metric(crs)
    with pytest.raises(CRSError, match="Web Mercator"):
        require_metric(crs)


def test_scale_error_matches_the_secant_of_latitude():
    # Web Mercator's scale at latitude φ is 1/cos φ (spherical formula on the ellipsoid)
    import math

    err = scale_error(pyproj.CRS(3857), *PELOTAS)
    assert err == pytest.approx(1 / math.cos(math.radians(31.77)) - 1, abs=2e-3)
    assert scale_error(pyproj.CRS(31982), *PELOTAS) < 1e-3  # UTM 22S inside its zone
    assert scale_error(pyproj.CRS(29193), *PELOTAS) < MAX_SCALE_ERROR  # one zone away


@pytest.mark.parametrize(
    "epsg, reason",
    [(4326, "utm_from_degrees"), (3857, "utm_from_pseudo_metric"), (3395, "utm_from_distorted"),
     (4087, "utm_from_distorted"), (2223, "utm_from_non_metric"), (31982, "layer")],
)
def test_choice_and_reason(epsg, reason):
    layer = gpd.GeoDataFrame(geometry=[LineString([PELOTAS, (-52.339, -31.771)])], crs=4326)
    choice = analysis_crs_choice(layer.to_crs(epsg))
    assert choice.reason == reason
    assert choice.crs.to_epsg() == 31982
    assert choice.reprojected == (reason != "layer")
    assert choice.note("en") and choice.note("pt-BR") and choice.note("en") != choice.note("pt-BR")


def test_given_crs_is_checked_and_used():
    layer = gpd.GeoDataFrame(geometry=[LineString([PELOTAS, (-52.339, -31.771)])], crs=4326)
    assert analysis_crs_choice(layer, "EPSG:31982").reason == "given"
    with pytest.raises(CRSError, match="Web Mercator"):
        analysis_crs_choice(layer, "EPSG:3857")
    with pytest.raises(CRSError, match="no CRS"):
        analysis_crs_choice(gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])]))
