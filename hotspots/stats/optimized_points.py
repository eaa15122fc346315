"""Optimized hot spots of incident points (after ArcGIS): aggregation into cells, then Gi*."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from hotspots import crs as crs_mod
from hotspots._errors import CRSError, ValidationError
from hotspots.stats.optimized import (
    MIN_FEATURES,
    MIN_INCIDENTS,
    OUTLIER_SD,
    locational_outliers,
    optimized_hot_spots,
)

__all__ = ["OptimizedPointsResult", "default_cell_size", "optimized_hot_spots_points"]

#: minimum incidents for fishnet/hexagon aggregation without a bounding polygon (ArcGIS)
MIN_INCIDENTS_UNBOUNDED = 60
#: default cell: a square of side CELL_NN_FACTOR × the mean nearest-neighbour distance
CELL_NN_FACTOR = 2.0
#: the default cell is never smaller than this share of the larger side of the extent
CELL_MIN_EXTENT_SHARE = 0.001


@dataclass(frozen=True)
class OptimizedPointsResult:
    """Aggregation cells with ``count`` and Gi* (``frame``), the incidents not counted
    (``excluded``: ``reason``, ``detail``, indexed like the points), the log of every choice."""

    frame: gpd.GeoDataFrame
    aggregation: str
    cell_size_m: float | None
    distance_m: float
    isa: pd.DataFrame
    excluded: pd.DataFrame
    log: tuple[str, ...]
    seed: int | None
    parameters: dict = field(default_factory=dict)


def optimized_hot_spots_points(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    boundary=None,
    aggregation: str | gpd.GeoDataFrame = "fishnet",
    cell_size_m: float | None = None,
    permutations: int = 999,
    seed: int | None = 20171,
    n_jobs: int | None = None,
) -> OptimizedPointsResult:
    """Optimized Hot Spot Analysis of incident points, aggregated as ArcGIS does.

    ``points`` are incidents (one row each) in a metric CRS. ``aggregation`` is ``"fishnet"``
    (squares of side ``cell_size_m``), ``"hexagon"`` (hexagons of edge ``cell_size_m``; see
    :func:`hotspots.grids.hexagons`) or a GeoDataFrame of polygons (bairros, police sectors)
    in the points' CRS. ``boundary`` (polygons, same CRS; fishnet/hexagon only) is where
    incidents are possible. Rules (REFERENCE.md, after Esri's tool), each logged:

    - at least 30 incidents (60 for fishnet/hexagon without a boundary) and at least 30
      features after aggregation, else a ValidationError saying what to change;
    - with a boundary every cell meeting it is analysed, zero-count cells included, and
      incidents outside it are excluded (``excluded``, reason ``outside_boundary``); without
      one only cells with ≥ 1 incident are analysed. Aggregation polygons are all analysed;
      incidents outside them are excluded (``outside_polygons``). Null or empty points are
      excluded (``invalid_geometry``).
    - default cell size (when ``cell_size_m`` is None): locational outliers (distinct
      locations whose nearest-neighbour distance exceeds the mean + 3 SD) are set aside, and
      the square side is 2 × the mean nearest-neighbour distance between the remaining
      distinct locations — under complete spatial randomness the mean nearest-neighbour
      distance is 1 / (2√λ) (Clark & Evans 1954), so such a square holds about one incident on
      average — and never less than 0.1 % of the larger side of the extent (boundary, else
      points). This approximates, and is not, Esri's unpublished rule, which also derives the
      cell from nearest-neighbour distances of non-outlier incidents. Hexagons get the same
      area as that square (edge = side · √(2 / (3√3))).
    - then :func:`optimized_hot_spots` on the cells' counts (distance band from incremental
      spatial autocorrelation, Gi* with FDR on); its log lines follow ours.
    """
    from hotspots import grids

    what = "optimized_hot_spots_points"
    pts = _check_points(points, what)
    kind = _check_aggregation(aggregation, boundary, pts.crs, what)
    region = None if boundary is None else _boundary_geometry(boundary, pts.crs, what)
    log: list[str] = []
    excluded = []
    bad = shapely.is_missing(pts.values) | shapely.is_empty(pts.values)
    if bad.any():
        excluded.append(_excluded(pts.index[bad], "invalid_geometry", "null or empty point"))
    log.append(f"{len(pts)} incidents given; {int(bad.sum())} without a location excluded")
    used = pts[~bad]
    if region is not None:
        shapely.prepare(region)
        inside = shapely.covers(region, used.values)
        if (~inside).any():
            excluded.append(
                _excluded(used.index[~inside], "outside_boundary", "outside the boundary")
            )
        log.append(f"{int((~inside).sum())} incidents outside the boundary excluded")
        used = used[inside]
    if kind == "polygons":
        polys = aggregation
        where = grids.assign_points(used, polys)
        out = where.isna().to_numpy()
        if out.any():
            excluded.append(
                _excluded(used.index[out], "outside_polygons", "in no aggregation polygon")
            )
        log.append(f"{int(out.sum())} incidents outside every aggregation polygon excluded")
        used = used[~out]
    need = MIN_INCIDENTS_UNBOUNDED if kind != "polygons" and region is None else MIN_INCIDENTS
    if len(used) < need:
        how = (
            f"{kind} aggregation without a bounding polygon"
            if need == MIN_INCIDENTS_UNBOUNDED
            else f"{kind} aggregation"
        )
        raise ValidationError(
            f"{what}: only {len(used)} usable incidents; Optimized Hot Spot Analysis with {how} "
            f"needs at least {need} (use a longer period or a larger area"
            + (", or give a boundary polygon" if need == MIN_INCIDENTS_UNBOUNDED else "")
            + ")"
        )
    log.append(f"{len(used)} incidents analysed (≥ {need} needed: check passed)")

    size = None
    if kind == "polygons":
        cells = polys[[polys.geometry.name]].copy()  # type: ignore[index, union-attr]
        log.append(f"aggregation: the {len(cells)} given polygons, all analysed (zeros included)")
    else:
        xy = shapely.get_coordinates(used.values)
        extent = region.bounds if region is not None else (*xy.min(axis=0), *xy.max(axis=0))
        if cell_size_m is None:
            size, how = default_cell_size(xy, extent)
            log.append(how)
            if kind == "hexagon":
                edge = size * math.sqrt(2.0 / (3.0 * math.sqrt(3.0)))
                log.append(
                    f"hexagon edge {edge:.1f} m: same area ({size * size:.0f} m²) as the "
                    f"{size:.1f} m square"
                )
                size = edge
        else:
            size = float(cell_size_m)
            log.append(
                f"cell size given: {size:g} m ("
                + ("square side" if kind == "fishnet" else "hexagon edge")
                + ")"
            )
        build = grids.fishnet if kind == "fishnet" else grids.hexagons
        area = region if region is not None else _padded_extent(extent)
        cells = build(area, cell_size_m=size, crs=pts.crs)
    cells["count"] = grids.count_points(used, cells)
    if kind != "polygons":
        if region is not None:
            log.append(
                f"aggregation: {kind} of {len(cells)} cells meeting the boundary, all analysed "
                f"({int((cells['count'] == 0).sum())} with zero incidents)"
            )
        else:
            n_all = len(cells)
            cells = cells[cells["count"] > 0]
            log.append(
                f"aggregation: {kind} over the incidents' extent; the {len(cells)} of {n_all} "
                "cells with at least one incident are analysed (no boundary given)"
            )
    if len(cells) < MIN_FEATURES:
        hint = (
            "give more aggregation polygons"
            if kind == "polygons"
            else f"give a smaller cell_size_m than {size:.1f} m"
            + ("" if region is not None else " or a boundary polygon")
        )
        raise ValidationError(
            f"{what}: only {len(cells)} features after aggregation; at least {MIN_FEATURES} are "
            f"needed ({hint})"
        )
    res = optimized_hot_spots(
        cells,
        value_column="count",
        incidents_total=float(len(used)),
        permutations=permutations,
        seed=seed,
        n_jobs=n_jobs,
    )
    frame = cells.join(res.frame)
    excl = (
        pd.concat(excluded)
        if excluded
        else pd.DataFrame({"reason": pd.Series(dtype=str), "detail": pd.Series(dtype=str)})
    )
    params = dict(res.parameters)
    params.update(
        {
            "aggregation": kind,
            "cell_size_m": size,
            "boundary": region is not None,
            "incidents_given": len(pts),
            "incidents_analysed": len(used),
            "min_incidents": need,
        }
    )
    return OptimizedPointsResult(
        frame=frame,
        aggregation=kind,
        cell_size_m=size,
        distance_m=res.distance_m,
        isa=res.isa,
        excluded=excl,
        log=tuple(log) + res.log,
        seed=seed,
        parameters=params,
    )


def default_cell_size(xy: np.ndarray, extent: tuple[float, ...]) -> tuple[float, str]:
    """Default square side for incident points ``xy`` (rule in
    :func:`optimized_hot_spots_points`); returns (size in metres, the sentence to log)."""
    distinct = np.unique(xy, axis=0)
    if len(distinct) < 3:
        raise ValidationError(
            f"optimized_hot_spots_points: the incidents sit at only {len(distinct)} distinct "
            "locations; a cell size cannot be derived from them (give cell_size_m)"
        )
    outliers = locational_outliers(distinct)
    core = distinct[~outliers]
    nn = cKDTree(core).query(core, k=2)[0][:, 1]
    size = CELL_NN_FACTOR * float(nn.mean())
    floor = CELL_MIN_EXTENT_SHARE * max(extent[2] - extent[0], extent[3] - extent[1])
    how = (
        f"cell size {max(size, floor):.1f} m: {CELL_NN_FACTOR:g} × the mean nearest-neighbour "
        f"distance ({nn.mean():.1f} m) of {len(core)} distinct incident locations, "
        f"{int(outliers.sum())} locational outliers (> mean + {OUTLIER_SD:g} SD) set aside"
    )
    if size < floor:
        how += f"; raised from {size:.1f} m to 0.1 % of the extent"
    return max(size, floor), how + " (an approximation of Esri's rule)"


def _padded_extent(extent) -> tuple[float, float, float, float]:
    """The incidents' extent, widened by 1 mm where it has zero width or height."""
    minx, miny, maxx, maxy = extent
    if maxx - minx <= 0:
        minx, maxx = minx - 1e-3, maxx + 1e-3
    if maxy - miny <= 0:
        miny, maxy = miny - 1e-3, maxy + 1e-3
    return (minx, miny, maxx, maxy)


def _excluded(index: pd.Index, reason: str, detail: str) -> pd.DataFrame:
    return pd.DataFrame({"reason": reason, "detail": detail}, index=index)


def _check_points(points, what: str) -> gpd.GeoSeries:
    if not isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        raise ValidationError(f"{what}: give the incidents as a GeoDataFrame of points")
    if points.crs is None:
        raise ValidationError(f"{what}: the incidents have no CRS")
    crs_mod.require_metric(points.crs, what=f"{what}: incidents CRS")
    geoms = points.geometry
    types = shapely.get_type_id(geoms.values)
    bad = (types != 0) & (types != -1) & ~shapely.is_empty(geoms.values)
    if bad.any():
        raise ValidationError(
            f"{what}: {int(bad.sum())} incidents are not points (first index "
            f"{geoms.index[bad][0]!r}, {geoms.geom_type[bad].iloc[0]}); give one point per "
            "incident"
        )
    if geoms.index.has_duplicates:
        raise ValidationError(f"{what}: the incidents' index has duplicate ids")
    return geoms


def _check_aggregation(aggregation, boundary, crs, what: str) -> str:
    if isinstance(aggregation, gpd.GeoDataFrame):
        if boundary is not None:
            raise ValidationError(
                f"{what}: a boundary applies to fishnet/hexagon aggregation only; with "
                "aggregation polygons, the polygons themselves are the study area"
            )
        if aggregation.crs is None or pyproj.CRS(aggregation.crs) != pyproj.CRS(crs):
            raise CRSError(
                f"{what}: the aggregation polygons ({aggregation.crs}) must be in the incidents' "
                f"CRS ({crs}); reproject them with .to_crs first"
            )
        if aggregation.index.has_duplicates:
            raise ValidationError(f"{what}: the aggregation polygons' index has duplicate ids")
        return "polygons"
    if aggregation not in ("fishnet", "hexagon"):
        raise ValidationError(
            f"{what}: aggregation={aggregation!r}; use 'fishnet', 'hexagon' or a GeoDataFrame "
            "of polygons"
        )
    return aggregation


def _boundary_geometry(boundary, crs, what: str):
    if isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        if boundary.crs is None or pyproj.CRS(boundary.crs) != pyproj.CRS(crs):
            raise CRSError(
                f"{what}: the boundary ({boundary.crs}) must be in the incidents' CRS ({crs}); "
                "reproject it with .to_crs first"
            )
        geoms = boundary.geometry.values
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        region = shapely.union_all(geoms) if len(geoms) else None
    else:
        region = boundary
    if region is None or shapely.get_type_id(region) not in (3, 6) or region.area <= 0:
        raise ValidationError(
            f"{what}: the boundary must be polygons with an area (a GeoDataFrame, GeoSeries or "
            "shapely Polygon in the incidents' CRS)"
        )
    return region
