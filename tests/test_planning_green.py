"""Green-area projects: kind and size filter, walking distance along the streets, adopted areas."""

from __future__ import annotations

import heapq
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from planning_toys import CRS, X0, Y0, incidents, segments

from hotspots.config.planning import PlanningSettings
from hotspots.overlays.green import prepare_green_areas
from hotspots.planning.evidence import evidence
from hotspots.planning.green import green_projects, walking_distances
from hotspots.planning.network import street_nodes

PARK = shapely.box(X0 + 120, Y0 + 10, X0 + 180, Y0 + 60)  # 3,000 m², 10 m north of Rua A


def plain_dijkstra(n_nodes, edges, sources):
    """Textbook Dijkstra with a heap from several sources with start distances."""
    adj = {i: [] for i in range(n_nodes)}
    for a, b, w in edges:
        adj[a].append((b, w))
        adj[b].append((a, w))
    dist = dict.fromkeys(range(n_nodes), math.inf)
    heap = []
    for node, d0 in sources:
        if d0 < dist[node]:
            dist[node] = d0
            heapq.heappush(heap, (d0, node))
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w in adj[u]:
            if d + w < dist[v]:
                dist[v] = d + w
                heapq.heappush(heap, (d + w, v))
    return dist


def test_walking_distances_by_hand():
    segs = segments()
    nodes = street_nodes(segs)
    seg = segs.index.get_indexer([3, 8, 5, 6])
    pos = np.array([50.0, 20.0, 10.0, 30.0])
    got = walking_distances(gpd.GeoSeries([PARK], crs=CRS), segs, nodes, seg, pos,
                            radius_m=200.0, access_m=30.0).set_index("incident")["distance_m"]
    entry = math.hypot(20, 10)  # park corner (120, 10) / (180, 10) to the nodes at x = 100, 200
    # Rua A block 3 passes within 30 m of the park: straight distance from (250, 0)
    assert got[0] == pytest.approx(math.hypot(70, 10))
    # Av. C north at (300, 20): out by (200, 0), 100 m along Rua A, 20 m up Av. C
    assert got[1] == pytest.approx(entry + 100 + 20)
    # Rua B north at (0, 10): out by (100, 0), 100 m west, 10 m up
    assert got[2] == pytest.approx(entry + 100 + 10)
    # Travessa E passes 20 m from the park: straight distance
    assert got[3] == pytest.approx(20.0)
    near = walking_distances(gpd.GeoSeries([PARK], crs=CRS), segs, nodes, seg, pos,
                             radius_m=135.0, access_m=30.0)
    assert sorted(near["incident"]) == [0, 2, 3]  # 142 m (Av. C) is beyond a 135 m walk


def test_node_distances_agree_with_a_plain_dijkstra():
    rng = np.random.default_rng(3)
    segs = segments()
    nodes = street_nodes(segs)
    edges = list(zip(nodes.u, nodes.v, nodes.length_m, strict=True))
    parks = [shapely.box(X0 + x, Y0 + y, X0 + x + 20, Y0 + y + 20)
             for x, y in rng.uniform([-60, -60], [320, 60], size=(6, 2))]
    for k, park in enumerate(parks):
        seg = np.arange(len(segs)).repeat(5)
        pos = rng.uniform(0, 1, len(seg)) * nodes.length_m[seg]
        got = walking_distances(gpd.GeoSeries([park], crs=CRS), segs, nodes, seg, pos,
                                radius_m=400.0, access_m=30.0)
        pts = shapely.points(nodes.xy)
        src = [(i, shapely.distance(park, pts[i])) for i in range(nodes.n_nodes)
               if shapely.distance(park, pts[i]) <= 30.0]
        dist = plain_dijkstra(nodes.n_nodes, edges, src)
        beside = shapely.distance(park, segs.geometry.to_numpy()) <= 30.0
        for _, row in got.iterrows():
            i = int(row["incident"])
            s, p = seg[i], pos[i]
            walk = min(dist[nodes.u[s]] + p, dist[nodes.v[s]] + nodes.length_m[s] - p)
            if beside[s]:
                pt = shapely.line_interpolate_point(segs.geometry.iloc[s], p)
                walk = min(walk, shapely.distance(park, pt))
            assert row["distance_m"] == pytest.approx(walk, abs=1e-6), (k, i)


def areas():
    polys = [PARK, shapely.box(X0 + 10, Y0 + 2, X0 + 60, Y0 + 4),  # 100 m² grass verge
             shapely.box(X0 + 210, Y0 + 5, X0 + 230, Y0 + 30),  # 500 m² playground
             shapely.box(X0 + 240, Y0 - 60, X0 + 290, Y0 - 10)]  # 2,500 m² adopted square
    raw = gpd.GeoDataFrame({"area_id": [1, 2, 3, 4], "name": ["Praça Um", "", "", "Praça Dois"],
                            "kind": ["park", "grass", "playground", "square"],
                            "adopted": ["não", "no", "false", "sim"]}, geometry=polys, crs=CRS)
    return prepare_green_areas(raw, CRS)


def test_candidates_are_squares_and_parks_not_verges():
    segs = segments()
    inc = incidents([(2, 50.0, "2026-11-20 23:00", "roubo"), (3, 60.0, "2026-11-20 12:00",
                                                                "furto")])
    ev = evidence(inc, segs, as_of="2026-11-28", settings=PlanningSettings())
    gp = green_projects(areas(), segs, street_nodes(segs), ev.frame, settings=PlanningSettings())
    assert gp.counts["left_out_kind"] == 1  # the grass verge
    assert gp.counts["left_out_small"] == 1  # the 500 m² playground (< 1,000 m²)
    assert list(gp.projects.index) == ["G-1", "G-4"]
    park, square = gp.projects.loc["G-1"], gp.projects.loc["G-4"]
    assert park["incidents"] == 2 and park["night_incidents"] == 1
    assert square["adopted"] and square["incidents"] == 2
    # both incidents are within a walk of the adopted square: adopting the park adds nothing
    assert park["weighted"] == 2.0 and park["value"] == 0.0
    assert park["incidents_per_ha"] == pytest.approx(2 / 0.3)
    s = PlanningSettings(green_min_area_m2=400.0, green_kinds=("park", "playground"))
    gp = green_projects(areas(), segs, street_nodes(segs), ev.frame, settings=s)
    assert list(gp.projects.index) == ["G-1", "G-3"]
    assert gp.counts["left_out_kind"] == 2


def test_coverage_items_group_incidents_by_their_catchments():
    segs = segments()
    inc = incidents([(2, 50.0, "2026-11-20 23:00", "roubo"),  # (150, 0): the park only
                     (2, 40.0, "2026-11-20 23:00", "roubo"),  # (140, 0): the park only
                     (1, 10.0, "2026-11-21 23:00", "furto"),  # (10, 0): 110.5 m from the park
                     (3, 60.0, "2026-11-21 23:00", "furto")])  # (260, 0): park and square
    s = PlanningSettings(harm_weights={"roubo": 2.0}, walk_radius_m=150.0)
    ev = evidence(inc, segs, as_of="2026-11-28", settings=s)
    raw = areas()
    raw["adopted"] = False
    gp = green_projects(raw, segs, street_nodes(segs), ev.frame, settings=s)
    assert list(gp.projects.index) == ["G-1", "G-4"]
    assert gp.projects["incidents"].tolist() == [4, 1]
    assert gp.projects["value"].tolist() == [6.0, 1.0]
    rows = {tuple(r): w for r, w in zip(gp.cover.toarray().astype(int).tolist(),
                                        gp.cover_weights, strict=True)}
    # incidents with the same catchment are one item of the coverage selection
    assert rows == {(1, 0): 5.0, (1, 1): 1.0}


def test_grid_nodes_equal_numpy_unique():
    import numpy as np

    from hotspots.blockfaces import grid_nodes

    rng = np.random.default_rng(4)
    for xy in (rng.integers(-30, 30, (5000, 2)), rng.integers(0, 10**9, (300, 2)),
               np.zeros((0, 2), np.int64)):
        keys, inverse = np.unique(xy, axis=0, return_inverse=True)
        got_keys, got_inverse = grid_nodes(xy * 1e-3, 1e-3)
        assert np.array_equal(got_keys, keys)
        assert np.array_equal(got_inverse, inverse.ravel())
