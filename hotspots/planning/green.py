"""Green-area projects: squares and parks (not verges) valued by incidents within a walk of them."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from hotspots._errors import ValidationError
from hotspots.config.planning import PlanningSettings
from hotspots.planning.network import StreetNodes, node_distances

__all__ = ["GreenProjects", "green_projects", "walking_distances"]


@dataclass(frozen=True)
class GreenProjects:
    """Green-area candidates, which incidents each reaches, and what was left out and why."""

    projects: gpd.GeoDataFrame  #: index project_id ("G-<area_id>"): area_id, name, kind, ...
    cover: sp.csr_array  #: (incident groups × projects) 1 = the group is within the walk
    cover_weights: np.ndarray  #: harm-weighted incidents per group (not near adopted areas)
    counts: dict  #: areas read, left out by kind, left out by size, adopted


def _incident_points(geoms: np.ndarray, seg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    return shapely.line_interpolate_point(geoms[seg], pos)


def walking_distances(
    areas: gpd.GeoSeries,
    segments: gpd.GeoDataFrame,
    nodes: StreetNodes,
    seg: np.ndarray,
    pos: np.ndarray,
    *,
    radius_m: float,
    access_m: float,
) -> pd.DataFrame:
    """Walking distance along the streets from each area to each incident within ``radius_m``.

    Parameters
    ----------
    areas : GeoSeries
        Polygons (analysis CRS), positional.
    segments, nodes
        The street segments and their end nodes.
    seg, pos : arrays
        Segment row and position (m from its start) of each incident.
    radius_m, access_m : float
        Largest walk counted; street ends within ``access_m`` of an area are its entrances.

    Returns
    -------
    DataFrame
        (area, incident, distance_m) for every pair within ``radius_m``. From the area a walker
        leaves by an entrance (the distance to it counted), follows the streets (Dijkstra on
        the segment lengths) and walks along the incident's segment to its position; on a
        segment that itself passes within ``access_m`` of the area the straight distance to
        the area counts instead (the walker is on the street beside it).
    """
    geoms = segments.geometry.to_numpy()
    polys = areas.to_numpy()
    empty = pd.DataFrame({"area": np.empty(0, np.int64), "incident": np.empty(0, np.int64),
                          "distance_m": np.empty(0)})
    if len(polys) == 0 or len(seg) == 0:
        return empty
    node_pts = shapely.points(nodes.xy)
    na, nn = shapely.STRtree(node_pts).query(polys, predicate="dwithin", distance=access_m)
    src, node, dist = node_distances(
        nodes, na, nn, shapely.distance(polys[na], node_pts[nn]), n_sources=len(polys),
        limit_m=radius_m)
    to_node = pd.DataFrame({"area": src, "node": node, "d": dist})
    pts = _incident_points(geoms, seg, pos)
    # straight distance is a lower bound of the walk: only pairs within the radius can count
    ia, ii = shapely.STRtree(pts).query(polys, predicate="dwithin", distance=radius_m)
    pairs = pd.DataFrame({"area": ia, "incident": ii, "seg": seg[ii], "pos": pos[ii]})
    pairs["u"] = nodes.u[pairs["seg"]]
    pairs["v"] = nodes.v[pairs["seg"]]
    length = nodes.length_m[pairs["seg"].to_numpy()]
    du = pairs.merge(to_node.rename(columns={"node": "u"}), on=["area", "u"], how="left")["d"]
    dv = pairs.merge(to_node.rename(columns={"node": "v"}), on=["area", "v"], how="left")["d"]
    walk = np.fmin(du.to_numpy() + pairs["pos"].to_numpy(),
                   dv.to_numpy() + (length - pairs["pos"].to_numpy()))
    sa, ss = shapely.STRtree(geoms).query(polys, predicate="dwithin", distance=access_m)
    beside = pd.MultiIndex.from_arrays([sa, ss])
    on_side = pd.MultiIndex.from_arrays([pairs["area"], pairs["seg"]]).isin(beside)
    straight = shapely.distance(polys[pairs["area"].to_numpy()], pts[pairs["incident"]])
    walk = np.where(on_side, np.fmin(walk, straight), walk)
    out = pd.DataFrame({"area": pairs["area"].to_numpy(), "incident": pairs["incident"].to_numpy(),
                        "distance_m": walk})
    return out[out["distance_m"] <= radius_m].reset_index(drop=True)


def _nearest_street(polys: np.ndarray, segments: gpd.GeoDataFrame) -> np.ndarray:
    """Name of the nearest named street of each polygon ('' when no street is named)."""
    names = segments["street_name"].astype("string").fillna("").str.strip().to_numpy(object) \
        if "street_name" in segments.columns else np.full(len(segments), "", object)
    named = np.flatnonzero(names != "")
    out = np.full(len(polys), "", dtype=object)
    if len(named) == 0 or len(polys) == 0:
        return out
    tree = shapely.STRtree(segments.geometry.to_numpy()[named])
    pi, si = tree.query_nearest(polys, all_matches=False)
    out[pi] = names[named[si]]
    return out


def green_projects(
    areas: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    nodes: StreetNodes,
    incidents: pd.DataFrame,
    *,
    settings: PlanningSettings,
) -> GreenProjects:
    """Green areas that can be adopted, each valued by the incidents within a walk of it.

    Parameters
    ----------
    areas : GeoDataFrame
        From :func:`hotspots.overlays.green.prepare_green_areas` (index ``area_id``,
        ``adopted``, ``area_m2``, optional ``kind`` and ``name``).
    segments, nodes
        Street segments and their end nodes.
    incidents : DataFrame
        Incidents of the evidence window (:class:`hotspots.planning.evidence.Evidence`
        ``frame``: ``segment_id``, ``position_m``, ``weight``, ``night``).
    settings : PlanningSettings
        ``green_kinds`` and ``green_min_area_m2`` filter the candidates; ``walk_radius_m`` and
        ``green_access_m`` define the walk.

    Returns
    -------
    GreenProjects
        Candidates with ``incidents`` (within the walk, all hours), ``night_incidents``,
        ``weighted`` (harm-weighted) and ``value`` = the harm-weighted incidents not already
        within a walk of an adopted area (what adopting this area adds), ``unserved_incidents``
        (their number, unweighted) and ``incidents_per_ha``.
        Adopted areas are listed (``adopted`` True) but are not candidates for funding.
    """
    need = [c for c in ("adopted", "area_m2") if c not in areas.columns]
    if need:
        raise ValidationError(f"planning: the green areas lack {need}; pass them through "
                              "hotspots.overlays.green.prepare_green_areas first")
    counts = {"areas": len(areas), "left_out_kind": 0, "left_out_small": 0,
              "kind_known": "kind" in areas.columns}
    keep = np.ones(len(areas), dtype=bool)
    if "kind" in areas.columns:
        kinds = {k.casefold() for k in settings.green_kinds}
        ok_kind = areas["kind"].astype("string").fillna("").str.strip().str.casefold().isin(
            kinds).to_numpy(dtype=bool)
        counts["left_out_kind"] = int((~ok_kind).sum())
        keep &= ok_kind
    small = areas["area_m2"].to_numpy(float) < settings.green_min_area_m2
    counts["left_out_small"] = int((keep & small).sum())
    keep &= ~small
    cand = areas[keep]
    counts["adopted"] = int(cand["adopted"].astype(bool).sum())
    seg = segments.index.get_indexer(incidents["segment_id"])
    pos = incidents["position_m"].to_numpy(dtype=float)
    usable = (seg >= 0) & np.isfinite(pos)
    inc_idx = np.flatnonzero(usable)
    pairs = walking_distances(cand.geometry, segments, nodes, seg[usable], pos[usable],
                              radius_m=settings.walk_radius_m, access_m=settings.green_access_m)
    weight = incidents["weight"].to_numpy(dtype=float)[inc_idx]
    night = incidents["night"].to_numpy(dtype=bool)[inc_idx]
    n_area = len(cand)
    a, i = pairs["area"].to_numpy(), pairs["incident"].to_numpy()
    adopted = cand["adopted"].to_numpy(dtype=bool)
    served = np.zeros(len(inc_idx), dtype=bool)
    served[i[adopted[a]]] = True
    frame = gpd.GeoDataFrame({
        "area_id": cand.index.to_numpy(),
        "name": (cand["name"].astype("string").fillna("").str.strip().to_numpy(object)
                 if "name" in cand.columns else ""),
        "kind": (cand["kind"].astype("string").fillna("").to_numpy(object)
                 if "kind" in cand.columns else ""),
        "area_m2": cand["area_m2"].to_numpy(float),
        "adopted": adopted,
        "incidents": np.bincount(a, minlength=n_area).astype(np.int64),
        "night_incidents": np.bincount(a[night[i]], minlength=n_area).astype(np.int64),
        "weighted": np.bincount(a, weights=weight[i], minlength=n_area),
        "value": np.bincount(a, weights=np.where(served[i], 0.0, weight[i]), minlength=n_area),
        "unserved_incidents": np.bincount(a[~served[i]], minlength=n_area).astype(np.int64),
        "nearest_street": _nearest_street(cand.geometry.to_numpy(), segments),
    }, geometry=cand.geometry.to_numpy(), crs=segments.crs)
    frame["incidents_per_ha"] = frame["incidents"] / (frame["area_m2"] / 1e4)
    frame.index = pd.Index([f"G-{x}" for x in cand.index], name="project_id")
    # incidents as groups of identical catchments (the coverage items of the selection)
    fresh = ~served[i] & ~adopted[a]
    cov = pd.DataFrame({"area": a[fresh], "incident": i[fresh]})
    if len(cov):
        sig = cov.sort_values(["incident", "area"]).groupby("incident")["area"].agg(tuple)
        group, group_of_sig = pd.factorize(sig, sort=True)
        w = np.bincount(group, weights=weight[sig.index.to_numpy()])
        rows = np.repeat(np.arange(len(group_of_sig)), [len(s) for s in group_of_sig])
        cols = np.concatenate([np.asarray(s, dtype=np.int64) for s in group_of_sig])
        cover = sp.csr_array((np.ones(len(rows)), (rows, cols)),
                             shape=(len(group_of_sig), n_area))
    else:
        cover, w = sp.csr_array((0, n_area)), np.zeros(0)  # type: ignore[assignment]
    return GreenProjects(projects=frame, cover=cover, cover_weights=w, counts=counts)
