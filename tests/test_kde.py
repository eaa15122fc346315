"""Tests of hotspots.stats.kde and hotspots.raster: exact sums, sklearn, KDEpy, John Snow's pump."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
from libpysal import examples
from shapely.geometry import Point, box
from sklearn.neighbors import KernelDensity

from hotspots._errors import CRSError, ValidationError
from hotspots.raster import write_geotiff
from hotspots.stats.kde import default_radius_m, kde, kde_exact, kernel_values

BROAD_STREET_LONLAT = (-0.136668, 51.513341)  # the pump John Snow had its handle removed


@pytest.fixture(scope="module")
def snow():
    deaths = gpd.read_file(examples.get_path("SohoPeople.shp")).to_crs(27700)
    pumps = gpd.read_file(examples.get_path("SohoWater.shp")).to_crs(27700)
    return deaths, pumps


@pytest.fixture(scope="module")
def mesa_crimes():
    return gpd.read_file(examples.get_path("crimes.shp")).to_crs(26949)


def _xy(g):
    return np.column_stack([g.geometry.x, g.geometry.y])


def _naive_quartic(xy, at, r, w=None):
    """ArcGIS's formula written out, pair by pair (REFERENCE.md)."""
    w = np.ones(len(xy)) if w is None else w
    d = np.hypot(at[:, None, 0] - xy[None, :, 0], at[:, None, 1] - xy[None, :, 1])
    k = np.where(d < r, 3 / (math.pi * r * r) * (1 - (d / r) ** 2) ** 2, 0.0)
    return k @ w


def test_kernels_integrate_to_one():
    r = 10.0
    d = np.linspace(0, 4 * r, 40001)
    for kernel in ("quartic", "epanechnikov", "triangular", "gaussian"):
        vol = np.trapezoid(kernel_values(d, radius_m=r, kernel=kernel) * 2 * np.pi * d, d)
        assert vol == pytest.approx(1.0, abs=5e-4 if kernel == "gaussian" else 1e-6), kernel


def test_exact_sum_matches_naive_formula(mesa_crimes):
    xy = _xy(mesa_crimes)
    at = xy[:50] + 7.0
    np.testing.assert_allclose(
        kde_exact(xy, at, radius_m=300.0), _naive_quartic(xy, at, 300.0), rtol=1e-12, atol=0
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_fft_within_one_percent_of_exact_on_snow(snow, weighted):
    deaths, _ = snow
    w = deaths["Count"].to_numpy(float) if weighted else None
    ras = kde(deaths, weights=w)
    x, y = ras.cell_centers()
    r = default_radius_m(_xy(deaths), weights=w)
    exact = _naive_quartic(_xy(deaths), np.column_stack([x.ravel(), y.ravel()]), r, w) * 1e6
    exact = exact.reshape(ras.shape)
    err = np.abs(np.nan_to_num(ras.array) - exact).max() / exact.max()
    assert err <= 0.01
    assert ras.units == "incidents per km²"


def test_fft_within_one_percent_of_exact_on_mesa_all_kernels(mesa_crimes):
    xy = _xy(mesa_crimes)
    for kernel in ("quartic", "epanechnikov", "triangular", "gaussian"):
        ras = kde(mesa_crimes, kernel=kernel, radius_m=400.0, cell_size_m=20.0)
        x, y = ras.cell_centers()
        at = np.column_stack([x.ravel(), y.ravel()])
        exact = kde_exact(xy, at, radius_m=400.0, kernel=kernel).reshape(ras.shape) * 1e6
        err = np.abs(np.nan_to_num(ras.array) - exact).max() / exact.max()
        assert err <= 0.01, kernel


@pytest.mark.parametrize(
    ("kernel", "sk"),
    [("epanechnikov", "epanechnikov"), ("triangular", "linear"), ("gaussian", "gaussian")],
)
def test_matches_sklearn_kernel_density(mesa_crimes, kernel, sk):
    xy = _xy(mesa_crimes)
    ras = kde(mesa_crimes, kernel=kernel, radius_m=350.0, cell_size_m=25.0, units="per_km2")
    x, y = ras.cell_centers()
    at = np.column_stack([x.ravel(), y.ravel()])
    ref = np.exp(KernelDensity(kernel=sk, bandwidth=350.0).fit(xy).score_samples(at))
    ref = ref.reshape(ras.shape) * len(xy) * 1e6  # sklearn integrates to 1; ours to n
    ours = np.nan_to_num(ras.array)
    assert np.abs(ours - ref).max() / ref.max() <= 0.01


def test_matches_kdepy_biweight(mesa_crimes):
    kdepy = pytest.importorskip("KDEpy")
    xy = _xy(mesa_crimes)
    r, cell = 500.0, 25.0
    ras = kde(mesa_crimes, radius_m=r, cell_size_m=cell)
    x, y = ras.cell_centers()
    at = np.column_stack([x.ravel(), y.ravel()])
    # KDEpy needs a grid holding every point: evaluate on a sorted grid around everything
    gx = np.arange(xy[:, 0].min() - 2 * r, xy[:, 0].max() + 2 * r, cell)
    gy = np.arange(xy[:, 1].min() - 2 * r, xy[:, 1].max() + 2 * r, cell)
    grid = np.array(np.meshgrid(gx, gy, indexing="ij")).reshape(2, -1).T
    # KDEpy's bw is the 1-D standard deviation of its kernel: r/√7 for support r (REFERENCE.md)
    dens = kdepy.FFTKDE(kernel="biweight", bw=r / math.sqrt(7)).fit(xy).evaluate(grid)
    from scipy.interpolate import RegularGridInterpolator

    f = RegularGridInterpolator((gx, gy), dens.reshape(len(gx), len(gy)))
    ref = f(at).reshape(ras.shape) * len(xy) * 1e6
    assert np.abs(np.nan_to_num(ras.array) - ref).max() / ref.max() <= 0.01


def test_snow_peak_at_broad_street_pump(snow):
    deaths, pumps = snow
    ras = kde(deaths, weights=deaths["Count"].to_numpy(float))
    x, y = ras.cell_centers()
    i = np.nanargmax(ras.array)
    bx, by = pyproj.Transformer.from_crs(4326, 27700, always_xy=True).transform(
        *BROAD_STREET_LONLAT
    )
    pump = pumps.geometry.iloc[int(np.argmin(pumps.distance(Point(bx, by))))]
    assert pump.distance(Point(bx, by)) < 10  # the bundled pump layer has the Broad St pump
    dist = math.hypot(x.ravel()[i] - pump.x, y.ravel()[i] - pump.y)
    assert dist < 50.0
    # and it is the nearest pump to the peak
    others = pumps.distance(Point(x.ravel()[i], y.ravel()[i]))
    assert others.min() == pytest.approx(dist, abs=1e-6)


def test_default_radius_and_cell_size_by_hand():
    # 4 points on a square of side 2 around (1, 1): SD = √2, Dm = √2, n = 4
    xy = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    expected = 0.9 * min(math.sqrt(2), math.sqrt(1 / math.log(2)) * math.sqrt(2)) * 4**-0.2
    assert default_radius_m(xy) == pytest.approx(expected)
    ras = kde(xy, crs="EPSG:31982", extent=(0, 0, 500, 250))
    assert ras.transform.a == pytest.approx(1.0)  # 250 / 250
    assert ras.shape == (250, 500)
    assert ras.crs == pyproj.CRS("EPSG:31982")


def test_expected_counts_sum_to_n(mesa_crimes):
    xy = _xy(mesa_crimes)
    ext = (
        xy[:, 0].min() - 1000,
        xy[:, 1].min() - 1000,
        xy[:, 0].max() + 1000,
        xy[:, 1].max() + 1000,
    )
    ras = kde(mesa_crimes, radius_m=300, cell_size_m=10, extent=ext, units="expected_count")
    assert np.nansum(ras.array) == pytest.approx(len(xy), rel=2e-3)
    assert ras.units == "expected incidents per cell"


def test_boundary_clip_and_nodata(mesa_crimes):
    xy = _xy(mesa_crimes)
    cx, cy = xy.mean(axis=0)
    boundary = gpd.GeoSeries([box(cx - 1500, cy - 1500, cx + 1500, cy + 1500)], crs=26949)
    ras = kde(mesa_crimes, radius_m=200, cell_size_m=20, boundary=boundary)
    x, y = ras.cell_centers()
    inside = (np.abs(x - cx) < 1500) & (np.abs(y - cy) < 1500)
    assert np.isnan(ras.array[~inside]).all()
    # inside the boundary, cells with no crime within 200 m are nodata, the rest positive
    exact = kde_exact(xy, np.column_stack([x[inside], y[inside]]), radius_m=200)
    vals = ras.array[inside]
    assert (np.isnan(vals) == (exact == 0))[exact > exact.max() * 1e-3].all()
    assert (vals[~np.isnan(vals)] > 0).all()


def test_error_paths(mesa_crimes):
    with pytest.raises(CRSError, match="geographic"):
        kde(mesa_crimes.to_crs(4326))
    with pytest.raises(CRSError, match="no CRS"):
        kde(mesa_crimes.set_crs(None, allow_override=True))
    with pytest.raises(ValidationError, match="kernel"):
        kde(mesa_crimes, kernel="box")
    with pytest.raises(ValidationError, match="weights"):
        kde(mesa_crimes, weights=np.ones(3))
    with pytest.raises(ValidationError, match="same place"):
        kde(np.zeros((5, 2)), extent=(0, 0, 10, 10))
    with pytest.raises(CRSError, match="differs"):
        kde(mesa_crimes, boundary=gpd.GeoSeries([box(0, 0, 1, 1)], crs=31982))


def test_geotiff_roundtrip(tmp_path, snow):
    deaths, _ = snow
    ras = kde(deaths, weights=deaths["Count"].to_numpy(float))
    path = write_geotiff(ras, tmp_path / "kde.tif")
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 27700
        assert src.transform == ras.transform
        assert np.isnan(src.nodata)
        assert src.profile["compress"].lower() == "deflate"
        data = src.read(1)
    np.testing.assert_allclose(data, ras.array.astype(np.float32), equal_nan=True)
    with pytest.raises(ValidationError, match="does not exist"):
        write_geotiff(ras, tmp_path / "missing" / "kde.tif")
