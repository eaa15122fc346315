"""Tests of hotspots.stats.optimized: ArcGIS-style checks, outliers, scale choice, Gi* vs esda."""

from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal import examples
from libpysal import weights as lpw
from scipy.spatial import cKDTree
from shapely.geometry import Point, box

from hotspots._errors import CRSError, ValidationError
from hotspots.stats.gistar import to_bins
from hotspots.stats.optimized import (
    choose_distance,
    incremental_moran,
    locational_outliers,
    optimized_hot_spots,
    representative_xy,
)


@pytest.fixture(scope="module")
def mesa():
    streets = gpd.read_file(examples.get_path("streets.shp")).to_crs(26949)
    crimes = gpd.read_file(examples.get_path("crimes.shp")).to_crs(26949)
    segs = streets[["geometry"]].copy()
    segs.index = pd.Index(np.arange(len(segs), dtype=np.int64) + 500, name="segment_id")
    near = gpd.sjoin_nearest(crimes[["geometry"]], segs, how="left")
    near = near[~near.index.duplicated(keep="first")]
    segs["count"] = near["segment_id"].value_counts().reindex(segs.index, fill_value=0)
    return segs


@pytest.fixture(scope="module")
def grid():
    """A 20 × 20 grid of 100 m cells with a smooth hot spot of counts in one corner."""
    cells, counts = [], []
    rng = np.random.default_rng(42)
    for i in range(20):
        for j in range(20):
            cells.append(box(i * 100, j * 100, (i + 1) * 100, (j + 1) * 100))
            lam = 0.3 + 12 * np.exp(-((i - 5) ** 2 + (j - 5) ** 2) / 18)
            counts.append(rng.poisson(lam))
    return gpd.GeoDataFrame({"count": counts}, geometry=cells, crs="EPSG:31982")


def test_isa_matches_esda_moran_on_libpysal_distance_band(mesa):
    xy = representative_xy(mesa)
    bands = np.array([150.0, 300.0, 600.0])
    isa = incremental_moran(mesa["count"].to_numpy(float), xy, bands)
    for d, z in zip(bands, isa["z"]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = lpw.DistanceBand(xy, threshold=d, binary=True, silence_warnings=True)
            ref = esda.Moran(mesa["count"].to_numpy(float), w, transformation="r", permutations=0)
        assert z == pytest.approx(ref.z_norm, abs=1e-10)


def test_gi_matches_esda_at_the_chosen_distance(mesa):
    res = optimized_hot_spots(mesa, permutations=0)
    xy = representative_xy(mesa)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = lpw.DistanceBand(xy, threshold=res.distance_m, binary=True, silence_warnings=True)
        ref = esda.G_Local(
            mesa["count"].to_numpy(float), w, star=True, transform="B", permutations=0
        )
    np.testing.assert_allclose(res.frame["gi_z"].to_numpy(), ref.Zs, rtol=0, atol=1e-10)
    # FDR is always on: the bins come from the BH-adjusted p
    np.testing.assert_array_equal(
        res.frame["gi_bin"], to_bins(res.frame["gi_z"], res.frame["gi_p_adj"])
    )
    assert list(res.frame.index) == list(mesa.index)


def test_log_records_every_choice(mesa):
    res = optimized_hot_spots(mesa, permutations=99, seed=3)
    text = "\n".join(res.log)
    for needle in (
        "287 incidents on 293 features",
        "locational outliers",
        "incremental spatial autocorrelation",
        "scale:",
        "FDR on",
        "fewer than 8 neighbours",
        "seed 3",
    ):
        assert needle in text
    assert res.seed == 3
    assert len(res.isa) == 10


def test_clustered_grid_finds_a_peak_and_the_hot_corner(grid):
    res = optimized_hot_spots(grid, permutations=99, seed=1)
    isa = res.isa
    scale = next(line for line in res.log if line.startswith("scale:"))
    assert "first peak" in scale
    i = int(np.argmin(np.abs(isa["distance_m"] - res.distance_m)))
    assert isa["distance_m"][i] == pytest.approx(res.distance_m)
    assert isa["z"][i] > isa["z"][i - 1] and isa["z"][i] > isa["z"][i + 1]
    assert (isa["z"][:i] < isa["z"][i]).all()  # no earlier peak
    hot = res.frame.index[res.frame["gi_bin"] >= 2]
    centres = representative_xy(grid.loc[hot])
    assert len(hot) > 5
    assert np.hypot(*(centres.mean(axis=0) - [550, 550])) < 200


def test_choose_distance_first_significant_peak_and_fallback():
    core = np.random.default_rng(0).uniform(0, 1000, (200, 2))
    isa = pd.DataFrame(
        {"distance_m": [100, 200, 300, 400, 500, 600], "z": [1.0, 1.5, 1.2, 3.0, 4.0, 3.5]}
    )
    # the peak at 200 m is not significant (z 1.5); the first significant peak is at 500 m
    assert choose_distance(isa, core)[0] == 500
    flat = pd.DataFrame({"distance_m": [100, 200, 300], "z": [1.0, 2.0, 3.0]})
    dist, how = choose_distance(flat, core)
    k = 10  # 5 % of 200
    expected = cKDTree(core).query(core, k=k + 1)[0][:, k].mean()
    assert dist == pytest.approx(expected)
    assert "fallback" in how and "10th nearest neighbour" in how


def test_locational_outlier_detected_and_logged(grid):
    far = grid.iloc[:1].copy()
    far.index = [10_000]
    far.geometry = [box(50_000, 50_000, 50_100, 50_100)]
    data = pd.concat([grid, far])
    mask = locational_outliers(representative_xy(data))
    assert mask.sum() == 1 and mask[-1]
    res = optimized_hot_spots(data, permutations=0)
    assert any("1 locational outliers" in line and "10000" in line for line in res.log)
    assert 10_000 in res.frame.index


def test_error_paths(grid, mesa):
    few = grid.copy()
    few["count"] = 0
    few.loc[few.index[:10], "count"] = 1
    with pytest.raises(ValidationError, match=r"only 10 incidents.*at least 30"):
        optimized_hot_spots(few)
    with pytest.raises(ValidationError, match="only 20 features"):
        optimized_hot_spots(grid.iloc[:20].assign(count=5 + np.arange(20)))
    with pytest.raises(ValidationError, match="zero variance"):
        optimized_hot_spots(grid.assign(count=2))
    with pytest.raises(ValidationError, match="no column 'crimes'"):
        optimized_hot_spots(grid, value_column="crimes")
    with pytest.raises(CRSError, match="geographic"):
        optimized_hot_spots(mesa.to_crs(4326))


# --- incident points aggregated into fishnet / hexagon / polygon cells ---------------------

from hotspots.grids import count_points, fishnet  # noqa: E402
from hotspots.stats.optimized_points import (  # noqa: E402
    default_cell_size,
    optimized_hot_spots_points,
)

BROAD_STREET_LONLAT = (-0.136668, 51.513341)


def _incidents(n_hot=150, n_bg=150, seed=0, crs="EPSG:31982"):
    """A cluster around (300, 300) m over uniform background in a 1 km square."""
    rng = np.random.default_rng(seed)
    xy = np.vstack([rng.normal(300, 40, (n_hot, 2)), rng.uniform(0, 1000, (n_bg, 2))])
    return gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        index=pd.Index(np.arange(len(xy)) + 1, name="incident_id"),
        crs=crs,
    )


def test_points_minimum_incident_rules():
    pts = _incidents(n_hot=25, n_bg=20)  # 45 incidents
    with pytest.raises(
        ValidationError,
        match=r"only 45 usable incidents.*without a bounding polygon needs at "
        r"least 60.*give a boundary polygon",
    ):
        optimized_hot_spots_points(pts)
    with pytest.raises(ValidationError, match=r"only 45 .*hexagon aggregation without"):
        optimized_hot_spots_points(pts, aggregation="hexagon")
    # with a boundary 30 suffice: 45 pass the incident check
    res = optimized_hot_spots_points(pts, boundary=box(0, 0, 1000, 1000), permutations=0)
    assert res.parameters["min_incidents"] == 30
    with pytest.raises(ValidationError, match=r"only 29 usable incidents.*at least 30"):
        optimized_hot_spots_points(pts.iloc[:29], boundary=box(0, 0, 1000, 1000))
    # incidents outside the boundary do not count towards the minimum
    with pytest.raises(ValidationError, match=r"only \d+ usable incidents"):
        optimized_hot_spots_points(pts, boundary=box(0, 0, 150, 150))


def test_points_minimum_features_after_aggregation():
    pts = _incidents()
    with pytest.raises(
        ValidationError,
        match=r"only 4 features after aggregation; at least 30.*smaller cell_size_m",
    ):
        optimized_hot_spots_points(pts, boundary=box(0, 0, 1000, 1000), cell_size_m=500)
    polys = fishnet((0, 0, 1000, 1000), cell_size_m=250, crs="EPSG:31982")  # 16 polygons
    with pytest.raises(ValidationError, match=r"only 16 features.*more aggregation polygons"):
        optimized_hot_spots_points(pts, aggregation=polys)


def test_zero_count_cells_inside_the_boundary_are_analysed():
    pts = _incidents()
    pts = pd.concat([pts, _incidents(n_hot=0, n_bg=5, seed=9).set_axis([901, 902, 903, 904, 905])])
    pts.loc[[901, 902], "geometry"] = [Point(5000, 5000), Point(-300, 20)]  # outside
    b = box(0, 0, 1000, 1000)
    res = optimized_hot_spots_points(pts, boundary=b, cell_size_m=100, permutations=99, seed=5)
    cells = fishnet(b, cell_size_m=100, crs=pts.crs)
    assert list(res.frame.index) == list(cells.index)  # all 100 cells, zeros included
    zero = res.frame["count"] == 0
    assert zero.sum() > 10
    assert res.frame.loc[zero, "gi_z"].notna().all()
    assert res.frame.loc[zero, "gi_z"].mean() < 0 < res.frame.loc[~zero, "gi_z"].mean()
    assert res.frame["count"].sum() == len(pts) - 2
    assert res.excluded.loc[[901, 902], "reason"].tolist() == ["outside_boundary"] * 2
    assert any("2 incidents outside the boundary excluded" in line for line in res.log)
    assert any("100 cells meeting the boundary, all analysed" in line for line in res.log)
    # without a boundary only cells with incidents are analysed
    nob = optimized_hot_spots_points(pts.drop([901, 902]), cell_size_m=100, permutations=0)
    assert (nob.frame["count"] >= 1).all()
    assert nob.frame["count"].sum() == len(pts) - 2
    assert any("cells with at least one incident are analysed" in line for line in nob.log)


def test_points_result_invariant_to_point_order_and_hot_where_clustered():
    pts = _incidents()
    a = optimized_hot_spots_points(pts, aggregation="hexagon", permutations=99, seed=2)
    b = optimized_hot_spots_points(
        pts.sample(frac=1, random_state=1), aggregation="hexagon", permutations=99, seed=2
    )
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.log == b.log
    hot = a.frame[a.frame["gi_bin"] >= 2]
    centre = shapely.get_coordinates(hot.geometry.centroid).mean(axis=0)
    assert np.hypot(*(centre - 300)) < 60


def test_default_cell_size_rule_and_outliers_set_aside():
    pts = _incidents()
    xy = shapely.get_coordinates(pts.geometry.values)
    extent = (0, 0, 1000, 1000)
    size, how = default_cell_size(xy, extent)
    nn = cKDTree(xy).query(xy, k=2)[0][:, 1]
    core = ~(nn > nn.mean() + 3 * nn.std())
    nn_core = cKDTree(xy[core]).query(xy[core], k=2)[0][:, 1]
    assert size == pytest.approx(2 * nn_core.mean())
    assert "approximation of Esri's rule" in how
    # a far-away incident is a locational outlier: the cell size does not change
    far = np.vstack([xy, [[50_000, 50_000]]])
    size_far, how_far = default_cell_size(far, (0, 0, 50_000, 50_000))
    nn = cKDTree(far).query(far, k=2)[0][:, 1]
    core = ~(nn > nn.mean() + 3 * nn.std())
    assert not core[-1]
    nn_core = cKDTree(far[core]).query(far[core], k=2)[0][:, 1]
    assert size_far == pytest.approx(2 * nn_core.mean())
    assert size_far < 1.1 * size  # with the outlier in, the mean would grow by ~100 m
    assert 2 * nn.mean() > size + 100
    assert f"{int((~core).sum())} locational outliers" in how_far
    # never below 0.1 % of the extent
    tight = np.array([[0, 0], [0.01, 0], [0, 0.01], [0.01, 0.01]] * 1, dtype=float)
    assert default_cell_size(tight, (0, 0, 1000, 1000))[0] == pytest.approx(1.0)
    res = optimized_hot_spots_points(pts, aggregation="hexagon", permutations=0)
    edge = size * np.sqrt(2 / (3 * np.sqrt(3)))
    assert res.cell_size_m == pytest.approx(edge)
    assert res.frame.area.to_numpy() == pytest.approx(size * size)


def test_points_given_polygons_and_errors():
    pts = _incidents()
    polys = fishnet((0, 0, 1000, 1000), cell_size_m=125, crs="EPSG:31982").rename_axis("sector")
    res = optimized_hot_spots_points(pts, aggregation=polys, permutations=0)
    assert list(res.frame.index) == list(polys.index)
    pd.testing.assert_series_equal(res.frame["count"], count_points(pts, polys))
    assert res.aggregation == "polygons" and res.cell_size_m is None
    with pytest.raises(ValidationError, match="boundary applies to fishnet/hexagon"):
        optimized_hot_spots_points(pts, aggregation=polys, boundary=box(0, 0, 1, 1))
    with pytest.raises(ValidationError, match="use 'fishnet', 'hexagon'"):
        optimized_hot_spots_points(pts, aggregation="squares")
    with pytest.raises(CRSError, match="geographic"):
        optimized_hot_spots_points(pts.to_crs(4326))
    with pytest.raises(CRSError, match=r"boundary .* must be in the incidents' CRS"):
        optimized_hot_spots_points(
            pts, boundary=gpd.GeoSeries([box(0, 0, 1000, 1000)], crs="EPSG:32722")
        )


def test_mesa_crimes_fishnet_hot_cells_where_crimes_concentrate():
    crimes = gpd.read_file(examples.get_path("crimes.shp")).to_crs(26949)
    res = optimized_hot_spots_points(crimes, permutations=99, seed=11)
    f = res.frame
    hot = f["gi_bin"] >= 2
    assert hot.sum() >= 3
    assert f.loc[hot, "count"].mean() > 3 * f.loc[~hot, "count"].mean()
    assert f["count"].sum() == len(crimes) == 287
    assert res.parameters["min_incidents"] == 60
    for needle in ("cell size", "locational outliers", "with at least one incident", "FDR on"):
        assert any(needle in line for line in res.log), needle


def test_snow_deaths_hexagons_hot_around_the_broad_street_pump():
    import pyproj

    deaths = gpd.read_file(examples.get_path("SohoPeople.shp")).to_crs(27700)
    streets = gpd.read_file(examples.get_path("Soho_Network.shp")).to_crs(27700)
    incidents = deaths.loc[deaths.index.repeat(deaths["Count"])].reset_index(drop=True)
    assert len(incidents) == int(deaths["Count"].sum())
    boundary = box(*streets.total_bounds)
    res = optimized_hot_spots_points(
        incidents, boundary=boundary, aggregation="hexagon", permutations=99, seed=1854
    )
    f = res.frame
    assert (f["count"] == 0).sum() > len(f) / 2  # empty cells in the study area analysed
    hot = f[f["gi_bin"] == 3]
    assert len(hot) >= 10
    px, py = pyproj.Transformer.from_crs(4326, 27700, always_xy=True).transform(
        *BROAD_STREET_LONLAT
    )
    centre = shapely.get_coordinates(hot.geometry.centroid).mean(axis=0)
    assert np.hypot(centre[0] - px, centre[1] - py) < 60
    assert hot.geometry.contains(Point(px, py)).any() or (
        hot.geometry.distance(Point(px, py)).min() < 30
    )
