"""Tests of hotspots.stats.nkde: exact 1-D kernels, equal split at nodes, mass, brute-force paths."""

from __future__ import annotations

import heapq
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

from hotspots._errors import CRSError, ValidationError
from hotspots.stats.nkde import kernel_values_1d, lixelize, network_kde, segment_density

CRS = "EPSG:31982"


def _segments(lines, ids=None, crs=CRS):
    g = gpd.GeoDataFrame(geometry=[LineString(c) for c in lines], crs=crs)
    g["length_m"] = shapely.length(g.geometry.values)
    g.index = pd.Index(ids if ids is not None else np.arange(100, 100 + len(g)), name="segment_id")
    return g


def _events(seg_ids, pos, weight=None):
    ev = pd.DataFrame({"segment_id": seg_ids, "position_m": pos})
    if weight is not None:
        ev["w"] = weight
    return ev


def _quartic(d, h):
    u = np.abs(d) / h
    return np.where(u < 1, 15 / (16 * h) * (1 - u * u) ** 2, 0.0)


def _centres(lix):
    return 0.5 * (lix["start_m"] + lix["end_m"]).to_numpy()


@pytest.fixture
def plus():
    """Four 1 km arms meeting at (0, 0): one degree-4 intersection, dead ends 1 km away."""
    return _segments(
        [[(0, 0), (1000, 0)], [(0, 0), (-1000, 0)], [(0, 0), (0, 1000)], [(0, 0), (0, -1000)]],
        ids=[11, 22, 33, 44],
    )


def _lattice(n=5, step=100.0):
    """An n × n street grid (no dead ends), segments from the lower/left node."""
    lines = []
    for i in range(n):
        for j in range(n - 1):
            lines.append([(j * step, i * step), ((j + 1) * step, i * step)])
            lines.append([(i * step, j * step), (i * step, (j + 1) * step)])
    return _segments(lines)


@pytest.fixture
def toy():
    """A 4 × 4 grid plus a dead-end spur, a bent street, a loop and a reversed segment."""
    seg = _lattice(4)
    extra = _segments(
        [
            [(300, 300), (380, 340), (420, 300)],  # bent street to a dead end
            [(0, 0), (-30, -40), (-60, 0), (0, 0)],  # loop from (0, 0) back to itself
            [(-100, 150), (0, 100)],  # reversed: first vertex away from the grid, dead end
        ],
        ids=[900, 901, 902],
    )
    return pd.concat([seg, extra])


# --- independent references: recursion over every path, and a heap Dijkstra ------------------


def _graph(seg):
    nodes, ends = {}, []
    for geom in seg.geometry:
        c = list(geom.coords)
        a, b = (round(c[0][0], 3), round(c[0][1], 3)), (round(c[-1][0], 3), round(c[-1][1], 3))
        ends.append((nodes.setdefault(a, len(nodes)), nodes.setdefault(b, len(nodes))))
    half = {}
    for f, (u, v) in enumerate(ends):
        half.setdefault(u, []).append((f, 0))
        half.setdefault(v, []).append((f, 1))
    return ends, half


def _reference_discontinuous(seg, lix, events, h):
    ends, half = _graph(seg)
    length = seg["length_m"].to_numpy()
    pos = seg.index.get_indexer(lix["segment_id"])
    centre = _centres(lix)
    by_seg = {f: np.flatnonzero(pos == f) for f in range(len(seg))}
    out = np.zeros(len(lix))

    def walk(node, came, d, m):
        if d >= h or len(half[node]) == 1:
            return
        share = m / (len(half[node]) - 1)
        for f, side in half[node]:
            if (f, side) == came:
                continue
            c = centre[by_seg[f]]
            out[by_seg[f]] += share * _quartic(d + (c if side == 0 else length[f] - c), h)
            walk(ends[f][1 - side], (f, 1 - side), d + length[f], share)

    for sid, p, w in events:
        s = seg.index.get_loc(sid)
        out[by_seg[s]] += w * _quartic(centre[by_seg[s]] - p, h)
        walk(ends[s][0], (s, 0), p, w)
        walk(ends[s][1], (s, 1), length[s] - p, w)
    return out


def _reference_simple(seg, lix, events, h):
    ends, half = _graph(seg)
    length = seg["length_m"].to_numpy()
    pos = seg.index.get_indexer(lix["segment_id"])
    centre = _centres(lix)
    out = np.zeros(len(lix))
    for sid, p, w in events:
        s = seg.index.get_loc(sid)
        dist = {}
        heap = [(p, ends[s][0]), (length[s] - p, ends[s][1])]
        while heap:
            d, u = heapq.heappop(heap)
            if u in dist:
                continue
            dist[u] = d
            for f, side in half[u]:
                v = ends[f][1 - side]
                if v not in dist:
                    heapq.heappush(heap, (d + length[f], v))
        for i in range(len(lix)):
            f, c = pos[i], centre[i]
            d = min(
                dist.get(ends[f][0], math.inf) + c, dist.get(ends[f][1], math.inf) + length[f] - c
            )
            if f == s:
                d = min(d, abs(c - p))
            out[i] += w * _quartic(d, h)
    return out


# --- lixelize ---------------------------------------------------------------------------------


def test_lixelize_equal_pieces_and_merged_short_tail():
    seg = _segments([[(0, 0), (25, 0)], [(0, 10), (20.5, 10)], [(0, 20), (4, 20)]])
    lix = lixelize(seg, lixel_length_m=10.0, min_length_m=1.0)
    assert lix["segment_id"].tolist() == [100, 100, 100, 101, 101, 102]
    assert lix["start_m"].tolist() == [0, 10, 20, 0, 10, 0]
    assert lix["end_m"].tolist() == pytest.approx([10, 20, 25, 10, 20.5, 4])  # 0.5 m tail merged
    assert np.allclose(lix.geometry.length, lix["length_m"])
    assert lix.index.name == "lixel_id" and lix.crs == seg.crs


def test_lixel_geometry_follows_bends():
    seg = _segments([[(0, 0), (6, 0), (6, 8), (0, 8)]])  # 6 + 8 + 6 = 20 m
    lix = lixelize(seg, lixel_length_m=5.0)
    assert [list(g.coords) for g in lix.geometry] == [
        [(0, 0), (5, 0)],
        [(5, 0), (6, 0), (6, 4)],
        [(6, 4), (6, 8), (5, 8)],
        [(5, 8), (0, 8)],
    ]


# --- exact values -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["discontinuous", "simple"])
def test_single_segment_is_the_1d_kernel(method):
    seg = _segments([[(0, 0), (5000, 0)]])
    ev = _events([100, 100], [2400.0, 2500.0], weight=[1.0, 2.0])
    res = network_kde(seg, ev, bandwidth_m=300, method=method, lixel_length_m=10, weight_column="w")
    c = _centres(res.lixels)
    # quartic on a line: 15/(16h)·(1 − (d/h)²)², written out again rather than via _quartic
    expected = (
        15 / 4800 * np.clip(1 - ((c - 2400) / 300) ** 2, 0, None) ** 2
        + 2 * 15 / (16 * 300) * np.clip(1 - ((c - 2500) / 300) ** 2, 0, None) ** 2
    )
    assert res.lixels["density"].to_numpy() == pytest.approx(expected, abs=1e-15)
    assert res.lixels["density"].max() > 0
    km = network_kde(seg, ev, bandwidth_m=300, method=method, weight_column="w", units="per_km")
    assert km.lixels["density"].to_numpy() == pytest.approx(1000 * expected)
    assert km.units == "incidents per km of street"


@pytest.mark.parametrize("kernel", ["triangle", "epanechnikov", "gaussian"])
def test_other_kernels_have_unit_mass_on_a_line(kernel):
    x = np.linspace(-300, 300, 600_001)
    k = kernel_values_1d(x, bandwidth_m=300, kernel=kernel)
    assert np.trapezoid(k, x) == pytest.approx(1.0, abs=1e-6)
    assert kernel_values_1d(np.array([300.0, 301.0]), bandwidth_m=300, kernel=kernel).tolist() == [
        0.0,
        0.0,
    ]


def test_degree_four_node_splits_into_thirds(plus):
    ev = _events([11], [200.0])  # 200 m from the intersection along arm 11
    res = network_kde(plus, ev, bandwidth_m=300, lixel_length_m=10)
    lix = res.lixels
    for arm in (22, 33, 44):
        part = lix[lix["segment_id"] == arm]
        d = _centres(part)  # every arm starts at the node: distance past it = centre
        assert part["density"].to_numpy() == pytest.approx(_quartic(200 + d, 300) / 3, abs=1e-15)
        assert part["density"].iloc[0] > 0 and part["density"].iloc[-1] == 0
    own = lix[lix["segment_id"] == 11]
    assert own["density"].to_numpy() == pytest.approx(_quartic(_centres(own) - 200, 300))


def test_simple_is_not_mass_preserving_at_intersections(plus):
    """Simple gives each of the 3 other arms the full tail: the tail mass counts 3 times."""
    ev = _events([11], [200.0])
    tail = 15 / 16 * ((1 - 2 / 3 + 1 / 5) - (2 / 3 - 2 / 3 * (2 / 3) ** 3 + (2 / 3) ** 5 / 5))
    masses = {}
    for method in ("simple", "discontinuous"):
        lix = network_kde(plus, ev, bandwidth_m=300, method=method, lixel_length_m=1).lixels
        masses[method] = float((lix["density"] * lix["length_m"]).sum())
        arm = lix[lix["segment_id"] == 22]
        factor = 1 if method == "simple" else 1 / 3
        assert arm["density"].to_numpy() == pytest.approx(
            factor * _quartic(200 + _centres(arm), 300), abs=1e-15
        )
    assert masses["discontinuous"] == pytest.approx(1.0, abs=1e-5)
    assert masses["simple"] - 1 == pytest.approx(2 * tail, abs=1e-5)  # ≈ 0.071 excess
    assert tail == pytest.approx(0.0354938, abs=1e-6)


def test_dead_ends_absorb(plus):
    ev = _events([11], [900.0])  # 100 m from the dead end at (1000, 0)
    lix = network_kde(plus, ev, bandwidth_m=300, lixel_length_m=1).lixels
    mass = float((lix["density"] * lix["length_m"]).sum())
    lost = 15 / 16 * (1 - 2 / 3 + 1 / 5 - (1 / 3 - 2 / 81 + 1 / 1215))  # ∫ from 100 to 300 m
    assert mass == pytest.approx(1 - lost, abs=1e-5)


def test_mass_is_conserved_without_dead_ends():
    seg = _lattice(5)
    rng = np.random.default_rng(3)
    pick = rng.integers(0, len(seg), 25)
    ev = _events(seg.index[pick], rng.uniform(0, 100, 25), weight=rng.uniform(0.5, 2, 25))
    lix = network_kde(seg, ev, bandwidth_m=250, lixel_length_m=2, weight_column="w").lixels
    mass = float((lix["density"] * lix["length_m"]).sum())
    assert mass == pytest.approx(ev["w"].sum(), rel=1e-4)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 39), st.floats(0, 100), st.floats(0.1, 5)),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["quartic", "triangle", "epanechnikov", "gaussian"]),
)
def test_mass_conserved_property(rows, kernel):
    seg = _lattice(5)
    ev = _events([seg.index[r[0]] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    lix = network_kde(
        seg, ev, bandwidth_m=180, lixel_length_m=2, kernel=kernel, weight_column="w"
    ).lixels
    mass = float((lix["density"] * lix["length_m"]).sum())
    assert mass == pytest.approx(ev["w"].sum(), rel=2e-3)


# --- against the independent references -------------------------------------------------------


def _toy_events(seg):
    ids = [seg.index[5], seg.index[0], 900, 901, 902, seg.index[17], seg.index[17]]
    pos = [30.0, 0.0, 55.0, 20.0, 60.0, 99.0, 100.0]  # includes events exactly at nodes
    return _events(ids, pos, weight=[1, 2, 1, 1, 0.5, 1, 1])


def test_discontinuous_matches_recursion_over_every_path(toy):
    ev = _toy_events(toy)
    res = network_kde(toy, ev, bandwidth_m=260, lixel_length_m=7, weight_column="w")
    ref = _reference_discontinuous(
        toy, res.lixels, ev[["segment_id", "position_m", "w"]].values, 260
    )
    assert res.lixels["density"].to_numpy() == pytest.approx(ref, abs=1e-14)


def test_simple_matches_dijkstra_reference(toy):
    ev = _toy_events(toy)
    res = network_kde(
        toy, ev, bandwidth_m=260, method="simple", lixel_length_m=7, weight_column="w"
    )
    ref = _reference_simple(toy, res.lixels, ev[["segment_id", "position_m", "w"]].values, 260)
    assert res.lixels["density"].to_numpy() == pytest.approx(ref, abs=1e-14)


def test_grid_paths_around_a_block_add_up():
    """Two equal 200 m paths around a 100 m block reach the opposite corner: both count."""
    seg = _lattice(2)  # one block: 4 segments
    ids = seg.index
    ev = _events([ids[0]], [0.0])  # at corner (0, 0) on the bottom street
    lix = network_kde(seg, ev, bandwidth_m=400, lixel_length_m=10).lixels
    # top street (0,100)-(100,100) is reached from (0,100) (left street) at 100 m, and from
    # (100,100) (right street) at 200 m; corners have degree 2, so no split
    top = lix[lix["segment_id"] == ids[2]]
    c = _centres(top)
    expected = _quartic(100 + c, 400) + _quartic(200 + 100 - c, 400)
    assert top["density"].to_numpy() == pytest.approx(expected, abs=1e-15)


def test_order_invariance(toy):
    ev = _toy_events(toy)
    base = network_kde(toy, ev, bandwidth_m=200, weight_column="w").lixels
    rng = np.random.default_rng(0)
    shuffled = network_kde(
        toy.iloc[rng.permutation(len(toy))],
        ev.iloc[rng.permutation(len(ev))],
        bandwidth_m=200,
        weight_column="w",
    ).lixels
    key = ["segment_id", "start_m"]
    a = base.set_index(key)["density"].sort_index()
    b = shuffled.set_index(key)["density"].sort_index()
    assert a.index.equals(b.index)
    assert b.to_numpy() == pytest.approx(a.to_numpy(), abs=1e-15)


def test_segment_density_mean_and_max(plus):
    res = network_kde(plus, _events([11], [200.0]), bandwidth_m=300, lixel_length_m=10)
    mean = segment_density(res)
    lix = res.lixels
    own = lix[lix["segment_id"] == 11]
    assert mean[11] == pytest.approx((own["density"] * own["length_m"]).sum() / 1000)
    assert segment_density(res, how="max")[11] == pytest.approx(own["density"].max())
    assert list(mean.index) == [11, 22, 33, 44]


def test_inputs_are_not_mutated(toy):
    ev = _toy_events(toy)
    seg_before, ev_before = toy.copy(), ev.copy()
    network_kde(toy, ev, bandwidth_m=100, method="simple")
    pd.testing.assert_frame_equal(ev, ev_before)
    assert toy.equals(seg_before)


# --- errors -----------------------------------------------------------------------------------


def test_unknown_segment_ids(plus):
    ev = _events([11, 999, 998], [1.0, 2.0, 3.0])
    with pytest.raises(ValidationError, match=r"2 events have a segment_id not in the segments"):
        network_kde(plus, ev, bandwidth_m=300)


@pytest.mark.parametrize("bw", [0, -10, float("nan"), "wide"])
def test_bad_bandwidth(plus, bw):
    with pytest.raises(
        ValidationError, match=r"bandwidth_m=.* must be a positive number of metres"
    ):
        network_kde(plus, _events([11], [1.0]), bandwidth_m=bw)


def test_geographic_crs():
    seg = _segments([[(-52.34, -31.77), (-52.33, -31.77)]], crs="EPSG:4326")
    with pytest.raises(CRSError, match="geographic"):
        network_kde(seg, _events([100], [1.0]), bandwidth_m=300)


def test_bad_options_and_positions(plus):
    with pytest.raises(ValidationError, match=r"method='continuous'.*kernel='box'"):
        network_kde(plus, _events([11], [1.0]), bandwidth_m=300, method="continuous", kernel="box")
    with pytest.raises(ValidationError, match=r"outside 0\.\.segment length"):
        network_kde(plus, _events([11], [1500.0]), bandwidth_m=300)
    with pytest.raises(ValidationError, match=r"events lack columns \['position_m'\]"):
        network_kde(plus, pd.DataFrame({"segment_id": [11]}), bandwidth_m=300)
    with pytest.raises(ValidationError, match="lixel_length_m=0"):
        lixelize(plus, lixel_length_m=0)


def test_two_streets_between_the_same_nodes_split_and_rejoin():
    """Parallel 100 m and 105 m streets between A and B: paths meet again at B, 5 m apart."""
    y = math.sqrt(52.5**2 - 50**2)  # bent street (0,0)-(50,y)-(100,0) is 105 m long
    seg = _segments(
        [
            [(0, 0), (-1000, 0)],  # W arm from A
            [(0, 0), (100, 0)],  # straight street A-B
            [(0, 0), (50, y), (100, 0)],  # bent street A-B
            [(100, 0), (150, 0)],  # E street from B
            [(150, 0), (1100, 0)],  # its continuation past a degree-2 node
        ],
        ids=[1, 2, 3, 4, 5],
    )
    assert seg.loc[3, "length_m"] == pytest.approx(105.0)
    lix = network_kde(seg, _events([1], [100.0]), bandwidth_m=300, lixel_length_m=5).lixels
    east = lix[lix["segment_id"] == 4]
    c = _centres(east)
    # A (degree 3) halves the mass, B (degree 3) halves it again: ¼ by each street
    expected = _quartic(200 + c, 300) / 4 + _quartic(205 + c, 300) / 4
    assert east["density"].to_numpy() == pytest.approx(expected, abs=1e-15)
    further = lix[lix["segment_id"] == 5]  # both paths arrive by street 4, 250 and 255 m away
    c = _centres(further)
    expected = _quartic(250 + c, 300) / 4 + _quartic(255 + c, 300) / 4
    assert further["density"].to_numpy() == pytest.approx(expected, abs=1e-15)
    assert further["density"].iloc[0] > 0
    straight = lix[lix["segment_id"] == 2]
    c = _centres(straight)  # directly from A, and back from B after the bent street (305 − c)
    expected = _quartic(100 + c, 300) / 2 + _quartic(100 + 105 + 100 - c, 300) / 4
    assert straight["density"].to_numpy() == pytest.approx(expected, abs=1e-15)


def test_coarse_resolution_bounds_the_work_and_stays_close_to_exact(toy):
    """Merging paths within resolution_m (mass-weighted distance) changes the density by far
    less than the lixel discretisation, and keeps the mass where no dead end is reached."""
    rng = np.random.default_rng(3)
    ids = rng.choice(toy.index.to_numpy(), 60)
    ev = _events(ids, rng.uniform(0, 1, 60) * toy.loc[ids, "length_m"].to_numpy())
    exact = network_kde(toy, ev, bandwidth_m=450, lixel_length_m=5)
    coarse = network_kde(toy, ev, bandwidth_m=450, lixel_length_m=5, resolution_m=0.5)
    d0, d1 = exact.lixels["density"].to_numpy(), coarse.lixels["density"].to_numpy()
    assert np.abs(d1 - d0).max() <= 1e-3 * d0.max()
    length = exact.lixels["length_m"].to_numpy()
    assert (d1 * length).sum() == pytest.approx((d0 * length).sum(), rel=1e-6)


def test_path_explosion_is_stopped_with_a_clear_message(toy):
    # the bent street and the loop have lengths incommensurate with the grid: paths multiply
    ev = _events(np.array([900, 901]), np.array([20.0, 30.0]))
    with pytest.raises(ValidationError, match=r"distinct paths.*resolution_m"):
        network_kde(toy, ev, bandwidth_m=3000, max_states=500)
    with pytest.raises(ValidationError, match="resolution_m"):
        network_kde(toy, ev, bandwidth_m=100, resolution_m=0)
