"""Near-repeat (Knox) analysis: brute force, published NRC tables, pointpats, networkx, planted data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from hotspots._errors import ValidationError
from hotspots.figures.near_repeat import knox_heatmap, knox_heatmap_png
from hotspots.stats import _knox, _pairs
from hotspots.stats.near_repeat import (
    NearRepeatSettings,
    NearRepeatZone,
    knox_matrix,
    near_repeat,
    read_zone,
)
from hotspots.stats.near_repeat_zones import release_risk_zones, risk_zones

DATA = Path(__file__).parent / "data" / "near_repeat"
CRS = "EPSG:31982"
ORIGIN = pd.Timestamp("2024-03-04 12:00", tz="America/Sao_Paulo")


def incidents_frame(xy, days, *, category=None, crs=CRS, ids=None, seconds=None):
    """Incident points with occurred_at = ORIGIN + days (+ seconds)."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(xy)
    when = ORIGIN + pd.to_timedelta(np.asarray(days), unit="D")
    if seconds is not None:
        when = when + pd.to_timedelta(np.asarray(seconds), unit="s")
    data = {"occurred_at": when}
    if category is not None:
        data["category"] = category
    index = pd.Index(ids if ids is not None else [f"BO-{i:04d}" for i in range(n)],
                     name="incident_id")
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs,
                            index=index)


# --- an independent brute force (plain Python, written apart from the library) ----------------


def band_of_distance(d, edges, closed):
    if d == 0:
        return 0
    for i, e in enumerate(edges):
        if (d < e) if closed == "left" else (d <= e):
            return i + 1
    return len(edges) + 1


def band_of_time(dt_, edges, closed):
    for j, e in enumerate(edges):
        if (dt_ < e) if closed == "left" else (dt_ <= e):
            return j
    return len(edges)


def brute_table(dist, times, s_edges, t_edges, closed):
    """dist(i, j) and integer times; every pair i < j counted once."""
    n = len(times)
    out = np.zeros((len(s_edges) + 2, len(t_edges) + 1), dtype=np.int64)
    for i in range(n):
        for j in range(i + 1, n):
            out[band_of_distance(dist(i, j), s_edges, closed),
                band_of_time(abs(times[i] - times[j]), t_edges, closed)] += 1
    return out


def sorted_by_id(frame):
    return frame.sort_index()


# --- a hand-made street network ---------------------------------------------------------------

NETWORK = [  # integer lengths: a grid, a longer bent parallel, a dead end, a loop, an island
    [(0, 0), (50, 0)], [(50, 0), (100, 0)], [(0, 50), (50, 50)], [(50, 50), (100, 50)],
    [(0, 100), (50, 100)], [(0, 0), (0, 50)], [(50, 0), (50, 50)], [(100, 0), (100, 50)],
    [(0, 50), (0, 100)], [(50, 50), (50, 100)],
    [(0, 0), (0, -30), (50, -30), (50, 0)],  # 110 m, parallel to the 50 m (0,0)-(50,0)
    [(100, 50), (130, 50)],  # dead end
    [(100, 0), (100, -20), (120, -20), (120, 0), (100, 0)],  # loop, 80 m
    [(300, 300), (340, 300)],  # not connected
]


def network_segments():
    lines = np.array([shapely.LineString(c) for c in NETWORK], dtype=object)
    seg = gpd.GeoDataFrame({"street_name": [f"Rua {i}" for i in range(len(lines))]},
                           geometry=lines, crs=CRS,
                           index=pd.Index(np.arange(len(lines)) * 10 + 100, name="segment_id"))
    seg["length_m"] = shapely.length(lines)
    return seg


def networkx_distances(segments, seg_rows, positions):
    """All-pairs shortest distances with every incident inserted as a node of its segment."""
    g = nx.Graph()
    for row, coords in enumerate(NETWORK):
        start, end = ("node", coords[0]), ("node", coords[-1])
        on = sorted((positions[i], i) for i in range(len(seg_rows)) if seg_rows[i] == row)
        chain = [start] + [("inc", i) for _, i in on] + [end]
        at = [0.0] + [p for p, _ in on] + [float(segments["length_m"].iloc[row])]
        for a, b, x, y in zip(chain[:-1], chain[1:], at[:-1], at[1:]):
            w = y - x
            if g.has_edge(a, b):  # a loop with no incident on it, or parallel pieces
                w = min(w, g[a][b]["weight"])
            if a != b:
                g.add_edge(a, b, weight=w)
    n = len(seg_rows)
    dist = np.full((n, n), np.inf)
    for i in range(n):
        for node, d in nx.single_source_dijkstra_path_length(g, ("inc", i)).items():
            if node[0] == "inc":
                dist[i, node[1]] = d
    return g, dist


def network_incidents(segments, seg_rows, positions, days, *, seconds=None):
    frame = incidents_frame(
        shapely.get_coordinates(shapely.line_interpolate_point(
            segments.geometry.to_numpy()[seg_rows], positions)), days, seconds=seconds)
    frame["segment_id"] = segments.index.to_numpy()[seg_rows]
    frame["position_m"] = np.asarray(positions, dtype=float)
    return frame


# --- hand-computed table ----------------------------------------------------------------------


@pytest.mark.parametrize("closed, expected", [
    ("left", [[0, 0, 1], [1, 0, 1], [0, 2, 1], [0, 0, 0]]),
    ("right", [[0, 0, 1], [1, 1, 1], [0, 1, 1], [0, 0, 0]]),
])
def test_hand_computed_table(closed, expected):
    # A(0,0) day 0, B(0,50) day 2, C(0,150) day 10, D = A's place on day 30
    inc = incidents_frame([(0, 0), (0, 50), (0, 150), (0, 0)], [0, 2, 10, 30])
    s = NearRepeatSettings(bandwidth_m=100, spatial_bands=2, bandwidth_days=7, temporal_bands=2,
                           closed=closed, permutations=99)
    res = near_repeat(inc, settings=s)
    tab = res.overall
    np.testing.assert_array_equal(tab.observed, expected)
    # AB (50 m, 2 d), AC (150, 10), AD (0, 30), BC (100, 8), BD (50, 28), CD (150, 20)
    assert tab.n_pairs == 6 and tab.observed.sum() == 6
    assert tab.n_close_pairs == 6
    assert ((tab.p_value >= 1 / 100) & (tab.p_value <= 1)).all()
    frame = res.table
    assert len(frame) == 4 * 3
    assert frame.loc[(frame.spatial_band == 2) & (frame.temporal_band == 1), "observed"].item() \
        == expected[2][1]


def test_labels_state_the_intervals():
    s = NearRepeatSettings(bandwidth_m=100, spatial_bands=3, bandwidth_days=7, temporal_bands=2,
                           permutations=99)
    inc = incidents_frame([(0, 0), (0, 10), (5, 5)], [0, 1, 2])
    tab = near_repeat(inc, settings=s).overall
    assert tab.labels["en"] == (("same location", "(0, 100) m", "[100, 200) m", "[200, 300) m",
                                 "≥ 300 m"), ("0–6 days", "7–13 days", "≥ 14 days"))
    assert tab.labels["pt"][0][0] == "mesmo local" and tab.labels["pt"][1][1] == "7–13 dias"
    right = near_repeat(inc, settings=dataclasses.replace(s, closed="right")).overall
    assert right.labels["en"][0][1:] == ("(0, 100] m", "(100, 200] m", "(200, 300] m", "> 300 m")
    assert right.labels["en"][1] == ("0–7 days", "8–14 days", "> 14 days")
    elapsed = near_repeat(inc, settings=dataclasses.replace(s, time_unit="elapsed_days")).overall
    assert elapsed.labels["en"][1] == ("[0, 7) days", "[7, 14) days", "≥ 14 days")
    nrc = near_repeat(inc, settings=dataclasses.replace(s, nrc_compatible=True)).overall
    assert nrc.labels["en"] == (("Same location", "1 to 100 m", "101 to 200 m", "201 to 300 m",
                                 "More than 300 m"), ("0 to 7 days", "8 to 14 days",
                                                      "More than 14 days"))
    assert nrc.labels["pt"][0][1] == "1 a 100 m" and nrc.labels["pt"][1][2] == "Mais de 14 dias"


# --- brute force, every distance and band convention (hypothesis) -----------------------------

band_settings = st.fixed_dictionaries({
    "bandwidth_m": st.sampled_from([10.0, 20.0, 25.0, 50.0]),
    "spatial_bands": st.integers(1, 4),
    "bandwidth_days": st.integers(1, 4),
    "temporal_bands": st.integers(1, 3),
    "closed": st.sampled_from(["left", "right"]),
    "time_unit": st.sampled_from(["calendar_days", "elapsed_days"]),
})


def _times(frame, unit):
    if unit == "calendar_days":
        local = frame["occurred_at"].dt.tz_localize(None)
        return local.to_numpy().astype("datetime64[D]").astype(np.int64)
    return frame["occurred_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype(
        "datetime64[s]").astype(np.int64)


def _edges(bands):
    s_edges = [bands["bandwidth_m"] * (i + 1) for i in range(bands["spatial_bands"])]
    scale = 1 if bands["time_unit"] == "calendar_days" else 86_400
    t_edges = [bands["bandwidth_days"] * (j + 1) * scale for j in range(bands["temporal_bands"])]
    return s_edges, t_edges


@pytest.mark.slow
@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    points=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 20),
                              st.sampled_from([0, 43_200])), min_size=2, max_size=25),
    bands=band_settings,
    metric=st.sampled_from(["euclidean", "manhattan"]),
    nrc=st.booleans(),
)
def test_planar_pair_counts_equal_brute_force(points, bands, metric, nrc):
    xy = np.array([p[:2] for p in points], dtype=float)
    frame = incidents_frame(xy, [p[2] for p in points], seconds=[p[3] for p in points])
    if nrc:
        bands = {**bands, "closed": "left", "time_unit": "calendar_days"}
    s = NearRepeatSettings(distance=metric, permutations=99, nrc_compatible=nrc, **bands)
    res = near_repeat(frame, settings=s, keep_simulations=True)
    ordered = sorted_by_id(frame)
    pts = shapely.get_coordinates(ordered.geometry.to_numpy())
    times = _times(ordered, bands["time_unit"])

    def dist(i, j):
        dx, dy = pts[i, 0] - pts[j, 0], pts[i, 1] - pts[j, 1]
        return math.sqrt(dx * dx + dy * dy) if metric == "euclidean" else abs(dx) + abs(dy)

    s_edges, t_edges = _edges(bands)
    ref = brute_table(dist, times, s_edges, t_edges, bands["closed"])
    np.testing.assert_array_equal(res.overall.observed, ref)
    sims = res.overall.simulated
    n = len(points)
    assert (sims.sum(axis=(1, 2)) == n * (n - 1) // 2).all()
    # every permutation keeps the totals per time band (the multiset of differences) and per
    # finite spatial band (the pairs do not move)
    np.testing.assert_array_equal(sims.sum(axis=1), np.broadcast_to(ref.sum(axis=0), sims.shape[::2]))
    np.testing.assert_array_equal(sims[:, :-1].sum(axis=2),
                                  np.broadcast_to(ref[:-1].sum(axis=1), (len(sims), len(ref) - 1)))


@pytest.mark.slow
@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    placed=st.lists(st.tuples(st.integers(0, len(NETWORK) - 1), st.floats(0, 1),
                              st.integers(0, 20), st.sampled_from([0, 43_200])),
                    min_size=2, max_size=20),
    bands=band_settings,
)
def test_network_pair_counts_equal_brute_force(placed, bands):
    seg = network_segments()
    rows = np.array([p[0] for p in placed])
    length = seg["length_m"].to_numpy()[rows]
    positions = np.round(np.array([p[1] for p in placed]) * length)  # whole metres: exact sums
    frame = network_incidents(seg, rows, positions, [p[2] for p in placed],
                              seconds=[p[3] for p in placed])
    s = NearRepeatSettings(distance="network", permutations=99, **bands)
    res = near_repeat(frame, segments=seg, settings=s)
    order = np.argsort(frame.index.to_numpy(), kind="stable")
    _, dist_nx = networkx_distances(seg, rows[order], positions[order])
    times = _times(frame.iloc[order], bands["time_unit"])
    s_edges, t_edges = _edges(bands)
    ref = brute_table(lambda i, j: dist_nx[i, j], times, s_edges, t_edges, bands["closed"])
    np.testing.assert_array_equal(res.overall.observed, ref)


def test_network_distances_match_networkx_on_the_hand_network():
    seg = network_segments()
    rng = np.random.default_rng(5)
    rows = np.r_[np.arange(len(NETWORK)), rng.integers(0, len(NETWORK), 40), 10, 10, 12, 12]
    length = seg["length_m"].to_numpy()[rows]
    pos = np.round(rng.uniform(0, 1, len(rows)) * length)
    pos[-4:] = [10, 100, 5, 75]  # bent parallel: around (70 m) beats straight (90 m); the loop
    graph = _pairs.street_graph(seg)
    pairs = _pairs.network_pairs(graph, rows, pos, max_distance_m=400.0)
    _, ref = networkx_distances(seg, rows, pos)
    got = np.full_like(ref, np.inf)
    got[pairs.first, pairs.second] = pairs.distance_m
    iu = np.triu_indices(len(rows), 1)
    want = np.where(ref[iu] <= 400.0, ref[iu], np.inf)
    np.testing.assert_allclose(got[iu], want, rtol=0, atol=1e-9)
    n = len(rows)
    assert got[n - 4, n - 3] == 70.0  # 10 + 50 + 10 around, not |10 − 100|
    assert got[n - 2, n - 1] == 10.0  # round the loop through its node: 5 + (80 − 75)
    island = np.flatnonzero(rows == 13)
    others = np.flatnonzero(rows != 13)
    assert np.isinf(got[np.ix_(island, others)]).all() and np.isinf(got[np.ix_(others, island)]).all()


def test_segment_reach_matches_networkx():
    seg = network_segments()
    rows = np.array([0, 10, 12, 6])
    pos = np.array([20.0, 100.0, 40.0, 0.0])
    graph = _pairs.street_graph(seg)
    src, srow, d = _pairs.segment_reach(graph, rows, pos, max_distance_m=90.0)
    g, _ = networkx_distances(seg, rows, pos)
    for i in range(len(rows)):
        reach = nx.single_source_dijkstra_path_length(g, ("inc", i))
        for row, coords in enumerate(NETWORK):
            if row == rows[i]:
                want = 0.0
            else:
                want = min(reach.get(("node", coords[0]), np.inf),
                           reach.get(("node", coords[-1]), np.inf))
            got = d[(src == i) & (srow == row)]
            if want <= 90.0:
                assert got.tolist() == [want], (i, row)
            else:
                assert len(got) == 0, (i, row)


# --- published NRC tables ---------------------------------------------------------------------


def _read_gz(name, **kwargs):
    with gzip.open(DATA / name, "rt") as fh:
        return pd.read_csv(fh, **kwargs)


def test_nrc_mode_reproduces_the_published_manhattan_table():
    """NRC 1.3 on Chicago burglaries, Jan 2016 (NearRepeat package, NRverbose 2019-09-23)."""
    raw = _read_gz("chicago_be_month1.csv.gz", header=None, names=["x", "y", "date"])
    inc = incidents_frame(raw[["x", "y"]].to_numpy(),
                          (pd.to_datetime(raw["date"]) - ORIGIN.tz_localize(None).normalize()).dt.days,
                          crs="EPSG:26971")
    s = NearRepeatSettings(distance="manhattan", bandwidth_m=100, spatial_bands=3,
                           bandwidth_days=7, temporal_bands=3, nrc_compatible=True,
                           permutations=99)
    tab = near_repeat(inc, settings=s).overall
    nrc = [[28, 5, 5, 2], [44, 13, 8, 4], [97, 56, 19, 16], [77, 67, 45, 20],
           [182194, 146149, 95237, 45879]]
    np.testing.assert_array_equal(tab.observed, nrc)
    assert tab.labels["en"][0] == ("Same location", "1 to 100 m", "101 to 200 m", "201 to 300 m",
                                   "More than 300 m")
    assert tab.labels["en"][1] == ("0 to 7 days", "8 to 14 days", "15 to 21 days",
                                   "More than 21 days")


def test_nrc_mode_reproduces_the_published_euclidean_table():
    """NRC 1.3 on Chicago burglaries 2016 (tobydavies/NearRepeat, test_data_NRverbose)."""
    raw = _read_gz("chicago_burglary_2016.csv.gz")
    days = (pd.to_datetime(raw["date_single"], format="%d/%m/%Y")
            - ORIGIN.tz_localize(None).normalize()).dt.days
    inc = incidents_frame(raw[["x", "y"]].to_numpy(), days, crs="EPSG:26971")
    s = NearRepeatSettings(bandwidth_m=100, spatial_bands=3, bandwidth_days=2, temporal_bands=2,
                           nrc_compatible=True, permutations=99)
    tab = near_repeat(inc, settings=s).overall
    nrc = [[202, 51, 1025], [189, 143, 7762], [290, 343, 23366], [456, 526, 41305],
           [577857, 760260, 67037075]]
    np.testing.assert_array_equal(tab.observed, nrc)
    # in double precision 14 pairs within a float32 rounding of an edge fall in the next band
    # ("more than 4 days" column): the NRC computes in single precision (module docstring)
    plain = near_repeat(inc, settings=dataclasses.replace(s, nrc_compatible=False)).overall
    assert plain.observed[:, 2].tolist() == [1025, 7765, 23370, 41298, 67037075]
    np.testing.assert_array_equal(plain.observed[:, :2], np.array(nrc)[:, :2])


@pytest.mark.parametrize("case", ["month1", "burglary2016", "arson"])
def test_zone_is_read_as_the_nrc_summaries_read_it(case):
    """NRC's summary sentences ("Within 1 to 100 meters … up to 7 days", "… 69 percent
    greater") from its own ratio and significance tables."""
    if case == "month1":
        ratio = [[1.652, .43, .629, .576], [1.68548387096774, .6, .569, .559], [1.318, .945, .513, .884],
                 [.938, 1.028, 1.071, 1.011], [1, 1, 1, 1]]
        p = [[.05, 1, .9, .9], [.05, 1, 1, .95], [.05, .75, 1, .8], [.75, .45, .5, .5],
             [1, .2, .05, .35]]
        bw, T, bands, days, repeat, peak_pct = 100, 7, (1, 2), (7, 7), 7, 69
    elif case == "burglary2016":
        ratio = [[15.602, 3.341, .82], [2.677852349, 1.576, .978], [1.366, 1.301, .993],
                 [1.295, 1.14, .996], [.999, 1, 1]]
        p = [[.05, .05, 1], [.05, .05, 1], [.05, .05, 1], [.05, .05, 1], [1, 1, .05]]
        bw, T, bands, days, repeat, peak_pct = 100, 2, (1, 2, 3), (4, 4, 2), 4, 168
    else:  # Chicago arson 2016, 99 iterations (NearRepeat vignette "NRC")
        ratio = [[0, 28.29, 0, .81], [74.25, 3.67, 3.96, .81], [11.65, 0, 0, .99],
                 [7.71, 0, 0, .99], [.96, 1, 1, 1]]
        p = [[1, .01, 1, 1], [.01, .27, .23, 1], [.01, 1, 1, .96], [.01, 1, 1, .96],
             [1, .84, .3, .01]]
        bw, T, bands, days, repeat, peak_pct = 200, 1, (1, 2, 3), (1, 1, 1), 0, 7325
    ratio, p = np.array(ratio), np.array(p)
    k, m = ratio.shape[0] - 2, ratio.shape[1] - 1
    meaningful = (p <= 0.05) & (ratio >= 1.2)
    expected = np.ones_like(ratio)
    zone = read_zone(ratio * expected, expected, meaningful,
                     spatial_edges_m=[bw * (i + 1) for i in range(k)],
                     temporal_edges_days=[T * (j + 1) for j in range(m)])
    assert zone.bands == bands
    assert zone.band_days == days
    assert zone.repeat_days == repeat
    assert round((zone.peak[2] - 1) * 100) == peak_pct


# --- pointpats' single-threshold Knox ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("delta, tau", [(20, 5), (10, 30), (35, 2)])
def test_single_threshold_agrees_with_pointpats_knox(delta, tau):
    from libpysal import examples
    from pointpats.spacetime import Knox

    df = gpd.read_file(examples.get_path("burkitt.shp"))
    inc = incidents_frame(df[["X", "Y"]].to_numpy(), df["T"].to_numpy())
    s = NearRepeatSettings(bandwidth_m=delta, spatial_bands=1, bandwidth_days=tau,
                           temporal_bands=1, closed="right", permutations=999, seed=3)
    tab = near_repeat(inc, settings=s, keep_simulations=True).overall
    np.random.seed(12345)  # noqa: NPY002 - pointpats draws from the legacy global generator
    ref = Knox(df[["X", "Y"]], df[["T"]], delta=delta, tau=tau, permutations=999)
    # pointpats: d ≤ δ and Δt ≤ τ = our same location + band 1, first time band (closed right)
    nst = tab.observed[0, 0] + tab.observed[1, 0]
    assert nst == ref.statistic_
    ours = np.array([[nst, tab.observed[:2, 1].sum()], [tab.observed[2, 0], tab.observed[2, 1]]])
    np.testing.assert_array_equal(ours, ref.observed)
    sims = tab.simulated[:, 0, 0] + tab.simulated[:, 1, 0]
    # the permutation mean estimates the exact null expectation NS·NT/pairs (pointpats' ENST)
    assert abs(sims.mean() - ref.expected[0, 0]) < 4 * sims.std() / math.sqrt(len(sims)) + 1e-9
    p_ours = ((sims >= nst).sum() + 1) / (len(sims) + 1)
    assert abs(p_ours - ref.p_sim) < 0.06  # two Monte Carlo estimates of the same p (SE ≈ 0.016)


def test_expected_counts_match_the_exact_permutation_expectation():
    """Under the date permutation E[cell] = row total × column total / pairs, exactly."""
    rng = np.random.default_rng(11)
    xy = rng.uniform(0, 800, size=(300, 2))
    days = rng.integers(0, 120, 300)
    s = NearRepeatSettings(bandwidth_m=60, spatial_bands=3, bandwidth_days=5, temporal_bands=3,
                           permutations=999)
    tab = near_repeat(incidents_frame(xy, days), settings=s, keep_simulations=True).overall
    obs = tab.observed
    exact = np.outer(obs.sum(axis=1), obs.sum(axis=0)) / obs.sum()
    se = tab.simulated.std(axis=0) / math.sqrt(len(tab.simulated))
    assert (np.abs(tab.expected_mean - exact) <= 4.5 * se + 1e-9).all()


# --- planted pattern, shuffled copies, false positives ----------------------------------------


def planted(seed=7, n_base=400, share=0.4):
    """Uniform incidents on 2 km × 2 km over 180 days, 40 % followed by one within 60 m, 0–4 days."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 2000, size=(n_base, 2))
    days = rng.integers(0, 180, n_base)
    parent = np.flatnonzero(rng.random(n_base) < share)
    angle = rng.uniform(0, 2 * np.pi, len(parent))
    radius = rng.uniform(0, 60, len(parent))
    kid = xy[parent] + np.c_[np.cos(angle), np.sin(angle)] * radius[:, None]
    kid_days = days[parent] + rng.integers(0, 5, len(parent))
    return np.vstack([xy, kid]), np.r_[days, kid_days]


def test_planted_near_repeat_is_detected_and_its_shuffled_copy_is_not():
    xy, days = planted()
    s = NearRepeatSettings(bandwidth_m=100, spatial_bands=3, bandwidth_days=7, temporal_bands=3,
                           permutations=999)
    res = near_repeat(incidents_frame(xy, days), settings=s)
    tab = res.overall
    assert tab.p_value[1, 0] == 1 / 1000 and tab.knox_ratio[1, 0] > 2
    assert res.zone.found and res.zone.bands == (1,) and res.zone.band_days == (7.0,)
    assert res.zone.distance_m == 100.0
    assert "less than 100 m from an incident and up to 6 days after it" in res.summary["en"]
    assert "a menos de 100 m de uma ocorrência e até 6 dias depois dela" in res.summary["pt"]
    shuffled = np.random.default_rng(99).permutation(days)
    copy = near_repeat(incidents_frame(xy, shuffled), settings=s)
    assert copy.overall.p_value[1, 0] > 0.05
    assert not copy.zone.found
    assert copy.summary["en"].startswith("No near-repeat pattern")
    assert copy.summary["pt"].startswith("Sem padrão de quase-repetição")


@pytest.mark.slow
def test_false_positive_rate_of_shuffled_copies_is_near_alpha():
    xy, days = planted()
    s = NearRepeatSettings(bandwidth_m=100, spatial_bands=1, bandwidth_days=7, temporal_bands=1,
                           permutations=99)
    rng = np.random.default_rng(2024)
    runs = 200
    rejected = 0
    for _ in range(runs):
        tab = near_repeat(incidents_frame(xy, rng.permutation(days)), settings=s).overall
        rejected += tab.p_value[1, 0] <= 0.05
    # Binomial(200, 0.05): 3 ≤ X ≤ 20 holds with probability 0.996
    assert 3 <= rejected <= 20, rejected


# --- determinism, order, categories -----------------------------------------------------------


def test_same_seed_same_result_and_row_order_does_not_matter():
    xy, days = planted(seed=3, n_base=150)
    frame = incidents_frame(xy, days)
    s = NearRepeatSettings(permutations=199, seed=5)
    a = near_repeat(frame, settings=s).overall
    b = near_repeat(frame.iloc[::-1], settings=s).overall
    np.testing.assert_array_equal(a.observed, b.observed)
    np.testing.assert_array_equal(a.p_value, b.p_value)
    np.testing.assert_array_equal(a.expected_mean, b.expected_mean)
    c = near_repeat(frame, settings=dataclasses.replace(s, seed=6)).overall
    np.testing.assert_array_equal(a.observed, c.observed)
    assert not np.array_equal(a.expected_mean, c.expected_mean)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_per_category_tables_count_pairs_within_each_category():
    xy, days = planted(seed=4, n_base=120)
    cats = np.where(np.arange(len(days)) % 3 == 0, "roubo", "furto")
    frame = incidents_frame(xy, days, category=cats)
    s = NearRepeatSettings(permutations=99, per_category=True)
    res = near_repeat(frame, settings=s)
    assert set(res.by_category) == {"furto", "roubo"}
    for cat, tab in res.by_category.items():
        alone = near_repeat(frame[frame["category"] == cat],
                            settings=dataclasses.replace(s, per_category=False)).overall
        np.testing.assert_array_equal(tab.observed, alone.observed)
        assert tab.category == cat and tab.n_incidents == int((cats == cat).sum())
    assert res.by_category["furto"].seed == (s.seed, 1)


def test_knox_matrix_pivots_with_labels():
    xy, days = planted(seed=5, n_base=80)
    tab = near_repeat(incidents_frame(xy, days), settings=NearRepeatSettings(permutations=99)).overall
    mat = knox_matrix(tab, value="observed", language="pt")
    assert list(mat.index) == list(tab.labels["pt"][0])
    assert list(mat.columns) == list(tab.labels["pt"][1])
    np.testing.assert_array_equal(mat.to_numpy(), tab.observed)
    with pytest.raises(ValidationError, match="value='ratio'"):
        knox_matrix(tab, value="ratio")


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"permutations": 10}, r"near_repeat.permutations: expected a number ≥ 99"),
    ({"distance": "geodesic"}, r"near_repeat.distance: expected one of"),
    ({"nrc_compatible": True, "distance": "network"}, r"NRC measures euclidean or manhattan"),
    ({"nrc_compatible": True, "closed": "right"}, r"NRC's bands are \[a−1, b\)"),
    ({"nrc_compatible": True, "time_unit": "elapsed_days"}, r"NRC reads dates only"),
    ({"alpha": 0.001, "permutations": 99}, r"smallest possible p-value"),
    ({"bandwidth_m": -5.0}, r"near_repeat.bandwidth_m: expected a number > 0"),
])
def test_invalid_settings_are_reported(kwargs, message):
    inc = incidents_frame([(0, 0), (1, 1)], [0, 1])
    with pytest.raises(ValidationError, match=message):
        near_repeat(inc, settings=NearRepeatSettings(**kwargs))


def test_input_problems_are_collected_and_reported_once():
    inc = incidents_frame([(0, 0), (1, 1), (2, 2)], [0, 1, 2], ids=["a", "a", "b"])
    inc.loc[inc.index[2:], "occurred_at"] = pd.NaT
    with pytest.raises(ValidationError) as err:
        near_repeat(inc, settings=NearRepeatSettings(per_category=True))
    text = str(err.value)
    assert "duplicates" in text and "'occurred_at' is missing for 1 incidents" in text
    assert "per_category needs a 'category' column" in text


@pytest.mark.parametrize("change, message", [
    (lambda f: f.assign(occurred_at=f["occurred_at"].dt.tz_localize(None)), "timezone-aware"),
    (lambda f: f.drop(columns="occurred_at"), "no 'occurred_at' column"),
    (lambda f: f.to_crs("EPSG:4326"), "distances must be measured in metres"),
    (lambda f: f.set_geometry(gpd.GeoSeries([None] * len(f), index=f.index, crs=f.crs)),
     "have no point geometry"),
    (lambda f: pd.DataFrame(f.drop(columns="geometry")), "need a GeoDataFrame"),
    (lambda f: f.iloc[:1], "at least 2 incidents"),
])
def test_planar_input_errors(change, message):
    inc = incidents_frame([(0, 0), (1, 1), (5, 5)], [0, 1, 2])
    with pytest.raises(ValidationError, match=message):
        near_repeat(change(inc), settings=NearRepeatSettings())


def test_network_input_errors():
    seg = network_segments()
    inc = network_incidents(seg, np.array([0, 1, 2]), np.array([10.0, 20.0, 30.0]), [0, 1, 2])
    s = NearRepeatSettings(distance="network")
    with pytest.raises(ValidationError, match="need the segments"):
        near_repeat(inc, settings=s)
    bad = inc.copy()
    bad.loc[bad.index[0], "segment_id"] = 999_999
    with pytest.raises(ValidationError, match="absent from the segments"):
        near_repeat(bad, segments=seg, settings=s)
    bad = inc.copy()
    bad.loc[bad.index[1], "position_m"] = 51.0  # segment 0 is 50 m long
    with pytest.raises(ValidationError, match=r"position_m outside \[0, length_m\]"):
        near_repeat(bad, segments=seg, settings=s)
    with pytest.raises(ValidationError, match="'position_m' column"):
        near_repeat(inc.drop(columns="position_m"), segments=seg, settings=s)


# --- risk zones -------------------------------------------------------------------------------


def grid_segments(n=5, step=100.0):
    """A square grid of n × n nodes, 100 m blocks; ids 1000 + 7·row."""
    i, j = np.meshgrid(np.arange(n), np.arange(n - 1), indexing="ij")
    i, j = i.ravel(), j.ravel()
    horiz = np.stack([j * step, i * step, (j + 1) * step, i * step], axis=1)
    vert = np.stack([i * step, j * step, i * step, (j + 1) * step], axis=1)
    lines = shapely.linestrings(np.vstack([horiz, vert]).reshape(-1, 2, 2))
    seg = gpd.GeoDataFrame({"street_name": "Rua"}, geometry=lines, crs=CRS,
                           index=pd.Index(1000 + 7 * np.arange(len(lines)), name="segment_id"))
    seg["length_m"] = shapely.length(lines)
    return seg


def fake_result(settings, zone: NearRepeatZone, frame, segments=None):
    """A real result whose zone is replaced by the given one (to test the zone → segments step)."""
    res = near_repeat(frame, segments=segments, settings=settings)
    return dataclasses.replace(res, overall=dataclasses.replace(res.overall, zone=zone))


ZONE = NearRepeatZone(bands=(1, 2), band_edges_m=(100.0, 200.0), band_days=(14.0, 7.0),
                      repeat_days=21.0, distance_m=200.0, days=14.0, observed=0, expected=0.0,
                      knox_ratio=2.0, peak=None, repeat_ratio=2.0)


def _segment_distances_networkx(seg, inc):
    """Distance from each incident to the nearest point of each segment, along the streets."""
    g = nx.Graph()
    coords = [tuple(map(float, c)) for c in shapely.get_coordinates(seg.geometry.to_numpy())]
    starts, ends = coords[0::2], coords[1::2]
    for k, (a, b) in enumerate(zip(starts, ends)):
        on = [(p, i) for i, (s_id, p) in enumerate(zip(inc["segment_id"], inc["position_m"]))
              if s_id == seg.index[k]]
        chain = [a] + [("inc", i) for _, i in sorted(on)] + [b]
        at = [0.0] + [p for p, _ in sorted(on)] + [seg["length_m"].iloc[k]]
        for u, v, x, y in zip(chain[:-1], chain[1:], at[:-1], at[1:]):
            g.add_edge(u, v, weight=y - x)
    out = {}
    for i in range(len(inc)):
        reach = nx.single_source_dijkstra_path_length(g, ("inc", i))
        for k, (a, b) in enumerate(zip(starts, ends)):
            own = inc["segment_id"].iloc[i] == seg.index[k]
            out[i, seg.index[k]] = 0.0 if own else min(reach.get(a, np.inf), reach.get(b, np.inf))
    return out


def _expected_zones(dist, inc, as_of, closed="left"):
    """Segment → latest active date, by the rule in risk_zones' docstring (written apart)."""
    reach = [(0.0, 21.0), (100.0, 14.0), (200.0, 7.0)]
    out: dict = {}
    for (i, seg_id), d in dist.items():
        day = inc["occurred_at"].iloc[i].date()
        if day > as_of:
            continue
        for edge, days in reach:
            inside = d == 0 if edge == 0 else (d < edge if closed == "left" else d <= edge)
            if inside:
                until = day + dt.timedelta(days=int(days) - (1 if closed == "left" else 0))
                if until >= as_of:
                    out[seg_id] = max(out.get(seg_id, until), until)
    return out


@pytest.mark.parametrize("distance", ["network", "euclidean", "manhattan"])
def test_risk_zones_follow_the_zone_bands(distance):
    seg = grid_segments()
    as_of = dt.date(2024, 3, 20)
    # A: middle of a central block, 3 days ago; B: 10 days ago elsewhere; C: tomorrow; D: old
    rows = np.array([seg.index.get_loc(1000 + 7 * 5), seg.index.get_loc(1000 + 7 * 30),
                     seg.index.get_loc(1000 + 7 * 12), seg.index.get_loc(1000 + 7 * 2)])
    pos = np.array([50.0, 30.0, 60.0, 10.0])
    days = np.array([(as_of - ORIGIN.date()).days + d for d in (-3, -10, 1, -30)])
    inc = network_incidents(seg, rows, pos, days)
    s = NearRepeatSettings(distance=distance, permutations=99)
    res = fake_result(s, ZONE, inc, seg)
    zones = risk_zones(res, inc, seg, as_of=as_of)
    if distance == "network":
        dist = _segment_distances_networkx(seg, inc)
    else:  # dense sampling along the (axis-aligned) segments: exact at whole metres
        dist = {}
        pts = shapely.get_coordinates(inc.geometry.to_numpy())
        for k, line in enumerate(seg.geometry):
            samples = shapely.get_coordinates(shapely.line_interpolate_point(
                line, np.linspace(0, line.length, 1001)))
            for i, p in enumerate(pts):
                diff = np.abs(samples - p)
                d = np.hypot(*diff.T) if distance == "euclidean" else diff.sum(axis=1)
                dist[i, seg.index[k]] = round(float(d.min()), 6)
    want = _expected_zones(dist, inc, as_of)
    got = zones.segments["active_until"].to_dict()
    assert got == want
    a_seg = 1000 + 7 * 5
    assert got[a_seg] == as_of + dt.timedelta(days=17)  # same location: 21 days from day −3
    assert zones.segments.loc[a_seg, "days_left"] == 18
    assert zones.segments.loc[a_seg, "nearest_source_m"] == 0.0
    assert set(zones.sources["incident_id"]) <= set(inc.index[:2])
    assert zones.segments.crs == seg.crs and zones.segments.geometry.notna().all()
    assert (zones.segments["zone_id"] >= 1).all()
    assert zones.segments["street_name"].eq("Rua").all()


def test_release_keeps_segments_near_k_sources_until_the_kth_latest():
    seg = grid_segments()
    as_of = dt.date(2024, 3, 20)
    base = (as_of - ORIGIN.date()).days
    rows = np.array([seg.index.get_loc(1000 + 7 * 5)] * 2 + [seg.index.get_loc(1000 + 7 * 6)])
    inc = network_incidents(seg, rows, np.array([40.0, 60.0, 50.0]),
                            np.array([base - 1, base - 4, base - 2]))
    s = NearRepeatSettings(distance="network", permutations=99)
    zones = risk_zones(fake_result(s, ZONE, inc, seg), inc, seg, as_of=as_of)
    released = release_risk_zones(zones, k=2)
    counts = zones.segments["source_incidents"]
    assert set(released.index) == set(counts[counts >= 2].index)
    assert set(released.columns) == {"street_name", "active_until", "days_left", "geometry"}
    for seg_id in released.index:
        dates = sorted(zones.sources.loc[zones.sources["segment_id"] == seg_id, "active_until"],
                       reverse=True)
        assert released.loc[seg_id, "active_until"] == dates[1]
    assert len(release_risk_zones(zones, k=4)) == 0
    with pytest.raises(ValidationError, match="k must be a whole number"):
        release_risk_zones(zones, k=0)


def test_per_category_zones_apply_to_their_own_category():
    seg = grid_segments()
    as_of = dt.date(2024, 3, 20)
    base = (as_of - ORIGIN.date()).days
    rows = np.array([seg.index.get_loc(1000 + 7 * 5), seg.index.get_loc(1000 + 7 * 30)])
    inc = network_incidents(seg, rows, np.array([50.0, 50.0]), np.array([base - 1, base - 1]))
    inc["category"] = ["roubo", "furto"]
    s = NearRepeatSettings(distance="network", permutations=99, per_category=True)
    res = near_repeat(inc, segments=seg, settings=s)
    none = dataclasses.replace(ZONE, bands=(), band_edges_m=(), band_days=(), repeat_days=0.0)
    res = dataclasses.replace(res, by_category={
        "roubo": dataclasses.replace(res.by_category["roubo"], zone=ZONE),
        "furto": dataclasses.replace(res.by_category["furto"], zone=none)})
    zones = risk_zones(res, inc, seg, as_of=as_of)
    assert set(zones.sources["incident_id"]) == {inc.index[0]}
    assert zones.segments["categories"].eq("roubo").all()
    assert zones.reach["furto"] == () and zones.reach["roubo"][0] == (0.0, 21.0)
    with pytest.raises(ValidationError, match="'category' column"):
        risk_zones(res, inc.drop(columns="category"), seg, as_of=as_of)


def test_risk_zones_reject_other_settings_and_bad_dates():
    seg = grid_segments()
    inc = network_incidents(seg, np.array([0, 1]), np.array([10.0, 20.0]), [0, 1])
    s = NearRepeatSettings(distance="network", permutations=99)
    res = near_repeat(inc, segments=seg, settings=s)
    with pytest.raises(ValidationError, match=r"bandwidth_m: 50\.0 here, 100\.0 in the result"):
        risk_zones(res, inc, seg, as_of="2024-03-05",
                   settings=dataclasses.replace(s, bandwidth_m=50.0))
    with pytest.raises(ValidationError, match="not a date"):
        risk_zones(res, inc, seg, as_of="05/03/2024")
    empty = risk_zones(res, inc, seg, as_of=dt.date(2024, 3, 5))
    assert len(empty.segments) == 0 and not res.zone.found


def test_manhattan_distance_to_a_bent_line():
    from hotspots.stats.near_repeat_zones import _manhattan_to_lines

    line = shapely.LineString([(0, 0), (10, 10), (20, 0)])
    pts = np.array([shapely.Point(5, 9), shapely.Point(30, 0), shapely.Point(10, 12)])
    got = _manhattan_to_lines(pts, np.array([line] * 3))
    samples = shapely.get_coordinates(shapely.line_interpolate_point(
        line, np.linspace(0, line.length, 200_001)))
    want = [np.abs(samples - shapely.get_coordinates(p)).sum(axis=1).min() for p in pts]
    np.testing.assert_allclose(got, want, atol=1e-3)


# --- the figure -------------------------------------------------------------------------------


def test_heat_table_png_has_labels_in_both_languages_and_is_reproducible():
    xy, days = planted(seed=8, n_base=200)
    tab = near_repeat(incidents_frame(xy, days), settings=NearRepeatSettings(permutations=99)).overall
    png = knox_heatmap_png(tab, language="pt")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert knox_heatmap_png(tab, language="pt") == png
    for lang in ("pt", "en"):
        fig = knox_heatmap(tab, language=lang)
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_yticklabels()] == list(tab.labels[lang][0])
        assert [t.get_text() for t in ax.get_xticklabels()] == list(tab.labels[lang][1])
        marks = [t.get_text() for t in ax.texts]
        assert sum("●" in m for m in marks) == int(tab.significant.sum())
        assert len(ax.patches) == len(tab.zone.cells)
    with pytest.raises(ValidationError, match="language='es'"):
        knox_heatmap(tab, language="es")


# --- the sample city --------------------------------------------------------------------------


@pytest.mark.slow
def test_sample_city_gives_a_sensible_table_with_no_planted_pattern():
    """The sample generator plants no near repeats (data/scripts/make_sample_incidents.py): its
    hot-spot centres change week to week, which makes pairs close in space slightly closer in
    time than chance (a few per cent) but never a meaningful (≥ 20 %) near-repeat zone."""
    from hotspots import geocode, ingest, sample
    from hotspots.segments import build_segments

    segs = build_segments(sample.load_layer("streets"), name_column="name")
    read = ingest.read_incidents(sample.incidents_path(), time_format="%d/%m/%Y %H:%M",
                                 timezone=sample.TIMEZONE)
    geo = geocode.geocode_incidents(read.incidents, segs).geocoded
    for distance in ("euclidean", "network"):
        res = near_repeat(geo, segments=segs,
                          settings=NearRepeatSettings(distance=distance, permutations=199))
        tab = res.overall
        n = len(geo)
        assert tab.observed.sum() == n * (n - 1) // 2
        near = tab.knox_ratio[1:-1, :-1]
        assert ((near > 0.85) & (near < 1.15)).all(), near
        np.testing.assert_allclose(tab.knox_ratio[-1], 1.0, atol=0.03)
        assert not res.zone.found
        assert res.summary["pt"].startswith("Sem padrão de quase-repetição")


# --- the permutation recount: narrow counters, wide passes ------------------------------------


def numpy_cells(first, second, sband, t, perm, t_edges, n_spatial):
    """Finite Knox cells of the pairs when incident i gets time t[perm[i]] (left-closed)."""
    tp = np.asarray(t)[perm]
    tband = np.searchsorted(t_edges, np.abs(tp[first] - tp[second]), side="right")
    out = np.zeros((n_spatial, len(t_edges) + 1), dtype=np.int64)
    np.add.at(out, (sband, tband), 1)
    return out[:, :-1]


@pytest.mark.parametrize("scale", [1, 86_400, 2**36])  # int16, int32 and int64 time columns
def test_recount_counts_beyond_the_narrow_counter_limit(scale):
    from hotspots.stats import _knox

    rng = np.random.default_rng(11)
    n = 400  # 79,800 pairs, most of them in one cell: past int16's 32,767 in every chunk
    first, second = np.triu_indices(n, k=1)
    sband = np.where(rng.random(len(first)) < 0.9, 0, rng.integers(1, 4, len(first)))
    t = rng.integers(0, 40, n) * scale
    t_edges = np.array([7, 14, 21]) * scale
    perms = np.stack([np.arange(n)] + [rng.permutation(n) for _ in range(40)])
    got = _knox.finite_counts(first, second, sband, t, perms, t_edges, closed="left",
                              n_spatial=4, locality=rng.permutation(n))
    for r in (0, 1, 39, 40):
        np.testing.assert_array_equal(
            got[r], numpy_cells(first, second, sband, t, perms[r], t_edges, 4))
    assert got[0, 0].sum() > 2**15


def test_knox_counts_are_the_seeded_permutations_in_order():
    from hotspots.stats import _knox

    rng = np.random.default_rng(12)
    n = 90
    first, second = np.triu_indices(n, k=1)
    sband = rng.integers(0, 4, len(first))
    t = rng.integers(0, 60, n)
    t_edges = np.array([7, 14, 21])
    observed, sims = _knox.knox_counts(first, second, sband, t, t_edges, closed="left",
                                       n_spatial=4, permutations=300, seed=[3, 1])
    draw = np.random.default_rng([3, 1])
    np.testing.assert_array_equal(
        observed[:-1, :-1], numpy_cells(first, second, sband, t, np.arange(n), t_edges, 4))
    for r in range(300):  # more than one pass of the recount (block of 128)
        perm = draw.permutation(n)
        if r in (0, 126, 127, 128, 299):
            np.testing.assert_array_equal(
                sims[r, :-1, :-1], numpy_cells(first, second, sband, t, perm, t_edges, 4))


@pytest.mark.parametrize("limit", [0.0, 1e-3, 35.0, 120.0])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("origin", [(0.0, 0.0), (370_000.0, 6_480_000.0)])
def test_planar_pairs_grid_and_tree_paths_equal_scipy(limit, metric, origin):
    # near the origin the slack is tiny, so a limit of 0 takes the k-d tree path
    from scipy.spatial.distance import pdist, squareform

    rng = np.random.default_rng(21)
    xy = rng.uniform(0, 1_000, size=(400, 2)).round(0)  # rounded: exact duplicates and ties
    xy = np.r_[xy, xy[:30]] + np.asarray(origin)
    scale = max(1.0, float(np.abs(xy).max()))
    tree_path = 1_000 / (limit + 1e-7 * scale) >= _pairs._MAX_GRID_CELLS
    assert tree_path == (origin == (0.0, 0.0) and limit == 0)
    d = squareform(pdist(xy, "euclidean" if metric == "euclidean" else "cityblock"))
    i, j = np.nonzero(np.triu(d <= limit, k=1))
    got = _pairs.planar_pairs(xy, max_distance_m=limit, metric=metric)
    order = np.lexsort((got.second, got.first))
    np.testing.assert_array_equal(got.first[order], i)
    np.testing.assert_array_equal(got.second[order], j)
    np.testing.assert_allclose(got.distance_m[order], d[i, j], rtol=0, atol=1e-9)


@pytest.mark.parametrize("limit", [1e-3, 40.0, 120.0])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("closed", ["left", "right"])
@pytest.mark.parametrize("single", [False, True])
def test_banded_planar_pairs_equal_the_pairs_then_their_bands(limit, metric, closed, single):
    # the origin (0, 0) with limit 1e-3 takes the k-d tree path, the others the grid
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 1_000, size=(500, 2)).round(0)  # pairs exactly at the band edges
    xy = np.r_[xy, xy[:30]]
    edges = limit / 3 * np.arange(1, 4)
    plain = _pairs.planar_pairs(xy, max_distance_m=limit, metric=metric, single_precision=single)
    band = _knox.spatial_bands(plain.distance_m, edges, closed=closed)
    finite = band <= 3
    got = _pairs.planar_pairs(xy, max_distance_m=limit, metric=metric, single_precision=single,
                              band_edges_m=edges, left_closed=closed == "left")
    assert got.band is not None and got.band.dtype == np.int8 and len(got.distance_m) == 0
    want = np.lexsort((plain.second[finite], plain.first[finite]))
    order = np.lexsort((got.second, got.first))
    np.testing.assert_array_equal(got.first[order], plain.first[finite][want])
    np.testing.assert_array_equal(got.second[order], plain.second[finite][want])
    np.testing.assert_array_equal(got.band[order], band[finite][want])
